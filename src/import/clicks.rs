//! Click files, the big ones, stored in one pass. DuckDB reads, parses and checks the rows
//! straight into `touches` (copying them through a checked temp table had doubled the time of
//! a 10M-row file); a second transaction then numbers their lines, marks duplicate click ids,
//! moves the rejected rows to `rejects` and records the import.
//!
//! Until then a rejected row is parked in `touches` under the negated import id, the column
//! its reason names in `channel` and the reason in `url` (its other values are placeholders):
//! two columns of reasons, empty on all but a few rows, had cost a tenth of the import to
//! write.
//!
//! The rows are written before the second transaction because DuckDB rewrites every column
//! of rows it wrote in the same transaction when they are updated: numbering them there cost
//! as much as the copy it replaces. Until the import is recorded its rows are not part of the
//! programme: a failure or a cancel deletes them here, and rows a killed run left behind
//! (their import id is above every recorded one) are deleted when the database next opens.

use duckdb::{Connection, Transaction, params};

use super::lines;
use super::read::{self, Checksum, ReadSpec};
use super::rejects::{self, CheckedRows, ColumnNames};
use super::rules::KindRules;
use super::stage;
use super::{FileKind, ImportError, ImportOutcome};
use crate::store::{ImportPhase, QueryContext, Store, StoreError};

/// A click file ready to be read: its rules, its columns and how it is read.
pub(super) struct ClickFile<'a> {
    /// The parsing and checks.
    pub rules: &'a KindRules,
    /// The file, its format and the programme's zone.
    pub read: ReadSpec<'a>,
    /// The file's names for the columns of its rejects (the header's length is in the
    /// reasons of rows that do not split like it).
    pub names: ColumnNames<'a>,
    /// What the import record tells besides its counts (the preset that read the file).
    pub notes: read::ImportNotes,
}

/// Reads the click file into `touches` and finishes the import; returns the earlier import
/// when the checksum finds the same bytes imported before (nothing is then kept).
pub(super) fn store(
    store: &Store,
    file: &ClickFile,
    checksum: Checksum,
) -> Result<ImportOutcome, ImportError> {
    let read = file.read;
    let (import_id, touch_base) = next_ids(store.conn()).map_err(read.store_error())?;
    let pending = PendingTouches {
        store,
        import_id,
        accepted: format!("touches.import_id = {import_id}"),
        reject: format!(
            "import_id = {}, channel = {{column}}, url = {{reason}}",
            -import_id
        ),
        kept: false,
    };
    let written = write_rows(store, file, &pending, touch_base)?;
    let facts = match checksum.wait()? {
        Ok(facts) => facts,
        Err(previous) => return Ok(ImportOutcome::AlreadyImported(previous)),
    };
    // A cancel pressed during the wait found no query to stop.
    read::stop_if_cancel_requested(store, read.path)?;
    let finish = Finish {
        file,
        facts: &facts,
        import_id,
        touch_base,
        written,
    };
    let record = {
        let _storing = store.import_phase(ImportPhase::StoringRows);
        finish
            .run(store.conn(), &pending)
            .map_err(read.store_error())?
    };
    pending.keep();
    Ok(ImportOutcome::Imported(record))
}

/// What the file's one read wrote.
struct Written {
    /// Rows, accepted and parked.
    rows: usize,
    /// Whether they already carry their lines.
    lines_known: bool,
}

/// The file's one read: every row into `touches` as `pending`'s, then the lines DuckDB could
/// not split recorded (a file none of whose rows split like its header is refused).
fn write_rows(
    store: &Store,
    file: &ClickFile,
    pending: &PendingTouches,
    touch_base: i64,
) -> Result<Written, ImportError> {
    let (read, conn) = (file.read, store.conn());
    let parsed = read::parsed_rows(store, file.rules, read)?;
    let checked = read::checked_rows_sql(file.rules, &parsed.timed);
    let rows = read.reading(store, &insert_sql(pending.import_id, touch_base, &checked))?;
    if !parsed.lines_known {
        lines::record_structural_rejects(conn, read.format, read.lines)
            .doing("reading rejected lines")
            .map_err(read.store_error())?;
    }
    let all_rows = format!("touches WHERE {}", pending.all_rows());
    let header_columns = file.names.header.len();
    stage::check_rows_match_header(conn, &all_rows, read.path, header_columns)?;
    Ok(Written {
        rows,
        lines_known: parsed.lines_known,
    })
}

/// The import's number and the first free touch number.
fn next_ids(conn: &Connection) -> Result<(i64, i64), StoreError> {
    conn.query_row(
        &format!(
            "SELECT ({}), (SELECT coalesce(max(touch_seq), 0) FROM touches)",
            read::NEXT_IMPORT_ID
        ),
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .doing("numbering the import")
}

/// Every row of the file into `touches`, rejected ones parked (see the module's notes);
/// lines and touch numbers are set afterwards unless the parsed rows already carry them.
/// Rejected rows get placeholders where `touches` needs a value; they are moved out before
/// the import is recorded.
fn insert_sql(import_id: i64, touch_base: i64, checked: &str) -> String {
    format!(
        "INSERT INTO touches (touch_seq, import_id, line, touched_at, partner_id, channel,
                              click_id, url, cookie_id, user_id, device_id, browser,
                              redirect_hops, landing_status, utm)
         SELECT coalesce({touch_base} + pa_line, 0),
                CASE WHEN reject_reason IS NULL THEN {import_id} ELSE {parked} END,
                coalesce(pa_line, 0), coalesce(clicked_at, TIMESTAMP '1970-01-01'),
                partner_id,
                CASE WHEN reject_reason IS NULL THEN raw_channel ELSE reject_column END,
                raw_click_id, CASE WHEN reject_reason IS NULL THEN raw_url ELSE reject_reason END,
                raw_cookie_id, raw_user_id, raw_device_id, raw_browser, redirect_hops, landing_status, utm
         FROM ({checked})",
        parked = -import_id
    )
}

/// The touches of an import not yet recorded, the accepted and the parked rejected ones:
/// deleted when dropped unless kept.
struct PendingTouches<'a> {
    store: &'a Store,
    import_id: i64,
    /// `touches.import_id = …`.
    accepted: String,
    /// The `SET` list parking a rejected row.
    reject: String,
    kept: bool,
}

impl PendingTouches<'_> {
    /// The rows, as checked rows of `touches`.
    fn rows(&self) -> CheckedRows<'_> {
        CheckedRows {
            table: "touches",
            line: "line",
            accepted: &self.accepted,
            reject: &self.reject,
        }
    }

    /// A condition on `touches` matching every row of the file, accepted or parked.
    fn all_rows(&self) -> String {
        format!("touches.import_id IN ({0}, -{0})", self.import_id)
    }

    /// A condition on `touches` matching the parked rejected rows.
    fn parked(&self) -> String {
        format!("touches.import_id = -{}", self.import_id)
    }

    /// The import was recorded: its touches stay.
    fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for PendingTouches<'_> {
    fn drop(&mut self) {
        if self.kept {
            return;
        }
        // A second cancel may interrupt the finish's rollback or the delete itself: both are
        // tried again. Should they still fail, the next import is numbered above these rows
        // and the next open deletes them.
        for _ in 0..3 {
            if !self.store.roll_back_open_transaction() {
                continue;
            }
            let deleted = self.store.conn().execute(
                "DELETE FROM touches WHERE import_id IN (?, -?)",
                params![self.import_id, self.import_id],
            );
            if deleted.is_ok() {
                break;
            }
        }
    }
}

/// The second transaction of a click import.
struct Finish<'a> {
    file: &'a ClickFile<'a>,
    facts: &'a super::FileFacts,
    import_id: i64,
    touch_base: i64,
    /// What the file's read wrote.
    written: Written,
}

impl Finish<'_> {
    /// Numbers the rows, marks duplicate click ids, moves rejected rows to `rejects` and
    /// records the import, in one transaction.
    fn run(
        &self,
        conn: &Connection,
        pending: &PendingTouches,
    ) -> Result<super::ImportRecord, StoreError> {
        let tx = Transaction::new_unchecked(conn).doing("starting the import transaction")?;
        if !self.written.lines_known {
            let set = format!(
                "line = {{line}}, touch_seq = {} + {{line}}",
                self.touch_base
            );
            let rows = lines::LineRows {
                table: "touches",
                line: "line",
                filter: &pending.all_rows(),
                set: &set,
            };
            let read = self.file.read;
            lines::number_lines(conn, &rows, read.format, read.lines).doing("numbering lines")?;
        }
        let rows = pending.rows();
        self.mark_duplicates(conn, &rows)?;
        let parked = pending.parked();
        let rejected_rows = format!("line, channel, url FROM touches WHERE {parked}");
        rejects::insert_rejects(
            conn,
            self.import_id,
            &self.facts.name,
            &self.file.names,
            &rejected_rows,
        )?;
        let rejected = conn
            .execute(&format!("DELETE FROM touches WHERE {parked}"), [])
            .doing("moving rejected rows")?;
        let counts = self.counts(conn, rejected)?;
        let record = read::record_import(
            conn,
            self.import_id,
            FileKind::Clicks,
            self.file.read.path,
            self.facts,
            counts,
            &self.file.notes,
        )?;
        tx.commit().doing("committing the import")?;
        Ok(record)
    }

    /// Click ids on an earlier line of the file, or stored by an earlier import.
    fn mark_duplicates(&self, conn: &Connection, rows: &CheckedRows) -> Result<(), StoreError> {
        let column = "'click_id'";
        rejects::in_file(conn, rows, "click_id", "click_id", column)?;
        // Looking the file's ids up costs a hash table of all of them: only when an earlier
        // import stored touches.
        let stored_touches: bool = conn
            .query_row(
                "SELECT count(*) > 0 FROM imports WHERE kind IN (?, ?)",
                params![FileKind::Clicks.key(), FileKind::Events.key()],
                |r| r.get(0),
            )
            .doing("finding earlier click imports")?;
        if !stored_touches {
            return Ok(());
        }
        let key = ("click_id", "click_id", column);
        rejects::in_database(conn, rows, key, "touches", "click_id")
    }

    /// `(accepted, rejected)` once the `rejected` rows of the file's read are moved out,
    /// counting the lines that did not split like the header.
    fn counts(&self, conn: &Connection, rejected: usize) -> Result<(i64, i64), StoreError> {
        let unsplit: i64 = conn
            .query_row("SELECT count(*) FROM pa_structural", [], |r| r.get(0))
            .doing("counting rows")?;
        let accepted = self.written.rows - rejected;
        Ok((accepted as i64, rejected as i64 + unsplit))
    }
}
