//! Credit computed outside the app (a warehouse job on Spark or DuckDB), stored in the
//! programme database so the window can show it beside its own.

use duckdb::params;

use super::{QueryContext, Store, StoreError};
use crate::domain::CreditRow;

/// One run of the warehouse job and the credit it computed.
#[derive(Debug, Clone, PartialEq)]
pub struct WarehouseRun {
    /// Its number (0 before it is stored).
    pub run_id: i64,
    /// Where it ran (`Spark local[*] via pyspark`, `DuckDB (in memory)`).
    pub ran_on: String,
    /// The settings it ran under, as people read them.
    pub settings: String,
    /// How long it took, in seconds.
    pub seconds: f64,
    /// When it was stored, UTC, as `2026-12-06 20:10:00`.
    pub computed_at: String,
    /// Credit per source and model.
    pub rows: Vec<CreditRow>,
}

impl Store {
    /// Stores a warehouse run and its credit in one transaction; returns its number.
    pub fn record_warehouse_run(&self, run: &WarehouseRun) -> Result<i64, StoreError> {
        let doing = "storing the warehouse results";
        self.conn.execute("BEGIN TRANSACTION", []).doing(doing)?;
        let stored = self.insert_warehouse_run(run);
        let end = if stored.is_ok() { "COMMIT" } else { "ROLLBACK" };
        self.conn.execute(end, []).doing(doing)?;
        stored
    }

    fn insert_warehouse_run(&self, run: &WarehouseRun) -> Result<i64, StoreError> {
        let doing = "storing the warehouse results";
        let id: i64 = self
            .conn
            .query_row(
                "SELECT coalesce(max(run_id), 0) + 1 FROM warehouse_runs",
                [],
                |r| r.get(0),
            )
            .doing(doing)?;
        self.conn
            .execute(
                "INSERT INTO warehouse_runs VALUES (?, ?, ?, ?, now()::TIMESTAMP)",
                params![id, run.ran_on, run.settings, run.seconds],
            )
            .doing(doing)?;
        let mut appender = self.conn.appender("warehouse_credit").doing(doing)?;
        for row in &run.rows {
            appender
                .append_row(params![
                    id,
                    row.source,
                    row.model,
                    row.conversions,
                    row.revenue,
                    row.payout
                ])
                .doing(doing)?;
        }
        appender.flush().doing(doing)?;
        Ok(id)
    }

    /// The latest warehouse run stored, with its credit.
    pub fn latest_warehouse_run(&self) -> Result<Option<WarehouseRun>, StoreError> {
        let doing = "reading the warehouse results";
        let run = self.conn.query_row(
            "SELECT run_id, ran_on, settings, seconds,
                    strftime(computed_at, '%Y-%m-%d %H:%M:%S')
             FROM warehouse_runs ORDER BY run_id DESC LIMIT 1",
            [],
            |r| {
                Ok(WarehouseRun {
                    run_id: r.get(0)?,
                    ran_on: r.get(1)?,
                    settings: r.get(2)?,
                    seconds: r.get(3)?,
                    computed_at: r.get(4)?,
                    rows: Vec::new(),
                })
            },
        );
        let mut run = match run {
            Ok(run) => run,
            Err(duckdb::Error::QueryReturnedNoRows) => return Ok(None),
            Err(cause) => return Err(StoreError::Query { doing, cause }),
        };
        let mut stmt = self
            .conn
            .prepare(
                "SELECT source, model, conversions, revenue, payout FROM warehouse_credit
                 WHERE run_id = ? ORDER BY source, model",
            )
            .doing(doing)?;
        run.rows = stmt
            .query_map([run.run_id], |r| {
                Ok(CreditRow {
                    source: r.get(0)?,
                    model: r.get(1)?,
                    conversions: r.get(2)?,
                    revenue: r.get(3)?,
                    payout: r.get(4)?,
                })
            })
            .doing(doing)?
            .collect::<Result<Vec<_>, _>>()
            .doing(doing)?;
        Ok(Some(run))
    }
}
