//! What kind of file is being read, and how a CSV file splits into fields: the facts staging
//! finds and the line scan follows.

use crate::store::sql::string_literal;

/// The file formats we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Delimited text, possibly gzip-compressed.
    Csv,
    /// Apache Parquet.
    Parquet,
    /// Newline-delimited JSON: one record (an object, possibly nested) per line, as
    /// BigQuery exports tables (GA4's events).
    JsonLines,
}

/// How DuckDB splits a CSV file, as its sniffer found it (unused characters empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvDialect {
    /// Between fields.
    pub delimiter: String,
    /// Around fields holding delimiters or line breaks.
    pub quote: String,
    /// Before a quote inside a quoted field.
    pub escape: String,
    /// DuckDB's spelling of the line end (`\n`, `\r\n`, `\r`), empty when undecided.
    pub new_line: String,
    /// Starts a comment line.
    pub comment: String,
    /// Lines skipped before the header.
    pub skip_rows: i64,
}

impl CsvDialect {
    /// The `read_csv` options of the dialect, each value a string literal.
    pub(super) fn reader_options(&self) -> String {
        let mut options = vec![
            format!("delim = {}", string_literal(&self.delimiter)),
            format!("quote = {}", string_literal(&self.quote)),
            format!("escape = {}", string_literal(&self.escape)),
            format!("comment = {}", string_literal(&self.comment)),
            format!("skip = {}", self.skip_rows.max(0)),
        ];
        if !self.new_line.is_empty() {
            options.push(format!("new_line = {}", string_literal(&self.new_line)));
        }
        options.join(", ")
    }
}
