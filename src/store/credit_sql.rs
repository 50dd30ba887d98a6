//! First-touch, last-touch, linear, position-based and time decay credit as one SQL query,
//! written for DuckDB or for Spark ([`SqlDialect`]).
//!
//! This is the reference the in-memory engine is checked against: the same rules written a
//! second, independent way, over the stored tables; the warehouse job runs the same text over
//! Parquet files, in DuckDB or on a Spark cluster.

use super::dialect::SqlDialect;
use super::journey_rows::{
    candidates_cte, conversions_cte, coupon_owners_cte, sources_cte, touch_key_sql,
};
use super::{QueryContext, Store, StoreError};
use crate::domain::{AttributionSettings, CreditModel, CreditRow, ModelParams, TouchKey};

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
/// conversions a coupon takes whole). `{lag_us}`, `{reused}` and `{cap_us}` are the dialect's.
const COUNTED_SQL: &str = "
keyed AS (
    SELECT c.conversion_idx, c.revenue, c.status, t.source, t.touched_at, t.touch_seq,
           {touch_key} AS touch_key, {lag_us} AS lag_us
    FROM candidates k
    JOIN conv c ON c.conversion_idx = k.conversion_idx
    JOIN touches t ON t.touch_seq = k.touch_seq),
touch_counted AS (
    SELECT conversion_idx, revenue, status, source, touched_at, touch_seq, lag_us FROM keyed
    WHERE (touch_key & {links}) <> 0
      AND lag_us <= {window_us}
      AND NOT ({reset} AND ({reused} & {links}) <> 0)
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

/// Ages in whole seconds, rounded up as the index keeps them (`{lag_s}`), and each touch's
/// time-decay weight: `{half_life_s}` and `{whole}` (`floor` for whole half-lives, empty for
/// fractions).
const DECAYED_SQL: &str = "
aged AS (
    SELECT *, {lag_s} AS lag_s, min({lag_s}) OVER (PARTITION BY conversion_idx) AS youngest_s
    FROM ranked),
decayed AS (
    SELECT *, pow(CAST(0.5 AS DOUBLE),
                  {whole}(lag_s / {half_life_s}) - {whole}(youngest_s / {half_life_s})) AS weight
    FROM aged)";

/// A position-based share: `{first}`, `{middle}`, `{last}` (fractions summing to 1),
/// `{two_first}` and `{two_last}` (the shares of a two-touch journey).
const POSITION_SHARE_SQL: &str = "CAST(CASE WHEN touches_counted = 1 THEN CAST(1 AS DOUBLE)
             WHEN touches_counted = 2 AND rank_first = 1 THEN {two_first}
             WHEN touches_counted = 2 THEN {two_last}
             WHEN rank_first = 1 THEN {first}
             WHEN rank_last = 1 THEN {last}
             ELSE {middle} / (touches_counted - 2) END AS DOUBLE)";

/// Credit per source and model from `shares`, every source under every model of `{models}`
/// (`('first', 0), ...`: name and place).
const PRICED_SQL: &str = "
priced AS (
    SELECT sh.source, sh.model, sh.share, sh.revenue,
        CASE WHEN sh.status IN ('refunded', 'cancelled') OR p.commission_kind IS NULL
                 THEN CAST(0 AS DOUBLE)
             WHEN p.commission_kind = 'percent'
                 THEN sh.revenue * p.commission_value / CAST(100 AS DOUBLE)
             ELSE p.commission_value END AS full_payout
    FROM shares sh LEFT JOIN partners p ON p.partner_id = sh.source),
credit AS (
    SELECT source, model, sum(share) AS conversions, sum(share * revenue) AS revenue,
           sum(share * full_payout) AS payout
    FROM priced GROUP BY source, model),
models AS (SELECT * FROM (VALUES {models}) AS m(model, model_order))
SELECT s.source AS source, m.model AS model,
       coalesce(cr.conversions, CAST(0 AS DOUBLE)) AS conversions,
       coalesce(cr.revenue, CAST(0 AS DOUBLE)) AS revenue,
       coalesce(cr.payout, CAST(0 AS DOUBLE)) AS payout
FROM source_ids s CROSS JOIN models m
LEFT JOIN credit cr ON cr.source = s.source AND cr.model = m.model
ORDER BY s.source, m.model_order";

/// A model the SQL version does not compute (Markov, Shapley and last non-direct run only in
/// the engine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the SQL job computes first, last, linear, position and time_decay; '{}' runs only in the app",
    .0.key()
)]
pub struct NotInSql(pub CreditModel);

/// The models the SQL version computes.
pub const SQL_MODELS: [CreditModel; 5] = [
    CreditModel::First,
    CreditModel::Last,
    CreditModel::Linear,
    CreditModel::Position,
    CreditModel::TimeDecay,
];

/// The cookie cap of a keyed touch's browser family, in microseconds.
fn cap_us_sql(dialect: SqlDialect, caps: &[Option<u16>; 8]) -> String {
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
        let family = dialect.shift_right("touch_key", TouchKey::BROWSER_SHIFT.into());
        format!("(CASE {family} & 7{arms} ELSE {} END)", i64::MAX)
    }
}

/// A number as a SQL literal both engines read as a `DOUBLE` (never text from a file).
fn number_sql(value: f64) -> String {
    if value.is_finite() {
        format!("CAST({value:?} AS DOUBLE)")
    } else {
        "CAST('inf' AS DOUBLE)".to_owned()
    }
}

/// The share expression and the relation it is read from, of one model.
fn share_of(model: CreditModel, params: &ModelParams) -> (String, &'static str) {
    match model {
        CreditModel::First => ("CAST(1 AS DOUBLE)".into(), "ranked WHERE rank_first = 1"),
        CreditModel::Last => ("CAST(1 AS DOUBLE)".into(), "ranked WHERE rank_last = 1"),
        CreditModel::Linear => ("CAST(1 AS DOUBLE) / touches_counted".into(), "ranked"),
        CreditModel::Position => (position_share_sql(params), "ranked"),
        _ => (
            "weight / sum(weight) OVER (PARTITION BY conversion_idx)".into(),
            "decayed",
        ),
    }
}

/// [`POSITION_SHARE_SQL`] with the weights of `params` (in percent, as the models take them).
fn position_share_sql(params: &ModelParams) -> String {
    let [f, m, l] = params.position_weights_pct;
    let sum = f + m + l;
    let (first, middle, last) = (f / sum, m / sum, l / sum);
    let (two_first, two_last) = if params.position_two_touch_proportional && first + last > 0.0 {
        (first / (first + last), last / (first + last))
    } else {
        (first + middle / 2.0, last + middle / 2.0)
    };
    POSITION_SHARE_SQL
        .replace("{first}", &number_sql(first))
        .replace("{middle}", &number_sql(middle))
        .replace("{last}", &number_sql(last))
        .replace("{two_first}", &number_sql(two_first))
        .replace("{two_last}", &number_sql(two_last))
}

/// `shares (source, model, share, revenue, status)` of `models` (each one [`SQL_MODELS`]), and
/// before it the time-decay weights when time decay is among them.
fn shares_sql(dialect: SqlDialect, models: &[CreditModel], params: &ModelParams) -> String {
    let mut selects: Vec<String> = models
        .iter()
        .map(|&model| {
            let (share, from) = share_of(model, params);
            format!(
                "SELECT source, '{}' AS model, {share} AS share, revenue, status FROM {from}",
                model.key()
            )
        })
        .collect();
    let names: Vec<String> = models.iter().map(|m| format!("('{}')", m.key())).collect();
    selects.push(format!(
        "SELECT w.source, m.model, CAST(1 AS DOUBLE), w.revenue, w.status
        FROM coupon_wins w CROSS JOIN (VALUES {}) AS m(model)",
        names.join(", ")
    ));
    let shares = format!("shares AS (\n    {})", selects.join("\n    UNION ALL "));
    if !models.contains(&CreditModel::TimeDecay) {
        return shares;
    }
    let lag_s = dialect.int_div("lag_us + 999999", "1000000");
    let decayed = DECAYED_SQL
        .replace("{lag_s}", &lag_s)
        .replace(
            "{half_life_s}",
            &number_sql(params.half_life_hours * 3600.0),
        )
        .replace(
            "{whole}",
            if params.time_decay_steps { "floor" } else { "" },
        );
    format!("{decayed},\n{shares}")
}

/// The credit query's common table expressions and final `SELECT`, without the leading
/// `WITH`: one row per source and model (`source, model, conversions, revenue, payout`),
/// ordered by source then the order of `models`, over the tables `partners`, `touches` and
/// `conversions` (or common table expressions of those names a caller puts first).
///
/// Every setting is a number, a boolean or a fixed word of this program: no text of a file or
/// a user becomes part of it.
pub fn credit_query_body(
    dialect: SqlDialect,
    settings: &AttributionSettings,
    params: &ModelParams,
    models: &[CreditModel],
) -> Result<String, NotInSql> {
    if let Some(&model) = models.iter().find(|m| !SQL_MODELS.contains(m)) {
        return Err(NotInSql(model));
    }
    let sql_settings = SqlCreditParams::of(settings);
    let window_us = sql_settings
        .window_secs
        .map_or(i64::MAX, |secs| secs.saturating_mul(1_000_000));
    let order: Vec<String> = models
        .iter()
        .enumerate()
        .map(|(place, m)| format!("('{}', {place})", m.key()))
        .collect();
    let lag_us = format!(
        "{} - {}",
        dialect.epoch_us("c.converted_at"),
        dialect.epoch_us("t.touched_at")
    );
    // Plain numbers, booleans and fixed words, formatted in.
    let credit_sql = format!(
        "{COUNTED_SQL},{},{}",
        shares_sql(dialect, models, params),
        PRICED_SQL.replace("{models}", &order.join(", "))
    )
    .replace("{touch_key}", &touch_key_sql(dialect, "k.links"))
    .replace("{lag_us}", &lag_us)
    .replace("{reused}", &dialect.shift_right("touch_key", 3))
    .replace("{links}", &sql_settings.link_methods.to_string())
    .replace("{window_us}", &window_us.to_string())
    .replace(
        "{cap_us}",
        &cap_us_sql(dialect, &sql_settings.browser_cap_days),
    )
    .replace("{reset}", &sql_settings.reset_after_conversion.to_string())
    .replace("{partners_only}", &sql_settings.partners_only.to_string())
    .replace(
        "{coupon_on}",
        &sql_settings.coupon_mode.is_some().to_string(),
    )
    .replace("{coupon_mode}", sql_settings.coupon_mode.unwrap_or("off"));
    Ok(format!(
        "{},\n{},\n{},\n{},\n{credit_sql}",
        sources_cte(),
        conversions_cte(),
        candidates_cte(),
        coupon_owners_cte(dialect)
    ))
}

impl Store {
    /// First-touch, last-touch and linear credit computed entirely in SQL over the stored
    /// tables, the cross-check of the in-memory engine; one row per source and model, ordered
    /// by source then `first`, `last`, `linear`.
    pub fn sql_credit_rows(
        &self,
        settings: &AttributionSettings,
    ) -> Result<Vec<CreditRow>, StoreError> {
        let models = [CreditModel::First, CreditModel::Last, CreditModel::Linear];
        self.credit_rows_of(settings, &ModelParams::default(), &models)
    }

    /// Position-based and time decay credit computed entirely in SQL, the cross-check of the
    /// engine's weightings; one row per source and model, ordered by source then `position`,
    /// `time_decay`. Position weights are in percent, as the models take them.
    pub fn sql_weighted_credit_rows(
        &self,
        settings: &AttributionSettings,
        params: &ModelParams,
    ) -> Result<Vec<CreditRow>, StoreError> {
        let models = [CreditModel::Position, CreditModel::TimeDecay];
        self.credit_rows_of(settings, params, &models)
    }

    /// Credit rows of `models` (each one of [`SQL_MODELS`]) over the stored tables.
    fn credit_rows_of(
        &self,
        settings: &AttributionSettings,
        params: &ModelParams,
        models: &[CreditModel],
    ) -> Result<Vec<CreditRow>, StoreError> {
        let body = credit_query_body(SqlDialect::DuckDb, settings, params, models)
            .expect("the store asks only for the SQL models");
        query_credit_rows(&self.conn, &format!("WITH {body}"))
    }
}

/// Runs a credit query (its columns `source, model, conversions, revenue, payout`).
pub(super) fn query_credit_rows(
    conn: &duckdb::Connection,
    sql: &str,
) -> Result<Vec<CreditRow>, StoreError> {
    let mut stmt = conn.prepare(sql).doing("computing credit in SQL")?;
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
