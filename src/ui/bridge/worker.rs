//! The worker bridge: one named thread owns the DuckDB connection; the window sends it jobs
//! and drains its replies each frame, never waiting on it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use eframe::egui;

use super::open_paths::{OpenPathsLoad, SendRequest};
use crate::audit::DEFAULT_TOLERANCE_DAYS;
use crate::domain::ProgrammeTimeZone;
use crate::domain::links::LinkRules;
use crate::import::{
    ColumnMap, FileKind, ImportError, ImportRequest, Preview, file_header, preview_file,
};
use crate::journeys::JourneyIndex;
use crate::programme::{
    REF_PARAMS_KEY, TIME_ZONE_KEY, create_sample_database, import_batch_until, import_settings,
    read_ref_param_again,
};
use crate::report::ProgrammeFacts;
use crate::store::{
    ConversionDetail, ImportPhase, ImportRecord, LeadMatch, PayoutExportRow, QueryProbe,
    RedirectRow, RejectRecord, SavedPreset, SavedScenario, SignoffRecord, Store, TableCounts,
    TouchDetail, WarehouseRun,
};

/// How many rejected rows the Data view lists.
const REJECTS_SHOWN: usize = 1_000;

/// How many rows the mapping dialog previews.
pub const PREVIEW_ROWS: usize = 20;

/// Work for the store thread.
#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    /// Open (creating if needed) a database; with `sample_files`, first fill it with the
    /// sample programme generated there when the database does not exist yet.
    Open {
        /// The database file.
        database: PathBuf,
        /// Where to generate the sample programme's files, for the sample database.
        sample_files: Option<PathBuf>,
    },
    /// Import files into the open database.
    Import(Vec<ImportRequest>),
    /// Remove one import from the open database (its rows out, what it replaced back).
    RemoveImport(i64),
    /// Read one conversion's stored details and candidate touches.
    Evidence(String),
    /// Match the reported leads again with another date tolerance (days).
    MatchLeads(u32),
    /// Record a signed-off payout snapshot.
    SignOff(Box<SignoffRecord>),
    /// Write a payout export: Parquet through DuckDB, else CSV.
    Export(Vec<PayoutExportRow>, PathBuf),
    /// Write a text export (CSV) to a file.
    WriteText(String, PathBuf),
    /// Save a scenario (name, JSON) in the database, replacing one of the same name.
    SaveScenario(String, String),
    /// Delete a saved scenario.
    DeleteScenario(String),
    /// Show the first rows of a file as an import with this request would store them.
    Preview(ImportRequest),
    /// Save a column mapping under a name, for `import --preset NAME` and the window.
    SavePreset(String, FileKind, ColumnMap),
    /// Read a referral parameter from now on, and the file of an import again with it.
    ReadRefParam(i64, String),
    /// Store the programme's referral parameters and time zone.
    SetImportSettings(LinkRules, ProgrammeTimeZone),
}

/// What the store thread's queue carries: the window's jobs, each answered by a [`Reply`],
/// and the views' requests for a snapshot's journeys that did not convert, answered through
/// their handle.
enum Work {
    /// A job of the window's.
    Job(Job),
    /// Read a snapshot's journeys that did not convert into its index.
    ReadOpenPaths(OpenPathsLoad),
    /// The window has closed: end the thread (the snapshots' handles keep the queue open).
    Stop,
}

/// A referral parameter that rejected rows of an import name, which the programme does not
/// read (`via=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadAlias {
    /// The import.
    pub import_id: i64,
    /// Its file.
    pub file_name: String,
    /// The parameter (`via`).
    pub param: String,
    /// Rows rejected for it.
    pub rows: i64,
}

/// Everything the window shows about a database, read in one go after each change.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Counts the snapshots read: results cached for one are not reused for another.
    pub generation: u64,
    /// The database file.
    pub database: PathBuf,
    /// Rows per table.
    pub counts: TableCounts,
    /// Imports, newest first.
    pub history: Vec<ImportRecord>,
    /// The first rejected rows.
    pub rejects: Vec<RejectRecord>,
    /// The journey index the models run over.
    pub index: Arc<JourneyIndex>,
    /// How long building the index took (the rest of the snapshot not counted).
    pub index_build: Duration,
    /// The index's journeys that did not convert, read when a view first asks (Markov and
    /// Shapley count them; opening a programme does not wait for them).
    pub open_paths: OpenPathsLoad,
    /// Per partner, clicks with redirect trouble.
    pub redirects: Vec<RedirectRow>,
    /// The programme time zone months are cut in.
    pub time_zone: ProgrammeTimeZone,
    /// Every sign-off, newest first.
    pub signoffs: Vec<SignoffRecord>,
    /// Reported leads matched with [`DEFAULT_TOLERANCE_DAYS`].
    pub lead_matches: Vec<LeadMatch>,
    /// Partners, link address, referral parameters: what links and the rules document need.
    pub facts: ProgrammeFacts,
    /// Scenarios saved in the database, by name.
    pub saved_scenarios: Vec<SavedScenario>,
    /// Column mappings saved in the database, by name.
    pub saved_presets: Vec<SavedPreset>,
    /// Referral parameters the rejects of imports name and the programme does not read.
    pub unread_aliases: Vec<UnreadAlias>,
    /// The latest credit a warehouse job stored here (`warehouse run --into`), if any.
    pub warehouse: Option<WarehouseRun>,
}

/// One conversion's stored details and touches, for its evidence window.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// The conversion and its candidate touches, in index order.
    pub conversion: ConversionDetail,
    /// Its touches' details.
    pub touches: Vec<TouchDetail>,
}

/// What the store thread reports back.
#[derive(Debug)]
pub enum Reply {
    /// A database was opened or changed; here is its new state.
    Loaded(Box<Snapshot>),
    /// One file of an import batch finished, or an import was removed, with its outcome
    /// line (the new state follows as [`Reply::Loaded`]).
    FileDone {
        /// What happened to the file, for the status line.
        message: String,
        /// Whether it failed.
        failed: bool,
    },
    /// A conversion's evidence was read (`None`: no such conversion).
    Evidence(String, Option<Box<Evidence>>),
    /// Leads matched with a tolerance of this many days.
    LeadMatches(u32, Vec<LeadMatch>),
    /// The sign-offs after recording one.
    Signoffs(Vec<SignoffRecord>),
    /// An export was written (a message for the status line).
    Exported(String),
    /// The saved scenarios after saving or deleting one, with what happened.
    Scenarios(Vec<SavedScenario>, String),
    /// A job failed; the previous state stays on screen.
    Failed(String),
    /// A file could not be imported for want of columns we know: its header, for the
    /// mapping dialog.
    NeedsMapping(PathBuf, Vec<String>),
    /// The first rows of a file as they would be stored, or why they cannot be (the request
    /// they were read with).
    Preview(Box<ImportRequest>, Result<Box<Preview>, String>),
}

/// Progress of the job in flight, shared with the window for its progress bar.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    /// What is being done, in words.
    pub activity: String,
    /// The running query, for a live fraction and for cancelling (imports only).
    pub probe: Option<QueryProbe>,
    /// The file being imported, when importing.
    pub file: Option<ImportingFile>,
}

/// The file an import batch is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportingFile {
    /// 1-based position in the batch.
    pub position: usize,
    /// Files in the batch.
    pub total: usize,
    /// The file's size.
    pub bytes: u64,
}

impl Progress {
    fn activity(activity: impl Into<String>) -> Option<Progress> {
        Some(Progress {
            activity: activity.into(),
            ..Progress::default()
        })
    }

    /// The fraction to draw and the bar's text: for an import, where in the batch and in the
    /// file (bytes read while reading it, rows stored while storing them); else none (the
    /// bar runs).
    pub fn bar(&self) -> (Option<f32>, String) {
        let query = self.probe.as_ref().and_then(QueryProbe::fraction);
        match (&self.file, &self.probe) {
            (Some(file), Some(probe)) => import_bar(&self.activity, *file, probe.phase(), query),
            _ => (None, self.activity.clone()),
        }
    }
}

/// An import's bar: the batch's files share it equally; within a file, reading takes the
/// first half and storing the second (about their share of a big clicks file's time).
pub fn import_bar(
    activity: &str,
    file: ImportingFile,
    phase: ImportPhase,
    query: Option<f64>,
) -> (Option<f32>, String) {
    let done = |within: f64| {
        let total = file.total.max(1) as f64;
        Some((((file.position.max(1) - 1) as f64 + within.clamp(0.0, 1.0)) / total) as f32)
    };
    match (phase, query) {
        (ImportPhase::ReadingFile, Some(f)) => (
            done(0.5 * f),
            format!(
                "{activity} · reading {} of {}",
                crate::domain::format::bytes((f * file.bytes as f64) as i64),
                crate::domain::format::bytes(file.bytes as i64)
            ),
        ),
        (ImportPhase::StoringRows, Some(f)) => (
            done(0.5 + 0.5 * f),
            format!("{activity} · storing rows {:.0}%", f * 100.0),
        ),
        _ => (None, format!("{activity} · checking")),
    }
}

/// The window's end of the worker.
pub struct WorkerBridge {
    cancel: Arc<AtomicBool>,
    jobs: Sender<Work>,
    replies: Receiver<Reply>,
    progress: Arc<Mutex<Option<Progress>>>,
    repaint: Arc<Mutex<Option<egui::Context>>>,
    in_flight: usize,
}

impl Drop for WorkerBridge {
    fn drop(&mut self) {
        let _ = self.jobs.send(Work::Stop);
    }
}

impl WorkerBridge {
    /// Starts the store thread.
    pub fn spawn() -> WorkerBridge {
        let (jobs, job_rx) = channel::<Work>();
        let (reply_tx, replies) = channel::<Reply>();
        let progress = Arc::new(Mutex::new(None));
        let repaint = Arc::new(Mutex::new(None::<egui::Context>));
        let cancel = Arc::new(AtomicBool::new(false));
        let worker = StoreWorker {
            cancel: cancel.clone(),
            store: None,
            replies: reply_tx,
            progress: progress.clone(),
            repaint: repaint.clone(),
            work: jobs.clone(),
            current_index: Weak::new(),
        };
        std::thread::Builder::new()
            .name("store".to_owned())
            .spawn(move || worker.serve(job_rx))
            .expect("spawning the store thread");
        WorkerBridge {
            cancel,
            jobs,
            replies,
            progress,
            repaint,
            in_flight: 0,
        }
    }

    /// Lets the worker wake the window when a reply arrives.
    pub fn set_repaint_context(&self, ctx: &egui::Context) {
        let mut slot = self.repaint.lock().expect("repaint lock");
        if slot.is_none() {
            *slot = Some(ctx.clone());
        }
    }

    /// Queues a job.
    pub fn send(&mut self, job: Job) {
        if self.jobs.send(Work::Job(job)).is_ok() {
            self.in_flight += 1;
        }
    }

    /// Replies that arrived, read for at most `budget`.
    pub fn drain(&mut self, budget: Duration) -> Vec<Reply> {
        let started = Instant::now();
        let mut out = Vec::new();
        while started.elapsed() < budget {
            match self.replies.try_recv() {
                Ok(reply) => {
                    // Told along the way; the job's own reply follows.
                    if !matches!(reply, Reply::FileDone { .. } | Reply::NeedsMapping(..)) {
                        self.in_flight = self.in_flight.saturating_sub(1);
                    }
                    out.push(reply);
                }
                Err(_) => break,
            }
        }
        out
    }

    /// Whether a job is queued or running.
    pub fn is_busy(&self) -> bool {
        self.in_flight > 0
    }

    /// Cancels the running import: the file in progress rolls back, later files are skipped.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::SeqCst);
        if let Some(probe) = self.progress().and_then(|p| p.probe) {
            probe.cancel();
        }
    }

    /// The running job's progress, if any.
    pub fn progress(&self) -> Option<Progress> {
        self.progress.lock().ok().and_then(|p| p.clone())
    }
}

struct StoreWorker {
    cancel: Arc<AtomicBool>,
    store: Option<Store>,
    replies: Sender<Reply>,
    progress: Arc<Mutex<Option<Progress>>>,
    repaint: Arc<Mutex<Option<egui::Context>>>,
    /// The thread's own queue, for the snapshots' handles to send their requests to.
    work: Sender<Work>,
    /// The index of the latest snapshot: requests for older ones are not read.
    current_index: Weak<JourneyIndex>,
}

impl StoreWorker {
    fn serve(mut self, jobs: Receiver<Work>) {
        while let Ok(work) = jobs.recv() {
            let job = match work {
                Work::Job(job) => job,
                Work::ReadOpenPaths(load) => {
                    self.read_open_paths(&load);
                    continue;
                }
                Work::Stop => return,
            };
            let reply = match self.run(job) {
                Ok(reply) => reply,
                Err(error) => Reply::Failed(format!("{error:#}")),
            };
            self.set_progress(None);
            self.reply(reply);
        }
    }

    fn reply(&self, reply: Reply) {
        let _ = self.replies.send(reply);
        if let Some(ctx) = self.repaint.lock().ok().and_then(|c| c.clone()) {
            ctx.request_repaint();
        }
    }

    fn set_progress(&self, progress: Option<Progress>) {
        if let Ok(mut slot) = self.progress.lock() {
            *slot = progress;
        }
        if let Some(ctx) = self.repaint.lock().ok().and_then(|c| c.clone()) {
            ctx.request_repaint();
        }
    }

    fn run(&mut self, job: Job) -> anyhow::Result<Reply> {
        use anyhow::Context as _;
        match job {
            Job::Evidence(conversion_id) => {
                let store = self
                    .store
                    .as_ref()
                    .ok_or_else(|| anyhow::anyhow!("no database is open"))?;
                let evidence =
                    store
                        .conversion_evidence(&conversion_id)?
                        .map(|(conversion, touches)| {
                            Box::new(Evidence {
                                conversion,
                                touches,
                            })
                        });
                return Ok(Reply::Evidence(conversion_id, evidence));
            }
            Job::MatchLeads(days) => {
                let leads = self.open_store()?.lead_matches(days)?;
                return Ok(Reply::LeadMatches(days, leads));
            }
            Job::SignOff(record) => {
                let store = self.open_store()?;
                store.record_signoff(&record)?;
                return Ok(Reply::Signoffs(store.all_signoffs()?));
            }
            Job::SaveScenario(name, json) => {
                let store = self.open_store()?;
                store.save_scenario(&name, &json)?;
                let saved = store.saved_scenarios()?;
                return Ok(Reply::Scenarios(saved, format!("scenario '{name}' saved")));
            }
            Job::DeleteScenario(name) => {
                let store = self.open_store()?;
                store.delete_scenario(&name)?;
                let saved = store.saved_scenarios()?;
                return Ok(Reply::Scenarios(
                    saved,
                    format!("scenario '{name}' deleted"),
                ));
            }
            Job::Preview(request) => {
                let store = self.open_store()?;
                let settings = import_settings(store)?;
                let preview = preview_file(store, &request, &settings, PREVIEW_ROWS)
                    .map(Box::new)
                    .map_err(|e| e.to_string());
                return Ok(Reply::Preview(Box::new(request), preview));
            }
            Job::SavePreset(name, kind, columns) => {
                self.open_store()?
                    .save_preset(&name, kind.key(), &columns.pairs)?;
                let message = format!(
                    "saved preset '{name}': {kind} files, {} (import --preset {name})",
                    columns.pairs_text()
                );
                let _ = self.replies.send(Reply::FileDone {
                    message,
                    failed: false,
                });
            }
            Job::ReadRefParam(import_id, param) => {
                self.set_progress(Progress::activity(format!("Reading {param}= again…")));
                let outcome = read_ref_param_again(self.open_store()?, import_id, &param)?;
                let message = format!(
                    "{param}= is now a referral parameter; {}",
                    outcome.summary()
                );
                let _ = self.replies.send(Reply::FileDone {
                    message,
                    failed: false,
                });
            }
            Job::SetImportSettings(links, time_zone) => {
                let store = self.open_store()?;
                store.set_programme_setting(REF_PARAMS_KEY, &links.names_list())?;
                store.set_programme_setting(TIME_ZONE_KEY, &time_zone.name())?;
                let message = format!(
                    "referral parameters {}; time zone {} (for the next imports)",
                    links.names_list(),
                    time_zone.name()
                );
                let _ = self.replies.send(Reply::FileDone {
                    message,
                    failed: false,
                });
            }
            Job::WriteText(text, path) => {
                std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display()))?;
                return Ok(Reply::Exported(format!("exported to {}", path.display())));
            }
            Job::Export(rows, path) => {
                let parquet = path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
                if parquet {
                    self.open_store()?.export_payouts_parquet(&rows, &path)?;
                } else {
                    std::fs::write(&path, crate::payouts::export_csv(&rows))
                        .with_context(|| format!("writing {}", path.display()))?;
                }
                let message = format!("exported {} rows to {}", rows.len(), path.display());
                return Ok(Reply::Exported(message));
            }
            Job::Open {
                database,
                sample_files,
            } => {
                if let Some(files) = sample_files.filter(|_| !database.exists()) {
                    self.set_progress(Progress::activity("Setting up the sample programme…"));
                    self.store = None;
                    create_sample_database(&database, &files)
                        .context("setting up the sample programme")?;
                }
                self.store = None;
                let store = Store::open(&database)?;
                self.store = Some(store);
            }
            Job::Import(requests) => self.import(&requests)?,
            Job::RemoveImport(import_id) => {
                self.set_progress(Progress::activity(format!("Removing import #{import_id}…")));
                let removed = self.open_store()?.remove_import(import_id)?;
                let message = removed.to_string();
                let _ = self.replies.send(Reply::FileDone {
                    message,
                    failed: false,
                });
            }
        }
        Ok(Reply::Loaded(Box::new(self.snapshot()?)))
    }

    /// How a snapshot's handle asks this thread to read its journeys that did not convert.
    fn send_request(&self) -> SendRequest {
        let work = self.work.clone();
        Arc::new(move |load| work.send(Work::ReadOpenPaths(load)).is_ok())
    }

    /// Reads a snapshot's journeys that did not convert, showing it in the status bar.
    fn read_open_paths(&self, load: &OpenPathsLoad) {
        self.set_progress(Progress::activity(
            "Reading the journeys that did not convert…",
        ));
        load.read(self.store.as_ref(), &self.current_index);
        // Wakes the window, whose views watch the handle.
        self.set_progress(None);
    }

    fn open_store(&self) -> anyhow::Result<&Store> {
        self.store
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("no database is open"))
    }

    fn import(&mut self, requests: &[ImportRequest]) -> anyhow::Result<()> {
        let store = self
            .store
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("no database is open"))?;
        let total = requests.len();
        let probe = store.query_probe();
        self.cancel.store(false, Ordering::SeqCst);
        let cancel = self.cancel.clone();
        let replies = self.replies.clone();
        let progress = self.progress.clone();
        let repaint = self.repaint.lock().ok().and_then(|c| c.clone());
        let wake = || {
            if let Some(ctx) = &repaint {
                ctx.request_repaint();
            }
        };
        // The file in progress, named again when it is cancelled.
        let current = std::cell::RefCell::new(String::new());
        // Files that lacked columns we know, offered the mapping dialog afterwards.
        let needs_mapping = std::cell::RefCell::new(Vec::<PathBuf>::new());
        import_batch_until(
            store,
            requests,
            || cancel.load(Ordering::SeqCst),
            |position, request| {
                let name = request
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                current.replace(name.clone());
                let bytes = std::fs::metadata(&request.path).map_or(0, |m| m.len());
                if let Ok(mut slot) = progress.lock() {
                    *slot = Some(Progress {
                        activity: format!("Importing {name} ({position} of {total})"),
                        probe: Some(probe.clone()),
                        file: Some(ImportingFile {
                            position,
                            total,
                            bytes,
                        }),
                    });
                }
                wake();
            },
            |_, result| {
                let cancelled = cancel.load(Ordering::SeqCst);
                if let Err(ImportError::UnknownKind { file, .. }) = result {
                    needs_mapping.borrow_mut().push(file.clone());
                }
                if let Err(ImportError::MissingColumn(missing)) = result {
                    needs_mapping.borrow_mut().push(missing.file.clone());
                }
                let (message, failed) = match result {
                    Ok(outcome) => (outcome.summary(), false),
                    Err(_) if cancelled => (
                        format!(
                            "{}: import cancelled; nothing from this file was stored",
                            current.borrow()
                        ),
                        true,
                    ),
                    Err(error) => (error.to_string(), true),
                };
                let _ = replies.send(Reply::FileDone { message, failed });
                wake();
            },
        )?;
        for path in needs_mapping.into_inner() {
            if let Ok(header) = file_header(store, &path) {
                let _ = self.replies.send(Reply::NeedsMapping(path, header));
            }
        }
        Ok(())
    }

    fn snapshot(&mut self) -> anyhow::Result<Snapshot> {
        let store = self
            .store
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("no database is open"))?;
        self.set_progress(Progress::activity("Building the journey index…"));
        let started = Instant::now();
        // Without the journeys that did not convert: read when a view first asks for Markov or
        // Shapley (`OpenPathsLoad`), so opening a programme costs no more than it did before.
        let index = Arc::new(JourneyIndex::build(store)?);
        let index_build = started.elapsed();
        let facts = crate::report::programme_facts(store, &index.sources)?;
        static GENERATION: AtomicU64 = AtomicU64::new(1);
        let snapshot = Snapshot {
            generation: GENERATION.fetch_add(1, Ordering::Relaxed),
            facts,
            saved_scenarios: store.saved_scenarios()?,
            saved_presets: store.saved_presets()?,
            unread_aliases: unread_aliases(store)?,
            warehouse: store.latest_warehouse_run()?,
            database: store.path().map(PathBuf::from).unwrap_or_default(),
            counts: store.counts()?,
            history: store.import_history()?,
            rejects: store.rejects(REJECTS_SHOWN)?,
            open_paths: OpenPathsLoad::new(index.clone(), self.send_request()),
            index,
            index_build,
            redirects: store.redirect_rows()?,
            time_zone: import_settings(store)?.time_zone,
            signoffs: store.all_signoffs()?,
            lead_matches: store.lead_matches(DEFAULT_TOLERANCE_DAYS)?,
        };
        self.current_index = Arc::downgrade(&snapshot.index);
        Ok(snapshot)
    }
}

/// The referral parameters the rejects of click and event imports name as not read.
fn unread_aliases(store: &Store) -> anyhow::Result<Vec<UnreadAlias>> {
    let mut found = Vec::new();
    for record in store.import_history()? {
        let touches =
            record.kind == FileKind::Clicks.key() || record.kind == FileKind::Events.key();
        if !touches || record.rows_rejected == 0 {
            continue;
        }
        for (param, rows) in store.unread_ref_params(record.import_id)? {
            found.push(UnreadAlias {
                import_id: record.import_id,
                file_name: record.file_name.clone(),
                param,
                rows,
            });
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::{ImportingFile, import_bar};
    use crate::store::ImportPhase;

    const CLICKS: ImportingFile = ImportingFile {
        position: 2,
        total: 2,
        bytes: 137_200_000,
    };

    #[test]
    fn an_import_bar_moves_once_through_the_batch_reading_then_storing() {
        let (fraction, text) = import_bar(
            "Importing clicks.csv (2 of 2)",
            CLICKS,
            ImportPhase::ReadingFile,
            Some(0.5),
        );
        assert_eq!(fraction, Some(0.625));
        assert_eq!(
            text,
            "Importing clicks.csv (2 of 2) · reading 68.6 MB of 137.2 MB"
        );
        let (fraction, text) = import_bar(
            "Importing clicks.csv (2 of 2)",
            CLICKS,
            ImportPhase::StoringRows,
            Some(0.4),
        );
        assert_eq!(fraction, Some(0.85));
        assert_eq!(text, "Importing clicks.csv (2 of 2) · storing rows 40%");
        let (fraction, text) = import_bar(
            "Importing clicks.csv (2 of 2)",
            CLICKS,
            ImportPhase::Other,
            Some(0.9),
        );
        assert_eq!(fraction, None);
        assert_eq!(text, "Importing clicks.csv (2 of 2) · checking");
    }
}
