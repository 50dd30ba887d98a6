//! Markov-chain credit: the removal effects of an absorbing chain built from every journey.
//!
//! The chain runs (start) → states → (conversion) or (null). A state remembers the latest
//! `order` sources of the journey (one source for a first-order chain); consecutive repeats
//! of a source add no transition; each journey counts once, and the journeys that did not
//! convert end in (null). The removal effect of a source is `1 − P(conversion with the source
//! removed) / P(conversion)`, where removing it sends every transition into a state whose
//! latest source it is to (null). Credit is each source's removal effect over their sum,
//! times the conversions, revenue and payout the models credit.
//!
//! The absorption probabilities are solved, never simulated: by Gaussian elimination with
//! partial pivoting up to [`DENSE_STATES`] states (every first-order chain of a programme with
//! fewer sources), and above that by Gauss–Seidel sweeps until no probability changes by more
//! than a unit in its last place. The same journeys always give the same numbers.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use super::engine::Lanes;
use super::walk::{Counted, JourneySink};

/// A state of the chain: up to three source ids, each plus one, the latest in the low 32
/// bits; or one of the three special states below.
type StateKey = u128;

const START: StateKey = u128::MAX;
const CONVERSION: StateKey = u128::MAX - 1;
const NULL: StateKey = u128::MAX - 2;

/// Chains of up to this many transient states are solved by elimination.
pub(super) const DENSE_STATES: usize = 100;

/// Sweeps after which Gauss–Seidel stops even if the probabilities still move.
const MAX_SWEEPS: usize = 1_000_000;

/// A fast hasher for the transition counts (the keys are our own numbers, not input text).
#[derive(Default)]
pub(super) struct MixHasher(u64);

impl std::hash::Hasher for MixHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_u128(&mut self, n: u128) {
        self.write_u64(n as u64);
        self.write_u64((n >> 64) as u64);
    }
}

/// Hash maps keyed by our own numbers use [`MixHasher`].
pub(super) type Mix = BuildHasherDefault<MixHasher>;

/// Sources up to which a first-order chain counts its transitions in a square table instead
/// of a hash map (a table of (sources + 3)² counts per core).
const DENSE_SOURCES: usize = 512;

/// Transition counts: a square table for first-order chains over few sources (the hot case:
/// one add per transition), a hash map otherwise.
enum Counts {
    /// `cells[from * width + to]`, states numbered by [`dense_id`].
    Table { width: usize, cells: Vec<u64> },
    /// Any states.
    Map(HashMap<(StateKey, StateKey), u64, Mix>),
}

/// A state's number in [`Counts::Table`]: 0 the start, 1 conversion, 2 null, source + 3.
fn dense_id(key: StateKey) -> usize {
    match key {
        START => 0,
        CONVERSION => 1,
        NULL => 2,
        _ => (key & 0xffff_ffff) as usize + 2,
    }
}

/// The state numbered `id` in [`Counts::Table`].
fn dense_key(id: usize) -> StateKey {
    match id {
        0 => START,
        1 => CONVERSION,
        2 => NULL,
        _ => (id - 2) as StateKey,
    }
}

impl Counts {
    fn add(&mut self, from: StateKey, to: StateKey, count: u64) {
        match self {
            Counts::Table { width, cells } => {
                cells[dense_id(from) * *width + dense_id(to)] += count
            }
            Counts::Map(map) => *map.entry((from, to)).or_default() += count,
        }
    }

    /// Every counted transition once, as `(from, to, count)`.
    fn transitions(&self) -> Vec<(StateKey, StateKey, u64)> {
        match self {
            Counts::Table { width, cells } => cells
                .iter()
                .enumerate()
                .filter(|&(_, &count)| count > 0)
                .map(|(cell, &count)| (dense_key(cell / width), dense_key(cell % width), count))
                .collect(),
            Counts::Map(map) => map
                .iter()
                .map(|(&(from, to), &count)| (from, to, count))
                .collect(),
        }
    }
}

/// The transitions counted over the journeys, and the lanes of the conversions among them.
pub(super) struct Transitions {
    order: usize,
    counts: Counts,
    /// The conversions' lanes summed: what the removal effects split.
    pub(super) converted: Lanes,
}

impl Transitions {
    /// No transitions yet, for a chain of `order` (1 to 3) over `sources` sources.
    pub(super) fn new(order: u8, sources: usize) -> Transitions {
        let order = usize::from(order.clamp(1, 3));
        let counts = if order == 1 && sources <= DENSE_SOURCES {
            let width = sources + 3;
            Counts::Table {
                width,
                cells: vec![0; width * width],
            }
        } else {
            Counts::Map(HashMap::default())
        };
        Transitions {
            order,
            counts,
            converted: [0.0; 4],
        }
    }

    /// Counts one journey's transitions.
    fn add_path(&mut self, touches: &[Counted], converted: bool) {
        let mut history = [0u32; 3];
        let mut remembered = 0usize;
        let mut from = START;
        for touch in touches {
            if remembered > 0 && history[0] == touch.source {
                continue;
            }
            history = [touch.source, history[0], history[1]];
            remembered = (remembered + 1).min(self.order);
            let to = state_key(&history[..remembered]);
            self.counts.add(from, to, 1);
            from = to;
        }
        let end = if converted { CONVERSION } else { NULL };
        self.counts.add(from, end, 1);
    }

    /// The chain these counts define.
    pub(super) fn chain(&self) -> Chain {
        let mut transitions = self.counts.transitions();
        transitions.sort_unstable();
        let mut keys: Vec<StateKey> = transitions
            .iter()
            .flat_map(|&(from, to, _)| [from, to])
            .filter(|k| !matches!(*k, START | CONVERSION | NULL))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let id = |key: StateKey| match key {
            START => 0,
            _ => keys.binary_search(&key).expect("a counted state") + 1,
        };
        let states = keys.len() + 1;
        let mut out_counts = vec![0u64; states];
        for &(from, _, count) in &transitions {
            out_counts[id(from)] += count;
        }
        let mut chain = Chain {
            rows: vec![Vec::new(); states],
            to_conversion: vec![0.0; states],
            latest_source: std::iter::once(u32::MAX)
                .chain(keys.iter().map(|&k| latest_source(k)))
                .collect(),
        };
        for (from, to, count) in transitions {
            let from = id(from);
            let probability = count as f64 / out_counts[from] as f64;
            match to {
                CONVERSION => chain.to_conversion[from] += probability,
                NULL => {}
                _ => chain.rows[from].push((id(to), probability)),
            }
        }
        chain
    }
}

/// The key of a state remembering `sources`, latest first.
fn state_key(sources: &[u32]) -> StateKey {
    sources
        .iter()
        .enumerate()
        .fold(0, |key, (i, &s)| key | (StateKey::from(s) + 1) << (32 * i))
}

/// The latest source a state remembers.
fn latest_source(key: StateKey) -> u32 {
    ((key & 0xffff_ffff) as u32).wrapping_sub(1)
}

impl JourneySink for Transitions {
    fn converted(&mut self, whole: Lanes, touches: &[Counted]) {
        for (sum, lane) in self.converted.iter_mut().zip(whole) {
            *sum += lane;
        }
        self.add_path(touches, true);
    }

    fn not_converted(&mut self, touches: &[Counted]) {
        self.add_path(touches, false);
    }

    fn merge(mut self, other: Transitions) -> Transitions {
        match (&mut self.counts, other.counts) {
            (Counts::Table { cells, .. }, Counts::Table { cells: theirs, .. }) => {
                for (a, b) in cells.iter_mut().zip(theirs) {
                    *a += b;
                }
            }
            (counts, theirs) => {
                for (from, to, count) in theirs.transitions() {
                    counts.add(from, to, count);
                }
            }
        }
        for (a, b) in self.converted.iter_mut().zip(other.converted) {
            *a += b;
        }
        self
    }
}

/// The transient states of an absorbing chain (state 0 is the start).
pub(super) struct Chain {
    /// Per state, its transitions to transient states and their probabilities.
    rows: Vec<Vec<(usize, f64)>>,
    /// Per state, the probability of converting next.
    to_conversion: Vec<f64>,
    /// Per state, the latest source it remembers (`u32::MAX` for the start).
    latest_source: Vec<u32>,
}

impl Chain {
    /// Transient states, the start included.
    pub(super) fn states(&self) -> usize {
        self.rows.len()
    }

    /// The probability that a journey from the start converts, with the states whose latest
    /// source is `removed` sent to (null).
    pub(super) fn conversion_probability(&self, removed: Option<u32>) -> f64 {
        let kept: Vec<bool> = self
            .latest_source
            .iter()
            .map(|&s| removed != Some(s))
            .collect();
        if self.states() <= DENSE_STATES {
            self.solve_dense(&kept)
        } else {
            self.solve_iteratively(&kept)
        }
    }

    /// `x = Q x + b` over the kept states by Gaussian elimination with partial pivoting.
    pub(super) fn solve_dense(&self, kept: &[bool]) -> f64 {
        let order: Vec<usize> = (0..self.states()).filter(|&s| kept[s]).collect();
        let mut place = vec![usize::MAX; self.states()];
        for (i, &s) in order.iter().enumerate() {
            place[s] = i;
        }
        let m = order.len();
        // Row i of [I − Q | b], one flat array.
        let width = m + 1;
        let mut a = vec![0.0f64; m * width];
        for (i, &s) in order.iter().enumerate() {
            a[i * width + i] += 1.0;
            for &(t, p) in &self.rows[s] {
                if kept[t] {
                    a[i * width + place[t]] -= p;
                }
            }
            a[i * width + m] = self.to_conversion[s];
        }
        gaussian_elimination(&mut a, m);
        a[m] // the start is state 0, the first kept
    }

    /// `x = Q x + b` over the kept states by Gauss–Seidel sweeps from zero (the
    /// probabilities only grow), until none moves by more than a unit in its last place.
    pub(super) fn solve_iteratively(&self, kept: &[bool]) -> f64 {
        let mut x = vec![0.0f64; self.states()];
        for _ in 0..MAX_SWEEPS {
            let mut moved = false;
            for s in (0..self.states()).filter(|&s| kept[s]) {
                let next = self.to_conversion[s]
                    + self.rows[s]
                        .iter()
                        .filter(|&&(t, _)| kept[t])
                        .map(|&(t, p)| p * x[t])
                        .sum::<f64>();
                moved |= (next - x[s]).abs() > f64::EPSILON * next.abs();
                x[s] = next;
            }
            if !moved {
                break;
            }
        }
        x[0]
    }
}

/// Solves the `m` equations in `a` (rows of `m` coefficients and a right-hand side) in place:
/// afterwards `a[i * (m + 1) + m]` is unknown `i`.
fn gaussian_elimination(a: &mut [f64], m: usize) {
    let width = m + 1;
    for col in 0..m {
        let pivot = (col..m)
            .max_by(|&i, &j| {
                a[i * width + col]
                    .abs()
                    .total_cmp(&a[j * width + col].abs())
            })
            .expect("a row");
        if pivot != col {
            for k in 0..width {
                a.swap(col * width + k, pivot * width + k);
            }
        }
        let diagonal = a[col * width + col];
        if diagonal == 0.0 {
            continue;
        }
        for k in col..width {
            a[col * width + k] /= diagonal;
        }
        for row in (0..m).filter(|&r| r != col) {
            let factor = a[row * width + col];
            if factor != 0.0 {
                for k in col..width {
                    a[row * width + k] -= factor * a[col * width + k];
                }
            }
        }
    }
}

/// Per source id (`sources` of them), its removal effect: 0 for a source no journey reaches.
pub(super) fn removal_effects(chain: &Chain, sources: usize) -> Vec<f64> {
    let mut effects = vec![0.0; sources];
    let converting = chain.conversion_probability(None);
    if converting <= 0.0 {
        return effects;
    }
    let mut present: Vec<u32> = chain
        .latest_source
        .iter()
        .copied()
        .filter(|&s| (s as usize) < sources)
        .collect();
    present.sort_unstable();
    present.dedup();
    for source in present {
        let without = chain.conversion_probability(Some(source));
        effects[source as usize] = 1.0 - without / converting;
    }
    effects
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(sources: &[u32]) -> Vec<Counted> {
        sources
            .iter()
            .map(|&source| Counted {
                source,
                lag_secs: 0,
            })
            .collect()
    }

    const A: u32 = 0;
    const B: u32 = 1;

    fn effects(order: u8, converted: &[&[u32]], not_converted: &[&[u32]]) -> Vec<f64> {
        let mut transitions = Transitions::new(order, 2);
        for journey in converted {
            transitions.converted([1.0, 10.0, 10.0, 1.0], &path(journey));
        }
        for journey in not_converted {
            transitions.not_converted(&path(journey));
        }
        removal_effects(&transitions.chain(), 2)
    }

    fn assert_close(got: &[f64], expected: &[f64]) {
        for (g, e) in got.iter().zip(expected) {
            assert!((g - e).abs() < 1e-12, "got {got:?}, expected {expected:?}");
        }
    }

    #[test]
    fn first_order_removal_effects_by_hand() {
        // A→B converts, A alone does not, B alone converts. start→A 2/3, start→B 1/3,
        // A→B 1/2, A→null 1/2, B→conversion 1: P = 2/3·1/2 + 1/3 = 2/3. Without A only
        // start→B converts: P = 1/3, effect 1/2. Without B nothing converts: effect 1.
        // Shares 1/3 and 2/3.
        assert_close(&effects(1, &[&[A, B], &[B]], &[&[A]]), &[0.5, 1.0]);
    }

    #[test]
    fn repeats_of_a_source_add_no_transition() {
        assert_close(
            &effects(1, &[&[A, A, B, B], &[B, B]], &[&[A, A, A]]),
            &effects(1, &[&[A, B], &[B]], &[&[A]]),
        );
    }

    #[test]
    fn a_second_order_chain_remembers_what_came_before() {
        // A→B converts, B→A does not. First order: A 1/2, B 1 (B converts half the time
        // whatever came before). Second order: B converts only after A, A only before B:
        // removing either stops every conversion.
        assert_close(&effects(1, &[&[A, B]], &[&[B, A]]), &[0.5, 1.0]);
        assert_close(&effects(2, &[&[A, B]], &[&[B, A]]), &[1.0, 1.0]);
    }

    #[test]
    fn the_count_table_and_the_count_map_give_the_same_chain() {
        let journeys: [&[u32]; 5] = [&[0, 1, 0], &[1, 1], &[0], &[1, 0, 1, 1], &[0, 0]];
        let effects_with = |sources: usize| {
            let mut transitions = Transitions::new(1, sources);
            for (i, journey) in journeys.iter().enumerate() {
                if i % 2 == 0 {
                    transitions.converted([1.0; 4], &path(journey));
                } else {
                    transitions.not_converted(&path(journey));
                }
            }
            assert_eq!(
                matches!(transitions.counts, Counts::Table { .. }),
                sources <= DENSE_SOURCES
            );
            removal_effects(&transitions.chain(), 2)
        };
        assert_close(&effects_with(2), &effects_with(DENSE_SOURCES + 1));
    }

    #[test]
    fn elimination_and_sweeps_agree_on_a_chain_with_cycles() {
        let mut transitions = Transitions::new(1, 5);
        let journeys: [&[u32]; 6] = [
            &[0, 1, 2, 1, 3],
            &[2, 0, 2],
            &[3, 1],
            &[1, 0, 1],
            &[4, 2, 3, 0],
            &[2],
        ];
        for (i, journey) in journeys.iter().enumerate() {
            if i % 2 == 0 {
                transitions.converted([1.0; 4], &path(journey));
            } else {
                transitions.not_converted(&path(journey));
            }
        }
        let chain = transitions.chain();
        for removed in [None, Some(0), Some(1), Some(2), Some(3), Some(4)] {
            let kept: Vec<bool> = chain
                .latest_source
                .iter()
                .map(|&s| removed != Some(s))
                .collect();
            let dense = chain.solve_dense(&kept);
            let swept = chain.solve_iteratively(&kept);
            assert!(
                (dense - swept).abs() < 1e-14,
                "{removed:?}: {dense} vs {swept}"
            );
        }
    }
}
