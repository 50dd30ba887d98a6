//! Credit per source and model for one setting, over the journey index.

use serde::Serialize;

use super::settings::{AttributionSettings, Model};
use super::tracking::{CountRule, CouponPrecedence};
use crate::journeys::{JourneyIndex, NO_SOURCE};
use crate::store::{SqlCreditParams, SqlCreditRow, Store, StoreError};

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
    fn absorb(&mut self, other: &SourceCredit) {
        self.conversions += other.conversions;
        self.revenue += other.revenue;
        self.payout += other.payout;
    }

    fn add(&mut self, share: f64, revenue: f64, full_payout: f64) {
        self.conversions += share;
        self.revenue += share * revenue;
        self.payout += share * full_payout;
    }
}

/// One row of the comparison: a source under a model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreditRow {
    /// Partner id or channel.
    pub source: String,
    /// `first`, `last` or `linear`.
    pub model: String,
    /// Credited conversions.
    pub conversions: f64,
    /// Credited revenue.
    pub revenue: f64,
    /// Commission earned.
    pub payout: f64,
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
const PARALLEL_TOUCHES: usize = 200_000;

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

/// Runs `work` over `0..items` in one chunk per core (or in one go when `parallel` is false)
/// and folds the parts with `merge`.
pub(super) fn split_across_cores<T: Send>(
    items: usize,
    parallel: bool,
    work: impl Fn(std::ops::Range<usize>) -> T + Sync,
    merge: impl Fn(T, T) -> T,
) -> T {
    let threads = cores();
    if threads < 2 || !parallel {
        return work(0..items);
    }
    let chunk = items.div_ceil(threads);
    let work = &work;
    let parts: Vec<T> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let range = (t * chunk).min(items)..((t + 1) * chunk).min(items);
                scope.spawn(move || work(range))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker thread"))
            .collect()
    });
    parts.into_iter().reduce(merge).expect("at least one part")
}

/// Runs first-touch, last-touch and linear over every conversion for one setting.
pub fn compute_credit(index: &JourneyIndex, settings: &AttributionSettings) -> CreditTable {
    split_across_cores(
        index.conversions.len(),
        index.candidate_touches() >= PARALLEL_TOUCHES,
        |range| credit_of_range(index, settings, range),
        merge,
    )
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

/// Credit sums as `[conversions, revenue, payout]` per model and source, flat.
struct Accumulator {
    sources: usize,
    sums: Vec<[f64; 3]>,
}

impl Accumulator {
    fn add(&mut self, model: Model, source: usize, share: f64, revenue: f64, payout: f64) {
        let sum = &mut self.sums[model.index() * self.sources + source];
        sum[0] += share;
        sum[1] += share * revenue;
        sum[2] += share * payout;
    }
}

/// The credit of the conversions in `range`: one tight pass over the flat arrays, with the
/// scope and coupon tracking as compile-time constants so the loop carries no test it does
/// not need.
fn credit_of_range(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    range: std::ops::Range<usize>,
) -> CreditTable {
    let coupons = CouponRule::of(settings) != CouponRule::Off;
    match (settings.partners_only, coupons) {
        (false, false) => credit_of_range_with::<false, false>(index, settings, range),
        (true, false) => credit_of_range_with::<true, false>(index, settings, range),
        (false, true) => credit_of_range_with::<false, true>(index, settings, range),
        (true, true) => credit_of_range_with::<true, true>(index, settings, range),
    }
}

fn credit_of_range_with<const PARTNERS_ONLY: bool, const COUPONS: bool>(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    range: std::ops::Range<usize>,
) -> CreditTable {
    let sources = index.sources.len();
    let hot = index.hot();
    let rules = SourceRules::new(index, settings);
    let rule = CountRule::new(
        &settings.tracking,
        settings.window,
        settings.reset_after_conversion,
    );
    let coupon_rule = CouponRule::of(settings);
    let counts = |p: usize| {
        rule.counts(hot.keys[p], hot.lags[p])
            && !(PARTNERS_ONLY && rules.droppable[hot.sources[p] as usize])
    };
    let mut acc = Accumulator {
        sources,
        sums: vec![[0.0; 3]; 3 * sources],
    };
    let total = SourceCredit {
        conversions: range.len() as f64,
        revenue: hot.revenue[range.clone()].iter().sum(),
        payout: 0.0,
    };
    let mut unattributed = SourceCredit::default();
    for c in range {
        let revenue = hot.revenue[c];
        let paid = if hot.payable[c] { 1.0 } else { 0.0 };
        let payout = |s: usize| paid * (revenue * rules.rate[s] + rules.flat[s]);
        let touches = hot.offsets[c] as usize..hot.offsets[c + 1] as usize;
        let coupon = if COUPONS {
            hot.coupon_partner[c]
        } else {
            NO_SOURCE
        };
        let partner_counts = || {
            touches
                .clone()
                .any(|p| counts(p) && rules.is_partner[hot.sources[p] as usize])
        };
        if COUPONS && coupon_rule.takes_all(coupon, partner_counts) {
            let s = coupon as usize;
            for model in Model::ALL {
                acc.add(model, s, 1.0, revenue, payout(s));
            }
            continue;
        }
        let (first, last, counted) = scan_counted(touches, counts);
        let coupon_touch = COUPONS && coupon_rule == CouponRule::Touch && coupon != NO_SOURCE;
        let all = counted + u32::from(coupon_touch);
        if all == 0 {
            unattributed.add(1.0, revenue, 0.0);
            continue;
        }
        let first_source = if counted > 0 {
            hot.sources[first]
        } else {
            coupon
        } as usize;
        let last_source = if coupon_touch {
            coupon
        } else {
            hot.sources[last]
        } as usize;
        acc.add(
            Model::First,
            first_source,
            1.0,
            revenue,
            payout(first_source),
        );
        acc.add(Model::Last, last_source, 1.0, revenue, payout(last_source));
        if all == 1 {
            acc.add(
                Model::Linear,
                first_source,
                1.0,
                revenue,
                payout(first_source),
            );
            continue;
        }
        let share = 1.0 / f64::from(all);
        if counted > 0 {
            for p in (first..=last).filter(|&p| counts(p)) {
                let s = hot.sources[p] as usize;
                acc.add(Model::Linear, s, share, revenue, payout(s));
            }
        }
        if coupon_touch {
            let s = coupon as usize;
            acc.add(Model::Linear, s, share, revenue, payout(s));
        }
    }
    let by_model = std::array::from_fn(|m| {
        acc.sums[m * sources..(m + 1) * sources]
            .iter()
            .map(|&[conversions, revenue, payout]| SourceCredit {
                conversions,
                revenue,
                payout,
            })
            .collect()
    });
    CreditTable {
        by_model,
        unattributed,
        total,
    }
}

/// The same models computed by DuckDB SQL over the stored tables, for cross-checking.
pub fn sql_credit_rows(
    store: &Store,
    settings: &AttributionSettings,
) -> Result<Vec<CreditRow>, StoreError> {
    let tracking = &settings.tracking;
    let params = SqlCreditParams {
        window_secs: settings.window.secs(),
        reset_after_conversion: settings.reset_after_conversion,
        partners_only: settings.partners_only,
        link_methods: tracking.methods.0 & 7,
        coupon_mode: tracking.coupons_on().then(|| tracking.coupon.key()),
        browser_cap_days: tracking.browser_caps.days,
    };
    Ok(store
        .sql_credit(params)?
        .into_iter()
        .map(|row: SqlCreditRow| CreditRow {
            source: row.source,
            model: row.model,
            conversions: row.conversions,
            revenue: row.revenue,
            payout: row.payout,
        })
        .collect())
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
        let serial = credit_of_range(&index, &settings, 0..index.conversions.len());
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
