//! The application state and its frame: panels, tabs, the worker's replies, drag and drop.

use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use eframe::egui;

use super::bridge::{Job, Reply, Snapshot, WorkerBridge};
use super::command::Command;
use super::settings::{SettingsError, UiSettings};
use super::status::StatusMessage;
use super::tabs::{TABS, Views, view_ui};
use super::widgets::choose_programme::{
    ProgrammeAnswer, ProgrammeChoice, choose_programme_ui, programme_label,
};
use super::widgets::dialogs;
use super::widgets::evidence_window::{EvidenceWindow, evidence_window_ui};
use super::widgets::mapping_dialog::{MappingDialog, mapping_dialog_ui};

/// Replies are drained for at most this long per frame.
const DRAIN_BUDGET: Duration = Duration::from_millis(10);

/// The share of the screen a first-run window takes in each direction.
const SCREEN_SHARE: f32 = 0.8;

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

/// The Partner Attribution window.
pub struct PartnerApp {
    worker: WorkerBridge,
    paths: AppPaths,
    /// Settings that persist between runs.
    pub settings: UiSettings,
    saved_settings: UiSettings,
    snapshot: Option<Box<Snapshot>>,
    messages: Vec<StatusMessage>,
    views: Views,
    evidence: EvidenceWindow,
    /// The mapping dialog, open on a file no preset or column name of ours reads.
    mapping: Option<MappingDialog>,
    /// Further such files (with their headers), each offered the dialog in turn.
    mappings_waiting: Vec<(PathBuf, Vec<String>)>,
    /// What the views asked for this frame, applied after it is drawn.
    commands: Vec<Command>,
    picked_files: Option<Receiver<Vec<PathBuf>>>,
    picked_database: Option<Receiver<PathBuf>>,
    /// Exports passed on the command line, waiting for the user to pick their programme.
    programme_choice: Option<ProgrammeChoice>,
    /// Whether the first frame should size the window to the screen (no size was kept).
    fit_to_screen: bool,
    /// The window title last sent, so it is sent again only when the programme changes.
    title_shown: String,
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
        let open = database.or_else(|| settings.database.clone());
        settings.remember_database(open);
        let mut app = PartnerApp {
            worker: WorkerBridge::spawn(),
            paths,
            saved_settings: settings.clone(),
            settings,
            snapshot: None,
            messages: Vec::new(),
            views: Views::default(),
            evidence: EvidenceWindow::default(),
            mapping: None,
            mappings_waiting: Vec::new(),
            commands: Vec::new(),
            picked_files: None,
            picked_database: None,
            programme_choice: None,
            fit_to_screen: false,
            title_shown: String::new(),
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
        self.settings.remember_database(database);
        self.open_current_database();
    }

    /// Imports the files the window was started with: into the programme open when
    /// `programme_given` (`--db` or a database among the files) or when no other programme is
    /// known; otherwise the window first asks which programme they go into.
    pub fn receive_exports(&mut self, exports: Vec<PathBuf>, programme_given: bool) {
        if exports.is_empty() {
            return;
        }
        let candidates = self.settings.known_programmes();
        if programme_given || candidates.len() < 2 {
            self.import_paths(exports);
            return;
        }
        self.programme_choice = Some(ProgrammeChoice {
            exports,
            candidates,
            selected: 0,
        });
    }

    /// Whether the window is asking which programme the files it was given go into.
    pub fn is_asking_for_programme(&self) -> bool {
        self.programme_choice.is_some()
    }

    /// Imports files with the Data view's kind and column mapping (what a drop or the file
    /// dialog does).
    pub fn import_paths(&mut self, paths: Vec<PathBuf>) {
        if paths.is_empty() {
            return;
        }
        let requests = paths
            .into_iter()
            .map(|path| self.views.data.request(path))
            .collect();
        self.worker.send(Job::Import(requests));
    }

    /// Sizes the window to a share of the screen and centres it on the first frame (for a
    /// first run, when eframe kept no size from an earlier one).
    pub fn fit_to_screen(&mut self) {
        self.fit_to_screen = true;
    }

    /// The window title: the programme open, then the application.
    pub fn window_title(&self) -> String {
        format!("{} — Partner Attribution", self.database_label())
    }

    fn place_window(&mut self, ctx: &egui::Context) {
        let title = self.window_title();
        if title != self.title_shown {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title_shown = title;
        }
        if !self.fit_to_screen {
            return;
        }
        let Some(monitor) = ctx.input(|i| i.viewport().monitor_size) else {
            return;
        };
        self.fit_to_screen = false;
        let size = (monitor * SCREEN_SHARE).max(egui::vec2(900.0, 560.0));
        ctx.send_viewport_cmd(egui::ViewportCommand::InnerSize(size.min(monitor)));
        if let Some(centre) = egui::ViewportCommand::center_on_screen(ctx) {
            ctx.send_viewport_cmd(centre);
        }
    }

    /// Whether the worker has a job queued or running, or a sweep is being computed.
    pub fn is_busy(&self) -> bool {
        self.worker.is_busy() || self.views.is_busy()
    }

    /// The status log, oldest first.
    pub fn messages(&self) -> &[StatusMessage] {
        &self.messages
    }

    /// The database state on screen, once loaded.
    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.snapshot.as_deref()
    }

    /// Draws one frame, then applies what the views asked for.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        self.worker.set_repaint_context(ui.ctx());
        self.place_window(ui.ctx());
        self.handle_replies();
        self.poll_dialogs();
        self.handle_dropped_files(ui.ctx());
        egui::Panel::top("top_bar").show(ui, |ui| self.top_bar_ui(ui));
        egui::Panel::bottom("status_bar").show(ui, |ui| self.status_bar_ui(ui));
        egui::CentralPanel::default().show(ui, |ui| self.central_ui(ui));
        drop_overlay_ui(ui.ctx());
        self.programme_choice_ui(ui.ctx());
        for command in std::mem::take(&mut self.commands) {
            self.apply(command, ui.ctx());
        }
        if self.is_busy() {
            // Background computations do not wake the window themselves.
            ui.ctx().request_repaint_after(Duration::from_millis(100));
        }
    }

    fn handle_replies(&mut self) {
        for reply in self.worker.drain(DRAIN_BUDGET) {
            match reply {
                Reply::Loaded(snapshot) => {
                    self.views.reset();
                    self.snapshot = Some(snapshot);
                }
                Reply::LeadMatches(days, leads) => self.views.audit.receive_matches(days, leads),
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
                Reply::NeedsMapping(path, header) => {
                    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
                    let text = format!(
                        "{}: choose its columns in the mapping dialog",
                        name.unwrap_or_default()
                    );
                    self.push_message(text, false);
                    self.mappings_waiting.push((path, header));
                }
                Reply::Preview(request, preview) => {
                    if let Some(dialog) = &mut self.mapping {
                        dialog.receive(&request, preview);
                    }
                }
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
            self.commands.push(Command::OpenDatabase(Some(path)));
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
        if !dropped.is_empty() {
            self.commands.push(Command::Import(dropped));
        }
    }

    fn top_bar_ui(&mut self, ui: &mut egui::Ui) {
        // Wrapped, so a narrow window shows every button on a second row instead of cutting.
        ui.horizontal_wrapped(|ui| {
            let full_name = match &self.settings.database {
                Some(path) => path.display().to_string(),
                None => "The bundled sample programme".to_owned(),
            };
            ui.heading(self.database_label()).on_hover_text(full_name);
            ui.separator();
            for entry in &TABS {
                ui.selectable_value(&mut self.settings.tab, entry.tab, entry.label)
                    .on_hover_text(entry.hover);
            }
            ui.separator();
            if ui
                .button("Import files…")
                .on_hover_text(
                    "CSV, .csv.gz, Parquet or JSON exports; you can also drop files here",
                )
                .clicked()
            {
                self.commands.push(Command::PickImportFiles);
            }
            if ui.button("Open database…").clicked() {
                self.commands.push(Command::PickDatabase);
            }
            self.recent_menu_ui(ui);
            if ui
                .button("Open sample")
                .on_hover_text("Reopen the bundled sample programme")
                .clicked()
            {
                self.commands.push(Command::OpenDatabase(None));
            }
        });
    }

    fn recent_menu_ui(&mut self, ui: &mut egui::Ui) {
        let others: Vec<PathBuf> = self
            .settings
            .recent_databases
            .iter()
            .filter(|p| Some(*p) != self.settings.database.as_ref())
            .cloned()
            .collect();
        if others.is_empty() {
            return;
        }
        ui.menu_button("Recent", |ui| {
            for path in others {
                let label = programme_label(Some(&path));
                let item = ui.button(label).on_hover_text(path.display().to_string());
                if item.clicked() {
                    self.commands.push(Command::OpenDatabase(Some(path)));
                    ui.close();
                }
            }
        })
        .response
        .on_hover_text("Programmes opened before");
    }

    fn database_label(&self) -> String {
        programme_label(self.settings.database.as_deref())
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
                    self.commands.push(Command::CancelImport);
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
        let asked = view_ui(
            ui,
            &mut self.views,
            &mut self.settings,
            snapshot,
            &self.messages,
        );
        self.commands.extend(asked);
        let (attribution, params) = (&self.settings.attribution, &self.settings.model_params);
        evidence_window_ui(
            ui.ctx(),
            &mut self.evidence,
            &snapshot.index,
            attribution,
            params,
        );
        if self.mapping.is_none() && !self.mappings_waiting.is_empty() {
            let (path, header) = self.mappings_waiting.remove(0);
            self.mapping = Some(MappingDialog::new(path, header));
        }
        self.commands
            .extend(mapping_dialog_ui(ui.ctx(), &mut self.mapping));
    }

    /// Whether the mapping dialog is open.
    pub fn is_mapping_columns(&self) -> bool {
        self.mapping.is_some()
    }

    fn programme_choice_ui(&mut self, ctx: &egui::Context) {
        let Some(choice) = &mut self.programme_choice else {
            return;
        };
        let Some(answer) = choose_programme_ui(ctx, choice) else {
            return;
        };
        self.programme_choice = None;
        match answer {
            ProgrammeAnswer::ImportInto(database, exports) => {
                self.commands.push(Command::ImportInto(database, exports));
            }
            ProgrammeAnswer::Cancel => {
                self.push_message("nothing imported: no programme chosen".to_owned(), false);
            }
        }
    }

    /// Does what a view asked for.
    fn apply(&mut self, command: Command, ctx: &egui::Context) {
        match command {
            Command::Import(paths) => self.import_paths(paths),
            Command::ImportInto(database, paths) => {
                if database != self.settings.database {
                    self.open_database(database);
                }
                self.import_paths(paths);
            }
            Command::PickImportFiles => {
                self.picked_files = Some(dialogs::pick_import_files(ctx));
            }
            Command::PickDatabase => self.picked_database = Some(dialogs::pick_database(ctx)),
            Command::OpenDatabase(database) => self.open_database(database),
            Command::RemoveImport(import_id) => self.worker.send(Job::RemoveImport(import_id)),
            Command::CancelImport => self.worker.cancel(),
            Command::Explain(conversion_id) => {
                let conversion_id = conversion_id.trim().to_owned();
                self.evidence.open(conversion_id.clone());
                self.worker.send(Job::Evidence(conversion_id));
            }
            Command::MatchLeads(days) => self.worker.send(Job::MatchLeads(days)),
            Command::SignOff(record) => self.worker.send(Job::SignOff(record)),
            Command::ExportPayouts(rows, path) => self.worker.send(Job::Export(rows, path)),
            Command::WriteText(text, path) => self.worker.send(Job::WriteText(text, path)),
            Command::SaveScenario(name, json) => self.worker.send(Job::SaveScenario(name, json)),
            Command::DeleteScenario(name) => self.worker.send(Job::DeleteScenario(name)),
            Command::PreviewMapping(request) => self.worker.send(Job::Preview(*request)),
            Command::ImportMapped(request) => self.worker.send(Job::Import(vec![*request])),
            Command::SavePreset(name, kind, columns) => {
                self.worker.send(Job::SavePreset(name, kind, columns));
            }
            Command::ReadRefParam(import_id, param) => {
                self.worker.send(Job::ReadRefParam(import_id, param));
            }
            Command::SetImportSettings(links, time_zone) => {
                self.worker.send(Job::SetImportSettings(links, time_zone));
            }
        }
    }

    /// Writes the settings file when the settings changed since it was last written. eframe
    /// calls this on its own schedule (every 30 s and when the window closes); dropping the
    /// app calls it too.
    pub fn save_settings(&mut self) {
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
        &self.views.payouts.signer
    }

    /// What the last window change cost (reading the sweep), for the status line and tests.
    pub fn last_window_lookup(&self) -> Option<Duration> {
        self.views.sweeps.last_lookup()
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
        "Drop CSV, Parquet or JSON exports to import them",
        egui::FontId::proportional(24.0),
        egui::Color32::WHITE,
    );
}

impl eframe::App for PartnerApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        PartnerApp::ui(self, ui);
    }

    fn save(&mut self, _storage: &mut dyn eframe::Storage) {
        self.save_settings();
    }
}

impl Drop for PartnerApp {
    fn drop(&mut self) {
        self.save_settings();
    }
}
