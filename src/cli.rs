//! The command line: parse → call the library → print. No arguments opens the window.

mod arguments;
mod compare_output;
mod document_cmd;
mod imports_cmd;
mod leakage_cmd;
mod payout_cmd;

pub use document_cmd::{LinksArgs, RulesArgs};
pub use imports_cmd::{ImportsAction, ImportsArgs};
pub use leakage_cmd::{ExplainArgs, LeakageArgs, LeakageGroup, SettingsArgs, TogglesArgs};
pub use payout_cmd::{AuditArgs, PayoutRulesArgs, PayoutsArgs, SignoffArgs};

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};

use crate::attribution::{
    BrowserCaps, CookieWindow, CouponPrecedence, Methods, TrackingSettings, compute_credit,
    sweep_windows,
};
use crate::import::{ColumnMap, FileKind, ImportOutcome, ImportRequest, ProgrammeTimeZone};
use crate::journeys::JourneyIndex;
use crate::links::LinkRules;
use crate::programme::{REF_PARAMS_KEY, TIME_ZONE_KEY, import_batch};
use crate::sample::{SampleSpec, write_sample};
use crate::store::Store;

/// Who deserves credit for each sale of a partner programme: first-touch, last-touch and
/// linear credit side by side. Without a command, opens the window.
#[derive(Debug, Parser)]
#[command(name = "partner-attribution", version, about, long_about = None)]
pub struct Cli {
    /// Open the window on this database instead of the last one used.
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Exports to import once the window is open, as if dropped on it (what a file
    /// manager's "Open with" passes).
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
}

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
}

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

/// Arguments of `import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The programme database (created when missing, in a folder that exists).
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// What the files hold; detected from the header when omitted.
    #[arg(long, value_parser = parse_kind)]
    pub kind: Option<FileKind>,
    /// Map our column names to the file's: `user=customer_id,time=time,...`.
    #[arg(long, value_name = "K=V,...", value_parser = ColumnMap::parse)]
    pub columns: Option<ColumnMap>,
    /// Programme time zone for timestamps without an offset (stored with the programme):
    /// UTC, an IANA name like Europe/Berlin, or +02:00.
    #[arg(long, value_name = "ZONE", value_parser = ProgrammeTimeZone::parse)]
    pub time_zone: Option<ProgrammeTimeZone>,
    /// Referral parameters of tracking links, e.g. `ref,via` (stored with the programme).
    #[arg(long, value_name = "NAMES")]
    pub ref_params: Option<String>,
    /// The files to import, each in its own transaction.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Arguments of `compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The programme database.
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    #[command(flatten)]
    pub settings: SettingsArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

/// The tracking settings every model command takes, as in the window's tracking panel.
#[derive(Debug, Clone, clap::Args)]
pub struct TrackingArgs {
    /// Identity methods that link touches to conversions: any of cookie, click-id, user,
    /// coupon (comma-separated).
    #[arg(long, value_name = "LIST", default_value = "cookie", value_parser = Methods::parse)]
    pub methods: Methods,
    /// How a partner's coupon counts when `coupon` is among the methods.
    #[arg(long, value_name = "backup|override|touch", default_value = "backup",
          value_parser = CouponPrecedence::parse)]
    pub coupon: CouponPrecedence,
    /// Cookie lifetime caps for touches matched only by cookie, in days: `safari=7,firefox=30`,
    /// or `none`.
    #[arg(long, value_name = "BROWSER=DAYS,...", default_value = "safari=7",
          value_parser = BrowserCaps::parse)]
    pub browser_cap: BrowserCaps,
}

impl TrackingArgs {
    /// The tracking settings these flags name.
    pub fn settings(&self) -> TrackingSettings {
        TrackingSettings {
            methods: self.methods,
            coupon: self.coupon,
            browser_caps: self.browser_cap,
        }
    }
}

/// Arguments of `sample`.
#[derive(Debug, clap::Args)]
pub struct SampleArgs {
    /// Directory to write the CSV files into (created when missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Random seed; the same seed gives byte-identical files.
    #[arg(long, default_value_t = SampleSpec::default().seed)]
    pub seed: u64,
    /// Number of clicks (touches) to generate.
    #[arg(long, default_value_t = SampleSpec::default().clicks)]
    pub clicks: usize,
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// An aligned table for people.
    Table,
    /// CSV with a header row.
    Csv,
    /// A JSON array.
    Json,
}

fn parse_kind(text: &str) -> Result<FileKind, String> {
    text.parse()
}

pub(crate) fn parse_window(text: &str) -> Result<CookieWindow, String> {
    CookieWindow::parse(text)
        .ok_or_else(|| format!("expected a number of days like 30, or 'unlimited', found '{text}'"))
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = match arguments::parse_or_exit_code(std::env::args_os().collect()) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        None => crate::ui::run(cli.db, cli.files),
        Some(Command::Import(args)) => import(args),
        Some(Command::Imports(args)) => imports_cmd::imports_command(args),
        Some(Command::Compare(args)) => compare(args),
        Some(Command::Sweep(args)) => sweep(args),
        Some(Command::Sample(args)) => sample(args),
        Some(Command::Leakage(args)) => leakage_cmd::leakage(args),
        Some(Command::Explain(args)) => leakage_cmd::explain_command(args),
        Some(Command::Payouts(args)) => payout_cmd::payouts_command(args),
        Some(Command::Signoff(args)) => payout_cmd::signoff_command(args),
        Some(Command::Audit(args)) => payout_cmd::audit_command(args),
        Some(Command::Rules(args)) => document_cmd::rules_command(args),
        Some(Command::Links(args)) => document_cmd::links_command(args),
        Some(Command::Bench(args)) => bench(args),
    }
}

fn open(db: &std::path::Path) -> Result<Store> {
    Store::open(db).with_context(|| format!("opening {}", db.display()))
}

fn import(args: ImportArgs) -> Result<ExitCode> {
    let store = open(&args.db)?;
    if let Some(zone) = args.time_zone {
        store.set_programme_setting(TIME_ZONE_KEY, &zone.name())?;
    }
    if let Some(params) = &args.ref_params {
        let rules = LinkRules::parse(params);
        store.set_programme_setting(REF_PARAMS_KEY, &rules.ref_params.join(","))?;
    }
    let requests: Vec<ImportRequest> = args
        .files
        .iter()
        .map(|path| ImportRequest {
            path: path.clone(),
            kind: args.kind,
            columns: args.columns.clone().unwrap_or_default(),
        })
        .collect();
    let results = import_batch(&store, &requests, |_, _| {})?;
    let mut failed = false;
    for result in &results {
        match result {
            Ok(outcome) => print_outcome(&store, outcome)?,
            Err(error) => {
                failed = true;
                eprintln!("error: {error}");
            }
        }
    }
    let counts = store.counts()?;
    println!(
        "database {}: {} partners, {} touches, {} conversions, {} leads, {} rejected rows",
        args.db.display(),
        crate::format::thousands(counts.partners as i64),
        crate::format::thousands(counts.touches as i64),
        crate::format::thousands(counts.conversions as i64),
        crate::format::thousands(counts.leads as i64),
        crate::format::thousands(counts.rejects as i64),
    );
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn print_outcome(store: &Store, outcome: &ImportOutcome) -> Result<()> {
    println!("{}", outcome.summary());
    if let ImportOutcome::Imported(record) = outcome
        && record.rows_rejected > 0
    {
        let shown = store.rejects_of_import(record.import_id, 10)?;
        for reject in &shown {
            println!(
                "  line {}, column {}: {}",
                reject.line.map_or("?".to_owned(), |l| l.to_string()),
                reject.column.as_deref().unwrap_or("-"),
                reject.reason
            );
        }
        if record.rows_rejected as usize > shown.len() {
            println!(
                "  ... and {} more rejected rows (see the Data view)",
                record.rows_rejected as usize - shown.len()
            );
        }
    }
    Ok(())
}

/// Opens an existing database, with a hint when there is none.
pub(crate) fn open_existing(db: &std::path::Path) -> Result<Store> {
    if !db.exists() {
        anyhow::bail!(
            "no database at {}: import files first with `partner-attribution import --db {} FILE...`",
            db.display(),
            db.display()
        );
    }
    open(db)
}

fn sweep(args: SweepArgs) -> Result<ExitCode> {
    let store = open_existing(&args.db)?;
    let index = JourneyIndex::build(&store).context("building the journey index")?;
    let settings = args.toggles.settings(CookieWindow::Unlimited);
    let sweep = sweep_windows(&index, &settings);
    let windows: Vec<CookieWindow> = (1..=args.max_days)
        .map(CookieWindow::Days)
        .chain([CookieWindow::Unlimited])
        .collect();
    let text = match args.format {
        OutputFormat::Json => compare_output::sweep_json(&index, &sweep, &windows)?,
        _ => compare_output::sweep_csv(&index, &sweep, &windows),
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

fn compare(args: CompareArgs) -> Result<ExitCode> {
    let store = open_existing(&args.db)?;
    let started = Instant::now();
    let index = JourneyIndex::build(&store).context("building the journey index")?;
    let settings = args.settings.settings();
    let table = compute_credit(&index, &settings);
    let rows = table.rows(&index);
    let text = match args.format {
        OutputFormat::Csv => compare_output::csv(&rows),
        OutputFormat::Json => serde_json::to_string_pretty(&rows)? + "\n",
        OutputFormat::Table => compare_output::table(&index, &table, &settings, started.elapsed()),
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

fn bench(args: BenchArgs) -> Result<ExitCode> {
    let clicks = args.clicks.max(args.conversions.unwrap_or(0) * 10);
    let work_dir = args.work_dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("partner-attribution-bench-{}", std::process::id()))
    });
    std::fs::create_dir_all(&work_dir)
        .with_context(|| format!("creating {}", work_dir.display()))?;
    let spec = crate::bench::BenchSpec {
        clicks,
        seed: args.seed,
        recompute_runs: 21,
        database: args.db.clone(),
    };
    let result = crate::bench::run_bench(&spec, &work_dir, |line| eprintln!("{line}"));
    if args.work_dir.is_none() {
        let _ = std::fs::remove_dir_all(&work_dir);
    }
    let report = result.context("running the benchmark")?;
    match args.format {
        OutputFormat::Json => println!("{}", serde_json::to_string(&report)?),
        _ => print!("{}", report.table()),
    }
    Ok(if report.agree {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn sample(args: SampleArgs) -> Result<ExitCode> {
    let spec = SampleSpec {
        seed: args.seed,
        clicks: args.clicks,
    };
    let summary = write_sample(&args.out, &spec)
        .with_context(|| format!("writing the sample programme to {}", args.out.display()))?;
    println!(
        "wrote {} partners, {} clicks, {} conversions, {} leads to {}",
        summary.partners,
        summary.clicks,
        summary.conversions,
        summary.leads,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
