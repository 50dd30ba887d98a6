//! The flags several commands share: the attribution settings, the payout rules and the
//! output format, with the parsers of their values.

use clap::ValueEnum;

use crate::attribution::{
    AttributionSettings, BrowserCaps, CookieWindow, CouponPrecedence, Methods, Model,
    TrackingSettings,
};
use crate::payouts::PayoutSettings;

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// An aligned table for people.
    Table,
    /// CSV with a header row.
    Csv,
    /// A JSON array.
    Json,
}

/// The tracking settings every model command takes, as in the window's tracking panel.
#[derive(Debug, Clone, clap::Args)]
pub struct TrackingArgs {
    /// Identity methods that link touches to conversions: any of cookie, click-id, user,
    /// coupon (comma-separated).
    #[arg(long, value_name = "LIST", default_value = "cookie", value_parser = Methods::parse)]
    pub methods: Methods,
    /// How a partner's coupon counts when `coupon` is among the methods.
    #[arg(long, value_name = "backup|override|touch", default_value = "backup",
          value_parser = CouponPrecedence::parse)]
    pub coupon: CouponPrecedence,
    /// Cookie lifetime caps for touches matched only by cookie, in days: `safari=7,firefox=30`,
    /// or `none`.
    #[arg(long, value_name = "BROWSER=DAYS,...", default_value = "safari=7",
          value_parser = BrowserCaps::parse)]
    pub browser_cap: BrowserCaps,
}

impl TrackingArgs {
    /// The tracking settings these flags name.
    pub fn settings(&self) -> TrackingSettings {
        TrackingSettings {
            methods: self.methods,
            coupon: self.coupon,
            browser_caps: self.browser_cap,
        }
    }
}

/// The toggles and tracking every model command takes.
#[derive(Debug, Clone, clap::Args)]
pub struct TogglesArgs {
    /// Touches at or before an earlier conversion of the same identity are not reused.
    #[arg(long)]
    pub reset_after_conversion: bool,
    /// Drop non-partner touches before the models run.
    #[arg(long)]
    pub partners_only: bool,
    #[command(flatten)]
    pub tracking: TrackingArgs,
}

impl TogglesArgs {
    /// The settings these flags name, with `window`.
    pub fn settings(&self, window: CookieWindow) -> AttributionSettings {
        AttributionSettings {
            window,
            reset_after_conversion: self.reset_after_conversion,
            partners_only: self.partners_only,
            tracking: self.tracking.settings(),
        }
    }
}

/// The attribution settings of `compare`, `leakage`, `explain`, `payouts`, `signoff`, `audit`.
#[derive(Debug, Clone, clap::Args)]
pub struct SettingsArgs {
    /// Cookie window in days (inclusive), or `unlimited`.
    #[arg(long, value_name = "N|unlimited", default_value = "30", value_parser = parse_window)]
    pub window_days: CookieWindow,
    #[command(flatten)]
    pub toggles: TogglesArgs,
}

impl SettingsArgs {
    /// The settings these flags name.
    pub fn settings(&self) -> AttributionSettings {
        self.toggles.settings(self.window_days)
    }
}

/// The official payout rules on the command line.
#[derive(Debug, Clone, clap::Args)]
pub struct PayoutRulesArgs {
    /// The model partners are paid by (first, last or linear).
    #[arg(long, value_parser = parse_model, default_value = "last")]
    pub model: Model,
    /// Conversions younger than this many days at the month's end are pending.
    #[arg(long, default_value_t = PayoutSettings::default().hold_days)]
    pub hold_days: u32,
    #[command(flatten)]
    pub settings: SettingsArgs,
}

impl PayoutRulesArgs {
    /// The payout settings these flags name.
    pub fn payout_settings(&self) -> PayoutSettings {
        PayoutSettings {
            attribution: self.settings.settings(),
            model: self.model,
            hold_days: self.hold_days,
        }
    }
}

/// Parses `--window-days`: a number of days or `unlimited`.
pub(crate) fn parse_window(text: &str) -> Result<CookieWindow, String> {
    CookieWindow::parse(text)
        .ok_or_else(|| format!("expected a number of days like 30, or 'unlimited', found '{text}'"))
}

/// Parses `--model`: first, last or linear.
fn parse_model(text: &str) -> Result<Model, String> {
    Model::ALL
        .into_iter()
        .find(|m| m.key() == text.trim())
        .ok_or_else(|| format!("expected first, last or linear, found '{text}'"))
}
