//! The programme's vocabulary: partners, browsers, channels, statuses, loss causes, journey
//! kinds and the weighted tables journeys draw from.

/// One partner of the sample programme.
pub(super) struct PartnerDef {
    pub(super) id: &'static str,
    pub(super) name: &'static str,
    pub(super) commission: &'static str,
    pub(super) coupons: &'static [&'static str],
    /// Relative share of partner clicks.
    pub(super) weight: u32,
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

/// The programme's twenty partners.
pub(super) const PARTNERS: [PartnerDef; 20] = [
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

/// The browser of a device.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Browser {
    Chrome,
    Safari,
    Firefox,
    Edge,
}

impl Browser {
    /// The `browser` column's text.
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Chrome => "Chrome",
            Self::Safari => "Safari",
            Self::Firefox => "Firefox",
            Self::Edge => "Edge",
        }
    }
}

/// Browsers of all devices, by weight.
pub(super) const BROWSERS: [(Browser, u32); 4] = [
    (Browser::Chrome, 55),
    (Browser::Safari, 30),
    (Browser::Firefox, 8),
    (Browser::Edge, 7),
];
/// Browsers of phones, by weight.
pub(super) const PHONE_BROWSERS: [(Browser, u32); 2] =
    [(Browser::Safari, 60), (Browser::Chrome, 40)];
/// Browsers of laptops, by weight.
pub(super) const LAPTOP_BROWSERS: [(Browser, u32); 4] = [
    (Browser::Chrome, 60),
    (Browser::Safari, 15),
    (Browser::Firefox, 13),
    (Browser::Edge, 12),
];
/// Browsers without Safari's cookie cap, by weight.
pub(super) const NON_SAFARI_BROWSERS: [(Browser, u32); 3] = [
    (Browser::Chrome, 55),
    (Browser::Firefox, 8),
    (Browser::Edge, 7),
];

/// A non-partner way to the shop.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Channel {
    Organic,
    Direct,
    PaidSearch,
    Email,
    Social,
}

impl Channel {
    /// The `channel` column's text.
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Organic => "organic",
            Self::Direct => "direct",
            Self::PaidSearch => "paid_search",
            Self::Email => "email",
            Self::Social => "social",
        }
    }
}

/// Channels of non-partner visits, by weight.
pub(super) const CHANNELS: [(Channel, u32); 5] = [
    (Channel::Organic, 35),
    (Channel::Direct, 25),
    (Channel::PaidSearch, 20),
    (Channel::Email, 10),
    (Channel::Social, 10),
];

/// The status of a conversion.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Status {
    Approved,
    Pending,
    Refunded,
    Cancelled,
}

impl Status {
    /// The `status` column's text.
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Approved => "approved",
            Self::Pending => "pending",
            Self::Refunded => "refunded",
            Self::Cancelled => "cancelled",
        }
    }
}

/// Conversion statuses, by weight.
pub(super) const STATUSES: [(Status, u32); 4] = [
    (Status::Approved, 85),
    (Status::Pending, 7),
    (Status::Refunded, 6),
    (Status::Cancelled, 2),
];

/// Why cookie tracking loses a partner-sourced conversion, as designed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Cause {
    CookieExpired,
    BrowserCap,
    DeviceSwitch,
    BrokenRedirect,
    CookieMissing,
    DirectAfterClick,
    CouponOnly,
}

impl Cause {
    /// The `loss_cause` column's text.
    pub(super) fn label(self) -> &'static str {
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
pub(super) enum Kind {
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
pub(super) const CONVERTING: [(Kind, u32); 10] = [
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
/// Share of journeys that convert, tuned so conversions ≈ clicks / 10.
pub(super) const CONVERTING_PCT: u32 = 23;
/// Touches of a journey that does not convert, by weight.
pub(super) const BROWSE_TOUCHES: [(u64, u32); 4] = [(1, 40), (2, 30), (3, 18), (4, 12)];
/// Touches of an organic journey, by weight.
pub(super) const JOURNEY_TOUCHES: [(u64, u32); 6] =
    [(1, 20), (2, 25), (3, 20), (4, 15), (5, 12), (6, 8)];
/// Non-partner visits of a credited journey, by weight.
pub(super) const EXTRA_VISITS: [(u64, u32); 5] = [(0, 25), (1, 30), (2, 20), (3, 15), (4, 10)];
/// Item prices in cents.
pub(super) const ITEM_PRICES: [u32; 15] = [
    1_999, 2_499, 2_999, 3_499, 3_999, 4_999, 5_999, 7_499, 8_999, 9_999, 12_900, 14_999, 19_900,
    24_900, 39_900,
];
/// Category pages of the shop.
pub(super) const CATEGORIES: [&str; 8] = [
    "laptops", "phones", "audio", "home", "outdoor", "toys", "books", "fitness",
];
/// The `utm_source` of social visits.
pub(super) const SOCIAL_SITES: [&str; 3] = ["instagram", "facebook", "tiktok"];
