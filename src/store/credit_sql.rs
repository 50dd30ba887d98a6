//! First-touch, last-touch and linear credit as one DuckDB query, and position-based and time
//! decay credit as another.
//!
//! This is the reference the in-memory engine is checked against: the same rules written a
//! second, independent way, over the stored tables.

use super::journey_rows::{
    candidates_cte, conversions_cte, coupon_owners_cte, sources_cte, touch_key_sql,
};
use super::{QueryContext, Store, StoreError};
use crate::domain::{AttributionSettings, CreditRow, ModelParams, TouchKey};

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

/// The counted touches of every conversion, ranked: `ranked` (and `coupon_wins`, the
/// conversions a coupon takes whole).
const COUNTED_SQL: &str = "
keyed AS (
    SELECT c.conversion_idx, c.revenue, c.status, t.source, t.touched_at, t.touch_seq,
           {touch_key} AS touch_key,
           epoch_us(c.converted_at) - epoch_us(t.touched_at) AS lag_us
    FROM candidates k
    JOIN conv c ON c.conversion_idx = k.conversion_idx
    JOIN touches t ON t.touch_seq = k.touch_seq),
touch_counted AS (
    SELECT conversion_idx, revenue, status, source, touched_at, touch_seq, lag_us FROM keyed
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
    SELECT conversion_idx, revenue, status, source, converted_at, 9223372036854775807, 0
    FROM coupon_conv WHERE '{coupon_mode}' = 'touch'),
ranked AS (
    SELECT *,
        row_number() OVER (PARTITION BY conversion_idx ORDER BY touched_at, touch_seq) AS rank_first,
        row_number() OVER (PARTITION BY conversion_idx ORDER BY touched_at DESC, touch_seq DESC)
            AS rank_last,
        count(*) OVER (PARTITION BY conversion_idx) AS touches_counted
    FROM counted)";

/// Each counted touch's share under first, last and linear.
const CLASSIC_SHARES_SQL: &str = "
shares AS (
    SELECT source, 'first' AS model, 1.0::DOUBLE AS share, revenue, status
        FROM ranked WHERE rank_first = 1
    UNION ALL SELECT source, 'last', 1.0::DOUBLE, revenue, status FROM ranked WHERE rank_last = 1
    UNION ALL SELECT source, 'linear', 1.0 / touches_counted, revenue, status FROM ranked
    UNION ALL SELECT w.source, m.model, 1.0::DOUBLE, w.revenue, w.status
        FROM coupon_wins w CROSS JOIN (VALUES ('first'), ('last'), ('linear')) m(model))";

/// Each counted touch's share under position-based and time decay: the parameters are
/// `{first}`, `{middle}`, `{last}` (fractions summing to 1), `{two_first}` and `{two_last}`
/// (the shares of a two-touch journey), `{half_life_s}` and `{whole}` (`floor` for whole
/// half-lives, empty for fractions). Ages in whole seconds, rounded up, as the index keeps them.
const WEIGHTED_SHARES_SQL: &str = "
aged AS (
    SELECT *, (lag_us + 999999) // 1000000 AS lag_s,
           min((lag_us + 999999) // 1000000) OVER (PARTITION BY conversion_idx) AS youngest_s
    FROM ranked),
decayed AS (
    SELECT *, pow(0.5, {whole}(lag_s / {half_life_s}) - {whole}(youngest_s / {half_life_s}))
              AS weight
    FROM aged),
shares AS (
    SELECT source, 'position' AS model,
        CASE WHEN touches_counted = 1 THEN 1.0
             WHEN touches_counted = 2 AND rank_first = 1 THEN {two_first}
             WHEN touches_counted = 2 THEN {two_last}
             WHEN rank_first = 1 THEN {first}
             WHEN rank_last = 1 THEN {last}
             ELSE {middle} / (touches_counted - 2) END::DOUBLE AS share,
        revenue, status
    FROM ranked
    UNION ALL
    SELECT source, 'time_decay', weight / sum(weight) OVER (PARTITION BY conversion_idx),
           revenue, status
    FROM decayed
    UNION ALL SELECT w.source, m.model, 1.0::DOUBLE, w.revenue, w.status
        FROM coupon_wins w CROSS JOIN (VALUES ('position'), ('time_decay')) m(model))";

/// Credit per source and model from `shares`, every source under every model of `{models}`
/// (`('first', 0), ...`: name and place).
const PRICED_SQL: &str = "
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
models AS (SELECT * FROM (VALUES {models}) m(model, model_order))
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

/// A number as a DuckDB literal, `'inf'::DOUBLE` for infinity (never text from a file).
fn number_sql(value: f64) -> String {
    if value.is_finite() {
        format!("{value:?}::DOUBLE")
    } else {
        "'inf'::DOUBLE".to_owned()
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
        let models = "('first', 0), ('last', 1), ('linear', 2)";
        self.credit_rows_of(settings, CLASSIC_SHARES_SQL, models)
    }

    /// Position-based and time decay credit computed entirely in SQL, the cross-check of the
    /// engine's weightings; one row per source and model, ordered by source then `position`,
    /// `time_decay`. Position weights are in percent, as the models take them.
    pub fn sql_weighted_credit_rows(
        &self,
        settings: &AttributionSettings,
        params: &ModelParams,
    ) -> Result<Vec<CreditRow>, StoreError> {
        let [f, m, l] = params.position_weights_pct;
        let sum = f + m + l;
        let (first, middle, last) = (f / sum, m / sum, l / sum);
        let (two_first, two_last) = if params.position_two_touch_proportional && first + last > 0.0
        {
            (first / (first + last), last / (first + last))
        } else {
            (first + middle / 2.0, last + middle / 2.0)
        };
        let shares = WEIGHTED_SHARES_SQL
            .replace("{first}", &number_sql(first))
            .replace("{middle}", &number_sql(middle))
            .replace("{last}", &number_sql(last))
            .replace("{two_first}", &number_sql(two_first))
            .replace("{two_last}", &number_sql(two_last))
            .replace(
                "{half_life_s}",
                &number_sql(params.half_life_hours * 3600.0),
            )
            .replace(
                "{whole}",
                if params.time_decay_steps { "floor" } else { "" },
            );
        self.credit_rows_of(settings, &shares, "('position', 0), ('time_decay', 1)")
    }

    /// Credit rows of the models listed in `models`, their shares by `shares_sql`.
    fn credit_rows_of(
        &self,
        settings: &AttributionSettings,
        shares_sql: &str,
        models: &str,
    ) -> Result<Vec<CreditRow>, StoreError> {
        let settings = SqlCreditParams::of(settings);
        // Plain numbers and booleans, formatted in: nothing here comes from the user's text.
        let window_us = settings
            .window_secs
            .map_or(i64::MAX, |secs| secs.saturating_mul(1_000_000));
        let credit_sql = format!(
            "{COUNTED_SQL},{shares_sql},{}",
            PRICED_SQL.replace("{models}", models)
        )
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
