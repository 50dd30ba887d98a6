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

fn shows_text(harness: &Harness<'static, PartnerApp>, text: &str) -> bool {
    harness.query_all_by_label_contains(text).next().is_some()
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

/// Guards the lab's credit under the models picked in Compare: each purchase is split by the
/// per-sale ones (position-based gives two partner clicks 50 % each; time decay favours the
/// later click) and the table lists every picked model, Markov included, with the numbers
/// `scenario::run_models` gives.
#[test]
fn the_scenario_lab_credits_the_models_picked_in_compare() {
    use partner_attribution::scenario::{BUILT_IN_NAMES, built_in, run_models};
    let dir = tempfile::tempdir().unwrap();
    let db = sample_database(dir.path());
    let mut harness = harness_on(&db, dir.path());
    settle(&mut harness);
    let models = vec![
        CreditModel::Last,
        CreditModel::Position,
        CreditModel::TimeDecay,
        CreditModel::Markov,
    ];
    harness.state_mut().settings.compare_models = models.clone();
    harness.get_by_label("Scenario lab").click();
    harness.step();
    settle(&mut harness);

    let snapshot = harness.state().snapshot().unwrap();
    let known = partner_attribution::report::known_partners(&snapshot.facts.partners);
    let scenario = built_in(BUILT_IN_NAMES[0]).unwrap();
    let settings = harness.state().settings.attribution;
    let outcome = run_models(
        &scenario,
        &settings,
        &known,
        &ModelParams::default(),
        &models,
    )
    .unwrap();
    let sale = &outcome.conversions[0];
    assert_eq!(
        sale.credit_words(CreditModel::Position),
        "partner-a 0.50, partner-b 0.50"
    );
    let decay = sale.share(CreditModel::TimeDecay, "partner-b");
    assert!(
        decay > 0.5 && decay < 1.0,
        "the later click weighs more: {decay}"
    );
    for line in [
        "Last touch: partner-b 1".to_owned(),
        "Position-based: partner-a 0.50, partner-b 0.50".to_owned(),
        format!("Time decay: {}", sale.credit_words(CreditModel::TimeDecay)),
    ] {
        assert!(shows(&harness, &line), "'{line}' is not shown");
    }
    // Markov has no per-sale line; its row in the table splits the purchase's revenue.
    assert!(!shows_text(&harness, "Markov chain: "));
    let revenue = outcome
        .credit
        .iter()
        .find(|r| r.model == "last")
        .unwrap()
        .revenue;
    for (model, label) in [
        (CreditModel::Markov, "Markov chain"),
        (CreditModel::TimeDecay, "Time decay"),
    ] {
        assert!(shows(&harness, label), "{label} has no row in the table");
        let row = outcome.credit(model, "partner-b").unwrap();
        assert!(
            shows(&harness, &money(row.revenue)),
            "{label}'s revenue for partner-b, {}, is not shown",
            money(row.revenue)
        );
    }
    let markov_a = outcome.credit(CreditModel::Markov, "partner-a").unwrap();
    let markov_b = outcome.credit(CreditModel::Markov, "partner-b").unwrap();
    assert!((markov_a.revenue + markov_b.revenue - revenue).abs() < 1e-9);
}
