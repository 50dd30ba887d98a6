//! Credit per source and model for one setting, over the journey index.

use serde::Serialize;

use crate::domain::{AttributionSettings, CountRule, CouponPrecedence, CreditRow, Model};
use crate::journeys::{HotArrays, JourneyIndex, NO_SOURCE};

/// Credit earned by one source under one model.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct SourceCredit {
    /// Credited conversions (fractional under linear).
    pub conversions: f64,
    /// Credited revenue.
    pub revenue: f64,
    /// Commission earned on the credited revenue.
    pub payout: f64,
}

impl SourceCredit {
    pub(super) fn absorb(&mut self, other: &SourceCredit) {
        self.conversions += other.conversions;
        self.revenue += other.revenue;
        self.payout += other.payout;
    }

    /// Counts one whole conversion of `revenue` that pays nothing here (totals, unattributed).
    pub(super) fn add_unpaid(&mut self, revenue: f64) {
        self.conversions += 1.0;
        self.revenue += revenue;
    }
}

/// Credit for every source under every model, for one setting.
#[derive(Debug, Clone, PartialEq)]
pub struct CreditTable {
    /// `by_model[model.index()][source_id]`.
    pub by_model: [Vec<SourceCredit>; 3],
    /// Conversions no counted touch reached, and their revenue.
    pub unattributed: SourceCredit,
    /// All conversions and their revenue.
    pub total: SourceCredit,
}

impl CreditTable {
    /// The credit of `source_id` under `model`.
    pub fn credit(&self, model: Model, source_id: usize) -> SourceCredit {
        self.by_model[model.index()][source_id]
    }

    /// Totals of one model over all sources.
    pub fn model_total(&self, model: Model) -> SourceCredit {
        self.by_model[model.index()]
            .iter()
            .fold(SourceCredit::default(), |mut sum, c| {
                sum.absorb(c);
                sum
            })
    }

    /// One row per source and model, ordered by source then first, last, linear.
    pub fn rows(&self, index: &JourneyIndex) -> Vec<CreditRow> {
        let mut order: Vec<usize> = (0..index.sources.len()).collect();
        order.sort_by(|&a, &b| index.sources[a].id.cmp(&index.sources[b].id));
        order
            .into_iter()
            .flat_map(|source_id| {
                Model::ALL.into_iter().map(move |model| {
                    let credit = self.credit(model, source_id);
                    CreditRow {
                        source: index.sources[source_id].id.clone(),
                        model: model.key().to_owned(),
                        conversions: credit.conversions,
                        revenue: credit.revenue,
                        payout: credit.payout,
                    }
                })
            })
            .collect()
    }
}

/// Candidate touches above which the work is split across the machine's cores.
pub(super) const PARALLEL_TOUCHES: usize = 200_000;

/// First and last counted positions and the count, by testing every touch.
fn scan_counted(
    touches: std::ops::Range<usize>,
    counts: impl Fn(usize) -> bool,
) -> (usize, usize, u32) {
    let (mut first, mut last, mut counted) = (usize::MAX, 0, 0u32);
    for p in touches {
        if counts(p) {
            if counted == 0 {
                first = p;
            }
            last = p;
            counted += 1;
        }
    }
    (first, last, counted)
}

/// The machine's cores, asked once (the answer comes from cgroup files on Linux).
pub(crate) fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Runs first-touch, last-touch and linear over every conversion for one setting.
pub fn compute_credit(index: &JourneyIndex, settings: &AttributionSettings) -> CreditTable {
    deal_across_cores(
        index.conversions.len(),
        index.candidate_touches() >= PARALLEL_TOUCHES,
        |part| credit_of_part(index, settings, part),
        merge,
    )
}

/// Calls `walk.method::<LENGTH>(c)` with the journey's length as a constant for journeys of
/// up to eight touches (0, "any length", for the others): each length gets its own copy of
/// the code, whose loops over the journey unroll, and walk order makes the choice
/// predictable.
macro_rules! by_journey_length {
    ($length:expr, $walk:ident . $method:ident ($c:expr)) => {
        match $length {
            1 => $walk.$method::<1>($c),
            2 => $walk.$method::<2>($c),
            3 => $walk.$method::<3>($c),
            4 => $walk.$method::<4>($c),
            5 => $walk.$method::<5>($c),
            6 => $walk.$method::<6>($c),
            7 => $walk.$method::<7>($c),
            8 => $walk.$method::<8>($c),
            _ => $walk.$method::<0>($c),
        }
    };
}
pub(super) use by_journey_length;

/// Conversions in a block dealt to one core.
const BLOCK: usize = 4096;

/// One core's share of the conversions: every `parts`-th block of walk positions, from block
/// `part`.
#[derive(Clone, Copy)]
pub(super) struct Dealt {
    conversions: usize,
    part: usize,
    parts: usize,
}

impl Dealt {
    /// The same share of another array of `items` items, dealt the same way.
    pub(super) fn of(self, items: usize) -> Dealt {
        Dealt {
            conversions: items,
            ..self
        }
    }

    /// The blocks of walk positions of this share, in order.
    pub(super) fn blocks(self) -> impl Iterator<Item = std::ops::Range<usize>> {
        (self.part * BLOCK..self.conversions)
            .step_by(self.parts * BLOCK)
            .map(move |start| start..(start + BLOCK).min(self.conversions))
    }
}

/// Deals the walk positions of `conversions` conversions out to the machine's cores (or to
/// one, when `parallel` is false) block by block, round-robin, so each core gets a like
/// share of every journey length, and folds the parts with `merge`.
pub(super) fn deal_across_cores<T: Send>(
    conversions: usize,
    parallel: bool,
    work: impl Fn(Dealt) -> T + Sync,
    merge: impl Fn(T, T) -> T,
) -> T {
    let parts = if parallel { cores() } else { 1 };
    let work = &work;
    let shares: Vec<T> = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..parts)
            .map(|part| {
                scope.spawn(move || {
                    work(Dealt {
                        conversions,
                        part,
                        parts,
                    })
                })
            })
            .collect();
        let first = work(Dealt {
            conversions,
            part: 0,
            parts,
        });
        std::iter::once(first)
            .chain(
                handles
                    .into_iter()
                    .map(|h| h.join().expect("worker thread")),
            )
            .collect()
    });
    shares.into_iter().reduce(merge).expect("at least one part")
}

fn merge(mut into: CreditTable, from: CreditTable) -> CreditTable {
    for (a, b) in into.by_model.iter_mut().zip(&from.by_model) {
        for (x, y) in a.iter_mut().zip(b) {
            x.absorb(y);
        }
    }
    into.unattributed.absorb(&from.unattributed);
    into.total.absorb(&from.total);
    into
}

/// Per-source constants of the hot loop: dropped by the scope, partner or not, and payout
/// as `revenue × rate + flat`.
pub(super) struct SourceRules {
    pub(super) droppable: Vec<bool>,
    pub(super) is_partner: Vec<bool>,
    pub(super) rate: Vec<f64>,
    pub(super) flat: Vec<f64>,
}

impl SourceRules {
    /// Whether a touch with `key`, `lag_secs` before its conversion, from `source`, counts
    /// under `rule` and the scope. With `PARTNERS_ONLY` false the scope is not looked up
    /// (nothing is dropped then); `&`, not `&&`, so the hot loops carry no branch.
    #[inline(always)]
    pub(super) fn counts<const PARTNERS_ONLY: bool>(
        &self,
        rule: &CountRule,
        key: u16,
        lag_secs: u32,
        source: u32,
    ) -> bool {
        rule.counts(key, lag_secs) & !(PARTNERS_ONLY && self.droppable[source as usize])
    }

    pub(super) fn new(index: &JourneyIndex, settings: &AttributionSettings) -> SourceRules {
        let (rate, flat) = index
            .sources
            .iter()
            .map(|s| s.commission.rate_and_flat())
            .unzip();
        SourceRules {
            droppable: index
                .sources
                .iter()
                .map(|s| settings.partners_only && !s.is_partner)
                .collect(),
            is_partner: index.sources.iter().map(|s| s.is_partner).collect(),
            rate,
            flat,
        }
    }
}

/// What a partner's coupon does to a conversion under a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CouponRule {
    /// Coupons are not tracked.
    Off,
    /// The coupon's partner takes the credit when no partner touch counts.
    Backup,
    /// The coupon's partner takes the credit.
    Override,
    /// The coupon is one more touch, the latest, at the conversion instant.
    Touch,
}

impl CouponRule {
    pub(super) fn of(settings: &AttributionSettings) -> CouponRule {
        if !settings.tracking.coupons_on() {
            return CouponRule::Off;
        }
        match settings.tracking.coupon {
            CouponPrecedence::Backup => CouponRule::Backup,
            CouponPrecedence::Override => CouponRule::Override,
            CouponPrecedence::Touch => CouponRule::Touch,
        }
    }

    /// The coupon partner that takes conversion `c`, given whether a partner touch counts.
    pub(super) fn takes_all(
        self,
        coupon: u32,
        partner_touch_counts: impl FnOnce() -> bool,
    ) -> bool {
        coupon != NO_SOURCE
            && match self {
                CouponRule::Override => true,
                CouponRule::Backup => !partner_touch_counts(),
                CouponRule::Off | CouponRule::Touch => false,
            }
    }
}

/// Per model and source, the sums credit is made of: conversions, revenue, paid revenue and
/// paid conversions. A source's payout is `rate × paid revenue + flat × paid conversions`,
/// applied once at the end instead of once per touch, and a touch's credit is one add of
/// four lanes.
struct Sums {
    sources: usize,
    cells: Vec<[f64; 4]>,
}

/// A whole conversion's lanes: `[1, revenue, paid × revenue, paid]` (the recompute's sums
/// and the sweep's difference arrays both add these).
pub(super) type Lanes = [f64; 4];

/// The whole lanes of the conversion at walk position `c` and the positions of its touches,
/// `LENGTH` of them (any number when `LENGTH` is 0: read from the offsets).
#[inline(always)]
pub(super) fn conversion_at<const LENGTH: usize>(
    hot: &HotArrays<'_>,
    c: usize,
) -> (Lanes, std::ops::Range<usize>) {
    let revenue = hot.revenue[c];
    let paid = f64::from(u8::from(hot.payable[c]));
    let start = hot.offsets[c] as usize;
    let length = if LENGTH > 0 {
        LENGTH
    } else {
        hot.offsets[c + 1] as usize - start
    };
    ([1.0, revenue, paid * revenue, paid], start..start + length)
}

impl Sums {
    fn new(sources: usize) -> Sums {
        Sums {
            sources,
            cells: vec![[0.0; 4]; 3 * sources],
        }
    }

    #[inline(always)]
    fn add(&mut self, model: Model, source: usize, lanes: Lanes) {
        let cell = &mut self.cells[model.index() * self.sources + source];
        for (sum, lane) in cell.iter_mut().zip(lanes) {
            *sum += lane;
        }
    }

    fn into_table(
        self,
        rules: &SourceRules,
        unattributed: SourceCredit,
        total: SourceCredit,
    ) -> CreditTable {
        let by_model = std::array::from_fn(|m| {
            self.cells[m * self.sources..(m + 1) * self.sources]
                .iter()
                .enumerate()
                .map(
                    |(s, &[conversions, revenue, paid_revenue, paid])| SourceCredit {
                        conversions,
                        revenue,
                        payout: rules.rate[s] * paid_revenue + rules.flat[s] * paid,
                    },
                )
                .collect()
        });
        CreditTable {
            by_model,
            unattributed,
            total,
        }
    }
}

fn scaled(lanes: Lanes, share: f64) -> Lanes {
    lanes.map(|lane| lane * share)
}

/// Longest journey the bit-mask path takes; longer ones test touch by touch.
const MASK_TOUCHES: usize = 64;

/// Which of a journey's touches count (bit `j` for its `j`-th touch), and which of those are
/// partners', without a branch per touch.
#[inline(always)]
fn counted_masks<const PARTNERS_ONLY: bool, const COUPONS: bool>(
    rule: &CountRule,
    rules: &SourceRules,
    (lags, keys, sources): (&[u32], &[u16], &[u32]),
) -> (u64, u64) {
    let (mut counted, mut partners) = (0u64, 0u64);
    for (j, ((&lag, &key), &source)) in lags.iter().zip(keys).zip(sources).enumerate() {
        let counts = rules.counts::<PARTNERS_ONLY>(rule, key, lag, source);
        counted |= u64::from(counts) << j;
        if COUPONS {
            partners |= u64::from(counts & rules.is_partner[source as usize]) << j;
        }
    }
    (counted, partners)
}

/// The credit of one core's share of the conversions: one tight pass over the flat arrays,
/// journeys of equal length together so the loops' trip counts repeat, and the scope and
/// coupon tracking as compile-time constants so the loop carries no test it does not need.
// Unsafe, audited: calling a `#[target_feature]` function is unsafe; the call is made only
// after `has_avx2` has found every feature it is compiled for.
#[allow(unsafe_code)]
fn credit_of_part(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    part: Dealt,
) -> CreditTable {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the instructions the function is compiled for exist on this machine.
        return unsafe { credit_of_part_avx2(index, settings, part) };
    }
    credit_of_part_portable(index, settings, part)
}

/// Whether this processor has AVX2 and the bit-count instructions (x86-64 since 2013).
#[cfg(target_arch = "x86_64")]
fn has_avx2() -> bool {
    std::is_x86_feature_detected!("avx2")
        && std::is_x86_feature_detected!("popcnt")
        && std::is_x86_feature_detected!("lzcnt")
        && std::is_x86_feature_detected!("bmi1")
}

/// [`credit_of_part_portable`] compiled for the vector and bit-count instructions of x86-64
/// processors since 2013: a four-lane add is one instruction, a touch count one `popcnt`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt,lzcnt,bmi1")]
fn credit_of_part_avx2(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    part: Dealt,
) -> CreditTable {
    credit_of_part_portable(index, settings, part)
}

#[inline(always)]
fn credit_of_part_portable(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    part: Dealt,
) -> CreditTable {
    let coupons = CouponRule::of(settings) != CouponRule::Off;
    match (settings.partners_only, coupons) {
        (false, false) => credit_of_part_with::<false, false>(index, settings, part),
        (true, false) => credit_of_part_with::<true, false>(index, settings, part),
        (false, true) => credit_of_part_with::<false, true>(index, settings, part),
        (true, true) => credit_of_part_with::<true, true>(index, settings, part),
    }
}

#[inline(always)]
fn credit_of_part_with<const PARTNERS_ONLY: bool, const COUPONS: bool>(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    part: Dealt,
) -> CreditTable {
    let mut walk = Walk::<PARTNERS_ONLY, COUPONS> {
        hot: index.hot(),
        rules: SourceRules::new(index, settings),
        rule: CountRule::new(
            &settings.tracking,
            settings.window,
            settings.reset_after_conversion,
        ),
        coupon_rule: CouponRule::of(settings),
        sums: Sums::new(index.sources.len()),
        total: SourceCredit::default(),
        unattributed: SourceCredit::default(),
    };
    let offsets = walk.hot.offsets;
    for block in part.blocks() {
        for c in block {
            by_journey_length!(offsets[c + 1] - offsets[c], walk.conversion(c));
        }
    }
    walk.sums
        .into_table(&walk.rules, walk.unattributed, walk.total)
}

/// The state of one core's walk over its conversions.
struct Walk<'a, const PARTNERS_ONLY: bool, const COUPONS: bool> {
    hot: HotArrays<'a>,
    rules: SourceRules,
    rule: CountRule,
    coupon_rule: CouponRule,
    sums: Sums,
    total: SourceCredit,
    unattributed: SourceCredit,
}

impl<const PARTNERS_ONLY: bool, const COUPONS: bool> Walk<'_, PARTNERS_ONLY, COUPONS> {
    /// Credits the conversion at walk position `c`, whose journey has `LENGTH` touches (or any
    /// number when `LENGTH` is 0).
    #[inline(always)]
    fn conversion<const LENGTH: usize>(&mut self, c: usize) {
        let hot = &self.hot;
        let (whole, touches) = conversion_at::<LENGTH>(hot, c);
        self.total.add_unpaid(whole[1]);
        let length = touches.len();
        let journey = (
            &hot.lags[touches.clone()],
            &hot.keys[touches.clone()],
            &hot.sources[touches],
        );
        let coupon = if COUPONS {
            hot.coupon_partner[c]
        } else {
            NO_SOURCE
        };
        let credit = JourneyCredit {
            sums: &mut self.sums,
            unattributed: &mut self.unattributed,
            whole,
            coupon,
            coupon_rule: self.coupon_rule,
        };
        let (rule, rules) = (&self.rule, &self.rules);
        if length <= MASK_TOUCHES {
            let (counted, partners) = counted_masks::<PARTNERS_ONLY, COUPONS>(rule, rules, journey);
            let tally = Tally {
                counted: counted.count_ones(),
                first: counted.trailing_zeros() as usize,
                last: 63usize.wrapping_sub(counted.leading_zeros() as usize),
                partner: partners != 0,
            };
            credit.add::<COUPONS>(journey.2, tally, |j| ((counted >> j) & 1) as f64);
        } else {
            let counts = |j: usize| {
                rules.counts::<PARTNERS_ONLY>(rule, journey.1[j], journey.0[j], journey.2[j])
            };
            let (first, last, counted) = scan_counted(0..length, counts);
            let partner = (0..length).any(|j| counts(j) && rules.is_partner[journey.2[j] as usize]);
            let tally = Tally {
                counted,
                first,
                last,
                partner,
            };
            credit.add::<COUPONS>(journey.2, tally, |j| f64::from(u8::from(counts(j))));
        }
    }
}

/// Which of a journey's touches count: how many, the first and last of them (positions in
/// the journey), and whether a partner's is among them.
#[derive(Clone, Copy)]
struct Tally {
    counted: u32,
    first: usize,
    last: usize,
    partner: bool,
}

/// Where one conversion's credit goes.
struct JourneyCredit<'a> {
    sums: &'a mut Sums,
    unattributed: &'a mut SourceCredit,
    whole: Lanes,
    coupon: u32,
    coupon_rule: CouponRule,
}

impl JourneyCredit<'_> {
    /// Credits the conversion whose journey has `sources` and `tally`; `on(j)` is 1.0 when
    /// touch `j` counts and 0.0 when not.
    #[inline(always)]
    fn add<const COUPONS: bool>(self, sources: &[u32], tally: Tally, on: impl Fn(usize) -> f64) {
        let coupon = self.coupon;
        if COUPONS && self.coupon_rule.takes_all(coupon, || tally.partner) {
            for model in Model::ALL {
                self.sums.add(model, coupon as usize, self.whole);
            }
            return;
        }
        let coupon_touch = COUPONS && self.coupon_rule == CouponRule::Touch && coupon != NO_SOURCE;
        let all = tally.counted + u32::from(coupon_touch);
        if all == 0 {
            self.unattributed.add_unpaid(self.whole[1]);
            return;
        }
        let first = if tally.counted > 0 {
            sources[tally.first]
        } else {
            coupon
        };
        let last = if coupon_touch {
            coupon
        } else {
            sources[tally.last]
        };
        self.sums.add(Model::First, first as usize, self.whole);
        self.sums.add(Model::Last, last as usize, self.whole);
        let share = scaled(self.whole, 1.0 / f64::from(all));
        // Every touch adds its share times 0 or 1: the same work for every journey of this
        // length, so nothing mispredicts.
        for (j, &source) in sources.iter().enumerate() {
            self.sums
                .add(Model::Linear, source as usize, scaled(share, on(j)));
        }
        if coupon_touch {
            self.sums.add(Model::Linear, coupon as usize, share);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::CookieWindow;

    /// Guards the parallel split: it must give the single-threaded result.
    #[test]
    fn the_parallel_split_equals_one_thread() {
        let index = crate::journeys::random_index(60_000, 0x2545_f491_4f6c_dd1d);
        assert!(index.candidate_touches() >= PARALLEL_TOUCHES);
        let settings = AttributionSettings {
            window: CookieWindow::Days(30),
            reset_after_conversion: true,
            partners_only: false,
            tracking: crate::attribution::Preset::HybridCrossDeviceCoupons.settings(),
        };
        let parallel = compute_credit(&index, &settings);
        let serial = deal_across_cores(
            index.conversions.len(),
            false,
            |part| credit_of_part(&index, &settings, part),
            merge,
        );
        for model in Model::ALL {
            for (p, s) in parallel.by_model[model.index()]
                .iter()
                .zip(&serial.by_model[model.index()])
            {
                assert!(
                    (p.conversions - s.conversions).abs() < 1e-6,
                    "{p:?} vs {s:?}"
                );
                assert!((p.revenue - s.revenue).abs() < 1e-6 && (p.payout - s.payout).abs() < 1e-6);
            }
        }
        assert_eq!(
            parallel.unattributed.conversions,
            serial.unattributed.conversions
        );
    }
}
