//! `compare`: first-touch, last-touch and linear credit per source, as CSV for spreadsheets
//! and scripts, JSON, or an aligned table for people.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::args::{OutputFormat, SettingsArgs};
use super::db::open_existing;
use super::out::{credit_csv_row, json_text, print_text};
use crate::attribution::{
    AttributionSettings, CreditRow, CreditTable, Model, SourceCredit, compute_credit,
};
use crate::domain::format::{conversions, money, thousands};
use crate::journeys::JourneyIndex;

/// Arguments of `compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The programme database.
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    #[command(flatten)]
    pub settings: SettingsArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

/// Runs `compare`.
pub(super) fn compare_command(args: CompareArgs) -> Result<ExitCode> {
    let store = open_existing(&args.db)?;
    let started = Instant::now();
    let index = JourneyIndex::build(&store).context("building the journey index")?;
    let settings = args.settings.settings();
    let table = compute_credit(&index, &settings);
    let rows = table.rows(&index);
    let text = match args.format {
        OutputFormat::Csv => csv(&rows),
        OutputFormat::Json => json_text(&rows)?,
        OutputFormat::Table => credit_table(&index, &table, &settings, started.elapsed()),
    };
    print_text(&text)
}

/// `source,model,conversions,revenue,payout` and one row per source and model.
fn csv(rows: &[CreditRow]) -> String {
    let mut out = String::from("source,model,conversions,revenue,payout\n");
    for row in rows {
        let _ = writeln!(out, "{}", credit_csv_row(row));
    }
    out
}

const SOURCE_WIDTH: usize = 22;
const GROUP_COLUMNS: [(&str, usize); 3] = [("Conv.", 9), ("Revenue", 15), ("Payout", 13)];

fn group_width() -> usize {
    GROUP_COLUMNS.iter().map(|(_, w)| w + 1).sum::<usize>() + 2
}

/// An aligned table with the three models as column groups, totals and the unattributed line.
fn credit_table(
    index: &JourneyIndex,
    credit: &CreditTable,
    settings: &AttributionSettings,
    elapsed: Duration,
) -> String {
    let mut out = String::new();
    settings_heading(&mut out, credit, settings);
    if let Some(currencies) = index.mixed_currencies() {
        let _ = writeln!(
            out,
            "Note: revenue adds up {currencies} without conversion (payouts keep them apart).\n"
        );
    }
    header(&mut out);
    let mut order: Vec<usize> = (0..index.sources.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |s: usize| credit.credit(Model::Last, s).revenue;
        key(b)
            .total_cmp(&key(a))
            .then_with(|| index.sources[a].id.cmp(&index.sources[b].id))
    });
    for source in order {
        let cells = Model::ALL.map(|m| credit.credit(m, source));
        line(&mut out, &index.sources[source].id, &cells);
    }
    let _ = writeln!(out, "{}", "─".repeat(SOURCE_WIDTH + 3 * group_width()));
    line(
        &mut out,
        "Total credited",
        &Model::ALL.map(|m| credit.model_total(m)),
    );
    let _ = writeln!(
        out,
        "\nUnattributed: {} conversions, {} revenue (no counted touch)",
        thousands(credit.unattributed.conversions as i64),
        money(credit.unattributed.revenue)
    );
    let _ = writeln!(
        out,
        "Computed over {} candidate touches in {} ms.",
        thousands(index.candidate_touches() as i64),
        elapsed.as_millis()
    );
    out
}

/// The settings and totals above the table.
fn settings_heading(out: &mut String, credit: &CreditTable, settings: &AttributionSettings) {
    let _ = writeln!(
        out,
        "Cookie window {} · {} · reset after conversion {} · {} conversions, {} revenue\n\
         Tracking: {}\n",
        settings.window.label(),
        if settings.partners_only {
            "partners only"
        } else {
            "all sources"
        },
        if settings.reset_after_conversion {
            "on"
        } else {
            "off"
        },
        thousands(credit.total.conversions as i64),
        money(credit.total.revenue),
        settings.tracking.describe()
    );
}

fn header(out: &mut String) {
    let _ = write!(out, "{:<SOURCE_WIDTH$}", "");
    for model in Model::ALL {
        let _ = write!(
            out,
            "  {:<width$}",
            model.label(),
            width = group_width() - 2
        );
    }
    out.push('\n');
    let _ = write!(out, "{:<SOURCE_WIDTH$}", "Source");
    for _ in Model::ALL {
        out.push_str("  ");
        for (name, width) in GROUP_COLUMNS {
            let _ = write!(out, "{name:>width$} ");
        }
    }
    out.push('\n');
}

fn line(out: &mut String, label: &str, cells: &[SourceCredit; 3]) {
    let label: String = label.chars().take(SOURCE_WIDTH - 1).collect();
    let _ = write!(out, "{label:<SOURCE_WIDTH$}");
    for cell in cells {
        let values = [
            conversions(cell.conversions),
            money(cell.revenue),
            money(cell.payout),
        ];
        out.push_str("  ");
        for ((_, width), value) in GROUP_COLUMNS.iter().zip(values) {
            let _ = write!(out, "{value:>width$} ", width = *width);
        }
    }
    out.push('\n');
}
