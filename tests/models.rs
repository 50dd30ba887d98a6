//! The three models on hand-built journeys, through the real importer and index, with the
//! expected numbers written out. Each case also checks the SQL version gives the same.

mod common;

use common::{assert_rows_agree, import, row, settings, write};
use partner_attribution::attribution::{AttributionSettings, CreditRow, compute_credit};
use partner_attribution::import::FileKind;
use partner_attribution::journeys::JourneyIndex;
use partner_attribution::store::Store;

const PARTNERS: &str =
    "partner_id,name,commission\nalpha,Alpha Reviews,10%\nbeta,Beta Deals,5.00\n";

/// Imports the partners above plus the given clicks and conversions into a fresh database.
fn programme(clicks: &str, conversions: &str) -> (Store, JourneyIndex, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_memory().unwrap();
    import(
        &store,
        &write(dir.path(), "partners.csv", PARTNERS),
        Some(FileKind::Partners),
    )
    .unwrap();
    import(
        &store,
        &write(dir.path(), "clicks.csv", clicks),
        Some(FileKind::Clicks),
    )
    .unwrap();
    import(
        &store,
        &write(dir.path(), "conversions.csv", conversions),
        Some(FileKind::Conversions),
    )
    .unwrap();
    let index = JourneyIndex::build(&store).unwrap();
    (store, index, dir)
}

/// Credit rows from the engine, checked against the SQL version.
fn credit(store: &Store, index: &JourneyIndex, settings: &AttributionSettings) -> Vec<CreditRow> {
    let rows = compute_credit(index, settings).rows(index);
    assert_rows_agree(&rows, &store.sql_credit_rows(settings).unwrap(), 1e-12);
    rows
}

fn assert_credit(
    rows: &[CreditRow],
    source: &str,
    model: &str,
    conversions: f64,
    revenue: f64,
    payout: f64,
) {
    let r = row(rows, source, model);
    assert!(
        (r.conversions - conversions).abs() < 1e-9
            && (r.revenue - revenue).abs() < 1e-9
            && (r.payout - payout).abs() < 1e-9,
        "{source}/{model}: expected ({conversions}, {revenue}, {payout}), got {r:?}"
    );
}

#[test]
fn ties_at_the_same_instant_go_by_input_order() {
    let (store, index, _dir) = programme(
        "clicked_at,partner_id,channel,cookie_id\n\
         2026-07-01T10:00:00Z,alpha,,c1\n\
         2026-07-01T10:00:00Z,beta,,c1\n",
        "conversion_id,converted_at,revenue,cookie_id\no1,2026-07-02T10:00:00Z,100.00,c1\n",
    );
    let rows = credit(&store, &index, &settings(Some(30), false, false));
    assert_credit(&rows, "alpha", "first", 1.0, 100.0, 10.0);
    assert_credit(&rows, "beta", "first", 0.0, 0.0, 0.0);
    assert_credit(&rows, "beta", "last", 1.0, 100.0, 5.0);
    assert_credit(&rows, "alpha", "linear", 0.5, 50.0, 5.0);
    assert_credit(&rows, "beta", "linear", 0.5, 50.0, 2.5);
}

#[test]
fn the_window_boundary_is_inclusive_to_the_second() {
    let (store, index, _dir) = programme(
        "clicked_at,partner_id,cookie_id\n\
         2026-06-01T09:59:59Z,beta,c2\n\
         2026-06-01T10:00:00Z,alpha,c2\n",
        "conversion_id,converted_at,revenue,cookie_id\no2,2026-07-01T10:00:00Z,200.00,c2\n",
    );
    // alpha is exactly 30 days old: it counts at 30 days, beta (30 days + 1 s) does not.
    let rows = credit(&store, &index, &settings(Some(30), false, false));
    assert_credit(&rows, "alpha", "first", 1.0, 200.0, 20.0);
    assert_credit(&rows, "beta", "linear", 0.0, 0.0, 0.0);
    // At 29 days neither counts; at 31 both do.
    let rows = credit(&store, &index, &settings(Some(29), false, false));
    assert_credit(&rows, "alpha", "last", 0.0, 0.0, 0.0);
    let rows = credit(&store, &index, &settings(Some(31), false, false));
    assert_credit(&rows, "beta", "first", 1.0, 200.0, 5.0);
    assert_credit(&rows, "alpha", "last", 1.0, 200.0, 20.0);
}

#[test]
fn a_touch_at_the_conversion_instant_counts_and_a_later_one_never() {
    let (store, index, _dir) = programme(
        "clicked_at,partner_id,cookie_id\n\
         2026-07-01T12:00:00Z,beta,c3\n\
         2026-07-01T12:00:01Z,alpha,c3\n",
        "conversion_id,converted_at,revenue,cookie_id\no3,2026-07-01T12:00:00Z,50.00,c3\n",
    );
    for window in [Some(0), Some(30), None] {
        let rows = credit(&store, &index, &settings(window, false, false));
        assert_credit(&rows, "beta", "last", 1.0, 50.0, 5.0);
        assert_credit(&rows, "alpha", "linear", 0.0, 0.0, 0.0);
    }
}

#[test]
fn reset_after_conversion_stops_touches_being_reused() {
    let (store, index, _dir) = programme(
        "clicked_at,partner_id,channel,cookie_id\n\
         2026-07-01T10:00:00Z,alpha,,c4\n\
         2026-07-03T10:00:00Z,,organic,c4\n",
        "conversion_id,converted_at,revenue,cookie_id\n\
         o4a,2026-07-02T10:00:00Z,80.00,c4\n\
         o4b,2026-07-04T10:00:00Z,120.00,c4\n",
    );
    let rows = credit(&store, &index, &settings(Some(30), false, false));
    assert_credit(&rows, "alpha", "first", 2.0, 200.0, 20.0);
    assert_credit(&rows, "organic", "last", 1.0, 120.0, 0.0);
    assert_credit(&rows, "alpha", "linear", 1.5, 140.0, 14.0);
    let rows = credit(&store, &index, &settings(Some(30), true, false));
    assert_credit(&rows, "alpha", "first", 1.0, 80.0, 8.0);
    assert_credit(&rows, "organic", "first", 1.0, 120.0, 0.0);
    assert_credit(&rows, "organic", "linear", 1.0, 120.0, 0.0);
}

#[test]
fn partners_only_drops_an_organic_last_touch() {
    let (store, index, _dir) = programme(
        "clicked_at,partner_id,channel,cookie_id\n\
         2026-07-01T10:00:00Z,alpha,,c5\n\
         2026-07-02T10:00:00Z,,organic,c5\n",
        "conversion_id,converted_at,revenue,cookie_id\no5,2026-07-03T10:00:00Z,300.00,c5\n",
    );
    let rows = credit(&store, &index, &settings(Some(30), false, false));
    assert_credit(&rows, "organic", "last", 1.0, 300.0, 0.0);
    assert_credit(&rows, "alpha", "linear", 0.5, 150.0, 15.0);
    let rows = credit(&store, &index, &settings(Some(30), false, true));
    assert_credit(&rows, "alpha", "last", 1.0, 300.0, 30.0);
    assert_credit(&rows, "alpha", "linear", 1.0, 300.0, 30.0);
    assert_credit(&rows, "organic", "last", 0.0, 0.0, 0.0);
}

#[test]
fn refunded_and_cancelled_conversions_earn_no_payout_but_stay_visible() {
    let (store, index, _dir) = programme(
        "clicked_at,partner_id,cookie_id\n\
         2026-07-01T10:00:00Z,alpha,c6\n\
         2026-07-01T10:00:00Z,beta,c7\n\
         2026-07-01T10:00:00Z,beta,c8\n",
        "conversion_id,converted_at,revenue,cookie_id,status\n\
         o6,2026-07-02T10:00:00Z,100.00,c6,refunded\n\
         o7,2026-07-02T10:00:00Z,40.00,c7,cancelled\n\
         o8,2026-07-02T10:00:00Z,60.00,c8,approved\n",
    );
    let rows = credit(&store, &index, &settings(Some(30), false, false));
    assert_credit(&rows, "alpha", "last", 1.0, 100.0, 0.0);
    assert_credit(&rows, "beta", "last", 2.0, 100.0, 5.0);
}

#[test]
fn conversions_without_a_counted_touch_are_unattributed() {
    let (_store, index, _dir) = programme(
        "clicked_at,partner_id,cookie_id\n2026-01-01T10:00:00Z,alpha,c9\n",
        "conversion_id,converted_at,revenue,cookie_id\n\
         o9,2026-07-02T10:00:00Z,70.00,c9\n\
         o10,2026-07-02T10:00:00Z,30.00,\n",
    );
    let table = compute_credit(&index, &settings(Some(30), false, false));
    assert_eq!(table.unattributed.conversions, 2.0);
    assert_eq!(table.unattributed.revenue, 100.0);
    let table = compute_credit(&index, &settings(None, false, false));
    assert_eq!(
        table.unattributed.conversions, 1.0,
        "o10 has no cookie at all"
    );
}

/// Guards the index build's list of sources handed to the database: an id with a quote in
/// it must still name its touches and its coupon.
#[test]
fn a_partner_id_with_a_quote_keeps_its_credit() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_memory().unwrap();
    let partners = "partner_id,name,commission,coupon_codes\nO'Brien,O'Brien & Sons,10%,IRISH10\n";
    let clicks = "clicked_at,partner_id,channel,cookie_id\n2026-07-01T10:00:00Z,O'Brien,,c1\n";
    let conversions = "conversion_id,converted_at,revenue,cookie_id,coupon_code\n\
                       o1,2026-07-02T10:00:00Z,100.00,c1,\n\
                       o2,2026-07-03T10:00:00Z,50.00,c9,irish10\n";
    for (name, text, kind) in [
        ("partners.csv", partners, FileKind::Partners),
        ("clicks.csv", clicks, FileKind::Clicks),
        ("conversions.csv", conversions, FileKind::Conversions),
    ] {
        import(&store, &write(dir.path(), name, text), Some(kind)).unwrap();
    }
    let index = JourneyIndex::build(&store).unwrap();
    let rows = credit(&store, &index, &settings(Some(30), false, false));
    assert_credit(&rows, "O'Brien", "last", 1.0, 100.0, 10.0);
    let coupons = AttributionSettings {
        tracking: partner_attribution::attribution::Preset::HybridCrossDeviceCoupons.settings(),
        ..settings(Some(30), false, false)
    };
    let rows = credit(&store, &index, &coupons);
    assert_credit(&rows, "O'Brien", "last", 2.0, 150.0, 15.0);
}
