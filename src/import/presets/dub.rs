//! dub.co: the events export (clicks, leads and sales, each its own layout; Analytics →
//! Events → Download as CSV, and the partner portal's) and the commissions export. Amounts
//! are `"$1,234.56"` strings since April 2026; commissions were integer cents before.

use super::{Field, Money, Preset, Skip, TimeFormat, Value, When};
use crate::import::FileKind;

const CUSTOMER: Value = Value::Column(&["Customer"]);

/// The customer's e-mail inside `Name <email>` (the whole text when it holds none).
const CUSTOMER_EMAIL: Value =
    Value::Capture(&CUSTOMER, r"<([^>]+)>", "the e-mail in `Name <email>`");

/// The user: the site's own id for the customer, else the e-mail.
const USER: Value = Value::FirstOf(&[Value::Column(&["CustomerExternalId"]), CUSTOMER_EMAIL]);

const DATE: Value = Value::Time(&Value::Column(&["Date"]), TimeFormat::Iso);

/// dub adds `?via=<link key>` to partner links.
const REF_PARAMS: &[&str] = &["via"];

const LACKS_EVENTS: &str = "no partner column (a partner is read from `?via=` in the \
                            destination URL), no cookie (dub's cookie is the click id); \
                            `Click ID` and `EventId` only when those columns were ticked";

/// The presets of this file.
pub(super) static PRESETS: &[Preset] = &[
    Preset {
        name: "dub-clicks",
        family: "dub-events",
        title: "a dub.co clicks events export",
        kind: FileKind::Clicks,
        recognise: &[&["Date"], &["Link"], &["Referrer"]],
        absent: &["Customer", "Sale Amount"],
        fields: &[
            Field {
                ours: "clicked_at",
                value: DATE,
            },
            Field {
                ours: "click_id",
                value: Value::Column(&["Click ID"]),
            },
            Field {
                ours: "url",
                value: Value::Column(&["Destination URL"]),
            },
            Field {
                ours: "channel",
                value: Value::Column(&["Link"]),
            },
            Field {
                ours: "browser",
                value: Value::Column(&["Browser"]),
            },
        ],
        skip: None,
        ref_params: REF_PARAMS,
        lacks: LACKS_EVENTS,
        tally: None,
    },
    Preset {
        name: "dub-leads",
        family: "dub-events",
        title: "a dub.co leads events export",
        kind: FileKind::Conversions,
        recognise: &[&["Date"], &["Event"], &["Customer"]],
        absent: &["Sale Amount"],
        fields: &[
            Field {
                ours: "conversion_id",
                value: Value::FirstOf(&[
                    Value::Column(&["EventId"]),
                    Value::Joined(&[CUSTOMER_EMAIL, Value::Column(&["Event"])]),
                ]),
            },
            Field {
                ours: "converted_at",
                value: DATE,
            },
            Field {
                ours: "revenue",
                value: Value::Constant("0"),
            },
            Field {
                ours: "user_id",
                value: USER,
            },
            Field {
                ours: "click_id",
                value: Value::Column(&["Click ID"]),
            },
        ],
        skip: None,
        ref_params: REF_PARAMS,
        lacks: LACKS_EVENTS,
        tally: None,
    },
    Preset {
        name: "dub-sales",
        family: "dub-events",
        title: "a dub.co sales events export",
        kind: FileKind::Conversions,
        recognise: &[&["Date"], &["Sale Amount"]],
        absent: &[],
        fields: &[
            Field {
                ours: "conversion_id",
                value: Value::FirstOf(&[
                    Value::Column(&["EventId"]),
                    Value::Column(&["Invoice ID"]),
                    Value::Joined(&[CUSTOMER_EMAIL, Value::Column(&["Date"])]),
                ]),
            },
            Field {
                ours: "converted_at",
                value: DATE,
            },
            Field {
                ours: "revenue",
                value: Value::Money(&Value::Column(&["Sale Amount"]), Money::Units),
            },
            Field {
                ours: "currency",
                value: Value::CurrencyOfSymbol(&Value::Column(&["Sale Amount"])),
            },
            Field {
                ours: "user_id",
                value: USER,
            },
            Field {
                ours: "click_id",
                value: Value::Column(&["Click ID"]),
            },
        ],
        skip: None,
        ref_params: REF_PARAMS,
        lacks: LACKS_EVENTS,
        tally: None,
    },
    Preset {
        name: "dub-commissions",
        family: "dub-commissions",
        title: "a dub.co commissions export",
        kind: FileKind::Leads,
        recognise: &[
            &["id"],
            &["type"],
            &["earnings"],
            &["status"],
            &["createdAt"],
        ],
        absent: &[],
        fields: &[
            Field {
                ours: "partner_id",
                value: Value::FirstOf(&[
                    Value::Column(&["partnerTenantId"]),
                    Value::Column(&["partnerId"]),
                    Value::GivenPartner,
                ]),
            },
            Field {
                ours: "reported_at",
                value: Value::Time(&Value::Column(&["createdAt"]), TimeFormat::Iso),
            },
            Field {
                ours: "reference",
                value: Value::FirstOf(&[Value::Column(&["invoiceId"]), Value::Column(&["id"])]),
            },
            Field {
                ours: "amount",
                value: Value::Money(&Value::Column(&["earnings"]), Money::CentsUnlessFormatted),
            },
        ],
        skip: Some(Skip {
            when: When::Any(&[
                When::Is(
                    &Value::Column(&["status"]),
                    &["refunded", "duplicate", "fraud", "canceled"],
                ),
                When::Is(&Value::Column(&["type"]), &["click"]),
            ]),
            why: "commissions dub reversed (refunded, duplicate, fraud, canceled) and click \
                  rewards, which name no sale",
        }),
        ref_params: REF_PARAMS,
        lacks: "the default columns name no partner (tick `partnerId`, or name the partner \
                with --partner); `amount` is the sale, `earnings` the commission",
        tally: None,
    },
];
