//! `sweep`: credit per source and model for every cookie window from 1 day up, and unlimited.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::args::{OutputFormat, TogglesArgs};
use super::db::open_existing;
use super::out::{credit_csv_row, print_text};
use crate::attribution::{CookieWindow, CreditRow, WindowSweep, sweep_windows};
use crate::journeys::JourneyIndex;

/// Arguments of `sweep`.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// The programme database.
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// The longest finite window listed, in days (1–365).
    #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=365))]
    pub max_days: u32,
    #[command(flatten)]
    pub toggles: TogglesArgs,
    /// Output format (csv or json).
    #[arg(long, value_enum, default_value_t = OutputFormat::Csv)]
    pub format: OutputFormat,
}

/// Runs `sweep`.
pub(super) fn sweep_command(args: SweepArgs) -> Result<ExitCode> {
    let store = open_existing(&args.db)?;
    let index = JourneyIndex::build(&store).context("building the journey index")?;
    let settings = args.toggles.settings(CookieWindow::Unlimited);
    let sweep = sweep_windows(&index, &settings);
    let windows: Vec<CookieWindow> = (1..=args.max_days)
        .map(CookieWindow::Days)
        .chain([CookieWindow::Unlimited])
        .collect();
    let text = match args.format {
        OutputFormat::Json => sweep_json(&index, &sweep, &windows)?,
        _ => sweep_csv(&index, &sweep, &windows),
    };
    print_text(&text)
}

fn window_key(window: CookieWindow) -> String {
    match window {
        CookieWindow::Days(days) => days.to_string(),
        CookieWindow::Unlimited => "unlimited".to_owned(),
    }
}

/// `window_days,source,model,conversions,revenue,payout`, one row per window, source, model.
fn sweep_csv(index: &JourneyIndex, sweep: &WindowSweep, windows: &[CookieWindow]) -> String {
    let mut out = String::from("window_days,source,model,conversions,revenue,payout\n");
    for &window in windows {
        for row in sweep.table_at(window).rows(index) {
            let _ = writeln!(out, "{},{}", window_key(window), credit_csv_row(&row));
        }
    }
    out
}

/// The same rows as [`sweep_csv`], as a JSON array of objects.
fn sweep_json(
    index: &JourneyIndex,
    sweep: &WindowSweep,
    windows: &[CookieWindow],
) -> serde_json::Result<String> {
    #[derive(serde::Serialize)]
    struct SweepRow {
        window_days: serde_json::Value,
        #[serde(flatten)]
        credit: CreditRow,
    }
    let rows: Vec<SweepRow> = windows
        .iter()
        .flat_map(|&window| {
            sweep
                .table_at(window)
                .rows(index)
                .into_iter()
                .map(move |credit| SweepRow {
                    window_days: match window {
                        CookieWindow::Days(days) => days.into(),
                        CookieWindow::Unlimited => "unlimited".into(),
                    },
                    credit,
                })
        })
        .collect();
    Ok(serde_json::to_string_pretty(&rows)? + "\n")
}
