//! Rejected rows: ids already on an earlier line or already imported, late refunds told
//! apart from duplicates, and the rejects stored with the file's own names for their columns.

use duckdb::{Connection, params};

use super::FileFacts;
use super::kinds::{FileKind, ResolvedColumns};
use crate::store::{QueryContext, StoreError};

/// Marks rows whose id is already on an earlier line or already in the database.
pub(super) fn reject_duplicates(
    conn: &Connection,
    kind: FileKind,
    facts: &FileFacts,
) -> Result<(), StoreError> {
    match kind {
        FileKind::Conversions => {
            let column = "'conversion_id'";
            in_file(
                conn,
                &PA_CHECKED,
                "raw_conversion_id",
                "conversion_id",
                column,
            )?;
            mark_late_refunds(conn)?;
            let key = ("raw_conversion_id", "conversion_id", column);
            in_database(conn, &PA_CHECKED, key, "conversions", "conversion_id")
        }
        FileKind::Clicks => unreachable!("click files are stored by import::clicks"),
        FileKind::Partners => in_file(
            conn,
            &PA_CHECKED,
            "raw_partner_id",
            "partner_id",
            "'partner_id'",
        ),
        FileKind::Events => {
            conn.execute(
                "ALTER TABLE pa_checked ADD COLUMN event_conversion_id VARCHAR",
                [],
            )
            .doing("naming event conversions")?;
            conn.execute(
                "UPDATE pa_checked
                 SET event_conversion_id = coalesce(raw_conversion_id,
                                                    CAST(? AS VARCHAR) || ':' || pa_line)
                 WHERE is_conversion",
                params![event_id_prefix(&facts.name)],
            )
            .doing("naming event conversions")?;
            let duplicate = "'conversion_id'";
            in_file(
                conn,
                &PA_CHECKED,
                "event_conversion_id",
                "conversion_id",
                duplicate,
            )?;
            let key = ("event_conversion_id", "conversion_id", "'conversion'");
            in_database(conn, &PA_CHECKED, key, "conversions", "conversion_id")
        }
        FileKind::Leads => Ok(()),
    }
}

/// Event-log conversions without an id of their own are named `<file stem>:<line>`.
fn event_id_prefix(file_name: &str) -> String {
    file_name
        .split('.')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("events")
        .to_owned()
}

/// A conversion already imported that comes back refunded or cancelled is a late status
/// change, not a duplicate: it is marked to update the stored row instead of adding one.
fn mark_late_refunds(conn: &Connection) -> Result<(), StoreError> {
    conn.execute(
        "ALTER TABLE pa_checked ADD COLUMN status_update BOOLEAN DEFAULT false",
        [],
    )
    .doing("finding late refunds and cancellations")?;
    conn.execute(
        "UPDATE pa_checked SET status_update = true
         FROM conversions c
         WHERE c.conversion_id = pa_checked.raw_conversion_id
           AND pa_checked.reject_reason IS NULL
           AND pa_checked.status IN ('refunded', 'cancelled')
           AND c.status <> pa_checked.status",
        [],
    )
    .map(|_| ())
    .doing("finding late refunds and cancellations")
}

/// Checked rows waiting to be stored: a table, the column of their lines, which of its rows
/// are still accepted, and how a row is rejected.
pub(super) struct CheckedRows<'a> {
    /// The table.
    pub table: &'a str,
    /// Its column of lines.
    pub line: &'a str,
    /// The rows no check has rejected (a condition on `table`, qualified by its name).
    pub accepted: &'a str,
    /// The `SET` list that rejects a row, with `{column}` and `{reason}` for the SQL of the
    /// column to name and of the reason.
    pub reject: &'a str,
}

impl CheckedRows<'_> {
    /// The `SET` list rejecting a row for `reason` (SQL) in `column` (SQL: a literal of our
    /// column's name).
    fn reject_set(&self, column: &str, reason: &str) -> String {
        self.reject
            .replace("{reason}", reason)
            .replace("{column}", column)
    }
}

/// The checked rows of kinds copied through a temp table.
const PA_CHECKED: CheckedRows = CheckedRows {
    table: "pa_checked",
    line: "pa_line",
    accepted: "pa_checked.reject_reason IS NULL",
    reject: "reject_column = {column}, reject_reason = {reason}",
};

/// Marks the rows whose `key` is already on an earlier line of the file.
pub(super) fn in_file(
    conn: &Connection,
    rows: &CheckedRows,
    key: &str,
    label: &str,
    column: &str,
) -> Result<(), StoreError> {
    let CheckedRows {
        table: t,
        line,
        accepted,
        ..
    } = rows;
    let reason = format!(
        "format('duplicate {label} ''{{}}'': already on line {{}} of this file', {t}.{key}, d.first_line)"
    );
    conn.execute(
        &format!(
            "UPDATE {t} SET {}
             FROM (SELECT {key} AS k, min({line}) AS first_line FROM {t}
                   WHERE {accepted} AND {key} IS NOT NULL
                   GROUP BY {key} HAVING count(*) > 1) d
             WHERE {accepted} AND {t}.{key} = d.k AND {t}.{line} > d.first_line",
            rows.reject_set(column, &reason)
        ),
        [],
    )
    .map(|_| ())
    .doing("finding duplicate ids in the file")
}

/// Marks the rows whose `key` a recorded import already stored in `table` as `table_key`.
pub(super) fn in_database(
    conn: &Connection,
    rows: &CheckedRows,
    (key, label, column): (&str, &str, &str),
    table: &str,
    table_key: &str,
) -> Result<(), StoreError> {
    let CheckedRows {
        table: t, accepted, ..
    } = rows;
    let skip_updates = if table == "conversions" && key == "raw_conversion_id" {
        format!("coalesce({t}.status_update, false)")
    } else {
        "false".to_owned()
    };
    let reason = format!(
        "format('duplicate {label} ''{{}}'': already imported from {{}} line {{}}', {t}.{key}, e.file_name, e.line)"
    );
    conn.execute(
        &format!(
            "UPDATE {t} SET {}
             FROM (SELECT x.{table_key} AS k, min(i.file_name) AS file_name, min(x.line) AS line
                   FROM {table} x JOIN imports i ON i.import_id = x.import_id
                   WHERE x.{table_key} IN (SELECT {key} FROM {t} WHERE {accepted})
                   GROUP BY x.{table_key}) e
             WHERE {accepted} AND {t}.{key} = e.k AND NOT {skip_updates}",
            rows.reject_set(column, &reason)
        ),
        [],
    )
    .map(|_| ())
    .doing("finding ids already imported")
}

/// The names a reject's column is stored under: the file's header names, for our columns
/// (`clicked_at`) and for the positional names DuckDB's reader gives the lines it could not
/// split (`c3`).
pub(super) struct ColumnNames<'a> {
    /// Our columns → the file's.
    pub columns: &'a ResolvedColumns,
    /// The file's header.
    pub header: &'a [String],
}

impl ColumnNames<'_> {
    /// Fills `pa_column_names (key, shown)` for the keys the rejects use, every name bound.
    fn write(&self, conn: &Connection) -> Result<(), StoreError> {
        let doing = "naming rejected columns";
        conn.execute(
            "CREATE OR REPLACE TEMP TABLE pa_column_names (key VARCHAR, shown VARCHAR)",
            [],
        )
        .doing(doing)?;
        let mut insert = conn
            .prepare("INSERT INTO pa_column_names VALUES (?, ?)")
            .doing(doing)?;
        for (ours, theirs) in self.columns {
            insert.execute(params![ours, theirs.name]).doing(doing)?;
        }
        let mut structural = conn
            .prepare("SELECT DISTINCT column_name FROM pa_structural WHERE column_name IS NOT NULL")
            .doing(doing)?;
        let keys: Vec<String> = structural
            .query_map([], |r| r.get(0))
            .doing(doing)?
            .collect::<Result<_, _>>()
            .doing(doing)?;
        for key in keys {
            let position = key.strip_prefix('c').and_then(|n| n.parse::<usize>().ok());
            if let Some(name) = position.and_then(|p| self.header.get(p)) {
                insert.execute(params![key, name]).doing(doing)?;
            }
        }
        Ok(())
    }
}

/// Stores the rejected rows (`rejected_rows`: `line, column, reason FROM ...`) and the lines
/// DuckDB's reader could not split (`pa_structural`), each column under the file's name for
/// it.
pub(super) fn insert_rejects(
    conn: &Connection,
    import_id: i64,
    file_name: &str,
    names: &ColumnNames,
    rejected_rows: &str,
) -> Result<(), StoreError> {
    let doing = "storing rejected rows";
    names.write(conn)?;
    conn.execute(
        &format!(
            "INSERT INTO rejects
                 SELECT CAST(? AS BIGINT), CAST(? AS VARCHAR), r.line, coalesce(n.shown, r.col),
                        r.reason
                 FROM (SELECT {rejected_rows}) r(line, col, reason)
                 LEFT JOIN pa_column_names n ON n.key = r.col"
        ),
        params![import_id, file_name],
    )
    .doing(doing)?;
    let fields = names.header.len();
    conn.execute(
        "INSERT INTO rejects
             SELECT CAST(? AS BIGINT), CAST(? AS VARCHAR), s.line,
                 coalesce(n.shown, s.column_name),
                 CASE
                     WHEN error_type ILIKE '%TOO MANY%'
                         THEN 'expected ' || CAST(? AS BIGINT) || ' fields as in the header, found more'
                     WHEN error_type ILIKE '%MISSING%'
                         THEN 'expected ' || CAST(? AS BIGINT) || ' fields as in the header, found fewer'
                     WHEN error_type ILIKE '%UNICODE%' OR error_type ILIKE '%ENCODING%'
                         THEN 'expected UTF-8 text, found bytes that are not'
                     WHEN error_type ILIKE '%QUOTE%'
                         THEN 'a quoted field is not closed or is followed by text'
                     ELSE error_message END
             FROM pa_structural s LEFT JOIN pa_column_names n ON n.key = s.column_name",
        params![import_id, file_name, fields as i64, fields as i64],
    )
    .map(|_| ())
    .doing(doing)
}
