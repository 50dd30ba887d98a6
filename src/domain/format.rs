//! Numbers for people: thousands separators, two decimals, currency.

/// `1234567` → `1,234,567`.
pub fn thousands(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// `1234.5` → `1,234.50` (rounded half away from zero to the cent).
pub fn decimal2(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let cents = (value * 100.0).round() as i64;
    let whole = thousands(cents.abs() / 100);
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{whole}.{:02}", cents.abs() % 100)
}

/// `1234.5` → `$1,234.50`.
pub fn money(value: f64) -> String {
    let text = decimal2(value);
    match text.strip_prefix('-') {
        Some(rest) => format!("-${rest}"),
        None => format!("${text}"),
    }
}

/// Conversions: whole numbers plainly, fractional (linear) credit with two decimals.
pub fn conversions(value: f64) -> String {
    if (value - value.round()).abs() < 1e-9 {
        thousands(value.round() as i64)
    } else {
        decimal2(value)
    }
}

/// A number for CSV files: rounded to six decimals and written in its shortest form, no
/// thousands separator (`12503.24999999999` → `12503.25`, `1/3` → `0.333333`, `42.0` → `42`;
/// above about 1e9, where an f64 holds fewer decimals, as the value itself). Within 5e-7 of
/// the value, so sums still agree with other tools to 1e-6, and spreadsheets read a number.
pub fn csv_number(value: f64) -> String {
    let rounded = (value * 1e6).round() / 1e6;
    if rounded == 0.0 {
        return "0".to_owned();
    }
    if rounded.is_finite() {
        rounded.to_string()
    } else {
        value.to_string()
    }
}

/// Bytes as `12.3 MB`.
pub fn bytes(size: i64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = size as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{size} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Text a spreadsheet would run as a formula gets a leading apostrophe; fields with commas,
/// quotes or line breaks are quoted.
pub fn csv_field(text: &str) -> String {
    let neutral = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if neutral.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

/// UTC seconds as `2026-10-01 12:30` (UTC).
pub fn utc_minutes(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_a_spreadsheet() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(-1234567), "-1,234,567");
        assert_eq!(decimal2(1234.5), "1,234.50");
        assert_eq!(decimal2(-0.004), "0.00");
        assert_eq!(money(-1234.567), "-$1,234.57");
        assert_eq!(conversions(569.0), "569");
        assert_eq!(conversions(532.2775925), "532.28");
        assert_eq!(bytes(2_500_000), "2.5 MB");
    }

    #[test]
    fn csv_numbers_drop_float_noise_but_keep_six_decimals() {
        assert_eq!(csv_number(12503.24999999999), "12503.25");
        assert_eq!(csv_number(15133.900000000001), "15133.9");
        assert_eq!(csv_number(1.0 / 3.0), "0.333333");
        assert_eq!(csv_number(42.0), "42");
        assert_eq!(csv_number(0.0), "0");
        assert_eq!(csv_number(-0.0000001), "0");
        assert_eq!(csv_number(-2.5), "-2.5");
        assert_eq!(csv_number(1_234_567.125), "1234567.125");
        assert_eq!(csv_number(9_876_543_210.12), "9876543210.12");
        assert_eq!(csv_number(12_345_678_901.234_5), "12345678901.2345");
        assert_eq!(csv_number(f64::NAN), "NaN");
    }
}
