//! Credit for every cookie window at once, in one pass over the index.
//!
//! A touch counts from the window `ceil(lag / 1 day)` on. Within one conversion the touches
//! are in time order, so their entry days never increase along the journey: the touches
//! counted at a window are a suffix of the eligible ones. Last-touch is then constant from
//! the last touch's entry day on, first-touch and linear change only at the entry days, and
//! each change is two writes into a difference array over the windows. A prefix sum turns
//! the differences into credit per window.

use super::engine::{CouponRule, CreditTable, Dealt, SourceCredit};
use super::settings::{AttributionSettings, CookieWindow, MAX_WINDOW_DAYS, Model, SECS_PER_DAY};
use super::tracking::CountRule;
use crate::journeys::{JourneyIndex, NO_SOURCE};

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

/// One conversion's running state while its touches are added newest first.
struct Journey {
    /// Sources counted so far: (source, touches, linear share last written).
    present: Vec<(usize, u32, f64)>,
    counted: u32,
    /// Source of the oldest touch added so far, and the one written as first-touch.
    oldest: usize,
    first_written: Option<usize>,
}

impl Journey {
    fn restart(&mut self) {
        self.present.clear();
        self.counted = 0;
        self.first_written = None;
    }

    /// Adds the next older counted touch.
    fn push(&mut self, source: usize) {
        self.counted += 1;
        self.oldest = source;
        match self.present.iter_mut().find(|(s, _, _)| *s == source) {
            Some(entry) => entry.1 += 1,
            None => self.present.push((source, 1, 0.0)),
        }
    }
}

/// Writes one conversion's changes of credit at window `at` into the difference array.
struct Writer<'a> {
    values: &'a mut [f64],
    sources: usize,
    revenue: f64,
    /// 1 when the conversion pays, else 0.
    paid: f64,
    rules: &'a super::engine::SourceRules,
    /// Windows below this one belong to a coupon backup: touch writes move up to it.
    floor: usize,
}

impl Writer<'_> {
    fn add(&mut self, at: usize, model: Model, source: usize, share: f64) {
        let at = at.max(self.floor);
        if at >= WINDOWS {
            return;
        }
        let slot = slot_of(self.sources, at, model, source);
        self.values[slot] += share;
        self.values[slot + 1] += share * self.revenue;
        let payout = self.paid * (self.revenue * self.rules.rate[source] + self.rules.flat[source]);
        self.values[slot + 2] += share * payout;
    }

    /// The whole conversion to `source` under every model, for windows `from..to`.
    fn add_whole(&mut self, from: usize, to: usize, source: usize) {
        let floor = std::mem::replace(&mut self.floor, 0);
        for model in Model::ALL {
            self.add(from, model, source, 1.0);
            self.add(to, model, source, -1.0);
        }
        self.floor = floor;
    }

    /// From window `at` on, the counted touches are those added so far.
    fn flush(&mut self, at: usize, journey: &mut Journey) {
        if journey.first_written != Some(journey.oldest) {
            if let Some(previous) = journey.first_written {
                self.add(at, Model::First, previous, -1.0);
            }
            self.add(at, Model::First, journey.oldest, 1.0);
            journey.first_written = Some(journey.oldest);
        }
        let counted = f64::from(journey.counted);
        for (source, touches, written) in journey.present.iter_mut() {
            let share = f64::from(*touches) / counted;
            if share != *written {
                self.add(at, Model::Linear, *source, share - *written);
                *written = share;
            }
        }
    }
}

fn sweep_part_with<const PARTNERS_ONLY: bool>(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    part: Dealt,
) -> WindowSweep {
    let sources = index.sources.len();
    let hot = index.hot();
    let rules = super::engine::SourceRules::new(index, settings);
    // The window is the sweep's variable: the rule only applies methods, caps and reset.
    let rule = CountRule::new(
        &settings.tracking,
        CookieWindow::Unlimited,
        settings.reset_after_conversion,
    );
    let coupon_rule = CouponRule::of(settings);
    let eligible = |p: usize| {
        rule.counts(hot.keys[p], hot.lags[p])
            && !(PARTNERS_ONLY && rules.droppable[hot.sources[p] as usize])
    };
    let mut values = vec![0.0; WINDOWS * 3 * sources * MEASURES];
    let mut journey = Journey {
        present: Vec::with_capacity(8),
        counted: 0,
        oldest: 0,
        first_written: None,
    };
    let mut total = SourceCredit::default();
    for c in part.positions() {
        total.conversions += 1.0;
        total.revenue += hot.revenue[c];
        let mut writer = Writer {
            values: &mut values,
            sources,
            revenue: hot.revenue[c],
            paid: if hot.payable[c] { 1.0 } else { 0.0 },
            rules: &rules,
            floor: 0,
        };
        let touches = hot.offsets[c] as usize..hot.offsets[c + 1] as usize;
        let coupon = match coupon_rule {
            CouponRule::Off => NO_SOURCE,
            _ => hot.coupon_partner[c],
        };
        if coupon != NO_SOURCE && coupon_rule != CouponRule::Touch {
            // Override: the coupon's partner holds every window; backup: every window before
            // a partner touch counts.
            let partner_entry = match coupon_rule {
                CouponRule::Override => WINDOWS,
                _ => touches
                    .clone()
                    .rev()
                    .find(|&p| eligible(p) && rules.is_partner[hot.sources[p] as usize])
                    .map_or(WINDOWS, |p| entry_window(i64::from(hot.lags[p]))),
            };
            writer.add_whole(0, partner_entry, coupon as usize);
            writer.floor = partner_entry;
            if partner_entry >= WINDOWS {
                continue;
            }
        }
        journey.restart();
        let mut boundary: Option<usize> = None;
        if coupon_rule == CouponRule::Touch && coupon != NO_SOURCE {
            writer.add(0, Model::Last, coupon as usize, 1.0);
            boundary = Some(0);
            journey.push(coupon as usize);
        }
        // Newest first: entry windows never decrease, so each change of entry is a boundary.
        for p in touches.rev() {
            if !eligible(p) {
                continue;
            }
            let source = hot.sources[p] as usize;
            let entry = entry_window(i64::from(hot.lags[p]));
            match boundary {
                None => writer.add(entry, Model::Last, source, 1.0),
                Some(at) if at != entry => writer.flush(at, &mut journey),
                Some(_) => {}
            }
            boundary = Some(entry);
            journey.push(source);
        }
        if let Some(at) = boundary {
            writer.flush(at, &mut journey);
        }
    }
    WindowSweep {
        settings: *settings,
        sources,
        values,
        total,
    }
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
