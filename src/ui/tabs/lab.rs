//! The scenario lab: compose a journey from steps on a timeline and see at once who gets what
//! under each model and the current settings, with a sentence for every touch.

use crate::ui::command::Command;
use eframe::egui::{self, Color32, RichText};

use crate::attribution::{AttributionSettings, BrowserFamily, CreditModel, ModelParams};
use crate::domain::format::{conversions, money};
use crate::scenario::{
    self, BUILT_IN_NAMES, Channel, ConversionOutcome, Device, KnownPartner, PARTNER_A, Place,
    START_MINUTE_OF_DAY, Scenario, ScenarioOutcome, Step, StepKind, built_in,
};
use crate::ui::bridge::Latest;
use crate::ui::bridge::Snapshot;
use crate::ui::widgets::evidence_window::explanation_ui;
use crate::ui::widgets::{fixed_number_cell, right_cell};

/// The scenario lab's state.
pub struct LabTabState {
    /// The scenario being composed.
    pub scenario: Scenario,
    /// The name it is saved under.
    pub save_name: String,
    /// A real conversion id typed to be explained.
    pub real_conversion: String,
    outcomes: Latest<OutcomeKey, Result<ScenarioOutcome, String>>,
}

type OutcomeKey = (
    Scenario,
    AttributionSettings,
    usize,
    ModelParams,
    Vec<CreditModel>,
);

impl Default for LabTabState {
    fn default() -> Self {
        let scenario = built_in(BUILT_IN_NAMES[0]).unwrap_or_default();
        LabTabState {
            save_name: scenario.name.clone(),
            scenario,
            real_conversion: String::new(),
            outcomes: Latest::new("scenario"),
        }
    }
}

impl LabTabState {
    /// Whether an outcome is being computed.
    pub fn is_busy(&self) -> bool {
        self.outcomes.is_busy()
    }

    fn load(&mut self, scenario: Scenario) {
        self.save_name = scenario.name.clone();
        self.scenario = scenario;
    }
}

/// Draws the scenario lab, its credit under the `models` picked in Compare with their
/// `params`; returns what the app should do.
pub fn lab_ui(
    ui: &mut egui::Ui,
    state: &mut LabTabState,
    snapshot: &Snapshot,
    settings: &AttributionSettings,
    params: &ModelParams,
    models: &[CreditModel],
) -> Option<Command> {
    let known = crate::report::known_partners(&snapshot.facts.partners);
    let mut action = scenario_bar_ui(ui, state, snapshot);
    ui.label(RichText::new(&state.scenario.description).weak());
    timeline_ui(ui, &state.scenario);
    let key = (
        state.scenario.clone(),
        *settings,
        snapshot.generation as usize,
        params.clone(),
        models.to_vec(),
    );
    let (job, partners) = (key.clone(), known.clone());
    let outcome = state.outcomes.get(&key, move || {
        let (scenario, settings, _, params, models) = &job;
        scenario::run_models(scenario, settings, &partners, params, models)
            .map_err(|e| e.to_string())
    });
    let partner_ids = partner_choices(&state.scenario, &known);
    ui.columns(2, |columns| {
        egui::ScrollArea::vertical()
            .id_salt("lab_steps")
            .show(&mut columns[0], |ui| {
                steps_ui(ui, &mut state.scenario, &partner_ids)
            });
        egui::ScrollArea::vertical()
            .id_salt("lab_outcome")
            .show(&mut columns[1], |ui| match &outcome {
                None => {
                    ui.spinner();
                }
                Some((result, fresh)) => outcome_ui(ui, result, *fresh, models),
            });
    });
    ui.separator();
    ui.horizontal(|ui| {
        let label = ui.label("Explain a real conversion:");
        ui.add(
            egui::TextEdit::singleline(&mut state.real_conversion)
                .hint_text("conversion id, e.g. ORD-000001")
                .desired_width(200.0),
        )
        .labelled_by(label.id);
        if ui.button("Explain").clicked() && !state.real_conversion.trim().is_empty() {
            action = Some(Command::Explain(state.real_conversion.trim().to_owned()));
        }
    });
    action
}

fn partner_choices(scenario: &Scenario, known: &[KnownPartner]) -> Vec<String> {
    let mut ids = vec![PARTNER_A.to_owned(), scenario::PARTNER_B.to_owned()];
    for id in scenario
        .partners()
        .into_iter()
        .chain(known.iter().map(|k| k.partner_id.clone()))
    {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

fn scenario_bar_ui(
    ui: &mut egui::Ui,
    state: &mut LabTabState,
    snapshot: &Snapshot,
) -> Option<Command> {
    let mut action = None;
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Scenario");
        let mut picked: Option<Scenario> = None;
        egui::ComboBox::from_id_salt("lab_scenario")
            .selected_text(&state.scenario.name)
            .width(280.0)
            .show_ui(ui, |ui| {
                ui.label(RichText::new("Built in").weak());
                for name in BUILT_IN_NAMES {
                    if ui
                        .selectable_label(state.scenario.name == name, name)
                        .clicked()
                    {
                        picked = built_in(name);
                    }
                }
                if !snapshot.saved_scenarios.is_empty() {
                    ui.label(RichText::new("Saved in this database").weak());
                }
                for saved in &snapshot.saved_scenarios {
                    let text = format!("{} · {}", saved.name, saved.saved_at);
                    if ui.selectable_label(false, text).clicked() {
                        picked = serde_json::from_str(&saved.json).ok();
                    }
                }
            })
            .response
            .labelled_by(label.id);
        if let Some(scenario) = picked {
            state.load(scenario);
        }
        if ui.button("Empty").clicked() {
            state.load(Scenario {
                name: "New scenario".to_owned(),
                ..Scenario::default()
            });
        }
        ui.separator();
        let name = ui.label("Save as");
        ui.add(egui::TextEdit::singleline(&mut state.save_name).desired_width(200.0))
            .labelled_by(name.id);
        let name = state.save_name.trim().to_owned();
        if ui
            .add_enabled(!name.is_empty(), egui::Button::new("Save"))
            .clicked()
        {
            state.scenario.name = name.clone();
            let json = serde_json::to_string(&state.scenario).unwrap_or_default();
            action = Some(Command::SaveScenario(name.clone(), json));
        }
        if snapshot.saved_scenarios.iter().any(|s| s.name == name)
            && ui.button("Delete saved").clicked()
        {
            action = Some(Command::DeleteScenario(name));
        }
        ui.label(RichText::new("(?)").weak()).on_hover_text(
            "Saved scenarios are worked examples in the Rules document: one saved under a \
             built-in's name replaces that rule's example, the others are added at the end.",
        );
    });
    action
}

/// The steps on a line, oldest left: clicks, visits and purchases as marks with their day.
fn timeline_ui(ui: &mut egui::Ui, scenario: &Scenario) {
    let timeline = scenario.timeline();
    let width = ui.available_width();
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, 46.0), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    let line_y = rect.top() + 16.0;
    let (left, right) = (rect.left() + 60.0, rect.right() - 60.0);
    painter.line_segment(
        [egui::pos2(left, line_y), egui::pos2(right, line_y)],
        egui::Stroke::new(1.5, ui.visuals().weak_text_color()),
    );
    let first = timeline.first().map_or(0, |s| s.at_minutes);
    let span = timeline.last().map_or(1, |s| (s.at_minutes - first).max(1));
    for (i, step) in timeline.iter().enumerate() {
        let x = left + (right - left) * (step.at_minutes - first) as f32 / span as f32;
        let color = step_color(&step.kind);
        painter.circle_filled(egui::pos2(x, line_y), 6.0, color);
        let day = (step.at_minutes + START_MINUTE_OF_DAY).div_euclid(1440);
        let text = format!("{} d{day}", step_mark(&step.kind));
        let y = if i % 2 == 0 {
            line_y + 16.0
        } else {
            line_y - 14.0
        };
        painter.text(
            egui::pos2(x, y),
            egui::Align2::CENTER_CENTER,
            text,
            egui::FontId::proportional(11.0),
            ui.visuals().text_color(),
        );
    }
}

fn step_mark(kind: &StepKind) -> String {
    match kind {
        StepKind::PartnerClick { partner, .. } => partner.clone(),
        StepKind::Visit { channel, .. } => channel.key().to_owned(),
        StepKind::CookiesCleared { .. } => "cookies cleared".to_owned(),
        StepKind::LogIn { .. } => "log-in".to_owned(),
        StepKind::Coupon { .. } => "coupon".to_owned(),
        StepKind::Purchase { .. } => "purchase".to_owned(),
    }
}

fn step_color(kind: &StepKind) -> Color32 {
    match kind {
        StepKind::PartnerClick { .. } => Color32::from_rgb(66, 133, 244),
        StepKind::Visit { .. } => Color32::from_rgb(150, 150, 150),
        StepKind::CookiesCleared { .. } => Color32::from_rgb(219, 68, 55),
        StepKind::LogIn { .. } => Color32::from_rgb(171, 71, 188),
        StepKind::Coupon { .. } => Color32::from_rgb(244, 180, 0),
        StepKind::Purchase { .. } => Color32::from_rgb(52, 168, 83),
    }
}

/// The step list with an editor per step, and the buttons that add steps.
fn steps_ui(ui: &mut egui::Ui, scenario: &mut Scenario, partners: &[String]) {
    ui.label(RichText::new("Steps").strong());
    let mut remove = None;
    for (i, step) in scenario.steps.iter_mut().enumerate() {
        ui.push_id(i, |ui| {
            ui.horizontal_wrapped(|ui| {
                time_ui(ui, step);
                step_editor_ui(ui, &mut step.kind, partners);
                if ui
                    .small_button("×")
                    .on_hover_text("Remove this step")
                    .clicked()
                {
                    remove = Some(i);
                }
            });
        });
    }
    if let Some(i) = remove {
        scenario.steps.remove(i);
    }
    ui.add_space(6.0);
    ui.horizontal_wrapped(|ui| {
        for (label, kind) in new_step_kinds(partners) {
            if ui.button(label).clicked() {
                add_step(scenario, kind);
            }
        }
    });
}

fn new_step_kinds(partners: &[String]) -> Vec<(&'static str, StepKind)> {
    let partner = partners
        .first()
        .cloned()
        .unwrap_or_else(|| PARTNER_A.to_owned());
    vec![
        (
            "+ Partner click",
            StepKind::PartnerClick {
                partner: partner.clone(),
                place: Place::default(),
            },
        ),
        (
            "+ Visit",
            StepKind::Visit {
                channel: Channel::Organic,
                place: Place::default(),
            },
        ),
        (
            "+ Cookies cleared",
            StepKind::CookiesCleared {
                device: Device::Laptop,
            },
        ),
        (
            "+ Log in",
            StepKind::LogIn {
                place: Place::default(),
            },
        ),
        ("+ Coupon", StepKind::Coupon { partner }),
        (
            "+ Purchase",
            StepKind::Purchase {
                revenue: 100.0,
                status: "approved".to_owned(),
                place: Place::default(),
            },
        ),
    ]
}

/// A new purchase goes a day after the last step; anything else an hour before the last
/// purchase and just before it in the list (so it takes part in it), or a day after the last
/// step when there is no purchase.
fn add_step(scenario: &mut Scenario, kind: StepKind) {
    let last = scenario.steps.iter().map(|s| s.at_minutes).max();
    let last_purchase = scenario
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s.kind, StepKind::Purchase { .. }))
        .max_by_key(|(_, s)| s.at_minutes);
    match (&kind, last_purchase) {
        (StepKind::Purchase { .. }, _) | (_, None) => {
            let at_minutes = last.map_or(0, |t| t + 1440);
            scenario.steps.push(Step { at_minutes, kind });
        }
        (_, Some((position, purchase))) => {
            let at_minutes = (purchase.at_minutes - 60).max(-START_MINUTE_OF_DAY);
            scenario.steps.insert(position, Step { at_minutes, kind });
        }
    }
}

/// Day and hour of the step, as the timeline and sentences show them.
fn time_ui(ui: &mut egui::Ui, step: &mut Step) {
    let clock = step.at_minutes + START_MINUTE_OF_DAY;
    let mut days = clock.div_euclid(1440);
    let mut hours = clock.rem_euclid(1440) / 60;
    let minutes = clock.rem_euclid(60);
    let day = ui.add(
        egui::DragValue::new(&mut days)
            .range(0..=500)
            .prefix("day "),
    );
    let at = ui.label("at");
    let hour = ui
        .add(
            egui::DragValue::new(&mut hours)
                .range(0..=23)
                .custom_formatter(|h, _| format!("{h:02}:{minutes:02}"))
                .custom_parser(|text| text.split(':').next()?.trim().parse().ok()),
        )
        .labelled_by(at.id);
    if day.changed() || hour.changed() {
        step.at_minutes = days * 1440 + hours * 60 + minutes - START_MINUTE_OF_DAY;
    }
}

fn step_editor_ui(ui: &mut egui::Ui, kind: &mut StepKind, partners: &[String]) {
    match kind {
        StepKind::PartnerClick { partner, place } => {
            let label = ui.label("Partner click");
            partner_ui(ui, partner, partners, label.id);
            place_ui(ui, place);
        }
        StepKind::Visit { channel, place } => {
            let label = ui.label("Visit from");
            egui::ComboBox::from_id_salt("channel")
                .selected_text(channel.key())
                .show_ui(ui, |ui| {
                    for c in Channel::ALL {
                        ui.selectable_value(channel, c, c.key());
                    }
                })
                .response
                .labelled_by(label.id);
            place_ui(ui, place);
        }
        StepKind::CookiesCleared { device } => {
            let label = ui.label("Cookies cleared on");
            device_ui(ui, device, label.id);
        }
        StepKind::LogIn { place } => {
            ui.label("Logs in on");
            place_ui(ui, place);
        }
        StepKind::Coupon { partner } => {
            let label = ui.label("Coupon of");
            partner_ui(ui, partner, partners, label.id);
        }
        StepKind::Purchase {
            revenue,
            status,
            place,
        } => {
            let label = ui.label("Purchase");
            ui.add(
                egui::DragValue::new(revenue)
                    .range(0.0..=1e7)
                    .prefix("$")
                    .speed(1.0),
            )
            .labelled_by(label.id);
            let status_label = ui.label("status");
            egui::ComboBox::from_id_salt("status")
                .selected_text(status.as_str())
                .show_ui(ui, |ui| {
                    for s in ["approved", "pending", "refunded", "cancelled"] {
                        ui.selectable_value(status, s.to_owned(), s);
                    }
                })
                .response
                .labelled_by(status_label.id);
            place_ui(ui, place);
        }
    }
}

fn partner_ui(ui: &mut egui::Ui, partner: &mut String, partners: &[String], label: egui::Id) {
    egui::ComboBox::from_id_salt("partner")
        .selected_text(partner.as_str())
        .show_ui(ui, |ui| {
            for p in partners {
                ui.selectable_value(partner, p.clone(), p);
            }
        })
        .response
        .labelled_by(label);
}

fn device_ui(ui: &mut egui::Ui, device: &mut Device, label: egui::Id) {
    egui::ComboBox::from_id_salt("device")
        .selected_text(device.label())
        .width(80.0)
        .show_ui(ui, |ui| {
            for d in Device::ALL {
                ui.selectable_value(device, d, d.label());
            }
        })
        .response
        .labelled_by(label);
}

fn place_ui(ui: &mut egui::Ui, place: &mut Place) {
    let on = ui.label("on");
    device_ui(ui, &mut place.device, on.id);
    let browser = ui.label("in");
    egui::ComboBox::from_id_salt("browser")
        .selected_text(place.browser.label())
        .width(90.0)
        .show_ui(ui, |ui| {
            for b in BrowserFamily::ALL.into_iter().skip(1) {
                ui.selectable_value(&mut place.browser, b, b.label());
            }
        })
        .response
        .labelled_by(browser.id);
}

fn outcome_ui(
    ui: &mut egui::Ui,
    result: &Result<ScenarioOutcome, String>,
    fresh: bool,
    models: &[CreditModel],
) {
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(error) => {
            ui.colored_label(ui.visuals().error_fg_color, error);
            return;
        }
    };
    ui.horizontal(|ui| {
        ui.label(RichText::new("Outcome under the current settings").strong());
        if !fresh {
            ui.spinner();
        }
    });
    if outcome.conversions.is_empty() {
        ui.label("Add a purchase to see who gets the credit.");
        return;
    }
    for (i, sale) in outcome.conversions.iter().enumerate() {
        ui.push_id(i, |ui| purchase_ui(ui, sale, models));
        ui.add_space(8.0);
    }
    totals_ui(ui, outcome, models);
}

/// One purchase: its credit under each model that splits a sale by its touches (Markov and
/// Shapley learn from every journey: the table below has them), every touch with its
/// sentence, then the engine's explanation.
fn purchase_ui(ui: &mut egui::Ui, sale: &ConversionOutcome, models: &[CreditModel]) {
    for &model in models {
        if let Some(shares) = sale.shares(model) {
            let words = crate::explain::share_words(shares);
            ui.label(RichText::new(format!("{}: {words}", model.label())).strong());
        }
    }
    for touch in &sale.touches {
        let color = if touch.counts {
            Color32::from_rgb(52, 168, 83)
        } else {
            ui.visuals().weak_text_color()
        };
        ui.label(RichText::new(format!("{} · {}", touch.when, touch.sentence)).color(color));
    }
    for note in &sale.notes {
        ui.label(RichText::new(note).italics());
    }
    egui::CollapsingHeader::new("Evidence, as for a real conversion")
        .default_open(false)
        .show(ui, |ui| explanation_ui(ui, &sale.explanation));
}

/// Credit per source and model over the scenario, in the order the models were picked.
fn totals_ui(ui: &mut egui::Ui, outcome: &ScenarioOutcome, models: &[CreditModel]) {
    egui::Grid::new("lab_totals")
        .num_columns(5)
        .striped(true)
        .show(ui, |ui| {
            for head in ["Model", "Source"] {
                ui.label(RichText::new(head).strong());
            }
            // Numbers are right-aligned in fixed widths; so are their headings.
            for (head, width) in [
                ("Conversions", 80.0),
                ("Revenue", 90.0),
                ("Commission", 90.0),
            ] {
                right_cell(ui, width, |ui| ui.label(RichText::new(head).strong()));
            }
            ui.end_row();
            for model in models {
                for row in outcome.credit.iter().filter(|r| r.model == model.key()) {
                    ui.label(model.label());
                    ui.label(&row.source);
                    fixed_number_cell(ui, 80.0, conversions(row.conversions));
                    fixed_number_cell(ui, 90.0, money(row.revenue));
                    fixed_number_cell(ui, 90.0, money(row.payout));
                    ui.end_row();
                }
            }
        });
}
