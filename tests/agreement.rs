//! The in-memory engine equals the DuckDB SQL version on the shipped sample programme and on
//! the real si05 event log, for several windows and both toggles.

mod common;

use common::{assert_rows_agree, import, repo, settings, si05_dir};
use partner_attribution::attribution::compute_credit;
use partner_attribution::import::{
    ColumnMap, FileKind, ImportRequest, ImportSettings, import_file,
};
use partner_attribution::journeys::JourneyIndex;
use partner_attribution::store::Store;

fn check_all_settings(store: &Store) {
    let index = JourneyIndex::build(store).unwrap();
    assert!(index.candidate_touches() > 0);
    for window in [Some(1), Some(7), Some(30), Some(90), None] {
        for reset in [false, true] {
            for partners_only in [false, true] {
                let settings = settings(window, reset, partners_only);
                let ours = compute_credit(&index, &settings).rows(&index);
                let sql = store.sql_credit_rows(&settings).unwrap();
                assert_rows_agree(&ours, &sql, 1e-9);
            }
        }
    }
}

#[test]
fn engine_equals_sql_on_the_sample_programme() {
    let store = Store::open_in_memory().unwrap();
    for file in ["partners.csv", "clicks.csv", "conversions.csv"] {
        import(&store, &repo().join("sample-data").join(file), None).unwrap();
    }
    check_all_settings(&store);
}

#[test]
fn engine_equals_sql_on_si05() {
    let store = Store::open_in_memory().unwrap();
    let request = ImportRequest {
        path: si05_dir().join("events.csv"),
        kind: Some(FileKind::Events),
        columns: ColumnMap::default(),
    };
    // No mapping: the usual column names are detected.
    let outcome = import_file(&store, &request, &ImportSettings::default()).unwrap();
    assert_eq!(outcome.record().rows_accepted, 62_483);
    assert_eq!(store.counts().unwrap().conversions, 1_838);
    check_all_settings(&store);
}
