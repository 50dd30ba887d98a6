//! Stripe's payments CSV export (`unified_payments.csv`): both header generations (`Created
//! date (UTC)` and the older `Created (UTC)`), any chosen subset of columns, and the
//! `<key> (metadata)` columns in which partner tools keep a click id (and a subscription's
//! payments their subscription id).

use super::{Field, Money, Preset, Skip, TimeFormat, Value, When};
use crate::import::FileKind;

const AMOUNT: Value = Value::Column(&["Amount"]);
const REFUNDED: Value = Value::Column(&["Amount Refunded"]);
const STATUS: Value = Value::Column(&["Status"]);

/// Stripe's statuses onto ours.
const STATUS_WORDS: &[(&str, &str)] = &[
    ("paid", "approved"),
    ("succeeded", "approved"),
    ("refunded", "refunded"),
    ("partially refunded", "approved"),
    ("failed", "cancelled"),
    ("canceled", "cancelled"),
    ("blocked", "cancelled"),
    ("requires_payment_method", "pending"),
    ("requires_action", "pending"),
    ("requires_confirmation", "pending"),
    ("requires_capture", "pending"),
    ("uncaptured", "pending"),
    ("processing", "pending"),
    ("disputed", "pending"),
];

/// Metadata keys and columns where partner tools keep the click id of the visit that sold.
const CLICK_ID_COLUMNS: &[&str] = &[
    "dub_id (metadata)",
    "dub_click_id (metadata)",
    "click_id (metadata)",
    "clickid (metadata)",
    "irclickid (metadata)",
    "transaction_id (metadata)",
    "tid (metadata)",
];

/// The presets of this file.
pub(super) static PRESETS: &[Preset] = &[Preset {
    name: "stripe-payments",
    family: "stripe-payments",
    title: "a Stripe payments export",
    kind: FileKind::Conversions,
    recognise: &[
        &["id"],
        &["Created date (UTC)", "Created (UTC)"],
        &["Amount"],
        &["Status"],
    ],
    absent: &[],
    fields: &[
        Field {
            ours: "conversion_id",
            value: Value::FirstOf(&[Value::Column(&["id"]), Value::Column(&["PaymentIntent ID"])]),
        },
        Field {
            ours: "converted_at",
            value: Value::Time(
                &Value::Column(&["Created date (UTC)", "Created (UTC)"]),
                TimeFormat::NaiveUtc,
            ),
        },
        Field {
            ours: "revenue",
            value: Value::If(
                When::AtLeast(&REFUNDED, &AMOUNT, Money::Units),
                &Value::Money(&AMOUNT, Money::Units),
                &Value::MoneyLess(&AMOUNT, &REFUNDED, Money::Units),
            ),
        },
        Field {
            ours: "currency",
            value: Value::Upper(&Value::Column(&["Currency"])),
        },
        Field {
            ours: "user_id",
            value: Value::FirstOf(&[
                Value::Column(&["Customer ID"]),
                Value::Column(&["Customer Email"]),
            ]),
        },
        Field {
            ours: "click_id",
            value: Value::FirstOf(&[
                Value::WithoutPrefix(&Value::Column(&["Client Reference ID"]), "dub_id_"),
                Value::Column(CLICK_ID_COLUMNS),
            ]),
        },
        Field {
            ours: "coupon_code",
            value: Value::Column(&[
                "coupon (metadata)",
                "coupon_code (metadata)",
                "promo_code (metadata)",
                "promotion_code (metadata)",
                "discount_code (metadata)",
            ]),
        },
        Field {
            ours: "subscription_id",
            value: Value::Column(&[
                "Subscription",
                "Subscription ID",
                "subscription (metadata)",
                "subscription_id (metadata)",
            ]),
        },
        Field {
            ours: "status",
            value: Value::If(
                When::AtLeast(&REFUNDED, &AMOUNT, Money::Units),
                &Value::Constant("refunded"),
                &Value::Words(&STATUS, STATUS_WORDS),
            ),
        },
    ],
    skip: Some(Skip {
        when: When::All(&[
            When::Empty(&Value::Column(&["id"])),
            When::Is(
                &STATUS,
                &[
                    "requires_payment_method",
                    "requires_action",
                    "requires_confirmation",
                    "canceled",
                    "incomplete",
                    "failed",
                ],
            ),
        ]),
        why: "payment attempts that never became a charge (no id)",
    }),
    ref_params: &[],
    lacks: "no coupon (promotion codes live in Checkout and Invoice data), no cookie; a \
            `ref (metadata)` partner id has no column of ours (conversions are credited \
            through touches); UTM columns are not kept for conversions",
    tally: None,
}];
