//! The window sweeps behind the sliders: one sweep per toggle setting, computed on the sweep
//! worker, read in microseconds when the window slider moves.
//!
//! A request has states: nothing yet; pending while the previous sweep stays on screen; done.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::latest::Latest;
use crate::attribution::{
    AttributionSettings, CookieWindow, CreditTable, Recurring, Renewals, WindowSweep, sweep_windows,
};
use crate::journeys::JourneyIndex;

/// What a sweep depends on: the index (by identity) and the toggles (its window is
/// irrelevant and fixed).
#[derive(Clone)]
struct SweepKey {
    index: Arc<JourneyIndex>,
    toggles: AttributionSettings,
}

impl PartialEq for SweepKey {
    fn eq(&self, other: &SweepKey) -> bool {
        Arc::ptr_eq(&self.index, &other.index) && self.toggles == other.toggles
    }
}

impl SweepKey {
    fn of(index: &Arc<JourneyIndex>, settings: &AttributionSettings) -> SweepKey {
        SweepKey {
            index: index.clone(),
            toggles: AttributionSettings {
                window: CookieWindow::Unlimited,
                ..*settings
            },
        }
    }
}

/// Window sweeps for the index on screen.
pub struct SweepCache {
    sweeps: Latest<SweepKey, (WindowSweep, Duration)>,
    last_lookup: Option<Duration>,
    /// The renewals bound for an index under a binding, found once for both.
    renewals: Option<(Arc<JourneyIndex>, Option<Recurring>, Arc<Renewals>)>,
}

impl Default for SweepCache {
    fn default() -> Self {
        SweepCache {
            sweeps: Latest::new("sweep"),
            last_lookup: None,
            renewals: None,
        }
    }
}

impl SweepCache {
    /// The credit table for `settings`, from the sweep for its toggles; while that sweep is
    /// being computed, from the previous one (`stale` is then true). `None` before the first
    /// sweep exists.
    pub fn table(
        &mut self,
        index: &Arc<JourneyIndex>,
        settings: &AttributionSettings,
    ) -> Option<(CreditTable, bool)> {
        let (sweep, fresh) = self.request(index, settings)?;
        let started = Instant::now();
        let table = sweep.0.table_at(settings.window);
        self.last_lookup = Some(started.elapsed());
        Some((table, !fresh))
    }

    /// The sweep for `settings`' toggles, or the previous one while it is being computed.
    pub fn sweep_for(
        &mut self,
        index: &Arc<JourneyIndex>,
        settings: &AttributionSettings,
    ) -> Option<Arc<(WindowSweep, Duration)>> {
        self.request(index, settings).map(|(sweep, _)| sweep)
    }

    fn request(
        &mut self,
        index: &Arc<JourneyIndex>,
        settings: &AttributionSettings,
    ) -> Option<(Arc<(WindowSweep, Duration)>, bool)> {
        let key = SweepKey::of(index, settings);
        let (job_index, toggles) = (key.index.clone(), key.toggles);
        self.sweeps.get(&key, move || {
            let started = Instant::now();
            let sweep = sweep_windows(&job_index, &toggles);
            (sweep, started.elapsed())
        })
    }

    /// The renewals of `index` bound under `recurring` (found again only when either changes).
    pub fn renewals(
        &mut self,
        index: &Arc<JourneyIndex>,
        recurring: Option<Recurring>,
    ) -> Arc<Renewals> {
        match &self.renewals {
            Some((i, r, renewals)) if Arc::ptr_eq(i, index) && *r == recurring => renewals.clone(),
            _ => {
                let renewals = Arc::new(Renewals::bind(index, recurring));
                self.renewals = Some((index.clone(), recurring, renewals.clone()));
                renewals
            }
        }
    }

    /// Whether a sweep is being computed.
    pub fn is_busy(&self) -> bool {
        self.sweeps.is_busy()
    }

    /// How long the last full sweep took.
    pub fn last_sweep(&self) -> Option<Duration> {
        self.sweeps.shown().map(|(_, sweep)| sweep.1)
    }

    /// How long reading the table for the current window took (what a slider move costs).
    pub fn last_lookup(&self) -> Option<Duration> {
        self.last_lookup
    }
}
