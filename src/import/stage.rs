//! Reading a file into the `pa_staged` temp table: all text, one row per record, with the
//! record's line in the file. DuckDB's own readers do the parsing.

use std::io::Read;
use std::path::Path;

use duckdb::Connection;

use super::ImportError;

/// The file formats we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Delimited text, possibly gzip-compressed.
    Csv,
    /// Apache Parquet.
    Parquet,
}

/// Decides the format from the first bytes, and refuses what is neither CSV nor Parquet.
pub fn sniff_format(path: &Path) -> Result<FileFormat, ImportError> {
    let mut head = Vec::with_capacity(8192);
    std::fs::File::open(path)
        .and_then(|f| f.take(8192).read_to_end(&mut head))
        .map_err(|e| ImportError::Unreadable {
            detail: e.to_string(),
            file: path.to_path_buf(),
        })?;
    if head.is_empty() {
        return Err(ImportError::Empty {
            file: path.to_path_buf(),
        });
    }
    if head.starts_with(b"PAR1") {
        return Ok(FileFormat::Parquet);
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        return Ok(FileFormat::Csv);
    }
    let text_end = head.len().saturating_sub(4);
    let looks_binary = head.contains(&0) || std::str::from_utf8(&head[..text_end]).is_err();
    if looks_binary && std::str::from_utf8(&head).is_err() {
        return Err(ImportError::NotTabular {
            file: path.to_path_buf(),
        });
    }
    Ok(FileFormat::Csv)
}

/// SQL string literal for a path.
pub fn sql_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// SQL identifier for a header name.
pub fn sql_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Exposes the file as the `pa_staged` view (text columns + `pa_line`) and the structural rejects
/// (rows DuckDB could not split into the header's columns) into `pa_structural`.
/// Returns the header.
pub fn stage(
    conn: &Connection,
    path: &Path,
    format: FileFormat,
) -> Result<Vec<String>, ImportError> {
    let unreadable = |e: duckdb::Error| ImportError::Unreadable {
        detail: first_line(&e.to_string()),
        file: path.to_path_buf(),
    };
    let path_sql = sql_literal(&path.to_string_lossy());
    match format {
        FileFormat::Csv => stage_csv(conn, &path_sql).map_err(unreadable)?,
        FileFormat::Parquet => stage_parquet(conn, &path_sql).map_err(unreadable)?,
    }
    staged_header(conn).map_err(unreadable)
}

fn stage_csv(conn: &Connection, path_sql: &str) -> duckdb::Result<()> {
    conn.execute_batch(&format!(
        "DROP TABLE IF EXISTS pa_csv_errors; DROP TABLE IF EXISTS pa_csv_scans;
         CREATE OR REPLACE TEMP TABLE pa_raw AS
             SELECT * FROM read_csv({path_sql}, all_varchar = true, header = true,
                 ignore_errors = true, store_rejects = true,
                 rejects_table = 'pa_csv_errors', rejects_scan = 'pa_csv_scans');
         CREATE OR REPLACE TEMP TABLE pa_structural AS
             SELECT line, min(column_name) AS column_name, min(error_type) AS error_type,
                    min(error_message) AS error_message
             FROM pa_csv_errors GROUP BY line;"
    ))?;
    let structural: i64 = conn.query_row("SELECT count(*) FROM pa_structural", [], |r| r.get(0))?;
    // A data row's line is its position plus the header plus the rejected lines before it.
    let staged = if structural == 0 {
        "SELECT *, rowid + 2 AS pa_line FROM pa_raw".to_owned()
    } else {
        "SELECT r.* EXCLUDE (pa_rn), r.pa_rn + 1 + coalesce(s.skipped, 0) AS pa_line
         FROM (SELECT rowid + 1 AS pa_rn, * FROM pa_raw) r
         ASOF LEFT JOIN pa_skips_by s ON r.pa_rn > s.good_before"
            .to_owned()
    };
    conn.execute_batch(&format!(
        "CREATE OR REPLACE TEMP TABLE pa_skips_by AS
             SELECT good_before, max(skipped) AS skipped FROM (
                 SELECT line - 1 - row_number() OVER (ORDER BY line) AS good_before,
                        row_number() OVER (ORDER BY line) AS skipped
                 FROM pa_structural)
             GROUP BY good_before;
         CREATE OR REPLACE TEMP VIEW pa_staged AS {staged};"
    ))
}

fn stage_parquet(conn: &Connection, path_sql: &str) -> duckdb::Result<()> {
    let columns: Vec<String> = {
        let mut stmt = conn.prepare(&format!(
            "SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet({path_sql}))"
        ))?;
        let names = stmt.query_map([], |r| r.get::<_, String>(0))?;
        names.collect::<Result<_, _>>()?
    };
    let select: Vec<String> = columns
        .iter()
        .map(|c| format!("CAST({} AS VARCHAR) AS {}", sql_ident(c), sql_ident(c)))
        .collect();
    conn.execute_batch(&format!(
        "CREATE OR REPLACE TEMP TABLE pa_structural
             (line BIGINT, column_name VARCHAR, error_type VARCHAR, error_message VARCHAR);
         CREATE OR REPLACE TEMP VIEW pa_staged AS
             SELECT {}, file_row_number + 1 AS pa_line
             FROM read_parquet({path_sql}, file_row_number = true);",
        select.join(", ")
    ))
}

fn staged_header(conn: &Connection) -> duckdb::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM pragma_table_info('pa_staged') WHERE name <> 'pa_line' ORDER BY cid",
    )?;
    let names = stmt.query_map([], |r| r.get::<_, String>(0))?;
    names.collect()
}

/// Refuses a file in which every data row was rejected for not splitting like the header.
pub fn check_rows_match_header(
    conn: &Connection,
    path: &Path,
    columns: usize,
) -> Result<(), ImportError> {
    let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap_or(0);
    if count("SELECT count(*) FROM pa_structural") == 0
        || count("SELECT count(*) FROM pa_staged") > 0
    {
        return Ok(());
    }
    let delimiter: String = conn
        .query_row("SELECT any_value(delimiter) FROM pa_csv_scans", [], |r| {
            r.get::<_, Option<String>>(0)
        })
        .ok()
        .flatten()
        .unwrap_or_else(|| ",".to_owned());
    let shown = match delimiter.as_str() {
        "\t" => "tabs".to_owned(),
        d => format!("'{d}'"),
    };
    Err(ImportError::RowsDoNotMatchHeader {
        columns,
        delimiter: shown,
        file: path.to_path_buf(),
    })
}

/// Drops the temp tables of an import.
pub fn clean_up(conn: &Connection) {
    let _ = conn.execute_batch(
        "DROP TABLE IF EXISTS pa_checked; DROP VIEW IF EXISTS pa_parsed;
         DROP VIEW IF EXISTS pa_staged; DROP TABLE IF EXISTS pa_raw;
         DROP TABLE IF EXISTS pa_structural; DROP TABLE IF EXISTS pa_skips_by;
         DROP TABLE IF EXISTS pa_tz;
         DROP TABLE IF EXISTS pa_csv_errors; DROP TABLE IF EXISTS pa_csv_scans;",
    );
}

/// DuckDB's messages run to several lines of hints; the first says what went wrong.
pub fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_owned()
}
