//! The Rules view: the partner-facing rules document previewed from the current settings,
//! and exported as one HTML page or Markdown.

use std::path::PathBuf;
use std::sync::mpsc::Receiver;

use eframe::egui::{self, Color32, RichText};

use crate::payouts::PayoutSettings;
use crate::report::{self, RulesDocument, RulesInput, Section, WorkedExample};
use crate::ui::bridge::Latest;
use crate::ui::bridge::Snapshot;
use crate::ui::settings::UiSettings;

type DocumentKey = (
    PayoutSettings,
    String,
    String,
    u32,
    usize,
    usize,
    chrono::NaiveDate,
);

/// The Rules view's state.
pub struct RulesTabState {
    /// The shop address links point to; empty: the address in the clicks data.
    pub base_url: String,
    documents: Latest<DocumentKey, Result<RulesDocument, String>>,
    export: Option<(Receiver<PathBuf>, bool)>,
}

impl Default for RulesTabState {
    fn default() -> Self {
        RulesTabState {
            base_url: String::new(),
            documents: Latest::new("rules-document"),
            export: None,
        }
    }
}

impl RulesTabState {
    /// Whether the document is being written.
    pub fn is_busy(&self) -> bool {
        self.documents.is_busy()
    }
}

/// Draws the Rules view; returns a document text and the file to write it to.
pub fn rules_ui(
    ui: &mut egui::Ui,
    state: &mut RulesTabState,
    settings: &mut UiSettings,
    snapshot: &Snapshot,
) -> Option<(String, PathBuf)> {
    controls_ui(ui, state, settings, snapshot);
    let base_url = match state.base_url.trim() {
        "" => snapshot.facts.base_url.clone(),
        url => url.to_owned(),
    };
    let payout = settings.payout_settings();
    let key = (
        payout.clone(),
        settings.programme_name.clone(),
        base_url.clone(),
        settings.audit_tolerance_days,
        snapshot.generation as usize,
        saved_scenarios_version(snapshot),
        chrono::Local::now().date_naive(),
    );
    let input = RulesInput {
        programme: settings.programme_name.clone(),
        payout,
        tolerance_days: settings.audit_tolerance_days,
        link_rules: snapshot.facts.link_rules.clone(),
        base_url,
        partners: snapshot.facts.partners.clone(),
        time_zone: snapshot.facts.time_zone,
        date: chrono::Local::now().date_naive(),
        saved: snapshot.facts.saved.clone(),
    };
    let shown = state.documents.get(&key, move || {
        report::rules_document(&input).map_err(|e| e.to_string())
    });
    let Some((result, fresh)) = shown else {
        ui.spinner();
        return None;
    };
    let document = match result.as_ref() {
        Ok(document) => document,
        Err(error) => {
            ui.colored_label(ui.visuals().error_fg_color, error);
            return None;
        }
    };
    let written = export_ui(ui, state, document, &settings.programme_name, fresh);
    if !fresh {
        ui.spinner();
    }
    egui::ScrollArea::vertical()
        .id_salt("rules_preview")
        .show(ui, |ui| document_ui(ui, document));
    written
}

/// Changes whenever a scenario is saved or deleted (their save times and names).
fn saved_scenarios_version(snapshot: &Snapshot) -> usize {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for s in &snapshot.saved_scenarios {
        (&s.name, &s.saved_at, &s.json).hash(&mut hasher);
    }
    hasher.finish() as usize
}

fn controls_ui(
    ui: &mut egui::Ui,
    state: &mut RulesTabState,
    settings: &mut UiSettings,
    snapshot: &Snapshot,
) {
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Programme name");
        ui.add(egui::TextEdit::singleline(&mut settings.programme_name).desired_width(220.0))
            .labelled_by(label.id);
        let label = ui.label("Shop address");
        ui.add(
            egui::TextEdit::singleline(&mut state.base_url)
                .hint_text(&snapshot.facts.base_url)
                .desired_width(280.0),
        )
        .labelled_by(label.id);
        let label = ui.label("Official model");
        egui::ComboBox::from_id_salt("rules_model")
            .selected_text(settings.payout_model.label())
            .show_ui(ui, |ui| {
                for model in crate::attribution::CreditModel::ALL {
                    ui.selectable_value(&mut settings.payout_model, model, model.label());
                }
            })
            .response
            .labelled_by(label.id);
        let label = ui.label("Hold");
        ui.add(
            egui::DragValue::new(&mut settings.hold_days)
                .range(0..=120)
                .suffix(" days"),
        )
        .labelled_by(label.id);
    });
}

/// The export buttons; once a file is picked, the document text to write there.
fn export_ui(
    ui: &mut egui::Ui,
    state: &mut RulesTabState,
    document: &RulesDocument,
    programme: &str,
    fresh: bool,
) -> Option<(String, PathBuf)> {
    let stem: String = programme
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(format!(
                "Dated {} · settings fingerprint {}",
                document.date, document.fingerprint
            ))
            .weak(),
        );
        if ui
            .add_enabled(fresh, egui::Button::new("Export HTML…"))
            .clicked()
        {
            let name = format!("{stem}-rules.html");
            state.export = Some((
                crate::ui::widgets::dialogs::pick_export(ui.ctx(), name, "html"),
                true,
            ));
        }
        if ui
            .add_enabled(fresh, egui::Button::new("Export Markdown…"))
            .clicked()
        {
            let name = format!("{stem}-rules.md");
            state.export = Some((
                crate::ui::widgets::dialogs::pick_export(ui.ctx(), name, "md"),
                false,
            ));
        }
    });
    let (picked, html) = state.export.as_ref()?;
    let path = picked.try_recv().ok()?;
    let text = if *html {
        report::to_html(document)
    } else {
        report::to_markdown(document)
    };
    state.export = None;
    Some((text, path))
}

/// The document as the reader will see it.
fn document_ui(ui: &mut egui::Ui, document: &RulesDocument) {
    ui.heading(&document.title);
    for (i, section) in document.sections.iter().enumerate() {
        ui.push_id(i, |ui| section_ui(ui, section));
    }
}

fn section_ui(ui: &mut egui::Ui, section: &Section) {
    ui.add_space(10.0);
    ui.label(RichText::new(&section.title).heading().size(17.0));
    for p in &section.paragraphs {
        ui.label(p);
    }
    for b in &section.bullets {
        ui.label(format!("• {b}"));
    }
    for (label, link) in &section.links {
        ui.label(format!("{label}:"));
        ui.label(RichText::new(link).monospace());
    }
    for example in &section.examples {
        example_ui(ui, example);
    }
}

fn example_ui(ui: &mut egui::Ui, example: &WorkedExample) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.label(RichText::new(format!("Example: {}", example.scenario)).strong());
        for (i, step) in example.steps.iter().enumerate() {
            ui.label(format!("{}. {step}", i + 1));
        }
        for (counts, touch) in &example.touches {
            let color = if *counts {
                Color32::from_rgb(52, 168, 83)
            } else {
                ui.visuals().weak_text_color()
            };
            ui.label(RichText::new(touch).color(color));
        }
        for note in &example.notes {
            ui.label(RichText::new(note).italics());
        }
        for line in &example.outcome {
            ui.label(line);
        }
        ui.label(RichText::new(&example.conclusion).strong());
    });
}
