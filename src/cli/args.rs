//! The flags several commands share: the attribution settings, the payout rules and the
//! output format, with the parsers of their values.

use clap::ValueEnum;

use crate::attribution::{
    AttributionSettings, BrowserCaps, CookieWindow, CouponPrecedence, CreditModel, Methods,
    ModelParams, Recurring, TrackingSettings,
};
use crate::payouts::{CategoryRate, Cents, CommissionRules, PayoutSettings, Tier};

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
    /// The model partners are paid by: first, last, linear, position, time_decay,
    /// last_non_direct, markov or shapley (their parameters below).
    #[arg(long, value_parser = parse_model, default_value = "last")]
    pub model: CreditModel,
    /// Conversions younger than this many days at the month's end are pending.
    #[arg(long, default_value_t = PayoutSettings::default().hold_days)]
    pub hold_days: u32,
    /// A higher rate above a partner's monthly sales: `10000:15%` pays percentage partners
    /// 15% of their credited revenue above 10,000.00 in a month (per currency; the sale that
    /// crosses it is split).
    #[arg(long, value_name = "AMOUNT:RATE%", value_parser = parse_tier)]
    pub tier: Option<Tier>,
    /// The most one conversion pays one partner (`50.00`).
    #[arg(long, value_name = "AMOUNT", value_parser = parse_cap)]
    pub cap: Option<i64>,
    /// Rates by product category (the conversions' `category` column):
    /// `electronics=3%,fashion=10%` pays percentage partners that rate on those sales instead
    /// of their own.
    #[arg(long, value_name = "CATEGORY=RATE%,...", value_parser = parse_category_rates,
          default_value = "")]
    pub category_rates: CategoryRates,
    #[command(flatten)]
    pub recurring: RecurringArgs,
    #[command(flatten)]
    pub settings: SettingsArgs,
    #[command(flatten)]
    pub params: ModelParamArgs,
}

/// Recurring commissions on the command line (`payouts`, `signoff`, `audit`, `rules`,
/// `compare`, `leakage`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RecurringArgs {
    /// Bind a subscription's renewals (later sales with the same `subscription_id`) to the
    /// partner(s) credited for its first sale: for this many months after it (`12`: up to 12
    /// months later inclusive, so 12 monthly renewals are bound and the 13th is credited by
    /// its own touches) or for its `lifetime`. Bound renewals need no touches of their own.
    #[arg(long, value_name = "MONTHS|lifetime", value_parser = parse_term)]
    pub recurring: Option<Term>,
    /// The rate bound renewals pay (`20%`) instead of the partner's own commission.
    #[arg(long, value_name = "RATE%", value_parser = Recurring::parse_rate, requires = "recurring")]
    pub renewal_rate: Option<u32>,
}

/// How long renewals stay bound: months, or `None` for the subscription's lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term(pub Option<u32>);

/// Reads `--recurring 12` or `--recurring lifetime`.
fn parse_term(text: &str) -> Result<Term, String> {
    Recurring::parse_term(text).map(Term)
}

impl RecurringArgs {
    /// The binding these flags name, if any.
    pub fn binding(&self) -> Option<Recurring> {
        self.recurring.map(|Term(months)| Recurring {
            months,
            renewal_rate_bp: self.renewal_rate,
        })
    }
}

/// Reads `--tier 10000:15%` (amount, then a percentage with up to two decimals).
fn parse_tier(text: &str) -> Result<Tier, String> {
    let expected = || format!("expected AMOUNT:RATE% like 10000:15%, found '{text}'");
    let (amount, rate) = text.split_once(':').ok_or_else(expected)?;
    let threshold_cents = parse_cap(amount).map_err(|_| expected())?;
    let rate: f64 = rate
        .trim()
        .trim_end_matches('%')
        .parse()
        .map_err(|_| expected())?;
    if !(0.0..=100.0).contains(&rate) {
        return Err(format!("the tier's rate must be 0-100%, found '{text}'"));
    }
    Ok(Tier {
        threshold_cents,
        rate_bp: (rate * 100.0).round() as u32,
    })
}

/// Rates by product category, as `--category-rates` names them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CategoryRates(pub Vec<CategoryRate>);

/// Reads `--category-rates electronics=3%,fashion=10%`.
fn parse_category_rates(text: &str) -> Result<CategoryRates, String> {
    CategoryRate::parse_list(text).map(CategoryRates)
}

/// Reads an amount like `50` or `50.00` as cents (not negative).
fn parse_cap(text: &str) -> Result<i64, String> {
    let amount: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("expected an amount like 50.00, found '{text}'"))?;
    if !amount.is_finite() || amount < 0.0 {
        return Err(format!("expected an amount of 0 or more, found '{text}'"));
    }
    Ok(Cents::from_amount(amount).0)
}

impl PayoutRulesArgs {
    /// The payout settings these flags name.
    pub fn payout_settings(&self) -> PayoutSettings {
        PayoutSettings::new(
            self.settings.settings(),
            self.model,
            &self.params.params(),
            self.hold_days,
            CommissionRules {
                tier: self.tier,
                cap_cents: self.cap,
                category_rates: self.category_rates.0.clone(),
                recurring: self.recurring.binding(),
            },
        )
    }
}

/// A list of models as `--models` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelList(pub Vec<CreditModel>);

impl ModelList {
    /// Reads `first,last,linear,position,…`.
    pub fn parse(text: &str) -> Result<ModelList, String> {
        CreditModel::parse_list(text).map(ModelList)
    }
}

/// The parameters of the models beyond first, last and linear.
#[derive(Debug, Clone, clap::Args)]
pub struct ModelParamArgs {
    /// Position-based: percent of each sale for the first, the middle and the last counted
    /// touches (one touch takes all; two take F+M/2 and L+M/2; the middle ones share M).
    #[arg(long, value_name = "F,M,L", default_value = "40,20,40",
          value_parser = ModelParams::parse_position_weights)]
    pub position_weights: [f64; 3],
    /// Position-based: two counted touches split F : L (mta's rule) instead of taking
    /// F+M/2 and L+M/2.
    #[arg(long)]
    pub position_two_touch_proportional: bool,
    /// Time decay: a touch weighs half as much per this many hours before the sale
    /// (continuous, 0.5^(hours/H), normalised per sale); `infinite` weighs all alike.
    #[arg(long, value_name = "H", default_value = "168",
          value_parser = ModelParams::parse_half_life_hours)]
    pub half_life_hours: f64,
    /// Time decay in whole steps: 0.5^floor(hours/H), as DP6's step decay.
    #[arg(long)]
    pub time_decay_steps: bool,
    /// Last non-direct: the channels passed over (comma-separated, any case); when every
    /// counted touch is one of them the last touch takes the sale.
    #[arg(
        long,
        value_name = "LIST",
        default_value = "direct",
        value_delimiter = ','
    )]
    pub direct_channels: Vec<String>,
    /// Markov: how many of the latest sources a state of the chain remembers (1, 2 or 3).
    #[arg(long, value_name = "1|2|3", default_value = "1",
          value_parser = ModelParams::parse_markov_order)]
    pub markov_order: u8,
    /// Shapley: the most sources of a combination; a journey with more keeps the
    /// alphabetically last N (default: all, up to 15).
    #[arg(long, value_name = "N", value_parser = ModelParams::parse_shapley_max_sources)]
    pub shapley_max_sources: Option<u32>,
}

impl ModelParamArgs {
    /// The model parameters these flags name.
    pub fn params(&self) -> ModelParams {
        ModelParams {
            position_weights_pct: self.position_weights,
            position_two_touch_proportional: self.position_two_touch_proportional,
            half_life_hours: self.half_life_hours,
            time_decay_steps: self.time_decay_steps,
            direct_channels: self
                .direct_channels
                .iter()
                .map(|c| c.trim().to_owned())
                .filter(|c| !c.is_empty())
                .collect(),
            markov_order: self.markov_order,
            shapley_max_sources: self.shapley_max_sources,
        }
    }
}

/// Parses `--window-days`: a number of days or `unlimited`.
pub(crate) fn parse_window(text: &str) -> Result<CookieWindow, String> {
    CookieWindow::parse(text)
        .ok_or_else(|| format!("expected a number of days like 30, or 'unlimited', found '{text}'"))
}

/// Parses `--model`: any model's name (`time-decay` for `time_decay` too).
fn parse_model(text: &str) -> Result<CreditModel, String> {
    CreditModel::parse(text).ok_or_else(|| {
        let known: Vec<&str> = CreditModel::ALL.iter().map(|m| m.key()).collect();
        format!("expected {}, found '{text}'", known.join(", "))
    })
}
