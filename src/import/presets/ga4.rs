//! Google Analytics 4's BigQuery export (`events_YYYYMMDD` tables, exported as
//! newline-delimited JSON or Parquet), read as an event log. Nested fields arrive flattened
//! (`import::nested`): `event_params.page_location`, `collected_traffic_source.manual_source`,
//! `ecommerce.purchase_revenue`.
//!
//! A visit is a touch when it carries a marker: a referral parameter or `utm_source` in its
//! landing URL (`page_location`), a manual source GA4 collected (`collected_traffic_source`,
//! 2023+, or the older `source` parameter), or a Google click id (`gclid`, `dclid`). The
//! visit is its `session_start` event; a `page_view` is one only when it is not the session's
//! landing (`entrances` ≠ 1: a partner link followed inside a running session, which starts
//! no new session in GA4), so a landing is never counted twice. `purchase` events are the
//! conversions. `traffic_source` is the user's *first* acquisition, repeated on every event of
//! the user: no touch of its own, and not read.

use super::{Field, Preset, Skip, TimeFormat, Value, When};
use crate::import::FileKind;

const EVENT: Value = Value::Column(&["event_name"]);
const LANDING: Value = Value::Column(&["event_params.page_location"]);

/// Google's click ids (Ads, Display & Video 360), from GA4's collected traffic source or the
/// landing URL.
const GOOGLE_CLICK_ID: Value = Value::Named(
    "the Google click id",
    &Value::FirstOf(&[
        Value::Column(&["collected_traffic_source.gclid"]),
        Value::UrlParam(&LANDING, "gclid"),
        Value::Column(&["collected_traffic_source.dclid"]),
        Value::UrlParam(&LANDING, "dclid"),
    ]),
);

/// Where a visit came from: the partner its link names, else the campaign source, else
/// Google Ads for a Google click id.
const MARKER: Value = Value::Named(
    "the visit's marker",
    &Value::FirstOf(&[
        Value::Referral(&LANDING),
        Value::Column(&["collected_traffic_source.manual_source"]),
        Value::Column(&["event_params.source"]),
        Value::UrlParam(&LANDING, "utm_source"),
        Value::If(
            When::Set(&GOOGLE_CLICK_ID),
            &Value::Constant("google-ads"),
            &Value::Nothing,
        ),
    ]),
);

const PURCHASE: When = When::Is(&EVENT, &["purchase"]);

/// A visit carrying a marker: a session's start, or a page view that did not start one.
const MARKED_VISIT: When = When::All(&[
    When::Set(&MARKER),
    When::Any(&[
        When::Is(&EVENT, &["session_start"]),
        When::All(&[
            When::Is(&EVENT, &["page_view"]),
            When::Not(&When::Is(
                &Value::Column(&["event_params.entrances"]),
                &["1"],
            )),
        ]),
    ]),
]);

/// The transaction id (GA4 writes `(not set)` for none).
const TRANSACTION_ID: Value = Value::Named(
    "the transaction id",
    &Value::FirstOf(&[
        Value::Column(&["ecommerce.transaction_id"]),
        Value::Column(&["event_params.transaction_id"]),
    ]),
);

/// The presets of this file.
pub(super) static PRESETS: &[Preset] = &[Preset {
    name: "ga4-events",
    family: "ga4-events",
    title: "a GA4 BigQuery events export",
    kind: FileKind::Events,
    recognise: &[&["event_name"], &["event_timestamp"], &["user_pseudo_id"]],
    absent: &[],
    fields: &[
        Field {
            ours: "user",
            value: Value::FirstOf(&[
                Value::Column(&["user_pseudo_id"]),
                Value::Column(&["user_id"]),
            ]),
        },
        Field {
            ours: "time",
            value: Value::Time(&Value::Column(&["event_timestamp"]), TimeFormat::Unix),
        },
        Field {
            ours: "source",
            value: Value::If(PURCHASE, &Value::Nothing, &MARKER),
        },
        Field {
            ours: "conversion",
            value: Value::If(PURCHASE, &Value::Constant("1"), &Value::Constant("0")),
        },
        Field {
            ours: "value",
            value: Value::If(
                PURCHASE,
                &Value::FirstOf(&[
                    Value::Column(&["ecommerce.purchase_revenue"]),
                    Value::Column(&["event_params.value"]),
                ]),
                &Value::Nothing,
            ),
        },
        Field {
            ours: "conversion_id",
            value: Value::If(
                When::Is(&TRANSACTION_ID, &["(not set)"]),
                &Value::Nothing,
                &TRANSACTION_ID,
            ),
        },
        Field {
            ours: "currency",
            value: Value::Upper(&Value::Column(&["event_params.currency"])),
        },
        Field {
            ours: "url",
            value: LANDING,
        },
        Field {
            ours: "click_id",
            value: GOOGLE_CLICK_ID,
        },
        Field {
            ours: "user_id",
            value: Value::Column(&["user_id"]),
        },
        Field {
            ours: "browser",
            value: Value::Column(&["device.web_info.browser", "device.browser"]),
        },
    ],
    skip: Some(Skip {
        when: When::Not(&When::Any(&[PURCHASE, MARKED_VISIT])),
        why: "events that are neither a purchase nor a visit carrying a partner, campaign \
              or click id (page views inside a session, scrolls, a landing's page_view \
              beside its session_start, refunds)",
    }),
    ref_params: &[],
    lacks: "no status (refunds are separate `refund` events, left out: import them as \
            conversions with status refunded); a visit without a marker (direct, organic) \
            is no touch; `traffic_source` is the user's first acquisition, not a visit; \
            campaign names stay in the landing URL; the export needs the `page_location` \
            parameter for partners' links",
    tally: None,
}];
