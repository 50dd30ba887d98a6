//! Shapley credit over combinations of sources, as DP6's marketing-attribution-models and its
//! rewrite compute it.
//!
//! Journeys (converted or not) are grouped by the set of their distinct sources, keeping the
//! alphabetically last `max_sources` of a larger set. The worth `v(S)` of a set is the
//! conversion rate of the journeys whose set is exactly `S` (0 when none of them converted).
//! For each set `N` that has conversions, the Shapley values of `N`'s sources under `v`,
//! normalised to sum to 1, split `N`'s conversions, revenue and payout. (DP6 multiplies the
//! values by `N`'s journey count before normalising, which changes nothing.) A value can be
//! negative: a source whose journeys convert less often with it than without it.

use std::collections::HashMap;

use super::engine::Lanes;
use super::markov::Mix;
use super::walk::{Counted, JourneySink};

/// What the journeys of one combination add up to.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Tally {
    /// Journeys, converted or not.
    pub(super) journeys: u64,
    /// Journeys that converted.
    pub(super) conversions: u64,
    /// The conversions' lanes summed: what the combination's Shapley values split.
    pub(super) lanes: Lanes,
}

/// Sources up to which a combination is kept as a bit mask over name order (one bit per
/// source) instead of a list.
const MASK_SOURCES: usize = 64;

impl Tally {
    fn absorb(&mut self, other: &Tally) {
        self.journeys += other.journeys;
        self.conversions += other.conversions;
        for (a, b) in self.lanes.iter_mut().zip(other.lanes) {
            *a += b;
        }
    }
}

/// Journeys grouped by their combination of sources.
pub(super) struct Combinations<'a> {
    /// Each source id's place in name order.
    rank: &'a [u32],
    max_sources: usize,
    /// Combinations as bit masks over name order, when there are few enough sources.
    by_mask: HashMap<u64, Tally, Mix>,
    /// Combinations as source ids in name order, otherwise.
    by_list: HashMap<Vec<u32>, Tally>,
    combination: Vec<u32>,
}

impl<'a> Combinations<'a> {
    /// No journeys yet; `rank[source]` is the source's place in name order.
    pub(super) fn new(rank: &'a [u32], max_sources: usize) -> Combinations<'a> {
        Combinations {
            rank,
            max_sources: max_sources.max(1),
            by_mask: HashMap::default(),
            by_list: HashMap::new(),
            combination: Vec::new(),
        }
    }

    /// The tally of the combination of `sources` (a journey's, oldest first).
    fn tally(&mut self, sources: impl Iterator<Item = u32> + Clone) -> &mut Tally {
        let rank = self.rank;
        if rank.len() <= MASK_SOURCES {
            let mut mask = sources.fold(0u64, |mask, s| mask | 1 << rank[s as usize]);
            // The alphabetically last: drop the lowest bits.
            while mask.count_ones() as usize > self.max_sources {
                mask &= mask - 1;
            }
            return self.by_mask.entry(mask).or_default();
        }
        self.combination.clear();
        self.combination.extend(sources);
        self.combination.sort_unstable_by_key(|&s| rank[s as usize]);
        self.combination.dedup();
        let dropped = self.combination.len().saturating_sub(self.max_sources);
        self.combination.drain(..dropped);
        if !self.by_list.contains_key(self.combination.as_slice()) {
            self.by_list
                .insert(self.combination.clone(), Tally::default());
        }
        self.by_list
            .get_mut(self.combination.as_slice())
            .expect("just inserted")
    }

    /// Every combination with a conversion, as source ids in name order, with its tally and
    /// its sources' Shapley values normalised to sum to 1 (none when they sum to 0), in name
    /// order of the combinations: how each of its sales is split.
    pub(super) fn shares(&self) -> Vec<(Vec<u32>, Tally, Option<Vec<f64>>)> {
        let by_rank = self.by_rank();
        let worth = Worth::of(self);
        let mut converting: Vec<(Vec<u32>, Tally)> = self
            .by_list
            .iter()
            .map(|(c, t)| (c.clone(), *t))
            .chain(
                self.by_mask
                    .iter()
                    .map(|(&mask, t)| (mask_sources(mask, &by_rank), *t)),
            )
            .filter(|(_, t)| t.conversions > 0)
            .collect();
        converting.sort_by(|a, b| a.0.cmp(&b.0));
        let mut scratch = Vec::new();
        converting
            .into_iter()
            .map(|(combination, tally)| {
                let values = worth.shapley_values(&combination, &mut scratch);
                let sum: f64 = values.iter().sum();
                let shares = (sum != 0.0).then(|| values.iter().map(|v| v / sum).collect());
                (combination, tally, shares)
            })
            .collect()
    }

    /// Per source id (`sources` of them), the lanes its Shapley values earn.
    pub(super) fn credit(&self, sources: usize) -> Vec<Lanes> {
        let mut credit = vec![[0.0; 4]; sources];
        for (combination, tally, shares) in self.shares() {
            let Some(shares) = shares else { continue };
            for (&source, share) in combination.iter().zip(shares) {
                for (cell, lane) in credit[source as usize].iter_mut().zip(tally.lanes) {
                    *cell += lane * share;
                }
            }
        }
        credit
    }

    /// Each place in name order's source id.
    fn by_rank(&self) -> Vec<u32> {
        let mut by_rank = vec![0u32; self.rank.len()];
        for (source, &place) in self.rank.iter().enumerate() {
            by_rank[place as usize] = source as u32;
        }
        by_rank
    }
}

impl Combinations<'_> {
    /// Each converting combination (source ids in name order) with its sources' Shapley
    /// values normalised to sum to 1, as one of its sales is split (left out when the values
    /// sum to 0).
    pub(super) fn splits(&self) -> HashMap<Vec<u32>, Vec<f64>> {
        self.shares()
            .into_iter()
            .filter_map(|(combination, _, shares)| shares.map(|s| (combination, s)))
            .collect()
    }
}

/// The combination a journey with `touches` belongs to when `rank` gives each source's place
/// in name order: its distinct sources in name order, the alphabetically last `max_sources`.
pub(super) fn combination_of(rank: &[u32], max_sources: usize, touches: &[Counted]) -> Vec<u32> {
    let mut combination: Vec<u32> = touches.iter().map(|t| t.source).collect();
    combination.sort_unstable_by_key(|&s| rank[s as usize]);
    combination.dedup();
    let dropped = combination.len().saturating_sub(max_sources.max(1));
    combination.drain(..dropped);
    combination
}

/// Each source id's place in name order, the order combinations are kept in.
pub(super) fn name_ranks(index: &crate::journeys::JourneyIndex) -> Vec<u32> {
    let sources = index.sources.len();
    let mut by_name: Vec<usize> = (0..sources).collect();
    by_name.sort_by(|&a, &b| index.sources[a].id.cmp(&index.sources[b].id));
    let mut rank = vec![0u32; sources];
    for (place, &source) in by_name.iter().enumerate() {
        rank[source] = place as u32;
    }
    rank
}

/// The source ids of the combination `mask` (a bit per place in name order), in name order.
fn mask_sources(mask: u64, by_rank: &[u32]) -> Vec<u32> {
    (0..64)
        .filter(|bit| mask >> bit & 1 == 1)
        .map(|bit| by_rank[bit])
        .collect()
}

/// The worth `v(S)` of the combinations with a conversion: their conversion rates.
enum Worth<'a> {
    /// Keyed by bit mask over name order.
    ByMask {
        rank: &'a [u32],
        rates: HashMap<u64, f64, Mix>,
    },
    /// Keyed by source ids in name order.
    ByList(HashMap<Vec<u32>, f64>),
}

impl<'a> Worth<'a> {
    fn of(combinations: &Combinations<'a>) -> Worth<'a> {
        let rate = |t: &Tally| t.conversions as f64 / t.journeys as f64;
        if combinations.rank.len() <= MASK_SOURCES {
            Worth::ByMask {
                rank: combinations.rank,
                rates: combinations
                    .by_mask
                    .iter()
                    .filter(|(_, t)| t.conversions > 0)
                    .map(|(&mask, t)| (mask, rate(t)))
                    .collect(),
            }
        } else {
            Worth::ByList(
                combinations
                    .by_list
                    .iter()
                    .filter(|(_, t)| t.conversions > 0)
                    .map(|(c, t)| (c.clone(), rate(t)))
                    .collect(),
            )
        }
    }

    /// The worth of each subset of `combination` (subset `m` holds the `i`-th source when
    /// bit `i` of `m` is set), into `worths` (0 for a subset without conversions).
    fn subset_worths(&self, combination: &[u32], worths: &mut Vec<f64>) {
        let n = combination.len();
        worths.clear();
        worths.resize(1 << n, 0.0);
        match self {
            Worth::ByMask { rank, rates } => {
                // Subset `m`'s mask over name order, built from the subset without its
                // lowest member.
                let mut masks = vec![0u64; 1 << n];
                for m in 1..1usize << n {
                    let lowest = m.trailing_zeros() as usize;
                    masks[m] = masks[m & (m - 1)] | 1 << rank[combination[lowest] as usize];
                    worths[m] = rates.get(&masks[m]).copied().unwrap_or(0.0);
                }
            }
            Worth::ByList(rates) => {
                let mut subset = Vec::with_capacity(n);
                for (m, worth) in worths.iter_mut().enumerate().skip(1) {
                    subset.clear();
                    subset.extend((0..n).filter(|i| m >> i & 1 == 1).map(|i| combination[i]));
                    *worth = rates.get(subset.as_slice()).copied().unwrap_or(0.0);
                }
            }
        }
    }

    /// The Shapley values of `combination`'s sources: `Σ over subsets S with i of
    /// (s−1)!(n−s)!/n!·v(S)` minus `Σ over non-empty subsets S without i of s!(n−s−1)!/n!·v(S)`.
    fn shapley_values(&self, combination: &[u32], worths: &mut Vec<f64>) -> Vec<f64> {
        let n = combination.len();
        let (with_weight, without_weight) = shapley_weights(n);
        self.subset_worths(combination, worths);
        let mut values = vec![0.0; n];
        for (m, &worth) in worths.iter().enumerate().skip(1) {
            if worth == 0.0 {
                continue;
            }
            let size = m.count_ones() as usize;
            for (i, value) in values.iter_mut().enumerate() {
                if m >> i & 1 == 1 {
                    *value += with_weight[size] * worth;
                } else {
                    *value -= without_weight[size] * worth;
                }
            }
        }
        values
    }
}

/// The weights of a subset of size `s` (index) in the Shapley value of a game of `n`
/// players: for a player in it, `(s−1)!(n−s)!/n!`; for one outside it, `s!(n−s−1)!/n!`.
fn shapley_weights(n: usize) -> (Vec<f64>, Vec<f64>) {
    let factorial = |k: usize| (1..=k).map(|i| i as f64).product::<f64>();
    let all = factorial(n);
    let with_weight = (0..=n)
        .map(|s| {
            if s == 0 {
                0.0
            } else {
                factorial(s - 1) * factorial(n - s) / all
            }
        })
        .collect();
    let without_weight = (0..=n)
        .map(|s| {
            if s < n {
                factorial(s) * factorial(n - s - 1) / all
            } else {
                0.0
            }
        })
        .collect();
    (with_weight, without_weight)
}

impl JourneySink for Combinations<'_> {
    fn converted(&mut self, whole: Lanes, touches: &[Counted]) {
        let tally = self.tally(touches.iter().map(|t| t.source));
        tally.journeys += 1;
        tally.conversions += 1;
        for (sum, lane) in tally.lanes.iter_mut().zip(whole) {
            *sum += lane;
        }
    }

    fn not_converted(&mut self, sources: &[u32], journeys: u64) {
        self.tally(sources.iter().copied()).journeys += journeys;
    }

    fn merge(mut self, other: Self) -> Self {
        for (mask, theirs) in other.by_mask {
            self.by_mask.entry(mask).or_default().absorb(&theirs);
        }
        for (combination, theirs) in other.by_list {
            self.by_list.entry(combination).or_default().absorb(&theirs);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: u32 = 0;
    const B: u32 = 1;
    const C: u32 = 2;

    fn path(sources: &[u32]) -> Vec<Counted> {
        sources
            .iter()
            .map(|&source| Counted {
                source,
                lag_secs: 0,
            })
            .collect()
    }

    fn credit(max: usize, converted: &[&[u32]], not_converted: &[&[u32]]) -> Vec<f64> {
        let rank = [0, 1, 2];
        let mut combinations = Combinations::new(&rank, max);
        for journey in converted {
            combinations.converted([1.0, 10.0, 10.0, 1.0], &path(journey));
        }
        for journey in not_converted {
            combinations.not_converted(journey, 1);
        }
        combinations
            .credit(3)
            .into_iter()
            .map(|lanes| lanes[0])
            .collect()
    }

    fn assert_close(got: &[f64], expected: &[f64]) {
        for (g, e) in got.iter().zip(expected) {
            assert!((g - e).abs() < 1e-12, "got {got:?}, expected {expected:?}");
        }
    }

    #[test]
    fn two_sources_by_hand() {
        // v(A) = 1/2 (one of two journeys), v(B) = 1, v(AB) = 2/3. In {A, B}:
        // φA = ½·v(A) + ½·(v(AB) − v(B)) = 1/12, φB = ½·v(B) + ½·(v(AB) − v(A)) = 7/12,
        // so AB's two conversions split 1/8 and 7/8; A and B alone keep their own.
        let got = credit(15, &[&[A], &[B], &[A, B], &[B, A, B]], &[&[A], &[A, B]]);
        assert_close(&got, &[1.25, 2.75, 0.0]);
    }

    #[test]
    fn shapley_credit_is_efficient_and_symmetric() {
        // A and C play the same part: the same credit. The credit adds up to the conversions.
        let got = credit(
            15,
            &[&[A, B], &[C, B], &[A], &[C], &[B, C, A]],
            &[&[B], &[A, B, C]],
        );
        assert!((got[A as usize] - got[C as usize]).abs() < 1e-12, "{got:?}");
        assert!((got.iter().sum::<f64>() - 5.0).abs() < 1e-12, "{got:?}");
    }

    #[test]
    fn combinations_as_masks_and_as_lists_give_the_same_credit() {
        let journeys: [&[u32]; 7] = [
            &[0, 1],
            &[2, 1, 0],
            &[1],
            &[2],
            &[0, 2, 2],
            &[1, 0],
            &[2, 0],
        ];
        let credit_with = |rank: &[u32]| {
            let mut combinations = Combinations::new(rank, 2);
            for (i, journey) in journeys.iter().enumerate() {
                if i % 3 == 0 {
                    combinations.not_converted(journey, 1);
                } else {
                    combinations.converted([1.0, 10.0, 10.0, 1.0], &path(journey));
                }
            }
            combinations.credit(rank.len())
        };
        // Sources 0, 1, 2 in reverse name order; with 70 sources the lists are used.
        let few = credit_with(&[2, 1, 0]);
        let many_ranks: Vec<u32> = [2, 1, 0].into_iter().chain(3..70).collect();
        let many = credit_with(&many_ranks);
        for s in 0..3 {
            for lane in 0..4 {
                assert!(
                    (few[s][lane] - many[s][lane]).abs() < 1e-12,
                    "{few:?} vs {many:?}"
                );
            }
        }
    }

    #[test]
    fn a_combination_keeps_its_alphabetically_last_sources() {
        // With at most one source, {A, B} is {B}: B takes the credit of both journeys.
        assert_close(&credit(1, &[&[A, B], &[B]], &[]), &[0.0, 2.0, 0.0]);
    }
}
