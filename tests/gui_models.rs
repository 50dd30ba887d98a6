//! The window's data-driven models, driven headless through egui_kittest: the journeys that
//! did not convert are read only when a view asks for them.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::repo;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use partner_attribution::attribution::{
    AttributionSettings, CreditModel, ModelParams, compute_models,
};
use partner_attribution::domain::format::money;
use partner_attribution::journeys::JourneyIndex;
use partner_attribution::store::Store;
use partner_attribution::ui::{AppPaths, PartnerApp};

/// A database holding the shipped sample programme.
fn sample_database(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("sample.duckdb");
    let store = Store::open(&db).unwrap();
    for file in ["partners.csv", "clicks.csv", "conversions.csv"] {
        common::import(&store, &repo().join("sample-data").join(file), None).unwrap();
    }
    db
}

fn harness_on(db: &Path, dir: &Path) -> Harness<'static, PartnerApp> {
    let paths = AppPaths {
        settings_file: Some(dir.join("settings.json")),
        sample_database: dir.join("unused-sample.duckdb"),
        sample_files: dir.join("unused-sample"),
    };
    let app = PartnerApp::new(Some(db.to_path_buf()), paths);
    Harness::builder()
        .with_size([1360.0, 860.0])
        .build_ui_state(|ui, app: &mut PartnerApp| app.ui(ui), app)
}

/// Steps frames until the store thread and the views are idle and a snapshot is on screen.
fn settle(harness: &mut Harness<'static, PartnerApp>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        harness.step();
        if !harness.state().is_busy() && harness.state().snapshot().is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "the window did not settle");
        std::thread::sleep(Duration::from_millis(20));
    }
    harness.run();
}

fn shows(harness: &Harness<'static, PartnerApp>, label: &str) -> bool {
    harness.query_all_by_label(label).next().is_some()
}

/// Each source's Markov revenue as Compare prints it, on `index`.
fn markov_revenue(index: &JourneyIndex) -> Vec<String> {
    let credit = compute_models(
        index,
        &AttributionSettings::default(),
        &ModelParams::default(),
        &[CreditModel::Markov],
    );
    (0..index.sources.len())
        .map(|s| money(credit.credit(CreditModel::Markov, s).revenue))
        .collect()
}

/// Guards the start-up cost: opening a programme builds the index without the journeys that
/// did not convert; ticking Markov reads them into that same snapshot's index, and Compare
/// then shows the credit `compute_models` gives on an index that read them.
#[test]
fn the_journeys_that_did_not_convert_are_read_when_markov_is_picked() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_database(dir.path());
    let store = Store::open(&db).unwrap();
    let without = JourneyIndex::build(&store).unwrap();
    let mut with = without.clone();
    with.read_open_paths(&store).unwrap();
    drop(store);
    let unconverted = with.open_paths().unwrap().len();
    assert!(
        unconverted > 0,
        "the sample has journeys that did not convert"
    );
    let (expected, blind) = (markov_revenue(&with), markov_revenue(&without));
    // A source whose Markov revenue moves with the journeys that did not convert.
    let source = (0..with.sources.len())
        .find(|&s| {
            expected[s] != blind[s] && expected.iter().filter(|r| **r == expected[s]).count() == 1
        })
        .expect("a source the journeys that did not convert credit differently");
    let markov = &expected[source];

    let mut harness = harness_on(&db, dir.path());
    settle(&mut harness);
    let snapshot = harness.state().snapshot().unwrap();
    let generation = snapshot.generation;
    assert!(
        snapshot.index.open_paths().is_none(),
        "opening the programme read the journeys that did not convert"
    );
    assert!(!shows(&harness, markov), "{markov} before picking Markov");

    harness
        .get_by_role_and_label(Role::CheckBox, "Markov chain")
        .click();
    harness.run();
    settle(&mut harness);
    let snapshot = harness.state().snapshot().unwrap();
    assert_eq!(snapshot.generation, generation, "the same snapshot");
    let read = snapshot
        .index
        .open_paths()
        .expect("read once Markov is picked");
    assert_eq!(read.len(), unconverted);
    assert_eq!(Some(read), with.open_paths());
    assert!(
        shows(&harness, markov),
        "{}'s Markov revenue {markov} is not shown (without the journeys that did not \
         convert it would be {})",
        with.sources[source].id,
        blind[source]
    );
}
