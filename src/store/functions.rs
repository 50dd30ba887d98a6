//! Functions the store adds to DuckDB for the importer's SQL: byte scans in place of
//! expressions that cost a click import a noticeable share of its time.

use std::error::Error;

use chrono::{NaiveDate, NaiveTime};
use duckdb::Connection;
use duckdb::core::{DataChunkHandle, Inserter, LogicalTypeId};
use duckdb::ffi::{
    duckdb_data_chunk_get_vector, duckdb_string_t, duckdb_vector_get_data,
    duckdb_vector_get_validity, idx_t,
};
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use crate::domain::links::RefNames;

/// Registers `pa_ref_value(url, names)`: the first referral parameter's raw value in `url`
/// ([`RefNames::value_in`]), NULL when there is none (DuckDB's `regexp_extract` did the
/// same with a pattern, at a sixth of a click import's time); and `pa_zulu_timestamp(text)`:
/// the time of `YYYY-MM-DD[T ]HH:MM:SS[.ffffff]Z`, NULL for any other text, which the
/// importer's SQL then reads with DuckDB's cast (that cast alone cost a tenth).
pub(super) fn register(conn: &Connection) -> duckdb::Result<()> {
    conn.register_scalar_function::<RefValue>("pa_ref_value")?;
    conn.register_scalar_function::<ZuluTimestamp>("pa_zulu_timestamp")
}

/// The VARCHAR values of argument `column` of `input` and whether each is valid. DuckDB
/// flattens the arguments of functions registered through its C API.
struct TextArgument<'a> {
    texts: &'a [duckdb_string_t],
    /// DuckDB's validity bits, one per row; `None` when every row is valid.
    validity: Option<&'a [u64]>,
}

// Unsafe, audited: DuckDB's C API hands a function its arguments as raw vectors (a data
// pointer, a validity mask, strings inline or on the vector's heap) that duckdb-rs offers no
// safe reader for; these two reads are the whole of it, each with its SAFETY note.
#[allow(unsafe_code)]
impl<'a> TextArgument<'a> {
    fn of(input: &'a DataChunkHandle, column: usize) -> TextArgument<'a> {
        let rows = input.len();
        // SAFETY: the argument is a flat VARCHAR vector of `rows` values; its validity mask,
        // when DuckDB allocated one, holds a bit per row in 64-bit words.
        unsafe {
            let vector = duckdb_data_chunk_get_vector(input.get_ptr(), column as idx_t);
            let mask = duckdb_vector_get_validity(vector);
            TextArgument {
                texts: std::slice::from_raw_parts(duckdb_vector_get_data(vector).cast(), rows),
                validity: (!mask.is_null())
                    .then(|| std::slice::from_raw_parts(mask, rows.div_ceil(64))),
            }
        }
    }

    /// The bytes of `row`'s value, `None` when it is NULL.
    fn get(&self, row: usize) -> Option<&'a [u8]> {
        if self
            .validity
            .is_some_and(|bits| bits[row / 64] & (1 << (row % 64)) == 0)
        {
            return None;
        }
        let text = &self.texts[row];
        // SAFETY: DuckDB's string layout: a length, then the bytes inline (at most 12) or a
        // 4-byte prefix and a pointer into the vector's heap, alive while the chunk is.
        let bytes = unsafe {
            let length = text.value.inlined.length as usize;
            if length <= 12 {
                std::slice::from_raw_parts(text.value.inlined.inlined.as_ptr().cast(), length)
            } else {
                std::slice::from_raw_parts(text.value.pointer.ptr.cast(), length)
            }
        };
        Some(bytes)
    }
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
        let (urls, lists) = (TextArgument::of(input, 0), TextArgument::of(input, 1));
        let mut out = output.flat_vector();
        // The names are one constant in the importer's SQL: read again only when they change.
        let mut names: Option<(&[u8], RefNames)> = None;
        for row in 0..input.len() {
            let (Some(url), Some(list)) = (urls.get(row), lists.get(row)) else {
                out.set_null(row);
                continue;
            };
            let parsed = match names.take() {
                Some((text, parsed)) if text == list => (text, parsed),
                _ => (list, RefNames::parse(list)),
            };
            match parsed.1.value_in(url) {
                Some(value) => out.insert(row, value),
                None => out.set_null(row),
            }
            names = Some(parsed);
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

/// `pa_zulu_timestamp(text VARCHAR) -> TIMESTAMP`.
struct ZuluTimestamp;

// Unsafe, audited: duckdb-rs writes a TIMESTAMP vector only through a typed slice its
// `as_mut_slice_with_len` hands out unsafely (the caller vouches for the type and length).
#[allow(unsafe_code)]
impl VScalar for ZuluTimestamp {
    type State = ();

    fn invoke(
        _: &Self::State,
        input: &mut DataChunkHandle,
        output: &mut dyn WritableVector,
    ) -> Result<(), Box<dyn Error>> {
        let rows = input.len();
        let texts = TextArgument::of(input, 0);
        let mut out = output.flat_vector();
        // SAFETY: a TIMESTAMP vector holds microseconds since 1970 as i64, `rows` of them.
        let micros = unsafe { out.as_mut_slice_with_len::<i64>(rows) };
        let mut nulls = Vec::new();
        for (row, slot) in micros.iter_mut().enumerate() {
            match texts.get(row).and_then(zulu_micros) {
                Some(value) => *slot = value,
                None => nulls.push(row),
            }
        }
        for row in nulls {
            out.set_null(row);
        }
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        vec![ScalarFunctionSignature::exact(
            vec![LogicalTypeId::Varchar.into()],
            LogicalTypeId::Timestamp.into(),
        )]
    }
}

/// Microseconds since 1970 of `YYYY-MM-DD[T ]HH:MM:SS[.f]Z` (one to six fraction digits),
/// `None` for any other text or a date or time that does not exist. Where it answers, it
/// answers as DuckDB's cast to `TIMESTAMP` does (tested); the rest is left to the cast.
fn zulu_micros(text: &[u8]) -> Option<i64> {
    let body = text.strip_suffix(b"Z")?;
    if body.len() < 19 {
        return None;
    }
    let (stamp, fraction) = body.split_at(19);
    let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if !separators.iter().all(|&(at, byte)| stamp[at] == byte) || !matches!(stamp[10], b'T' | b' ')
    {
        return None;
    }
    let number = |from: usize, to: usize| digits_value(&stamp[from..to]);
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(number(0, 4)?).ok().filter(|year| *year > 0)?,
        u32::try_from(number(5, 7)?).ok()?,
        u32::try_from(number(8, 10)?).ok()?,
    )?;
    let micros = match fraction {
        [] => 0,
        [b'.', digits @ ..] if (1..=6).contains(&digits.len()) => {
            digits_value(digits)? * 10_i64.pow(6 - digits.len() as u32)
        }
        _ => return None,
    };
    let time = NaiveTime::from_hms_micro_opt(
        u32::try_from(number(11, 13)?).ok()?,
        u32::try_from(number(14, 16)?).ok()?,
        u32::try_from(number(17, 19)?).ok()?,
        u32::try_from(micros).ok()?,
    )?;
    Some(date.and_time(time).and_utc().timestamp_micros())
}

/// The value of a run of ASCII digits; `None` when any byte is not one.
fn digits_value(digits: &[u8]) -> Option<i64> {
    digits.iter().try_fold(0i64, |value, byte| {
        byte.is_ascii_digit()
            .then(|| value * 10 + i64::from(byte - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use duckdb::Connection;

    /// Wherever the byte scan answers, DuckDB's cast answers the same; it answers for every
    /// well-formed `…Z` time and for nothing else (the cast reads the rest).
    #[test]
    fn zulu_timestamps_equal_duckdbs_cast() {
        let conn = Connection::open_in_memory().unwrap();
        super::register(&conn).unwrap();
        conn.execute_batch(
            "CREATE TABLE texts AS
             SELECT strftime(TIMESTAMP '1999-12-31 23:59:58' + to_microseconds(i * 7_777_777_777),
                             '%Y-%m-%dT%H:%M:%S') || suffix AS text, well_formed
             FROM range(4000) r(i),
                  (VALUES ('Z', true), ('.5Z', true), ('.123456Z', true), ('.1234567Z', false),
                          ('z', false), ('', false), ('+02:00', false), (' Z', false),
                          ('.Z', false), ('Z ', false)) s(suffix, well_formed);
             INSERT INTO texts VALUES
                 ('2024-02-29T12:00:00Z', true), ('2023-02-29T12:00:00Z', false),
                 ('2026-13-01T00:00:00Z', false), ('2026-07-01T24:00:00Z', false),
                 ('2026-07-01T23:60:00Z', false), ('2026-07-01T23:59:60Z', false),
                 ('2026-07-01 08:30:00Z', true), ('2026-07-01T08:30Z', false),
                 ('0000-01-01T00:00:00Z', false), ('2026-7-01T08:30:00Z', false),
                 ('2026-07-01X08:30:00Z', false), ('2026-07-01T08:3a:00Z', false),
                 ('Z', false), ('', false), (NULL, false);",
        )
        .unwrap();
        let (rows, answered, differ, unanswered_well_formed, answered_otherwise): (
            i64,
            i64,
            i64,
            i64,
            i64,
        ) = conn
            .query_row(
                "SELECT count(*), count(pa_zulu_timestamp(text)),
                        count(*) FILTER (WHERE pa_zulu_timestamp(text)
                                               IS DISTINCT FROM TRY_CAST(text AS TIMESTAMP)
                                           AND pa_zulu_timestamp(text) IS NOT NULL),
                        count(*) FILTER (WHERE well_formed AND pa_zulu_timestamp(text) IS NULL),
                        count(*) FILTER (WHERE NOT well_formed
                                           AND pa_zulu_timestamp(text) IS NOT NULL)
                 FROM texts",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .unwrap();
        assert_eq!(rows, 40_015);
        assert_eq!(
            (differ, unanswered_well_formed, answered_otherwise),
            (0, 0, 0)
        );
        assert_eq!(answered, 3 * 4000 + 2);
    }

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
