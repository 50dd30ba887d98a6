//! `audit`: partner-reported leads against what our records credit, per month and partner.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde_json::json;

use super::args::{OutputFormat, PayoutRulesArgs};
use super::db::{open_existing, payout_index_and_zone};
use super::out::{json_text, print_text};
use crate::audit::{AuditedLead, Category, DEFAULT_TOLERANCE_DAYS, MonthlyRow, audit, monthly};
use crate::domain::format::{csv_field, money};
use crate::payouts::Period;

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

/// Runs `audit`.
pub(super) fn audit_command(args: AuditArgs) -> Result<ExitCode> {
    let store = open_existing(&args.db)?;
    let settings = args.rules.payout_settings();
    let (index, zone) = payout_index_and_zone(&store, &settings)?;
    let leads = store
        .lead_matches(args.tolerance_days)
        .context("matching reported leads")?;
    let mut audited = audit(&index, &settings, leads, zone);
    if let Some(period) = args.period {
        audited.retain(|l| l.month == period.label());
    }
    let rows = monthly(&audited);
    let text = match args.format {
        OutputFormat::Csv => audit_csv(&rows),
        OutputFormat::Json => json_text(&audit_json(&audited))?,
        OutputFormat::Table => audit_table(&rows),
    };
    print_text(&text)
}

/// One row per month, partner and category.
fn audit_csv(rows: &[MonthlyRow]) -> String {
    let mut out = String::from("month,partner_id,category,leads,amount\n");
    for row in rows {
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

/// Every audited lead with its verdict.
fn audit_json(audited: &[AuditedLead]) -> serde_json::Value {
    audited
        .iter()
        .map(|l| {
            json!({
                "month": l.month, "partner_id": l.lead.partner_id,
                "reference": l.lead.reference, "file_line": l.lead.file_line,
                "conversion_id": l.conversion_id, "category": l.verdict.category().key(),
                "detail": l.verdict.detail(), "amount": l.amount,
            })
        })
        .collect()
}

/// Leads and amounts per month and partner, one column per category.
fn audit_table(rows: &[MonthlyRow]) -> String {
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
