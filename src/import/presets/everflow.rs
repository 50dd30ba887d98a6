//! Everflow: the partner click report and partner conversion report (the partner portal's
//! exports) and the network's conversion records (API field names, unix timestamps).

use super::{Field, Money, Preset, TimeFormat, Value, When};
use crate::import::FileKind;

const ERROR_CODE: Value = Value::Column(&["Error Code"]);

/// The order id the advertiser passed, else Everflow's conversion id.
const ORDER: Value = Value::FirstOf(&[
    Value::Column(&["order_id"]),
    Value::Column(&["conversion_id"]),
]);

/// Everflow's conversion statuses onto ours.
const STATUS_WORDS: &[(&str, &str)] = &[
    ("approved", "approved"),
    ("pending", "pending"),
    ("rejected", "cancelled"),
    ("invalid", "cancelled"),
    ("failed", "cancelled"),
];

/// The presets of this file.
pub(super) static PRESETS: &[Preset] = &[
    Preset {
        name: "everflow-clicks",
        family: "everflow-clicks",
        title: "an Everflow click report",
        kind: FileKind::Clicks,
        recognise: &[&["Date"], &["Offer"], &["Transaction ID"]],
        absent: &[],
        fields: &[
            Field {
                ours: "clicked_at",
                value: Value::Time(&Value::Column(&["Date"]), TimeFormat::UsDateZone),
            },
            Field {
                ours: "click_id",
                value: Value::Column(&["Transaction ID"]),
            },
            Field {
                ours: "partner_id",
                value: Value::FirstOf(&[
                    Value::Column(&["Affiliate ID", "Partner ID", "network_affiliate_id"]),
                    Value::GivenPartner,
                ]),
            },
            Field {
                ours: "url",
                value: Value::Column(&["Offer URL"]),
            },
            Field {
                ours: "channel",
                value: Value::Constant("everflow"),
            },
            Field {
                ours: "browser",
                value: Value::Column(&["Browser"]),
            },
            Field {
                ours: "landing_status",
                value: Value::If(
                    When::Is(&ERROR_CODE, &["0"]),
                    &Value::Constant("ok"),
                    &Value::If(
                        When::Set(&ERROR_CODE),
                        &Value::Constant("failed"),
                        &ERROR_CODE,
                    ),
                ),
            },
        ],
        skip: None,
        ref_params: &[],
        lacks: "a partner's own click report names no partner: name it with --partner (else \
                the clicks count as the channel `everflow`); no cookie; sub1–sub5 and \
                Source ID are the partner's own labels",
        tally: None,
    },
    Preset {
        name: "everflow-conversions",
        family: "everflow-conversions",
        title: "an Everflow conversions export",
        kind: FileKind::Conversions,
        recognise: &[
            &["conversion_id"],
            &["transaction_id"],
            &["sale_amount"],
            &["status"],
        ],
        absent: &[],
        fields: &[
            Field {
                ours: "conversion_id",
                value: ORDER,
            },
            Field {
                ours: "converted_at",
                value: Value::FirstOf(&[
                    Value::Time(
                        &Value::Column(&["conversion_unix_timestamp"]),
                        TimeFormat::Unix,
                    ),
                    Value::Time(
                        &Value::Column(&["date", "conversion_date"]),
                        TimeFormat::Iso,
                    ),
                ]),
            },
            Field {
                ours: "revenue",
                value: Value::Money(&Value::Column(&["sale_amount"]), Money::Units),
            },
            Field {
                ours: "currency",
                value: Value::Upper(&Value::Column(&["currency_id"])),
            },
            Field {
                ours: "click_id",
                value: Value::Column(&["transaction_id"]),
            },
            Field {
                ours: "coupon_code",
                value: Value::Column(&["coupon_code"]),
            },
            Field {
                ours: "status",
                value: Value::Words(&Value::Column(&["status"]), STATUS_WORDS),
            },
        ],
        skip: None,
        ref_params: &[],
        lacks: "no cookie or user (unless the advertiser passed one in adv1–adv5); \
                `revenue` is what the network earns, so the sale is `sale_amount`",
        tally: None,
    },
    Preset {
        name: "everflow-partner-conversions",
        family: "everflow-partner-conversions",
        title: "an Everflow partner conversion report",
        kind: FileKind::Leads,
        recognise: &[
            &["conversion_id"],
            &["transaction_id"],
            &["date"],
            &["revenue"],
            &["delta_hours"],
        ],
        absent: &["status", "payout"],
        fields: &[
            Field {
                ours: "partner_id",
                value: Value::GivenPartner,
            },
            Field {
                ours: "reported_at",
                value: Value::Time(&Value::Column(&["date"]), TimeFormat::Iso),
            },
            Field {
                ours: "reference",
                value: ORDER,
            },
            Field {
                ours: "amount",
                value: Value::Money(&Value::Column(&["revenue"]), Money::Units),
            },
        ],
        skip: None,
        ref_params: &[],
        lacks: "names no partner (it is the partner's own report: name it with --partner); \
                `date` has no zone (the account's, read in the programme's time zone); no \
                status",
        tally: None,
    },
];
