//! The programme time zone: how timestamps without an offset are read.
//!
//! The bundled DuckDB has no ICU, so zone rules come from `chrono-tz`: for the span of local
//! times in a file we list the UTC offset in force, and the importer joins against it.

use chrono::{Duration, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

/// The zone naive timestamps are read in and months are cut in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgrammeTimeZone {
    /// An IANA zone such as `Europe/Berlin` (UTC is `Tz::UTC`).
    Named(Tz),
    /// A fixed offset east of UTC, in seconds (`+02:00`).
    Fixed(i32),
}

impl Default for ProgrammeTimeZone {
    fn default() -> Self {
        ProgrammeTimeZone::Named(Tz::UTC)
    }
}

impl ProgrammeTimeZone {
    /// Reads `UTC`, an IANA name (`Europe/Berlin`) or a fixed offset (`+02:00`, `-0500`).
    pub fn parse(text: &str) -> Result<ProgrammeTimeZone, String> {
        let text = text.trim();
        if let Some(secs) = parse_fixed_offset(text) {
            return Ok(ProgrammeTimeZone::Fixed(secs));
        }
        text.parse::<Tz>()
            .map(ProgrammeTimeZone::Named)
            .map_err(|_| {
                format!(
                    "unknown time zone '{text}': expected UTC, an IANA name like Europe/Berlin, \
                     or an offset like +02:00"
                )
            })
    }

    /// The setting as written back (`UTC`, `Europe/Berlin`, `+02:00`).
    pub fn name(self) -> String {
        match self {
            ProgrammeTimeZone::Named(tz) => tz.name().to_owned(),
            ProgrammeTimeZone::Fixed(secs) => {
                let sign = if secs < 0 { '-' } else { '+' };
                let abs = secs.unsigned_abs();
                format!("{sign}{:02}:{:02}", abs / 3600, (abs % 3600) / 60)
            }
        }
    }

    /// The month (`2026-10`) a UTC instant falls in, read in this zone.
    pub fn month_of(self, utc_secs: i64) -> String {
        let utc = chrono::DateTime::from_timestamp(utc_secs, 0).unwrap_or_default();
        match self {
            ProgrammeTimeZone::Named(tz) => utc.with_timezone(&tz).format("%Y-%m").to_string(),
            ProgrammeTimeZone::Fixed(secs) => (utc.naive_utc()
                + Duration::seconds(i64::from(secs)))
            .format("%Y-%m")
            .to_string(),
        }
    }

    /// The calendar date a UTC instant falls on, read in this zone.
    pub fn local_date(self, utc_secs: i64) -> chrono::NaiveDate {
        let utc = chrono::DateTime::from_timestamp(utc_secs, 0).unwrap_or_default();
        match self {
            ProgrammeTimeZone::Named(tz) => utc.with_timezone(&tz).date_naive(),
            ProgrammeTimeZone::Fixed(secs) => {
                (utc.naive_utc() + Duration::seconds(i64::from(secs))).date()
            }
        }
    }

    /// The UTC offset (seconds east) in force at a local time; in a DST gap, the offset
    /// before the gap; in an overlap, the earlier reading.
    pub fn offset_at_local(self, local: NaiveDateTime) -> i32 {
        match self {
            ProgrammeTimeZone::Fixed(secs) => secs,
            ProgrammeTimeZone::Named(tz) => tz
                .from_local_datetime(&local)
                .earliest()
                .or_else(|| {
                    tz.from_local_datetime(&(local - Duration::hours(1)))
                        .earliest()
                })
                .map(|t| t.offset().fix().local_minus_utc())
                .unwrap_or(0),
        }
    }

    /// Runs of constant offset covering `[from, to]` in local time: `(run start, offset)`.
    /// Days are checked first; a day whose end differs from its start is walked in half
    /// hours (zones change offset on the hour or half hour).
    pub fn offset_runs(self, from: NaiveDateTime, to: NaiveDateTime) -> Vec<(NaiveDateTime, i32)> {
        let mut day = from - Duration::days(1);
        let mut current = self.offset_at_local(day);
        let mut runs = vec![(day, current)];
        while day <= to + Duration::days(1) {
            let next_day = day + Duration::days(1);
            if self.offset_at_local(next_day) != current {
                let mut step = day;
                while step < next_day {
                    step += Duration::minutes(30);
                    let offset = self.offset_at_local(step);
                    if offset != current {
                        runs.push((step, offset));
                        current = offset;
                    }
                }
            }
            day = next_day;
        }
        runs
    }

    /// Runs over every date a programme could hold (1970–2100), so no pass over the file is
    /// needed to find its span.
    pub fn all_offset_runs(self) -> Vec<(NaiveDateTime, i32)> {
        let at = |y| {
            chrono::NaiveDate::from_ymd_opt(y, 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .expect("a valid date")
        };
        self.offset_runs(at(1970), at(2100))
    }
}

fn parse_fixed_offset(text: &str) -> Option<i32> {
    let rest = text
        .strip_prefix("UTC")
        .or_else(|| text.strip_prefix("GMT"))
        .unwrap_or(text);
    if rest.is_empty() {
        return None;
    }
    let (sign, digits) = match rest.as_bytes()[0] {
        b'+' => (1, &rest[1..]),
        b'-' => (-1, &rest[1..]),
        _ => return None,
    };
    let digits: String = digits.chars().filter(|c| *c != ':').collect();
    if digits.is_empty() || digits.len() > 4 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (hours, minutes) = if digits.len() <= 2 {
        (digits.parse::<i32>().ok()?, 0)
    } else {
        let split = digits.len() - 2;
        (
            digits[..split].parse::<i32>().ok()?,
            digits[split..].parse::<i32>().ok()?,
        )
    };
    (hours <= 14 && minutes < 60).then_some(sign * (hours * 3600 + minutes * 60))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn local(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    #[test]
    fn parses_names_and_offsets() {
        assert_eq!(ProgrammeTimeZone::parse("UTC").unwrap().name(), "UTC");
        assert_eq!(
            ProgrammeTimeZone::parse("+02:00").unwrap(),
            ProgrammeTimeZone::Fixed(7200)
        );
        assert_eq!(
            ProgrammeTimeZone::parse("-0530").unwrap(),
            ProgrammeTimeZone::Fixed(-19800)
        );
        assert_eq!(
            ProgrammeTimeZone::parse("UTC+1").unwrap(),
            ProgrammeTimeZone::Fixed(3600)
        );
        assert!(ProgrammeTimeZone::parse("Mars/Olympus").is_err());
    }

    #[test]
    fn berlin_switches_offset_at_the_end_of_october() {
        let berlin = ProgrammeTimeZone::parse("Europe/Berlin").unwrap();
        assert_eq!(berlin.offset_at_local(local(2026, 7, 1, 12)), 7200);
        assert_eq!(berlin.offset_at_local(local(2026, 11, 1, 12)), 3600);
        let runs = berlin.offset_runs(local(2026, 10, 1, 0), local(2026, 11, 30, 0));
        assert_eq!(runs.len(), 2, "{runs:?}");
        assert_eq!(runs[1], (local(2026, 10, 25, 3), 3600), "{runs:?}");
        let all = berlin.all_offset_runs();
        assert!(
            all.len() > 200 && all.contains(&(local(2026, 3, 29, 3), 7200)),
            "{}",
            all.len()
        );
    }
}
