//! The attribution models: pure functions over the journey index, no I/O.
//!
//! The rules (PRODUCT.md): a touch counts for a conversion when an enabled identity method
//! links it, it happened at or before it, and is within the cookie window (`lag ≤ W days`,
//! inclusive) and, when only its cookie links it, within its browser's cookie cap. A partner's
//! coupon on the conversion counts as a backup, an override or a touch (a setting). Touches are
//! ordered by time, then by input order. First-touch credits the earliest counted touch,
//! last-touch the latest, linear gives each counted touch an equal share.
//!
//! Beside those three (the engine, the window sweep and the exact payout shares), `models`
//! runs any [`CreditModel`] over the same counted touches: position-based, time decay and last
//! non-direct split each conversion by its own touches (`weights`); Markov removal effects
//! (`markov`) and Shapley values (`shapley`) learn from every journey, including those that
//! did not convert.

mod allocation;
mod chain;
mod engine;
mod markov;
mod models;
mod paths;
mod renewals;
mod sale_split;
mod shapley;
mod sweep;
mod sweep_models;
mod walk;
mod weights;

pub use allocation::{Allocator, ConversionCredit, Share};
pub use engine::{CreditTable, SourceCredit, compute_credit};
pub use models::{ModelCredit, TouchShare, classic_models, compute_models, touch_shares};
pub use paths::{JourneyPath, journey_paths};
pub use renewals::Renewals;
pub use sale_split::{SHARE_PARTS, SaleSplit};
pub use sweep::{WindowSweep, sweep_windows};
pub use sweep_models::{ModelSweep, sweep_models};

// The settings and rules the models take are domain types; they are named here too so that a
// caller of the models finds them beside the models.
pub use crate::domain::{
    AttributionSettings, BrowserCaps, BrowserFamily, CookieWindow, CountRule, CouponPrecedence,
    CreditModel, CreditRow, MARKOV_MAX_ORDER, MAX_WINDOW_DAYS, Methods, Model, ModelParams, Preset,
    Recurring, SECS_PER_DAY, SHAPLEY_MAX_SOURCES, TouchKey, TouchVerdict, TrackingSettings,
    touch_verdict,
};
