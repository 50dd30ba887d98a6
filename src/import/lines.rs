//! Each row's line in its file. DuckDB reads rows in the file's order and keeps that order
//! when it writes them, so a row's line is its place among the rows read, plus the lines
//! DuckDB could not split before it — when every record is one line and no line is blank.
//! A scan of the file's bytes beside DuckDB's read ([`LineScan`]) finds where that is not
//! so (a quoted field holding line breaks, a blank line) as runs of records shifted down the
//! file, and the numbering adds their shift.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use duckdb::Connection;

use super::dialect::{CsvDialect, FileFormat};

/// From the record that would be on `from_line` (were every record one line and no line
/// blank) on, records start `physical_extra` lines further down the file, and DuckDB's
/// reader numbers them `duckdb_extra` further (it counts blank lines, not line breaks inside
/// quotes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRun {
    /// The naive line of the first record of the run (the header is line 1).
    pub from_line: i64,
    /// Lines between the naive line and the physical one.
    pub physical_extra: i64,
    /// Lines between the naive line and DuckDB's.
    pub duckdb_extra: i64,
}

/// A record longer than DuckDB's reader takes: the reader drops it without a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LongLine {
    /// The naive line of the record (see [`LineRun`]).
    pub naive_line: i64,
    /// Its bytes.
    pub bytes: u64,
}

/// What a scan of a file's lines found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineFindings {
    /// Where records stop falling one to a line.
    pub runs: Vec<LineRun>,
    /// Records too long for DuckDB's reader.
    pub long_lines: Vec<LongLine>,
    /// The longest line DuckDB's reader takes.
    pub longest_line_bytes: u64,
}

/// The runs of a file, found on a thread of their own; read once DuckDB has read the file.
pub struct LineScan {
    thread: Mutex<Option<std::thread::JoinHandle<LineFindings>>>,
    findings: OnceLock<LineFindings>,
}

impl LineScan {
    /// No runs to find: a Parquet or compressed file, a file whose dialect skips or
    /// comments lines (numbered as DuckDB numbers them).
    pub fn none() -> LineScan {
        let findings = OnceLock::new();
        let _ = findings.set(LineFindings::default());
        LineScan {
            thread: Mutex::new(None),
            findings,
        }
    }

    /// A file whose records sit `lines` further down than their naive lines, every one (the
    /// section-marker lines before a header, which the reader skips and counts).
    pub fn shifted(lines: i64) -> LineScan {
        let findings = OnceLock::new();
        let _ = findings.set(LineFindings {
            runs: vec![LineRun {
                from_line: 2,
                physical_extra: lines,
                duckdb_extra: lines,
            }],
            ..LineFindings::default()
        });
        LineScan {
            thread: Mutex::new(None),
            findings,
        }
    }

    /// Starts scanning `path`, read with `dialect` by a reader that takes lines of up to
    /// `longest_line_bytes`.
    pub fn start(
        path: &Path,
        dialect: &CsvDialect,
        compressed: bool,
        longest_line_bytes: u64,
    ) -> LineScan {
        let Some(scanner) = RecordScanner::for_dialect(dialect, compressed, longest_line_bytes)
        else {
            return LineScan::none();
        };
        let path: PathBuf = path.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("line scan".to_owned())
            .spawn(move || scanner.scan(&path).unwrap_or_default());
        LineScan {
            thread: Mutex::new(thread.ok()),
            findings: OnceLock::new(),
        }
    }

    /// What the scan found (nothing when every record is one line, none is blank and none
    /// is too long).
    pub fn findings(&self) -> &LineFindings {
        self.findings.get_or_init(|| {
            let thread = self.thread.lock().ok().and_then(|mut t| t.take());
            thread.and_then(|t| t.join().ok()).unwrap_or_default()
        })
    }

    /// The runs (empty when every record is one line and none is blank).
    pub fn runs(&self) -> &[LineRun] {
        &self.findings().runs
    }
}

/// Scans `path` on this thread (see [`LineScan::start`]).
pub fn scan_now(path: &Path, dialect: &CsvDialect, longest_line_bytes: u64) -> LineFindings {
    RecordScanner::for_dialect(dialect, false, longest_line_bytes)
        .and_then(|scanner| scanner.scan(path).ok())
        .unwrap_or_default()
}

/// Where the scan is inside a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: it closes the field unless another follows (an
    /// escaped quote when the escape is the quote).
    QuoteSeen,
    /// The byte after an escape inside a quoted field.
    Escaped,
}

/// Splits a file into records as DuckDB's reader does, counting lines.
struct RecordScanner {
    quote: Option<u8>,
    escape: Option<u8>,
    delimiter: u8,
    quoting: Quoting,
    previous: u8,
    /// No byte of the current record seen yet.
    between_records: bool,
    /// Records started so far (the header is the first).
    records: i64,
    /// The physical line the scan is on (1-based).
    physical: i64,
    /// Blank lines so far.
    blank: i64,
    /// Bytes fed before the current chunk, and the offset of the byte being read.
    fed: u64,
    offset: u64,
    /// Where the current record started.
    record_start: u64,
    findings: LineFindings,
    last: (i64, i64),
}

impl RecordScanner {
    /// A scanner for files read with `dialect`, or `None` when the scan cannot follow the
    /// reader: a compressed file, a dialect that skips or comments lines, no delimiter.
    fn for_dialect(
        dialect: &CsvDialect,
        compressed: bool,
        longest_line_bytes: u64,
    ) -> Option<RecordScanner> {
        let delimiter = dialect.delimiter.as_bytes().last().copied()?;
        if compressed || !dialect.comment.is_empty() || dialect.skip_rows > 0 {
            return None;
        }
        let byte = |text: &str| (text.len() == 1).then(|| text.as_bytes()[0]);
        let mut scanner =
            RecordScanner::new(byte(&dialect.quote), byte(&dialect.escape), delimiter);
        scanner.findings.longest_line_bytes = longest_line_bytes;
        Some(scanner)
    }

    fn new(quote: Option<u8>, escape: Option<u8>, delimiter: u8) -> RecordScanner {
        RecordScanner {
            quote,
            escape,
            delimiter,
            quoting: Quoting::Unquoted,
            previous: b'\n',
            between_records: true,
            records: 0,
            physical: 1,
            blank: 0,
            fed: 0,
            offset: 0,
            record_start: 0,
            findings: LineFindings::default(),
            last: (0, 0),
        }
    }

    fn scan(mut self, path: &Path) -> std::io::Result<LineFindings> {
        let mut file = std::fs::File::open(path)?;
        let mut buffer = vec![0u8; 1 << 20];
        let mut first = true;
        loop {
            let n = file.read(&mut buffer)?;
            if n == 0 {
                self.offset = self.fed;
                self.end_record();
                return Ok(self.findings);
            }
            let mut chunk = &buffer[..n];
            if std::mem::take(&mut first) {
                chunk = chunk.strip_prefix(b"\xef\xbb\xbf").unwrap_or(chunk);
            }
            self.feed(chunk);
            self.fed += chunk.len() as u64;
        }
    }

    fn feed(&mut self, chunk: &[u8]) {
        let quote = self.quote.unwrap_or(b'\n');
        let mut i = 0;
        while i < chunk.len() {
            if self.quoting == Quoting::Unquoted {
                // Jump to the next quote or line end; what lies between is content.
                let next = memchr::memchr3(quote, b'\n', b'\r', &chunk[i..])
                    .map_or(chunk.len(), |k| i + k);
                if next > i {
                    self.offset = self.fed + i as u64;
                    self.start_record_if_between();
                    self.previous = chunk[next - 1];
                    i = next;
                    continue;
                }
            }
            self.offset = self.fed + i as u64;
            self.step(chunk[i]);
            self.previous = chunk[i];
            i += 1;
        }
    }

    /// One byte that is a quote, a line end, or inside a quoted field.
    fn step(&mut self, byte: u8) {
        match self.quoting {
            Quoting::Unquoted => self.unquoted(byte),
            Quoting::Quoted => self.quoted(byte),
            Quoting::Escaped => {
                self.count_break_inside(byte);
                self.quoting = Quoting::Quoted;
            }
            Quoting::QuoteSeen => {
                if Some(byte) == self.quote && self.escape.is_none_or(|e| e == byte) {
                    self.quoting = Quoting::Quoted;
                } else {
                    self.quoting = Quoting::Unquoted;
                    self.unquoted(byte);
                }
            }
        }
    }

    fn unquoted(&mut self, byte: u8) {
        match byte {
            b'\n' if self.previous == b'\r' => {}
            b'\n' | b'\r' => self.line_end(),
            _ if Some(byte) == self.quote => {
                // A quote opens a field only at its start, as the standard has it.
                if self.between_records || self.previous == self.delimiter {
                    self.start_record_if_between();
                    self.quoting = Quoting::Quoted;
                }
            }
            _ => self.start_record_if_between(),
        }
    }

    fn quoted(&mut self, byte: u8) {
        if Some(byte) == self.escape && self.escape != self.quote {
            self.quoting = Quoting::Escaped;
        } else if Some(byte) == self.quote {
            self.quoting = Quoting::QuoteSeen;
        } else {
            self.count_break_inside(byte);
        }
    }

    /// A line break inside a quoted field: the record goes on, on the next line.
    fn count_break_inside(&mut self, byte: u8) {
        let crlf_tail = byte == b'\n' && self.previous == b'\r';
        if (byte == b'\n' || byte == b'\r') && !crlf_tail {
            self.physical += 1;
        }
    }

    fn line_end(&mut self) {
        if self.between_records {
            self.blank += 1;
        }
        self.end_record();
        self.physical += 1;
        self.between_records = true;
    }

    /// Notes the record ending at the current offset when it is longer than the reader takes.
    fn end_record(&mut self) {
        let bytes = self.offset - self.record_start;
        let limit = self.findings.longest_line_bytes;
        if !self.between_records && limit > 0 && bytes > limit {
            self.findings.long_lines.push(LongLine {
                naive_line: self.records,
                bytes,
            });
        }
    }

    fn start_record_if_between(&mut self) {
        if !self.between_records {
            return;
        }
        self.between_records = false;
        self.record_start = self.offset;
        self.records += 1;
        let naive = self.records;
        let shift = (self.physical - naive, self.blank);
        if shift != self.last {
            self.last = shift;
            self.findings.runs.push(LineRun {
                from_line: naive,
                physical_extra: shift.0,
                duckdb_extra: shift.1,
            });
        }
    }
}

/// Writes `runs` into the temp table `pa_line_runs` (numbers only).
fn write_runs(conn: &Connection, runs: &[LineRun]) -> duckdb::Result<()> {
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE pa_line_runs
             (from_line BIGINT, physical_extra BIGINT, duckdb_extra BIGINT)",
        [],
    )?;
    for part in runs.chunks(1000) {
        let values: Vec<String> = part
            .iter()
            .map(|r| {
                format!(
                    "({}, {}, {})",
                    r.from_line, r.physical_extra, r.duckdb_extra
                )
            })
            .collect();
        conn.execute(
            &format!("INSERT INTO pa_line_runs VALUES {}", values.join(", ")),
            [],
        )?;
    }
    Ok(())
}

/// Records the rows DuckDB's CSV reader could not split into the header's columns in
/// `pa_structural`, one row per line (called once the file has been read), each line as
/// the naive line its record would have (see [`LineRun`]).
pub fn record_structural_rejects(
    conn: &Connection,
    format: FileFormat,
    scan: &LineScan,
) -> duckdb::Result<()> {
    if format != FileFormat::Csv {
        return Ok(());
    }
    conn.execute(
        "INSERT INTO pa_structural
             SELECT line, min(column_name), min(error_type), min(error_message)
             FROM pa_csv_errors GROUP BY line",
        [],
    )?;
    let findings = scan.findings();
    if !findings.runs.is_empty() {
        write_runs(conn, &findings.runs)?;
        conn.execute(
            "UPDATE pa_structural SET line = u.naive
             FROM (SELECT s.line AS duckdb_line, s.line - coalesce(r.duckdb_extra, 0) AS naive
                   FROM pa_structural s
                   ASOF LEFT JOIN pa_line_runs r ON s.line >= r.from_line + r.duckdb_extra) u
             WHERE pa_structural.line = u.duckdb_line",
            [],
        )?;
    }
    record_long_lines(conn, findings)
}

/// Records the lines too long for DuckDB's reader in `pa_structural`: the reader drops them,
/// with a reject of its own or (seen in DuckDB 2.0) without a word; its reject, if any, makes
/// way for this one.
fn record_long_lines(conn: &Connection, findings: &LineFindings) -> duckdb::Result<()> {
    let mut forget = conn.prepare("DELETE FROM pa_structural WHERE line = CAST(? AS BIGINT)")?;
    let mut insert = conn.prepare(
        "INSERT INTO pa_structural VALUES (CAST(? AS BIGINT), NULL, 'LONG LINE', CAST(? AS VARCHAR))",
    )?;
    for long in &findings.long_lines {
        let reason = format!(
            "expected a line of at most {} bytes, found one of {} bytes",
            crate::domain::format::thousands(findings.longest_line_bytes as i64),
            crate::domain::format::thousands(long.bytes as i64)
        );
        forget.execute(duckdb::params![long.naive_line])?;
        insert.execute(duckdb::params![long.naive_line, reason])?;
    }
    Ok(())
}

/// Records the lines DuckDB could not split, then gives every row of `table` (all read from
/// `pa_source`, in the file's order) its line in `pa_line`.
pub fn number_read_rows(
    conn: &Connection,
    table: &str,
    format: FileFormat,
    scan: &LineScan,
) -> duckdb::Result<()> {
    record_structural_rejects(conn, format, scan)?;
    let rows = LineRows {
        table,
        line: "pa_line",
        filter: "true",
        set: "pa_line = {line}",
    };
    number_lines(conn, &rows, format, scan)
}

/// Rows read from `pa_source` into a table in the file's order (DuckDB keeps insertion
/// order), to be given their lines.
pub struct LineRows<'a> {
    /// The table.
    pub table: &'a str,
    /// Its column of lines.
    pub line: &'a str,
    /// Which of its rows came from the file (`true` for all).
    pub filter: &'a str,
    /// The assignments of an `UPDATE`, with `{line}` where each row's line goes.
    pub set: &'a str,
}

/// Gives each of `rows` its line: its place among them after the header, plus the rejected
/// lines (in `pa_structural`, see [`record_structural_rejects`]) before it, plus the shift
/// of its run ([`LineRun`]); the rejected lines are shifted too. A CSV's first data row is
/// line 2; a Parquet file's rows and a JSON file's lines are numbered from 1.
pub fn number_lines(
    conn: &Connection,
    rows: &LineRows,
    format: FileFormat,
    scan: &LineScan,
) -> duckdb::Result<()> {
    number_naive_lines(conn, rows, format)?;
    if scan.runs().is_empty() {
        return Ok(());
    }
    let LineRows {
        table,
        line,
        filter,
        ..
    } = rows;
    conn.execute(
        &format!(
            "UPDATE {table} SET {line} = u.physical
             FROM (SELECT {table}.rowid AS rid,
                          {table}.{line} + coalesce(r.physical_extra, 0) AS physical
                   FROM {table} ASOF LEFT JOIN pa_line_runs r ON {table}.{line} >= r.from_line
                   WHERE {filter}) u
             WHERE {table}.rowid = u.rid"
        ),
        [],
    )?;
    conn.execute(
        "UPDATE pa_structural SET line = u.physical
         FROM (SELECT s.line AS naive, s.line + coalesce(r.physical_extra, 0) AS physical
               FROM pa_structural s ASOF LEFT JOIN pa_line_runs r ON s.line >= r.from_line) u
         WHERE pa_structural.line = u.naive",
        [],
    )?;
    Ok(())
}

/// [`number_lines`] without the runs' shifts.
fn number_naive_lines(
    conn: &Connection,
    rows: &LineRows,
    format: FileFormat,
) -> duckdb::Result<()> {
    let first = match format {
        FileFormat::Csv => 2,
        FileFormat::Parquet | FileFormat::JsonLines => 1,
    };
    let LineRows {
        table, filter, set, ..
    } = rows;
    let origin: i64 = conn.query_row(
        &format!("SELECT coalesce(min(rowid), 0) FROM {table} WHERE {filter}"),
        [],
        |r| r.get(0),
    )?;
    let structural: i64 = conn.query_row("SELECT count(*) FROM pa_structural", [], |r| r.get(0))?;
    if structural == 0 {
        let line = format!("(rowid - {origin} + {first})");
        conn.execute(
            &format!(
                "UPDATE {table} SET {} WHERE {filter}",
                set.replace("{line}", &line)
            ),
            [],
        )?;
        return Ok(());
    }
    // The k-th rejected line (in file order) comes after `line - 1 - k` good rows.
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE pa_skips_by AS
             SELECT good_before, max(skipped) AS skipped FROM (
                 SELECT line - 1 - row_number() OVER (ORDER BY line) AS good_before,
                        row_number() OVER (ORDER BY line) AS skipped
                 FROM pa_structural)
             GROUP BY good_before",
        [],
    )?;
    conn.execute(
        &format!(
            "UPDATE {table} SET {}
             FROM (SELECT r.rid, r.rid - {origin} + {first} + coalesce(s.skipped, 0) AS line
                   FROM (SELECT rowid AS rid FROM {table} WHERE {filter}) r
                   ASOF LEFT JOIN pa_skips_by s ON r.rid - {origin} + 1 > s.good_before) u
             WHERE {table}.rowid = u.rid",
            set.replace("{line}", "u.line")
        ),
        [],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{LineRun, RecordScanner};

    fn runs(bytes: &[u8]) -> Vec<(i64, i64, i64)> {
        let mut scanner = RecordScanner::new(Some(b'"'), Some(b'"'), b',');
        // Fed in small pieces: a record, a quote or a CRLF may straddle two reads.
        for piece in bytes.chunks(3) {
            scanner.feed(piece);
        }
        scanner
            .findings
            .runs
            .iter()
            .map(
                |LineRun {
                     from_line,
                     physical_extra,
                     duckdb_extra,
                 }| { (*from_line, *physical_extra, *duckdb_extra) },
            )
            .collect()
    }

    #[test]
    fn one_line_records_have_no_runs() {
        assert!(runs(b"a,b\n1,2\n3,\"x,y\"\n\"q\"\"uote\",4\n").is_empty());
        assert!(runs(b"a,b\r\n1,2\r\n3,4\r\n").is_empty());
        assert!(runs(b"a,b\r1,2\r3,4\r").is_empty());
    }

    #[test]
    fn a_quoted_line_break_shifts_the_records_after_it() {
        // Record 2 (line 2) spans lines 2-4; record 3 starts on line 5.
        assert_eq!(runs(b"a,b\n1,\"x\ny\nz\"\n3,4\n5,6\n"), vec![(3, 2, 0)]);
        assert_eq!(runs(b"a,b\r\n1,\"x\r\ny\"\r\n3,4\r\n"), vec![(3, 1, 0)]);
        // An escaped quote does not close the field.
        assert_eq!(runs(b"a,b\n1,\"x\"\"\ny\"\n3,4\n"), vec![(3, 1, 0)]);
    }

    #[test]
    fn blank_lines_shift_both_numberings() {
        assert_eq!(
            runs(b"a,b\n1,2\n\n3,4\n\n\n5,6\n"),
            vec![(3, 1, 1), (4, 3, 3)]
        );
    }

    #[test]
    fn a_quote_inside_a_value_opens_nothing() {
        assert!(runs(b"a,b\n1,x\"y\n3,4\n").is_empty());
    }
}
