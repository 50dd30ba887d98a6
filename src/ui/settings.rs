//! The window's settings, kept between runs in a JSON file in the config directory.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::attribution::{AttributionSettings, CreditModel, ModelParams, SourceCredit};

/// Which measure the chart and the default sort use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Measure {
    /// Credited conversions.
    Conversions,
    /// Credited revenue.
    Revenue,
    /// Commission earned.
    Payout,
}

impl Measure {
    /// All measures, in display order.
    pub const ALL: [Measure; 3] = [Measure::Conversions, Measure::Revenue, Measure::Payout];

    /// This measure's value in a credit.
    pub fn of(self, credit: SourceCredit) -> f64 {
        match self {
            Measure::Conversions => credit.conversions,
            Measure::Revenue => credit.revenue,
            Measure::Payout => credit.payout,
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Measure::Conversions => "Conversions",
            Measure::Revenue => "Revenue",
            Measure::Payout => "Payout",
        }
    }
}

/// The column the Compare table is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortColumn {
    /// By source name.
    Source,
    /// By a measure under a model (any model shown; saved settings name the three of
    /// [`crate::attribution::Model`] the same way).
    Credit(CreditModel, Measure),
}

/// Which models the Sensitivity view draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SensitivityModels {
    /// One model, one line per source (first, last, linear or another per-sale model;
    /// saved settings name the first three as before).
    One(CreditModel),
    /// All three, as line styles.
    All,
}

/// The views of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tab {
    /// Credit per source under the three models.
    Compare,
    /// Credit against window length.
    Sensitivity,
    /// Partner-sourced sales that pay no partner, and why.
    Leakage,
    /// Commission per partner for a month, and its sign-off.
    Payouts,
    /// Partner-reported leads against our records.
    Audit,
    /// Compose a journey and see who gets what, touch by touch.
    Lab,
    /// The partner-facing rules document.
    Rules,
    /// Partners' tracking links: build, copy, check.
    Links,
    /// Imports, row counts and rejects.
    Data,
}

/// How many programme databases the window remembers.
pub const RECENT_DATABASES: usize = 8;

/// Everything that persists between runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UiSettings {
    /// The database last opened; `None` means the sample programme.
    pub database: Option<PathBuf>,
    /// Programme databases opened before, the latest first (at most [`RECENT_DATABASES`]).
    pub recent_databases: Vec<PathBuf>,
    /// The model settings.
    pub attribution: AttributionSettings,
    /// Finite window remembered while "unlimited" is ticked.
    pub last_window_days: u32,
    /// Measure of the chart.
    pub measure: Measure,
    /// Sort of the table.
    pub sort: SortColumn,
    /// Descending sort.
    pub sort_descending: bool,
    /// The view shown.
    pub tab: Tab,
    /// Models drawn in the Sensitivity view.
    pub sensitivity_models: SensitivityModels,
    /// Sources drawn in the Sensitivity view (empty: the top partners).
    pub sensitivity_sources: Vec<String>,
    /// The model partners are paid by (its parameters are `model_params`').
    pub payout_model: CreditModel,
    /// Hold period of payouts, in days.
    pub hold_days: u32,
    /// Tier and cap of the commissions (none by default).
    pub commission_rules: crate::payouts::CommissionRules,
    /// The month shown in Payouts (`2026-10`; `None`: the latest).
    pub payout_period: Option<String>,
    /// Days between a reported lead and its conversion, at most.
    pub audit_tolerance_days: u32,
    /// The month shown in Audit (`None`: every month).
    pub audit_month: Option<String>,
    /// The programme's name in the rules document.
    pub programme_name: String,
    /// The models Compare shows side by side, in order.
    pub compare_models: Vec<CreditModel>,
    /// The parameters of the models beyond first, last and linear.
    pub model_params: ModelParams,
}

impl UiSettings {
    /// The official payout rules: the attribution settings on screen, the payout model and
    /// the hold period.
    pub fn payout_settings(&self) -> crate::payouts::PayoutSettings {
        crate::payouts::PayoutSettings::new(
            self.attribution,
            self.payout_model,
            &self.model_params,
            self.hold_days,
            self.commission_rules.clone(),
        )
    }
}

impl UiSettings {
    /// Makes `database` the one open, first among the recent ones.
    pub fn remember_database(&mut self, database: Option<PathBuf>) {
        if let Some(path) = &database {
            self.recent_databases.retain(|p| p != path);
            self.recent_databases.insert(0, path.clone());
            self.recent_databases.truncate(RECENT_DATABASES);
        }
        self.database = database;
    }

    /// The programmes exports could go into: the one open first, then the recent ones that
    /// still exist; `None` is the sample programme.
    pub fn known_programmes(&self) -> Vec<Option<PathBuf>> {
        let mut known = vec![self.database.clone()];
        for path in &self.recent_databases {
            if Some(path) != self.database.as_ref() && path.is_file() {
                known.push(Some(path.clone()));
            }
        }
        known
    }
}

impl Default for UiSettings {
    fn default() -> Self {
        UiSettings {
            database: None,
            recent_databases: Vec::new(),
            attribution: AttributionSettings::default(),
            last_window_days: 30,
            measure: Measure::Revenue,
            sort: SortColumn::Credit(CreditModel::Last, Measure::Revenue),
            sort_descending: true,
            tab: Tab::Compare,
            sensitivity_models: SensitivityModels::One(CreditModel::Last),
            sensitivity_sources: Vec::new(),
            payout_model: CreditModel::Last,
            hold_days: crate::payouts::PayoutSettings::default().hold_days,
            commission_rules: crate::payouts::CommissionRules::default(),
            payout_period: None,
            audit_tolerance_days: crate::audit::DEFAULT_TOLERANCE_DAYS,
            audit_month: None,
            programme_name: "Partner programme".to_owned(),
            compare_models: crate::attribution::classic_models(),
            model_params: ModelParams::default(),
        }
    }
}

/// A settings file that could not be read, so the window starts with the defaults; the
/// message is shown in the status bar.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file was moved aside (to `settings.json.bad`) for the user to look at, so the next
    /// save does not overwrite it.
    #[error(
        "settings reset to the defaults: the settings file could not be read ({reason}); \
         it is kept as {}",
        kept.display()
    )]
    KeptAside {
        /// Why it could not be read.
        reason: String,
        /// Where it is now.
        kept: PathBuf,
    },
    /// The file could not be moved aside either; settings are not saved this run, so it is
    /// not overwritten.
    #[error(
        "settings reset to the defaults and not saved: the settings file could not be read \
         ({reason}) nor renamed ({rename}) ({})",
        path.display()
    )]
    NotKept {
        /// Why it could not be read.
        reason: String,
        /// Why it could not be renamed.
        rename: std::io::Error,
        /// The settings file.
        path: PathBuf,
    },
}

impl UiSettings {
    /// Reads the settings file; a missing one gives the defaults. One that cannot be read
    /// or parsed is renamed to `settings.json.bad` (replacing an older one) and reported.
    pub fn load(path: &Path) -> Result<UiSettings, SettingsError> {
        let reason = match std::fs::read_to_string(path) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(UiSettings::default());
            }
            Err(error) => error.to_string(),
            Ok(text) => match serde_json::from_str(&text) {
                Ok(settings) => return Ok(settings),
                Err(error) => error.to_string(),
            },
        };
        let mut kept = path.as_os_str().to_owned();
        kept.push(".bad");
        let kept = PathBuf::from(kept);
        match std::fs::rename(path, &kept) {
            Ok(()) => Err(SettingsError::KeptAside { reason, kept }),
            Err(rename) => Err(SettingsError::NotKept {
                reason,
                rename,
                path: path.to_path_buf(),
            }),
        }
    }

    /// Writes the settings file, creating its folder.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(path, text)
    }
}
