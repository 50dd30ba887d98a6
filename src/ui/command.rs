//! What a view asks the window to do. Views never act themselves: they return a [`Command`],
//! and the app applies it after the frame is drawn (as rerun and egui's demo app do), so
//! every change to the programme goes through one place.

use std::path::PathBuf;

use crate::domain::ProgrammeTimeZone;
use crate::domain::links::LinkRules;
use crate::import::{ColumnMap, FileKind, ImportRequest};
use crate::store::{PayoutExportRow, SignoffRecord};

/// One thing a view asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Import these files with the Data view's kind and column mapping.
    Import(Vec<PathBuf>),
    /// Open this programme (`None`: the sample) and import these files into it.
    ImportInto(Option<PathBuf>, Vec<PathBuf>),
    /// Ask for files to import (a file dialog).
    PickImportFiles,
    /// Ask for a database to open (a file dialog).
    PickDatabase,
    /// Open this database, or the sample programme with `None`.
    OpenDatabase(Option<PathBuf>),
    /// Undo one import: its rows out, what it replaced back.
    RemoveImport(i64),
    /// Stop the import under way.
    CancelImport,
    /// Open the evidence window on one conversion.
    Explain(String),
    /// Match the reported leads again with another date tolerance (days).
    MatchLeads(u32),
    /// Record a signed-off payout snapshot.
    SignOff(Box<SignoffRecord>),
    /// Write a payout export (Parquet by extension, else CSV).
    ExportPayouts(Vec<PayoutExportRow>, PathBuf),
    /// Write a text document (CSV, HTML, Markdown) to a file.
    WriteText(String, PathBuf),
    /// Save a scenario (name, JSON) in the database.
    SaveScenario(String, String),
    /// Delete a saved scenario.
    DeleteScenario(String),
    /// Show the first rows of a file as this import would store them (the mapping dialog).
    PreviewMapping(Box<ImportRequest>),
    /// Import one file as the mapping dialog says.
    ImportMapped(Box<ImportRequest>),
    /// Save a column mapping of a kind of file under a name.
    SavePreset(String, FileKind, ColumnMap),
    /// Read a referral parameter from now on, and the file of this import again with it.
    ReadRefParam(i64, String),
    /// Store the programme's referral parameters and time zone.
    SetImportSettings(LinkRules, ProgrammeTimeZone),
}
