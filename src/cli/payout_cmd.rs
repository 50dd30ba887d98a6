//! `payouts`, `signoff` and `audit`: what finance signs, and what partners say they sent.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde_json::json;

use super::leakage_cmd::SettingsArgs;
use super::{OutputFormat, open_existing};
use crate::attribution::Model;
use crate::audit::{Category, DEFAULT_TOLERANCE_DAYS, audit, monthly};
use crate::format::{conversions, csv_field, money};
use crate::journeys::JourneyIndex;
use crate::payouts::{
    Cents, PayoutSettings, PayoutStatus, Period, changes_since, export_csv, export_rows, payouts,
    signoff_record,
};
use crate::programme::import_settings;
use crate::store::Store;

/// The official payout rules on the command line.
#[derive(Debug, Clone, clap::Args)]
pub struct PayoutRulesArgs {
    /// The model partners are paid by (first, last or linear).
    #[arg(long, value_parser = parse_model, default_value = "last")]
    pub model: Model,
    /// Conversions younger than this many days at the month's end are pending.
    #[arg(long, default_value_t = PayoutSettings::default().hold_days)]
    pub hold_days: u32,
    #[command(flatten)]
    pub settings: SettingsArgs,
}

impl PayoutRulesArgs {
    /// The payout settings these flags name.
    pub fn payout_settings(&self) -> PayoutSettings {
        PayoutSettings {
            attribution: self.settings.settings(),
            model: self.model,
            hold_days: self.hold_days,
        }
    }
}

fn parse_model(text: &str) -> Result<Model, String> {
    Model::ALL
        .into_iter()
        .find(|m| m.key() == text.trim())
        .ok_or_else(|| format!("expected first, last or linear, found '{text}'"))
}

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

/// Arguments of `signoff`.
#[derive(Debug, clap::Args)]
pub struct SignoffArgs {
    /// The programme database.
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// The month to sign off.
    #[arg(long, value_name = "YYYY-MM", value_parser = Period::parse)]
    pub period: Period,
    /// The name of the person signing.
    #[arg(long, value_name = "NAME")]
    pub by: String,
    #[command(flatten)]
    pub rules: PayoutRulesArgs,
}

/// Arguments of `audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// The programme database.
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// Only leads reported in this month (programme time zone).
    #[arg(long, value_name = "YYYY-MM", value_parser = Period::parse)]
    pub period: Option<Period>,
    /// Days between a lead and its conversion, at most.
    #[arg(long, default_value_t = DEFAULT_TOLERANCE_DAYS)]
    pub tolerance_days: u32,
    #[command(flatten)]
    pub rules: PayoutRulesArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

fn index_of(store: &Store) -> Result<(JourneyIndex, crate::import::ProgrammeTimeZone)> {
    let index = JourneyIndex::build(store).context("building the journey index")?;
    let zone = import_settings(store)
        .context("reading the programme time zone")?
        .time_zone;
    Ok((index, zone))
}

/// Runs `payouts`.
pub fn payouts_command(args: PayoutsArgs) -> Result<ExitCode> {
    let store = open_existing(&args.db)?;
    let (index, zone) = index_of(&store)?;
    let settings = args.rules.payout_settings();
    let result = payouts(&index, &settings, args.period, zone);
    let rows = export_rows(&index, &result, settings.model);
    if let Some(out) = &args.out {
        let parquet = out
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
        if parquet {
            store
                .export_payouts_parquet(&rows, out)
                .with_context(|| format!("writing {}", out.display()))?;
        } else {
            std::fs::write(out, export_csv(&rows))
                .with_context(|| format!("writing {}", out.display()))?;
        }
    }
    let text = match args.format {
        OutputFormat::Csv => export_csv(&rows),
        OutputFormat::Json => {
            serde_json::to_string_pretty(&json!({
                "period": result.period.label(),
                "model": settings.model.key(),
                "settings_fingerprint": settings.fingerprint(),
                "rows": rows.iter().map(|r| json!({
                    "partner_id": r.partner_id, "partner_name": r.partner_name,
                    "credited_conversions": r.conversions, "revenue": r.revenue,
                    "commission": r.commission, "currency": r.currency, "status": r.status,
                })).collect::<Vec<_>>(),
            }))? + "\n"
        }
        OutputFormat::Table => payouts_table(&index, &result, &store)?,
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

fn payouts_table(
    index: &JourneyIndex,
    result: &crate::payouts::PeriodPayouts,
    store: &Store,
) -> Result<String> {
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
        let other = |model: Model| {
            result
                .of_model(model)
                .filter(|l| {
                    l.partner == line.partner
                        && l.currency == line.currency
                        && l.status == line.status
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
    for status in [PayoutStatus::Payable, PayoutStatus::Pending] {
        for (currency, total) in result.total(settings.model, status) {
            let _ = writeln!(out, "Total {}: {}", status.key(), total.display(&currency));
        }
    }
    signoff_status(&mut out, index, result, store)?;
    Ok(out)
}

fn signoff_status(
    out: &mut String,
    index: &JourneyIndex,
    result: &crate::payouts::PeriodPayouts,
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

/// Runs `signoff`.
pub fn signoff_command(args: SignoffArgs) -> Result<ExitCode> {
    if args.by.trim().is_empty() {
        anyhow::bail!("--by needs the name of the person signing off");
    }
    let store = open_existing(&args.db)?;
    let (index, zone) = index_of(&store)?;
    let settings = args.rules.payout_settings();
    let result = payouts(&index, &settings, args.period, zone);
    let record = signoff_record(&index, &result, &args.by);
    let id = store
        .record_signoff(&record)
        .context("recording the sign-off")?;
    let payable: Vec<String> = result
        .total(settings.model, PayoutStatus::Payable)
        .into_iter()
        .map(|(currency, total)| format!("{} {currency}", total.decimal()))
        .collect();
    println!(
        "signed off {} ({} model, fingerprint {}) by {} as sign-off #{id}: payable {}",
        args.period.label(),
        settings.model.key(),
        record.fingerprint,
        record.signed_by,
        if payable.is_empty() {
            "nothing".to_owned()
        } else {
            payable.join(", ")
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs `audit`.
pub fn audit_command(args: AuditArgs) -> Result<ExitCode> {
    let store = open_existing(&args.db)?;
    let (index, zone) = index_of(&store)?;
    let leads = store
        .lead_matches(args.tolerance_days)
        .context("matching reported leads")?;
    let mut audited = audit(&index, &args.rules.payout_settings(), leads, zone);
    if let Some(period) = args.period {
        audited.retain(|l| l.month == period.label());
    }
    let rows = monthly(&audited);
    let text = match args.format {
        OutputFormat::Csv => {
            let mut out = String::from("month,partner_id,category,leads,amount\n");
            for row in &rows {
                for category in Category::ALL {
                    let tally = row.tallies[category as usize];
                    let _ = writeln!(
                        out,
                        "{},{},{},{},{:.2}",
                        row.month,
                        csv_field(&row.partner_id),
                        category.key(),
                        tally.leads,
                        tally.amount
                    );
                }
            }
            out
        }
        OutputFormat::Json => serde_json::to_string_pretty(
            &audited
                .iter()
                .map(|l| {
                    json!({
                        "month": l.month, "partner_id": l.lead.partner_id,
                        "reference": l.lead.reference, "file_line": l.lead.file_line,
                        "conversion_id": l.conversion_id, "category": l.verdict.category().key(),
                        "detail": l.verdict.detail(), "amount": l.amount,
                    })
                })
                .collect::<Vec<_>>(),
        )? + "\n",
        OutputFormat::Table => audit_table(&rows),
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

fn audit_table(rows: &[crate::audit::MonthlyRow]) -> String {
    let mut out = format!("{:<8} {:<16}", "Month", "Partner");
    for category in Category::ALL {
        let _ = write!(out, " {:>28}", category.label());
    }
    out.push('\n');
    for row in rows {
        let _ = write!(out, "{:<8} {:<16}", row.month, row.partner_id);
        for tally in row.tallies {
            let cell = format!("{} · {}", tally.leads, money(tally.amount));
            let _ = write!(out, " {cell:>28}");
        }
        out.push('\n');
    }
    out
}
