//! The views of the window, one file each, and the one table that lists them.

mod audit;
mod compare;
mod data;
mod lab;
mod leakage;
mod links;
mod payouts;
mod rules;
mod sensitivity;

use eframe::egui;

use crate::ui::bridge::{ModelCache, Snapshot, SweepCache};
use crate::ui::command::Command;
use crate::ui::settings::{Tab, UiSettings};
use crate::ui::status::StatusMessage;
use crate::ui::widgets::settings_bar::settings_bar_ui;

pub use data::DataTabState;

/// One view in the tab bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TabEntry {
    /// Which view.
    pub tab: Tab,
    /// Its name in the tab bar.
    pub label: &'static str,
    /// What it is for, on hover.
    pub hover: &'static str,
    /// Whether the window slider, toggles and tracking settings show above it.
    pub settings_bar: bool,
}

/// Every view, in tab-bar order.
pub const TABS: [TabEntry; 9] = [
    entry(
        Tab::Compare,
        "Compare",
        "Credit per source under each model",
        true,
    ),
    entry(
        Tab::Sensitivity,
        "Sensitivity",
        "Credit against the cookie window",
        true,
    ),
    entry(
        Tab::Leakage,
        "Leakage",
        "Partner-sourced sales that pay no partner",
        true,
    ),
    entry(
        Tab::Payouts,
        "Payouts",
        "Commission per partner for a month; sign-off",
        true,
    ),
    entry(
        Tab::Audit,
        "Audit",
        "Partner-reported leads against our records",
        true,
    ),
    entry(
        Tab::Lab,
        "Scenario lab",
        "Compose a journey and see who gets what",
        true,
    ),
    entry(
        Tab::Rules,
        "Rules",
        "The partner-facing rules document",
        true,
    ),
    entry(
        Tab::Links,
        "Links",
        "Partners' tracking links: build, copy, check",
        false,
    ),
    entry(Tab::Data, "Data", "Imports, row counts and rejects", false),
];

const fn entry(tab: Tab, label: &'static str, hover: &'static str, bar: bool) -> TabEntry {
    TabEntry {
        tab,
        label,
        hover,
        settings_bar: bar,
    }
}

/// The table's entry for `tab`.
pub fn tab_entry(tab: Tab) -> &'static TabEntry {
    TABS.iter()
        .find(|e| e.tab == tab)
        .expect("every tab is in TABS")
}

/// The state every view keeps between frames.
#[derive(Default)]
pub struct Views {
    /// Window sweeps behind Compare and Sensitivity.
    pub sweeps: SweepCache,
    /// Credit under the models beyond first, last and linear, for Compare.
    pub models: ModelCache,
    /// The Data view.
    pub data: DataTabState,
    leakage: leakage::LeakageTabState,
    /// The Payouts view.
    pub payouts: payouts::PayoutsTabState,
    /// The Audit view.
    pub audit: audit::AuditTabState,
    lab: lab::LabTabState,
    rules: rules::RulesTabState,
    links: links::LinksTabState,
}

impl Views {
    /// Whether any view's background computation is under way.
    pub fn is_busy(&self) -> bool {
        self.sweeps.is_busy()
            || self.models.is_busy()
            || self.leakage.is_busy()
            || self.payouts.is_busy()
            || self.lab.is_busy()
            || self.rules.is_busy()
    }

    /// A new database was loaded: forget what was read from the old one.
    pub fn reset(&mut self) {
        self.audit.reset();
    }
}

/// Draws the view chosen in `settings`, with the settings bar above it when the table says
/// so; returns what the view asks the window to do.
pub fn view_ui(
    ui: &mut egui::Ui,
    views: &mut Views,
    settings: &mut UiSettings,
    snapshot: &Snapshot,
    messages: &[StatusMessage],
) -> Option<Command> {
    let tab = settings.tab;
    if tab_entry(tab).settings_bar {
        settings_bar_ui(ui, settings);
    }
    let attribution = settings.attribution;
    match tab {
        Tab::Compare => {
            compare::compare_ui(
                ui,
                settings,
                &snapshot.index,
                &snapshot.open_paths,
                &mut views.sweeps,
                &mut views.models,
                snapshot.warehouse.as_ref(),
            );
            None
        }
        Tab::Sensitivity => {
            match views.sweeps.sweep_for(&snapshot.index, &attribution) {
                Some(sweep) => sensitivity::sensitivity_ui(
                    ui,
                    settings,
                    &snapshot.index,
                    &sweep.0,
                    &mut views.models,
                ),
                None => {
                    ui.spinner();
                }
            }
            None
        }
        Tab::Leakage => {
            let recurring = settings.commission_rules.recurring;
            leakage::leakage_ui(ui, &mut views.leakage, snapshot, &attribution, recurring)
                .map(Command::Explain)
        }
        Tab::Payouts => payouts::payouts_ui(ui, &mut views.payouts, settings, snapshot),
        Tab::Audit => audit::audit_ui(ui, &mut views.audit, settings, snapshot),
        Tab::Lab => lab::lab_ui(
            ui,
            &mut views.lab,
            snapshot,
            &attribution,
            &settings.model_params,
            &settings.compare_models,
        ),
        Tab::Rules => rules::rules_ui(ui, &mut views.rules, settings, snapshot)
            .map(|(text, path)| Command::WriteText(text, path)),
        Tab::Links => {
            links::links_ui(ui, &mut views.links, snapshot);
            None
        }
        Tab::Data => data::data_ui(ui, &mut views.data, snapshot, messages),
    }
}

/// Whether the journeys that did not convert are in the index, asking for them the first
/// time (Markov and Shapley learn from them); shows where they stand while they are not.
pub(super) fn journeys_read_ui(ui: &mut egui::Ui, snapshot: &Snapshot) -> bool {
    match snapshot
        .open_paths
        .ask(std::time::Duration::from_millis(25))
    {
        crate::ui::bridge::OpenPathsState::Read(_) => true,
        crate::ui::bridge::OpenPathsState::Failed(why) => {
            ui.colored_label(
                ui.visuals().error_fg_color,
                format!("The journeys that did not convert could not be read: {why}"),
            );
            false
        }
        crate::ui::bridge::OpenPathsState::NotAsked
        | crate::ui::bridge::OpenPathsState::Reading => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Reading the journeys that did not convert (the official model learns from every journey)…");
            });
            false
        }
    }
}
