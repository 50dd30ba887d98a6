//! `imports`: the import history, and undoing an import that should not have been made.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::db::open_existing;
use crate::domain::format::thousands;
use crate::store::ImportRecord;

/// Arguments of `imports`.
#[derive(Debug, clap::Args)]
pub struct ImportsArgs {
    /// The programme database.
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// What to do; `list` when omitted.
    #[command(subcommand)]
    pub action: Option<ImportsAction>,
}

/// What `imports` does.
#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum ImportsAction {
    /// Print the import history, newest first.
    List,
    /// Remove one import: exactly the rows it added, in one transaction; partners it
    /// replaced and statuses its late refunds changed are put back. The same file can be
    /// imported again afterwards.
    Remove {
        /// The import's number, as `imports list` shows it.
        #[arg(value_name = "N")]
        import_id: i64,
    },
}

/// Runs `imports`.
pub(super) fn imports_command(args: ImportsArgs) -> Result<ExitCode> {
    let store = open_existing(&args.db)?;
    match args.action.unwrap_or(ImportsAction::List) {
        ImportsAction::List => {
            let history = store
                .import_history()
                .context("reading the import history")?;
            print!("{}", history_table(&history));
        }
        ImportsAction::Remove { import_id } => {
            // The error says which import; the database goes last, as in every message.
            let removed = store
                .remove_import(import_id)
                .map_err(|error| anyhow::anyhow!("{error} ({})", args.db.display()))?;
            println!("{removed}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The history as an aligned table: number, file, kind, rows accepted and rejected, when.
fn history_table(history: &[ImportRecord]) -> String {
    if history.is_empty() {
        return "no imports yet\n".to_owned();
    }
    let file_width = history
        .iter()
        .map(|r| r.file_name.chars().count())
        .chain([4])
        .max()
        .unwrap_or(4);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>4}  {:<file_width$}  {:<11}  {:>10}  {:>10}  Imported (UTC)",
        "#", "File", "Kind", "Accepted", "Rejected"
    );
    for record in history {
        let _ = writeln!(
            out,
            "{:>4}  {:<file_width$}  {:<11}  {:>10}  {:>10}  {}",
            record.import_id,
            record.file_name,
            record.kind,
            thousands(record.rows_accepted),
            thousands(record.rows_rejected),
            record.imported_at
        );
    }
    out
}
