//! `signoff`: records a signed-off payout snapshot for a month.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::args::PayoutRulesArgs;
use super::db::{open_existing, payout_index_and_zone};
use crate::payouts::{PayoutStatus, Period, payouts, signoff_record};
use crate::statements::statement_after;

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

/// Runs `signoff`.
pub(super) fn signoff_command(args: SignoffArgs) -> Result<ExitCode> {
    if args.by.trim().is_empty() {
        anyhow::bail!("--by needs the name of the person signing off");
    }
    let store = open_existing(&args.db)?;
    let settings = args.rules.payout_settings();
    let (index, zone) = payout_index_and_zone(&store, &settings)?;
    let result = payouts(&index, &settings, args.period, zone);
    let mut record = signoff_record(&index, &result, &args.by);
    let history = store
        .statement_history()
        .context("reading the signed statements")?;
    let month = statement_after(&index, &settings, args.period, zone, &history);
    record.statement = month.paid_lines(&index);
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
