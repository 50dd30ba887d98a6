//! The rows the in-memory journey index is built from.
//!
//! A touch is a candidate for a conversion when an identity links them (the same `cookie_id`,
//! the conversion kept the touch's `click_id`, or the same logged-in `user_id`) and the touch
//! happened at or before the conversion. Each candidate row carries a packed key: which
//! methods link it, under which methods an earlier conversion already used it, its browser
//! family and its redirect facts. Everything a model needs beyond that (enabled methods,
//! window, caps, reset, scope) is decided later, in memory.

use duckdb::arrow::array::Array;
use duckdb::arrow::array::{AsArray, PrimitiveArray};
use duckdb::arrow::datatypes::{Float64Type, Int64Type};

use super::dialect::SqlDialect;
use super::{QueryContext, Store, StoreError};
use crate::domain::{BrowserFamily, Methods, TouchKey};

/// Days between a partner-reported lead and the conversion it names, at most, by default.
pub const LEAD_MATCH_DAYS: u32 = 7;

/// Sources (partners and channels) numbered by name, plus every registered partner.
const SOURCES_CTE: &str = "
partner_sources AS (
    SELECT partner_id AS source FROM partners
    UNION SELECT DISTINCT partner_id FROM touches WHERE partner_id IS NOT NULL),
all_sources AS (
    SELECT source FROM partner_sources UNION SELECT DISTINCT source FROM touches),
source_ids AS (
    SELECT source, CAST(row_number() OVER (ORDER BY source) - 1 AS BIGINT) AS source_id
    FROM all_sources)";

/// Conversions keyed by their import-order number (`conversion_idx`, unique, with gaps: no
/// global numbering, which Spark would run on one core), with the previous conversion of the
/// same cookie, click id and user.
const CONVERSIONS_CTE: &str = "
conv AS (
    SELECT conversion_seq, conversion_id, cookie_id, user_id, click_id, coupon_code,
           converted_at, revenue, status, currency,
           conversion_seq AS conversion_idx,
           CASE WHEN cookie_id IS NOT NULL THEN lag(converted_at) OVER (
               PARTITION BY cookie_id ORDER BY converted_at, conversion_seq) END AS prev_cookie_at,
           CASE WHEN click_id IS NOT NULL THEN lag(converted_at) OVER (
               PARTITION BY click_id ORDER BY converted_at, conversion_seq) END AS prev_click_at,
           CASE WHEN user_id IS NOT NULL THEN lag(converted_at) OVER (
               PARTITION BY user_id ORDER BY converted_at, conversion_seq) END AS prev_user_at
    FROM conversions)";

/// Conversions keyed by their sequence number, without the previous-conversion times (what
/// listing conversions needs; positions are counted in memory).
const CONVERSION_IDS_CTE: &str = "
conv AS (
    SELECT conversion_seq AS conversion_idx, conversion_seq, conversion_id, cookie_id, user_id,
           click_id, coupon_code, converted_at, revenue, status, currency, category,
           subscription_id
    FROM conversions)";

/// The three disjoint ways conversion `c` and a touch `t` at or before it are linked: the same
/// cookie; else the click id the conversion kept; else the same logged-in user. Each branch
/// selects `COLUMNS`, in which `LINKS` stands for the linking methods as bits (1 cookie, 2 click
/// id, 4 user). Disjoint branches need no grouping to merge a pair linked several ways.
const LINK_BRANCHES: &str = "
    SELECT COLUMNS_COOKIE
    FROM conv c JOIN touches t ON t.cookie_id = c.cookie_id AND t.touched_at <= c.converted_at
    UNION ALL
    SELECT COLUMNS_CLICK
    FROM conv c JOIN touches t ON t.click_id = c.click_id AND t.touched_at <= c.converted_at
    WHERE NOT coalesce(t.cookie_id = c.cookie_id, false)
    UNION ALL
    SELECT COLUMNS_USER
    FROM conv c JOIN touches t ON t.user_id = c.user_id AND t.touched_at <= c.converted_at
    WHERE NOT coalesce(t.cookie_id = c.cookie_id, false)
      AND NOT coalesce(t.click_id = c.click_id, false)";

/// The link bits of each branch of [`LINK_BRANCHES`].
const LINKS_COOKIE: &str = "(1 | CASE WHEN t.click_id = c.click_id THEN 2 ELSE 0 END
    | CASE WHEN t.user_id = c.user_id THEN 4 ELSE 0 END)";
const LINKS_CLICK: &str = "(2 | CASE WHEN t.user_id = c.user_id THEN 4 ELSE 0 END)";
const LINKS_USER: &str = "4";

/// [`LINK_BRANCHES`] selecting `columns` (with `LINKS` in it).
fn link_branches(columns: &str) -> String {
    LINK_BRANCHES
        .replace("COLUMNS_COOKIE", &columns.replace("LINKS", LINKS_COOKIE))
        .replace("COLUMNS_CLICK", &columns.replace("LINKS", LINKS_CLICK))
        .replace("COLUMNS_USER", &columns.replace("LINKS", LINKS_USER))
}

/// The coupon codes of every partner, normalised, and the partner owning each; `{codes}` is
/// the dialect's split of `coupon_codes` into rows named `code`.
const COUPON_OWNERS_CTE: &str = "
coupon_codes AS (
    SELECT partner_id, {codes}
    FROM partners WHERE coupon_codes IS NOT NULL),
coupon_owners AS (
    SELECT upper(trim(code)) AS code, min(partner_id) AS partner_id
    FROM coupon_codes WHERE trim(code) <> '' GROUP BY upper(trim(code)))";

/// A `landing_status` (lower-cased) that says the landing failed.
pub(super) const FAILED_LANDING: &str =
    "^(fail|failed|failure|error|timeout|blocked|broken|[45][0-9][0-9])$";

/// The browser family number of touch `t` ([`BrowserFamily::index`]). Chrome and Edge before
/// Safari: their names often carry "Safari" too.
fn browser_family_sql() -> String {
    use BrowserFamily::*;
    let n = |family: BrowserFamily| family.index();
    format!(
        "CASE t.browser
    WHEN 'Chrome' THEN {chrome} WHEN 'Safari' THEN {safari} WHEN 'Firefox' THEN {firefox}
    WHEN 'Edge' THEN {edge}
    ELSE CASE
    WHEN t.browser IS NULL OR trim(t.browser) = '' THEN {unknown}
    WHEN lower(t.browser) LIKE '%samsung%' THEN {samsung}
    WHEN lower(t.browser) LIKE '%edg%' THEN {edge}
    WHEN lower(t.browser) LIKE '%opera%' OR lower(t.browser) LIKE '%opr/%' THEN {opera}
    WHEN lower(t.browser) LIKE '%firefox%' OR lower(t.browser) LIKE '%fxios%' THEN {firefox}
    WHEN lower(t.browser) LIKE '%chrom%' OR lower(t.browser) LIKE '%crios%' THEN {chrome}
    WHEN lower(t.browser) LIKE '%safari%' THEN {safari}
    ELSE {other} END END",
        chrome = n(Chrome),
        safari = n(Safari),
        firefox = n(Firefox),
        edge = n(Edge),
        unknown = n(Unknown),
        samsung = n(Samsung),
        opera = n(Opera),
        other = n(Other),
    )
}

/// The parts of the packed [`TouchKey`] that depend on the touch alone and on `links`, the
/// methods linking it to conversion `c`: the linking methods, the browser family, no cookie
/// id, and a broken redirect (more than one hop, or the landing failed). The bit positions are
/// [`TouchKey`]'s own.
fn static_key_sql(dialect: SqlDialect, links: &str) -> String {
    format!(
        "({links}
    | {browser}
    | CASE WHEN t.cookie_id IS NULL THEN {no_cookie} ELSE 0 END
    | CASE WHEN coalesce(t.redirect_hops, 0) > 1
             OR (t.landing_status IS NOT NULL AND t.landing_status <> 'ok'
                 AND {failed})
           THEN {broken} ELSE 0 END)",
        browser = dialect.shift_left(&browser_family_sql(), TouchKey::BROWSER_SHIFT.into()),
        failed = dialect.regex_matches("lower(t.landing_status)", FAILED_LANDING),
        no_cookie = TouchKey::NO_COOKIE,
        broken = TouchKey::BROKEN_REDIRECT,
    )
}

/// The reuse bits of the key: the methods under which an earlier conversion of the same
/// identity came at or after the touch (the index computes these itself, from
/// [`ConversionRow`]s).
fn reuse_bits_sql() -> String {
    let bit = |method: Methods| u16::from(method.0) << TouchKey::REUSE_SHIFT;
    format!(
        "(CASE WHEN t.touched_at <= c.prev_cookie_at THEN {cookie} ELSE 0 END
    | CASE WHEN t.touched_at <= c.prev_click_at THEN {click} ELSE 0 END
    | CASE WHEN t.touched_at <= c.prev_user_at THEN {user} ELSE 0 END)",
        cookie = bit(Methods::COOKIE),
        click = bit(Methods::CLICK_ID),
        user = bit(Methods::USER),
    )
}

/// One source as the index sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRow {
    /// Dense id, in name order from 0.
    pub source_id: u32,
    /// Partner id or channel name.
    pub source: String,
    /// Whether the source is a partner (registered, or named by a click's partner id).
    pub is_partner: bool,
    /// The partner's display name, when registered.
    pub name: Option<String>,
    /// `percent` or `flat`, when registered.
    pub commission_kind: Option<String>,
    /// The percentage (12.0 for 12%) or the flat amount.
    pub commission_value: Option<f64>,
}

/// One conversion as the index sees it, in import order.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversionRow {
    /// Its number in import order (with gaps); candidate rows name conversions by it.
    pub conversion_seq: i64,
    /// Microseconds since the Unix epoch, UTC.
    pub converted_us: i64,
    /// Hashes of its cookie id, kept click id and user id (`None` when missing): conversions
    /// of the same identity share a hash.
    pub identity_hashes: [Option<i64>; 3],
    /// The conversion's id.
    pub conversion_id: String,
    /// Seconds since the Unix epoch, UTC.
    pub converted_at_secs: i64,
    /// Revenue in the conversion's currency.
    pub revenue: f64,
    /// `approved`, `pending`, `refunded` or `cancelled`.
    pub status: String,
    /// Currency code, when given.
    pub currency: Option<String>,
    /// The source id of the partner owning the conversion's coupon code.
    pub coupon_source_id: Option<u32>,
    /// The product category, when the conversions file gave one.
    pub category: Option<String>,
    /// The subscription the sale belongs to, when the file named one.
    pub subscription_id: Option<String>,
}

/// One candidate touch of one conversion, delivered in (conversion, time, input order) order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CandidateRow {
    /// The conversion's [`ConversionRow::conversion_seq`].
    pub conversion_seq: i64,
    /// When the touch happened, microseconds since the Unix epoch, UTC.
    pub touched_us: i64,
    /// The touch's source id, as in [`Store::source_rows`].
    pub source_id: u32,
    /// The packed touch key without the reuse bits (see `static_key_sql`).
    pub key: u16,
}

impl Store {
    /// Every source, ordered by name so that `source_id` is the position.
    pub fn source_rows(&self) -> Result<Vec<SourceRow>, StoreError> {
        let sql = format!(
            "WITH {SOURCES_CTE}
             SELECT s.source_id, s.source, s.source IN (SELECT source FROM partner_sources),
                    p.name, p.commission_kind, p.commission_value
             FROM source_ids s LEFT JOIN partners p ON p.partner_id = s.source
             ORDER BY s.source_id"
        );
        let mut stmt = self.conn.prepare(&sql).doing("listing sources")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(SourceRow {
                    source_id: r.get::<_, i64>(0)? as u32,
                    source: r.get(1)?,
                    is_partner: r.get(2)?,
                    name: r.get(3)?,
                    commission_kind: r.get(4)?,
                    commission_value: r.get(5)?,
                })
            })
            .doing("listing sources")?;
        rows.collect::<Result<_, _>>().doing("listing sources")
    }

    /// Every conversion in import order, with its coupon's partner among `sources` (the
    /// source ids, in id order, as [`Store::source_rows`] listed them).
    pub fn conversion_rows(&self, sources: &[&str]) -> Result<Vec<ConversionRow>, StoreError> {
        let sql = format!(
            "WITH {}, {CONVERSION_IDS_CTE}, {}
             SELECT c.conversion_id, epoch_us(c.converted_at) // 1000000, c.revenue::DOUBLE,
                    c.status, c.currency, cs.source_id, c.conversion_seq,
                    epoch_us(c.converted_at), {}, {}, {}, c.category, c.subscription_id
             FROM conv c
             LEFT JOIN coupon_owners o ON o.code = upper(trim(c.coupon_code))
             LEFT JOIN source_ids cs ON cs.source = o.partner_id",
            listed_sources_cte(sources),
            coupon_owners_cte(SqlDialect::DuckDb),
            identity_hash("c.cookie_id"),
            identity_hash("c.click_id"),
            identity_hash("c.user_id"),
        );
        let mut stmt = self.conn.prepare(&sql).doing("listing conversions")?;
        let mut rows = Vec::new();
        // Arrow batches: a million conversions without a per-row call into DuckDB.
        for batch in stmt.stream_arrow([]).doing("listing conversions")? {
            let batch = batch.doing("listing conversions")?;
            let text = |i: usize| batch.column(i).as_string::<i32>();
            let int = |i: usize| batch.column(i).as_primitive::<Int64Type>();
            let optional = |column: &PrimitiveArray<Int64Type>, row: usize| {
                column.is_valid(row).then(|| column.value(row))
            };
            let revenue = batch.column(2).as_primitive::<Float64Type>();
            let (id, status, currency) = (text(0), text(3), text(4));
            let (secs, coupon, seq, micros) = (int(1), int(5), int(6), int(7));
            let (cookie, click, user) = (int(8), int(9), int(10));
            let category = text(11);
            let subscription = text(12);
            for row in 0..batch.num_rows() {
                rows.push(ConversionRow {
                    conversion_id: id.value(row).to_owned(),
                    converted_at_secs: secs.value(row),
                    revenue: revenue.value(row),
                    status: status.value(row).to_owned(),
                    currency: currency
                        .is_valid(row)
                        .then(|| currency.value(row).to_owned()),
                    coupon_source_id: optional(coupon, row).map(|id| id as u32),
                    category: category
                        .is_valid(row)
                        .then(|| category.value(row).to_owned())
                        .filter(|c| !c.is_empty()),
                    conversion_seq: seq.value(row),
                    converted_us: micros.value(row),
                    identity_hashes: [
                        optional(cookie, row),
                        optional(click, row),
                        optional(user, row),
                    ],
                    subscription_id: subscription
                        .is_valid(row)
                        .then(|| subscription.value(row).to_owned()),
                });
            }
        }
        // The table holds them in import order already: a check, not a sort in the database.
        if !rows.is_sorted_by_key(|r| r.conversion_seq) {
            rows.sort_by_key(|r| r.conversion_seq);
        }
        Ok(rows)
    }

    /// Streams every candidate touch, grouped by conversion, ordered by time then input order,
    /// naming its source by its position in `sources` (as [`Store::source_rows`] listed them).
    pub fn for_each_candidate(
        &self,
        sources: &[&str],
        mut visit: impl FnMut(CandidateRow),
    ) -> Result<(), StoreError> {
        let sql = format!(
            "WITH {},
             conv AS (SELECT conversion_seq, cookie_id, click_id, user_id, converted_at
                      FROM conversions),
             linked AS ({})
             SELECT k.conversion_seq, k.touched_us, s.source_id, k.touch_key
             FROM linked k JOIN source_ids s ON s.source = k.source
             ORDER BY k.conversion_seq, k.touched_us, k.touch_seq",
            listed_sources_cte(sources),
            link_branches(&format!(
                "c.conversion_seq, epoch_us(t.touched_at) AS touched_us, t.touch_seq, t.source,
                 CAST({} AS BIGINT) AS touch_key",
                static_key_sql(SqlDialect::DuckDb, "LINKS")
            ))
        );
        let mut stmt = self.conn.prepare(&sql).doing("reading journeys")?;
        // Arrow batches: millions of rows without a per-row call into DuckDB.
        for batch in stmt.stream_arrow([]).doing("reading journeys")? {
            let batch = batch.doing("reading journeys")?;
            let column = |i: usize| batch.column(i).as_primitive::<Int64Type>();
            let (conversion, touched, source, key) = (column(0), column(1), column(2), column(3));
            for i in 0..batch.num_rows() {
                visit(CandidateRow {
                    conversion_seq: conversion.value(i),
                    touched_us: touched.value(i),
                    source_id: source.value(i) as u32,
                    key: key.value(i) as u16,
                });
            }
        }
        Ok(())
    }
}

pub(super) fn sources_cte() -> &'static str {
    SOURCES_CTE
}

pub(super) fn conversions_cte() -> &'static str {
    CONVERSIONS_CTE
}

/// `candidates (conversion_idx, touch_seq, links)`: every linked pair, once.
pub(super) fn candidates_cte() -> String {
    format!(
        "candidates AS ({})",
        link_branches("c.conversion_idx, t.touch_seq, LINKS AS links")
    )
}

pub(super) fn coupon_owners_cte(dialect: SqlDialect) -> String {
    COUPON_OWNERS_CTE.replace("{codes}", &dialect.split_rows("coupon_codes", "code"))
}

/// `source_ids (source, source_id)` from a list the caller already has (position = id), so a
/// query need not scan every touch again to number the sources.
pub(super) fn listed_sources_cte(sources: &[&str]) -> String {
    if sources.is_empty() {
        return "source_ids AS (SELECT NULL::VARCHAR AS source, NULL::BIGINT AS source_id \
                WHERE false)"
            .to_owned();
    }
    let values: Vec<String> = sources
        .iter()
        .enumerate()
        .map(|(id, source)| format!("({}, {id})", super::sql::string_literal(source)))
        .collect();
    format!(
        "source_ids AS (SELECT source::VARCHAR AS source, source_id::BIGINT AS source_id
                        FROM (VALUES {}) v(source, source_id))",
        values.join(", ")
    )
}

/// A 63-bit hash of an identity column, NULL when it is (DuckDB hashes NULL to a value).
fn identity_hash(column: &str) -> String {
    format!("CASE WHEN {column} IS NOT NULL THEN (hash({column}) >> 1)::BIGINT END")
}

/// The packed touch key expression over conversion `c` and touch `t` linked by `links`.
pub(super) fn touch_key_sql(dialect: SqlDialect, links: &str) -> String {
    format!(
        "CAST({} | {} AS BIGINT)",
        static_key_sql(dialect, links),
        reuse_bits_sql()
    )
}
