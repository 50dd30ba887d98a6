//! The window's data-driven models, driven headless through egui_kittest: the journeys that
//! did not convert are read only when a view asks for them.

mod common;
mod window;

use std::path::Path;
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use partner_attribution::attribution::{
    AttributionSettings, CreditModel, ModelParams, compute_models,
};
use partner_attribution::domain::ProgrammeTimeZone;
use partner_attribution::domain::format::money;
use partner_attribution::journeys::JourneyIndex;
use partner_attribution::payouts::{
    CommissionRules, PayoutSettings, PayoutStatus, Period, payouts,
};
use partner_attribution::store::Store;
use partner_attribution::ui::{PartnerApp, answer_saves_in};
use window::{harness_on, index_with_open_paths, sample_database, settle, shows, shows_text};

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
    harness.step();
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
    // Markov's per-sale line is the split payouts use: the purchase's sources in proportion
    // to their removal effects.
    let markov_line = format!("Markov chain: {}", sale.credit_words(CreditModel::Markov));
    assert!(
        shows(&harness, &markov_line),
        "'{markov_line}' is not shown"
    );
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

/// Waits, stepping frames, until `path` exists (a file the store thread writes).
fn written(harness: &mut Harness<'static, PartnerApp>, path: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !path.exists() {
        harness.step();
        assert!(
            Instant::now() < deadline,
            "{} was not written",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    settle(harness);
    std::fs::read_to_string(path).unwrap()
}

/// Guards payouts under a data-driven official model: picking Markov in the Payouts view reads
/// the journeys that did not convert and shows the payable total `payouts` gives under Markov;
/// *Export statements…* and *Export payment file…* write the month's statements under it.
#[test]
fn payouts_pay_by_markov_when_it_is_picked_and_the_statements_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_database(dir.path());
    let index = index_with_open_paths(&db);
    let defaults = PayoutSettings::default();
    let markov = PayoutSettings::new(
        defaults.attribution,
        CreditModel::Markov,
        &ModelParams::default(),
        defaults.hold_days,
        CommissionRules::default(),
    );
    let october = Period::parse("2026-10").unwrap();
    let total = |settings: &PayoutSettings| {
        payouts(&index, settings, october, ProgrammeTimeZone::default())
            .total(settings.model, PayoutStatus::Payable)
            .into_iter()
            .find(|(c, _)| c == "USD")
            .unwrap()
            .1
            .display("USD")
    };
    let (by_markov, by_last) = (total(&markov), total(&defaults));
    assert_ne!(by_markov, by_last, "Markov pays otherwise than last-touch");

    let mut harness = harness_on(&db, dir.path());
    settle(&mut harness);
    harness.get_by_label("Payouts").click();
    settle(&mut harness);
    assert!(shows_text(&harness, &by_last));
    assert!(
        !shows_text(&harness, &by_markov),
        "{by_markov} before picking Markov"
    );
    harness
        .get_by_role_and_label(Role::ComboBox, "Official model")
        .click();
    harness.run_steps(2);
    harness.get_by_label("Markov chain").click();
    harness.step();
    settle(&mut harness);
    // The journeys that did not convert are read, then the month is computed off the UI
    // thread: a few frames.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !shows_text(&harness, &by_markov) && Instant::now() < deadline {
        harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    let payable: Vec<String> = harness
        .query_all_by_label_contains("Payable")
        .map(|n| format!("{:?}", n.accesskit_node().label()))
        .collect();
    assert!(
        shows_text(&harness, &by_markov),
        "expected the Markov payable total {by_markov}, found {payable:?}"
    );
    assert!(
        harness
            .state()
            .snapshot()
            .unwrap()
            .index
            .open_paths()
            .is_some()
    );

    let out = dir.path().join("exports");
    std::fs::create_dir(&out).unwrap();
    answer_saves_in(&harness.ctx, out.clone());
    harness.get_by_label("Export statements…").click();
    harness.step();
    let html = written(&mut harness, &out.join("statements-2026-10.html"));
    assert!(html.contains("Model Markov chain (order 1)"), "{html}");
    assert!(html.contains("<section>"));
    harness.get_by_label("Export payment file…").click();
    harness.step();
    let payments = written(&mut harness, &out.join("payments-2026-10.csv"));
    assert!(payments.starts_with(
        "statement,partner_id,partner_name,currency,amount,settings_fingerprint,payout_email,iban\n"
    ));
    assert!(payments.contains(&markov.fingerprint()), "{payments}");
}
