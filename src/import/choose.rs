//! How a staged file is read: in our own columns (by their names, the user's mapping or a
//! mapping saved under a name), or through a built-in preset for another platform's export,
//! named by the user or recognised from the header.

use std::path::Path;

use duckdb::Connection;

use super::dialect::FileFormat;
use super::kinds::{self, ColumnMap, FileKind, ResolvedColumns};
use super::presets::{self, HeaderKeys, Preset};
use super::{ImportError, ImportRequest, MissingColumn};
use crate::domain::links::LinkRules;
use crate::store::{QueryContext, Store, StoreError};

/// How the file's rows are read.
pub(super) struct ReadPlan {
    /// What the rows are.
    pub kind: FileKind,
    /// Our columns → the columns of `pa_source`, each named as the file names it.
    pub columns: ResolvedColumns,
    /// The preset, when one reads the file.
    pub preset: Option<PresetUse>,
}

/// The preset reading a file.
pub(super) struct PresetUse {
    /// Its name, recorded with the import.
    pub name: String,
    /// The built-in preset; `None` for a mapping saved in the database.
    pub builtin: Option<&'static Preset>,
}

impl PresetUse {
    /// Whether the rows carry `pa_skip` (rows the preset leaves out).
    pub fn skips(&self) -> bool {
        self.builtin.is_some_and(|p| p.skip.is_some())
    }

    /// Whether the rows carry `pa_tally` (the value stored rows are counted by).
    pub fn tallies(&self) -> bool {
        self.builtin.is_some_and(|p| p.tally.is_some())
    }

    /// The referral parameters the preset adds to the programme's.
    pub fn ref_params(&self) -> &'static [&'static str] {
        self.builtin.map_or(&[], |p| p.ref_params)
    }
}

/// The referral parameters links are read with: the programme's (`links`), then the
/// preset's for its platform's links (`ref,via`).
pub(super) fn ref_names(links: &LinkRules, preset_params: &[&str]) -> String {
    let mut links = links.clone();
    for name in preset_params {
        if !links.ref_params.iter().any(|known| known == name) {
            links.ref_params.push((*name).to_owned());
        }
    }
    links.names_list()
}

/// Decides how the staged file (`pa_source`, with `header`) is read; a built-in preset
/// replaces `pa_source` by its columns made into ours (reading links with the programme's
/// referral parameters, `links`).
pub(super) fn plan(
    store: &Store,
    request: &ImportRequest,
    header: &[String],
    format: FileFormat,
    links: &LinkRules,
) -> Result<ReadPlan, ImportError> {
    let file = &request.path;
    let mapping = &request.columns;
    let read_with = |preset: &'static Preset| apply(store.conn(), preset, header, request, links);
    if let Some(name) = &mapping.preset {
        return named_preset(store, request, name, header, format, links);
    }
    let own_kind = request.kind.or_else(|| kinds::detect_kind(header, mapping));
    if let Some(kind) = own_kind {
        return match kinds::resolve_columns(kind, header, mapping) {
            Ok(columns) => Ok(ReadPlan {
                kind,
                columns,
                preset: None,
            }),
            Err(column) => match recognised(mapping, header, Some(kind)) {
                Some(preset) => read_with(preset),
                None => Err(missing_column(file, kind, column, header, format)),
            },
        };
    }
    match recognised(mapping, header, None) {
        Some(preset) => read_with(preset),
        None => Err(ImportError::UnknownKind {
            found: listed_header(header),
            file: file.clone(),
        }),
    }
}

/// The built-in preset recognising `header`, unless the user mapped columns by hand.
fn recognised(
    mapping: &ColumnMap,
    header: &[String],
    kind: Option<FileKind>,
) -> Option<&'static Preset> {
    if !mapping.pairs.is_empty() {
        return None;
    }
    presets::recognise(header, kind)
}

/// Reads the file with the preset the user named: built in (a preset or a family of them),
/// else saved in the database.
fn named_preset(
    store: &Store,
    request: &ImportRequest,
    name: &str,
    header: &[String],
    format: FileFormat,
    links: &LinkRules,
) -> Result<ReadPlan, ImportError> {
    let problem = |problem: String| ImportError::Preset {
        problem,
        file: request.path.clone(),
    };
    let builtins = presets::named(name);
    if let Some(first) = builtins.first() {
        let fitting = presets::best_fit(
            builtins
                .iter()
                .copied()
                .filter(|p| request.kind.is_none_or(|k| p.kind == k)),
            header,
        );
        let preset = fitting.ok_or_else(|| problem(misfit(first, header, request)))?;
        return apply(store.conn(), preset, header, request, links);
    }
    let saved = store
        .saved_preset(name)
        .map_err(|error| ImportError::Store {
            error: Box::new(error),
            file: request.path.clone(),
        })?;
    let Some(saved) = saved else {
        return Err(problem(unknown_preset(store, name)));
    };
    let kind: FileKind = saved.kind.parse().map_err(problem)?;
    let mapping = ColumnMap {
        pairs: saved.columns,
        ..ColumnMap::default()
    };
    let columns = kinds::resolve_columns(kind, header, &mapping)
        .map_err(|column| missing_column(&request.path, kind, column, header, format))?;
    Ok(ReadPlan {
        kind,
        columns,
        preset: Some(PresetUse {
            name: saved.name,
            builtin: None,
        }),
    })
}

/// Why `preset` does not read a file with `header`.
fn misfit(preset: &Preset, header: &[String], request: &ImportRequest) -> String {
    if let Some(kind) = request.kind.filter(|k| *k != preset.kind) {
        return format!(
            "the preset {} reads {} files, not {kind}",
            preset.name, preset.kind
        );
    }
    let keys = HeaderKeys::of(header);
    let missing: Vec<String> = preset
        .recognise
        .iter()
        .filter(|group| keys.position(group).is_none())
        .map(|group| format!("`{}`", group.join("` or `")))
        .collect();
    if !missing.is_empty() {
        return format!(
            "the file is not {} (preset {}): expected the columns {}; it lacks {}; the \
             header has {}",
            preset.title,
            preset.name,
            presets::needs(preset),
            missing.join(", "),
            listed_header(header)
        );
    }
    let ruled_out: Vec<&str> = preset
        .absent
        .iter()
        .copied()
        .filter(|name| keys.has(name))
        .collect();
    format!(
        "the file is not {} (preset {}): its columns {} belong to another layout; \
         try --list-presets",
        preset.title,
        preset.name,
        ruled_out.join(", ")
    )
}

/// The message for a preset name that is neither built in nor saved.
fn unknown_preset(store: &Store, name: &str) -> String {
    let saved = store.saved_presets().unwrap_or_default();
    let mut known: Vec<String> = presets::all().map(|p| p.name.to_owned()).collect();
    known.extend(saved.into_iter().map(|p| p.name));
    format!(
        "unknown preset '{name}': expected one of {} (import --list-presets describes them)",
        known.join(", ")
    )
}

/// Replaces `pa_source` by the file's columns made into ours by `preset`, and maps our
/// columns onto them.
fn apply(
    conn: &Connection,
    preset: &'static Preset,
    header: &[String],
    request: &ImportRequest,
    links: &LinkRules,
) -> Result<ReadPlan, ImportError> {
    let partner = request.columns.partner.as_deref();
    let keys = HeaderKeys::of(header);
    if let Some(field) = preset.missing_field(&keys, partner.is_some()) {
        return Err(ImportError::Preset {
            problem: missing_field_problem(preset, field, header),
            file: request.path.clone(),
        });
    }
    let ref_names = ref_names(links, preset.ref_params);
    let made = presets::sql::preset_columns(preset, header, partner, &ref_names);
    replace_source(conn, &made).map_err(|error| ImportError::Store {
        error: Box::new(error),
        file: request.path.clone(),
    })?;
    // The preset's columns carry our names exactly: each is read by its own name (an event
    // log's `user` is not its `user_id`).
    let own_names = ColumnMap {
        pairs: made.header.iter().map(|h| (h.clone(), h.clone())).collect(),
        ..ColumnMap::default()
    };
    let mut columns =
        kinds::resolve_columns(preset.kind, &made.header, &own_names).map_err(|column| {
            ImportError::Preset {
                problem: format!(
                    "the preset {} makes no `{column}` from this file; the header has {}",
                    preset.name,
                    listed_header(header)
                ),
                file: request.path.clone(),
            }
        })?;
    for column in columns.values_mut() {
        column.name = made.shown[column.position].clone();
    }
    Ok(ReadPlan {
        kind: preset.kind,
        columns,
        preset: Some(PresetUse {
            name: preset.name.to_owned(),
            builtin: Some(preset),
        }),
    })
}

/// Why a preset cannot make a column the kind needs.
fn missing_field_problem(preset: &Preset, field: &presets::Field, header: &[String]) -> String {
    let takes_given_partner = field.value.available(&HeaderKeys::of(&[]), true);
    if field.ours == "partner_id" && takes_given_partner {
        let mut names = Vec::new();
        field.value.column_names(&mut names);
        let lacking = if names.is_empty() {
            String::new()
        } else {
            format!(" (no {} column)", names.join(" or "))
        };
        return format!(
            "this is a partner's own report ({}, preset {}): it names no partner{lacking}; \
             say whose it is with --partner ID",
            preset.title, preset.name
        );
    }
    format!(
        "{} (preset {}) makes `{}` from {}; the header has none of them: {}",
        preset.title,
        preset.name,
        field.ours,
        presets::describe(&field.value),
        listed_header(header)
    )
}

/// Moves the file's view aside (`pa_file_rows`) and exposes the preset's columns as
/// `pa_source`, with `pa_skip` and `pa_tally` when the preset has them.
fn replace_source(conn: &Connection, made: &presets::sql::PresetColumns) -> Result<(), StoreError> {
    let mut select = made.select.clone();
    if let Some(skip) = &made.skip {
        select.push(format!("{skip} AS pa_skip"));
    }
    if let Some(tally) = &made.tally {
        select.push(format!("{tally} AS pa_tally"));
    }
    conn.execute("ALTER VIEW pa_source RENAME TO pa_file_rows", [])
        .doing("reading the export with its preset")?;
    conn.execute(
        &format!(
            "CREATE OR REPLACE TEMP VIEW pa_source AS SELECT {} FROM pa_file_rows",
            select.join(",\n")
        ),
        [],
    )
    .map(|_| ())
    .doing("reading the export with its preset")
}

/// The error for a required column the header lacks.
pub(super) fn missing_column(
    file: &Path,
    kind: FileKind,
    column: String,
    header: &[String],
    format: FileFormat,
) -> ImportError {
    let unsplit = header.len() == 1 && header[0].contains([';', '|', '\t', ',', ' ']);
    let hint = if unsplit && format == FileFormat::Csv {
        " (the whole header was read as one column: is the delimiter consistent?)"
    } else {
        ""
    };
    ImportError::MissingColumn(Box::new(MissingColumn {
        kind,
        column,
        expected: kind.expectation(),
        found: listed_header(header),
        hint: hint.to_owned(),
        file: file.to_path_buf(),
    }))
}

/// A header for a message: its first names, each cut to a readable length with control
/// characters shown as `�`, and how many more there are.
pub(super) fn listed_header(header: &[String]) -> String {
    const SHOWN_NAMES: usize = 12;
    const NAME_CHARS: usize = 40;
    if header.is_empty() {
        return "no columns".to_owned();
    }
    let shown: Vec<String> = header
        .iter()
        .take(SHOWN_NAMES)
        .map(|name| {
            let mut cut: String = name
                .chars()
                .take(NAME_CHARS)
                .map(|c| if c.is_control() { '\u{fffd}' } else { c })
                .collect();
            if name.chars().count() > NAME_CHARS {
                cut.push('…');
            }
            cut
        })
        .collect();
    let more = header.len().saturating_sub(SHOWN_NAMES);
    match more {
        0 => shown.join(", "),
        more => format!(
            "{} and {} more",
            shown.join(", "),
            crate::domain::format::thousands(more as i64)
        ),
    }
}
