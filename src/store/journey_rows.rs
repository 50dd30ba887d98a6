//! The rows the in-memory journey index is built from.
//!
//! A touch is a candidate for a conversion when it shares the conversion's `cookie_id` and
//! happened at or before it. Everything a model needs beyond that (window, reset, scope) is
//! decided later, in memory, from the lag and the flags returned here.

use duckdb::arrow::array::AsArray;
use duckdb::arrow::datatypes::Int64Type;

use super::{QueryContext, Store, StoreError};

/// Sources (partners and channels) numbered by name, plus every registered partner.
const SOURCES_CTE: &str = "
partner_sources AS (
    SELECT partner_id AS source FROM partners
    UNION SELECT DISTINCT partner_id FROM touches WHERE partner_id IS NOT NULL),
all_sources AS (
    SELECT source FROM partner_sources UNION SELECT DISTINCT source FROM touches),
source_ids AS (
    SELECT source, (row_number() OVER (ORDER BY source) - 1)::BIGINT AS source_id FROM all_sources)";

/// Conversions numbered in import order, with the previous conversion of the same cookie.
const CONVERSIONS_CTE: &str = "
conv AS (
    SELECT conversion_seq, conversion_id, cookie_id, converted_at, revenue, status, currency,
           (row_number() OVER (ORDER BY conversion_seq) - 1)::BIGINT AS conversion_idx,
           lag(converted_at) OVER (PARTITION BY cookie_id ORDER BY converted_at, conversion_seq)
               AS prev_converted_at
    FROM conversions)";

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
}

/// One candidate touch of one conversion, delivered in (conversion, time, input order) order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CandidateRow {
    /// Position of the conversion in [`Store::conversion_rows`].
    pub conversion_idx: u32,
    /// Seconds from touch to conversion, rounded up (0 = same instant).
    pub lag_secs: i64,
    /// The touch's source id, as in [`Store::source_rows`].
    pub source_id: u32,
    /// The touch is at or before an earlier conversion of the same cookie.
    pub before_previous_conversion: bool,
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

    /// Every conversion in import order.
    pub fn conversion_rows(&self) -> Result<Vec<ConversionRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT conversion_id, epoch_us(converted_at) // 1000000, revenue, status, currency
                 FROM conversions ORDER BY conversion_seq",
            )
            .doing("listing conversions")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(ConversionRow {
                    conversion_id: r.get(0)?,
                    converted_at_secs: r.get(1)?,
                    revenue: r.get(2)?,
                    status: r.get(3)?,
                    currency: r.get(4)?,
                })
            })
            .doing("listing conversions")?;
        rows.collect::<Result<_, _>>().doing("listing conversions")
    }

    /// Streams every candidate touch, grouped by conversion, ordered by time then input order.
    pub fn for_each_candidate(
        &self,
        mut visit: impl FnMut(CandidateRow),
    ) -> Result<(), StoreError> {
        let sql = format!(
            "WITH {SOURCES_CTE}, {CONVERSIONS_CTE}
             SELECT c.conversion_idx,
                    ((epoch_us(c.converted_at) - epoch_us(t.touched_at) + 999999) // 1000000)::BIGINT,
                    s.source_id,
                    coalesce(t.touched_at <= c.prev_converted_at, false)
             FROM conv c
             JOIN touches t ON t.cookie_id = c.cookie_id AND t.touched_at <= c.converted_at
             JOIN source_ids s ON s.source = t.source
             ORDER BY c.conversion_idx, t.touched_at, t.touch_seq"
        );
        let mut stmt = self.conn.prepare(&sql).doing("reading journeys")?;
        // Arrow batches: millions of rows without a per-row call into DuckDB.
        for batch in stmt.stream_arrow([]).doing("reading journeys")? {
            let batch = batch.doing("reading journeys")?;
            let conversion = batch.column(0).as_primitive::<Int64Type>();
            let lag = batch.column(1).as_primitive::<Int64Type>();
            let source = batch.column(2).as_primitive::<Int64Type>();
            let before = batch.column(3).as_boolean();
            for i in 0..batch.num_rows() {
                visit(CandidateRow {
                    conversion_idx: conversion.value(i) as u32,
                    lag_secs: lag.value(i),
                    source_id: source.value(i) as u32,
                    before_previous_conversion: before.value(i),
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
