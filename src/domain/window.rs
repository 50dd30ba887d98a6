//! The cookie window: how long after a touch a sale can still be credited to it.

use serde::{Deserialize, Serialize};

/// Seconds in a day; cookie windows are whole days.
pub const SECS_PER_DAY: i64 = 86_400;

/// The longest finite window the slider offers.
pub const MAX_WINDOW_DAYS: u32 = 365;

/// How long after a touch a conversion can still be credited to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CookieWindow {
    /// A touch counts when `conversion_time − touch_time ≤ days` (inclusive).
    Days(u32),
    /// Any earlier touch counts.
    Unlimited,
}

impl CookieWindow {
    /// The window in seconds, `None` when unlimited.
    pub fn secs(self) -> Option<i64> {
        match self {
            CookieWindow::Days(days) => Some(i64::from(days) * SECS_PER_DAY),
            CookieWindow::Unlimited => None,
        }
    }

    /// Reads `30`, `30d` or `unlimited`.
    pub fn parse(text: &str) -> Option<CookieWindow> {
        let text = text.trim().to_ascii_lowercase();
        if matches!(text.as_str(), "unlimited" | "none" | "inf" | "infinite") {
            return Some(CookieWindow::Unlimited);
        }
        let digits = text.strip_suffix('d').unwrap_or(&text);
        digits.parse::<u32>().ok().map(CookieWindow::Days)
    }

    /// `30 days`, `1 day` or `unlimited`.
    pub fn label(self) -> String {
        match self {
            CookieWindow::Days(1) => "1 day".to_owned(),
            CookieWindow::Days(days) => format!("{days} days"),
            CookieWindow::Unlimited => "unlimited".to_owned(),
        }
    }
}
