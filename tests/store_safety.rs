//! A database file this build cannot safely open is refused before anything runs on it.

use std::path::Path;

use duckdb::Connection;
use partner_attribution::store::{SCHEMA_VERSION, Store, StoreError};

/// Every table and view with its columns and types, and the rows of the tables a newer
/// version would own, as text: equal before and after means nothing was created, migrated
/// or dropped.
fn shape(db: &Path) -> Vec<String> {
    let conn = Connection::open(db).unwrap();
    let mut lines = Vec::new();
    let mut columns = conn
        .prepare(
            "SELECT table_name || '.' || column_name || ' ' || data_type
             FROM information_schema.columns ORDER BY ALL",
        )
        .unwrap();
    let rows = columns.query_map([], |r| r.get::<_, String>(0)).unwrap();
    lines.extend(rows.map(Result::unwrap));
    for query in [
        "SELECT 'schema_version ' || string_agg(version::VARCHAR, ',' ORDER BY version) FROM schema_version",
        "SELECT 'future_things ' || string_agg(note, ',' ORDER BY note) FROM future_things",
        "SELECT 'touches ' || count(*) FROM touches",
    ] {
        lines.push(conn.query_row(query, [], |r| r.get(0)).unwrap());
    }
    lines
}

/// Guards against opening a newer build's file: its version was recorded as ours and its
/// tables "migrated" (a column this build knows as old would have been merged and dropped).
#[test]
fn a_database_of_a_newer_schema_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("future.duckdb");
    drop(Store::open(&db).unwrap());
    let newer = SCHEMA_VERSION + 1;
    {
        // What a newer build might have done: a new table, a column of the same name as
        // version 3's campaign column, a view and a table gone.
        let conn = Connection::open(&db).unwrap();
        for statement in [
            format!("UPDATE schema_version SET version = {newer}"),
            "CREATE TABLE future_things (note VARCHAR)".to_owned(),
            "INSERT INTO future_things VALUES ('kept')".to_owned(),
            "ALTER TABLE touches ADD COLUMN utm_source VARCHAR".to_owned(),
            "DROP VIEW touch_campaigns".to_owned(),
            "DROP TABLE leads".to_owned(),
        ] {
            conn.execute(&statement, []).unwrap();
        }
    }
    let before = shape(&db);

    let error = Store::open(&db).err().expect("a newer schema is refused");
    assert!(
        matches!(error, StoreError::NewerSchema { found, supported, .. }
            if found == newer && supported == SCHEMA_VERSION),
        "{error:?}"
    );
    let message = error.to_string();
    let expected = format!(
        "written by a newer version (schema {newer}); this build reads up to {SCHEMA_VERSION}"
    );
    assert!(message.contains(&expected), "{message}");
    assert!(
        message.ends_with(&format!("({})", db.display())),
        "{message}"
    );

    assert_eq!(shape(&db), before, "the refused file was changed");
}

/// Guards `--db` with a mistyped folder: opening used to create the whole folder tree.
#[test]
fn a_database_in_a_missing_folder_is_refused_and_no_folder_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("no/such/dir/x.duckdb");
    let error = Store::open(&db).err().expect("a missing folder is refused");
    assert!(
        error
            .to_string()
            .starts_with("the folder of the database does not exist: "),
        "{error}"
    );
    assert!(error.to_string().ends_with("dir"), "{error}");
    assert!(!dir.path().join("no").exists(), "a folder was created");
}

#[test]
fn a_database_of_this_schema_opens() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("current.duckdb");
    drop(Store::open(&db).unwrap());
    let store = Store::open(&db).unwrap();
    assert_eq!(store.counts().unwrap().imports, 0);
}
