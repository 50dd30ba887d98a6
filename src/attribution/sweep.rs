//! Credit for every cookie window at once, in one pass over the index.
//!
//! A touch counts from the window `ceil(lag / 1 day)` on. Within one conversion the touches
//! are in time order, so their entry days never increase along the journey: the touches
//! counted at a window are a suffix of the eligible ones. Last-touch is then constant from
//! the last touch's entry day on, first-touch and linear change only at the entry days, and
//! each change is two writes into a difference array over the windows. A prefix sum turns
//! the differences into credit per window.

use super::engine::{CouponRule, CreditTable, Dealt, Lanes, SourceCredit};
use crate::domain::{
    AttributionSettings, CookieWindow, CountRule, MAX_WINDOW_DAYS, Model, SECS_PER_DAY,
};
use crate::journeys::{HotArrays, JourneyIndex, NO_SOURCE};

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
    /// `[model][source][window][measure]`, flattened.
    values: Vec<f64>,
    total: SourceCredit,
}

/// Where a (window, model, source) triple lives: each model and source owns a run of all its
/// windows, so one conversion's writes (mostly at small windows) stay close in memory.
fn slot_of(sources: usize, window: usize, model: Model, source: usize) -> usize {
    ((model.index() * sources + source) * WINDOWS + window) * MEASURES
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
        slot_of(self.sources, window, model, source)
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

/// Conversions above which the sweep is split across the machine's cores.
const PARALLEL_CONVERSIONS: usize = 50_000;

/// Computes credit for every window in one pass over the index.
pub fn sweep_windows(index: &JourneyIndex, settings: &AttributionSettings) -> WindowSweep {
    let conversions = index.conversions.len();
    let mut sweep = super::engine::deal_across_cores(
        conversions,
        conversions >= PARALLEL_CONVERSIONS,
        |part| sweep_part(index, settings, part),
        merge,
    );
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

/// The difference arrays (not yet summed) of one core's share of the conversions, with the
/// scope as a compile-time constant.
fn sweep_part(index: &JourneyIndex, settings: &AttributionSettings, part: Dealt) -> WindowSweep {
    if settings.partners_only {
        sweep_part_with::<true>(index, settings, part)
    } else {
        sweep_part_with::<false>(index, settings, part)
    }
}

/// Conversions, revenue, paid revenue and paid conversions: the lanes of the working
/// difference arrays, as in the recompute (a source's payout is applied at the end).
const LANES: usize = 4;

/// Where a (window, model, source) triple's lanes live in the working arrays.
fn lanes_of(sources: usize, window: usize, model: Model, source: usize) -> usize {
    ((model.index() * sources + source) * WINDOWS + window) * LANES
}

/// The working difference arrays of one core: four lanes per window, model and source.
struct Differences {
    sources: usize,
    cells: Vec<f64>,
    /// Windows below this one belong to a coupon backup: touch writes move up to it.
    floor: usize,
}

impl Differences {
    #[inline(always)]
    fn add(&mut self, at: usize, model: Model, source: usize, lanes: Lanes) {
        let at = at.max(self.floor);
        let slot = lanes_of(self.sources, at, model, source);
        let cell = &mut self.cells[slot..slot + LANES];
        for (sum, lane) in cell.iter_mut().zip(lanes) {
            *sum += lane;
        }
    }

    /// The whole conversion to `source` under every model, for windows `from..to`.
    fn add_whole(&mut self, from: usize, to: usize, source: usize, whole: Lanes) {
        for model in Model::ALL {
            self.add(from, model, source, whole);
            if to < WINDOWS {
                self.add(to, model, source, whole.map(|lane| -lane));
            }
        }
    }

    /// One conversion's changes of credit. `eligible` are its touches that count at a long
    /// enough window, newest first, as (entry window, source): entry windows never decrease
    /// along it, so the touches counted at a window are a prefix. Touch `j` joins at its entry
    /// window: it becomes the first touch, and linear gives each of the `j + 1` counted touches
    /// `1 / (j + 1)`. Touches with the same entry window write at the same window, so the steps
    /// between them cancel out, and every journey of `k` eligible touches does the same work
    /// (no branch on the data) — `k (k + 1) / 2` linear writes, so journeys longer than
    /// [`LONG_JOURNEY`] write once per source and step instead.
    fn add_journey(
        &mut self,
        eligible: &[(usize, usize)],
        per_source: &mut Vec<(usize, f64)>,
        whole: Lanes,
    ) {
        let Some(&(entry, newest)) = eligible.first() else {
            return;
        };
        self.add(entry, Model::Last, newest, whole);
        let negative = whole.map(|lane| -lane);
        let long = eligible.len() > LONG_JOURNEY;
        per_source.clear();
        let mut previous_share = 0.0;
        for (j, &(at, source)) in eligible.iter().enumerate() {
            let share = 1.0 / (j + 1) as f64;
            if long {
                self.add_linear_per_source(at, source, (previous_share, share), per_source, whole);
            } else {
                let shrink = whole.map(|lane| lane * (share - previous_share));
                for &(_, newer) in &eligible[..j] {
                    self.add(at, Model::Linear, newer, shrink);
                }
                self.add(at, Model::Linear, source, whole.map(|lane| lane * share));
            }
            if j > 0 {
                self.add(at, Model::First, eligible[j - 1].1, negative);
            }
            self.add(at, Model::First, source, whole);
            previous_share = share;
        }
    }

    /// Linear's change at window `at` when a touch of `source` joins and each counted touch's
    /// share goes from `before` to `after`, written once per source (`per_source` counts the
    /// counted touches of each).
    fn add_linear_per_source(
        &mut self,
        at: usize,
        source: usize,
        (before, after): (f64, f64),
        per_source: &mut Vec<(usize, f64)>,
        whole: Lanes,
    ) {
        match per_source.iter_mut().find(|(s, _)| *s == source) {
            Some((_, touches)) => *touches += 1.0,
            None => per_source.push((source, 1.0)),
        }
        for &(counted, touches) in per_source.iter() {
            let had = if counted == source {
                touches - 1.0
            } else {
                touches
            };
            let change = touches * after - had * before;
            self.add(at, Model::Linear, counted, whole.map(|lane| lane * change));
        }
    }
}

/// Eligible touches above which a journey's linear changes are written per source.
const LONG_JOURNEY: usize = 64;

fn sweep_part_with<const PARTNERS_ONLY: bool>(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    part: Dealt,
) -> WindowSweep {
    let sources = index.sources.len();
    let hot = index.hot();
    // Room for the longest journey (the last in walk order) and a coupon.
    let longest = hot
        .offsets
        .windows(2)
        .last()
        .map_or(0, |w| (w[1] - w[0]) as usize);
    let mut walk = SweepWalk::<PARTNERS_ONLY> {
        hot,
        rules: super::engine::SourceRules::new(index, settings),
        // The window is the sweep's variable: the rule only applies methods, caps and reset.
        rule: CountRule::new(
            &settings.tracking,
            CookieWindow::Unlimited,
            settings.reset_after_conversion,
        ),
        coupon_rule: CouponRule::of(settings),
        differences: Differences {
            sources,
            cells: vec![0.0; WINDOWS * 3 * sources * LANES],
            floor: 0,
        },
        eligible: vec![(0, 0); longest + 1],
        per_source: Vec::new(),
        total: SourceCredit::default(),
    };
    let offsets = hot.offsets;
    for block in part.blocks() {
        for c in block {
            super::engine::by_journey_length!(offsets[c + 1] - offsets[c], walk.conversion(c));
        }
    }
    WindowSweep {
        settings: *settings,
        sources,
        values: credit_of_lanes(walk.differences.cells, &walk.rules),
        total: walk.total,
    }
}

/// The state of one core's sweep over its conversions.
struct SweepWalk<'a, const PARTNERS_ONLY: bool> {
    hot: HotArrays<'a>,
    rules: super::engine::SourceRules,
    rule: CountRule,
    coupon_rule: CouponRule,
    differences: Differences,
    /// Room for one journey's eligible touches, as (entry window, source).
    eligible: Vec<(usize, usize)>,
    /// A long journey's counted touches per source.
    per_source: Vec<(usize, f64)>,
    total: SourceCredit,
}

impl<const PARTNERS_ONLY: bool> SweepWalk<'_, PARTNERS_ONLY> {
    fn counts(&self, p: usize) -> bool {
        let hot = &self.hot;
        self.rules
            .counts::<PARTNERS_ONLY>(&self.rule, hot.keys[p], hot.lags[p], hot.sources[p])
    }

    /// Writes the credit changes of the conversion at walk position `c`, whose journey has
    /// `LENGTH` touches (or any number when `LENGTH` is 0).
    #[inline(always)]
    fn conversion<const LENGTH: usize>(&mut self, c: usize) {
        let hot = &self.hot;
        let (whole, touches) = super::engine::conversion_at::<LENGTH>(hot, c);
        self.total.conversions += 1.0;
        self.total.revenue += whole[1];
        let coupon = match self.coupon_rule {
            CouponRule::Off => NO_SOURCE,
            _ => hot.coupon_partner[c],
        };
        self.differences.floor = 0;
        if coupon != NO_SOURCE && self.coupon_rule != CouponRule::Touch {
            // Override: the coupon's partner holds every window; backup: every window before
            // a partner touch counts.
            let partner_entry = match self.coupon_rule {
                CouponRule::Override => WINDOWS,
                _ => touches
                    .clone()
                    .rev()
                    .find(|&p| self.counts(p) && self.rules.is_partner[hot.sources[p] as usize])
                    .map_or(WINDOWS, |p| entry_window(i64::from(hot.lags[p]))),
            };
            self.differences
                .add_whole(0, partner_entry, coupon as usize, whole);
            if partner_entry >= WINDOWS {
                return;
            }
            self.differences.floor = partner_entry;
        }
        // Each touch is written, and kept (the length grows) only when it counts: no branch.
        let mut kept = 0;
        if self.coupon_rule == CouponRule::Touch && coupon != NO_SOURCE {
            // The coupon is the newest touch, at the conversion instant.
            self.eligible[0] = (0, coupon as usize);
            kept = 1;
        }
        for p in touches.rev() {
            let counts = self.counts(p);
            self.eligible[kept] = (
                entry_window(i64::from(hot.lags[p])),
                hot.sources[p] as usize,
            );
            kept += usize::from(counts);
        }
        self.differences
            .add_journey(&self.eligible[..kept], &mut self.per_source, whole);
    }
}

/// Turns four-lane cells into conversions, revenue and payout per window, model and source.
fn credit_of_lanes(mut cells: Vec<f64>, rules: &super::engine::SourceRules) -> Vec<f64> {
    let sources = rules.rate.len();
    let slots = cells.len() / LANES;
    // In place: slot `i`'s three measures land at `3i`, never past the next slot's lanes.
    for slot in 0..slots {
        let at = slot * LANES;
        let [conversions, revenue, paid_revenue, paid] =
            [cells[at], cells[at + 1], cells[at + 2], cells[at + 3]];
        let source = slot / WINDOWS % sources;
        let to = slot * MEASURES;
        cells[to] = conversions;
        cells[to + 1] = revenue;
        cells[to + 2] = rules.rate[source] * paid_revenue + rules.flat[source] * paid;
    }
    cells.truncate(slots * MEASURES);
    cells
}

fn prefix_sum(sweep: &mut WindowSweep) {
    for run in sweep.values.chunks_exact_mut(WINDOWS * MEASURES) {
        for at in MEASURES..run.len() {
            run[at] += run[at - MEASURES];
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
            tracking: crate::attribution::Preset::HybridCrossDeviceCoupons.settings(),
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
