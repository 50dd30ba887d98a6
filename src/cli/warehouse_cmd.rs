//! `warehouse`: the attribution rules as a job where the data lives. `sql` prints the job's
//! SQL text for Spark or DuckDB, `export` writes the programme as Parquet partitioned by
//! month, and `run` runs the job over such Parquet files in DuckDB or on Spark, printing the
//! same CSV as `compare`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::ValueEnum;

use super::args::{ModelList, ModelParamArgs, OutputFormat, SettingsArgs};
use super::db::open_existing;
use super::out::{credit_csv, json_text, print_text};
use super::spark::{SparkLauncher, run_on_spark};
use crate::attribution::CreditRow;
use crate::domain::format::{conversions, money, thousands};
use crate::store::{SqlDialect, WarehouseRun, run_on_parquet, warehouse_sql};

/// Arguments of `warehouse`.
#[derive(Debug, clap::Args)]
pub struct WarehouseArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: WarehouseAction,
}

/// What `warehouse` does.
#[derive(Debug, clap::Subcommand)]
pub enum WarehouseAction {
    /// Print the job's SQL for the settings: credit per source and model over the tables
    /// partners, clicks and conversions that `warehouse export` writes.
    Sql(WarehouseSqlArgs),
    /// Write the programme's partners, clicks and conversions as Parquet, partitioned by month
    /// (UTC), with click_seq / conversion_seq keeping ties in import order.
    Export(WarehouseExportArgs),
    /// Run the job over exported Parquet files, in DuckDB or on Spark, and print the credit
    /// as `compare` does.
    Run(WarehouseRunArgs),
}

/// The engine a job is written for or run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    /// Apache Spark SQL.
    Spark,
    /// DuckDB.
    Duckdb,
}

impl Engine {
    fn dialect(self) -> SqlDialect {
        match self {
            Engine::Spark => SqlDialect::Spark,
            Engine::Duckdb => SqlDialect::DuckDb,
        }
    }
}

/// The settings and models of a job, as `compare` takes them.
#[derive(Debug, clap::Args)]
pub struct JobArgs {
    #[command(flatten)]
    pub settings: SettingsArgs,
    /// The models, in this order: any of first, last, linear, position, time_decay
    /// (comma-separated; the others run only in the app).
    #[arg(long, value_name = "LIST", default_value = "first,last,linear",
          value_parser = ModelList::parse)]
    pub models: ModelList,
    #[command(flatten)]
    pub params: ModelParamArgs,
}

impl JobArgs {
    /// The settings and models as people read them: `window 30 days, reset after conversion,
    /// partners only; cookie only; models first, last, linear`.
    fn describe(&self) -> String {
        let settings = self.settings.settings();
        let mut parts = vec![format!("window {}", settings.window.label())];
        if settings.reset_after_conversion {
            parts.push("reset after conversion".to_owned());
        }
        if settings.partners_only {
            parts.push("partners only".to_owned());
        }
        let models: Vec<&str> = self.models.0.iter().map(|m| m.key()).collect();
        format!(
            "{}; {}; models {}",
            parts.join(", "),
            settings.tracking.describe(),
            models.join(", ")
        )
    }

    /// The job's SQL text for `engine`.
    fn sql(&self, engine: Engine) -> Result<String> {
        Ok(warehouse_sql(
            engine.dialect(),
            &self.settings.settings(),
            &self.params.params(),
            &self.models.0,
        )?)
    }
}

/// Arguments of `warehouse sql`.
#[derive(Debug, clap::Args)]
pub struct WarehouseSqlArgs {
    /// The SQL dialect.
    #[arg(long, value_enum, default_value_t = Engine::Spark)]
    pub engine: Engine,
    #[command(flatten)]
    pub job: JobArgs,
}

/// Arguments of `warehouse export`.
#[derive(Debug, clap::Args)]
pub struct WarehouseExportArgs {
    /// The programme database.
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// The folder to write partners/, clicks/ and conversions/ into (created if missing; the
    /// three folders must not hold files yet).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Arguments of `warehouse run`.
#[derive(Debug, clap::Args)]
pub struct WarehouseRunArgs {
    /// Where the job runs.
    #[arg(long, value_enum, default_value_t = Engine::Duckdb)]
    pub engine: Engine,
    /// The folder `warehouse export` wrote (partners/, clicks/, conversions/); on Spark also
    /// a URL its cluster reads (hdfs://…, s3a://…, gs://…).
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// Spark's master URL (local[*], yarn, spark://host:7077, k8s://…).
    #[arg(long, value_name = "URL", default_value = "local[*]")]
    pub master: String,
    #[command(flatten)]
    pub job: JobArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Also store the results in this programme database, where the window's Compare view
    /// shows them beside its own, marked with where, when and under which settings they ran.
    #[arg(long, value_name = "FILE")]
    pub into: Option<PathBuf>,
}

/// Runs `warehouse`.
pub(super) fn warehouse_command(args: WarehouseArgs) -> Result<ExitCode> {
    match args.action {
        WarehouseAction::Sql(args) => print_text(&args.job.sql(args.engine)?),
        WarehouseAction::Export(args) => export(&args),
        WarehouseAction::Run(args) => run(&args),
    }
}

/// `warehouse export`.
fn export(args: &WarehouseExportArgs) -> Result<ExitCode> {
    let store = open_existing(&args.db)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let counts = store
        .export_parquet(&args.out)
        .with_context(|| format!("exporting {}", args.db.display()))?;
    print_text(&format!(
        "Wrote {} partners, {} clicks and {} conversions as Parquet under {}\n",
        thousands(counts.partners as i64),
        thousands(counts.clicks as i64),
        thousands(counts.conversions as i64),
        args.out.display()
    ))
}

/// `warehouse run`.
fn run(args: &WarehouseRunArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let (rows, ran_on) = match args.engine {
        Engine::Duckdb => {
            let rows = run_on_parquet(
                &args.data,
                &args.job.settings.settings(),
                &args.job.params.params(),
                &args.job.models.0,
            )?;
            (rows, "DuckDB (in memory)".to_owned())
        }
        Engine::Spark => {
            let sql = args.job.sql(Engine::Spark)?;
            let launcher = SparkLauncher::find()?;
            let rows = run_on_spark(&launcher, &args.master, &sql, &args.data)?;
            let ran_on = format!("Spark {} via {}", args.master, launcher.describe());
            (rows, ran_on)
        }
    };
    if let Some(into) = &args.into {
        let run = WarehouseRun {
            run_id: 0,
            ran_on: ran_on.clone(),
            settings: args.job.describe(),
            seconds: started.elapsed().as_secs_f64(),
            computed_at: String::new(),
            rows: rows.clone(),
        };
        let id = open_existing(into)?
            .record_warehouse_run(&run)
            .with_context(|| format!("storing the results in {}", into.display()))?;
        eprintln!("stored as warehouse run #{id} in {}", into.display());
    }
    let text = match args.format {
        OutputFormat::Csv => credit_csv(&rows),
        OutputFormat::Json => json_text(&rows)?,
        OutputFormat::Table => table(&rows, &ran_on, started.elapsed().as_millis()),
    };
    print_text(&text)
}

/// An aligned table: one line per source and model, and where and how fast it ran.
fn table(rows: &[CreditRow], ran_on: &str, millis: u128) -> String {
    let mut out = format!(
        "{:<22} {:<11} {:>9} {:>15} {:>13}\n",
        "Source", "Model", "Conv.", "Revenue", "Payout"
    );
    for row in rows {
        let source: String = row.source.chars().take(21).collect();
        let _ = writeln!(
            out,
            "{source:<22} {:<11} {:>9} {:>15} {:>13}",
            row.model,
            conversions(row.conversions),
            money(row.revenue),
            money(row.payout)
        );
    }
    let _ = writeln!(out, "\nComputed on {ran_on} in {millis} ms.");
    out
}
