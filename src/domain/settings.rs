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
