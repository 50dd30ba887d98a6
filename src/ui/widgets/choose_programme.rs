//! The question a window opened with exports asks when several programmes are known (a file
//! manager's *Open with* passes files, not a database): which programme to import them into.

use std::path::{Path, PathBuf};

use eframe::egui;

/// Exports waiting for the user to pick their programme.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgrammeChoice {
    /// The files to import.
    pub exports: Vec<PathBuf>,
    /// The programmes offered, the one last open first; `None` is the sample programme.
    pub candidates: Vec<Option<PathBuf>>,
    /// The candidate ticked.
    pub selected: usize,
}

/// What the user answered.
#[derive(Debug, Clone, PartialEq)]
pub enum ProgrammeAnswer {
    /// Open this programme (`None`: the sample) and import the files into it.
    ImportInto(Option<PathBuf>, Vec<PathBuf>),
    /// Import nothing.
    Cancel,
}

/// Draws the question; returns the answer once given.
pub fn choose_programme_ui(
    ctx: &egui::Context,
    choice: &mut ProgrammeChoice,
) -> Option<ProgrammeAnswer> {
    let mut answer = None;
    let modal = egui::Modal::new(egui::Id::unique("choose_programme")).show(ctx, |ui| {
        ui.set_max_width(560.0);
        ui.heading(question(choice.exports.len()));
        for path in choice.exports.iter().take(5) {
            ui.label(egui::RichText::new(file_name(path)).monospace());
        }
        if choice.exports.len() > 5 {
            ui.label(format!("and {} more", choice.exports.len() - 5));
        }
        ui.separator();
        for (i, candidate) in choice.candidates.iter().enumerate() {
            ui.radio_value(
                &mut choice.selected,
                i,
                programme_label(candidate.as_deref()),
            )
            .on_hover_text(programme_hover(candidate.as_deref()));
        }
        ui.separator();
        ui.horizontal(|ui| {
            if ui.button("Import").clicked() {
                let programme = choice.candidates.get(choice.selected).cloned().flatten();
                answer = Some(ProgrammeAnswer::ImportInto(
                    programme,
                    choice.exports.clone(),
                ));
            }
            if ui.button("Cancel").clicked() {
                answer = Some(ProgrammeAnswer::Cancel);
            }
        });
    });
    if answer.is_none() && modal.should_close() {
        answer = Some(ProgrammeAnswer::Cancel);
    }
    answer
}

fn question(files: usize) -> String {
    match files {
        1 => "Import 1 file into which programme?".to_owned(),
        n => format!("Import {n} files into which programme?"),
    }
}

/// A programme as the list shows it: its file name, or "Sample programme".
pub fn programme_label(database: Option<&Path>) -> String {
    match database {
        None => "Sample programme".to_owned(),
        Some(path) => file_name(path),
    }
}

fn programme_hover(database: Option<&Path>) -> String {
    match database {
        None => "The bundled sample programme".to_owned(),
        Some(path) => path.display().to_string(),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
