//! The Payouts view: a month's commission per partner under the official model beside the
//! other models, pending and refunded amounts, a bar chart, the export for finance, and the
//! sign-off that later changes are held against.

use crate::ui::command::Command;
use std::path::PathBuf;
use std::sync::mpsc::Receiver;

use eframe::egui::{self, RichText};
use egui_plot::{Bar, BarChart, Legend, Plot};

use super::journeys_read_ui;
use crate::attribution::{CreditModel, Recurring};
use crate::domain::format::conversions;
use crate::journeys::JourneyIndex;
use crate::payouts::{
    CategoryRate, Cents, CommissionRules, PayoutSettings, PayoutStatus, Period, PeriodPayouts,
    Tier, changes_since, export_rows, listed_models, payouts, signoff_record,
};
use crate::statements::{payments_csv, statement_after, statements_html};
use crate::store::{PayoutExportRow, SignoffRecord, StatementHistory};
use crate::ui::bridge::Latest;
use crate::ui::bridge::Snapshot;
use crate::ui::settings::UiSettings;
use crate::ui::widgets::looks::credit_model_color;
use crate::ui::widgets::model_params::{model_hint, parameters_ui};
use crate::ui::widgets::{fixed_number_cell, left_cell, nice_steps, right_cell, unit_marks};

type PayoutKey = (usize, PayoutSettings, Period);

/// What the Payouts view keeps between frames.
pub struct PayoutsTabState {
    results: Latest<PayoutKey, PeriodPayouts>,
    months: Option<(usize, Vec<Period>)>,
    /// The name typed for the sign-off.
    pub signer: String,
    export: Option<(Receiver<PathBuf>, Vec<PayoutExportRow>)>,
    /// A statements document or payment file waiting for its file name.
    document: Option<(Receiver<PathBuf>, String)>,
}

impl Default for PayoutsTabState {
    fn default() -> Self {
        PayoutsTabState {
            results: Latest::new("payouts"),
            months: None,
            signer: String::new(),
            export: None,
            document: None,
        }
    }
}

impl PayoutsTabState {
    /// Whether payouts are being computed.
    pub fn is_busy(&self) -> bool {
        self.results.is_busy()
    }

    /// The months from the first conversion to the last, oldest first (cached per index).
    fn months(&mut self, snapshot: &Snapshot) -> Vec<Period> {
        let id = snapshot.generation as usize;
        if self.months.as_ref().is_none_or(|(i, _)| *i != id) {
            let times = snapshot
                .index
                .conversions
                .iter()
                .map(|c| c.converted_at_secs);
            let (first, last) =
                times.fold((i64::MAX, i64::MIN), |(lo, hi), t| (lo.min(t), hi.max(t)));
            let mut months = Vec::new();
            if first <= last {
                let (mut month, end) = (
                    Period::of(first, snapshot.time_zone),
                    Period::of(last, snapshot.time_zone),
                );
                while month <= end {
                    months.push(month);
                    month = month.next();
                }
            }
            self.months = Some((id, months));
        }
        self.months
            .as_ref()
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    }
}

/// Draws the Payouts view; returns what the app should do.
pub fn payouts_ui(
    ui: &mut egui::Ui,
    state: &mut PayoutsTabState,
    settings: &mut UiSettings,
    snapshot: &Snapshot,
) -> Option<Command> {
    let months = state.months(snapshot);
    let Some(&latest) = months.last() else {
        ui.label("No conversions yet: import conversions in the Data view.");
        return None;
    };
    let period = settings
        .payout_period
        .as_deref()
        .and_then(|p| Period::parse(p).ok())
        .filter(|p| months.contains(p))
        .unwrap_or(latest);
    rules_bar_ui(ui, settings, &months, period);
    parameters_ui(ui, &[settings.payout_model], &mut settings.model_params);
    let official = settings.payout_settings();
    if official.model.is_data_driven() && !journeys_read_ui(ui, snapshot) {
        return None;
    }
    let key = (snapshot.generation as usize, official.clone(), period);
    let (index, zone) = (snapshot.index.clone(), snapshot.time_zone);
    let Some((result, fresh)) = state
        .results
        .get(&key, move || payouts(&index, &official, period, zone))
    else {
        ui.spinner();
        return None;
    };
    let mut action = collect_export(state);
    let index = &snapshot.index;
    totals_ui(ui, &result, fresh);
    if let Some(signed) = signoff_ui(ui, state, index, &result, snapshot) {
        action = Some(Command::SignOff(Box::new(signed)));
    }
    if let Some(export) = export_buttons_ui(ui, state, index, &result) {
        action = Some(export);
    }
    statement_buttons_ui(ui, state, snapshot, &result, &settings.programme_name);
    ui.separator();
    egui::ScrollArea::vertical()
        .id_salt("payouts_scroll")
        .show(ui, |ui| {
            table_ui(ui, index, &result);
            ui.add_space(8.0);
            chart_ui(ui, index, &result);
        });
    action
}

fn rules_bar_ui(ui: &mut egui::Ui, settings: &mut UiSettings, months: &[Period], period: Period) {
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Period");
        egui::ComboBox::from_id_salt("payout_period")
            .selected_text(period.label())
            .show_ui(ui, |ui| {
                for month in months.iter().rev() {
                    let chosen = *month == period;
                    if ui.selectable_label(chosen, month.label()).clicked() {
                        settings.payout_period = Some(month.label());
                    }
                }
            })
            .response
            .labelled_by(label.id);
        ui.separator();
        official_model_ui(ui, settings);
        ui.separator();
        let label = ui.label("Hold period");
        ui.add(
            egui::DragValue::new(&mut settings.hold_days)
                .range(0..=120)
                .suffix(" days"),
        )
        .labelled_by(label.id)
        .on_hover_text("Conversions younger than this at the month's end are pending");
        ui.separator();
        commission_rules_ui(ui, &mut settings.commission_rules);
    });
}

/// The model partners are paid by: any of them, its parameters (shared with Compare) on
/// the line below.
fn official_model_ui(ui: &mut egui::Ui, settings: &mut UiSettings) {
    let label = ui.label("Official model");
    egui::ComboBox::from_id_salt("payout_model")
        .selected_text(settings.payout_model.label())
        .show_ui(ui, |ui| {
            for model in CreditModel::ALL {
                ui.selectable_value(&mut settings.payout_model, model, model.label())
                    .on_hover_text(model_hint(model));
            }
        })
        .response
        .labelled_by(label.id)
        .on_hover_text(model_hint(settings.payout_model));
}

/// The monthly tier and the cap per conversion: a tick box each, their amounts beside it.
fn commission_rules_ui(ui: &mut egui::Ui, rules: &mut CommissionRules) {
    let mut tiered = rules.tier.is_some();
    ui.checkbox(&mut tiered, "Tier").on_hover_text(
        "Percentage partners earn another rate on their credited revenue above a threshold \
         in a month (the sale that crosses it is split)",
    );
    rules.tier = tiered.then(|| {
        rules.tier.unwrap_or(Tier {
            threshold_cents: 1_000_000,
            rate_bp: 1_500,
        })
    });
    if let Some(tier) = &mut rules.tier {
        ui.label("above");
        cents_value_ui(ui, &mut tier.threshold_cents);
        ui.label("at");
        let mut rate = f64::from(tier.rate_bp) / 100.0;
        let edit = egui::DragValue::new(&mut rate)
            .range(0.0..=100.0)
            .speed(0.1)
            .suffix(" %");
        if ui.add(edit).changed() {
            tier.rate_bp = (rate * 100.0).round() as u32;
        }
    }
    let mut capped = rules.cap_cents.is_some();
    ui.checkbox(&mut capped, "Cap")
        .on_hover_text("The most one conversion pays one partner");
    rules.cap_cents = capped.then(|| rules.cap_cents.unwrap_or(5_000));
    if let Some(cap) = &mut rules.cap_cents {
        cents_value_ui(ui, cap);
    }
    category_rates_ui(ui, rules);
    recurring_ui(ui, &mut rules.recurring);
}

/// Rates by product category, typed as `electronics=3%, fashion=10%`; while the text does not
/// read, the rates in force stay and the reason shows beside it.
fn category_rates_ui(ui: &mut egui::Ui, rules: &mut CommissionRules) {
    let id = ui.make_persistent_id("category_rates_text");
    let current: Vec<String> = rules
        .category_rates
        .iter()
        .map(CategoryRate::text)
        .collect();
    let mut text = ui
        .data_mut(|d| d.get_temp::<String>(id))
        .unwrap_or_else(|| current.join(", "));
    let label = ui.label("By category");
    let response = ui
        .add(
            egui::TextEdit::singleline(&mut text)
                .hint_text("electronics=3%, fashion=10%")
                .desired_width(190.0),
        )
        .labelled_by(label.id)
        .on_hover_text(
            "Percentage partners earn a category's rate instead of their own on its sales \
             (the conversions' category column)",
        );
    match CategoryRate::parse_list(&text) {
        Ok(rates) if response.changed() => rules.category_rates = rates,
        Ok(_) => {}
        Err(why) => {
            ui.colored_label(ui.visuals().error_fg_color, why);
        }
    }
    ui.data_mut(|d| d.insert_temp(id, text));
}

/// Recurring commissions: a tick box, the months renewals stay bound (or lifetime) and the
/// renewal rate (or the partner's own).
fn recurring_ui(ui: &mut egui::Ui, recurring: &mut Option<Recurring>) {
    let mut on = recurring.is_some();
    ui.checkbox(&mut on, "Recurring").on_hover_text(
        "A subscription's renewals (later sales with its subscription_id) pay the partner(s) \
         credited for its first sale, without new clicks; also applied in Compare and Leakage",
    );
    *recurring = on.then(|| {
        recurring.unwrap_or(Recurring {
            months: Some(12),
            renewal_rate_bp: None,
        })
    });
    let Some(binding) = recurring else {
        return;
    };
    let mut lifetime = binding.months.is_none();
    ui.checkbox(&mut lifetime, "lifetime");
    if lifetime {
        binding.months = None;
    } else {
        let mut months = binding.months.unwrap_or(12);
        let edit = egui::DragValue::new(&mut months)
            .range(1..=120)
            .suffix(" months");
        ui.add(edit).on_hover_text(
            "Renewals more than this many months after the first sale are not bound",
        );
        binding.months = Some(months);
    }
    let mut own_rate = binding.renewal_rate_bp.is_none();
    ui.checkbox(&mut own_rate, "own rate")
        .on_hover_text("Renewals pay the partner's own commission; untick for a renewal rate");
    if own_rate {
        binding.renewal_rate_bp = None;
    } else {
        let mut rate = f64::from(binding.renewal_rate_bp.unwrap_or(1_000)) / 100.0;
        let edit = egui::DragValue::new(&mut rate)
            .range(0.0..=100.0)
            .speed(0.1)
            .suffix(" %");
        ui.add(edit);
        binding.renewal_rate_bp = Some((rate * 100.0).round() as u32);
    }
}

/// An amount in cents, edited as a decimal amount.
fn cents_value_ui(ui: &mut egui::Ui, cents: &mut i64) {
    let mut amount = *cents as f64 / 100.0;
    let edit = egui::DragValue::new(&mut amount)
        .range(0.0..=1e9)
        .speed(10.0)
        .fixed_decimals(2);
    if ui.add(edit).changed() {
        *cents = Cents::from_amount(amount).0;
    }
}

/// Per currency: `1,234.50 USD`, joined.
fn per_currency(totals: &[(String, Cents)]) -> String {
    if totals.is_empty() {
        return "nothing".to_owned();
    }
    let parts: Vec<String> = totals.iter().map(|(c, t)| t.display(c)).collect();
    parts.join(" · ")
}

fn totals_ui(ui: &mut egui::Ui, result: &PeriodPayouts, fresh: bool) {
    let model = result.settings.model;
    let refunds = result
        .of_model(model)
        .filter(|l| matches!(l.status, PayoutStatus::Refunded | PayoutStatus::Cancelled));
    let (refunded, refunded_revenue) = refunds.fold((0.0, 0i64), |(n, r), l| {
        (n + l.conversions, r + l.revenue.0)
    });
    ui.horizontal_wrapped(|ui| {
        ui.label(
            RichText::new(format!(
                "Payable {}: {}",
                result.period.label(),
                per_currency(&result.total(model, PayoutStatus::Payable))
            ))
            .strong(),
        );
        ui.label(format!(
            "· pending {} · refunds and cancellations removed: {} conversions, {} revenue · settings fingerprint {}",
            per_currency(&result.total(model, PayoutStatus::Pending)),
            conversions(refunded),
            Cents(refunded_revenue).display(""),
            result.settings.fingerprint()
        ));
        if !fresh {
            ui.spinner();
        }
    });
}

fn signoff_ui(
    ui: &mut egui::Ui,
    state: &mut PayoutsTabState,
    index: &JourneyIndex,
    result: &PeriodPayouts,
    snapshot: &Snapshot,
) -> Option<SignoffRecord> {
    let label = result.period.label();
    let latest = snapshot.signoffs.iter().find(|s| s.period == label);
    let now = signoff_record(index, result, &state.signer);
    ui.horizontal_wrapped(|ui| match latest {
        None => {
            ui.label(RichText::new(format!("{label} is not signed off.")).weak());
        }
        Some(signed) => {
            let changes = changes_since(signed, &now);
            let text = format!(
                "Signed off by {} at {} UTC ({} model, fingerprint {})",
                signed.signed_by, signed.signed_at, signed.model, signed.fingerprint
            );
            if changes.is_empty() {
                ui.label(format!("{text}: no amount has moved since."));
            } else {
                let warn = ui.visuals().warn_fg_color;
                ui.label(RichText::new(format!("{text}: DIFFERS from its sign-off")).color(warn))
                    .on_hover_text("Later imports or changed settings moved these amounts");
                for c in changes.iter().take(8) {
                    ui.label(RichText::new(c.describe()).color(warn));
                }
            }
        }
    });
    let mut signed = None;
    ui.horizontal(|ui| {
        let label = ui.label("Signed by");
        ui.add(egui::TextEdit::singleline(&mut state.signer).desired_width(180.0))
            .labelled_by(label.id);
        let ready = !state.signer.trim().is_empty();
        if ui
            .add_enabled(
                ready,
                egui::Button::new(format!("Sign off {}", result.period.label())),
            )
            .on_hover_text("Record these amounts; later changes are shown against them")
            .clicked()
        {
            let mut record = signoff_record(index, result, &state.signer);
            let history = StatementHistory::of(&snapshot.signoffs);
            let zone = snapshot.time_zone;
            let month = statement_after(index, &result.settings, result.period, zone, &history);
            record.statement = month.paid_lines(index);
            signed = Some(record);
        }
    });
    signed
}

fn export_buttons_ui(
    ui: &mut egui::Ui,
    state: &mut PayoutsTabState,
    index: &JourneyIndex,
    result: &PeriodPayouts,
) -> Option<Command> {
    let mut chosen = None;
    ui.horizontal(|ui| {
        for (extension, text) in [("csv", "Export CSV…"), ("parquet", "Export Parquet…")] {
            if ui
                .button(text)
                .on_hover_text("The official model's rows for finance, amounts exact to the cent")
                .clicked()
            {
                chosen = Some(extension);
            }
        }
    });
    let extension = chosen?;
    let rows = export_rows(index, result, result.settings.model);
    let name = format!(
        "payouts-{}-{}.{extension}",
        result.period.label(),
        result.settings.model.key()
    );
    let picked = crate::ui::widgets::dialogs::pick_export(ui.ctx(), name, extension);
    state.export = Some((picked, rows));
    None
}

/// *Export statements…* (every partner's statement by payable date, printable HTML) and
/// *Export payment file…* (a CSV row per partner and currency).
fn statement_buttons_ui(
    ui: &mut egui::Ui,
    state: &mut PayoutsTabState,
    snapshot: &Snapshot,
    result: &PeriodPayouts,
    programme: &str,
) {
    let mut chosen = None;
    ui.horizontal(|ui| {
        if ui
            .button("Export statements…")
            .on_hover_text(
                "Each partner's statement for the month by payable date (held sales paid when \
                 their hold ends): printable HTML, a page per partner",
            )
            .clicked()
        {
            chosen = Some("html");
        }
        if ui
            .button("Export payment file…")
            .on_hover_text("What this statement pays: a CSV row per partner and currency")
            .clicked()
        {
            chosen = Some("csv");
        }
    });
    let Some(extension) = chosen else { return };
    let (index, zone) = (&snapshot.index, snapshot.time_zone);
    let history = StatementHistory::of(&snapshot.signoffs);
    let month = statement_after(index, &result.settings, result.period, zone, &history);
    let (name, text) = match extension {
        "html" => (
            format!("statements-{}.html", result.period.label()),
            statements_html(index, &month, programme, zone),
        ),
        _ => (
            format!("payments-{}.csv", result.period.label()),
            payments_csv(index, &month, &snapshot.facts.payout_details),
        ),
    };
    let picked = crate::ui::widgets::dialogs::pick_export(ui.ctx(), name, extension);
    state.document = Some((picked, text));
}

fn collect_document(state: &mut PayoutsTabState) -> Option<Command> {
    let (picked, _) = state.document.as_ref()?;
    let path = picked.try_recv().ok()?;
    let (_, text) = state.document.take()?;
    Some(Command::WriteText(text, path))
}

fn collect_export(state: &mut PayoutsTabState) -> Option<Command> {
    if let Some(document) = collect_document(state) {
        return Some(document);
    }
    let (picked, _) = state.export.as_ref()?;
    let path = picked.try_recv().ok()?;
    let (_, rows) = state.export.take()?;
    Some(Command::ExportPayouts(rows, path))
}

/// The models beside the official one, in the table's order.
fn others(result: &PeriodPayouts) -> Vec<CreditModel> {
    listed_models(&result.settings)
        .into_iter()
        .filter(|&m| m != result.settings.model)
        .collect()
}

const MONEY: f32 = 100.0;
const COUNT: f32 = 70.0;

/// Per partner and currency: the official model's payable line, pending, and each model's
/// payable commission with its difference to the official one.
fn table_ui(ui: &mut egui::Ui, index: &JourneyIndex, result: &PeriodPayouts) {
    let official = result.settings.model;
    let mut keys: Vec<(u32, String)> = result
        .lines
        .iter()
        .map(|l| (l.partner, l.currency.clone()))
        .collect();
    keys.sort_by(|a, b| {
        (&index.sources[a.0 as usize].id, &a.1).cmp(&(&index.sources[b.0 as usize].id, &b.1))
    });
    keys.dedup();
    let cell = |partner: u32, currency: &str, model: CreditModel, status: PayoutStatus| {
        result
            .of_model(model)
            .filter(|l| l.partner == partner && l.currency == currency && l.status == status)
            .fold((0.0, Cents(0), Cents(0)), |(n, r, c), l| {
                (
                    n + l.conversions,
                    Cents(r.0 + l.revenue.0),
                    Cents(c.0 + l.commission.0),
                )
            })
    };
    ui.horizontal(|ui| {
        left_cell(ui, 150.0, RichText::new("Partner").strong());
        left_cell(ui, 50.0, RichText::new("Cur.").strong());
        let heads = [
            ("Conv.", COUNT),
            ("Revenue", MONEY),
            ("Commission", MONEY),
            ("Pending", MONEY),
        ];
        for (head, width) in heads {
            right_cell(ui, width, |ui| ui.label(RichText::new(head).strong()));
        }
        for model in others(result) {
            let head = RichText::new(model.label())
                .strong()
                .color(credit_model_color(model));
            right_cell(ui, MONEY, |ui| ui.label(head.clone()));
            right_cell(ui, MONEY, |ui| {
                ui.label(RichText::new("vs official").weak())
            });
        }
    });
    let mut currencies: Vec<String> = keys.iter().map(|(_, c)| c.clone()).collect();
    currencies.sort();
    currencies.dedup();
    for (partner, currency) in &keys {
        let (n, revenue, commission) = cell(*partner, currency, official, PayoutStatus::Payable);
        let (_, _, pending) = cell(*partner, currency, official, PayoutStatus::Pending);
        ui.horizontal(|ui| {
            left_cell(
                ui,
                150.0,
                RichText::new(&index.sources[*partner as usize].id),
            );
            left_cell(ui, 50.0, RichText::new(currency));
            fixed_number_cell(ui, COUNT, conversions(n));
            fixed_number_cell(ui, MONEY, revenue.display(""));
            fixed_number_cell(ui, MONEY, commission.display(""));
            fixed_number_cell(ui, MONEY, pending.display(""));
            for model in others(result) {
                let (_, _, other) = cell(*partner, currency, model, PayoutStatus::Payable);
                fixed_number_cell(ui, MONEY, other.display(""));
                let difference = Cents(other.0 - commission.0);
                let sign = if difference.0 > 0 { "+" } else { "" };
                fixed_number_cell(ui, MONEY, format!("{sign}{}", difference.display("")));
            }
        });
    }
    for currency in &currencies {
        totals_row_ui(ui, result, currency);
    }
}

/// The payable totals of one currency, in the table's columns.
fn totals_row_ui(ui: &mut egui::Ui, result: &PeriodPayouts, currency: &str) {
    let official = result.settings.model;
    let sum = |model: CreditModel, status: PayoutStatus| {
        result
            .of_model(model)
            .filter(|l| l.currency == currency && l.status == status)
            .fold((0.0, 0i64, 0i64), |(n, r, c), l| {
                (n + l.conversions, r + l.revenue.0, c + l.commission.0)
            })
    };
    let (n, revenue, commission) = sum(official, PayoutStatus::Payable);
    let (_, _, pending) = sum(official, PayoutStatus::Pending);
    ui.horizontal(|ui| {
        left_cell(ui, 150.0, RichText::new("Total").strong());
        left_cell(ui, 50.0, RichText::new(currency).strong());
        fixed_number_cell(ui, COUNT, conversions(n));
        fixed_number_cell(ui, MONEY, Cents(revenue).display(""));
        fixed_number_cell(ui, MONEY, Cents(commission).display(""));
        fixed_number_cell(ui, MONEY, Cents(pending).display(""));
        for model in others(result) {
            let (_, _, other) = sum(model, PayoutStatus::Payable);
            fixed_number_cell(ui, MONEY, Cents(other).display(""));
            let difference = other - commission;
            let sign = if difference > 0 { "+" } else { "" };
            fixed_number_cell(
                ui,
                MONEY,
                format!("{sign}{}", Cents(difference).display("")),
            );
        }
    });
}

fn chart_ui(ui: &mut egui::Ui, index: &JourneyIndex, result: &PeriodPayouts) {
    let mut partners: Vec<u32> = result.lines.iter().map(|l| l.partner).collect();
    partners.sort();
    partners.dedup();
    let names: Vec<String> = partners
        .iter()
        .map(|&p| index.sources[p as usize].id.clone())
        .collect();
    ui.label(RichText::new("Payable commission per partner and model (all currencies)").strong());
    let axis = names.clone();
    Plot::new("payouts_chart")
        .legend(Legend::default())
        .height(260.0)
        .x_axis_label("Partner")
        .y_axis_label("Commission")
        .allow_scroll(false)
        .allow_zoom(false)
        .allow_drag(false)
        .include_y(0.0)
        .x_grid_spacer(unit_marks)
        .y_grid_spacer(egui_plot::uniform_grid_spacer(nice_steps))
        .x_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                axis.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .show(ui, |plot| {
            let models = listed_models(&result.settings);
            let (n, width) = (models.len() as f64, 0.8 / models.len() as f64);
            for (m, &model) in models.iter().enumerate() {
                let bars: Vec<Bar> = partners
                    .iter()
                    .enumerate()
                    .map(|(i, &p)| {
                        let total: i64 = result
                            .of_model(model)
                            .filter(|l| l.partner == p && l.status == PayoutStatus::Payable)
                            .map(|l| l.commission.0)
                            .sum();
                        let offset = (m as f64 - (n - 1.0) / 2.0) * width;
                        Bar::new(i as f64 + offset, total as f64 / 100.0)
                            .width(width * 0.92)
                            .name(format!("{} · {}", names[i], model.label()))
                    })
                    .collect();
                plot.add(
                    BarChart::new(model.label(), bars)
                        .color(credit_model_color(model))
                        .element_formatter(Box::new(|bar, _| {
                            format!(
                                "{}\n{}",
                                bar.name,
                                crate::domain::format::decimal2(bar.value)
                            )
                        })),
                );
            }
        });
}
