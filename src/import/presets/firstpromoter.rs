//! FirstPromoter's referrals export (`/referrals/export`, columns as its API v2 names them;
//! commission amounts in cents).

use super::{Field, Money, Preset, Skip, TimeFormat, Value, When};
use crate::import::FileKind;

/// The presets of this file.
pub(super) static PRESETS: &[Preset] = &[Preset {
    name: "firstpromoter-referrals",
    family: "firstpromoter-referrals",
    title: "a FirstPromoter referrals export",
    kind: FileKind::Leads,
    recognise: &[
        &["uid"],
        &["state"],
        &["ref_id", "promoter_id", "promoter_email"],
    ],
    absent: &[],
    fields: &[
        Field {
            ours: "partner_id",
            value: Value::Column(&["ref_id", "promoter_id", "promoter_email"]),
        },
        Field {
            ours: "reported_at",
            value: Value::Time(
                &Value::FirstOf(&[
                    Value::Column(&["customer_since"]),
                    Value::Column(&["created_at"]),
                ]),
                TimeFormat::Iso,
            ),
        },
        Field {
            ours: "reference",
            value: Value::FirstOf(&[Value::Column(&["uid"]), Value::Column(&["email"])]),
        },
        Field {
            ours: "amount",
            value: Value::Money(
                &Value::Column(&["commission_amount", "amount"]),
                Money::Cents,
            ),
        },
    ],
    skip: Some(Skip {
        when: When::Is(&Value::Column(&["state"]), &["denied"]),
        why: "referrals FirstPromoter denied",
    }),
    ref_params: &["fpr", "via"],
    lacks: "no click log; the visit's tracking id (`_fprom_tid`) is not exported",
    tally: None,
}];
