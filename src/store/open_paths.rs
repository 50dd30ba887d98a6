//! The journeys that did not convert: an identity's touches after its last conversion.
//!
//! The data-driven models (Markov removal effects, Shapley values) learn from every journey,
//! including those that ended without a sale. A journey that did not convert is the touches
//! of one cookie id (an event log's user column is stored there) after the last conversion of
//! that cookie id, or all of them when it never converted; touches at or before a conversion
//! belong to the conversions' own journeys.

use duckdb::arrow::array::AsArray;
use duckdb::arrow::datatypes::Int64Type;

use super::journey_rows::listed_sources_cte;
use super::{QueryContext, Store, StoreError};

/// One touch of a journey that did not convert, delivered grouped by journey, oldest first
/// (then by input order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenTouchRow {
    /// Names the journey: a hash of its cookie id, the same for every touch of it.
    pub path: i64,
    /// When the touch happened, microseconds since the Unix epoch, UTC.
    pub touched_us: i64,
    /// The touch's source id, as in [`Store::source_rows`].
    pub source_id: u32,
}

impl Store {
    /// Streams every touch of the journeys that did not convert, naming its source by its
    /// position in `sources` (as [`Store::source_rows`] listed them).
    pub fn for_each_open_touch(
        &self,
        sources: &[&str],
        mut visit: impl FnMut(OpenTouchRow),
    ) -> Result<(), StoreError> {
        let sql = format!(
            "WITH {},
             last_conversion AS (
                 SELECT cookie_id, max(converted_at) AS converted_at FROM conversions
                 WHERE cookie_id IS NOT NULL GROUP BY cookie_id)
             SELECT (hash(t.cookie_id) >> 1)::BIGINT, epoch_us(t.touched_at), s.source_id
             FROM touches t
             JOIN source_ids s ON s.source = t.source
             LEFT JOIN last_conversion l ON l.cookie_id = t.cookie_id
             WHERE t.cookie_id IS NOT NULL
               AND (l.converted_at IS NULL OR t.touched_at > l.converted_at)
             ORDER BY 1, t.touched_at, t.touch_seq",
            listed_sources_cte(sources)
        );
        let mut stmt = self
            .conn
            .prepare(&sql)
            .doing("reading unconverted journeys")?;
        for batch in stmt
            .stream_arrow([])
            .doing("reading unconverted journeys")?
        {
            let batch = batch.doing("reading unconverted journeys")?;
            let column = |i: usize| batch.column(i).as_primitive::<Int64Type>();
            let (path, touched, source) = (column(0), column(1), column(2));
            for i in 0..batch.num_rows() {
                visit(OpenTouchRow {
                    path: path.value(i),
                    touched_us: touched.value(i),
                    source_id: source.value(i) as u32,
                });
            }
        }
        Ok(())
    }
}
