//! ShareASale's affiliate activity report: pipe-delimited, what an affiliate was credited
//! with on one merchant (a partner's own report).

use super::{Field, Money, Preset, Skip, TimeFormat, Value, When};
use crate::import::FileKind;

/// The presets of this file.
pub(super) static PRESETS: &[Preset] = &[Preset {
    name: "shareasale-activity",
    family: "shareasale-activity",
    title: "a ShareASale affiliate activity report",
    kind: FileKind::Leads,
    recognise: &[
        &["Trans ID"],
        &["Trans Date"],
        &["Commission"],
        &["Merchant ID"],
    ],
    absent: &[],
    fields: &[
        Field {
            ours: "partner_id",
            value: Value::GivenPartner,
        },
        Field {
            ours: "reported_at",
            value: Value::Time(&Value::Column(&["Trans Date"]), TimeFormat::UsDate12Hour),
        },
        Field {
            ours: "reference",
            value: Value::Column(&["Trans ID"]),
        },
        Field {
            ours: "amount",
            value: Value::Money(&Value::Column(&["Commission"]), Money::Units),
        },
    ],
    skip: Some(Skip {
        when: When::Is(&Value::Column(&["Voided"]), &["1", "true", "yes", "y"]),
        why: "voided transactions",
    }),
    ref_params: &[],
    lacks: "names no partner (it is the partner's own report: name it with --partner); no \
            order id (`Trans ID` is ShareASale's); the time zone is not stated (read in \
            the programme's)",
    tally: None,
}];
