//! Functions the store adds to DuckDB for the importer's SQL.

use std::error::Error;

use duckdb::Connection;
use duckdb::core::{DataChunkHandle, Inserter, LogicalTypeId};
use duckdb::ffi::duckdb_string_t;
use duckdb::types::DuckString;
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use crate::links::ref_value;

/// Registers `pa_ref_value(url, names)`: the first referral parameter's raw value in `url`
/// ([`ref_value`]), NULL when there is none. DuckDB's `regexp_extract` did the same with a
/// pattern and cost a click import a sixth of its time; this is a byte scan.
pub(super) fn register(conn: &Connection) -> duckdb::Result<()> {
    conn.register_scalar_function::<RefValue>("pa_ref_value")
}

/// `pa_ref_value(url VARCHAR, names VARCHAR) -> VARCHAR`.
struct RefValue;

impl VScalar for RefValue {
    type State = ();

    fn invoke(
        _: &Self::State,
        input: &mut DataChunkHandle,
        output: &mut dyn WritableVector,
    ) -> Result<(), Box<dyn Error>> {
        let rows = input.len();
        let (urls, names) = (input.flat_vector(0), input.flat_vector(1));
        // SAFETY: both arguments are VARCHAR vectors of `rows` values (DuckDB flattens the
        // arguments of functions registered through its C API).
        let (url_texts, name_texts) = unsafe {
            (
                urls.as_slice_with_len::<duckdb_string_t>(rows),
                names.as_slice_with_len::<duckdb_string_t>(rows),
            )
        };
        let mut out = output.flat_vector();
        for row in 0..rows {
            if urls.row_is_null(row as u64) || names.row_is_null(row as u64) {
                out.set_null(row);
                continue;
            }
            let (mut url, mut list) = (url_texts[row], name_texts[row]);
            let url = DuckString::new(&mut url).as_bytes();
            match ref_value(url, DuckString::new(&mut list).as_bytes()) {
                Some(value) => out.insert(row, value),
                None => out.set_null(row),
            }
        }
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        vec![ScalarFunctionSignature::exact(
            vec![LogicalTypeId::Varchar.into(), LogicalTypeId::Varchar.into()],
            LogicalTypeId::Varchar.into(),
        )]
    }
}

#[cfg(test)]
mod tests {
    use duckdb::Connection;

    /// The function reads links as the pattern it replaced did, over more rows than one of
    /// DuckDB's vectors (the names argument is then a constant across several calls).
    #[test]
    fn ref_values_equal_the_regular_expression_s() {
        let conn = Connection::open_in_memory().unwrap();
        super::register(&conn).unwrap();
        conn.execute_batch(
            "CREATE TABLE links AS SELECT CASE i % 9
                 WHEN 0 THEN 'https://s.example/?ref=p' || i || '&utm_source=x'
                 WHEN 1 THEN 'https://s.example/c?utm_medium=partner&Via=v' || i || '#top'
                 WHEN 2 THEN 'https://s.example/?REF=' || i || '%20x&via=later'
                 WHEN 3 THEN 'https://s.example/?reference=' || i
                 WHEN 4 THEN 'https://s.example/?xref=' || i || '&ref='
                 WHEN 5 THEN NULL
                 WHEN 6 THEN 'https://s.example/#f?via=' || i
                 WHEN 7 THEN 'https://s.example/p?ref'
                 ELSE 'https://s.example/caf\u{e9}?ref=' || i || '\u{e9}&q' END AS url
             FROM range(5000) t(i)",
        )
        .unwrap();
        let (rows, differ, found): (i64, i64, i64) = conn
            .query_row(
                "SELECT count(*),
                        count(*) FILTER (WHERE nullif(pa_ref_value(url, 'ref,via'), '')
                            IS DISTINCT FROM
                            nullif(regexp_extract(url, '(?i)[?&](?:ref|via)=([^&#]*)', 1), '')),
                        count(pa_ref_value(url, 'ref,via'))
                 FROM links",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!((rows, differ), (5000, 0));
        // ref=… on 0, 2, 4 (empty) and 8; via=… on 1 and 6 (556 rows of each of 0–4, 555 of
        // 5–8); NULL and no parameter on 3, 5 and 7.
        assert_eq!(found, 4 * 556 + 2 * 555);
    }
}
