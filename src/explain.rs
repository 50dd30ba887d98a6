//! One conversion explained: its candidate touches, which counted and why, its credit under
//! each model, and its leakage cause when it leaked.

use crate::attribution::{
    Allocator, AttributionSettings, BrowserFamily, CookieWindow, Methods, Model, TouchVerdict,
    touch_verdict,
};
use crate::journeys::{JourneyIndex, Source};
use crate::leakage::{self, Cause};
use crate::store::{ConversionDetail, Store, StoreError, TouchDetail};

/// One candidate touch and its verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct TouchExplanation {
    /// Where and when the touch happened.
    pub detail: TouchDetail,
    /// Seconds from the touch to the conversion.
    pub lag_secs: i64,
    /// The identity methods linking it to the conversion.
    pub links: Methods,
    /// Its browser family.
    pub browser: BrowserFamily,
    /// Whether its source is a partner.
    pub is_partner: bool,
    /// Whether it counts, and if not why.
    pub verdict: TouchVerdict,
    /// The verdict as a sentence.
    pub reason: String,
}

/// A conversion's whole story under one setting.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The conversion.
    pub conversion: ConversionDetail,
    /// Its candidate touches, oldest first.
    pub touches: Vec<TouchExplanation>,
    /// The partner owning its coupon code, and what the coupon did.
    pub coupon: Option<(String, String)>,
    /// The partner whose reported lead names it.
    pub reported_by: Option<String>,
    /// Per model, the sources credited and their share.
    pub credit: Vec<(Model, Vec<(String, f64)>)>,
    /// The leakage cause and all causes, with the partner at stake, when it leaked.
    pub leak: Option<(String, Cause, Vec<Cause>)>,
}

/// Explains conversion `conversion_id`; `None` when the database has no such conversion.
pub fn explain(
    store: &Store,
    index: &JourneyIndex,
    settings: &AttributionSettings,
    conversion_id: &str,
) -> Result<Option<Explanation>, StoreError> {
    let Some(c) = index
        .conversions
        .iter()
        .position(|f| f.conversion_id == conversion_id)
    else {
        return Ok(None);
    };
    let Some((conversion, details)) = store.conversion_evidence(conversion_id)? else {
        return Ok(None);
    };
    Ok(Some(explain_position(
        index, settings, c, conversion, details,
    )))
}

/// Explains the conversion at position `c` of the index, given its stored details.
pub fn explain_position(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    c: usize,
    conversion: ConversionDetail,
    details: Vec<TouchDetail>,
) -> Explanation {
    let touches = index
        .touch_range(c)
        .zip(details)
        .map(|(p, detail)| explain_touch(index, settings, p, detail))
        .collect();
    let facts = &index.conversions[c];
    let name = |id: u32| source_name(&index.sources[id as usize]);
    let coupon = facts.coupon_partner.map(|p| {
        let what = if settings.tracking.coupons_on() {
            format!("coupon tracking on ({})", settings.tracking.coupon.key())
        } else {
            "coupon tracking off: the coupon earns nothing".to_owned()
        };
        (name(p), what)
    });
    let leak =
        leakage::analyse_one(index, settings, c).map(|l| (name(l.partner), l.cause, l.causes()));
    Explanation {
        conversion,
        touches,
        coupon,
        reported_by: facts.reported_by.map(name),
        credit: credit_of_one(index, settings, c),
        leak,
    }
}

fn source_name(source: &Source) -> String {
    match &source.name {
        Some(name) if name != &source.id => format!("{name} ({})", source.id),
        _ => source.id.clone(),
    }
}

fn explain_touch(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    position: usize,
    detail: TouchDetail,
) -> TouchExplanation {
    let touch = index.touch(position);
    let source = &index.sources[touch.source_id as usize];
    let verdict = touch_verdict(
        touch.key,
        touch.lag_secs as u32,
        source.is_partner,
        &settings.tracking,
        settings.window,
        settings.reset_after_conversion,
        settings.partners_only,
    );
    let reason = reason(
        verdict,
        touch.lag_secs,
        touch.key.links(),
        touch.key.browser(),
        settings,
    );
    TouchExplanation {
        detail,
        lag_secs: touch.lag_secs,
        links: touch.key.links(),
        browser: touch.key.browser(),
        is_partner: source.is_partner,
        verdict,
        reason,
    }
}

/// `64 days`, `3 days 4 h`, `5 h 10 min`, `12 min`, `same instant`.
pub fn age(lag_secs: i64) -> String {
    let (days, hours, minutes) = (
        lag_secs / 86_400,
        lag_secs % 86_400 / 3600,
        lag_secs % 3600 / 60,
    );
    match (days, hours, minutes) {
        (0, 0, 0) => "at the same instant".to_owned(),
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (1, 0, _) => "1 day".to_owned(),
        (d, 0, _) => format!("{d} days"),
        (d, h, _) => format!("{d} day{} {h} h", if d == 1 { "" } else { "s" }),
    }
}

/// One model's credit as words: `alpha 0.50, organic 0.50`, or `unattributed`.
pub fn share_words(shares: &[(String, f64)]) -> String {
    if shares.is_empty() {
        return "unattributed".to_owned();
    }
    let words: Vec<String> = shares
        .iter()
        .map(|(source, share)| format!("{source} {}", crate::domain::format::conversions(*share)))
        .collect();
    words.join(", ")
}

/// The conversion's identities: `cookie c1 · user u1 · coupon SAVE10`, or `none`.
pub fn identity_words(c: &ConversionDetail) -> String {
    let ids = [
        ("cookie", &c.cookie_id),
        ("user", &c.user_id),
        ("click id", &c.click_id),
        ("coupon", &c.coupon_code),
    ];
    let words: Vec<String> = ids
        .iter()
        .filter_map(|(name, v)| v.as_ref().map(|v| format!("{name} {v}")))
        .collect();
    if words.is_empty() {
        "none".to_owned()
    } else {
        words.join(" · ")
    }
}

/// `ORD-1 at 2026-10-01 12:00:00 UTC · $10.00 USD · approved`.
pub fn conversion_heading(c: &ConversionDetail) -> String {
    format!(
        "{} at {} UTC · {} {} · {}",
        c.conversion_id,
        c.converted_at,
        crate::domain::format::money(c.revenue),
        c.currency.as_deref().unwrap_or(""),
        c.status
    )
}

/// A touch's redirect facts: `1 hop`, `3 hops · failed · no cookie`.
pub fn redirect_words(detail: &TouchDetail) -> String {
    let mut parts = Vec::new();
    match detail.redirect_hops {
        Some(1) => parts.push("1 hop".to_owned()),
        Some(hops) => parts.push(format!("{hops} hops")),
        None => {}
    }
    if let Some(status) = detail.landing_status.as_deref().filter(|s| *s != "ok") {
        parts.push(status.to_owned());
    }
    if detail.cookie_id.is_none() {
        parts.push("no cookie".to_owned());
    }
    if parts.is_empty() {
        "–".to_owned()
    } else {
        parts.join(" · ")
    }
}

/// The methods as words: `cookie + click id`.
pub fn link_words(links: Methods) -> String {
    let words: Vec<&str> = links
        .each()
        .map(|m| match m {
            Methods::COOKIE => "cookie",
            Methods::CLICK_ID => "server-side click id",
            Methods::USER => "logged-in user",
            _ => "coupon",
        })
        .collect();
    words.join(" + ")
}

fn window_words(window: CookieWindow) -> String {
    match window {
        CookieWindow::Days(d) => format!("the {d}-day window"),
        CookieWindow::Unlimited => "the unlimited window".to_owned(),
    }
}

/// Why a touch counts or not, as a sentence.
fn reason(
    verdict: TouchVerdict,
    lag_secs: i64,
    links: Methods,
    browser: BrowserFamily,
    settings: &AttributionSettings,
) -> String {
    let age = age(lag_secs);
    let before = if lag_secs == 0 {
        age.clone()
    } else {
        format!("{age} before the sale")
    };
    match verdict {
        TouchVerdict::Counts => format!(
            "Counts: linked by {}, {before}, within {}.",
            link_words(Methods(links.0 & settings.tracking.methods.0)),
            window_words(settings.window)
        ),
        TouchVerdict::UsedByEarlierConversion => {
            "Does not count: an earlier conversion of the same identity already used it \
             (reset after conversion)."
                .to_owned()
        }
        TouchVerdict::NotLinked => format!(
            "Does not count: linked only by {}, which is switched off.",
            link_words(links)
        ),
        TouchVerdict::OutsideWindow => format!(
            "Does not count: {before}, outside {}.",
            window_words(settings.window)
        ),
        TouchVerdict::BeyondBrowserCap(days) => format!(
            "Does not count: matched only by a {} cookie {before}, beyond {}'s {days}-day cookie cap.",
            browser.label(),
            browser.label()
        ),
        TouchVerdict::NotAPartner => {
            "Does not count: not a partner, and only partner touches count.".to_owned()
        }
    }
}

/// The credit of conversion `c` alone, per model, as the allocator splits it.
fn credit_of_one(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    c: usize,
) -> Vec<(Model, Vec<(String, f64)>)> {
    let credit = Allocator::new(index, settings).credit(c);
    Model::ALL
        .into_iter()
        .map(|model| {
            let shares = credit
                .shares(model)
                .iter()
                .map(|share| {
                    (
                        index.sources[share.source as usize].id.clone(),
                        share.fraction(),
                    )
                })
                .collect();
            (model, shares)
        })
        .collect()
}
