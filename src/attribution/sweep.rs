//! Credit for every cookie window at once, in one pass over the index.
//!
//! A touch counts from the window `ceil(lag / 1 day)` on. Within one conversion the touches
//! are in time order, so their entry days never increase along the journey: the touches
//! counted at a window are a suffix of the eligible ones. Last-touch is then constant from
//! the last touch's entry day on, first-touch and linear change only at the entry days, and
//! each change is two writes into a difference array over the windows. A prefix sum turns
//! the differences into credit per window.

use super::engine::{CreditTable, SourceCredit};
use super::settings::{AttributionSettings, CookieWindow, MAX_WINDOW_DAYS, Model, SECS_PER_DAY};
use crate::journeys::JourneyIndex;

/// Windows 0..=365 days, then unlimited.
const WINDOWS: usize = MAX_WINDOW_DAYS as usize + 2;
/// Index of the unlimited window.
const UNLIMITED: usize = WINDOWS - 1;
/// Conversions, revenue, payout.
const MEASURES: usize = 3;

/// Credit per source and model for every window from 0 to 365 days and unlimited, for one
/// setting of the other toggles.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowSweep {
    /// The toggles the sweep was computed for (its window is ignored).
    pub settings: AttributionSettings,
    sources: usize,
    /// `[window][model][source][measure]`, flattened.
    values: Vec<f64>,
    total: SourceCredit,
}

fn window_index(window: CookieWindow) -> usize {
    match window {
        CookieWindow::Days(days) => (days as usize).min(UNLIMITED - 1),
        CookieWindow::Unlimited => UNLIMITED,
    }
}

/// The first window index at which a touch `lag_secs` before its conversion counts.
fn entry_window(lag_secs: i64) -> usize {
    let days = (lag_secs.max(0) + SECS_PER_DAY - 1) / SECS_PER_DAY;
    (days as usize).min(UNLIMITED)
}

impl WindowSweep {
    fn slot(&self, window: usize, model: Model, source: usize) -> usize {
        ((window * 3 + model.index()) * self.sources + source) * MEASURES
    }

    /// The credit of one source under one model at one window.
    pub fn credit(&self, window: CookieWindow, model: Model, source: usize) -> SourceCredit {
        let at = self.slot(window_index(window), model, source);
        SourceCredit {
            conversions: self.values[at],
            revenue: self.values[at + 1],
            payout: self.values[at + 2],
        }
    }

    /// Number of sources the sweep covers.
    pub fn sources(&self) -> usize {
        self.sources
    }

    /// The credit table at `window`, equal to [`super::compute_credit`] with that window.
    pub fn table_at(&self, window: CookieWindow) -> CreditTable {
        let by_model = Model::ALL.map(|model| {
            (0..self.sources)
                .map(|source| self.credit(window, model, source))
                .collect()
        });
        let mut table = CreditTable {
            by_model,
            unattributed: SourceCredit::default(),
            total: self.total,
        };
        let attributed = table.model_total(Model::Last);
        table.unattributed = SourceCredit {
            conversions: (self.total.conversions - attributed.conversions)
                .max(0.0)
                .round(),
            revenue: self.total.revenue - attributed.revenue,
            payout: 0.0,
        };
        table
    }
}

/// Adds `share` of a conversion to `source` under `model` for windows `from..to`.
struct DiffWriter<'a> {
    sweep: &'a mut WindowSweep,
    revenue: f64,
}

impl DiffWriter<'_> {
    fn add(
        &mut self,
        model: Model,
        source: usize,
        share: f64,
        payout: f64,
        from: usize,
        to: usize,
    ) {
        let delta = [share, share * self.revenue, share * payout];
        let start = self.sweep.slot(from, model, source);
        for (k, d) in delta.iter().enumerate() {
            self.sweep.values[start + k] += d;
        }
        if to < WINDOWS {
            let end = self.sweep.slot(to, model, source);
            for (k, d) in delta.iter().enumerate() {
                self.sweep.values[end + k] -= d;
            }
        }
    }
}

/// Conversions above which the sweep is split across the machine's cores.
const PARALLEL_CONVERSIONS: usize = 50_000;

/// Computes credit for every window in one pass over the index.
pub fn sweep_windows(index: &JourneyIndex, settings: &AttributionSettings) -> WindowSweep {
    let conversions = index.conversions.len();
    let threads = super::engine::cores();
    let mut sweep = if threads < 2 || conversions < PARALLEL_CONVERSIONS {
        sweep_range(index, settings, 0..conversions)
    } else {
        let chunk = conversions.div_ceil(threads);
        let parts: Vec<WindowSweep> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let range = (t * chunk).min(conversions)..((t + 1) * chunk).min(conversions);
                    scope.spawn(move || sweep_range(index, settings, range))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("sweep thread"))
                .collect()
        });
        parts.into_iter().reduce(merge).expect("at least one part")
    };
    prefix_sum(&mut sweep);
    sweep
}

fn merge(mut into: WindowSweep, from: WindowSweep) -> WindowSweep {
    for (a, b) in into.values.iter_mut().zip(&from.values) {
        *a += b;
    }
    into.total.conversions += from.total.conversions;
    into.total.revenue += from.total.revenue;
    into
}

/// The difference arrays (not yet summed) of the conversions in `range`.
fn sweep_range(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    range: std::ops::Range<usize>,
) -> WindowSweep {
    let sources = index.sources.len();
    let mut sweep = WindowSweep {
        settings: *settings,
        sources,
        values: vec![0.0; WINDOWS * 3 * sources * MEASURES],
        total: SourceCredit::default(),
    };
    let mut eligible: Vec<(usize, usize)> = Vec::new();
    for conversion in range {
        let facts = &index.conversions[conversion];
        sweep.total.conversions += 1.0;
        sweep.total.revenue += facts.revenue;
        eligible.clear();
        eligible.extend(index.touch_range(conversion).filter_map(|p| {
            let source = index.source_id(p) as usize;
            let dropped = (settings.reset_after_conversion && index.before_previous_conversion(p))
                || (settings.partners_only && !index.sources[source].is_partner);
            (!dropped).then(|| (entry_window(index.lag_secs(p)), source))
        }));
        if eligible.is_empty() {
            continue;
        }
        let payout_of = |source: usize| {
            if facts.payable {
                index.sources[source].commission.for_revenue(facts.revenue)
            } else {
                0.0
            }
        };
        let mut writer = DiffWriter {
            sweep: &mut sweep,
            revenue: facts.revenue,
        };
        add_conversion(&mut writer, &eligible, payout_of);
    }
    sweep
}

/// `eligible` holds (entry window, source) in time order, entry windows non-increasing.
fn add_conversion(
    writer: &mut DiffWriter<'_>,
    eligible: &[(usize, usize)],
    payout_of: impl Fn(usize) -> f64,
) {
    let k = eligible.len();
    let (last_entry, last_source) = eligible[k - 1];
    writer.add(
        Model::Last,
        last_source,
        1.0,
        payout_of(last_source),
        last_entry,
        WINDOWS,
    );
    for j in (0..k).rev() {
        let (entry, source) = eligible[j];
        let until = if j == 0 { WINDOWS } else { eligible[j - 1].0 };
        if entry >= until {
            continue;
        }
        writer.add(Model::First, source, 1.0, payout_of(source), entry, until);
        let share = 1.0 / (k - j) as f64;
        for &(_, counted) in &eligible[j..] {
            writer.add(
                Model::Linear,
                counted,
                share,
                payout_of(counted),
                entry,
                until,
            );
        }
    }
}

fn prefix_sum(sweep: &mut WindowSweep) {
    let row = 3 * sweep.sources * MEASURES;
    for w in 1..WINDOWS {
        let (done, rest) = sweep.values.split_at_mut(w * row);
        let previous = &done[(w - 1) * row..];
        for (value, carried) in rest[..row].iter_mut().zip(previous) {
            *value += carried;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::compute_credit;

    /// Guards the parallel sweep: every window must equal a recompute.
    #[test]
    fn the_parallel_sweep_equals_recomputes() {
        let index = crate::journeys::random_index(80_000, 0x9e37_79b9_7f4a_7c15);
        assert!(index.conversions.len() >= PARALLEL_CONVERSIONS);
        let toggles = AttributionSettings {
            window: CookieWindow::Unlimited,
            reset_after_conversion: true,
            partners_only: true,
        };
        let sweep = sweep_windows(&index, &toggles);
        for window in [
            CookieWindow::Days(0),
            CookieWindow::Days(7),
            CookieWindow::Days(45),
            CookieWindow::Unlimited,
        ] {
            let swept = sweep.table_at(window);
            let direct = compute_credit(&index, &AttributionSettings { window, ..toggles });
            for model in Model::ALL {
                for (a, b) in swept.by_model[model.index()]
                    .iter()
                    .zip(&direct.by_model[model.index()])
                {
                    assert!(
                        (a.conversions - b.conversions).abs() < 1e-6,
                        "{window:?} {model:?}: {a:?} vs {b:?}"
                    );
                    assert!(
                        (a.revenue - b.revenue).abs() < 1e-6 && (a.payout - b.payout).abs() < 1e-6
                    );
                }
            }
        }
    }
}
