//! Exposing a file as the `pa_source` view (all text, one row per record) and numbering the
//! lines of the rows read from it. DuckDB's own readers do the parsing.

use std::io::Read;
use std::path::{Path, PathBuf};

use duckdb::Connection;

use super::ImportError;
use super::dialect::{CsvDialect, FileFormat};
use crate::store::sql::{file_column, string_literal};

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
    if head.starts_with(&[0xff, 0xfe]) || head.starts_with(&[0xfe, 0xff]) {
        return Err(ImportError::Utf16 {
            file: path.to_path_buf(),
        });
    }
    if head.starts_with(b"PAR1") {
        return Ok(FileFormat::Parquet);
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        return Ok(if starts_a_json_record(&gunzipped_head(path)) {
            FileFormat::JsonLines
        } else {
            FileFormat::Csv
        });
    }
    if starts_a_json_record(&head) {
        return Ok(FileFormat::JsonLines);
    }
    if looks_binary(&head) {
        return Err(ImportError::NotTabular {
            file: path.to_path_buf(),
        });
    }
    Ok(FileFormat::Csv)
}

/// The first bytes of a gzip file's content (empty when they cannot be read).
fn gunzipped_head(path: &Path) -> Vec<u8> {
    let mut head = Vec::with_capacity(4096);
    if let Ok(file) = std::fs::File::open(path) {
        let _ = flate2::read::MultiGzDecoder::new(file)
            .take(4096)
            .read_to_end(&mut head);
    }
    head
}

/// Whether a file's first character (after a byte-order mark and white space) opens a JSON
/// object: newline-delimited JSON, which no CSV header starts like.
fn starts_a_json_record(head: &[u8]) -> bool {
    let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    text.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{')
}

/// Whether the first bytes of a file are binary rather than text: more than one in twenty of
/// its characters is a NUL or a byte that is not UTF-8. A text file with a few bad bytes is read, and its rows holding them are
/// rejected one by one.
fn looks_binary(head: &[u8]) -> bool {
    // The sample may end inside a character.
    let text = String::from_utf8_lossy(&head[..head.len().saturating_sub(3)]);
    let (mut odd, mut all) = (0usize, 0usize);
    for ch in text.chars() {
        all += 1;
        if ch == '\u{fffd}' || ch == '\0' {
            odd += 1;
        }
    }
    odd * 20 > all
}

/// A private name for the file being imported: a symbolic link in a folder of our own, named
/// `source.csv`, `source.csv.gz` or `source.parquet` by the file's first bytes. DuckDB reads
/// a path as a glob (`*`, `?`, `[`) and by its prefix (`http://`, `s3://`) and extension:
/// handing it our own plain name means nothing in the user's file name is ever interpreted.
/// The folder goes when the link is dropped.
pub struct ReaderLink {
    folder: Option<PathBuf>,
    path: PathBuf,
    compressed: bool,
}

impl ReaderLink {
    /// Links `file` under a name chosen from `format` and its first bytes; should no link
    /// be possible (a file system without links), DuckDB is given the file's own path.
    pub fn create(file: &Path, format: FileFormat) -> ReaderLink {
        let compressed = format == FileFormat::Csv && starts_with_gzip_magic(file);
        let name = match format {
            FileFormat::Parquet => "source.parquet",
            FileFormat::JsonLines => "source.json",
            FileFormat::Csv if compressed => "source.csv.gz",
            FileFormat::Csv => "source.csv",
        };
        let (folder, path) = match link_in_private_folder(file, name) {
            Ok((folder, path)) => (Some(folder), path),
            Err(_) => (None, file.to_path_buf()),
        };
        ReaderLink {
            folder,
            path,
            compressed,
        }
    }

    /// Whether the file is gzip-compressed CSV.
    pub fn is_compressed(&self) -> bool {
        self.compressed
    }

    /// The path DuckDB reads, as a SQL string literal.
    fn sql(&self) -> String {
        string_literal(&self.path.to_string_lossy())
    }

    /// `message` with the link's path replaced by `file`'s name, so that errors name the
    /// user's file.
    pub fn scrub(&self, message: &str, file: &Path) -> String {
        let shown = file.file_name().map_or_else(
            || file.display().to_string(),
            |n| n.to_string_lossy().into(),
        );
        message.replace(&*self.path.to_string_lossy(), &shown)
    }
}

impl Drop for ReaderLink {
    fn drop(&mut self) {
        if let Some(folder) = &self.folder {
            let _ = std::fs::remove_dir_all(folder);
        }
    }
}

fn starts_with_gzip_magic(file: &Path) -> bool {
    let mut magic = [0u8; 2];
    std::fs::File::open(file)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| magic == [0x1f, 0x8b])
}

/// A new folder only this user can read, in the system's temporary folder, holding a link
/// named `name` to `file`.
fn link_in_private_folder(file: &Path, name: &str) -> std::io::Result<(PathBuf, PathBuf)> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let target = std::path::absolute(file)?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let folder = std::env::temp_dir().join(format!(
        "partner-attribution-import-{}-{nanos}-{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(&folder)?;
    let path = folder.join(name);
    #[cfg(unix)]
    let linked = std::os::unix::fs::symlink(&target, &path);
    #[cfg(not(unix))]
    let linked = std::fs::hard_link(&target, &path);
    if let Err(error) = linked {
        let _ = std::fs::remove_dir_all(&folder);
        return Err(error);
    }
    Ok((folder, path))
}

/// A file exposed as `pa_source`.
pub struct Source {
    /// The header's column names, as DuckDB reads them; column `i` is `c{i}` in `pa_source`.
    pub header: Vec<String>,
    /// Whether the file is a CSV whose delimiter, quote and escape are among the bytes
    /// [`values_may_need_trimming`] treats as field boundaries.
    pub boundaries_known: bool,
    /// The CSV dialect DuckDB reads with, `None` for Parquet.
    pub dialect: Option<CsvDialect>,
    /// The longest line DuckDB's reader takes, in bytes; it drops longer lines without
    /// a word, so the line scan finds them (see `lines::LineScan`).
    pub longest_line_bytes: u64,
    /// Section-marker lines skipped before the header (see [`section_marker_lines`]).
    pub section_lines: i64,
}

/// Exposes the file as the `pa_source` view: one text column per header name, in the file's
/// order, named by position (`c0`, `c1`, …), read lazily through `link` (the import's one full
/// read materialises its parsed rows; see [`number_lines`]).
pub fn stage(
    conn: &Connection,
    path: &Path,
    format: FileFormat,
    link: &ReaderLink,
) -> Result<Source, ImportError> {
    let unreadable = |e: duckdb::Error| ImportError::Unreadable {
        detail: link.scrub(&first_line(&e.to_string()), path),
        file: path.to_path_buf(),
    };
    create_structural_table(conn).map_err(unreadable)?;
    match format {
        FileFormat::Csv => stage_csv(conn, path, link).map_err(|error| {
            let too_long = error.to_string().contains("Maximum line size");
            match too_long.then(|| first_long_line(path)).flatten() {
                Some(long) => ImportError::LineTooLong {
                    line: long.naive_line,
                    bytes: long.bytes,
                    limit: DEFAULT_LONGEST_LINE_BYTES,
                    file: path.to_path_buf(),
                },
                None => unreadable(error),
            }
        }),
        FileFormat::Parquet => stage_parquet(conn, path, link),
        FileFormat::JsonLines => super::nested::stage_json_lines(conn, path).map(nested_source),
    }
}

/// The first line longer than DuckDB's reader takes by default, when the sniffer stopped on
/// one (read with RFC 4180 quotes: the file's own dialect is what could not be found).
fn first_long_line(path: &Path) -> Option<super::lines::LongLine> {
    let dialect = CsvDialect {
        delimiter: ",".to_owned(),
        quote: "\"".to_owned(),
        escape: "\"".to_owned(),
        ..CsvDialect::default()
    };
    super::lines::scan_now(path, &dialect, DEFAULT_LONGEST_LINE_BYTES)
        .long_lines
        .first()
        .copied()
}

fn create_structural_table(conn: &Connection) -> duckdb::Result<()> {
    for statement in [
        "DROP TABLE IF EXISTS pa_csv_errors",
        "DROP TABLE IF EXISTS pa_csv_scans",
        "CREATE OR REPLACE TEMP TABLE pa_structural
             (line BIGINT, column_name VARCHAR, error_type VARCHAR, error_message VARCHAR)",
    ] {
        conn.execute(statement, [])?;
    }
    Ok(())
}

/// DuckDB's sniffer reads a sample of the file once for its dialect and header; the reader
/// call is then built here from those fields, every value a literal, the columns named by
/// position — never from the `read_csv` text the sniffer also offers, which carries the
/// file's header names unescaped.
fn stage_csv(conn: &Connection, path: &Path, link: &ReaderLink) -> duckdb::Result<Source> {
    let section_lines = section_marker_lines(path);
    let (dialect, header) = sniff(conn, link, section_lines)?;
    // `sniff_csv` shows an unused quote, escape or comment character as "(empty)".
    let known = |text: &str| text.bytes().all(|b| FIELD_BOUNDARIES.contains(&b));
    // A comment character cuts values where a comment starts, after any byte: no known
    // boundary then.
    let boundaries_known = !dialect.delimiter.is_empty()
        && known(&dialect.delimiter)
        && known(&dialect.quote)
        && known(&dialect.escape)
        && dialect.comment.is_empty();
    let columns: Vec<String> = (0..header.len())
        .map(|i| format!("{}: 'VARCHAR'", string_literal(&file_column(i))))
        .collect();
    let buffer_bytes = reader_buffer_bytes(path);
    let buffer = buffer_bytes
        .map(|bytes| format!(", buffer_size = {bytes}"))
        .unwrap_or_default();
    let reader = format!(
        "read_csv({}, auto_detect = false, header = true, {}, columns = {{{}}},
                  all_varchar = true, ignore_errors = true, {REJECTS}{buffer})",
        link.sql(),
        dialect.reader_options(),
        columns.join(", ")
    );
    let view = |reader: &str| {
        conn.execute(
            &format!("CREATE OR REPLACE TEMP VIEW pa_source AS SELECT * FROM {reader}"),
            [],
        )
    };
    if view(&reader).is_err() {
        // Should DuckDB not take the dialect it found, the reader detects it again; its
        // columns are renamed by position all the same.
        let names: Vec<String> = (0..header.len()).map(file_column).collect();
        let detecting = format!(
            "read_csv({}, all_varchar = true, header = true, ignore_errors = true, {REJECTS})
                 AS pa_file({})",
            link.sql(),
            names.join(", ")
        );
        view(&detecting)?;
    }
    Ok(Source {
        header,
        boundaries_known,
        dialect: Some(dialect),
        longest_line_bytes: buffer_bytes.unwrap_or(DEFAULT_LONGEST_LINE_BYTES),
        section_lines,
    })
}

/// How many lines before the header are section markers like Post Affiliate Pro's
/// `[[COMMISSIONS]]` (DuckDB's sniffer would take the first for the header).
pub fn section_marker_lines(path: &Path) -> i64 {
    let mut head = Vec::with_capacity(4096);
    let read = std::fs::File::open(path).and_then(|f| f.take(4096).read_to_end(&mut head));
    if read.is_err() || head.starts_with(&[0x1f, 0x8b]) {
        return 0;
    }
    let text = String::from_utf8_lossy(&head);
    let text = text.trim_start_matches('\u{feff}');
    text.lines()
        .take_while(|line| {
            let line = line.trim();
            line.len() > 4 && line.starts_with("[[") && line.ends_with("]]") && !line.contains(',')
        })
        .count() as i64
}

/// DuckDB's reader's longest line by default (`max_line_size`), in bytes.
const DEFAULT_LONGEST_LINE_BYTES: u64 = 2_000_000;

/// Where DuckDB's reader puts the lines it could not split.
const REJECTS: &str =
    "store_rejects = true, rejects_table = 'pa_csv_errors', rejects_scan = 'pa_csv_scans'";

/// The sniffer's dialect and header names (one row per column), read as values. (A line of
/// its sample longer than DuckDB's longest line stops it; a longer limit makes it take
/// minutes over a 50 MB line, so the file is refused instead.)
fn sniff(
    conn: &Connection,
    link: &ReaderLink,
    section_lines: i64,
) -> duckdb::Result<(CsvDialect, Vec<String>)> {
    let skip = if section_lines > 0 {
        format!(", skip = {section_lines}")
    } else {
        String::new()
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT delimiter, quote, escape, new_line, comment, skip_rows, col.name
         FROM (SELECT Delimiter AS delimiter, Quote AS quote, Escape AS escape,
                      NewLineDelimiter AS new_line, Comment AS comment,
                      CAST(SkipRows AS BIGINT) AS skip_rows,
                      unnest(Columns) AS col
               FROM sniff_csv({}, all_varchar = true, header = true, ignore_errors = true{skip}))",
        link.sql()
    ))?;
    let unused = |text: String| {
        if text == "(empty)" {
            String::new()
        } else {
            text
        }
    };
    let mut dialect = None;
    let mut header = Vec::new();
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        if dialect.is_none() {
            let mut found = CsvDialect {
                delimiter: unused(row.get(0)?),
                quote: unused(row.get(1)?),
                escape: unused(row.get(2)?),
                new_line: unused(row.get(3)?),
                comment: unused(row.get(4)?),
                skip_rows: row.get::<_, Option<i64>>(5)?.unwrap_or(0),
            };
            // The sniffer reads a sample: when it saw no quoted field it reads none, and a
            // field quoted further down (a link with a comma) would not split like the
            // header. Double quotes, as RFC 4180 has them, read the unquoted rows the same.
            if found.quote.is_empty() && found.escape.is_empty() {
                found.quote = "\"".to_owned();
                found.escape = "\"".to_owned();
            }
            dialect = Some(found);
        }
        header.push(row.get::<_, Option<String>>(6)?.unwrap_or_default());
    }
    Ok((dialect.unwrap_or_default(), header))
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

/// A Parquet file's columns, each cast to text and named by position; its own names are read
/// as values (`DESCRIBE`). Nested columns (STRUCT, LIST) are flattened first
/// ([`super::nested::flattened_parquet`]).
fn stage_parquet(conn: &Connection, path: &Path, link: &ReaderLink) -> Result<Source, ImportError> {
    let scrub = |message: &str| link.scrub(&first_line(message), path);
    let unreadable = |e: duckdb::Error| ImportError::Unreadable {
        detail: scrub(&e.to_string()),
        file: path.to_path_buf(),
    };
    let described = parquet_columns(conn, link).map_err(unreadable)?;
    if described
        .iter()
        .any(|(_, column_type)| super::nested::is_nested(column_type))
    {
        return super::nested::flattened_parquet(conn, &link.sql(), &described)
            .map(nested_source)
            .map_err(|e| e.for_file(path, scrub));
    }
    let header: Vec<String> = described.into_iter().map(|(name, _)| name).collect();
    let names: Vec<String> = (0..header.len()).map(file_column).collect();
    let select: Vec<String> = names
        .iter()
        .map(|c| format!("CAST({c} AS VARCHAR) AS {c}"))
        .collect();
    conn.execute(
        &format!(
            "CREATE OR REPLACE TEMP VIEW pa_source AS
                 SELECT {} FROM read_parquet({}) AS pa_file({})",
            select.join(", "),
            link.sql(),
            names.join(", ")
        ),
        [],
    )
    .map_err(unreadable)?;
    Ok(Source {
        header,
        boundaries_known: false,
        dialect: None,
        longest_line_bytes: DEFAULT_LONGEST_LINE_BYTES,
        section_lines: 0,
    })
}

/// A file of records flattened by `nested`, with `header`: no CSV dialect, no lines to scan.
fn nested_source(header: Vec<String>) -> Source {
    Source {
        header,
        boundaries_known: false,
        dialect: None,
        longest_line_bytes: DEFAULT_LONGEST_LINE_BYTES,
        section_lines: 0,
    }
}

/// A Parquet file's column names and types (`DESCRIBE`), read as values.
fn parquet_columns(conn: &Connection, link: &ReaderLink) -> duckdb::Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet({}))",
        link.sql()
    ))?;
    let columns = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    columns.collect()
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
    for statement in [
        "DROP TABLE IF EXISTS pa_checked",
        "DROP VIEW IF EXISTS pa_parsed",
        "DROP TABLE IF EXISTS pa_parsed_rows",
        "DROP VIEW IF EXISTS pa_source",
        "DROP VIEW IF EXISTS pa_file_rows",
        "DROP TABLE IF EXISTS pa_structural",
        "DROP TABLE IF EXISTS pa_skips_by",
        "DROP TABLE IF EXISTS pa_line_runs",
        "DROP TABLE IF EXISTS pa_column_names",
        "DROP TABLE IF EXISTS pa_tz",
        "DROP TABLE IF EXISTS pa_csv_errors",
        "DROP TABLE IF EXISTS pa_csv_scans",
        "DROP TABLE IF EXISTS pa_json_rows",
    ] {
        let _ = conn.execute(statement, []);
    }
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
