//! The scenarios every programme has: the edge cases partners ask about, and the worked
//! examples of the rules document.

use super::{Channel, Device, Place, Scenario, Step, StepKind};
use crate::attribution::BrowserFamily;

/// The built-in scenarios' names, in menu order.
pub const BUILT_IN_NAMES: [&str; 8] = [
    "Two partners before one purchase",
    "Partner click, then three organic visits",
    "Cookie expired",
    "Phone to laptop",
    "Coupon without a click",
    "Safari cookie cap",
    "Coupon and another partner's click",
    "Refunded purchase",
];

/// Partner A and partner B of the built-in scenarios.
pub const PARTNER_A: &str = "partner-a";
/// See [`PARTNER_A`].
pub const PARTNER_B: &str = "partner-b";

/// Every built-in scenario.
pub fn built_ins() -> Vec<Scenario> {
    BUILT_IN_NAMES.iter().filter_map(|n| built_in(n)).collect()
}

const LAPTOP: Place = Place {
    device: Device::Laptop,
    browser: BrowserFamily::Chrome,
};
const PHONE: Place = Place {
    device: Device::Phone,
    browser: BrowserFamily::Safari,
};

fn click(partner: &str, place: Place) -> StepKind {
    StepKind::PartnerClick {
        partner: partner.to_owned(),
        place,
    }
}

fn buy(revenue: f64, place: Place) -> StepKind {
    StepKind::Purchase {
        revenue,
        status: "approved".to_owned(),
        place,
    }
}

fn organic() -> StepKind {
    StepKind::Visit {
        channel: Channel::Organic,
        place: LAPTOP,
    }
}

/// The built-in scenario called `name`.
pub fn built_in(name: &str) -> Option<Scenario> {
    let (description, steps) = match name {
        "Two partners before one purchase" => (
            "The prospect clicks partner A's link, five days later partner B's, and buys two \
             days after that on the same laptop.",
            vec![
                Step::at(0, 0, click(PARTNER_A, LAPTOP)),
                Step::at(5, 0, click(PARTNER_B, LAPTOP)),
                Step::at(7, 0, buy(120.0, LAPTOP)),
            ],
        ),
        "Partner click, then three organic visits" => (
            "A partner click, then three visits from organic search, then a purchase.",
            vec![
                Step::at(0, 0, click(PARTNER_A, LAPTOP)),
                Step::at(2, 0, organic()),
                Step::at(4, 0, organic()),
                Step::at(6, 0, organic()),
                Step::at(6, 1, buy(80.0, LAPTOP)),
            ],
        ),
        "Cookie expired" => (
            "A partner click 45 days before the purchase.",
            vec![
                Step::at(0, 0, click(PARTNER_A, LAPTOP)),
                Step::at(45, 0, buy(60.0, LAPTOP)),
            ],
        ),
        "Phone to laptop" => (
            "Logged in on the phone, the prospect clicks a partner's link there, then logs in \
             on the laptop and buys there.",
            vec![
                Step::at(0, 0, StepKind::LogIn { place: PHONE }),
                Step::at(0, 1, click(PARTNER_A, PHONE)),
                Step::at(3, 0, StepKind::LogIn { place: LAPTOP }),
                Step::at(3, 1, buy(200.0, LAPTOP)),
            ],
        ),
        "Coupon without a click" => (
            "The prospect types partner B's coupon code at checkout; no partner link was \
             clicked.",
            vec![
                Step::at(
                    0,
                    0,
                    StepKind::Coupon {
                        partner: PARTNER_B.to_owned(),
                    },
                ),
                Step::at(0, 0, buy(50.0, LAPTOP)),
            ],
        ),
        "Safari cookie cap" => (
            "A partner click in Safari on the phone, and a purchase there ten days later.",
            vec![
                Step::at(0, 0, click(PARTNER_A, PHONE)),
                Step::at(10, 0, buy(90.0, PHONE)),
            ],
        ),
        "Coupon and another partner's click" => (
            "The prospect clicks partner A's link, then buys with partner B's coupon code.",
            vec![
                Step::at(0, 0, click(PARTNER_A, LAPTOP)),
                Step::at(
                    2,
                    0,
                    StepKind::Coupon {
                        partner: PARTNER_B.to_owned(),
                    },
                ),
                Step::at(2, 0, buy(150.0, LAPTOP)),
            ],
        ),
        "Refunded purchase" => (
            "A partner click, a purchase the next day, and the purchase later refunded.",
            vec![
                Step::at(0, 0, click(PARTNER_A, LAPTOP)),
                Step::at(
                    1,
                    0,
                    StepKind::Purchase {
                        revenue: 100.0,
                        status: "refunded".to_owned(),
                        place: LAPTOP,
                    },
                ),
            ],
        ),
        _ => return None,
    };
    Some(Scenario {
        name: name.to_owned(),
        description: description.to_owned(),
        steps,
    })
}
