//! The evidence behind one conversion, and per-partner redirect facts, for the leakage view
//! and `explain`.

use super::journey_rows::{FAILED_LANDING, candidates_cte, conversions_cte};
use super::{QueryContext, Store, StoreError};

/// One conversion as shown when explaining it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversionDetail {
    /// The conversion's id.
    pub conversion_id: String,
    /// When it happened, UTC, as `2026-10-01 12:00:00`.
    pub converted_at: String,
    /// Revenue.
    pub revenue: f64,
    /// Currency code, when given.
    pub currency: Option<String>,
    /// `approved`, `pending`, `refunded` or `cancelled`.
    pub status: String,
    /// First-party cookie id.
    pub cookie_id: Option<String>,
    /// Logged-in user id.
    pub user_id: Option<String>,
    /// The click id the site kept.
    pub click_id: Option<String>,
    /// The coupon code used.
    pub coupon_code: Option<String>,
}

/// One candidate touch of a conversion, in the index's order (time, then input order).
#[derive(Debug, Clone, PartialEq)]
pub struct TouchDetail {
    /// When it happened, UTC, as `2026-10-01 12:00:00`.
    pub touched_at: String,
    /// Partner id or channel.
    pub source: String,
    /// The file and line it came from.
    pub file_line: String,
    /// Identities and redirect facts.
    pub cookie_id: Option<String>,
    /// Logged-in user id.
    pub user_id: Option<String>,
    /// Server-side click id.
    pub click_id: Option<String>,
    /// Device id.
    pub device_id: Option<String>,
    /// Browser as recorded.
    pub browser: Option<String>,
    /// Redirect hops.
    pub redirect_hops: Option<i32>,
    /// Landing status.
    pub landing_status: Option<String>,
}

/// Clicks of one partner with redirect trouble.
#[derive(Debug, Clone, PartialEq)]
pub struct RedirectRow {
    /// The partner.
    pub partner_id: String,
    /// All its clicks.
    pub clicks: i64,
    /// Clicks that took more than one redirect hop.
    pub multi_hop: i64,
    /// Clicks whose landing failed.
    pub failed_landing: i64,
}

impl Store {
    /// The conversion `conversion_id` and its candidate touches, `None` when unknown.
    pub fn conversion_evidence(
        &self,
        conversion_id: &str,
    ) -> Result<Option<(ConversionDetail, Vec<TouchDetail>)>, StoreError> {
        let doing = "reading a conversion's touches";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT conversion_id, strftime(converted_at, '%Y-%m-%d %H:%M:%S'), revenue,
                        currency, status, cookie_id, user_id, click_id, coupon_code
                 FROM conversions WHERE conversion_id = ? ORDER BY conversion_seq LIMIT 1",
            )
            .doing(doing)?;
        let mut rows = stmt
            .query_map([conversion_id], |r| {
                Ok(ConversionDetail {
                    conversion_id: r.get(0)?,
                    converted_at: r.get(1)?,
                    revenue: r.get(2)?,
                    currency: r.get(3)?,
                    status: r.get(4)?,
                    cookie_id: r.get(5)?,
                    user_id: r.get(6)?,
                    click_id: r.get(7)?,
                    coupon_code: r.get(8)?,
                })
            })
            .doing(doing)?;
        let Some(detail) = rows.next().transpose().doing(doing)? else {
            return Ok(None);
        };
        let touches = self.touch_details(conversion_id)?;
        Ok(Some((detail, touches)))
    }

    fn touch_details(&self, conversion_id: &str) -> Result<Vec<TouchDetail>, StoreError> {
        let doing = "reading a conversion's touches";
        let sql = format!(
            "WITH {}, {}
             SELECT strftime(t.touched_at, '%Y-%m-%d %H:%M:%S'), t.source,
                    coalesce(i.file_name, '?') || ':' || t.line, t.cookie_id, t.user_id,
                    t.click_id, t.device_id, t.browser, t.redirect_hops, t.landing_status
             FROM candidates k
             JOIN conv c ON c.conversion_idx = k.conversion_idx
             JOIN touches t ON t.touch_seq = k.touch_seq
             LEFT JOIN imports i ON i.import_id = t.import_id
             WHERE c.conversion_id = ?
               AND c.conversion_seq = (SELECT min(conversion_seq) FROM conversions
                                       WHERE conversion_id = ?)
             ORDER BY t.touched_at, t.touch_seq",
            conversions_cte(),
            candidates_cte()
        );
        let mut stmt = self.conn.prepare(&sql).doing(doing)?;
        let rows = stmt
            .query_map([conversion_id, conversion_id], |r| {
                Ok(TouchDetail {
                    touched_at: r.get(0)?,
                    source: r.get(1)?,
                    file_line: r.get(2)?,
                    cookie_id: r.get(3)?,
                    user_id: r.get(4)?,
                    click_id: r.get(5)?,
                    device_id: r.get(6)?,
                    browser: r.get(7)?,
                    redirect_hops: r.get(8)?,
                    landing_status: r.get(9)?,
                })
            })
            .doing(doing)?;
        rows.collect::<Result<_, _>>().doing(doing)
    }

    /// Per partner with clicks: clicks, multi-hop redirects and failed landings.
    pub fn redirect_rows(&self) -> Result<Vec<RedirectRow>, StoreError> {
        let doing = "counting redirect problems";
        let sql = format!(
            "SELECT partner_id, count(*),
                    count(*) FILTER (WHERE redirect_hops > 1),
                    count(*) FILTER (WHERE regexp_matches(lower(coalesce(landing_status, '')),
                                                          '{FAILED_LANDING}'))
             FROM touches WHERE partner_id IS NOT NULL
             GROUP BY partner_id ORDER BY partner_id"
        );
        let mut stmt = self.conn.prepare(&sql).doing(doing)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(RedirectRow {
                    partner_id: r.get(0)?,
                    clicks: r.get(1)?,
                    multi_hop: r.get(2)?,
                    failed_landing: r.get(3)?,
                })
            })
            .doing(doing)?;
        rows.collect::<Result<_, _>>().doing(doing)
    }
}
