//! Per-kind parsing and validation, as SQL over the staged text.
//!
//! Each kind lists its parsed columns and its checks; a row's first failing check becomes its
//! reject reason (naming the column and what was expected). Parsing happens in `pa_parsed`,
//! time-zone resolution and the checks in `pa_checked`.

use super::kinds::{FileColumn, FileKind, ResolvedColumns};
use crate::store::sql::{file_column, string_literal};

/// Timestamps that carry their own offset (`Z`, `+02:00`, `-0500`, ` UTC`).
const OFFSET_PATTERN: &str = r"[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|z|UTC|[+-]\d{2}(:?\d{2})?)$";

const TIMESTAMP_EXAMPLE: &str = "2026-07-01T12:00:00Z";

/// One validation rule: when `failed_when` holds, the row is rejected for `column`.
pub struct Check {
    /// Our name of the column at fault.
    pub column: &'static str,
    /// SQL condition over `pa_checked`'s inputs.
    pub failed_when: String,
    /// SQL expression giving the reason text.
    pub reason: String,
}

/// How one kind is parsed and checked.
pub struct KindRules {
    /// `expr AS name` items for `pa_parsed` (besides `pa_line`).
    pub parsed: Vec<String>,
    /// The one timestamp column of the kind.
    pub time_column: &'static str,
    /// Checks in order of precedence.
    pub checks: Vec<Check>,
}

/// How the values read from a file are cleaned before they are parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextCleaning {
    /// Some value may start or end with a space (or a Unicode space): values are trimmed and
    /// blank ones become empty.
    Trim,
    /// No value starts or ends with a space or a non-ASCII character (the file was scanned),
    /// and DuckDB's CSV reader already reads empty fields as NULL: values are taken as read.
    AsRead,
}

/// A file's columns mapped onto ours, and how its values are cleaned.
pub struct FileColumns<'a> {
    /// Our column name → the file's.
    pub columns: &'a ResolvedColumns,
    /// Whether values need trimming.
    pub cleaning: TextCleaning,
}

impl FileColumns<'_> {
    fn get(&self, ours: &str) -> Option<&FileColumn> {
        self.columns.get(ours)
    }
}

/// The raw trimmed text of one of our columns, NULL when empty or absent. DuckDB's `trim`
/// removes Unicode space separators (the ASCII space, the no-break space of spreadsheets,
/// U+2000–U+200A, U+3000, …) and walks the text to do it; most values need none, so it runs
/// only on values that start or end with an ASCII space or hold any non-ASCII character
/// (`strlen`, bytes, differs from `length`, characters) — byte tests, and the others are
/// unchanged by `trim`. A file scanned free of such values skips the tests.
fn raw(columns: &FileColumns, ours: &str) -> String {
    match (columns.get(ours), columns.cleaning) {
        (Some(theirs), TextCleaning::AsRead) => file_column(theirs.position),
        (Some(theirs), TextCleaning::Trim) => {
            let column = file_column(theirs.position);
            format!(
                "CASE WHEN {column} LIKE ' %' OR {column} LIKE '% '
                           OR strlen({column}) <> length({column})
                      THEN nullif(trim({column}), '')
                      ELSE nullif({column}, '') END"
            )
        }
        (None, _) => "NULL::VARCHAR".to_owned(),
    }
}

fn raw_items(columns: &FileColumns, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .map(|n| format!("{} AS raw_{n}", raw(columns, n)))
        .collect()
}

/// A value quoted for a reason text, cut to a readable length.
fn shown(raw_column: &str) -> String {
    format!("'''' || left({raw_column}, 60) || ''''")
}

fn required_text(column: &'static str, what: &str) -> Check {
    Check {
        column,
        failed_when: format!("raw_{column} IS NULL"),
        reason: format!("'expected {what}, found an empty value'"),
    }
}

/// Strips a trailing offset (`Z`, ` UTC`, `+02:00`, `-0500`).
const OFFSET_SUFFIX: &str = r"\s*(Z|z|UTC|[+-]\d{2}(:?\d{2})?)$";

/// Seconds east of UTC of a timestamp's trailing offset (0 for `Z` and `UTC`).
fn offset_secs_sql(raw_name: &str) -> String {
    format!(
        r"CASE regexp_extract({raw_name}, '([+-])\d{{2}}(:?\d{{2}})?$', 1)
              WHEN '-' THEN -1 WHEN '+' THEN 1 ELSE 0 END
          * (coalesce(TRY_CAST(nullif(regexp_extract({raw_name}, '[+-](\d{{2}})(:?\d{{2}})?$', 1), '') AS INTEGER), 0) * 3600
             + coalesce(TRY_CAST(nullif(regexp_extract({raw_name}, '[+-]\d{{2}}:?(\d{{2}})$', 1), '') AS INTEGER), 0) * 60)"
    )
}

/// The raw text, the UTC time of a timestamp with an offset, and the local time of one
/// without. The offset is applied here, by hand: the bundled DuckDB has no ICU.
fn timestamp_items(columns: &FileColumns, column: &'static str) -> Vec<String> {
    let raw_name = format!("raw_{column}");
    // `Z` is by far the commonest offset, and DuckDB's own cast reads it as UTC: the fast
    // paths spare those rows the regular expressions, and the commonest form of them the
    // cast too (`pa_zulu_timestamp`, a byte scan, answers NULL for any other form).
    let zulu = format!("({raw_name} LIKE '%Z')");
    vec![
        format!("{} AS {raw_name}", raw(columns, column)),
        format!(
            "coalesce(pa_zulu_timestamp({raw_name}), CASE
                  WHEN {zulu} THEN TRY_CAST({raw_name} AS TIMESTAMP)
                  WHEN regexp_matches({raw_name}, '{OFFSET_PATTERN}')
                  THEN TRY_CAST(trim(regexp_replace({raw_name}, '{OFFSET_SUFFIX}', '')) AS TIMESTAMP)
                       - to_seconds({})
             END) AS {column}_utc_given",
            offset_secs_sql(&raw_name)
        ),
        format!(
            "CASE WHEN NOT {zulu} AND NOT regexp_matches({raw_name}, '{OFFSET_PATTERN}')
                  THEN TRY_CAST({raw_name} AS TIMESTAMP) END AS {column}_local"
        ),
    ]
}

fn timestamp_check(column: &'static str) -> Check {
    let raw_name = format!("raw_{column}");
    Check {
        column,
        // DuckDB reads year 0 as 1 BC: a date before 1900 in a partner programme is a
        // placeholder or a typing error, not a sale.
        failed_when: format!("{column} IS NULL OR {column} < TIMESTAMP '1900-01-01'"),
        reason: format!(
            "CASE WHEN {raw_name} IS NULL
                  THEN 'expected a timestamp like {TIMESTAMP_EXAMPLE}, found an empty value'
                  WHEN {column} IS NOT NULL
                  THEN 'expected a timestamp from 1900 on, like {TIMESTAMP_EXAMPLE}, found ' || {shown}
                  ELSE 'expected a timestamp like {TIMESTAMP_EXAMPLE}, found ' || {shown} END",
            shown = shown(&raw_name)
        ),
    }
}

fn number_check(column: &'static str, example: &str, required: bool) -> Check {
    let raw_name = format!("raw_{column}");
    let empty_fails = if required {
        format!("{raw_name} IS NULL OR ")
    } else {
        String::new()
    };
    Check {
        column,
        failed_when: format!(
            "{empty_fails}({raw_name} IS NOT NULL AND ({column} IS NULL OR NOT isfinite({column})))"
        ),
        reason: format!(
            "CASE WHEN {raw_name} IS NULL THEN 'expected a number like {example}, found an empty value'
                  ELSE 'expected a number like {example}, found ' || {} END",
            shown(&raw_name)
        ),
    }
}

/// The rules of `kind` for a file whose columns resolved to `columns`.
pub fn rules_for(kind: FileKind, columns: &FileColumns, ref_names: &str) -> KindRules {
    match kind {
        FileKind::Partners => partners(columns),
        FileKind::Clicks => clicks(columns, ref_names),
        FileKind::Conversions => conversions(columns),
        FileKind::Leads => leads(columns),
        FileKind::Events => events(columns),
    }
}

fn partners(columns: &FileColumns) -> KindRules {
    let mut parsed = raw_items(
        columns,
        &[
            "partner_id",
            "name",
            "commission",
            "coupon_codes",
            "payout_email",
            "iban",
        ],
    );
    parsed.push(r"upper(regexp_replace(raw_iban, '\s', '', 'g')) AS iban".to_owned());
    let percent = r"^([0-9]+(\.[0-9]+)?)\s*%$";
    let flat = r"^[$€£]?\s*([0-9]+(\.[0-9]+)?)$";
    parsed.push(format!(
        "CASE WHEN regexp_matches(raw_commission, '{percent}') THEN 'percent'
              WHEN regexp_matches(raw_commission, '{flat}') THEN 'flat' END AS commission_kind"
    ));
    parsed.push(format!(
        "TRY_CAST(coalesce(nullif(regexp_extract(raw_commission, '{percent}', 1), ''),
                           nullif(regexp_extract(raw_commission, '{flat}', 1), '')) AS DOUBLE)
             AS commission_value"
    ));
    let checks = vec![
        required_text("partner_id", "a partner id"),
        Check {
            column: "commission",
            failed_when: "commission_kind IS NULL".to_owned(),
            reason: format!(
                "CASE WHEN raw_commission IS NULL
                      THEN 'expected a percentage like 12% or a flat amount like 25.00, found an empty value'
                      ELSE 'expected a percentage like 12% or a flat amount like 25.00, found ' || {} END",
                shown("raw_commission")
            ),
        },
        Check {
            column: "payout_email",
            failed_when: r"raw_payout_email IS NOT NULL
                AND NOT regexp_matches(raw_payout_email, '^[^@\s]+@[^@\s]+\.[^@\s]+$')"
                .to_owned(),
            reason: format!(
                "'expected an e-mail address like payouts@partner.com, found ' || {}",
                shown("raw_payout_email")
            ),
        },
        Check {
            column: "iban",
            failed_when: "raw_iban IS NOT NULL
                AND NOT regexp_matches(iban, '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$')"
                .to_owned(),
            reason: format!(
                "'expected an IBAN like DE89 3704 0044 0532 0130 00, found ' || {}",
                shown("raw_iban")
            ),
        },
    ];
    KindRules {
        parsed,
        time_column: "",
        checks,
    }
}

/// The file's own campaign columns as one query string (`utm_source=…&utm_term=…`, values
/// percent-encoded), NULL when a row has none: one column to write where five, mostly
/// empty, had cost a tenth of a click import. Parameters inside the link are read on demand
/// by the store's `touch_campaigns` view, which spares every import a regex per parameter.
fn utm_item(columns: &FileColumns) -> String {
    let present: Vec<String> = crate::domain::links::UTM_PARAMS
        .iter()
        .filter(|name| columns.get(name).is_some())
        .map(|name| {
            let value = raw(columns, name);
            format!("CASE WHEN {value} IS NOT NULL THEN '{name}=' || url_encode({value}) END")
        })
        .collect();
    if present.is_empty() {
        return "NULL::VARCHAR AS utm".to_owned();
    }
    format!("nullif(concat_ws('&', {}), '') AS utm", present.join(", "))
}

fn clicks(columns: &FileColumns, ref_names: &str) -> KindRules {
    let mut parsed = raw_items(
        columns,
        &[
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
        ],
    );
    parsed.extend(timestamp_items(columns, "clicked_at"));
    parsed.push(format!(
        "coalesce(raw_partner_id, nullif(url_decode(pa_ref_value(raw_url, {})), ''))
             AS partner_id",
        string_literal(ref_names)
    ));
    parsed.push("TRY_CAST(raw_redirect_hops AS INTEGER) AS redirect_hops".to_owned());
    parsed.push("lower(raw_landing_status) AS landing_status".to_owned());
    parsed.push(utm_item(columns));
    let checks = vec![
        timestamp_check("clicked_at"),
        Check {
            column: "partner_id",
            failed_when: "partner_id IS NULL AND raw_channel IS NULL".to_owned(),
            reason: format!(
                "CASE WHEN raw_url IS NULL
                      THEN 'expected a partner_id, a url with a referral parameter, or a channel; all are empty'
                      WHEN regexp_matches(raw_url, '(?i)[?&](via|aff|affiliate|partner|ref_id|refid)=')
                      THEN 'expected a partner_id, a channel, or a url with a configured referral parameter; the url ' || {shown} || ' uses ' || regexp_extract(raw_url, '(?i)[?&](via|aff|affiliate|partner|ref_id|refid)=', 1) || '=, which is not one (add it with import --ref-params)'
                      ELSE 'expected a partner_id, a channel, or a url with a referral parameter; the url ' || {shown} || ' has none' END",
                shown = shown("raw_url")
            ),
        },
        Check {
            column: "redirect_hops",
            failed_when: "raw_redirect_hops IS NOT NULL AND (redirect_hops IS NULL OR redirect_hops < 0)"
                .to_owned(),
            reason: format!(
                "'expected a whole number of redirect hops like 1, found ' || {}",
                shown("raw_redirect_hops")
            ),
        },
    ];
    KindRules {
        parsed,
        time_column: "clicked_at",
        checks,
    }
}

/// Status words of common platforms, mapped onto ours.
const STATUS_SQL: &str = "CASE
    WHEN raw_status IS NULL THEN 'approved'
    WHEN lower(raw_status) IN ('approved', 'approve', 'complete', 'completed', 'confirmed', 'paid', 'sale')
        THEN 'approved'
    WHEN lower(raw_status) IN ('pending', 'open', 'hold', 'on hold', 'processing') THEN 'pending'
    WHEN lower(raw_status) IN ('refunded', 'refund', 'reversed', 'returned', 'chargeback') THEN 'refunded'
    WHEN lower(raw_status) IN ('cancelled', 'canceled', 'cancel', 'declined', 'rejected', 'void')
        THEN 'cancelled'
    END AS status";

fn conversions(columns: &FileColumns) -> KindRules {
    let mut parsed = raw_items(
        columns,
        &[
            "conversion_id",
            "revenue",
            "currency",
            "cookie_id",
            "user_id",
            "click_id",
            "coupon_code",
            "status",
            "category",
            "subscription_id",
        ],
    );
    parsed.extend(timestamp_items(columns, "converted_at"));
    parsed.push("TRY_CAST(raw_revenue AS DOUBLE) AS revenue".to_owned());
    parsed.push(STATUS_SQL.to_owned());
    let checks = vec![
        required_text("conversion_id", "a conversion id"),
        timestamp_check("converted_at"),
        number_check("revenue", "49.90", true),
        Check {
            column: "revenue",
            failed_when: "revenue < 0".to_owned(),
            reason: format!(
                "'expected a revenue of 0 or more (a refund is the sale again with status \
                 refunded), found ' || {}",
                shown("raw_revenue")
            ),
        },
        Check {
            column: "status",
            failed_when: "status IS NULL".to_owned(),
            reason: format!(
                "'expected approved, pending, refunded or cancelled, found ' || {}",
                shown("raw_status")
            ),
        },
    ];
    KindRules {
        parsed,
        time_column: "converted_at",
        checks,
    }
}

fn leads(columns: &FileColumns) -> KindRules {
    let mut parsed = raw_items(columns, &["partner_id", "reference", "amount"]);
    parsed.extend(timestamp_items(columns, "reported_at"));
    parsed.push("TRY_CAST(raw_amount AS DOUBLE) AS amount".to_owned());
    let checks = vec![
        required_text("partner_id", "a partner id"),
        timestamp_check("reported_at"),
        required_text("reference", "an order, conversion or customer reference"),
        number_check("amount", "49.90", false),
    ];
    KindRules {
        parsed,
        time_column: "reported_at",
        checks,
    }
}

/// An event log: every row with a source is a touch, every flagged row a conversion (a
/// flagged row without a source is a conversion only).
fn events(columns: &FileColumns) -> KindRules {
    let mut parsed = raw_items(
        columns,
        &[
            "user",
            "source",
            "conversion",
            "value",
            "url",
            "click_id",
            "user_id",
            "browser",
            "conversion_id",
            "currency",
        ],
    );
    parsed.extend(timestamp_items(columns, "time"));
    parsed.push(
        "CASE WHEN lower(raw_conversion) IN ('1', 'true', 'yes', 'y', 't') THEN true
              WHEN raw_conversion IS NULL OR lower(raw_conversion) IN ('0', 'false', 'no', 'n', 'f')
                  THEN false END AS is_conversion"
            .to_owned(),
    );
    parsed.push("TRY_CAST(raw_value AS DOUBLE) AS value".to_owned());
    let mut value_check = number_check("value", "49.90", true);
    value_check.failed_when = format!("is_conversion AND ({})", value_check.failed_when);
    let mut source_check = required_text("source", "a source or channel");
    source_check.failed_when = format!(
        "{} AND NOT coalesce(is_conversion, false)",
        source_check.failed_when
    );
    let checks = vec![
        required_text("user", "a user or customer id"),
        timestamp_check("time"),
        source_check,
        Check {
            column: "conversion",
            failed_when: "is_conversion IS NULL".to_owned(),
            reason: format!(
                "'expected a conversion flag 1/0, true/false or yes/no, found ' || {}",
                shown("raw_conversion")
            ),
        },
        value_check,
    ];
    KindRules {
        parsed,
        time_column: "time",
        checks,
    }
}
