//! The application state and its frame: panels, tabs, the worker's replies, drag and drop.

use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use eframe::egui;

use super::audit_tab::{AuditAction, AuditTabState, audit_ui};
use super::compare_tab::compare_ui;
use super::credit_engine::CreditEngine;
use super::data_tab::{DataAction, DataTabState, data_ui};
use super::evidence_window::{EvidenceWindow, evidence_window_ui};
use super::lab_tab::{LabAction, LabTabState, lab_ui};
use super::leakage_tab::{LeakageTabState, leakage_ui};
use super::links_tab::{LinksTabState, links_ui};
use super::payouts_tab::{PayoutAction, PayoutsTabState, payouts_ui};
use super::rules_tab::{RulesTabState, rules_ui};
use super::sensitivity_tab::sensitivity_ui;
use super::settings::{SettingsError, Tab, UiSettings};
use super::worker::{Job, Reply, Snapshot, WorkerBridge};
use crate::import::ImportRequest;

/// Replies are drained for at most this long per frame.
const DRAIN_BUDGET: Duration = Duration::from_millis(10);

/// Where the window keeps things; tests point these at temporary folders.
#[derive(Debug, Clone, PartialEq)]
pub struct AppPaths {
    /// The settings file, `None` to not persist settings.
    pub settings_file: Option<PathBuf>,
    /// The sample programme's database.
    pub sample_database: PathBuf,
    /// Where the sample programme's files are generated.
    pub sample_files: PathBuf,
}

impl AppPaths {
    /// The platform's locations (data and config directories).
    pub fn platform() -> AppPaths {
        AppPaths {
            settings_file: Some(crate::store::paths::settings_file()),
            sample_database: crate::store::paths::sample_database(),
            sample_files: crate::store::paths::sample_files_dir(),
        }
    }
}

/// One line of the status log (import outcomes, errors).
#[derive(Debug, Clone, PartialEq)]
pub struct StatusMessage {
    /// The text.
    pub text: String,
    /// Whether it reports a failure.
    pub is_error: bool,
}

/// The Partner Attribution window.
pub struct PartnerApp {
    worker: WorkerBridge,
    paths: AppPaths,
    /// Settings that persist between runs.
    pub settings: UiSettings,
    saved_settings: UiSettings,
    snapshot: Option<Box<Snapshot>>,
    credit: CreditEngine,
    messages: Vec<StatusMessage>,
    data_tab: DataTabState,
    leakage_tab: LeakageTabState,
    payouts_tab: PayoutsTabState,
    audit_tab: AuditTabState,
    evidence: EvidenceWindow,
    lab_tab: LabTabState,
    rules_tab: RulesTabState,
    links_tab: LinksTabState,
    picked_files: Option<Receiver<Vec<PathBuf>>>,
    picked_database: Option<Receiver<PathBuf>>,
}

impl PartnerApp {
    /// Opens `database` (or the last database, or the sample programme) with settings read
    /// from `paths.settings_file`.
    pub fn new(database: Option<PathBuf>, mut paths: AppPaths) -> PartnerApp {
        let loaded = paths.settings_file.as_deref().map(UiSettings::load);
        let (mut settings, settings_error) = match loaded {
            None => (UiSettings::default(), None),
            Some(Ok(settings)) => (settings, None),
            Some(Err(error)) => (UiSettings::default(), Some(error)),
        };
        if let Some(SettingsError::NotKept { .. }) = settings_error {
            // Saving would overwrite the file the user may want back.
            paths.settings_file = None;
        }
        if database.is_some() {
            settings.database = database;
        }
        let mut app = PartnerApp {
            worker: WorkerBridge::spawn(),
            paths,
            saved_settings: settings.clone(),
            settings,
            snapshot: None,
            credit: CreditEngine::default(),
            messages: Vec::new(),
            data_tab: DataTabState::default(),
            leakage_tab: LeakageTabState::default(),
            payouts_tab: PayoutsTabState::default(),
            audit_tab: AuditTabState::default(),
            evidence: EvidenceWindow::default(),
            lab_tab: LabTabState::default(),
            rules_tab: RulesTabState::default(),
            links_tab: LinksTabState::default(),
            picked_files: None,
            picked_database: None,
        };
        if let Some(error) = settings_error {
            app.push_message(error.to_string(), true);
        }
        app.open_current_database();
        app
    }

    fn open_current_database(&mut self) {
        let job = match &self.settings.database {
            Some(database) => Job::Open {
                database: database.clone(),
                sample_files: None,
            },
            None => Job::Open {
                database: self.paths.sample_database.clone(),
                sample_files: Some(self.paths.sample_files.clone()),
            },
        };
        self.worker.send(job);
    }

    /// Opens another database (or the sample programme with `None`).
    pub fn open_database(&mut self, database: Option<PathBuf>) {
        self.settings.database = database;
        self.open_current_database();
    }

    /// Imports files with the Data view's kind and column mapping (what a drop or the file
    /// dialog does).
    pub fn import_paths(&mut self, paths: Vec<PathBuf>) {
        if paths.is_empty() {
            return;
        }
        let requests = paths
            .into_iter()
            .map(|path| ImportRequest {
                path,
                kind: self.data_tab.kind,
                columns: self.data_tab.column_map(),
            })
            .collect();
        self.worker.send(Job::Import(requests));
    }

    /// Whether the worker has a job queued or running, or a sweep is being computed.
    pub fn is_busy(&self) -> bool {
        self.worker.is_busy()
            || self.credit.is_busy()
            || self.leakage_tab.is_busy()
            || self.payouts_tab.is_busy()
            || self.lab_tab.is_busy()
            || self.rules_tab.is_busy()
    }

    /// The status log, oldest first.
    pub fn messages(&self) -> &[StatusMessage] {
        &self.messages
    }

    /// The database state on screen, once loaded.
    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.snapshot.as_deref()
    }

    /// Draws one frame.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        self.worker.set_repaint_context(ui.ctx());
        self.handle_replies();
        self.poll_dialogs();
        self.handle_dropped_files(ui.ctx());
        egui::Panel::top("top_bar").show(ui, |ui| self.top_bar_ui(ui));
        egui::Panel::bottom("status_bar").show(ui, |ui| self.status_bar_ui(ui));
        egui::CentralPanel::default().show(ui, |ui| self.central_ui(ui));
        drop_overlay_ui(ui.ctx());
        self.persist_settings();
        if self.is_busy() {
            // Background computations do not wake the window themselves.
            ui.ctx().request_repaint_after(Duration::from_millis(100));
        }
    }

    fn handle_replies(&mut self) {
        for reply in self.worker.drain(DRAIN_BUDGET) {
            match reply {
                Reply::Loaded(snapshot) => {
                    self.audit_tab.reset();
                    self.snapshot = Some(snapshot);
                }
                Reply::LeadMatches(days, leads) => self.audit_tab.receive_matches(days, leads),
                Reply::Signoffs(signoffs) => {
                    if let Some(snapshot) = &mut self.snapshot {
                        snapshot.signoffs = signoffs;
                    }
                    self.push_message("payouts signed off".to_owned(), false);
                }
                Reply::Exported(message) => self.push_message(message, false),
                Reply::Scenarios(saved, message) => {
                    if let Some(snapshot) = &mut self.snapshot {
                        // Parsed once here, not every frame by the views that use them.
                        snapshot.facts.saved = crate::scenario::from_saved(&saved);
                        snapshot.saved_scenarios = saved;
                    }
                    self.push_message(message, false);
                }
                Reply::FileDone {
                    message, failed, ..
                } => self.push_message(message, failed),
                Reply::Evidence(conversion_id, evidence) => {
                    self.evidence.receive(conversion_id, evidence)
                }
                Reply::Failed(message) => self.push_message(message, true),
            }
        }
    }

    fn push_message(&mut self, text: String, is_error: bool) {
        self.messages.push(StatusMessage { text, is_error });
        if self.messages.len() > 50 {
            self.messages.remove(0);
        }
    }

    fn poll_dialogs(&mut self) {
        if let Some(paths) = self.picked_files.as_ref().and_then(|rx| rx.try_recv().ok()) {
            self.picked_files = None;
            self.import_paths(paths);
        }
        if let Some(path) = self
            .picked_database
            .as_ref()
            .and_then(|rx| rx.try_recv().ok())
        {
            self.picked_database = None;
            self.open_database(Some(path));
        }
    }

    fn handle_dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        self.import_paths(dropped);
    }

    fn top_bar_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.heading("Partner Attribution");
            ui.separator();
            ui.selectable_value(&mut self.settings.tab, Tab::Compare, "Compare");
            ui.selectable_value(&mut self.settings.tab, Tab::Sensitivity, "Sensitivity");
            ui.selectable_value(&mut self.settings.tab, Tab::Leakage, "Leakage");
            ui.selectable_value(&mut self.settings.tab, Tab::Payouts, "Payouts");
            ui.selectable_value(&mut self.settings.tab, Tab::Audit, "Audit");
            ui.selectable_value(&mut self.settings.tab, Tab::Lab, "Scenario lab");
            ui.selectable_value(&mut self.settings.tab, Tab::Rules, "Rules");
            ui.selectable_value(&mut self.settings.tab, Tab::Links, "Links");
            ui.selectable_value(&mut self.settings.tab, Tab::Data, "Data");
            ui.separator();
            if ui
                .button("Import files…")
                .on_hover_text("CSV, .csv.gz or Parquet exports; you can also drop files here")
                .clicked()
            {
                self.picked_files = Some(super::dialogs::pick_import_files(ui.ctx()));
            }
            if ui.button("Open database…").clicked() {
                self.picked_database = Some(super::dialogs::pick_database(ui.ctx()));
            }
            if ui
                .button("Sample programme")
                .on_hover_text("Reopen the bundled sample programme")
                .clicked()
            {
                self.open_database(None);
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let name = self.database_label();
                ui.label(egui::RichText::new(name).weak());
            });
        });
    }

    fn database_label(&self) -> String {
        match &self.settings.database {
            None => "Sample programme".to_owned(),
            Some(path) => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string()),
        }
    }

    fn status_bar_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            if let Some(progress) = self.worker.progress() {
                let (fraction, text) = progress.bar();
                let bar = egui::ProgressBar::new(fraction.unwrap_or(0.0))
                    .desired_width(360.0)
                    .text(text)
                    .animate(fraction.is_none());
                ui.add(bar);
                if progress.probe.is_some() && ui.button("Cancel").clicked() {
                    self.worker.cancel();
                }
                ui.ctx().request_repaint_after(Duration::from_millis(100));
            } else if self.worker.is_busy() {
                ui.spinner();
            }
            if let Some(message) = self.messages.last() {
                let color = if message.is_error {
                    ui.visuals().error_fg_color
                } else {
                    ui.visuals().text_color()
                };
                ui.add(egui::Label::new(egui::RichText::new(&message.text).color(color)).wrap());
            } else if let Some(snapshot) = &self.snapshot {
                ui.label(format!(
                    "{} conversions · {} touches · journey index built in {} ms",
                    crate::domain::format::thousands(snapshot.counts.conversions as i64),
                    crate::domain::format::thousands(snapshot.counts.touches as i64),
                    crate::domain::format::thousands(snapshot.index_build.as_millis() as i64)
                ));
            }
        });
    }

    fn central_ui(&mut self, ui: &mut egui::Ui) {
        let Some(snapshot) = self.snapshot.as_deref() else {
            ui.centered_and_justified(|ui| {
                ui.spinner();
            });
            return;
        };
        let mut explain: Option<String> = None;
        match self.settings.tab {
            Tab::Compare => compare_ui(ui, &mut self.settings, &snapshot.index, &mut self.credit),
            Tab::Sensitivity => {
                // The Compare view's toggles apply here too.
                match self
                    .credit
                    .sweep_for(&snapshot.index, &self.settings.attribution)
                {
                    Some(sweep) => sensitivity_ui(ui, &mut self.settings, &snapshot.index, &sweep),
                    None => {
                        ui.spinner();
                    }
                }
            }
            Tab::Leakage => {
                super::compare_tab::settings_bar_ui(ui, &mut self.settings);
                let wanted = leakage_ui(
                    ui,
                    &mut self.leakage_tab,
                    snapshot,
                    &self.settings.attribution,
                );
                explain = wanted;
            }
            Tab::Payouts => {
                super::compare_tab::settings_bar_ui(ui, &mut self.settings);
                let action = payouts_ui(ui, &mut self.payouts_tab, &mut self.settings, snapshot);
                match action {
                    Some(PayoutAction::SignOff(record)) => self.worker.send(Job::SignOff(record)),
                    Some(PayoutAction::Export(rows, path)) => {
                        self.worker.send(Job::Export(rows, path))
                    }
                    None => {}
                }
            }
            Tab::Audit => {
                super::compare_tab::settings_bar_ui(ui, &mut self.settings);
                match audit_ui(ui, &mut self.audit_tab, &mut self.settings, snapshot) {
                    Some(AuditAction::Rematch(days)) => self.worker.send(Job::MatchLeads(days)),
                    Some(AuditAction::Export(text, path)) => {
                        self.worker.send(Job::WriteText(text, path))
                    }
                    Some(AuditAction::Explain(conversion_id)) => explain = Some(conversion_id),
                    None => {}
                }
            }
            Tab::Lab => {
                super::compare_tab::settings_bar_ui(ui, &mut self.settings);
                let attribution = self.settings.attribution;
                match lab_ui(ui, &mut self.lab_tab, snapshot, &attribution) {
                    Some(LabAction::Save(name, json)) => {
                        self.worker.send(Job::SaveScenario(name, json))
                    }
                    Some(LabAction::Delete(name)) => self.worker.send(Job::DeleteScenario(name)),
                    Some(LabAction::Explain(conversion_id)) => explain = Some(conversion_id),
                    None => {}
                }
            }
            Tab::Rules => {
                super::compare_tab::settings_bar_ui(ui, &mut self.settings);
                if let Some((text, path)) =
                    rules_ui(ui, &mut self.rules_tab, &mut self.settings, snapshot)
                {
                    self.worker.send(Job::WriteText(text, path));
                }
            }
            Tab::Links => links_ui(ui, &mut self.links_tab, snapshot),
            Tab::Data => match data_ui(ui, &mut self.data_tab, snapshot, &self.messages) {
                Some(DataAction::PickFiles) => {
                    self.picked_files = Some(super::dialogs::pick_import_files(ui.ctx()));
                }
                Some(DataAction::RemoveImport(import_id)) => {
                    self.worker.send(Job::RemoveImport(import_id))
                }
                None => {}
            },
        }
        if let Some(conversion_id) = explain {
            let conversion_id = conversion_id.trim().to_owned();
            self.evidence.open(conversion_id.clone());
            self.worker.send(Job::Evidence(conversion_id));
        }
        let attribution = &self.settings.attribution;
        evidence_window_ui(ui.ctx(), &mut self.evidence, &snapshot.index, attribution);
    }

    fn persist_settings(&mut self) {
        if self.settings == self.saved_settings {
            return;
        }
        if let Some(path) = &self.paths.settings_file
            && let Err(error) = self.settings.save(path)
        {
            let text = format!("could not save settings: {error} ({})", path.display());
            self.push_message(text, true);
        }
        self.saved_settings = self.settings.clone();
    }

    /// The name typed for a payout sign-off.
    pub fn payout_signer(&self) -> &str {
        &self.payouts_tab.signer
    }

    /// What the last window change cost (reading the sweep), for the status line and tests.
    pub fn last_window_lookup(&self) -> Option<Duration> {
        self.credit.last_lookup()
    }
}

fn drop_overlay_ui(ctx: &egui::Context) {
    let hovering = ctx.input(|i| !i.raw.hovered_files.is_empty());
    if !hovering {
        return;
    }
    let screen = ctx.content_rect();
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Foreground,
        egui::Id::unique("drop_overlay"),
    ));
    painter.rect_filled(screen, 0.0, egui::Color32::from_black_alpha(170));
    painter.text(
        screen.center(),
        egui::Align2::CENTER_CENTER,
        "Drop CSV or Parquet exports to import them",
        egui::FontId::proportional(24.0),
        egui::Color32::WHITE,
    );
}

impl eframe::App for PartnerApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        PartnerApp::ui(self, ui);
    }
}
