//! The warehouse job: the credit query written for the exported tables (`partners`, `clicks`,
//! `conversions`), the programme exported as Parquet partitioned by month, and the job run
//! over such Parquet files in an in-memory DuckDB.
//!
//! The exported schema is what a warehouse keeps: `clicks.click_seq` and
//! `conversions.conversion_seq` number the rows in import order, so that touches at the same
//! time rank as they do in the app.

use std::path::{Path, PathBuf};

use duckdb::Connection;

use super::credit_sql::{NotInSql, credit_query_body, query_credit_rows};
use super::dialect::SqlDialect;
use super::sql::string_literal;
use super::{QueryContext, Store, StoreError};
use crate::domain::{AttributionSettings, CreditModel, CreditRow, ModelParams};

/// The exported tables, in the order they are written.
pub const WAREHOUSE_TABLES: [&str; 3] = ["partners", "clicks", "conversions"];

/// The `touches` the credit query reads, from the exported `clicks`.
const TOUCHES_FROM_CLICKS: &str = "touches AS (
    SELECT click_seq AS touch_seq, touched_at, coalesce(partner_id, channel, '') AS source,
           partner_id, channel, click_id, cookie_id, user_id, browser, redirect_hops,
           landing_status
    FROM clicks)";

/// What the export writes of each table: the select, and the timestamp its month is cut from
/// (UTC), `None` for a table written whole.
const EXPORTS: [(&str, &str, Option<&str>); 3] = [
    (
        "partners",
        "SELECT partner_id, name, commission, commission_kind, commission_value, coupon_codes,
                import_id
         FROM partners ORDER BY partner_id",
        None,
    ),
    (
        "clicks",
        "SELECT touch_seq AS click_seq, import_id, line, touched_at, partner_id, channel,
                click_id, url, cookie_id, user_id, device_id, browser, redirect_hops,
                landing_status, utm, strftime(touched_at, '%Y-%m') AS month
         FROM touches ORDER BY touch_seq",
        Some("touched_at"),
    ),
    (
        "conversions",
        "SELECT conversion_seq, conversion_id, import_id, line, converted_at, revenue, currency,
                cookie_id, user_id, click_id, coupon_code, status,
                strftime(converted_at, '%Y-%m') AS month
         FROM conversions ORDER BY conversion_seq",
        Some("converted_at"),
    ),
];

/// A failure of the warehouse job's export or its DuckDB run.
#[derive(Debug, thiserror::Error)]
pub enum WarehouseError {
    /// A model the SQL job does not compute was asked for.
    #[error(transparent)]
    NotInSql(#[from] NotInSql),
    /// The export's folder for a table is there already, with files in it.
    #[error("the folder already holds an export; choose a new or empty folder ({})", .0.display())]
    NotEmpty(PathBuf),
    /// A folder of the export could not be made.
    #[error("cannot create the folder: {cause} ({})", dir.display())]
    Folder {
        /// The folder.
        dir: PathBuf,
        /// What the system said.
        cause: std::io::Error,
    },
    /// A table's folder is missing from the data folder.
    #[error(
        "no '{table}' folder of Parquet files in the data folder (write one with `warehouse \
         export`) ({})", dir.display()
    )]
    MissingTable {
        /// The table.
        table: &'static str,
        /// The data folder.
        dir: PathBuf,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The job's SQL text for `dialect` over the exported tables `partners`, `clicks` and
/// `conversions`: one row per source and model (`source, model, conversions, revenue,
/// payout`), ordered by source then `models`. Spark must run it with
/// `spark.sql.session.timeZone=UTC` when the timestamps are read as local times.
pub fn warehouse_sql(
    dialect: SqlDialect,
    settings: &AttributionSettings,
    params: &ModelParams,
    models: &[CreditModel],
) -> Result<String, NotInSql> {
    let body = credit_query_body(dialect, settings, params, models)?;
    Ok(format!(
        "{}WITH {TOUCHES_FROM_CLICKS},\n{body}\n",
        header(dialect, settings, params, models)
    ))
}

/// The comment lines the job starts with: what it computes under which settings, the tables
/// it reads and, for Spark, the time zone it needs. Fixed words and numbers only.
fn header(
    dialect: SqlDialect,
    settings: &AttributionSettings,
    params: &ModelParams,
    models: &[CreditModel],
) -> String {
    let names: Vec<&str> = models.iter().map(|m| m.key()).collect();
    let mut lines = vec![
        format!(
            "Partner Attribution: credit per source for {}, written for {}.",
            names.join(", "),
            dialect.key()
        ),
        format!(
            "Cookie window {} · reset after conversion {} · {}.",
            settings.window.label(),
            if settings.reset_after_conversion {
                "on"
            } else {
                "off"
            },
            if settings.partners_only {
                "partners only"
            } else {
                "all sources"
            },
        ),
        format!("Tracking: {}.", settings.tracking.describe()),
    ];
    if models.contains(&CreditModel::Position) {
        let [f, m, l] = params.position_weights_pct;
        let two = if params.position_two_touch_proportional {
            "F : L"
        } else {
            "F+M/2, L+M/2"
        };
        lines.push(format!(
            "Position: first {f}% · middle {m}% · last {l}% · two touches {two}."
        ));
    }
    if models.contains(&CreditModel::TimeDecay) {
        let steps = if params.time_decay_steps {
            ", in whole steps"
        } else {
            ""
        };
        lines.push(format!(
            "Time decay: half-life {} hours{steps}.",
            params.half_life_hours
        ));
    }
    lines.push(
        "Tables: partners, clicks, conversions, as `partner-attribution warehouse export` \
         writes them."
            .to_owned(),
    );
    if dialect == SqlDialect::Spark {
        lines
            .push("Run with the session time zone UTC: spark.sql.session.timeZone=UTC.".to_owned());
    }
    lines.iter().map(|line| format!("-- {line}\n")).collect()
}

/// Rows written per table by [`Store::export_parquet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExportCounts {
    /// Partners.
    pub partners: u64,
    /// Clicks (every touch).
    pub clicks: u64,
    /// Conversions.
    pub conversions: u64,
}

impl Store {
    /// Writes the programme's partners, clicks and conversions as Parquet under `out`
    /// (`out/partners/`, `out/clicks/month=YYYY-MM/`, `out/conversions/month=YYYY-MM/`, months
    /// in UTC). Refuses a table folder that already holds files.
    pub fn export_parquet(&self, out: &Path) -> Result<ExportCounts, WarehouseError> {
        let mut counts = [0u64; 3];
        for ((table, select, month_of), count) in EXPORTS.iter().zip(&mut counts) {
            let dir = out.join(table);
            if dir
                .read_dir()
                .is_ok_and(|mut entries| entries.next().is_some())
            {
                return Err(WarehouseError::NotEmpty(dir));
            }
            *count = self.copy_to_parquet(select, &dir, month_of.is_some())?;
        }
        let [partners, clicks, conversions] = counts;
        Ok(ExportCounts {
            partners,
            clicks,
            conversions,
        })
    }

    /// Copies the rows of `select` into Parquet under `dir`: partitioned by its `month`
    /// column when `by_month` and there are rows, else one file.
    fn copy_to_parquet(
        &self,
        select: &str,
        dir: &Path,
        by_month: bool,
    ) -> Result<u64, WarehouseError> {
        let doing = "exporting a table as Parquet";
        let rows: i64 = self
            .conn
            .query_row(&format!("SELECT count(*) FROM ({select})"), [], |r| {
                r.get(0)
            })
            .doing(doing)?;
        let sql = if by_month && rows > 0 {
            format!(
                "COPY ({select}) TO {} (FORMAT parquet, PARTITION_BY (month))",
                string_literal(&dir.to_string_lossy())
            )
        } else {
            std::fs::create_dir_all(dir).map_err(|cause| WarehouseError::Folder {
                dir: dir.to_path_buf(),
                cause,
            })?;
            format!(
                "COPY ({select}) TO {} (FORMAT parquet)",
                string_literal(&dir.join("data.parquet").to_string_lossy())
            )
        };
        self.conn.execute(&sql, []).doing(doing)?;
        Ok(rows as u64)
    }
}

/// Runs the job in an in-memory DuckDB over the Parquet files under `data` (as
/// [`Store::export_parquet`] writes them): credit rows ordered by source then `models`.
pub fn run_on_parquet(
    data: &Path,
    settings: &AttributionSettings,
    params: &ModelParams,
    models: &[CreditModel],
) -> Result<Vec<CreditRow>, WarehouseError> {
    let sql = warehouse_sql(SqlDialect::DuckDb, settings, params, models)?;
    let conn = Connection::open_in_memory().map_err(|cause| StoreError::Open {
        path: PathBuf::from(":memory:"),
        cause,
    })?;
    for table in WAREHOUSE_TABLES {
        let dir = data.join(table);
        if !dir.is_dir() {
            return Err(WarehouseError::MissingTable {
                table,
                dir: data.to_path_buf(),
            });
        }
        let files = string_literal(&dir.join("**").join("*.parquet").to_string_lossy());
        conn.execute(
            &format!(
                "CREATE VIEW {table} AS SELECT * FROM read_parquet({files}, hive_partitioning = true)"
            ),
            [],
        )
        .doing("reading the Parquet files")?;
    }
    Ok(query_credit_rows(&conn, &sql)?)
}
