//! Credit per source and model for one setting, over the journey index.

use serde::Serialize;

use super::settings::{AttributionSettings, Model};
use crate::journeys::JourneyIndex;
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

/// Per-source constants of the hot loop: dropped by the scope, and payout as
/// `revenue × rate + flat`.
pub(super) struct SourceRules {
    pub(super) droppable: Vec<bool>,
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
            rate,
            flat,
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
/// toggles as compile-time constants so the loop carries no test it does not need.
fn credit_of_range(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    range: std::ops::Range<usize>,
) -> CreditTable {
    match (settings.reset_after_conversion, settings.partners_only) {
        (false, false) => credit_of_range_with::<false, false>(index, settings, range),
        (true, false) => credit_of_range_with::<true, false>(index, settings, range),
        (false, true) => credit_of_range_with::<false, true>(index, settings, range),
        (true, true) => credit_of_range_with::<true, true>(index, settings, range),
    }
}

fn credit_of_range_with<const RESET: bool, const PARTNERS_ONLY: bool>(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    range: std::ops::Range<usize>,
) -> CreditTable {
    let sources = index.sources.len();
    let hot = index.hot();
    let rules = SourceRules::new(index, settings);
    let window = settings
        .window
        .secs()
        .map_or(u32::MAX, |secs| u32::try_from(secs).unwrap_or(u32::MAX));
    let counts = |p: usize| {
        hot.lags[p] <= window
            && !(RESET && hot.before_previous[p])
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
        let (start, end) = (hot.offsets[c] as usize, hot.offsets[c + 1] as usize);
        let (first, last, counted) = if PARTNERS_ONLY {
            scan_counted(start..end, counts)
        } else {
            // Touches are oldest first, and both the window and the reset exclude a prefix:
            // the counted touches are the suffix from the first one that counts.
            let first = (start..end).find(|&p| counts(p)).unwrap_or(end);
            (first, end.saturating_sub(1), (end - first) as u32)
        };
        if counted == 0 {
            unattributed.add(1.0, revenue, 0.0);
            continue;
        }
        let paid = if hot.payable[c] { 1.0 } else { 0.0 };
        let payout = |s: usize| paid * (revenue * rules.rate[s] + rules.flat[s]);
        let (first_source, last_source) = (hot.sources[first] as usize, hot.sources[last] as usize);
        acc.add(
            Model::First,
            first_source,
            1.0,
            revenue,
            payout(first_source),
        );
        acc.add(Model::Last, last_source, 1.0, revenue, payout(last_source));
        if counted == 1 {
            acc.add(
                Model::Linear,
                first_source,
                1.0,
                revenue,
                payout(first_source),
            );
            continue;
        }
        let share = 1.0 / f64::from(counted);
        for p in first..=last {
            if !PARTNERS_ONLY || counts(p) {
                let s = hot.sources[p] as usize;
                acc.add(Model::Linear, s, share, revenue, payout(s));
            }
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
    let params = SqlCreditParams {
        window_secs: settings.window.secs(),
        reset_after_conversion: settings.reset_after_conversion,
        partners_only: settings.partners_only,
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
