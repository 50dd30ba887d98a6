//! `payouts`: commission per partner for a month under the official model, beside the
//! other models, with its sign-off status; exports CSV or Parquet for finance.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde_json::json;

use super::args::{OutputFormat, PayoutRulesArgs};
use super::db::{open_existing, payout_index_and_zone};
use super::out::{json_text, print_text};
use crate::attribution::CreditModel;
use crate::domain::ProgrammeTimeZone;
use crate::domain::format::conversions;
use crate::journeys::JourneyIndex;
use crate::payouts::{
    Cents, PayoutLine, PayoutSettings, PayoutStatus, Period, PeriodPayouts, changes_since,
    export_csv, export_rows, payouts, signoff_record,
};
use crate::statements::{Statement, payments_csv, statement_after, statement_csv, statements_html};
use crate::store::{PayoutDetails, PayoutExportRow, Store};

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
    /// Also write the month's statements into this folder (which must exist): every
    /// partner's statement by payable date as `statements.html` (printable, a page per
    /// partner) and `statement-<partner>.csv`, and the payment file `payments.csv`.
    #[arg(long, value_name = "DIR")]
    pub statements: Option<PathBuf>,
    /// The programme's name on the statements.
    #[arg(long, value_name = "NAME", default_value = "Partner programme")]
    pub programme: String,
}

/// Runs `payouts`.
pub(super) fn payouts_command(args: PayoutsArgs) -> Result<ExitCode> {
    let store = open_existing(&args.db)?;
    let settings = args.rules.payout_settings();
    let (index, zone) = payout_index_and_zone(&store, &settings)?;
    let result = payouts(&index, &settings, args.period, zone);
    let rows = export_rows(&index, &result, settings.model);
    if let Some(out) = &args.out {
        write_export(&store, &rows, out)?;
    }
    if let Some(dir) = &args.statements {
        let history = store
            .statement_history()
            .context("reading the signed statements")?;
        let month = statement_after(&index, &settings, args.period, zone, &history);
        let details = store
            .payout_details()
            .context("reading the partners' payout details")?;
        let written = write_statements(&index, &month, dir, &args.programme, zone, &details)?;
        eprintln!(
            "wrote {written} files of the {} statements into {}",
            args.period.label(),
            dir.display()
        );
    }
    let text = match args.format {
        OutputFormat::Csv => export_csv(&rows),
        OutputFormat::Json => json_text(&payouts_json(&result, &settings, &rows))?,
        OutputFormat::Table => payouts_table(&index, &result, &store)?,
    };
    print_text(&text)
}

/// Writes the statements, one CSV per partner, and the payment file into `dir`; returns how
/// many files were written.
fn write_statements(
    index: &JourneyIndex,
    month: &Statement,
    dir: &Path,
    programme: &str,
    zone: ProgrammeTimeZone,
    details: &[PayoutDetails],
) -> Result<usize> {
    if !dir.is_dir() {
        anyhow::bail!("the statements folder does not exist: {}", dir.display());
    }
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
    };
    write(
        "statements.html",
        statements_html(index, month, programme, zone),
    )?;
    write("payments.csv", payments_csv(index, month, details))?;
    let partners = month.partners();
    let mut names = std::collections::HashSet::new();
    for &partner in &partners {
        let name = unique_file_name(&index.sources[partner as usize].id, &mut names);
        write(&name, statement_csv(index, month, partner, zone))?;
    }
    Ok(partners.len() + 2)
}

/// `statement-<id>.csv` with the partner id's letters, digits, `-` and `_` (anything else
/// becomes `_`: an id is a partner's text, never a path), numbered when two ids meet.
fn unique_file_name(id: &str, taken: &mut std::collections::HashSet<String>) -> String {
    let safe: String = id
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut name = format!("statement-{safe}.csv");
    let mut n = 2;
    while !taken.insert(name.clone()) {
        name = format!("statement-{safe}-{n}.csv");
        n += 1;
    }
    name
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
        "Payouts {} · official model {} · hold {} days · commission rules: {}{} · fingerprint {}\n{}\n",
        result.period.label(),
        settings.model_label(),
        settings.hold_days,
        settings.rules.describe(),
        settings
            .rules
            .describe_recurring()
            .map_or(String::new(), |r| format!(" · {r}")),
        settings.fingerprint(),
        settings.attribution.tracking.describe()
    );
    let _ = writeln!(
        out,
        "{:<16} {:<5} {:<10} {:<8} {:>10} {:>12} {:>11}   {:>10} {:>10} {:>10}",
        "Partner",
        "Cur.",
        "Status",
        "Pays in",
        "Conv.",
        "Revenue",
        "Commission",
        "First",
        "Last",
        "Linear"
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
    let other = |model: CreditModel| {
        result
            .of_model(model)
            .filter(|l| {
                l.partner == line.partner
                    && l.currency == line.currency
                    && l.status == line.status
                    && l.payable_on == line.payable_on
            })
            .map(|l| l.commission.0)
            .sum::<i64>()
    };
    let _ = writeln!(
        out,
        "{:<16} {:<5} {:<10} {:<8} {:>10} {:>12} {:>11}   {:>10} {:>10} {:>10}",
        index.sources[line.partner as usize].id,
        line.currency,
        line.status.key(),
        line.payable_on.map(Period::label).unwrap_or_default(),
        conversions(line.conversions),
        line.revenue.display(""),
        line.commission.display(""),
        Cents(other(CreditModel::First)).display(""),
        Cents(other(CreditModel::Last)).display(""),
        Cents(other(CreditModel::Linear)).display(""),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Guards a partner id written as a path: it must name a file inside the folder.
    #[test]
    fn a_partner_id_never_leaves_the_statements_folder() {
        let mut taken = std::collections::HashSet::new();
        assert_eq!(unique_file_name("alpha", &mut taken), "statement-alpha.csv");
        assert_eq!(
            unique_file_name("../../etc/x", &mut taken),
            "statement-______etc_x.csv"
        );
        assert_eq!(unique_file_name("a/b", &mut taken), "statement-a_b.csv");
        assert_eq!(unique_file_name("a:b", &mut taken), "statement-a_b-2.csv");
    }
}
