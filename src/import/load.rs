//! One import, start to finish: stage, map, parse, check, then store in one transaction
//! (click files hand over to `clicks` once their columns are mapped).

use duckdb::{Connection, Transaction, params};

use super::clicks;
use super::kinds::{self, FileKind, ResolvedColumns};
use super::lines::{self, LineScan};
use super::rejects::{ColumnNames, insert_rejects, reject_duplicates};
use super::rules::{FileColumns, KindRules, TextCleaning, rules_for};
use super::stage::{self, FileFormat, ReaderLink};
use super::timezone::ProgrammeTimeZone;
use super::{FileFacts, ImportError, ImportOutcome, ImportRequest, ImportSettings, MissingColumn};
use crate::store::sql::string_literal;
use crate::store::{ImportPhase, ImportRecord, QueryContext, Store, StoreError};

/// Runs the import; the caller drops the temp tables afterwards.
pub(super) fn run(
    store: &Store,
    request: &ImportRequest,
    settings: &ImportSettings,
) -> Result<ImportOutcome, ImportError> {
    let file = request.path.clone();
    let store_error = |error: StoreError| ImportError::Store {
        error: Box::new(error),
        file: file.clone(),
    };
    let history = store.import_history().map_err(store_error)?;
    let size = std::fs::metadata(&request.path).map_or(0, |m| m.len() as i64);
    let checksum = if history.iter().any(|r| r.size_bytes == size) {
        // Perhaps the same file again: its checksum first, so a repeat stages nothing.
        let facts = FileFacts::read(&request.path)?;
        stop_if_cancelled(store, request)?;
        if let Some(previous) = previous_import(&history, &facts.sha256) {
            return Ok(ImportOutcome::AlreadyImported(previous));
        }
        Checksum::Known(facts)
    } else {
        // No earlier import has this size, so none has this content: the checksum (a full
        // read of the file) runs beside DuckDB's read of it, and is waited for before
        // anything is stored. When staging fails (or is cancelled) the answer does not wait
        // for it: the thread only reads.
        let path = request.path.clone();
        let thread = std::thread::Builder::new()
            .name("checksum".to_owned())
            .spawn(move || FileFacts::read(&path))
            .map_err(|e| ImportError::Unreadable {
                detail: format!("no thread to checksum it: {e}"),
                file: request.path.clone(),
            })?;
        Checksum::Reading { thread, history }
    };
    let staged = stage_file(store, request)?;
    store_staged(store, request, settings, checksum, staged)
}

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

/// The file as the `pa_source` view, its header, and whether its values need trimming (a
/// scan of the CSV's bytes beside DuckDB's detection of its dialect decides); stops here when
/// a cancel came during the scan. The scan of its lines ([`LineScan`]) runs on beside
/// DuckDB's read.
fn stage_file(store: &Store, request: &ImportRequest) -> Result<Staged, ImportError> {
    let format = stage::sniff_format(&request.path)?;
    let link = ReaderLink::create(&request.path, format);
    // Without a thread for the scan (none could start) the values are trimmed, as when the
    // scan finds padding.
    let scan = (format == FileFormat::Csv)
        .then(|| {
            let path = request.path.clone();
            std::thread::Builder::new()
                .name("padding scan".to_owned())
                .spawn(move || stage::values_may_need_trimming(&path))
                .ok()
        })
        .flatten();
    let source = stage::stage(store.conn(), &request.path, format, &link)?;
    let padded = scan.is_none_or(|scan| scan.join().map_or(true, |found| found.unwrap_or(true)));
    stop_if_cancelled(store, request)?;
    let cleaning = if source.boundaries_known && !padded {
        TextCleaning::AsRead
    } else {
        TextCleaning::Trim
    };
    let lines = match &source.dialect {
        Some(dialect) => LineScan::start(
            &request.path,
            dialect,
            link.is_compressed(),
            source.longest_line_bytes,
        ),
        None => LineScan::none(),
    };
    Ok(Staged {
        format,
        header: source.header,
        cleaning,
        link,
        lines,
    })
}

/// A staged file's format, header, how its values are cleaned, the link DuckDB reads it
/// through (kept until the import ends) and the scan of its lines.
struct Staged {
    format: FileFormat,
    header: Vec<String>,
    cleaning: TextCleaning,
    link: ReaderLink,
    lines: LineScan,
}

/// Stops before the next query when a cancel came while no query ran (DuckDB forgets an
/// interrupt that finds nothing to stop: the checksum and the padding scan read the file in
/// Rust).
fn stop_if_cancelled(store: &Store, request: &ImportRequest) -> Result<(), ImportError> {
    stop_if_cancel_requested(store, &request.path)
}

/// [`stop_if_cancelled`] for `file`.
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

/// Maps, parses and checks the file's rows (its one full read), waits for its checksum (the
/// same bytes imported before store nothing), then stores them in one transaction.
fn store_staged(
    store: &Store,
    request: &ImportRequest,
    settings: &ImportSettings,
    checksum: Checksum,
    Staged {
        format,
        header,
        cleaning,
        link,
        lines,
    }: Staged,
) -> Result<ImportOutcome, ImportError> {
    let store_error = |error: StoreError| ImportError::Store {
        error: Box::new(error),
        file: request.path.clone(),
    };
    let conn = store.conn();
    let kind = decide_kind(request, &header)?;
    let columns = resolve(request, kind, &header, format)?;
    let file_columns = FileColumns {
        columns: &columns,
        cleaning,
    };
    let rules = rules_for(kind, &file_columns, &settings.links.names_list());
    let read = ReadSpec {
        path: &request.path,
        format,
        time_zone: settings.time_zone,
        lines: &lines,
        reader: &link,
    };
    if kind == FileKind::Clicks {
        let file = clicks::ClickFile {
            rules: &rules,
            read,
            names: ColumnNames {
                columns: &columns,
                header: &header,
            },
        };
        return clicks::store(store, &file, checksum);
    }
    check_rows(store, &rules, read)?;
    stage::check_rows_match_header(conn, "pa_checked", &request.path, header.len())?;
    let facts = match checksum.wait()? {
        Ok(facts) => facts,
        Err(previous) => return Ok(ImportOutcome::AlreadyImported(previous)),
    };
    stop_if_cancelled(store, request)?;
    reject_duplicates(conn, kind, &facts).map_err(store_error)?;
    let names = ColumnNames {
        columns: &columns,
        header: &header,
    };
    let record = store_rows(store, kind, &request.path, &facts, &names).map_err(store_error)?;
    Ok(ImportOutcome::Imported(record))
}

pub(super) fn previous_import(history: &[ImportRecord], sha256: &str) -> Option<ImportRecord> {
    history.iter().find(|r| r.sha256 == sha256).cloned()
}

fn decide_kind(request: &ImportRequest, header: &[String]) -> Result<FileKind, ImportError> {
    if let Some(kind) = request.kind {
        return Ok(kind);
    }
    kinds::detect_kind(header, &request.columns).ok_or_else(|| ImportError::UnknownKind {
        found: listed_header(header),
        file: request.path.clone(),
    })
}

fn resolve(
    request: &ImportRequest,
    kind: FileKind,
    header: &[String],
    format: FileFormat,
) -> Result<ResolvedColumns, ImportError> {
    kinds::resolve_columns(kind, header, &request.columns).map_err(|column| {
        let unsplit = header.len() == 1 && header[0].contains([';', '|', '\t', ',', ' ']);
        let hint = if unsplit && format == FileFormat::Csv {
            " (the whole header was read as one column: is the delimiter consistent?)"
        } else {
            ""
        };
        ImportError::MissingColumn(Box::new(MissingColumn {
            kind,
            column,
            expected: kind.expectation(),
            found: listed_header(header),
            hint: hint.to_owned(),
            file: request.path.clone(),
        }))
    })
}

/// A header for a message: its first names, each cut to a readable length with control
/// characters shown as `�`, and how many more there are.
fn listed_header(header: &[String]) -> String {
    const SHOWN_NAMES: usize = 12;
    const NAME_CHARS: usize = 40;
    if header.is_empty() {
        return "no columns".to_owned();
    }
    let shown: Vec<String> = header
        .iter()
        .take(SHOWN_NAMES)
        .map(|name| {
            let mut cut: String = name
                .chars()
                .take(NAME_CHARS)
                .map(|c| if c.is_control() { '\u{fffd}' } else { c })
                .collect();
            if name.chars().count() > NAME_CHARS {
                cut.push('…');
            }
            cut
        })
        .collect();
    let more = header.len().saturating_sub(SHOWN_NAMES);
    match more {
        0 => shown.join(", "),
        more => format!(
            "{} and {} more",
            shown.join(", "),
            crate::format::thousands(more as i64)
        ),
    }
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

/// Reads the file once into `pa_checked`: parsed, time-resolved and checked (reject columns),
/// each row with its line (`pa_line`). A failure of the read is the file's (`Unreadable`);
/// the store's phase says "reading" while it runs.
fn check_rows(store: &Store, rules: &KindRules, read: ReadSpec) -> Result<(), ImportError> {
    let conn = store.conn();
    let parsed = parsed_rows(store, rules, read)?;
    let checked = format!(
        "CREATE OR REPLACE TEMP TABLE pa_checked AS {}",
        checked_rows_sql(rules, &parsed.timed)
    );
    if parsed.lines_known {
        return conn
            .execute(&checked, [])
            .map(|_| ())
            .doing("checking the file's rows")
            .map_err(read.store_error());
    }
    read.reading(store, &checked)?;
    lines::number_read_rows(conn, "pa_checked", read.format, read.lines)
        .doing("numbering lines")
        .map_err(read.store_error())
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

/// Stores accepted rows, rejects and the import record in one transaction.
fn store_rows(
    store: &Store,
    kind: FileKind,
    path: &std::path::Path,
    facts: &FileFacts,
    names: &ColumnNames,
) -> Result<ImportRecord, StoreError> {
    let conn = store.conn();
    let tx = Transaction::new_unchecked(conn).doing("starting the import transaction")?;
    let import_id: i64 = conn
        .query_row(NEXT_IMPORT_ID, [], |r| r.get(0))
        .doing("numbering the import")?;
    let (accepted, rejected): (i64, i64) = conn
        .query_row(
            "SELECT count(*) FILTER (WHERE reject_reason IS NULL),
                    count(*) FILTER (WHERE reject_reason IS NOT NULL)
                        + (SELECT count(*) FROM pa_structural)
             FROM pa_checked",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .doing("counting rows")?;
    {
        let _storing = store.import_phase(ImportPhase::StoringRows);
        insert_accepted(conn, kind, import_id)?;
    }
    let rejected_rows = "pa_line, reject_column, reject_reason FROM pa_checked
                         WHERE reject_reason IS NOT NULL";
    insert_rejects(conn, import_id, &facts.name, names, rejected_rows)?;
    let counts = (accepted, rejected);
    let record = record_import(conn, import_id, kind, path, facts, counts)?;
    tx.commit().doing("committing the import")?;
    Ok(record)
}

/// Writes the import's record, numbered `import_id`, with its `(accepted, rejected)` counts.
pub(super) fn record_import(
    conn: &Connection,
    import_id: i64,
    kind: FileKind,
    path: &std::path::Path,
    facts: &FileFacts,
    (accepted, rejected): (i64, i64),
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
    };
    conn.execute(
        "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS TIMESTAMP))",
        params![
            record.import_id,
            record.file_name,
            record.file_path,
            record.size_bytes,
            record.sha256,
            record.kind,
            record.rows_accepted,
            record.rows_rejected,
            record.imported_at
        ],
    )
    .doing("recording the import")?;
    Ok(record)
}

fn insert_accepted(conn: &Connection, kind: FileKind, import_id: i64) -> Result<(), StoreError> {
    let next = |table: &str, seq: &str| -> Result<i64, StoreError> {
        conn.query_row(
            &format!("SELECT coalesce(max({seq}), 0) FROM {table}"),
            [],
            |r| r.get(0),
        )
        .doing("numbering rows")
    };
    // What the rows replace or change, kept so that removing this import can put it back
    // (store::removal).
    match kind {
        FileKind::Partners => conn.execute(
            "INSERT INTO replaced_partners
                 SELECT partner_id, name, commission, commission_kind, commission_value,
                        coupon_codes, import_id, CAST(? AS BIGINT)
                 FROM partners WHERE partner_id IN
                     (SELECT raw_partner_id FROM pa_checked WHERE reject_reason IS NULL)",
            params![import_id],
        ),
        FileKind::Conversions => conn.execute(
            "INSERT INTO conversion_status_changes
                 SELECT CAST(? AS BIGINT), c.conversion_id, c.status
                 FROM conversions c JOIN pa_checked u ON c.conversion_id = u.raw_conversion_id
                 WHERE u.status_update AND u.reject_reason IS NULL",
            params![import_id],
        ),
        _ => Ok(0),
    }
    .doing("keeping what the import replaces")?;
    let statements = match kind {
        FileKind::Partners => vec![
            "DELETE FROM partners WHERE partner_id IN
                 (SELECT raw_partner_id FROM pa_checked WHERE reject_reason IS NULL)"
                .to_owned(),
            format!(
                "INSERT INTO partners
                     SELECT raw_partner_id, coalesce(raw_name, raw_partner_id), raw_commission,
                            commission_kind, commission_value, raw_coupon_codes, {import_id}
                     FROM pa_checked WHERE reject_reason IS NULL"
            ),
        ],
        FileKind::Clicks => unreachable!("click files are stored by import::clicks"),
        FileKind::Conversions => vec![
            "UPDATE conversions SET status = u.status
             FROM pa_checked u
             WHERE u.status_update AND u.reject_reason IS NULL
               AND conversions.conversion_id = u.raw_conversion_id"
                .to_owned(),
            format!(
                "INSERT INTO conversions
                     SELECT {base} + pa_line, raw_conversion_id, {import_id}, pa_line,
                            converted_at, revenue, upper(raw_currency), raw_cookie_id,
                            raw_user_id, raw_click_id, raw_coupon_code, status
                     FROM pa_checked WHERE reject_reason IS NULL AND NOT status_update",
                base = next("conversions", "conversion_seq")?
            ),
        ],
        FileKind::Leads => vec![format!(
            "INSERT INTO leads
                 SELECT {import_id}, pa_line, raw_partner_id, reported_at, raw_reference, amount
                 FROM pa_checked WHERE reject_reason IS NULL"
        )],
        FileKind::Events => events_sql(
            import_id,
            next("touches", "touch_seq")?,
            next("conversions", "conversion_seq")?,
        ),
    };
    for statement in statements {
        conn.execute(&statement, [])
            .doing("storing accepted rows")?;
    }
    Ok(())
}

/// The two inserts of an event log: every row a touch, flagged rows also conversions.
fn events_sql(import_id: i64, touch_base: i64, conversion_base: i64) -> Vec<String> {
    vec![
        format!(
            "INSERT INTO touches (touch_seq, import_id, line, touched_at, partner_id, channel,
                                  click_id, url, cookie_id, user_id, device_id, browser,
                                  redirect_hops, landing_status, utm)
                 SELECT {touch_base} + pa_line, {import_id}, pa_line, time,
                        CASE WHEN raw_source IN (SELECT partner_id FROM partners) THEN raw_source END,
                        CASE WHEN raw_source NOT IN (SELECT partner_id FROM partners) THEN raw_source END,
                        NULL, NULL, raw_user, NULL, NULL, NULL, NULL, NULL, NULL
                 FROM pa_checked WHERE reject_reason IS NULL"
        ),
        format!(
            "INSERT INTO conversions
                 SELECT {conversion_base} + pa_line, event_conversion_id, {import_id}, pa_line, time,
                        value, NULL, raw_user, NULL, NULL, NULL, 'approved'
                 FROM pa_checked WHERE reject_reason IS NULL AND is_conversion"
        ),
    ]
}
