//! Everything egui: the window, its views, and the bridge to the work it must not wait for.
//!
//! - `app.rs`: the window's state and frame; applies the views' [`command::Command`]s after
//!   each frame.
//! - `tabs/`: one file per view, and the one table of tabs.
//! - `widgets/`: what several views draw (settings bar, tracking panel, evidence window,
//!   dialogs, colours, table cells).
//! - `bridge/`: the store thread, one latest-value worker per kind of computation, the window
//!   sweeps behind the sliders.

mod app;
mod bridge;
mod command;
mod settings;
mod status;
mod tabs;
mod widgets;

use std::path::PathBuf;
use std::process::ExitCode;

use eframe::egui;

pub use app::{AppPaths, PartnerApp};
pub use settings::{Measure, SensitivityModels, SettingsError, SortColumn, Tab, UiSettings};
pub use status::StatusMessage;
pub use widgets::dialogs::answer_saves_in;

/// Opens the window on `database` (or the last one, or the sample programme) and imports
/// `exports` into it.
pub fn run(database: Option<PathBuf>, exports: Vec<PathBuf>) -> anyhow::Result<ExitCode> {
    let programme_given = database.is_some();
    let viewport = egui::ViewportBuilder::default()
        .with_title("Partner Attribution")
        .with_app_id("partner-attribution")
        .with_inner_size([1360.0, 860.0])
        .with_min_inner_size([900.0, 560.0])
        .with_drag_and_drop(true)
        .with_icon(app_icon());
    let options = eframe::NativeOptions {
        viewport,
        // eframe keeps the window's size and position here between runs.
        persistence_path: Some(crate::store::paths::window_state_file()),
        ..Default::default()
    };
    eframe::run_native(
        "Partner Attribution",
        options,
        Box::new(move |cc| {
            let mut app = PartnerApp::new(database, AppPaths::platform());
            if !window_was_kept(cc.storage) {
                app.fit_to_screen();
            }
            app.receive_exports(exports, programme_given);
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("could not open the window: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

/// Whether eframe kept the window's size and position from an earlier run (under the key its
/// native integration writes them, `window`).
fn window_was_kept(storage: Option<&dyn eframe::Storage>) -> bool {
    storage.is_some_and(|s| s.get_string("window").is_some())
}

/// The window icon, drawn from the shipped PNG.
fn app_icon() -> egui::IconData {
    eframe::icon_data::from_png_bytes(include_bytes!("../../assets/icon.png")).unwrap_or_default()
}
