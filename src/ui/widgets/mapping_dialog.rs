//! The mapping dialog: an export no preset reads and that lacks our column names gets, instead
//! of an error, a window listing each of our columns with a drop-down of the file's columns
//! (suggested by name), the first rows as they would be stored (rejected ones with their
//! reason), *Import*, and *Save as preset* (usable later as `import --preset NAME`).

use std::path::PathBuf;

use eframe::egui::{self, RichText};

use crate::import::{
    ColumnMap, FileKind, ImportRequest, Preview, RowFate, normalize_header, presets, suggest_kind,
    suggest_mapping,
};
use crate::ui::command::Command;

/// The state of the mapping dialog for one file.
#[derive(Debug, Clone, PartialEq)]
pub struct MappingDialog {
    /// The file.
    pub path: PathBuf,
    /// Its header as the import reads it.
    pub header: Vec<String>,
    /// What its rows are.
    pub kind: FileKind,
    /// Our columns → the file's (normalised names).
    pub mapping: ColumnMap,
    /// The name to save the mapping under.
    pub preset_name: String,
    /// The last preview asked for, and its answer once it came.
    preview: Option<(ImportRequest, Option<PreviewAnswer>)>,
}

/// The first rows of a file as they would be stored, or why they cannot be.
type PreviewAnswer = Result<Box<Preview>, String>;

impl MappingDialog {
    /// A dialog for `path` with `header`, the kind and columns suggested by name.
    pub fn new(path: PathBuf, header: Vec<String>) -> MappingDialog {
        let (kind, mapping) = suggest_kind(&header);
        MappingDialog {
            path,
            header,
            kind,
            mapping,
            preset_name: String::new(),
            preview: None,
        }
    }

    /// The import the dialog would run now.
    pub fn request(&self) -> ImportRequest {
        ImportRequest {
            path: self.path.clone(),
            kind: Some(self.kind),
            columns: self.mapping.clone(),
        }
    }

    /// Takes a preview the store thread read for `request` (stale ones are dropped).
    pub fn receive(&mut self, request: &ImportRequest, preview: PreviewAnswer) {
        if let Some((asked, answer)) = &mut self.preview
            && asked == request
        {
            *answer = Some(preview);
        }
    }

    /// The file's name, for the title.
    fn file_name(&self) -> String {
        self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |n| n.to_string_lossy().into(),
        )
    }
}

/// Draws the dialog; returns what the user asked for (a preview of the current mapping, the
/// import, saving the preset). Closing it (or importing) clears `dialog`.
pub fn mapping_dialog_ui(
    ctx: &egui::Context,
    dialog: &mut Option<MappingDialog>,
) -> Option<Command> {
    let state = dialog.as_mut()?;
    let mut open = true;
    let mut command = None;
    let mut imported = false;
    egui::Window::new(format!("Map the columns of {}", state.file_name()))
        .id(egui::Id::unique("mapping_dialog"))
        .open(&mut open)
        .collapsible(false)
        .resizable(true)
        .default_width(900.0)
        .show(ctx, |ui| {
            ui.label(
                "No preset and none of our column names fit this export. Choose which of its \
                 columns is each of ours; the first rows show what would be stored.",
            );
            kind_ui(ui, state);
            columns_ui(ui, state);
            ui.separator();
            preview_ui(ui, state);
            ui.separator();
            let (asked, did_import) = actions_ui(ui, state);
            command = asked;
            imported = did_import;
        });
    if command.is_none() {
        command = preview_wanted(state);
    }
    if !open || imported {
        *dialog = None;
    }
    command
}

/// A preview of the current mapping, when it has not been asked for yet.
fn preview_wanted(state: &mut MappingDialog) -> Option<Command> {
    let request = state.request();
    if state
        .preview
        .as_ref()
        .is_some_and(|(asked, _)| *asked == request)
    {
        return None;
    }
    state.preview = Some((request.clone(), None));
    Some(Command::PreviewMapping(Box::new(request)))
}

fn kind_ui(ui: &mut egui::Ui, state: &mut MappingDialog) {
    ui.horizontal(|ui| {
        let label = ui.label("The rows are");
        let before = state.kind;
        egui::ComboBox::from_id_salt("mapping_kind")
            .selected_text(state.kind.key())
            .show_ui(ui, |ui| {
                for kind in FileKind::ALL {
                    ui.selectable_value(&mut state.kind, kind, kind.key());
                }
            })
            .response
            .labelled_by(label.id);
        if state.kind != before {
            state.mapping = suggest_mapping(state.kind, &state.header);
        }
    });
}

/// Our columns of the kind, required first, each with a drop-down of the file's columns.
fn columns_ui(ui: &mut egui::Ui, state: &mut MappingDialog) {
    let kind = state.kind;
    let ours: Vec<&'static str> = kind
        .required_columns()
        .iter()
        .chain(kind.optional_columns())
        .copied()
        .collect();
    egui::Grid::new("mapping_columns")
        .num_columns(4)
        .spacing([12.0, 4.0])
        .show(ui, |ui| {
            for (i, column) in ours.iter().enumerate() {
                let required = kind.required_columns().contains(column);
                let text = if required {
                    RichText::new(*column).strong()
                } else {
                    RichText::new(*column)
                };
                let label = ui.label(text);
                column_choice_ui(ui, state, column, label.id);
                if i % 2 == 1 {
                    ui.end_row();
                }
            }
        });
    ui.label(RichText::new("Bold columns are required.").weak());
}

/// The drop-down choosing the file's column for our `column`.
fn column_choice_ui(ui: &mut egui::Ui, state: &mut MappingDialog, column: &str, label: egui::Id) {
    let chosen = state.mapping.pairs.get(column).cloned();
    let shown = chosen
        .as_deref()
        .and_then(|key| state.header.iter().find(|h| normalize_header(h) == key))
        .cloned()
        .unwrap_or_else(|| "—".to_owned());
    let mut picked = chosen.clone();
    egui::ComboBox::from_id_salt(("mapping_column", column))
        .selected_text(shown)
        .width(200.0)
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut picked, None, "—");
            for name in &state.header {
                ui.selectable_value(&mut picked, Some(normalize_header(name)), name);
            }
        })
        .response
        .labelled_by(label);
    if picked != chosen {
        match picked {
            Some(theirs) => state.mapping.pairs.insert(column.to_owned(), theirs),
            None => state.mapping.pairs.remove(column),
        };
    }
}

/// The preview's rows: line, our columns' values, and what would happen to each.
fn preview_ui(ui: &mut egui::Ui, state: &MappingDialog) {
    let Some((_, answer)) = &state.preview else {
        return;
    };
    let preview = match answer {
        None => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Reading the first rows…");
            });
            return;
        }
        Some(Err(problem)) => {
            ui.label(RichText::new(problem).color(ui.visuals().error_fg_color));
            return;
        }
        Some(Ok(preview)) => preview,
    };
    let rejected = preview
        .rows
        .iter()
        .filter(|r| matches!(r.fate, RowFate::Rejected { .. }))
        .count();
    ui.label(format!(
        "The first {} rows: {} would be stored, {rejected} rejected.",
        preview.rows.len(),
        preview.rows.len() - rejected
    ));
    egui::ScrollArea::both()
        .id_salt("mapping_preview")
        .max_height(260.0)
        .show(ui, |ui| preview_grid_ui(ui, preview));
}

fn preview_grid_ui(ui: &mut egui::Ui, preview: &Preview) {
    egui::Grid::new("mapping_preview_grid")
        .striped(true)
        .spacing([12.0, 3.0])
        .show(ui, |ui| {
            ui.label(RichText::new("Line").strong());
            ui.label(RichText::new("Would be").strong());
            for column in &preview.columns {
                ui.label(RichText::new(*column).strong());
            }
            ui.end_row();
            for row in &preview.rows {
                ui.label(row.line.to_string());
                match &row.fate {
                    RowFate::Stored => ui.label("stored"),
                    RowFate::LeftOut => ui.label("left out"),
                    RowFate::Rejected { .. } => {
                        ui.label(RichText::new("rejected").color(ui.visuals().error_fg_color))
                    }
                };
                for value in &row.values {
                    ui.label(value.as_deref().unwrap_or("–"));
                }
                ui.end_row();
            }
        });
    for row in &preview.rows {
        if let RowFate::Rejected { column, reason } = &row.fate {
            let text = format!("line {}: rejected: {column}: {reason}", row.line);
            ui.label(RichText::new(text).color(ui.visuals().error_fg_color));
        }
    }
}

/// *Import*, and the preset name with *Save as preset*; returns the command and whether the
/// dialog is done.
fn actions_ui(ui: &mut egui::Ui, state: &mut MappingDialog) -> (Option<Command>, bool) {
    let mut command = None;
    let mut done = false;
    ui.horizontal(|ui| {
        if ui.button("Import").clicked() {
            command = Some(Command::ImportMapped(Box::new(state.request())));
            done = true;
        }
        ui.separator();
        let label = ui.label("Preset name");
        ui.add(
            egui::TextEdit::singleline(&mut state.preset_name)
                .hint_text("my-shop-orders")
                .desired_width(180.0),
        )
        .labelled_by(label.id);
        let name = state.preset_name.trim();
        let problem = preset_name_problem(name);
        let save = ui.add_enabled(problem.is_none(), egui::Button::new("Save as preset"));
        if save.clicked() {
            command = Some(Command::SavePreset(
                name.to_owned(),
                state.kind,
                state.mapping.clone(),
            ));
        }
        if let Some(problem) = problem.filter(|_| !name.is_empty()) {
            ui.label(RichText::new(problem).color(ui.visuals().error_fg_color));
        }
    });
    (command, done)
}

/// Why a preset cannot be saved under `name` (empty, or a built-in preset's name).
fn preset_name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("name the preset to save it")
    } else if presets::by_name(name).is_some() || !presets::named(name).is_empty() {
        Some("a built-in preset has that name")
    } else {
        None
    }
}
