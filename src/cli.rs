//! The command line: parse → call the library → print. No arguments opens the window.
//!
//! One file per command (`<name>_cmd.rs`: its arguments, its run function, its output);
//! the flags several commands share in `args`, the database `--db` names in `db`, shared
//! output helpers in `out`, and reading the command line before anything runs in `parse`.

mod args;
mod audit_cmd;
mod bench_cmd;
mod compare_cmd;
mod db;
mod explain_cmd;
mod import_cmd;
mod imports_cmd;
mod leakage_cmd;
mod links_cmd;
mod out;
mod parse;
mod payouts_cmd;
mod rules_cmd;
mod sample_cmd;
mod signoff_cmd;
mod spark;
mod sweep_cmd;
mod warehouse_cmd;

pub use args::{
    ModelList, ModelParamArgs, OutputFormat, PayoutRulesArgs, SettingsArgs, TogglesArgs,
    TrackingArgs,
};
pub use audit_cmd::AuditArgs;
pub use bench_cmd::BenchArgs;
pub use compare_cmd::CompareArgs;
pub use explain_cmd::ExplainArgs;
pub use import_cmd::ImportArgs;
pub use imports_cmd::{ImportsAction, ImportsArgs};
pub use leakage_cmd::{LeakageArgs, LeakageGroup};
pub use links_cmd::LinksArgs;
pub use payouts_cmd::PayoutsArgs;
pub use rules_cmd::RulesArgs;
pub use sample_cmd::SampleArgs;
pub use signoff_cmd::SignoffArgs;
pub use sweep_cmd::SweepArgs;
pub use warehouse_cmd::{
    Engine, JobArgs, WarehouseAction, WarehouseArgs, WarehouseExportArgs, WarehouseRunArgs,
    WarehouseSqlArgs,
};

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

/// Who deserves credit for each sale of a partner programme: first-touch, last-touch and
/// linear credit side by side. Without a command, opens the window.
#[derive(Debug, Parser)]
#[command(name = "partner-attribution", version, about, long_about = None)]
pub struct Cli {
    /// Open the window on this database instead of the last one used.
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Exports to import once the window is open, as if dropped on it (what a file
    /// manager's "Open with" passes); a programme database among them is opened instead.
    #[arg(value_name = "EXPORT")]
    pub files: Vec<PathBuf>,
    /// A headless job; none opens the window.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The headless jobs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import CSV (also .csv.gz) or Parquet exports into a programme database.
    Import(ImportArgs),
    /// The import history; `remove N` undoes import N (its rows out, what it replaced back).
    Imports(ImportsArgs),
    /// Compare first-touch, last-touch and linear credit per source.
    Compare(CompareArgs),
    /// Credit per source and model for every cookie window from 1 day up, and unlimited.
    Sweep(SweepArgs),
    /// Partner-sourced conversions that pay no partner: per cause, partner or month, what
    /// each fallback would recover, and the redirect audit.
    Leakage(LeakageArgs),
    /// One conversion's candidate touches, which counted and why, and its credit per model.
    Explain(ExplainArgs),
    /// Commission per partner for a month under the official model, beside the other models;
    /// exports CSV or Parquet for finance.
    Payouts(PayoutsArgs),
    /// Record a signed-off payout snapshot for a month.
    Signoff(SignoffArgs),
    /// Partner-reported leads against what our records credit, per month and partner.
    Audit(AuditArgs),
    /// Write the partner-facing rules document (HTML or Markdown) from the current settings,
    /// each rule with a worked example computed by the engine.
    Rules(RulesArgs),
    /// One tracking link per partner (utm_source, utm_medium=partner, utm_campaign).
    Links(LinksArgs),
    /// Generate the deterministic sample programme as CSV files.
    Sample(SampleArgs),
    /// Measure import, index build, recompute (ours against SQL) and the window sweep.
    Bench(BenchArgs),
    /// The rules as a job where the data lives: the SQL for Spark or DuckDB, the programme
    /// as Parquet, and the job run on Spark or DuckDB, checked equal to `compare`.
    Warehouse(WarehouseArgs),
}

/// How the binary opens the window: on a database (or the last one used) with exports to
/// import. The command line does not know the window; `main.rs` hands it in.
pub type OpenWindow = fn(Option<PathBuf>, Vec<PathBuf>) -> Result<ExitCode>;

/// Entry point of the binary: a subcommand runs headless, no subcommand calls `open_window`.
pub fn main(open_window: OpenWindow) -> ExitCode {
    let cli = match parse::parse_or_exit_code(std::env::args_os().collect()) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match run(cli, open_window) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one parsed command line.
pub fn run(cli: Cli, open_window: OpenWindow) -> Result<ExitCode> {
    match cli.command {
        None => open_window(cli.db, cli.files),
        Some(Command::Import(args)) => import_cmd::import_command(args),
        Some(Command::Imports(args)) => imports_cmd::imports_command(args),
        Some(Command::Compare(args)) => compare_cmd::compare_command(args),
        Some(Command::Sweep(args)) => sweep_cmd::sweep_command(args),
        Some(Command::Sample(args)) => sample_cmd::sample_command(args),
        Some(Command::Leakage(args)) => leakage_cmd::leakage_command(args),
        Some(Command::Explain(args)) => explain_cmd::explain_command(args),
        Some(Command::Payouts(args)) => payouts_cmd::payouts_command(args),
        Some(Command::Signoff(args)) => signoff_cmd::signoff_command(args),
        Some(Command::Audit(args)) => audit_cmd::audit_command(args),
        Some(Command::Rules(args)) => rules_cmd::rules_command(args),
        Some(Command::Links(args)) => links_cmd::links_command(args),
        Some(Command::Bench(args)) => bench_cmd::bench_command(args),
        Some(Command::Warehouse(args)) => warehouse_cmd::warehouse_command(args),
    }
}
