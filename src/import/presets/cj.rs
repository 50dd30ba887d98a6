//! CJ's publisher commissions (the commissions API's records, flattened): corrections are
//! rows of their own.

use super::{Field, Money, Preset, Skip, TimeFormat, Value, When};
use crate::import::FileKind;

/// The presets of this file.
pub(super) static PRESETS: &[Preset] = &[Preset {
    name: "cj-commissions",
    family: "cj-commissions",
    title: "a CJ publisher commissions export",
    kind: FileKind::Leads,
    recognise: &[
        &["commissionId"],
        &["actionStatus"],
        &["pubCommissionAmountUsd", "pubCommissionAmountPubCurrency"],
    ],
    absent: &[],
    fields: &[
        Field {
            ours: "partner_id",
            value: Value::FirstOf(&[Value::Column(&["publisherId"]), Value::GivenPartner]),
        },
        Field {
            ours: "reported_at",
            value: Value::Time(
                &Value::FirstOf(&[
                    Value::Column(&["eventDate"]),
                    Value::Column(&["postingDate"]),
                ]),
                TimeFormat::Iso,
            ),
        },
        Field {
            ours: "reference",
            value: Value::FirstOf(&[
                Value::Column(&["orderId"]),
                Value::Column(&["originalActionId", "actionId"]),
            ]),
        },
        Field {
            ours: "amount",
            value: Value::Money(
                &Value::Column(&["pubCommissionAmountUsd", "pubCommissionAmountPubCurrency"]),
                Money::Units,
            ),
        },
    ],
    skip: Some(Skip {
        when: When::Is(&Value::Column(&["original"]), &["false"]),
        why: "correction rows (CJ writes each correction as a row of its own; the original \
              is the lead)",
    }),
    ref_params: &[],
    lacks: "no click id or cookie; the shopper id (SID) is the publisher's own label",
    tally: None,
}];
