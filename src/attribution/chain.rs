//! The absorbing chain of the Markov model, solved exactly: the probability that a journey
//! from the start converts, with each source removed in turn.
//!
//! Up to [`DENSE_STATES`] transient states (every first-order chain of a programme with fewer
//! sources) each probability comes from Gaussian elimination with partial pivoting. Above
//! that, Gauss–Seidel sweeps solve eight removals at once: each state carries one probability
//! per removal, so a sweep reads each transition once for all eight, and the sweeps go on
//! until no probability changes by more than a unit in its last place; the groups of eight
//! share out the cores. Nothing is simulated: the same journeys always give the same numbers.

/// Chains of up to this many transient states are solved by elimination.
pub(super) const DENSE_STATES: usize = 100;

/// Sweeps after which Gauss–Seidel stops even if the probabilities still move.
const MAX_SWEEPS: usize = 1_000_000;

/// The transient states of an absorbing chain (state 0 is the start), their transitions
/// among themselves in compressed rows, and their chances to convert next.
pub(super) struct Chain {
    /// `offsets[s]..offsets[s + 1]` are state `s`'s transitions to transient states.
    offsets: Vec<usize>,
    /// Each transition's target state.
    targets: Vec<u32>,
    /// Each transition's probability.
    probabilities: Vec<f64>,
    /// Per state, the probability of converting next.
    to_conversion: Vec<f64>,
    /// Per state, the latest source it remembers (`u32::MAX` for the start).
    pub(super) latest_source: Vec<u32>,
}

impl Chain {
    /// The chain whose state `s` moves to the transient states in `rows[s]` with their
    /// probabilities, converts next with `to_conversion[s]` and remembers `latest_source[s]`
    /// last; what is left of each row's probability goes to (null).
    pub(super) fn from_rows(
        rows: Vec<Vec<(usize, f64)>>,
        to_conversion: Vec<f64>,
        latest_source: Vec<u32>,
    ) -> Chain {
        let mut offsets = Vec::with_capacity(rows.len() + 1);
        offsets.push(0);
        let (mut targets, mut probabilities) = (Vec::new(), Vec::new());
        for row in rows {
            for (target, probability) in row {
                targets.push(target as u32);
                probabilities.push(probability);
            }
            offsets.push(targets.len());
        }
        Chain {
            offsets,
            targets,
            probabilities,
            to_conversion,
            latest_source,
        }
    }

    /// An empty chain with room for `states` states, filled row by row with
    /// [`Chain::push_transition`] and [`Chain::end_row`].
    pub(super) fn with_capacity(states: usize) -> Chain {
        let mut offsets = Vec::with_capacity(states + 1);
        offsets.push(0);
        Chain {
            offsets,
            targets: Vec::new(),
            probabilities: Vec::new(),
            to_conversion: Vec::with_capacity(states),
            latest_source: Vec::with_capacity(states),
        }
    }

    /// A transition of the state being written to the transient state `target`.
    pub(super) fn push_transition(&mut self, target: u32, probability: f64) {
        self.targets.push(target);
        self.probabilities.push(probability);
    }

    /// Ends the state being written: it converts next with `to_conversion` and remembers
    /// `latest_source` last.
    pub(super) fn end_row(&mut self, to_conversion: f64, latest_source: u32) {
        self.offsets.push(self.targets.len());
        self.to_conversion.push(to_conversion);
        self.latest_source.push(latest_source);
    }

    /// Transient states, the start included.
    pub(super) fn states(&self) -> usize {
        self.to_conversion.len()
    }

    /// State `s`'s transitions to transient states, as `(target, probability)`.
    fn row(&self, s: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let range = self.offsets[s]..self.offsets[s + 1];
        self.targets[range.clone()]
            .iter()
            .zip(&self.probabilities[range])
            .map(|(&t, &p)| (t as usize, p))
    }

    /// The probability that a journey from the start converts, with the states whose latest
    /// source is the removal's sent to (null), for each of `removals` in their order.
    pub(super) fn conversion_probabilities(&self, removals: &[Option<u32>]) -> Vec<f64> {
        if self.states() <= DENSE_STATES {
            return removals
                .iter()
                .map(|&removed| self.solve_dense(&self.kept_without(removed)))
                .collect();
        }
        self.solve_iteratively(removals)
    }

    /// Per state, whether it is kept when the states whose latest source is `removed` go.
    pub(super) fn kept_without(&self, removed: Option<u32>) -> Vec<bool> {
        self.latest_source
            .iter()
            .map(|&s| removed != Some(s))
            .collect()
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
            for (t, p) in self.row(s) {
                if kept[t] {
                    a[i * width + place[t]] -= p;
                }
            }
            a[i * width + m] = self.to_conversion[s];
        }
        gaussian_elimination(&mut a, m);
        a[m] // the start is state 0, the first kept
    }

    /// `x = Q x + b` for every removal by Gauss–Seidel sweeps from zero (the probabilities
    /// only grow), until none moves by more than a unit in its last place. The removals are
    /// solved [`LANES`] at a time, the groups shared out over the cores: each state holds one
    /// probability per removal of its group (a small block that stays in cache), held at 0
    /// in the removal of its own latest source.
    pub(super) fn solve_iteratively(&self, removals: &[Option<u32>]) -> Vec<f64> {
        let groups: Vec<&[Option<u32>]> = removals.chunks(LANES).collect();
        let cores = super::engine::cores().min(groups.len()).max(1);
        let solved: Vec<Vec<(usize, Lanes)>> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..cores)
                .map(|core| {
                    let groups = &groups;
                    scope.spawn(move || {
                        (core..groups.len())
                            .step_by(cores)
                            .map(|g| (g, self.solve_group(groups[g])))
                            .collect()
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("a solver thread"))
                .collect()
        });
        let mut probabilities = vec![0.0; removals.len()];
        for (g, lanes) in solved.into_iter().flatten() {
            let start = g * LANES;
            let end = (start + LANES).min(removals.len());
            probabilities[start..end].copy_from_slice(&lanes[..end - start]);
        }
        probabilities
    }

    /// The conversion probability from the start under each of up to [`LANES`] removals, by
    /// Gauss–Seidel sweeps over the states from the last to the start (so that a state
    /// mostly reads what its successors were just given).
    fn solve_group(&self, removals: &[Option<u32>]) -> Lanes {
        let removed_lane: Vec<Option<usize>> = self
            .latest_source
            .iter()
            .map(|&s| removals.iter().position(|&r| r == Some(s)))
            .collect();
        let mut x = vec![[0.0f64; LANES]; self.states()];
        for _sweep in 0..MAX_SWEEPS {
            let mut moved = false;
            for s in (0..self.states()).rev() {
                let mut next = [self.to_conversion[s]; LANES];
                for (t, p) in self.row(s) {
                    for (lane, v) in next.iter_mut().zip(&x[t]) {
                        *lane += p * v;
                    }
                }
                if let Some(lane) = removed_lane[s] {
                    next[lane] = 0.0;
                }
                moved |= store_moved(&mut x[s], &next);
            }
            if !moved {
                break;
            }
        }
        x[0] // the start is state 0
    }
}

/// Removals solved together by [`Chain::solve_iteratively`].
const LANES: usize = 8;

/// One probability per removal of a group.
type Lanes = [f64; LANES];

/// Stores `next` into `current`; whether any value moved by more than a unit in its last
/// place.
#[inline]
fn store_moved(current: &mut Lanes, next: &Lanes) -> bool {
    let mut moved = false;
    for (c, &n) in current.iter_mut().zip(next) {
        moved |= (n - *c).abs() > f64::EPSILON * n.abs();
        *c = n;
    }
    moved
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A chain with cycles over five sources, one state per source after the start.
    fn cyclic_chain() -> Chain {
        let rows = vec![
            vec![(1, 0.3), (2, 0.3), (3, 0.2), (4, 0.1), (5, 0.1)],
            vec![(2, 0.5), (3, 0.2)],
            vec![(1, 0.4), (4, 0.3)],
            vec![(1, 0.2), (5, 0.2)],
            vec![(3, 0.6)],
            vec![(2, 0.1)],
        ];
        let to_conversion = vec![0.0, 0.1, 0.2, 0.3, 0.2, 0.5];
        Chain::from_rows(rows, to_conversion, vec![u32::MAX, 0, 1, 2, 3, 4])
    }

    #[test]
    fn elimination_and_sweeps_agree_on_a_chain_with_cycles() {
        let chain = cyclic_chain();
        let removals = [None, Some(0), Some(1), Some(2), Some(3), Some(4)];
        let swept = chain.solve_iteratively(&removals);
        for (&removed, swept) in removals.iter().zip(swept) {
            let dense = chain.solve_dense(&chain.kept_without(removed));
            assert!(
                (dense - swept).abs() < 1e-14,
                "{removed:?}: {dense} vs {swept}"
            );
        }
    }
}
