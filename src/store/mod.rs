//! The programme database: the only place that holds SQL (with `import`).
//!
//! One DuckDB file per programme. The schema is created on open; reads that the layers above
//! need (row counts, import history, rejects, the rows the journey index is built from, the
//! SQL version of the models) are methods here.

mod credit_sql;
mod dialect;
mod evidence;
mod functions;
mod journey_rows;
mod open_paths;
pub mod paths;
mod payout_records;
mod presets;
mod records;
mod removal;
mod schema;
mod script;
pub mod sql;
mod warehouse;
mod warehouse_runs;

use std::path::{Path, PathBuf};

use duckdb::{Connection, params};

pub use credit_sql::{NotInSql, SQL_MODELS};
pub use dialect::SqlDialect;
pub use evidence::{ConversionDetail, RedirectRow, TouchDetail};
pub use journey_rows::{CandidateRow, ConversionRow, LEAD_MATCH_DAYS, SourceRow};
pub use open_paths::OpenTouchRow;
pub use payout_records::{
    LeadMatch, PaidLine, PayoutDetails, PayoutExportRow, SignoffLine, SignoffRecord,
    StatementHistory,
};
pub use presets::SavedPreset;
pub use records::{ConversionRecord, PartnerRecord, SavedScenario, TouchRecord};
pub use removal::{RemovalError, RemovedImport};
pub use schema::SCHEMA_VERSION;
pub use warehouse::{
    ExportCounts, WAREHOUSE_TABLES, WarehouseError, run_on_parquet, warehouse_sql,
};
pub use warehouse_runs::WarehouseRun;

/// A failure of the database itself (not of the user's input).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be opened or created.
    #[error("cannot open the database: {cause} ({})", path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// What DuckDB said.
        cause: duckdb::Error,
    },
    /// The database's folder does not exist; opening does not create folders, so a mistyped
    /// path is an error instead of a new folder tree.
    #[error("the folder of the database does not exist: {}", folder.display())]
    MissingFolder {
        /// The folder that is not there.
        folder: PathBuf,
    },
    /// The file was written by a newer version of the program, whose schema this build does
    /// not know; it is refused before anything is created, migrated or read in it.
    #[error(
        "cannot open the database: it was written by a newer version (schema {found}); \
         this build reads up to {supported} ({})",
        path.display()
    )]
    NewerSchema {
        /// The database file.
        path: PathBuf,
        /// The schema version the file records.
        found: i64,
        /// The newest schema version this build reads ([`SCHEMA_VERSION`]).
        supported: i64,
    },
    /// A query failed.
    #[error("database error while {doing}: {}", first_line(cause))]
    Query {
        /// What we were doing, in words.
        doing: &'static str,
        /// What DuckDB said.
        cause: duckdb::Error,
    },
}

/// DuckDB's messages run to several lines of context; the first says what went wrong.
fn first_line(error: &duckdb::Error) -> String {
    let text = error.to_string();
    text.lines().next().unwrap_or_default().trim().to_owned()
}

/// Shorthand for attaching what we were doing to a DuckDB error.
pub(crate) trait QueryContext<T> {
    /// Wraps the error with a description of the work.
    fn doing(self, doing: &'static str) -> Result<T, StoreError>;
}

impl<T> QueryContext<T> for Result<T, duckdb::Error> {
    fn doing(self, doing: &'static str) -> Result<T, StoreError> {
        self.map_err(|cause| StoreError::Query { doing, cause })
    }
}

/// Which part of an import the store is running, for a progress bar that moves once from
/// start to end (each part is one long query whose own fraction restarts at zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ImportPhase {
    /// Not importing, or between the long parts (checks, duplicate ids, bookkeeping).
    Other = 0,
    /// Reading, parsing and checking the file: DuckDB's fraction is of the file's bytes.
    ReadingFile = 1,
    /// Writing the accepted rows into the database.
    StoringRows = 2,
}

/// While alive, probes see its phase; dropped (the part done, or failed), they see
/// [`ImportPhase::Other`] again.
pub(crate) struct PhaseScope<'a>(&'a std::sync::atomic::AtomicU8);

impl Drop for PhaseScope<'_> {
    fn drop(&mut self) {
        self.0.store(
            ImportPhase::Other as u8,
            std::sync::atomic::Ordering::Relaxed,
        );
    }
}

/// Watches and interrupts the query running on a store's connection, from another thread.
#[derive(Clone)]
pub struct QueryProbe {
    progress: duckdb::ProgressHandle,
    interrupt: std::sync::Arc<duckdb::InterruptHandle>,
    phase: std::sync::Arc<std::sync::atomic::AtomicU8>,
    cancel_requested: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl std::fmt::Debug for QueryProbe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryProbe").finish_non_exhaustive()
    }
}

impl QueryProbe {
    /// Fraction done (0–1) of the running query, when DuckDB can estimate it.
    pub fn fraction(&self) -> Option<f64> {
        self.progress
            .query_progress()
            .percentage()
            .map(|p| (p / 100.0).clamp(0.0, 1.0))
    }

    /// Interrupts the running query; an import then fails and its transaction rolls back.
    /// An import between queries (reading the file's bytes itself) stops at the next step.
    pub fn cancel(&self) {
        self.cancel_requested
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.interrupt.interrupt();
    }

    /// The part of an import the store is running.
    pub fn phase(&self) -> ImportPhase {
        let phase = self.phase.load(std::sync::atomic::Ordering::Relaxed);
        [ImportPhase::ReadingFile, ImportPhase::StoringRows]
            .into_iter()
            .find(|p| *p as u8 == phase)
            .unwrap_or(ImportPhase::Other)
    }
}

/// An open programme database.
pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
    phase: std::sync::Arc<std::sync::atomic::AtomicU8>,
    cancel_requested: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// Rows per table, for the Data view and `import`'s summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableCounts {
    /// Partners registered.
    pub partners: u64,
    /// Touches (clicks and visits, event-log rows).
    pub touches: u64,
    /// Conversions, each id once.
    pub conversions: u64,
    /// Partner-reported leads.
    pub leads: u64,
    /// Rejected input rows, over all imports.
    pub rejects: u64,
    /// Files imported.
    pub imports: u64,
}

/// One imported file, as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRecord {
    /// Sequential id of the import.
    pub import_id: i64,
    /// The file's name (without folders).
    pub file_name: String,
    /// The full path it was read from.
    pub file_path: String,
    /// Its size in bytes.
    pub size_bytes: i64,
    /// Hex sha256 of its bytes; re-imports are detected by it.
    pub sha256: String,
    /// The kind it was imported as (`clicks`, `conversions`, ...).
    pub kind: String,
    /// Rows stored.
    pub rows_accepted: i64,
    /// Rows refused, each with a reason in the rejects table.
    pub rows_rejected: i64,
    /// When it was imported, UTC, `YYYY-MM-DD HH:MM:SS`.
    pub imported_at: String,
    /// The preset that read it (another platform's export, or a saved mapping).
    pub preset: Option<String>,
    /// Rows the preset left out as no record of their own (a Shopify order's further line
    /// items), neither stored nor rejected.
    pub rows_skipped: i64,
    /// What the preset counted in the stored rows (Post Affiliate Pro's tracking methods).
    pub note: Option<String>,
}

/// One rejected input row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectRecord {
    /// The import it belongs to.
    pub import_id: i64,
    /// The file's name.
    pub file_name: String,
    /// 1-based line in the file (the header is line 1), when known.
    pub line: Option<i64>,
    /// The column at fault, when one is.
    pub column: Option<String>,
    /// What was wrong and what was expected.
    pub reason: String,
}

/// DuckDB's buffers may take half the machine's memory (its default is 80%): the journey
/// index, the journeys that did not convert and the window live beside them. At 100 million
/// clicks the benchmark peaked at 23.4 GB of 24 with the default; DuckDB spills what does not
/// fit to disk.
const MEMORY_LIMIT: &str = "SET memory_limit = '50%';";

impl Store {
    /// Opens (creating if needed) the database file at `path`, in a folder that exists.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty())
            && !folder.is_dir()
        {
            return Err(StoreError::MissingFolder {
                folder: folder.to_path_buf(),
            });
        }
        let conn = Connection::open(path).map_err(|cause| StoreError::Open {
            path: path.to_path_buf(),
            cause,
        })?;
        Self::init(conn, Some(path.to_path_buf()))
    }

    /// Opens a throw-away in-memory database (tests, scratch work).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let conn = Connection::open_in_memory().map_err(|cause| StoreError::Open {
            path: PathBuf::from(":memory:"),
            cause,
        })?;
        Self::init(conn, None)
    }

    /// Deletes the touches of a click import that was never recorded (a cancel whose own
    /// clean-up was interrupted, or a killed run); done on open and before each import.
    pub fn discard_unfinished_imports(&self) -> Result<(), StoreError> {
        script::run_script(&self.conn, schema::DISCARD_UNFINISHED_IMPORTS)
            .doing("discarding an unfinished import")
    }

    /// Rolls back a transaction left open on this connection: one whose commit or own
    /// rollback a cancel interrupted would otherwise refuse every later query ("transaction
    /// is aborted"). Returns whether none is open afterwards.
    pub(crate) fn roll_back_open_transaction(&self) -> bool {
        if self.in_transaction() {
            let _ = self.conn.execute("ROLLBACK", []);
        }
        !self.in_transaction()
    }

    /// Makes sure the connection answers again after an import a cancel interrupted, and that
    /// no row of an unrecorded import is left: a transaction left aborted, or a late
    /// interrupt meant for the import, would refuse the next query or stop the import's own
    /// clean-up. Rolls back, asks `SELECT 1` and discards unfinished imports, up to twenty
    /// times a millisecond apart.
    pub(crate) fn settle_after_import(&self) {
        for _ in 0..20 {
            self.roll_back_open_transaction();
            let answers = self
                .conn
                .query_row("SELECT 1", [], |r| r.get::<_, i64>(0))
                .is_ok();
            if answers && self.discard_unfinished_imports().is_ok() && !self.in_transaction() {
                return;
            }
            let _ = self.conn.execute("ROLLBACK", []);
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    /// Whether a transaction is open on this connection (its writes not yet committed).
    pub fn in_transaction(&self) -> bool {
        !self.conn.is_autocommit()
    }

    /// A second connection to the same database, for reading on another thread while this
    /// one works (it sees what has been committed).
    pub fn second_connection(&self) -> Result<Store, StoreError> {
        Ok(Store {
            conn: self.conn.try_clone().doing("opening a second connection")?,
            path: self.path.clone(),
            phase: Default::default(),
            cancel_requested: Default::default(),
        })
    }

    fn init(conn: Connection, path: Option<PathBuf>) -> Result<Store, StoreError> {
        script::run_script(&conn, MEMORY_LIMIT).doing("limiting DuckDB's memory")?;
        refuse_newer_schema(&conn, path.as_deref())?;
        script::run_script(&conn, schema::CREATE_TABLES).doing("creating the schema")?;
        script::run_script(&conn, &schema::touches_table("touches"))
            .doing("creating the schema")?;
        script::run_script(&conn, schema::DROP_REJECT_COLUMNS)
            .doing("dropping the reject columns")?;
        script::run_script(&conn, schema::ADD_PRESET_COLUMNS)
            .doing("adding the imports' preset columns")?;
        script::run_script(&conn, schema::ADD_PAYOUT_DETAIL_COLUMNS)
            .doing("adding the partners' payout details")?;
        script::run_script(&conn, schema::ADD_SUBSCRIPTION_COLUMN)
            .doing("adding the conversions' subscription column")?;
        migrate_when(
            &conn,
            schema::HAS_UTM_COLUMNS,
            &schema::merge_utm_columns(),
            "merging the campaign columns",
        )?;
        migrate_when(
            &conn,
            schema::STORES_SOURCE,
            &schema::compute_source(),
            "computing touches' source instead of storing it",
        )?;
        script::run_script(&conn, &schema::create_views()).doing("creating the views")?;
        script::run_script(&conn, schema::DISCARD_UNFINISHED_IMPORTS)
            .doing("discarding an unfinished import")?;
        functions::register(&conn).doing("adding the importer's functions")?;
        let versions: i64 = conn
            .query_row("SELECT count(*) FROM schema_version", [], |r| r.get(0))
            .doing("reading the schema version")?;
        if versions == 0 {
            conn.execute(
                "INSERT INTO schema_version VALUES (?)",
                params![SCHEMA_VERSION],
            )
            .doing("recording the schema version")?;
        }
        script::run_script(&conn, schema::RECORD_SCHEMA_VERSION)
            .doing("recording the schema version")?;
        // Progress tracking lets the window show how far a long import is.
        let _ = conn.set_query_progress_tracking(true);
        Ok(Store {
            conn,
            path,
            phase: Default::default(),
            cancel_requested: Default::default(),
        })
    }

    /// A probe for the queries this store runs.
    pub fn query_probe(&self) -> QueryProbe {
        QueryProbe {
            progress: self.conn.progress_handle(),
            interrupt: self.conn.interrupt_handle(),
            phase: self.phase.clone(),
            cancel_requested: self.cancel_requested.clone(),
        }
    }

    /// Whether a probe asked to cancel since [`Store::clear_cancel_request`]; clears it.
    pub(crate) fn take_cancel_request(&self) -> bool {
        self.cancel_requested
            .swap(false, std::sync::atomic::Ordering::SeqCst)
    }

    /// Forgets a cancel asked for before the job now starting.
    pub(crate) fn clear_cancel_request(&self) {
        self.cancel_requested
            .store(false, std::sync::atomic::Ordering::SeqCst);
    }

    /// Tells probes that `phase` runs until the returned scope is dropped.
    pub(crate) fn import_phase(&self, phase: ImportPhase) -> PhaseScope<'_> {
        self.phase
            .store(phase as u8, std::sync::atomic::Ordering::Relaxed);
        PhaseScope(&self.phase)
    }

    /// The database file, or `None` for an in-memory database.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The connection, for the importer.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Rows per table.
    pub fn counts(&self) -> Result<TableCounts, StoreError> {
        let count = |table: &str| -> Result<u64, StoreError> {
            let n: i64 = self
                .conn
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                .doing("counting rows")?;
            Ok(n as u64)
        };
        Ok(TableCounts {
            partners: count("partners")?,
            touches: count("touches")?,
            conversions: count("conversions")?,
            leads: count("leads")?,
            rejects: count("rejects")?,
            imports: count("imports")?,
        })
    }

    /// Every import, newest first.
    pub fn import_history(&self) -> Result<Vec<ImportRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT import_id, file_name, file_path, size_bytes, sha256, kind, rows_accepted,
                        rows_rejected, strftime(imported_at, '%Y-%m-%d %H:%M:%S'), preset,
                        coalesce(rows_skipped, 0), note
                 FROM imports ORDER BY import_id DESC",
            )
            .doing("reading the import history")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(ImportRecord {
                    import_id: r.get(0)?,
                    file_name: r.get(1)?,
                    file_path: r.get(2)?,
                    size_bytes: r.get(3)?,
                    sha256: r.get(4)?,
                    kind: r.get(5)?,
                    rows_accepted: r.get(6)?,
                    rows_rejected: r.get(7)?,
                    imported_at: r.get(8)?,
                    preset: r.get(9)?,
                    rows_skipped: r.get(10)?,
                    note: r.get(11)?,
                })
            })
            .doing("reading the import history")?;
        rows.collect::<Result<_, _>>()
            .doing("reading the import history")
    }

    /// The first `limit` rejected rows, newest import first, in file order.
    pub fn rejects(&self, limit: usize) -> Result<Vec<RejectRecord>, StoreError> {
        self.rejects_where(None, limit)
    }

    /// The referral parameters that rejected rows of import `import_id` name as not read
    /// (`the url … uses via=, which is not one`), each with how many rows name it, most first.
    pub fn unread_ref_params(&self, import_id: i64) -> Result<Vec<(String, i64)>, StoreError> {
        let doing = "reading the rejects' referral parameters";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT lower(regexp_extract(reason, ' uses ([A-Za-z_]+)=, which is not one', 1)) AS param,
                        count(*)
                 FROM rejects WHERE import_id = ? AND reason LIKE '%=, which is not one%'
                 GROUP BY param HAVING param <> '' ORDER BY 2 DESC, 1",
            )
            .doing(doing)?;
        let rows = stmt
            .query_map(params![import_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .doing(doing)?;
        rows.collect::<Result<_, _>>().doing(doing)
    }

    /// The first `limit` rejected rows of one import, in file order.
    pub fn rejects_of_import(
        &self,
        import_id: i64,
        limit: usize,
    ) -> Result<Vec<RejectRecord>, StoreError> {
        self.rejects_where(Some(import_id), limit)
    }

    fn rejects_where(
        &self,
        import_id: Option<i64>,
        limit: usize,
    ) -> Result<Vec<RejectRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT import_id, file_name, line, column_name, reason FROM rejects
                 WHERE CAST(? AS BIGINT) IS NULL OR import_id = CAST(? AS BIGINT)
                 ORDER BY import_id DESC, line NULLS FIRST LIMIT CAST(? AS BIGINT)",
            )
            .doing("reading rejects")?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt
            .query_map(params![import_id, import_id, limit], |r| {
                Ok(RejectRecord {
                    import_id: r.get(0)?,
                    file_name: r.get(1)?,
                    line: r.get(2)?,
                    column: r.get(3)?,
                    reason: r.get(4)?,
                })
            })
            .doing("reading rejects")?;
        rows.collect::<Result<_, _>>().doing("reading rejects")
    }

    /// Times DuckDB's own `CREATE TABLE AS SELECT * FROM read_csv(file)` (the benchmark's
    /// yardstick for our import), then drops the table.
    pub fn time_plain_read_csv(&self, file: &Path) -> Result<std::time::Duration, StoreError> {
        let literal = sql::string_literal(&file.to_string_lossy());
        let started = std::time::Instant::now();
        self.conn
            .execute(
                &format!("CREATE TABLE plain_read AS SELECT * FROM read_csv({literal})"),
                [],
            )
            .doing("reading a CSV file with DuckDB alone")?;
        let took = started.elapsed();
        self.conn
            .execute("DROP TABLE plain_read", [])
            .doing("dropping the timing table")?;
        Ok(took)
    }

    /// Touches per campaign (`utm_campaign`, from the file's column or the link), most first.
    pub fn campaign_touches(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT utm_campaign, count(*) AS touches FROM touch_campaigns
                 WHERE utm_campaign IS NOT NULL GROUP BY utm_campaign
                 ORDER BY touches DESC, utm_campaign",
            )
            .doing("counting touches per campaign")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .doing("counting touches per campaign")?;
        rows.collect::<Result<_, _>>()
            .doing("counting touches per campaign")
    }

    /// A programme setting stored in the database (e.g. `time_zone`).
    pub fn programme_setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT value FROM programme_settings WHERE key = ?")
            .doing("reading a programme setting")?;
        let mut rows = stmt
            .query_map(params![key], |r| r.get::<_, String>(0))
            .doing("reading a programme setting")?;
        rows.next().transpose().doing("reading a programme setting")
    }

    /// Stores a programme setting, replacing any earlier value.
    pub fn set_programme_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM programme_settings WHERE key = ?", params![key])
            .doing("writing a programme setting")?;
        self.conn
            .execute(
                "INSERT INTO programme_settings VALUES (?, ?)",
                params![key, value],
            )
            .doing("writing a programme setting")?;
        Ok(())
    }
}

/// Refuses a database whose recorded schema is newer than [`SCHEMA_VERSION`], before any
/// table is created or migrated in it: a newer build's tables would be half-read or changed.
fn refuse_newer_schema(conn: &Connection, path: Option<&Path>) -> Result<(), StoreError> {
    let recorded: bool = conn
        .query_row(schema::HAS_SCHEMA_VERSION, [], |r| r.get(0))
        .doing("reading the schema version")?;
    if !recorded {
        return Ok(());
    }
    let found: Option<i64> = conn
        .query_row(schema::WRITTEN_SCHEMA_VERSION, [], |r| r.get(0))
        .doing("reading the schema version")?;
    match found {
        Some(found) if found > SCHEMA_VERSION => Err(StoreError::NewerSchema {
            path: path.map_or_else(|| PathBuf::from(":memory:"), Path::to_path_buf),
            found,
            supported: SCHEMA_VERSION,
        }),
        _ => Ok(()),
    }
}

/// Runs `migration` when `question` (a query of one boolean) answers true.
fn migrate_when(
    conn: &Connection,
    question: &str,
    migration: &str,
    doing: &'static str,
) -> Result<(), StoreError> {
    let needed: bool = conn
        .query_row(question, [], |r| r.get(0))
        .doing("reading the schema")?;
    if needed {
        script::run_script(conn, migration).doing(doing)?;
    }
    Ok(())
}
