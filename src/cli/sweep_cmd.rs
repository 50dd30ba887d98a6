//! `sweep`: credit per source and model for every cookie window from 1 day up, and unlimited,
//! under first, last and linear or any of the models that split each sale by its own touches.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::args::{ModelList, ModelParamArgs, OutputFormat, TogglesArgs};
use super::db::open_existing;
use super::out::{credit_csv_row, print_text};
use crate::attribution::{
    CookieWindow, CreditModel, CreditRow, classic_models, sweep_models, sweep_windows,
};
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
    /// The models, in this order: any of first, last, linear, position, time_decay,
    /// last_non_direct (markov and shapley learn from every journey at once and are not
    /// swept; run compare at each window for them).
    #[arg(long, value_name = "LIST", default_value = "first,last,linear",
          value_parser = ModelList::parse)]
    pub models: ModelList,
    #[command(flatten)]
    pub params: ModelParamArgs,
    /// Output format (csv or json).
    #[arg(long, value_enum, default_value_t = OutputFormat::Csv)]
    pub format: OutputFormat,
}

/// Runs `sweep`.
pub(super) fn sweep_command(args: SweepArgs) -> Result<ExitCode> {
    if let Some(model) = args.models.0.iter().find(|m| m.is_data_driven()) {
        anyhow::bail!(
            "{} is not swept: it learns from every journey at once; run compare --models {} \
             --window-days N for each window instead",
            model.key(),
            model.key()
        );
    }
    let store = open_existing(&args.db)?;
    let index = JourneyIndex::build(&store).context("building the journey index")?;
    let settings = args.toggles.settings(CookieWindow::Unlimited);
    let windows: Vec<CookieWindow> = (1..=args.max_days)
        .map(CookieWindow::Days)
        .chain([CookieWindow::Unlimited])
        .collect();
    let rows_at: Box<dyn Fn(CookieWindow) -> Vec<CreditRow> + '_> =
        if args.models.0 == classic_models() {
            let sweep = sweep_windows(&index, &settings);
            Box::new(move |window| sweep.table_at(window).rows(&index))
        } else {
            let models: &[CreditModel] = &args.models.0;
            let sweep = sweep_models(&index, &settings, &args.params.params(), models);
            Box::new(move |window| sweep.credit_at(window).rows(&index))
        };
    let text = match args.format {
        OutputFormat::Json => sweep_json(&rows_at, &windows)?,
        _ => sweep_csv(&rows_at, &windows),
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
fn sweep_csv(rows_at: &dyn Fn(CookieWindow) -> Vec<CreditRow>, windows: &[CookieWindow]) -> String {
    let mut out = String::from("window_days,source,model,conversions,revenue,payout\n");
    for &window in windows {
        for row in rows_at(window) {
            let _ = writeln!(out, "{},{}", window_key(window), credit_csv_row(&row));
        }
    }
    out
}

/// The same rows as [`sweep_csv`], as a JSON array of objects.
fn sweep_json(
    rows_at: &dyn Fn(CookieWindow) -> Vec<CreditRow>,
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
            rows_at(window).into_iter().map(move |credit| SweepRow {
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
