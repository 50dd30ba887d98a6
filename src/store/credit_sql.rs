//! First-touch, last-touch and linear credit as one DuckDB query.
//!
//! This is the reference the in-memory engine is checked against: the same rules written a
//! second, independent way, over the stored tables.

use super::journey_rows::{conversions_cte, sources_cte};
use super::{QueryContext, Store, StoreError};

/// The settings the SQL models take, in plain values (the store knows no model types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqlCreditParams {
    /// Cookie window in seconds, `None` for unlimited.
    pub window_secs: Option<i64>,
    /// Touches at or before an earlier conversion of the same cookie are not reused.
    pub reset_after_conversion: bool,
    /// Only partner touches count.
    pub partners_only: bool,
}

/// Credit of one source under one model.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlCreditRow {
    /// Partner id or channel.
    pub source: String,
    /// `first`, `last` or `linear`.
    pub model: String,
    /// Credited conversions (fractional for linear).
    pub conversions: f64,
    /// Credited revenue.
    pub revenue: f64,
    /// Commission earned on the credit.
    pub payout: f64,
}

const CREDIT_SQL: &str = "
counted AS (
    SELECT c.conversion_seq, c.revenue, c.status, t.source, t.touched_at, t.touch_seq
    FROM conv c
    JOIN touches t ON t.cookie_id = c.cookie_id AND t.touched_at <= c.converted_at
    WHERE epoch_us(c.converted_at) - epoch_us(t.touched_at) <= {window_us}
      AND (NOT {reset} OR c.prev_converted_at IS NULL OR t.touched_at > c.prev_converted_at)
      AND (NOT {partners_only} OR t.source IN (SELECT source FROM partner_sources))),
ranked AS (
    SELECT *,
        row_number() OVER (PARTITION BY conversion_seq ORDER BY touched_at, touch_seq) AS rank_first,
        row_number() OVER (PARTITION BY conversion_seq ORDER BY touched_at DESC, touch_seq DESC)
            AS rank_last,
        count(*) OVER (PARTITION BY conversion_seq) AS touches_counted
    FROM counted),
shares AS (
    SELECT source, 'first' AS model, 1.0::DOUBLE AS share, revenue, status
        FROM ranked WHERE rank_first = 1
    UNION ALL SELECT source, 'last', 1.0::DOUBLE, revenue, status FROM ranked WHERE rank_last = 1
    UNION ALL SELECT source, 'linear', 1.0 / touches_counted, revenue, status FROM ranked),
priced AS (
    SELECT sh.source, sh.model, sh.share, sh.revenue,
        CASE WHEN sh.status IN ('refunded', 'cancelled') OR p.commission_kind IS NULL THEN 0.0
             WHEN p.commission_kind = 'percent' THEN sh.revenue * p.commission_value / 100.0
             ELSE p.commission_value END AS full_payout
    FROM shares sh LEFT JOIN partners p ON p.partner_id = sh.source),
credit AS (
    SELECT source, model, sum(share) AS conversions, sum(share * revenue) AS revenue,
           sum(share * full_payout) AS payout
    FROM priced GROUP BY source, model),
models AS (SELECT * FROM (VALUES ('first', 0), ('last', 1), ('linear', 2)) m(model, model_order))
SELECT s.source, m.model, coalesce(cr.conversions, 0), coalesce(cr.revenue, 0),
       coalesce(cr.payout, 0)
FROM source_ids s CROSS JOIN models m
LEFT JOIN credit cr ON cr.source = s.source AND cr.model = m.model
ORDER BY s.source, m.model_order";

impl Store {
    /// Credit per source and model computed entirely in SQL; one row per source and model,
    /// ordered by source then `first`, `last`, `linear`.
    pub fn sql_credit(&self, settings: SqlCreditParams) -> Result<Vec<SqlCreditRow>, StoreError> {
        // Plain numbers and booleans, formatted in: nothing here comes from the user's text.
        let window_us = settings
            .window_secs
            .map_or(i64::MAX, |secs| secs.saturating_mul(1_000_000));
        let credit_sql = CREDIT_SQL
            .replace("{window_us}", &window_us.to_string())
            .replace("{reset}", &settings.reset_after_conversion.to_string())
            .replace("{partners_only}", &settings.partners_only.to_string());
        let sql = format!(
            "WITH {}, {}, {credit_sql}",
            sources_cte(),
            conversions_cte()
        );
        let mut stmt = self.conn.prepare(&sql).doing("computing credit in SQL")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(SqlCreditRow {
                    source: r.get(0)?,
                    model: r.get(1)?,
                    conversions: r.get(2)?,
                    revenue: r.get(3)?,
                    payout: r.get(4)?,
                })
            })
            .doing("computing credit in SQL")?;
        rows.collect::<Result<_, _>>()
            .doing("computing credit in SQL")
    }
}
