//! The attribution models: pure functions over the journey index, no I/O.
//!
//! The rules (PRODUCT.md): a touch counts for a conversion when an enabled identity method
//! links it, it happened at or before it, and is within the cookie window (`lag ≤ W days`,
//! inclusive) and, when only its cookie links it, within its browser's cookie cap. A partner's
//! coupon on the conversion counts as a backup, an override or a touch (a setting). Touches are
//! ordered by time, then by input order. First-touch credits the earliest counted touch,
//! last-touch the latest, linear gives each counted touch an equal share.

mod allocation;
mod engine;
mod sweep;

pub use allocation::{Allocator, ConversionCredit, Share};
pub use engine::{CreditTable, SourceCredit, compute_credit};
pub use sweep::{WindowSweep, sweep_windows};

// The settings and rules the models take are domain types; they are named here too so that a
// caller of the models finds them beside the models.
pub use crate::domain::{
    AttributionSettings, BrowserCaps, BrowserFamily, CookieWindow, CountRule, CouponPrecedence,
    CreditRow, MAX_WINDOW_DAYS, Methods, Model, Preset, SECS_PER_DAY, TouchKey, TouchVerdict,
    TrackingSettings, touch_verdict,
};
