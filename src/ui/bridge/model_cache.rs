//! Credit under the models beyond first, last and linear, and their window sweeps, computed on
//! their own workers: the latest answer for the settings, parameters and models on screen, the
//! previous one shown while the next is computed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::latest::Latest;
use super::open_paths::{OpenPathsLoad, OpenPathsState};
use crate::attribution::{
    AttributionSettings, CookieWindow, CreditModel, ModelCredit, ModelParams, ModelSweep,
    compute_models, sweep_models,
};
use crate::journeys::JourneyIndex;

/// What the credit depends on: the index (by identity), the settings, the parameters and
/// the models.
#[derive(Clone)]
struct ModelKey {
    index: Arc<JourneyIndex>,
    settings: AttributionSettings,
    params: ModelParams,
    models: Vec<CreditModel>,
}

impl PartialEq for ModelKey {
    fn eq(&self, other: &ModelKey) -> bool {
        Arc::ptr_eq(&self.index, &other.index)
            && self.settings == other.settings
            && self.params == other.params
            && self.models == other.models
    }
}

/// Credit under the chosen models for the index on screen, and their window sweeps.
pub struct ModelCache {
    credit: Latest<ModelKey, (ModelCredit, Duration)>,
    sweeps: Latest<ModelKey, ModelSweep>,
    /// The journeys that did not convert the last data-driven credit asked for, while they
    /// are not in the index.
    waiting: Option<OpenPathsLoad>,
}

impl Default for ModelCache {
    fn default() -> Self {
        ModelCache {
            credit: Latest::new("models"),
            sweeps: Latest::new("model sweep"),
            waiting: None,
        }
    }
}

impl ModelCache {
    /// The credit under `models` (those beyond first, last and linear; the sweep has those)
    /// and how long it took, with whether it is for these inputs (`false`: the previous
    /// answer, the new one is coming). `None` before the first answer, or when no model
    /// needs computing. Markov and Shapley wait for the index's journeys that did not convert,
    /// asked for through `open_paths` (the handle on `index`) the first time they are needed
    /// ([`ModelCache::open_paths_state`] tells how that goes).
    pub fn credit(
        &mut self,
        index: &Arc<JourneyIndex>,
        open_paths: &OpenPathsLoad,
        settings: &AttributionSettings,
        params: &ModelParams,
        models: &[CreditModel],
    ) -> Option<(Arc<(ModelCredit, Duration)>, bool)> {
        self.waiting = None;
        if models.is_empty() {
            return None;
        }
        let data_driven = models.iter().any(|m| m.is_data_driven());
        if data_driven && index.open_paths().is_none() && open_paths.is_for(index) {
            // A small programme's are read at once: its credit shows in this very frame.
            let state = open_paths.ask(Duration::from_millis(25));
            if !matches!(state, OpenPathsState::Read(_)) {
                self.waiting = Some(open_paths.clone());
                // The previous answer stays on screen meanwhile.
                return self.credit.shown().map(|(_, shown)| (shown.clone(), false));
            }
        }
        let key = ModelKey {
            index: index.clone(),
            settings: *settings,
            params: params.clone(),
            models: models.to_vec(),
        };
        let job = key.clone();
        self.credit.get(&key, move || {
            let started = Instant::now();
            let credit = compute_models(&job.index, &job.settings, &job.params, &job.models);
            (credit, started.elapsed())
        })
    }

    /// The sweep over every window of `models` (per-sale models; the window of `settings`
    /// does not matter), with whether it is for these inputs; `None` before the first answer
    /// or when no model needs sweeping.
    pub fn sweep(
        &mut self,
        index: &Arc<JourneyIndex>,
        settings: &AttributionSettings,
        params: &ModelParams,
        models: &[CreditModel],
    ) -> Option<(Arc<ModelSweep>, bool)> {
        if models.is_empty() {
            return None;
        }
        let key = ModelKey {
            index: index.clone(),
            settings: AttributionSettings {
                window: CookieWindow::Unlimited,
                ..*settings
            },
            params: params.clone(),
            models: models.to_vec(),
        };
        let job = key.clone();
        self.sweeps.get(&key, move || {
            sweep_models(&job.index, &job.settings, &job.params, &job.models)
        })
    }

    /// Whether the journeys that did not convert, which the last credit asked for waits on,
    /// are being read or could not be read; `None` when it waits on nothing.
    pub fn open_paths_state(&self) -> Option<OpenPathsState> {
        self.waiting.as_ref().map(OpenPathsLoad::state)
    }

    /// Whether a computation is under way (the journeys that did not convert being read
    /// included).
    pub fn is_busy(&self) -> bool {
        let reading = self.open_paths_state() == Some(OpenPathsState::Reading);
        self.credit.is_busy() || self.sweeps.is_busy() || reading
    }
}
