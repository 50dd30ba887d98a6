//! Awin's transactions report (the advertiser's Transactions CSV, with the API's names as
//! alternatives): what Awin credited each publisher with.

use super::{Field, Money, Preset, Skip, TimeFormat, Value, When};
use crate::import::FileKind;

/// The presets of this file.
pub(super) static PRESETS: &[Preset] = &[Preset {
    name: "awin-transactions",
    family: "awin-transactions",
    title: "an Awin transactions report",
    kind: FileKind::Leads,
    recognise: &[
        &["publisher_id", "publisherId"],
        &["commission_status", "commissionStatus"],
        &["commission", "commissionAmount"],
    ],
    absent: &[],
    fields: &[
        Field {
            ours: "partner_id",
            value: Value::Column(&["publisher_id", "publisherId"]),
        },
        Field {
            ours: "reported_at",
            value: Value::Time(
                &Value::Column(&["date", "transactionDate", "transaction_date"]),
                TimeFormat::Iso,
            ),
        },
        Field {
            ours: "reference",
            value: Value::FirstOf(&[
                Value::Column(&["extra", "orderRef", "order_ref"]),
                Value::Column(&["id"]),
            ]),
        },
        Field {
            ours: "amount",
            value: Value::Money(
                &Value::Column(&["commission", "commissionAmount"]),
                Money::Units,
            ),
        },
    ],
    skip: Some(Skip {
        when: When::Is(
            &Value::Column(&["commission_status", "commissionStatus"]),
            &["2", "declined"],
        ),
        why: "transactions Awin declined (commission_status 2)",
    }),
    ref_params: &[],
    lacks: "no click id (clickRefs are the publisher's own sub-ids) or cookie; dates carry \
            no zone (the one chosen at export, read in the programme's)",
    tally: None,
}];
