//! The Audit view: per month and partner, the leads partners reported against what our records
//! credit, with the list behind each row and an export.

use crate::ui::command::Command;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::Receiver;

use eframe::egui::{self, RichText};

use crate::audit::{AuditedLead, Category, MonthlyRow, audit, monthly};
use crate::domain::format::{csv_field, decimal2, thousands};
use crate::store::LeadMatch;
use crate::ui::bridge::Snapshot;
use crate::ui::settings::UiSettings;
use crate::ui::widgets::{fixed_number_cell, left_cell, right_cell};

/// What the Audit view keeps between frames.
#[derive(Default)]
pub struct AuditTabState {
    /// Leads matched with a tolerance other than the snapshot's (days, leads).
    matched: Option<(u32, Vec<LeadMatch>)>,
    /// The row whose leads are listed: (month, partner).
    selected: Option<(String, String)>,
    export: Option<(Receiver<PathBuf>, String)>,
    /// The tolerance last asked of the store.
    requested: Option<u32>,
    /// The leads as last judged, and what they were judged under.
    judged: Option<(JudgedKey, Arc<Judged>)>,
}

/// The judged leads and the tables drawn from them, made once per judgement.
struct Judged {
    leads: Vec<AuditedLead>,
    /// The months with leads, sorted.
    months: Vec<String>,
    /// The monthly table per partner.
    monthly: Vec<MonthlyRow>,
}

/// What a judgement depends on: the index, the rules, the tolerance and the leads.
type JudgedKey = (usize, crate::payouts::PayoutSettings, u32, usize);

impl AuditTabState {
    /// The store's answer to a re-match with another tolerance.
    pub fn receive_matches(&mut self, days: u32, leads: Vec<LeadMatch>) {
        self.matched = Some((days, leads));
    }

    /// Forgets matches made against an earlier database state.
    pub fn reset(&mut self) {
        self.matched = None;
        self.requested = None;
        self.judged = None;
    }
}

/// Draws the Audit view; returns what the app should do.
pub fn audit_ui(
    ui: &mut egui::Ui,
    state: &mut AuditTabState,
    settings: &mut UiSettings,
    snapshot: &Snapshot,
) -> Option<Command> {
    let action = collect_export(state);
    let tolerance = settings.audit_tolerance_days;
    let leads = match &state.matched {
        Some((days, leads)) if *days == tolerance => leads,
        _ if tolerance == crate::audit::DEFAULT_TOLERANCE_DAYS => &snapshot.lead_matches,
        _ => {
            controls_ui(ui, settings, &[]);
            ui.spinner();
            if state.requested == Some(tolerance) {
                return action;
            }
            state.requested = Some(tolerance);
            return Some(Command::MatchLeads(tolerance));
        }
    };
    if leads.is_empty() {
        controls_ui(ui, settings, &[]);
        ui.label("No partner-reported leads yet: import a leads file in the Data view.");
        return action;
    }
    if settings.payout_model.is_data_driven() && !super::journeys_read_ui(ui, snapshot) {
        return action;
    }
    // Judged once per index, rules and tolerance, not every frame.
    let key = (
        snapshot.generation as usize,
        settings.payout_settings(),
        tolerance,
        leads.len(),
    );
    if state.judged.as_ref().is_none_or(|(k, _)| *k != key) {
        let audited = audit(
            &snapshot.index,
            &settings.payout_settings(),
            leads.clone(),
            snapshot.time_zone,
        );
        let mut months: Vec<String> = audited.iter().map(|a| a.month.clone()).collect();
        months.sort();
        months.dedup();
        let judged = Judged {
            monthly: monthly(&audited),
            leads: audited,
            months,
        };
        state.judged = Some((key, Arc::new(judged)));
    }
    let Some((_, judged)) = state.judged.clone() else {
        return action;
    };
    controls_ui(ui, settings, &judged.months);
    let month = settings.audit_month.clone();
    let in_month = |m: &String| month.as_ref().is_none_or(|chosen| chosen == m);
    let rows: Vec<&MonthlyRow> = judged
        .monthly
        .iter()
        .filter(|r| in_month(&r.month))
        .collect();
    summary_ui(ui, &rows);
    if ui.button("Export CSV…").clicked() {
        let shown: Vec<AuditedLead> = judged
            .leads
            .iter()
            .filter(|a| in_month(&a.month))
            .cloned()
            .collect();
        let picked =
            crate::ui::widgets::dialogs::pick_export(ui.ctx(), "lead-audit.csv".to_owned(), "csv");
        state.export = Some((picked, audit_csv(&shown)));
    }
    ui.separator();
    egui::ScrollArea::vertical()
        .id_salt("audit_scroll")
        .show(ui, |ui| monthly_ui(ui, state, &rows));
    let explain = drill_down_window_ui(ui.ctx(), state, &judged.leads);
    action.or(explain.map(Command::Explain))
}

fn controls_ui(ui: &mut egui::Ui, settings: &mut UiSettings, months: &[String]) {
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Month");
        let shown = settings
            .audit_month
            .clone()
            .unwrap_or_else(|| "All months".to_owned());
        egui::ComboBox::from_id_salt("audit_month")
            .selected_text(shown)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut settings.audit_month, None, "All months");
                for month in months {
                    ui.selectable_value(&mut settings.audit_month, Some(month.clone()), month);
                }
            })
            .response
            .labelled_by(label.id);
        ui.separator();
        let label = ui.label("Date tolerance");
        ui.add(
            egui::DragValue::new(&mut settings.audit_tolerance_days)
                .range(0..=60)
                .suffix(" days"),
        )
        .labelled_by(label.id)
        .on_hover_text("Days between a reported lead and the conversion it names, at most");
        ui.separator();
        ui.label(
            RichText::new(format!(
                "Judged under the official payout model ({}) and the tracking settings",
                settings.payout_model.label()
            ))
            .weak(),
        );
    });
}

/// Leads per category over the rows shown.
fn summary_ui(ui: &mut egui::Ui, rows: &[&MonthlyRow]) {
    let count = |category: Category| -> u64 {
        rows.iter()
            .map(|r| r.tallies[category as usize].leads)
            .sum()
    };
    let total: u64 = Category::ALL.into_iter().map(count).sum();
    let parts: Vec<String> = Category::ALL
        .into_iter()
        .map(|category| {
            format!(
                "{}: {}",
                category.label(),
                thousands(count(category) as i64)
            )
        })
        .collect();
    ui.label(
        RichText::new(format!(
            "{} reported leads · {}",
            thousands(total as i64),
            parts.join(" · ")
        ))
        .strong(),
    );
}

const CELL: f32 = 190.0;

fn monthly_ui(ui: &mut egui::Ui, state: &mut AuditTabState, rows: &[&MonthlyRow]) {
    ui.label(
        RichText::new("Per month and partner: leads · amount (click a partner to list its leads)")
            .strong(),
    );
    ui.horizontal(|ui| {
        left_cell(ui, 80.0, RichText::new("Month").strong());
        left_cell(ui, 140.0, RichText::new("Partner").strong());
        for category in Category::ALL {
            right_cell(ui, CELL, |ui| {
                ui.label(RichText::new(category.label()).strong())
            });
        }
    });
    for row in rows {
        ui.horizontal(|ui| {
            left_cell(ui, 80.0, RichText::new(&row.month));
            let key = (row.month.clone(), row.partner_id.clone());
            let chosen = state.selected.as_ref() == Some(&key);
            ui.allocate_ui(egui::vec2(140.0, ui.spacing().interact_size.y), |ui| {
                ui.set_min_width(140.0);
                if ui.selectable_label(chosen, &row.partner_id).clicked() {
                    state.selected = if chosen { None } else { Some(key.clone()) };
                }
            });
            for tally in &row.tallies {
                let text = format!("{} · {}", tally.leads, decimal2(tally.amount));
                fixed_number_cell(ui, CELL, text);
            }
        });
    }
}

/// The leads behind the chosen row, in a window beside the table; returns the conversion
/// whose "Explain…" was clicked.
fn drill_down_window_ui(
    ctx: &egui::Context,
    state: &mut AuditTabState,
    audited: &[AuditedLead],
) -> Option<String> {
    let (month, partner) = state.selected.clone()?;
    let mut explain = None;
    let mut open = true;
    egui::Window::new(format!("Leads {partner} reported in {month}"))
        .open(&mut open)
        .default_width(760.0)
        .anchor(egui::Align2::RIGHT_TOP, egui::vec2(-16.0, 150.0))
        .show(ctx, |ui| {
            let rows = audited
                .iter()
                .filter(|a| a.month == month && a.lead.partner_id == partner);
            egui::Grid::new("audit_leads")
                .num_columns(6)
                .striped(true)
                .show(ui, |ui| {
                    for head in [
                        "Reported (UTC)",
                        "Reference",
                        "Our conversion",
                        "Verdict",
                        "Amount",
                        "From",
                    ] {
                        ui.label(RichText::new(head).strong());
                    }
                    ui.end_row();
                    for lead in rows {
                        ui.label(crate::domain::format::utc_minutes(
                            lead.lead.reported_at_secs,
                        ));
                        ui.label(lead.lead.reference.trim());
                        match &lead.conversion_id {
                            Some(id) => {
                                ui.horizontal(|ui| {
                                    ui.label(id);
                                    if ui.small_button("Explain…").clicked() {
                                        explain = Some(id.clone());
                                    }
                                });
                            }
                            None => {
                                ui.label("–");
                            }
                        }
                        ui.label(lead.verdict.detail());
                        fixed_number_cell(ui, 90.0, decimal2(lead.amount));
                        ui.label(RichText::new(&lead.lead.file_line).weak());
                        ui.end_row();
                    }
                });
        });
    if !open {
        state.selected = None;
    }
    explain
}

/// Every audited lead as CSV, safe to open in a spreadsheet.
pub fn audit_csv(audited: &[AuditedLead]) -> String {
    let mut out = String::from(
        "month,partner_id,reported_at,reference,conversion_id,category,detail,amount\n",
    );
    for lead in audited {
        let cells = [
            lead.month.clone(),
            csv_field(&lead.lead.partner_id),
            crate::domain::format::utc_minutes(lead.lead.reported_at_secs),
            csv_field(lead.lead.reference.trim()),
            csv_field(lead.conversion_id.as_deref().unwrap_or("")),
            lead.verdict.category().key().to_owned(),
            csv_field(&lead.verdict.detail()),
            format!("{:.2}", lead.amount),
        ];
        out += &cells.join(",");
        out.push('\n');
    }
    out
}

fn collect_export(state: &mut AuditTabState) -> Option<Command> {
    let (picked, _) = state.export.as_ref()?;
    let path = picked.try_recv().ok()?;
    let (_, text) = state.export.take()?;
    Some(Command::WriteText(text, path))
}
