//! The window, driven headless through egui_kittest: what a user sees and does.

mod common;
mod window;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{repo, write};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use partner_attribution::attribution::{
    AttributionSettings, CookieWindow, CreditModel, Methods, Model, ModelParams, Preset,
    TrackingSettings, compute_credit, compute_models, touch_shares,
};
use partner_attribution::audit::{Category, audit};
use partner_attribution::domain::ProgrammeTimeZone;
use partner_attribution::domain::format::{money, thousands};
use partner_attribution::journeys::JourneyIndex;
use partner_attribution::leakage::analyse;
use partner_attribution::payouts::{PayoutSettings, PayoutStatus, Period, payouts};
use partner_attribution::store::Store;
use partner_attribution::ui::{
    AppPaths, Measure, PartnerApp, SettingsError, SortColumn, Tab, UiSettings,
};
use window::{app_on, harness, index_with_open_paths, sample_database, settle, shows, shows_text};

/// A file dropped from the local disk, as the native integration hands it over.
#[derive(Debug)]
struct LocalFile(std::path::PathBuf);

impl egui::DroppedFile for LocalFile {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

fn attributed_label(index: &JourneyIndex, window: CookieWindow) -> String {
    let settings = AttributionSettings {
        window,
        ..AttributionSettings::default()
    };
    let table = compute_credit(index, &settings);
    let attributed = table.total.conversions - table.unattributed.conversions;
    format!("{} attributed", thousands(attributed as i64))
}

#[test]
fn compare_view_shows_the_three_models_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_database(dir.path());
    let mut harness = harness(app_on(&db, dir.path()));
    settle(&mut harness);
    for model in ["First touch", "Last touch", "Linear"] {
        assert!(shows(&harness, model), "{model} is not shown");
    }
    assert!(shows(&harness, "Total credited"));
    assert!(shows(&harness, "Cookie window"));
}

#[test]
fn picking_a_model_in_compare_adds_its_credit_beside_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_database(dir.path());
    let index = index_with_open_paths(&db);
    let models = [
        CreditModel::First,
        CreditModel::Last,
        CreditModel::Linear,
        CreditModel::Position,
        CreditModel::Markov,
    ];
    let credit = compute_models(
        &index,
        &AttributionSettings::default(),
        &ModelParams::default(),
        &models,
    );
    // A source whose position-based and Markov revenue differ from its other three.
    let (source, position, markov) = (0..index.sources.len())
        .map(|s| {
            let revenue = |m: CreditModel| money(credit.credit(m, s).revenue);
            (
                s,
                revenue(CreditModel::Position),
                revenue(CreditModel::Markov),
                [
                    revenue(CreditModel::First),
                    revenue(CreditModel::Last),
                    revenue(CreditModel::Linear),
                ],
            )
        })
        .find(|(_, p, m, classic)| !classic.contains(p) && !classic.contains(m) && p != m)
        .map(|(s, p, m, _)| (s, p, m))
        .expect("a source the new models credit differently");

    let mut harness = harness(app_on(&db, dir.path()));
    settle(&mut harness);
    assert!(!shows(&harness, &position), "{position} before picking");
    for label in ["Position-based", "Markov chain"] {
        harness.get_by_role_and_label(Role::CheckBox, label).click();
        // The model worker answers in the background: wait for it, not a fixed frame count
        // (under load its spinner outlasts `run`'s steps).
        settle(&mut harness);
    }
    settle(&mut harness);
    assert_eq!(harness.state().settings.compare_models, models);
    assert!(
        shows(&harness, &position),
        "{}'s position-based revenue {position} is not shown",
        index.sources[source].id
    );
    assert!(
        shows(&harness, &markov),
        "Markov revenue {markov} is not shown"
    );
    assert!(shows_text(
        &harness,
        "Position-based, Markov chain computed in"
    ));
    // Its parameters are under the picker.
    assert!(shows(&harness, "Markov chain: order"));
    // Five models side by side: one column each, of the measure chosen (revenue).
    assert!(shows_text(&harness, "5 models: one column each"));
    // A sort by a measure no longer shown follows the one shown.
    harness.state_mut().settings.sort = SortColumn::Credit(CreditModel::Last, Measure::Payout);
    settle(&mut harness);
    assert_eq!(
        harness.state().settings.sort,
        SortColumn::Credit(CreditModel::Last, Measure::Revenue)
    );
}

#[test]
fn moving_the_window_slider_changes_the_numbers_shown() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_database(dir.path());
    let index = JourneyIndex::build(&Store::open(&db).unwrap()).unwrap();
    let at_30 = attributed_label(&index, CookieWindow::Days(30));
    let at_3 = attributed_label(&index, CookieWindow::Days(3));
    assert_ne!(
        at_30, at_3,
        "the sample programme should be sensitive to the window"
    );

    let mut harness = harness(app_on(&db, dir.path()));
    settle(&mut harness);
    assert!(
        shows_text(&harness, &at_30),
        "expected '{at_30}' at 30 days"
    );
    harness
        .get_by_role_and_label(Role::Slider, "Cookie window")
        .set_value_accesskit(3.0);
    harness.run();
    assert_eq!(
        harness.state().settings.attribution.window,
        CookieWindow::Days(3)
    );
    assert!(shows_text(&harness, &at_3), "expected '{at_3}' at 3 days");
    assert!(!shows_text(&harness, &at_30));
    // The move read the precomputed sweep: no store job and no new sweep were started.
    assert!(
        !harness.state().is_busy(),
        "a window change should not start background work"
    );
}

#[test]
fn settings_persist_between_runs() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_database(dir.path());
    {
        let mut harness = harness(app_on(&db, dir.path()));
        settle(&mut harness);
        harness.get_by_label("Partners only").click();
        harness.run();
        assert!(harness.state().settings.attribution.partners_only);
    }
    let paths = AppPaths {
        settings_file: Some(dir.path().join("settings.json")),
        sample_database: dir.path().join("unused-sample.duckdb"),
        sample_files: dir.path().join("unused-sample"),
    };
    let reopened = PartnerApp::new(None, paths);
    assert!(reopened.settings.attribution.partners_only);
    assert_eq!(reopened.settings.database.as_deref(), Some(db.as_path()));
}

/// Guards *Open with* on an export when several programmes are known: the files went into
/// whichever programme was last open; now the window asks, and they go into the one picked.
#[test]
fn files_opened_with_the_window_go_into_the_programme_picked() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.duckdb");
    let second = dir.path().join("second.duckdb");
    Store::open(&first).unwrap();
    Store::open(&second).unwrap();
    let mut known = UiSettings::default();
    known.remember_database(Some(second.clone()));
    known.remember_database(Some(first.clone()));
    known.save(&dir.path().join("settings.json")).unwrap();
    let paths = AppPaths {
        settings_file: Some(dir.path().join("settings.json")),
        sample_database: dir.path().join("unused-sample.duckdb"),
        sample_files: dir.path().join("unused-sample"),
    };
    let mut app = PartnerApp::new(None, paths);
    assert_eq!(app.settings.database.as_deref(), Some(first.as_path()));
    app.receive_exports(vec![repo().join("sample-data/partners.csv")], false);
    assert!(app.is_asking_for_programme());

    let mut harness = harness(app);
    settle(&mut harness);
    assert!(shows(&harness, "Import 1 file into which programme?"));
    harness.get_by_label("second.duckdb").click();
    harness.run();
    harness.get_by_label("Import").click();
    harness.step();
    settle(&mut harness);
    assert!(!harness.state().is_asking_for_programme());
    assert_eq!(
        harness.state().settings.database.as_deref(),
        Some(second.as_path())
    );
    let partners = harness.state().snapshot().unwrap().counts.partners;
    assert!(partners > 0, "{partners}");
    // The title names the programme open, so the task bar tells two windows apart.
    assert_eq!(
        harness.state().window_title(),
        "second.duckdb — Partner Attribution"
    );
    drop(harness);
    assert_eq!(Store::open(&first).unwrap().counts().unwrap().partners, 0);
    assert!(Store::open(&second).unwrap().counts().unwrap().partners > 0);

    // With --db (or a database among the files) the files go where they were sent.
    let paths = AppPaths {
        settings_file: Some(dir.path().join("settings.json")),
        sample_database: dir.path().join("unused-sample.duckdb"),
        sample_files: dir.path().join("unused-sample"),
    };
    let mut app = PartnerApp::new(Some(first.clone()), paths);
    app.receive_exports(vec![repo().join("sample-data/partners.csv")], true);
    assert!(!app.is_asking_for_programme());
}

/// Guards a settings file that cannot be parsed: it was silently replaced by the defaults
/// on the next save; now it is kept as `settings.json.bad` and the status bar says so.
#[test]
fn a_corrupt_settings_file_is_kept_aside_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let settings_file = dir.path().join("settings.json");
    let corrupt = "{\"hold_days\": \"thirty\", \"tab\": ";
    std::fs::write(&settings_file, corrupt).unwrap();
    let kept = dir.path().join("settings.json.bad");

    let error = UiSettings::load(&settings_file).unwrap_err();
    assert!(
        matches!(&error, SettingsError::KeptAside { kept: path, .. } if *path == kept),
        "{error:?}"
    );
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), corrupt);
    assert!(!settings_file.exists());
    assert_eq!(
        UiSettings::load(&settings_file).unwrap(),
        UiSettings::default()
    );

    // The window: the defaults, and a warning in the status bar naming the kept file.
    std::fs::write(&settings_file, corrupt).unwrap();
    std::fs::remove_file(&kept).unwrap();
    let mut harness = harness(app_on(&dir.path().join("empty.duckdb"), dir.path()));
    settle(&mut harness);
    let warning = format!("it is kept as {}", kept.display());
    assert!(
        harness
            .state()
            .messages()
            .iter()
            .any(|m| m.is_error && m.text.contains(&warning)),
        "{:?}",
        harness.state().messages()
    );
    assert!(shows_text(&harness, &warning), "not on screen: {warning}");
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), corrupt);
    assert_eq!(
        harness.state().settings.hold_days,
        UiSettings::default().hold_days
    );
}

#[test]
fn an_import_error_is_shown_to_the_user() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_database(dir.path());
    let mut harness = harness(app_on(&db, dir.path()));
    settle(&mut harness);
    harness.state_mut().settings.tab = Tab::Data;
    let bad = write(
        dir.path(),
        "orders.csv",
        "conversion_id,converted_at\no1,2026-07-01\n",
    );
    harness.state_mut().import_paths(vec![bad.clone()]);
    settle(&mut harness);
    // One message names the column, what was expected, what the header has, and the file.
    let message = format!(
        "missing required column `revenue` for a conversions file: expected conversion_id, \
         converted_at, revenue; the header has conversion_id, converted_at ({})",
        bad.display()
    );
    assert!(shows_text(&harness, &message), "not on screen: {message}");
}

#[test]
fn dropped_files_are_imported_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("empty.duckdb");
    let mut harness = harness(app_on(&db, dir.path()));
    settle(&mut harness);
    harness.state_mut().settings.tab = Tab::Data;
    let sample = repo().join("sample-data");
    harness.input_mut().dropped_files = ["partners.csv", "conversions.csv"]
        .iter()
        .map(|f| Arc::new(LocalFile(sample.join(f))) as egui::DroppedFileHandle)
        .collect();
    harness.step();
    settle(&mut harness);
    let counts = &harness.state().snapshot().unwrap().counts;
    assert!(counts.partners > 0 && counts.conversions > 0, "{counts:?}");
    assert!(shows_text(&harness, "conversions.csv: imported"));
}

#[test]
fn removing_an_import_on_the_data_view_takes_its_row_away() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_database(dir.path());
    let mut harness = harness(app_on(&db, dir.path()));
    settle(&mut harness);
    harness.state_mut().settings.tab = Tab::Data;
    harness.run();
    assert!(shows(&harness, "conversions.csv"));
    // The newest import, conversions.csv (#3), is listed first; its removal asks first.
    harness
        .query_all_by_label("Remove this import")
        .next()
        .expect("a Remove button per import")
        .click();
    harness.run();
    assert!(shows_text(
        &harness,
        "Remove import #3 (conversions.csv) and its "
    ));
    harness.get_by_label("Remove").click();
    harness.step();
    settle(&mut harness);
    assert!(
        !shows(&harness, "conversions.csv"),
        "the row is still listed"
    );
    let snapshot = harness.state().snapshot().unwrap();
    assert_eq!(snapshot.history.len(), 2);
    assert_eq!(snapshot.counts.conversions, 0);
    assert!(shows_text(
        &harness,
        "removed import #3 (conversions.csv): "
    ));
}

#[test]
fn sensitivity_view_lists_top_partners_at_30_60_and_90_days() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_database(dir.path());
    let mut harness = harness(app_on(&db, dir.path()));
    settle(&mut harness);
    harness.get_by_label("Sensitivity").click();
    harness.run();
    for header in ["60 days", "90 days", "Change 30 to 90"] {
        assert!(shows(&harness, header), "{header} missing");
    }
    let chosen = harness.state().settings.sensitivity_sources.clone();
    assert_eq!(
        chosen.len(),
        6,
        "the top six partners are drawn by default: {chosen:?}"
    );
    assert!(shows(&harness, &chosen[0]));
}

#[test]
fn sensitivity_draws_time_decay_against_the_window_from_its_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_database(dir.path());
    let index = JourneyIndex::build(&Store::open(&db).unwrap()).unwrap();
    let mut harness = harness(app_on(&db, dir.path()));
    settle(&mut harness);
    harness.get_by_label("Sensitivity").click();
    harness.run();
    harness.get_by_label("Time decay").click();
    harness.run();
    settle(&mut harness);
    assert!(shows(&harness, "Revenue · Time decay"));
    // The top partner's time-decay revenue at 60 days, as a recompute at 60 days gives it.
    let top = harness.state().settings.sensitivity_sources[0].clone();
    let source = index.sources.iter().position(|s| s.id == top).unwrap();
    let at_60 = AttributionSettings {
        window: CookieWindow::Days(60),
        ..AttributionSettings::default()
    };
    let credit = compute_models(
        &index,
        &at_60,
        &ModelParams::default(),
        &[CreditModel::TimeDecay],
    );
    let revenue = money(credit.credit(CreditModel::TimeDecay, source).revenue);
    assert!(shows(&harness, &revenue), "{top} at 60 days: {revenue}");
}

/// The Leakage view's headline for the sample programme (with its leads) under `tracking`.
fn leaked_headline(index: &JourneyIndex, tracking: TrackingSettings) -> (String, f64) {
    let settings = AttributionSettings {
        tracking,
        ..AttributionSettings::default()
    };
    let leaked = analyse(index, &settings).total();
    let text = format!(
        "Leaked {} conversions · {} revenue",
        thousands(leaked.conversions as i64),
        money(leaked.revenue)
    );
    (text, leaked.revenue)
}

#[test]
fn the_fullest_tracking_preset_lowers_the_leaked_total_shown() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sample.duckdb");
    let store = Store::open(&db).unwrap();
    for file in ["partners.csv", "clicks.csv", "conversions.csv", "leads.csv"] {
        common::import(&store, &repo().join("sample-data").join(file), None).unwrap();
    }
    let index = JourneyIndex::build(&store).unwrap();
    drop(store);
    let (cookie_only, cookie_revenue) = leaked_headline(&index, Preset::CookieOnly.settings());
    let (fullest, fullest_revenue) =
        leaked_headline(&index, Preset::HybridCrossDeviceCoupons.settings());
    assert!(
        fullest_revenue < cookie_revenue / 2.0,
        "{fullest} vs {cookie_only}"
    );

    let mut harness = harness(app_on(&db, dir.path()));
    settle(&mut harness);
    harness.get_by_label("Leakage").click();
    settle(&mut harness);
    assert!(
        shows_text(&harness, &cookie_only),
        "expected '{cookie_only}'"
    );
    harness
        .get_by_label("Hybrid + cross-device + coupons")
        .click();
    settle(&mut harness);
    assert!(shows_text(&harness, &fullest), "expected '{fullest}'");
    assert!(!shows_text(&harness, &cookie_only));
    assert_eq!(
        harness.state().settings.attribution.tracking.methods,
        Methods(15),
        "every method is on"
    );
}

/// The sample programme with its partner-reported leads.
fn sample_with_leads(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("sample-leads.duckdb");
    let store = Store::open(&db).unwrap();
    for file in ["partners.csv", "clicks.csv", "conversions.csv", "leads.csv"] {
        common::import(&store, &repo().join("sample-data").join(file), None).unwrap();
    }
    db
}

#[test]
fn payouts_view_shows_the_months_payable_total_and_records_a_sign_off() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_with_leads(dir.path());
    let store = Store::open(&db).unwrap();
    let index = JourneyIndex::build(&store).unwrap();
    drop(store);
    let settings = PayoutSettings::default();
    let october = Period::parse("2026-10").unwrap();
    let expected = payouts(&index, &settings, october, ProgrammeTimeZone::default());
    let usd = expected
        .total(Model::Last, PayoutStatus::Payable)
        .into_iter()
        .find(|(c, _)| c == "USD")
        .unwrap()
        .1;

    let mut harness = harness(app_on(&db, dir.path()));
    settle(&mut harness);
    harness.get_by_label("Payouts").click();
    settle(&mut harness);
    let total = usd.display("USD");
    assert!(
        shows_text(&harness, &total),
        "expected the payable total {total}"
    );
    assert!(shows_text(&harness, "2026-10 is not signed off"));
    harness
        .get_by_role_and_label(Role::TextInput, "Signed by")
        .focus();
    harness.run();
    harness
        .get_by_role_and_label(Role::TextInput, "Signed by")
        .type_text("Ann Finance");
    harness.run();
    assert_eq!(harness.state().payout_signer(), "Ann Finance");
    harness.get_by_label("Sign off 2026-10").click();
    harness.step();
    settle(&mut harness);
    assert!(
        shows_text(&harness, "Signed off by Ann Finance"),
        "the sign-off is recorded and shown"
    );
    assert!(shows_text(&harness, "no amount has moved since"));
}

#[test]
fn audit_view_counts_each_category_of_the_sample_leads() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_with_leads(dir.path());
    let store = Store::open(&db).unwrap();
    let index = JourneyIndex::build(&store).unwrap();
    let audited = audit(
        &index,
        &PayoutSettings::default(),
        store.lead_matches(7).unwrap(),
        ProgrammeTimeZone::default(),
    );
    drop(store);
    let not_found = audited
        .iter()
        .filter(|a| a.verdict.category() == Category::NotFound)
        .count();

    let mut harness = harness(app_on(&db, dir.path()));
    settle(&mut harness);
    harness.get_by_label("Audit").click();
    settle(&mut harness);
    assert!(shows_text(&harness, "433 reported leads"));
    let summary = format!("Not in our records: {not_found}");
    assert!(shows_text(&harness, &summary), "expected '{summary}'");
    harness
        .query_all_by_label("budgetmom")
        .next()
        .expect("budgetmom has leads")
        .click();
    harness.run();
    assert!(shows_text(&harness, "Leads budgetmom reported in"));
}

/// The window on the sample programme, showing the view labelled `view`, settled.
fn sample_view(dir: &Path, view: &str) -> Harness<'static, PartnerApp> {
    let db = sample_database(dir);
    let mut harness = harness(app_on(&db, dir));
    settle(&mut harness);
    harness.get_by_label(view).click();
    harness.step();
    settle(&mut harness);
    harness
}

/// Guards the scenario lab's promise: every step the user adds is judged at once.
#[test]
fn adding_a_step_in_the_scenario_lab_changes_the_outcome_shown() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = sample_view(dir.path(), "Scenario lab");
    // The lab opens on two partners' clicks before one purchase.
    assert!(shows(&harness, "Last touch: partner-b 1"));
    assert!(shows(&harness, "Linear: partner-a 0.50, partner-b 0.50"));
    // An organic visit, added an hour before the purchase, takes the last touch.
    harness.get_by_label("+ Visit").click();
    harness.step();
    settle(&mut harness);
    assert!(
        shows(&harness, "Last touch: organic 1"),
        "the new visit takes last touch"
    );
    assert!(shows(
        &harness,
        "Linear: partner-a 0.33, partner-b 0.33, organic 0.33"
    ));
    assert!(shows_text(
        &harness,
        "organic visit on laptop · Chrome — Counts: linked by cookie, 1 h 0 min before the sale"
    ));
    // Partners only: the visit no longer counts, and its sentence says why.
    harness.get_by_label("Partners only").click();
    harness.step();
    settle(&mut harness);
    assert!(shows(&harness, "Last touch: partner-b 1"));
    assert!(shows_text(&harness, "only partner touches count"));
}

#[test]
fn a_real_conversion_is_explained_from_the_lab() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = sample_view(dir.path(), "Scenario lab");
    // Saving stores the scenario in the programme database.
    harness.get_by_label("Save").click();
    harness.step();
    settle(&mut harness);
    assert!(shows_text(
        &harness,
        "scenario 'Two partners before one purchase' saved"
    ));
    assert!(shows(&harness, "Delete saved"));
    let saved = &harness.state().snapshot().unwrap().saved_scenarios;
    assert_eq!(saved.len(), 1);
    let field = harness.get_by_role_and_label(Role::TextInput, "Explain a real conversion:");
    field.focus();
    harness.run();
    harness
        .get_by_role_and_label(Role::TextInput, "Explain a real conversion:")
        .type_text("ORD-000001");
    harness.run();
    harness.get_by_label("Explain").click();
    harness.step();
    settle(&mut harness);
    assert!(shows_text(&harness, "Evidence · ORD-000001"));
    assert!(shows_text(
        &harness,
        "linked only by logged-in user, which is switched off"
    ));
    // Each counted touch's weight under the per-sale models, as the engine gives it.
    let index = &harness.state().snapshot().unwrap().index;
    let c = index
        .conversions
        .iter()
        .position(|f| f.conversion_id == "ORD-000001")
        .unwrap();
    let settings = harness.state().settings.attribution;
    let params = ModelParams::default();
    let shares = touch_shares(index, &settings, &params, CreditModel::TimeDecay, c).unwrap();
    assert!(!shares.is_empty(), "ORD-000001 has a counted touch");
    for share in &shares {
        let weight = format!("time-decay weight {:.2}", share.share);
        assert!(shows_text(&harness, &weight), "{weight} is not shown");
    }
    assert!(shows_text(&harness, "before the sale: time-decay weight"));
}

#[test]
fn rules_view_previews_the_document_with_computed_examples() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = sample_view(dir.path(), "Rules");
    assert!(shows(&harness, "Attribution rules — Partner programme"));
    assert!(shows(
        &harness,
        "Under the official last touch model: partner-b is credited with $120.00 and earns $12.00."
    ));
    // Moving the window to 60 days moves the expired-cookie example with it.
    harness.state_mut().settings.attribution.window = CookieWindow::Days(60);
    harness.step();
    settle(&mut harness);
    assert!(shows(
        &harness,
        "Under the official last touch model: partner-a is credited with $60.00 and earns $6.00."
    ));
}

#[test]
fn links_view_checks_a_pasted_link() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = sample_view(dir.path(), "Links");
    assert!(shows_text(
        &harness,
        "?ref=budgetmom&utm_source=budgetmom&utm_medium=partner&utm_campaign=partner-programme"
    ));
    harness
        .get_by_role_and_label(Role::TextInput, "Paste a partner's link:")
        .focus();
    harness.run();
    harness
        .get_by_role_and_label(Role::TextInput, "Paste a partner's link:")
        .type_text("https://shop.example.com/?aff=dealhunter&ref=nobody");
    harness.run();
    assert!(shows_text(&harness, "• It names the partner with 'aff='"));
    assert!(shows_text(&harness, "• Unknown partner 'nobody'"));
}

/// Runs the command line with `args` until the window's store thread has let go of the
/// database (it closes it once the app is dropped); its success and output.
fn cli_when_free(args: &[&str]) -> (bool, String, String) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_partner-attribution"))
            .args(args)
            .output()
            .unwrap();
        let (ok, out, err) = (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        );
        if ok || !err.contains("lock") || Instant::now() > deadline {
            return (ok, out, err);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// An export nothing recognises opens the mapping dialog instead of ending in an error: our
/// columns with the file's suggested by name, the first rows as they would be stored (a bad
/// amount rejected with its column and reason). *Save as preset* keeps the mapping in the
/// programme, *Import* stores the rows, and the command line reads another file of the same
/// export with `import --preset NAME`.
#[test]
fn a_mapping_saved_in_the_dialog_is_used_by_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("programme.duckdb");
    let mut harness = harness(app_on(&db, dir.path()));
    settle(&mut harness);
    harness.state_mut().settings.tab = Tab::Data;
    let header = "Order No,Placed At,Grand Total,Promo Code,Buyer\n";
    let file = write(
        dir.path(),
        "orders_from_somewhere.csv",
        &format!(
            "{header}A-1,2026-03-01 10:00:00 +0100,10.50,ALICE10,u1\n\
             A-2,2026-03-02 11:00:00 +0100,lots,,u2\n\
             A-3,2026-03-03 12:00:00 +0100,7.00,BOB5,u3\n"
        ),
    );
    harness.state_mut().import_paths(vec![file]);
    settle(&mut harness);
    settle(&mut harness);
    assert!(harness.state().is_mapping_columns(), "no mapping dialog");
    assert!(shows_text(
        &harness,
        "Map the columns of orders_from_somewhere.csv"
    ));
    // Suggested by name: conversions, their revenue from Grand Total (10.50 read as 10.5).
    assert!(shows(&harness, "conversion_id") && shows(&harness, "10.5"));
    assert!(shows_text(
        &harness,
        "The first 3 rows: 2 would be stored, 1 rejected."
    ));
    assert!(shows_text(
        &harness,
        "line 3: rejected: Grand Total: expected a number like 49.90, found 'lots'"
    ));
    assert_eq!(harness.state().snapshot().unwrap().counts.conversions, 0);
    harness
        .get_by_role_and_label(Role::TextInput, "Preset name")
        .focus();
    harness.run();
    harness
        .get_by_role_and_label(Role::TextInput, "Preset name")
        .type_text("somewhere-orders");
    harness.run();
    harness.get_by_label("Save as preset").click();
    harness.step();
    settle(&mut harness);
    assert!(shows_text(&harness, "saved preset 'somewhere-orders'"));
    harness.get_by_label("Import").click();
    harness.step();
    settle(&mut harness);
    assert!(
        !harness.state().is_mapping_columns(),
        "the dialog stays open"
    );
    let counts = harness.state().snapshot().unwrap().counts.clone();
    assert_eq!((counts.conversions, counts.rejects), (2, 1));
    drop(harness);
    let more = write(
        dir.path(),
        "orders_from_somewhere_april.csv",
        &format!("{header}A-4,2026-04-01 10:00:00 +0200,20.00,,u4\n"),
    );
    let (ok, out, err) = cli_when_free(&[
        "import",
        "--db",
        db.to_str().unwrap(),
        "--preset",
        "somewhere-orders",
        more.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains(
            "orders_from_somewhere_april.csv: read with the saved preset 'somewhere-orders'; \
             imported 1 conversions rows, rejected 0"
        ),
        "{out}"
    );
}

/// The sample's clicks use `via=` on some links, which the programme does not read: the Data
/// view offers to read it, and reading the file again stores those rows.
#[test]
fn a_rejected_alias_is_offered_and_read_again_from_the_data_view() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_database(dir.path());
    let mut harness = harness(app_on(&db, dir.path()));
    settle(&mut harness);
    harness.state_mut().settings.tab = Tab::Data;
    harness.run();
    let before = harness.state().snapshot().unwrap().counts.clone();
    let alias = harness.state().snapshot().unwrap().unread_aliases.clone();
    assert_eq!(alias.len(), 1, "{alias:?}");
    assert_eq!(
        (alias[0].param.as_str(), alias[0].file_name.as_str()),
        ("via", "clicks.csv")
    );
    assert!(shows_text(
        &harness,
        &format!(
            "{} rows of clicks.csv (import #2) were rejected for using via=, which the \
             programme does not read.",
            alias[0].rows
        )
    ));
    harness
        .get_by_label("Read via= as a referral parameter")
        .click();
    harness.step();
    settle(&mut harness);
    let snapshot = harness.state().snapshot().unwrap();
    assert!(snapshot.unread_aliases.is_empty());
    assert_eq!(
        snapshot.counts.rejects,
        before.rejects - alias[0].rows as u64
    );
    assert_eq!(
        snapshot.counts.touches,
        before.touches + alias[0].rows as u64
    );
    assert_eq!(snapshot.facts.link_rules.names_list(), "ref,via");
    assert!(shows_text(
        &harness,
        "via= is now a referral parameter; clicks.csv: imported"
    ));
}

/// The import settings the command line takes as flags are in the Data view: referral
/// parameters and the programme time zone are stored with the programme for the next imports.
#[test]
fn referral_parameters_and_time_zone_are_set_in_the_data_view() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("programme.duckdb");
    let mut harness = harness(app_on(&db, dir.path()));
    settle(&mut harness);
    harness.state_mut().settings.tab = Tab::Data;
    harness.run();
    for (field, text) in [
        ("Referral parameters", "ref,aff"),
        ("Time zone", "Europe/Berlin"),
    ] {
        harness
            .get_by_role_and_label(Role::TextInput, field)
            .focus();
        harness.run();
        harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        harness.run();
        harness
            .get_by_role_and_label(Role::TextInput, field)
            .type_text(text);
        harness.run();
    }
    harness.get_by_label("Use for the next imports").click();
    harness.step();
    settle(&mut harness);
    let snapshot = harness.state().snapshot().unwrap();
    assert_eq!(snapshot.facts.link_rules.names_list(), "ref,aff");
    assert_eq!(snapshot.time_zone.name(), "Europe/Berlin");
    assert!(shows_text(
        &harness,
        "referral parameters ref,aff; time zone Europe/Berlin (for the next imports)"
    ));
}

/// A partner's own report names no partner: the Data view says whose it is (`import
/// --partner`), and ShareASale's activity report is stored as that partner's leads.
#[test]
fn a_partner_s_own_report_is_imported_as_the_partner_chosen_in_the_data_view() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_database(dir.path());
    let mut harness = harness(app_on(&db, dir.path()));
    settle(&mut harness);
    harness.state_mut().settings.tab = Tab::Data;
    harness.run();
    let partner = harness.state().snapshot().unwrap().facts.partners[0]
        .partner_id
        .clone();
    harness
        .get_by_role_and_label(Role::ComboBox, "partner's own report of")
        .click();
    harness.run();
    harness.get_by_label(&partner).click();
    harness.run();
    let report = repo().join("tests/fixtures/platforms/shareasale_activity.txt");
    harness.state_mut().import_paths(vec![report]);
    settle(&mut harness);
    assert!(shows_text(
        &harness,
        "shareasale_activity.txt: recognised a ShareASale affiliate activity report (preset \
         shareasale-activity); imported 2 leads rows, rejected 0"
    ));
}

/// Two exports nothing recognises, imported together, each get the mapping dialog in turn.
#[test]
fn each_unrecognised_export_of_a_batch_gets_the_mapping_dialog_in_turn() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("programme.duckdb");
    let mut harness = harness(app_on(&db, dir.path()));
    settle(&mut harness);
    let text = "Order No,Placed At,Grand Total\nA-1,2026-03-01T10:00:00Z,10.50\n";
    let first = write(dir.path(), "march_orders.csv", text);
    let second = write(
        dir.path(),
        "april_orders.csv",
        text.replace("A-1", "B-1").as_str(),
    );
    harness.state_mut().import_paths(vec![first, second]);
    settle(&mut harness);
    settle(&mut harness);
    assert!(shows_text(&harness, "Map the columns of march_orders.csv"));
    harness.get_by_label("Import").click();
    harness.step();
    settle(&mut harness);
    settle(&mut harness);
    assert!(shows_text(&harness, "Map the columns of april_orders.csv"));
    harness.get_by_label("Import").click();
    harness.step();
    settle(&mut harness);
    assert!(!harness.state().is_mapping_columns());
    assert_eq!(harness.state().snapshot().unwrap().counts.conversions, 2);
}

/// Issue 20's round trip: credit a warehouse job stored with `warehouse run --into` shows in
/// Compare, marked with where, when and under which settings it ran.
#[test]
fn compare_shows_the_credit_a_warehouse_job_stored() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_database(dir.path());
    let run = partner_attribution::store::WarehouseRun {
        run_id: 0,
        ran_on: "Spark local[2] via pyspark".to_owned(),
        settings: "window 30 days; methods cookie · browser caps safari=7; models last".to_owned(),
        seconds: 12.5,
        computed_at: String::new(),
        rows: vec![partner_attribution::domain::CreditRow {
            source: "techreview".to_owned(),
            model: "last".to_owned(),
            conversions: 7.0,
            revenue: 1_234.56,
            payout: 123.45,
        }],
    };
    Store::open(&db)
        .unwrap()
        .record_warehouse_run(&run)
        .unwrap();
    let mut harness = harness(app_on(&db, dir.path()));
    settle(&mut harness);
    let title = "Computed on Spark local[2] via pyspark at ";
    assert!(shows_text(&harness, title), "not on screen: {title}");
    assert!(!shows_text(&harness, "$1,234.56"));
    harness.get_by_label_contains(title).click();
    harness.run();
    assert!(shows_text(
        &harness,
        "Settings: window 30 days; methods cookie"
    ));
    assert!(shows_text(&harness, "$1,234.56") && shows_text(&harness, "$123.45"));
}
