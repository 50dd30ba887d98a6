//! The Data view: import controls, row counts, import history and rejected rows.

use crate::ui::command::Command;
use eframe::egui::{self, RichText};

use std::path::PathBuf;

use crate::domain::ProgrammeTimeZone;
use crate::domain::format::{bytes, thousands};
use crate::domain::links::LinkRules;
use crate::import::{ColumnMap, FileKind, ImportRequest, presets};
use crate::store::ImportRecord;
use crate::ui::bridge::Snapshot;
use crate::ui::status::StatusMessage;
use crate::ui::widgets::number_cell;

/// What the user chose for the next import.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DataTabState {
    /// The kind to import as; `None` detects it from the header.
    pub kind: Option<FileKind>,
    /// The preset to read files with (built in or saved); `None` recognises it.
    pub preset: Option<String>,
    /// The partner whose own report the files are (partner-side exports name none).
    pub partner: Option<String>,
    /// Column mapping text, `ours=theirs,...`.
    pub columns: String,
    /// The programme's referral parameters as edited (`ref,via`).
    pub ref_params: String,
    /// The programme's time zone as edited (`Europe/Berlin`).
    pub time_zone: String,
    /// The snapshot the two programme settings were last read from.
    settings_read_from: u64,
    /// The import whose removal waits for the user's confirmation.
    pub removal_to_confirm: Option<i64>,
}

impl DataTabState {
    /// The parsed column mapping (an unparsable mapping maps nothing; the field says why),
    /// with the preset chosen.
    pub fn column_map(&self) -> ColumnMap {
        let mut map = ColumnMap::parse(&self.columns).unwrap_or_default();
        map.preset = self.preset.clone();
        map.partner = self.partner.clone();
        map
    }

    /// The import of `path` with the kind, preset and mapping chosen.
    pub fn request(&self, path: PathBuf) -> ImportRequest {
        ImportRequest {
            path,
            kind: self.kind,
            columns: self.column_map(),
        }
    }

    /// Reads the programme's settings into the fields when a new snapshot came.
    fn follow(&mut self, snapshot: &Snapshot) {
        if self.settings_read_from == snapshot.generation {
            return;
        }
        self.settings_read_from = snapshot.generation;
        self.ref_params = snapshot.facts.link_rules.names_list();
        self.time_zone = snapshot.time_zone.name();
    }
}

/// Draws the Data view; returns what the user asked for (the file dialog, a removal).
pub fn data_ui(
    ui: &mut egui::Ui,
    state: &mut DataTabState,
    snapshot: &Snapshot,
    messages: &[StatusMessage],
) -> Option<Command> {
    state.follow(snapshot);
    let picked = import_controls_ui(ui, state, snapshot);
    let programme = programme_settings_ui(ui, state);
    messages_ui(ui, messages);
    let reread = unread_aliases_ui(ui, snapshot);
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
        programme.or(reread).or(removal.map(Command::RemoveImport))
    }
}

fn import_controls_ui(ui: &mut egui::Ui, state: &mut DataTabState, snapshot: &Snapshot) -> bool {
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
        preset_choice_ui(ui, state, snapshot);
        partner_choice_ui(ui, state, snapshot);
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
        RichText::new(
            "…or drop CSV, .csv.gz, Parquet or newline-delimited JSON exports anywhere on the \
             window. An export nothing recognises opens a dialog to map its columns.",
        )
        .weak(),
    );
    picked
}

/// The preset files are read with: recognised from the header, a built-in one, or a mapping
/// saved in the programme.
fn preset_choice_ui(ui: &mut egui::Ui, state: &mut DataTabState, snapshot: &Snapshot) {
    let label = ui.label("preset");
    egui::ComboBox::from_id_salt("import_preset")
        .selected_text(state.preset.as_deref().unwrap_or("recognised"))
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut state.preset, None, "recognised");
            for preset in presets::all() {
                ui.selectable_value(&mut state.preset, Some(preset.name.to_owned()), preset.name)
                    .on_hover_text(preset.title);
            }
            for saved in &snapshot.saved_presets {
                let text = format!("{} (saved)", saved.name);
                ui.selectable_value(&mut state.preset, Some(saved.name.clone()), text);
            }
        })
        .response
        .labelled_by(label.id);
}

/// The partner whose own report the files are (Everflow's, impact.com's paystub,
/// ShareASale's name none): `import --partner`.
fn partner_choice_ui(ui: &mut egui::Ui, state: &mut DataTabState, snapshot: &Snapshot) {
    let label = ui.label("partner's own report of");
    egui::ComboBox::from_id_salt("import_partner")
        .selected_text(state.partner.as_deref().unwrap_or("nobody"))
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut state.partner, None, "nobody");
            for partner in &snapshot.facts.partners {
                let id = &partner.partner_id;
                ui.selectable_value(&mut state.partner, Some(id.clone()), id);
            }
        })
        .response
        .on_hover_text("A partner-side report names no partner: say whose it is")
        .labelled_by(label.id);
}

/// The programme's referral parameters and time zone, stored with it for the next imports.
fn programme_settings_ui(ui: &mut egui::Ui, state: &mut DataTabState) -> Option<Command> {
    let mut command = None;
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Referral parameters");
        ui.add(
            egui::TextEdit::singleline(&mut state.ref_params)
                .hint_text("ref,via")
                .desired_width(140.0),
        )
        .labelled_by(label.id);
        let label = ui.label("Time zone");
        ui.add(
            egui::TextEdit::singleline(&mut state.time_zone)
                .hint_text("UTC, Europe/Berlin or +02:00")
                .desired_width(140.0),
        )
        .labelled_by(label.id);
        let zone = ProgrammeTimeZone::parse(state.time_zone.trim());
        let links = LinkRules::parse(&state.ref_params);
        let store = ui.add_enabled(
            zone.is_ok() && !links.ref_params.is_empty(),
            egui::Button::new("Use for the next imports"),
        );
        if let (true, Ok(zone)) = (store.clicked(), &zone) {
            command = Some(Command::SetImportSettings(links, *zone));
        }
        if let Err(problem) = zone {
            ui.label(RichText::new(problem).color(ui.visuals().error_fg_color));
        }
    });
    command
}

/// For each import whose rejects name a referral parameter the programme does not read, an
/// offer to read it and read those rows again.
fn unread_aliases_ui(ui: &mut egui::Ui, snapshot: &Snapshot) -> Option<Command> {
    let mut command = None;
    for alias in &snapshot.unread_aliases {
        ui.horizontal_wrapped(|ui| {
            ui.label(format!(
                "{} rows of {} (import #{}) were rejected for using {}=, which the programme \
                 does not read.",
                thousands(alias.rows),
                alias.file_name,
                alias.import_id,
                alias.param
            ));
            let offer = format!("Read {}= as a referral parameter", alias.param);
            if ui
                .button(offer)
                .on_hover_text(
                    "Adds it to the programme's referral parameters and reads the file again",
                )
                .clicked()
            {
                command = Some(Command::ReadRefParam(alias.import_id, alias.param.clone()));
            }
        });
    }
    command
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
