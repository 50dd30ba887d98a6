//! Other platforms' exports, read as they are: a preset says which of a platform's columns
//! become which of ours and how its values are written (money as `"$1,234.56"` or cents,
//! timestamps with a zone abbreviation or in unix seconds, its status words), and which rows
//! are not records of their own (a Shopify order's further line items).
//!
//! Presets are data: one file per platform family, gathered in [`ALL`]. A file's header picks
//! one ([`recognise`]), or the user names it (`import --preset NAME`); [`sql`] then reads
//! the file's columns by position and writes our columns' text in our own formats, so the
//! usual checks and rejects apply unchanged. Header names are matched in Rust, never written
//! into SQL.

mod affiliatewp;
mod awin;
mod cj;
mod describe;
mod dub;
mod everflow;
mod firstpromoter;
mod ga4;
mod impact;
mod pap;
mod partnerstack;
mod rewardful;
mod shareasale;
mod shopify;
pub(super) mod sql;
mod stripe;
mod tapfiliate;

pub use describe::{describe, listing, markdown_tables, needs};

use super::kinds::FileKind;

/// One platform export we read: its name, what it holds, how it is recognised and how each
/// of our columns is made from it.
#[derive(Debug)]
pub struct Preset {
    /// The name on the command line (`shopify-orders`).
    pub name: &'static str,
    /// The names several layouts of one export share (`dub-events`), or the name itself.
    pub family: &'static str,
    /// What the file is, for people ("a Shopify orders export").
    pub title: &'static str,
    /// What its rows become.
    pub kind: FileKind,
    /// Header columns that recognise the export: every group must have one of its names.
    pub recognise: &'static [&'static [&'static str]],
    /// Header columns that rule the export out (another layout of the same platform has them).
    pub absent: &'static [&'static str],
    /// Our columns, each made from the file's.
    pub fields: &'static [Field],
    /// Rows that are no record of their own, and why (they are counted, not rejected).
    pub skip: Option<Skip>,
    /// Referral parameters of the platform's tracking links (dub's `via`), read besides the
    /// programme's own for this file.
    pub ref_params: &'static [&'static str],
    /// What the export does not carry, for the README and `--list-presets`.
    pub lacks: &'static str,
    /// A count of the stored rows by one of the file's columns, told with the import (Post
    /// Affiliate Pro's tracking methods).
    pub tally: Option<Tally>,
}

/// Stored rows counted by a value, for the import's summary.
#[derive(Debug)]
pub struct Tally {
    /// What is counted ("tracking method").
    pub what: &'static str,
    /// The value counted by.
    pub value: Value,
}

/// One of our columns and the value it takes.
#[derive(Debug)]
pub struct Field {
    /// Our column (`revenue`).
    pub ours: &'static str,
    /// How it is made from the file.
    pub value: Value,
}

/// Rows to leave out, and why.
#[derive(Debug)]
pub struct Skip {
    /// When a row is left out.
    pub when: When,
    /// Why, for people ("line-item rows of an order already read").
    pub why: &'static str,
}

/// How a value is made from a file's row. Column names are the export's own header names,
/// matched whatever their case and punctuation ([`header_key`]).
#[derive(Debug)]
pub enum Value {
    /// The text of the first of these columns the file has (empty when none).
    Column(&'static [&'static str]),
    /// The first of these values that is not empty.
    FirstOf(&'static [Value]),
    /// Text of our own.
    Constant(&'static str),
    /// The partner the user named for a partner's own report.
    GivenPartner,
    /// An amount of money written as the platform writes it.
    Money(&'static Value, Money),
    /// One amount less another (not below zero), both written as `Money` says.
    MoneyLess(&'static Value, &'static Value, Money),
    /// The currency of an amount's symbol (`$` USD, `€` EUR, `¥` JPY, `CA$` CAD ...).
    CurrencyOfSymbol(&'static Value),
    /// A timestamp written as the platform writes it.
    Time(&'static Value, TimeFormat),
    /// The platform's words mapped onto ours (their word lower-cased → ours); other words
    /// are kept as written, for the checks to judge.
    Words(&'static Value, &'static [(&'static str, &'static str)]),
    /// The text without a prefix the platform puts before it.
    WithoutPrefix(&'static Value, &'static str),
    /// Upper-cased text.
    Upper(&'static Value),
    /// The first group of a pattern in the text (the whole text when it does not match),
    /// and what the group is, for people.
    Capture(&'static Value, &'static str, &'static str),
    /// The values joined by a space (an id made of several columns).
    Joined(&'static [Value]),
    /// One value when a condition holds, another otherwise.
    If(When, &'static Value, &'static Value),
    /// No value (empty).
    Nothing,
    /// The partner a link names with one of the programme's referral parameters (and the
    /// preset's own), as a click file's `url` is read.
    Referral(&'static Value),
    /// The value of a query parameter of a link (`utm_source`, `gclid`), percent-decoded.
    UrlParam(&'static Value, &'static str),
    /// A value called by a name of its own for people (`the visit's marker`), defined once
    /// below the preset's table.
    Named(&'static str, &'static Value),
}

/// A condition on a row.
#[derive(Debug)]
pub enum When {
    /// The value is empty.
    Empty(&'static Value),
    /// The value is not empty.
    Set(&'static Value),
    /// The value is one of these words (compared lower-cased).
    Is(&'static Value, &'static [&'static str]),
    /// The first amount is at least the second, and the second is above zero (refunded in
    /// full).
    AtLeast(&'static Value, &'static Value, Money),
    /// Every condition holds.
    All(&'static [When]),
    /// Some condition holds.
    Any(&'static [When]),
    /// The condition does not hold.
    Not(&'static When),
}

/// How a platform writes money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Money {
    /// Major units, with or without a currency symbol or code and thousands separators:
    /// `1299.00`, `"$1,234.56"`, `1.234,56 €`, `¥1,000`, `.00`, `'-$5.00`. A comma followed by
    /// one or two final digits is a decimal comma.
    Units,
    /// Integer minor units (cents): `4900` is 49.00.
    Cents,
    /// Integer cents when the value is a bare integer, else as [`Money::Units`] (dub's
    /// commissions: cents before April 2026, `"$1,234.56"` since).
    CentsUnlessFormatted,
}

/// How a platform writes a timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFormat {
    /// ISO 8601 or `YYYY-MM-DD HH:MM:SS`, with or without an offset (`Z`, `-0500`, `+05:00`);
    /// without one, read in the programme's time zone.
    Iso,
    /// `YYYY-MM-DD HH:MM[:SS]` known to be UTC although it carries no offset (Stripe).
    NaiveUtc,
    /// `MM/DD/YYYY HH:MM:SS` and a US zone abbreviation (`EDT`, `PST`, `UTC`; Everflow).
    UsDateZone,
    /// `MM/DD/YYYY hh:mm:ss AM` (ShareASale), in the programme's time zone.
    UsDate12Hour,
    /// Unix time in seconds, milliseconds or microseconds (told apart by size).
    Unix,
}

/// Every built-in preset, in the order `--list-presets` shows them; recognition prefers the
/// preset that reads most of the header, then the first.
pub static ALL: &[&[Preset]] = &[
    shopify::PRESETS,
    stripe::PRESETS,
    dub::PRESETS,
    everflow::PRESETS,
    impact::PRESETS,
    pap::PRESETS,
    tapfiliate::PRESETS,
    affiliatewp::PRESETS,
    rewardful::PRESETS,
    partnerstack::PRESETS,
    firstpromoter::PRESETS,
    shareasale::PRESETS,
    cj::PRESETS,
    awin::PRESETS,
    ga4::PRESETS,
];

/// Every built-in preset, in table order.
pub fn all() -> impl Iterator<Item = &'static Preset> {
    ALL.iter().flat_map(|family| family.iter())
}

/// The built-in presets a name chooses: the preset of that name, or every preset of a family
/// (`dub-events`); empty when none.
pub fn named(name: &str) -> Vec<&'static Preset> {
    let key = name.trim().to_ascii_lowercase();
    if let Some(preset) = all().find(|p| p.name == key) {
        return vec![preset];
    }
    all().filter(|p| p.family == key).collect()
}

/// The built-in preset called `name` exactly.
pub fn by_name(name: &str) -> Option<&'static Preset> {
    all().find(|p| p.name == name)
}

/// How an import read with the preset `name` says so: "recognised a Shopify orders export
/// (preset shopify-orders)", or "read with the saved preset 'mine'".
pub fn read_as(name: &str) -> String {
    match by_name(name) {
        Some(preset) => format!("recognised {} (preset {})", preset.title, preset.name),
        None => format!("read with the saved preset '{name}'"),
    }
}

/// Which rows the preset `name` leaves out, for people (empty for a saved mapping).
pub fn skipped_rows(name: &str) -> &'static str {
    by_name(name)
        .and_then(|preset| preset.skip.as_ref())
        .map_or("", |skip| skip.why)
}

/// A header name as presets compare it: lower-cased, without a byte-order mark, quotes or
/// Post Affiliate Pro's leading `!`, every run of other characters than letters and digits
/// one `_` (`Created date (UTC)` → `created_date_utc`, `affiliate.id` → `affiliate_id`).
pub fn header_key(name: &str) -> String {
    let trimmed = name
        .trim_start_matches('\u{feff}')
        .trim()
        .trim_matches('"')
        .trim()
        .trim_start_matches('!');
    let mut key = String::with_capacity(trimmed.len());
    for ch in trimmed.chars() {
        if ch.is_alphanumeric() {
            key.extend(ch.to_lowercase());
        } else if !key.is_empty() && !key.ends_with('_') {
            key.push('_');
        }
    }
    key.trim_end_matches('_').to_owned()
}

/// A file's header as keys, for matching presets against.
pub struct HeaderKeys(Vec<String>);

impl HeaderKeys {
    /// The keys of `header`, in its order.
    pub fn of(header: &[String]) -> HeaderKeys {
        HeaderKeys(header.iter().map(|h| header_key(h)).collect())
    }

    /// The place of the first of `names` the header has.
    pub fn position(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|name| {
            let key = header_key(name);
            self.0.iter().position(|k| *k == key)
        })
    }

    /// Whether the header has `name`.
    pub fn has(&self, name: &str) -> bool {
        self.position(&[name]).is_some()
    }
}

impl Preset {
    /// Whether the header has every column that recognises the preset and none that rules it
    /// out, and every column the kind needs can be made.
    pub fn fits(&self, keys: &HeaderKeys) -> bool {
        self.recognise
            .iter()
            .all(|group| keys.position(group).is_some())
            && !self.absent.iter().any(|name| keys.has(name))
            && self.missing_field(keys, true).is_none()
    }

    /// The first column the kind needs that the header cannot make (`partner_given`: whether
    /// a partner was named for a partner's own report).
    pub fn missing_field(&self, keys: &HeaderKeys, partner_given: bool) -> Option<&'static Field> {
        let required = self.kind.required_columns();
        self.fields
            .iter()
            .filter(|f| required.contains(&f.ours))
            .find(|f| !f.value.available(keys, partner_given))
    }

    /// The field making our column `ours`.
    pub fn field(&self, ours: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.ours == ours)
    }

    /// How many of the header's columns the preset reads (the better fit reads more).
    fn columns_read(&self, keys: &HeaderKeys) -> usize {
        let mut names = Vec::new();
        for field in self.fields {
            field.value.column_names(&mut names);
        }
        names.sort_unstable();
        names.dedup();
        names.into_iter().filter(|n| keys.has(n)).count()
    }
}

/// The preset among `candidates` that fits `header` best, when any fits.
pub fn best_fit<'a>(
    candidates: impl IntoIterator<Item = &'a Preset>,
    header: &[String],
) -> Option<&'a Preset> {
    let keys = HeaderKeys::of(header);
    let mut best: Option<(&Preset, usize)> = None;
    for preset in candidates {
        if !preset.fits(&keys) {
            continue;
        }
        let read = preset.columns_read(&keys);
        if best.is_none_or(|(_, most)| read > most) {
            best = Some((preset, read));
        }
    }
    best.map(|(preset, _)| preset)
}

/// The built-in preset that recognises `header`, among those of `kind` when given.
pub fn recognise(header: &[String], kind: Option<FileKind>) -> Option<&'static Preset> {
    best_fit(all().filter(|p| kind.is_none_or(|k| p.kind == k)), header)
}

impl Value {
    /// Whether the value can be made from a file with these header keys.
    pub fn available(&self, keys: &HeaderKeys, partner_given: bool) -> bool {
        match self {
            Value::Column(names) => keys.position(names).is_some(),
            Value::Constant(_) | Value::Nothing => true,
            Value::GivenPartner => partner_given,
            Value::FirstOf(values) | Value::Joined(values) => {
                values.iter().any(|v| v.available(keys, partner_given))
            }
            Value::Money(inner, _)
            | Value::MoneyLess(inner, _, _)
            | Value::CurrencyOfSymbol(inner)
            | Value::Time(inner, _)
            | Value::Words(inner, _)
            | Value::WithoutPrefix(inner, _)
            | Value::Upper(inner)
            | Value::Capture(inner, _, _)
            | Value::Referral(inner)
            | Value::UrlParam(inner, _)
            | Value::Named(_, inner) => inner.available(keys, partner_given),
            Value::If(_, then, otherwise) => {
                then.available(keys, partner_given) || otherwise.available(keys, partner_given)
            }
        }
    }

    /// Every column name the value reads, in order (conditions included).
    pub fn column_names(&self, names: &mut Vec<&'static str>) {
        match self {
            Value::Column(columns) => names.extend(columns.iter().copied()),
            Value::Constant(_) | Value::GivenPartner | Value::Nothing => {}
            Value::FirstOf(values) | Value::Joined(values) => {
                values.iter().for_each(|v| v.column_names(names));
            }
            Value::Money(inner, _)
            | Value::CurrencyOfSymbol(inner)
            | Value::Time(inner, _)
            | Value::Words(inner, _)
            | Value::WithoutPrefix(inner, _)
            | Value::Upper(inner)
            | Value::Capture(inner, _, _)
            | Value::Referral(inner)
            | Value::UrlParam(inner, _)
            | Value::Named(_, inner) => inner.column_names(names),
            Value::MoneyLess(first, second, _) => {
                first.column_names(names);
                second.column_names(names);
            }
            Value::If(when, then, otherwise) => {
                then.column_names(names);
                otherwise.column_names(names);
                when.column_names(names);
            }
        }
    }
}

impl When {
    /// Every column name the condition reads.
    fn column_names(&self, names: &mut Vec<&'static str>) {
        match self {
            When::Empty(value) | When::Set(value) | When::Is(value, _) => {
                value.column_names(names);
            }
            When::AtLeast(first, second, _) => {
                first.column_names(names);
                second.column_names(names);
            }
            When::All(conditions) | When::Any(conditions) => {
                conditions.iter().for_each(|c| c.column_names(names));
            }
            When::Not(condition) => condition.column_names(names),
        }
    }
}

#[cfg(test)]
mod tests;
