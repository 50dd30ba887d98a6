//! PartnerStack's rewards, as its API and Rewards table give them: amounts in cents,
//! `created_at` in epoch milliseconds.

use super::{Field, Money, Preset, Skip, TimeFormat, Value, When};
use crate::import::FileKind;

/// The presets of this file.
pub(super) static PRESETS: &[Preset] = &[Preset {
    name: "partnerstack-rewards",
    family: "partnerstack-rewards",
    title: "a PartnerStack rewards export",
    kind: FileKind::Leads,
    recognise: &[
        &["reward_status"],
        &["amount"],
        &["created_at"],
        &["customer_external_key", "customer_key", "customer_email"],
    ],
    absent: &[],
    fields: &[
        Field {
            ours: "partner_id",
            value: Value::FirstOf(&[
                Value::Column(&["partner_key", "partnership_key"]),
                Value::Column(&["partnership_email"]),
                Value::GivenPartner,
            ]),
        },
        Field {
            ours: "reported_at",
            value: Value::Time(&Value::Column(&["created_at"]), TimeFormat::Unix),
        },
        Field {
            ours: "reference",
            value: Value::Column(&["customer_external_key", "customer_key", "customer_email"]),
        },
        Field {
            ours: "amount",
            value: Value::Money(&Value::Column(&["amount"]), Money::Cents),
        },
    ],
    skip: Some(Skip {
        when: When::Is(&Value::Column(&["reward_status"]), &["declined"]),
        why: "rewards PartnerStack declined",
    }),
    ref_params: &[],
    lacks: "no click log or cookie; the UI's Rewards table names the customer only by name \
            (export the API's columns for a customer key)",
    tally: None,
}];
