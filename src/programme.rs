//! Jobs on a whole programme that the window and the command line share: importing a batch
//! of files with the programme's settings, and setting up the bundled sample programme.

use std::path::{Path, PathBuf};

use crate::domain::ProgrammeTimeZone;
use crate::domain::links::LinkRules;
use crate::import::{
    ColumnMap, ImportError, ImportOutcome, ImportRequest, ImportSettings, import_file,
};
use crate::sample::{SampleError, SampleSpec, write_sample};
use crate::store::{RemovalError, Store, StoreError};

/// Programme setting key: the time zone naive timestamps are read in.
pub const TIME_ZONE_KEY: &str = "time_zone";
/// Programme setting key: the referral parameters of tracking links.
pub const REF_PARAMS_KEY: &str = "ref_params";

/// Why a generated programme could not be written, imported or read.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// Writing the sample files failed.
    #[error(transparent)]
    Sample(#[from] SampleError),
    /// Importing them failed.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The sample programme's folder could not be created.
    #[error("cannot create the folder of the sample programme: {cause} ({})", folder.display())]
    Folder {
        /// The folder.
        folder: PathBuf,
        /// What the system said.
        cause: std::io::Error,
    },
}

/// The import settings stored with the programme (defaults when never set).
pub fn import_settings(store: &Store) -> Result<ImportSettings, StoreError> {
    let time_zone = store
        .programme_setting(TIME_ZONE_KEY)?
        .and_then(|tz| ProgrammeTimeZone::parse(&tz).ok())
        .unwrap_or_default();
    let links = store
        .programme_setting(REF_PARAMS_KEY)?
        .map(|p| LinkRules::parse(&p))
        .unwrap_or_default();
    Ok(ImportSettings { time_zone, links })
}

/// Imports files one by one (each in its own transaction): partners first, so that clicks and
/// events can recognise partner sources, then the rest in the order given.
pub fn import_batch(
    store: &Store,
    requests: &[ImportRequest],
    on_done: impl FnMut(usize, &Result<ImportOutcome, ImportError>),
) -> Result<Vec<Result<ImportOutcome, ImportError>>, StoreError> {
    import_batch_until(store, requests, || false, |_, _| {}, on_done)
}

/// Like [`import_batch`], but stops before the next file once `cancelled()` says so, and
/// announces each file (`on_start(position, request)`) before it starts.
pub fn import_batch_until(
    store: &Store,
    requests: &[ImportRequest],
    cancelled: impl Fn() -> bool,
    mut on_start: impl FnMut(usize, &ImportRequest),
    mut on_done: impl FnMut(usize, &Result<ImportOutcome, ImportError>),
) -> Result<Vec<Result<ImportOutcome, ImportError>>, StoreError> {
    let settings = import_settings(store)?;
    let mut order: Vec<usize> = (0..requests.len()).collect();
    order.sort_by_key(|&i| !looks_like_partners(&requests[i]));
    let mut results: Vec<Option<Result<ImportOutcome, ImportError>>> =
        requests.iter().map(|_| None).collect();
    for (done, i) in order.into_iter().enumerate() {
        if cancelled() {
            break;
        }
        on_start(done + 1, &requests[i]);
        let result = import_file(store, &requests[i], &settings);
        on_done(done + 1, &result);
        results[i] = Some(result);
    }
    Ok(results.into_iter().flatten().collect())
}

fn looks_like_partners(request: &ImportRequest) -> bool {
    request.kind == Some(crate::import::FileKind::Partners)
        || request
            .path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().to_ascii_lowercase().contains("partner"))
}

/// Why an import could not be read again with another referral parameter.
#[derive(Debug, thiserror::Error)]
pub enum RereadError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The earlier import could not be removed; nothing changed.
    #[error(transparent)]
    Removal(#[from] RemovalError),
    /// The file could not be imported again: the earlier import is removed, import the file
    /// again to put it back.
    #[error("the earlier import was removed but its file could not be read again: {0}")]
    Import(#[from] ImportError),
}

/// Reads `param` as a referral parameter of the programme from now on, and reads the file of
/// import `import_id` again with it (as the same kind, with the same preset): the import is
/// removed and its file imported anew, so the rows once rejected for naming `param` are
/// stored. The window's offer "Read `via=` as a referral parameter".
pub fn read_ref_param_again(
    store: &Store,
    import_id: i64,
    param: &str,
) -> Result<ImportOutcome, RereadError> {
    let history = store.import_history()?;
    let record = history
        .iter()
        .find(|r| r.import_id == import_id)
        .ok_or(RemovalError::UnknownImport { import_id })?;
    let mut links = import_settings(store)?.links;
    let param = param.trim().to_ascii_lowercase();
    if !links.ref_params.contains(&param) {
        links.ref_params.push(param);
    }
    store.set_programme_setting(REF_PARAMS_KEY, &links.ref_params.join(","))?;
    let request = ImportRequest {
        path: PathBuf::from(&record.file_path),
        kind: record.kind.parse().ok(),
        columns: ColumnMap {
            preset: record.preset.clone(),
            ..ColumnMap::default()
        },
    };
    store.remove_import(import_id)?;
    Ok(import_file(store, &request, &import_settings(store)?)?)
}

/// The files of a generated sample programme, in import order.
pub fn sample_files(dir: &Path) -> Vec<PathBuf> {
    ["partners.csv", "clicks.csv", "conversions.csv", "leads.csv"]
        .iter()
        .map(|name| dir.join(name))
        .filter(|path| path.exists())
        .collect()
}

/// Creates `database` holding the default sample programme, generated into `files_dir`.
/// The database's folder (the platform data folder) is created here: [`Store::open`]
/// creates none, so that a mistyped `--db` is an error instead of a new folder tree.
pub fn create_sample_database(database: &Path, files_dir: &Path) -> Result<(), SetupError> {
    if let Some(folder) = database.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(|cause| SetupError::Folder {
            folder: folder.to_path_buf(),
            cause,
        })?;
    }
    write_sample(files_dir, &SampleSpec::default())?;
    let store = Store::open(database)?;
    let settings = import_settings(&store)?;
    for file in sample_files(files_dir) {
        import_file(&store, &ImportRequest::detect(file), &settings)?;
    }
    Ok(())
}
