//! Where things live on this machine: the default database, the sample, the settings file.

use std::path::PathBuf;

use directories::ProjectDirs;

fn project_dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("com", "PartnerAttribution", "partner-attribution")
}

/// The platform data directory (`~/.local/share/partner-attribution` on Linux).
pub fn data_dir() -> PathBuf {
    project_dirs()
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| std::env::temp_dir().join("partner-attribution"))
}

/// The sample programme's database, created on first run.
pub fn sample_database() -> PathBuf {
    data_dir().join("sample-programme.duckdb")
}

/// Where the sample programme's CSV files are generated on first run.
pub fn sample_files_dir() -> PathBuf {
    data_dir().join("sample-data")
}

/// The settings file of the window (`~/.config/partner-attribution/settings.json`).
pub fn settings_file() -> PathBuf {
    project_dirs()
        .map(|d| d.config_dir().join("settings.json"))
        .unwrap_or_else(|| data_dir().join("settings.json"))
}

/// Where the window keeps its size and position between runs
/// (`~/.config/partner-attribution/window.ron`).
pub fn window_state_file() -> PathBuf {
    project_dirs()
        .map(|d| d.config_dir().join("window.ron"))
        .unwrap_or_else(|| data_dir().join("window.ron"))
}
