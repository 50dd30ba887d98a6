//! The plain types every layer shares: attribution settings and models, the cookie window,
//! tracking rules and touch keys, credit rows, time zones, the tracking-link grammar and the
//! way numbers and money are written for people.
//!
//! Nothing here does I/O, knows SQL or draws: the store, the engine, the jobs and both faces
//! (window and command line) build on these types and nothing below them.

mod credit;
pub mod format;
pub mod links;
mod recurring;
mod settings;
mod timezone;
mod tracking;
mod window;

pub use credit::CreditRow;
pub use recurring::Recurring;
pub use settings::{
    AttributionSettings, CreditModel, MARKOV_MAX_ORDER, Model, ModelParams, SHAPLEY_MAX_SOURCES,
};
pub use timezone::ProgrammeTimeZone;
pub use tracking::{
    BrowserCaps, BrowserFamily, CountRule, CouponPrecedence, Methods, Preset, TouchKey,
    TouchVerdict, TrackingSettings, touch_verdict,
};
pub use window::{CookieWindow, MAX_WINDOW_DAYS, SECS_PER_DAY};
