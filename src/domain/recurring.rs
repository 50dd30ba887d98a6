//! Recurring commissions: a subscription's renewals pay the partner credited for its first
//! sale, for a number of months or for its lifetime, at the partner's own rate or a renewal
//! rate of their own.

use chrono::{DateTime, Months};
use serde::{Deserialize, Serialize};

/// How long, and at what rate, a subscription's renewals stay bound to its first sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Recurring {
    /// Renewals sold at most this many calendar months after the first sale are bound (under
    /// 12, the renewal 12 months on is, the 13th monthly renewal is not); `None` binds them
    /// for the subscription's lifetime.
    pub months: Option<u32>,
    /// The rate a bound renewal pays, in basis points (2000 = 20%); `None` pays the partner's
    /// own commission.
    pub renewal_rate_bp: Option<u32>,
}

impl Recurring {
    /// Reads `--recurring`: a number of months (`12`) or `lifetime`.
    pub fn parse_term(text: &str) -> Result<Option<u32>, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("lifetime") {
            return Ok(None);
        }
        match text.parse::<u32>() {
            Ok(months) if (1..=1200).contains(&months) => Ok(Some(months)),
            _ => Err(format!(
                "expected a number of months like 12, or 'lifetime', found '{text}'"
            )),
        }
    }

    /// Reads `--renewal-rate`: a percentage like `20%` or `7.5` (0-100, two decimals).
    pub fn parse_rate(text: &str) -> Result<u32, String> {
        let rate: f64 = text
            .trim()
            .trim_end_matches('%')
            .trim()
            .parse()
            .map_err(|_| format!("expected a percentage like 20%, found '{text}'"))?;
        if !(0.0..=100.0).contains(&rate) {
            return Err(format!("the renewal rate must be 0-100%, found '{text}'"));
        }
        Ok((rate * 100.0).round() as u32)
    }

    /// `12 months`, or `lifetime`.
    pub fn term(&self) -> String {
        match self.months {
            Some(1) => "1 month".to_owned(),
            Some(months) => format!("{months} months"),
            None => "lifetime".to_owned(),
        }
    }

    /// `20%`, or `the partner's own rate`.
    pub fn rate(&self) -> String {
        match self.renewal_rate_bp {
            Some(bp) => format!("{}%", f64::from(bp) / 100.0),
            None => "the partner's own rate".to_owned(),
        }
    }

    /// `recurring: 12 months at 20%`.
    pub fn describe(&self) -> String {
        format!("recurring: {} at {}", self.term(), self.rate())
    }

    /// Whether a renewal sold at `renewal_secs` is bound to the first sale at `first_secs`
    /// (seconds since the epoch, UTC): any time under a lifetime binding, else up to the same
    /// instant N calendar months later, inclusive (under 12 months, the 12th monthly renewal
    /// is bound and the 13th, in the 13th month, is not).
    pub fn binds(&self, first_secs: i64, renewal_secs: i64) -> bool {
        let Some(months) = self.months else {
            return true;
        };
        let Some(first) = DateTime::from_timestamp(first_secs, 0) else {
            return false;
        };
        match first.checked_add_months(Months::new(months)) {
            Some(end) => renewal_secs <= end.timestamp(),
            None => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> i64 {
        DateTime::parse_from_rfc3339(text).unwrap().timestamp()
    }

    #[test]
    fn twelve_months_bind_the_twelfth_renewal_not_the_thirteenth() {
        let twelve = Recurring {
            months: Some(12),
            renewal_rate_bp: Some(2_000),
        };
        let first = at("2026-01-31T10:00:00Z");
        // A month after January 31 is February 28; the 12th renewal is bound, the 13th not.
        assert!(twelve.binds(first, at("2026-02-28T10:00:00Z")));
        assert!(twelve.binds(first, at("2027-01-31T10:00:00Z")));
        assert!(!twelve.binds(first, at("2027-01-31T10:00:01Z")));
        assert!(!twelve.binds(first, at("2027-02-28T10:00:00Z")));
        let lifetime = Recurring {
            months: None,
            renewal_rate_bp: None,
        };
        assert!(lifetime.binds(first, at("2046-01-31T10:00:00Z")));
        assert_eq!(twelve.describe(), "recurring: 12 months at 20%");
        assert_eq!(
            lifetime.describe(),
            "recurring: lifetime at the partner's own rate"
        );
    }

    #[test]
    fn terms_and_rates_are_read_from_the_command_line() {
        assert_eq!(Recurring::parse_term("12"), Ok(Some(12)));
        assert_eq!(Recurring::parse_term("Lifetime"), Ok(None));
        assert!(Recurring::parse_term("0").is_err());
        assert!(Recurring::parse_term("a year").is_err());
        assert_eq!(Recurring::parse_rate("20%"), Ok(2_000));
        assert_eq!(Recurring::parse_rate("7.5"), Ok(750));
        assert!(Recurring::parse_rate("120%").is_err());
    }
}
