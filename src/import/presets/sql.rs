//! A preset as SQL: the file's columns, read by position (`c0`, `c1`, …), made into ours, as
//! text in our own formats. Every piece of text in these expressions is the preset's own (a
//! status word, a pattern, a prefix) or the user's partner id, each written through
//! `store::sql::string_literal`; the file's header names only choose positions.

use super::{HeaderKeys, Money, Preset, TimeFormat, Value, When};
use crate::store::sql::{file_column, string_literal};

/// The file's columns made into ours by a preset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresetColumns {
    /// `expression AS c{k}` for each of our columns the file can make, in the preset's order.
    pub select: Vec<String>,
    /// Our names of those columns (`conversion_id`, …): the header of the rows read.
    pub header: Vec<String>,
    /// For each, the file's column it is made from (its name in the header), for rejects.
    pub shown: Vec<String>,
    /// The condition leaving a row out, when the preset leaves rows out.
    pub skip: Option<String>,
    /// The value the stored rows are counted by, when the preset counts them.
    pub tally: Option<String>,
}

/// The SQL of `preset` over a file with `header`; `partner` is the partner the user named
/// for a partner's own report, `ref_names` the referral parameters links are read with
/// (`ref,via`).
pub fn preset_columns(
    preset: &Preset,
    header: &[String],
    partner: Option<&str>,
    ref_names: &str,
) -> PresetColumns {
    let reader = Reader {
        keys: HeaderKeys::of(header),
        partner,
        ref_names,
    };
    let mut columns = PresetColumns {
        select: Vec::new(),
        header: Vec::new(),
        shown: Vec::new(),
        skip: preset.skip.as_ref().map(|skip| reader.when(&skip.when)),
        tally: preset
            .tally
            .as_ref()
            .map(|tally| reader.value(&tally.value)),
    };
    for field in preset.fields {
        if !field.value.available(&reader.keys, partner.is_some()) {
            continue;
        }
        let position = columns.select.len();
        columns.select.push(format!(
            "{} AS {}",
            reader.value(&field.value),
            file_column(position)
        ));
        columns.header.push(field.ours.to_owned());
        columns
            .shown
            .push(shown_name(&field.value, &reader.keys, header, field.ours));
    }
    columns
}

/// The header's name of the first column `value` reads that the file has; our name when it
/// reads none (a constant, the named partner).
fn shown_name(value: &Value, keys: &HeaderKeys, header: &[String], ours: &str) -> String {
    let mut names = Vec::new();
    value.column_names(&mut names);
    names
        .iter()
        .find_map(|name| keys.position(&[name]))
        .map_or_else(|| ours.to_owned(), |position| header[position].clone())
}

/// Reads values from a file whose header has `keys`.
struct Reader<'a> {
    keys: HeaderKeys,
    partner: Option<&'a str>,
    ref_names: &'a str,
}

/// A text as SQL: a string literal.
fn text(value: &str) -> String {
    string_literal(value)
}

/// Timestamps that carry their own offset (as the importer's own check reads them).
const OFFSET_PATTERN: &str = r"[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|z|UTC|[+-]\d{2}(:?\d{2})?)$";

/// The shape of an amount of money: an optional apostrophe (a spreadsheet's formula guard),
/// sign, currency symbol or code before or after, and digits with `.` and `,`.
const MONEY_SHAPE: &str =
    r"^'?\s*-?\s*[^0-9.,\s-]{0,4}\s*-?\s*[0-9.,]*[0-9][0-9.,]*\s*[^0-9.,\s-]{0,4}$";

/// US zone abbreviations Everflow writes, and their offsets.
const ZONE_ABBREVIATIONS: &[(&str, &str)] = &[
    ("UTC", "+00:00"),
    ("GMT", "+00:00"),
    ("EST", "-05:00"),
    ("EDT", "-04:00"),
    ("CST", "-06:00"),
    ("CDT", "-05:00"),
    ("MST", "-07:00"),
    ("MDT", "-06:00"),
    ("PST", "-08:00"),
    ("PDT", "-07:00"),
    ("AKST", "-09:00"),
    ("AKDT", "-08:00"),
    ("HST", "-10:00"),
];

/// Currency symbols as `Intl.NumberFormat("en-US")` writes them, longest first.
const CURRENCY_SYMBOLS: &[(&str, &str)] = &[
    ("CA$", "CAD"),
    ("A$", "AUD"),
    ("NZ$", "NZD"),
    ("HK$", "HKD"),
    ("MX$", "MXN"),
    ("R$", "BRL"),
    ("CN¥", "CNY"),
    ("$", "USD"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("¥", "JPY"),
    ("₹", "INR"),
    ("₩", "KRW"),
];

impl Reader<'_> {
    /// `value` as a SQL expression of text (NULL when empty). A value that does not read as
    /// its format expects is kept as written, so that the checks reject it naming it.
    fn value(&self, value: &Value) -> String {
        match value {
            Value::Column(names) => match self.keys.position(names) {
                Some(position) => format!("nullif(trim({}), '')", file_column(position)),
                None => "NULL::VARCHAR".to_owned(),
            },
            Value::FirstOf(values) => {
                let parts: Vec<String> = values.iter().map(|v| self.value(v)).collect();
                format!("coalesce({})", parts.join(", "))
            }
            Value::Constant(constant) => text(constant),
            Value::GivenPartner => self.partner.map_or("NULL::VARCHAR".to_owned(), text),
            Value::Money(inner, money) => {
                let raw = self.value(inner);
                format!("coalesce(CAST({} AS VARCHAR), {raw})", amount(&raw, *money))
            }
            Value::MoneyLess(first, second, money) => self.difference(first, second, *money),
            Value::CurrencyOfSymbol(inner) => currency_of_symbol(&self.value(inner)),
            Value::Time(inner, format) => {
                let raw = self.value(inner);
                format!("coalesce({}, {raw})", timestamp(&raw, *format))
            }
            Value::Words(inner, words) => {
                let raw = self.value(inner);
                let cases: Vec<String> = words
                    .iter()
                    .map(|(theirs, ours)| format!("WHEN {} THEN {}", text(theirs), text(ours)))
                    .collect();
                format!("CASE lower({raw}) {} ELSE {raw} END", cases.join(" "))
            }
            Value::WithoutPrefix(inner, prefix) => {
                let raw = self.value(inner);
                format!(
                    "nullif(CASE WHEN starts_with({raw}, {p}) THEN substr({raw}, {start}) \
                     ELSE {raw} END, '')",
                    p = text(prefix),
                    start = prefix.chars().count() + 1
                )
            }
            Value::Upper(inner) => format!("upper({})", self.value(inner)),
            Value::Capture(inner, pattern, _) => {
                let raw = self.value(inner);
                format!(
                    "coalesce(nullif(trim(regexp_extract({raw}, {}, 1)), ''), {raw})",
                    text(pattern)
                )
            }
            Value::Joined(values) => {
                let parts: Vec<String> = values.iter().map(|v| self.value(v)).collect();
                format!("nullif(concat_ws(' ', {}), '')", parts.join(", "))
            }
            Value::If(when, then, otherwise) => format!(
                "CASE WHEN {} THEN {} ELSE {} END",
                self.when(when),
                self.value(then),
                self.value(otherwise)
            ),
            Value::Nothing => "NULL::VARCHAR".to_owned(),
            Value::Referral(inner) => link_parameter(&self.value(inner), self.ref_names),
            Value::UrlParam(inner, name) => link_parameter(&self.value(inner), name),
            Value::Named(_, inner) => self.value(inner),
        }
    }

    /// `first − second` as text, not below zero; the first amount that does not read is kept
    /// as written (an empty second counts as zero).
    fn difference(&self, first: &Value, second: &Value, money: Money) -> String {
        let (raw_first, raw_second) = (self.value(first), self.value(second));
        let (a, b) = (amount(&raw_first, money), amount(&raw_second, money));
        format!(
            "CASE WHEN {a} IS NULL THEN {raw_first}
                  WHEN {raw_second} IS NULL THEN CAST({a} AS VARCHAR)
                  WHEN {b} IS NULL THEN {raw_second}
                  ELSE CAST(greatest(round({a} - {b}, 6), 0) AS VARCHAR) END"
        )
    }

    /// `when` as a SQL condition that is never NULL.
    pub(super) fn when(&self, when: &When) -> String {
        let condition = match when {
            When::Empty(value) => format!("{} IS NULL", self.value(value)),
            When::Set(value) => format!("{} IS NOT NULL", self.value(value)),
            When::Is(value, words) => {
                let listed: Vec<String> = words.iter().map(|w| text(w)).collect();
                format!("lower({}) IN ({})", self.value(value), listed.join(", "))
            }
            When::AtLeast(first, second, money) => {
                let a = amount(&self.value(first), *money);
                let b = amount(&self.value(second), *money);
                format!("({a} >= {b} AND {b} > 0)")
            }
            When::All(conditions) => {
                let parts: Vec<String> = conditions.iter().map(|c| self.when(c)).collect();
                format!("({})", parts.join(" AND "))
            }
            When::Any(conditions) => {
                let parts: Vec<String> = conditions.iter().map(|c| self.when(c)).collect();
                format!("({})", parts.join(" OR "))
            }
            When::Not(condition) => format!("NOT {}", self.when(condition)),
        };
        format!("coalesce({condition}, false)")
    }
}

/// The value of the first of the query parameters `names` (`ref,via`) in the link `raw` (SQL
/// text), percent-decoded; NULL when it has none.
fn link_parameter(raw: &str, names: &str) -> String {
    format!(
        "nullif(url_decode(pa_ref_value({raw}, {})), '')",
        text(names)
    )
}

/// The amount `raw` (SQL text) holds as a DOUBLE, NULL when it does not read as `money`.
fn amount(raw: &str, money: Money) -> String {
    let units = {
        let digits = format!("regexp_replace({raw}, '[^0-9.,-]', '', 'g')");
        format!(
            "CASE WHEN regexp_matches({raw}, {shape}) THEN TRY_CAST(
                 CASE WHEN regexp_matches({digits}, ',[0-9]{{1,2}}$')
                      THEN replace(replace({digits}, '.', ''), ',', '.')
                      ELSE replace({digits}, ',', '') END AS DOUBLE) END",
            shape = text(MONEY_SHAPE)
        )
    };
    let cents = format!(
        "CASE WHEN regexp_matches({raw}, '^-?[0-9]+$') THEN TRY_CAST({raw} AS DOUBLE) / 100 END"
    );
    match money {
        Money::Units => units,
        Money::Cents => cents,
        Money::CentsUnlessFormatted => format!("coalesce({cents}, {units})"),
    }
}

/// `raw` (SQL text) written as our timestamps are (ISO, with `Z` when the time is known to be
/// UTC); NULL when it does not read as `format`.
fn timestamp(raw: &str, format: TimeFormat) -> String {
    match format {
        TimeFormat::Iso => raw.to_owned(),
        TimeFormat::NaiveUtc => format!(
            "CASE WHEN regexp_matches({raw}, {}) THEN {raw} ELSE {raw} || 'Z' END",
            text(OFFSET_PATTERN)
        ),
        TimeFormat::UsDateZone => {
            let offsets: Vec<String> = ZONE_ABBREVIATIONS
                .iter()
                .map(|(zone, offset)| format!("WHEN {} THEN {}", text(zone), text(offset)))
                .collect();
            format!(
                "strftime(try_strptime(regexp_extract({raw}, '^(\\d{{1,2}}/\\d{{1,2}}/\\d{{4}} \\d{{1,2}}:\\d{{2}}(:\\d{{2}})?)', 1),
                                       ['%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M']), '%Y-%m-%dT%H:%M:%S')
                 || CASE upper(regexp_extract({raw}, '\\s([A-Za-z]{{2,4}})$', 1)) WHEN '' THEN '' {} END",
                offsets.join(" ")
            )
        }
        TimeFormat::UsDate12Hour => format!(
            "strftime(try_strptime({raw}, ['%m/%d/%Y %I:%M:%S %p', '%m/%d/%Y %I:%M %p']),
                      '%Y-%m-%dT%H:%M:%S')"
        ),
        TimeFormat::Unix => format!(
            "CASE WHEN regexp_matches({raw}, '^[0-9]{{1,19}}(\\.[0-9]+)?$') THEN strftime(make_timestamp(CAST(
                 CASE WHEN TRY_CAST({raw} AS DOUBLE) < 1e11 THEN TRY_CAST({raw} AS DOUBLE) * 1e6
                      WHEN TRY_CAST({raw} AS DOUBLE) < 1e14 THEN TRY_CAST({raw} AS DOUBLE) * 1e3
                      WHEN TRY_CAST({raw} AS DOUBLE) < 1e17 THEN TRY_CAST({raw} AS DOUBLE)
                      ELSE TRY_CAST({raw} AS DOUBLE) / 1e3 END AS BIGINT)), '%Y-%m-%dT%H:%M:%S.%fZ') END"
        ),
    }
}

/// The ISO code of the currency symbol in `raw` (SQL text), else a three-letter code in it.
fn currency_of_symbol(raw: &str) -> String {
    let cases: Vec<String> = CURRENCY_SYMBOLS
        .iter()
        .map(|(symbol, code)| format!("WHEN contains({raw}, {}) THEN {}", text(symbol), text(code)))
        .collect();
    format!(
        "CASE {} ELSE nullif(regexp_extract({raw}, '([A-Z]{{3}})', 1), '') END",
        cases.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::{Money, TimeFormat, amount, currency_of_symbol, text, timestamp};

    /// `sql` over the text `value`, evaluated by DuckDB.
    fn eval(value: &str, sql: impl Fn(&str) -> String) -> Option<String> {
        let conn = duckdb::Connection::open_in_memory().unwrap();
        let raw = text(value);
        conn.query_row(&format!("SELECT CAST({} AS VARCHAR)", sql(&raw)), [], |r| {
            r.get(0)
        })
        .unwrap()
    }

    /// Money as platforms write it: US, European and Japanese formats, a formula guard,
    /// leading-dot decimals, cents; the currency from the symbol.
    #[test]
    fn money_reads_as_platforms_write_it() {
        for (written, money, expected, currency) in [
            ("\"$1,234.56\"", Money::Units, "1234.56", Some("USD")),
            ("$1,234.56", Money::Units, "1234.56", Some("USD")),
            ("1.234,56 €", Money::Units, "1234.56", Some("EUR")),
            ("€12,00", Money::Units, "12.0", Some("EUR")),
            ("¥1,000", Money::Units, "1000.0", Some("JPY")),
            ("CA$5.10", Money::Units, "5.1", Some("CAD")),
            ("'-$5.00", Money::Units, "-5.0", Some("USD")),
            (".00", Money::Units, "0.0", None),
            ("27600.00", Money::Units, "27600.0", None),
            ("4900", Money::Cents, "49.0", None),
            ("4900", Money::CentsUnlessFormatted, "49.0", None),
            ("$49.00", Money::CentsUnlessFormatted, "49.0", Some("USD")),
        ] {
            let written = written.trim_matches('"');
            assert_eq!(
                eval(written, |raw| amount(raw, money)).as_deref(),
                Some(expected),
                "{written} as {money:?}"
            );
            assert_eq!(
                eval(written, currency_of_symbol).as_deref(),
                currency,
                "{written}"
            );
        }
        assert_eq!(eval("ten dollars", |raw| amount(raw, Money::Units)), None);
        assert_eq!(eval("49.00", |raw| amount(raw, Money::Cents)), None);
    }

    /// Unix time in seconds, milliseconds and microseconds is one instant, in UTC.
    #[test]
    fn unix_seconds_milliseconds_and_microseconds_are_told_apart() {
        for written in ["1772445600", "1772445600000", "1772445600000000"] {
            assert_eq!(
                eval(written, |raw| timestamp(raw, TimeFormat::Unix)).as_deref(),
                Some("2026-03-02T10:00:00.000000Z"),
                "{written}"
            );
        }
        assert_eq!(
            eval("1772445600.5", |raw| timestamp(raw, TimeFormat::Unix)).as_deref(),
            Some("2026-03-02T10:00:00.500000Z")
        );
        assert_eq!(
            eval("yesterday", |raw| timestamp(raw, TimeFormat::Unix)),
            None
        );
        assert_eq!(
            eval("04/27/2026 00:02:07 EDT", |raw| timestamp(
                raw,
                TimeFormat::UsDateZone
            ))
            .as_deref(),
            Some("2026-04-27T00:02:07-04:00")
        );
        assert_eq!(
            eval("03/02/2026 03:15:00 PM", |raw| timestamp(
                raw,
                TimeFormat::UsDate12Hour
            ))
            .as_deref(),
            Some("2026-03-02T15:15:00")
        );
    }
}
