//! Each conversion's counted touches under one setting, handed journey by journey to a sink:
//! what the models beyond first, last and linear are computed from.
//!
//! The rules are the engine's (identity methods, window, browser caps, reset, scope): a
//! partner's coupon that takes the whole conversion becomes its only touch, a coupon that
//! counts as a touch is the latest one, at the conversion instant. The journeys that did not
//! convert keep the scope and the window (measured to their own last touch).

use super::engine::{
    CouponRule, Dealt, Lanes, PARALLEL_TOUCHES, SourceCredit, SourceRules, conversion_at,
    deal_across_cores,
};
use crate::domain::{AttributionSettings, CookieWindow, CountRule};
use crate::journeys::{JourneyIndex, NO_SOURCE, PathGroups};

/// One counted touch: its source and how long before the conversion it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Counted {
    /// The touch's source id.
    pub source: u32,
    /// Seconds before the conversion (before the last touch, for a journey that did not
    /// convert).
    pub lag_secs: u32,
}

/// What a model collects from the journeys.
pub(super) trait JourneySink: Send + Sized {
    /// A conversion worth `whole` credited to `touches` (at least one, oldest first).
    fn converted(&mut self, whole: Lanes, touches: &[Counted]);
    /// `journeys` journeys that did not convert, all through the sources of these counted
    /// touches (at least one, oldest first, no source twice in a row; no model needs their
    /// times, the window has been applied).
    fn not_converted(&mut self, _sources: &[u32], _journeys: u64) {}
    /// Folds another core's share into this one.
    fn merge(self, other: Self) -> Self;
}

/// A sink's collection with the totals of the conversions walked.
pub(super) struct Walked<S> {
    /// The sink.
    pub sink: S,
    /// Every conversion and its revenue.
    pub total: SourceCredit,
    /// The conversions no counted touch reached.
    pub unattributed: SourceCredit,
}

/// Walks every conversion (split over the cores when the index is large) and, when
/// `with_open_paths`, the journeys that did not convert, handing each to a sink `new_sink`
/// makes.
pub(super) fn walk_journeys<S: JourneySink>(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    with_open_paths: bool,
    new_sink: impl Fn() -> S + Sync,
) -> Walked<S> {
    let counter = Counter::new(index, settings);
    let conversions = index.hot().revenue.len();
    let open_paths = index
        .open_paths()
        .and_then(|open| open.groups(settings.partners_only))
        .filter(|_| with_open_paths);
    let open_touches = open_paths.map_or(0, PathGroups::touches);
    deal_across_cores(
        conversions,
        index.candidate_touches() + open_touches >= PARALLEL_TOUCHES,
        |part| {
            let mut walked = Walked {
                sink: new_sink(),
                total: SourceCredit::default(),
                unattributed: SourceCredit::default(),
            };
            let mut touches = Vec::new();
            for block in part.blocks() {
                for c in block {
                    counter.conversion(c, &mut touches, &mut walked);
                }
            }
            if let Some(groups) = open_paths {
                counter.open_paths(groups, part.of(groups.len()), &mut walked.sink);
            }
            walked
        },
        |mut a, b| {
            a.sink = a.sink.merge(b.sink);
            a.total.absorb(&b.total);
            a.unattributed.absorb(&b.unattributed);
            a
        },
    )
}

/// What a conversion's coupon does to its counted touches.
enum CouponStep {
    /// The coupon's partner takes the whole conversion.
    TakesAll,
    /// The coupon is one more touch, the latest, at the sale.
    LastTouch,
    /// Nothing.
    Nothing,
}

/// The counted touches of conversion `c` (in import order), oldest first, each with its
/// position in the index (`None`: the partner's coupon, at the sale); empty when none counts.
pub(super) fn counted_touches(
    index: &JourneyIndex,
    settings: &AttributionSettings,
    c: usize,
) -> Vec<(Option<usize>, Counted)> {
    Counter::new(index, settings).counted_of(c)
}

/// The rules that decide which touches count.
pub(super) struct Counter<'a> {
    index: &'a JourneyIndex,
    rule: CountRule,
    rules: SourceRules,
    coupon: CouponRule,
    window: CookieWindow,
}

impl<'a> Counter<'a> {
    /// The rules of `settings` over `index`.
    pub(super) fn new(index: &'a JourneyIndex, settings: &AttributionSettings) -> Counter<'a> {
        Counter {
            index,
            rule: CountRule::new(
                &settings.tracking,
                settings.window,
                settings.reset_after_conversion,
            ),
            rules: SourceRules::new(index, settings),
            coupon: CouponRule::of(settings),
            window: settings.window,
        }
    }

    /// Hands the conversion at walk position `c` to the sink (or counts it unattributed).
    fn conversion<S: JourneySink>(
        &self,
        c: usize,
        touches: &mut Vec<Counted>,
        walked: &mut Walked<S>,
    ) {
        let hot = self.index.hot();
        let (whole, range) = conversion_at::<0>(&hot, c);
        walked.total.add_unpaid(whole[1]);
        // Every touch is written and the length moves on only past those that count: no
        // branch per touch to mispredict. The buffer only grows (one slot spare for the
        // coupon), so no conversion pays for clearing it.
        if touches.len() <= range.len() {
            touches.resize(range.len() + 1, Counted::default());
        }
        let mut counted = 0;
        for p in range {
            let (source, lag_secs) = (hot.sources[p], hot.lags[p]);
            touches[counted] = Counted { source, lag_secs };
            counted +=
                usize::from(
                    self.rules
                        .counts::<true>(&self.rule, hot.keys[p], lag_secs, source),
                );
        }
        let coupon = self.coupon_of(hot.coupon_partner[c]);
        let partner_counts = coupon != NO_SOURCE
            && touches[..counted]
                .iter()
                .any(|t| self.rules.is_partner[t.source as usize]);
        let at_sale = Counted {
            source: coupon,
            lag_secs: 0,
        };
        let counted = match self.coupon_step(coupon, partner_counts) {
            CouponStep::TakesAll => {
                touches[0] = at_sale;
                1
            }
            CouponStep::LastTouch => {
                touches[counted] = at_sale;
                counted + 1
            }
            CouponStep::Nothing => counted,
        };
        if counted == 0 {
            walked.unattributed.add_unpaid(whole[1]);
        } else {
            walked.sink.converted(whole, &touches[..counted]);
        }
    }

    /// The coupon partner that matters under the setting ([`NO_SOURCE`] when coupons are
    /// off or the conversion has none).
    fn coupon_of(&self, coupon_partner: u32) -> u32 {
        if self.coupon == CouponRule::Off {
            NO_SOURCE
        } else {
            coupon_partner
        }
    }

    /// What the conversion's coupon does, given whether a partner's touch counts.
    fn coupon_step(&self, coupon: u32, partner_counts: bool) -> CouponStep {
        if self.coupon.takes_all(coupon, || partner_counts) {
            CouponStep::TakesAll
        } else if self.coupon == CouponRule::Touch && coupon != NO_SOURCE {
            CouponStep::LastTouch
        } else {
            CouponStep::Nothing
        }
    }

    /// The counted touches of conversion `c` (in import order), oldest first, each with its
    /// position in the index (`None`: the coupon, at the sale).
    pub(super) fn counted_of(&self, c: usize) -> Vec<(Option<usize>, Counted)> {
        let mut counted: Vec<(Option<usize>, Counted)> = self
            .index
            .touch_range(c)
            .filter_map(|p| {
                let touch = self.index.touch(p);
                let lag_secs = touch.lag_secs as u32;
                self.rules
                    .counts::<true>(&self.rule, touch.key.0, lag_secs, touch.source_id)
                    .then_some((
                        Some(p),
                        Counted {
                            source: touch.source_id,
                            lag_secs,
                        },
                    ))
            })
            .collect();
        let coupon_partner = self.index.conversions[c]
            .coupon_partner
            .unwrap_or(NO_SOURCE);
        let coupon = self.coupon_of(coupon_partner);
        let partner_counts = counted
            .iter()
            .any(|(_, t)| self.rules.is_partner[t.source as usize]);
        let at_sale = (
            None,
            Counted {
                source: coupon,
                lag_secs: 0,
            },
        );
        match self.coupon_step(coupon, partner_counts) {
            CouponStep::TakesAll => counted = vec![at_sale],
            CouponStep::LastTouch => counted.push(at_sale),
            CouponStep::Nothing => {}
        }
        counted
    }

    /// Hands this core's share of the distinct paths that did not convert (under the
    /// setting's scope) to the sink, each from the first touch within the window before its
    /// last touch.
    fn open_paths<S: JourneySink>(&self, groups: &PathGroups, part: Dealt, sink: &mut S) {
        let window_days = match self.window {
            CookieWindow::Days(days) => days,
            CookieWindow::Unlimited => u32::MAX,
        };
        for g in part.blocks().flatten() {
            let (sources, entry_days, journeys) = groups.path(g);
            let first = within_window(entry_days, window_days);
            if first < sources.len() {
                sink.not_converted(&sources[first..], journeys);
            }
        }
    }
}

/// Where a path that did not convert starts counting: at its first touch whose entry day is
/// within the window. Entry days only fall along a path (the last is 0), so the touches
/// within are a suffix.
fn within_window(entry_days: &[u32], window_days: u32) -> usize {
    entry_days.partition_point(|&day| day > window_days)
}
