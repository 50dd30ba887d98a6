//! Rows written directly (not from a file): the journeys of a scenario, played into a scratch
//! database so the same SQL and engine that judge real data judge it; and saved scenarios.

use duckdb::params;

use super::{QueryContext, Store, StoreError};

/// A partner row as a scenario writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct PartnerRecord {
    /// The partner id.
    pub partner_id: String,
    /// Display name.
    pub name: Option<String>,
    /// `percent` or `flat` (anything else pays nothing).
    pub commission_kind: String,
    /// 12.0 for 12%, or the flat amount.
    pub commission_value: f64,
    /// `;`-separated coupon codes.
    pub coupon_codes: Option<String>,
}

/// A touch row as a scenario writes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TouchRecord {
    /// Seconds since the Unix epoch, UTC.
    pub touched_at_secs: i64,
    /// Partner id or channel (the store computes it from the two).
    pub source: String,
    /// Set for partner touches.
    pub partner_id: Option<String>,
    /// Set for channel touches.
    pub channel: Option<String>,
    /// Server-side click id.
    pub click_id: Option<String>,
    /// The landing URL.
    pub url: Option<String>,
    /// First-party cookie id.
    pub cookie_id: Option<String>,
    /// Logged-in user id.
    pub user_id: Option<String>,
    /// Device id.
    pub device_id: Option<String>,
    /// Browser name.
    pub browser: Option<String>,
}

/// A conversion row as a scenario writes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConversionRecord {
    /// The conversion's id.
    pub conversion_id: String,
    /// Seconds since the Unix epoch, UTC.
    pub converted_at_secs: i64,
    /// Revenue.
    pub revenue: f64,
    /// Currency code.
    pub currency: Option<String>,
    /// First-party cookie id.
    pub cookie_id: Option<String>,
    /// Logged-in user id.
    pub user_id: Option<String>,
    /// The click id the site kept.
    pub click_id: Option<String>,
    /// Coupon code used.
    pub coupon_code: Option<String>,
    /// `approved`, `pending`, `refunded` or `cancelled`.
    pub status: String,
}

/// A scenario saved in the database.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedScenario {
    /// Its name (unique: saving again replaces it).
    pub name: String,
    /// The scenario as JSON.
    pub json: String,
    /// When it was saved, UTC, `2026-11-24 10:00:00`.
    pub saved_at: String,
}

impl Store {
    /// Appends partners, touches and conversions in that order (touch and conversion order is
    /// their input order), in one transaction.
    pub fn insert_records(
        &self,
        partners: &[PartnerRecord],
        touches: &[TouchRecord],
        conversions: &[ConversionRecord],
    ) -> Result<(), StoreError> {
        let doing = "writing scenario rows";
        self.conn.execute("BEGIN", []).doing(doing)?;
        let written = self.append_records(partners, touches, conversions);
        let end = if written.is_ok() {
            "COMMIT"
        } else {
            "ROLLBACK"
        };
        self.conn.execute(end, []).doing(doing)?;
        written
    }

    fn append_records(
        &self,
        partners: &[PartnerRecord],
        touches: &[TouchRecord],
        conversions: &[ConversionRecord],
    ) -> Result<(), StoreError> {
        let doing = "writing scenario rows";
        let next = |table: &str, column: &str| -> Result<i64, StoreError> {
            self.conn
                .query_row(
                    &format!("SELECT coalesce(max({column}), 0) + 1 FROM {table}"),
                    [],
                    |r| r.get(0),
                )
                .doing(doing)
        };
        let (touch_base, conversion_base) = (
            next("touches", "touch_seq")?,
            next("conversions", "conversion_seq")?,
        );
        for p in partners {
            self.conn
                .execute(
                    "INSERT INTO partners (partner_id, name, commission, commission_kind,
                         commission_value, coupon_codes, import_id) VALUES (?, ?, ?, ?, ?, ?, 0)",
                    params![
                        p.partner_id,
                        p.name,
                        commission_text(&p.commission_kind, p.commission_value),
                        p.commission_kind,
                        p.commission_value,
                        p.coupon_codes
                    ],
                )
                .doing(doing)?;
        }
        for (i, t) in touches.iter().enumerate() {
            self.conn
                .execute(
                    "INSERT INTO touches (touch_seq, import_id, line, touched_at, partner_id,
                         channel, click_id, url, cookie_id, user_id, device_id, browser)
                     VALUES (?, 0, ?, make_timestamp(?::BIGINT * 1000000), ?, ?, ?, ?, ?, ?, ?, ?)",
                    params![
                        touch_base + i as i64,
                        i as i64 + 2,
                        t.touched_at_secs,
                        t.partner_id,
                        t.channel,
                        t.click_id,
                        t.url,
                        t.cookie_id,
                        t.user_id,
                        t.device_id,
                        t.browser
                    ],
                )
                .doing(doing)?;
        }
        for (i, c) in conversions.iter().enumerate() {
            self.conn
                .execute(
                    "INSERT INTO conversions (conversion_seq, conversion_id, import_id, line,
                         converted_at, revenue, currency, cookie_id, user_id, click_id,
                         coupon_code, status)
                     VALUES (?, ?, 0, ?, make_timestamp(?::BIGINT * 1000000), ?, ?, ?, ?, ?, ?, ?)",
                    params![
                        conversion_base + i as i64,
                        c.conversion_id,
                        i as i64 + 2,
                        c.converted_at_secs,
                        c.revenue,
                        c.currency,
                        c.cookie_id,
                        c.user_id,
                        c.click_id,
                        c.coupon_code,
                        c.status
                    ],
                )
                .doing(doing)?;
        }
        Ok(())
    }

    /// Saves scenario `name` (replacing one of the same name).
    pub fn save_scenario(&self, name: &str, json: &str) -> Result<(), StoreError> {
        let doing = "saving the scenario";
        self.conn.execute("BEGIN", []).doing(doing)?;
        let saved = self
            .conn
            .execute("DELETE FROM scenarios WHERE name = ?", params![name])
            .and_then(|_| {
                self.conn.execute(
                    "INSERT INTO scenarios VALUES (?, ?, now()::TIMESTAMP)",
                    params![name, json],
                )
            });
        let end = if saved.is_ok() { "COMMIT" } else { "ROLLBACK" };
        self.conn.execute(end, []).doing(doing)?;
        saved.map(|_| ()).doing(doing)
    }

    /// Deletes saved scenario `name`; true when there was one.
    pub fn delete_scenario(&self, name: &str) -> Result<bool, StoreError> {
        let deleted = self
            .conn
            .execute("DELETE FROM scenarios WHERE name = ?", params![name])
            .doing("deleting the scenario")?;
        Ok(deleted > 0)
    }

    /// Every saved scenario, by name.
    pub fn saved_scenarios(&self) -> Result<Vec<SavedScenario>, StoreError> {
        let doing = "listing saved scenarios";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT name, steps_json, strftime(saved_at, '%Y-%m-%d %H:%M:%S')
                 FROM scenarios ORDER BY name",
            )
            .doing(doing)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(SavedScenario {
                    name: r.get(0)?,
                    json: r.get(1)?,
                    saved_at: r.get(2)?,
                })
            })
            .doing(doing)?;
        rows.collect::<Result<_, _>>().doing(doing)
    }
}

/// `12%` or `25.00`, as a partners file writes a commission.
fn commission_text(kind: &str, value: f64) -> String {
    match kind {
        "percent" => format!("{value}%"),
        "flat" => format!("{value:.2}"),
        _ => String::new(),
    }
}

impl Store {
    /// The address partner links most often point to (scheme, host and path, no query), when
    /// the clicks carry URLs.
    pub fn partner_link_base(&self) -> Result<Option<String>, StoreError> {
        let doing = "reading partner link addresses";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT regexp_extract(url, '^(https?://[^?#]*)', 1) AS base
                 FROM touches WHERE partner_id IS NOT NULL AND url IS NOT NULL
                 GROUP BY base HAVING base <> '' ORDER BY count(*) DESC, base LIMIT 1",
            )
            .doing(doing)?;
        let mut rows = stmt.query_map([], |r| r.get(0)).doing(doing)?;
        rows.next().transpose().doing(doing)
    }
}
