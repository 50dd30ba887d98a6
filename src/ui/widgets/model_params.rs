//! The parameters of the models beyond first, last and linear, as Compare and Payouts show
//! them under their model pickers.

use eframe::egui;

use crate::attribution::{CreditModel, MARKOV_MAX_ORDER, ModelParams, SHAPLEY_MAX_SOURCES};

/// What `model` does, in one sentence (the hover text of its name).
pub fn model_hint(model: CreditModel) -> &'static str {
    match model {
        CreditModel::First => "The earliest counted touch takes the sale",
        CreditModel::Last => "The latest counted touch takes the sale",
        CreditModel::Linear => "Every counted touch gets an equal share",
        CreditModel::Position => "Fixed shares for the first, middle and last touches",
        CreditModel::TimeDecay => "A touch weighs half as much per half-life before the sale",
        CreditModel::LastNonDirect => "The latest counted touch not from a direct channel",
        CreditModel::Markov => {
            "Removal effects of a Markov chain over every journey, sold or not (solved exactly)"
        }
        CreditModel::Shapley => {
            "Shapley values of the sources that appear together, by conversion rate"
        }
    }
}

/// The parameters of `models` that take any, one line each.
pub fn parameters_ui(ui: &mut egui::Ui, models: &[CreditModel], params: &mut ModelParams) {
    for model in models {
        match model {
            CreditModel::Position => {
                ui.horizontal(|ui| {
                    ui.label(format!("{}:", model.label()));
                    for (name, weight) in ["first", "middle", "last"]
                        .into_iter()
                        .zip(params.position_weights_pct.iter_mut())
                    {
                        ui.label(name);
                        ui.add(egui::DragValue::new(weight).range(0.0..=100.0).suffix(" %"));
                    }
                    ui.checkbox(
                        &mut params.position_two_touch_proportional,
                        "two touches split first : last",
                    );
                });
            }
            CreditModel::TimeDecay => {
                ui.horizontal(|ui| {
                    ui.label(format!("{}: half-life", model.label()));
                    ui.add(
                        egui::DragValue::new(&mut params.half_life_hours)
                            .range(1.0..=8760.0)
                            .suffix(" h"),
                    );
                    ui.checkbox(&mut params.time_decay_steps, "in whole steps");
                });
            }
            CreditModel::LastNonDirect => {
                ui.horizontal(|ui| {
                    ui.label(format!("{}: direct channels", model.label()));
                    let mut text = params.direct_channels.join(", ");
                    if ui.text_edit_singleline(&mut text).changed() {
                        params.direct_channels = text
                            .split(',')
                            .map(|c| c.trim().to_owned())
                            .filter(|c| !c.is_empty())
                            .collect();
                    }
                });
            }
            CreditModel::Markov => {
                ui.horizontal(|ui| {
                    ui.label(format!("{}: order", model.label()));
                    for order in 1..=MARKOV_MAX_ORDER {
                        ui.radio_value(&mut params.markov_order, order, order.to_string());
                    }
                });
            }
            CreditModel::Shapley => {
                ui.horizontal(|ui| {
                    ui.label(format!("{}: at most", model.label()));
                    let mut most = params.shapley_sources() as u32;
                    let changed = ui
                        .add(egui::DragValue::new(&mut most).range(1..=SHAPLEY_MAX_SOURCES))
                        .changed();
                    ui.label("sources per combination (the alphabetically last kept)");
                    if changed {
                        params.shapley_max_sources = Some(most);
                    }
                });
            }
            _ => {}
        }
    }
}
