//! One real conversion explained, in a window any view can open: its stored touches, which
//! counted and why, its credit per model and its leak — the scenario lab's explanation.

use eframe::egui::{self, RichText};

use crate::attribution::{AttributionSettings, CreditModel, ModelParams, touch_shares};
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

/// Draws the evidence window of the open conversion, explained under `settings`, with each
/// counted touch's weight under the per-sale models with `params`.
pub fn evidence_window_ui(
    ctx: &egui::Context,
    state: &mut EvidenceWindow,
    index: &JourneyIndex,
    settings: &AttributionSettings,
    params: &ModelParams,
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
                        touch_weights_ui(ui, index, settings, params, c);
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

/// The per-sale models beyond first, last and linear, in the order the weights are written.
const WEIGHED_BY: [(CreditModel, &str); 3] = [
    (CreditModel::TimeDecay, "time-decay weight"),
    (CreditModel::Position, "position"),
    (CreditModel::LastNonDirect, "last non-direct"),
];

/// One line per counted touch of conversion `c`: how far before the sale it came and its
/// share under time decay, position-based and last non-direct, as Compare's parameters set
/// them ("Affiliate A, 9 days before the sale: time-decay weight 0.21 · position 0.40 · …").
fn touch_weights_ui(
    ui: &mut egui::Ui,
    index: &JourneyIndex,
    settings: &AttributionSettings,
    params: &ModelParams,
    c: usize,
) {
    let per_model: Vec<Vec<crate::attribution::TouchShare>> = WEIGHED_BY
        .iter()
        .filter_map(|&(model, _)| touch_shares(index, settings, params, model, c))
        .collect();
    let Some(touches) = per_model.first() else {
        return;
    };
    if touches.is_empty() {
        return;
    }
    ui.label(RichText::new("Weights of the counted touches").strong());
    for (j, touch) in touches.iter().enumerate() {
        let when = match touch.position {
            None => "its coupon, at the sale".to_owned(),
            Some(_) if touch.lag_secs == 0 => "at the sale".to_owned(),
            Some(_) => format!("{} before the sale", age(i64::from(touch.lag_secs))),
        };
        let weights: Vec<String> = WEIGHED_BY
            .iter()
            .zip(&per_model)
            .map(|(&(_, name), shares)| format!("{name} {:.2}", shares[j].share))
            .collect();
        ui.label(format!(
            "{}, {when}: {}",
            index.sources[touch.source as usize].id,
            weights.join(" · ")
        ));
    }
}
