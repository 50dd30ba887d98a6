//! Our own schema scripts (tables, views, migrations: text written in this crate, never from
//! a file), run one statement at a time like every other statement, not as a batch.

use duckdb::Connection;

/// The statements of `script`: split at each `;` outside a string literal, a quoted
/// identifier or a `--` comment; comments dropped, blank statements skipped.
pub(crate) fn statements(script: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current = String::new();
    let mut chars = script.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(ch) = chars.next() {
        match (quote, ch) {
            (Some(q), c) if c == q => {
                quote = None;
                current.push(c);
            }
            (Some(_), c) => current.push(c),
            (None, '\'' | '"') => {
                quote = Some(ch);
                current.push(ch);
            }
            (None, '-') if chars.peek() == Some(&'-') => {
                // A comment runs to the end of its line.
                for skipped in chars.by_ref() {
                    if skipped == '\n' {
                        current.push('\n');
                        break;
                    }
                }
            }
            (None, ';') => statements.push(std::mem::take(&mut current)),
            (None, c) => current.push(c),
        }
    }
    statements.push(current);
    statements
        .into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Runs the statements of `script` one by one; a failure inside a transaction the script
/// opened rolls it back before the error is returned.
pub(crate) fn run_script(conn: &Connection, script: &str) -> duckdb::Result<()> {
    for statement in statements(script) {
        if let Err(error) = conn.execute(&statement, []) {
            if !conn.is_autocommit() {
                let _ = conn.execute("ROLLBACK", []);
            }
            return Err(error);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::statements;

    #[test]
    fn splits_at_semicolons_outside_strings_and_comments() {
        let script = "CREATE TABLE a (x VARCHAR); -- a comment; with a semicolon\n\
                      INSERT INTO a VALUES ('x;y'), (\"b;\");\n\n  ;COMMIT";
        assert_eq!(
            statements(script),
            vec![
                "CREATE TABLE a (x VARCHAR)",
                "INSERT INTO a VALUES ('x;y'), (\"b;\")",
                "COMMIT"
            ]
        );
    }
}
