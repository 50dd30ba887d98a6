//! The Sensitivity view: credit against window length for chosen sources, from the sweep (of
//! first, last and linear, or of another per-sale model with Compare's parameters), with the
//! current window marked, and each source's credit at 30, 60 and 90 days.

use eframe::egui::{self, RichText};
use egui_plot::{HoverPosition, Legend, Line, LineStyle, Plot, PlotPoints, VLine};

use std::sync::Arc;

use crate::attribution::{
    CookieWindow, CreditModel, MAX_WINDOW_DAYS, ModelSweep, SourceCredit, WindowSweep,
    classic_models,
};
use crate::journeys::JourneyIndex;
use crate::ui::bridge::ModelCache;
use crate::ui::settings::{SensitivityModels, UiSettings};
use crate::ui::widgets::looks::format_measure;
use crate::ui::widgets::{nice_steps, number_cell};

const PALETTE: [egui::Color32; 10] = [
    egui::Color32::from_rgb(31, 119, 180),
    egui::Color32::from_rgb(255, 127, 14),
    egui::Color32::from_rgb(44, 160, 44),
    egui::Color32::from_rgb(214, 39, 40),
    egui::Color32::from_rgb(148, 103, 189),
    egui::Color32::from_rgb(140, 86, 75),
    egui::Color32::from_rgb(227, 119, 194),
    egui::Color32::from_rgb(127, 127, 127),
    egui::Color32::from_rgb(188, 189, 34),
    egui::Color32::from_rgb(23, 190, 207),
];

/// Sources shown by default: the top partners at the current window.
const DEFAULT_SOURCES: usize = 6;

/// The models the view can draw: those a sweep covers (Markov and Shapley learn from every
/// journey at once and are not swept).
const SWEPT: [CreditModel; 6] = [
    CreditModel::First,
    CreditModel::Last,
    CreditModel::Linear,
    CreditModel::Position,
    CreditModel::TimeDecay,
    CreditModel::LastNonDirect,
];

fn models_of(choice: SensitivityModels) -> Vec<CreditModel> {
    match choice {
        SensitivityModels::One(model) => vec![model],
        SensitivityModels::All => classic_models(),
    }
}

fn line_style(model: CreditModel) -> LineStyle {
    match model {
        CreditModel::First => LineStyle::dashed_loose(),
        CreditModel::Linear => LineStyle::dotted_dense(),
        _ => LineStyle::Solid,
    }
}

/// Credit against window: the sweep of first, last and linear, and the other model's once
/// computed (zero until then).
struct Curves<'a> {
    classic: &'a WindowSweep,
    other: Option<&'a ModelSweep>,
}

impl Curves<'_> {
    fn credit(&self, window: CookieWindow, model: CreditModel, source: usize) -> SourceCredit {
        match model.classic() {
            Some(classic) => self.classic.credit(window, classic, source),
            None => self
                .other
                .map_or_else(SourceCredit::default, |o| o.credit(window, model, source)),
        }
    }
}

/// Draws the Sensitivity view.
pub fn sensitivity_ui(
    ui: &mut egui::Ui,
    settings: &mut UiSettings,
    index: &Arc<JourneyIndex>,
    sweep: &WindowSweep,
    models: &mut ModelCache,
) {
    let others: Vec<CreditModel> = models_of(settings.sensitivity_models)
        .into_iter()
        .filter(|m| m.classic().is_none())
        .collect();
    let other = models.sweep(
        index,
        &settings.attribution,
        &settings.model_params,
        &others,
    );
    if !others.is_empty() && !other.as_ref().is_some_and(|(_, fresh)| *fresh) {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(RichText::new("sweeping every window…").weak());
        });
    }
    let curves = Curves {
        classic: sweep,
        other: other.as_ref().map(|(s, _)| s.as_ref()),
    };
    if settings.sensitivity_sources.is_empty() {
        settings.sensitivity_sources = default_sources(index, &curves, settings);
    }
    controls_ui(ui, settings, index, &curves);
    let shown: Vec<usize> = settings
        .sensitivity_sources
        .iter()
        .filter_map(|id| index.sources.iter().position(|s| &s.id == id))
        .collect();
    if shown.is_empty() {
        ui.label("Pick one or more sources above.");
        return;
    }
    let plot_width = (ui.available_width() * 0.56).max(360.0);
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            ui.set_width(plot_width);
            plot_ui(ui, settings, index, &curves, &shown);
        });
        ui.separator();
        // Millions in five columns can be wider than the room left: scroll, never cut.
        egui::ScrollArea::horizontal()
            .id_salt("sensitivity_table")
            .show(ui, |ui| {
                ui.vertical(|ui| table_ui(ui, settings, index, &curves, &shown));
            });
    });
}

fn default_sources(
    index: &JourneyIndex,
    curves: &Curves<'_>,
    settings: &UiSettings,
) -> Vec<String> {
    let mut partners: Vec<usize> = (0..index.sources.len())
        .filter(|&s| index.sources[s].is_partner)
        .collect();
    let value = |s: usize| {
        curves
            .credit(settings.attribution.window, CreditModel::Last, s)
            .revenue
    };
    partners.sort_by(|&a, &b| value(b).total_cmp(&value(a)));
    partners
        .into_iter()
        .take(DEFAULT_SOURCES)
        .map(|s| index.sources[s].id.clone())
        .collect()
}

fn controls_ui(
    ui: &mut egui::Ui,
    settings: &mut UiSettings,
    index: &JourneyIndex,
    curves: &Curves<'_>,
) {
    ui.horizontal_wrapped(|ui| {
        ui.label("Model");
        for model in SWEPT {
            ui.selectable_value(
                &mut settings.sensitivity_models,
                SensitivityModels::One(model),
                model.label(),
            );
        }
        ui.selectable_value(
            &mut settings.sensitivity_models,
            SensitivityModels::All,
            "All three",
        )
        .on_hover_text("First touch dashed, last touch solid, linear dotted");
        ui.separator();
        let summary = format!("Sources ({})", settings.sensitivity_sources.len());
        ui.menu_button(summary, |ui| sources_menu_ui(ui, settings, index, curves));
    });
}

fn sources_menu_ui(
    ui: &mut egui::Ui,
    settings: &mut UiSettings,
    index: &JourneyIndex,
    curves: &Curves<'_>,
) {
    if ui.button("Top partners").clicked() {
        settings.sensitivity_sources = default_sources(index, curves, settings);
    }
    egui::ScrollArea::vertical()
        .max_height(360.0)
        .show(ui, |ui| {
            for source in &index.sources {
                let mut on = settings.sensitivity_sources.contains(&source.id);
                if ui.checkbox(&mut on, &source.id).changed() {
                    if on {
                        settings.sensitivity_sources.push(source.id.clone());
                    } else {
                        settings.sensitivity_sources.retain(|id| id != &source.id);
                    }
                }
            }
        });
}

fn plot_ui(
    ui: &mut egui::Ui,
    settings: &UiSettings,
    index: &JourneyIndex,
    curves: &Curves<'_>,
    shown: &[usize],
) {
    let measure = settings.measure;
    let models = models_of(settings.sensitivity_models);
    ui.label(RichText::new(format!("{} against cookie window", measure.label())).strong());
    Plot::new("sensitivity_plot")
        .legend(Legend::default())
        .x_axis_label("Cookie window (days)")
        .y_axis_label(measure.label())
        .include_x(0.0)
        .include_x(f64::from(MAX_WINDOW_DAYS))
        .include_y(0.0)
        .allow_scroll(false)
        .y_grid_spacer(egui_plot::uniform_grid_spacer(nice_steps))
        .y_axis_formatter(move |mark, _| format_measure(mark.value, measure))
        .label_formatter(move |hover| match hover {
            HoverPosition::NearDataPoint {
                plot_name,
                position,
                ..
            } if !plot_name.is_empty() => Some(format!(
                "{plot_name}\n{} days: {}",
                position.x.round(),
                format_measure(position.y, measure)
            )),
            _ => None,
        })
        .height(ui.available_height().max(240.0))
        .show(ui, |plot| {
            for (n, &source) in shown.iter().enumerate() {
                for &model in &models {
                    let points: PlotPoints = (1..=MAX_WINDOW_DAYS)
                        .map(|d| {
                            let credit = curves.credit(CookieWindow::Days(d), model, source);
                            [f64::from(d), measure.of(credit)]
                        })
                        .collect();
                    let name = if models.len() == 1 {
                        index.sources[source].id.clone()
                    } else {
                        format!("{} · {}", index.sources[source].id, model.label())
                    };
                    plot.line(
                        Line::new(name, points)
                            .color(PALETTE[n % PALETTE.len()])
                            .style(line_style(model))
                            .width(2.0),
                    );
                }
            }
            if let CookieWindow::Days(d) = settings.attribution.window {
                plot.vline(
                    VLine::new(format!("Current window: {d} days"), f64::from(d))
                        .color(egui::Color32::GRAY),
                );
            }
        });
}

fn table_ui(
    ui: &mut egui::Ui,
    settings: &UiSettings,
    index: &JourneyIndex,
    curves: &Curves<'_>,
    shown: &[usize],
) {
    let measure = settings.measure;
    let model = match settings.sensitivity_models {
        SensitivityModels::One(model) => model,
        SensitivityModels::All => CreditModel::Last,
    };
    ui.label(RichText::new(format!("{} · {}", measure.label(), model.label())).strong());
    egui::Grid::new("sensitivity_grid")
        .striped(true)
        .spacing([12.0, 4.0])
        .show(ui, |ui| {
            for title in ["Source", "30 days", "60 days", "90 days", "Change 30 to 90"] {
                ui.label(RichText::new(title).strong());
            }
            ui.end_row();
            for &source in shown {
                let at = |d: u32| measure.of(curves.credit(CookieWindow::Days(d), model, source));
                ui.label(&index.sources[source].id);
                for d in [30, 60, 90] {
                    number_cell(ui, format_measure(at(d), measure));
                }
                let change = at(90) - at(30);
                let sign = if change > 0.0 { "+" } else { "" };
                number_cell(ui, format!("{sign}{}", format_measure(change, measure)));
                ui.end_row();
            }
        });
}
