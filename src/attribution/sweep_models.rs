//! Credit for every cookie window at once under the models that split each sale by its own
//! touches (position-based, time decay, last non-direct, and first, last and linear again).
//!
//! As in `sweep`, the touches counted at a window are a suffix of those that count with no
//! window, and the suffix grows only at the touches' entry days. For each suffix the model's
//! shares are worked out once and written into a difference array over the windows (added
//! where the suffix starts counting, taken away where the next older touch joins); a prefix
//! sum turns them into credit per window. A coupon that backs up a journey without a partner
//! touch, or counts as a touch at the sale, is applied to each suffix as the models apply it.
//! Markov and Shapley learn from every journey at once and are not swept.

use super::engine::{
    CouponRule, Lanes, PARALLEL_TOUCHES, SourceCredit, SourceRules, conversion_at,
    deal_across_cores,
};
use super::models::ModelCredit;
use super::walk::Counted;
use super::weights::{Weighting, lanes_credit};
use crate::domain::{
    AttributionSettings, CookieWindow, CountRule, CreditModel, MAX_WINDOW_DAYS, ModelParams,
    SECS_PER_DAY,
};
use crate::journeys::{JourneyIndex, NO_SOURCE};

/// Windows 0..=365 days, then unlimited.
const WINDOWS: usize = MAX_WINDOW_DAYS as usize + 2;
/// Index of the unlimited window.
const UNLIMITED: usize = WINDOWS - 1;

/// Credit per source under each swept model for every window from 0 to 365 days and
/// unlimited, for one setting of the other toggles.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSweep {
    /// The models swept, in the order asked for (Markov and Shapley left out).
    pub models: Vec<CreditModel>,
    sources: usize,
    /// `[model][source][window]`, flattened.
    values: Vec<SourceCredit>,
    total: SourceCredit,
}

fn window_index(window: CookieWindow) -> usize {
    match window {
        CookieWindow::Days(days) => (days as usize).min(UNLIMITED - 1),
        CookieWindow::Unlimited => UNLIMITED,
    }
}

/// The first window index at which a touch `lag_secs` before its conversion counts.
fn entry_window(lag_secs: u32) -> usize {
    let days = (i64::from(lag_secs) + SECS_PER_DAY - 1) / SECS_PER_DAY;
    (days as usize).min(UNLIMITED)
}

impl ModelSweep {
    /// The credit of `source` under `model` at `window` (zero for a model not swept).
    pub fn credit(&self, window: CookieWindow, model: CreditModel, source: usize) -> SourceCredit {
        match self.models.iter().position(|&m| m == model) {
            Some(m) => self.values[(m * self.sources + source) * WINDOWS + window_index(window)],
            None => SourceCredit::default(),
        }
    }

    /// The credit of every swept model at `window`, equal to [`super::compute_models`] with
    /// that window.
    pub fn credit_at(&self, window: CookieWindow) -> ModelCredit {
        let by_model: Vec<Vec<SourceCredit>> = self
            .models
            .iter()
            .map(|&model| {
                (0..self.sources)
                    .map(|s| self.credit(window, model, s))
                    .collect()
            })
            .collect();
        let attributed = by_model.first().map_or(0.0, |credit| {
            credit.iter().map(|c| c.conversions).sum::<f64>()
        });
        let attributed_revenue = by_model
            .first()
            .map_or(0.0, |credit| credit.iter().map(|c| c.revenue).sum::<f64>());
        ModelCredit {
            models: self.models.clone(),
            by_model,
            unattributed: SourceCredit {
                conversions: (self.total.conversions - attributed).max(0.0).round(),
                revenue: self.total.revenue - attributed_revenue,
                payout: 0.0,
            },
            total: self.total,
            removal_effects: None,
            without_open_paths: false,
        }
    }
}

/// Sweeps every window for `models` with `params` (Markov and Shapley are left out).
pub fn sweep_models(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    params: &ModelParams,
    models: &[CreditModel],
) -> ModelSweep {
    let models: Vec<CreditModel> = models
        .iter()
        .copied()
        .filter(|m| !m.is_data_driven())
        .collect();
    let weightings: Vec<Weighting> = models
        .iter()
        .filter_map(|&m| Weighting::of(m, params, index))
        .collect();
    let unlimited = AttributionSettings {
        window: CookieWindow::Unlimited,
        ..*settings
    };
    let rules = SourceRules::new(index, &unlimited);
    let sweeper = Sweeper {
        index,
        rule: CountRule::new(
            &unlimited.tracking,
            CookieWindow::Unlimited,
            unlimited.reset_after_conversion,
        ),
        rules: &rules,
        coupon: CouponRule::of(&unlimited),
        weightings: &weightings,
    };
    let conversions = index.hot().revenue.len();
    let (mut cells, total) = deal_across_cores(
        conversions,
        index.candidate_touches() >= PARALLEL_TOUCHES,
        |part| {
            let mut cells = vec![[0.0; 4]; weightings.len() * index.sources.len() * WINDOWS];
            let mut total = SourceCredit::default();
            let mut scratch = Scratch::default();
            for block in part.blocks() {
                for c in block {
                    sweeper.conversion(c, &mut cells, &mut total, &mut scratch);
                }
            }
            (cells, total)
        },
        |(mut a, mut total), (b, other)| {
            for (x, y) in a.iter_mut().zip(&b) {
                for (p, q) in x.iter_mut().zip(y) {
                    *p += q;
                }
            }
            total.absorb(&other);
            (a, total)
        },
    );
    let sources = index.sources.len();
    for run in cells.chunks_exact_mut(WINDOWS) {
        for w in 1..WINDOWS {
            let previous = run[w - 1];
            for (lane, before) in run[w].iter_mut().zip(previous) {
                *lane += before;
            }
        }
    }
    let values = cells
        .iter()
        .enumerate()
        .map(|(slot, &lanes)| lanes_credit(&rules, slot / WINDOWS % sources.max(1), lanes))
        .collect();
    ModelSweep {
        models,
        sources,
        values,
        total,
    }
}

/// The buffers one core reuses from conversion to conversion.
#[derive(Default)]
struct Scratch {
    eligible: Vec<Counted>,
    journey: Vec<Counted>,
    shares: Vec<f64>,
}

/// What the sweep of one core needs besides its cells.
struct Sweeper<'a> {
    index: &'a JourneyIndex,
    rule: CountRule,
    rules: &'a SourceRules,
    coupon: CouponRule,
    weightings: &'a [Weighting],
}

impl Sweeper<'_> {
    /// Writes the conversion at walk position `c` into the difference arrays `cells`.
    fn conversion(
        &self,
        c: usize,
        cells: &mut [Lanes],
        total: &mut SourceCredit,
        scratch: &mut Scratch,
    ) {
        let hot = self.index.hot();
        let (whole, range) = conversion_at::<0>(&hot, c);
        total.add_unpaid(whole[1]);
        let coupon = if self.coupon == CouponRule::Off {
            NO_SOURCE
        } else {
            hot.coupon_partner[c]
        };
        let at_sale = Counted {
            source: coupon,
            lag_secs: 0,
        };
        if self.coupon == CouponRule::Override && coupon != NO_SOURCE {
            self.add(cells, &[at_sale], whole, 0, WINDOWS, scratch);
            return;
        }
        scratch.eligible.clear();
        for p in range {
            let (source, lag_secs) = (hot.sources[p], hot.lags[p]);
            if self
                .rules
                .counts::<true>(&self.rule, hot.keys[p], lag_secs, source)
            {
                scratch.eligible.push(Counted { source, lag_secs });
            }
        }
        let n = scratch.eligible.len();
        // Suffix `i..n` counts from the entry window of touch `i` (window 0 for the empty
        // suffix) until touch `i - 1` joins (to the end for the whole journey).
        for i in (0..=n).rev() {
            let from = if i == n {
                0
            } else {
                entry_window(scratch.eligible[i].lag_secs)
            };
            let to = if i == 0 {
                WINDOWS
            } else {
                entry_window(scratch.eligible[i - 1].lag_secs)
            };
            if from >= to {
                continue;
            }
            let mut journey = std::mem::take(&mut scratch.journey);
            journey.clear();
            journey.extend_from_slice(&scratch.eligible[i..]);
            let partner_counts = journey
                .iter()
                .any(|t| self.rules.is_partner[t.source as usize]);
            if self.coupon.takes_all(coupon, || partner_counts) {
                journey.clear();
                journey.push(at_sale);
            } else if self.coupon == CouponRule::Touch && coupon != NO_SOURCE {
                journey.push(at_sale);
            }
            if !journey.is_empty() {
                self.add(cells, &journey, whole, from, to, scratch);
            }
            scratch.journey = journey;
        }
    }

    /// Adds `journey`'s shares of `whole` under every model to the windows `from..to`.
    fn add(
        &self,
        cells: &mut [Lanes],
        journey: &[Counted],
        whole: Lanes,
        from: usize,
        to: usize,
        scratch: &mut Scratch,
    ) {
        let sources = self.index.sources.len();
        // The buffer only grows: no suffix pays for clearing it.
        if scratch.shares.len() < journey.len() {
            scratch.shares.resize(journey.len(), 0.0);
        }
        let shares = &mut scratch.shares[..journey.len()];
        for (m, weighting) in self.weightings.iter().enumerate() {
            weighting.fill_shares(journey, shares);
            for (touch, &share) in journey.iter().zip(shares.iter()) {
                let run = (m * sources + touch.source as usize) * WINDOWS;
                for (lane, value) in cells[run + from].iter_mut().zip(whole) {
                    *lane += value * share;
                }
                if to < WINDOWS {
                    for (lane, value) in cells[run + to].iter_mut().zip(whole) {
                        *lane -= value * share;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::compute_models;
    use crate::domain::Preset;

    /// Guards the sweep of the per-sale models: every window must equal a recompute.
    #[test]
    fn the_model_sweep_equals_recomputes_at_every_window_tried() {
        let index = crate::journeys::random_index(30_000, 0x2545_f491_4f6c_dd1d);
        let models = [
            CreditModel::Position,
            CreditModel::TimeDecay,
            CreditModel::LastNonDirect,
            CreditModel::First,
            CreditModel::Last,
            CreditModel::Linear,
        ];
        let params = ModelParams {
            direct_channels: vec!["s1".to_owned(), "s2".to_owned()],
            half_life_hours: 72.0,
            ..ModelParams::default()
        };
        let hybrid = Preset::HybridCrossDeviceCoupons.settings();
        for (reset, partners_only, coupon) in [
            (false, false, crate::domain::CouponPrecedence::Backup),
            (true, true, crate::domain::CouponPrecedence::Touch),
            (true, false, crate::domain::CouponPrecedence::Override),
        ] {
            let settings = AttributionSettings {
                window: CookieWindow::Unlimited,
                reset_after_conversion: reset,
                partners_only,
                tracking: crate::domain::TrackingSettings { coupon, ..hybrid },
            };
            let sweep = sweep_models(&index, &settings, &params, &models);
            for window in [0, 1, 6, 30, 79, 365]
                .map(CookieWindow::Days)
                .into_iter()
                .chain([CookieWindow::Unlimited])
            {
                let at = AttributionSettings { window, ..settings };
                let direct = compute_models(&index, &at, &params, &models);
                let swept = sweep.credit_at(window);
                for model in models {
                    for s in 0..index.sources.len() {
                        let (a, b) = (swept.credit(model, s), direct.credit(model, s));
                        assert!(
                            (a.conversions - b.conversions).abs() < 1e-6
                                && (a.revenue - b.revenue).abs() < 1e-4
                                && (a.payout - b.payout).abs() < 1e-4,
                            "{model:?} at {window:?}, source {s}: {a:?} vs {b:?}"
                        );
                    }
                }
                assert!(
                    (swept.unattributed.conversions - direct.unattributed.conversions).abs() < 1e-6,
                    "{window:?}"
                );
            }
        }
    }
}
