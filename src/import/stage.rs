//! Exposing a file as the `pa_source` view (all text, one row per record) and numbering the
//! lines of the rows read from it. DuckDB's own readers do the parsing.

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

/// A file exposed as `pa_source`.
pub struct Source {
    /// The header's column names, as DuckDB reads them.
    pub header: Vec<String>,
    /// Whether the file is a CSV whose delimiter, quote and escape are among the bytes
    /// [`values_may_need_trimming`] treats as field boundaries.
    pub boundaries_known: bool,
}

/// Exposes the file as the `pa_source` view: one text column per header name, in the file's
/// order, read lazily (the import's one full read materialises its parsed rows; see
/// [`number_lines`]).
pub fn stage(conn: &Connection, path: &Path, format: FileFormat) -> Result<Source, ImportError> {
    let unreadable = |e: duckdb::Error| ImportError::Unreadable {
        detail: first_line(&e.to_string()),
        file: path.to_path_buf(),
    };
    let path_sql = sql_literal(&path.to_string_lossy());
    let boundaries_known = match format {
        FileFormat::Csv => stage_csv(conn, path, &path_sql).map_err(unreadable)?,
        FileFormat::Parquet => {
            stage_parquet(conn, &path_sql).map_err(unreadable)?;
            false
        }
    };
    Ok(Source {
        header: source_header(conn).map_err(unreadable)?,
        boundaries_known,
    })
}

/// DuckDB's reader with the dialect sniffed once: `sniff_csv` answers with the `read_csv` call
/// that reads the file without detecting it again (each detection reads a sample of the file).
/// Returns whether the dialect's delimiter, quote and escape are boundaries the padding scan
/// knows.
fn stage_csv(conn: &Connection, path: &Path, path_sql: &str) -> duckdb::Result<bool> {
    let (prompt, delimiter, quote, escape, comment): (String, String, String, String, String) =
        conn.query_row(
            &format!(
                "SELECT Prompt, Delimiter, Quote, Escape, Comment FROM sniff_csv({path_sql},
                     all_varchar = true, header = true, ignore_errors = true)"
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
    // `sniff_csv` shows an unused quote, escape or comment character as "(empty)".
    let unused = |text: &str| text.is_empty() || text == "(empty)";
    let known = |text: &str| unused(text) || text.bytes().all(|b| FIELD_BOUNDARIES.contains(&b));
    // A comment character cuts values where a comment starts, after any byte: no known
    // boundary then.
    let boundaries_known = !unused(&delimiter)
        && known(&delimiter)
        && known(&quote)
        && known(&escape)
        && unused(&comment);
    let call = prompt
        .trim()
        .trim_start_matches("FROM ")
        .trim_end_matches(';')
        .trim_end();
    // The sniffer reads a sample: when it saw no quoted field it reads none, and a field
    // quoted further down (a link with a comma) would not split like the header. Double
    // quotes, as RFC 4180 has them, read the unquoted rows the same.
    let call = if unused(&quote) && unused(&escape) {
        call.replacen("quote='', escape=''", "quote='\"', escape='\"'", 1)
    } else {
        call.to_owned()
    };
    let buffer = reader_buffer_bytes(path)
        .map(|bytes| format!(", buffer_size = {bytes}"))
        .unwrap_or_default();
    let rejects = format!(
        "store_rejects = true, rejects_table = 'pa_csv_errors', \
         rejects_scan = 'pa_csv_scans'{buffer}"
    );
    let detected = call
        .strip_suffix(')')
        .filter(|open| open.starts_with("read_csv("))
        .map(|open| format!("{open}, {rejects})"));
    let detecting = format!(
        "read_csv({path_sql}, all_varchar = true, header = true, ignore_errors = true, {rejects})"
    );
    conn.execute_batch(
        "DROP TABLE IF EXISTS pa_csv_errors; DROP TABLE IF EXISTS pa_csv_scans;
         CREATE OR REPLACE TEMP TABLE pa_structural
             (line BIGINT, column_name VARCHAR, error_type VARCHAR, error_message VARCHAR);",
    )?;
    // Should DuckDB not take back its own call (a path it did not quote, say), the reader
    // detects the dialect again.
    let view = |reader: &str| {
        conn.execute_batch(&format!(
            "CREATE OR REPLACE TEMP VIEW pa_source AS SELECT * FROM {reader};"
        ))
    };
    match detected.map(|reader| view(&reader)) {
        Some(Ok(())) => {}
        _ => view(&detecting)?,
    }
    Ok(boundaries_known)
}

/// Rows DuckDB keeps in one row group.
const ROW_GROUP_ROWS: f64 = 122_880.0;

/// The `buffer_size` for DuckDB's reader of a plain CSV file whose first megabytes hold at
/// least a thousand lines; `None` (DuckDB's default) for shorter or compressed files.
///
/// The insert keeps the rows of each part a reader thread takes together, writing the full
/// row groups as they fill; with DuckDB's default 8 MB parts (half a row group of click rows)
/// it first copied pairs of parts together, a tenth of a click import. Given a buffer size,
/// DuckDB takes it as the longest line too, and a thread then takes a whole buffer: the buffer
/// holds 3.8 row groups of the file's rows (a million click rows: 2.05 s against 2.28 s with
/// the default, medians of six imports). A file smaller than one buffer is read by one thread.
/// Keeping the default longest line instead (four parts per buffer) lost rows in DuckDB 2.0
/// (21 of 10 million click rows and 2 of a million conversions, the lines after them shifted,
/// found by checking every stored line of that import against the file): not done.
fn reader_buffer_bytes(path: &Path) -> Option<u64> {
    let mut sample = Vec::with_capacity(4 << 20);
    std::fs::File::open(path)
        .ok()?
        .take(4 << 20)
        .read_to_end(&mut sample)
        .ok()?;
    if sample.starts_with(&[0x1f, 0x8b]) {
        return None;
    }
    let lines = memchr::memchr_iter(b'\n', &sample).count();
    (lines >= 1000).then(|| buffer_bytes_for_rows_of(sample.len() as f64 / lines as f64))
}

/// [`reader_buffer_bytes`] for rows of `row_bytes` on average, kept between 8 and 256 MB.
fn buffer_bytes_for_rows_of(row_bytes: f64) -> u64 {
    ((3.8 * ROW_GROUP_ROWS * row_bytes) as u64).clamp(8 << 20, 256 << 20)
}

/// Bytes that can start or end a CSV field: the delimiters and quotes DuckDB's sniffer
/// chooses from, the escape, and line ends.
const FIELD_BOUNDARIES: &[u8] = b",;\t|\"'\\\n\r";

/// Whether some value in the file could start or end with a space or a non-ASCII character
/// (which `trim` may remove): a space or a byte of a multi-byte character next to a field
/// boundary, or at either end of the file. A gzip file is always trimmed (its bytes are not
/// its values). The scan skips 64 bytes at a time when they hold neither, so it
/// reads about as fast as the disk cache serves.
pub fn values_may_need_trimming(path: &Path) -> std::io::Result<bool> {
    let mut file = std::fs::File::open(path)?;
    let mut buffer = vec![0u8; 1 << 20];
    let mut before = b'\n';
    let mut pending = None::<u8>;
    let mut first = true;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            // A padding byte last in the file ends its last value.
            return Ok(pending.is_some());
        }
        let mut chunk = &buffer[..n];
        if std::mem::take(&mut first) {
            // The bytes of a compressed file say nothing about its values; DuckDB drops a
            // byte-order mark before the header.
            if chunk.starts_with(&[0x1f, 0x8b]) {
                return Ok(true);
            }
            chunk = chunk.strip_prefix(b"\xef\xbb\xbf").unwrap_or(chunk);
            if chunk.is_empty() {
                continue;
            }
        }
        if let Some(byte) = pending.take() {
            debug_assert!(byte == b' ' || byte >= 0x80);
            if FIELD_BOUNDARIES.contains(&chunk[0]) {
                return Ok(true);
            }
        }
        match padding_at_a_boundary(before, chunk) {
            Padding::Found => return Ok(true),
            Padding::LastByte(byte) => pending = Some(byte),
            Padding::None => {}
        }
        before = chunk[chunk.len() - 1];
    }
}

/// What [`padding_at_a_boundary`] found in one chunk.
enum Padding {
    /// A space or non-ASCII byte next to a boundary.
    Found,
    /// None, but the chunk ends with a space or non-ASCII byte: the next chunk decides.
    LastByte(u8),
    /// None.
    None,
}

/// Scans `chunk` (preceded in the file by `before`) for a space or non-ASCII byte next to a
/// field boundary. Blocks of 64 bytes holding neither are skipped with one branch.
fn padding_at_a_boundary(before: u8, chunk: &[u8]) -> Padding {
    let is_padding = |b: u8| b == b' ' || b >= 0x80;
    let at_boundary = |i: usize| {
        let previous = if i == 0 { before } else { chunk[i - 1] };
        FIELD_BOUNDARIES.contains(&previous)
            || chunk
                .get(i + 1)
                .is_some_and(|next| FIELD_BOUNDARIES.contains(next))
    };
    for (b, block) in chunk.chunks(64).enumerate() {
        if block.len() == 64 && !block_has_padding(block) {
            continue;
        }
        for (k, &byte) in block.iter().enumerate() {
            if is_padding(byte) && at_boundary(b * 64 + k) {
                return Padding::Found;
            }
        }
    }
    match chunk.last() {
        Some(&last) if is_padding(last) => Padding::LastByte(last),
        _ => Padding::None,
    }
}

/// Whether 64 bytes hold a space or a byte ≥ 0x80, eight bytes per word, branch-free: a
/// word's space bytes become zero bytes under `^ 0x20…`, which the borrow test finds.
fn block_has_padding(block: &[u8]) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    const SPACES: u64 = 0x2020_2020_2020_2020;
    let mut found = 0u64;
    for word in block.chunks_exact(8) {
        let x = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let spaces = x ^ SPACES;
        found |= x | (spaces.wrapping_sub(ONES) & !spaces);
    }
    found & HIGH != 0
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
         CREATE OR REPLACE TEMP VIEW pa_source AS
             SELECT {} FROM read_parquet({path_sql});",
        select.join(", ")
    ))
}

fn source_header(conn: &Connection) -> duckdb::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info('pa_source') ORDER BY cid")?;
    let names = stmt.query_map([], |r| r.get::<_, String>(0))?;
    names.collect()
}

/// Records the rows DuckDB's CSV reader could not split into the header's columns in
/// `pa_structural`, one row per line (called once the file has been read).
pub fn record_structural_rejects(conn: &Connection, format: FileFormat) -> duckdb::Result<()> {
    if format != FileFormat::Csv {
        return Ok(());
    }
    conn.execute_batch(
        "INSERT INTO pa_structural
             SELECT line, min(column_name), min(error_type), min(error_message)
             FROM pa_csv_errors GROUP BY line;",
    )
}

/// Records the lines DuckDB could not split, then gives every row of `table` (all read from
/// `pa_source`, in the file's order) its line in `pa_line`.
pub fn number_read_rows(conn: &Connection, table: &str, format: FileFormat) -> duckdb::Result<()> {
    record_structural_rejects(conn, format)?;
    let rows = LineRows {
        table,
        filter: "true",
        set: "pa_line = {line}",
    };
    number_lines(conn, &rows, format)
}

/// Rows read from `pa_source` into a table in the file's order (DuckDB keeps insertion
/// order), to be given their lines.
pub struct LineRows<'a> {
    /// The table.
    pub table: &'a str,
    /// Which of its rows came from the file (`true` for all).
    pub filter: &'a str,
    /// The assignments of an `UPDATE`, with `{line}` where each row's line goes.
    pub set: &'a str,
}

/// Gives each of `rows` its line: its place among them after the header, plus the rejected
/// lines (in `pa_structural`, see [`record_structural_rejects`]) before it. A CSV's first
/// data row is line 2; a Parquet file's rows are numbered from 1.
pub fn number_lines(conn: &Connection, rows: &LineRows, format: FileFormat) -> duckdb::Result<()> {
    let first = match format {
        FileFormat::Csv => 2,
        FileFormat::Parquet => 1,
    };
    let LineRows { table, filter, set } = rows;
    let origin: i64 = conn.query_row(
        &format!("SELECT coalesce(min(rowid), 0) FROM {table} WHERE {filter}"),
        [],
        |r| r.get(0),
    )?;
    let structural: i64 = conn.query_row("SELECT count(*) FROM pa_structural", [], |r| r.get(0))?;
    if structural == 0 {
        let line = format!("(rowid - {origin} + {first})");
        return conn.execute_batch(&format!(
            "UPDATE {table} SET {} WHERE {filter};",
            set.replace("{line}", &line)
        ));
    }
    // The k-th rejected line (in file order) comes after `line - 1 - k` good rows.
    conn.execute_batch(&format!(
        "CREATE OR REPLACE TEMP TABLE pa_skips_by AS
             SELECT good_before, max(skipped) AS skipped FROM (
                 SELECT line - 1 - row_number() OVER (ORDER BY line) AS good_before,
                        row_number() OVER (ORDER BY line) AS skipped
                 FROM pa_structural)
             GROUP BY good_before;
         UPDATE {table} SET {}
         FROM (SELECT r.rid, r.rid - {origin} + {first} + coalesce(s.skipped, 0) AS line
               FROM (SELECT rowid AS rid FROM {table} WHERE {filter}) r
               ASOF LEFT JOIN pa_skips_by s ON r.rid - {origin} + 1 > s.good_before) u
         WHERE {table}.rowid = u.rid;",
        set.replace("{line}", "u.line")
    ))
}

/// Refuses a file in which every data row was rejected for not splitting like the header
/// (called once the rows are read into `rows`: a table, or a table and a `WHERE`).
pub fn check_rows_match_header(
    conn: &Connection,
    rows: &str,
    path: &Path,
    columns: usize,
) -> Result<(), ImportError> {
    let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap_or(0);
    if count("SELECT count(*) FROM pa_structural") == 0
        || count(&format!("SELECT count(*) FROM {rows}")) > 0
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
         DROP TABLE IF EXISTS pa_parsed_rows; DROP VIEW IF EXISTS pa_source;
         DROP TABLE IF EXISTS pa_structural; DROP TABLE IF EXISTS pa_skips_by;
         DROP TABLE IF EXISTS pa_tz;
         DROP TABLE IF EXISTS pa_csv_errors; DROP TABLE IF EXISTS pa_csv_scans;",
    );
}

/// DuckDB's messages run to several lines of hints; the first says what went wrong.
pub fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::values_may_need_trimming;
    use super::{ROW_GROUP_ROWS, buffer_bytes_for_rows_of, reader_buffer_bytes};

    /// A buffer (what one reader thread takes) holds 3.8 row groups of the file's rows,
    /// within DuckDB's bounds on buffers; small and gzip files keep the default.
    #[test]
    fn a_reader_buffer_holds_almost_four_row_groups() {
        for row_bytes in [30.0, 140.2, 300.0] {
            let rows = buffer_bytes_for_rows_of(row_bytes) as f64 / row_bytes;
            let share = rows / ROW_GROUP_ROWS;
            assert!((3.7..3.9).contains(&share), "{row_bytes} B rows: {share}");
        }
        assert_eq!(buffer_bytes_for_rows_of(5.0), 8 << 20);
        assert_eq!(buffer_bytes_for_rows_of(5_000.0), 256 << 20);
        let dir = tempfile::tempdir().unwrap();
        let rows: String = (0..5000)
            .map(|i| format!("k{i:05},2026-07-01T00:00:00Z\n"))
            .collect();
        let path = dir.path().join("clicks.csv");
        std::fs::write(&path, format!("click_id,clicked_at\n{rows}")).unwrap();
        // 5,001 lines of 28 bytes (the header 20): a buffer of 3.8 row groups of them.
        let bytes = reader_buffer_bytes(&path).unwrap();
        let expected = buffer_bytes_for_rows_of((20 + 5000 * 28) as f64 / 5001.0);
        assert_eq!(bytes, expected);
        std::fs::write(&path, "click_id\nk1\n").unwrap();
        assert_eq!(reader_buffer_bytes(&path), None);
    }

    fn scan(bytes: &[u8]) -> bool {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scan.csv");
        std::fs::write(&path, bytes).unwrap();
        values_may_need_trimming(&path).unwrap()
    }

    #[test]
    fn clean_files_and_inner_spaces_or_letters_need_no_trimming() {
        assert!(!scan(b"a,b,c\n1,two words,3\n4,caf\xc3\xa9s and more,6\n"));
        assert!(!scan(b"a;b\r\n\"x y\";z\r\n"));
        assert!(!scan(b""));
    }

    #[test]
    fn a_space_or_non_ascii_letter_at_either_end_of_a_value_needs_trimming() {
        for padded in [
            &b"a,b\n x,y\n"[..],
            b"a,b\nx ,y\n",
            b"a,b\nx,y \n",
            b"a,b\nx,y\r\n \r\n",
            b"a,b\nx,\" y\"\n",
            b"a\tb\nx\t y\n",
            b"a|b\nx |y\n",
            b"a,b\nx,y ",
            b" a,b\nx,y\n",
            b"a,b\nx,\xc2\xa0y\n",
            b"a,b\nx,y\xc2\xa0\n",
            b"a,b\nx,\xc3\xa9\n",
        ] {
            assert!(scan(padded), "{:?}", String::from_utf8_lossy(padded));
        }
    }

    #[test]
    fn a_byte_order_mark_is_not_padding_but_gzip_is_always_trimmed() {
        assert!(!scan(b"\xef\xbb\xbfa,b\n1,2\n"));
        assert!(scan(b"\xef\xbb\xbf a,b\n1,2\n"));
        assert!(scan(b"\x1f\x8b\x08\x00plain-looking,bytes\n"));
    }

    #[test]
    fn padding_is_found_across_the_scan_s_chunks_and_words() {
        for at in [(1 << 20) - 1, 1 << 20, (1 << 20) + 1, 63, 64, 65] {
            let mut bytes = vec![b'x'; (1 << 20) + 200];
            bytes[at] = b' ';
            bytes[at + 1] = b',';
            assert!(scan(&bytes), "space before a delimiter at {at}");
            bytes[at + 1] = b'x';
            assert!(!scan(&bytes), "inner space at {at}");
            bytes[at - 1] = b'\n';
            assert!(scan(&bytes), "space after a line break at {at}");
        }
    }
}
