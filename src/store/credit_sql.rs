//! First-touch, last-touch and linear credit as one DuckDB query.
//!
//! This is the reference the in-memory engine is checked against: the same rules written a
//! second, independent way, over the stored tables.

use super::journey_rows::{
    candidates_cte, conversions_cte, coupon_owners_cte, sources_cte, touch_key_sql,
};
use super::{QueryContext, Store, StoreError};
use crate::domain::{AttributionSettings, CreditRow, TouchKey};

/// The settings the SQL models take, in plain values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SqlCreditParams {
    /// Cookie window in seconds, `None` for unlimited.
    window_secs: Option<i64>,
    /// Touches at or before an earlier conversion of the same cookie are not reused.
    reset_after_conversion: bool,
    /// Only partner touches count.
    partners_only: bool,
    /// Enabled linking methods as bits: 1 cookie, 2 click id, 4 user.
    link_methods: u8,
    /// How coupons count (`backup`, `override`, `touch`), `None` when off.
    coupon_mode: Option<&'static str>,
    /// Cookie cap in days per browser family number, for touches matched only by cookie.
    browser_cap_days: [Option<u16>; 8],
}

impl SqlCreditParams {
    fn of(settings: &AttributionSettings) -> SqlCreditParams {
        let tracking = &settings.tracking;
        SqlCreditParams {
            window_secs: settings.window.secs(),
            reset_after_conversion: settings.reset_after_conversion,
            partners_only: settings.partners_only,
            link_methods: tracking.methods.0 & 7,
            coupon_mode: tracking.coupons_on().then(|| tracking.coupon.key()),
            browser_cap_days: tracking.browser_caps.days,
        }
    }
}

const CREDIT_SQL: &str = "
keyed AS (
    SELECT c.conversion_idx, c.revenue, c.status, t.source, t.touched_at, t.touch_seq,
           {touch_key} AS touch_key,
           epoch_us(c.converted_at) - epoch_us(t.touched_at) AS lag_us
    FROM candidates k
    JOIN conv c ON c.conversion_idx = k.conversion_idx
    JOIN touches t ON t.touch_seq = k.touch_seq),
touch_counted AS (
    SELECT conversion_idx, revenue, status, source, touched_at, touch_seq FROM keyed
    WHERE (touch_key & {links}) <> 0
      AND lag_us <= {window_us}
      AND NOT ({reset} AND ((touch_key >> 3) & {links}) <> 0)
      AND NOT ((touch_key & {links}) = 1 AND lag_us > {cap_us})
      AND (NOT {partners_only} OR source IN (SELECT source FROM partner_sources))),
coupon_conv AS (
    SELECT c.conversion_idx, c.revenue, c.status, c.converted_at, o.partner_id AS source
    FROM conv c JOIN coupon_owners o ON o.code = upper(trim(c.coupon_code))
    WHERE {coupon_on}),
coupon_wins AS (
    SELECT * FROM coupon_conv
    WHERE '{coupon_mode}' = 'override'
       OR ('{coupon_mode}' = 'backup' AND conversion_idx NOT IN (
           SELECT conversion_idx FROM touch_counted
           WHERE source IN (SELECT source FROM partner_sources)))),
counted AS (
    SELECT * FROM touch_counted
    WHERE conversion_idx NOT IN (SELECT conversion_idx FROM coupon_wins)
    UNION ALL
    SELECT conversion_idx, revenue, status, source, converted_at, 9223372036854775807
    FROM coupon_conv WHERE '{coupon_mode}' = 'touch'),
ranked AS (
    SELECT *,
        row_number() OVER (PARTITION BY conversion_idx ORDER BY touched_at, touch_seq) AS rank_first,
        row_number() OVER (PARTITION BY conversion_idx ORDER BY touched_at DESC, touch_seq DESC)
            AS rank_last,
        count(*) OVER (PARTITION BY conversion_idx) AS touches_counted
    FROM counted),
shares AS (
    SELECT source, 'first' AS model, 1.0::DOUBLE AS share, revenue, status
        FROM ranked WHERE rank_first = 1
    UNION ALL SELECT source, 'last', 1.0::DOUBLE, revenue, status FROM ranked WHERE rank_last = 1
    UNION ALL SELECT source, 'linear', 1.0 / touches_counted, revenue, status FROM ranked
    UNION ALL SELECT w.source, m.model, 1.0::DOUBLE, w.revenue, w.status
        FROM coupon_wins w CROSS JOIN (VALUES ('first'), ('last'), ('linear')) m(model)),
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

/// The cookie cap of a keyed touch's browser family, in microseconds.
fn cap_us_sql(caps: &[Option<u16>; 8]) -> String {
    let arms: String = caps
        .iter()
        .enumerate()
        .filter_map(|(family, days)| {
            days.map(|d| format!(" WHEN {family} THEN {}", i64::from(d) * 86_400_000_000))
        })
        .collect();
    if arms.is_empty() {
        i64::MAX.to_string()
    } else {
        format!(
            "(CASE (touch_key >> {}) & 7{arms} ELSE {} END)",
            TouchKey::BROWSER_SHIFT,
            i64::MAX
        )
    }
}

impl Store {
    /// First-touch, last-touch and linear credit computed entirely in SQL over the stored
    /// tables, the cross-check of the in-memory engine; one row per source and model, ordered
    /// by source then `first`, `last`, `linear`.
    pub fn sql_credit_rows(
        &self,
        settings: &AttributionSettings,
    ) -> Result<Vec<CreditRow>, StoreError> {
        let settings = SqlCreditParams::of(settings);
        // Plain numbers and booleans, formatted in: nothing here comes from the user's text.
        let window_us = settings
            .window_secs
            .map_or(i64::MAX, |secs| secs.saturating_mul(1_000_000));
        let credit_sql = CREDIT_SQL
            .replace("{touch_key}", &touch_key_sql("k.links"))
            .replace("{links}", &settings.link_methods.to_string())
            .replace("{window_us}", &window_us.to_string())
            .replace("{cap_us}", &cap_us_sql(&settings.browser_cap_days))
            .replace("{reset}", &settings.reset_after_conversion.to_string())
            .replace("{partners_only}", &settings.partners_only.to_string())
            .replace("{coupon_on}", &settings.coupon_mode.is_some().to_string())
            .replace("{coupon_mode}", settings.coupon_mode.unwrap_or("off"));
        let sql = format!(
            "WITH {}, {}, {}, {}, {credit_sql}",
            sources_cte(),
            conversions_cte(),
            candidates_cte(),
            coupon_owners_cte()
        );
        let mut stmt = self.conn.prepare(&sql).doing("computing credit in SQL")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(CreditRow {
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
