//! Running the warehouse job on Apache Spark: `spark-submit` when it is on the PATH, else
//! `python3` with the pyspark package (local mode or any master URL). A small driver script
//! reads the Parquet folders as the tables `partners`, `clicks` and `conversions`, runs the
//! SQL text and writes the rows as JSON lines, which are read back here.
//!
//! The data folder and the master URL reach Spark as program arguments, never inside SQL.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::attribution::CreditRow;

/// The driver: `driver.py SQL_FILE DATA_DIR OUT_FILE MASTER`.
const DRIVER_PY: &str = r#"# Partner Attribution warehouse job driver (written by partner-attribution).
import json, os, sys
from pyspark.sql import SparkSession

sql_file, data_dir, out_file, master = sys.argv[1:5]
builder = (SparkSession.builder.appName("partner-attribution")
           .config("spark.sql.session.timeZone", "UTC")
           .config("spark.ui.enabled", "false"))
if master:
    builder = builder.master(master)
if master.startswith("local"):
    builder = builder.config("spark.sql.shuffle.partitions", "8")
spark = builder.getOrCreate()
spark.sparkContext.setLogLevel("ERROR")
for table in ("partners", "clicks", "conversions"):
    spark.read.parquet(os.path.join(data_dir, table)).createOrReplaceTempView(table)
with open(sql_file, encoding="utf-8") as f:
    rows = spark.sql(f.read()).collect()
with open(out_file, "w", encoding="utf-8") as out:
    for r in rows:
        out.write(json.dumps([r[0], r[1], float(r[2]), float(r[3]), float(r[4])]) + "\n")
spark.stop()
"#;

/// How Spark is started on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SparkLauncher {
    /// `spark-submit` from a Spark installation on the PATH.
    SparkSubmit(PathBuf),
    /// `python3` with the pyspark package importable.
    PySpark(PathBuf),
}

impl SparkLauncher {
    /// The launcher this machine has, or why there is none.
    pub(super) fn find() -> Result<SparkLauncher> {
        if let Some(submit) = on_path("spark-submit") {
            return Ok(SparkLauncher::SparkSubmit(submit));
        }
        let python = on_path("python3").context(
            "Spark was not found: neither spark-submit nor python3 is on the PATH \
             (install Spark, or `pip install pyspark` and a Java runtime)",
        )?;
        let has_pyspark = Command::new(&python)
            .args(["-c", "import pyspark"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !has_pyspark {
            bail!(
                "Spark was not found: no spark-submit on the PATH and python3 cannot import \
                 pyspark (`pip install pyspark`, with a Java runtime)"
            );
        }
        Ok(SparkLauncher::PySpark(python))
    }

    /// What the launcher is, for the table's footer.
    pub(super) fn describe(&self) -> String {
        match self {
            SparkLauncher::SparkSubmit(path) => format!("spark-submit ({})", path.display()),
            SparkLauncher::PySpark(path) => format!("pyspark ({})", path.display()),
        }
    }
}

/// Runs `sql` on Spark at `master` over the Parquet folders under `data`.
pub(super) fn run_on_spark(
    launcher: &SparkLauncher,
    master: &str,
    sql: &str,
    data: &Path,
) -> Result<Vec<CreditRow>> {
    let work = tempfile_dir()?;
    let (driver, sql_file, out_file) = (
        work.path.join("driver.py"),
        work.path.join("job.sql"),
        work.path.join("rows.jsonl"),
    );
    std::fs::write(&driver, DRIVER_PY).context("writing the Spark driver")?;
    std::fs::write(&sql_file, sql).context("writing the job's SQL")?;
    // A URL (hdfs://, s3a://, gs://) is Spark's to read; a local folder is made absolute,
    // since the driver runs in another folder.
    let data = if data.to_string_lossy().contains("://") {
        data.to_path_buf()
    } else {
        std::path::absolute(data).context("resolving the data folder")?
    };
    let mut command = match launcher {
        SparkLauncher::SparkSubmit(submit) => {
            let mut c = Command::new(submit);
            c.args(["--master", master]).arg(&driver);
            c
        }
        SparkLauncher::PySpark(python) => {
            let mut c = Command::new(python);
            c.arg(&driver);
            c
        }
    };
    command
        .arg(&sql_file)
        .arg(&data)
        .arg(&out_file)
        .arg(master)
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    let output = command
        .output()
        .with_context(|| format!("starting {}", launcher.describe()))?;
    if !output.status.success() {
        bail!(
            "the Spark job failed ({}):\n{}",
            output.status,
            last_lines(&String::from_utf8_lossy(&output.stderr), 30)
        );
    }
    let text = std::fs::read_to_string(&out_file).context("reading the Spark job's rows")?;
    text.lines().map(parse_row).collect()
}

/// One `[source, model, conversions, revenue, payout]` line of the driver's output.
fn parse_row(line: &str) -> Result<CreditRow> {
    let (source, model, conversions, revenue, payout): (String, String, f64, f64, f64) =
        serde_json::from_str(line).with_context(|| format!("reading Spark's row {line}"))?;
    Ok(CreditRow {
        source,
        model,
        conversions,
        revenue,
        payout,
    })
}

/// The last `n` lines of `text` (Spark's stack traces run long).
fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// `program` found on the PATH.
fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// A fresh folder under the system's temporary folder, removed when dropped.
struct WorkDir {
    path: PathBuf,
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Makes a [`WorkDir`] named after this process and the time.
fn tempfile_dir() -> Result<WorkDir> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let path = std::env::temp_dir().join(format!(
        "partner-attribution-spark-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir(&path).with_context(|| format!("creating {}", path.display()))?;
    Ok(WorkDir { path })
}
