//! Helpers shared by the window's tests (`gui.rs`, `gui_models.rs`): a database holding the
//! sample programme, the app on it in a headless harness, and waiting for it to settle.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use partner_attribution::journeys::JourneyIndex;
use partner_attribution::store::Store;
use partner_attribution::ui::{AppPaths, PartnerApp};

use crate::common::{self, repo};

/// A database holding the shipped sample programme.
pub fn sample_database(dir: &Path) -> PathBuf {
    let db = dir.join("sample.duckdb");
    let store = Store::open(&db).unwrap();
    for file in ["partners.csv", "clicks.csv", "conversions.csv"] {
        common::import(&store, &repo().join("sample-data").join(file), None).unwrap();
    }
    db
}

/// The journey index of `db` with the journeys that did not convert read (what Markov and
/// Shapley learn from).
pub fn index_with_open_paths(db: &Path) -> JourneyIndex {
    let store = Store::open(db).unwrap();
    let mut index = JourneyIndex::build(&store).unwrap();
    index.read_open_paths(&store).unwrap();
    index
}

/// The app on `db`, keeping its settings in `dir`.
pub fn app_on(db: &Path, dir: &Path) -> PartnerApp {
    let paths = AppPaths {
        settings_file: Some(dir.join("settings.json")),
        sample_database: dir.join("unused-sample.duckdb"),
        sample_files: dir.join("unused-sample"),
    };
    PartnerApp::new(Some(db.to_path_buf()), paths)
}

/// `app` in a headless window of 1360 × 860.
pub fn harness(app: PartnerApp) -> Harness<'static, PartnerApp> {
    Harness::builder()
        .with_size([1360.0, 860.0])
        .build_ui_state(|ui, app: &mut PartnerApp| app.ui(ui), app)
}

/// The app on `db` (settings in `dir`) in a headless window.
pub fn harness_on(db: &Path, dir: &Path) -> Harness<'static, PartnerApp> {
    harness(app_on(db, dir))
}

/// Steps frames until the store thread and the views are idle and a snapshot is on screen.
pub fn settle(harness: &mut Harness<'static, PartnerApp>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        harness.step();
        // Idle, and the frames after it settle (a late reply can start a spinner again).
        if !harness.state().is_busy()
            && harness.state().snapshot().is_some()
            && harness.try_run().is_ok()
        {
            break;
        }
        assert!(Instant::now() < deadline, "the window did not settle");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether some node has exactly this label.
pub fn shows(harness: &Harness<'static, PartnerApp>, label: &str) -> bool {
    harness.query_all_by_label(label).next().is_some()
}

/// Whether some node's label contains this text.
pub fn shows_text(harness: &Harness<'static, PartnerApp>, text: &str) -> bool {
    harness.query_all_by_label_contains(text).next().is_some()
}
