//! One conversion's credit as exact shares, for payouts, audits and explanations.
//!
//! The bulk engine sums floating-point credit over all conversions at once; finance needs each
//! conversion's split as exact fractions (`touches / counted`) so that commissions can be
//! rounded to the cent once per conversion and partner. The rules are the engine's; a property
//! test checks that the shares summed over every conversion equal the engine's totals.

use super::engine::{CouponRule, SourceRules};
use crate::domain::{AttributionSettings, CountRule, Model};
use crate::journeys::JourneyIndex;

/// One source's share of a conversion: `parts / of` of the whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    /// The source (index into the index's sources).
    pub source: u32,
    /// Numerator.
    pub parts: u32,
    /// Denominator (at least 1).
    pub of: u32,
}

impl Share {
    /// The share as a number.
    pub fn fraction(self) -> f64 {
        f64::from(self.parts) / f64::from(self.of)
    }
}

/// How one conversion's credit splits under each model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversionCredit {
    /// `by_model[model.index()]`: the sources credited and their shares (empty: unattributed).
    pub by_model: [Vec<Share>; 3],
}

impl ConversionCredit {
    /// The shares under `model`.
    pub fn shares(&self, model: Model) -> &[Share] {
        &self.by_model[model.index()]
    }

    fn whole(source: u32) -> ConversionCredit {
        let share = vec![Share {
            source,
            parts: 1,
            of: 1,
        }];
        ConversionCredit {
            by_model: [share.clone(), share.clone(), share],
        }
    }
}

/// Splits conversions under one setting.
pub struct Allocator<'a> {
    index: &'a JourneyIndex,
    rule: CountRule,
    coupon: CouponRule,
    sources: SourceRules,
}

impl<'a> Allocator<'a> {
    /// The allocator for `settings` over `index`.
    pub fn new(index: &'a JourneyIndex, settings: &AttributionSettings) -> Allocator<'a> {
        Allocator {
            index,
            rule: CountRule::new(
                &settings.tracking,
                settings.window,
                settings.reset_after_conversion,
            ),
            coupon: CouponRule::of(settings),
            sources: SourceRules::new(index, settings),
        }
    }

    fn counts(&self, position: usize) -> bool {
        let touch = self.index.touch(position);
        // `droppable` already says whether the scope drops the source.
        self.sources.counts::<true>(
            &self.rule,
            touch.key.0,
            touch.lag_secs as u32,
            touch.source_id,
        )
    }

    /// Conversion `c`'s split under the three models.
    pub fn credit(&self, c: usize) -> ConversionCredit {
        let counted: Vec<u32> = self
            .index
            .touch_range(c)
            .filter(|&p| self.counts(p))
            .map(|p| self.index.touch(p).source_id)
            .collect();
        let coupon = match self.coupon {
            CouponRule::Off => None,
            _ => self.index.conversions[c].coupon_partner,
        };
        if let Some(partner) = coupon {
            let partner_counts = || counted.iter().any(|&s| self.sources.is_partner[s as usize]);
            if self.coupon.takes_all(partner, partner_counts) {
                return ConversionCredit::whole(partner);
            }
        }
        let mut touches = counted;
        if self.coupon == CouponRule::Touch
            && let Some(partner) = coupon
        {
            touches.push(partner);
        }
        split(&touches)
    }
}

/// First, last and linear over the counted touches' sources, oldest first.
fn split(touches: &[u32]) -> ConversionCredit {
    let (Some(&first), Some(&last)) = (touches.first(), touches.last()) else {
        return ConversionCredit {
            by_model: [Vec::new(), Vec::new(), Vec::new()],
        };
    };
    let of = touches.len() as u32;
    let mut linear: Vec<Share> = Vec::new();
    for &source in touches {
        match linear.iter_mut().find(|s| s.source == source) {
            Some(share) => share.parts += 1,
            None => linear.push(Share {
                source,
                parts: 1,
                of,
            }),
        }
    }
    let whole = |source| Share {
        source,
        parts: 1,
        of: 1,
    };
    ConversionCredit {
        by_model: [vec![whole(first)], vec![whole(last)], linear],
    }
}
