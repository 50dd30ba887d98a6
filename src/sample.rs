//! A deterministic, realistic sample partner programme written as CSV files.
//!
//! [`write_sample`] writes `partners.csv`, `clicks.csv`, `conversions.csv`, `leads.csv`
//! (partner-reported leads) and `truth.csv` (which partner really sent each conversion and, when
//! first-party-cookie tracking would lose it, the designed leakage cause).
//!
//! The programme launches on 2026-07-01 (UTC), so July has fewer conversions while the first
//! journeys mature, and the export ends with the last requested click, in the evening of
//! 2026-10-31, cutting the journeys still in flight. Every user is one *journey*: a few touches
//! on one or two devices, usually ending in nothing, sometimes in one or two conversions.
//! Journeys start in time order and their rows pass through a time-ordered queue, so every file
//! comes out sorted by time while memory holds only the journeys in flight.
//!
//! Every non-empty `cookie_id` of a conversion appears in `clicks.csv`; about 1 % of the
//! conversions are phone orders with no touch and no cookie. A kept `click_id` is always the
//! latest partner click of the converting cookie or user.
//!
//! `truth.csv` names a `loss_cause` when tracking by first-party cookie alone, with a 30-day
//! window and a 7-day Safari cap, credits no partner although a partner sent the sale:
//! - `cookie_expired`: the only partner click is 31–90 days old (non-Safari, same cookie).
//! - `browser_cap`: the only partner click is a Safari click 7 days + 1 hour to 29 days old.
//! - `device_switch`: the partner click is on the user's phone cookie, the sale on the laptop
//!   cookie; both rows carry the same `user_id`.
//! - `broken_redirect`: the click took 2–3 hops and/or failed landing and has no cookie; the
//!   user (logged in) came back directly on the same device and bought.
//! - `cookie_missing`: the click landed but carries no cookie; the sale is linked by `user_id`
//!   and/or the kept `click_id`.
//! - `direct_after_click`: the click is on another, anonymous device; only the partner's report
//!   (always present) links the sale.
//! - `coupon_only`: no partner click at all, only the partner's coupon on the sale.
//!
//! Every partner-sourced conversion without a cause is credited to its true partner by that
//! cookie rule. No user's device or cookie is shared with another user.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// How big a sample programme to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleSpec {
    /// Seed of the random generator: the same seed and size give byte-identical files.
    pub seed: u64,
    /// Rows in `clicks.csv`: partner clicks and non-partner visits together.
    pub clicks: usize,
}

impl Default for SampleSpec {
    /// Seed 42 and 20 000 clicks: the sample that ships with the application.
    fn default() -> Self {
        Self {
            seed: 42,
            clicks: 20_000,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleSummary {
    /// Rows in `partners.csv`.
    pub partners: usize,
    /// Rows in `clicks.csv`.
    pub clicks: usize,
    /// Rows in `conversions.csv` (and in `truth.csv`).
    pub conversions: usize,
    /// Rows in `leads.csv`.
    pub leads: usize,
    /// The files written: partners, clicks, conversions, leads and truth, in that order.
    pub files: Vec<PathBuf>,
}

/// Why a sample could not be written.
#[derive(Debug)]
pub enum SampleError {
    /// The output directory could not be created.
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// A sample file could not be created or written.
    Write {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
}

impl fmt::Display for SampleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CreateDir { path, source } => {
                write!(f, "cannot create directory {}: {source}", path.display())
            }
            Self::Write { path, source } => write!(f, "cannot write {}: {source}", path.display()),
        }
    }
}

impl std::error::Error for SampleError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::CreateDir { source, .. } | Self::Write { source, .. } => Some(source),
        }
    }
}

/// Writes a sample programme of `spec`'s size into `out_dir` (created when missing).
pub fn write_sample(out_dir: &Path, spec: &SampleSpec) -> Result<SampleSummary, SampleError> {
    fs::create_dir_all(out_dir).map_err(|source| SampleError::CreateDir {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let partners = write_partners(out_dir)?;
    let mut sink = Sink::create(out_dir, spec)?;
    stream_journeys(spec, &mut sink)?;
    let written = sink.finish()?;
    let mut files = vec![partners];
    files.extend(written.files);
    Ok(SampleSummary {
        partners: PARTNERS.len(),
        clicks: written.clicks,
        conversions: written.conversions,
        leads: written.leads,
        files,
    })
}

// ---------------------------------------------------------------------------------------------
// Calendar and constants
// ---------------------------------------------------------------------------------------------

const MINUTE: u32 = 60;
const HOUR: u32 = 3_600;
const DAY: u32 = 86_400;
/// 2026-07-01 through 2026-10-31.
const PERIOD: u32 = 123 * DAY;
const FIRST_DAY: i64 = days_from_civil(2026, 7, 1);
const COOKIE_WINDOW: u32 = 30 * DAY;
const SAFARI_CAP: u32 = 7 * DAY;
/// Share of journeys that convert, tuned so conversions ≈ clicks / 10.
const CONVERTING_PCT: u32 = 23;
const SHOP: &str = "https://shop.example.com";
/// The last second of the period.
const LAST: u32 = PERIOD - 1;
/// Room of a journey that may run past the end of the period (its late rows are cut).
const OPEN_ROOM: u32 = 400 * DAY;
/// Seconds of journey starts per `clicks` planned touches: the period less [`LAG`].
const PACE: u32 = PERIOD - LAG;
/// A little more than the mean delay (measured: 43 hours) of a touch after its journey's
/// start, so the last click falls in the evening of the period's last day.
const LAG: u32 = 46 * HOUR;

const PARTNERS_HEADER: &str = "partner_id,name,commission,coupon_codes";
const CLICKS_HEADER: &str = "click_id,clicked_at,url,partner_id,channel,cookie_id,user_id,\
                             device_id,browser,redirect_hops,landing_status";
const CONVERSIONS_HEADER: &str =
    "conversion_id,converted_at,revenue,currency,cookie_id,user_id,click_id,coupon_code,status";
const LEADS_HEADER: &str = "partner_id,reported_at,reference,amount";
const TRUTH_HEADER: &str = "conversion_id,true_partner_id,loss_cause";

/// Days since 1970-01-01 of a proleptic Gregorian date.
const fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date (year, month, day) of a count of days since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The campaign running on a day of the programme.
fn campaign(at: u32) -> &'static str {
    match at / DAY {
        0..=30 => "summer2026",
        31..=61 => "backtoschool",
        62..=106 => "autumn2026",
        _ => "halloween2026",
    }
}

// ---------------------------------------------------------------------------------------------
// Random numbers
// ---------------------------------------------------------------------------------------------

/// splitmix64: small, fast and identical on every machine.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Self {
        Self(mix64(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F)))
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }

    /// Uniform in `0..n`; 0 when `n` is 0.
    fn below(&mut self, n: u32) -> u32 {
        (((self.next_u64() >> 32) * u64::from(n)) >> 32) as u32
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below(hi - lo + 1)
    }

    fn percent(&mut self, pct: u32) -> bool {
        self.below(100) < pct
    }

    fn permille(&mut self, pm: u32) -> bool {
        self.below(1_000) < pm
    }

    /// In `0..=max`, skewed towards 0 (the smaller of two uniform draws).
    fn skewed(&mut self, max: u32) -> u32 {
        let a = self.below(max + 1);
        a.min(self.below(max + 1))
    }

    /// One item of a weighted table.
    fn pick<T: Copy>(&mut self, table: &[(T, u32)]) -> T {
        let total = table.iter().map(|&(_, weight)| weight).sum();
        let mut roll = self.below(total);
        for &(item, weight) in table {
            if roll < weight {
                return item;
            }
            roll -= weight;
        }
        table[table.len() - 1].0
    }
}

/// The splitmix64 finaliser, a bijection on `u64`.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A keyed bijection on 40-bit numbers: distinct serials (below 2^40) give distinct ids.
fn mix40(serial: u64, key: u64) -> u64 {
    const MASK: u64 = (1 << 40) - 1;
    let mut x = (serial ^ key) & MASK;
    x ^= x >> 19;
    x = x.wrapping_mul(0x9E_3779_B97F) & MASK;
    x ^= x >> 21;
    x = x.wrapping_mul(0xC2_B2AE_3D27) & MASK;
    x ^ (x >> 20)
}

// ---------------------------------------------------------------------------------------------
// The programme's vocabulary
// ---------------------------------------------------------------------------------------------

/// One partner of the sample programme.
struct PartnerDef {
    id: &'static str,
    name: &'static str,
    commission: &'static str,
    coupons: &'static [&'static str],
    /// Relative share of partner clicks.
    weight: u32,
}

const fn partner(
    id: &'static str,
    name: &'static str,
    commission: &'static str,
    coupons: &'static [&'static str],
    weight: u32,
) -> PartnerDef {
    PartnerDef {
        id,
        name,
        commission,
        coupons,
        weight,
    }
}

const PARTNERS: [PartnerDef; 20] = [
    partner(
        "techreview",
        "TechReview Weekly",
        "12%",
        &["TECH10", "TECHVIP"],
        14,
    ),
    partner("dealhunter", "Deal Hunter", "7.5%", &["HUNT15"], 12),
    partner("smithjones", "Smith, Jones & Co", "25.00", &[], 6),
    partner("budgetmom", "Budget Mom Blog", "10%", &["MOMSAVE"], 8),
    partner("gadgetguru", "Gadget Guru", "9%", &[], 7),
    partner("coupondash", "CouponDash", "5%", &["DASH5", "DASH10"], 9),
    partner("campusdeals", "Campus Deals", "6%", &["CAMPUS"], 4),
    partner("trailjournal", "Trail Journal", "11%", &[], 4),
    partner(
        "weekendpod",
        "The Weekend Podcast",
        "30.00",
        &["WEEKEND20"],
        5,
    ),
    partner("fitfam", "FitFam Collective", "8%", &["FIT8"], 4),
    partner("homecook", "Home Cook Diaries", "10%", &[], 3),
    partner("cashbackhub", "CashBack Hub", "4%", &[], 8),
    partner("linkpilot", "LinkPilot Media", "15.00", &[], 3),
    partner("styleedit", "The Style Edit", "12.5%", &["STYLE12"], 4),
    partner("nerdbench", "Nerd Bench", "10%", &[], 3),
    partner("parentlab", "Parent Lab", "20.00", &[], 2),
    partner("travelnotes", "Travel Notes", "9.5%", &[], 2),
    partner("comparenow", "CompareNow", "6%", &[], 5),
    partner("gamerzone", "Gamer Zone", "8%", &["GZ10"], 3),
    partner("miasbuys", "Mia's \"Best Buys\"", "7%", &[], 2),
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Browser {
    Chrome,
    Safari,
    Firefox,
    Edge,
}

impl Browser {
    fn name(self) -> &'static str {
        match self {
            Self::Chrome => "Chrome",
            Self::Safari => "Safari",
            Self::Firefox => "Firefox",
            Self::Edge => "Edge",
        }
    }
}

const BROWSERS: [(Browser, u32); 4] = [
    (Browser::Chrome, 55),
    (Browser::Safari, 30),
    (Browser::Firefox, 8),
    (Browser::Edge, 7),
];
const PHONE_BROWSERS: [(Browser, u32); 2] = [(Browser::Safari, 60), (Browser::Chrome, 40)];
const LAPTOP_BROWSERS: [(Browser, u32); 4] = [
    (Browser::Chrome, 60),
    (Browser::Safari, 15),
    (Browser::Firefox, 13),
    (Browser::Edge, 12),
];
const NON_SAFARI_BROWSERS: [(Browser, u32); 3] = [
    (Browser::Chrome, 55),
    (Browser::Firefox, 8),
    (Browser::Edge, 7),
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Channel {
    Organic,
    Direct,
    PaidSearch,
    Email,
    Social,
}

impl Channel {
    fn name(self) -> &'static str {
        match self {
            Self::Organic => "organic",
            Self::Direct => "direct",
            Self::PaidSearch => "paid_search",
            Self::Email => "email",
            Self::Social => "social",
        }
    }
}

const CHANNELS: [(Channel, u32); 5] = [
    (Channel::Organic, 35),
    (Channel::Direct, 25),
    (Channel::PaidSearch, 20),
    (Channel::Email, 10),
    (Channel::Social, 10),
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Status {
    Approved,
    Pending,
    Refunded,
    Cancelled,
}

impl Status {
    fn name(self) -> &'static str {
        match self {
            Self::Approved => "approved",
            Self::Pending => "pending",
            Self::Refunded => "refunded",
            Self::Cancelled => "cancelled",
        }
    }
}

const STATUSES: [(Status, u32); 4] = [
    (Status::Approved, 85),
    (Status::Pending, 7),
    (Status::Refunded, 6),
    (Status::Cancelled, 2),
];

/// Why cookie tracking loses a partner-sourced conversion, as designed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Cause {
    CookieExpired,
    BrowserCap,
    DeviceSwitch,
    BrokenRedirect,
    CookieMissing,
    DirectAfterClick,
    CouponOnly,
}

impl Cause {
    fn label(self) -> &'static str {
        match self {
            Self::CookieExpired => "cookie_expired",
            Self::BrowserCap => "browser_cap",
            Self::DeviceSwitch => "device_switch",
            Self::BrokenRedirect => "broken_redirect",
            Self::CookieMissing => "cookie_missing",
            Self::DirectAfterClick => "direct_after_click",
            Self::CouponOnly => "coupon_only",
        }
    }
}

/// The kind of a user's journey.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// Touches, no conversion.
    Browse,
    /// A partner click the cookie rule credits.
    Credited,
    /// Non-partner touches only.
    Organic,
    /// A conversion without any touch (phone order).
    NoTouch,
    /// A partner-sourced conversion the cookie rule loses.
    Leak(Cause),
}

/// Converting journeys by kind, in percent.
const CONVERTING: [(Kind, u32); 10] = [
    (Kind::Credited, 46),
    (Kind::Organic, 30),
    (Kind::NoTouch, 1),
    (Kind::Leak(Cause::CouponOnly), 4),
    (Kind::Leak(Cause::CookieExpired), 4),
    (Kind::Leak(Cause::BrowserCap), 4),
    (Kind::Leak(Cause::DeviceSwitch), 3),
    (Kind::Leak(Cause::BrokenRedirect), 3),
    (Kind::Leak(Cause::CookieMissing), 2),
    (Kind::Leak(Cause::DirectAfterClick), 3),
];
const BROWSE_TOUCHES: [(u64, u32); 4] = [(1, 40), (2, 30), (3, 18), (4, 12)];
const JOURNEY_TOUCHES: [(u64, u32); 6] = [(1, 20), (2, 25), (3, 20), (4, 15), (5, 12), (6, 8)];
const EXTRA_VISITS: [(u64, u32); 5] = [(0, 25), (1, 30), (2, 20), (3, 15), (4, 10)];
const ITEM_PRICES: [u32; 15] = [
    1_999, 2_499, 2_999, 3_499, 3_999, 4_999, 5_999, 7_499, 8_999, 9_999, 12_900, 14_999, 19_900,
    24_900, 39_900,
];
const CATEGORIES: [&str; 8] = [
    "laptops", "phones", "audio", "home", "outdoor", "toys", "books", "fitness",
];
const SOCIAL_SITES: [&str; 3] = ["instagram", "facebook", "tiktok"];

// ---------------------------------------------------------------------------------------------
// Planned rows
// ---------------------------------------------------------------------------------------------

/// One browser on one device; its serial gives both `cookie_id` and `device_id`.
#[derive(Clone, Copy)]
struct Device {
    serial: u64,
    browser: Browser,
}

/// What the redirect and landing did to a touch.
#[derive(Clone, Copy)]
struct Landing {
    hops: u8,
    failed: bool,
    cookie: bool,
}

const VISIT: Landing = Landing {
    hops: 0,
    failed: false,
    cookie: true,
};
const REDIRECT_OK: Landing = Landing {
    hops: 1,
    failed: false,
    cookie: true,
};
const COOKIE_BLOCKED: Landing = Landing {
    hops: 1,
    failed: false,
    cookie: false,
};

/// How a partner click names its partner.
#[derive(Clone, Copy)]
struct Link {
    partner: u8,
    /// The `partner_id` column is filled (else only the URL names the partner).
    column: bool,
    /// The URL uses the alias `via=` instead of `ref=`.
    via: bool,
    utm: bool,
}

#[derive(Clone, Copy)]
enum Source {
    Partner(Link),
    Channel(Channel),
}

/// One row of `clicks.csv`.
#[derive(Clone, Copy)]
struct Touch {
    device: Device,
    /// 0 when not logged in.
    user: u32,
    source: Source,
    /// Landing page: 0 none (direct), < 100 home, < 250 a category, else a product.
    page: u16,
    landing: Landing,
    /// Non-zero when a later conversion keeps this click's id.
    capture: u64,
}

/// One row of `conversions.csv` and of `truth.csv`.
#[derive(Clone, Copy)]
struct Conversion {
    /// Serial of the converting browser; 0 for no cookie.
    cookie: u64,
    user: u32,
    capture: u64,
    revenue: u32,
    eur: bool,
    coupon: Option<(u8, u8)>,
    status: Status,
    partner: Option<u8>,
    cause: Option<Cause>,
    /// The true partner reports this conversion as a lead.
    reported: bool,
}

enum Step {
    Touch(Touch),
    Convert(Conversion),
}

/// An item queued for its time; the heap pops the earliest first, ties in queueing order.
struct Timed<T> {
    at: u32,
    seq: u64,
    item: T,
}

impl<T> PartialEq for Timed<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl<T> Eq for Timed<T> {}

impl<T> PartialOrd for Timed<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Timed<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// The rows of one journey, by offset from the journey's origin.
#[derive(Default)]
struct Plan {
    steps: Vec<(u32, Step)>,
    touches: u64,
}

impl Plan {
    fn touch(&mut self, at: u32, touch: Touch) {
        self.touches += 1;
        self.steps.push((at, Step::Touch(touch)));
    }

    fn convert(&mut self, at: u32, conversion: Conversion) {
        self.steps.push((at, Step::Convert(conversion)));
    }

    fn clear(&mut self) {
        self.steps.clear();
        self.touches = 0;
    }

    fn span(&self) -> u32 {
        self.steps.iter().map(|&(at, _)| at).max().unwrap_or(0)
    }

    /// Sorts the rows by offset (stable: ties keep planning order) and moves the first to 0.
    fn rebase(&mut self) {
        self.steps.sort_by_key(|&(at, _)| at);
        let first = self.steps.first().map_or(0, |&(at, _)| at);
        for (at, _) in &mut self.steps {
            *at -= first;
        }
    }
}

/// A user with one device, or two (laptop and phone) sharing the logged-in user id.
#[derive(Clone, Copy)]
struct Person {
    user: u32,
    main: Device,
    second: Option<Device>,
}

impl Person {
    /// The device of a non-converting visit.
    fn any_device(self, rng: &mut Rng) -> Device {
        match self.second {
            Some(device) if rng.percent(35) => device,
            _ => self.main,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Journeys
// ---------------------------------------------------------------------------------------------

/// Designs journeys; every choice comes from one seeded stream.
struct Planner {
    rng: Rng,
    partners: Vec<(u8, u32)>,
    devices: u64,
    users: u32,
    captures: u64,
}

impl Planner {
    fn new(seed: u64) -> Self {
        let partners = PARTNERS
            .iter()
            .enumerate()
            .map(|(index, p)| (index as u8, p.weight))
            .collect();
        Self {
            rng: Rng::new(seed, 1),
            partners,
            devices: 0,
            users: 0,
            captures: 0,
        }
    }

    /// Plans the next journey within `room` seconds; its first row is at offset 0.
    fn journey(&mut self, plan: &mut Plan, room: u32) {
        plan.clear();
        let kind = self.kind(room);
        self.build(plan, kind, room);
        plan.rebase();
    }

    fn kind(&mut self, room: u32) -> Kind {
        if !self.rng.percent(CONVERTING_PCT) {
            return Kind::Browse;
        }
        match self.rng.pick(&CONVERTING) {
            Kind::Leak(Cause::CookieExpired) if room < COOKIE_WINDOW + DAY => Kind::Organic,
            Kind::Leak(Cause::BrowserCap) if room < SAFARI_CAP + HOUR => Kind::Organic,
            kind => kind,
        }
    }

    fn build(&mut self, plan: &mut Plan, kind: Kind, room: u32) {
        match kind {
            Kind::Browse => {
                let touches = self.rng.pick(&BROWSE_TOUCHES);
                self.browse(plan, room, touches);
            }
            Kind::Credited => self.credited(plan, room),
            Kind::Organic => self.organic(plan, room),
            Kind::NoTouch => self.no_touch(plan, room),
            Kind::Leak(Cause::CookieExpired) => self.cookie_expired(plan, room),
            Kind::Leak(Cause::BrowserCap) => self.browser_cap(plan, room),
            Kind::Leak(Cause::DeviceSwitch) => self.device_switch(plan, room),
            Kind::Leak(Cause::BrokenRedirect) => self.broken_redirect(plan, room),
            Kind::Leak(Cause::CookieMissing) => self.cookie_missing(plan, room),
            Kind::Leak(Cause::DirectAfterClick) => self.direct_after_click(plan, room),
            Kind::Leak(Cause::CouponOnly) => self.coupon_only(plan, room),
        }
    }

    /// A visitor who never buys: partner clicks (some broken) and other visits.
    fn browse(&mut self, plan: &mut Plan, room: u32, touches: u64) {
        let person = self.person();
        let span = self.rng.skewed(10 * DAY).min(room);
        for _ in 0..touches {
            let at = self.rng.below(span + 1);
            let device = person.any_device(&mut self.rng);
            let touch = if self.rng.percent(40) {
                let partner = self.partner();
                let landing = self.free_landing();
                self.partner_touch(partner, device, person.user, landing, 0)
            } else {
                self.channel_touch(device, person.user)
            };
            plan.touch(at, touch);
        }
    }

    /// A partner click the cookie rule credits, perhaps after another partner's click.
    fn credited(&mut self, plan: &mut Plan, room: u32) {
        let person = self.person();
        let partner = self.partner();
        let window = if person.main.browser == Browser::Safari {
            SAFARI_CAP
        } else {
            COOKIE_WINDOW
        };
        let key_age = self.rng.skewed(window.min(room));
        let spread = self.rng.skewed(21 * DAY).min(room);
        let rival = self
            .earlier_age(18, key_age, 14 * DAY, room)
            .map(|age| (self.other_partner(partner), age));
        let again = self
            .earlier_age(25, key_age, 7 * DAY, room)
            .map(|age| (partner, age));
        let end = [rival, again]
            .iter()
            .flatten()
            .map(|&(_, age)| age)
            .fold(key_age.max(spread), u32::max);
        for (earlier, age) in [rival, again].into_iter().flatten() {
            let landing = self.free_landing();
            let touch = self.partner_touch(earlier, person.main, person.user, landing, 0);
            plan.touch(end - age, touch);
        }
        let visits = self.rng.pick(&EXTRA_VISITS);
        self.visits(plan, person, visits, end, end);
        self.credited_sale(plan, person, partner, end - key_age, end);
        self.repeat_sale(plan, person, partner, end, room);
    }

    /// The credited partner click at `click_at` and the sale at `sale_at`.
    fn credited_sale(
        &mut self,
        plan: &mut Plan,
        person: Person,
        partner: u8,
        click_at: u32,
        sale_at: u32,
    ) {
        let capture = self.capture(55);
        let click = self.partner_touch(partner, person.main, person.user, REDIRECT_OK, capture);
        plan.touch(click_at, click);
        let mut sale = self.conversion(person.main.serial, person.user, Some(partner), None);
        sale.capture = capture;
        sale.coupon = self.coupon(partner, 25);
        sale.reported = self.rng.percent(20);
        plan.convert(sale_at, sale);
    }

    /// Sometimes the customer comes back through the same partner and buys again.
    fn repeat_sale(&mut self, plan: &mut Plan, person: Person, partner: u8, after: u32, room: u32) {
        if !self.rng.percent(8) {
            return;
        }
        let gap = self.rng.between(3 * DAY, 30 * DAY);
        if after + gap > room {
            return;
        }
        let end = after + gap;
        let visits = u64::from(self.rng.below(2));
        self.visits(plan, person, visits, end, gap - 1);
        let click_at = end - self.rng.below(3 * DAY);
        self.credited_sale(plan, person, partner, click_at, end);
    }

    /// Non-partner visits only, sometimes a second purchase.
    fn organic(&mut self, plan: &mut Plan, room: u32) {
        let person = self.person();
        let touches = self.rng.pick(&JOURNEY_TOUCHES);
        let end = self.rng.skewed(21 * DAY).min(room);
        self.first_visit(plan, person, end);
        self.visits(plan, person, touches - 1, end, end);
        let sale = self.conversion(person.main.serial, person.user, None, None);
        plan.convert(end, sale);
        let gap = self.rng.between(3 * DAY, 30 * DAY);
        if self.rng.percent(8) && end + gap <= room {
            self.first_visit(plan, person, end + gap - 1);
            let sale = self.conversion(person.main.serial, person.user, None, None);
            plan.convert(end + gap, sale);
        }
    }

    /// A phone or shop order: no touch and no cookie.
    fn no_touch(&mut self, plan: &mut Plan, room: u32) {
        let user = self.user(50);
        let at = self.rng.below(room.min(2 * DAY) + 1);
        let sale = self.conversion(0, user, None, None);
        plan.convert(at, sale);
    }

    /// Only the partner's coupon ties the sale to the partner.
    fn coupon_only(&mut self, plan: &mut Plan, room: u32) {
        let person = self.person();
        let partner = self.coupon_partner();
        let touches = u64::from(self.rng.between(1, 4));
        let end = self.rng.skewed(14 * DAY).min(room);
        self.first_visit(plan, person, end);
        self.visits(plan, person, touches - 1, end, end);
        let mut sale = self.conversion(
            person.main.serial,
            person.user,
            Some(partner),
            Some(Cause::CouponOnly),
        );
        sale.coupon = self.coupon(partner, 100);
        sale.reported = self.rng.percent(30);
        plan.convert(end, sale);
    }

    /// The only partner click is 31–90 days old; recent visits are non-partner.
    fn cookie_expired(&mut self, plan: &mut Plan, room: u32) {
        let browser = self.rng.pick(&NON_SAFARI_BROWSERS);
        let person = self.single(40, browser);
        let leak = self.leak(Cause::CookieExpired, 15, 40);
        let end = self.rng.between(COOKIE_WINDOW + DAY, (90 * DAY).min(room));
        let capture = self.leaked_click(plan, person, 0, leak);
        let visits = u64::from(self.rng.between(1, 3));
        self.visits(plan, person, visits, end, COOKIE_WINDOW - HOUR);
        self.leaked_sale(plan, person, end, leak, capture);
    }

    /// The only partner click is a Safari click older than the 7-day cap.
    fn browser_cap(&mut self, plan: &mut Plan, room: u32) {
        let person = self.single(40, Browser::Safari);
        let leak = self.leak(Cause::BrowserCap, 40, 40);
        let end = self.rng.between(SAFARI_CAP + HOUR, (29 * DAY).min(room));
        let capture = self.leaked_click(plan, person, 0, leak);
        let visits = u64::from(self.rng.below(4));
        self.visits(plan, person, visits, end, end - 1);
        self.leaked_sale(plan, person, end, leak, capture);
    }

    /// Click on the phone, purchase on the laptop; only the user id links them.
    fn device_switch(&mut self, plan: &mut Plan, room: u32) {
        let user = self.user(100);
        let phone_browser = self.rng.pick(&PHONE_BROWSERS);
        let laptop_browser = self.rng.pick(&LAPTOP_BROWSERS);
        let phone = self.solo(user, phone_browser);
        let laptop = self.solo(user, laptop_browser);
        let leak = self.leak(Cause::DeviceSwitch, 0, 50);
        let key_age = self.rng.between(HOUR, 7 * DAY).min(room);
        let end = (key_age + self.rng.skewed(3 * DAY)).min(room);
        let click_at = end - key_age;
        let early = u64::from(self.rng.below(3));
        self.visits(plan, phone, early, click_at, click_at);
        let capture = self.leaked_click(plan, phone, click_at, leak);
        let late = u64::from(self.rng.between(1, 3));
        self.visits(plan, laptop, late, end, key_age);
        self.leaked_sale(plan, laptop, end, leak, capture);
    }

    /// The redirect broke (extra hops or failed landing): no cookie; the user came back directly.
    fn broken_redirect(&mut self, plan: &mut Plan, room: u32) {
        let browser = self.rng.pick(&BROWSERS);
        let person = self.single(100, browser);
        let leak = self.leak(Cause::BrokenRedirect, 0, 60);
        self.cookieless_click(plan, person, room, leak);
    }

    /// The click landed but its cookie was blocked; a later visit has the cookie.
    fn cookie_missing(&mut self, plan: &mut Plan, room: u32) {
        let browser = self.rng.pick(&BROWSERS);
        let person = self.single(60, browser);
        let keep_id_pct = if person.user == 0 { 100 } else { 60 };
        let leak = self.leak(Cause::CookieMissing, keep_id_pct, 50);
        self.cookieless_click(plan, person, room, leak);
    }

    /// A partner click without a cookie, a return visit with one, then the purchase.
    fn cookieless_click(&mut self, plan: &mut Plan, person: Person, room: u32, leak: Leak) {
        let key_age = self.rng.between(10 * MINUTE, 7 * DAY).min(room);
        let end = (key_age + self.rng.skewed(7 * DAY)).min(room);
        let click_at = end - key_age;
        let early = u64::from(self.rng.below(3));
        self.visits(plan, person, early, click_at, click_at);
        let capture = self.leaked_click(plan, person, click_at, leak);
        let back = if leak.cause == Cause::BrokenRedirect {
            self.direct_touch(person.main, person.user)
        } else {
            self.channel_touch(person.main, person.user)
        };
        plan.touch(end - self.rng.below(key_age), back);
        self.leaked_sale(plan, person, end, leak, capture);
    }

    /// A partner click on one anonymous device, a direct purchase on another.
    fn direct_after_click(&mut self, plan: &mut Plan, room: u32) {
        let first_browser = self.rng.pick(&BROWSERS);
        let second_browser = self.rng.pick(&BROWSERS);
        let clicker = self.solo(0, first_browser);
        let buyer = self.solo(0, second_browser);
        let leak = self.leak(Cause::DirectAfterClick, 0, 100);
        let key_age = self.rng.between(HOUR, 14 * DAY).min(room);
        let end = (key_age + self.rng.skewed(3 * DAY)).min(room);
        let click_at = end - key_age;
        let early = u64::from(self.rng.below(2));
        self.visits(plan, clicker, early, click_at, click_at);
        let capture = self.leaked_click(plan, clicker, click_at, leak);
        for _ in 0..self.rng.between(1, 2) {
            let touch = self.direct_touch(buyer.main, 0);
            plan.touch(end - self.rng.below(key_age), touch);
        }
        self.leaked_sale(plan, buyer, end, leak, capture);
    }

    /// The partner, cause and odds of a leaking journey.
    fn leak(&mut self, cause: Cause, keep_id_pct: u32, report_pct: u32) -> Leak {
        Leak {
            partner: self.partner(),
            cause,
            keep_id_pct,
            report_pct,
        }
    }

    /// The partner click of a leaking journey; returns its capture key (0: id not kept).
    fn leaked_click(&mut self, plan: &mut Plan, person: Person, at: u32, leak: Leak) -> u64 {
        let landing = match leak.cause {
            Cause::BrokenRedirect => self.broken_landing(),
            Cause::CookieMissing => COOKIE_BLOCKED,
            _ => REDIRECT_OK,
        };
        let capture = self.capture(leak.keep_id_pct);
        let click = self.partner_touch(leak.partner, person.main, person.user, landing, capture);
        plan.touch(at, click);
        capture
    }

    /// The purchase of a leaking journey, on `person`'s main device.
    fn leaked_sale(&mut self, plan: &mut Plan, person: Person, at: u32, leak: Leak, capture: u64) {
        let mut sale = self.conversion(
            person.main.serial,
            person.user,
            Some(leak.partner),
            Some(leak.cause),
        );
        sale.capture = capture;
        sale.reported = self.rng.percent(leak.report_pct);
        plan.convert(at, sale);
    }

    /// A visit on the converting device at an offset in `0..=end`.
    fn first_visit(&mut self, plan: &mut Plan, person: Person, end: u32) {
        let at = end - self.rng.below(end + 1);
        let touch = self.channel_touch(person.main, person.user);
        plan.touch(at, touch);
    }

    /// `count` non-partner visits at most `span` seconds before `end`.
    fn visits(&mut self, plan: &mut Plan, person: Person, count: u64, end: u32, span: u32) {
        for _ in 0..count {
            let at = end - self.rng.below(span + 1);
            let device = person.any_device(&mut self.rng);
            let touch = self.channel_touch(device, person.user);
            plan.touch(at, touch);
        }
    }

    /// With `pct` percent, the age of an earlier click: `key_age` plus an hour to `extra`.
    fn earlier_age(&mut self, pct: u32, key_age: u32, extra: u32, room: u32) -> Option<u32> {
        if !self.rng.percent(pct) {
            return None;
        }
        let age = key_age + self.rng.between(HOUR, extra);
        (age <= room).then_some(age)
    }

    // --- people and devices ---

    /// A user, logged in for 40 %, with a second device for 12 % of those.
    fn person(&mut self) -> Person {
        let user = self.user(40);
        if user != 0 && self.rng.percent(12) {
            let laptop_browser = self.rng.pick(&LAPTOP_BROWSERS);
            let phone_browser = self.rng.pick(&PHONE_BROWSERS);
            let main = self.device(laptop_browser);
            let second = Some(self.device(phone_browser));
            return Person { user, main, second };
        }
        let browser = self.rng.pick(&BROWSERS);
        self.solo(user, browser)
    }

    /// A user with one device, logged in for `login_pct` percent.
    fn single(&mut self, login_pct: u32, browser: Browser) -> Person {
        let user = self.user(login_pct);
        self.solo(user, browser)
    }

    fn solo(&mut self, user: u32, browser: Browser) -> Person {
        Person {
            user,
            main: self.device(browser),
            second: None,
        }
    }

    fn device(&mut self, browser: Browser) -> Device {
        self.devices += 1;
        Device {
            serial: self.devices,
            browser,
        }
    }

    /// A new logged-in user id for `pct` percent, else 0.
    fn user(&mut self, pct: u32) -> u32 {
        if !self.rng.percent(pct) {
            return 0;
        }
        self.users += 1;
        self.users
    }

    /// A new capture key for `pct` percent, else 0.
    fn capture(&mut self, pct: u32) -> u64 {
        if !self.rng.percent(pct) {
            return 0;
        }
        self.captures += 1;
        self.captures
    }

    // --- partners ---

    fn partner(&mut self) -> u8 {
        self.rng.pick(&self.partners)
    }

    fn other_partner(&mut self, not: u8) -> u8 {
        loop {
            let partner = self.partner();
            if partner != not {
                return partner;
            }
        }
    }

    fn coupon_partner(&mut self) -> u8 {
        loop {
            let partner = self.partner();
            if !PARTNERS[usize::from(partner)].coupons.is_empty() {
                return partner;
            }
        }
    }

    /// One of the partner's coupons for `pct` percent, when it has any.
    fn coupon(&mut self, partner: u8, pct: u32) -> Option<(u8, u8)> {
        let codes = PARTNERS[usize::from(partner)].coupons.len() as u32;
        if codes == 0 || !self.rng.percent(pct) {
            return None;
        }
        Some((partner, self.rng.below(codes) as u8))
    }

    // --- touches ---

    fn partner_touch(
        &mut self,
        partner: u8,
        device: Device,
        user: u32,
        landing: Landing,
        capture: u64,
    ) -> Touch {
        let link = Link {
            partner,
            column: self.rng.percent(50),
            via: self.rng.permille(20),
            utm: self.rng.percent(45),
        };
        Touch {
            device,
            user,
            source: Source::Partner(link),
            page: self.page(),
            landing,
            capture,
        }
    }

    fn channel_touch(&mut self, device: Device, user: u32) -> Touch {
        match self.rng.pick(&CHANNELS) {
            Channel::Direct => self.direct_touch(device, user),
            channel => Touch {
                device,
                user,
                source: Source::Channel(channel),
                page: self.page(),
                landing: VISIT,
                capture: 0,
            },
        }
    }

    /// A typed-in visit: half of them record no landing URL.
    fn direct_touch(&mut self, device: Device, user: u32) -> Touch {
        let page = if self.rng.percent(50) { 0 } else { self.page() };
        Touch {
            device,
            user,
            source: Source::Channel(Channel::Direct),
            page,
            landing: VISIT,
            capture: 0,
        }
    }

    fn page(&mut self) -> u16 {
        self.rng.between(1, 999) as u16
    }

    /// A partner click outside a designed journey: 2.8 % broken, 1.9 % cookie blocked.
    fn free_landing(&mut self) -> Landing {
        match self.rng.below(1_000) {
            0..=27 => self.broken_landing(),
            28..=46 => COOKIE_BLOCKED,
            _ => REDIRECT_OK,
        }
    }

    /// Extra hops, a failed landing, or both; never a cookie.
    fn broken_landing(&mut self) -> Landing {
        let roll = self.rng.below(10);
        let hops = if (4..=6).contains(&roll) {
            1
        } else {
            self.rng.between(2, 3) as u8
        };
        Landing {
            hops,
            failed: roll >= 4,
            cookie: false,
        }
    }

    // --- conversions ---

    fn conversion(
        &mut self,
        cookie: u64,
        user: u32,
        partner: Option<u8>,
        cause: Option<Cause>,
    ) -> Conversion {
        Conversion {
            cookie,
            user,
            capture: 0,
            revenue: self.revenue(),
            eur: self.rng.percent(3),
            coupon: None,
            status: self.rng.pick(&STATUSES),
            partner,
            cause,
            reported: false,
        }
    }

    /// One to three items, capped at 400.00.
    fn revenue(&mut self) -> u32 {
        let items = self.rng.pick(&[(1, 60), (2, 30), (3, 10)]);
        let total: u32 = (0..items)
            .map(|_| ITEM_PRICES[self.rng.below(ITEM_PRICES.len() as u32) as usize])
            .sum();
        total.min(40_000)
    }

    /// Random delay before a journey's first row, within `slack` and at most six hours.
    fn lead_in(&mut self, slack: u32) -> u32 {
        self.rng.below(slack.min(6 * HOUR) + 1)
    }
}

/// The partner, cause and odds of a leaking journey.
#[derive(Clone, Copy)]
struct Leak {
    partner: u8,
    cause: Cause,
    keep_id_pct: u32,
    report_pct: u32,
}

// ---------------------------------------------------------------------------------------------
// Streaming
// ---------------------------------------------------------------------------------------------

/// Plans journeys in order of their start and writes rows as soon as no later journey can
/// precede them, so every file comes out sorted by time. Starts advance [`PACE`] / clicks per
/// planned touch; the export ends with the `spec.clicks`-th click, cutting the journeys still
/// in flight. Should the starts reach the period's last second first, the remaining journeys
/// are squeezed into it.
fn stream_journeys(spec: &SampleSpec, sink: &mut Sink) -> Result<(), SampleError> {
    let total = spec.clicks as u64;
    let mut planner = Planner::new(spec.seed);
    let mut plan = Plan::default();
    let mut queue = BinaryHeap::new();
    let mut seq = 0u64;
    let mut planned = 0u64;
    while !sink.is_full() {
        let paced = u128::from(PACE) * u128::from(planned) / u128::from(total);
        let start = paced.min(u128::from(LAST)) as u32;
        let room = if start < LAST { OPEN_ROOM } else { 0 };
        planner.journey(&mut plan, room);
        planned += plan.touches;
        sink.emit_until(&mut queue, start)?;
        let origin = start + planner.lead_in(room.saturating_sub(plan.span()));
        for (offset, item) in plan.steps.drain(..) {
            seq += 1;
            queue.push(Timed {
                at: origin + offset,
                seq,
                item,
            });
        }
    }
    sink.flush_leads(u32::MAX)
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// One CSV file being written, with the path to blame when writing fails.
struct CsvFile {
    path: PathBuf,
    out: BufWriter<File>,
    rows: usize,
}

impl CsvFile {
    fn create(dir: &Path, name: &str, header: &str) -> Result<Self, SampleError> {
        let path = dir.join(name);
        let file = File::create(&path).map_err(|source| SampleError::Write {
            path: path.clone(),
            source,
        })?;
        let mut csv = Self {
            path,
            out: BufWriter::with_capacity(1 << 16, file),
            rows: 0,
        };
        csv.put(header.as_bytes())?;
        csv.put(b"\n")?;
        Ok(csv)
    }

    /// Writes one complete line, its `\n` included.
    fn row(&mut self, line: &[u8]) -> Result<(), SampleError> {
        self.rows += 1;
        self.put(line)
    }

    fn put(&mut self, bytes: &[u8]) -> Result<(), SampleError> {
        self.out
            .write_all(bytes)
            .map_err(|source| SampleError::Write {
                path: self.path.clone(),
                source,
            })
    }

    /// Flushes the file; returns its path and row count.
    fn finish(self) -> Result<(PathBuf, usize), SampleError> {
        match self.out.into_inner() {
            Ok(_) => Ok((self.path, self.rows)),
            Err(error) => Err(SampleError::Write {
                path: self.path,
                source: error.into_error(),
            }),
        }
    }
}

fn write_partners(dir: &Path) -> Result<PathBuf, SampleError> {
    let mut csv = CsvFile::create(dir, "partners.csv", PARTNERS_HEADER)?;
    let mut line = Vec::new();
    for partner in &PARTNERS {
        line.clear();
        push_field(&mut line, partner.id);
        line.push(b',');
        push_field(&mut line, partner.name);
        line.push(b',');
        push_field(&mut line, partner.commission);
        line.push(b',');
        push_field(&mut line, &partner.coupons.join(";"));
        line.push(b'\n');
        csv.row(&line)?;
    }
    Ok(csv.finish()?.0)
}

/// Row counts and paths of the streamed files.
struct Written {
    clicks: usize,
    conversions: usize,
    leads: usize,
    files: Vec<PathBuf>,
}

/// A lead a partner reports.
struct Lead {
    partner: u8,
    reference: String,
    amount: Option<u32>,
}

/// Id widths and keys, derived from the spec so ids are stable for a seed and size.
struct Ids {
    click_width: usize,
    user_width: usize,
    order_width: usize,
    cookie_key: u64,
    device_key: u64,
}

/// Receives rows in time order and writes clicks, conversions, truth and leads.
struct Sink {
    clicks: CsvFile,
    conversions: CsvFile,
    leads: CsvFile,
    truth: CsvFile,
    line: Vec<u8>,
    ids: Ids,
    clicks_issued: u64,
    /// Rows `clicks.csv` gets; the export ends with the last of them.
    click_limit: usize,
    orders: u64,
    /// Click number of each captured click not yet used by its conversion.
    captured: HashMap<u64, u64>,
    pending_leads: BinaryHeap<Timed<Lead>>,
    lead_seq: u64,
    rng: Rng,
}

impl Sink {
    fn create(dir: &Path, spec: &SampleSpec) -> Result<Self, SampleError> {
        let total = spec.clicks as u64;
        let ids = Ids {
            click_width: digits(total).max(6),
            user_width: digits(total).max(5),
            order_width: digits(total / 5).max(6),
            cookie_key: mix64(spec.seed ^ 0xC00C_1E00),
            device_key: mix64(spec.seed ^ 0xDE71_CE00),
        };
        Ok(Self {
            clicks: CsvFile::create(dir, "clicks.csv", CLICKS_HEADER)?,
            conversions: CsvFile::create(dir, "conversions.csv", CONVERSIONS_HEADER)?,
            leads: CsvFile::create(dir, "leads.csv", LEADS_HEADER)?,
            truth: CsvFile::create(dir, "truth.csv", TRUTH_HEADER)?,
            line: Vec::with_capacity(256),
            ids,
            clicks_issued: 0,
            click_limit: spec.clicks,
            orders: 0,
            captured: HashMap::new(),
            pending_leads: BinaryHeap::new(),
            lead_seq: 0,
            rng: Rng::new(spec.seed, 2),
        })
    }

    /// Whether `clicks.csv` has all its rows.
    fn is_full(&self) -> bool {
        self.clicks.rows >= self.click_limit
    }

    /// Writes queued rows up to `watermark` (later journeys queue rows at or after it, and
    /// after these in order), until `clicks.csv` is full.
    fn emit_until(
        &mut self,
        queue: &mut BinaryHeap<Timed<Step>>,
        watermark: u32,
    ) -> Result<(), SampleError> {
        while !self.is_full() && queue.peek().is_some_and(|next| next.at <= watermark) {
            let Some(next) = queue.pop() else { break };
            match next.item {
                Step::Touch(touch) => self.write_click(next.at, &touch)?,
                Step::Convert(sale) => self.write_conversion(next.at, &sale)?,
            }
        }
        Ok(())
    }

    fn write_click(&mut self, at: u32, touch: &Touch) -> Result<(), SampleError> {
        let line = &mut self.line;
        line.clear();
        if let Source::Partner(_) = touch.source {
            self.clicks_issued += 1;
            push_padded(line, "ck", self.clicks_issued, self.ids.click_width);
            if touch.capture != 0 {
                self.captured.insert(touch.capture, self.clicks_issued);
            }
        }
        line.push(b',');
        push_timestamp(line, at);
        line.push(b',');
        push_url(line, at, touch);
        line.push(b',');
        push_source(line, touch.source);
        line.push(b',');
        if touch.landing.cookie {
            push_hex40(line, "c", mix40(touch.device.serial, self.ids.cookie_key));
        }
        line.push(b',');
        push_user(line, touch.user, self.ids.user_width);
        line.push(b',');
        push_hex40(line, "d", mix40(touch.device.serial, self.ids.device_key));
        line.push(b',');
        line.extend_from_slice(touch.device.browser.name().as_bytes());
        push_landing(line, touch.landing);
        self.clicks.row(line)
    }

    fn write_conversion(&mut self, at: u32, sale: &Conversion) -> Result<(), SampleError> {
        self.orders += 1;
        let click = self.captured.remove(&sale.capture);
        let line = &mut self.line;
        line.clear();
        push_padded(line, "ORD-", self.orders, self.ids.order_width);
        line.push(b',');
        push_timestamp(line, at);
        line.push(b',');
        push_money(line, sale.revenue);
        line.extend_from_slice(if sale.eur { b",EUR," } else { b",USD," });
        if sale.cookie != 0 {
            push_hex40(line, "c", mix40(sale.cookie, self.ids.cookie_key));
        }
        line.push(b',');
        push_user(line, sale.user, self.ids.user_width);
        line.push(b',');
        if let Some(click) = click {
            push_padded(line, "ck", click, self.ids.click_width);
        }
        line.push(b',');
        if let Some((partner, code)) = sale.coupon {
            line.extend_from_slice(coupon_code(partner, code).as_bytes());
        }
        line.push(b',');
        line.extend_from_slice(sale.status.name().as_bytes());
        line.push(b'\n');
        self.conversions.row(line)?;
        self.write_truth(sale)?;
        self.plan_leads(at, sale);
        self.flush_leads(at)
    }

    fn write_truth(&mut self, sale: &Conversion) -> Result<(), SampleError> {
        let line = &mut self.line;
        line.clear();
        push_padded(line, "ORD-", self.orders, self.ids.order_width);
        line.push(b',');
        if let Some(partner) = sale.partner {
            line.extend_from_slice(PARTNERS[usize::from(partner)].id.as_bytes());
        }
        line.push(b',');
        if let Some(cause) = sale.cause {
            line.extend_from_slice(cause.label().as_bytes());
        }
        line.push(b'\n');
        self.truth.row(line)
    }

    /// The true partner's report, now and then a rival's claim, and a few unknown references.
    fn plan_leads(&mut self, at: u32, sale: &Conversion) {
        if let Some(partner) = sale.partner {
            if sale.reported {
                let reference = self.styled_reference();
                self.report(at, partner, reference, sale.revenue);
            }
            if sale.cause.is_none() && self.rng.permille(20) {
                let rival = (partner + 1 + self.rng.below(19) as u8) % 20;
                let reference = self.order_id();
                self.report(at, rival, reference, sale.revenue);
            }
        }
        if self.rng.permille(12) {
            let partner = self.rng.below(20) as u8;
            let reference = if self.rng.percent(50) {
                format!("INV-{}", self.rng.between(10_000, 99_999))
            } else {
                format!("TR{}", self.rng.between(100_000, 999_999))
            };
            let amount = self.rng.pick(&[(2_999, 1), (5_999, 1), (12_900, 1)]);
            self.report(at, partner, reference, amount);
        }
    }

    fn order_id(&self) -> String {
        format!("ORD-{:0width$}", self.orders, width = self.ids.order_width)
    }

    /// The current order id as a partner types it: 70 % exact, else lower case or padded.
    fn styled_reference(&mut self) -> String {
        let id = self.order_id();
        match self.rng.below(20) {
            0..=13 => id,
            14..=16 => id.to_lowercase(),
            _ => format!(" {id} "),
        }
    }

    /// Queues a lead reported one to six days after `at`; 10 % leave the amount out.
    fn report(&mut self, at: u32, partner: u8, reference: String, amount: u32) {
        self.lead_seq += 1;
        let delay = self.rng.between(DAY, 6 * DAY);
        let amount = (!self.rng.percent(10)).then_some(amount);
        self.pending_leads.push(Timed {
            at: at + delay,
            seq: self.lead_seq,
            item: Lead {
                partner,
                reference,
                amount,
            },
        });
    }

    /// Writes the reported leads earlier than `watermark` (all later conversions report later).
    fn flush_leads(&mut self, watermark: u32) -> Result<(), SampleError> {
        while self
            .pending_leads
            .peek()
            .is_some_and(|next| next.at < watermark)
        {
            let Some(next) = self.pending_leads.pop() else {
                break;
            };
            let line = &mut self.line;
            line.clear();
            line.extend_from_slice(PARTNERS[usize::from(next.item.partner)].id.as_bytes());
            line.push(b',');
            push_timestamp(line, next.at);
            line.push(b',');
            push_field(line, &next.item.reference);
            line.push(b',');
            if let Some(amount) = next.item.amount {
                push_money(line, amount);
            }
            line.push(b'\n');
            self.leads.row(line)?;
        }
        Ok(())
    }

    fn finish(self) -> Result<Written, SampleError> {
        let (clicks_path, clicks) = self.clicks.finish()?;
        let (conversions_path, conversions) = self.conversions.finish()?;
        let (leads_path, leads) = self.leads.finish()?;
        let (truth_path, _) = self.truth.finish()?;
        Ok(Written {
            clicks,
            conversions,
            leads,
            files: vec![clicks_path, conversions_path, leads_path, truth_path],
        })
    }
}

fn coupon_code(partner: u8, code: u8) -> &'static str {
    PARTNERS[usize::from(partner)].coupons[usize::from(code)]
}

fn digits(mut n: u64) -> usize {
    let mut count = 1;
    while n >= 10 {
        n /= 10;
        count += 1;
    }
    count
}

// ---------------------------------------------------------------------------------------------
// Field formatting
// ---------------------------------------------------------------------------------------------

/// A text field, quoted (RFC 4180) when it holds a comma, quote, line break or edge space.
fn push_field(line: &mut Vec<u8>, text: &str) {
    let quote =
        text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ');
    if !quote {
        line.extend_from_slice(text.as_bytes());
        return;
    }
    line.push(b'"');
    for &byte in text.as_bytes() {
        if byte == b'"' {
            line.push(b'"');
        }
        line.push(byte);
    }
    line.push(b'"');
}

/// `prefix` and `n` zero-padded to `width` digits.
fn push_padded(line: &mut Vec<u8>, prefix: &str, n: u64, width: usize) {
    line.extend_from_slice(prefix.as_bytes());
    let mut buf = [0u8; 20];
    let mut start = buf.len();
    let mut rest = n;
    loop {
        start -= 1;
        buf[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let len = buf.len() - start;
    line.extend(std::iter::repeat_n(b'0', width.saturating_sub(len)));
    line.extend_from_slice(&buf[start..]);
}

/// `prefix` and ten lower-case hex digits (40 bits).
fn push_hex40(line: &mut Vec<u8>, prefix: &str, value: u64) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    line.extend_from_slice(prefix.as_bytes());
    for shift in (0..10).rev() {
        line.push(HEX[((value >> (shift * 4)) & 0xF) as usize]);
    }
}

/// RFC 3339 UTC, e.g. `2026-07-03T14:05:09Z`, of seconds since the programme began.
fn push_timestamp(line: &mut Vec<u8>, at: u32) {
    let (year, month, day) = civil_from_days(FIRST_DAY + i64::from(at / DAY));
    let secs = at % DAY;
    push_padded(line, "", year as u64, 4);
    push_padded(line, "-", u64::from(month), 2);
    push_padded(line, "-", u64::from(day), 2);
    push_padded(line, "T", u64::from(secs / HOUR), 2);
    push_padded(line, ":", u64::from(secs % HOUR / MINUTE), 2);
    push_padded(line, ":", u64::from(secs % MINUTE), 2);
    line.push(b'Z');
}

fn push_money(line: &mut Vec<u8>, cents: u32) {
    push_padded(line, "", u64::from(cents / 100), 1);
    push_padded(line, ".", u64::from(cents % 100), 2);
}

fn push_user(line: &mut Vec<u8>, user: u32, width: usize) {
    if user != 0 {
        push_padded(line, "u", u64::from(user), width);
    }
}

/// The `partner_id` and `channel` columns.
fn push_source(line: &mut Vec<u8>, source: Source) {
    match source {
        Source::Partner(link) if link.column => {
            line.extend_from_slice(PARTNERS[usize::from(link.partner)].id.as_bytes());
            line.push(b',');
        }
        Source::Partner(_) => line.push(b','),
        Source::Channel(channel) => {
            line.push(b',');
            line.extend_from_slice(channel.name().as_bytes());
        }
    }
}

/// `,redirect_hops,landing_status` and the line end.
fn push_landing(line: &mut Vec<u8>, landing: Landing) {
    push_padded(line, ",", u64::from(landing.hops), 1);
    line.extend_from_slice(if landing.failed {
        b",failed\n"
    } else {
        b",ok\n"
    });
}

/// The landing URL: partner links carry `ref=` (or `via=`) and often UTM parameters.
fn push_url(line: &mut Vec<u8>, at: u32, touch: &Touch) {
    if touch.page == 0 {
        return;
    }
    line.extend_from_slice(SHOP.as_bytes());
    push_path(line, touch.page);
    match touch.source {
        Source::Partner(link) => push_partner_query(line, at, link),
        Source::Channel(channel) => push_channel_query(line, at, channel, touch.page),
    }
}

fn push_path(line: &mut Vec<u8>, page: u16) {
    match page {
        0..=99 => line.push(b'/'),
        100..=249 => {
            line.extend_from_slice(b"/category/");
            line.extend_from_slice(CATEGORIES[usize::from(page) % CATEGORIES.len()].as_bytes());
        }
        _ => push_padded(line, "/product/", u64::from(page), 1),
    }
}

fn push_partner_query(line: &mut Vec<u8>, at: u32, link: Link) {
    let id = PARTNERS[usize::from(link.partner)].id.as_bytes();
    line.extend_from_slice(if link.via { b"?via=" } else { b"?ref=" });
    line.extend_from_slice(id);
    if link.utm {
        line.extend_from_slice(b"&utm_source=");
        line.extend_from_slice(id);
        line.extend_from_slice(b"&utm_medium=partner&utm_campaign=");
        line.extend_from_slice(campaign(at).as_bytes());
    }
}

fn push_channel_query(line: &mut Vec<u8>, at: u32, channel: Channel, page: u16) {
    let (source, medium) = match channel {
        Channel::Organic | Channel::Direct => return,
        Channel::PaidSearch => ("google", "cpc"),
        Channel::Email => ("newsletter", "email"),
        Channel::Social => (
            SOCIAL_SITES[usize::from(page) % SOCIAL_SITES.len()],
            "social",
        ),
    };
    line.extend_from_slice(b"?utm_source=");
    line.extend_from_slice(source.as_bytes());
    line.extend_from_slice(b"&utm_medium=");
    line.extend_from_slice(medium.as_bytes());
    if channel != Channel::Social {
        line.extend_from_slice(b"&utm_campaign=");
        line.extend_from_slice(campaign(at).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};
    use std::sync::atomic::{AtomicU32, Ordering as AtomicOrdering};

    /// A fresh directory under the system temp dir, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            static NEXT: AtomicU32 = AtomicU32::new(0);
            let n = NEXT.fetch_add(1, AtomicOrdering::Relaxed);
            let dir = format!("pa-sample-{name}-{}-{n}", std::process::id());
            let path = std::env::temp_dir().join(dir);
            let _ = fs::remove_dir_all(&path);
            Self(path)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    /// One parsed CSV file.
    struct Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    }

    impl Table {
        fn read(dir: &Path, name: &str) -> Self {
            let text = fs::read_to_string(dir.join(name)).expect("sample file");
            assert!(
                text.ends_with('\n') && !text.contains('\r'),
                "{name}: \\n line ends"
            );
            let mut lines = text.lines().map(parse_line);
            let header = lines.next().expect("header");
            let rows: Vec<_> = lines.collect();
            for row in &rows {
                assert_eq!(row.len(), header.len(), "{name}: {row:?}");
            }
            Self { header, rows }
        }

        fn col(&self, name: &str) -> usize {
            self.header.iter().position(|h| h == name).expect(name)
        }

        fn values(&self, name: &str) -> Vec<&str> {
            let col = self.col(name);
            self.rows.iter().map(|row| row[col].as_str()).collect()
        }

        /// Share of rows where `name` satisfies `test`.
        fn share(&self, name: &str, test: impl Fn(&str) -> bool) -> f64 {
            let hits = self.values(name).into_iter().filter(|v| test(v)).count();
            hits as f64 / self.rows.len() as f64
        }
    }

    /// Splits one RFC 4180 line (no embedded line breaks in the sample).
    fn parse_line(line: &str) -> Vec<String> {
        let mut fields = vec![String::new()];
        let mut quoted = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            let field = fields.last_mut().expect("field");
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                ('"', _) => quoted = !quoted,
                (',', false) => fields.push(String::new()),
                _ => field.push(c),
            }
        }
        fields
    }

    struct Sample {
        _dir: TempDir,
        summary: SampleSummary,
        partners: Table,
        clicks: Table,
        conversions: Table,
        leads: Table,
        truth: Table,
    }

    fn generate(name: &str, spec: &SampleSpec) -> Sample {
        let dir = TempDir::new(name);
        let summary = write_sample(&dir.0, spec).expect("sample written");
        Sample {
            partners: Table::read(&dir.0, "partners.csv"),
            clicks: Table::read(&dir.0, "clicks.csv"),
            conversions: Table::read(&dir.0, "conversions.csv"),
            leads: Table::read(&dir.0, "leads.csv"),
            truth: Table::read(&dir.0, "truth.csv"),
            summary,
            _dir: dir,
        }
    }

    fn default_sample(name: &str) -> Sample {
        generate(name, &SampleSpec::default())
    }

    /// Seconds since 1970 of `2026-07-03T14:05:09Z`.
    fn parse_ts(text: &str) -> i64 {
        let num = |range: std::ops::Range<usize>| text[range].parse::<i64>().expect(text);
        let days = days_from_civil(num(0..4), num(5..7) as u32, num(8..10) as u32);
        assert_eq!(text.len(), 20, "{text}");
        assert!(text.ends_with('Z') && &text[10..11] == "T", "{text}");
        days * 86_400 + num(11..13) * 3_600 + num(14..16) * 60 + num(17..19)
    }

    /// A click row's partner: the `partner_id` column, else the `ref`/`via` URL parameter.
    fn click_partner(clicks: &Table, row: &[String]) -> Option<String> {
        let column = &row[clicks.col("partner_id")];
        if !column.is_empty() {
            return Some(column.clone());
        }
        let url = &row[clicks.col("url")];
        let query = url.split_once('?')?.1;
        query
            .split('&')
            .find_map(|pair| match pair.split_once('=') {
                Some(("ref" | "via", id)) => Some(id.to_string()),
                _ => None,
            })
    }

    /// One partner click as the tests see it.
    struct PartnerClick {
        at: i64,
        partner: String,
        click_id: String,
        cookie: String,
        user: String,
        browser: String,
        broken: bool,
    }

    fn partner_clicks(sample: &Sample) -> Vec<PartnerClick> {
        let c = &sample.clicks;
        let col = |name| c.col(name);
        c.rows
            .iter()
            .filter_map(|row| {
                let partner = click_partner(c, row)?;
                Some(PartnerClick {
                    at: parse_ts(&row[col("clicked_at")]),
                    partner,
                    click_id: row[col("click_id")].clone(),
                    cookie: row[col("cookie_id")].clone(),
                    user: row[col("user_id")].clone(),
                    browser: row[col("browser")].clone(),
                    broken: row[col("redirect_hops")] != "1" || row[col("landing_status")] != "ok",
                })
            })
            .collect()
    }

    /// One conversion joined with its truth row.
    struct Sale {
        id: String,
        at: i64,
        cookie: String,
        user: String,
        click_id: String,
        coupon: String,
        partner: String,
        cause: String,
    }

    fn sales(sample: &Sample) -> Vec<Sale> {
        let (c, t) = (&sample.conversions, &sample.truth);
        assert_eq!(c.rows.len(), t.rows.len());
        c.rows
            .iter()
            .zip(&t.rows)
            .map(|(row, truth)| {
                assert_eq!(row[0], truth[0], "truth rows follow conversions");
                Sale {
                    id: row[0].clone(),
                    at: parse_ts(&row[c.col("converted_at")]),
                    cookie: row[c.col("cookie_id")].clone(),
                    user: row[c.col("user_id")].clone(),
                    click_id: row[c.col("click_id")].clone(),
                    coupon: row[c.col("coupon_code")].clone(),
                    partner: truth[t.col("true_partner_id")].clone(),
                    cause: truth[t.col("loss_cause")].clone(),
                }
            })
            .collect()
    }

    const DAY_SECS: i64 = 86_400;

    /// The partner first-party-cookie tracking credits: the latest partner click on the same
    /// cookie at or before the sale, at most 30 days old (7 for Safari).
    fn cookie_credit<'a>(clicks: &'a [PartnerClick], sale: &Sale) -> Option<&'a str> {
        let counts = |click: &&PartnerClick| {
            let window = if click.browser == "Safari" { 7 } else { 30 };
            let same_cookie = !sale.cookie.is_empty() && click.cookie == sale.cookie;
            same_cookie && click.at <= sale.at && sale.at - click.at <= window * DAY_SECS
        };
        let latest = clicks.iter().rev().find(counts);
        latest.map(|click| click.partner.as_str())
    }

    fn by_cookie_or_user(clicks: &[PartnerClick]) -> HashMap<&str, Vec<&PartnerClick>> {
        let mut index: HashMap<&str, Vec<&PartnerClick>> = HashMap::new();
        for click in clicks {
            for key in [&click.cookie, &click.user] {
                if !key.is_empty() {
                    index.entry(key.as_str()).or_default().push(click);
                }
            }
        }
        index
    }

    #[test]
    fn same_seed_gives_identical_files() {
        let spec = SampleSpec::default();
        let (a, b) = (TempDir::new("same-a"), TempDir::new("same-b"));
        let first = write_sample(&a.0, &spec).expect("first");
        let second = write_sample(&b.0, &spec).expect("second");
        assert_eq!(first.files.len(), 5);
        for (left, right) in first.files.iter().zip(&second.files) {
            assert_eq!(left.file_name(), right.file_name());
            let (left, right) = (fs::read(left).unwrap(), fs::read(right).unwrap());
            assert!(left == right, "same seed, same bytes");
        }
        let other = TempDir::new("same-c");
        let spec = SampleSpec { seed: 7, ..spec };
        write_sample(&other.0, &spec).expect("other seed");
        let read = |dir: &TempDir| fs::read(dir.0.join("clicks.csv")).unwrap();
        assert_ne!(read(&a), read(&other), "another seed, other data");
    }

    #[test]
    fn headers_are_exact() {
        let sample = default_sample("headers");
        let header = |table: &Table| table.header.join(",");
        assert_eq!(header(&sample.partners), PARTNERS_HEADER);
        assert_eq!(header(&sample.clicks), CLICKS_HEADER);
        assert_eq!(header(&sample.conversions), CONVERSIONS_HEADER);
        assert_eq!(header(&sample.leads), LEADS_HEADER);
        assert_eq!(header(&sample.truth), TRUTH_HEADER);
        assert_eq!(
            CLICKS_HEADER,
            "click_id,clicked_at,url,partner_id,channel,cookie_id,user_id,device_id,browser,\
             redirect_hops,landing_status"
        );
    }

    #[test]
    fn click_rows_match_the_spec() {
        for clicks in [0, 1, 7, 2_345] {
            let sample = generate("count", &SampleSpec { seed: 3, clicks });
            assert_eq!(sample.clicks.rows.len(), clicks);
            assert_eq!(sample.summary.clicks, clicks);
            assert_eq!(sample.summary.conversions, sample.conversions.rows.len());
            assert_eq!(sample.summary.leads, sample.leads.rows.len());
            assert_eq!(sample.summary.partners, 20);
        }
        let sample = default_sample("count-default");
        assert_eq!(sample.clicks.rows.len(), 20_000);
        let ratio = sample.conversions.rows.len() as f64 / 20_000.0;
        assert!(
            (0.08..=0.12).contains(&ratio),
            "conversions ≈ clicks / 10: {ratio}"
        );
    }

    #[test]
    fn partners_file_quotes_names() {
        let dir = TempDir::new("partners");
        write_sample(&dir.0, &SampleSpec { seed: 1, clicks: 0 }).unwrap();
        let text = fs::read_to_string(dir.0.join("partners.csv")).unwrap();
        assert!(text.contains("smithjones,\"Smith, Jones & Co\",25.00,\n"));
        assert!(text.contains("techreview,TechReview Weekly,12%,TECH10;TECHVIP\n"));
        assert!(text.contains("\"Mia's \"\"Best Buys\"\"\""));
        let partners = Table::read(&dir.0, "partners.csv");
        assert_eq!(partners.rows.len(), 20);
        assert!(partners.values("name").contains(&"Smith, Jones & Co"));
        for commission in partners.values("commission") {
            let number = commission.strip_suffix('%').unwrap_or(commission);
            assert!(number.parse::<f64>().is_ok(), "{commission}");
        }
    }

    #[test]
    fn ids_are_unique_and_devices_keep_their_cookie() {
        let sample = default_sample("ids");
        let click_ids: Vec<_> = sample.clicks.values("click_id");
        let partner_ids: Vec<_> = click_ids.iter().filter(|id| !id.is_empty()).collect();
        let unique: HashSet<_> = partner_ids.iter().collect();
        assert_eq!(unique.len(), partner_ids.len());
        assert!(
            partner_ids
                .iter()
                .all(|id| id.len() == 8 && id.starts_with("ck"))
        );
        let orders: HashSet<_> = sample
            .conversions
            .values("conversion_id")
            .into_iter()
            .collect();
        assert_eq!(orders.len(), sample.conversions.rows.len());
        let mut device_of = HashMap::new();
        let (cookie, device) = (
            sample.clicks.col("cookie_id"),
            sample.clicks.col("device_id"),
        );
        for row in &sample.clicks.rows {
            if !row[cookie].is_empty() {
                let known = device_of.entry(&row[cookie]).or_insert(&row[device]);
                assert_eq!(*known, &row[device], "one device per cookie");
            }
        }
    }

    #[test]
    fn rows_are_chronological_and_within_the_period() {
        let sample = default_sample("chrono");
        let (start, end) = (
            parse_ts("2026-07-01T00:00:00Z"),
            parse_ts("2026-10-31T23:59:59Z"),
        );
        for (table, column) in [
            (&sample.clicks, "clicked_at"),
            (&sample.conversions, "converted_at"),
            (&sample.leads, "reported_at"),
        ] {
            let times: Vec<_> = table.values(column).into_iter().map(parse_ts).collect();
            assert!(times.windows(2).all(|w| w[0] <= w[1]), "{column} sorted");
            assert!(
                times.iter().all(|&t| t >= start),
                "{column} after the start"
            );
            if column != "reported_at" {
                assert!(times.iter().all(|&t| t <= end), "{column} before the end");
            }
        }
        let first_day = sample
            .clicks
            .share("clicked_at", |t| t.starts_with("2026-07-01"));
        let last_day = sample
            .clicks
            .share("clicked_at", |t| t.starts_with("2026-10-31"));
        assert!(
            first_day > 0.002 && last_day < 0.02,
            "{first_day} {last_day}"
        );
    }

    #[test]
    fn conversion_cookies_come_from_clicks() {
        let sample = default_sample("cookies");
        let cookies: HashSet<_> = sample.clicks.values("cookie_id").into_iter().collect();
        let sales = sales(&sample);
        let mut without_cookie = 0;
        for sale in &sales {
            if sale.cookie.is_empty() {
                without_cookie += 1;
                assert!(
                    sale.partner.is_empty() && sale.click_id.is_empty(),
                    "no-touch sale"
                );
            } else {
                assert!(cookies.contains(sale.cookie.as_str()), "{}", sale.id);
            }
        }
        assert!(
            (1..=sales.len() / 50).contains(&without_cookie),
            "{without_cookie}"
        );
    }

    #[test]
    fn every_loss_cause_is_present() {
        let sample = default_sample("causes");
        let causes: HashSet<_> = sample.truth.values("loss_cause").into_iter().collect();
        for cause in [
            "cookie_expired",
            "browser_cap",
            "device_switch",
            "broken_redirect",
            "cookie_missing",
            "direct_after_click",
            "coupon_only",
            "",
        ] {
            assert!(causes.contains(cause), "{cause:?} present");
        }
        let partners: HashSet<_> = PARTNERS.iter().map(|p| p.id).collect();
        for sale in sales(&sample) {
            assert!(sale.partner.is_empty() || partners.contains(sale.partner.as_str()));
            assert!(
                sale.cause.is_empty() || !sale.partner.is_empty(),
                "{}",
                sale.id
            );
        }
    }

    #[test]
    fn status_mix_is_roughly_as_designed() {
        let sample = default_sample("status");
        let share = |status: &str| sample.conversions.share("status", |s| s == status);
        assert!((0.80..=0.90).contains(&share("approved")));
        assert!((0.04..=0.10).contains(&share("pending")));
        assert!((0.03..=0.09).contains(&share("refunded")));
        assert!((0.005..=0.04).contains(&share("cancelled")));
        let statuses = ["approved", "pending", "refunded", "cancelled"];
        assert!(
            sample
                .conversions
                .values("status")
                .iter()
                .all(|s| statuses.contains(s))
        );
    }

    #[test]
    fn shares_are_roughly_as_designed() {
        let sample = default_sample("shares");
        let conversions = &sample.conversions;
        assert!(conversions.share("currency", |c| c == "USD") >= 0.95);
        assert!((0.22..=0.38).contains(&conversions.share("click_id", |c| !c.is_empty())));
        assert!((0.06..=0.15).contains(&conversions.share("coupon_code", |c| !c.is_empty())));
        for revenue in conversions.values("revenue") {
            let (units, cents) = revenue.split_once('.').expect("two decimals");
            assert_eq!(cents.len(), 2, "{revenue}");
            let units: u32 = units.parse().unwrap();
            assert!((19..=400).contains(&units), "{revenue}");
        }
        let clicks = &sample.clicks;
        let chrome = clicks.share("browser", |b| b == "Chrome");
        let safari = clicks.share("browser", |b| b == "Safari");
        assert!((0.48..=0.62).contains(&chrome) && (0.24..=0.36).contains(&safari));
        let partner_clicks = partner_clicks(&sample);
        let share = |test: &dyn Fn(&PartnerClick) -> bool| {
            partner_clicks.iter().filter(|c| test(c)).count() as f64 / partner_clicks.len() as f64
        };
        assert!((0.02..=0.045).contains(&share(&|c| c.broken)));
        assert!((0.01..=0.035).contains(&share(&|c| !c.broken && c.cookie.is_empty())));
        assert!(
            share(&|c| c.broken && !c.cookie.is_empty()) == 0.0,
            "broken: no cookie"
        );
        let column = clicks.share("partner_id", |p| !p.is_empty());
        let partner = partner_clicks.len() as f64 / clicks.rows.len() as f64;
        assert!(
            (0.4..=0.6).contains(&(column / partner)),
            "half name the partner"
        );
        let via = clicks.share("url", |u| u.contains("?via="));
        assert!((0.003..=0.03).contains(&(via / partner)));
        assert!(
            clicks.share("channel", |c| c.is_empty()) == partner,
            "channel xor partner"
        );
        let users = clicks.share("user_id", |u| !u.is_empty());
        assert!((0.25..=0.55).contains(&users), "logged in: {users}");
    }

    #[test]
    fn some_users_have_two_devices() {
        let sample = default_sample("devices");
        let (user, device) = (sample.clicks.col("user_id"), sample.clicks.col("device_id"));
        let mut devices: HashMap<&str, HashSet<&str>> = HashMap::new();
        for row in sample
            .clicks
            .rows
            .iter()
            .filter(|row| !row[user].is_empty())
        {
            devices.entry(&row[user]).or_default().insert(&row[device]);
        }
        let two = devices.values().filter(|d| d.len() == 2).count();
        assert!(devices.values().all(|d| d.len() <= 2));
        let share = two as f64 / devices.len() as f64;
        assert!((0.02..=0.12).contains(&share), "{share}");
    }

    #[test]
    fn truth_agrees_with_cookie_tracking() {
        let sample = default_sample("truth");
        let clicks = partner_clicks(&sample);
        for sale in sales(&sample) {
            let credited = cookie_credit(&clicks, &sale);
            if sale.cause.is_empty() && !sale.partner.is_empty() {
                assert_eq!(
                    credited,
                    Some(sale.partner.as_str()),
                    "{} credited",
                    sale.id
                );
            } else {
                assert_eq!(credited, None, "{} lost: {}", sale.id, sale.cause);
            }
        }
    }

    #[test]
    fn each_cause_leaves_its_evidence() {
        let sample = default_sample("evidence");
        let clicks = partner_clicks(&sample);
        let linked = by_cookie_or_user(&clicks);
        let reported: HashSet<(String, String)> = sample
            .leads
            .rows
            .iter()
            .map(|row| (row[0].clone(), row[2].trim().to_uppercase()))
            .collect();
        for sale in sales(&sample).iter().filter(|s| !s.cause.is_empty()) {
            let own = |click: &&&PartnerClick| click.partner == sale.partner && click.at <= sale.at;
            let by = |key: &str| -> Vec<&PartnerClick> {
                let found = linked
                    .get(key)
                    .map(|v| v.iter().filter(own).copied().collect());
                if key.is_empty() {
                    Vec::new()
                } else {
                    found.unwrap_or_default()
                }
            };
            let (by_cookie, by_user) = (by(&sale.cookie), by(&sale.user));
            let age = |click: &PartnerClick| (sale.at - click.at) as f64 / DAY_SECS as f64;
            let ok = match sale.cause.as_str() {
                "cookie_expired" => by_cookie.iter().any(|c| (31.0..=90.0).contains(&age(c))),
                "browser_cap" => by_cookie
                    .iter()
                    .any(|c| c.browser == "Safari" && age(c) > 7.0 && age(c) < 30.0),
                "device_switch" => {
                    by_cookie.is_empty()
                        && by_user
                            .iter()
                            .any(|c| c.cookie != sale.cookie && age(c) <= 7.0)
                }
                "broken_redirect" => by_user.iter().any(|c| c.broken && c.cookie.is_empty()),
                "cookie_missing" => {
                    let kept = clicks
                        .iter()
                        .any(|c| c.click_id == sale.click_id && !c.broken);
                    let logged = by_user.iter().any(|c| !c.broken && c.cookie.is_empty());
                    logged || (kept && !sale.click_id.is_empty())
                }
                "direct_after_click" => {
                    let key = (sale.partner.clone(), sale.id.clone());
                    sale.user.is_empty() && sale.coupon.is_empty() && reported.contains(&key)
                }
                "coupon_only" => {
                    let owner = PARTNERS.iter().find(|p| p.coupons.contains(&&*sale.coupon));
                    by_cookie.is_empty()
                        && by_user.is_empty()
                        && owner.is_some_and(|p| p.id == sale.partner)
                }
                other => panic!("unknown cause {other}"),
            };
            assert!(ok, "{} {} lacks its evidence", sale.id, sale.cause);
        }
    }

    #[test]
    fn kept_click_ids_are_the_latest_partner_click() {
        let sample = default_sample("click-ids");
        let clicks = partner_clicks(&sample);
        let by_id: HashMap<_, _> = clicks.iter().map(|c| (c.click_id.as_str(), c)).collect();
        let linked = by_cookie_or_user(&clicks);
        for sale in sales(&sample).iter().filter(|s| !s.click_id.is_empty()) {
            let kept = by_id[sale.click_id.as_str()];
            assert!(
                kept.at <= sale.at && kept.partner == sale.partner,
                "{}",
                sale.id
            );
            for key in [&sale.cookie, &sale.user]
                .into_iter()
                .filter(|k| !k.is_empty())
            {
                let later = linked.get(key.as_str()).into_iter().flatten();
                let mut later = later.filter(|c| c.at > kept.at && c.at <= sale.at);
                assert!(later.next().is_none(), "{}: a later partner click", sale.id);
            }
        }
    }

    #[test]
    fn leads_mix_exact_styled_unknown_and_rival_references() {
        let sample = default_sample("leads");
        let truth: HashMap<_, _> = sales(&sample)
            .into_iter()
            .map(|s| (s.id, s.partner))
            .collect();
        let (mut exact, mut styled, mut unknown, mut rival) = (0, 0, 0, 0);
        for row in &sample.leads.rows {
            let (partner, reference) = (&row[0], &row[2]);
            match truth.get(&reference.trim().to_uppercase()) {
                None => unknown += 1,
                Some(owner) if owner != partner => rival += 1,
                Some(_) if truth.contains_key(reference) => exact += 1,
                Some(_) => styled += 1,
            }
        }
        assert!(exact > 100 && styled > 20 && unknown > 5 && rival > 5);
        assert!(
            sample.leads.values("amount").contains(&""),
            "some leave the amount out"
        );
    }

    #[test]
    fn calendar_round_trips() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for days in -800_000..800_000 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        let stamp = |at| {
            let mut line = Vec::new();
            push_timestamp(&mut line, at);
            String::from_utf8(line).unwrap()
        };
        assert_eq!(stamp(0), "2026-07-01T00:00:00Z");
        assert_eq!(
            stamp(2 * DAY + 14 * HOUR + 5 * MINUTE + 9),
            "2026-07-03T14:05:09Z"
        );
        assert_eq!(stamp(LAST), "2026-10-31T23:59:59Z");
    }

    #[test]
    fn failures_name_the_path() {
        let dir = TempDir::new("fail");
        fs::create_dir_all(&dir.0).unwrap();
        let blocker = dir.0.join("not-a-dir");
        fs::write(&blocker, b"x").unwrap();
        let error = write_sample(&blocker.join("out"), &SampleSpec::default()).unwrap_err();
        assert!(matches!(error, SampleError::CreateDir { .. }));
        assert!(error.to_string().contains("not-a-dir"), "{error}");
        assert!(std::error::Error::source(&error).is_some());
    }

    #[test]
    fn field_quoting_follows_rfc_4180() {
        let quoted = |text: &str| {
            let mut line = Vec::new();
            push_field(&mut line, text);
            String::from_utf8(line).unwrap()
        };
        assert_eq!(quoted("plain"), "plain");
        assert_eq!(quoted("a,b"), "\"a,b\"");
        assert_eq!(quoted("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quoted(" ORD-1 "), "\" ORD-1 \"");
    }
}
