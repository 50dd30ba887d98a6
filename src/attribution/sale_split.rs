//! One sale's split under the programme's official model, for payouts, statements and audits:
//! any [`CreditModel`], as exact shares a commission can be rounded from once per sale.
//!
//! First, last and linear are the [`Allocator`]'s fractions (`touches / counted`). The other
//! models give each sale real-valued shares; they are kept as billionths ([`SHARE_PARTS`])
//! that sum exactly to one sale (largest remainders), so a sale is never paid more or less
//! than once.
//!
//! The data-driven models split a sale by what they learnt from every journey:
//! - **Markov**: the sale's distinct sources in proportion to their removal effects (the
//!   per-path split of GA4's data-driven model). Compare distributes all conversions by the
//!   removal effects at once, as ChannelAttribution does; summed over the sales, the two
//!   differ where a source's journeys hold sources of unlike effect.
//! - **Shapley**: the sale's combination of sources by that combination's normalised Shapley
//!   values, exactly as Compare splits the combination's conversions.
//!
//! A source's negative weight (a Shapley value below zero) pays nothing: a partner is never
//! charged for a sale; the others share it. When no source of a sale has a positive weight
//! its distinct sources share it equally.

use std::collections::HashMap;

use super::allocation::{Allocator, Share};
use super::markov::{Transitions, removal_effects};
use super::shapley::{Combinations, combination_of, name_ranks};
use super::walk::{Counted, Counter, walk_journeys};
use super::weights::Weighting;
use crate::domain::{AttributionSettings, CreditModel, Model, ModelParams};
use crate::journeys::JourneyIndex;

/// The denominator of the shares a model other than first, last and linear gives a sale.
pub const SHARE_PARTS: u32 = 1_000_000_000;

/// Splits sales under one model and setting.
pub struct SaleSplit<'a> {
    allocator: Allocator<'a>,
    counter: Counter<'a>,
    rule: SplitRule,
    without_open_paths: bool,
}

/// How a sale's counted touches become shares.
enum SplitRule {
    /// The allocator's exact fractions.
    Classic(Model),
    /// Weights of the touches themselves (position, time decay, last non-direct).
    Weighted(Weighting),
    /// Removal effects per source id.
    Markov(Vec<f64>),
    /// Normalised Shapley values per combination.
    Shapley {
        /// Each source id's place in name order.
        ranks: Vec<u32>,
        /// The most sources of a combination.
        max_sources: usize,
        /// Each converting combination's split.
        splits: HashMap<Vec<u32>, Vec<f64>>,
    },
}

impl<'a> SaleSplit<'a> {
    /// The split of `model` with `params` under `settings`. Markov and Shapley learn from
    /// every journey here, once: read the journeys that did not convert first
    /// ([`JourneyIndex::read_open_paths`]), or they learn from the converted ones alone
    /// ([`SaleSplit::without_open_paths`]).
    pub fn new(
        index: &'a JourneyIndex,
        settings: &AttributionSettings,
        model: CreditModel,
        params: &ModelParams,
    ) -> SaleSplit<'a> {
        let rule = match (model.classic(), Weighting::of(model, params, index)) {
            (Some(classic), _) => SplitRule::Classic(classic),
            (None, Some(weighting)) => SplitRule::Weighted(weighting),
            (None, None) if model == CreditModel::Markov => {
                let (sources, bound) = (index.sources.len(), Transitions::bound(index));
                let walked = walk_journeys(index, settings, true, || {
                    Transitions::new(params.markov_order, sources, bound)
                });
                SplitRule::Markov(removal_effects(&walked.sink.chain(), sources))
            }
            (None, None) => {
                let (ranks, max_sources) = (name_ranks(index), params.shapley_sources());
                let walked = walk_journeys(index, settings, true, || {
                    Combinations::new(&ranks, max_sources)
                });
                let splits = walked.sink.splits();
                SplitRule::Shapley {
                    ranks,
                    max_sources,
                    splits,
                }
            }
        };
        SaleSplit {
            allocator: Allocator::new(index, settings),
            counter: Counter::new(index, settings),
            rule,
            without_open_paths: model.is_data_driven() && index.open_paths().is_none(),
        }
    }

    /// Whether a data-driven model learnt without the journeys that did not convert (the
    /// index had not read them), so that its split is not what the model promises.
    pub fn without_open_paths(&self) -> bool {
        self.without_open_paths
    }

    /// Conversion `c`'s shares (empty: no counted touch, unattributed), one per source.
    pub fn shares(&self, c: usize) -> Vec<Share> {
        if let SplitRule::Classic(model) = self.rule {
            return self.allocator.credit(c).shares(model).to_vec();
        }
        let touches: Vec<Counted> = self
            .counter
            .counted_of(c)
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        let weights = self.weights(&touches);
        billionths(&weights)
    }

    /// Each source of `touches` with its weight (not normalised; zero or more).
    fn weights(&self, touches: &[Counted]) -> Vec<(u32, f64)> {
        match &self.rule {
            SplitRule::Classic(_) => Vec::new(),
            SplitRule::Weighted(weighting) => {
                let mut shares = Vec::new();
                weighting.shares(touches, &mut shares);
                touches.iter().map(|t| t.source).zip(shares).collect()
            }
            SplitRule::Markov(effects) => distinct(touches)
                .into_iter()
                .map(|s| (s, effects.get(s as usize).copied().unwrap_or(0.0)))
                .collect(),
            SplitRule::Shapley {
                ranks,
                max_sources,
                splits,
            } => {
                let combination = combination_of(ranks, *max_sources, touches);
                let values = splits.get(&combination);
                combination
                    .iter()
                    .enumerate()
                    .map(|(i, &s)| (s, values.map_or(0.0, |v| v[i])))
                    .collect()
            }
        }
    }
}

/// The distinct sources of `touches`, in the order they first appear.
fn distinct(touches: &[Counted]) -> Vec<u32> {
    let mut sources: Vec<u32> = Vec::new();
    for touch in touches {
        if !sources.contains(&touch.source) {
            sources.push(touch.source);
        }
    }
    sources
}

/// `weights` (a source may appear more than once; negative weights count as 0) as shares of
/// [`SHARE_PARTS`] that sum to it exactly: each source gets the floor of its part, and the
/// parts left go one each to the largest remainders (earliest first on a tie). With no
/// positive weight the distinct sources share equally; with no source, nothing.
fn billionths(weights: &[(u32, f64)]) -> Vec<Share> {
    let mut merged: Vec<(u32, f64)> = Vec::new();
    for &(source, weight) in weights {
        let weight = if weight.is_finite() {
            weight.max(0.0)
        } else {
            0.0
        };
        match merged.iter_mut().find(|(s, _)| *s == source) {
            Some((_, w)) => *w += weight,
            None => merged.push((source, weight)),
        }
    }
    let sum: f64 = merged.iter().map(|(_, w)| w).sum();
    if sum <= 0.0 {
        merged.iter_mut().for_each(|(_, w)| *w = 1.0);
    }
    let sum: f64 = merged.iter().map(|(_, w)| w).sum();
    if merged.is_empty() {
        return Vec::new();
    }
    // A part within a millionth of a whole one is that whole one (0.5 / 1.0000000000000002).
    let snap = |x: f64| {
        if (x - x.round()).abs() < 1e-6 {
            x.round()
        } else {
            x
        }
    };
    let exact: Vec<f64> = merged
        .iter()
        .map(|(_, w)| snap(w / sum * f64::from(SHARE_PARTS)))
        .collect();
    let mut parts: Vec<u32> = exact.iter().map(|x| x.floor() as u32).collect();
    let given: u64 = parts.iter().map(|&p| u64::from(p)).sum();
    let mut left = u64::from(SHARE_PARTS).saturating_sub(given);
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &i in order.iter().cycle() {
        if left == 0 {
            break;
        }
        parts[i] += 1;
        left -= 1;
    }
    merged
        .iter()
        .zip(parts)
        .filter(|&(_, p)| p > 0)
        .map(|(&(source, _), parts)| Share {
            source,
            parts,
            of: SHARE_PARTS,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(shares: &[Share]) -> Vec<(u32, u32)> {
        shares.iter().map(|s| (s.source, s.parts)).collect()
    }

    #[test]
    fn billionths_sum_to_one_sale_exactly() {
        // Thirds: 333,333,333 each and the one part left to the first.
        let thirds = billionths(&[(0, 1.0), (1, 1.0), (2, 1.0)]);
        assert_eq!(
            parts(&thirds),
            [(0, 333_333_334), (1, 333_333_333), (2, 333_333_333)]
        );
        // 40/20/40 over four touches, two of them the same source.
        let position = billionths(&[(5, 0.4), (6, 0.1), (5, 0.1), (7, 0.4)]);
        assert_eq!(
            parts(&position),
            [(5, 500_000_000), (6, 100_000_000), (7, 400_000_000)]
        );
        assert!(position.iter().chain(&thirds).all(|s| s.of == SHARE_PARTS));
    }

    #[test]
    fn negative_weights_pay_nothing_and_no_weight_splits_equally() {
        assert_eq!(
            parts(&billionths(&[(0, 0.8), (1, -0.3), (2, 0.5)])),
            [(0, 615_384_615), (2, 384_615_385)]
        );
        assert_eq!(
            parts(&billionths(&[(3, 0.0), (4, -1.0)])),
            [(3, 500_000_000), (4, 500_000_000)]
        );
        assert!(billionths(&[]).is_empty());
    }
}
