//! Tests of the generated files: helpers that read them back, and the tests by subject.

mod files;
mod shares;
mod truth;

use super::calendar::{DAY, HOUR, LAST, MINUTE, civil_from_days, days_from_civil};
use super::csv::{CLICKS_HEADER, CONVERSIONS_HEADER, LEADS_HEADER, PARTNERS_HEADER, TRUTH_HEADER};
use super::format::{push_field, push_timestamp};
use super::vocabulary::PARTNERS;
use super::{SampleError, SampleSpec, SampleSummary, write_sample};

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering as AtomicOrdering};

/// A fresh directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, AtomicOrdering::Relaxed);
        let dir = format!("pa-sample-{name}-{}-{n}", std::process::id());
        let path = std::env::temp_dir().join(dir);
        let _ = fs::remove_dir_all(&path);
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// One parsed CSV file.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn read(dir: &Path, name: &str) -> Self {
        let text = fs::read_to_string(dir.join(name)).expect("sample file");
        assert!(
            text.ends_with('\n') && !text.contains('\r'),
            "{name}: \\n line ends"
        );
        let mut lines = text.lines().map(parse_line);
        let header = lines.next().expect("header");
        let rows: Vec<_> = lines.collect();
        for row in &rows {
            assert_eq!(row.len(), header.len(), "{name}: {row:?}");
        }
        Self { header, rows }
    }

    fn col(&self, name: &str) -> usize {
        self.header.iter().position(|h| h == name).expect(name)
    }

    fn values(&self, name: &str) -> Vec<&str> {
        let col = self.col(name);
        self.rows.iter().map(|row| row[col].as_str()).collect()
    }

    /// Share of rows where `name` satisfies `test`.
    fn share(&self, name: &str, test: impl Fn(&str) -> bool) -> f64 {
        let hits = self.values(name).into_iter().filter(|v| test(v)).count();
        hits as f64 / self.rows.len() as f64
    }
}

/// Splits one RFC 4180 line (no embedded line breaks in the sample).
fn parse_line(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let field = fields.last_mut().expect("field");
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            _ => field.push(c),
        }
    }
    fields
}

struct Sample {
    _dir: TempDir,
    summary: SampleSummary,
    partners: Table,
    clicks: Table,
    conversions: Table,
    leads: Table,
    truth: Table,
}

fn generate(name: &str, spec: &SampleSpec) -> Sample {
    let dir = TempDir::new(name);
    let summary = write_sample(&dir.0, spec).expect("sample written");
    Sample {
        partners: Table::read(&dir.0, "partners.csv"),
        clicks: Table::read(&dir.0, "clicks.csv"),
        conversions: Table::read(&dir.0, "conversions.csv"),
        leads: Table::read(&dir.0, "leads.csv"),
        truth: Table::read(&dir.0, "truth.csv"),
        summary,
        _dir: dir,
    }
}

fn default_sample(name: &str) -> Sample {
    generate(name, &SampleSpec::default())
}

/// Seconds since 1970 of `2026-07-03T14:05:09Z`.
fn parse_ts(text: &str) -> i64 {
    let num = |range: std::ops::Range<usize>| text[range].parse::<i64>().expect(text);
    let days = days_from_civil(num(0..4), num(5..7) as u32, num(8..10) as u32);
    assert_eq!(text.len(), 20, "{text}");
    assert!(text.ends_with('Z') && &text[10..11] == "T", "{text}");
    days * 86_400 + num(11..13) * 3_600 + num(14..16) * 60 + num(17..19)
}

/// A click row's partner: the `partner_id` column, else the `ref`/`via` URL parameter.
fn click_partner(clicks: &Table, row: &[String]) -> Option<String> {
    let column = &row[clicks.col("partner_id")];
    if !column.is_empty() {
        return Some(column.clone());
    }
    let url = &row[clicks.col("url")];
    let query = url.split_once('?')?.1;
    query
        .split('&')
        .find_map(|pair| match pair.split_once('=') {
            Some(("ref" | "via", id)) => Some(id.to_string()),
            _ => None,
        })
}

/// One partner click as the tests see it.
struct PartnerClick {
    at: i64,
    partner: String,
    click_id: String,
    cookie: String,
    user: String,
    browser: String,
    broken: bool,
}

fn partner_clicks(sample: &Sample) -> Vec<PartnerClick> {
    let c = &sample.clicks;
    let col = |name| c.col(name);
    c.rows
        .iter()
        .filter_map(|row| {
            let partner = click_partner(c, row)?;
            Some(PartnerClick {
                at: parse_ts(&row[col("clicked_at")]),
                partner,
                click_id: row[col("click_id")].clone(),
                cookie: row[col("cookie_id")].clone(),
                user: row[col("user_id")].clone(),
                browser: row[col("browser")].clone(),
                broken: row[col("redirect_hops")] != "1" || row[col("landing_status")] != "ok",
            })
        })
        .collect()
}

/// One conversion joined with its truth row.
struct Sale {
    id: String,
    at: i64,
    cookie: String,
    user: String,
    click_id: String,
    coupon: String,
    partner: String,
    cause: String,
}

fn sales(sample: &Sample) -> Vec<Sale> {
    let (c, t) = (&sample.conversions, &sample.truth);
    assert_eq!(c.rows.len(), t.rows.len());
    c.rows
        .iter()
        .zip(&t.rows)
        .map(|(row, truth)| {
            assert_eq!(row[0], truth[0], "truth rows follow conversions");
            Sale {
                id: row[0].clone(),
                at: parse_ts(&row[c.col("converted_at")]),
                cookie: row[c.col("cookie_id")].clone(),
                user: row[c.col("user_id")].clone(),
                click_id: row[c.col("click_id")].clone(),
                coupon: row[c.col("coupon_code")].clone(),
                partner: truth[t.col("true_partner_id")].clone(),
                cause: truth[t.col("loss_cause")].clone(),
            }
        })
        .collect()
}

const DAY_SECS: i64 = 86_400;

/// The partner first-party-cookie tracking credits: the latest partner click on the same
/// cookie at or before the sale, at most 30 days old (7 for Safari).
fn cookie_credit<'a>(clicks: &'a [PartnerClick], sale: &Sale) -> Option<&'a str> {
    let counts = |click: &&PartnerClick| {
        let window = if click.browser == "Safari" { 7 } else { 30 };
        let same_cookie = !sale.cookie.is_empty() && click.cookie == sale.cookie;
        same_cookie && click.at <= sale.at && sale.at - click.at <= window * DAY_SECS
    };
    let latest = clicks.iter().rev().find(counts);
    latest.map(|click| click.partner.as_str())
}

fn by_cookie_or_user(clicks: &[PartnerClick]) -> HashMap<&str, Vec<&PartnerClick>> {
    let mut index: HashMap<&str, Vec<&PartnerClick>> = HashMap::new();
    for click in clicks {
        for key in [&click.cookie, &click.user] {
            if !key.is_empty() {
                index.entry(key.as_str()).or_default().push(click);
            }
        }
    }
    index
}
