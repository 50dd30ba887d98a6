//! `import`: exports into a programme database, each file in its own transaction.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::db::open;
use super::out::exit_code;
use crate::domain::ProgrammeTimeZone;
use crate::domain::format::thousands;
use crate::domain::links::LinkRules;
use crate::import::{ColumnMap, FileKind, ImportOutcome, ImportRequest, presets};
use crate::programme::{REF_PARAMS_KEY, TIME_ZONE_KEY, import_batch};
use crate::store::Store;

/// Arguments of `import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The programme database (created when missing, in a folder that exists).
    #[arg(long, value_name = "FILE", required_unless_present = "list_presets")]
    pub db: Option<PathBuf>,
    /// What the files hold; detected from the header when omitted.
    #[arg(long, value_parser = parse_kind)]
    pub kind: Option<FileKind>,
    /// Map our column names to the file's: `user=customer_id,time=time,...`.
    #[arg(long, value_name = "K=V,...", value_parser = ColumnMap::parse)]
    pub columns: Option<ColumnMap>,
    /// Read the files as another platform's export (`shopify-orders`, ...; see
    /// --list-presets) or with a mapping saved under this name; detected from the header when
    /// omitted.
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,
    /// The partner whose own report the files are (partner-side exports name none).
    #[arg(long, value_name = "ID")]
    pub partner: Option<String>,
    /// Save --kind and --columns in the database under this name, for `--preset NAME`.
    #[arg(long, value_name = "NAME", requires_all = ["kind", "columns"])]
    pub save_preset: Option<String>,
    /// Print the presets (built in, and saved in --db when given) with the columns each
    /// needs, and import nothing.
    #[arg(long)]
    pub list_presets: bool,
    /// Programme time zone for timestamps without an offset (stored with the programme):
    /// UTC, an IANA name like Europe/Berlin, or +02:00.
    #[arg(long, value_name = "ZONE", value_parser = ProgrammeTimeZone::parse)]
    pub time_zone: Option<ProgrammeTimeZone>,
    /// Referral parameters of tracking links, e.g. `ref,via` (stored with the programme).
    #[arg(long, value_name = "NAMES")]
    pub ref_params: Option<String>,
    /// The files to import, each in its own transaction.
    #[arg(required_unless_present_any = ["list_presets", "save_preset"], value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Parses `--kind`: clicks, conversions, partners, ...
fn parse_kind(text: &str) -> Result<FileKind, String> {
    text.parse()
}

/// Runs `import`: stores the programme settings given, imports every file, prints each
/// outcome and the database's counts; fails when any file failed.
pub(super) fn import_command(args: ImportArgs) -> Result<ExitCode> {
    if args.list_presets {
        return list_presets(args.db.as_deref());
    }
    let db = args.db.clone().context("--db is needed to import")?;
    let store = open(&db)?;
    store_programme_settings(&store, &args)?;
    if let Some(name) = &args.save_preset {
        save_preset(&store, name, &args)?;
        if args.files.is_empty() {
            return Ok(ExitCode::SUCCESS);
        }
    }
    let mut columns = args.columns.clone().unwrap_or_default();
    columns.preset = args.preset.clone();
    columns.partner = args.partner.clone();
    let requests: Vec<ImportRequest> = args
        .files
        .iter()
        .map(|path| ImportRequest {
            path: path.clone(),
            kind: args.kind,
            columns: columns.clone(),
        })
        .collect();
    let results = import_batch(&store, &requests, |_, _| {})?;
    let mut failed = false;
    for result in &results {
        match result {
            Ok(outcome) => print_outcome(&store, outcome)?,
            Err(error) => {
                failed = true;
                eprintln!("error: {error}");
            }
        }
    }
    print_counts(&store, &db)?;
    Ok(exit_code(failed))
}

/// Prints the built-in presets, then those saved in `db` (when it exists).
fn list_presets(db: Option<&Path>) -> Result<ExitCode> {
    println!(
        "Presets for other platforms' exports (recognised from the header; force one with --preset NAME):\n"
    );
    print!("{}", presets::listing());
    if let Some(db) = db.filter(|db| db.exists()) {
        let saved = open(db)?.saved_presets()?;
        if !saved.is_empty() {
            println!("\nSaved in {}:\n", db.display());
        }
        for preset in saved {
            let pairs: Vec<String> = preset
                .columns
                .iter()
                .map(|(ours, theirs)| format!("{ours} ← {theirs}"))
                .collect();
            println!(
                "{:<30} {:<12} {}",
                preset.name,
                preset.kind,
                pairs.join(", ")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Saves `--kind` and `--columns` under `name`: a built-in preset's name is refused.
fn save_preset(store: &Store, name: &str, args: &ImportArgs) -> Result<()> {
    if presets::by_name(name).is_some() || !presets::named(name).is_empty() {
        anyhow::bail!("cannot save a preset as '{name}': a built-in preset has that name");
    }
    let (Some(kind), Some(columns)) = (args.kind, &args.columns) else {
        anyhow::bail!("--save-preset needs --kind and --columns");
    };
    store.save_preset(name.trim(), kind.key(), &columns.pairs)?;
    println!(
        "saved preset '{}': {} files, {}",
        name.trim(),
        kind,
        columns.pairs_text()
    );
    Ok(())
}

/// Stores `--time-zone` and `--ref-params` with the programme, when given.
fn store_programme_settings(store: &Store, args: &ImportArgs) -> Result<()> {
    if let Some(zone) = args.time_zone {
        store.set_programme_setting(TIME_ZONE_KEY, &zone.name())?;
    }
    if let Some(params) = &args.ref_params {
        let rules = LinkRules::parse(params);
        store.set_programme_setting(REF_PARAMS_KEY, &rules.ref_params.join(","))?;
    }
    Ok(())
}

/// One file's outcome, with its first rejected rows.
fn print_outcome(store: &Store, outcome: &ImportOutcome) -> Result<()> {
    println!("{}", outcome.summary());
    if let ImportOutcome::Imported(record) = outcome
        && record.rows_rejected > 0
    {
        let shown = store.rejects_of_import(record.import_id, 10)?;
        for reject in &shown {
            println!(
                "  line {}, column {}: {}",
                reject.line.map_or("?".to_owned(), |l| l.to_string()),
                reject.column.as_deref().unwrap_or("-"),
                reject.reason
            );
        }
        if record.rows_rejected as usize > shown.len() {
            println!(
                "  ... and {} more rejected rows (see the Data view)",
                record.rows_rejected as usize - shown.len()
            );
        }
    }
    Ok(())
}

/// The database's rows after the import, per table.
fn print_counts(store: &Store, db: &std::path::Path) -> Result<()> {
    let counts = store.counts()?;
    println!(
        "database {}: {} partners, {} touches, {} conversions, {} leads, {} rejected rows",
        db.display(),
        thousands(counts.partners as i64),
        thousands(counts.touches as i64),
        thousands(counts.conversions as i64),
        thousands(counts.leads as i64),
        thousands(counts.rejects as i64),
    );
    Ok(())
}
