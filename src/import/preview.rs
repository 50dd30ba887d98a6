//! The first rows of a file as an import would store them, each with its line and, when it
//! would be rejected, the column and reason: what the mapping dialog shows before anything is
//! stored. The file is staged, mapped and checked as an import does, then left unstored.

use std::path::Path;

use super::choose::{self, ReadPlan};
use super::dialect::FileFormat;
use super::kinds::FileKind;
use super::load::{self, Staged};
use super::read::{ReadSpec, checked_rows_sql, parsed_rows};
use super::rules::{FileColumns, rules_for};
use super::stage;
use super::{ImportError, ImportRequest, ImportSettings};
use crate::store::{QueryContext, Store, StoreError};

/// The first rows of a file, read as `request` says.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    /// The file's header.
    pub header: Vec<String>,
    /// What the rows would be.
    pub kind: FileKind,
    /// The preset reading the file, when one does.
    pub preset: Option<String>,
    /// Our columns shown, in order.
    pub columns: Vec<&'static str>,
    /// The rows, in file order.
    pub rows: Vec<PreviewRow>,
}

/// One row of a preview.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewRow {
    /// Its line in the file (the header is line 1; exact unless a quoted field holds line
    /// breaks before it).
    pub line: i64,
    /// Our columns' values as they would be stored (`None`: empty).
    pub values: Vec<Option<String>>,
    /// What the import would do with it.
    pub fate: RowFate,
}

/// What an import would do with a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowFate {
    /// Stored.
    Stored,
    /// Rejected: the file's column at fault and the reason.
    Rejected {
        /// The column, as the file names it.
        column: String,
        /// What was wrong and what was expected.
        reason: String,
    },
    /// Left out by the preset (no record of its own).
    LeftOut,
}

/// The first `limit` rows of the file as an import with `request` and `settings` would store
/// them; nothing is stored. A file that cannot be imported gets the import's error.
pub fn preview_file(
    store: &Store,
    request: &ImportRequest,
    settings: &ImportSettings,
    limit: usize,
) -> Result<Preview, ImportError> {
    let result = preview(store, request, settings, limit);
    stage::clean_up(store.conn());
    let _ = store
        .conn()
        .execute("DROP VIEW IF EXISTS pa_preview_all", []);
    result
}

/// The header of the file at `path` as an import reads it (a JSON or nested Parquet file's
/// fields by their paths); nothing is stored. What the mapping dialog offers to map.
pub fn file_header(store: &Store, path: &Path) -> Result<Vec<String>, ImportError> {
    let staged = load::stage_file(store, &ImportRequest::detect(path)).map(|s| s.header);
    stage::clean_up(store.conn());
    staged
}

fn preview(
    store: &Store,
    request: &ImportRequest,
    settings: &ImportSettings,
    limit: usize,
) -> Result<Preview, ImportError> {
    let staged = load::stage_file(store, request)?;
    let plan = choose::plan(
        store,
        request,
        &staged.header,
        staged.format,
        &settings.links,
    )?;
    let store_error = |error: StoreError| ImportError::Store {
        error: Box::new(error),
        file: request.path.clone(),
    };
    only_first_rows(store, limit).map_err(store_error)?;
    let sql = rows_sql(store, request, settings, &staged, &plan)?;
    let columns = shown_columns(plan.kind);
    let rows = read_rows(store, &sql, columns.len(), &plan, &staged).map_err(store_error)?;
    Ok(Preview {
        header: staged.header.clone(),
        kind: plan.kind,
        preset: plan.preset.map(|p| p.name),
        columns: columns.iter().map(|(name, _)| *name).collect(),
        rows,
    })
}

/// Narrows `pa_source` to its first `limit` rows (the file's order).
fn only_first_rows(store: &Store, limit: usize) -> Result<(), StoreError> {
    let conn = store.conn();
    conn.execute("ALTER VIEW pa_source RENAME TO pa_preview_all", [])
        .doing("previewing the file")?;
    conn.execute(
        &format!("CREATE TEMP VIEW pa_source AS SELECT * FROM pa_preview_all LIMIT {limit}"),
        [],
    )
    .map(|_| ())
    .doing("previewing the file")
}

/// The checked rows of the preview, each with its place, the columns shown, the reject's
/// column and reason, and whether the preset leaves it out.
fn rows_sql(
    store: &Store,
    request: &ImportRequest,
    settings: &ImportSettings,
    staged: &Staged,
    plan: &ReadPlan,
) -> Result<String, ImportError> {
    let file_columns = FileColumns {
        columns: &plan.columns,
        cleaning: staged.cleaning,
    };
    let mut rules = rules_for(plan.kind, &file_columns, &load::ref_names(settings, plan));
    let skips = plan.preset.as_ref().is_some_and(|p| p.skips());
    if skips {
        rules.parsed.push("pa_skip".to_owned());
    }
    let read = ReadSpec {
        path: &request.path,
        format: staged.format,
        time_zone: settings.time_zone,
        lines: &staged.lines,
        reader: &staged.link,
    };
    let parsed = parsed_rows(store, &rules, read)?;
    let shown: Vec<String> = shown_columns(plan.kind)
        .iter()
        .map(|(_, sql)| format!("CAST({sql} AS VARCHAR)"))
        .collect();
    let skip = if skips { "pa_skip" } else { "false" };
    Ok(format!(
        "SELECT {}, reject_column, reject_reason, {skip}
         FROM ({})",
        shown.join(", "),
        checked_rows_sql(&rules, &parsed.timed)
    ))
}

/// Our columns a preview shows for `kind`, each with its SQL over the checked rows.
fn shown_columns(kind: FileKind) -> &'static [(&'static str, &'static str)] {
    match kind {
        FileKind::Partners => &[
            ("partner_id", "raw_partner_id"),
            ("name", "raw_name"),
            ("commission", "raw_commission"),
            ("coupon_codes", "raw_coupon_codes"),
        ],
        FileKind::Clicks => &[
            ("clicked_at", "strftime(clicked_at, '%Y-%m-%d %H:%M:%S')"),
            ("partner_id", "partner_id"),
            ("channel", "raw_channel"),
            ("click_id", "raw_click_id"),
            ("url", "raw_url"),
            ("cookie_id", "raw_cookie_id"),
            ("user_id", "raw_user_id"),
            ("browser", "raw_browser"),
        ],
        FileKind::Conversions => &[
            ("conversion_id", "raw_conversion_id"),
            (
                "converted_at",
                "strftime(converted_at, '%Y-%m-%d %H:%M:%S')",
            ),
            ("revenue", "revenue"),
            ("currency", "upper(raw_currency)"),
            ("status", "status"),
            ("cookie_id", "raw_cookie_id"),
            ("user_id", "raw_user_id"),
            ("click_id", "raw_click_id"),
            ("coupon_code", "raw_coupon_code"),
            ("subscription_id", "raw_subscription_id"),
        ],
        FileKind::Leads => &[
            ("partner_id", "raw_partner_id"),
            ("reported_at", "strftime(reported_at, '%Y-%m-%d %H:%M:%S')"),
            ("reference", "raw_reference"),
            ("amount", "amount"),
        ],
        FileKind::Events => &[
            ("user", "raw_user"),
            ("time", "strftime(time, '%Y-%m-%d %H:%M:%S')"),
            ("source", "raw_source"),
            ("conversion", "is_conversion"),
            ("value", "value"),
            ("conversion_id", "raw_conversion_id"),
            ("currency", "upper(raw_currency)"),
            ("url", "raw_url"),
            ("click_id", "raw_click_id"),
            ("user_id", "raw_user_id"),
            ("browser", "raw_browser"),
        ],
    }
}

/// Runs the preview's query: each row with its line, values and fate.
fn read_rows(
    store: &Store,
    sql: &str,
    shown: usize,
    plan: &ReadPlan,
    staged: &Staged,
) -> Result<Vec<PreviewRow>, StoreError> {
    let doing = "previewing the file";
    let first_line = match staged.format {
        FileFormat::Csv => 2 + staged.section_lines,
        FileFormat::Parquet | FileFormat::JsonLines => 1,
    };
    let mut stmt = store.conn().prepare(sql).doing(doing)?;
    let mut rows = stmt.query([]).doing(doing)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().doing(doing)? {
        let mut values = Vec::with_capacity(shown);
        for i in 0..shown {
            values.push(row.get::<_, Option<String>>(i).doing(doing)?);
        }
        let column: Option<String> = row.get(shown).doing(doing)?;
        let reason: Option<String> = row.get(shown + 1).doing(doing)?;
        let left_out: bool = row.get(shown + 2).doing(doing)?;
        let fate = match (left_out, reason) {
            (true, _) => RowFate::LeftOut,
            (false, Some(reason)) => RowFate::Rejected {
                column: column
                    .map(|ours| {
                        plan.columns
                            .get(ours.as_str())
                            .map_or(ours.clone(), |c| c.name.clone())
                    })
                    .unwrap_or_default(),
                reason,
            },
            (false, None) => RowFate::Stored,
        };
        out.push(PreviewRow {
            line: first_line + out.len() as i64,
            values,
            fate,
        });
    }
    Ok(out)
}
