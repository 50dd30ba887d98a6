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
//! The transitions are counted in a table (a row per possible state, a column per next source)
//! when the order and the sources make few enough cells, in a hash map otherwise. The chain
//! they define is solved exactly, never simulated (`chain`).

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

pub(super) use super::chain::Chain;
use super::engine::Lanes;
use super::walk::{Counted, JourneySink};

/// A state of the chain: up to three source ids, each plus one, the latest in the low 32
/// bits; or one of the three special states below.
type StateKey = u128;

const START: StateKey = u128::MAX;
const CONVERSION: StateKey = u128::MAX - 1;
const NULL: StateKey = u128::MAX - 2;

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

/// Table cells (per core) up to which transitions are counted in a table instead of a hash
/// map: 16 MB, enough for a third-order chain over 36 sources or a second-order one over 125.
const DENSE_CELLS: usize = 1 << 21;

/// A count in the table: 32 bits, half the memory of 64 (the table is read at random, once
/// per touch), enough while a walk makes fewer than [`Cell::MAX`] transitions in all
/// ([`Counts::new`] counts in a map otherwise).
type Cell = u32;

/// A state as the digits of the sources it remembers, each source id plus one, the latest
/// first; 0 where nothing is remembered (all zero: the start).
type Digits = [u32; 3];

/// Transition counts: a table with a row per possible state and a column per next source
/// (then conversion and null) when the chain's order and sources make few enough cells, a
/// hash map otherwise.
enum Counts {
    /// `cells[row * width + column]`: the row numbers a state by its digits in base
    /// `sources + 1` ([`Counts::row`]); the column is the next source, or `sources` for
    /// (conversion) and `sources + 1` for (null).
    Table {
        order: usize,
        sources: usize,
        cells: Vec<Cell>,
    },
    /// Any states, by key ([`state_key`]).
    Map(HashMap<(StateKey, StateKey), u64, Mix>),
}

impl Counts {
    /// An empty count for a chain of `order` over `sources` sources, of walks that make at
    /// most `transitions` transitions.
    fn new(order: usize, sources: usize, transitions: u64) -> Counts {
        let rows = (sources + 1).checked_pow(order as u32);
        match rows.and_then(|rows| rows.checked_mul(sources + 2)) {
            Some(cells) if cells <= DENSE_CELLS && transitions < u64::from(Cell::MAX) => {
                Counts::Table {
                    order,
                    sources,
                    cells: vec![0; cells],
                }
            }
            _ => Counts::Map(HashMap::default()),
        }
    }

    /// The table row of the state with `digits`.
    fn row(sources: usize, digits: Digits) -> usize {
        let base = sources + 1;
        digits[0] as usize + base * (digits[1] as usize + base * digits[2] as usize)
    }

    /// Counts one journey's transitions, `count` times: through the states `path` gives,
    /// then to (conversion) or (null).
    fn add_path(&mut self, path: impl Iterator<Item = Digits>, converted: bool, count: u64) {
        match self {
            Counts::Table { sources, cells, .. } => {
                // Below `Cell::MAX` in all ([`Counts::new`]).
                let count = count as Cell;
                let (sources, width) = (*sources, *sources + 2);
                let mut from = 0;
                for digits in path {
                    cells[from * width + digits[0] as usize - 1] += count;
                    from = Counts::row(sources, digits);
                }
                cells[from * width + sources + usize::from(!converted)] += count;
            }
            Counts::Map(map) => {
                let mut from = START;
                for digits in path {
                    let to = state_key(digits);
                    *map.entry((from, to)).or_default() += count;
                    from = to;
                }
                let end = if converted { CONVERSION } else { NULL };
                *map.entry((from, end)).or_default() += count;
            }
        }
    }

    /// Adds `other`'s counts to these.
    fn absorb(&mut self, other: Counts) {
        match (self, other) {
            (Counts::Table { cells, .. }, Counts::Table { cells: theirs, .. }) => {
                for (a, b) in cells.iter_mut().zip(theirs) {
                    *a += b;
                }
            }
            (Counts::Map(map), Counts::Map(theirs)) => {
                for (key, count) in theirs {
                    *map.entry(key).or_default() += count;
                }
            }
            _ => unreachable!("the counts of one chain are all tables or all maps"),
        }
    }
}

/// The digits after `digits` when the journey moves to the source with `digit`, remembering
/// `order` sources.
#[inline]
fn next_digits(digits: Digits, digit: u32, order: usize) -> Digits {
    // Masks rather than a slice fill: this runs once per touch of every journey.
    let keep = |remembered: usize| if order > remembered { u32::MAX } else { 0 };
    [digit, digits[0] & keep(1), digits[1] & keep(2)]
}

/// The transitions counted over the journeys, and the lanes of the conversions among them.
pub(super) struct Transitions {
    order: usize,
    counts: Counts,
    /// The conversions' lanes summed: what the removal effects split.
    pub(super) converted: Lanes,
}

impl Transitions {
    /// No transitions yet, for a chain of `order` (1 to 3) over `sources` sources, of walks
    /// that make at most `transitions` transitions in all (each journey's touches and its
    /// end: [`Transitions::bound`]).
    pub(super) fn new(order: u8, sources: usize, transitions: u64) -> Transitions {
        let order = usize::from(order.clamp(1, 3));
        Transitions {
            order,
            counts: Counts::new(order, sources, transitions),
            converted: [0.0; 4],
        }
    }

    /// At most how many transitions a walk of `index` makes: a transition into each of its
    /// touches (candidate touches, the partners' coupons, the touches of the journeys that did
    /// not convert) and one to an end per journey.
    pub(super) fn bound(index: &crate::journeys::JourneyIndex) -> u64 {
        let open = index.open_paths();
        let open_touches = open.map_or(0, |o| o.touches() as u64);
        let open_journeys = open.map_or(0, |o| o.len() as u64);
        let conversions = index.conversions.len() as u64;
        index.candidate_touches() as u64 + 2 * conversions + open_touches + open_journeys
    }

    /// Counts `journeys` journeys through `sources`, oldest first.
    fn add_path(&mut self, sources: impl Iterator<Item = u32>, converted: bool, journeys: u64) {
        let order = self.order;
        let mut digits: Digits = [0; 3];
        let states = sources.filter_map(move |source| {
            let digit = source + 1;
            // Consecutive repeats of a source add no transition.
            (digits[0] != digit).then(|| {
                digits = next_digits(digits, digit, order);
                digits
            })
        });
        self.counts.add_path(states, converted, journeys);
    }

    /// The chain these counts define.
    pub(super) fn chain(&self) -> Chain {
        match &self.counts {
            Counts::Table {
                order,
                sources,
                cells,
            } => table_chain(*order, *sources, cells),
            Counts::Map(map) => keyed_chain(map),
        }
    }
}

/// The chain of counts kept by state key ([`Counts::Map`]): states numbered in key order.
fn keyed_chain(map: &HashMap<(StateKey, StateKey), u64, Mix>) -> Chain {
    let mut transitions: Vec<(StateKey, StateKey, u64)> = map
        .iter()
        .map(|(&(from, to), &count)| (from, to, count))
        .collect();
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
    let mut rows = vec![Vec::new(); states];
    let mut to_conversion = vec![0.0; states];
    for (from, to, count) in transitions {
        let from = id(from);
        let probability = count as f64 / out_counts[from] as f64;
        match to {
            CONVERSION => to_conversion[from] += probability,
            NULL => {}
            _ => rows[from].push((id(to), probability)),
        }
    }
    let latest_sources = std::iter::once(u32::MAX)
        .chain(keys.iter().map(|&k| latest_source(k)))
        .collect();
    Chain::from_rows(rows, to_conversion, latest_sources)
}

/// The chain of a table of counts ([`Counts::Table`]): its states are the rows with a
/// transition, numbered in row order (the start first), which is the order of their keys.
/// The compressed rows are written straight from the table, one pass over its rows.
fn table_chain(order: usize, sources: usize, cells: &[Cell]) -> Chain {
    let (base, width) = (sources + 1, sources + 2);
    // A state's successor keeps its latest `order − 1` digits: the row modulo this.
    let kept_digits = base.pow(order as u32 - 1);
    let mut id = vec![u32::MAX; cells.len() / width];
    let mut states = Vec::new();
    for (row, counts) in cells.chunks_exact(width).enumerate() {
        if row == 0 || counts.iter().any(|&count| count > 0) {
            id[row] = states.len() as u32;
            states.push(row);
        }
    }
    let mut chain = Chain::with_capacity(states.len());
    for &row in &states {
        let counts = &cells[row * width..(row + 1) * width];
        let out = counts.iter().map(|&c| u64::from(c)).sum::<u64>().max(1) as f64;
        let successors = base * (row % kept_digits) + 1;
        for (source, &count) in counts[..sources].iter().enumerate() {
            if count > 0 {
                chain.push_transition(id[successors + source], f64::from(count) / out);
            }
        }
        let latest = ((row % base) as u32).wrapping_sub(1);
        chain.end_row(f64::from(counts[sources]) / out, latest);
    }
    chain
}

/// The key of a state remembering the sources with `digits` (each source id plus one, the
/// latest first, 0 for none): the latest in the low 32 bits.
fn state_key(digits: Digits) -> StateKey {
    digits.iter().enumerate().fold(0, |key, (i, &digit)| {
        key | StateKey::from(digit) << (32 * i)
    })
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
        self.add_path(touches.iter().map(|t| t.source), true, 1);
    }

    fn not_converted(&mut self, sources: &[u32], journeys: u64) {
        self.add_path(sources.iter().copied(), false, journeys);
    }

    fn merge(mut self, other: Transitions) -> Transitions {
        self.counts.absorb(other.counts);
        for (a, b) in self.converted.iter_mut().zip(other.converted) {
            *a += b;
        }
        self
    }
}

/// Per source id (`sources` of them), its removal effect: 0 for a source no journey reaches.
pub(super) fn removal_effects(chain: &Chain, sources: usize) -> Vec<f64> {
    let mut effects = vec![0.0; sources];
    let mut present: Vec<u32> = chain
        .latest_source
        .iter()
        .copied()
        .filter(|&s| (s as usize) < sources)
        .collect();
    present.sort_unstable();
    present.dedup();
    // The whole chain first, then without each source, solved together.
    let removals: Vec<Option<u32>> = std::iter::once(None)
        .chain(present.iter().map(|&s| Some(s)))
        .collect();
    let probabilities = chain.conversion_probabilities(&removals);
    let converting = probabilities[0];
    if converting <= 0.0 {
        return effects;
    }
    for (source, without) in present.into_iter().zip(&probabilities[1..]) {
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
        let mut transitions = Transitions::new(order, 2, 1_000);
        for journey in converted {
            transitions.converted([1.0, 10.0, 10.0, 1.0], &path(journey));
        }
        for journey in not_converted {
            transitions.not_converted(journey, 1);
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
    fn walks_of_more_transitions_than_a_cell_holds_count_in_the_map() {
        let fits = Counts::new(3, 2, u64::from(Cell::MAX) - 1);
        let too_many = Counts::new(3, 2, u64::from(Cell::MAX));
        assert!(matches!(fits, Counts::Table { .. }));
        assert!(matches!(too_many, Counts::Map(_)));
    }

    #[test]
    fn the_count_table_and_the_count_map_give_the_same_chain() {
        let journeys: [&[u32]; 5] = [&[0, 1, 0], &[1, 1], &[0], &[1, 0, 1, 1], &[0, 0]];
        // Over 1,500 sources no table fits: the map counts.
        let many = 1_500;
        let effects_with = |order: u8, sources: usize| {
            let mut transitions = Transitions::new(order, sources, 1_000);
            for (i, journey) in journeys.iter().enumerate() {
                if i % 2 == 0 {
                    transitions.converted([1.0; 4], &path(journey));
                } else {
                    transitions.not_converted(journey, 1);
                }
            }
            assert_eq!(
                matches!(transitions.counts, Counts::Table { .. }),
                sources < many,
                "order {order}, {sources} sources"
            );
            removal_effects(&transitions.chain(), 2)
        };
        for order in 1..=3 {
            assert_close(&effects_with(order, 2), &effects_with(order, many));
        }
    }
}
