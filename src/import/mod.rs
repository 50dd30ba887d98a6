//! Files → validated DuckDB tables.
//!
//! DuckDB's own `read_csv`/`read_parquet` parse the file into text columns; we map the header
//! onto the kind's columns, parse and check every row in SQL, and store accepted rows,
//! rejected rows (with line, column and reason) and the import record in one transaction.
//! Click files, the big ones, write their rows once and finish in a second transaction
//! (`clicks`); their rows count only once the import is recorded. A file that cannot be
//! imported at all changes nothing.

mod choose;
mod clicks;
mod dialect;
mod kinds;
mod lines;
mod load;
mod nested;
pub mod presets;
mod preview;
mod read;
mod rejects;
mod rules;
mod stage;
mod suggest;

use std::io::Read;
use std::path::{Path, PathBuf};

pub use kinds::{ColumnMap, FileKind, normalize_header};
pub use preview::{Preview, PreviewRow, RowFate, file_header, preview_file};
pub use suggest::{suggest_kind, suggest_mapping};

use crate::domain::ProgrammeTimeZone;
use crate::domain::links::LinkRules;
use crate::store::{ImportRecord, Store, StoreError};

/// Why a file could not be imported. Every message names what was expected; the file last.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be opened or parsed at all.
    #[error("cannot read the file: {detail} ({})", file.display())]
    Unreadable {
        /// What went wrong.
        detail: String,
        /// The file.
        file: PathBuf,
    },
    /// The file has no bytes.
    #[error(
        "the file is empty: expected a CSV header row (or a Parquet file) and data rows ({})",
        file.display()
    )]
    Empty {
        /// The file.
        file: PathBuf,
    },
    /// Binary content that is neither Parquet nor gzip.
    #[error(
        "not a CSV or Parquet file: it holds binary data; expected text with a header row, \
         a .csv.gz, or Parquet ({})",
        file.display()
    )]
    NotTabular {
        /// The file.
        file: PathBuf,
    },
    /// UTF-16 text (a spreadsheet's "Unicode text" export).
    #[error(
        "the file is UTF-16 text: expected UTF-8 (save it as \"CSV UTF-8\") ({})",
        file.display()
    )]
    Utf16 {
        /// The file.
        file: PathBuf,
    },
    /// A line of the first rows is longer than DuckDB's reader takes, so the file's dialect
    /// cannot be read.
    #[error(
        "line {line} is {} bytes long: expected lines of at most {} bytes; is this a CSV \
         export? ({})",
        crate::domain::format::thousands(*bytes as i64),
        crate::domain::format::thousands(*limit as i64),
        file.display()
    )]
    LineTooLong {
        /// The line (the header is line 1).
        line: i64,
        /// Its length.
        bytes: u64,
        /// The longest line read.
        limit: u64,
        /// The file.
        file: PathBuf,
    },
    /// The header lacks a column the kind needs.
    #[error("{0}")]
    MissingColumn(Box<MissingColumn>),
    /// No kind fits the header and none was given.
    #[error(
        "cannot tell what kind of export this is from its columns ({found}): expected \
         partners (partner_id, name, commission), clicks (clicked_at, ...), conversions \
         (conversion_id, converted_at, revenue), leads (partner_id, reported_at, reference), \
         an event log, or another platform's export that a preset reads (import \
         --list-presets); pass --kind or --preset to say which ({})",
        file.display()
    )]
    UnknownKind {
        /// The columns the header has.
        found: String,
        /// The file.
        file: PathBuf,
    },
    /// A preset was named that does not exist or does not fit the file, or a partner's own
    /// report names no partner.
    #[error("{problem} ({})", file.display())]
    Preset {
        /// What is wrong, naming the preset and the columns.
        problem: String,
        /// The file.
        file: PathBuf,
    },
    /// Not one row splits into the header's columns: a delimiter or quoting mismatch.
    #[error(
        "no row has the header's {columns} fields (the header was split on {delimiter}): \
         expected every row to use the same delimiter as the header ({})",
        file.display()
    )]
    RowsDoNotMatchHeader {
        /// Columns in the header.
        columns: usize,
        /// The delimiter DuckDB detected, quoted for people.
        delimiter: String,
        /// The file.
        file: PathBuf,
    },
    /// The user cancelled the import before its first query; nothing was stored.
    #[error("import cancelled; nothing from this file was stored ({})", file.display())]
    Cancelled {
        /// The file.
        file: PathBuf,
    },
    /// A database failure while importing; nothing was stored.
    #[error("{error} ({})", file.display())]
    Store {
        /// The failure.
        error: Box<StoreError>,
        /// The file.
        file: PathBuf,
    },
}

/// The details of a missing required column (boxed: errors stay small to pass around).
#[derive(Debug, thiserror::Error)]
#[error(
    "missing required column `{column}` for a {kind} file: expected {expected}; \
     the header has {found}{hint} ({})",
    file.display()
)]
pub struct MissingColumn {
    /// What the file was read as.
    pub kind: FileKind,
    /// The column missing.
    pub column: String,
    /// All that the kind needs.
    pub expected: String,
    /// The columns the header has.
    pub found: String,
    /// A hint about the delimiter, when the header looks unsplit.
    pub hint: String,
    /// The file.
    pub file: PathBuf,
}

/// What the user asked to import.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRequest {
    /// The file.
    pub path: PathBuf,
    /// Its kind, or `None` to detect it from the header.
    pub kind: Option<FileKind>,
    /// The user's column mapping.
    pub columns: ColumnMap,
}

impl ImportRequest {
    /// A request that detects the kind and maps columns by their usual names.
    pub fn detect(path: impl Into<PathBuf>) -> ImportRequest {
        ImportRequest {
            path: path.into(),
            kind: None,
            columns: ColumnMap::default(),
        }
    }
}

/// What one import did.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportOutcome {
    /// The file was stored.
    Imported(ImportRecord),
    /// The same bytes were imported before as the same kind; nothing changed.
    AlreadyImported(ImportRecord),
}

impl ImportOutcome {
    /// The record of the import (the earlier one when already imported).
    pub fn record(&self) -> &ImportRecord {
        match self {
            ImportOutcome::Imported(r) | ImportOutcome::AlreadyImported(r) => r,
        }
    }

    /// One line for a person: what was stored or why nothing was.
    pub fn summary(&self) -> String {
        match self {
            ImportOutcome::Imported(r) => {
                let read_as = r
                    .preset
                    .as_deref()
                    .map(|name| format!("{}; ", presets::read_as(name)))
                    .unwrap_or_default();
                let mut line = format!(
                    "{}: {read_as}imported {} {} rows, rejected {}",
                    r.file_name,
                    crate::domain::format::thousands(r.rows_accepted),
                    r.kind,
                    crate::domain::format::thousands(r.rows_rejected)
                );
                if r.rows_skipped > 0 {
                    let why = r.preset.as_deref().map_or("", presets::skipped_rows);
                    line.push_str(&format!(
                        ", left out {}: {why}",
                        crate::domain::format::thousands(r.rows_skipped)
                    ));
                }
                if let Some(note) = &r.note {
                    line.push_str(&format!("; {note}"));
                }
                line
            }
            ImportOutcome::AlreadyImported(r) => format!(
                "{}: already imported on {} as import #{} (same sha256); nothing changed",
                r.file_name, r.imported_at, r.import_id
            ),
        }
    }
}

/// Settings of the programme that shape how files are read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportSettings {
    /// The zone naive timestamps are read in.
    pub time_zone: ProgrammeTimeZone,
    /// Which link parameters name the partner.
    pub links: LinkRules,
}

/// Imports one file: all of it, or nothing (a cancel or a failure leaves the database as it
/// was).
pub fn import_file(
    store: &Store,
    request: &ImportRequest,
    settings: &ImportSettings,
) -> Result<ImportOutcome, ImportError> {
    store.clear_cancel_request();
    store
        .discard_unfinished_imports()
        .map_err(|error| ImportError::Store {
            error: Box::new(error),
            file: request.path.clone(),
        })?;
    let result = load::run(store, request, settings);
    // A cancel can interrupt a transaction's rollback as well as its work.
    for _ in 0..3 {
        if store.roll_back_open_transaction() {
            break;
        }
    }
    stage::clean_up(store.conn());
    if result.is_err() {
        // Only a failed or cancelled import can leave an aborted transaction or unrecorded
        // rows; a recorded one needs no second scan of the touches.
        store.settle_after_import();
    }
    result
}

/// Name, size and checksum of a file, read before anything is stored.
pub(crate) struct FileFacts {
    pub name: String,
    pub size_bytes: i64,
    pub sha256: String,
}

impl FileFacts {
    fn read(path: &Path) -> Result<FileFacts, ImportError> {
        use sha2::{Digest, Sha256};
        let unreadable = |e: std::io::Error| ImportError::Unreadable {
            detail: e.to_string(),
            file: path.to_path_buf(),
        };
        let mut file = std::fs::File::open(path).map_err(unreadable)?;
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; 1 << 20];
        let mut size = 0i64;
        loop {
            let n = file.read(&mut buffer).map_err(unreadable)?;
            if n == 0 {
                break;
            }
            size += n as i64;
            hasher.update(&buffer[..n]);
        }
        let digest = hasher.finalize();
        Ok(FileFacts {
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            size_bytes: size,
            sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
        })
    }
}
