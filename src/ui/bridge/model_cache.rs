//! Credit under the models beyond first, last and linear, computed on their own worker: the
//! latest answer for the settings, parameters and models on screen, the previous one shown
//! while the next is computed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::latest::Latest;
use crate::attribution::{
    AttributionSettings, CreditModel, ModelCredit, ModelParams, compute_models,
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

/// Credit under the chosen models for the index on screen.
pub struct ModelCache {
    credit: Latest<ModelKey, (ModelCredit, Duration)>,
}

impl Default for ModelCache {
    fn default() -> Self {
        ModelCache {
            credit: Latest::new("models"),
        }
    }
}

impl ModelCache {
    /// The credit under `models` (those beyond first, last and linear; the sweep has those)
    /// and how long it took, with whether it is for these inputs (`false`: the previous
    /// answer, the new one is coming). `None` before the first answer, or when no model
    /// needs computing.
    pub fn credit(
        &mut self,
        index: &Arc<JourneyIndex>,
        settings: &AttributionSettings,
        params: &ModelParams,
        models: &[CreditModel],
    ) -> Option<(Arc<(ModelCredit, Duration)>, bool)> {
        if models.is_empty() {
            return None;
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

    /// Whether a computation is under way.
    pub fn is_busy(&self) -> bool {
        self.credit.is_busy()
    }
}
