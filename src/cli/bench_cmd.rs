//! `bench`: measures import, index build, recompute (ours against SQL) and the window sweep.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::args::OutputFormat;
use super::out::exit_code;
use crate::bench::{BenchSpec, run_bench};

/// Arguments of `bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Clicks to generate.
    #[arg(long, default_value_t = 1_000_000)]
    pub clicks: usize,
    /// Conversions wanted; the generator makes about one per ten clicks, so this only
    /// raises the click count when it asks for more.
    #[arg(long)]
    pub conversions: Option<usize>,
    /// Seed of the generator.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Output format (table or json).
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Scratch folder for the generated files and databases (a temporary folder by default).
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
    /// Measure an existing database (index, recompute, sweep) instead of a generated one.
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Also time ChannelAttribution (python3 with `pip install ChannelAttribution`) on the
    /// same paths as our Markov model, and compare its credit with ours.
    #[arg(long)]
    pub channelattribution: bool,
    /// Rounds of the import timing and runs of the SQL recompute (default: 3 rounds, 5
    /// runs); 1 keeps a 100-million-click benchmark within the hour.
    #[arg(long, value_name = "N")]
    pub rounds: Option<usize>,
}

/// Runs `bench`; fails when our numbers and the SQL version's disagree.
pub(super) fn bench_command(args: BenchArgs) -> Result<ExitCode> {
    let clicks = args.clicks.max(args.conversions.unwrap_or(0) * 10);
    let work_dir = args.work_dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("partner-attribution-bench-{}", std::process::id()))
    });
    std::fs::create_dir_all(&work_dir)
        .with_context(|| format!("creating {}", work_dir.display()))?;
    let spec = BenchSpec {
        clicks,
        seed: args.seed,
        recompute_runs: 21,
        database: args.db.clone(),
        channelattribution: args.channelattribution,
        rounds: args.rounds,
    };
    let result = run_bench(&spec, &work_dir, |line| eprintln!("{line}"));
    if args.work_dir.is_none() {
        let _ = std::fs::remove_dir_all(&work_dir);
    }
    let report = result.context("running the benchmark")?;
    match args.format {
        OutputFormat::Json => println!("{}", serde_json::to_string(&report)?),
        _ => print!("{}", report.table()),
    }
    Ok(exit_code(!report.agree))
}
