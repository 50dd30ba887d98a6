//! Shopify's orders CSV export, every header generation since 2014 (the 2025 layout has 79
//! columns, 2021's the first 75; users may export a subset). One row per line item: only an
//! order's first row holds its totals, status and discount code.

use super::{Field, Money, Preset, Skip, TimeFormat, Value, When};
use crate::import::FileKind;

const FINANCIAL_STATUS: Value = Value::Column(&["Financial Status"]);
const SUBTOTAL: Value = Value::Column(&["Subtotal"]);
const TOTAL: Value = Value::Column(&["Total"]);
const REFUNDED: Value = Value::Column(&["Refunded Amount"]);

/// Shopify's financial statuses onto ours; a partly refunded order keeps what was not
/// refunded as its revenue.
const STATUS_WORDS: &[(&str, &str)] = &[
    ("paid", "approved"),
    ("partially_refunded", "approved"),
    ("partially_paid", "pending"),
    ("authorized", "pending"),
    ("pending", "pending"),
    ("refunded", "refunded"),
    ("voided", "cancelled"),
    ("expired", "cancelled"),
];

/// The presets of this file.
pub(super) static PRESETS: &[Preset] = &[Preset {
    name: "shopify-orders",
    family: "shopify-orders",
    title: "a Shopify orders export",
    kind: FileKind::Conversions,
    recognise: &[&["Name"], &["Created at"], &["Subtotal"], &["Total"]],
    absent: &[],
    fields: &[
        Field {
            ours: "conversion_id",
            value: Value::FirstOf(&[
                Value::WithoutPrefix(&Value::Column(&["Name"]), "#"),
                Value::Column(&["Id"]),
            ]),
        },
        Field {
            ours: "converted_at",
            value: Value::Time(&Value::Column(&["Created at"]), TimeFormat::Iso),
        },
        Field {
            ours: "revenue",
            value: Value::If(
                When::Is(&FINANCIAL_STATUS, &["partially_refunded"]),
                &Value::MoneyLess(&SUBTOTAL, &REFUNDED, Money::Units),
                &Value::Money(&SUBTOTAL, Money::Units),
            ),
        },
        Field {
            ours: "currency",
            value: Value::Upper(&Value::Column(&["Currency"])),
        },
        Field {
            ours: "user_id",
            value: Value::Column(&["Email"]),
        },
        Field {
            ours: "coupon_code",
            value: Value::Capture(
                &Value::Column(&["Discount Code"]),
                r"^\s*([^,]+)",
                "the first code when several are listed",
            ),
        },
        Field {
            ours: "status",
            value: Value::If(
                When::Set(&Value::Column(&["Cancelled at"])),
                &Value::Constant("cancelled"),
                &Value::Words(&FINANCIAL_STATUS, STATUS_WORDS),
            ),
        },
    ],
    skip: Some(Skip {
        when: When::All(&[
            When::Empty(&FINANCIAL_STATUS),
            When::Empty(&SUBTOTAL),
            When::Empty(&TOTAL),
        ]),
        why: "further line items of an order (its first row holds the totals)",
    }),
    ref_params: &[],
    lacks: "no cookie, click id or landing page (no referrer or `?ref=` column): its sales \
            can be credited only by coupon code or through a clicks file joined by user \
            (`Email`)",
    tally: None,
}];
