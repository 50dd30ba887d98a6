//! Credit per source and model for one setting, over the journey index.

use serde::Serialize;

use super::settings::{AttributionSettings, Model};
use crate::journeys::JourneyIndex;
use crate::store::{SqlCreditParams, SqlCreditRow, Store, StoreError};

/// Credit earned by one source under one model.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct SourceCredit {
    /// Credited conversions (fractional under linear).
    pub conversions: f64,
    /// Credited revenue.
    pub revenue: f64,
    /// Commission earned on the credited revenue.
    pub payout: f64,
}

impl SourceCredit {
    fn add(&mut self, share: f64, revenue: f64, full_payout: f64) {
        self.conversions += share;
        self.revenue += share * revenue;
        self.payout += share * full_payout;
    }
}

/// One row of the comparison: a source under a model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreditRow {
    /// Partner id or channel.
    pub source: String,
    /// `first`, `last` or `linear`.
    pub model: String,
    /// Credited conversions.
    pub conversions: f64,
    /// Credited revenue.
    pub revenue: f64,
    /// Commission earned.
    pub payout: f64,
}

/// Credit for every source under every model, for one setting.
#[derive(Debug, Clone, PartialEq)]
pub struct CreditTable {
    /// `by_model[model.index()][source_id]`.
    pub by_model: [Vec<SourceCredit>; 3],
    /// Conversions no counted touch reached, and their revenue.
    pub unattributed: SourceCredit,
    /// All conversions and their revenue.
    pub total: SourceCredit,
}

impl CreditTable {
    /// The credit of `source_id` under `model`.
    pub fn credit(&self, model: Model, source_id: usize) -> SourceCredit {
        self.by_model[model.index()][source_id]
    }

    /// Totals of one model over all sources.
    pub fn model_total(&self, model: Model) -> SourceCredit {
        self.by_model[model.index()]
            .iter()
            .fold(SourceCredit::default(), |mut sum, c| {
                sum.conversions += c.conversions;
                sum.revenue += c.revenue;
                sum.payout += c.payout;
                sum
            })
    }

    /// One row per source and model, ordered by source then first, last, linear.
    pub fn rows(&self, index: &JourneyIndex) -> Vec<CreditRow> {
        let mut order: Vec<usize> = (0..index.sources.len()).collect();
        order.sort_by(|&a, &b| index.sources[a].id.cmp(&index.sources[b].id));
        order
            .into_iter()
            .flat_map(|source_id| {
                Model::ALL.into_iter().map(move |model| {
                    let credit = self.credit(model, source_id);
                    CreditRow {
                        source: index.sources[source_id].id.clone(),
                        model: model.key().to_owned(),
                        conversions: credit.conversions,
                        revenue: credit.revenue,
                        payout: credit.payout,
                    }
                })
            })
            .collect()
    }
}

/// Runs first-touch, last-touch and linear over every conversion for one setting.
pub fn compute_credit(index: &JourneyIndex, settings: &AttributionSettings) -> CreditTable {
    let sources = index.sources.len();
    let mut table = CreditTable {
        by_model: std::array::from_fn(|_| vec![SourceCredit::default(); sources]),
        unattributed: SourceCredit::default(),
        total: SourceCredit::default(),
    };
    let window_secs = settings.window.secs().unwrap_or(i64::MAX);
    let counts = |position: usize| {
        index.lag_secs(position) <= window_secs
            && !(settings.reset_after_conversion && index.before_previous_conversion(position))
            && !(settings.partners_only
                && !index.sources[index.source_id(position) as usize].is_partner)
    };
    for (conversion, facts) in index.conversions.iter().enumerate() {
        table.total.add(1.0, facts.revenue, 0.0);
        let range = index.touch_range(conversion);
        let counted = range.clone().filter(|&p| counts(p)).count();
        if counted == 0 {
            table.unattributed.add(1.0, facts.revenue, 0.0);
            continue;
        }
        let payout_of = |position: usize| {
            let source = &index.sources[index.source_id(position) as usize];
            if facts.payable {
                source.commission.for_revenue(facts.revenue)
            } else {
                0.0
            }
        };
        let mut credit = |model: Model, position: usize, share: f64| {
            let source_id = index.source_id(position) as usize;
            table.by_model[model.index()][source_id].add(share, facts.revenue, payout_of(position));
        };
        let first = range.clone().find(|&p| counts(p)).expect("counted > 0");
        let last = range.clone().rev().find(|&p| counts(p)).expect("counted > 0");
        credit(Model::First, first, 1.0);
        credit(Model::Last, last, 1.0);
        let share = 1.0 / counted as f64;
        for position in range.filter(|&p| counts(p)) {
            credit(Model::Linear, position, share);
        }
    }
    table
}

/// The same models computed by DuckDB SQL over the stored tables, for cross-checking.
pub fn sql_credit_rows(
    store: &Store,
    settings: &AttributionSettings,
) -> Result<Vec<CreditRow>, StoreError> {
    let params = SqlCreditParams {
        window_secs: settings.window.secs(),
        reset_after_conversion: settings.reset_after_conversion,
        partners_only: settings.partners_only,
    };
    Ok(store
        .sql_credit(params)?
        .into_iter()
        .map(|row: SqlCreditRow| CreditRow {
            source: row.source,
            model: row.model,
            conversions: row.conversions,
            revenue: row.revenue,
            payout: row.payout,
        })
        .collect())
}
