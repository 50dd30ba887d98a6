//! Draws of touches, landings and conversions.

use super::Planner;
use crate::sample::rows::{
    COOKIE_BLOCKED, Conversion, Device, Landing, Link, REDIRECT_OK, Source, Touch, VISIT,
};
use crate::sample::vocabulary::{CHANNELS, Cause, Channel, ITEM_PRICES, STATUSES};

impl Planner {
    /// A click on `partner`'s link; how the link names the partner is drawn.
    pub(super) fn partner_touch(
        &mut self,
        partner: u8,
        device: Device,
        user: u32,
        landing: Landing,
        capture: u64,
    ) -> Touch {
        let link = Link {
            partner,
            column: self.rng.percent(50),
            via: self.rng.permille(20),
            utm: self.rng.percent(45),
        };
        Touch {
            device,
            user,
            source: Source::Partner(link),
            page: self.page(),
            landing,
            capture,
        }
    }

    /// A non-partner visit through a drawn channel.
    pub(super) fn channel_touch(&mut self, device: Device, user: u32) -> Touch {
        match self.rng.pick(&CHANNELS) {
            Channel::Direct => self.direct_touch(device, user),
            channel => Touch {
                device,
                user,
                source: Source::Channel(channel),
                page: self.page(),
                landing: VISIT,
                capture: 0,
            },
        }
    }

    /// A typed-in visit: half of them record no landing URL.
    pub(super) fn direct_touch(&mut self, device: Device, user: u32) -> Touch {
        let page = if self.rng.percent(50) { 0 } else { self.page() };
        Touch {
            device,
            user,
            source: Source::Channel(Channel::Direct),
            page,
            landing: VISIT,
            capture: 0,
        }
    }

    fn page(&mut self) -> u16 {
        self.rng.between(1, 999) as u16
    }

    /// A partner click outside a designed journey: 2.8 % broken, 1.9 % cookie blocked.
    pub(super) fn free_landing(&mut self) -> Landing {
        match self.rng.below(1_000) {
            0..=27 => self.broken_landing(),
            28..=46 => COOKIE_BLOCKED,
            _ => REDIRECT_OK,
        }
    }

    /// Extra hops, a failed landing, or both; never a cookie.
    pub(super) fn broken_landing(&mut self) -> Landing {
        let roll = self.rng.below(10);
        let hops = if (4..=6).contains(&roll) {
            1
        } else {
            self.rng.between(2, 3) as u8
        };
        Landing {
            hops,
            failed: roll >= 4,
            cookie: false,
        }
    }

    // --- conversions ---

    /// A sale with drawn revenue, currency and status, and no coupon or kept click id.
    pub(super) fn conversion(
        &mut self,
        cookie: u64,
        user: u32,
        partner: Option<u8>,
        cause: Option<Cause>,
    ) -> Conversion {
        Conversion {
            cookie,
            user,
            capture: 0,
            revenue: self.revenue(),
            eur: self.rng.percent(3),
            coupon: None,
            status: self.rng.pick(&STATUSES),
            partner,
            cause,
            reported: false,
        }
    }

    /// One to three items, capped at 400.00.
    fn revenue(&mut self) -> u32 {
        let items = self.rng.pick(&[(1, 60), (2, 30), (3, 10)]);
        let total: u32 = (0..items)
            .map(|_| ITEM_PRICES[self.rng.below(ITEM_PRICES.len() as u32) as usize])
            .sum();
        total.min(40_000)
    }
}
