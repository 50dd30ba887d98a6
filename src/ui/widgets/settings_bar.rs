//! The bar above the views: the window slider, the toggles, the measure and the tracking
//! settings six views share.

use eframe::egui::{self, RichText};

use crate::attribution::CookieWindow;
use crate::journeys::JourneyIndex;
use crate::ui::settings::{Measure, UiSettings};
use crate::ui::widgets::tracking_panel::tracking_bar_ui;

/// The window slider, the toggles, the measure and the tracking settings: shared by Compare,
/// Sensitivity, Leakage, Payouts, Audit, the lab and Rules.
pub fn settings_bar_ui(ui: &mut egui::Ui, settings: &mut UiSettings) {
    ui.horizontal_wrapped(|ui| {
        let attribution = &mut settings.attribution;
        let mut unlimited = attribution.window == CookieWindow::Unlimited;
        let mut days = match attribution.window {
            CookieWindow::Days(d) => d,
            CookieWindow::Unlimited => settings.last_window_days,
        };
        let label = ui.label("Cookie window");
        let slider = ui
            .add_enabled(
                !unlimited,
                egui::Slider::new(&mut days, 1..=365).suffix(" days"),
            )
            .labelled_by(label.id);
        let toggled = ui
            .checkbox(&mut unlimited, "Unlimited")
            .on_hover_text("Any earlier touch counts, however old")
            .changed();
        if slider.changed() || toggled {
            settings.last_window_days = days;
            attribution.window = if unlimited {
                CookieWindow::Unlimited
            } else {
                CookieWindow::Days(days)
            };
        }
        ui.separator();
        ui.checkbox(
            &mut attribution.reset_after_conversion,
            "Reset after conversion",
        )
        .on_hover_text(
            "Touches at or before an earlier conversion of the same customer are not reused",
        );
        ui.checkbox(&mut attribution.partners_only, "Partners only")
            .on_hover_text(
                "Drop organic, direct and other non-partner touches before the models run",
            );
        ui.separator();
        ui.label("Measure");
        for measure in Measure::ALL {
            ui.selectable_value(&mut settings.measure, measure, measure.label());
        }
    });
    tracking_bar_ui(ui, &mut settings.attribution.tracking);
}

/// A warning when revenue adds up several currencies.
pub fn currency_mix_ui(ui: &mut egui::Ui, index: &JourneyIndex) {
    if let Some(currencies) = index.mixed_currencies() {
        ui.label(
            RichText::new(format!(
                "Revenue here adds up {currencies} without conversion; the Payouts view keeps currencies apart."
            ))
            .color(ui.visuals().warn_fg_color),
        );
    }
}
