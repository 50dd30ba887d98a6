//! The kinds of file we import, their columns, and how a file's header is mapped onto them.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum FileKind {
    /// Partners with their commission and coupons.
    Partners,
    /// Clicks and visits (touches).
    Clicks,
    /// Sales and leads.
    Conversions,
    /// Leads that partners say they sent.
    Leads,
    /// An analyst's event log: one touch per row, some rows also conversions.
    Events,
}

impl FileKind {
    /// Every kind, in the order they are best imported.
    pub const ALL: [FileKind; 5] = [
        FileKind::Partners,
        FileKind::Clicks,
        FileKind::Conversions,
        FileKind::Leads,
        FileKind::Events,
    ];

    /// The name used on the command line and in the import history.
    pub fn key(self) -> &'static str {
        match self {
            FileKind::Partners => "partners",
            FileKind::Clicks => "clicks",
            FileKind::Conversions => "conversions",
            FileKind::Leads => "leads",
            FileKind::Events => "events",
        }
    }

    /// The columns a file of this kind must have (one of several, for clicks' source).
    pub fn required_columns(self) -> &'static [&'static str] {
        match self {
            FileKind::Partners => &["partner_id", "name", "commission"],
            FileKind::Clicks => &["clicked_at"],
            FileKind::Conversions => &["conversion_id", "converted_at", "revenue"],
            FileKind::Leads => &["partner_id", "reported_at", "reference"],
            FileKind::Events => &["user", "time", "source", "conversion", "value"],
        }
    }

    /// The optional columns we read when present.
    pub fn optional_columns(self) -> &'static [&'static str] {
        match self {
            FileKind::Partners => &["coupon_codes", "payout_email", "iban"],
            FileKind::Clicks => &[
                "click_id",
                "url",
                "partner_id",
                "channel",
                "cookie_id",
                "user_id",
                "device_id",
                "browser",
                "redirect_hops",
                "landing_status",
                "utm_source",
                "utm_medium",
                "utm_campaign",
                "utm_content",
                "utm_term",
            ],
            FileKind::Conversions => &[
                "cookie_id",
                "user_id",
                "click_id",
                "currency",
                "coupon_code",
                "status",
                "category",
                "subscription_id",
            ],
            FileKind::Leads => &["amount"],
            FileKind::Events => &[
                "url",
                "click_id",
                "user_id",
                "browser",
                "conversion_id",
                "currency",
            ],
        }
    }

    /// Header names commonly used for a column, tried in order when no mapping is given.
    pub fn common_names(self, column: &str) -> &'static [&'static str] {
        match (self, column) {
            (FileKind::Events, "user") => &[
                "customer_id",
                "user_id",
                "cookie_id",
                "visitor_id",
                "client_id",
                "user",
                "customer",
            ],
            (FileKind::Events, "time") => &[
                "time",
                "timestamp",
                "event_time",
                "datetime",
                "occurred_at",
                "ts",
                "date",
            ],
            (FileKind::Events, "source") => {
                &["channel", "source", "utm_source", "partner_id", "partner"]
            }
            (FileKind::Events, "conversion") => &[
                "conversion",
                "converted",
                "is_conversion",
                "conversion_flag",
            ],
            (FileKind::Events, "value") => &["conversion_value", "value", "revenue", "amount"],
            _ => &[],
        }
    }

    /// A one-line description of what a file of this kind needs, for error messages.
    pub fn expectation(self) -> String {
        match self {
            FileKind::Clicks => {
                "clicked_at and at least one of partner_id, url, channel".to_owned()
            }
            FileKind::Events => {
                "a user, time, source, conversion flag and conversion value column \
                 (map them with --columns user=...,time=...,source=...,conversion=...,value=...)"
                    .to_owned()
            }
            kind => kind.required_columns().join(", "),
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl FromStr for FileKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        FileKind::ALL
            .into_iter()
            .find(|kind| kind.key() == text.trim().to_ascii_lowercase())
            .ok_or_else(|| {
                format!(
                    "unknown kind '{text}': expected one of partners, clicks, conversions, \
                     leads, events"
                )
            })
    }
}

/// How a file's columns are read, as the user says: our column names mapped to the file's
/// (`--columns user=customer_id,...`), a preset (`--preset shopify-orders`, built in or saved
/// in the database) and, for a partner's own report, whose it is (`--partner`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap {
    /// Our column → the file's header name (normalised, see [`normalize_header`]).
    pub pairs: BTreeMap<String, String>,
    /// The preset to read the file with; detected from the header when `None`.
    pub preset: Option<String>,
    /// The partner a partner's own report (which names none) belongs to.
    pub partner: Option<String>,
}

impl ColumnMap {
    /// The same mapping, read with the preset `name`.
    pub fn with_preset(mut self, name: impl Into<String>) -> ColumnMap {
        self.preset = Some(name.into());
        self
    }

    /// The same mapping, for a report of `partner`.
    pub fn with_partner(mut self, partner: impl Into<String>) -> ColumnMap {
        self.partner = Some(partner.into());
        self
    }

    /// The pairs as `ours=theirs,...`, the form [`ColumnMap::parse`] reads.
    pub fn pairs_text(&self) -> String {
        self.pairs
            .iter()
            .map(|(ours, theirs)| format!("{ours}={theirs}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads `key=value,key=value`.
    pub fn parse(text: &str) -> Result<ColumnMap, String> {
        let mut map = BTreeMap::new();
        for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (ours, theirs) = pair.split_once('=').ok_or_else(|| {
                format!(
                    "column mapping '{pair}' should look like ours=theirs, e.g. time=event_time"
                )
            })?;
            map.insert(ours.trim().to_ascii_lowercase(), normalize_header(theirs));
        }
        Ok(ColumnMap {
            pairs: map,
            ..ColumnMap::default()
        })
    }
}

/// Header names are compared trimmed, lower-cased, without a byte-order mark or quotes.
pub fn normalize_header(name: &str) -> String {
    name.trim_start_matches('\u{feff}')
        .trim()
        .trim_matches('"')
        .trim()
        .to_ascii_lowercase()
}

/// One of the file's columns: its name in the header and its place (0-based), under which it
/// is read (`c0`, `c1`, …; see `store::sql::file_column`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileColumn {
    /// The header's name, for people.
    pub name: String,
    /// Its place in the header.
    pub position: usize,
}

/// Our column name → the file's column, for the columns the file has.
pub type ResolvedColumns = BTreeMap<&'static str, FileColumn>;

/// Maps a file's header onto `kind`'s columns; `Err(column)` names the first one missing.
pub fn resolve_columns(
    kind: FileKind,
    header: &[String],
    mapping: &ColumnMap,
) -> Result<ResolvedColumns, String> {
    let mut resolved = ResolvedColumns::new();
    let all = kind
        .required_columns()
        .iter()
        .chain(kind.optional_columns());
    for &column in all {
        let Some(position) = find_column(kind, column, header, mapping) else {
            continue;
        };
        // An event log's `user` may be its `user_id` column: not read twice.
        let taken = resolved.values().any(|c| c.position == position);
        if kind == FileKind::Events && taken && !kind.required_columns().contains(&column) {
            continue;
        }
        let name = header[position].clone();
        resolved.insert(column, FileColumn { name, position });
    }
    if let Some(missing) = kind
        .required_columns()
        .iter()
        .find(|c| !resolved.contains_key(**c))
    {
        return Err((*missing).to_owned());
    }
    if kind == FileKind::Clicks
        && !["partner_id", "url", "channel"]
            .iter()
            .any(|c| resolved.contains_key(c))
    {
        return Err("partner_id, url or channel".to_owned());
    }
    Ok(resolved)
}

/// The place in `header` of `kind`'s `column`: the user's mapping, else the column's usual
/// names in order.
fn find_column(
    kind: FileKind,
    column: &'static str,
    header: &[String],
    mapping: &ColumnMap,
) -> Option<usize> {
    if let Some(theirs) = mapping.pairs.get(column) {
        return header.iter().position(|h| normalize_header(h) == *theirs);
    }
    let candidates: Vec<&str> = match kind.common_names(column) {
        [] => vec![column],
        names => names.to_vec(),
    };
    candidates
        .into_iter()
        .find_map(|candidate| header.iter().position(|h| normalize_header(h) == candidate))
}

/// Guesses a file's kind from its header, or `None` when nothing fits.
pub fn detect_kind(header: &[String], mapping: &ColumnMap) -> Option<FileKind> {
    let has = |name: &str| header.iter().any(|h| normalize_header(h) == name);
    if has("conversion_id") && has("converted_at") {
        Some(FileKind::Conversions)
    } else if has("clicked_at") {
        Some(FileKind::Clicks)
    } else if has("reported_at") && has("reference") {
        Some(FileKind::Leads)
    } else if has("partner_id") && has("commission") {
        Some(FileKind::Partners)
    } else {
        resolve_columns(FileKind::Events, header, mapping)
            .ok()
            .map(|_| FileKind::Events)
    }
}
