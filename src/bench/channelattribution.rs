//! `bench --channelattribution`: ChannelAttribution (the Python port of the R package, by the
//! same authors over the same C++ core) timed on the very paths our data-driven models see,
//! its credit compared with ours.
//!
//! The paths are written as ChannelAttribution's `markov_model` takes them (a path of source
//! tokens, its conversions, their value, the journeys on it that did not convert), beside our
//! credit per token; `bench/channelattribution.py` (built into the binary) times the package
//! and writes what it found. Nothing here is needed by the app: without `python3` or the
//! package the comparison is skipped, saying why.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use serde::{Deserialize, Serialize};

use super::ModelTiming;
use crate::attribution::{
    AttributionSettings, CreditModel, JourneyPath, MARKOV_MAX_ORDER, ModelParams, compute_models,
    journey_paths,
};
use crate::journeys::JourneyIndex;

/// The comparison script, written next to the paths when it runs.
const SCRIPT: &str = include_str!("../../bench/channelattribution.py");

/// The exit code of the script when ChannelAttribution cannot be imported.
const NOT_INSTALLED: i32 = 3;

/// One model timed in ChannelAttribution beside ours, on the same paths.
#[derive(Debug, Clone, Serialize)]
pub struct ForeignTiming {
    /// `heuristic` (first, last and linear touch) or `markov order N`.
    pub model: String,
    /// Our time for it (the recompute of first, last and linear for `heuristic`).
    pub ours_ms: f64,
    /// ChannelAttribution's time.
    pub theirs_secs: f64,
    /// `theirs_secs / ours_ms`, both in seconds.
    pub speedup: f64,
    /// The largest `|theirs − ours| / ours` of a source's credited conversions (first and
    /// last touch for `heuristic`).
    pub largest_relative_difference: f64,
}

/// Our times for the models ChannelAttribution is compared on.
pub(super) struct OurTimes {
    heuristic_ms: f64,
    markov_ms: Vec<(String, f64)>,
}

impl OurTimes {
    /// From the recompute of first, last and linear and the models timed alone.
    pub(super) fn of(recompute_ms: f64, models: &[ModelTiming]) -> OurTimes {
        OurTimes {
            heuristic_ms: recompute_ms,
            markov_ms: models
                .iter()
                .filter(|m| m.model.starts_with("markov"))
                .map(|m| (m.model.clone(), m.ms))
                .collect(),
        }
    }

    fn ms(&self, model: &str) -> Option<f64> {
        if model == "heuristic" {
            return Some(self.heuristic_ms);
        }
        self.markov_ms
            .iter()
            .find(|(label, _)| label == model)
            .map(|&(_, ms)| ms)
    }
}

/// What the script reports for one model.
#[derive(Deserialize)]
struct TheirTiming {
    model: String,
    secs: f64,
    largest_relative_difference: f64,
}

/// Writes the paths and our credit into `work_dir`, runs the script, and pairs its times with
/// ours; `Err` says why ChannelAttribution was not timed.
pub(super) fn compare(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    work_dir: &Path,
    ours: &OurTimes,
) -> Result<Vec<ForeignTiming>, String> {
    let written = |what: &str, e: std::io::Error| format!("writing {what}: {e}");
    let paths_file = work_dir.join("paths.csv");
    let ours_file = work_dir.join("ours.csv");
    let script = work_dir.join("channelattribution.py");
    let out = work_dir.join("theirs.json");
    std::fs::write(&paths_file, paths_csv(&journey_paths(index, settings)))
        .map_err(|e| written("the paths", e))?;
    std::fs::write(&ours_file, ours_csv(index, settings)).map_err(|e| written("our credit", e))?;
    std::fs::write(&script, SCRIPT).map_err(|e| written("the script", e))?;
    let output = Command::new("python3")
        .arg(&script)
        .arg("--paths")
        .arg(&paths_file)
        .arg("--ours")
        .arg(&ours_file)
        .arg("--out")
        .arg(&out)
        .arg("--ncore")
        .arg(
            std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .to_string(),
        )
        .output()
        .map_err(|e| format!("python3 could not be run ({e})"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or("no message").trim();
        return Err(match output.status.code() {
            Some(NOT_INSTALLED) => format!("{last} (pip install ChannelAttribution)"),
            _ => format!("the ChannelAttribution script failed: {last}"),
        });
    }
    let text = std::fs::read_to_string(&out).map_err(|e| format!("reading its results: {e}"))?;
    let theirs: Vec<TheirTiming> =
        serde_json::from_str(&text).map_err(|e| format!("reading its results: {e}"))?;
    Ok(theirs
        .into_iter()
        .filter_map(|t| {
            let ours_ms = ours.ms(&t.model)?;
            Some(ForeignTiming {
                speedup: t.secs * 1e3 / ours_ms.max(1e-9),
                model: t.model,
                ours_ms,
                theirs_secs: t.secs,
                largest_relative_difference: t.largest_relative_difference,
            })
        })
        .collect())
}

/// A source's token in the files: its id number, safe from any separator.
fn token(source: u32) -> String {
    format!("s{source}")
}

/// The paths as ChannelAttribution's example data lays them out (`;`-separated).
fn paths_csv(paths: &[JourneyPath]) -> String {
    let mut csv = String::from("path;total_conversions;total_conversion_value;total_null\n");
    for path in paths {
        let tokens: Vec<String> = path.sources.iter().map(|&s| token(s)).collect();
        let _ = writeln!(
            csv,
            "{};{};{};{}",
            tokens.join(">"),
            path.conversions,
            path.revenue,
            path.nulls
        );
    }
    csv
}

/// Our credited conversions per source token: first, last, and Markov at each order.
fn ours_csv(index: &JourneyIndex, settings: &AttributionSettings) -> String {
    let classic = compute_models(
        index,
        settings,
        &ModelParams::default(),
        &[CreditModel::First, CreditModel::Last],
    );
    let markov: Vec<_> = (1..=MARKOV_MAX_ORDER)
        .map(|order| {
            let params = ModelParams {
                markov_order: order,
                ..ModelParams::default()
            };
            compute_models(index, settings, &params, &[CreditModel::Markov])
        })
        .collect();
    let mut csv = String::from("token;first;last");
    for order in 1..=MARKOV_MAX_ORDER {
        let _ = write!(csv, ";markov_{order}");
    }
    csv.push('\n');
    for source in 0..index.sources.len() {
        let _ = write!(
            csv,
            "{};{};{}",
            token(source as u32),
            classic.credit(CreditModel::First, source).conversions,
            classic.credit(CreditModel::Last, source).conversions
        );
        for credit in &markov {
            let _ = write!(
                csv,
                ";{}",
                credit.credit(CreditModel::Markov, source).conversions
            );
        }
        csv.push('\n');
    }
    csv
}
