//! Everything egui: the window, its views, and the bridge to the store thread.

mod app;
mod audit_tab;
mod background;
mod compare_tab;
mod credit_engine;
mod data_tab;
mod dialogs;
mod evidence_window;
mod lab_tab;
mod leakage_tab;
mod links_tab;
mod payouts_tab;
mod rules_tab;
mod sensitivity_tab;
mod settings;
mod tracking_panel;
mod widgets;
mod worker;

use std::path::PathBuf;
use std::process::ExitCode;

use eframe::egui;

pub use app::{AppPaths, PartnerApp, StatusMessage};
pub use settings::{Measure, SensitivityModels, SettingsError, SortColumn, Tab, UiSettings};

/// Opens the window on `database` (or the last one, or the sample programme) and imports
/// `exports` into it.
pub fn run(database: Option<PathBuf>, exports: Vec<PathBuf>) -> anyhow::Result<ExitCode> {
    let viewport = egui::ViewportBuilder::default()
        .with_title("Partner Attribution")
        .with_app_id("partner-attribution")
        .with_inner_size([1360.0, 860.0])
        .with_min_inner_size([900.0, 560.0])
        .with_drag_and_drop(true)
        .with_icon(app_icon());
    let options = eframe::NativeOptions {
        viewport,
        ..Default::default()
    };
    eframe::run_native(
        "Partner Attribution",
        options,
        Box::new(move |_cc| {
            let mut app = PartnerApp::new(database, AppPaths::platform());
            app.import_paths(exports);
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("could not open the window: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

/// The window icon, drawn from the shipped PNG.
fn app_icon() -> egui::IconData {
    eframe::icon_data::from_png_bytes(include_bytes!("../../assets/icon.png")).unwrap_or_default()
}
