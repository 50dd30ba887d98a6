//! AffiliateWP's referrals and visits exports (Tools → Export): every value quoted, CRLF
//! line ends, dates in the WordPress site's time zone.

use super::{Field, Money, Preset, Skip, TimeFormat, Value, When};
use crate::import::FileKind;

const DATE: Value = Value::Time(&Value::Column(&["Date"]), TimeFormat::Iso);

/// The presets of this file.
pub(super) static PRESETS: &[Preset] = &[
    Preset {
        name: "affiliatewp-referrals",
        family: "affiliatewp-referrals",
        title: "an AffiliateWP referrals export",
        kind: FileKind::Leads,
        recognise: &[
            &["Affiliate ID"],
            &["Amount"],
            &["Reference"],
            &["Status"],
            &["Date"],
        ],
        absent: &[],
        fields: &[
            Field {
                ours: "partner_id",
                value: Value::FirstOf(&[
                    Value::Column(&["Affiliate ID"]),
                    Value::Column(&["Username"]),
                ]),
            },
            Field {
                ours: "reported_at",
                value: DATE,
            },
            Field {
                ours: "reference",
                value: Value::Column(&["Reference"]),
            },
            Field {
                ours: "amount",
                value: Value::Money(&Value::Column(&["Amount"]), Money::Units),
            },
        ],
        skip: Some(Skip {
            when: When::Is(&Value::Column(&["Status"]), &["rejected"]),
            why: "referrals AffiliateWP rejected",
        }),
        ref_params: &[],
        lacks: "no order total (Amount is the commission), no visit or referral id; Date is \
                in the site's time zone (read in the programme's)",
        tally: None,
    },
    Preset {
        name: "affiliatewp-visits",
        family: "affiliatewp-visits",
        title: "an AffiliateWP visits export",
        kind: FileKind::Clicks,
        recognise: &[&["Visit ID"], &["Affiliate"], &["Converted"], &["URL"]],
        absent: &[],
        fields: &[
            Field {
                ours: "clicked_at",
                value: DATE,
            },
            Field {
                ours: "click_id",
                value: Value::Column(&["Visit ID"]),
            },
            Field {
                ours: "partner_id",
                value: Value::Capture(
                    &Value::Column(&["Affiliate"]),
                    r"\(#([^)]+)\)\s*$",
                    "the id in `Name (#12)`",
                ),
            },
            Field {
                ours: "url",
                value: Value::Column(&["URL"]),
            },
        ],
        skip: None,
        ref_params: &[],
        lacks: "no cookie, user or browser; `Converted` names a referral id the referrals \
                export does not carry",
        tally: None,
    },
];
