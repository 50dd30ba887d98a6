//! What several views draw: table cells here; the settings bar, the tracking panel, the
//! evidence window, the file dialogs, the models' parameters and the colours of models and causes in their files.

pub mod choose_programme;
pub mod dialogs;
pub mod evidence_window;
pub mod looks;
pub mod mapping_dialog;
pub mod model_params;
pub mod settings_bar;
pub mod tracking_panel;

use eframe::egui::{self, Align, Layout, RichText};

/// A number in the monospace font against the right edge of its cell, so digits line up.
pub fn number_cell(ui: &mut egui::Ui, text: String) {
    ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
        ui.label(RichText::new(text).monospace());
    });
}

/// A fixed-width cell with its content against the right edge, so digits line up.
pub fn right_cell<R>(ui: &mut egui::Ui, width: f32, add: impl FnOnce(&mut egui::Ui) -> R) {
    let height = ui.spacing().interact_size.y;
    ui.allocate_ui_with_layout(
        egui::vec2(width, height),
        Layout::right_to_left(Align::Center),
        |ui| {
            ui.set_min_width(width);
            add(ui);
        },
    );
}

/// A number in the monospace font in a fixed-width, right-aligned cell.
pub fn fixed_number_cell(ui: &mut egui::Ui, width: f32, text: String) {
    right_cell(ui, width, |ui| ui.label(RichText::new(text).monospace()));
}

/// A fixed-width cell with its content on the left, truncated when too long.
pub fn left_cell(ui: &mut egui::Ui, width: f32, text: RichText) {
    let height = ui.spacing().interact_size.y;
    ui.allocate_ui_with_layout(
        egui::vec2(width, height),
        Layout::left_to_right(Align::Center),
        |ui| {
            ui.set_min_width(width);
            ui.add(egui::Label::new(text).truncate());
        },
    );
}

/// Value-axis marks at 1, 2 or 5 times a power of ten (egui_plot's own spacer steps by
/// powers of ten only, so a short chart of $0–$1,550 is labelled at $0 and $1,000 alone): the
/// smallest such step the chart can space apart, and two coarser ones that fall on its marks
/// (200, 1,000, 2,000; 500, 1,000, 5,000; 100, 500, 1,000), so no two labels crowd.
pub fn nice_steps(input: egui_plot::GridInput) -> [f64; 3] {
    let base = input.base_step_size.max(f64::MIN_POSITIVE);
    let power = 10f64.powf(base.log10().floor());
    let multiple = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .find(|m| m * power >= base)
        .unwrap_or(10.0);
    let coarser = match multiple {
        1.0 => [5.0, 10.0],
        2.0 => [10.0, 20.0],
        5.0 => [10.0, 50.0],
        _ => [50.0, 100.0],
    };
    [multiple * power, coarser[0] * power, coarser[1] * power]
}

/// Grid marks at every whole number: one per category of a bar chart.
pub fn unit_marks(input: egui_plot::GridInput) -> Vec<egui_plot::GridMark> {
    let (low, high) = input.bounds;
    (low.ceil() as i64..=high.floor() as i64)
        .map(|i| egui_plot::GridMark {
            value: i as f64,
            step_size: 1.0,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::nice_steps;

    fn steps(base_step_size: f64) -> [f64; 3] {
        nice_steps(egui_plot::GridInput {
            bounds: (0.0, 1_000.0),
            base_step_size,
        })
    }

    #[test]
    fn value_axis_steps_are_one_two_or_five_and_the_coarser_fall_on_the_finest() {
        assert_eq!(steps(1.0), [1.0, 5.0, 10.0]);
        assert_eq!(steps(37.0), [50.0, 100.0, 500.0]);
        assert_eq!(steps(150.0), [200.0, 1_000.0, 2_000.0]);
        assert_eq!(steps(600.0), [1_000.0, 5_000.0, 10_000.0]);
        for base in [0.03, 0.7, 3.0, 42.0, 420.0, 4_200.0, 99_999.0] {
            let [fine, middle, coarse] = steps(base);
            assert!(fine >= base, "{base}: {fine}");
            for coarser in [middle, coarse] {
                let ratio = coarser / fine;
                assert!(
                    (ratio - ratio.round()).abs() < 1e-9,
                    "{base}: {fine} {coarser}"
                );
            }
        }
    }
}
