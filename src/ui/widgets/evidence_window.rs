//! One real conversion explained, in a window any view can open: its stored touches, which
//! counted and why, its credit per model and its leak — the scenario lab's explanation.

use eframe::egui::{self, RichText};

use crate::attribution::AttributionSettings;
use crate::explain::{
    Explanation, age, conversion_heading, explain_position, identity_words, link_words,
    redirect_words, share_words,
};
use crate::journeys::JourneyIndex;
use crate::ui::bridge::Evidence;
use crate::ui::widgets::looks::cause_color;

/// Where reading a conversion's details stands.
#[derive(Debug)]
enum Lookup {
    Reading,
    Found(Box<Evidence>),
    Missing,
}

/// The conversion whose evidence window is open, and its stored details once read.
#[derive(Debug, Default)]
pub struct EvidenceWindow {
    open: Option<(String, Lookup)>,
}

impl EvidenceWindow {
    /// Opens the window on `conversion_id`; its details are to be read from the store.
    pub fn open(&mut self, conversion_id: String) {
        self.open = Some((conversion_id.trim().to_owned(), Lookup::Reading));
    }

    /// The store's answer to an evidence request.
    pub fn receive(&mut self, conversion_id: String, evidence: Option<Box<Evidence>>) {
        if let Some((open, slot)) = &mut self.open
            && *open == conversion_id
        {
            *slot = evidence.map_or(Lookup::Missing, Lookup::Found);
        }
    }
}

/// Draws the evidence window of the open conversion, explained under `settings`.
pub fn evidence_window_ui(
    ctx: &egui::Context,
    state: &mut EvidenceWindow,
    index: &JourneyIndex,
    settings: &AttributionSettings,
) {
    let Some((id, evidence)) = &state.open else {
        return;
    };
    let mut open = true;
    egui::Window::new(format!("Evidence · {id}"))
        .open(&mut open)
        .default_width(900.0)
        .show(ctx, |ui| match evidence {
            Lookup::Reading => {
                ui.spinner();
            }
            Lookup::Missing => {
                ui.label(format!(
                    "No conversion with the id '{id}' in this database."
                ));
            }
            Lookup::Found(evidence) => {
                let position = index
                    .conversions
                    .iter()
                    .position(|c| &c.conversion_id == id);
                match position {
                    Some(c) => {
                        let explanation = explain_position(
                            index,
                            settings,
                            c,
                            evidence.conversion.clone(),
                            evidence.touches.clone(),
                        );
                        explanation_ui(ui, &explanation);
                    }
                    None => {
                        ui.label("This conversion is no longer in the database.");
                    }
                }
            }
        });
    if !open {
        state.open = None;
    }
}

/// One conversion's explanation: identities, touches with their verdicts, credit, cause.
pub fn explanation_ui(ui: &mut egui::Ui, e: &Explanation) {
    ui.label(RichText::new(conversion_heading(&e.conversion)).strong());
    ui.label(format!("Identities: {}", identity_words(&e.conversion)));
    egui::Grid::new("evidence_touches")
        .num_columns(7)
        .striped(true)
        .show(ui, |ui| {
            for head in [
                "Time (UTC)",
                "Source",
                "Before the sale",
                "Linked by",
                "Browser",
                "Redirect",
                "Why",
            ] {
                ui.label(RichText::new(head).strong());
            }
            ui.end_row();
            for t in &e.touches {
                ui.label(&t.detail.touched_at);
                ui.label(&t.detail.source);
                ui.label(age(t.lag_secs));
                ui.label(link_words(t.links));
                ui.label(t.detail.browser.as_deref().unwrap_or("–"));
                ui.label(redirect_words(&t.detail));
                let color = if t.verdict == crate::attribution::TouchVerdict::Counts {
                    egui::Color32::from_rgb(52, 168, 83)
                } else {
                    ui.visuals().weak_text_color()
                };
                ui.label(RichText::new(&t.reason).color(color));
                ui.end_row();
            }
        });
    if let Some((partner, what)) = &e.coupon {
        ui.label(format!("Coupon of {partner}: {what}."));
    }
    if let Some(partner) = &e.reported_by {
        ui.label(format!("Reported as a lead by {partner}."));
    }
    for (model, shares) in &e.credit {
        ui.label(format!("{}: {}", model.label(), share_words(shares)));
    }
    if let Some((partner, cause, causes)) = &e.leak {
        let all: Vec<&str> = causes.iter().map(|c| c.label()).collect();
        ui.label(
            RichText::new(format!(
                "Leaked: {partner} sent it and no partner is credited. Cause: {} (all: {}).",
                cause.label(),
                all.join(", ")
            ))
            .color(cause_color(*cause)),
        );
    }
}
