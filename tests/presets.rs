//! Other platforms' exports (lookalikes in tests/fixtures/platforms/, written from their
//! published column lists): every preset recognises its fixture and stores the expected rows,
//! the stored values credit the partners they should, and bad values are rejected naming the
//! file, line, column and what was expected.

mod common;

use std::path::{Path, PathBuf};

use common::{repo, row, settings, write};
use partner_attribution::attribution::{Methods, compute_credit};
use partner_attribution::import::{
    ColumnMap, FileKind, ImportError, ImportOutcome, ImportRequest, ImportSettings, import_file,
    presets,
};
use partner_attribution::journeys::JourneyIndex;
use partner_attribution::store::{ImportRecord, Store};

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures/platforms").join(name)
}

/// Imports `path` read as `columns` says (a preset, a partner), with default settings.
fn import_with(
    store: &Store,
    path: &Path,
    columns: ColumnMap,
) -> Result<ImportOutcome, ImportError> {
    let request = ImportRequest {
        path: path.to_path_buf(),
        kind: None,
        columns,
    };
    import_file(store, &request, &ImportSettings::default())
}

/// Imports a fixture and returns its record; panics when it was not stored.
fn imported(store: &Store, name: &str, columns: ColumnMap) -> ImportRecord {
    match import_with(store, &fixture(name), columns) {
        Ok(ImportOutcome::Imported(record)) => record,
        other => panic!("{name}: {other:?}"),
    }
}

/// A store holding our partners file (alice ALICE10/ALICESPRING, bob BOB5, carol, dave DAVE20).
fn store_with_partners() -> Store {
    let store = Store::open_in_memory().unwrap();
    imported(&store, "partners.csv", ColumnMap::default());
    store
}

/// One fixture, the preset it is recognised as, and what it stores.
struct Expected {
    file: &'static str,
    partner: Option<&'static str>,
    preset: &'static str,
    kind: &'static str,
    accepted: i64,
    skipped: i64,
}

const fn expected(
    file: &'static str,
    preset: &'static str,
    kind: &'static str,
    accepted: i64,
    skipped: i64,
) -> Expected {
    Expected {
        file,
        partner: None,
        preset,
        kind,
        accepted,
        skipped,
    }
}

const fn partner_side(
    file: &'static str,
    preset: &'static str,
    accepted: i64,
    skipped: i64,
) -> Expected {
    Expected {
        file,
        partner: Some("dave"),
        preset,
        kind: "leads",
        accepted,
        skipped,
    }
}

/// Every fixture: header recognised, rows stored, rows left out, nothing rejected.
const FIXTURES: &[Expected] = &[
    expected(
        "shopify_orders_2025.csv",
        "shopify-orders",
        "conversions",
        8,
        4,
    ),
    expected(
        "shopify_orders_2021.csv",
        "shopify-orders",
        "conversions",
        8,
        4,
    ),
    expected(
        "shopify_orders_subset.csv",
        "shopify-orders",
        "conversions",
        8,
        4,
    ),
    expected(
        "stripe_payments.csv",
        "stripe-payments",
        "conversions",
        6,
        1,
    ),
    expected(
        "stripe_payments_2019_eu.csv",
        "stripe-payments",
        "conversions",
        3,
        0,
    ),
    expected(
        "stripe_payments_subscriptions.csv",
        "stripe-payments",
        "conversions",
        4,
        0,
    ),
    expected("dub_events_clicks.csv", "dub-clicks", "clicks", 5, 0),
    expected("dub_events_leads.csv", "dub-leads", "conversions", 3, 0),
    expected("dub_events_sales.csv", "dub-sales", "conversions", 4, 0),
    expected("dub_commissions.csv", "dub-commissions", "leads", 3, 2),
    partner_side("dub_commissions_cents.csv", "dub-commissions", 2, 1),
    expected(
        "everflow_partner_click_report.csv",
        "everflow-clicks",
        "clicks",
        4,
        0,
    ),
    expected(
        "everflow_conversions.csv",
        "everflow-conversions",
        "conversions",
        3,
        0,
    ),
    partner_side(
        "everflow_partner_conversion_report.csv",
        "everflow-partner-conversions",
        3,
        0,
    ),
    expected(
        "impact_actions_api.csv",
        "impact-actions",
        "conversions",
        3,
        0,
    ),
    expected(
        "impact_action_listing.csv",
        "impact-actions",
        "conversions",
        3,
        0,
    ),
    partner_side("impact_paystub_actions.csv", "impact-paystub-actions", 2, 0),
    expected("pap_transactions.csv", "pap-transactions", "leads", 3, 2),
    expected(
        "tapfiliate_conversions.csv",
        "tapfiliate-conversions",
        "conversions",
        3,
        0,
    ),
    expected(
        "affiliatewp_referrals.csv",
        "affiliatewp-referrals",
        "leads",
        3,
        1,
    ),
    expected(
        "affiliatewp_visits.csv",
        "affiliatewp-visits",
        "clicks",
        3,
        0,
    ),
    expected(
        "rewardful_referrals.csv",
        "rewardful-referrals",
        "leads",
        2,
        1,
    ),
    expected(
        "partnerstack_rewards.csv",
        "partnerstack-rewards",
        "leads",
        2,
        1,
    ),
    expected(
        "firstpromoter_referrals.csv",
        "firstpromoter-referrals",
        "leads",
        2,
        1,
    ),
    partner_side("shareasale_activity.txt", "shareasale-activity", 2, 1),
    expected(
        "cj_publisher_commissions.csv",
        "cj-commissions",
        "leads",
        2,
        1,
    ),
    expected("awin_transactions.csv", "awin-transactions", "leads", 2, 1),
    // 6 visits carrying a partner, campaign or click id and 5 purchases; the other 11 events
    // (landing page views beside their session_start, scrolls, a refund, ...) left out.
    expected("ga4_events.ndjson", "ga4-events", "events", 11, 11),
];

#[test]
fn every_preset_recognises_its_fixture_and_stores_the_expected_rows() {
    let store = store_with_partners();
    let mut report = Vec::new();
    for case in FIXTURES {
        let columns = match case.partner {
            Some(partner) => ColumnMap::default().with_partner(partner),
            None => ColumnMap::default(),
        };
        let record = imported(&store, case.file, columns);
        let header = std::fs::read_to_string(fixture(case.file)).unwrap();
        report.push(format!(
            "{:<40} {:<30} {:<12} {} stored, {} rejected, {} left out | {}",
            case.file,
            record.preset.as_deref().unwrap_or("-"),
            record.kind,
            record.rows_accepted,
            record.rows_rejected,
            record.rows_skipped,
            header.lines().find(|l| !l.starts_with("[[")).unwrap_or("")
        ));
        assert_eq!(
            (
                record.preset.as_deref(),
                record.kind.as_str(),
                record.rows_accepted,
                record.rows_rejected,
                record.rows_skipped
            ),
            (Some(case.preset), case.kind, case.accepted, 0, case.skipped),
            "{}",
            case.file
        );
    }
    println!("{}", report.join("\n"));
    let every_preset: Vec<&str> = presets::all().map(|p| p.name).collect();
    for name in every_preset {
        assert!(
            FIXTURES.iter().any(|case| case.preset == name),
            "no fixture for the preset {name}"
        );
    }
}

/// The stored values of a Shopify export: totals from an order's first row, the offset
/// applied, a partly refunded order's revenue less the refund, the first of several codes.
#[test]
fn a_shopify_order_is_stored_once_with_its_totals_status_and_first_code() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.duckdb");
    {
        let store = Store::open(&db).unwrap();
        let record = imported(&store, "shopify_orders_2025.csv", ColumnMap::default());
        let summary = ImportOutcome::Imported(record).summary();
        assert!(
            summary.contains("recognised a Shopify orders export (preset shopify-orders)")
                && summary.contains("left out 4: further line items of an order"),
            "{summary}"
        );
    }
    assert_eq!(
        conversions(&db),
        vec![
            c("1001", "2026-03-02 14:15:00", 90.0, "ALICE10", "approved"),
            c("1002", "2026-03-03 15:15:00", 1299.0, "", "approved"),
            c("1003", "2026-03-04 16:15:00", 45.0, "BOB5", "approved"),
            c("1004", "2026-03-05 17:15:00", 60.0, "ALICE10", "refunded"),
            c(
                "1005",
                "2026-03-06 18:15:00",
                30.0,
                "UPSELL DISCOUNT",
                "pending"
            ),
            c("1006", "2026-03-07 19:15:00", 20.0, "BOB5", "cancelled"),
            c(
                "1007",
                "2026-03-08 20:15:00",
                75.0,
                "alicespring",
                "approved"
            ),
            c("1008", "2026-03-09 21:15:00", 40.0, "ALICE10", "approved"),
        ]
    );
}

/// A conversion as stored: id, UTC time, revenue, currency or coupon, status.
type Conversion = (String, String, f64, String, String);

fn c(id: &str, at: &str, revenue: f64, text: &str, status: &str) -> Conversion {
    (
        id.to_owned(),
        at.to_owned(),
        revenue,
        text.to_owned(),
        status.to_owned(),
    )
}

/// Every conversion stored in the database file `db` (closed), in import order, with its
/// coupon code.
fn conversions(db: &Path) -> Vec<Conversion> {
    stored_conversions(db, "coalesce(coupon_code, '')")
}

/// Every conversion stored in `db`, with `text` (SQL over `conversions`) as its fourth field.
fn stored_conversions(db: &Path, text: &str) -> Vec<Conversion> {
    let conn = duckdb::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(&format!(
            "SELECT conversion_id, strftime(converted_at, '%Y-%m-%d %H:%M:%S'), revenue, {text},
                    status
             FROM conversions ORDER BY conversion_seq"
        ))
        .unwrap();
    stmt.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// What partners' reports say they earned, as leads: amounts written as `"$308.64"`,
/// integer cents and decimals, dates as ISO, epoch milliseconds and `MM/DD/YYYY hh:mm:ss AM`,
/// references with Post Affiliate Pro's line suffix removed.
#[test]
fn partner_reports_become_leads_with_their_amounts_and_dates() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("leads.duckdb");
    {
        let store = Store::open(&db).unwrap();
        imported(&store, "dub_commissions.csv", ColumnMap::default());
        let dave = || ColumnMap::default().with_partner("dave");
        imported(&store, "dub_commissions_cents.csv", dave());
        imported(&store, "pap_transactions.csv", ColumnMap::default());
        imported(&store, "partnerstack_rewards.csv", ColumnMap::default());
        imported(&store, "shareasale_activity.txt", dave());
        imported(&store, "cj_publisher_commissions.csv", ColumnMap::default());
    }
    let conn = duckdb::Connection::open(&db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT partner_id, strftime(reported_at, '%Y-%m-%d %H:%M:%S'), reference, amount, line
             FROM leads ORDER BY import_id, line",
        )
        .unwrap();
    let leads: Vec<(String, String, String, Option<f64>, i64)> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let lead = |p: &str, at: &str, reference: &str, amount: f64, line: i64| {
        (
            p.to_owned(),
            at.to_owned(),
            reference.to_owned(),
            Some(amount),
            line,
        )
    };
    assert_eq!(
        leads,
        vec![
            lead("alice", "2026-03-09 09:00:05", "in_001", 4.9, 2),
            lead("bob", "2026-03-10 10:00:05", "in_002", 308.64, 3),
            lead("alice", "2026-03-11 10:30:05", "in_003", 1.2, 4),
            lead("dave", "2025-11-02 10:00:00", "in_101", 4.9, 2),
            lead("dave", "2025-11-05 16:20:00", "in_102", 123.46, 3),
            // Line 1 is [[COMMISSIONS]], line 2 the header.
            lead("alice", "2026-03-02 15:15:00", "1001", 9.0, 3),
            lead("bob", "2026-03-04 23:30:00", "1003", 25.0, 4),
            lead("alice", "2026-03-08 16:15:00", "1007", 10.0, 5),
            lead("alice", "2026-03-08 10:00:00", "cus_A001", 25.0, 2),
            lead("bob", "2026-03-09 10:00:00", "cus_B002", 9.8, 3),
            lead("dave", "2026-03-02 15:15:00", "81234501", 9.0, 2),
            lead("dave", "2026-03-04 11:30:00", "81234502", 4.5, 3),
            lead("carol", "2026-03-02 23:00:00", "1001", 7.2, 2),
            lead("carol", "2026-03-08 22:00:00", "1007", 8.0, 3),
        ]
    );
    let note: String = conn
        .query_row(
            "SELECT note FROM imports WHERE preset = 'pap-transactions'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        note,
        "tracking method: 1 cookie (first-party), 1 cookie (third-party), 1 coupon"
    );
}

/// Shopify's CSV has no cookie or click id: its sales are credited through the partners'
/// coupon codes (ALICE10 and the lower-cased alicespring to alice, BOB5 to bob).
#[test]
fn shopify_coupon_codes_credit_their_partners_under_coupon_tracking() {
    let store = store_with_partners();
    imported(&store, "shopify_orders_2025.csv", ColumnMap::default());
    let index = JourneyIndex::build(&store).unwrap();
    let mut by_coupon = settings(Some(30), false, false);
    by_coupon.tracking.methods = Methods::COUPON;
    let rows = compute_credit(&index, &by_coupon).rows(&index);
    let alice = row(&rows, "alice", "last");
    // 1001, 1004 (refunded: credited, no payout), 1007 (100 − 25 refunded), 1008.
    assert_eq!((alice.conversions, alice.revenue), (4.0, 265.0));
    assert!((alice.payout - 20.5).abs() < 1e-9, "{alice:?}");
    let bob = row(&rows, "bob", "last");
    // 1003 and the cancelled 1006; a flat 25.00 for 1003 only.
    assert_eq!(
        (bob.conversions, bob.revenue, bob.payout),
        (2.0, 65.0, 25.0)
    );
    let mut cookies_only = settings(Some(30), false, false);
    cookies_only.tracking.methods = Methods::COOKIE;
    let without = compute_credit(&index, &cookies_only).rows(&index);
    assert_eq!(row(&without, "alice", "last").conversions, 0.0);
}

/// dub keeps its click id in the Stripe payment (`Client Reference ID` dub_id_…, or a
/// `dub_id (metadata)` column): under server-side tracking the payments credit the
/// partners whose dub links were clicked (partner read from `?via=` in dub's export).
#[test]
fn stripe_metadata_click_ids_link_payments_to_dub_clicks_under_server_side_tracking() {
    let store = store_with_partners();
    imported(&store, "dub_events_clicks.csv", ColumnMap::default());
    imported(&store, "stripe_payments.csv", ColumnMap::default());
    let index = JourneyIndex::build(&store).unwrap();
    let mut server_side = settings(Some(30), false, false);
    server_side.tracking.methods = Methods::CLICK_ID;
    let rows = compute_credit(&index, &server_side).rows(&index);
    let credited = |source: &str| {
        let r = row(&rows, source, "last");
        (r.conversions, r.revenue, (r.payout * 100.0).round() / 100.0)
    };
    // ch_3Lk001 (Client Reference ID dub_id_clk001) and the refunded ch_3Lk003 (clk003).
    assert_eq!(credited("alice"), (2.0, 129.0, 4.9));
    assert_eq!(credited("bob"), (1.0, 120.0, 25.0));
    // py_3Lk007, a SEPA payment with dub_id_clk005.
    assert_eq!(credited("carol"), (1.0, 15.0, 1.2));
    let mut cookies_only = settings(Some(30), false, false);
    cookies_only.tracking.methods = Methods::COOKIE;
    let without = compute_credit(&index, &cookies_only).rows(&index);
    assert_eq!(row(&without, "alice", "last").conversions, 0.0);
}

/// Everflow's `transaction_id` is the click id of its click report: a partner's own click
/// report (named with --partner) and the network's conversions link by it.
#[test]
fn everflow_transaction_ids_link_conversions_to_a_partner_s_clicks() {
    let store = store_with_partners();
    let clicks = imported(
        &store,
        "everflow_partner_click_report.csv",
        ColumnMap::default().with_partner("dave"),
    );
    assert_eq!(clicks.rows_accepted, 4);
    imported(&store, "everflow_conversions.csv", ColumnMap::default());
    let index = JourneyIndex::build(&store).unwrap();
    let mut server_side = settings(Some(30), false, false);
    server_side.tracking.methods = Methods::CLICK_ID;
    let rows = compute_credit(&index, &server_side).rows(&index);
    let dave = row(&rows, "dave", "last");
    // EF-1001 (59.90, approved), EF-1002 (.00, pending) and EF-0999 (120.00, rejected).
    assert_eq!((dave.conversions, dave.revenue), (3.0, 179.9));
}

/// A bad value in a platform's column is rejected naming the file, its line, the file's own
/// column and what was expected; the other rows are stored.
#[test]
fn bad_values_are_rejected_naming_file_line_column_and_expectation() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_memory().unwrap();
    let path = write(
        dir.path(),
        "orders_export.csv",
        "Name,Email,Financial Status,Currency,Subtotal,Total,Discount Code,Created at,Lineitem name\n\
         #1,a@example.com,paid,USD,10.00,12.00,,2026-03-02 09:15:00 -0500,Mug\n\
         #2,b@example.com,paid,USD,ten dollars,12.00,,2026-03-02 10:15:00 -0500,Mug\n\
         #3,c@example.com,paid,USD,10.00,12.00,,03/02/2026 11:15,Mug\n\
         #4,d@example.com,settled,USD,10.00,12.00,,2026-03-02 12:15:00 -0500,Mug\n\
         #4,d@example.com,,,,,,2026-03-02 12:15:00 -0500,Spoon\n\
         #5,e@example.com,paid,USD,'-$5.00,12.00,,2026-03-02 13:15:00 -0500,Mug\n",
    );
    let record = match import_with(&store, &path, ColumnMap::default()).unwrap() {
        ImportOutcome::Imported(record) => record,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        (
            record.rows_accepted,
            record.rows_rejected,
            record.rows_skipped
        ),
        (1, 4, 1)
    );
    let rejects: Vec<(Option<i64>, Option<String>, String, String)> = store
        .rejects(10)
        .unwrap()
        .into_iter()
        .map(|r| (r.line, r.column, r.reason, r.file_name))
        .collect();
    let expected = [
        (
            3,
            "Subtotal",
            "expected a number like 49.90, found 'ten dollars'",
        ),
        (
            4,
            "Created at",
            "expected a timestamp like 2026-07-01T12:00:00Z, found '03/02/2026 11:15'",
        ),
        (
            5,
            "Financial Status",
            "expected approved, pending, refunded or cancelled, found 'settled'",
        ),
        (7, "Subtotal", "expected a revenue of 0 or more"),
    ];
    assert_eq!(rejects.len(), expected.len(), "{rejects:#?}");
    for ((line, column, reason, file), (want_line, want_column, want_reason)) in
        rejects.iter().zip(expected)
    {
        assert_eq!(
            (line, column.as_deref(), file.as_str()),
            (&Some(want_line), Some(want_column), "orders_export.csv"),
            "{reason}"
        );
        assert!(
            reason.contains(want_reason),
            "{reason:?} lacks {want_reason:?}"
        );
    }
}

/// A named preset that does not exist, one that does not fit the file, a kind it does not
/// read, and a partner's own report without --partner: each refused with a message naming
/// the preset and the file, the database unchanged.
#[test]
fn a_preset_that_cannot_read_the_file_is_refused_and_changes_nothing() {
    let store = store_with_partners();
    let before = (store.counts().unwrap(), store.import_history().unwrap());
    let stripe = fixture("stripe_payments.csv");
    let refusal = |path: &Path, kind: Option<FileKind>, columns: ColumnMap| {
        let request = ImportRequest {
            path: path.to_path_buf(),
            kind,
            columns,
        };
        let error = import_file(&store, &request, &ImportSettings::default()).unwrap_err();
        let message = error.to_string();
        assert!(
            message.ends_with(&format!("({})", path.display())),
            "{message}"
        );
        message
    };
    let unknown = refusal(&stripe, None, ColumnMap::default().with_preset("stripe"));
    assert!(
        unknown.contains("unknown preset 'stripe'") && unknown.contains("stripe-payments"),
        "{unknown}"
    );
    let misfit = refusal(
        &stripe,
        None,
        ColumnMap::default().with_preset("shopify-orders"),
    );
    assert!(
        misfit.contains("the file is not a Shopify orders export (preset shopify-orders)")
            && misfit.contains("it lacks `Name`"),
        "{misfit}"
    );
    let kind = refusal(
        &stripe,
        Some(FileKind::Clicks),
        ColumnMap::default().with_preset("stripe-payments"),
    );
    assert!(
        kind.contains("reads conversions files, not clicks"),
        "{kind}"
    );
    let own_report = refusal(
        &fixture("shareasale_activity.txt"),
        None,
        ColumnMap::default(),
    );
    assert!(
        own_report.contains("this is a partner's own report")
            && own_report.contains("--partner ID"),
        "{own_report}"
    );
    assert_eq!(
        (store.counts().unwrap(), store.import_history().unwrap()),
        before
    );
}

/// `--preset dub-events` names the family: the layout of the file picks its member; amounts
/// written as `$1,234.56`, `€12.00` and `¥1,000` give their amounts and currencies.
#[test]
fn a_family_name_picks_the_layout_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("dub.duckdb");
    {
        let store = Store::open(&db).unwrap();
        let record = imported(
            &store,
            "dub_events_sales.csv",
            ColumnMap::default().with_preset("dub-events"),
        );
        assert_eq!(record.preset.as_deref(), Some("dub-sales"));
    }
    assert_eq!(
        stored_conversions(&db, "currency"),
        vec![
            c("evt_s001", "2026-03-09 09:00:00", 49.0, "USD", "approved"),
            c(
                "evt_s002",
                "2026-03-10 10:00:00",
                1234.56,
                "USD",
                "approved"
            ),
            c("evt_s003", "2026-03-11 10:30:00", 12.0, "EUR", "approved"),
            c("evt_s004", "2026-03-12 12:00:00", 1000.0, "JPY", "approved"),
        ]
    );
}

/// Stripe's older `Created (UTC)` layout with decimal commas (`1.234,56`, `0,25`): read as
/// UTC, amounts as written, a payment refunded in full stored as refunded.
#[test]
fn stripe_s_older_layout_and_decimal_commas_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("stripe.duckdb");
    {
        let store = Store::open(&db).unwrap();
        imported(&store, "stripe_payments_2019_eu.csv", ColumnMap::default());
    }
    assert_eq!(
        stored_conversions(&db, "coalesce(click_id, '')"),
        vec![
            c(
                "ch_1Ek101",
                "2019-05-01 10:30:00",
                1234.56,
                "ev-tx-0001",
                "approved"
            ),
            c("ch_1Ek102", "2019-05-02 11:45:00", 0.25, "", "approved"),
            c("ch_1Ek103", "2019-05-03 09:05:00", 19.9, "", "refunded"),
        ]
    );
}

/// Stripe payments of subscriptions keep their `subscription (metadata)` as the subscription
/// id (a one-off payment has none), and the journey index carries it.
#[test]
fn stripe_subscription_ids_are_kept_for_recurring_commissions() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("stripe.duckdb");
    {
        let store = Store::open(&db).unwrap();
        imported(
            &store,
            "stripe_payments_subscriptions.csv",
            ColumnMap::default(),
        );
        let index = JourneyIndex::build(&store).unwrap();
        let subscriptions: Vec<Option<&str>> = index
            .conversions
            .iter()
            .map(|c| c.subscription_id.as_deref())
            .collect();
        assert_eq!(
            subscriptions,
            vec![
                Some("sub_1Sb001"),
                Some("sub_1Sb001"),
                Some("sub_1Sb002"),
                None
            ]
        );
    }
    assert_eq!(
        stored_conversions(&db, "coalesce(subscription_id, '')"),
        vec![
            c(
                "ch_3Sb001",
                "2026-01-15 09:00:00",
                29.0,
                "sub_1Sb001",
                "approved"
            ),
            c(
                "ch_3Sb002",
                "2026-02-15 09:00:00",
                29.0,
                "sub_1Sb001",
                "approved"
            ),
            c(
                "ch_3Sb003",
                "2026-01-20 10:00:00",
                99.0,
                "sub_1Sb002",
                "approved"
            ),
            c("ch_3Sb004", "2026-01-21 11:00:00", 15.0, "", "approved"),
        ]
    );
}

/// A mapping saved under a name reads a file with unknown columns; the import records it.
#[test]
fn a_saved_mapping_is_a_preset_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_memory().unwrap();
    let pairs = ColumnMap::parse("conversion_id=order no,converted_at=when,revenue=total")
        .unwrap()
        .pairs;
    store
        .save_preset("my-shop", FileKind::Conversions.key(), &pairs)
        .unwrap();
    let path = write(
        dir.path(),
        "shop.csv",
        "Order No,When,Total\nA-1,2026-03-01T10:00:00Z,10.00\nA-2,2026-03-02T10:00:00Z,20.00\n",
    );
    let outcome = import_with(&store, &path, ColumnMap::default().with_preset("my-shop")).unwrap();
    assert!(
        outcome
            .summary()
            .contains("read with the saved preset 'my-shop'"),
        "{}",
        outcome.summary()
    );
    assert_eq!(
        (
            outcome.record().rows_accepted,
            outcome.record().preset.as_deref()
        ),
        (2, Some("my-shop"))
    );
    assert_eq!(store.saved_presets().unwrap().len(), 1);
}

/// Header names and values are data: a metadata column named like SQL and values full of
/// quotes are read as text, and the tables stay whole.
#[test]
fn header_names_and_values_never_become_sql() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_memory().unwrap();
    let path = write(
        dir.path(),
        "unified_payments.csv",
        "id,Created date (UTC),Amount,Amount Refunded,Currency,Status,\"x'); DROP TABLE conversions; -- (metadata)\",dub_id (metadata)\n\
         ch_1,2026-03-10 10:00:00,5.00,0.00,usd,Paid,\"'); DROP TABLE partners; --\",\"it's'); --\"\n",
    );
    let record = import_with(&store, &path, ColumnMap::default())
        .unwrap()
        .record()
        .clone();
    assert_eq!((record.rows_accepted, record.rows_rejected), (1, 0));
    assert_eq!(store.counts().unwrap().conversions, 1);
    assert_eq!(store.counts().unwrap().partners, 0);
}

/// A database of schema version 5 gets version 6's columns and table when opened; its
/// history reads with no preset.
#[test]
fn a_version_5_database_gains_the_preset_columns() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.duckdb");
    {
        let store = Store::open(&db).unwrap();
        imported(&store, "partners.csv", ColumnMap::default());
    }
    {
        let conn = duckdb::Connection::open(&db).unwrap();
        conn.execute_batch(
            "ALTER TABLE imports DROP COLUMN preset;
             ALTER TABLE imports DROP COLUMN rows_skipped;
             ALTER TABLE imports DROP COLUMN note;
             DROP TABLE import_presets;
             UPDATE schema_version SET version = 5;",
        )
        .unwrap();
    }
    let store = Store::open(&db).unwrap();
    let history = store.import_history().unwrap();
    assert_eq!(
        (
            history.len(),
            history[0].preset.clone(),
            history[0].rows_skipped
        ),
        (1, None, 0)
    );
    imported(&store, "shopify_orders_2025.csv", ColumnMap::default());
    assert!(store.saved_presets().unwrap().is_empty());
}

/// The README's mapping tables are the presets' own descriptions.
#[test]
fn the_readme_shows_every_preset_s_mapping_table() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let tables = presets::markdown_tables();
    assert!(
        readme.contains(tables.trim()),
        "README.md's preset tables differ from presets::markdown_tables(); paste:\n{tables}"
    );
}

/// Runs the command line with `args`; its exit status and stdout.
fn cli(args: &[&str]) -> (bool, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_partner-attribution"))
        .args(args)
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `import --save-preset` keeps a mapping in the database, `--list-presets` shows it beside
/// the built-in ones with the columns each needs, and `--preset NAME` reads a file with it.
#[test]
fn the_command_line_saves_lists_and_uses_presets() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("programme.duckdb");
    let db = db.to_str().unwrap();
    let (ok, out, err) = cli(&[
        "import",
        "--db",
        db,
        "--kind",
        "leads",
        "--columns",
        "partner_id=Affiliate,reported_at=Day,reference=Order",
        "--save-preset",
        "network-x",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("saved preset 'network-x'"), "{out}");
    let (ok, out, _) = cli(&["import", "--db", db, "--list-presets"]);
    assert!(ok);
    assert!(
        out.contains("shopify-orders") && out.contains("needs Name, Created at, Subtotal, Total"),
        "{out}"
    );
    assert!(
        out.contains("network-x") && out.contains("reference ← order"),
        "{out}"
    );
    let file = write(
        dir.path(),
        "network_x.csv",
        "Affiliate,Day,Order,Paid\nalice,2026-03-02,1001,9.00\nbob,2026-03-04,1003,4.50\n",
    );
    let (ok, out, err) = cli(&[
        "import",
        "--db",
        db,
        "--preset",
        "network-x",
        file.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("read with the saved preset 'network-x'; imported 2 leads rows"),
        "{out}"
    );
    let (ok, _, err) = cli(&[
        "import",
        "--db",
        db,
        "--kind",
        "leads",
        "--columns",
        "partner_id=a",
        "--save-preset",
        "shopify-orders",
    ]);
    assert!(
        !ok && err.contains("a built-in preset has that name"),
        "{err}"
    );
}

/// The mapping dialog's preview: an export with unknown columns gets a suggested kind and
/// mapping by name, and its first rows are shown as they would be stored, the bad one with
/// its column and reason; nothing is stored.
#[test]
fn an_unknown_export_is_previewed_with_suggested_columns_and_nothing_stored() {
    use partner_attribution::import::{RowFate, preview_file, suggest_kind};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_memory().unwrap();
    let path = write(
        dir.path(),
        "orders_from_somewhere.csv",
        "Order No,Placed At,Grand Total,Promo Code,Buyer\n\
         A-1,2026-03-01 10:00:00 +0100,10.50,ALICE10,u1\n\
         A-2,2026-03-02 11:00:00 +0100,lots,,u2\n\
         A-3,2026-03-03 12:00:00 +0100,7.00,BOB5,u3\n",
    );
    let header: Vec<String> = [
        "Order No",
        "Placed At",
        "Grand Total",
        "Promo Code",
        "Buyer",
    ]
    .map(String::from)
    .to_vec();
    let (kind, mapping) = suggest_kind(&header);
    assert_eq!(kind, FileKind::Conversions);
    assert_eq!(
        mapping.pairs_text(),
        "conversion_id=order no,converted_at=placed at,coupon_code=promo code,revenue=grand total"
    );
    let request = ImportRequest {
        path: path.clone(),
        kind: Some(kind),
        columns: mapping,
    };
    let preview = preview_file(&store, &request, &ImportSettings::default(), 20).unwrap();
    assert_eq!(preview.kind, FileKind::Conversions);
    assert_eq!(preview.rows.len(), 3);
    assert_eq!(
        preview.columns[..3],
        ["conversion_id", "converted_at", "revenue"]
    );
    assert_eq!(
        preview.rows[0].values[..3],
        [
            Some("A-1".to_owned()),
            Some("2026-03-01 09:00:00".to_owned()),
            Some("10.5".to_owned())
        ]
    );
    assert_eq!(preview.rows[0].fate, RowFate::Stored);
    assert_eq!(
        (preview.rows[1].line, &preview.rows[1].fate),
        (
            3,
            &RowFate::Rejected {
                column: "Grand Total".to_owned(),
                reason: "expected a number like 49.90, found 'lots'".to_owned()
            }
        )
    );
    assert_eq!(store.counts().unwrap().conversions, 0);
    assert!(store.import_history().unwrap().is_empty());
    // A preset's left-out rows are shown as such.
    let shopify = ImportRequest::detect(fixture("shopify_orders_2025.csv"));
    let preview = preview_file(&store, &shopify, &ImportSettings::default(), 20).unwrap();
    assert_eq!(preview.preset.as_deref(), Some("shopify-orders"));
    let left_out = preview
        .rows
        .iter()
        .filter(|r| r.fate == RowFate::LeftOut)
        .count();
    assert_eq!((preview.rows.len(), left_out), (12, 4));
}

/// A click file whose links use `via=`, which the programme does not read: the rejects name
/// it, and reading it as a referral parameter stores those rows (the window's offer).
#[test]
fn a_referral_parameter_the_rejects_name_can_be_read_and_the_rows_read_again() {
    use partner_attribution::programme::read_ref_param_again;
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_partners();
    let path = write(
        dir.path(),
        "clicks.csv",
        "clicked_at,url,click_id\n\
         2026-03-01T10:00:00Z,https://shop.example.com/?ref=alice,k1\n\
         2026-03-01T11:00:00Z,https://shop.example.com/?via=bob,k2\n\
         2026-03-01T12:00:00Z,https://shop.example.com/?via=carol&utm_source=x,k3\n",
    );
    let first = imported_path(&store, &path);
    assert_eq!((first.rows_accepted, first.rows_rejected), (1, 2));
    assert_eq!(
        store.unread_ref_params(first.import_id).unwrap(),
        vec![("via".to_owned(), 2)]
    );
    let again = read_ref_param_again(&store, first.import_id, "via").unwrap();
    let record = again.record();
    assert_eq!((record.rows_accepted, record.rows_rejected), (3, 0));
    assert_eq!(
        store.import_history().unwrap().len(),
        2,
        "partners and the clicks again"
    );
    assert_eq!(
        store.programme_setting("ref_params").unwrap().as_deref(),
        Some("ref,via")
    );
}

fn imported_path(store: &Store, path: &Path) -> ImportRecord {
    match import_with(store, path, ColumnMap::default()).unwrap() {
        ImportOutcome::Imported(record) => record,
        other => panic!("{other:?}"),
    }
}

/// The GA4 fixture's events written as Parquet with GA4's nested types (STRUCT, lists of
/// key/value records), by DuckDB, from `ga4_events_parquet.sql` (which make_fixtures.py writes
/// beside the JSON from the same events).
fn ga4_parquet(dir: &Path) -> PathBuf {
    let path = dir.join("ga4_events.parquet");
    let script = std::fs::read_to_string(fixture("ga4_events_parquet.sql")).unwrap();
    let conn = duckdb::Connection::open_in_memory().unwrap();
    conn.execute_batch(&script.replace("{parquet}", path.to_str().unwrap()))
        .unwrap();
    path
}

/// The GA4 fixture gzip'd, as BigQuery exports to Cloud Storage write it
/// (`ga4_events.json.gz`).
fn ga4_gzipped(dir: &Path) -> PathBuf {
    use std::io::Write;
    let path = dir.join("ga4_events.json.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&path).unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(&std::fs::read(fixture("ga4_events.ndjson")).unwrap())
        .unwrap();
    gz.finish().unwrap();
    path
}

/// A touch as stored: partner or channel, time, click id, cookie, user id, browser.
type Touch = (String, String, String, String, String, String);

fn stored_touches(db: &Path) -> Vec<Touch> {
    let conn = duckdb::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT coalesce(partner_id, channel), strftime(touched_at, '%Y-%m-%d %H:%M:%S'),
                    coalesce(click_id, ''), coalesce(cookie_id, ''), coalesce(user_id, ''),
                    coalesce(browser, '')
             FROM touches ORDER BY touch_seq",
        )
        .unwrap();
    stmt.query_map([], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        ))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn t(source: &str, at: &str, click_id: &str, cookie: &str, user: &str, browser: &str) -> Touch {
    (
        source.to_owned(),
        at.to_owned(),
        click_id.to_owned(),
        cookie.to_owned(),
        user.to_owned(),
        browser.to_owned(),
    )
}

/// GA4's BigQuery export, as newline-delimited JSON (plain or gzip'd) and as Parquet, is read
/// as an event log: a visit carrying a partner's link (`?ref=`), a campaign or a Google click
/// id is a touch (once, though GA4 logs a landing as session_start and page_view), a purchase
/// is a conversion with its transaction id, revenue and currency; the microsecond timestamps
/// are UTC. Alice's and carol's links, and bob's followed inside a newsletter session, take
/// the credit they should.
#[test]
fn ga4_events_as_json_or_parquet_are_an_event_log_that_credits_partners() {
    let dir = tempfile::tempdir().unwrap();
    let parquet = ga4_parquet(dir.path());
    let gzipped = ga4_gzipped(dir.path());
    let files = [fixture("ga4_events.ndjson"), gzipped, parquet];
    for (i, file) in files.iter().enumerate() {
        let db = dir.path().join(format!("ga4-{i}.duckdb"));
        {
            let store = store_at(&db);
            let outcome = import_with(&store, file, ColumnMap::default()).unwrap();
            let summary = outcome.summary();
            assert!(
                summary.contains(
                    "recognised a GA4 BigQuery events export (preset ga4-events); imported 11 \
                     events rows, rejected 0, left out 11: events that are neither a purchase"
                ),
                "{summary}"
            );
            ga4_credit_is_as_expected(&store, file);
        }
        let (u1, u2, u3, u5) = (
            "1234567890.1772380800",
            "2233445566.1772442000",
            "3344556677.1772528400",
            "5566778899.1772701200",
        );
        assert_eq!(
            stored_touches(&db),
            vec![
                t("alice", "2026-03-02 10:00:00", "", u1, "", "Chrome"),
                t("newsletter", "2026-03-03 09:00:00", "", u2, "", "Safari"),
                t("bob", "2026-03-03 09:05:00", "", u2, "", "Safari"),
                t(
                    "google-ads",
                    "2026-03-04 14:00:00",
                    "Cj0KCQiA-lookalike-1",
                    u3,
                    "cust-77",
                    "Firefox"
                ),
                t("carol", "2026-03-05 19:00:00", "", u1, "", "Chrome"),
                t("bing", "2026-03-07 16:00:00", "", u5, "", "Edge"),
            ],
            "{}",
            file.display()
        );
        assert_eq!(
            stored_conversions(&db, "coalesce(currency, '')"),
            vec![
                c("T-1001", "2026-03-02 10:20:00", 90.0, "USD", "approved"),
                c("T-1002", "2026-03-03 09:30:00", 45.0, "USD", "approved"),
                c(
                    "ga4_events:14",
                    "2026-03-05 08:10:00",
                    12.5,
                    "EUR",
                    "approved"
                ),
                c("T-1004", "2026-03-06 11:15:00", 30.0, "USD", "approved"),
                c("T-1005", "2026-03-05 19:40:00", 100.0, "USD", "approved"),
            ],
            "{}",
            file.display()
        );
    }
}

/// A store in the database file `db`, holding our partners file.
fn store_at(db: &Path) -> Store {
    let store = Store::open(db).unwrap();
    imported(&store, "partners.csv", ColumnMap::default());
    store
}

/// Last touch: alice T-1001 (90, 10%), bob T-1002 (45, flat 25.00; the newsletter came
/// first), carol T-1005 (100, 8%), Google Ads the purchase of u3; first touch: alice both
/// of u1's purchases. T-1004 (direct) is nobody's.
fn ga4_credit_is_as_expected(store: &Store, file: &Path) {
    let index = JourneyIndex::build(store).unwrap();
    let rows = compute_credit(&index, &settings(Some(30), false, false)).rows(&index);
    let credited = |source: &str, model: &str| {
        let r = row(&rows, source, model);
        (r.conversions, r.revenue, (r.payout * 100.0).round() / 100.0)
    };
    let file = file.display();
    assert_eq!(credited("alice", "last"), (1.0, 90.0, 9.0), "{file}");
    assert_eq!(credited("bob", "last"), (1.0, 45.0, 25.0), "{file}");
    assert_eq!(credited("carol", "last"), (1.0, 100.0, 8.0), "{file}");
    assert_eq!(credited("google-ads", "last"), (1.0, 12.5, 0.0), "{file}");
    assert_eq!(credited("alice", "first"), (2.0, 190.0, 19.0), "{file}");
    assert_eq!(credited("newsletter", "first"), (1.0, 45.0, 0.0), "{file}");
    assert_eq!(credited("bob", "linear"), (0.5, 22.5, 12.5), "{file}");
}

/// A JSON line that holds no record (broken JSON, an array, a blank line between records) is
/// a rejected row with its line; a purchase logged twice with one transaction id is rejected
/// as a duplicate; keys and field names that look like SQL are data.
#[test]
fn bad_json_lines_and_repeated_purchases_are_rejected_with_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_partners();
    let event = |name: &str, micros: &str, params: &str, ecommerce: &str| {
        format!(
            r#"{{"event_name":"{name}","event_timestamp":"{micros}","user_pseudo_id":"u.1","event_params":[{params}],"ecommerce":{ecommerce}}}"#
        )
    };
    let landing = r#"{"key":"page_location","value":{"string_value":"https://shop.example.com/?ref=alice"}},{"key":"x'); DROP TABLE touches; --","value":{"int_value":"1"}}"#;
    let sale = r#"{"transaction_id":"T-9","purchase_revenue":20.0}"#;
    let lines = [
        event("session_start", "1772445600000000", landing, "null"),
        r#"{"event_name":"purchase","event_timestamp":"#.to_owned(),
        String::new(),
        "[1,2,3]".to_owned(),
        event("purchase", "1772446800000000", "", sale),
        event("purchase", "1772446801000000", "", sale),
        String::new(),
    ];
    let path = write(
        dir.path(),
        "events_20260302.json",
        &(lines.join("\n") + "\n"),
    );
    let record = imported_path(&store, &path);
    assert_eq!(
        (
            record.preset.as_deref(),
            record.rows_accepted,
            record.rows_rejected,
            record.rows_skipped
        ),
        (Some("ga4-events"), 2, 4, 0)
    );
    let rejects: Vec<(Option<i64>, String)> = store
        .rejects(10)
        .unwrap()
        .into_iter()
        .map(|r| (r.line, r.reason))
        .collect();
    let expected = [
        (2, "expected a JSON object on the line: EOF while parsing"),
        (3, "expected a JSON object, found an empty line"),
        (
            4,
            "expected a JSON object ({…}) on the line, found an array",
        ),
        (
            6,
            "duplicate conversion_id 'T-9': already on line 5 of this file",
        ),
    ];
    assert_eq!(rejects.len(), expected.len(), "{rejects:#?}");
    for ((line, reason), (want_line, want_reason)) in rejects.iter().zip(expected) {
        assert_eq!(*line, Some(want_line), "{reason}");
        assert!(
            reason.contains(want_reason),
            "{reason:?} lacks {want_reason:?}"
        );
    }
    let counts = store.counts().unwrap();
    assert_eq!(
        (counts.touches, counts.conversions, counts.partners),
        (1, 1, 4)
    );
}

/// impact.com's actions carry the promo code used (`PromoCode` in the API layout, `Promo
/// Code` in the Action Listing): under coupon tracking ALICE10 credits alice with IMP-9302 and
/// BOB5 bob with IMP-9218; the other actions name no code and stay nobody's.
#[test]
fn impact_promo_codes_credit_their_partners_under_coupon_tracking() {
    let store = store_with_partners();
    imported(&store, "impact_action_listing.csv", ColumnMap::default());
    imported(&store, "impact_actions_api.csv", ColumnMap::default());
    let index = JourneyIndex::build(&store).unwrap();
    let mut by_coupon = settings(Some(30), false, false);
    by_coupon.tracking.methods = Methods::COUPON;
    let rows = compute_credit(&index, &by_coupon).rows(&index);
    let alice = row(&rows, "alice", "last");
    assert_eq!((alice.conversions, alice.revenue), (1.0, 35.5));
    let bob = row(&rows, "bob", "last");
    assert_eq!((bob.conversions, bob.revenue), (1.0, 43.69));
    let credited: f64 = rows
        .iter()
        .filter(|r| r.model == "last")
        .map(|r| r.conversions)
        .sum();
    assert_eq!(credited, 2.0, "{rows:#?}");
}

/// The command line says which preset read each file, and lists GA4's among the presets.
#[test]
fn the_command_line_says_which_preset_it_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("programme.duckdb");
    let shopify = fixture("shopify_orders_2025.csv");
    let ga4 = fixture("ga4_events.ndjson");
    let (ok, out, err) = cli(&[
        "import",
        "--db",
        db.to_str().unwrap(),
        shopify.to_str().unwrap(),
        ga4.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains(
            "shopify_orders_2025.csv: recognised a Shopify orders export (preset \
             shopify-orders); imported 8 conversions rows, rejected 0, left out 4"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "ga4_events.ndjson: recognised a GA4 BigQuery events export (preset ga4-events); \
             imported 11 events rows, rejected 0, left out 11"
        ),
        "{out}"
    );
    let (ok, out, _) = cli(&["import", "--list-presets"]);
    assert!(ok);
    assert!(
        out.contains("ga4-events")
            && out.contains("needs event_name, event_timestamp, user_pseudo_id"),
        "{out}"
    );
}

/// dub's sales carry the click id of the dub link clicked: under server-side tracking they
/// credit the partner that link names (`?via=`), the link without one its channel.
#[test]
fn dub_sales_credit_the_partner_of_the_dub_link_clicked() {
    let store = store_with_partners();
    imported(&store, "dub_events_clicks.csv", ColumnMap::default());
    imported(&store, "dub_events_sales.csv", ColumnMap::default());
    let index = JourneyIndex::build(&store).unwrap();
    let mut server_side = settings(Some(30), false, false);
    server_side.tracking.methods = Methods::CLICK_ID;
    let rows = compute_credit(&index, &server_side).rows(&index);
    let credited = |source: &str| {
        let r = row(&rows, source, "last");
        (r.conversions, r.revenue, (r.payout * 100.0).round() / 100.0)
    };
    // evt_s001 ($49.00, clk001) and evt_s003 (€12.00, clk003, a QR scan of alice's link).
    assert_eq!(credited("alice"), (2.0, 61.0, 6.1));
    assert_eq!(credited("bob"), (1.0, 1234.56, 25.0));
    assert_eq!(credited("dub.sh/spring"), (1.0, 1000.0, 0.0));
}

/// Field names and keys of a nested Parquet file are data too: a struct field and an
/// event parameter's key written like SQL reach DuckDB only as quoted literals, and the
/// tables stay whole.
#[test]
fn nested_parquet_names_and_keys_never_become_sql() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events_20260302.parquet");
    let conn = duckdb::Connection::open_in_memory().unwrap();
    conn.execute_batch(&format!(
        r#"COPY (SELECT 'session_start' AS event_name, 1772445600000000 AS event_timestamp,
                       'u.1' AS user_pseudo_id,
                       [{{'key': 'page_location',
                          'value': {{'string_value': 'https://shop.example.com/?ref=alice'}}}},
                        {{'key': 'x''); DROP TABLE partners; --',
                          'value': {{'string_value': 'it''s'}}}}] AS event_params,
                       {{'y''); DROP TABLE touches; --': 'v'}} AS device)
           TO '{}' (FORMAT parquet)"#,
        path.display()
    ))
    .unwrap();
    let store = store_with_partners();
    let record = imported_path(&store, &path);
    assert_eq!(
        (
            record.preset.as_deref(),
            record.rows_accepted,
            record.rows_rejected
        ),
        (Some("ga4-events"), 1, 0)
    );
    let counts = store.counts().unwrap();
    assert_eq!((counts.partners, counts.touches), (4, 1));
}
