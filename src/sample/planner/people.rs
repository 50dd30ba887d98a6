//! Draws of people, devices, ids, partners and coupons.

use super::Planner;
use crate::sample::rows::{Device, Person};
use crate::sample::vocabulary::{BROWSERS, Browser, LAPTOP_BROWSERS, PARTNERS, PHONE_BROWSERS};

impl Planner {
    /// A user, logged in for 40 %, with a second device for 12 % of those.
    pub(super) fn person(&mut self) -> Person {
        let user = self.user(40);
        if user != 0 && self.rng.percent(12) {
            let laptop_browser = self.rng.pick(&LAPTOP_BROWSERS);
            let phone_browser = self.rng.pick(&PHONE_BROWSERS);
            let main = self.device(laptop_browser);
            let second = Some(self.device(phone_browser));
            return Person { user, main, second };
        }
        let browser = self.rng.pick(&BROWSERS);
        self.solo(user, browser)
    }

    /// A user with one device, logged in for `login_pct` percent.
    pub(super) fn single(&mut self, login_pct: u32, browser: Browser) -> Person {
        let user = self.user(login_pct);
        self.solo(user, browser)
    }

    /// A person with one new device running `browser`.
    pub(super) fn solo(&mut self, user: u32, browser: Browser) -> Person {
        Person {
            user,
            main: self.device(browser),
            second: None,
        }
    }

    fn device(&mut self, browser: Browser) -> Device {
        self.devices += 1;
        Device {
            serial: self.devices,
            browser,
        }
    }

    /// A new logged-in user id for `pct` percent, else 0.
    pub(super) fn user(&mut self, pct: u32) -> u32 {
        if !self.rng.percent(pct) {
            return 0;
        }
        self.users += 1;
        self.users
    }

    /// A new capture key for `pct` percent, else 0.
    pub(super) fn capture(&mut self, pct: u32) -> u64 {
        if !self.rng.percent(pct) {
            return 0;
        }
        self.captures += 1;
        self.captures
    }

    // --- partners ---

    /// A partner, drawn by its share of partner clicks.
    pub(super) fn partner(&mut self) -> u8 {
        self.rng.pick(&self.partners)
    }

    /// A partner other than `not`.
    pub(super) fn other_partner(&mut self, not: u8) -> u8 {
        loop {
            let partner = self.partner();
            if partner != not {
                return partner;
            }
        }
    }

    /// A partner with at least one coupon.
    pub(super) fn coupon_partner(&mut self) -> u8 {
        loop {
            let partner = self.partner();
            if !PARTNERS[usize::from(partner)].coupons.is_empty() {
                return partner;
            }
        }
    }

    /// One of the partner's coupons for `pct` percent, when it has any.
    pub(super) fn coupon(&mut self, partner: u8, pct: u32) -> Option<(u8, u8)> {
        let codes = PARTNERS[usize::from(partner)].coupons.len() as u32;
        if codes == 0 || !self.rng.percent(pct) {
            return None;
        }
        Some((partner, self.rng.below(codes) as u8))
    }
}
