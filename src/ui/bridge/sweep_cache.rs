//! The models behind the sliders: a window sweep per toggle setting, computed off the UI
//! thread, read in microseconds when the window slider moves.
//!
//! A request has states: nothing yet; pending while the previous sweep stays on screen; done.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use crate::attribution::{
    AttributionSettings, CookieWindow, CreditTable, WindowSweep, sweep_windows,
};
use crate::journeys::JourneyIndex;

/// The toggles a sweep depends on (its window is irrelevant and fixed).
fn toggles(settings: &AttributionSettings) -> AttributionSettings {
    AttributionSettings {
        window: CookieWindow::Unlimited,
        ..*settings
    }
}

struct Pending {
    index: Arc<JourneyIndex>,
    toggles: AttributionSettings,
    reply: Receiver<(WindowSweep, Duration)>,
}

/// Window sweeps for the index on screen.
#[derive(Default)]
pub struct CreditEngine {
    index: Option<Arc<JourneyIndex>>,
    shown: Option<Arc<WindowSweep>>,
    pending: Option<Pending>,
    last_sweep: Option<Duration>,
    last_lookup: Option<Duration>,
}

impl CreditEngine {
    /// The credit table for `settings`, from the sweep for its toggles; while that sweep is
    /// being computed, from the previous one (`stale` is then true). `None` before the first
    /// sweep exists.
    pub fn table(
        &mut self,
        index: &Arc<JourneyIndex>,
        settings: &AttributionSettings,
    ) -> Option<(CreditTable, bool)> {
        self.request(index, settings);
        let sweep = self.shown.clone()?;
        let started = Instant::now();
        let table = sweep.table_at(settings.window);
        self.last_lookup = Some(started.elapsed());
        let stale = sweep.settings != toggles(settings) || !self.is_for(index);
        Some((table, stale))
    }

    /// The sweep for `settings`' toggles, or the previous one while it is being computed.
    pub fn sweep_for(
        &mut self,
        index: &Arc<JourneyIndex>,
        settings: &AttributionSettings,
    ) -> Option<Arc<WindowSweep>> {
        self.request(index, settings);
        self.shown.clone()
    }

    fn is_for(&self, index: &Arc<JourneyIndex>) -> bool {
        self.index.as_ref().is_some_and(|i| Arc::ptr_eq(i, index))
    }

    /// Starts the sweep for `settings` unless it is shown or under way; collects a finished one.
    fn request(&mut self, index: &Arc<JourneyIndex>, settings: &AttributionSettings) {
        let wanted = toggles(settings);
        self.collect();
        let shown_ok =
            self.is_for(index) && self.shown.as_ref().is_some_and(|s| s.settings == wanted);
        let pending_ok = self
            .pending
            .as_ref()
            .is_some_and(|p| Arc::ptr_eq(&p.index, index) && p.toggles == wanted);
        if shown_ok || pending_ok {
            return;
        }
        let (tx, reply) = channel();
        let job_index = index.clone();
        std::thread::Builder::new()
            .name("sweep".to_owned())
            .spawn(move || {
                let started = Instant::now();
                let sweep = sweep_windows(&job_index, &wanted);
                let _ = tx.send((sweep, started.elapsed()));
            })
            .expect("spawning the sweep thread");
        self.pending = Some(Pending {
            index: index.clone(),
            toggles: wanted,
            reply,
        });
        // Small programmes finish at once: show the result in this very frame.
        self.wait_briefly(Duration::from_millis(8));
    }

    fn wait_briefly(&mut self, budget: Duration) {
        let Some(pending) = &self.pending else { return };
        if let Ok(done) = pending.reply.recv_timeout(budget) {
            self.finish(done);
        }
    }

    fn collect(&mut self) {
        let Some(pending) = &self.pending else { return };
        if let Ok(done) = pending.reply.try_recv() {
            self.finish(done);
        }
    }

    fn finish(&mut self, (sweep, took): (WindowSweep, Duration)) {
        if let Some(pending) = self.pending.take() {
            self.index = Some(pending.index);
        }
        self.shown = Some(Arc::new(sweep));
        self.last_sweep = Some(took);
    }

    /// Whether a sweep is being computed.
    pub fn is_busy(&self) -> bool {
        self.pending.is_some()
    }

    /// How long the last full sweep took.
    pub fn last_sweep(&self) -> Option<Duration> {
        self.last_sweep
    }

    /// How long reading the table for the current window took (what a slider move costs).
    pub fn last_lookup(&self) -> Option<Duration> {
        self.last_lookup
    }
}
