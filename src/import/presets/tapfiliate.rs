//! Tapfiliate's conversions CSV (the bulk conversion layout: `external_id, amount,
//! created_at, affiliate_email, program` and optional columns).

use super::{Field, Money, Preset, TimeFormat, Value};
use crate::import::FileKind;

/// Tapfiliate's commission statuses (and the API's `approved` true/false) onto ours.
const STATUS_WORDS: &[(&str, &str)] = &[
    ("approved", "approved"),
    ("true", "approved"),
    ("pending", "pending"),
    ("rejected", "cancelled"),
    ("false", "cancelled"),
    ("disapproved", "cancelled"),
];

/// The presets of this file.
pub(super) static PRESETS: &[Preset] = &[Preset {
    name: "tapfiliate-conversions",
    family: "tapfiliate-conversions",
    title: "a Tapfiliate conversions file",
    kind: FileKind::Conversions,
    recognise: &[
        &["external_id"],
        &["amount"],
        &["created_at"],
        &["affiliate_email"],
    ],
    absent: &[],
    fields: &[
        Field {
            ours: "conversion_id",
            value: Value::Column(&["external_id"]),
        },
        Field {
            ours: "converted_at",
            value: Value::Time(&Value::Column(&["created_at"]), TimeFormat::Iso),
        },
        Field {
            ours: "revenue",
            value: Value::Money(&Value::Column(&["amount"]), Money::Units),
        },
        Field {
            ours: "currency",
            value: Value::Upper(&Value::Column(&["currency"])),
        },
        Field {
            ours: "user_id",
            value: Value::Column(&["customer_id"]),
        },
        Field {
            ours: "status",
            value: Value::Words(
                &Value::Column(&["commission_status", "approved"]),
                STATUS_WORDS,
            ),
        },
    ],
    skip: None,
    ref_params: &[],
    lacks: "no click id or cookie; the credited partner (`affiliate_email`) and the landing \
            page of its click have no column of ours in a conversions file",
    tally: None,
}];
