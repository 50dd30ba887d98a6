//! Signed-off payout snapshots, partner-reported leads matched to conversions, and the
//! Parquet export of payout rows.

use std::path::Path;

use duckdb::params;

use super::{QueryContext, Store, StoreError};

/// One partner's amounts in a signed-off snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct SignoffLine {
    /// The partner.
    pub partner_id: String,
    /// Currency code ("" when none).
    pub currency: String,
    /// `payable`, `pending`, `refunded` or `cancelled`.
    pub status: String,
    /// Credited conversions.
    pub conversions: f64,
    /// Credited revenue in cents.
    pub revenue_cents: i64,
    /// Commission in cents.
    pub commission_cents: i64,
}

/// A signed-off payout snapshot: never rewritten once stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SignoffRecord {
    /// Its number (0 before it is stored).
    pub signoff_id: i64,
    /// The month, `2026-10`.
    pub period: String,
    /// `first`, `last` or `linear`.
    pub model: String,
    /// Fingerprint of the settings used.
    pub fingerprint: String,
    /// The settings as JSON, to show what was signed.
    pub settings_json: String,
    /// The name the person typed.
    pub signed_by: String,
    /// When, UTC, as `2026-11-02 09:30:00`.
    pub signed_at: String,
    /// The amounts.
    pub lines: Vec<SignoffLine>,
    /// The statement it signs, a line per conversion paid or clawed back (empty for a
    /// sign-off of amounts only). Stored and read back with it.
    pub statement: Vec<PaidLine>,
}

/// One conversion's commission on a signed statement: paid, or clawed back.
#[derive(Debug, Clone, PartialEq)]
pub struct PaidLine {
    /// The statement's month, `2026-10`.
    pub period: String,
    /// The partner.
    pub partner_id: String,
    /// The conversion.
    pub conversion_id: String,
    /// Currency code ("" when none).
    pub currency: String,
    /// `payable` or `clawback`.
    pub status: String,
    /// Commission in cents (negative for a clawback).
    pub commission_cents: i64,
}

/// What the signed statements paid: their lines, and the months signed off.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatementHistory {
    /// Every line of every signed statement.
    pub lines: Vec<PaidLine>,
    /// The months with a sign-off, `2026-10`, sorted.
    pub signed_periods: Vec<String>,
}

impl StatementHistory {
    /// The history the sign-offs `records` make (as [`Store::all_signoffs`] reads them).
    pub fn of(records: &[SignoffRecord]) -> StatementHistory {
        let mut signed_periods: Vec<String> = records.iter().map(|r| r.period.clone()).collect();
        signed_periods.sort();
        signed_periods.dedup();
        StatementHistory {
            lines: records.iter().flat_map(|r| r.statement.clone()).collect(),
            signed_periods,
        }
    }
}

/// One partner-reported lead and the conversion it names, if found.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadMatch {
    /// The file and line it came from.
    pub file_line: String,
    /// The reporting partner.
    pub partner_id: String,
    /// When it was reported, UTC seconds.
    pub reported_at_secs: i64,
    /// The reference as the partner wrote it.
    pub reference: String,
    /// The amount the partner claims, when given.
    pub amount: Option<f64>,
    /// The matched conversion's sequence number.
    pub conversion_seq: Option<i64>,
}

/// One row of a payout export.
#[derive(Debug, Clone, PartialEq)]
pub struct PayoutExportRow {
    /// The month.
    pub period: String,
    /// The partner's id.
    pub partner_id: String,
    /// The partner's name.
    pub partner_name: String,
    /// The model.
    pub model: String,
    /// Credited conversions.
    pub conversions: f64,
    /// Revenue, exact decimal text (`1234.50`).
    pub revenue: String,
    /// Commission, exact decimal text.
    pub commission: String,
    /// Currency code.
    pub currency: String,
    /// Payout status.
    pub status: String,
    /// Settings fingerprint.
    pub fingerprint: String,
    /// The month the sales were made in (`2026-10`).
    pub sale_period: String,
    /// The month whose statement pays the commission once its hold ends (`2026-11`); empty
    /// for sales still pending approval, refunded or cancelled.
    pub payable_on: String,
}

/// Where a partner is paid, as the partners file gave it (`payout_email`, `iban`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PayoutDetails {
    /// The partner's id.
    pub partner_id: String,
    /// The address payouts are sent to (PayPal, Wise, …).
    pub payout_email: Option<String>,
    /// The bank account, upper case without spaces.
    pub iban: Option<String>,
}

impl Store {
    /// Stores a signed-off snapshot in one transaction; returns its id.
    pub fn record_signoff(&self, record: &SignoffRecord) -> Result<i64, StoreError> {
        let doing = "recording the sign-off";
        self.conn.execute("BEGIN TRANSACTION", []).doing(doing)?;
        let stored = self.insert_signoff(record);
        let end = if stored.is_ok() { "COMMIT" } else { "ROLLBACK" };
        self.conn.execute(end, []).doing(doing)?;
        stored
    }

    fn insert_signoff(&self, record: &SignoffRecord) -> Result<i64, StoreError> {
        let doing = "recording the sign-off";
        let id: i64 = self
            .conn
            .query_row(
                "SELECT coalesce(max(signoff_id), 0) + 1 FROM signoffs",
                [],
                |r| r.get(0),
            )
            .doing(doing)?;
        self.conn
            .execute(
                "INSERT INTO signoffs VALUES (?, ?, ?, ?, ?, ?, now()::TIMESTAMP)",
                params![
                    id,
                    record.period,
                    record.model,
                    record.fingerprint,
                    record.settings_json,
                    record.signed_by
                ],
            )
            .doing(doing)?;
        let mut appender = self.conn.appender("signoff_lines").doing(doing)?;
        for line in &record.lines {
            appender
                .append_row(params![
                    id,
                    line.partner_id,
                    line.currency,
                    line.status,
                    line.conversions,
                    line.revenue_cents,
                    line.commission_cents
                ])
                .doing(doing)?;
        }
        appender.flush().doing(doing)?;
        drop(appender);
        let mut appender = self.conn.appender("statement_lines").doing(doing)?;
        for line in &record.statement {
            appender
                .append_row(params![
                    id,
                    line.period,
                    line.partner_id,
                    line.conversion_id,
                    line.currency,
                    line.status,
                    line.commission_cents
                ])
                .doing(doing)?;
        }
        appender.flush().doing(doing)?;
        Ok(id)
    }

    /// Every partner's payout details (those the partners file gave), by partner id.
    pub fn payout_details(&self) -> Result<Vec<PayoutDetails>, StoreError> {
        let doing = "reading the partners' payout details";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT partner_id, payout_email, iban FROM partners
                 WHERE payout_email IS NOT NULL OR iban IS NOT NULL ORDER BY partner_id",
            )
            .doing(doing)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(PayoutDetails {
                    partner_id: r.get(0)?,
                    payout_email: r.get(1)?,
                    iban: r.get(2)?,
                })
            })
            .doing(doing)?;
        rows.collect::<Result<_, _>>().doing(doing)
    }

    /// What the signed statements paid and clawed back, and the months signed off.
    pub fn statement_history(&self) -> Result<StatementHistory, StoreError> {
        Ok(StatementHistory::of(&self.all_signoffs()?))
    }

    fn statement_lines(&self, signoff_id: i64) -> Result<Vec<PaidLine>, StoreError> {
        let doing = "reading the signed statements";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT period, partner_id, conversion_id, currency, status, commission_cents
                 FROM statement_lines WHERE signoff_id = ? ORDER BY partner_id, conversion_id",
            )
            .doing(doing)?;
        let rows = stmt
            .query_map([signoff_id], |r| {
                Ok(PaidLine {
                    period: r.get(0)?,
                    partner_id: r.get(1)?,
                    conversion_id: r.get(2)?,
                    currency: r.get(3)?,
                    status: r.get(4)?,
                    commission_cents: r.get(5)?,
                })
            })
            .doing(doing)?;
        rows.collect::<Result<_, _>>().doing(doing)
    }

    /// Every sign-off of every period, newest first, with their lines.
    pub fn all_signoffs(&self) -> Result<Vec<SignoffRecord>, StoreError> {
        self.signoffs_where("true", None)
    }

    /// The sign-offs of `period`, newest first, with their lines.
    pub fn signoffs(&self, period: &str) -> Result<Vec<SignoffRecord>, StoreError> {
        self.signoffs_where("period = ?", Some(period))
    }

    fn signoffs_where(
        &self,
        condition: &str,
        period: Option<&str>,
    ) -> Result<Vec<SignoffRecord>, StoreError> {
        let doing = "reading sign-offs";
        let sql = format!(
            "SELECT signoff_id, period, model, fingerprint, settings_json, signed_by,
                    strftime(signed_at, '%Y-%m-%d %H:%M:%S')
             FROM signoffs WHERE {condition} ORDER BY signoff_id DESC"
        );
        let mut stmt = self.conn.prepare(&sql).doing(doing)?;
        let params: Vec<&str> = period.into_iter().collect();
        let records = stmt
            .query_map(duckdb::params_from_iter(params), |r| {
                Ok(SignoffRecord {
                    signoff_id: r.get(0)?,
                    period: r.get(1)?,
                    model: r.get(2)?,
                    fingerprint: r.get(3)?,
                    settings_json: r.get(4)?,
                    signed_by: r.get(5)?,
                    signed_at: r.get(6)?,
                    lines: Vec::new(),
                    statement: Vec::new(),
                })
            })
            .doing(doing)?
            .collect::<Result<Vec<_>, _>>()
            .doing(doing)?;
        records
            .into_iter()
            .map(|mut record| {
                record.lines = self.signoff_lines(record.signoff_id)?;
                record.statement = self.statement_lines(record.signoff_id)?;
                Ok(record)
            })
            .collect()
    }

    fn signoff_lines(&self, signoff_id: i64) -> Result<Vec<SignoffLine>, StoreError> {
        let doing = "reading sign-offs";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT partner_id, currency, status, conversions, revenue_cents, commission_cents
                 FROM signoff_lines WHERE signoff_id = ?
                 ORDER BY partner_id, currency, status",
            )
            .doing(doing)?;
        let rows = stmt
            .query_map([signoff_id], |r| {
                Ok(SignoffLine {
                    partner_id: r.get(0)?,
                    currency: r.get(1)?,
                    status: r.get(2)?,
                    conversions: r.get(3)?,
                    revenue_cents: r.get(4)?,
                    commission_cents: r.get(5)?,
                })
            })
            .doing(doing)?;
        rows.collect::<Result<_, _>>().doing(doing)
    }

    /// Every partner-reported lead with the conversion it names: the reference (trimmed,
    /// case-folded) equals a conversion id or a user id, within `tolerance_days` of the
    /// conversion; the nearest in time wins.
    pub fn lead_matches(&self, tolerance_days: u32) -> Result<Vec<LeadMatch>, StoreError> {
        let doing = "matching reported leads";
        let sql = format!(
            "WITH leads_numbered AS (
                 SELECT l.*, lower(trim(l.reference)) AS ref,
                        coalesce(i.file_name, '?') || ':' || l.line AS file_line
                 FROM leads l LEFT JOIN imports i ON i.import_id = l.import_id),
             candidates AS (
                 SELECT l.import_id, l.line, c.conversion_seq, c.converted_at, l.reported_at
                 FROM leads_numbered l JOIN conversions c ON lower(trim(c.conversion_id)) = l.ref
                 UNION ALL
                 SELECT l.import_id, l.line, c.conversion_seq, c.converted_at, l.reported_at
                 FROM leads_numbered l JOIN conversions c ON lower(trim(c.user_id)) = l.ref),
             nearest AS (
                 SELECT import_id, line,
                        arg_min(conversion_seq,
                                abs(epoch(reported_at) - epoch(converted_at)) * 1e12
                                    + conversion_seq) AS conversion_seq
                 FROM candidates
                 WHERE abs(epoch(reported_at) - epoch(converted_at)) <= {tolerance_days} * 86400
                 GROUP BY import_id, line)
             SELECT l.file_line, l.partner_id, epoch_us(l.reported_at) // 1000000, l.reference,
                    l.amount, n.conversion_seq
             FROM leads_numbered l
             LEFT JOIN nearest n ON n.import_id = l.import_id AND n.line = l.line
             ORDER BY l.reported_at, l.import_id, l.line"
        );
        let mut stmt = self.conn.prepare(&sql).doing(doing)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(LeadMatch {
                    file_line: r.get(0)?,
                    partner_id: r.get(1)?,
                    reported_at_secs: r.get(2)?,
                    reference: r.get(3)?,
                    amount: r.get(4)?,
                    conversion_seq: r.get(5)?,
                })
            })
            .doing(doing)?;
        rows.collect::<Result<_, _>>().doing(doing)
    }

    /// Writes payout rows to a Parquet file (amounts as DECIMAL(18,2)).
    pub fn export_payouts_parquet(
        &self,
        rows: &[PayoutExportRow],
        path: &Path,
    ) -> Result<(), StoreError> {
        let doing = "writing the Parquet export";
        self.conn
            .execute(
                "CREATE OR REPLACE TEMP TABLE pa_payout_export (
                     period VARCHAR, partner_id VARCHAR, partner_name VARCHAR, model VARCHAR,
                     credited_conversions DOUBLE, revenue VARCHAR, commission VARCHAR,
                     currency VARCHAR, status VARCHAR, settings_fingerprint VARCHAR,
                     sale_period VARCHAR, payable_on VARCHAR)",
                [],
            )
            .doing(doing)?;
        let mut appender = self.conn.appender("pa_payout_export").doing(doing)?;
        for row in rows {
            appender
                .append_row(params![
                    row.period,
                    row.partner_id,
                    row.partner_name,
                    row.model,
                    row.conversions,
                    row.revenue,
                    row.commission,
                    row.currency,
                    row.status,
                    row.fingerprint,
                    row.sale_period,
                    row.payable_on
                ])
                .doing(doing)?;
        }
        appender.flush().doing(doing)?;
        drop(appender);
        let target = super::sql::string_literal(&path.to_string_lossy());
        self.conn
            .execute(
                &format!(
                    "COPY (SELECT period, partner_id, partner_name, model, credited_conversions,
                                  revenue::DECIMAL(18,2) AS revenue,
                                  commission::DECIMAL(18,2) AS commission,
                                  currency, status, settings_fingerprint, sale_period,
                                  nullif(payable_on, '') AS payable_on
                           FROM pa_payout_export)
                     TO {target} (FORMAT parquet)"
                ),
                [],
            )
            .doing(doing)?;
        self.conn
            .execute("DROP TABLE pa_payout_export", [])
            .map(|_| ())
            .doing(doing)
    }
}
