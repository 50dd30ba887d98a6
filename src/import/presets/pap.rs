//! Post Affiliate Pro's commissions export (Tools → Import/Export): a `[[COMMISSIONS]]`
//! section line, then `!`-prefixed headers; one-letter status, type and tracking codes.

use super::{Field, Money, Preset, Skip, Tally, TimeFormat, Value, When};
use crate::import::FileKind;

/// `TRACKMETHOD` codes onto our identity methods (and PAP's others, named).
const TRACK_METHODS: &[(&str, &str)] = &[
    ("1", "cookie (first-party)"),
    ("3", "cookie (third-party)"),
    ("f", "cookie (flash)"),
    ("r", "click id (forced parameter)"),
    ("c", "coupon"),
    ("l", "user (lifetime referral)"),
    ("i", "IP address"),
    ("b", "IP address and user agent"),
    ("d", "default affiliate"),
    ("m", "manual commission"),
    ("o", "recurring commission"),
    ("u", "unknown"),
];

/// The presets of this file.
pub(super) static PRESETS: &[Preset] = &[Preset {
    name: "pap-transactions",
    family: "pap-transactions",
    title: "a Post Affiliate Pro commissions export",
    kind: FileKind::Leads,
    recognise: &[&["TRANSID"], &["USERID"], &["RSTATUS"], &["COMMISSION"]],
    absent: &[],
    fields: &[
        Field {
            ours: "partner_id",
            value: Value::Column(&["USERID"]),
        },
        Field {
            ours: "reported_at",
            value: Value::Time(&Value::Column(&["DATEINSERTED"]), TimeFormat::Iso),
        },
        Field {
            ours: "reference",
            value: Value::FirstOf(&[
                Value::Capture(
                    &Value::Column(&["ORDERID"]),
                    r"^(.+?)\(\d+\)$",
                    "without a line suffix like `(1)`",
                ),
                Value::Column(&["TRANSID"]),
            ]),
        },
        Field {
            ours: "amount",
            value: Value::Money(&Value::Column(&["COMMISSION"]), Money::Units),
        },
    ],
    skip: Some(Skip {
        when: When::Any(&[
            When::Is(&Value::Column(&["RSTATUS"]), &["d"]),
            When::Is(&Value::Column(&["RTYPE"]), &["r", "h"]),
        ]),
        why: "declined commissions (RSTATUS D) and refund or chargeback rows (RTYPE R, H)",
    }),
    ref_params: &[],
    lacks: "no click log, cookie or visitor id (VISITORID is not exported), no coupon code \
            (TRACKMETHOD C says only that one was used); the order total (TOTALCOST) is not \
            a lead's amount",
    tally: Some(Tally {
        what: "tracking method",
        value: Value::Words(&Value::Column(&["TRACKMETHOD"]), TRACK_METHODS),
    }),
}];
