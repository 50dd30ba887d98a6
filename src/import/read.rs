//! What every kind of file shares between staging and storing: the read of its rows (parsed,
//! timed in the programme's zone, checked), its checksum, cancellation, and the import's
//! record. `load` stores partners, conversions and leads with these; `clicks` stores clicks.

use duckdb::{Connection, params};

use super::dialect::FileFormat;
use super::kinds::FileKind;
use super::lines::{self, LineScan};
use super::rules::KindRules;
use super::stage::{self, ReaderLink};
use super::{FileFacts, ImportError};
use crate::domain::ProgrammeTimeZone;
use crate::store::sql::string_literal;
use crate::store::{ImportPhase, ImportRecord, QueryContext, Store, StoreError};

/// The file's name, size and checksum: known before staging, or still being read beside
/// DuckDB's read of the file.
pub(super) enum Checksum {
    /// Read before staging (an earlier import had the same size, and another checksum).
    Known(FileFacts),
    /// Being read; `history` to tell whether the file was imported before.
    Reading {
        thread: std::thread::JoinHandle<Result<FileFacts, ImportError>>,
        history: Vec<ImportRecord>,
    },
}

impl Checksum {
    /// The facts, or the earlier import of the same bytes. A file still being written could
    /// have grown into an earlier import since its size was read: the checksum decides.
    pub fn wait(self) -> Result<Result<FileFacts, ImportRecord>, ImportError> {
        match self {
            Checksum::Known(facts) => Ok(Ok(facts)),
            Checksum::Reading { thread, history } => {
                let facts = thread.join().expect("the checksum thread")?;
                Ok(match previous_import(&history, &facts.sha256) {
                    Some(previous) => Err(previous),
                    None => Ok(facts),
                })
            }
        }
    }
}

/// Stops before the next query when a cancel came while no query ran (DuckDB forgets an
/// interrupt that finds nothing to stop).
pub(super) fn stop_if_cancel_requested(
    store: &Store,
    file: &std::path::Path,
) -> Result<(), ImportError> {
    if store.take_cancel_request() {
        return Err(ImportError::Cancelled {
            file: file.to_path_buf(),
        });
    }
    Ok(())
}

pub(super) fn previous_import(history: &[ImportRecord], sha256: &str) -> Option<ImportRecord> {
    history.iter().find(|r| r.sha256 == sha256).cloned()
}

/// How the file's rows are read: the file, its format (for line numbers) and the
/// programme's zone.
#[derive(Clone, Copy)]
pub(super) struct ReadSpec<'a> {
    /// The file.
    pub path: &'a std::path::Path,
    /// Its format.
    pub format: FileFormat,
    /// The programme's time zone, for naive timestamps.
    pub time_zone: ProgrammeTimeZone,
    /// Where records do not fall one to a line.
    pub lines: &'a LineScan,
    /// The name DuckDB reads the file by (kept out of messages).
    pub reader: &'a ReaderLink,
}

impl ReadSpec<'_> {
    /// A database failure while importing this file.
    pub fn store_error(&self) -> impl Fn(StoreError) -> ImportError + '_ {
        |error| ImportError::Store {
            error: Box::new(error),
            file: self.path.to_path_buf(),
        }
    }

    /// Runs `sql` (one statement), the import's read of the file, and returns the rows it
    /// wrote: the store's phase says "reading" while it runs, and a failure is the file's
    /// (`Unreadable`).
    pub fn reading(&self, store: &Store, sql: &str) -> Result<usize, ImportError> {
        let _reading = store.import_phase(ImportPhase::ReadingFile);
        store
            .conn()
            .execute(sql, [])
            .map_err(|e| ImportError::Unreadable {
                detail: self
                    .reader
                    .scrub(&stage::first_line(&e.to_string()), self.path),
                file: self.path.to_path_buf(),
            })
    }
}

/// The file's rows as a query: parsed, with the kind's timestamp resolved to UTC.
pub(super) struct ParsedRows {
    /// `SELECT` of the parsed rows, each with `pa_line` (NULL until numbered).
    pub timed: String,
    /// Whether `pa_line` is already set: a zone's offsets are joined, which does not keep
    /// the rows' order, so the parsed rows are then kept and numbered first.
    pub lines_known: bool,
}

/// Exposes the parsed rows of `pa_source` (view `pa_parsed`); when the time zone needs a
/// join, reads and numbers them first (`pa_parsed_rows`).
pub(super) fn parsed_rows(
    store: &Store,
    rules: &KindRules,
    read: ReadSpec,
) -> Result<ParsedRows, ImportError> {
    let conn = store.conn();
    let mut parsed = rules.parsed.clone();
    parsed.push("NULL::BIGINT AS pa_line".to_owned());
    conn.execute(
        &format!(
            "CREATE OR REPLACE TEMP VIEW pa_parsed AS SELECT {} FROM pa_source",
            parsed.join(",\n")
        ),
        [],
    )
    .doing("parsing the file's rows")
    .map_err(read.store_error())?;
    let lines_known = !rules.time_column.is_empty() && offsets_are_joined(read.time_zone);
    let from = if lines_known {
        read.reading(
            store,
            "CREATE OR REPLACE TEMP TABLE pa_parsed_rows AS SELECT * FROM pa_parsed",
        )?;
        lines::number_read_rows(conn, "pa_parsed_rows", read.format, read.lines)
            .doing("numbering lines")
            .map_err(read.store_error())?;
        "pa_parsed_rows"
    } else {
        "pa_parsed"
    };
    let timed = timed_rows_sql(conn, rules.time_column, read.time_zone, from)
        .map_err(read.store_error())?;
    Ok(ParsedRows { timed, lines_known })
}

/// The rows of `timed` with the first failing check's column (our name for it; the
/// file's name is put in when the rejects are stored, see `rejects::ColumnNames`) and reason.
pub(super) fn checked_rows_sql(rules: &KindRules, timed: &str) -> String {
    let column_cases: Vec<String> = rules
        .checks
        .iter()
        .map(|c| format!("WHEN {} THEN {}", c.failed_when, string_literal(c.column)))
        .collect();
    let reason_cases: Vec<String> = rules
        .checks
        .iter()
        .map(|c| format!("WHEN {} THEN {}", c.failed_when, c.reason))
        .collect();
    format!(
        "SELECT *, CASE {} END AS reject_column, CASE {} END AS reject_reason FROM ({timed})",
        column_cases.join(" "),
        reason_cases.join(" ")
    )
}

/// Whether naive timestamps in `zone` take their offset from a join with the zone's offset
/// runs (a named zone other than UTC) rather than from one constant.
fn offsets_are_joined(zone: ProgrammeTimeZone) -> bool {
    !matches!(
        zone,
        ProgrammeTimeZone::Fixed(_) | ProgrammeTimeZone::Named(chrono_tz::Tz::UTC)
    )
}

/// The rows of `from` (the parsed rows) with the kind's timestamp resolved to UTC.
fn timed_rows_sql(
    conn: &Connection,
    time_column: &str,
    time_zone: ProgrammeTimeZone,
    from: &str,
) -> Result<String, StoreError> {
    if time_column.is_empty() {
        return Ok(format!("SELECT * FROM {from}"));
    }
    let (offset, join) = if offsets_are_joined(time_zone) {
        load_offset_runs(conn, time_zone)?;
        (
            "coalesce(z.offset_secs, 0)".to_owned(),
            format!("ASOF LEFT JOIN pa_tz z ON p.{time_column}_local >= z.local_start"),
        )
    } else {
        let secs = match time_zone {
            ProgrammeTimeZone::Fixed(secs) => secs,
            _ => 0,
        };
        (secs.to_string(), String::new())
    };
    Ok(format!(
        "SELECT p.*, coalesce(p.{time_column}_utc_given, p.{time_column}_local - to_seconds({offset}))
             AS {time_column}
         FROM {from} p {join}"
    ))
}

/// Writes the programme zone's offsets over the span of the file's naive timestamps.
fn load_offset_runs(conn: &Connection, zone: ProgrammeTimeZone) -> Result<(), StoreError> {
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE pa_tz (local_start TIMESTAMP, offset_secs BIGINT)",
        [],
    )
    .doing("preparing time-zone offsets")?;
    let mut stmt = conn
        .prepare("INSERT INTO pa_tz VALUES (make_timestamp(CAST(? AS BIGINT)), CAST(? AS BIGINT))")
        .doing("writing time-zone offsets")?;
    for (start, offset) in zone.all_offset_runs() {
        let micros = start.and_utc().timestamp_micros();
        stmt.execute(params![micros, i64::from(offset)])
            .doing("writing time-zone offsets")?;
    }
    Ok(())
}

/// The next import's number: above every recorded import and above the touches of one a
/// cancel could not delete.
pub(super) const NEXT_IMPORT_ID: &str = "SELECT greatest(
    (SELECT coalesce(max(import_id), 0) FROM imports),
    (SELECT coalesce(max(import_id), 0) FROM touches)) + 1";

/// What an import tells besides its counts: the preset that read the file, the rows the
/// preset left out, and a note (the preset's count of the stored rows).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ImportNotes {
    /// The preset's name.
    pub preset: Option<String>,
    /// Rows the preset left out (not rejected).
    pub rows_skipped: i64,
    /// The preset's note.
    pub note: Option<String>,
}

/// Writes the import's record, numbered `import_id`, with its `(accepted, rejected)` counts
/// and notes.
pub(super) fn record_import(
    conn: &Connection,
    import_id: i64,
    kind: FileKind,
    path: &std::path::Path,
    facts: &FileFacts,
    (accepted, rejected): (i64, i64),
    notes: &ImportNotes,
) -> Result<ImportRecord, StoreError> {
    let imported_at = chrono::Utc::now().format("%Y-%m-%d %H:%M:%S").to_string();
    let record = ImportRecord {
        import_id,
        file_name: facts.name.clone(),
        file_path: path.to_string_lossy().into_owned(),
        size_bytes: facts.size_bytes,
        sha256: facts.sha256.clone(),
        kind: kind.key().to_owned(),
        rows_accepted: accepted,
        rows_rejected: rejected,
        imported_at,
        preset: notes.preset.clone(),
        rows_skipped: notes.rows_skipped,
        note: notes.note.clone(),
    };
    conn.execute(
        "INSERT INTO imports (import_id, file_name, file_path, size_bytes, sha256, kind,
                              rows_accepted, rows_rejected, imported_at, preset, rows_skipped,
                              note)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS TIMESTAMP), ?, ?, ?)",
        params![
            record.import_id,
            record.file_name,
            record.file_path,
            record.size_bytes,
            record.sha256,
            record.kind,
            record.rows_accepted,
            record.rows_rejected,
            record.imported_at,
            record.preset,
            record.rows_skipped,
            record.note
        ],
    )
    .doing("recording the import")?;
    Ok(record)
}
