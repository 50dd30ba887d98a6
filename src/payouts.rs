//! Payouts per month for finance: commission per partner under each model, to the exact cent.
//!
//! Each conversion of the month is split by the [`Allocator`] into exact shares; a share's
//! revenue and commission are rounded to the cent once (half away from zero), in integer
//! arithmetic, so the rows of an export always add up to its printed total. Refunded and
//! cancelled conversions pay nothing and are listed apart; conversions still `pending`, or
//! younger than the hold period at the month's end, are pending, not payable. Currencies are
//! never mixed: every amount belongs to one currency.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::attribution::{
    Allocator, AttributionSettings, CreditModel, Model, ModelParams, Recurring, Renewals,
    SECS_PER_DAY, SaleSplit, Share,
};
use crate::domain::ProgrammeTimeZone;
use crate::domain::format::csv_field;
use crate::journeys::{Commission, ConversionFacts, JourneyIndex};
use crate::store::{PayoutExportRow, SignoffLine, SignoffRecord};

/// The programme's official payout rules: the attribution settings, the model that pays
/// (with its parameters), and the hold period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PayoutSettings {
    /// Window, toggles and tracking.
    pub attribution: AttributionSettings,
    /// The model partners are paid by (any of them; first, last and linear split a sale in
    /// exact fractions, the others in billionths, see [`SaleSplit`]).
    pub model: CreditModel,
    /// Conversions younger than this at the month's end are pending.
    pub hold_days: u32,
    /// A higher rate above a monthly sales threshold, a cap per conversion (none by default;
    /// left out of the fingerprint then, so settings without them keep theirs).
    #[serde(default, skip_serializing_if = "CommissionRules::is_none")]
    pub rules: CommissionRules,
    /// The parameters of the official model (position weights, half-life, …). Only those
    /// the model uses are kept ([`PayoutSettings::new`]), and none when they are the
    /// defaults, so first, last and linear keep their fingerprints.
    #[serde(default, skip_serializing_if = "ModelParams::is_default")]
    pub params: ModelParams,
}

/// Commission rules beyond each partner's own rate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CommissionRules {
    /// Above a partner's monthly credited revenue threshold, percentage partners earn the
    /// tier's rate on the rest (the sale that crosses it is split at the threshold).
    pub tier: Option<Tier>,
    /// The most one conversion pays one partner, in cents.
    pub cap_cents: Option<i64>,
    /// Rates by product category: percentage partners earn a category's rate instead of
    /// their own on its sales (none: everyone's own rate; left out of the fingerprint then).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category_rates: Vec<CategoryRate>,
    /// Renewals of a subscription pay the partner(s) of its first sale, for some months or
    /// its lifetime (none by default; left out of the fingerprint then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurring: Option<Recurring>,
}

/// A commission rate for the sales of one product category.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CategoryRate {
    /// The category as the conversions name it (compared without regard to case).
    pub category: String,
    /// The rate, in basis points (300 = 3%).
    pub rate_bp: u32,
}

impl CategoryRate {
    /// Reads `electronics=3%, fashion=10%` (a rate from 0 to 100%, up to two decimals; a
    /// category once).
    pub fn parse_list(text: &str) -> Result<Vec<CategoryRate>, String> {
        let mut rates: Vec<CategoryRate> = Vec::new();
        for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let expected =
                || format!("expected CATEGORY=RATE% like electronics=3%, found '{item}'");
            let (category, rate) = item.split_once('=').ok_or_else(expected)?;
            let rate: f64 = rate
                .trim()
                .trim_end_matches('%')
                .trim()
                .parse()
                .map_err(|_| expected())?;
            let category = category.trim();
            if category.is_empty() || !(0.0..=100.0).contains(&rate) {
                return Err(expected());
            }
            if rates
                .iter()
                .any(|r| r.category.eq_ignore_ascii_case(category))
            {
                return Err(format!("the category '{category}' is given twice"));
            }
            rates.push(CategoryRate {
                category: category.to_owned(),
                rate_bp: (rate * 100.0).round() as u32,
            });
        }
        Ok(rates)
    }

    /// `electronics=3%`, as [`CategoryRate::parse_list`] reads it.
    pub fn text(&self) -> String {
        format!("{}={}%", self.category, f64::from(self.rate_bp) / 100.0)
    }
}

/// A rate for a partner's sales above a monthly threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tier {
    /// The partner's credited revenue in a month (one currency) above which the rate applies,
    /// in cents.
    pub threshold_cents: i64,
    /// The rate above it, in basis points (1500 = 15%).
    pub rate_bp: u32,
}

impl CommissionRules {
    /// Whether no rule is set.
    pub fn is_none(&self) -> bool {
        *self == CommissionRules::default()
    }

    /// `above 10,000.00 a month: 15% · at most 50.00 per conversion`, or `none`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(tier) = self.tier {
            parts.push(format!(
                "above {} a month: {}%",
                Cents(tier.threshold_cents).display(""),
                f64::from(tier.rate_bp) / 100.0
            ));
        }
        if let Some(cap) = self.cap_cents {
            parts.push(format!("at most {} per conversion", Cents(cap).display("")));
        }
        if !self.category_rates.is_empty() {
            let rates: Vec<String> = self.category_rates.iter().map(CategoryRate::text).collect();
            parts.push(format!("by category: {}", rates.join(", ")));
        }
        if parts.is_empty() {
            "none".to_owned()
        } else {
            parts.join(" · ")
        }
    }

    /// The commission a partner whose own is `own` earns on a sale of `category`: a
    /// percentage partner earns the category's rate when one is set; a flat one its amount.
    pub fn commission_for(&self, own: Commission, category: Option<&str>) -> Commission {
        let rate = category.and_then(|category| {
            self.category_rates
                .iter()
                .find(|r| r.category.eq_ignore_ascii_case(category.trim()))
        });
        match (own, rate) {
            (Commission::Percent(_), Some(rate)) => {
                Commission::Percent(f64::from(rate.rate_bp) / 100.0)
            }
            _ => own,
        }
    }

    /// The rules a bound renewal of conversion `c` pays by: a renewal at a renewal rate of its
    /// own earns that rate (no tier lifts it; the cap still holds); any other sale, these.
    pub fn for_sale(&self, renewals: &Renewals, c: usize) -> std::borrow::Cow<'_, CommissionRules> {
        let renewal_rate = self.recurring.and_then(|r| r.renewal_rate_bp);
        if renewal_rate.is_some() && renewals.renewal_of(c).is_some() {
            std::borrow::Cow::Owned(CommissionRules {
                tier: None,
                ..self.clone()
            })
        } else {
            std::borrow::Cow::Borrowed(self)
        }
    }

    /// `recurring: 12 months at 20%`, when renewals are bound.
    pub fn describe_recurring(&self) -> Option<String> {
        self.recurring.map(|r| r.describe())
    }

    /// A share's revenue and commission under the partner's rate and these rules.
    /// `sales_so_far` is the partner's credited revenue earlier in the month (in its
    /// currency), in cents; a sale that `counts` (not refunded or cancelled) adds its share.
    pub fn share_amounts(
        &self,
        revenue: Cents,
        commission: Commission,
        share: Share,
        sales_so_far: &mut i64,
        counts: bool,
    ) -> (Cents, Cents) {
        let (revenue_share, mut paid) = share_amounts(revenue, commission, share);
        if let (Some(tier), Commission::Percent(p)) = (self.tier, commission) {
            let below = (tier.threshold_cents - *sales_so_far).clamp(0, revenue_share.0.max(0));
            let above = revenue_share.0 - below;
            if above > 0 {
                let ppm = (p * 10_000.0).round() as i128;
                let whole =
                    i128::from(below) * ppm + i128::from(above) * i128::from(tier.rate_bp) * 100;
                paid = Cents(round_div(whole, 1_000_000));
            }
        }
        if counts {
            *sales_so_far += revenue_share.0;
        }
        if let Some(cap) = self.cap_cents {
            let cap_share = round_div(
                i128::from(cap) * i128::from(share.parts),
                i128::from(share.of),
            );
            paid = Cents(paid.0.min(cap_share));
        }
        (revenue_share, paid)
    }
}

impl Default for PayoutSettings {
    /// Last-touch, the default attribution settings, a 14-day hold.
    fn default() -> Self {
        PayoutSettings {
            attribution: AttributionSettings::default(),
            model: CreditModel::Last,
            hold_days: 14,
            rules: CommissionRules::default(),
            params: ModelParams::default(),
        }
    }
}

impl PayoutSettings {
    /// The rules of `model`, keeping only the parameters it uses (the others at their
    /// defaults, so that a half-life set for Compare does not move a last-touch fingerprint).
    pub fn new(
        attribution: AttributionSettings,
        model: CreditModel,
        params: &ModelParams,
        hold_days: u32,
        rules: CommissionRules,
    ) -> PayoutSettings {
        PayoutSettings {
            attribution,
            model,
            hold_days,
            rules,
            params: params.only_for(model),
        }
    }

    /// `Time decay (half-life 72 h)`; the label alone when the model takes no parameters.
    pub fn model_label(&self) -> String {
        let params = self.params.describe(self.model);
        if params.is_empty() {
            self.model.label().to_owned()
        } else {
            format!("{} ({params})", self.model.label())
        }
    }

    /// How the official model splits each sale. Markov and Shapley learn from every
    /// journey: read the journeys that did not convert first.
    pub fn sale_split<'a>(&self, index: &'a JourneyIndex) -> SaleSplit<'a> {
        SaleSplit::new(index, &self.attribution, self.model, &self.params)
    }

    /// A short, stable fingerprint of every setting that moves an amount (12 hex digits).
    pub fn fingerprint(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        let digest = Sha256::digest(json.as_bytes());
        digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
    }
}

/// A calendar month in the programme time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
}

impl Period {
    /// Reads `2026-10`.
    pub fn parse(text: &str) -> Result<Period, String> {
        let bad = || format!("expected a month like 2026-10, found '{text}'");
        let (year, month) = text.trim().split_once('-').ok_or_else(bad)?;
        let year: i32 = year.parse().map_err(|_| bad())?;
        let month: u32 = month.parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(Period { year, month })
    }

    /// `2026-10`.
    pub fn label(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    /// The month after this one.
    pub fn next(self) -> Period {
        if self.month == 12 {
            Period {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Period {
                month: self.month + 1,
                ..self
            }
        }
    }

    /// The first instant of this month, UTC seconds, in `zone`.
    pub fn start_secs(self, zone: ProgrammeTimeZone) -> i64 {
        let local = chrono::NaiveDate::from_ymd_opt(self.year, self.month, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or_default();
        local.and_utc().timestamp() - i64::from(zone.offset_at_local(local))
    }

    /// The first instant of the month after this one, UTC seconds, in `zone`.
    pub fn end_secs(self, zone: ProgrammeTimeZone) -> i64 {
        self.next().start_secs(zone)
    }

    /// The month a UTC instant falls in, in `zone`.
    pub fn of(utc_secs: i64, zone: ProgrammeTimeZone) -> Period {
        Period::parse(&zone.month_of(utc_secs)).unwrap_or(Period {
            year: 1970,
            month: 1,
        })
    }
}

/// Whether a conversion's commission is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayoutStatus {
    /// Approved and past the hold period: due.
    Payable,
    /// Still pending, or within the hold period at the month's end.
    Pending,
    /// Refunded: pays nothing.
    Refunded,
    /// Cancelled: pays nothing.
    Cancelled,
}

impl PayoutStatus {
    /// Every status, in table order.
    pub const ALL: [PayoutStatus; 4] = [
        PayoutStatus::Payable,
        PayoutStatus::Pending,
        PayoutStatus::Refunded,
        PayoutStatus::Cancelled,
    ];

    /// The name in CSV and JSON.
    pub fn key(self) -> &'static str {
        match self {
            PayoutStatus::Payable => "payable",
            PayoutStatus::Pending => "pending",
            PayoutStatus::Refunded => "refunded",
            PayoutStatus::Cancelled => "cancelled",
        }
    }

    /// Reads a CSV name back.
    pub fn parse(text: &str) -> Option<PayoutStatus> {
        PayoutStatus::ALL.into_iter().find(|s| s.key() == text)
    }

    /// The status of a conversion at the end of a month with a hold period.
    fn of(facts: &ConversionFacts, period_end_secs: i64, hold_days: u32) -> PayoutStatus {
        match facts.status.as_str() {
            "refunded" => PayoutStatus::Refunded,
            "cancelled" => PayoutStatus::Cancelled,
            "pending" => PayoutStatus::Pending,
            _ if period_end_secs - facts.converted_at_secs
                < i64::from(hold_days) * SECS_PER_DAY =>
            {
                PayoutStatus::Pending
            }
            _ => PayoutStatus::Payable,
        }
    }
}

/// Money as a whole number of cents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cents(pub i64);

impl Cents {
    /// From a stored decimal amount (two decimals).
    pub fn from_amount(amount: f64) -> Cents {
        Cents((amount * 100.0).round() as i64)
    }

    /// `1234.50` (no separators: for CSV).
    pub fn decimal(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    /// `1,234.50 EUR` (the currency code after the amount; none when empty).
    pub fn display(self, currency: &str) -> String {
        let text = crate::domain::format::decimal2(self.as_f64());
        if currency.is_empty() {
            text
        } else {
            format!("{text} {currency}")
        }
    }

    /// As a float, for charts.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

/// `numerator / denominator` rounded half away from zero (denominator > 0).
fn round_div(numerator: i128, denominator: i128) -> i64 {
    let half = denominator / 2;
    let rounded = if numerator >= 0 {
        (numerator + half) / denominator
    } else {
        (numerator - half) / denominator
    };
    rounded as i64
}

/// A share's revenue and commission, each rounded to the cent once.
pub fn share_amounts(revenue: Cents, commission: Commission, share: Share) -> (Cents, Cents) {
    let (parts, of) = (i128::from(share.parts), i128::from(share.of));
    let revenue_share = Cents(round_div(i128::from(revenue.0) * parts, of));
    // A percentage as parts per million of revenue, a flat amount in cents.
    let (ppm, flat) = match commission {
        Commission::Percent(p) => ((p * 10_000.0).round() as i128, 0),
        Commission::Flat(amount) => (0, i128::from(Cents::from_amount(amount).0)),
        Commission::None => (0, 0),
    };
    let whole = i128::from(revenue.0) * ppm + flat * 1_000_000;
    (
        revenue_share,
        Cents(round_div(whole * parts, of * 1_000_000)),
    )
}

/// One partner's payout under one model, in one currency and status.
#[derive(Debug, Clone, PartialEq)]
pub struct PayoutLine {
    /// The partner (source id).
    pub partner: u32,
    /// The model.
    pub model: CreditModel,
    /// Currency code ("" when the conversions carry none).
    pub currency: String,
    /// Payable, pending, refunded or cancelled.
    pub status: PayoutStatus,
    /// The month whose statement pays it once the hold ends (this month for payable lines, a
    /// later one for sales still within the hold); `None` for sales pending approval,
    /// refunded or cancelled.
    pub payable_on: Option<Period>,
    /// Credited conversions (fractional under linear).
    pub conversions: f64,
    /// Credited revenue.
    pub revenue: Cents,
    /// Commission (zero for refunded and cancelled).
    pub commission: Cents,
}

/// Every partner's payout lines for one month.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodPayouts {
    /// The month.
    pub period: Period,
    /// The rules used.
    pub settings: PayoutSettings,
    /// Lines by partner, model, currency and status.
    pub lines: Vec<PayoutLine>,
}

impl PeriodPayouts {
    /// The lines of one model.
    pub fn of_model(&self, model: impl Into<CreditModel>) -> impl Iterator<Item = &PayoutLine> {
        let model = model.into();
        self.lines.iter().filter(move |l| l.model == model)
    }

    /// Total commission of `model` in `status`, per currency.
    pub fn total(
        &self,
        model: impl Into<CreditModel>,
        status: PayoutStatus,
    ) -> Vec<(String, Cents)> {
        let model = model.into();
        let mut totals: Vec<(String, Cents)> = Vec::new();
        for line in self.of_model(model).filter(|l| l.status == status) {
            match totals.iter_mut().find(|(c, _)| *c == line.currency) {
                Some((_, sum)) => sum.0 += line.commission.0,
                None => totals.push((line.currency.clone(), line.commission)),
            }
        }
        totals.sort();
        totals
    }
}

/// The conversions sold in `[start, end)`, earliest first (ties in import order): the order a
/// monthly tier is reached in.
pub fn in_time_order(index: &JourneyIndex, start: i64, end: i64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..index.conversions.len())
        .filter(|&c| (start..end).contains(&index.conversions[c].converted_at_secs))
        .collect();
    order.sort_by_key(|&c| {
        let facts = &index.conversions[c];
        (facts.converted_at_secs, facts.conversion_seq)
    });
    order
}

/// The models a month's payouts list: first, last and linear, and the official model when
/// it is another.
pub fn listed_models(settings: &PayoutSettings) -> Vec<CreditModel> {
    let mut models: Vec<CreditModel> = Model::ALL.into_iter().map(CreditModel::from).collect();
    if !models.contains(&settings.model) {
        models.push(settings.model);
    }
    models
}

/// The payouts of `period` under `settings`: every partner under first, last, linear and the
/// official model. Markov and Shapley as the official model learn from every journey: read
/// the journeys that did not convert into `index` first.
pub fn payouts(
    index: &JourneyIndex,
    settings: &PayoutSettings,
    period: Period,
    zone: ProgrammeTimeZone,
) -> PeriodPayouts {
    let allocator = Allocator::new(index, &settings.attribution);
    let renewals = Renewals::bind(index, settings.rules.recurring);
    let official = (settings.model.classic().is_none()).then(|| settings.sale_split(index));
    let models = listed_models(settings);
    let (start, end) = (period.start_secs(zone), period.end_secs(zone));
    let mut lines = LineCells::default();
    for c in in_time_order(index, start, end) {
        let facts = &index.conversions[c];
        let status = PayoutStatus::of(facts, end, settings.hold_days);
        let release = facts.converted_at_secs + i64::from(settings.hold_days) * SECS_PER_DAY;
        let sale = Sale {
            status,
            payable_on: match (status, facts.status.as_str()) {
                (PayoutStatus::Payable, _) => Some(period),
                (PayoutStatus::Pending, "pending") => None,
                (PayoutStatus::Pending, _) => Some(Period::of(release, zone).max(period.next())),
                _ => None,
            },
            currency: facts.currency.clone().unwrap_or_default(),
            revenue: Cents::from_amount(facts.revenue),
        };
        // A bound renewal takes its first sale's split, at the renewal's rules and rate; any
        // other sale pays a category's rate where one is set.
        let credited = renewals.credited_as(c);
        let credit = allocator.credit(credited);
        let rules = settings.rules.for_sale(&renewals, c);
        let rate_of = |own: Commission| {
            let own = settings
                .rules
                .commission_for(own, facts.category.as_deref());
            renewals.commission(c, own)
        };
        for &model in &models {
            let shares = match (model.classic(), &official) {
                (Some(classic), _) => credit.shares(classic).to_vec(),
                (None, Some(split)) => split.shares(credited),
                (None, None) => Vec::new(),
            };
            lines.add(index, &rules, model, &sale, &shares, &rate_of);
        }
    }
    PeriodPayouts {
        period,
        settings: settings.clone(),
        lines: lines.cells.into_values().collect(),
    }
}

/// A payout line's partner, model, currency, status and payable month.
type LineKey = (u32, CreditModel, String, PayoutStatus, Option<Period>);

/// One sale as the payout lines see it.
struct Sale {
    status: PayoutStatus,
    payable_on: Option<Period>,
    currency: String,
    revenue: Cents,
}

/// Payout lines being summed, by partner, model, currency and status, with each partner's
/// sales so far in the month (for a tier).
#[derive(Default)]
struct LineCells {
    cells: std::collections::BTreeMap<LineKey, PayoutLine>,
    sales: std::collections::HashMap<(CreditModel, u32, String), i64>,
}

impl LineCells {
    /// Adds `sale`'s `shares` under `model` to the partners' lines, each partner paid at
    /// `rate_of` its own commission under `rules`.
    fn add(
        &mut self,
        index: &JourneyIndex,
        rules: &CommissionRules,
        model: CreditModel,
        sale: &Sale,
        shares: &[Share],
        rate_of: &dyn Fn(Commission) -> Commission,
    ) {
        let reversed = matches!(
            sale.status,
            PayoutStatus::Refunded | PayoutStatus::Cancelled
        );
        for &share in shares {
            let source = &index.sources[share.source as usize];
            if !source.is_partner {
                continue;
            }
            let so_far = self
                .sales
                .entry((model, share.source, sale.currency.clone()))
                .or_default();
            let (revenue_share, mut commission) = rules.share_amounts(
                sale.revenue,
                rate_of(source.commission),
                share,
                so_far,
                !reversed,
            );
            if reversed {
                commission = Cents(0);
            }
            let key = (
                share.source,
                model,
                sale.currency.clone(),
                sale.status,
                sale.payable_on,
            );
            let line = self.cells.entry(key).or_insert_with(|| PayoutLine {
                partner: share.source,
                model,
                currency: sale.currency.clone(),
                status: sale.status,
                payable_on: sale.payable_on,
                conversions: 0.0,
                revenue: Cents(0),
                commission: Cents(0),
            });
            line.conversions += share.fraction();
            line.revenue.0 += revenue_share.0;
            line.commission.0 += commission.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(parts: u32, of: u32) -> Share {
        Share {
            source: 0,
            parts,
            of,
        }
    }

    #[test]
    fn commission_is_rounded_to_the_cent_once_per_share() {
        // 12% of 338.98 = 40.6776 → 40.68.
        let (revenue, commission) =
            share_amounts(Cents(33_898), Commission::Percent(12.0), share(1, 1));
        assert_eq!((revenue, commission), (Cents(33_898), Cents(4_068)));
        // A third of 7.5% of 100.00 = 2.5 → 2.50; a third of 100.00 = 33.33.
        let (revenue, commission) =
            share_amounts(Cents(10_000), Commission::Percent(7.5), share(1, 3));
        assert_eq!((revenue, commission), (Cents(3_333), Cents(250)));
        // Half of a flat 25.00 = 12.50; 10% of 2.68 = 0.268 → 0.27.
        assert_eq!(
            share_amounts(Cents(999), Commission::Flat(25.0), share(1, 2)).1,
            Cents(1_250)
        );
        assert_eq!(
            share_amounts(Cents(268), Commission::Percent(10.0), share(1, 1)).1,
            Cents(27)
        );
    }

    #[test]
    fn months_are_cut_in_the_programme_zone() {
        let berlin = ProgrammeTimeZone::parse("Europe/Berlin").unwrap();
        let october = Period::parse("2026-10").unwrap();
        // 2026-10-31 23:30 UTC is already November in Berlin (UTC+1 after the DST change).
        let late = chrono::NaiveDate::from_ymd_opt(2026, 10, 31)
            .unwrap()
            .and_hms_opt(23, 30, 0)
            .unwrap()
            .and_utc()
            .timestamp();
        assert_eq!(Period::of(late, berlin).label(), "2026-11");
        assert_eq!(october.end_secs(berlin), late - 30 * 60);
        assert!(Period::parse("2026-13").is_err());
        assert_eq!(Cents(-1_205).decimal(), "-12.05");
    }
}

/// The rows of a payout export of `model`, ordered by partner, currency and status.
pub fn export_rows(
    index: &JourneyIndex,
    payouts: &PeriodPayouts,
    model: impl Into<CreditModel>,
) -> Vec<PayoutExportRow> {
    let model = model.into();
    let fingerprint = payouts.settings.fingerprint();
    let mut rows: Vec<PayoutExportRow> = payouts
        .of_model(model)
        .map(|line| {
            let source = &index.sources[line.partner as usize];
            PayoutExportRow {
                period: payouts.period.label(),
                partner_id: source.id.clone(),
                partner_name: source.name.clone().unwrap_or_default(),
                model: model.key().to_owned(),
                conversions: line.conversions,
                revenue: line.revenue.decimal(),
                commission: line.commission.decimal(),
                currency: line.currency.clone(),
                status: line.status.key().to_owned(),
                fingerprint: fingerprint.clone(),
                sale_period: payouts.period.label(),
                payable_on: line.payable_on.map(Period::label).unwrap_or_default(),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        (&a.partner_id, &a.currency, &a.status, &a.payable_on).cmp(&(
            &b.partner_id,
            &b.currency,
            &b.status,
            &b.payable_on,
        ))
    });
    rows
}

/// The CSV finance opens: a header, one row per partner, currency and status, every text cell
/// safe from formula injection.
pub fn export_csv(rows: &[PayoutExportRow]) -> String {
    let mut out = String::from(
        "period,partner_id,partner_name,model,credited_conversions,revenue,commission,currency,status,settings_fingerprint,sale_period,payable_on\n",
    );
    for row in rows {
        let cells = [
            csv_field(&row.period),
            csv_field(&row.partner_id),
            csv_field(&row.partner_name),
            row.model.clone(),
            format!("{:.4}", row.conversions),
            row.revenue.clone(),
            row.commission.clone(),
            csv_field(&row.currency),
            row.status.clone(),
            row.fingerprint.clone(),
            row.sale_period.clone(),
            row.payable_on.clone(),
        ];
        out += &cells.join(",");
        out.push('\n');
    }
    out
}

/// The snapshot finance signs: the official model's lines of `payouts`.
pub fn signoff_record(
    index: &JourneyIndex,
    payouts: &PeriodPayouts,
    signed_by: &str,
) -> SignoffRecord {
    let model = payouts.settings.model;
    // One line per partner, currency and status, whatever month the held ones are paid in.
    let mut lines: Vec<SignoffLine> = Vec::new();
    for line in payouts.of_model(model) {
        let partner_id = &index.sources[line.partner as usize].id;
        let status = line.status.key();
        let same = |l: &&mut SignoffLine| {
            l.partner_id == *partner_id && l.currency == line.currency && l.status == status
        };
        match lines.iter_mut().find(same) {
            Some(signed) => {
                signed.conversions += line.conversions;
                signed.revenue_cents += line.revenue.0;
                signed.commission_cents += line.commission.0;
            }
            None => lines.push(SignoffLine {
                partner_id: partner_id.clone(),
                currency: line.currency.clone(),
                status: status.to_owned(),
                conversions: line.conversions,
                revenue_cents: line.revenue.0,
                commission_cents: line.commission.0,
            }),
        }
    }
    SignoffRecord {
        signoff_id: 0,
        period: payouts.period.label(),
        model: model.key().to_owned(),
        fingerprint: payouts.settings.fingerprint(),
        settings_json: serde_json::to_string(&payouts.settings).unwrap_or_default(),
        signed_by: signed_by.trim().to_owned(),
        signed_at: String::new(),
        lines,
        statement: Vec::new(),
    }
}

/// One partner amount that moved since the sign-off.
#[derive(Debug, Clone, PartialEq)]
pub struct SignoffChange {
    /// The partner.
    pub partner_id: String,
    /// Currency.
    pub currency: String,
    /// Payout status.
    pub status: String,
    /// Commission signed off, and now.
    pub signed_commission: Cents,
    /// Commission now.
    pub now_commission: Cents,
    /// Conversions signed off.
    pub signed_conversions: f64,
    /// Conversions now.
    pub now_conversions: f64,
}

impl SignoffChange {
    /// `budgetmom payable USD: 110.30 signed, 70.30 now (6 → 5 conversions)`.
    pub fn describe(&self) -> String {
        let mut text = format!(
            "{} {} {}: {} signed, {} now",
            self.partner_id,
            self.status,
            self.currency,
            self.signed_commission.decimal(),
            self.now_commission.decimal()
        );
        if (self.signed_conversions - self.now_conversions).abs() > 1e-9 {
            text += &format!(
                " ({} → {} conversions)",
                crate::domain::format::conversions(self.signed_conversions),
                crate::domain::format::conversions(self.now_conversions)
            );
        }
        text
    }
}

/// The partner amounts of `record` that differ from `now` (the same period, recomputed with
/// today's data and settings); empty when nothing moved.
pub fn changes_since(record: &SignoffRecord, now: &SignoffRecord) -> Vec<SignoffChange> {
    let key = |l: &SignoffLine| (l.partner_id.clone(), l.currency.clone(), l.status.clone());
    let mut keys: Vec<(String, String, String)> =
        record.lines.iter().chain(&now.lines).map(key).collect();
    keys.sort();
    keys.dedup();
    let find = |lines: &[SignoffLine], k: &(String, String, String)| {
        lines.iter().find(|l| key(l) == *k).cloned()
    };
    keys.into_iter()
        .filter_map(|k| {
            let (signed, current) = (find(&record.lines, &k), find(&now.lines, &k));
            let amount = |l: &Option<SignoffLine>| {
                l.as_ref().map_or((Cents(0), 0.0), |l| {
                    (Cents(l.commission_cents), l.conversions)
                })
            };
            let ((signed_commission, signed_conversions), (now_commission, now_conversions)) =
                (amount(&signed), amount(&current));
            let moved = signed_commission != now_commission
                || (signed_conversions - now_conversions).abs() > 1e-9;
            moved.then_some(SignoffChange {
                partner_id: k.0,
                currency: k.1,
                status: k.2,
                signed_commission,
                now_commission,
                signed_conversions,
                now_conversions,
            })
        })
        .collect()
}
