//! Tracking methods: which identities link a touch to a conversion, how coupons count, and
//! how browsers cap cookie lifetimes.
//!
//! Every candidate touch carries a [`TouchKey`]: the identity methods that link it to its
//! conversion, the methods under which an earlier conversion already used it, its browser
//! family and its redirect facts. Whether a touch counts under a setting is then a lookup in a
//! small table built once per setting ([`CountRule`]), never a database query.

use serde::{Deserialize, Serialize};

use super::window::{CookieWindow, SECS_PER_DAY};

/// A set of identity methods, as bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Methods(pub u8);

impl Methods {
    /// First-party cookie: the touch's `cookie_id` equals the conversion's.
    pub const COOKIE: Methods = Methods(1);
    /// Server-side click id: the conversion kept the click's `click_id`.
    pub const CLICK_ID: Methods = Methods(2);
    /// Logged-in user across devices: the touch's `user_id` equals the conversion's.
    pub const USER: Methods = Methods(4);
    /// The conversion's coupon code belongs to a partner.
    pub const COUPON: Methods = Methods(8);
    /// The methods that link touches (all but the coupon).
    pub const LINKS: Methods = Methods(7);
    /// Every method, in the order the rules list them.
    pub const ALL: [Methods; 4] = [
        Methods::CLICK_ID,
        Methods::COOKIE,
        Methods::USER,
        Methods::COUPON,
    ];

    /// Whether every method of `other` is in `self`.
    pub fn contains(self, other: Methods) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    /// Whether `self` and `other` share a method.
    pub fn intersects(self, other: Methods) -> bool {
        self.0 & other.0 != 0
    }

    /// `self` with `other` added or removed.
    pub fn with(self, other: Methods, on: bool) -> Methods {
        if on {
            Methods(self.0 | other.0)
        } else {
            Methods(self.0 & !other.0)
        }
    }

    /// The name on the command line: `cookie`, `click-id`, `user` or `coupon`.
    pub fn key(self) -> &'static str {
        match self.0 {
            1 => "cookie",
            2 => "click-id",
            4 => "user",
            8 => "coupon",
            _ => "methods",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self.0 {
            1 => "First-party cookie",
            2 => "Server-side click id",
            4 => "Cross-device (logged-in user)",
            8 => "Coupon codes",
            _ => "Methods",
        }
    }

    /// The methods in `self`, as single methods.
    pub fn each(self) -> impl Iterator<Item = Methods> {
        Methods::ALL.into_iter().filter(move |m| self.contains(*m))
    }

    /// Reads `cookie,click-id,user,coupon` (any order; `click_id`, `clickid`, `server-side`,
    /// `cross-device` accepted).
    pub fn parse(text: &str) -> Result<Methods, String> {
        let mut methods = Methods(0);
        for word in text.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            let method = match word.to_ascii_lowercase().replace('_', "-").as_str() {
                "cookie" => Methods::COOKIE,
                "click-id" | "clickid" | "server-side" | "server" => Methods::CLICK_ID,
                "user" | "cross-device" | "user-id" => Methods::USER,
                "coupon" | "coupons" => Methods::COUPON,
                _ => {
                    return Err(format!(
                        "unknown tracking method `{word}`: expected cookie, click-id, user or coupon"
                    ));
                }
            };
            methods = methods.with(method, true);
        }
        Ok(methods)
    }

    /// `cookie,click-id` style list.
    pub fn keys(self) -> String {
        let keys: Vec<&str> = self.each().map(Methods::key).collect();
        keys.join(",")
    }
}

/// How a partner's coupon on a conversion counts, when coupon tracking is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CouponPrecedence {
    /// The coupon's partner takes the whole credit only when no partner touch counts.
    Backup,
    /// The coupon's partner takes the whole credit, whatever the touches say.
    Override,
    /// The coupon counts as one more partner touch at the instant of the conversion.
    Touch,
}

impl CouponPrecedence {
    /// All choices, in display order.
    pub const ALL: [CouponPrecedence; 3] = [
        CouponPrecedence::Backup,
        CouponPrecedence::Override,
        CouponPrecedence::Touch,
    ];

    /// The name on the command line.
    pub fn key(self) -> &'static str {
        match self {
            CouponPrecedence::Backup => "backup",
            CouponPrecedence::Override => "override",
            CouponPrecedence::Touch => "touch",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            CouponPrecedence::Backup => "Backup (only when no partner touch counts)",
            CouponPrecedence::Override => "Override (the coupon's partner wins)",
            CouponPrecedence::Touch => "Touch (counts as a touch at the sale)",
        }
    }

    /// Reads `backup`, `override` or `touch`.
    pub fn parse(text: &str) -> Result<CouponPrecedence, String> {
        CouponPrecedence::ALL
            .into_iter()
            .find(|c| c.key().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| {
                format!("unknown coupon precedence `{text}`: expected backup, override or touch")
            })
    }
}

/// A browser family, read from the click's `browser` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BrowserFamily {
    /// No browser recorded.
    Unknown,
    /// Safari (desktop and iOS).
    Safari,
    /// Chrome and Chromium.
    Chrome,
    /// Firefox.
    Firefox,
    /// Microsoft Edge.
    Edge,
    /// Samsung Internet.
    Samsung,
    /// Opera.
    Opera,
    /// Any other browser.
    Other,
}

impl BrowserFamily {
    /// All families, by their number in a [`TouchKey`].
    pub const ALL: [BrowserFamily; 8] = [
        BrowserFamily::Unknown,
        BrowserFamily::Safari,
        BrowserFamily::Chrome,
        BrowserFamily::Firefox,
        BrowserFamily::Edge,
        BrowserFamily::Samsung,
        BrowserFamily::Opera,
        BrowserFamily::Other,
    ];

    /// The name on the command line and in CSV.
    pub fn key(self) -> &'static str {
        match self {
            BrowserFamily::Unknown => "unknown",
            BrowserFamily::Safari => "safari",
            BrowserFamily::Chrome => "chrome",
            BrowserFamily::Firefox => "firefox",
            BrowserFamily::Edge => "edge",
            BrowserFamily::Samsung => "samsung",
            BrowserFamily::Opera => "opera",
            BrowserFamily::Other => "other",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            BrowserFamily::Unknown => "Unknown",
            BrowserFamily::Safari => "Safari",
            BrowserFamily::Chrome => "Chrome",
            BrowserFamily::Firefox => "Firefox",
            BrowserFamily::Edge => "Edge",
            BrowserFamily::Samsung => "Samsung Internet",
            BrowserFamily::Opera => "Opera",
            BrowserFamily::Other => "Other",
        }
    }

    /// The family's number in a [`TouchKey`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Reads a family name as the command line gives it.
    pub fn parse(text: &str) -> Option<BrowserFamily> {
        let text = text.trim().to_ascii_lowercase();
        BrowserFamily::ALL
            .into_iter()
            .find(|f| f.key() == text || f.label().eq_ignore_ascii_case(&text))
    }
}

/// The cookie lifetime cap per browser family, in days (`None`: not capped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BrowserCaps {
    /// `days[family.index()]`.
    pub days: [Option<u16>; 8],
}

impl Default for BrowserCaps {
    /// Safari's Intelligent Tracking Prevention: 7 days.
    fn default() -> Self {
        BrowserCaps::none().with(BrowserFamily::Safari, Some(7))
    }
}

impl BrowserCaps {
    /// No browser caps any cookie.
    pub fn none() -> BrowserCaps {
        BrowserCaps { days: [None; 8] }
    }

    /// `self` with the cap of `family` set.
    pub fn with(mut self, family: BrowserFamily, days: Option<u16>) -> BrowserCaps {
        self.days[family.index()] = days;
        self
    }

    /// The cap of `family`.
    pub fn cap(&self, family: BrowserFamily) -> Option<u16> {
        self.days[family.index()]
    }

    /// Whether any browser is capped.
    pub fn any(&self) -> bool {
        self.days.iter().any(Option::is_some)
    }

    /// The caps that are set, as (family, days).
    pub fn set(&self) -> impl Iterator<Item = (BrowserFamily, u16)> + '_ {
        BrowserFamily::ALL
            .into_iter()
            .filter_map(|f| self.cap(f).map(|d| (f, d)))
    }

    /// Reads `safari=7,firefox=30` (or `none`); families not named are not capped.
    pub fn parse(text: &str) -> Result<BrowserCaps, String> {
        let mut caps = BrowserCaps::none();
        let text = text.trim();
        if text.eq_ignore_ascii_case("none") || text.is_empty() {
            return Ok(caps);
        }
        for part in text.split(',') {
            let (name, days) = part
                .split_once('=')
                .ok_or_else(|| format!("browser cap `{part}` should look like safari=7"))?;
            let family = BrowserFamily::parse(name).ok_or_else(|| {
                format!("unknown browser `{name}`: expected safari, chrome, firefox, edge, samsung, opera or other")
            })?;
            let days: u16 = days
                .trim()
                .parse()
                .map_err(|_| format!("browser cap `{part}`: `{days}` is not a number of days"))?;
            caps = caps.with(family, Some(days));
        }
        Ok(caps)
    }

    /// `safari=7` style list, `none` when nothing is capped.
    pub fn keys(&self) -> String {
        let parts: Vec<String> = self
            .set()
            .map(|(f, d)| format!("{}={d}", f.key()))
            .collect();
        if parts.is_empty() {
            "none".to_owned()
        } else {
            parts.join(",")
        }
    }
}

/// Which identities link touches to conversions, and how coupons and browsers count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TrackingSettings {
    /// The enabled identity methods.
    pub methods: Methods,
    /// How a coupon counts when [`Methods::COUPON`] is enabled.
    pub coupon: CouponPrecedence,
    /// Cookie lifetime caps of touches matched only by cookie.
    pub browser_caps: BrowserCaps,
}

impl Default for TrackingSettings {
    /// Cookie only, coupons as backup when switched on, Safari capped at 7 days.
    fn default() -> Self {
        Preset::CookieOnly.settings()
    }
}

impl TrackingSettings {
    /// The preset these settings equal, if any.
    pub fn preset(&self) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| {
            let preset = p.settings();
            preset.methods == self.methods
                && (!self.methods.contains(Methods::COUPON) || preset.coupon == self.coupon)
        })
    }

    /// `methods cookie,click-id · coupon backup · browser caps safari=7`, for headers.
    pub fn describe(&self) -> String {
        let coupon = if self.coupons_on() {
            format!(" · coupon {}", self.coupon.key())
        } else {
            String::new()
        };
        format!(
            "methods {}{coupon} · browser caps {}",
            self.methods.keys(),
            self.browser_caps.keys()
        )
    }

    /// Whether coupons decide credit.
    pub fn coupons_on(&self) -> bool {
        self.methods.contains(Methods::COUPON)
    }
}

/// The combinations of tracking methods that programmes run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Preset {
    /// First-party cookie only.
    CookieOnly,
    /// Cookie plus the server-side click id.
    Hybrid,
    /// Hybrid plus the logged-in user across devices.
    HybridCrossDevice,
    /// Hybrid, cross-device, and coupon codes as a backup.
    HybridCrossDeviceCoupons,
}

impl Preset {
    /// All presets, in display order.
    pub const ALL: [Preset; 4] = [
        Preset::CookieOnly,
        Preset::Hybrid,
        Preset::HybridCrossDevice,
        Preset::HybridCrossDeviceCoupons,
    ];

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Preset::CookieOnly => "Cookie only",
            Preset::Hybrid => "Hybrid (cookie + server-side)",
            Preset::HybridCrossDevice => "Hybrid + cross-device",
            Preset::HybridCrossDeviceCoupons => "Hybrid + cross-device + coupons",
        }
    }

    /// The tracking settings of the preset (browser caps: Safari 7 days).
    pub fn settings(self) -> TrackingSettings {
        let methods = match self {
            Preset::CookieOnly => Methods::COOKIE,
            Preset::Hybrid => Methods(Methods::COOKIE.0 | Methods::CLICK_ID.0),
            Preset::HybridCrossDevice => Methods(7),
            Preset::HybridCrossDeviceCoupons => Methods(15),
        };
        TrackingSettings {
            methods,
            coupon: CouponPrecedence::Backup,
            browser_caps: BrowserCaps::default(),
        }
    }
}

/// The facts of one candidate touch, packed in 16 bits.
///
/// Bits 0–2: the methods linking it to the conversion (cookie, click id, user); bits 3–5: the
/// methods under which an earlier conversion of the same identity came at or after it; bits
/// 6–8: its [`BrowserFamily`]; bit 9: it carries no cookie id; bit 10: its redirect broke
/// (more than one hop, or the landing failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TouchKey(pub u16);

impl TouchKey {
    /// Bits the count rule looks at: links, reuse and browser.
    pub const RULE_BITS: usize = 9;
    /// Where the methods an earlier conversion used the touch under start.
    pub const REUSE_SHIFT: u16 = 3;
    /// Where the browser family number starts.
    pub const BROWSER_SHIFT: u16 = 6;
    /// The bit set when the touch carries no cookie id.
    pub const NO_COOKIE: u16 = 1 << 9;
    /// The bit set when the touch's redirect broke.
    pub const BROKEN_REDIRECT: u16 = 1 << 10;

    /// A touch linked by `links`, from `browser`.
    pub fn new(links: Methods, browser: BrowserFamily) -> TouchKey {
        TouchKey(u16::from(links.0 & 7) | (browser.index() as u16) << Self::BROWSER_SHIFT)
    }

    /// `self`, used by an earlier conversion linked through `methods`.
    pub fn used_before(self, methods: Methods) -> TouchKey {
        TouchKey(self.0 | u16::from(methods.0 & 7) << Self::REUSE_SHIFT)
    }

    /// `self`, without a cookie id.
    pub fn without_cookie(self) -> TouchKey {
        TouchKey(self.0 | Self::NO_COOKIE)
    }

    /// `self`, with a broken redirect.
    pub fn broken_redirect(self) -> TouchKey {
        TouchKey(self.0 | Self::BROKEN_REDIRECT)
    }

    /// The methods linking the touch to its conversion.
    pub fn links(self) -> Methods {
        Methods((self.0 & 7) as u8)
    }

    /// The methods under which an earlier conversion used the touch.
    pub fn used_by(self) -> Methods {
        Methods(((self.0 >> Self::REUSE_SHIFT) & 7) as u8)
    }

    /// The touch's browser family.
    pub fn browser(self) -> BrowserFamily {
        BrowserFamily::ALL[usize::from((self.0 >> Self::BROWSER_SHIFT) & 7)]
    }

    /// The touch carries no cookie id.
    pub fn has_no_cookie(self) -> bool {
        self.0 & Self::NO_COOKIE != 0
    }

    /// The touch's redirect broke.
    pub fn has_broken_redirect(self) -> bool {
        self.0 & Self::BROKEN_REDIRECT != 0
    }

    /// The part the count rule's table is indexed by.
    pub fn rule_index(self) -> usize {
        usize::from(self.0) & ((1 << Self::RULE_BITS) - 1)
    }
}

/// Why a candidate touch does or does not count under a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TouchVerdict {
    /// It counts.
    Counts,
    /// An earlier conversion of the same identity already used it (reset after conversion).
    UsedByEarlierConversion,
    /// Only disabled methods link it to the conversion.
    NotLinked,
    /// It is older than the cookie window.
    OutsideWindow,
    /// Matched only by cookie, and older than its browser's cookie cap.
    BeyondBrowserCap(u16),
    /// A non-partner touch, dropped because only partners count.
    NotAPartner,
}

/// Per-setting table: the largest lag (exclusive) at which a touch of each key counts.
#[derive(Debug, Clone)]
pub struct CountRule {
    /// `limit[key.rule_index()]`: a touch counts when `lag < limit` (0: never). A fixed-size
    /// array, so the masked lookup needs no bounds check in the hot loop.
    limit: Box<[u64; RULE_KEYS]>,
}

/// Number of distinct rule indices of a [`TouchKey`].
const RULE_KEYS: usize = 1 << TouchKey::RULE_BITS;

impl CountRule {
    /// The table for a tracking setting, cookie window and reset toggle.
    pub fn new(tracking: &TrackingSettings, window: CookieWindow, reset: bool) -> CountRule {
        let mut limit = Box::new([0u64; RULE_KEYS]);
        for (i, slot) in limit.iter_mut().enumerate() {
            let key = TouchKey(i as u16);
            *slot = verdict_limit(key, tracking, window, reset).unwrap_or_default();
        }
        CountRule { limit }
    }

    /// Whether a touch with `key`, `lag_secs` before its conversion, counts.
    #[inline]
    pub fn counts(&self, key: u16, lag_secs: u32) -> bool {
        u64::from(lag_secs) < self.limit[usize::from(key) & (RULE_KEYS - 1)]
    }
}

/// The exclusive lag limit of a key, or the reason no lag counts.
fn verdict_limit(
    key: TouchKey,
    tracking: &TrackingSettings,
    window: CookieWindow,
    reset: bool,
) -> Result<u64, TouchVerdict> {
    let enabled = Methods(tracking.methods.0 & Methods::LINKS.0);
    let links = Methods(key.links().0 & enabled.0);
    if links.0 == 0 {
        return Err(TouchVerdict::NotLinked);
    }
    if reset && key.used_by().intersects(enabled) {
        return Err(TouchVerdict::UsedByEarlierConversion);
    }
    let window_limit = window.secs().map_or(u64::MAX, |s| s as u64 + 1);
    let cap_limit = match tracking.browser_caps.cap(key.browser()) {
        Some(days) if links == Methods::COOKIE => u64::from(days) * SECS_PER_DAY as u64 + 1,
        _ => u64::MAX,
    };
    Ok(window_limit.min(cap_limit))
}

/// Why one touch does or does not count, for explanations and leakage causes.
pub fn touch_verdict(
    key: TouchKey,
    lag_secs: u32,
    is_partner: bool,
    tracking: &TrackingSettings,
    window: CookieWindow,
    reset: bool,
    partners_only: bool,
) -> TouchVerdict {
    let limit = match verdict_limit(key, tracking, window, reset) {
        Ok(limit) => limit,
        Err(verdict) => return verdict,
    };
    let lag = u64::from(lag_secs);
    if window.secs().is_some_and(|w| lag > w as u64) {
        return TouchVerdict::OutsideWindow;
    }
    if lag >= limit {
        let cap = tracking.browser_caps.cap(key.browser()).unwrap_or(0);
        return TouchVerdict::BeyondBrowserCap(cap);
    }
    if partners_only && !is_partner {
        return TouchVerdict::NotAPartner;
    }
    TouchVerdict::Counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_safari_click_past_its_cap_counts_only_when_matched_server_side() {
        let tracking = Preset::CookieOnly.settings();
        let window = CookieWindow::Days(30);
        let eight_days = 8 * 86_400;
        let cookie = TouchKey::new(Methods::COOKIE, BrowserFamily::Safari);
        let both = TouchKey::new(Methods(3), BrowserFamily::Safari);
        let rule = CountRule::new(&tracking, window, false);
        assert!(!rule.counts(cookie.0, eight_days));
        assert!(!rule.counts(both.0, eight_days), "server-side is off");
        let hybrid = Preset::Hybrid.settings();
        let rule = CountRule::new(&hybrid, window, false);
        assert!(!rule.counts(cookie.0, eight_days));
        assert!(rule.counts(both.0, eight_days));
        assert!(rule.counts(cookie.0, 7 * 86_400), "the cap is inclusive");
        assert_eq!(
            touch_verdict(cookie, eight_days, true, &hybrid, window, false, false),
            TouchVerdict::BeyondBrowserCap(7)
        );
    }

    #[test]
    fn settings_read_from_the_command_line() {
        assert_eq!(Methods::parse("cookie,click-id").unwrap(), Methods(3));
        assert!(Methods::parse("cookie,fax").is_err());
        let caps = BrowserCaps::parse("safari=1,firefox=30").unwrap();
        assert_eq!(caps.cap(BrowserFamily::Safari), Some(1));
        assert_eq!(caps.keys(), "safari=1,firefox=30");
        assert_eq!(BrowserCaps::parse("none").unwrap(), BrowserCaps::none());
        assert_eq!(
            CouponPrecedence::parse("Override").unwrap(),
            CouponPrecedence::Override
        );
    }
}
