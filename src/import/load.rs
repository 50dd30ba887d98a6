//! One import, start to finish: stage, map, parse, check, then store in one transaction
//! (click files hand over to `clicks` once their columns are mapped).

use duckdb::{Connection, Transaction, params};

use super::choose;
use super::clicks;
use super::dialect::FileFormat;
use super::kinds::FileKind;
use super::lines::{self, LineScan};
use super::read::{
    Checksum, ImportNotes, NEXT_IMPORT_ID, ReadSpec, checked_rows_sql, parsed_rows,
    previous_import, record_import, stop_if_cancel_requested,
};
use super::rejects::{ColumnNames, insert_rejects, reject_duplicates};
use super::rules::{FileColumns, KindRules, TextCleaning, rules_for};
use super::stage::{self, ReaderLink};
use super::{FileFacts, ImportError, ImportOutcome, ImportRequest, ImportSettings};
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

/// The file as the `pa_source` view, its header, and whether its values need trimming (a
/// scan of the CSV's bytes beside DuckDB's detection of its dialect decides); stops here when
/// a cancel came during the scan. The scan of its lines ([`LineScan`]) runs on beside
/// DuckDB's read.
pub(super) fn stage_file(store: &Store, request: &ImportRequest) -> Result<Staged, ImportError> {
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
        Some(_) if source.section_lines > 0 => LineScan::shifted(source.section_lines),
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
        section_lines: source.section_lines,
    })
}

/// A staged file's format, header, how its values are cleaned, the link DuckDB reads it
/// through (kept until the import ends) and the scan of its lines.
pub(super) struct Staged {
    pub format: FileFormat,
    pub header: Vec<String>,
    pub cleaning: TextCleaning,
    pub link: ReaderLink,
    pub lines: LineScan,
    /// Section-marker lines before the header (Post Affiliate Pro's `[[COMMISSIONS]]`).
    pub section_lines: i64,
}

/// Stops before the next query when a cancel came while no query ran (DuckDB forgets an
/// interrupt that finds nothing to stop: the checksum and the padding scan read the file in
/// Rust).
fn stop_if_cancelled(store: &Store, request: &ImportRequest) -> Result<(), ImportError> {
    stop_if_cancel_requested(store, &request.path)
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
        ..
    }: Staged,
) -> Result<ImportOutcome, ImportError> {
    let store_error = |error: StoreError| ImportError::Store {
        error: Box::new(error),
        file: request.path.clone(),
    };
    let conn = store.conn();
    let plan = choose::plan(store, request, &header, format, &settings.links)?;
    let kind = plan.kind;
    let file_columns = FileColumns {
        columns: &plan.columns,
        cleaning,
    };
    let mut rules = rules_for(kind, &file_columns, &ref_names(settings, &plan));
    if plan.preset.as_ref().is_some_and(|p| p.skips()) {
        rules.parsed.push("pa_skip".to_owned());
    }
    if plan.preset.as_ref().is_some_and(|p| p.tallies()) {
        rules.parsed.push("pa_tally".to_owned());
    }
    let read = ReadSpec {
        path: &request.path,
        format,
        time_zone: settings.time_zone,
        lines: &lines,
        reader: &link,
    };
    let names = ColumnNames {
        columns: &plan.columns,
        header: &header,
    };
    let mut notes = ImportNotes {
        preset: plan.preset.as_ref().map(|p| p.name.clone()),
        ..ImportNotes::default()
    };
    if kind == FileKind::Clicks {
        let file = clicks::ClickFile {
            rules: &rules,
            read,
            names,
            notes,
        };
        return clicks::store(store, &file, checksum);
    }
    check_rows(store, &rules, read)?;
    stage::check_rows_match_header(conn, "pa_checked", &request.path, header.len())?;
    if plan.preset.as_ref().is_some_and(|p| p.skips()) {
        notes.rows_skipped = leave_out_skipped_rows(conn).map_err(store_error)?;
    }
    let facts = match checksum.wait()? {
        Ok(facts) => facts,
        Err(previous) => return Ok(ImportOutcome::AlreadyImported(previous)),
    };
    stop_if_cancelled(store, request)?;
    reject_duplicates(conn, kind, &facts).map_err(store_error)?;
    if let Some(tally) = plan
        .preset
        .as_ref()
        .and_then(|p| p.builtin)
        .and_then(|p| p.tally.as_ref())
    {
        notes.note = tally_of_stored_rows(conn, tally.what).map_err(store_error)?;
    }
    let stored = StoredFile {
        kind,
        path: &request.path,
        facts: &facts,
        names: &names,
        notes: &notes,
    };
    let record = store_rows(store, &stored).map_err(store_error)?;
    Ok(ImportOutcome::Imported(record))
}

/// The programme's referral parameters, and the preset's for its platform's links.
pub(super) fn ref_names(settings: &ImportSettings, plan: &choose::ReadPlan) -> String {
    let preset_params = plan.preset.as_ref().map_or(&[][..], |p| p.ref_params());
    choose::ref_names(&settings.links, preset_params)
}

/// Drops the rows the preset leaves out (a Shopify order's further line items) from
/// `pa_checked`, once their lines are numbered; returns how many.
fn leave_out_skipped_rows(conn: &Connection) -> Result<i64, StoreError> {
    conn.execute("DELETE FROM pa_checked WHERE pa_skip", [])
        .map(|n| n as i64)
        .doing("leaving out the rows the preset skips")
}

/// The stored rows counted by the preset's tally (`what: 2 a, 1 b`), `None` when none.
fn tally_of_stored_rows(conn: &Connection, what: &str) -> Result<Option<String>, StoreError> {
    let doing = "counting the stored rows";
    let mut stmt = conn
        .prepare(
            "SELECT coalesce(pa_tally, 'not given'), count(*) FROM pa_checked
             WHERE reject_reason IS NULL GROUP BY 1 ORDER BY 2 DESC, 1",
        )
        .doing(doing)?;
    let counts: Vec<(String, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .doing(doing)?
        .collect::<Result<_, _>>()
        .doing(doing)?;
    if counts.is_empty() {
        return Ok(None);
    }
    let listed: Vec<String> = counts
        .iter()
        .map(|(value, count)| format!("{count} {value}"))
        .collect();
    Ok(Some(format!("{what}: {}", listed.join(", "))))
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

/// Stores accepted rows, rejects and the import record in one transaction.
/// A checked file ready to be stored: its kind, path, facts, column names and notes.
struct StoredFile<'a> {
    kind: FileKind,
    path: &'a std::path::Path,
    facts: &'a FileFacts,
    names: &'a ColumnNames<'a>,
    notes: &'a ImportNotes,
}

fn store_rows(store: &Store, file: &StoredFile) -> Result<ImportRecord, StoreError> {
    let StoredFile {
        kind,
        path,
        facts,
        names,
        notes,
    } = *file;
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
    let record = record_import(conn, import_id, kind, path, facts, counts, notes)?;
    tx.commit().doing("committing the import")?;
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
            "INSERT INTO replaced_partners (partner_id, name, commission, commission_kind,
                     commission_value, coupon_codes, import_id, replaced_by, payout_email, iban)
                 SELECT partner_id, name, commission, commission_kind, commission_value,
                        coupon_codes, import_id, CAST(? AS BIGINT), payout_email, iban
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
                "INSERT INTO partners (partner_id, name, commission, commission_kind,
                         commission_value, coupon_codes, import_id, payout_email, iban)
                     SELECT raw_partner_id, coalesce(raw_name, raw_partner_id), raw_commission,
                            commission_kind, commission_value, raw_coupon_codes, {import_id},
                            raw_payout_email, iban
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
                "INSERT INTO conversions (conversion_seq, conversion_id, import_id, line,
                         converted_at, revenue, currency, cookie_id, user_id, click_id,
                         coupon_code, status, category, subscription_id)
                     SELECT {base} + pa_line, raw_conversion_id, {import_id}, pa_line,
                            converted_at, revenue, upper(raw_currency), raw_cookie_id,
                            raw_user_id, raw_click_id, raw_coupon_code, status,
                            trim(raw_category), raw_subscription_id
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

/// The two inserts of an event log: every row with a source a touch (the user its cookie),
/// flagged rows also conversions.
fn events_sql(import_id: i64, touch_base: i64, conversion_base: i64) -> Vec<String> {
    vec![
        format!(
            "INSERT INTO touches (touch_seq, import_id, line, touched_at, partner_id, channel,
                                  click_id, url, cookie_id, user_id, device_id, browser,
                                  redirect_hops, landing_status, utm)
                 SELECT {touch_base} + pa_line, {import_id}, pa_line, time,
                        CASE WHEN raw_source IN (SELECT partner_id FROM partners) THEN raw_source END,
                        CASE WHEN raw_source NOT IN (SELECT partner_id FROM partners) THEN raw_source END,
                        raw_click_id, raw_url, raw_user, raw_user_id, NULL, raw_browser,
                        NULL, NULL, NULL
                 FROM pa_checked WHERE reject_reason IS NULL AND raw_source IS NOT NULL"
        ),
        format!(
            "INSERT INTO conversions (conversion_seq, conversion_id, import_id, line,
                     converted_at, revenue, currency, cookie_id, user_id, click_id, coupon_code,
                     status)
                 SELECT {conversion_base} + pa_line, event_conversion_id, {import_id}, pa_line, time,
                        value, upper(raw_currency), raw_user, raw_user_id, NULL, NULL, 'approved'
                 FROM pa_checked WHERE reject_reason IS NULL AND is_conversion"
        ),
    ]
}
