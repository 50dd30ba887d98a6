//! The programme's calendar: its period, time units and campaigns.

/// Seconds in a minute.
pub(super) const MINUTE: u32 = 60;
/// Seconds in an hour.
pub(super) const HOUR: u32 = 3_600;
/// Seconds in a day.
pub(super) const DAY: u32 = 86_400;
/// 2026-07-01 through 2026-10-31.
const PERIOD: u32 = 123 * DAY;
/// The programme's first day, 2026-07-01, in days since 1970-01-01.
pub(super) const FIRST_DAY: i64 = days_from_civil(2026, 7, 1);
/// The cookie window the truth is designed against: 30 days.
pub(super) const COOKIE_WINDOW: u32 = 30 * DAY;
/// Safari's cap on first-party cookies: 7 days.
pub(super) const SAFARI_CAP: u32 = 7 * DAY;
/// The last second of the period.
pub(super) const LAST: u32 = PERIOD - 1;
/// Room of a journey that may run past the end of the period (its late rows are cut).
pub(super) const OPEN_ROOM: u32 = 400 * DAY;
/// Seconds of journey starts per `clicks` planned touches: the period less [`LAG`].
pub(super) const PACE: u32 = PERIOD - LAG;
/// A little more than the mean delay (measured: 43 hours) of a touch after its journey's
/// start, so the last click falls in the evening of the period's last day.
const LAG: u32 = 46 * HOUR;

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(super) const fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date (year, month, day) of a count of days since 1970-01-01.
pub(super) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The campaign running on a day of the programme.
pub(super) fn campaign(at: u32) -> &'static str {
    match at / DAY {
        0..=30 => "summer2026",
        31..=61 => "backtoschool",
        62..=106 => "autumn2026",
        _ => "halloween2026",
    }
}
