//! The benchmark behind `partner-attribution bench`: generate a programme, then time import,
//! index build, recompute (ours and SQL), and the window sweep, in one run; with
//! `--channelattribution`, ChannelAttribution on the same paths (`channelattribution`).

mod channelattribution;

pub use channelattribution::ForeignTiming;

use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::attribution::{
    AttributionSettings, CreditModel, CreditRow, ModelParams, compute_credit, compute_models,
    sweep_models, sweep_windows,
};
use crate::import::{ImportRequest, import_file};
use crate::journeys::JourneyIndex;
use crate::programme::import_settings;
use crate::sample::{SampleSpec, write_sample};
use crate::store::{Store, StoreError};

/// How big a programme to benchmark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchSpec {
    /// Clicks to generate (conversions follow at about one per ten clicks).
    pub clicks: usize,
    /// Seed of the generator.
    pub seed: u64,
    /// Runs of our recompute to take the median of (SQL gets a quarter, at least 3).
    pub recompute_runs: usize,
    /// Measure this existing database instead of generating and importing a programme
    /// (the import figures are then 0).
    pub database: Option<std::path::PathBuf>,
    /// Also time ChannelAttribution (`python3` with the package) on the same paths.
    pub channelattribution: bool,
    /// Rounds of the import timing and runs of the SQL recompute (`None`: 3 rounds and 5
    /// runs); fewer keep a very large programme's benchmark within the hour.
    pub rounds: Option<usize>,
}

/// What the benchmark measured; the JSON keys are the contract of `bench --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// Clicks generated.
    pub clicks: usize,
    /// Conversions generated.
    pub conversions: usize,
    /// Candidate touches in the index.
    pub candidate_touches: usize,
    /// Our import of the clicks file.
    pub import_secs: f64,
    /// DuckDB's `CREATE TABLE AS SELECT * FROM read_csv(...)` on the same file.
    pub duckdb_read_csv_secs: f64,
    /// `import_secs / duckdb_read_csv_secs`.
    pub import_ratio: f64,
    /// Building the journey index.
    pub index_secs: f64,
    /// Index memory per candidate touch.
    pub bytes_per_touch: f64,
    /// Median of our recompute of the three models.
    pub recompute_ms: f64,
    /// Median of the SQL version.
    pub sql_recompute_ms: f64,
    /// `sql_recompute_ms / recompute_ms`.
    pub recompute_speedup: f64,
    /// The sweep over every window.
    pub sweep_ms: f64,
    /// `sweep_ms / recompute_ms`.
    pub sweep_to_recompute: f64,
    /// Reading the journeys that did not convert (what Markov and Shapley need besides the
    /// index).
    pub open_paths_secs: f64,
    /// Each model beyond first, last and linear, recomputed alone with default parameters.
    pub models: Vec<ModelTiming>,
    /// The sweep over every window of position, time_decay and last_non_direct together.
    pub model_sweep_ms: f64,
    /// `model_sweep_ms / recompute_ms`.
    pub model_sweep_to_recompute: f64,
    /// ChannelAttribution's time for the same paths, model by model, against ours (empty
    /// unless asked for and available).
    pub channelattribution: Vec<ForeignTiming>,
    /// Why ChannelAttribution was not timed, when it was asked for and could not be.
    pub channelattribution_skipped: Option<String>,
    /// Peak resident memory of the process.
    pub peak_rss_mb: f64,
    /// Our results equal the SQL version's.
    pub agree: bool,
}

/// One model's recompute time.
#[derive(Debug, Clone, Serialize)]
pub struct ModelTiming {
    /// The model's key (`position`, ...), with the order for Markov (`markov order 2`).
    pub model: String,
    /// Median of its recompute, alone.
    pub ms: f64,
    /// Median of the recomputes of first, last and linear timed in turn with it, run by run.
    pub recompute_ms: f64,
    /// `ms / recompute_ms`: against one recompute of first, last and linear together, timed
    /// under the same conditions of the machine.
    pub to_recompute: f64,
    /// Median of its sweep over every window, alone (the per-sale models only).
    pub sweep_ms: Option<f64>,
    /// `sweep_ms / ms`: its sweep against one recompute of the same model.
    pub sweep_to_own_recompute: Option<f64>,
}

/// The models that split each sale by its own touches: timed alone and swept.
const PER_SALE_MODELS: [CreditModel; 3] = [
    CreditModel::Position,
    CreditModel::TimeDecay,
    CreditModel::LastNonDirect,
];

/// The models timed one by one beside the three of the engine, each with its label: the
/// per-sale ones, Markov at each order, and Shapley, all with default parameters otherwise.
fn timed_models() -> Vec<(String, CreditModel, ModelParams)> {
    let per_sale = PER_SALE_MODELS
        .iter()
        .map(|&model| (model.key().to_owned(), model, ModelParams::default()));
    let markov = (1..=crate::attribution::MARKOV_MAX_ORDER).map(|order| {
        let params = ModelParams {
            markov_order: order,
            ..ModelParams::default()
        };
        (markov_label(order), CreditModel::Markov, params)
    });
    let shapley = std::iter::once((
        CreditModel::Shapley.key().to_owned(),
        CreditModel::Shapley,
        ModelParams::default(),
    ));
    per_sale.chain(markov).chain(shapley).collect()
}

/// The label of the Markov model of `order` in the table and the JSON.
fn markov_label(order: u8) -> String {
    format!("markov order {order}")
}

/// Times each of [`timed_models`] alone, `runs` times (at least 3), each run in turn with a
/// recompute of first, last and linear; the per-sale models' sweeps over every window too.
fn time_models(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    runs: usize,
) -> Vec<ModelTiming> {
    timed_models()
        .into_iter()
        .map(|(label, model, params)| {
            let (recompute, time) = medians_of_pairs(runs.max(3), || {
                let started = Instant::now();
                std::hint::black_box(compute_credit(index, settings));
                let recompute = started.elapsed();
                let started = Instant::now();
                std::hint::black_box(compute_models(index, settings, &params, &[model]));
                (recompute, started.elapsed())
            });
            let sweep_ms = PER_SALE_MODELS.contains(&model).then(|| {
                let (sweep, _) = median_of(runs.max(3), || {
                    sweep_models(index, settings, &params, &[model])
                });
                ms(sweep)
            });
            ModelTiming {
                model: label,
                ms: ms(time),
                recompute_ms: ms(recompute),
                to_recompute: ms(time) / ms(recompute).max(1e-9),
                sweep_ms,
                sweep_to_own_recompute: sweep_ms.map(|sweep| sweep / ms(time).max(1e-9)),
            }
        })
        .collect()
}

/// Why the benchmark could not run: generating, importing or reading the programme failed.
pub type BenchError = crate::programme::SetupError;

/// Runs the benchmark in a scratch folder under `work_dir`, reporting progress lines.
pub fn run_bench(
    spec: &BenchSpec,
    work_dir: &Path,
    mut log: impl FnMut(&str),
) -> Result<BenchReport, BenchError> {
    let (store, import_secs, duckdb_read_csv_secs, generated) = match &spec.database {
        Some(database) => (Store::open(database)?, 0.0, 0.0, None),
        None => generate_and_import(spec, work_dir, &mut log)?,
    };
    let counts = store.counts()?;
    // Generated programmes report what was written; an existing database what it holds.
    let (clicks, conversions) =
        generated.unwrap_or((counts.touches as usize, counts.conversions as usize));
    log("building the index…");
    let started = Instant::now();
    let mut index = JourneyIndex::build(&store)?;
    let index_secs = secs(started.elapsed());
    let settings = AttributionSettings::default();
    log("timing the SQL version…");
    let sql_runs = spec
        .rounds
        .unwrap_or((spec.recompute_runs / 4).max(3))
        .max(1);
    let (sql_recompute, theirs) = median_of(sql_runs, || store.sql_credit_rows(&settings));
    let theirs = theirs?;
    log("timing recomputes and window sweeps…");
    // One after the other, run by run: the ratio of their medians compares them under the
    // same conditions of the machine.
    let mut last = None;
    let (recompute, sweep_time) = medians_of_pairs(spec.recompute_runs.max(1), || {
        let started = Instant::now();
        let ours = compute_credit(&index, &settings).rows(&index);
        let recompute = started.elapsed();
        let started = Instant::now();
        let sweep = sweep_windows(&index, &settings);
        last = Some((ours, sweep));
        (recompute, started.elapsed())
    });
    let (ours, sweep) = last.expect("at least one run");
    let sweep_ms = ms(sweep_time);
    let agree = rows_agree(&ours, &theirs)
        && rows_agree(&sweep.table_at(settings.window).rows(&index), &theirs);
    let recompute_ms = ms(recompute);
    let sql_recompute_ms = ms(sql_recompute);
    log("reading the journeys that did not convert…");
    let started = Instant::now();
    index.read_open_paths(&store)?;
    let open_paths_secs = secs(started.elapsed());
    log("timing the other models…");
    let models = time_models(&index, &settings, spec.recompute_runs / 2);
    let (model_sweep, _) = median_of((spec.recompute_runs / 4).max(3), || {
        sweep_models(&index, &settings, &ModelParams::default(), &PER_SALE_MODELS)
    });
    let (channelattribution, channelattribution_skipped) = if spec.channelattribution {
        log("timing ChannelAttribution on the same paths…");
        let ours = channelattribution::OurTimes::of(recompute_ms, &models);
        match channelattribution::compare(&index, &settings, work_dir, &ours) {
            Ok(timings) => (timings, None),
            Err(why) => (Vec::new(), Some(why)),
        }
    } else {
        (Vec::new(), None)
    };
    Ok(BenchReport {
        clicks,
        conversions,
        candidate_touches: index.candidate_touches(),
        import_secs,
        duckdb_read_csv_secs,
        import_ratio: if duckdb_read_csv_secs > 0.0 {
            import_secs / duckdb_read_csv_secs
        } else {
            0.0
        },
        index_secs,
        bytes_per_touch: index.heap_bytes() as f64 / index.candidate_touches().max(1) as f64,
        recompute_ms,
        sql_recompute_ms,
        recompute_speedup: sql_recompute_ms / recompute_ms.max(1e-9),
        sweep_ms,
        sweep_to_recompute: sweep_ms / recompute_ms.max(1e-9),
        open_paths_secs,
        models,
        model_sweep_ms: ms(model_sweep),
        model_sweep_to_recompute: ms(model_sweep) / recompute_ms.max(1e-9),
        channelattribution,
        channelattribution_skipped,
        peak_rss_mb: peak_rss_mb(),
        agree,
    })
}

/// The benchmarked store, import seconds, DuckDB's own read seconds, and the generated
/// clicks and conversions.
type Prepared = (Store, f64, f64, Option<(usize, usize)>);

/// Generates the programme, imports it, and times DuckDB's own read of the clicks file.
fn generate_and_import(
    spec: &BenchSpec,
    work_dir: &Path,
    log: &mut impl FnMut(&str),
) -> Result<Prepared, BenchError> {
    let files = work_dir.join("programme");
    log(&format!("generating {} clicks…", spec.clicks));
    let sample = write_sample(
        &files,
        &SampleSpec {
            seed: spec.seed,
            clicks: spec.clicks,
        },
    )?;
    flush_to_disk(&files);
    let db = work_dir.join("bench.duckdb");
    let _ = std::fs::remove_file(&db);
    let store = Store::open(&db)?;
    log("importing…");
    let first_import = import_all(&store, &files)?;
    let rounds = spec.rounds.unwrap_or(IMPORT_ROUNDS).max(1);
    log(&format!(
        "timing the clicks import against DuckDB's own read, {rounds} rounds in turn…"
    ));
    let (import_secs, plain_secs) = import_timings(work_dir, &files, first_import, rounds)?;
    let generated = Some((sample.clicks, sample.conversions));
    Ok((store, import_secs, plain_secs, generated))
}

/// Rounds of our clicks import and DuckDB's own read of the file, unless told.
const IMPORT_ROUNDS: usize = 3;

/// Medians of our clicks import and of DuckDB's own read of the file, timed in turns (the
/// benchmarked store's import first, then imports into a scratch database), so that one
/// slow moment of a shared machine does not decide the ratio.
fn import_timings(
    work_dir: &Path,
    files: &Path,
    first_import: f64,
    rounds: usize,
) -> Result<(f64, f64), BenchError> {
    let clicks = files.join("clicks.csv");
    let plain_db = work_dir.join("plain.duckdb");
    let mut ours = vec![first_import];
    let mut plain = vec![secs(plain_read_csv(&plain_db, &clicks)?)];
    for _ in 1..rounds {
        ours.push(scratch_import(&work_dir.join("scratch.duckdb"), files)?);
        plain.push(secs(plain_read_csv(&plain_db, &clicks)?));
    }
    Ok((median(ours), median(plain)))
}

/// Seconds our import of the clicks file takes in a fresh database holding the partners
/// (deleted afterwards).
fn scratch_import(db: &Path, files: &Path) -> Result<f64, BenchError> {
    let _ = std::fs::remove_file(db);
    let store = Store::open(db)?;
    let settings = import_settings(&store)?;
    import_file(
        &store,
        &ImportRequest::detect(files.join("partners.csv")),
        &settings,
    )?;
    let started = Instant::now();
    import_file(
        &store,
        &ImportRequest::detect(files.join("clicks.csv")),
        &settings,
    )?;
    let took = secs(started.elapsed());
    drop(store);
    let _ = std::fs::remove_file(db);
    Ok(took)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Waits until the generated files are on disk, so that the kernel writing them back does
/// not slow whichever import is timed first. Best effort: a file that cannot be synced is
/// timed as it is.
fn flush_to_disk(files: &Path) {
    let Ok(entries) = std::fs::read_dir(files) else {
        return;
    };
    for entry in entries.flatten() {
        if let Ok(file) = std::fs::File::open(entry.path()) {
            let _ = file.sync_all();
        }
    }
}

/// Imports the generated files; returns the seconds the clicks file took.
fn import_all(store: &Store, files: &Path) -> Result<f64, BenchError> {
    let settings = import_settings(store)?;
    let mut clicks_secs = 0.0;
    for name in ["partners.csv", "clicks.csv", "conversions.csv"] {
        let started = Instant::now();
        import_file(store, &ImportRequest::detect(files.join(name)), &settings)?;
        if name == "clicks.csv" {
            clicks_secs = secs(started.elapsed());
        }
    }
    Ok(clicks_secs)
}

fn plain_read_csv(db: &Path, file: &Path) -> Result<Duration, StoreError> {
    let _ = std::fs::remove_file(db);
    let store = Store::open(db)?;
    let took = store.time_plain_read_csv(file);
    drop(store);
    let _ = std::fs::remove_file(db);
    took
}

/// The medians of two timings taken together, run by run.
fn medians_of_pairs(
    runs: usize,
    mut run: impl FnMut() -> (Duration, Duration),
) -> (Duration, Duration) {
    let (mut first, mut second): (Vec<Duration>, Vec<Duration>) = (0..runs).map(|_| run()).unzip();
    first.sort();
    second.sort();
    (first[runs / 2], second[runs / 2])
}

fn median_of<T>(runs: usize, mut run: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let started = Instant::now();
        last = Some(run());
        times.push(started.elapsed());
    }
    times.sort();
    (times[times.len() / 2], last.expect("at least one run"))
}

/// Same sources and models, numbers equal to 1e-9 relative.
pub fn rows_agree(a: &[CreditRow], b: &[CreditRow]) -> bool {
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * (1.0 + y.abs());
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.source == y.source
                && x.model == y.model
                && close(x.conversions, y.conversions)
                && close(x.revenue, y.revenue)
                && close(x.payout, y.payout)
        })
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Peak resident set size from `/proc/self/status` (0 where unavailable).
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

impl BenchReport {
    /// The human table, ending with the one-line summary.
    pub fn table(&self) -> String {
        let agree = if self.agree { "yes" } else { "no" };
        let measured_import = self.duckdb_read_csv_secs > 0.0;
        let (import_line, import_summary) = if measured_import {
            (
                format!(
                    "{:.2} s   vs DuckDB read_csv {:.2} s   ratio {:.2}×",
                    self.import_secs, self.duckdb_read_csv_secs, self.import_ratio
                ),
                format!("{:.2}×", self.import_ratio),
            )
        } else {
            (
                "not measured (an existing database, --db)".to_owned(),
                "n/a".to_owned(),
            )
        };
        format!(
            "programme             {} clicks, {} conversions, {} candidate touches\n\
             import (clicks)       {import_line}\n\
             index build           {:.2} s   {:.1} bytes per candidate touch\n\
             recompute (median)    {:.2} ms  vs SQL {:.1} ms   speed-up {:.0}×   agree: {agree}\n\
             window sweep          {:.2} ms  = {:.2}× one recompute (366 windows)\n\
             {}\
             peak memory           {:.0} MB\n\
             summary: import {import_summary} read_csv · recompute {:.2} ms ({:.0}× SQL) · sweep {:.2}× recompute · {:.1} B/touch · agree: {agree}\n",
            crate::domain::format::thousands(self.clicks as i64),
            crate::domain::format::thousands(self.conversions as i64),
            crate::domain::format::thousands(self.candidate_touches as i64),
            self.index_secs,
            self.bytes_per_touch,
            self.recompute_ms,
            self.sql_recompute_ms,
            self.recompute_speedup,
            self.sweep_ms,
            self.sweep_to_recompute,
            self.model_lines(),
            self.peak_rss_mb,
            self.recompute_ms,
            self.recompute_speedup,
            self.sweep_to_recompute,
            self.bytes_per_touch,
        )
    }
}

impl BenchReport {
    /// One line per model timed alone, against the recompute of first, last and linear.
    fn model_lines(&self) -> String {
        let mut lines = format!(
            "unconverted paths     {:.2} s   read once for markov and shapley\n",
            self.open_paths_secs
        );
        for m in &self.models {
            lines.push_str(&format!(
                "{:<21} {:.2} ms  = {:.2}× one recompute of first, last and linear ({:.2} ms, \
                 timed in turn)\n",
                m.model, m.ms, m.to_recompute, m.recompute_ms
            ));
        }
        for m in &self.models {
            if let (Some(sweep), Some(ratio)) = (m.sweep_ms, m.sweep_to_own_recompute) {
                let label = format!("{} sweep", m.model);
                lines.push_str(&format!(
                    "{label:<21} {sweep:.2} ms  = {ratio:.2}× one recompute of {} (366 windows)\n",
                    m.model
                ));
            }
        }
        lines.push_str(&format!(
            "model sweep           {:.2} ms  = {:.2}× one recompute (position, time_decay, \
             last_non_direct together, 366 windows)\n",
            self.model_sweep_ms, self.model_sweep_to_recompute
        ));
        if let Some(why) = &self.channelattribution_skipped {
            lines.push_str(&format!("ChannelAttribution    not timed: {why}\n"));
        }
        for t in &self.channelattribution {
            lines.push_str(&format!(
                "{:<21} {:.2} ms  vs ChannelAttribution {:.2} s   {:.0}× faster   \
                 largest credit difference {:.2} %\n",
                t.model,
                t.ours_ms,
                t.theirs_secs,
                t.speedup,
                t.largest_relative_difference * 100.0
            ));
        }
        lines
    }
}
