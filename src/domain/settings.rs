//! The settings a model run takes, and the models themselves.

use serde::{Deserialize, Serialize};

use super::tracking::TrackingSettings;
use super::window::CookieWindow;

/// An attribution model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Model {
    /// The earliest counted touch takes the whole credit.
    First,
    /// The latest counted touch takes the whole credit.
    Last,
    /// Every counted touch gets an equal share.
    Linear,
}

impl Model {
    /// All models, in the order they are shown.
    pub const ALL: [Model; 3] = [Model::First, Model::Last, Model::Linear];

    /// The name used in CSV and JSON (`first`, `last`, `linear`).
    pub fn key(self) -> &'static str {
        match self {
            Model::First => "first",
            Model::Last => "last",
            Model::Linear => "linear",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Model::First => "First touch",
            Model::Last => "Last touch",
            Model::Linear => "Linear",
        }
    }

    /// Position in [`Model::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Everything a model run depends on besides the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributionSettings {
    /// The cookie window.
    pub window: CookieWindow,
    /// Touches at or before an earlier conversion of the same identity are not reused.
    pub reset_after_conversion: bool,
    /// Drop non-partner touches before the model runs.
    pub partners_only: bool,
    /// Identity methods, coupon precedence and browser caps.
    #[serde(default)]
    pub tracking: TrackingSettings,
}

impl Default for AttributionSettings {
    /// The defaults of a partner programme: 30-day window, no reset, all sources, cookie
    /// tracking with Safari capped at 7 days.
    fn default() -> Self {
        AttributionSettings {
            window: CookieWindow::Days(30),
            reset_after_conversion: false,
            partners_only: false,
            tracking: TrackingSettings::default(),
        }
    }
}

/// Any model the engine credits by: the three of [`Model`] and the five that weigh a journey's
/// touches by position, age or channel, or learn the weights from every journey (Markov
/// removal effects, Shapley values).
///
/// Kept apart from [`Model`], whose three values the window's views, the sweep and the exact
/// payout shares are built around; [`CreditModel::classic`] maps back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CreditModel {
    /// The earliest counted touch takes the whole credit.
    First,
    /// The latest counted touch takes the whole credit.
    Last,
    /// Every counted touch gets an equal share.
    Linear,
    /// Fixed shares for the first, the middle and the last touches.
    Position,
    /// Shares that halve every half-life before the conversion.
    TimeDecay,
    /// The latest counted touch not from a direct channel.
    LastNonDirect,
    /// Removal effects of an absorbing Markov chain over every journey.
    Markov,
    /// Shapley values of the sources that appear together in a journey.
    Shapley,
}

impl CreditModel {
    /// Every model, in the order they are shown.
    pub const ALL: [CreditModel; 8] = [
        CreditModel::First,
        CreditModel::Last,
        CreditModel::Linear,
        CreditModel::Position,
        CreditModel::TimeDecay,
        CreditModel::LastNonDirect,
        CreditModel::Markov,
        CreditModel::Shapley,
    ];

    /// The name used in CSV, JSON and on the command line (`first` … `shapley`).
    pub fn key(self) -> &'static str {
        match self {
            CreditModel::First => "first",
            CreditModel::Last => "last",
            CreditModel::Linear => "linear",
            CreditModel::Position => "position",
            CreditModel::TimeDecay => "time_decay",
            CreditModel::LastNonDirect => "last_non_direct",
            CreditModel::Markov => "markov",
            CreditModel::Shapley => "shapley",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            CreditModel::First => "First touch",
            CreditModel::Last => "Last touch",
            CreditModel::Linear => "Linear",
            CreditModel::Position => "Position-based",
            CreditModel::TimeDecay => "Time decay",
            CreditModel::LastNonDirect => "Last non-direct",
            CreditModel::Markov => "Markov chain",
            CreditModel::Shapley => "Shapley value",
        }
    }

    /// The model of this name (its [`CreditModel::key`]; `-` may stand for `_`).
    pub fn parse(text: &str) -> Option<CreditModel> {
        let text = text.trim().to_ascii_lowercase().replace('-', "_");
        CreditModel::ALL.into_iter().find(|m| m.key() == text)
    }

    /// A comma-separated list of models, in the order given, each once.
    pub fn parse_list(text: &str) -> Result<Vec<CreditModel>, String> {
        let mut models = Vec::new();
        for name in text.split(',').filter(|n| !n.trim().is_empty()) {
            let model = CreditModel::parse(name).ok_or_else(|| {
                let known: Vec<&str> = CreditModel::ALL.iter().map(|m| m.key()).collect();
                format!(
                    "unknown model '{}': expected {}",
                    name.trim(),
                    known.join(", ")
                )
            })?;
            if !models.contains(&model) {
                models.push(model);
            }
        }
        if models.is_empty() {
            return Err("expected at least one model".to_owned());
        }
        Ok(models)
    }

    /// The same model among the three of [`Model`], if it is one of them.
    pub fn classic(self) -> Option<Model> {
        match self {
            CreditModel::First => Some(Model::First),
            CreditModel::Last => Some(Model::Last),
            CreditModel::Linear => Some(Model::Linear),
            _ => None,
        }
    }

    /// Whether the model learns its weights from every journey, converted or not (Markov,
    /// Shapley), rather than from each conversion's own touches.
    pub fn is_data_driven(self) -> bool {
        matches!(self, CreditModel::Markov | CreditModel::Shapley)
    }
}

impl From<Model> for CreditModel {
    fn from(model: Model) -> CreditModel {
        match model {
            Model::First => CreditModel::First,
            Model::Last => CreditModel::Last,
            Model::Linear => CreditModel::Linear,
        }
    }
}

/// The most sources a Shapley combination is computed over: the alphabetically last this
/// many are kept when a journey has more (2^15 subsets per combination).
pub const SHAPLEY_MAX_SOURCES: u32 = 15;

/// The highest Markov order offered (states remember this many sources).
pub const MARKOV_MAX_ORDER: u8 = 3;

/// The parameters of the models beyond first, last and linear. Every field has a default,
/// so settings saved before a field existed still load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelParams {
    /// Position-based weights of the first, the middle and the last touches, in percent
    /// (they are used relative to their sum).
    pub position_weights_pct: [f64; 3],
    /// Position-based with two touches: `false` gives them `F + M/2` and `L + M/2` (DP6's
    /// rule), `true` gives them `F/(F+L)` and `L/(F+L)` (mta's).
    pub position_two_touch_proportional: bool,
    /// Time decay: a touch weighs half as much per this many hours before the conversion
    /// (infinite: every touch the same, as linear; JSON writes it as `null`).
    #[serde(deserialize_with = "infinite_when_null")]
    pub half_life_hours: f64,
    /// Time decay in whole steps, `0.5^floor(hours / half-life)` (DP6's step decay), instead
    /// of continuously.
    pub time_decay_steps: bool,
    /// Last non-direct: the sources passed over (compared without regard to case).
    pub direct_channels: Vec<String>,
    /// Markov: how many of the latest sources a state of the chain remembers (1 to 3).
    pub markov_order: u8,
    /// Shapley: the most sources of a combination (the alphabetically last are kept);
    /// `None`: all, up to [`SHAPLEY_MAX_SOURCES`].
    pub shapley_max_sources: Option<u32>,
}

/// Reads a number that JSON wrote as `null` because it was infinite.
fn infinite_when_null<'de, D: serde::Deserializer<'de>>(reader: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(reader)?.unwrap_or(f64::INFINITY))
}

impl Default for ModelParams {
    /// 40/20/40 position weights, a 168-hour (one week) half-life, `direct` as the direct
    /// channel, a first-order chain and no limit on Shapley combinations.
    fn default() -> Self {
        ModelParams {
            position_weights_pct: [40.0, 20.0, 40.0],
            position_two_touch_proportional: false,
            half_life_hours: 168.0,
            time_decay_steps: false,
            direct_channels: vec!["direct".to_owned()],
            markov_order: 1,
            shapley_max_sources: None,
        }
    }
}

impl ModelParams {
    /// Reads `F,M,L` position weights in percent (`40,20,40`): three numbers, none negative,
    /// not all zero.
    pub fn parse_position_weights(text: &str) -> Result<[f64; 3], String> {
        let parts: Vec<&str> = text.split(',').map(str::trim).collect();
        let numbers: Option<Vec<f64>> = parts.iter().map(|p| p.parse::<f64>().ok()).collect();
        match numbers.as_deref() {
            Some(&[f, m, l])
                if [f, m, l].iter().all(|w| w.is_finite() && *w >= 0.0) && f + m + l > 0.0 =>
            {
                Ok([f, m, l])
            }
            _ => Err(format!(
                "expected three percentages F,M,L like 40,20,40 (none negative, not all zero), \
                 found '{text}'"
            )),
        }
    }

    /// Reads a half-life in hours: a positive number, or `inf`/`infinite` for none.
    pub fn parse_half_life_hours(text: &str) -> Result<f64, String> {
        let text = text.trim().to_ascii_lowercase();
        if matches!(text.as_str(), "inf" | "infinite" | "none") {
            return Ok(f64::INFINITY);
        }
        match text.parse::<f64>() {
            Ok(hours) if hours > 0.0 => Ok(hours),
            _ => Err(format!(
                "expected a positive number of hours like 168, or 'infinite', found '{text}'"
            )),
        }
    }

    /// Reads a Markov order: 1, 2 or 3.
    pub fn parse_markov_order(text: &str) -> Result<u8, String> {
        match text.trim().parse::<u8>() {
            Ok(order) if (1..=MARKOV_MAX_ORDER).contains(&order) => Ok(order),
            _ => Err(format!(
                "expected a Markov order of 1, 2 or 3, found '{text}'"
            )),
        }
    }

    /// Reads the Shapley source limit: 1 to [`SHAPLEY_MAX_SOURCES`].
    pub fn parse_shapley_max_sources(text: &str) -> Result<u32, String> {
        match text.trim().parse::<u32>() {
            Ok(n) if (1..=SHAPLEY_MAX_SOURCES).contains(&n) => Ok(n),
            _ => Err(format!(
                "expected a number of sources from 1 to {SHAPLEY_MAX_SOURCES}, found '{text}'"
            )),
        }
    }

    /// The sources a Shapley combination keeps.
    pub fn shapley_sources(&self) -> usize {
        self.shapley_max_sources
            .unwrap_or(SHAPLEY_MAX_SOURCES)
            .clamp(1, SHAPLEY_MAX_SOURCES) as usize
    }

    /// Whether these are the defaults.
    pub fn is_default(&self) -> bool {
        *self == ModelParams::default()
    }

    /// These parameters with only those `model` uses kept, the others at their defaults.
    pub fn only_for(&self, model: CreditModel) -> ModelParams {
        let mut kept = ModelParams::default();
        match model {
            CreditModel::Position => {
                kept.position_weights_pct = self.position_weights_pct;
                kept.position_two_touch_proportional = self.position_two_touch_proportional;
            }
            CreditModel::TimeDecay => {
                kept.half_life_hours = self.half_life_hours;
                kept.time_decay_steps = self.time_decay_steps;
            }
            CreditModel::LastNonDirect => kept.direct_channels = self.direct_channels.clone(),
            CreditModel::Markov => kept.markov_order = self.markov_order,
            CreditModel::Shapley => kept.shapley_max_sources = self.shapley_max_sources,
            CreditModel::First | CreditModel::Last | CreditModel::Linear => {}
        }
        kept
    }

    /// The parameters `model` uses, in words (`40/20/40`, `half-life 168 h`, `order 1`);
    /// empty for first, last and linear.
    pub fn describe(&self, model: CreditModel) -> String {
        let number = |x: f64| {
            if x.fract() == 0.0 {
                format!("{x:.0}")
            } else {
                format!("{x}")
            }
        };
        match model {
            CreditModel::Position => {
                let [f, m, l] = self.position_weights_pct;
                format!("{}/{}/{}", number(f), number(m), number(l))
            }
            CreditModel::TimeDecay if self.half_life_hours.is_infinite() => {
                "no half-life".to_owned()
            }
            CreditModel::TimeDecay => format!(
                "half-life {} h{}",
                number(self.half_life_hours),
                if self.time_decay_steps {
                    ", in steps"
                } else {
                    ""
                }
            ),
            CreditModel::LastNonDirect => {
                format!("passing over {}", self.direct_channels.join(", "))
            }
            CreditModel::Markov => format!("order {}", self.markov_order),
            CreditModel::Shapley => match self.shapley_max_sources {
                Some(n) => format!("at most {n} sources"),
                None => String::new(),
            },
            CreditModel::First | CreditModel::Last | CreditModel::Linear => String::new(),
        }
    }

    /// Whether `source` is one of the direct channels.
    pub fn is_direct(&self, source: &str) -> bool {
        self.direct_channels
            .iter()
            .any(|d| d.trim().eq_ignore_ascii_case(source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_params_saved_before_a_field_existed_still_load() {
        let old: ModelParams = serde_json::from_str(r#"{"half_life_hours": 24.0}"#).unwrap();
        assert_eq!(old.half_life_hours, 24.0);
        assert_eq!(old.position_weights_pct, [40.0, 20.0, 40.0]);
        assert_eq!(old.markov_order, 1);
        let endless = ModelParams {
            half_life_hours: f64::INFINITY,
            ..ModelParams::default()
        };
        let text = serde_json::to_string(&endless).unwrap();
        let back: ModelParams = serde_json::from_str(&text).unwrap();
        assert_eq!(back, endless);
    }

    #[test]
    fn model_lists_read_names_in_order_once_each() {
        assert_eq!(
            CreditModel::parse_list("markov, time-decay,first,markov").unwrap(),
            [
                CreditModel::Markov,
                CreditModel::TimeDecay,
                CreditModel::First
            ]
        );
        assert!(
            CreditModel::parse_list("first,best")
                .unwrap_err()
                .contains("'best'")
        );
        assert_eq!(
            ModelParams::parse_position_weights("30, 40, 30").unwrap(),
            [30.0, 40.0, 30.0]
        );
        assert!(ModelParams::parse_position_weights("0,0,0").is_err());
        assert_eq!(
            ModelParams::parse_half_life_hours("infinite").unwrap(),
            f64::INFINITY
        );
    }
}
