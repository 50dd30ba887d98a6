//! The Leakage view: partner-sourced sales that pay no partner, by cause and partner, the
//! waterfall from partner-sourced to credited, what each fallback would recover, the redirect
//! audit, and the leaked conversions with their evidence.

use std::sync::Arc;

use eframe::egui::{self, RichText};
use egui_plot::{Bar, BarChart, Legend, Plot};

use crate::attribution::{AttributionSettings, Recurring, Renewals, SourceCredit};
use crate::domain::ProgrammeTimeZone;
use crate::domain::format::{conversions, money, thousands};
use crate::journeys::JourneyIndex;
use crate::leakage::{Cause, LeakageReport, analyse_with_renewals};
use crate::ui::bridge::Latest;
use crate::ui::bridge::Snapshot;
use crate::ui::widgets::looks::cause_color;
use crate::ui::widgets::{fixed_number_cell, left_cell, right_cell, unit_marks};

/// Partners drawn in the stacked chart (by leaked revenue).
const CHART_PARTNERS: usize = 10;

type ReportKey = (usize, AttributionSettings, Option<Recurring>);

/// One month's leaks: totals and the cause with the most revenue.
struct MonthRow {
    month: String,
    tally: SourceCredit,
    main_cause: Cause,
}

/// The report and every table drawn from it, computed once per setting off the UI thread.
pub struct LeakageView {
    report: LeakageReport,
    /// Leaked totals per (partner, cause).
    by_partner: Vec<(u32, Cause, SourceCredit)>,
    /// The partners with the most leaked revenue.
    top_partners: Vec<u32>,
    months: Vec<MonthRow>,
    /// Per partner, the conversions its broken redirects lost.
    lost_to_redirects: std::collections::HashMap<u32, SourceCredit>,
}

impl LeakageView {
    fn new(
        index: &JourneyIndex,
        (settings, recurring): (&AttributionSettings, Option<Recurring>),
        zone: ProgrammeTimeZone,
    ) -> Self {
        let renewals = Renewals::bind(index, recurring);
        let report = analyse_with_renewals(index, settings, &renewals);
        let by_month =
            report.grouped(|l| zone.month_of(index.conversions[l.conversion].converted_at_secs));
        let mut months: Vec<MonthRow> = Vec::new();
        let mut best = 0.0;
        for (month, cause, tally) in by_month {
            if months.last().is_none_or(|m| m.month != month) {
                months.push(MonthRow {
                    month,
                    tally: SourceCredit::default(),
                    main_cause: cause,
                });
                best = 0.0;
            }
            let row = months.last_mut().expect("just pushed");
            row.tally.conversions += tally.conversions;
            row.tally.revenue += tally.revenue;
            row.tally.payout += tally.payout;
            if tally.revenue > best {
                (row.main_cause, best) = (cause, tally.revenue);
            }
        }
        LeakageView {
            by_partner: report.grouped(|l| l.partner),
            top_partners: report.top_partners(CHART_PARTNERS),
            lost_to_redirects: report.lost_to_redirects(),
            months,
            report,
        }
    }
}

/// What the Leakage view keeps between frames.
pub struct LeakageTabState {
    reports: Latest<ReportKey, LeakageView>,
    /// Only leaks of this cause are listed.
    cause_filter: Option<Cause>,
}

impl Default for LeakageTabState {
    fn default() -> Self {
        LeakageTabState {
            reports: Latest::new("leakage"),
            cause_filter: None,
        }
    }
}

impl LeakageTabState {
    /// The view for `settings`, or the previous one while it is computed.
    fn view(
        &mut self,
        snapshot: &Snapshot,
        settings: &AttributionSettings,
        recurring: Option<Recurring>,
    ) -> Option<(Arc<LeakageView>, bool)> {
        let key = (snapshot.generation as usize, *settings, recurring);
        let (index, settings, zone) = (snapshot.index.clone(), *settings, snapshot.time_zone);
        self.reports.get(&key, move || {
            LeakageView::new(&index, (&settings, recurring), zone)
        })
    }

    /// Whether a report is being computed.
    pub fn is_busy(&self) -> bool {
        self.reports.is_busy()
    }
}

/// Draws the Leakage view (`recurring`: the Payouts view's binding of renewals, under which a
/// bound renewal shares its first sale's fate); returns a conversion whose evidence should be
/// read from the store.
pub fn leakage_ui(
    ui: &mut egui::Ui,
    state: &mut LeakageTabState,
    snapshot: &Snapshot,
    settings: &AttributionSettings,
    recurring: Option<Recurring>,
) -> Option<String> {
    let index = &snapshot.index;
    let Some((view, fresh)) = state.view(snapshot, settings, recurring) else {
        ui.spinner();
        return None;
    };
    let report = &view.report;
    headline_ui(ui, report, fresh);
    crate::ui::widgets::settings_bar::currency_mix_ui(ui, index);
    if report.partner_sourced.conversions == 0.0 {
        ui.label("No partner-sourced conversions: import clicks with partners, and conversions.");
        return None;
    }
    let mut wanted = None;
    egui::ScrollArea::vertical()
        .id_salt("leakage_scroll")
        .show(ui, |ui| {
            ui.columns(2, |columns| {
                stacked_chart_ui(&mut columns[0], index, &view);
                waterfall_ui(&mut columns[1], report);
            });
            ui.add_space(8.0);
            ui.columns(2, |columns| {
                recovery_ui(&mut columns[0], report);
                columns[0].add_space(8.0);
                months_ui(&mut columns[0], snapshot, &view);
                redirect_audit_ui(&mut columns[1], snapshot, &view);
            });
            ui.add_space(8.0);
            wanted = leaked_list_ui(ui, state, index, report);
        });
    wanted
}

fn headline_ui(ui: &mut egui::Ui, report: &LeakageReport, fresh: bool) {
    let leaked = report.total();
    let share = if report.partner_sourced.revenue > 0.0 {
        leaked.revenue / report.partner_sourced.revenue * 100.0
    } else {
        0.0
    };
    ui.horizontal_wrapped(|ui| {
        ui.label(
            RichText::new(format!(
                "Leaked {} conversions · {} revenue · {} payout",
                thousands(leaked.conversions as i64),
                money(leaked.revenue),
                money(leaked.payout)
            ))
            .strong(),
        );
        ui.label(format!(
            "({share:.1}% of partner-sourced revenue) · partner-sourced {} conversions, {} · credited {}, {}",
            thousands(report.partner_sourced.conversions as i64),
            money(report.partner_sourced.revenue),
            thousands(report.credited.conversions as i64),
            money(report.credited.revenue),
        ));
        if let Some(recurring) = report.recurring {
            ui.label(RichText::new(recurring.describe()).weak()).on_hover_text(
                "A renewal of a subscription is judged as its first sale: credited when that \
                 was, leaked with it when it leaked (set in the Payouts view)",
            );
        }
        if !fresh {
            ui.spinner();
            ui.label(RichText::new("updating…").weak());
        }
    });
}

/// A horizontal bar plot with one named category per row, the first on top (category `i`
/// sits at `y = -i`), and money along the x axis.
fn category_axis(plot: Plot<'_>, names: Vec<String>) -> Plot<'_> {
    plot.y_grid_spacer(unit_marks)
        .y_axis_formatter(move |mark, _| {
            let i = -mark.value.round() as i64;
            if (mark.value.round() - mark.value).abs() < 1e-6 && i >= 0 {
                names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_axis_min_width(150.0)
        .x_axis_formatter(|mark, _| compact_money(mark.value))
        .allow_scroll(false)
        .allow_zoom(false)
        .allow_drag(false)
        .include_x(0.0)
        .height(300.0)
}

/// Axis money: `$950`, `$9.5k`, `$1.2M`.
fn compact_money(value: f64) -> String {
    let magnitude = value.abs();
    let sign = if value < 0.0 { "-" } else { "" };
    if magnitude >= 1e6 {
        format!("{sign}${:.1}M", magnitude / 1e6)
    } else if magnitude >= 1e3 {
        format!("{sign}${:.1}k", magnitude / 1e3)
    } else {
        format!("{sign}${magnitude:.0}")
    }
}

/// A horizontal bar for category `row`.
fn row_bar(row: usize, value: f64) -> Bar {
    Bar::new(-(row as f64), value).width(0.7)
}

fn money_label(bar: &Bar, _: &BarChart) -> String {
    format!("{}\n{}", bar.name, money(bar.value))
}

fn stacked_chart_ui(ui: &mut egui::Ui, index: &JourneyIndex, view: &LeakageView) {
    let partners = &view.top_partners;
    ui.label(RichText::new("Leaked revenue by cause, per partner").strong());
    let names: Vec<String> = partners
        .iter()
        .map(|&p| index.sources[p as usize].id.clone())
        .collect();
    let cells = &view.by_partner;
    let plot = Plot::new("leakage_by_partner")
        .legend(Legend::default().position(egui_plot::Corner::RightBottom))
        .x_axis_label("Leaked revenue");
    category_axis(plot, names.clone()).show(ui, |plot| {
        let mut below: Vec<BarChart> = Vec::new();
        for cause in Cause::ALL {
            let bars: Vec<Bar> = partners
                .iter()
                .enumerate()
                .map(|(i, &p)| {
                    let revenue = cells
                        .iter()
                        .find(|(partner, c, _)| *partner == p && *c == cause)
                        .map_or(0.0, |(_, _, t)| t.revenue);
                    row_bar(i, revenue).name(format!("{} · {}", names[i], cause.label()))
                })
                .collect();
            let refs: Vec<&BarChart> = below.iter().collect();
            let chart = BarChart::new(cause.label(), bars)
                .horizontal()
                .color(cause_color(cause))
                .element_formatter(Box::new(money_label))
                .stack_on(&refs);
            below.push(chart);
        }
        for chart in below {
            plot.add(chart);
        }
    });
}

fn waterfall_ui(ui: &mut egui::Ui, report: &LeakageReport) {
    ui.label(RichText::new("From partner-sourced to credited revenue").strong());
    let by_cause: Vec<(Cause, SourceCredit)> = report
        .by_cause()
        .into_iter()
        .filter(|(_, t)| t.conversions > 0.0)
        .collect();
    let mut names = vec!["Partner-sourced".to_owned()];
    names.extend(by_cause.iter().map(|(c, _)| c.label().to_owned()));
    names.push("Credited".to_owned());
    let plot = Plot::new("leakage_waterfall").x_axis_label("Revenue");
    category_axis(plot, names).show(ui, |plot| {
        let step = |name: &str, bar: Bar, color| {
            BarChart::new(name.to_owned(), vec![bar.name(name)])
                .horizontal()
                .color(color)
                .element_formatter(Box::new(money_label))
        };
        let total = report.partner_sourced.revenue;
        let grey = egui::Color32::from_rgb(96, 125, 139);
        plot.add(step("Partner-sourced", row_bar(0, total), grey));
        let mut level = total;
        for (i, (cause, tally)) in by_cause.iter().enumerate() {
            level -= tally.revenue;
            let bar = row_bar(i + 1, tally.revenue).base_offset(level);
            plot.add(step(cause.label(), bar, cause_color(*cause)));
        }
        let green = egui::Color32::from_rgb(52, 168, 83);
        let end = row_bar(by_cause.len() + 1, report.credited.revenue);
        plot.add(step("Credited", end, green));
    });
}

/// Width of a money column.
const MONEY_WIDTH: f32 = 110.0;
/// Width of a count column.
const COUNT_WIDTH: f32 = 76.0;

fn tally_cells(ui: &mut egui::Ui, tally: &SourceCredit) {
    fixed_number_cell(ui, COUNT_WIDTH, conversions(tally.conversions));
    fixed_number_cell(ui, MONEY_WIDTH, money(tally.revenue));
    fixed_number_cell(ui, MONEY_WIDTH, money(tally.payout));
}

/// Column headers, right-aligned over the number columns (the caller ends the row).
fn header_row(ui: &mut egui::Ui, first: &str, columns: &[(&str, f32)]) {
    ui.label(RichText::new(first).strong());
    for (head, width) in columns {
        right_cell(ui, *width, |ui| ui.label(RichText::new(*head).strong()));
    }
}

fn recovery_ui(ui: &mut egui::Ui, report: &LeakageReport) {
    ui.label(RichText::new("Recovery: what each fallback not yet on would win back").strong());
    if report.recovery.is_empty() {
        ui.label("Every fallback is already on.");
        return;
    }
    egui::Grid::new("recovery")
        .num_columns(4)
        .striped(true)
        .show(ui, |ui| {
            header_row(
                ui,
                "Fallback",
                &[
                    ("Conversions", COUNT_WIDTH),
                    ("Revenue", MONEY_WIDTH),
                    ("Payout", MONEY_WIDTH),
                ],
            );
            ui.end_row();
            for recovery in &report.recovery {
                ui.label(&recovery.fallback);
                tally_cells(ui, &recovery.recovered);
                ui.end_row();
            }
        });
}

/// Leaked totals per month (programme time zone), with the month's main cause.
fn months_ui(ui: &mut egui::Ui, snapshot: &Snapshot, view: &LeakageView) {
    ui.label(RichText::new(format!("Per month ({})", snapshot.time_zone.name())).strong());
    egui::Grid::new("leak_months")
        .num_columns(5)
        .striped(true)
        .show(ui, |ui| {
            header_row(
                ui,
                "Month",
                &[
                    ("Conversions", COUNT_WIDTH),
                    ("Revenue", MONEY_WIDTH),
                    ("Payout", MONEY_WIDTH),
                ],
            );
            ui.label(RichText::new("Main cause").strong());
            ui.end_row();
            for row in &view.months {
                ui.label(&row.month);
                tally_cells(ui, &row.tally);
                let cause = row.main_cause;
                ui.label(RichText::new(cause.label()).color(cause_color(cause)));
                ui.end_row();
            }
        });
}

fn redirect_audit_ui(ui: &mut egui::Ui, snapshot: &Snapshot, view: &LeakageView) {
    ui.label(RichText::new("Redirect audit: clicks that set no cookie").strong());
    egui::ScrollArea::vertical()
        .id_salt("redirect_scroll")
        .max_height(190.0)
        .show(ui, |ui| redirect_grid_ui(ui, snapshot, view));
}

fn redirect_grid_ui(ui: &mut egui::Ui, snapshot: &Snapshot, view: &LeakageView) {
    let source_of: std::collections::HashMap<&str, u32> = snapshot
        .index
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i as u32))
        .collect();
    egui::Grid::new("redirect_audit")
        .num_columns(6)
        .striped(true)
        .show(ui, |ui| {
            header_row(
                ui,
                "Partner",
                &[
                    ("Clicks", COUNT_WIDTH),
                    ("Multi-hop", COUNT_WIDTH),
                    ("Failed", COUNT_WIDTH),
                    ("Lost conv.", COUNT_WIDTH),
                    ("Lost revenue", MONEY_WIDTH),
                ],
            );
            ui.end_row();
            for row in snapshot
                .redirects
                .iter()
                .filter(|r| r.multi_hop + r.failed_landing > 0)
            {
                let lost = source_of
                    .get(row.partner_id.as_str())
                    .and_then(|p| view.lost_to_redirects.get(p))
                    .copied()
                    .unwrap_or_default();
                let (count, revenue) = (lost.conversions as i64, lost.revenue);
                ui.label(&row.partner_id);
                fixed_number_cell(ui, COUNT_WIDTH, thousands(row.clicks));
                fixed_number_cell(ui, COUNT_WIDTH, thousands(row.multi_hop));
                fixed_number_cell(ui, COUNT_WIDTH, thousands(row.failed_landing));
                fixed_number_cell(ui, COUNT_WIDTH, thousands(count));
                fixed_number_cell(ui, MONEY_WIDTH, money(revenue));
                ui.end_row();
            }
        });
}

/// The list of leaked conversions; returns the one whose "Evidence" was clicked.
fn leaked_list_ui(
    ui: &mut egui::Ui,
    state: &mut LeakageTabState,
    index: &JourneyIndex,
    report: &LeakageReport,
) -> Option<String> {
    ui.horizontal(|ui| {
        let label = ui.label(RichText::new("Leaked conversions").strong());
        egui::ComboBox::from_id_salt("cause_filter")
            .selected_text(state.cause_filter.map_or("All causes", Cause::label))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut state.cause_filter, None, "All causes");
                for cause in Cause::ALL {
                    ui.selectable_value(&mut state.cause_filter, Some(cause), cause.label());
                }
            })
            .response
            .labelled_by(label.id);
    });
    let rows: Vec<_> = report
        .leaked
        .iter()
        .filter(|l| state.cause_filter.is_none_or(|c| c == l.cause))
        .collect();
    let mut wanted = None;
    let row_height = ui.spacing().interact_size.y + ui.spacing().item_spacing.y;
    ui.horizontal(|ui| {
        for (head, width) in LIST_TEXT_COLUMNS {
            left_cell(ui, width, RichText::new(head).strong());
        }
        for head in ["Revenue", "Payout"] {
            right_cell(ui, MONEY_WIDTH, |ui| ui.label(RichText::new(head).strong()));
        }
    });
    egui::ScrollArea::vertical()
        .id_salt("leaked_rows")
        .max_height(300.0)
        .show_rows(ui, row_height, rows.len(), |ui, range| {
            for leak in &rows[range] {
                let facts = &index.conversions[leak.conversion];
                ui.horizontal(|ui| {
                    let causes: Vec<&str> = leak.causes().iter().map(|c| c.label()).collect();
                    let cells = [
                        RichText::new(&facts.conversion_id),
                        RichText::new(crate::domain::format::utc_minutes(facts.converted_at_secs)),
                        RichText::new(&index.sources[leak.partner as usize].id),
                        RichText::new(leak.cause.label()).color(cause_color(leak.cause)),
                        RichText::new(causes.join(", ")).weak(),
                    ];
                    for (text, (_, width)) in cells.into_iter().zip(LIST_TEXT_COLUMNS) {
                        left_cell(ui, width, text);
                    }
                    fixed_number_cell(ui, MONEY_WIDTH, money(leak.revenue));
                    fixed_number_cell(ui, MONEY_WIDTH, money(leak.payout));
                    ui.add_space(12.0);
                    if ui.button("Evidence…").clicked() {
                        wanted = Some(facts.conversion_id.clone());
                    }
                });
            }
        });
    wanted
}

/// The text columns of the leaked list and their widths.
const LIST_TEXT_COLUMNS: [(&str, f32); 5] = [
    ("Conversion", 120.0),
    ("Date (UTC)", 130.0),
    ("Partner", 120.0),
    ("Cause", 140.0),
    ("All causes", 220.0),
];
