//! `payouts`: commission per partner for a month under the official model, beside the
//! other models, with its sign-off status; exports CSV or Parquet for finance.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde_json::json;

use super::args::{OutputFormat, PayoutRulesArgs};
use super::db::{index_and_zone, open_existing};
use super::out::{json_text, print_text};
use crate::attribution::Model;
use crate::domain::format::conversions;
use crate::journeys::JourneyIndex;
use crate::payouts::{
    Cents, PayoutLine, PayoutSettings, PayoutStatus, Period, PeriodPayouts, changes_since,
    export_csv, export_rows, payouts, signoff_record,
};
use crate::store::{PayoutExportRow, Store};

/// Arguments of `payouts`.
#[derive(Debug, clap::Args)]
pub struct PayoutsArgs {
    /// The programme database.
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// The month, cut in the programme time zone.
    #[arg(long, value_name = "YYYY-MM", value_parser = Period::parse)]
    pub period: Period,
    #[command(flatten)]
    pub rules: PayoutRulesArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Also write the export (of the chosen model) to this file: `.csv` or `.parquet`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Runs `payouts`.
pub(super) fn payouts_command(args: PayoutsArgs) -> Result<ExitCode> {
    let store = open_existing(&args.db)?;
    let (index, zone) = index_and_zone(&store)?;
    let settings = args.rules.payout_settings();
    let result = payouts(&index, &settings, args.period, zone);
    let rows = export_rows(&index, &result, settings.model);
    if let Some(out) = &args.out {
        write_export(&store, &rows, out)?;
    }
    let text = match args.format {
        OutputFormat::Csv => export_csv(&rows),
        OutputFormat::Json => json_text(&payouts_json(&result, &settings, &rows))?,
        OutputFormat::Table => payouts_table(&index, &result, &store)?,
    };
    print_text(&text)
}

/// Writes the export to `out`: Parquet when its name ends in `.parquet`, CSV otherwise.
fn write_export(store: &Store, rows: &[PayoutExportRow], out: &Path) -> Result<()> {
    let parquet = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    if parquet {
        store
            .export_payouts_parquet(rows, out)
            .with_context(|| format!("writing {}", out.display()))?;
    } else {
        std::fs::write(out, export_csv(rows))
            .with_context(|| format!("writing {}", out.display()))?;
    }
    Ok(())
}

/// The month's export rows as JSON, with the model and settings they were computed under.
fn payouts_json(
    result: &PeriodPayouts,
    settings: &PayoutSettings,
    rows: &[PayoutExportRow],
) -> serde_json::Value {
    json!({
        "period": result.period.label(),
        "model": settings.model.key(),
        "settings_fingerprint": settings.fingerprint(),
        "rows": rows.iter().map(|r| json!({
            "partner_id": r.partner_id, "partner_name": r.partner_name,
            "credited_conversions": r.conversions, "revenue": r.revenue,
            "commission": r.commission, "currency": r.currency, "status": r.status,
        })).collect::<Vec<_>>(),
    })
}

fn payouts_table(index: &JourneyIndex, result: &PeriodPayouts, store: &Store) -> Result<String> {
    let settings = &result.settings;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Payouts {} · official model {} · hold {} days · fingerprint {}\n{}\n",
        result.period.label(),
        settings.model.label(),
        settings.hold_days,
        settings.fingerprint(),
        settings.attribution.tracking.describe()
    );
    let _ = writeln!(
        out,
        "{:<16} {:<5} {:<10} {:>10} {:>12} {:>11}   {:>10} {:>10} {:>10}",
        "Partner", "Cur.", "Status", "Conv.", "Revenue", "Commission", "First", "Last", "Linear"
    );
    for line in result.of_model(settings.model) {
        payout_line(&mut out, index, result, line);
    }
    for status in [PayoutStatus::Payable, PayoutStatus::Pending] {
        for (currency, total) in result.total(settings.model, status) {
            let _ = writeln!(out, "Total {}: {}", status.key(), total.display(&currency));
        }
    }
    signoff_status(&mut out, index, result, store)?;
    Ok(out)
}

/// One partner's line under the official model, with its commission under each model.
fn payout_line(out: &mut String, index: &JourneyIndex, result: &PeriodPayouts, line: &PayoutLine) {
    let other = |model: Model| {
        result
            .of_model(model)
            .filter(|l| {
                l.partner == line.partner && l.currency == line.currency && l.status == line.status
            })
            .map(|l| l.commission.0)
            .sum::<i64>()
    };
    let _ = writeln!(
        out,
        "{:<16} {:<5} {:<10} {:>10} {:>12} {:>11}   {:>10} {:>10} {:>10}",
        index.sources[line.partner as usize].id,
        line.currency,
        line.status.key(),
        conversions(line.conversions),
        line.revenue.display(""),
        line.commission.display(""),
        Cents(other(Model::First)).display(""),
        Cents(other(Model::Last)).display(""),
        Cents(other(Model::Linear)).display(""),
    );
}

fn signoff_status(
    out: &mut String,
    index: &JourneyIndex,
    result: &PeriodPayouts,
    store: &Store,
) -> Result<()> {
    let signoffs = store
        .signoffs(&result.period.label())
        .context("reading sign-offs")?;
    let Some(latest) = signoffs.first() else {
        let _ = writeln!(out, "\nNot signed off yet.");
        return Ok(());
    };
    let now = signoff_record(index, result, "");
    let changes = changes_since(latest, &now);
    let _ = writeln!(
        out,
        "\nSigned off by {} at {} UTC ({} model, fingerprint {}).",
        latest.signed_by, latest.signed_at, latest.model, latest.fingerprint
    );
    if changes.is_empty() {
        let _ = writeln!(out, "No amount has moved since.");
        if latest.fingerprint != now.fingerprint {
            let _ = writeln!(
                out,
                "(The settings differ from the signed ones: fingerprint now {}.)",
                now.fingerprint
            );
        }
    } else {
        let _ = writeln!(out, "DIFFERS from its sign-off:");
        for c in &changes {
            let _ = writeln!(out, "  {}", c.describe());
        }
        if latest.fingerprint != now.fingerprint {
            let _ = writeln!(
                out,
                "  settings changed: fingerprint now {}",
                now.fingerprint
            );
        }
    }
    Ok(())
}
