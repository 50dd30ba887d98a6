//! Rewardful's referrals, as its dashboard and API list them (`conversion_state`,
//! `stripe_customer_id`, the affiliate and its `?via=` link token). Rewardful documents no
//! CSV export: the columns are its API's, flattened.

use super::{Field, Preset, Skip, TimeFormat, Value, When};
use crate::import::FileKind;

/// The presets of this file.
pub(super) static PRESETS: &[Preset] = &[Preset {
    name: "rewardful-referrals",
    family: "rewardful-referrals",
    title: "a Rewardful referrals export",
    kind: FileKind::Leads,
    recognise: &[
        &["conversion_state"],
        &["stripe_customer_id", "customer.id"],
        &[
            "affiliate_id",
            "affiliate.id",
            "affiliate_email",
            "link_token",
        ],
    ],
    absent: &[],
    fields: &[
        Field {
            ours: "partner_id",
            value: Value::Column(&[
                "affiliate_id",
                "affiliate.id",
                "link_token",
                "link.token",
                "affiliate_email",
            ]),
        },
        Field {
            ours: "reported_at",
            value: Value::Time(
                &Value::FirstOf(&[
                    Value::Column(&["became_conversion_at"]),
                    Value::Column(&["became_lead_at"]),
                    Value::Column(&["created_at"]),
                ]),
                TimeFormat::Iso,
            ),
        },
        Field {
            ours: "reference",
            value: Value::FirstOf(&[
                Value::Column(&["stripe_customer_id", "customer.id"]),
                Value::Column(&["customer_email", "customer.email"]),
            ]),
        },
    ],
    skip: Some(Skip {
        when: When::Is(&Value::Column(&["conversion_state"]), &["visitor"]),
        why: "visitors who never became a lead or customer",
    }),
    ref_params: &["via"],
    lacks: "no amounts (commissions are a separate list, in cents) and no click log (links \
            only count visitors)",
    tally: None,
}];
