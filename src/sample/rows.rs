//! Planned rows: the touches and conversions of one journey, and the queue that orders them.

use std::cmp::Ordering;

use super::rng::Rng;
use super::vocabulary::{Browser, Cause, Channel, Status};

/// One browser on one device; its serial gives both `cookie_id` and `device_id`.
#[derive(Clone, Copy)]
pub(super) struct Device {
    pub(super) serial: u64,
    pub(super) browser: Browser,
}

/// What the redirect and landing did to a touch.
#[derive(Clone, Copy)]
pub(super) struct Landing {
    pub(super) hops: u8,
    pub(super) failed: bool,
    pub(super) cookie: bool,
}

/// A visit without a redirect.
pub(super) const VISIT: Landing = Landing {
    hops: 0,
    failed: false,
    cookie: true,
};
/// A partner click whose one redirect landed and set the cookie.
pub(super) const REDIRECT_OK: Landing = Landing {
    hops: 1,
    failed: false,
    cookie: true,
};
/// A partner click that landed without setting a cookie.
pub(super) const COOKIE_BLOCKED: Landing = Landing {
    hops: 1,
    failed: false,
    cookie: false,
};

/// How a partner click names its partner.
#[derive(Clone, Copy)]
pub(super) struct Link {
    pub(super) partner: u8,
    /// The `partner_id` column is filled (else only the URL names the partner).
    pub(super) column: bool,
    /// The URL uses the alias `via=` instead of `ref=`.
    pub(super) via: bool,
    pub(super) utm: bool,
}

/// Where a touch came from: a partner link or a non-partner channel.
#[derive(Clone, Copy)]
pub(super) enum Source {
    Partner(Link),
    Channel(Channel),
}

/// One row of `clicks.csv`.
#[derive(Clone, Copy)]
pub(super) struct Touch {
    pub(super) device: Device,
    /// 0 when not logged in.
    pub(super) user: u32,
    pub(super) source: Source,
    /// Landing page: 0 none (direct), < 100 home, < 250 a category, else a product.
    pub(super) page: u16,
    pub(super) landing: Landing,
    /// Non-zero when a later conversion keeps this click's id.
    pub(super) capture: u64,
}

/// One row of `conversions.csv` and of `truth.csv`.
#[derive(Clone, Copy)]
pub(super) struct Conversion {
    /// Serial of the converting browser; 0 for no cookie.
    pub(super) cookie: u64,
    pub(super) user: u32,
    pub(super) capture: u64,
    pub(super) revenue: u32,
    pub(super) eur: bool,
    pub(super) coupon: Option<(u8, u8)>,
    pub(super) status: Status,
    pub(super) partner: Option<u8>,
    pub(super) cause: Option<Cause>,
    /// The true partner reports this conversion as a lead.
    pub(super) reported: bool,
}

/// One planned row.
pub(super) enum Step {
    Touch(Touch),
    Convert(Conversion),
}

/// An item queued for its time; the heap pops the earliest first, ties in queueing order.
pub(super) struct Timed<T> {
    pub(super) at: u32,
    pub(super) seq: u64,
    pub(super) item: T,
}

impl<T> PartialEq for Timed<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl<T> Eq for Timed<T> {}

impl<T> PartialOrd for Timed<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Timed<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// The rows of one journey, by offset from the journey's origin.
#[derive(Default)]
pub(super) struct Plan {
    pub(super) steps: Vec<(u32, Step)>,
    pub(super) touches: u64,
}

impl Plan {
    /// Plans a touch at offset `at`.
    pub(super) fn touch(&mut self, at: u32, touch: Touch) {
        self.touches += 1;
        self.steps.push((at, Step::Touch(touch)));
    }

    /// Plans a conversion at offset `at`.
    pub(super) fn convert(&mut self, at: u32, conversion: Conversion) {
        self.steps.push((at, Step::Convert(conversion)));
    }

    /// Empties the plan for the next journey.
    pub(super) fn clear(&mut self) {
        self.steps.clear();
        self.touches = 0;
    }

    /// The offset of the latest row.
    pub(super) fn span(&self) -> u32 {
        self.steps.iter().map(|&(at, _)| at).max().unwrap_or(0)
    }

    /// Sorts the rows by offset (stable: ties keep planning order) and moves the first to 0.
    pub(super) fn rebase(&mut self) {
        self.steps.sort_by_key(|&(at, _)| at);
        let first = self.steps.first().map_or(0, |&(at, _)| at);
        for (at, _) in &mut self.steps {
            *at -= first;
        }
    }
}

/// A user with one device, or two (laptop and phone) sharing the logged-in user id.
#[derive(Clone, Copy)]
pub(super) struct Person {
    pub(super) user: u32,
    pub(super) main: Device,
    pub(super) second: Option<Device>,
}

impl Person {
    /// The device of a non-converting visit.
    pub(super) fn any_device(self, rng: &mut Rng) -> Device {
        match self.second {
            Some(device) if rng.percent(35) => device,
            _ => self.main,
        }
    }
}
