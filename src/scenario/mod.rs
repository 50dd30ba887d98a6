//! Scenarios: a prospect's journey composed by hand from steps (partner clicks, visits,
//! cleared cookies, log-ins, coupons, purchases), played into a scratch database and judged
//! by the same SQL and engine as real data.
//!
//! One prospect, on one or more devices and browsers. Each device and browser pair has its own
//! first-party cookie (a new one after cookies are cleared) and keeps the click id of the last
//! partner click that landed on it, as a site doing server-side tracking does. A log-in makes
//! later touches and purchases from that device and browser carry the prospect's user id.

mod builtin;
mod outcome;

use serde::{Deserialize, Serialize};

use crate::attribution::BrowserFamily;
use crate::journeys::Commission;
use crate::store::{ConversionRecord, PartnerRecord, SavedScenario, TouchRecord};

pub use builtin::{BUILT_IN_NAMES, PARTNER_A, PARTNER_B, built_in, built_ins};
pub use outcome::{ConversionOutcome, ScenarioOutcome, TouchLine, run, run_models};

/// The moment a scenario starts: 2026-01-05 09:00 UTC (a Monday).
pub const SCENARIO_START_SECS: i64 = 1_767_603_600;

/// The scenario's clock starts on day 0 at 09:00: the minute of the day it starts at.
pub const START_MINUTE_OF_DAY: i64 = 9 * 60;

/// `day 3, 14:00` for a moment `minutes` after the scenario's start.
pub fn clock_words(minutes: i64) -> String {
    let clock = minutes + START_MINUTE_OF_DAY;
    format!(
        "day {}, {:02}:{:02}",
        clock.div_euclid(1440),
        clock.rem_euclid(1440) / 60,
        clock.rem_euclid(60)
    )
}

/// The commission a scenario partner earns when the programme does not know it: 10%.
pub const DEFAULT_COMMISSION_PERCENT: f64 = 10.0;

/// A device the prospect uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Device {
    /// A phone.
    Phone,
    /// A laptop.
    Laptop,
    /// A tablet.
    Tablet,
}

impl Device {
    /// Every device, in menu order.
    pub const ALL: [Device; 3] = [Device::Phone, Device::Laptop, Device::Tablet];

    /// The name shown to people (and written as the touch's device id).
    pub fn label(self) -> &'static str {
        match self {
            Device::Phone => "phone",
            Device::Laptop => "laptop",
            Device::Tablet => "tablet",
        }
    }
}

/// Where a visit that is not a partner click came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Channel {
    /// An organic search result.
    Organic,
    /// The address typed in, or a bookmark.
    Direct,
    /// A paid search ad.
    PaidSearch,
    /// A newsletter.
    Email,
}

impl Channel {
    /// Every channel, in menu order.
    pub const ALL: [Channel; 4] = [
        Channel::Organic,
        Channel::Direct,
        Channel::PaidSearch,
        Channel::Email,
    ];

    /// The channel's source name.
    pub fn key(self) -> &'static str {
        match self {
            Channel::Organic => "organic",
            Channel::Direct => "direct",
            Channel::PaidSearch => "paid_search",
            Channel::Email => "email",
        }
    }
}

/// Where a step happens: a device and a browser on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Place {
    /// The device.
    pub device: Device,
    /// The browser.
    pub browser: BrowserFamily,
}

impl Place {
    /// `phone · Safari`.
    pub fn label(self) -> String {
        format!("{} · {}", self.device.label(), self.browser.label())
    }
}

impl Default for Place {
    fn default() -> Self {
        Place {
            device: Device::Laptop,
            browser: BrowserFamily::Chrome,
        }
    }
}

/// What happens at one step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StepKind {
    /// A click on partner `partner`'s tracking link.
    PartnerClick {
        /// The partner id.
        partner: String,
        /// Where.
        place: Place,
    },
    /// A visit from a non-partner channel.
    Visit {
        /// The channel.
        channel: Channel,
        /// Where.
        place: Place,
    },
    /// Every cookie on the device is cleared (and its log-ins with them).
    CookiesCleared {
        /// The device.
        device: Device,
    },
    /// The prospect logs in: later touches and purchases there carry the user id.
    LogIn {
        /// Where.
        place: Place,
    },
    /// The prospect types partner `partner`'s coupon code; the next purchase carries it.
    Coupon {
        /// The partner owning the code.
        partner: String,
    },
    /// A purchase.
    Purchase {
        /// Revenue.
        revenue: f64,
        /// `approved`, `pending`, `refunded` or `cancelled`.
        status: String,
        /// Where.
        place: Place,
    },
}

/// One step of a scenario, at a time measured from the scenario's start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Minutes after the scenario's start.
    pub at_minutes: i64,
    /// What happens.
    pub kind: StepKind,
}

impl Step {
    /// A step `days` days and `hours` hours after the start.
    pub fn at(days: i64, hours: i64, kind: StepKind) -> Step {
        Step {
            at_minutes: days * 1440 + hours * 60,
            kind,
        }
    }

    /// `day 3, 14:00` (the start is day 0 at 09:00).
    pub fn when(&self) -> String {
        clock_words(self.at_minutes)
    }

    /// The step as a sentence: `Partner alpha's link clicked on phone · Safari`.
    pub fn describe(&self) -> String {
        match &self.kind {
            StepKind::PartnerClick { partner, place } => {
                format!("{partner}'s link clicked on {}", place.label())
            }
            StepKind::Visit { channel, place } => {
                format!("{} visit on {}", channel.key(), place.label())
            }
            StepKind::CookiesCleared { device } => {
                format!("cookies cleared on the {}", device.label())
            }
            StepKind::LogIn { place } => format!("logs in on {}", place.label()),
            StepKind::Coupon { partner } => format!("enters {partner}'s coupon code"),
            StepKind::Purchase {
                revenue,
                status,
                place,
            } => {
                let status = if status == "approved" {
                    String::new()
                } else {
                    format!(" (later {status})")
                };
                format!(
                    "buys for {} on {}{status}",
                    crate::domain::format::money(*revenue),
                    place.label()
                )
            }
        }
    }
}

/// A journey composed by hand.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Scenario {
    /// Its name.
    pub name: String,
    /// What it shows, in a sentence.
    pub description: String,
    /// The steps; the list order breaks ties between steps at the same minute.
    pub steps: Vec<Step>,
}

/// A partner a scenario names, with what the programme knows of it.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownPartner {
    /// The partner id.
    pub partner_id: String,
    /// Display name.
    pub name: Option<String>,
    /// How it is paid (a partner paid nothing stays unpaid in scenarios).
    pub commission: Commission,
}

/// A scenario's rows, ready for a scratch database.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScenarioRecords {
    /// Every partner the scenario names.
    pub partners: Vec<PartnerRecord>,
    /// Clicks and visits, in timeline order.
    pub touches: Vec<TouchRecord>,
    /// Purchases, in timeline order.
    pub conversions: Vec<ConversionRecord>,
}

/// The scenarios saved in a database (one that no longer reads is left out).
pub fn from_saved(saved: &[SavedScenario]) -> Vec<Scenario> {
    saved
        .iter()
        .filter_map(|s| serde_json::from_str(&s.json).ok())
        .collect()
}

/// The prospect's user id in every scenario.
pub const SCENARIO_USER: &str = "prospect";

impl Scenario {
    /// Steps in timeline order (time, then list order).
    pub fn timeline(&self) -> Vec<&Step> {
        let mut steps: Vec<&Step> = self.steps.iter().collect();
        steps.sort_by_key(|s| s.at_minutes);
        steps
    }

    /// Every partner id the scenario names, in order of first appearance.
    pub fn partners(&self) -> Vec<String> {
        let mut partners: Vec<String> = Vec::new();
        for step in &self.steps {
            if let StepKind::PartnerClick { partner, .. } | StepKind::Coupon { partner } =
                &step.kind
                && !partners.contains(partner)
            {
                partners.push(partner.clone());
            }
        }
        partners
    }

    /// Each partner's coupon code in this scenario: `PARTNERA10` for `partner-a`, made
    /// unique with a suffix when two ids read alike.
    pub fn coupon_codes(&self) -> Vec<(String, String)> {
        let mut codes: Vec<(String, String)> = Vec::new();
        for partner in self.partners() {
            let letters: String = partner
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect();
            let base = format!("{}10", letters.to_ascii_uppercase());
            let mut code = base.clone();
            let mut n = 1;
            while codes.iter().any(|(_, c)| *c == code) {
                n += 1;
                code = format!("{base}-{n}");
            }
            codes.push((partner, code));
        }
        codes
    }

    /// Plays the steps out into rows; `known` gives the programme's real partners' names and
    /// commissions (others get [`DEFAULT_COMMISSION_PERCENT`]).
    pub fn records(&self, known: &[KnownPartner]) -> ScenarioRecords {
        let partners = self
            .coupon_codes()
            .into_iter()
            .map(|(id, code)| partner_record(&id, code, known))
            .collect();
        let mut play = Playback {
            coupon_codes: self.coupon_codes(),
            ..Playback::default()
        };
        let mut previous_minute = None;
        let mut same_minute = 0;
        for step in self.timeline() {
            // Steps in the same minute keep their list order: one second apart.
            same_minute = if previous_minute == Some(step.at_minutes) {
                same_minute + 1
            } else {
                0
            };
            previous_minute = Some(step.at_minutes);
            play.step(
                step,
                SCENARIO_START_SECS + step.at_minutes * 60 + same_minute,
            );
        }
        ScenarioRecords {
            partners,
            touches: play.touches,
            conversions: play.conversions,
        }
    }
}

fn partner_record(partner_id: &str, coupon_code: String, known: &[KnownPartner]) -> PartnerRecord {
    let real = known.iter().find(|k| k.partner_id == partner_id);
    let (kind, value) = match real.map(|k| k.commission) {
        None => ("percent", DEFAULT_COMMISSION_PERCENT),
        Some(Commission::Percent(rate)) => ("percent", rate),
        Some(Commission::Flat(amount)) => ("flat", amount),
        // Stored as a kind the index reads as "pays nothing", as the real programme does.
        Some(Commission::None) => ("none", 0.0),
    };
    PartnerRecord {
        partner_id: partner_id.to_owned(),
        name: real.and_then(|k| k.name.clone()),
        commission_kind: kind.to_owned(),
        commission_value: value,
        coupon_codes: Some(coupon_code),
    }
}

/// What one device and browser remember.
#[derive(Debug, Clone, Default)]
struct BrowserState {
    cookie_id: Option<String>,
    kept_click_id: Option<String>,
    logged_in: bool,
}

/// The prospect's devices while the steps play out.
#[derive(Debug, Default)]
struct Playback {
    coupon_codes: Vec<(String, String)>,
    browsers: Vec<(Place, BrowserState)>,
    cookies_made: usize,
    pending_coupon: Option<String>,
    touches: Vec<TouchRecord>,
    conversions: Vec<ConversionRecord>,
}

impl Playback {
    fn browser(&mut self, place: Place) -> &mut BrowserState {
        let at = match self.browsers.iter().position(|(p, _)| *p == place) {
            Some(at) => at,
            None => {
                self.browsers.push((place, BrowserState::default()));
                self.browsers.len() - 1
            }
        };
        let made = &mut self.cookies_made;
        let state = &mut self.browsers[at].1;
        if state.cookie_id.is_none() {
            *made += 1;
            state.cookie_id = Some(format!("cookie-{made}"));
        }
        state
    }

    fn step(&mut self, step: &Step, secs: i64) {
        match &step.kind {
            StepKind::PartnerClick { partner, place } => {
                let click_id = format!("click-{}", self.touches.len() + 1);
                self.browser(*place).kept_click_id = Some(click_id.clone());
                let url = format!("https://shop.example.com/?ref={partner}");
                self.touch(secs, partner, true, *place, Some(click_id), Some(url));
            }
            StepKind::Visit { channel, place } => {
                self.touch(secs, channel.key(), false, *place, None, None)
            }
            StepKind::CookiesCleared { device } => {
                for (place, state) in &mut self.browsers {
                    if place.device == *device {
                        *state = BrowserState::default();
                    }
                }
            }
            StepKind::LogIn { place } => self.browser(*place).logged_in = true,
            StepKind::Coupon { partner } => {
                self.pending_coupon = self
                    .coupon_codes
                    .iter()
                    .find(|(p, _)| p == partner)
                    .map(|(_, code)| code.clone())
            }
            StepKind::Purchase {
                revenue,
                status,
                place,
            } => self.purchase(secs, *revenue, status, *place),
        }
    }

    fn touch(
        &mut self,
        secs: i64,
        source: &str,
        is_partner: bool,
        place: Place,
        click_id: Option<String>,
        url: Option<String>,
    ) {
        let state = self.browser(place).clone();
        self.touches.push(TouchRecord {
            touched_at_secs: secs,
            source: source.to_owned(),
            partner_id: is_partner.then(|| source.to_owned()),
            channel: (!is_partner).then(|| source.to_owned()),
            click_id,
            url,
            cookie_id: state.cookie_id,
            user_id: state.logged_in.then(|| SCENARIO_USER.to_owned()),
            device_id: Some(place.device.label().to_owned()),
            browser: Some(place.browser.label().to_owned()),
        });
    }

    fn purchase(&mut self, secs: i64, revenue: f64, status: &str, place: Place) {
        let state = self.browser(place).clone();
        let number = self.conversions.len() + 1;
        self.conversions.push(ConversionRecord {
            conversion_id: format!("sale-{number}"),
            converted_at_secs: secs,
            revenue,
            currency: Some("USD".to_owned()),
            cookie_id: state.cookie_id,
            user_id: state.logged_in.then(|| SCENARIO_USER.to_owned()),
            click_id: state.kept_click_id,
            coupon_code: self.pending_coupon.take(),
            status: status.to_owned(),
        });
    }
}
