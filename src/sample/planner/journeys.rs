//! Journeys without a leak: browsing, credited sales, organic sales, phone orders and
//! coupon-only sales.

use super::Planner;
use crate::sample::calendar::{COOKIE_WINDOW, DAY, SAFARI_CAP};
use crate::sample::rows::{Person, Plan, REDIRECT_OK};
use crate::sample::vocabulary::{Browser, Cause, EXTRA_VISITS, JOURNEY_TOUCHES};

impl Planner {
    /// A visitor who never buys: partner clicks (some broken) and other visits.
    pub(super) fn browse(&mut self, plan: &mut Plan, room: u32, touches: u64) {
        let person = self.person();
        let span = self.rng.skewed(10 * DAY).min(room);
        for _ in 0..touches {
            let at = self.rng.below(span + 1);
            let device = person.any_device(&mut self.rng);
            let touch = if self.rng.percent(40) {
                let partner = self.partner();
                let landing = self.free_landing();
                self.partner_touch(partner, device, person.user, landing, 0)
            } else {
                self.channel_touch(device, person.user)
            };
            plan.touch(at, touch);
        }
    }

    /// A partner click the cookie rule credits, perhaps after another partner's click.
    pub(super) fn credited(&mut self, plan: &mut Plan, room: u32) {
        let person = self.person();
        let partner = self.partner();
        let window = if person.main.browser == Browser::Safari {
            SAFARI_CAP
        } else {
            COOKIE_WINDOW
        };
        let key_age = self.rng.skewed(window.min(room));
        let spread = self.rng.skewed(21 * DAY).min(room);
        let rival = self
            .earlier_age(18, key_age, 14 * DAY, room)
            .map(|age| (self.other_partner(partner), age));
        let again = self
            .earlier_age(25, key_age, 7 * DAY, room)
            .map(|age| (partner, age));
        let end = [rival, again]
            .iter()
            .flatten()
            .map(|&(_, age)| age)
            .fold(key_age.max(spread), u32::max);
        for (earlier, age) in [rival, again].into_iter().flatten() {
            let landing = self.free_landing();
            let touch = self.partner_touch(earlier, person.main, person.user, landing, 0);
            plan.touch(end - age, touch);
        }
        let visits = self.rng.pick(&EXTRA_VISITS);
        self.visits(plan, person, visits, end, end);
        self.credited_sale(plan, person, partner, end - key_age, end);
        self.repeat_sale(plan, person, partner, end, room);
    }

    /// The credited partner click at `click_at` and the sale at `sale_at`.
    fn credited_sale(
        &mut self,
        plan: &mut Plan,
        person: Person,
        partner: u8,
        click_at: u32,
        sale_at: u32,
    ) {
        let capture = self.capture(55);
        let click = self.partner_touch(partner, person.main, person.user, REDIRECT_OK, capture);
        plan.touch(click_at, click);
        let mut sale = self.conversion(person.main.serial, person.user, Some(partner), None);
        sale.capture = capture;
        sale.coupon = self.coupon(partner, 25);
        sale.reported = self.rng.percent(20);
        plan.convert(sale_at, sale);
    }

    /// Sometimes the customer comes back through the same partner and buys again.
    fn repeat_sale(&mut self, plan: &mut Plan, person: Person, partner: u8, after: u32, room: u32) {
        if !self.rng.percent(8) {
            return;
        }
        let gap = self.rng.between(3 * DAY, 30 * DAY);
        if after + gap > room {
            return;
        }
        let end = after + gap;
        let visits = u64::from(self.rng.below(2));
        self.visits(plan, person, visits, end, gap - 1);
        let click_at = end - self.rng.below(3 * DAY);
        self.credited_sale(plan, person, partner, click_at, end);
    }

    /// Non-partner visits only, sometimes a second purchase.
    pub(super) fn organic(&mut self, plan: &mut Plan, room: u32) {
        let person = self.person();
        let touches = self.rng.pick(&JOURNEY_TOUCHES);
        let end = self.rng.skewed(21 * DAY).min(room);
        self.first_visit(plan, person, end);
        self.visits(plan, person, touches - 1, end, end);
        let sale = self.conversion(person.main.serial, person.user, None, None);
        plan.convert(end, sale);
        let gap = self.rng.between(3 * DAY, 30 * DAY);
        if self.rng.percent(8) && end + gap <= room {
            self.first_visit(plan, person, end + gap - 1);
            let sale = self.conversion(person.main.serial, person.user, None, None);
            plan.convert(end + gap, sale);
        }
    }

    /// A phone or shop order: no touch and no cookie.
    pub(super) fn no_touch(&mut self, plan: &mut Plan, room: u32) {
        let user = self.user(50);
        let at = self.rng.below(room.min(2 * DAY) + 1);
        let sale = self.conversion(0, user, None, None);
        plan.convert(at, sale);
    }

    /// Only the partner's coupon ties the sale to the partner.
    pub(super) fn coupon_only(&mut self, plan: &mut Plan, room: u32) {
        let person = self.person();
        let partner = self.coupon_partner();
        let touches = u64::from(self.rng.between(1, 4));
        let end = self.rng.skewed(14 * DAY).min(room);
        self.first_visit(plan, person, end);
        self.visits(plan, person, touches - 1, end, end);
        let mut sale = self.conversion(
            person.main.serial,
            person.user,
            Some(partner),
            Some(Cause::CouponOnly),
        );
        sale.coupon = self.coupon(partner, 100);
        sale.reported = self.rng.percent(30);
        plan.convert(end, sale);
    }
}
