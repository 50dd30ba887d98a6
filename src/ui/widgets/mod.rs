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
