//! The Data view: import controls, row counts, import history and rejected rows.

use crate::ui::command::Command;
use eframe::egui::{self, RichText};

use crate::domain::format::{bytes, thousands};
use crate::import::{ColumnMap, FileKind};
use crate::store::ImportRecord;
use crate::ui::bridge::Snapshot;
use crate::ui::status::StatusMessage;
use crate::ui::widgets::number_cell;

/// What the user chose for the next import.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DataTabState {
    /// The kind to import as; `None` detects it from the header.
    pub kind: Option<FileKind>,
    /// Column mapping text, `ours=theirs,...`.
    pub columns: String,
    /// The import whose removal waits for the user's confirmation.
    pub removal_to_confirm: Option<i64>,
}

impl DataTabState {
    /// The parsed column mapping (an unparsable mapping maps nothing; the field says why).
    pub fn column_map(&self) -> ColumnMap {
        ColumnMap::parse(&self.columns).unwrap_or_default()
    }
}

/// Draws the Data view; returns what the user asked for (the file dialog, a removal).
pub fn data_ui(
    ui: &mut egui::Ui,
    state: &mut DataTabState,
    snapshot: &Snapshot,
    messages: &[StatusMessage],
) -> Option<Command> {
    let picked = import_controls_ui(ui, state);
    messages_ui(ui, messages);
    ui.separator();
    egui::ScrollArea::vertical()
        .id_salt("data_view")
        .show(ui, |ui| {
            counts_ui(ui, snapshot);
            ui.add_space(8.0);
            history_ui(ui, state, snapshot);
            ui.add_space(8.0);
            rejects_ui(ui, snapshot);
        });
    let removal = confirm_removal_ui(ui.ctx(), state, snapshot);
    if picked {
        Some(Command::PickImportFiles)
    } else {
        removal.map(Command::RemoveImport)
    }
}

fn import_controls_ui(ui: &mut egui::Ui, state: &mut DataTabState) -> bool {
    let mut picked = false;
    ui.horizontal_wrapped(|ui| {
        picked = ui.button("Import files…").clicked();
        let as_label = ui.label("as");
        let selected = state.kind.map_or("detected kind", |k| k.key());
        egui::ComboBox::from_id_salt("import_kind")
            .selected_text(selected)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut state.kind, None, "detected kind");
                for kind in FileKind::ALL {
                    ui.selectable_value(&mut state.kind, Some(kind), kind.key());
                }
            })
            .response
            .labelled_by(as_label.id);
        let label = ui.label("Column mapping");
        ui.add(
            egui::TextEdit::singleline(&mut state.columns)
                .hint_text("user=customer_id,time=time,source=channel")
                .desired_width(280.0),
        )
        .labelled_by(label.id);
        if let Err(problem) = ColumnMap::parse(&state.columns) {
            ui.label(RichText::new(problem).color(ui.visuals().error_fg_color));
        }
    });
    ui.label(
        RichText::new("…or drop CSV, .csv.gz or Parquet exports anywhere on the window.").weak(),
    );
    picked
}

fn messages_ui(ui: &mut egui::Ui, messages: &[StatusMessage]) {
    for message in messages.iter().rev().take(6) {
        let color = if message.is_error {
            ui.visuals().error_fg_color
        } else {
            ui.visuals().text_color()
        };
        ui.add(egui::Label::new(RichText::new(&message.text).color(color)).wrap());
    }
}

fn counts_ui(ui: &mut egui::Ui, snapshot: &Snapshot) {
    ui.heading("Tables");
    ui.label(RichText::new(snapshot.database.display().to_string()).weak());
    let counts = &snapshot.counts;
    egui::Grid::new("counts_grid").striped(true).show(ui, |ui| {
        for (table, rows) in [
            ("Partners", counts.partners),
            ("Touches (clicks, visits, events)", counts.touches),
            ("Conversions", counts.conversions),
            ("Partner-reported leads", counts.leads),
            ("Rejected rows", counts.rejects),
            ("Imports", counts.imports),
        ] {
            ui.label(table);
            number_cell(ui, thousands(rows as i64));
            ui.end_row();
        }
    });
}

fn history_ui(ui: &mut egui::Ui, state: &mut DataTabState, snapshot: &Snapshot) {
    ui.heading("Import history");
    if snapshot.history.is_empty() {
        ui.label("Nothing imported yet.");
        return;
    }
    egui::Grid::new("history_grid")
        .striped(true)
        .spacing([14.0, 4.0])
        .show(ui, |ui| {
            for title in [
                "#",
                "File",
                "Kind",
                "Size",
                "Accepted",
                "Rejected",
                "Imported (UTC)",
                "SHA-256",
                "",
            ] {
                ui.label(RichText::new(title).strong());
            }
            ui.end_row();
            for record in &snapshot.history {
                number_cell(ui, record.import_id.to_string());
                ui.label(&record.file_name).on_hover_text(&record.file_path);
                ui.label(&record.kind);
                number_cell(ui, bytes(record.size_bytes));
                number_cell(ui, thousands(record.rows_accepted));
                number_cell(ui, thousands(record.rows_rejected));
                ui.label(&record.imported_at);
                ui.label(RichText::new(&record.sha256[..12.min(record.sha256.len())]).monospace())
                    .on_hover_text(&record.sha256);
                let remove = ui
                    .button("Remove this import")
                    .on_hover_text("Delete the rows this file added; asks first");
                if remove.clicked() {
                    state.removal_to_confirm = Some(record.import_id);
                }
                ui.end_row();
            }
        });
}

fn rejects_ui(ui: &mut egui::Ui, snapshot: &Snapshot) {
    ui.heading(format!(
        "Rejected rows ({})",
        thousands(snapshot.counts.rejects as i64)
    ));
    if snapshot.rejects.is_empty() {
        ui.label("No rejected rows.");
        return;
    }
    egui::Grid::new("rejects_grid")
        .striped(true)
        .spacing([14.0, 4.0])
        .show(ui, |ui| {
            for title in ["File", "Line", "Column", "Reason"] {
                ui.label(RichText::new(title).strong());
            }
            ui.end_row();
            for reject in &snapshot.rejects {
                ui.label(&reject.file_name);
                number_cell(ui, reject.line.map_or("–".to_owned(), thousands));
                ui.label(reject.column.as_deref().unwrap_or("–"));
                ui.label(&reject.reason);
                ui.end_row();
            }
        });
    if (snapshot.rejects.len() as u64) < snapshot.counts.rejects {
        ui.label(format!(
            "Showing the first {} rejected rows.",
            thousands(snapshot.rejects.len() as i64)
        ));
    }
}

/// The confirmation of a removal the user asked for: returns the import to remove once
/// confirmed; *Keep it*, Escape or a click outside forgets the request.
fn confirm_removal_ui(
    ctx: &egui::Context,
    state: &mut DataTabState,
    snapshot: &Snapshot,
) -> Option<i64> {
    let import_id = state.removal_to_confirm?;
    let Some(record) = snapshot.history.iter().find(|r| r.import_id == import_id) else {
        state.removal_to_confirm = None;
        return None;
    };
    let mut confirmed = false;
    let mut kept = false;
    let modal = egui::Modal::new(egui::Id::unique("confirm_import_removal")).show(ctx, |ui| {
        ui.label(RichText::new(removal_question(record)).strong());
        ui.label(
            "Its rejected rows go too; partners it replaced and statuses its late refunds \
             changed are put back. The same file can be imported again.",
        );
        ui.horizontal(|ui| {
            confirmed = ui.button("Remove").clicked();
            kept = ui.button("Keep it").clicked();
        });
    });
    if confirmed || kept || modal.should_close() {
        state.removal_to_confirm = None;
    }
    confirmed.then_some(import_id)
}

/// "Remove import #3 (clicks.csv) and its 1,204 rows?"
fn removal_question(record: &ImportRecord) -> String {
    let rows = record.rows_accepted;
    let noun = if rows == 1 { "row" } else { "rows" };
    format!(
        "Remove import #{} ({}) and its {} {noun}?",
        record.import_id,
        record.file_name,
        thousands(rows)
    )
}
