//! Small drawing helpers the views share.

use eframe::egui::{self, Align, Layout, RichText};

/// A number in the monospace font against the right edge of its cell, so digits line up.
pub fn number_cell(ui: &mut egui::Ui, text: String) {
    ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
        ui.label(RichText::new(text).monospace());
    });
}
