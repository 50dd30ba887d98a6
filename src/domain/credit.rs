//! One row of credit: what a source earned under a model.

use serde::Serialize;

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
