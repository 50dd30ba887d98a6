//! Journeys: the [`Planner`] designs each user's touches and conversions.

mod journeys;
mod leaks;
mod people;
mod touches;

use crate::sample::calendar::{COOKIE_WINDOW, DAY, HOUR, SAFARI_CAP};
use crate::sample::rng::Rng;
use crate::sample::rows::{Person, Plan};
use crate::sample::vocabulary::{
    BROWSE_TOUCHES, CONVERTING, CONVERTING_PCT, Cause, Kind, PARTNERS,
};

/// Designs journeys; every choice comes from one seeded stream.
pub(super) struct Planner {
    rng: Rng,
    partners: Vec<(u8, u32)>,
    devices: u64,
    users: u32,
    captures: u64,
}

impl Planner {
    /// A planner whose choices all come from `seed`.
    pub(super) fn new(seed: u64) -> Self {
        let partners = PARTNERS
            .iter()
            .enumerate()
            .map(|(index, p)| (index as u8, p.weight))
            .collect();
        Self {
            rng: Rng::new(seed, 1),
            partners,
            devices: 0,
            users: 0,
            captures: 0,
        }
    }

    /// Plans the next journey within `room` seconds; its first row is at offset 0.
    pub(super) fn journey(&mut self, plan: &mut Plan, room: u32) {
        plan.clear();
        let kind = self.kind(room);
        self.build(plan, kind, room);
        plan.rebase();
    }

    fn kind(&mut self, room: u32) -> Kind {
        if !self.rng.percent(CONVERTING_PCT) {
            return Kind::Browse;
        }
        match self.rng.pick(&CONVERTING) {
            Kind::Leak(Cause::CookieExpired) if room < COOKIE_WINDOW + DAY => Kind::Organic,
            Kind::Leak(Cause::BrowserCap) if room < SAFARI_CAP + HOUR => Kind::Organic,
            kind => kind,
        }
    }

    fn build(&mut self, plan: &mut Plan, kind: Kind, room: u32) {
        match kind {
            Kind::Browse => {
                let touches = self.rng.pick(&BROWSE_TOUCHES);
                self.browse(plan, room, touches);
            }
            Kind::Credited => self.credited(plan, room),
            Kind::Organic => self.organic(plan, room),
            Kind::NoTouch => self.no_touch(plan, room),
            Kind::Leak(Cause::CookieExpired) => self.cookie_expired(plan, room),
            Kind::Leak(Cause::BrowserCap) => self.browser_cap(plan, room),
            Kind::Leak(Cause::DeviceSwitch) => self.device_switch(plan, room),
            Kind::Leak(Cause::BrokenRedirect) => self.broken_redirect(plan, room),
            Kind::Leak(Cause::CookieMissing) => self.cookie_missing(plan, room),
            Kind::Leak(Cause::DirectAfterClick) => self.direct_after_click(plan, room),
            Kind::Leak(Cause::CouponOnly) => self.coupon_only(plan, room),
        }
    }

    /// A visit on the converting device at an offset in `0..=end`.
    fn first_visit(&mut self, plan: &mut Plan, person: Person, end: u32) {
        let at = end - self.rng.below(end + 1);
        let touch = self.channel_touch(person.main, person.user);
        plan.touch(at, touch);
    }

    /// `count` non-partner visits at most `span` seconds before `end`.
    fn visits(&mut self, plan: &mut Plan, person: Person, count: u64, end: u32, span: u32) {
        for _ in 0..count {
            let at = end - self.rng.below(span + 1);
            let device = person.any_device(&mut self.rng);
            let touch = self.channel_touch(device, person.user);
            plan.touch(at, touch);
        }
    }

    /// With `pct` percent, the age of an earlier click: `key_age` plus an hour to `extra`.
    fn earlier_age(&mut self, pct: u32, key_age: u32, extra: u32, room: u32) -> Option<u32> {
        if !self.rng.percent(pct) {
            return None;
        }
        let age = key_age + self.rng.between(HOUR, extra);
        (age <= room).then_some(age)
    }

    /// Random delay before a journey's first row, within `slack` and at most six hours.
    pub(super) fn lead_in(&mut self, slack: u32) -> u32 {
        self.rng.below(slack.min(6 * HOUR) + 1)
    }
}
