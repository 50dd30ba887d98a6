//! Attribution leakage: partner-sourced conversions that pay no partner, and why.
//!
//! A conversion is *partner-sourced* when there is evidence a partner sent it: a partner touch
//! linked by any identity (enabled or not), the partner's coupon, or the partner's own report
//! of the lead. It is *credited* when, under the current settings, a partner touch counts or a
//! coupon gives a partner the credit; otherwise it *leaks*.
//!
//! **Precedence of the primary cause.** The evidence is read newest first: the most recent
//! partner touch that did not count gives the cause (the touch that would have taken the sale
//! under last-touch), then the partner's coupon (`coupon_only`), then the partner's report
//! (`direct_after_click`). A partner touch's cause is, in this order:
//! 1. an enabled method links it but it is older than the window: `cookie_expired`;
//! 2. only its cookie links it, within the window but older than its browser's cap:
//!    `browser_cap`;
//! 3. only disabled methods link it, and it carries no cookie id: `broken_redirect` when the
//!    redirect took more than one hop or the landing failed, else `cookie_missing`;
//! 4. only the logged-in user or the click id links it, from another cookie: `device_switch`;
//! 5. only its cookie links it and cookie tracking is off: `cookie_missing`.
//!
//! Touches an earlier conversion already used (reset after conversion) are not evidence.

use serde::Serialize;

use crate::attribution::{
    AttributionSettings, CookieWindow, CountRule, CouponPrecedence, Methods, Recurring, Renewals,
    SourceCredit, TouchKey, TouchVerdict, touch_verdict,
};
use crate::journeys::JourneyIndex;

/// Why a partner-sourced conversion pays no partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// The partner touch is older than the cookie window.
    CookieExpired,
    /// Within the window, but beyond the browser's cookie cap.
    BrowserCap,
    /// Linked only through the logged-in user (or click id) from another device or browser.
    DeviceSwitch,
    /// The click's redirect took more than one hop or failed to land: no cookie was set.
    BrokenRedirect,
    /// The click carries no cookie id and no enabled method links it.
    CookieMissing,
    /// No identity link and no coupon: only the partner's report shows the partner.
    DirectAfterClick,
    /// The partner's coupon was used, coupon attribution is off, and no partner touch links.
    CouponOnly,
}

impl Cause {
    /// Every cause, in the order tables list them.
    pub const ALL: [Cause; 7] = [
        Cause::CookieExpired,
        Cause::BrowserCap,
        Cause::DeviceSwitch,
        Cause::BrokenRedirect,
        Cause::CookieMissing,
        Cause::DirectAfterClick,
        Cause::CouponOnly,
    ];

    /// The name in CSV and JSON.
    pub fn key(self) -> &'static str {
        match self {
            Cause::CookieExpired => "cookie_expired",
            Cause::BrowserCap => "browser_cap",
            Cause::DeviceSwitch => "device_switch",
            Cause::BrokenRedirect => "broken_redirect",
            Cause::CookieMissing => "cookie_missing",
            Cause::DirectAfterClick => "direct_after_click",
            Cause::CouponOnly => "coupon_only",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Cause::CookieExpired => "Cookie expired",
            Cause::BrowserCap => "Browser cookie cap",
            Cause::DeviceSwitch => "Device switch",
            Cause::BrokenRedirect => "Broken redirect",
            Cause::CookieMissing => "Cookie missing",
            Cause::DirectAfterClick => "Direct after click",
            Cause::CouponOnly => "Coupon only",
        }
    }

    /// Reads a CSV name back.
    pub fn parse(text: &str) -> Option<Cause> {
        Cause::ALL.into_iter().find(|c| c.key() == text.trim())
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// One leaked conversion.
#[derive(Debug, Clone, PartialEq)]
pub struct LeakedConversion {
    /// Position of the conversion in the index.
    pub conversion: usize,
    /// The partner (source id) the evidence points to.
    pub partner: u32,
    /// The primary cause.
    pub cause: Cause,
    /// Every cause that applies, as bits of [`Cause`].
    causes: u8,
    /// Revenue of the conversion.
    pub revenue: f64,
    /// The commission the partner would have earned.
    pub payout: f64,
}

impl LeakedConversion {
    /// Every cause that applies, primary included, in table order.
    pub fn causes(&self) -> Vec<Cause> {
        Cause::ALL
            .into_iter()
            .filter(|c| self.causes & c.bit() != 0)
            .collect()
    }
}

/// A fallback the programme could switch on, and what it would recover.
#[derive(Debug, Clone, PartialEq)]
pub struct Recovery {
    /// What the fallback is, as shown to people.
    pub fallback: String,
    /// The name in CSV and JSON.
    pub key: &'static str,
    /// Leaked conversions it would credit to a partner, their revenue and payout.
    pub recovered: SourceCredit,
}

/// The leakage of a programme under one setting.
#[derive(Debug, Clone, PartialEq)]
pub struct LeakageReport {
    /// The settings the report was made for.
    pub settings: AttributionSettings,
    /// Every partner-sourced conversion (credited or leaked).
    pub partner_sourced: SourceCredit,
    /// Partner-sourced conversions a partner is credited for.
    pub credited: SourceCredit,
    /// The leaked conversions, in import order.
    pub leaked: Vec<LeakedConversion>,
    /// What each fallback not yet enabled would recover.
    pub recovery: Vec<Recovery>,
    /// The recurring binding the renewals were judged under, if any.
    pub recurring: Option<Recurring>,
}

impl LeakageReport {
    /// Leaked conversions, revenue and payout per primary cause, in table order.
    pub fn by_cause(&self) -> Vec<(Cause, SourceCredit)> {
        Cause::ALL
            .into_iter()
            .map(|cause| {
                let tally = tally(self.leaked.iter().filter(|l| l.cause == cause));
                (cause, tally)
            })
            .collect()
    }

    /// Leaked totals over every cause.
    pub fn total(&self) -> SourceCredit {
        tally(self.leaked.iter())
    }

    /// Per partner (source id), the conversions whose primary cause is a broken redirect:
    /// what the redirect audit says each partner's broken clicks lost.
    pub fn lost_to_redirects(&self) -> std::collections::HashMap<u32, SourceCredit> {
        let mut lost: std::collections::HashMap<u32, SourceCredit> = Default::default();
        for leak in self
            .leaked
            .iter()
            .filter(|l| l.cause == Cause::BrokenRedirect)
        {
            add(lost.entry(leak.partner).or_default(), leak);
        }
        lost
    }

    /// The `count` partners (source ids) with the most leaked revenue, most first.
    pub fn top_partners(&self, count: usize) -> Vec<u32> {
        let mut revenue: std::collections::HashMap<u32, f64> = Default::default();
        for leak in &self.leaked {
            *revenue.entry(leak.partner).or_default() += leak.revenue;
        }
        let mut partners: Vec<(u32, f64)> = revenue.into_iter().collect();
        partners.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        partners.into_iter().take(count).map(|(p, _)| p).collect()
    }

    /// Per group key (partner, month ...) and primary cause, the leaked totals; groups sorted
    /// by key, causes in table order, empty cells left out.
    pub fn grouped<K: Ord + Clone>(
        &self,
        group_of: impl Fn(&LeakedConversion) -> K,
    ) -> Vec<(K, Cause, SourceCredit)> {
        let mut cells: std::collections::BTreeMap<(K, Cause), SourceCredit> = Default::default();
        for leak in &self.leaked {
            let cell = cells.entry((group_of(leak), leak.cause)).or_default();
            add(cell, leak);
        }
        cells.into_iter().map(|((k, c), t)| (k, c, t)).collect()
    }
}

fn add(tally: &mut SourceCredit, leak: &LeakedConversion) {
    tally.conversions += 1.0;
    tally.revenue += leak.revenue;
    tally.payout += leak.payout;
}

fn tally<'a>(leaks: impl Iterator<Item = &'a LeakedConversion>) -> SourceCredit {
    leaks.fold(SourceCredit::default(), |mut t, l| {
        add(&mut t, l);
        t
    })
}

/// How one conversion fares under a setting.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fate {
    /// No partner evidence.
    NotPartnerSourced,
    /// A partner is credited: the first such partner.
    Credited(u32),
    /// Leaked: partner, primary cause, all causes.
    Leaked(u32, Cause, u8),
}

/// The per-setting rules a conversion is judged by.
struct Judge<'a> {
    index: &'a JourneyIndex,
    settings: AttributionSettings,
    rule: CountRule,
}

impl<'a> Judge<'a> {
    fn new(index: &'a JourneyIndex, settings: AttributionSettings) -> Judge<'a> {
        let rule = CountRule::new(
            &settings.tracking,
            settings.window,
            settings.reset_after_conversion,
        );
        Judge {
            index,
            settings,
            rule,
        }
    }

    fn is_partner(&self, source: u32) -> bool {
        self.index.sources[source as usize].is_partner
    }

    /// The partner credited for conversion `c`, if any.
    fn credited_partner(&self, c: usize) -> Option<u32> {
        let counted = self.index.touch_range(c).rev().find_map(|p| {
            let touch = self.index.touch(p);
            (self.is_partner(touch.source_id)
                && self.rule.counts(touch.key.0, touch.lag_secs as u32))
            .then_some(touch.source_id)
        });
        let coupon = self.index.conversions[c]
            .coupon_partner
            .filter(|_| self.settings.tracking.coupons_on());
        match (self.settings.tracking.coupon, coupon) {
            (CouponPrecedence::Override | CouponPrecedence::Touch, Some(partner)) => Some(partner),
            _ => counted.or(coupon),
        }
    }

    fn fate(&self, c: usize) -> Fate {
        if let Some(partner) = self.credited_partner(c) {
            return Fate::Credited(partner);
        }
        let tracking = &self.settings.tracking;
        let mut primary: Option<(u32, Cause)> = None;
        let mut causes = 0u8;
        for p in self.index.touch_range(c).rev() {
            let touch = self.index.touch(p);
            if !self.is_partner(touch.source_id) {
                continue;
            }
            let verdict = touch_verdict(
                touch.key,
                touch.lag_secs as u32,
                true,
                tracking,
                self.settings.window,
                self.settings.reset_after_conversion,
                false,
            );
            let Some(cause) = touch_cause(touch.key, verdict, tracking.methods) else {
                continue;
            };
            causes |= cause.bit();
            primary.get_or_insert((touch.source_id, cause));
        }
        let facts = &self.index.conversions[c];
        if primary.is_none()
            && let Some(partner) = facts.coupon_partner
        {
            causes |= Cause::CouponOnly.bit();
            primary = Some((partner, Cause::CouponOnly));
        }
        if primary.is_none()
            && let Some(partner) = facts.reported_by
        {
            causes |= Cause::DirectAfterClick.bit();
            primary = Some((partner, Cause::DirectAfterClick));
        }
        match primary {
            Some((partner, cause)) => Fate::Leaked(partner, cause, causes),
            None => Fate::NotPartnerSourced,
        }
    }

    fn leak(&self, c: usize, partner: u32, cause: Cause, causes: u8) -> LeakedConversion {
        LeakedConversion {
            conversion: c,
            partner,
            cause,
            causes,
            revenue: self.index.conversions[c].revenue,
            payout: self.payout(c, partner),
        }
    }

    /// The commission partner `partner` earns on conversion `c`.
    fn payout(&self, c: usize, partner: u32) -> f64 {
        let facts = &self.index.conversions[c];
        if !facts.payable {
            return 0.0;
        }
        let (rate, flat) = self.index.sources[partner as usize]
            .commission
            .rate_and_flat();
        facts.revenue * rate + flat
    }
}

/// The cause of a partner touch that did not count, or `None` when it is no evidence.
fn touch_cause(key: TouchKey, verdict: TouchVerdict, methods: Methods) -> Option<Cause> {
    match verdict {
        TouchVerdict::Counts | TouchVerdict::UsedByEarlierConversion => None,
        TouchVerdict::NotAPartner => None,
        TouchVerdict::OutsideWindow => Some(Cause::CookieExpired),
        TouchVerdict::BeyondBrowserCap(_) => Some(Cause::BrowserCap),
        TouchVerdict::NotLinked if key.has_no_cookie() => Some(if key.has_broken_redirect() {
            Cause::BrokenRedirect
        } else {
            Cause::CookieMissing
        }),
        TouchVerdict::NotLinked
            if key
                .links()
                .intersects(Methods(Methods::CLICK_ID.0 | Methods::USER.0)) =>
        {
            Some(Cause::DeviceSwitch)
        }
        TouchVerdict::NotLinked => {
            debug_assert!(!methods.contains(Methods::COOKIE));
            Some(Cause::CookieMissing)
        }
    }
}

/// Judges every conversion under `settings`: what is partner-sourced, credited and leaked,
/// why, and what each fallback would recover.
pub fn analyse(index: &JourneyIndex, settings: &AttributionSettings) -> LeakageReport {
    analyse_with_renewals(index, settings, &Renewals::none())
}

/// [`analyse`] with recurring commissions: a bound renewal shares its first sale's fate (it is
/// credited when the first sale is, and leaks with it, for the same cause, when it leaks).
pub fn analyse_with_renewals(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    renewals: &Renewals,
) -> LeakageReport {
    let judge = Judge::new(index, *settings);
    let mut partner_sourced = SourceCredit::default();
    let mut credited = SourceCredit::default();
    let mut leaked = Vec::new();
    for (c, facts) in index.conversions.iter().enumerate() {
        match judge.fate(renewals.credited_as(c)) {
            Fate::NotPartnerSourced => continue,
            Fate::Credited(partner) => {
                let payout = judge.payout(c, partner);
                for tally in [&mut partner_sourced, &mut credited] {
                    tally.conversions += 1.0;
                    tally.revenue += facts.revenue;
                    tally.payout += payout;
                }
            }
            Fate::Leaked(partner, cause, causes) => {
                let leak = judge.leak(c, partner, cause, causes);
                add(&mut partner_sourced, &leak);
                leaked.push(leak);
            }
        }
    }
    let recovery = fallbacks(settings)
        .into_iter()
        .map(|(key, fallback, variant)| {
            let judge = Judge::new(index, variant);
            let recovered = leaked.iter().filter(|l| {
                let credited = renewals.credited_as(l.conversion);
                judge.credited_partner(credited).is_some()
            });
            Recovery {
                fallback,
                key,
                recovered: tally(recovered),
            }
        })
        .collect();
    LeakageReport {
        settings: *settings,
        partner_sourced,
        credited,
        leaked,
        recovery,
        recurring: renewals.recurring(),
    }
}

/// The leak of conversion `c` under `settings`; `None` when it is credited or has no
/// partner evidence.
pub fn analyse_one(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    c: usize,
) -> Option<LeakedConversion> {
    let judge = Judge::new(index, *settings);
    match judge.fate(c) {
        Fate::Leaked(partner, cause, causes) => Some(judge.leak(c, partner, cause, causes)),
        _ => None,
    }
}

/// The fallbacks not yet enabled in `settings`: (key, label, settings with it on).
fn fallbacks(settings: &AttributionSettings) -> Vec<(&'static str, String, AttributionSettings)> {
    let tracking = settings.tracking;
    let mut out = Vec::new();
    let mut with_method = |key, label: &str, method: Methods| {
        if !tracking.methods.contains(method) {
            let mut variant = *settings;
            variant.tracking.methods = tracking.methods.with(method, true);
            variant.tracking.coupon = CouponPrecedence::Backup;
            if method != Methods::COUPON {
                variant.tracking.coupon = tracking.coupon;
            }
            out.push((key, label.to_owned(), variant));
        }
    };
    with_method("server_side", "Server-side click id", Methods::CLICK_ID);
    with_method(
        "cross_device",
        "Cross-device (logged-in user)",
        Methods::USER,
    );
    with_method("coupon_backup", "Coupon backup", Methods::COUPON);
    let longer = match settings.window {
        CookieWindow::Days(days) if days < 90 => Some(CookieWindow::Days(90)),
        CookieWindow::Days(_) => Some(CookieWindow::Unlimited),
        CookieWindow::Unlimited => None,
    };
    if let Some(window) = longer {
        let label = format!("Longer window ({})", window.label());
        out.push((
            "longer_window",
            label,
            AttributionSettings {
                window,
                ..*settings
            },
        ));
    }
    if tracking.browser_caps.any() {
        let mut variant = *settings;
        variant.tracking.browser_caps = crate::attribution::BrowserCaps::none();
        out.push(("no_browser_cap", "No browser cap".to_owned(), variant));
    }
    out
}
