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
mod settings;
mod sweep;
mod tracking;

pub use allocation::{Allocator, ConversionCredit, Share};
pub use engine::{CreditRow, CreditTable, SourceCredit, compute_credit, sql_credit_rows};
pub use settings::{AttributionSettings, CookieWindow, MAX_WINDOW_DAYS, Model, SECS_PER_DAY};
pub use sweep::{WindowSweep, sweep_windows};
pub use tracking::{
    BrowserCaps, BrowserFamily, CountRule, CouponPrecedence, Methods, Preset, TouchKey,
    TouchVerdict, TrackingSettings, touch_verdict,
};
