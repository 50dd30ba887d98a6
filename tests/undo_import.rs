//! Undoing an import: removing it leaves every table exactly as it was before the import (a
//! digest of every table's contents says so), puts back what it replaced or changed, and the
//! same file can be imported again.

mod common;

use std::path::Path;
use std::process::Command;

use common::{import, write};
use partner_attribution::import::{FileKind, ImportOutcome};
use partner_attribution::journeys::{Commission, JourneyIndex};
use partner_attribution::store::{RemovalError, RemovedImport, Store};

const PARTNERS: &str = "partner_id,name,commission,coupon_codes\n\
                        techreview,TechReview Weekly,12%,TECH10\n\
                        dealhunter,Deal Hunter,7.5%,HUNT15\n";
const CLICKS: &str = "click_id,clicked_at,url,partner_id,cookie_id\n\
                      k1,2026-07-01T10:00:00Z,https://shop.example.com/?ref=techreview,techreview,c1\n\
                      k2,2026-07-01T11:00:00Z,https://shop.example.com/?ref=dealhunter,dealhunter,c2\n";
const CONVERSIONS: &str = "conversion_id,converted_at,revenue,currency,cookie_id,status\n\
                           o1,2026-07-02T10:00:00Z,100.00,USD,c1,approved\n\
                           o2,2026-07-03T10:00:00Z,50.00,USD,c2,approved\n";
const LEADS: &str = "partner_id,reported_at,reference,amount\n\
                     techreview,2026-07-05T00:00:00Z,o1,100.00\n";

/// A programme database in `dir` holding partners, clicks, conversions and leads (imports
/// #1 to #4).
fn programme(dir: &Path) -> Store {
    let store = Store::open(&dir.join("programme.duckdb")).unwrap();
    for (name, content) in [
        ("partners.csv", PARTNERS),
        ("clicks.csv", CLICKS),
        ("conversions.csv", CONVERSIONS),
        ("leads.csv", LEADS),
    ] {
        imported(&store, &write(dir, name, content), None);
    }
    store
}

/// Imports a file that must be stored; returns its import number.
fn imported(store: &Store, path: &Path, kind: Option<FileKind>) -> i64 {
    match import(store, path, kind).unwrap() {
        ImportOutcome::Imported(record) => record.import_id,
        other => panic!("{} was not imported: {other:?}", path.display()),
    }
}

/// Imports `name` with `content`, removes it again, asserts every table is as before, and
/// returns what the removal reported.
fn import_and_remove(
    store: &Store,
    dir: &Path,
    (name, content): (&str, &str),
    kind: Option<FileKind>,
) -> RemovedImport {
    let before = store.contents_digest().unwrap();
    let import_id = imported(store, &write(dir, name, content), kind);
    assert_ne!(
        store.contents_digest().unwrap(),
        before,
        "the import changed nothing"
    );
    let removed = store.remove_import(import_id).unwrap();
    assert_eq!(
        store.contents_digest().unwrap(),
        before,
        "removing {name} left the database different"
    );
    removed
}

fn status_of(store: &Store, conversion_id: &str) -> String {
    let (detail, _) = store.conversion_evidence(conversion_id).unwrap().unwrap();
    detail.status
}

fn commission_of(store: &Store, partner_id: &str) -> Commission {
    let index = JourneyIndex::build(store).unwrap();
    let source = index.sources.iter().find(|s| s.id == partner_id).unwrap();
    source.commission
}

#[test]
fn removing_a_clicks_import_deletes_its_touches_and_rejects() {
    let dir = tempfile::tempdir().unwrap();
    let store = programme(dir.path());
    let more_clicks = "click_id,clicked_at,url,partner_id,cookie_id\n\
                       k3,2026-07-04T10:00:00Z,https://shop.example.com/?ref=techreview,techreview,c3\n\
                       k4,2026-07-04T11:00:00Z,https://shop.example.com/,dealhunter,c4\n\
                       k5,yesterday,https://shop.example.com/,dealhunter,c5\n";
    let removed = import_and_remove(&store, dir.path(), ("more-clicks.csv", more_clicks), None);
    assert_eq!((removed.touches, removed.rejects), (2, 1));
    assert_eq!(
        removed.to_string(),
        "removed import #5 (more-clicks.csv): 2 touches, 1 rejected row"
    );
}

#[test]
fn removing_a_late_refund_restores_the_conversions_status() {
    let dir = tempfile::tempdir().unwrap();
    let store = programme(dir.path());
    let refunds = "conversion_id,converted_at,revenue,currency,cookie_id,status\n\
                   o1,2026-07-02T10:00:00Z,100.00,USD,c1,refunded\n\
                   o3,2026-07-06T10:00:00Z,30.00,USD,c1,approved\n";
    let before = store.contents_digest().unwrap();
    let import_id = imported(&store, &write(dir.path(), "refunds.csv", refunds), None);
    assert_eq!(status_of(&store, "o1"), "refunded");
    let removed = store.remove_import(import_id).unwrap();
    assert_eq!(status_of(&store, "o1"), "approved");
    assert_eq!(store.contents_digest().unwrap(), before);
    assert_eq!(
        (removed.conversions, removed.status_changes_reverted),
        (1, 1)
    );
    assert_eq!(
        removed.to_string(),
        "removed import #5 (refunds.csv): 1 conversion; reverted 1 late status change"
    );
}

#[test]
fn removing_a_partners_import_puts_back_the_partner_it_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let store = programme(dir.path());
    let raise = "partner_id,name,commission,coupon_codes\n\
                 techreview,TechReview Weekly,20%,TECH10\n\
                 newcomer,Newcomer,5%,\n";
    let before = store.contents_digest().unwrap();
    let import_id = imported(&store, &write(dir.path(), "raise.csv", raise), None);
    assert_eq!(
        commission_of(&store, "techreview"),
        Commission::Percent(20.0)
    );
    let removed = store.remove_import(import_id).unwrap();
    assert_eq!(
        commission_of(&store, "techreview"),
        Commission::Percent(12.0)
    );
    assert_eq!(store.contents_digest().unwrap(), before);
    assert_eq!((removed.partners, removed.partners_restored), (2, 1));
    assert_eq!(
        removed.to_string(),
        "removed import #5 (raise.csv): 2 partners; restored 1 partner it had replaced"
    );
}

#[test]
fn removing_an_events_import_deletes_its_touches_and_conversions() {
    let dir = tempfile::tempdir().unwrap();
    let store = programme(dir.path());
    let events = "customer_id,time,channel,conversion,conversion_value\n\
                  u1,2026-07-01T10:00:00Z,Facebook,0,0\n\
                  u1,2026-07-02T10:00:00Z,techreview,1,12.5\n\
                  u2,2026-07-02T10:00:00Z,Instagram,maybe,0\n";
    let removed = import_and_remove(
        &store,
        dir.path(),
        ("log.csv", events),
        Some(FileKind::Events),
    );
    assert_eq!(
        (removed.touches, removed.conversions, removed.rejects),
        (2, 1, 1)
    );
}

#[test]
fn removing_a_leads_import_with_rejected_rows_deletes_both() {
    let dir = tempfile::tempdir().unwrap();
    let store = programme(dir.path());
    let leads = "partner_id,reported_at,reference,amount\n\
                 dealhunter,2026-07-06T00:00:00Z,o2,50.00\n\
                 dealhunter,last tuesday,o9,10.00\n";
    let removed = import_and_remove(&store, dir.path(), ("more-leads.csv", leads), None);
    assert_eq!((removed.leads, removed.rejects), (1, 1));
}

#[test]
fn a_removed_file_can_be_imported_again() {
    let dir = tempfile::tempdir().unwrap();
    let store = programme(dir.path());
    let clicks = CLICKS.replace("k1,", "k8,").replace("k2,", "k9,");
    let path = write(dir.path(), "again.csv", &clicks);
    let first = imported(&store, &path, None);
    let counts = store.counts().unwrap();
    store.remove_import(first).unwrap();
    let second = imported(&store, &path, None);
    assert_eq!(store.counts().unwrap(), counts);
    assert!(
        store
            .import_history()
            .unwrap()
            .iter()
            .any(|r| r.import_id == second)
    );
}

#[test]
fn an_unknown_import_is_an_error_naming_it_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = programme(dir.path());
    let before = store.contents_digest().unwrap();
    let error = store.remove_import(99).unwrap_err();
    assert!(matches!(
        error,
        RemovalError::UnknownImport { import_id: 99 }
    ));
    assert_eq!(
        error.to_string(),
        "no import #99 in this database's import history"
    );
    assert_eq!(store.contents_digest().unwrap(), before);
}

/// Guards the rule for later imports that depend on a removed one: a later refund of the
/// removed import's conversion goes with it, and removing the refund file too leaves the
/// database as before both.
#[test]
fn removing_a_conversions_import_drops_a_later_refund_of_its_conversions() {
    let dir = tempfile::tempdir().unwrap();
    let store = programme(dir.path());
    let before = store.contents_digest().unwrap();
    let sales = "conversion_id,converted_at,revenue,currency,cookie_id,status\n\
                 o7,2026-07-07T10:00:00Z,70.00,USD,c1,approved\n";
    let refund = "conversion_id,converted_at,revenue,currency,cookie_id,status\n\
                  o7,2026-07-07T10:00:00Z,70.00,USD,c1,refunded\n";
    let sales_id = imported(&store, &write(dir.path(), "sales.csv", sales), None);
    let refund_id = imported(&store, &write(dir.path(), "refund.csv", refund), None);
    let removed = store.remove_import(sales_id).unwrap();
    assert_eq!(
        (removed.conversions, removed.later_status_changes_dropped),
        (1, 1)
    );
    assert_eq!(
        removed.to_string(),
        "removed import #5 (sales.csv): 1 conversion; \
         dropped 1 later status change of its conversions"
    );
    assert!(store.conversion_evidence("o7").unwrap().is_none());
    let removed = store.remove_import(refund_id).unwrap();
    assert_eq!(
        removed.to_string(),
        "removed import #6 (refund.csv): no rows"
    );
    assert_eq!(store.contents_digest().unwrap(), before);
}

/// Guards undoing changes out of order: a later change of the same conversion or partner
/// stays in force, and undoing it too returns to the state before both.
#[test]
fn removing_a_middle_change_keeps_the_later_one_until_it_is_removed_too() {
    let dir = tempfile::tempdir().unwrap();
    let store = programme(dir.path());
    let before = store.contents_digest().unwrap();
    let status = |name: &str, status: &str| {
        let text = format!(
            "conversion_id,converted_at,revenue,currency,cookie_id,status\n\
             o1,2026-07-02T10:00:00Z,100.00,USD,c1,{status}\n"
        );
        imported(&store, &write(dir.path(), name, &text), None)
    };
    let commission = |name: &str, rate: &str| {
        let text = format!("partner_id,name,commission\ntechreview,TechReview Weekly,{rate}\n");
        imported(&store, &write(dir.path(), name, &text), None)
    };
    let refunded = status("refund.csv", "refunded");
    let raised = commission("raise.csv", "20%");
    let cancelled = status("cancel.csv", "cancelled");
    let raised_again = commission("raise-again.csv", "30%");

    assert_eq!(
        store.remove_import(refunded).unwrap().to_string(),
        "removed import #5 (refund.csv): reverted 1 late status change"
    );
    store.remove_import(raised).unwrap();
    assert_eq!(status_of(&store, "o1"), "cancelled");
    assert_eq!(
        commission_of(&store, "techreview"),
        Commission::Percent(30.0)
    );

    store.remove_import(cancelled).unwrap();
    store.remove_import(raised_again).unwrap();
    assert_eq!(status_of(&store, "o1"), "approved");
    assert_eq!(
        commission_of(&store, "techreview"),
        Commission::Percent(12.0)
    );
    assert_eq!(store.contents_digest().unwrap(), before);
}

#[test]
fn the_digest_sees_a_change_in_any_table() {
    let store = Store::open_in_memory().unwrap();
    let empty = store.contents_digest().unwrap();
    assert_eq!(store.contents_digest().unwrap(), empty, "not deterministic");
    store.set_programme_setting("time_zone", "UTC").unwrap();
    assert_ne!(store.contents_digest().unwrap(), empty);
}

fn cli(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_partner-attribution"))
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_imports_command_lists_and_removes() {
    let dir = tempfile::tempdir().unwrap();
    drop(programme(dir.path()));
    let db = dir.path().join("programme.duckdb");
    let db = db.to_str().unwrap();

    let (code, listed, _) = cli(&["imports", "--db", db]);
    assert_eq!(code, 0);
    let header = listed.lines().next().unwrap();
    for column in [
        "#",
        "File",
        "Kind",
        "Accepted",
        "Rejected",
        "Imported (UTC)",
    ] {
        assert!(header.contains(column), "{header:?} lacks {column}");
    }
    assert!(listed.contains("clicks.csv") && listed.contains("clicks"));
    assert_eq!(cli(&["imports", "--db", db, "list"]).1, listed);

    let (code, removed, _) = cli(&["imports", "--db", db, "remove", "2"]);
    assert_eq!(code, 0);
    assert_eq!(removed, "removed import #2 (clicks.csv): 2 touches\n");
    assert!(!cli(&["imports", "--db", db]).1.contains("clicks.csv"));

    let (code, _, error) = cli(&["imports", "--db", db, "remove", "2"]);
    assert_eq!(code, 1);
    assert!(error.contains("no import #2"), "{error}");

    let (code, help, _) = cli(&["imports", "--help"]);
    assert_eq!(code, 0);
    assert!(help.contains("remove"), "{help}");
}
