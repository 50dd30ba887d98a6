//! `leakage`: partner-sourced conversions that pay no partner, per cause, partner or month,
//! what each fallback would recover, and the redirect audit.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::ValueEnum;
use serde_json::json;

use super::args::{OutputFormat, RecurringArgs, SettingsArgs};
use super::db::{index_and_zone, open_existing};
use super::out::{json_text, print_text};
use crate::attribution::{Renewals, SourceCredit};
use crate::domain::format::{conversions, csv_field, csv_number, money, thousands};
use crate::journeys::JourneyIndex;
use crate::leakage::{Cause, LeakageReport, analyse_with_renewals};

/// How `leakage` groups its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LeakageGroup {
    /// One row per cause.
    Cause,
    /// One row per partner and cause.
    Partner,
    /// One row per month (programme time zone) and cause.
    Month,
}

/// Arguments of `leakage`.
#[derive(Debug, clap::Args)]
pub struct LeakageArgs {
    /// The programme database.
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    #[command(flatten)]
    pub settings: SettingsArgs,
    #[command(flatten)]
    pub recurring: RecurringArgs,
    /// Group rows by cause, by partner and cause, or by month and cause.
    #[arg(long, value_enum, default_value_t = LeakageGroup::Cause)]
    pub by: LeakageGroup,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

/// Runs `leakage`.
pub(super) fn leakage_command(args: LeakageArgs) -> Result<ExitCode> {
    let store = open_existing(&args.db)?;
    let (index, time_zone) = index_and_zone(&store)?;
    let renewals = Renewals::bind(&index, args.recurring.binding());
    let report = analyse_with_renewals(&index, &args.settings.settings(), &renewals);
    let rows = grouped_rows(&index, &report, args.by, |secs| time_zone.month_of(secs));
    let text = match args.format {
        OutputFormat::Csv => csv(args.by, &rows),
        OutputFormat::Json => json_text(&json_report(&report, args.by, &rows))?,
        OutputFormat::Table => {
            let redirects = store
                .redirect_rows()
                .context("counting redirect problems")?;
            table(&index, &report, args.by, &rows, &redirects)
        }
    };
    print_text(&text)
}

/// One output row: group (partner or month; empty by cause), cause, totals.
type Row = (String, Cause, SourceCredit);

fn grouped_rows(
    index: &JourneyIndex,
    report: &LeakageReport,
    by: LeakageGroup,
    month_of: impl Fn(i64) -> String,
) -> Vec<Row> {
    match by {
        LeakageGroup::Cause => report
            .by_cause()
            .into_iter()
            .map(|(cause, t)| (String::new(), cause, t))
            .collect(),
        LeakageGroup::Partner => report.grouped(|l| index.sources[l.partner as usize].id.clone()),
        LeakageGroup::Month => {
            report.grouped(|l| month_of(index.conversions[l.conversion].converted_at_secs))
        }
    }
}

fn group_column(by: LeakageGroup) -> Option<&'static str> {
    match by {
        LeakageGroup::Cause => None,
        LeakageGroup::Partner => Some("partner"),
        LeakageGroup::Month => Some("month"),
    }
}

fn csv(by: LeakageGroup, rows: &[Row]) -> String {
    let mut out = String::new();
    if let Some(column) = group_column(by) {
        out += column;
        out.push(',');
    }
    out += "cause,conversions,revenue,payout\n";
    for (group, cause, t) in rows {
        if group_column(by).is_some() {
            out += &csv_field(group);
            out.push(',');
        }
        let _ = writeln!(
            out,
            "{},{},{:.2},{:.2}",
            cause.key(),
            csv_number(t.conversions),
            t.revenue,
            t.payout
        );
    }
    out
}

fn tally_json(t: &SourceCredit) -> serde_json::Value {
    json!({
        "conversions": t.conversions,
        "revenue": (t.revenue * 100.0).round() / 100.0,
        "payout": (t.payout * 100.0).round() / 100.0,
    })
}

fn json_report(report: &LeakageReport, by: LeakageGroup, rows: &[Row]) -> serde_json::Value {
    let rows: Vec<_> = rows
        .iter()
        .map(|(group, cause, t)| {
            let mut row = tally_json(t);
            row["cause"] = json!(cause.key());
            if let Some(column) = group_column(by) {
                row[column] = json!(group);
            }
            row
        })
        .collect();
    let recovery: Vec<_> = report
        .recovery
        .iter()
        .map(|r| {
            let mut row = tally_json(&r.recovered);
            row["fallback"] = json!(r.key);
            row
        })
        .collect();
    json!({
        "partner_sourced": tally_json(&report.partner_sourced),
        "credited": tally_json(&report.credited),
        "leaked": tally_json(&report.total()),
        "rows": rows,
        "recovery": recovery,
    })
}

fn tally_cells(t: &SourceCredit) -> String {
    format!(
        "{:>12} {:>16} {:>14}",
        conversions(t.conversions),
        money(t.revenue),
        money(t.payout)
    )
}

fn table(
    index: &JourneyIndex,
    report: &LeakageReport,
    by: LeakageGroup,
    rows: &[Row],
    redirects: &[crate::store::RedirectRow],
) -> String {
    let mut out = String::new();
    let s = &report.settings;
    let recurring = report
        .recurring
        .map_or(String::new(), |r| format!(" · {}", r.describe()));
    let _ = writeln!(
        out,
        "Leakage · window {} · {}{recurring}\n",
        s.window.label(),
        s.tracking.describe()
    );
    let head = format!("{:>12} {:>16} {:>14}", "Conv.", "Revenue", "Payout");
    totals(&mut out, report, &head);
    let group = group_column(by).map_or(String::new(), |g| format!("{g:<22}"));
    let _ = writeln!(out, "{group}{:<34}{head}", "Cause");
    for (g, cause, t) in rows {
        let g = if group.is_empty() {
            String::new()
        } else {
            format!("{g:<22}")
        };
        let _ = writeln!(out, "{g}{:<34}{}", cause.label(), tally_cells(t));
    }
    let _ = writeln!(
        out,
        "\nRecovery: what each fallback not yet enabled would win back"
    );
    for r in &report.recovery {
        let _ = writeln!(out, "{:<34}{}", r.fallback, tally_cells(&r.recovered));
    }
    redirect_table(&mut out, index, report, redirects);
    out
}

/// Partner-sourced, credited and leaked conversions under the column `head`.
fn totals(out: &mut String, report: &LeakageReport, head: &str) {
    let _ = writeln!(out, "{:<34}{head}", "");
    let _ = writeln!(
        out,
        "{:<34}{}",
        "Partner-sourced",
        tally_cells(&report.partner_sourced)
    );
    let _ = writeln!(
        out,
        "{:<34}{}",
        "Credited to a partner",
        tally_cells(&report.credited)
    );
    let _ = writeln!(out, "{:<34}{}\n", "Leaked", tally_cells(&report.total()));
}

fn redirect_table(
    out: &mut String,
    index: &JourneyIndex,
    report: &LeakageReport,
    redirects: &[crate::store::RedirectRow],
) {
    let _ = writeln!(
        out,
        "\nRedirect audit{:>22}{:>12}{:>12}{:>12}{:>16}",
        "Clicks", "Multi-hop", "Failed", "Lost conv.", "Lost revenue"
    );
    let losses = report.lost_to_redirects();
    for row in redirects
        .iter()
        .filter(|r| r.multi_hop + r.failed_landing > 0)
    {
        let partner = index.sources.iter().position(|s| s.id == row.partner_id);
        let lost = partner
            .and_then(|p| losses.get(&(p as u32)).copied())
            .unwrap_or_default();
        let (count, revenue) = (lost.conversions as i64, lost.revenue);
        let _ = writeln!(
            out,
            "{:<36}{:>12}{:>12}{:>12}{:>12}{:>16}",
            row.partner_id,
            thousands(row.clicks),
            thousands(row.multi_hop),
            thousands(row.failed_landing),
            thousands(count),
            money(revenue)
        );
    }
}
