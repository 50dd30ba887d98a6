//! Records with nested fields, exposed as `pa_source` like any flat file: newline-delimited
//! JSON, gzip'd or not (BigQuery's export of a table, GA4's events among them), and Parquet
//! files with STRUCT or LIST columns. Every leaf becomes a text column named by its path
//! (`device.web_info.browser`); a list of key/value records (GA4's `event_params`: `{key,
//! value: {string_value, int_value, …}}`) becomes one column per key
//! (`event_params.page_location`) holding the value that is set; any other list is kept as
//! one text column.
//!
//! Paths are header names: data, matched in Rust and never written into SQL. A JSON file is
//! parsed in Rust and its values appended to a temp table as bound values; a Parquet file's
//! fields are reached with `struct_extract(column, 'name')` and its keys compared with
//! `'key'` literals, every name and key written through `store::sql::string_literal`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use duckdb::Connection;
use serde_json::Value as Json;

use super::ImportError;
use crate::store::sql::{file_column, string_literal};

/// The most columns a nested file may flatten into: a record format, not a key-value dump.
pub const MAX_COLUMNS: usize = 2000;

/// Records nest at most this deep before the rest is kept as text.
const MAX_DEPTH: usize = 8;

/// One value of a flattened record: its path and its text (`None` when null or empty).
type Cell = (String, Option<String>);

/// Whether a DuckDB type, as `DESCRIBE` writes it, holds fields or items rather than one
/// value.
pub fn is_nested(column_type: &str) -> bool {
    column_type.starts_with("STRUCT(")
        || column_type.starts_with("MAP(")
        || column_type.starts_with("UNION(")
        || column_type.ends_with(']')
}

/// Whether a DuckDB type is a STRUCT (not a list of them, `STRUCT(…)[]`).
fn is_struct(column_type: &str) -> bool {
    column_type.starts_with("STRUCT(") && column_type.ends_with(')')
}

/// The columns of a flattened file in the order their paths first appear.
#[derive(Default)]
struct Columns {
    names: Vec<String>,
    places: HashMap<String, usize>,
}

impl Columns {
    /// The place of `path`, added when new.
    fn place(&mut self, path: &str) -> usize {
        if let Some(&place) = self.places.get(path) {
            return place;
        }
        self.names.push(path.to_owned());
        self.places.insert(path.to_owned(), self.names.len() - 1);
        self.names.len() - 1
    }
}

/// What one line of a JSON file holds.
enum JsonLine {
    /// A record, flattened.
    Record(Vec<Cell>),
    /// Nothing but white space.
    Blank,
    /// Something else, and what is wrong with it.
    Bad(String),
}

/// Reads `bytes` (one line, without its line break) as a record.
fn read_json_line(bytes: &[u8]) -> JsonLine {
    let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if text.iter().all(u8::is_ascii_whitespace) {
        return JsonLine::Blank;
    }
    match serde_json::from_slice::<Json>(text) {
        Ok(Json::Object(fields)) => {
            let mut cells = Vec::with_capacity(fields.len());
            for (name, value) in &fields {
                flatten_json(value, name, 1, &mut cells);
            }
            JsonLine::Record(cells)
        }
        Ok(other) => JsonLine::Bad(format!(
            "expected a JSON object ({{…}}) on the line, found {}",
            json_kind(&other)
        )),
        Err(error) => JsonLine::Bad(format!("expected a JSON object on the line: {error}")),
    }
}

/// What a JSON value is, for a message.
fn json_kind(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "true or false",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// Appends the leaves of `value`, found at `path`, to `cells`.
fn flatten_json(value: &Json, path: &str, depth: usize, cells: &mut Vec<Cell>) {
    match value {
        Json::Object(fields) if depth < MAX_DEPTH => {
            for (name, inner) in fields {
                flatten_json(inner, &format!("{path}.{name}"), depth + 1, cells);
            }
        }
        Json::Array(items) if depth < MAX_DEPTH => match key_values(items) {
            Some(pairs) => cells.extend(
                pairs
                    .into_iter()
                    .map(|(key, text)| (format!("{path}.{key}"), text)),
            ),
            None => cells.push((
                path.to_owned(),
                (!items.is_empty()).then(|| value.to_string()),
            )),
        },
        other => cells.push((path.to_owned(), scalar_text(other))),
    }
}

/// A list of `{key, value}` records as its keys and the text of each value: the value itself,
/// or the first field of it that is set (GA4's `{string_value, int_value, …}`); `None` when
/// some item is no such record.
fn key_values(items: &[Json]) -> Option<Vec<Cell>> {
    if items.is_empty() {
        return None;
    }
    items
        .iter()
        .map(|item| {
            let key = item.get("key")?.as_str()?;
            let value = item.get("value")?;
            let text = match value {
                Json::Object(fields) => fields.values().find_map(scalar_text),
                other => scalar_text(other),
            };
            Some((key.to_owned(), text))
        })
        .collect()
}

/// The text of a JSON value as a cell holds it: strings as they are, numbers as written,
/// `true`/`false`; a nested value as its JSON text; `None` for null and empty strings.
fn scalar_text(value: &Json) -> Option<String> {
    match value {
        Json::Null => None,
        Json::String(text) if text.is_empty() => None,
        Json::String(text) => Some(text.clone()),
        Json::Bool(flag) => Some(flag.to_string()),
        Json::Number(number) => Some(number.to_string()),
        nested => Some(nested.to_string()),
    }
}

/// Calls `each` with every line of `path`, gzip'd or not (1-based number, bytes without the
/// line break).
fn for_each_line(
    path: &Path,
    mut each: impl FnMut(i64, &[u8]) -> Result<(), ImportError>,
) -> Result<(), ImportError> {
    let unreadable = |e: std::io::Error| ImportError::Unreadable {
        detail: e.to_string(),
        file: path.to_path_buf(),
    };
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    let mut magic = [0u8; 2];
    let compressed = file.read_exact(&mut magic).is_ok() && magic == [0x1f, 0x8b];
    file.seek(SeekFrom::Start(0)).map_err(unreadable)?;
    let mut reader: Box<dyn BufRead> = if compressed {
        Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(file)))
    } else {
        Box::new(BufReader::new(file))
    };
    let mut line = Vec::new();
    let mut number = 0i64;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).map_err(unreadable)? == 0 {
            return Ok(());
        }
        number += 1;
        let end = line
            .iter()
            .rposition(|b| *b != b'\n' && *b != b'\r')
            .map_or(0, |last| last + 1);
        each(number, &line[..end])?;
    }
}

/// Exposes a newline-delimited JSON file as `pa_source` and returns its header: a first read
/// finds every path, a second appends each record's values to `pa_json_rows`, in the file's
/// order. A line that holds no JSON object is a rejected row of its own (`pa_structural`,
/// with its line); blank lines after the last record are no rows.
pub fn stage_json_lines(conn: &Connection, path: &Path) -> Result<Vec<String>, ImportError> {
    let too_wide = || ImportError::Unreadable {
        detail: format!(
            "its records have more than {} different fields: expected records of a table, \
             one JSON object per line",
            crate::domain::format::thousands(MAX_COLUMNS as i64)
        ),
        file: path.to_path_buf(),
    };
    let mut columns = Columns::default();
    let mut bad: Vec<(i64, String)> = Vec::new();
    let mut blank: Vec<i64> = Vec::new();
    let mut records = 0usize;
    for_each_line(path, |number, bytes| {
        match read_json_line(bytes) {
            JsonLine::Record(cells) => {
                records += 1;
                for (name, _) in &cells {
                    columns.place(name);
                }
                if columns.names.len() > MAX_COLUMNS {
                    return Err(too_wide());
                }
            }
            JsonLine::Blank => blank.push(number),
            JsonLine::Bad(reason) => bad.push((number, reason)),
        }
        Ok(())
    })?;
    if records == 0 {
        return Err(no_records(path, &bad));
    }
    let last_record = last_record_line(path)?;
    bad.extend(
        blank
            .into_iter()
            .filter(|line| *line < last_record)
            .map(|line| {
                (
                    line,
                    "expected a JSON object, found an empty line".to_owned(),
                )
            }),
    );
    let store_error = |e: duckdb::Error| ImportError::Unreadable {
        detail: e.to_string(),
        file: path.to_path_buf(),
    };
    record_bad_lines(conn, &bad).map_err(store_error)?;
    create_rows_table(conn, columns.names.len()).map_err(store_error)?;
    append_records(conn, path, &columns)?;
    let names: Vec<String> = (0..columns.names.len()).map(file_column).collect();
    conn.execute(
        &format!(
            "CREATE OR REPLACE TEMP VIEW pa_source AS SELECT {} FROM pa_json_rows",
            names.join(", ")
        ),
        [],
    )
    .map_err(store_error)?;
    Ok(columns.names)
}

/// The refusal of a JSON file without one record.
fn no_records(path: &Path, bad: &[(i64, String)]) -> ImportError {
    match bad.first() {
        Some((line, reason)) => ImportError::Unreadable {
            detail: format!("no line holds a JSON record; line {line}: {reason}"),
            file: path.to_path_buf(),
        },
        None => ImportError::Empty {
            file: path.to_path_buf(),
        },
    }
}

/// The line of the last line that is not blank.
fn last_record_line(path: &Path) -> Result<i64, ImportError> {
    let mut last = 0;
    for_each_line(path, |number, bytes| {
        if !bytes.iter().all(u8::is_ascii_whitespace) {
            last = number;
        }
        Ok(())
    })?;
    Ok(last)
}

/// Records the lines that hold no record as rejected rows.
fn record_bad_lines(conn: &Connection, bad: &[(i64, String)]) -> duckdb::Result<()> {
    let mut insert = conn.prepare(
        "INSERT INTO pa_structural VALUES (CAST(? AS BIGINT), NULL, 'JSON', CAST(? AS VARCHAR))",
    )?;
    for (line, reason) in bad {
        insert.execute(duckdb::params![line, reason])?;
    }
    Ok(())
}

/// `pa_json_rows`: `width` text columns named by position.
fn create_rows_table(conn: &Connection, width: usize) -> duckdb::Result<()> {
    let columns: Vec<String> = (0..width)
        .map(|i| format!("{} VARCHAR", file_column(i)))
        .collect();
    conn.execute(
        &format!(
            "CREATE OR REPLACE TEMP TABLE pa_json_rows ({})",
            columns.join(", ")
        ),
        [],
    )
    .map(|_| ())
}

/// Appends every record of the file to `pa_json_rows`, each value in its path's column.
fn append_records(conn: &Connection, path: &Path, columns: &Columns) -> Result<(), ImportError> {
    let store_error = |e: duckdb::Error| ImportError::Unreadable {
        detail: e.to_string(),
        file: path.to_path_buf(),
    };
    let mut appender = conn
        .appender_to_catalog_and_db("pa_json_rows", "temp", "main")
        .map_err(store_error)?;
    let width = columns.names.len();
    for_each_line(path, |_, bytes| {
        let JsonLine::Record(cells) = read_json_line(bytes) else {
            return Ok(());
        };
        let mut row: Vec<Option<String>> = vec![None; width];
        for (name, text) in cells {
            if let Some(&place) = columns.places.get(&name)
                && row[place].is_none()
            {
                row[place] = text;
            }
        }
        appender
            .append_row(duckdb::appender_params_from_iter(row))
            .map_err(store_error)
    })?;
    appender.flush().map_err(store_error)
}

/// Why a Parquet file's nested columns could not be flattened.
pub enum FlattenError {
    /// DuckDB could not read them.
    Database(duckdb::Error),
    /// They hold more than [`MAX_COLUMNS`] fields.
    TooWide,
}

impl From<duckdb::Error> for FlattenError {
    fn from(error: duckdb::Error) -> Self {
        FlattenError::Database(error)
    }
}

impl FlattenError {
    /// The error of the import of `file`; `scrub` takes the reader's private path out of
    /// DuckDB's message.
    pub fn for_file(self, file: &Path, scrub: impl Fn(&str) -> String) -> ImportError {
        let detail = match self {
            FlattenError::Database(error) => scrub(&error.to_string()),
            FlattenError::TooWide => format!(
                "its columns hold more than {} fields: expected records of a table",
                crate::domain::format::thousands(MAX_COLUMNS as i64)
            ),
        };
        ImportError::Unreadable {
            detail,
            file: file.to_path_buf(),
        }
    }
}

/// Exposes a Parquet file with nested columns (`described`: each column's name and type, as
/// `DESCRIBE` shows them) as `pa_source`, flattened; returns the header (each column's
/// path). `reader` is the `read_parquet` call's path literal.
pub fn flattened_parquet(
    conn: &Connection,
    reader: &str,
    described: &[(String, String)],
) -> Result<Vec<String>, FlattenError> {
    let inputs: Vec<String> = (0..described.len()).map(|i| format!("f{i}")).collect();
    let from = format!("read_parquet({reader}) AS pa_file({})", inputs.join(", "));
    let mut flattener = Flattener {
        conn,
        from: &from,
        columns: Vec::new(),
    };
    for ((name, column_type), input) in described.iter().zip(&inputs) {
        flattener.column(name.clone(), input.clone(), column_type, 1)?;
    }
    if flattener.columns.len() > MAX_COLUMNS {
        return Err(FlattenError::TooWide);
    }
    let select: Vec<String> = flattener
        .columns
        .iter()
        .enumerate()
        .map(|(i, (_, expression))| format!("{expression} AS {}", file_column(i)))
        .collect();
    conn.execute(
        &format!(
            "CREATE OR REPLACE TEMP VIEW pa_source AS SELECT {} FROM {from}",
            select.join(",\n")
        ),
        [],
    )?;
    Ok(flattener
        .columns
        .into_iter()
        .map(|(name, _)| name)
        .collect())
}

/// Finds the leaves of a Parquet file's nested columns, as SQL over its read.
struct Flattener<'a> {
    conn: &'a Connection,
    /// The `FROM` of the file's read, its columns named `f0`, `f1`, ….
    from: &'a str,
    /// Each leaf's path and its text as SQL.
    columns: Vec<(String, String)>,
}

impl Flattener<'_> {
    /// Adds the leaves of `expression` (of `column_type`), found at `name`.
    fn column(
        &mut self,
        name: String,
        expression: String,
        column_type: &str,
        depth: usize,
    ) -> duckdb::Result<()> {
        if self.columns.len() > MAX_COLUMNS {
            return Ok(());
        }
        if depth < MAX_DEPTH && is_struct(column_type) {
            for (field, field_type) in self.describe(&format!("unnest({expression})"))? {
                let inner = format!("struct_extract({expression}, {})", string_literal(&field));
                self.column(format!("{name}.{field}"), inner, &field_type, depth + 1)?;
            }
            return Ok(());
        }
        if depth < MAX_DEPTH
            && column_type.ends_with("[]")
            && self.key_values(&name, &expression)?
        {
            return Ok(());
        }
        self.columns
            .push((name, format!("CAST({expression} AS VARCHAR)")));
        Ok(())
    }

    /// The names and types of the columns `select` (an expression over the file) gives.
    fn describe(&self, select: &str) -> duckdb::Result<Vec<(String, String)>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT column_name, column_type FROM (DESCRIBE SELECT {select} FROM {})",
            self.from
        ))?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        rows.collect()
    }

    /// Adds a list of `{key, value}` records as one column per key found in the file;
    /// `false` (nothing added) when the list holds something else or too many keys.
    fn key_values(&mut self, name: &str, list: &str) -> duckdb::Result<bool> {
        let element = self.describe(&format!("{list}[1]"))?;
        if !element
            .first()
            .is_some_and(|(_, element_type)| is_struct(element_type))
        {
            return Ok(false);
        }
        let fields = self.describe(&format!("unnest({list}[1])"))?;
        let field_type = |wanted: &str| {
            fields
                .iter()
                .find(|(field, _)| field == wanted)
                .map(|(_, field_type)| field_type.clone())
        };
        let (Some(_), Some(value_type)) = (field_type("key"), field_type("value")) else {
            return Ok(false);
        };
        let keys = self.keys(list)?;
        if keys.len() > MAX_COLUMNS {
            return Ok(false);
        }
        let value_fields = if is_struct(&value_type) {
            self.describe(&format!("unnest(struct_extract({list}[1], 'value'))"))?
                .into_iter()
                .filter(|(_, leaf_type)| !is_nested(leaf_type))
                .map(|(leaf, _)| leaf)
                .collect()
        } else {
            Vec::new()
        };
        for key in keys {
            let entry = format!(
                "list_filter({list}, lambda pa_entry: CAST(struct_extract(pa_entry, 'key') AS VARCHAR) = {})[1]",
                string_literal(&key)
            );
            let value = format!("struct_extract({entry}, 'value')");
            let text = if value_fields.is_empty() {
                format!("CAST({value} AS VARCHAR)")
            } else {
                let leaves: Vec<String> = value_fields
                    .iter()
                    .map(|leaf| {
                        format!(
                            "CAST(struct_extract({value}, {}) AS VARCHAR)",
                            string_literal(leaf)
                        )
                    })
                    .collect();
                format!("coalesce({})", leaves.join(", "))
            };
            self.columns.push((format!("{name}.{key}"), text));
        }
        Ok(true)
    }

    /// The keys of a list of `{key, value}` records over the whole file, in order (at most
    /// one more than [`MAX_COLUMNS`]).
    fn keys(&self, list: &str) -> duckdb::Result<Vec<String>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT DISTINCT CAST(struct_extract(pa_entry, 'key') AS VARCHAR) AS pa_key
             FROM (SELECT unnest({list}) AS pa_entry FROM {})
             WHERE pa_key IS NOT NULL AND pa_key <> ''
             ORDER BY pa_key LIMIT {}",
            self.from,
            MAX_COLUMNS + 1
        ))?;
        let keys = stmt.query_map([], |r| r.get::<_, String>(0))?;
        keys.collect()
    }
}

#[cfg(test)]
mod tests {
    use super::{Cell, JsonLine, read_json_line};

    fn cells(line: &str) -> Vec<Cell> {
        match read_json_line(line.as_bytes()) {
            JsonLine::Record(cells) => cells,
            JsonLine::Blank => panic!("blank"),
            JsonLine::Bad(reason) => panic!("{reason}"),
        }
    }

    fn text(value: &str) -> Option<String> {
        Some(value.to_owned())
    }

    /// GA4's event parameters become one column per key holding the value that is set;
    /// nested records their paths; other lists their JSON text.
    #[test]
    fn a_ga4_record_flattens_into_paths() {
        let flat = cells(
            r#"{"event_name":"page_view","event_timestamp":"1772445600000000",
                "event_params":[{"key":"page_location","value":{"string_value":"https://shop.example/?ref=alice","int_value":null}},
                                {"key":"ga_session_id","value":{"int_value":"1772445600"}},
                                {"key":"engaged","value":{"double_value":1.5}}],
                "device":{"web_info":{"browser":"Chrome"}},"user_id":null,"items":[{"item_id":"x"}],"empty":[]}"#,
        );
        let find = |path: &str| {
            flat.iter()
                .find(|(p, _)| p == path)
                .unwrap_or_else(|| panic!("{path} in {flat:?}"))
                .1
                .clone()
        };
        assert_eq!(find("event_name"), text("page_view"));
        assert_eq!(find("event_timestamp"), text("1772445600000000"));
        assert_eq!(
            find("event_params.page_location"),
            text("https://shop.example/?ref=alice")
        );
        assert_eq!(find("event_params.ga_session_id"), text("1772445600"));
        assert_eq!(find("event_params.engaged"), text("1.5"));
        assert_eq!(find("device.web_info.browser"), text("Chrome"));
        assert_eq!(find("user_id"), None);
        assert_eq!(find("items"), text(r#"[{"item_id":"x"}]"#));
        assert_eq!(find("empty"), None);
    }

    #[test]
    fn lines_without_an_object_say_what_they_hold() {
        for (line, expected) in [
            ("[1, 2]", "found an array"),
            ("\"text\"", "found a string"),
            ("{\"a\": ", "expected a JSON object on the line: EOF"),
        ] {
            match read_json_line(line.as_bytes()) {
                JsonLine::Bad(reason) => assert!(reason.contains(expected), "{reason}"),
                _ => panic!("{line} read"),
            }
        }
        assert!(matches!(read_json_line(b"  \t"), JsonLine::Blank));
    }
}
