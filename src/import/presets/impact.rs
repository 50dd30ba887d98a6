//! impact.com: actions as the brand's API and Action Listing reports write them, and the
//! partner's Action Listing for a Paystub (what a partner was paid for).

use super::{Field, Money, Preset, TimeFormat, Value};
use crate::import::FileKind;

/// impact.com's action states onto ours.
const STATE_WORDS: &[(&str, &str)] = &[
    ("approved", "approved"),
    ("pending", "pending"),
    ("reversed", "refunded"),
    ("n/a (media source)", "pending"),
];

/// The order id the brand passed, else impact.com's action id.
const ORDER: Value = Value::FirstOf(&[
    Value::Column(&["Oid", "Order Id", "Order ID"]),
    Value::Column(&["Id", "Action Id", "Action ID"]),
]);

const ACTION_DATE: Value = Value::Time(
    &Value::Column(&["EventDate", "Action Date"]),
    TimeFormat::Iso,
);

/// The presets of this file.
pub(super) static PRESETS: &[Preset] = &[
    Preset {
        name: "impact-actions",
        family: "impact-actions",
        title: "an impact.com actions export",
        kind: FileKind::Conversions,
        recognise: &[
            &["Id", "Action Id"],
            &["Amount", "Sale Amount"],
            &["EventDate", "Action Date"],
            &["State", "Status"],
        ],
        absent: &["Paystub Id"],
        fields: &[
            Field {
                ours: "conversion_id",
                value: ORDER,
            },
            Field {
                ours: "converted_at",
                value: ACTION_DATE,
            },
            Field {
                ours: "revenue",
                value: Value::Money(&Value::Column(&["Amount", "Sale Amount"]), Money::Units),
            },
            Field {
                ours: "currency",
                value: Value::Upper(&Value::Column(&["Currency"])),
            },
            Field {
                ours: "user_id",
                value: Value::Column(&["CustomerId", "Customer Id"]),
            },
            Field {
                ours: "coupon_code",
                value: Value::Column(&["PromoCode", "Promo Code"]),
            },
            Field {
                ours: "status",
                value: Value::Words(&Value::Column(&["State", "Status"]), STATE_WORDS),
            },
        ],
        skip: None,
        ref_params: &[],
        lacks: "no click id (an action does not carry the irclickid; clicks join only by \
                SharedId or SubId), no cookie; Payout is the partner's commission, not kept",
        tally: None,
    },
    Preset {
        name: "impact-paystub-actions",
        family: "impact-paystub-actions",
        title: "an impact.com Action Listing for a Paystub",
        kind: FileKind::Leads,
        recognise: &[
            &["Paystub Id"],
            &["Action Id"],
            &["Payout"],
            &["Action Date"],
        ],
        absent: &[],
        fields: &[
            Field {
                ours: "partner_id",
                value: Value::FirstOf(&[
                    Value::Column(&["MediaPartnerId", "Media Partner Id"]),
                    Value::GivenPartner,
                ]),
            },
            Field {
                ours: "reported_at",
                value: ACTION_DATE,
            },
            Field {
                ours: "reference",
                value: ORDER,
            },
            Field {
                ours: "amount",
                value: Value::Money(&Value::Column(&["Payout"]), Money::Units),
            },
        ],
        skip: None,
        ref_params: &[],
        lacks: "names no partner (it is the partner's own report: name it with --partner); \
                no order id unless the report adds one, so leads reference impact.com's \
                action ids",
        tally: None,
    },
];
