//! Renewals bound to their subscription's first sale, for recurring commissions.
//!
//! A conversion that names a subscription is a renewal when the same subscription sold
//! earlier; its first sale is the subscription's earliest conversion (by time, then import
//! order). Under a [`Recurring`] binding a renewal sold within the binding's months takes the
//! first sale's split, whatever touches it has of its own; a renewal outside them is credited
//! by its own touches, as any sale. Without a binding, or without subscriptions, nothing
//! changes: [`Renewals::credited_as`] is the identity.

use std::collections::HashMap;

use super::allocation::{Allocator, ConversionCredit};
use super::engine::{CreditTable, SourceCredit};
use super::models::ModelCredit;
use crate::domain::{AttributionSettings, Model, Recurring};
use crate::journeys::{Commission, JourneyIndex};

/// Which conversions are renewals bound to a first sale, under one binding.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Renewals {
    recurring: Option<Recurring>,
    /// `(renewal, first sale)` of every bound renewal, in import order.
    bound: Vec<(usize, usize)>,
    /// Per conversion, the conversion whose split it takes; empty when none is bound.
    credited: Vec<u32>,
}

impl Renewals {
    /// No renewal bound: every conversion is credited by its own touches.
    pub fn none() -> Renewals {
        Renewals::default()
    }

    /// The renewals of `index` that `recurring` binds to their first sale.
    pub fn bind(index: &JourneyIndex, recurring: Option<Recurring>) -> Renewals {
        let Some(binding) = recurring else {
            return Renewals::none();
        };
        let conversions = &index.conversions;
        let mut first_sale: HashMap<&str, usize> = HashMap::new();
        for (c, facts) in conversions.iter().enumerate() {
            let Some(subscription) = facts.subscription_id.as_deref() else {
                continue;
            };
            let order = |c: usize| {
                (
                    conversions[c].converted_at_secs,
                    conversions[c].conversion_seq,
                )
            };
            let first = first_sale.entry(subscription).or_insert(c);
            if order(c) < order(*first) {
                *first = c;
            }
        }
        let bound: Vec<(usize, usize)> = conversions
            .iter()
            .enumerate()
            .filter_map(|(c, facts)| {
                let first = *first_sale.get(facts.subscription_id.as_deref()?)?;
                let first_at = conversions[first].converted_at_secs;
                (first != c && binding.binds(first_at, facts.converted_at_secs))
                    .then_some((c, first))
            })
            .collect();
        let mut credited = Vec::new();
        if !bound.is_empty() {
            credited = (0..conversions.len() as u32).collect();
            for &(renewal, first) in &bound {
                credited[renewal] = first as u32;
            }
        }
        Renewals {
            recurring,
            bound,
            credited,
        }
    }

    /// The binding, if the programme sets one.
    pub fn recurring(&self) -> Option<Recurring> {
        self.recurring
    }

    /// The conversion whose split conversion `c` takes: its first sale when `c` is a bound
    /// renewal, else `c` itself.
    pub fn credited_as(&self, c: usize) -> usize {
        self.credited.get(c).map_or(c, |&first| first as usize)
    }

    /// The first sale of `c` when `c` is a bound renewal.
    pub fn renewal_of(&self, c: usize) -> Option<usize> {
        let first = self.credited_as(c);
        (first != c).then_some(first)
    }

    /// Every bound renewal and its first sale, in import order.
    pub fn bound(&self) -> &[(usize, usize)] {
        &self.bound
    }

    /// What a partner paid `own` earns on conversion `c`: the renewal rate on a bound renewal
    /// when the binding sets one (for a partner with a commission on file), else `own`.
    pub fn commission(&self, c: usize, own: Commission) -> Commission {
        match (
            self.renewal_of(c),
            self.recurring.and_then(|r| r.renewal_rate_bp),
        ) {
            (Some(_), Some(bp)) if own != Commission::None => {
                Commission::Percent(f64::from(bp) / 100.0)
            }
            _ => own,
        }
    }

    /// Moves the first, last and linear credit of every bound renewal in `credit` from its
    /// own touches to its first sale's split (at the renewal rate, when set). The models
    /// beyond those three keep crediting renewals by their own touches.
    pub fn rebind_credit(
        &self,
        index: &JourneyIndex,
        settings: &AttributionSettings,
        credit: &mut ModelCredit,
    ) {
        let classic = credit
            .by_model
            .iter_mut()
            .zip(&credit.models)
            .filter_map(|(cells, m)| m.classic().map(|model| (model, cells.as_mut_slice())))
            .collect();
        self.rebind(index, settings, classic, &mut credit.unattributed);
    }

    /// [`Renewals::rebind_credit`] for the engine's table of first, last and linear.
    pub fn rebind_table(
        &self,
        index: &JourneyIndex,
        settings: &AttributionSettings,
        table: &mut CreditTable,
    ) {
        let models = Model::ALL
            .into_iter()
            .zip(table.by_model.iter_mut())
            .map(|(model, cells)| (model, cells.as_mut_slice()))
            .collect();
        self.rebind(index, settings, models, &mut table.unattributed);
    }

    /// Moves each bound renewal's credit under each of `models` (and its unattributed tally)
    /// from its own split to its first sale's.
    fn rebind(
        &self,
        index: &JourneyIndex,
        settings: &AttributionSettings,
        mut models: Vec<(Model, &mut [SourceCredit])>,
        unattributed: &mut SourceCredit,
    ) {
        if self.bound.is_empty() {
            return;
        }
        let allocator = Allocator::new(index, settings);
        for &(renewal, first) in &self.bound {
            let (own, taken) = (allocator.credit(renewal), allocator.credit(first));
            for (model, cells) in &mut models {
                self.move_shares(index, renewal, &own, *model, -1.0, cells);
                self.move_shares(index, renewal, &taken, *model, 1.0, cells);
            }
            let none = |split: &ConversionCredit| {
                f64::from(u8::from(split.shares(Model::Last).is_empty()))
            };
            let sign = none(&taken) - none(&own);
            unattributed.conversions += sign;
            unattributed.revenue += sign * index.conversions[renewal].revenue;
        }
    }

    /// Adds `sign` times renewal `c`'s credit under `split` and `model` to `cells` (its own
    /// touches' split pays the partner's own rate; a first sale's, the renewal's).
    fn move_shares(
        &self,
        index: &JourneyIndex,
        c: usize,
        split: &ConversionCredit,
        model: Model,
        sign: f64,
        cells: &mut [SourceCredit],
    ) {
        let facts = &index.conversions[c];
        for share in split.shares(model) {
            let source = &index.sources[share.source as usize];
            let commission = if sign > 0.0 {
                self.commission(c, source.commission)
            } else {
                source.commission
            };
            let (rate, flat) = commission.rate_and_flat();
            let part = sign * share.fraction();
            let cell = &mut cells[share.source as usize];
            cell.conversions += part;
            cell.revenue += part * facts.revenue;
            if facts.payable {
                cell.payout += part * (rate * facts.revenue + flat);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{BrowserFamily, Methods, TouchKey};
    use crate::journeys::{CandidateTouch, ConversionFacts, Source};

    const DAY: i64 = 86_400;

    fn partner(id: &str, commission: Commission) -> Source {
        Source {
            id: id.to_owned(),
            name: None,
            is_partner: true,
            commission,
        }
    }

    fn sale(id: &str, day: i64, subscription: Option<&str>) -> ConversionFacts {
        ConversionFacts {
            converted_at_secs: 1_767_225_600 + day * DAY,
            subscription_id: subscription.map(str::to_owned),
            ..ConversionFacts::approved(id, 100.0)
        }
    }

    fn touch(source_id: u32) -> Vec<CandidateTouch> {
        vec![CandidateTouch {
            lag_secs: 3_600,
            source_id,
            key: TouchKey::new(Methods(1), BrowserFamily::Chrome),
        }]
    }

    /// s: a first sale alpha sent (day 0), a renewal without touches (day 31), one beta
    /// touched 400 days on; t: its first sale (day 0) imported after its renewal (day 10).
    fn index() -> JourneyIndex {
        let sources = vec![
            partner("alpha", Commission::Percent(10.0)),
            partner("beta", Commission::Flat(5.0)),
        ];
        let mut conversions = vec![
            sale("s0", 0, Some("s")),
            sale("s1", 31, Some("s")),
            sale("s2", 400, Some("s")),
            sale("t1", 10, Some("t")),
            sale("t0", 0, Some("t")),
            sale("x", 5, None),
        ];
        for (seq, c) in conversions.iter_mut().enumerate() {
            c.conversion_seq = seq as i64;
        }
        let journeys = vec![touch(0), vec![], touch(1), vec![], touch(1), vec![]];
        JourneyIndex::from_journeys(sources, conversions, &journeys)
    }

    #[test]
    fn renewals_take_their_first_sale_s_split_within_the_binding() {
        let index = index();
        let year = Renewals::bind(
            &index,
            Some(Recurring {
                months: Some(12),
                renewal_rate_bp: Some(2_000),
            }),
        );
        // s1 renews s0; s2 is past 12 months; t1 renews t0 though imported before it.
        assert_eq!(year.bound(), &[(1, 0), (3, 4)]);
        assert_eq!(
            (0..6).map(|c| year.credited_as(c)).collect::<Vec<_>>(),
            vec![0, 0, 2, 4, 4, 5]
        );
        assert_eq!(
            year.commission(1, Commission::Flat(5.0)),
            Commission::Percent(20.0)
        );
        assert_eq!(
            year.commission(2, Commission::Flat(5.0)),
            Commission::Flat(5.0)
        );
        assert_eq!(year.commission(1, Commission::None), Commission::None);
        let lifetime = Renewals::bind(
            &index,
            Some(Recurring {
                months: None,
                renewal_rate_bp: None,
            }),
        );
        assert_eq!(lifetime.bound(), &[(1, 0), (2, 0), (3, 4)]);
        assert!(Renewals::bind(&index, None).bound().is_empty());
        assert_eq!(Renewals::none().credited_as(3), 3);

        // The engine's table moves s1 from unattributed to alpha (20% of 100.00 = 20.00) and
        // t1 to beta (20.00 instead of its flat 5.00).
        let settings = AttributionSettings::default();
        let mut table = crate::attribution::compute_credit(&index, &settings);
        assert_eq!(table.unattributed.conversions, 3.0);
        year.rebind_table(&index, &settings, &mut table);
        let alpha = table.credit(Model::Last, 0);
        let beta = table.credit(Model::Last, 1);
        assert_eq!(
            (alpha.conversions, alpha.revenue, alpha.payout),
            (2.0, 200.0, 30.0)
        );
        assert_eq!(
            (beta.conversions, beta.revenue, beta.payout),
            (3.0, 300.0, 30.0)
        );
        assert_eq!(table.unattributed.conversions, 1.0);
    }
}
