//! Credit under any set of models, side by side: first, last and linear from the engine, the
//! per-conversion weightings (position, time decay, last non-direct) from one walk over the
//! counted touches, and the data-driven models (Markov, Shapley) from every journey.

use super::engine::{SourceCredit, SourceRules, compute_credit};
use super::markov::{Transitions, removal_effects};
use super::shapley::{Combinations, name_ranks};
use super::walk::{Walked, counted_touches, walk_journeys};
use super::weights::{WeightSums, Weighting, lanes_credit};
use crate::domain::{AttributionSettings, CreditModel, CreditRow, Model, ModelParams};
use crate::journeys::JourneyIndex;

/// Credit for every source under each of the chosen models, for one setting.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelCredit {
    /// The models, in the order asked for.
    pub models: Vec<CreditModel>,
    /// `by_model[i][source_id]`: credit under `models[i]`.
    pub by_model: Vec<Vec<SourceCredit>>,
    /// Conversions no counted touch reached, and their revenue.
    pub unattributed: SourceCredit,
    /// All conversions and their revenue.
    pub total: SourceCredit,
    /// Per source id, its Markov removal effect, when Markov was among the models.
    pub removal_effects: Option<Vec<f64>>,
    /// Whether Markov or Shapley ran without the journeys that did not convert, because the
    /// index had not read them ([`JourneyIndex::read_open_paths`]): every journey then
    /// converts, and the credit is not what the model promises.
    pub without_open_paths: bool,
}

impl ModelCredit {
    /// The credit of `source_id` under `model` (zero when the model was not computed).
    pub fn credit(&self, model: CreditModel, source_id: usize) -> SourceCredit {
        self.models
            .iter()
            .position(|&m| m == model)
            .map_or_else(SourceCredit::default, |i| self.by_model[i][source_id])
    }

    /// Totals of one model over all sources.
    pub fn model_total(&self, model: CreditModel) -> SourceCredit {
        let mut sum = SourceCredit::default();
        if let Some(i) = self.models.iter().position(|&m| m == model) {
            for credit in &self.by_model[i] {
                sum.absorb(credit);
            }
        }
        sum
    }

    /// One row per source and model, ordered by source then by the models' order.
    pub fn rows(&self, index: &JourneyIndex) -> Vec<CreditRow> {
        let mut order: Vec<usize> = (0..index.sources.len()).collect();
        order.sort_by(|&a, &b| index.sources[a].id.cmp(&index.sources[b].id));
        let mut rows = Vec::with_capacity(order.len() * self.models.len());
        for source_id in order {
            for (i, model) in self.models.iter().enumerate() {
                let credit = self.by_model[i][source_id];
                rows.push(CreditRow {
                    source: index.sources[source_id].id.clone(),
                    model: model.key().to_owned(),
                    conversions: credit.conversions,
                    revenue: credit.revenue,
                    payout: credit.payout,
                });
            }
        }
        rows
    }
}

/// Runs `models` with `params` over every conversion for one setting. First, last and linear
/// are the engine's; the others follow the same rules of identity, window, reset, scope and
/// coupons (see `walk`). Only the work the chosen models need is done. Markov and Shapley
/// need the journeys that did not convert: read them first
/// ([`JourneyIndex::read_open_paths`]).
pub fn compute_models(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    params: &ModelParams,
    models: &[CreditModel],
) -> ModelCredit {
    let rules = SourceRules::new(index, settings);
    let mut totals = None;
    let classic = models.iter().any(|m| m.classic().is_some()).then(|| {
        let table = compute_credit(index, settings);
        totals = Some(Totals {
            total: table.total,
            unattributed: table.unattributed,
        });
        table
    });
    let weighted: Vec<CreditModel> = models
        .iter()
        .copied()
        .filter(|m| m.classic().is_none() && !m.is_data_driven())
        .collect();
    let weight_credit = weighted_credit(index, settings, params, &weighted, &rules, &mut totals);
    let mut removal = None;
    let by_model = models
        .iter()
        .map(|&model| {
            if let (Some(classic_model), Some(table)) = (model.classic(), &classic) {
                return table.by_model[classic_model.index()].clone();
            }
            if let Some(i) = weighted.iter().position(|&m| m == model) {
                return weight_credit[i].clone();
            }
            if model == CreditModel::Markov {
                let (credit, effects) = markov_credit(index, settings, params, &rules, &mut totals);
                removal = Some(effects);
                return credit;
            }
            shapley_credit(index, settings, params, &rules, &mut totals)
        })
        .collect();
    let totals = totals.unwrap_or_default();
    ModelCredit {
        models: models.to_vec(),
        by_model,
        unattributed: totals.unattributed,
        total: totals.total,
        removal_effects: removal,
        without_open_paths: index.open_paths().is_none()
            && models.iter().any(|m| m.is_data_driven()),
    }
}

/// All conversions and the unattributed ones, from whichever walk came first.
#[derive(Debug, Clone, Copy, Default)]
struct Totals {
    total: SourceCredit,
    unattributed: SourceCredit,
}

/// Keeps the totals of `walked` when none are known yet.
fn note_totals<S>(totals: &mut Option<Totals>, walked: &Walked<S>) {
    totals.get_or_insert(Totals {
        total: walked.total,
        unattributed: walked.unattributed,
    });
}

/// Credit under each per-conversion weighting of `models`, in one walk.
fn weighted_credit(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    params: &ModelParams,
    models: &[CreditModel],
    rules: &SourceRules,
    totals: &mut Option<Totals>,
) -> Vec<Vec<SourceCredit>> {
    if models.is_empty() {
        return Vec::new();
    }
    let weightings: Vec<Weighting> = models
        .iter()
        .filter_map(|&m| Weighting::of(m, params, index))
        .collect();
    let sources = index.sources.len();
    let walked = walk_journeys(index, settings, false, || {
        WeightSums::new(weightings.clone(), sources)
    });
    note_totals(totals, &walked);
    (0..models.len())
        .map(|m| walked.sink.credit(m, rules))
        .collect()
}

/// Markov credit and each source's removal effect.
fn markov_credit(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    params: &ModelParams,
    rules: &SourceRules,
    totals: &mut Option<Totals>,
) -> (Vec<SourceCredit>, Vec<f64>) {
    let (sources, bound) = (index.sources.len(), Transitions::bound(index));
    let walked = walk_journeys(index, settings, true, || {
        Transitions::new(params.markov_order, sources, bound)
    });
    note_totals(totals, &walked);
    let effects = removal_effects(&walked.sink.chain(), sources);
    let sum: f64 = effects.iter().sum();
    let converted = walked.sink.converted;
    let credit = (0..sources)
        .map(|s| {
            let share = if sum > 0.0 { effects[s] / sum } else { 0.0 };
            lanes_credit(rules, s, converted.map(|lane| lane * share))
        })
        .collect();
    (credit, effects)
}

/// Shapley credit over the combinations of sources.
fn shapley_credit(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    params: &ModelParams,
    rules: &SourceRules,
    totals: &mut Option<Totals>,
) -> Vec<SourceCredit> {
    let sources = index.sources.len();
    let rank = name_ranks(index);
    let max_sources = params.shapley_sources();
    let walked = walk_journeys(index, settings, true, || {
        Combinations::new(&rank, max_sources)
    });
    note_totals(totals, &walked);
    walked
        .sink
        .credit(sources)
        .into_iter()
        .enumerate()
        .map(|(s, lanes)| lanes_credit(rules, s, lanes))
        .collect()
}

/// One counted touch of a conversion and its share of the conversion under a model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TouchShare {
    /// The touch's position in the index ([`JourneyIndex::touch`]); `None` for the
    /// partner's coupon, which counts at the sale.
    pub position: Option<usize>,
    /// The touch's source id.
    pub source: u32,
    /// Seconds from the touch to the conversion.
    pub lag_secs: u32,
    /// Its share of the conversion (the shares of a conversion sum to 1).
    pub share: f64,
}

/// The counted touches of conversion `c` (in import order) and their shares under `model`,
/// oldest first (empty when no touch counts): what the evidence window shows as "time-decay
/// weight 0.21: 9 days before the sale". `None` for Markov and Shapley, whose credit is
/// learnt from every journey and not split touch by touch.
pub fn touch_shares(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    params: &ModelParams,
    model: CreditModel,
    c: usize,
) -> Option<Vec<TouchShare>> {
    let weighting = Weighting::of(model, params, index)?;
    let counted = counted_touches(index, settings, c);
    let touches: Vec<_> = counted.iter().map(|&(_, t)| t).collect();
    let mut shares = Vec::new();
    weighting.shares(&touches, &mut shares);
    Some(
        counted
            .iter()
            .zip(shares)
            .map(|(&(position, touch), share)| TouchShare {
                position,
                source: touch.source,
                lag_secs: touch.lag_secs,
                share,
            })
            .collect(),
    )
}

/// The three classic models as [`CreditModel`]s, for callers that list them with the others.
pub fn classic_models() -> Vec<CreditModel> {
    Model::ALL.into_iter().map(CreditModel::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{BrowserFamily, CookieWindow, Methods, TouchKey};
    use crate::journeys::{CandidateTouch, Commission, ConversionFacts, OpenPaths, Source};

    const DAY: i64 = 86_400;
    const ALPHA: u32 = 0;
    const DIRECT: u32 = 1;
    const SEO: u32 = 2;

    fn source(id: &str, commission: Commission) -> Source {
        Source {
            id: id.to_owned(),
            name: None,
            is_partner: commission != Commission::None,
            commission,
        }
    }

    fn conversion(id: &str, revenue: f64, coupon_partner: Option<u32>) -> ConversionFacts {
        ConversionFacts {
            coupon_partner,
            ..ConversionFacts::approved(id, revenue)
        }
    }

    fn touch(days: i64, source_id: u32) -> CandidateTouch {
        CandidateTouch {
            lag_secs: days * DAY,
            source_id,
            key: TouchKey::new(Methods::COOKIE, BrowserFamily::Chrome),
        }
    }

    /// Partner alpha (10%) and the channels direct and seo. Sale o1 (100.00): alpha 10 days
    /// before, seo 2 days before, direct at the sale. Sale o2 (50.00): seo 40 days before
    /// (outside a 30-day window), alpha 1 day before. Sale o3 (20.00): no touch, alpha's
    /// coupon. One journey did not convert: alpha, then direct a day later.
    fn programme() -> JourneyIndex {
        JourneyIndex::from_journeys(
            vec![
                source("alpha", Commission::Percent(10.0)),
                source("direct", Commission::None),
                source("seo", Commission::None),
            ],
            vec![
                conversion("o1", 100.0, None),
                conversion("o2", 50.0, None),
                conversion("o3", 20.0, Some(ALPHA)),
            ],
            &[
                vec![touch(10, ALPHA), touch(2, SEO), touch(0, DIRECT)],
                vec![touch(40, SEO), touch(1, ALPHA)],
                vec![],
            ],
        )
        .with_open_paths(OpenPaths::from_paths(&[vec![(DAY, ALPHA), (0, DIRECT)]]))
    }

    fn thirty_days() -> AttributionSettings {
        AttributionSettings {
            window: CookieWindow::Days(30),
            ..AttributionSettings::default()
        }
    }

    fn run(settings: &AttributionSettings, params: &ModelParams) -> ModelCredit {
        compute_models(&programme(), settings, params, &CreditModel::ALL)
    }

    fn assert_credit(credit: &ModelCredit, model: CreditModel, expected: [(f64, f64); 3]) {
        for (s, (conversions, revenue)) in expected.into_iter().enumerate() {
            let got = credit.credit(model, s);
            assert!(
                (got.conversions - conversions).abs() < 1e-12
                    && (got.revenue - revenue).abs() < 1e-9,
                "{model:?}, source {s}: expected ({conversions}, {revenue}), got {got:?}"
            );
        }
    }

    #[test]
    fn position_splits_forty_twenty_forty_within_the_window() {
        let credit = run(&thirty_days(), &ModelParams::default());
        // o1: alpha 40%, seo 20%, direct 40%; o2: only alpha counts; o3 is unattributed.
        assert_credit(
            &credit,
            CreditModel::Position,
            [(1.4, 90.0), (0.4, 40.0), (0.2, 20.0)],
        );
        assert!((credit.credit(CreditModel::Position, 0).payout - 9.0).abs() < 1e-12);
        assert_eq!(credit.unattributed.conversions, 1.0);
        assert_eq!(credit.unattributed.revenue, 20.0);
    }

    #[test]
    fn time_decay_weighs_by_the_half_life() {
        let credit = run(&thirty_days(), &ModelParams::default());
        // o1: 240 h, 48 h and 0 h before the sale, weights 2^(−240/168), 2^(−48/168), 1.
        let (a, s, d) = (2f64.powf(-240.0 / 168.0), 2f64.powf(-48.0 / 168.0), 1.0);
        let sum = a + s + d;
        assert_credit(
            &credit,
            CreditModel::TimeDecay,
            [
                (a / sum + 1.0, 100.0 * a / sum + 50.0),
                (d / sum, 100.0 * d / sum),
                (s / sum, 100.0 * s / sum),
            ],
        );
    }

    #[test]
    fn last_non_direct_passes_over_direct_and_follows_the_scope() {
        let credit = run(&thirty_days(), &ModelParams::default());
        assert_credit(
            &credit,
            CreditModel::LastNonDirect,
            [(1.0, 50.0), (0.0, 0.0), (1.0, 100.0)],
        );
        let partners_only = AttributionSettings {
            partners_only: true,
            ..thirty_days()
        };
        let credit = run(&partners_only, &ModelParams::default());
        assert_credit(
            &credit,
            CreditModel::LastNonDirect,
            [(2.0, 150.0), (0.0, 0.0), (0.0, 0.0)],
        );
    }

    #[test]
    fn markov_removal_effects_by_hand() {
        let credit = run(&thirty_days(), &ModelParams::default());
        // Paths: alpha→seo→direct→sale, alpha→sale, alpha→direct→(null). P(sale) = 2/3;
        // without alpha 0, without seo 1/2, without direct 1/3: effects 1, 1/4, 1/2, shares
        // 4/7, 1/7 and 2/7 of the two sales (150.00).
        let effects = credit.removal_effects.clone().expect("markov ran");
        for (got, expected) in effects.iter().zip([1.0, 0.5, 0.25]) {
            assert!((got - expected).abs() < 1e-12, "{effects:?}");
        }
        assert_credit(
            &credit,
            CreditModel::Markov,
            [
                (8.0 / 7.0, 600.0 / 7.0),
                (4.0 / 7.0, 300.0 / 7.0),
                (2.0 / 7.0, 150.0 / 7.0),
            ],
        );
        let total = credit.model_total(CreditModel::Markov);
        assert!((total.conversions - 2.0).abs() < 1e-12, "{total:?}");
    }

    #[test]
    fn shapley_splits_each_combination_by_its_values() {
        let credit = run(&thirty_days(), &ModelParams::default());
        // {alpha}: one journey, one sale: v = 1, o2 all to alpha. {alpha, direct}: no sale,
        // v = 0. {alpha, direct, seo}: v = 1 with v({alpha}) = 1, the rest 0: φ = 2/3 to
        // alpha, 1/6 each to direct and seo, splitting o1.
        assert_credit(
            &credit,
            CreditModel::Shapley,
            [
                (1.0 + 2.0 / 3.0, 50.0 + 200.0 / 3.0),
                (1.0 / 6.0, 100.0 / 6.0),
                (1.0 / 6.0, 100.0 / 6.0),
            ],
        );
    }

    #[test]
    fn a_coupon_backup_gives_the_partner_the_whole_sale_under_every_model() {
        let mut settings = thirty_days();
        settings.tracking.methods = Methods(Methods::COOKIE.0 | Methods::COUPON.0);
        let credit = run(&settings, &ModelParams::default());
        assert_eq!(credit.unattributed.conversions, 0.0);
        for model in [
            CreditModel::Position,
            CreditModel::TimeDecay,
            CreditModel::LastNonDirect,
        ] {
            let without = run(&thirty_days(), &ModelParams::default());
            let gained =
                credit.credit(model, ALPHA as usize).revenue - without.credit(model, 0).revenue;
            assert!((gained - 20.0).abs() < 1e-9, "{model:?}: {gained}");
        }
        // Markov and Shapley credit every sale.
        for model in [CreditModel::Markov, CreditModel::Shapley] {
            let total = credit.model_total(model);
            assert!(
                (total.conversions - 3.0).abs() < 1e-12,
                "{model:?}: {total:?}"
            );
        }
    }

    #[test]
    fn touch_shares_give_each_counted_touch_its_weight_and_the_coupon_its_place() {
        let index = programme();
        let params = ModelParams::default();
        let shares = touch_shares(&index, &thirty_days(), &params, CreditModel::TimeDecay, 0)
            .expect("a per-conversion model");
        let (a, s, d) = (2f64.powf(-240.0 / 168.0), 2f64.powf(-48.0 / 168.0), 1.0);
        let expected = [(ALPHA, a), (SEO, s), (DIRECT, d)];
        assert_eq!(shares.len(), 3);
        for (got, (source, weight)) in shares.iter().zip(expected) {
            assert_eq!(got.source, source);
            assert!(
                (got.share - weight / (a + s + d)).abs() < 1e-12,
                "{shares:?}"
            );
        }
        assert_eq!(shares[0].lag_secs, 10 * 86_400);
        // o2: seo is outside the window, so alpha alone: the whole sale.
        let o2 = touch_shares(&index, &thirty_days(), &params, CreditModel::Position, 1).unwrap();
        assert_eq!(o2.len(), 1);
        assert_eq!((o2[0].source, o2[0].share), (ALPHA, 1.0));
        // o3 has only alpha's coupon: nothing counts with coupons off, the coupon with them on.
        let none = touch_shares(&index, &thirty_days(), &params, CreditModel::Position, 2).unwrap();
        assert!(none.is_empty());
        let mut coupons = thirty_days();
        coupons.tracking.methods = Methods(Methods::COOKIE.0 | Methods::COUPON.0);
        let coupon = touch_shares(&index, &coupons, &params, CreditModel::Position, 2).unwrap();
        assert_eq!(coupon.len(), 1);
        assert_eq!((coupon[0].position, coupon[0].source), (None, ALPHA));
        assert!(touch_shares(&index, &coupons, &params, CreditModel::Markov, 0).is_none());
    }

    #[test]
    fn the_classic_models_through_the_general_walk_equal_the_engine() {
        let index = crate::journeys::random_index(5_000, 0x9e37_79b9_7f4a_7c15);
        for partners_only in [false, true] {
            let settings = AttributionSettings {
                window: CookieWindow::Days(30),
                reset_after_conversion: true,
                partners_only,
                tracking: crate::domain::Preset::HybridCrossDeviceCoupons.settings(),
            };
            let engine = compute_credit(&index, &settings);
            let rules = SourceRules::new(&index, &settings);
            let models = classic_models();
            let weightings: Vec<Weighting> = models
                .iter()
                .filter_map(|&m| Weighting::of(m, &ModelParams::default(), &index))
                .collect();
            let sums = walk_journeys(&index, &settings, false, || {
                WeightSums::new(weightings.clone(), index.sources.len())
            });
            for (m, model) in Model::ALL.into_iter().enumerate() {
                for (s, expected) in engine.by_model[model.index()].iter().enumerate() {
                    let got = sums.sink.credit(m, &rules)[s];
                    assert!(
                        (got.conversions - expected.conversions).abs() < 1e-9
                            && (got.revenue - expected.revenue).abs() < 1e-6
                            && (got.payout - expected.payout).abs() < 1e-6,
                        "{model:?} source {s}: {got:?} vs {expected:?}"
                    );
                }
            }
            assert_eq!(
                sums.unattributed.conversions,
                engine.unattributed.conversions
            );
        }
    }
}
