//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use partner_attribution::attribution::{AttributionSettings, CookieWindow, CreditRow};
use partner_attribution::import::{
    FileKind, ImportError, ImportOutcome, ImportRequest, ImportSettings, import_file,
};
use partner_attribution::store::Store;

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shared si05 data set: `../shared/data/si05` beside the checkout (searched upwards, so a
/// clone nested one level deeper in the workspace finds it too).
pub fn si05_dir() -> PathBuf {
    repo()
        .ancestors()
        .map(|dir| dir.join("shared/data/si05"))
        .find(|dir| dir.join("events.csv").exists())
        .unwrap_or_else(|| {
            panic!(
                "the si05 data set is expected at ../shared/data/si05 beside {}",
                repo().display()
            )
        })
}

/// Writes `content` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("writing a test file");
    path
}

/// Imports one file with default settings.
pub fn import(
    store: &Store,
    path: &Path,
    kind: Option<FileKind>,
) -> Result<ImportOutcome, ImportError> {
    let request = ImportRequest {
        path: path.to_path_buf(),
        kind,
        columns: Default::default(),
    };
    import_file(store, &request, &ImportSettings::default())
}

/// Settings with a window of `days` (None = unlimited).
pub fn settings(days: Option<u32>, reset: bool, partners_only: bool) -> AttributionSettings {
    AttributionSettings {
        window: days.map_or(CookieWindow::Unlimited, CookieWindow::Days),
        reset_after_conversion: reset,
        partners_only,
        tracking: Default::default(),
    }
}

/// The row of `source` under `model`.
pub fn row<'a>(rows: &'a [CreditRow], source: &str, model: &str) -> &'a CreditRow {
    rows.iter()
        .find(|r| r.source == source && r.model == model)
        .unwrap_or_else(|| panic!("no row for {source}/{model} in {rows:#?}"))
}

/// Asserts two credit tables agree row by row to `tolerance`.
pub fn assert_rows_agree(ours: &[CreditRow], theirs: &[CreditRow], tolerance: f64) {
    assert_eq!(ours.len(), theirs.len(), "row counts differ");
    for (a, b) in ours.iter().zip(theirs) {
        assert_eq!((&a.source, &a.model), (&b.source, &b.model));
        for (x, y, what) in [
            (a.conversions, b.conversions, "conversions"),
            (a.revenue, b.revenue, "revenue"),
            (a.payout, b.payout, "payout"),
        ] {
            assert!(
                (x - y).abs() <= tolerance * (1.0 + y.abs()),
                "{}/{} {what}: engine {x} vs SQL {y}",
                a.source,
                a.model
            );
        }
    }
}
