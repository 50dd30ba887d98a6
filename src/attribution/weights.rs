//! Models that split each conversion by its own counted touches: position-based, time decay
//! and last non-direct (and first, last and linear again, so that the property tests can hold
//! the general walk to the engine).

use super::engine::{Lanes, SourceRules};
use super::walk::{Counted, JourneySink};
use crate::domain::{CreditModel, ModelParams};
use crate::journeys::JourneyIndex;

/// Seconds per hour, for half-lives given in hours.
const SECS_PER_HOUR: f64 = 3600.0;

/// How one conversion's credit is split over its counted touches.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Weighting {
    /// All to the earliest touch.
    First,
    /// All to the latest touch.
    Last,
    /// Equal shares.
    Linear,
    /// `first`, `middle` and `last` as fractions summing to 1: one touch takes all, two take
    /// `first + middle/2` and `last + middle/2` (or `first` and `last` in proportion), more
    /// split `middle` over the middle touches.
    Position {
        /// The first touch's share.
        first: f64,
        /// The middle touches' share together.
        middle: f64,
        /// The last touch's share.
        last: f64,
        /// Two touches split in proportion to `first` and `last`.
        two_proportional: bool,
    },
    /// Weight `0.5^(lag / half_life)` (whole half-lives only, with `steps`), normalised.
    TimeDecay(Decay),
    /// All to the latest touch whose source is not direct (`direct[source]`); when every
    /// touch is direct, to the latest touch.
    LastNonDirect {
        /// Per source id, whether it is a direct channel.
        direct: Vec<bool>,
    },
}

impl Weighting {
    /// The weighting of `model` with `params` over `index`'s sources; `None` for the models
    /// that learn from every journey.
    pub(super) fn of(
        model: CreditModel,
        params: &ModelParams,
        index: &JourneyIndex,
    ) -> Option<Weighting> {
        Some(match model {
            CreditModel::First => Weighting::First,
            CreditModel::Last => Weighting::Last,
            CreditModel::Linear => Weighting::Linear,
            CreditModel::Position => {
                // Settings read from a file are not checked as the command line checks them.
                let usable = |w: &[f64; 3]| {
                    w.iter().all(|x| x.is_finite() && *x >= 0.0) && w.iter().sum::<f64>() > 0.0
                };
                let [f, m, l] = if usable(&params.position_weights_pct) {
                    params.position_weights_pct
                } else {
                    ModelParams::default().position_weights_pct
                };
                let sum = f + m + l;
                Weighting::Position {
                    first: f / sum,
                    middle: m / sum,
                    last: l / sum,
                    two_proportional: params.position_two_touch_proportional,
                }
            }
            CreditModel::TimeDecay => Weighting::time_decay(
                if params.half_life_hours > 0.0 {
                    params.half_life_hours * SECS_PER_HOUR
                } else {
                    ModelParams::default().half_life_hours * SECS_PER_HOUR
                },
                params.time_decay_steps,
            ),
            CreditModel::LastNonDirect => Weighting::LastNonDirect {
                direct: index
                    .sources
                    .iter()
                    .map(|s| params.is_direct(&s.id))
                    .collect(),
            },
            CreditModel::Markov | CreditModel::Shapley => return None,
        })
    }

    /// Each touch's share of the conversion (summing to 1), into `shares`.
    pub(super) fn shares(&self, touches: &[Counted], shares: &mut Vec<f64>) {
        shares.clear();
        shares.resize(touches.len(), 0.0);
        self.fill_shares(touches, shares);
    }

    /// Each touch's share of the conversion (summing to 1), into `shares` (one per touch):
    /// what [`Weighting::shares`] gives, into a buffer the caller keeps.
    #[inline]
    pub(super) fn fill_shares(&self, touches: &[Counted], shares: &mut [f64]) {
        let n = touches.len();
        match n {
            0 => return,
            // One touch takes the whole sale under every model.
            1 => {
                shares[0] = 1.0;
                return;
            }
            _ => {}
        }
        match self {
            Weighting::First => only(shares, 0),
            Weighting::Last => only(shares, n - 1),
            Weighting::Linear => shares.fill(1.0 / n as f64),
            Weighting::Position {
                first,
                middle,
                last,
                two_proportional,
            } => {
                position_shares([*first, *middle, *last], *two_proportional, shares);
            }
            Weighting::TimeDecay(decay) => decay.shares(touches, shares),
            Weighting::LastNonDirect { direct } => {
                let j = touches
                    .iter()
                    .rposition(|t| !direct.get(t.source as usize).copied().unwrap_or(false))
                    .unwrap_or(n - 1);
                only(shares, j);
            }
        }
    }
}

/// All of the conversion to touch `j`.
#[inline]
fn only(shares: &mut [f64], j: usize) {
    for (i, share) in shares.iter_mut().enumerate() {
        *share = f64::from(u8::from(i == j));
    }
}

fn position_shares([first, middle, last]: [f64; 3], two_proportional: bool, shares: &mut [f64]) {
    let n = shares.len();
    match n {
        1 => shares[0] = 1.0,
        2 if two_proportional && first + last > 0.0 => {
            shares[0] = first / (first + last);
            shares[1] = last / (first + last);
        }
        2 => {
            shares[0] = first + middle / 2.0;
            shares[1] = last + middle / 2.0;
        }
        _ => {
            shares.fill(middle / (n - 2) as f64);
            shares[0] = first;
            shares[n - 1] = last;
        }
    }
}

impl Weighting {
    /// Time decay with a half-life of `half_life_secs` seconds (infinite: equal weights),
    /// counting whole half-lives only with `steps`.
    pub(super) fn time_decay(half_life_secs: f64, steps: bool) -> Weighting {
        Weighting::TimeDecay(Decay::new(half_life_secs, steps))
    }
}

/// Bits of a lag (in seconds) each table of [`Decay`] covers: three tables of 2,048 weights
/// cover every `u32` lag.
const DECAY_BITS: u32 = 11;

/// Time decay's weights: `0.5^(lag / half-life)`, looked up rather than computed touch by
/// touch. A lag of `d` seconds splits into three 11-bit pieces `d = a + b·2^11 + c·2^22`,
/// and its weight is the product of the three pieces' weights, each computed once by
/// `exp2` when the model is set up: within 1e-13 of `exp2(−d / h)` (as close as rounding
/// `d / h` itself leaves that), at a fraction of its cost.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Decay {
    /// The half-life in seconds (infinite: equal weights).
    half_life_secs: f64,
    /// Count whole half-lives (`floor`) instead of fractions.
    steps: bool,
    /// `pieces[k][i]`: the weight of `i · 2^(11k)` seconds (empty with `steps` or an
    /// infinite half-life, which do not use them).
    pieces: Vec<[f64; 1 << DECAY_BITS]>,
}

impl Decay {
    fn new(half_life_secs: f64, steps: bool) -> Decay {
        let tabled = !steps && half_life_secs.is_finite();
        let pieces = (0..3)
            .filter(|_| tabled)
            .map(|k| {
                std::array::from_fn(|i| {
                    let secs = (i as f64) * f64::from(1u32 << (DECAY_BITS * k));
                    (-secs / half_life_secs).exp2()
                })
            })
            .collect();
        Decay {
            half_life_secs,
            steps,
            pieces,
        }
    }

    /// The weight of a touch `older_secs` seconds older than the youngest touch.
    #[inline]
    fn weight(&self, older_secs: u32) -> f64 {
        let mask = (1 << DECAY_BITS) - 1;
        let piece =
            |k: usize| self.pieces[k][((older_secs >> (DECAY_BITS * k as u32)) & mask) as usize];
        piece(0) * piece(1) * piece(2)
    }

    /// `0.5^(lag / half-life)` (whole half-lives with `steps`), divided by the youngest
    /// touch's weight so that old journeys do not underflow to zero, then normalised.
    fn shares(&self, touches: &[Counted], shares: &mut [f64]) {
        let youngest = touches.iter().map(|t| t.lag_secs).min().unwrap_or(0);
        if self.pieces.is_empty() {
            self.shares_computed(youngest, touches, shares);
        } else {
            for (share, touch) in shares.iter_mut().zip(touches) {
                *share = self.weight(touch.lag_secs - youngest);
            }
        }
        let scale = 1.0 / shares.iter().sum::<f64>();
        for share in shares.iter_mut() {
            *share *= scale;
        }
    }

    /// The weights of whole half-lives (`steps`) or of an infinite half-life, computed.
    fn shares_computed(&self, youngest: u32, touches: &[Counted], shares: &mut [f64]) {
        let half_lives = |lag_secs: u32| {
            let exact = f64::from(lag_secs) / self.half_life_secs;
            if self.steps { exact.floor() } else { exact }
        };
        let youngest_half_lives = half_lives(youngest);
        for (share, touch) in shares.iter_mut().zip(touches) {
            let older_by = if self.half_life_secs.is_finite() {
                half_lives(touch.lag_secs) - youngest_half_lives
            } else {
                0.0
            };
            *share = (-older_by).exp2();
        }
    }
}

/// Per weighting model and source, the lanes credited.
pub(super) struct WeightSums {
    weightings: Vec<Weighting>,
    sources: usize,
    /// `cells[m * sources + source]`.
    pub(super) cells: Vec<Lanes>,
    shares: Vec<f64>,
}

impl WeightSums {
    /// Empty sums for `weightings` over `sources` sources.
    pub(super) fn new(weightings: Vec<Weighting>, sources: usize) -> WeightSums {
        WeightSums {
            cells: vec![[0.0; 4]; weightings.len() * sources],
            weightings,
            sources,
            shares: Vec::new(),
        }
    }

    /// The credit of weighting `m`, per source.
    pub(super) fn credit(&self, m: usize, rules: &SourceRules) -> Vec<super::SourceCredit> {
        self.cells[m * self.sources..(m + 1) * self.sources]
            .iter()
            .enumerate()
            .map(|(s, lanes)| lanes_credit(rules, s, *lanes))
            .collect()
    }
}

/// A source's credit from its lanes `[conversions, revenue, paid revenue, paid conversions]`.
pub(super) fn lanes_credit(
    rules: &SourceRules,
    source: usize,
    lanes: Lanes,
) -> super::SourceCredit {
    let [conversions, revenue, paid_revenue, paid] = lanes;
    super::SourceCredit {
        conversions,
        revenue,
        payout: rules.rate[source] * paid_revenue + rules.flat[source] * paid,
    }
}

impl JourneySink for WeightSums {
    fn converted(&mut self, whole: Lanes, touches: &[Counted]) {
        // One touch takes the whole sale under every model: no shares to work out.
        if let [only] = touches {
            for m in 0..self.weightings.len() {
                let cell = &mut self.cells[m * self.sources + only.source as usize];
                for (sum, lane) in cell.iter_mut().zip(whole) {
                    *sum += lane;
                }
            }
            return;
        }
        // The buffer only grows: no conversion pays for clearing it.
        if self.shares.len() < touches.len() {
            self.shares.resize(touches.len(), 0.0);
        }
        let shares = &mut self.shares[..touches.len()];
        for (m, weighting) in self.weightings.iter().enumerate() {
            weighting.fill_shares(touches, shares);
            for (touch, &share) in touches.iter().zip(shares.iter()) {
                let cell = &mut self.cells[m * self.sources + touch.source as usize];
                for (sum, lane) in cell.iter_mut().zip(whole) {
                    *sum += lane * share;
                }
            }
        }
    }

    fn merge(mut self, other: WeightSums) -> WeightSums {
        for (a, b) in self.cells.iter_mut().zip(&other.cells) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journey(lags_hours: &[f64]) -> Vec<Counted> {
        lags_hours
            .iter()
            .enumerate()
            .map(|(i, h)| Counted {
                source: i as u32,
                lag_secs: (h * SECS_PER_HOUR) as u32,
            })
            .collect()
    }

    fn shares(weighting: &Weighting, touches: &[Counted]) -> Vec<f64> {
        let mut out = Vec::new();
        weighting.shares(touches, &mut out);
        out
    }

    fn assert_close(got: &[f64], expected: &[f64]) {
        assert_eq!(got.len(), expected.len());
        for (g, e) in got.iter().zip(expected) {
            assert!((g - e).abs() < 1e-12, "got {got:?}, expected {expected:?}");
        }
    }

    const FORTY_TWENTY_FORTY: Weighting = Weighting::Position {
        first: 0.4,
        middle: 0.2,
        last: 0.4,
        two_proportional: false,
    };

    #[test]
    fn position_gives_one_touch_all_two_touches_half_the_middle_each_and_splits_the_middle() {
        assert_close(&shares(&FORTY_TWENTY_FORTY, &journey(&[5.0])), &[1.0]);
        assert_close(
            &shares(&FORTY_TWENTY_FORTY, &journey(&[5.0, 1.0])),
            &[0.5, 0.5],
        );
        // Five touches: 40% first, 40% last, 20% / 3 to each of the three in between.
        let middle = 0.2 / 3.0;
        assert_close(
            &shares(&FORTY_TWENTY_FORTY, &journey(&[9.0, 7.0, 5.0, 3.0, 1.0])),
            &[0.4, middle, middle, middle, 0.4],
        );
        let skewed = Weighting::Position {
            first: 0.2,
            middle: 0.2,
            last: 0.6,
            two_proportional: false,
        };
        assert_close(&shares(&skewed, &journey(&[2.0, 1.0])), &[0.3, 0.7]);
        // mta's rule for two touches: 20 : 60, so 1/4 and 3/4.
        let proportional = Weighting::Position {
            first: 0.2,
            middle: 0.2,
            last: 0.6,
            two_proportional: true,
        };
        assert_close(&shares(&proportional, &journey(&[2.0, 1.0])), &[0.25, 0.75]);
        assert_close(
            &shares(&proportional, &journey(&[3.0, 2.0, 1.0])),
            &[0.2, 0.2, 0.6],
        );
    }

    #[test]
    fn time_decay_halves_per_half_life_before_the_sale() {
        // Touches 336 h, 168 h and 0 h before the sale with a 168 h half-life weigh 1/4, 1/2
        // and 1: shares 1/7, 2/7 and 4/7.
        let weekly = Weighting::time_decay(168.0 * SECS_PER_HOUR, false);
        assert_close(
            &shares(&weekly, &journey(&[336.0, 168.0, 0.0])),
            &[1.0 / 7.0, 2.0 / 7.0, 4.0 / 7.0],
        );
        // 9 days (216 h) before the sale against a touch at the sale: 2^(-216/168) = 0.4102
        // against 1, a share of 0.2909.
        let older = 2f64.powf(-216.0 / 168.0);
        assert_close(
            &shares(&weekly, &journey(&[216.0, 0.0])),
            &[older / (1.0 + older), 1.0 / (1.0 + older)],
        );
        let forever = Weighting::time_decay(f64::INFINITY, false);
        assert_close(
            &shares(&forever, &journey(&[50.0, 9.0, 1.0])),
            &[1.0 / 3.0; 3],
        );
    }

    #[test]
    fn looked_up_decay_weights_equal_exp2_from_a_second_to_a_century() {
        for half_life_hours in [1.0, 24.0, 168.0, 720.0] {
            let decay = Decay::new(half_life_hours * SECS_PER_HOUR, false);
            let mut lag = 1u32;
            while lag < u32::MAX / 3 {
                let exact = (-f64::from(lag) / (half_life_hours * SECS_PER_HOUR)).exp2();
                let looked_up = decay.weight(lag);
                // Far back `lag / half-life` itself rounds by as much: 1e-13 relative.
                assert!(
                    (looked_up - exact).abs() <= 1e-13 * exact,
                    "{lag} s at {half_life_hours} h: {looked_up} vs {exact}"
                );
                lag = lag * 3 + 7;
            }
        }
    }

    #[test]
    fn time_decay_of_a_year_old_touch_with_a_short_half_life_does_not_divide_zero_by_zero() {
        for steps in [false, true] {
            let hourly = Weighting::time_decay(SECS_PER_HOUR, steps);
            let got = shares(&hourly, &journey(&[9000.0, 8760.0]));
            assert!(got.iter().all(|s| s.is_finite()), "{got:?}");
            assert!((got[1] - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn step_decay_halves_per_whole_half_life() {
        // 200 h and 100 h before the sale with a 168 h step: one whole step and none, weights
        // 1/2 and 1 (continuously they would be 2^(−200/168) and 2^(−100/168)).
        let weekly_steps = Weighting::time_decay(168.0 * SECS_PER_HOUR, true);
        assert_close(
            &shares(&weekly_steps, &journey(&[200.0, 100.0])),
            &[1.0 / 3.0, 2.0 / 3.0],
        );
        // Measured from the sale, not from the youngest touch: 170 h and 10 h are one step
        // and none, although only 160 h apart.
        assert_close(
            &shares(&weekly_steps, &journey(&[170.0, 10.0])),
            &[1.0 / 3.0, 2.0 / 3.0],
        );
    }

    #[test]
    fn last_non_direct_passes_over_direct_touches_unless_all_are_direct() {
        // Sources 0, 1, 2 by position; 2 is direct.
        let rule = Weighting::LastNonDirect {
            direct: vec![false, false, true],
        };
        assert_close(&shares(&rule, &journey(&[3.0, 2.0, 1.0])), &[0.0, 1.0, 0.0]);
        let all_direct = Weighting::LastNonDirect {
            direct: vec![true, true, true],
        };
        assert_close(
            &shares(&all_direct, &journey(&[3.0, 2.0, 1.0])),
            &[0.0, 0.0, 1.0],
        );
    }
}
