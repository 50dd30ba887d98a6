//! Journeys whose partner-sourced sale first-party-cookie tracking loses, one per cause.

use super::Planner;
use crate::sample::calendar::{COOKIE_WINDOW, DAY, HOUR, MINUTE, SAFARI_CAP};
use crate::sample::rows::{COOKIE_BLOCKED, Person, Plan, REDIRECT_OK};
use crate::sample::vocabulary::{
    BROWSERS, Browser, Cause, LAPTOP_BROWSERS, NON_SAFARI_BROWSERS, PHONE_BROWSERS,
};

/// The partner, cause and odds of a leaking journey.
#[derive(Clone, Copy)]
struct Leak {
    partner: u8,
    cause: Cause,
    keep_id_pct: u32,
    report_pct: u32,
}

impl Planner {
    /// The only partner click is 31–90 days old; recent visits are non-partner.
    pub(super) fn cookie_expired(&mut self, plan: &mut Plan, room: u32) {
        let browser = self.rng.pick(&NON_SAFARI_BROWSERS);
        let person = self.single(40, browser);
        let leak = self.leak(Cause::CookieExpired, 15, 40);
        let end = self.rng.between(COOKIE_WINDOW + DAY, (90 * DAY).min(room));
        let capture = self.leaked_click(plan, person, 0, leak);
        let visits = u64::from(self.rng.between(1, 3));
        self.visits(plan, person, visits, end, COOKIE_WINDOW - HOUR);
        self.leaked_sale(plan, person, end, leak, capture);
    }

    /// The only partner click is a Safari click older than the 7-day cap.
    pub(super) fn browser_cap(&mut self, plan: &mut Plan, room: u32) {
        let person = self.single(40, Browser::Safari);
        let leak = self.leak(Cause::BrowserCap, 40, 40);
        let end = self.rng.between(SAFARI_CAP + HOUR, (29 * DAY).min(room));
        let capture = self.leaked_click(plan, person, 0, leak);
        let visits = u64::from(self.rng.below(4));
        self.visits(plan, person, visits, end, end - 1);
        self.leaked_sale(plan, person, end, leak, capture);
    }

    /// Click on the phone, purchase on the laptop; only the user id links them.
    pub(super) fn device_switch(&mut self, plan: &mut Plan, room: u32) {
        let user = self.user(100);
        let phone_browser = self.rng.pick(&PHONE_BROWSERS);
        let laptop_browser = self.rng.pick(&LAPTOP_BROWSERS);
        let phone = self.solo(user, phone_browser);
        let laptop = self.solo(user, laptop_browser);
        let leak = self.leak(Cause::DeviceSwitch, 0, 50);
        let key_age = self.rng.between(HOUR, 7 * DAY).min(room);
        let end = (key_age + self.rng.skewed(3 * DAY)).min(room);
        let click_at = end - key_age;
        let early = u64::from(self.rng.below(3));
        self.visits(plan, phone, early, click_at, click_at);
        let capture = self.leaked_click(plan, phone, click_at, leak);
        let late = u64::from(self.rng.between(1, 3));
        self.visits(plan, laptop, late, end, key_age);
        self.leaked_sale(plan, laptop, end, leak, capture);
    }

    /// The redirect broke (extra hops or failed landing): no cookie; the user came back directly.
    pub(super) fn broken_redirect(&mut self, plan: &mut Plan, room: u32) {
        let browser = self.rng.pick(&BROWSERS);
        let person = self.single(100, browser);
        let leak = self.leak(Cause::BrokenRedirect, 0, 60);
        self.cookieless_click(plan, person, room, leak);
    }

    /// The click landed but its cookie was blocked; a later visit has the cookie.
    pub(super) fn cookie_missing(&mut self, plan: &mut Plan, room: u32) {
        let browser = self.rng.pick(&BROWSERS);
        let person = self.single(60, browser);
        let keep_id_pct = if person.user == 0 { 100 } else { 60 };
        let leak = self.leak(Cause::CookieMissing, keep_id_pct, 50);
        self.cookieless_click(plan, person, room, leak);
    }

    /// A partner click without a cookie, a return visit with one, then the purchase.
    fn cookieless_click(&mut self, plan: &mut Plan, person: Person, room: u32, leak: Leak) {
        let key_age = self.rng.between(10 * MINUTE, 7 * DAY).min(room);
        let end = (key_age + self.rng.skewed(7 * DAY)).min(room);
        let click_at = end - key_age;
        let early = u64::from(self.rng.below(3));
        self.visits(plan, person, early, click_at, click_at);
        let capture = self.leaked_click(plan, person, click_at, leak);
        let back = if leak.cause == Cause::BrokenRedirect {
            self.direct_touch(person.main, person.user)
        } else {
            self.channel_touch(person.main, person.user)
        };
        plan.touch(end - self.rng.below(key_age), back);
        self.leaked_sale(plan, person, end, leak, capture);
    }

    /// A partner click on one anonymous device, a direct purchase on another.
    pub(super) fn direct_after_click(&mut self, plan: &mut Plan, room: u32) {
        let first_browser = self.rng.pick(&BROWSERS);
        let second_browser = self.rng.pick(&BROWSERS);
        let clicker = self.solo(0, first_browser);
        let buyer = self.solo(0, second_browser);
        let leak = self.leak(Cause::DirectAfterClick, 0, 100);
        let key_age = self.rng.between(HOUR, 14 * DAY).min(room);
        let end = (key_age + self.rng.skewed(3 * DAY)).min(room);
        let click_at = end - key_age;
        let early = u64::from(self.rng.below(2));
        self.visits(plan, clicker, early, click_at, click_at);
        let capture = self.leaked_click(plan, clicker, click_at, leak);
        for _ in 0..self.rng.between(1, 2) {
            let touch = self.direct_touch(buyer.main, 0);
            plan.touch(end - self.rng.below(key_age), touch);
        }
        self.leaked_sale(plan, buyer, end, leak, capture);
    }

    /// The partner, cause and odds of a leaking journey.
    fn leak(&mut self, cause: Cause, keep_id_pct: u32, report_pct: u32) -> Leak {
        Leak {
            partner: self.partner(),
            cause,
            keep_id_pct,
            report_pct,
        }
    }

    /// The partner click of a leaking journey; returns its capture key (0: id not kept).
    fn leaked_click(&mut self, plan: &mut Plan, person: Person, at: u32, leak: Leak) -> u64 {
        let landing = match leak.cause {
            Cause::BrokenRedirect => self.broken_landing(),
            Cause::CookieMissing => COOKIE_BLOCKED,
            _ => REDIRECT_OK,
        };
        let capture = self.capture(leak.keep_id_pct);
        let click = self.partner_touch(leak.partner, person.main, person.user, landing, capture);
        plan.touch(at, click);
        capture
    }

    /// The purchase of a leaking journey, on `person`'s main device.
    fn leaked_sale(&mut self, plan: &mut Plan, person: Person, at: u32, leak: Leak, capture: u64) {
        let mut sale = self.conversion(
            person.main.serial,
            person.user,
            Some(leak.partner),
            Some(leak.cause),
        );
        sale.capture = capture;
        sale.reported = self.rng.percent(leak.report_pct);
        plan.convert(at, sale);
    }
}
