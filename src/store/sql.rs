//! The one quoting helper. A value or a name that came from outside — a file's path, a file
//! name, a partner id, a user's setting — reaches DuckDB as a bound parameter wherever a
//! statement can take one; where it cannot (a view's reader call, a `COPY … TO` target, a
//! `VALUES` list), it is written through these two functions and nowhere else.
//!
//! Header names and values read from a file never reach SQL text at all: a file's columns
//! are read under positional names ([`file_column`]), and its header names are data.

/// `text` as a SQL string literal: `'…'` with every single quote doubled. DuckDB reads no
/// other escape in a standard string (a backslash is a backslash). DuckDB takes a statement as
/// a NUL-terminated string, so a NUL byte (which no file path holds) is written as U+FFFD
/// rather than cut the statement short.
pub fn string_literal(text: &str) -> String {
    quoted(text, '\'')
}

/// `name` as a quoted SQL identifier: `"…"` with every double quote doubled (NUL as in
/// [`string_literal`]).
pub fn identifier(name: &str) -> String {
    quoted(name, '"')
}

/// `text` between two `quote`s, each `quote` inside doubled and NUL written as U+FFFD.
fn quoted(text: &str, quote: char) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for ch in text.chars() {
        match ch {
            '\0' => out.push('\u{fffd}'),
            ch if ch == quote => {
                out.push(quote);
                out.push(quote);
            }
            ch => out.push(ch),
        }
    }
    out.push(quote);
    out
}

/// The name under which an imported file's column at `position` (0-based) is read: `c0`,
/// `c1`, … — the file's own header names are never written into SQL.
pub fn file_column(position: usize) -> String {
    format!("c{position}")
}

#[cfg(test)]
mod tests {
    use super::{identifier, string_literal};

    #[test]
    fn quotes_are_doubled_and_nothing_else_changes() {
        assert_eq!(string_literal("it's"), "'it''s'");
        assert_eq!(string_literal(r"a\'b"), r"'a\''b'");
        assert_eq!(
            string_literal("x': 'VARCHAR'}); DROP TABLE partners; --"),
            "'x'': ''VARCHAR''}); DROP TABLE partners; --'"
        );
        assert_eq!(identifier("a\"b"), "\"a\"\"b\"");
        assert_eq!(string_literal("a\0b"), "'a\u{fffd}b'");
    }

    /// Every literal and identifier reads back as the text it was made from.
    #[test]
    fn duckdb_reads_back_exactly_the_text() {
        let conn = duckdb::Connection::open_in_memory().unwrap();
        for text in [
            "plain",
            "it's",
            "''",
            "'; DROP TABLE x; --",
            "back\\slash\\'",
            "new\nline\r\n",
            "émoji 🎉",
            "\"quoted\"",
            "$$dollar$$",
            "{'a': 'VARCHAR'}",
        ] {
            let sql = format!("SELECT {} AS {}", string_literal(text), identifier(text));
            let mut stmt = conn.prepare(&sql).unwrap();
            let value: String = stmt.query_row([], |r| r.get(0)).unwrap();
            assert_eq!(value, text);
            assert_eq!(stmt.column_name(0).unwrap(), text);
        }
    }
}
