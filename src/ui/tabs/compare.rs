//! The Compare view: window slider and toggles, a model picker (any of the eight models side
//! by side, their parameters under it), credit per source under the chosen models as a
//! sortable table with totals, and a grouped bar chart of the chosen measure.

use std::sync::Arc;

use eframe::egui::{self, Align, Layout, RichText};
use egui_plot::{Bar, BarChart, Legend, Plot};

use crate::attribution::{CreditModel, CreditTable, ModelCredit, Recurring, SourceCredit};
use crate::domain::CreditRow;
use crate::domain::format::{money, thousands};
use crate::journeys::JourneyIndex;
use crate::store::WarehouseRun;
use crate::ui::bridge::{ModelCache, OpenPathsLoad, OpenPathsState, SweepCache};
use crate::ui::settings::{Measure, SortColumn, UiSettings};
use crate::ui::widgets::looks::{credit_model_color, format_measure};
use crate::ui::widgets::model_params::{model_hint, parameters_ui};
use crate::ui::widgets::settings_bar::currency_mix_ui;
use crate::ui::widgets::{nice_steps, right_cell, unit_marks};

/// Sources drawn in the chart (the table lists all).
const CHART_SOURCES: usize = 12;

/// Models side by side up to which the table shows all three measures under each; with more
/// it shows the measure chosen above, one column per model, so that it fits the window.
const ALL_MEASURES_UP_TO: usize = 3;

/// Height the chart keeps at least, so that its value axis has room for labels.
const CHART_MIN_HEIGHT: f32 = 230.0;

/// The measures the table shows under each model.
fn table_measures(settings: &UiSettings) -> Vec<Measure> {
    if settings.compare_models.len() > ALL_MEASURES_UP_TO {
        vec![settings.measure]
    } else {
        Measure::ALL.to_vec()
    }
}

/// The credit on screen: the sweep's table for first, last and linear, the model worker's
/// answer for the others (zero until it comes).
struct Shown<'a> {
    models: &'a [CreditModel],
    /// The measures in the table under each model: all three for up to
    /// [`ALL_MEASURES_UP_TO`] models, only the chosen one for more.
    measures: Vec<Measure>,
    table: &'a CreditTable,
    others: Option<&'a ModelCredit>,
}

impl Shown<'_> {
    fn credit(&self, model: CreditModel, source: usize) -> SourceCredit {
        match model.classic() {
            Some(classic) => self.table.credit(classic, source),
            None => self
                .others
                .map_or_else(SourceCredit::default, |o| o.credit(model, source)),
        }
    }

    fn total(&self, model: CreditModel) -> SourceCredit {
        match model.classic() {
            Some(classic) => self.table.model_total(classic),
            None => self
                .others
                .map_or_else(SourceCredit::default, |o| o.model_total(model)),
        }
    }
}

/// Draws the Compare view (`open_paths`: the handle on `index`'s journeys that did not
/// convert, read the first time Markov or Shapley is ticked).
pub fn compare_ui(
    ui: &mut egui::Ui,
    settings: &mut UiSettings,
    index: &Arc<JourneyIndex>,
    open_paths: &OpenPathsLoad,
    engine: &mut SweepCache,
    models: &mut ModelCache,
    warehouse: Option<&WarehouseRun>,
) {
    model_picker_ui(ui, settings);
    let Some((mut table, stale)) = engine.table(index, &settings.attribution) else {
        ui.spinner();
        return;
    };
    let recurring = settings.commission_rules.recurring;
    if recurring.is_some() {
        let renewals = engine.renewals(index, recurring);
        renewals.rebind_table(index, &settings.attribution, &mut table);
    }
    let others: Vec<CreditModel> = settings
        .compare_models
        .iter()
        .copied()
        .filter(|m| m.classic().is_none())
        .collect();
    let computed = models.credit(
        index,
        open_paths,
        &settings.attribution,
        &settings.model_params,
        &others,
    );
    let shown = Shown {
        models: &settings.compare_models.clone(),
        measures: table_measures(settings),
        table: &table,
        others: computed.as_ref().map(|(c, _)| &c.0),
    };
    summary_ui(ui, &table, engine, stale);
    recurring_note_ui(ui, recurring, &others);
    others_summary_ui(ui, &others, computed.as_ref(), models.open_paths_state());
    currency_mix_ui(ui, index);
    warehouse_ui(ui, warehouse);
    if index.conversions.is_empty() {
        ui.label("No conversions yet: import conversions (or an event log) in the Data view.");
        return;
    }
    follow_shown_measure(settings, &shown.measures);
    let order = sorted_sources(index, &shown, settings);
    if shown.measures.len() == 1 {
        ui.label(
            RichText::new(format!(
                "{} models: one column each, of the measure chosen above ({}); tick {} or \
                 fewer to see conversions, revenue and payout under each",
                shown.models.len(),
                settings.measure.label(),
                ALL_MEASURES_UP_TO
            ))
            .weak(),
        );
    }
    // The table takes what the chart leaves, and at least room for a few rows.
    let totals_and_chart = CHART_MIN_HEIGHT + 3.0 * ui.spacing().interact_size.y;
    let table_height = (ui.available_height() - totals_and_chart)
        .min(ui.available_height() * 0.6)
        .max(160.0);
    let table = egui::ScrollArea::both()
        .id_salt("credit_table")
        .max_height(table_height)
        .show(ui, |ui| {
            credit_table_ui(ui, settings, index, &shown, &order)
        });
    // The totals scroll sideways with the table instead of widening the view (with many models
    // the row is wider than the window, and the chart below would follow it off screen).
    egui::ScrollArea::horizontal()
        .id_salt("credit_totals")
        .horizontal_scroll_offset(table.state.clamped_offset().x)
        .scroll_bar_visibility(egui::scroll_area::ScrollBarVisibility::AlwaysHidden)
        .show(ui, |ui| totals_ui(ui, &shown));
    ui.separator();
    chart_ui(ui, settings, index, &shown, &order);
}

/// One tick box per model, in the order they are shown, and the parameters of the ticked
/// models that take any.
fn model_picker_ui(ui: &mut egui::Ui, settings: &mut UiSettings) {
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("Models").strong());
        for model in CreditModel::ALL {
            let mut on = settings.compare_models.contains(&model);
            let only = on && settings.compare_models.len() == 1;
            let changed = ui
                .add_enabled(!only, egui::Checkbox::new(&mut on, model.label()))
                .on_hover_text(model_hint(model))
                .changed();
            if changed {
                settings.compare_models = CreditModel::ALL
                    .into_iter()
                    .filter(|&m| {
                        if m == model {
                            on
                        } else {
                            settings.compare_models.contains(&m)
                        }
                    })
                    .collect();
            }
        }
    });
    parameters_ui(
        ui,
        &settings.compare_models.clone(),
        &mut settings.model_params,
    );
}

fn summary_ui(ui: &mut egui::Ui, credit: &CreditTable, engine: &SweepCache, stale: bool) {
    let attributed = credit.total.conversions - credit.unattributed.conversions;
    ui.horizontal_wrapped(|ui| {
        ui.label(format!(
            "{} conversions · {} revenue · {} attributed · {} unattributed ({})",
            thousands(credit.total.conversions as i64),
            money(credit.total.revenue),
            thousands(attributed as i64),
            thousands(credit.unattributed.conversions as i64),
            money(credit.unattributed.revenue),
        ));
        if stale {
            ui.spinner();
            ui.label(RichText::new("updating…").weak());
        } else if let (Some(lookup), Some(sweep)) = (engine.last_lookup(), engine.last_sweep()) {
            ui.label(
                RichText::new(format!(
                    "window change {:.0} µs · all 366 windows computed in {:.1} ms",
                    lookup.as_secs_f64() * 1e6,
                    sweep.as_secs_f64() * 1e3
                ))
                .weak(),
            );
        }
    });
}

/// `recurring: 12 months at 20%` under the summary when renewals are bound (set in the
/// Payouts view), saying which models credit renewals as their first sale.
fn recurring_note_ui(ui: &mut egui::Ui, recurring: Option<Recurring>, others: &[CreditModel]) {
    let Some(recurring) = recurring else {
        return;
    };
    let mut text = format!(
        "{} · a subscription's renewals are credited as its first sale",
        recurring.describe()
    );
    if !others.is_empty() {
        text += " under first, last and linear (the other models credit them by their own touches)";
    }
    ui.label(RichText::new(text).weak())
        .on_hover_text("Set in the Payouts view's rules bar");
}

/// How the models beyond first, last and linear stand: waiting for the journeys that did not
/// convert, computing, or computed in how long.
fn others_summary_ui(
    ui: &mut egui::Ui,
    others: &[CreditModel],
    computed: Option<&(Arc<(ModelCredit, std::time::Duration)>, bool)>,
    open_paths: Option<OpenPathsState>,
) {
    if others.is_empty() {
        return;
    }
    let names: Vec<&str> = others.iter().map(|m| m.label()).collect();
    ui.horizontal_wrapped(|ui| match (open_paths, computed) {
        (Some(OpenPathsState::Failed(why)), _) => {
            ui.colored_label(
                ui.visuals().error_fg_color,
                format!("the journeys that did not convert could not be read: {why}"),
            );
        }
        (Some(_), _) => {
            ui.spinner();
            ui.label(RichText::new("reading the journeys that did not convert…").weak());
        }
        (None, Some((credit, true))) => {
            ui.label(
                RichText::new(format!(
                    "{} computed in {:.1} ms",
                    names.join(", "),
                    credit.1.as_secs_f64() * 1e3
                ))
                .weak(),
            );
        }
        _ => {
            ui.spinner();
            ui.label(RichText::new(format!("computing {}…", names.join(", "))).weak());
        }
    });
}

/// With one measure per model on screen, a sort by a model's other measure sorts by the one
/// shown instead, so that the order is what the columns and the arrow say.
fn follow_shown_measure(settings: &mut UiSettings, measures: &[Measure]) {
    if let (&[shown], SortColumn::Credit(model, measure)) = (measures, settings.sort)
        && measure != shown
    {
        settings.sort = SortColumn::Credit(model, shown);
    }
}

fn sorted_sources(index: &JourneyIndex, shown: &Shown<'_>, settings: &UiSettings) -> Vec<usize> {
    let mut order: Vec<usize> = (0..index.sources.len()).collect();
    let by_name = |a: &usize, b: &usize| index.sources[*a].id.cmp(&index.sources[*b].id);
    match settings.sort {
        SortColumn::Source => order.sort_by(by_name),
        SortColumn::Credit(model, measure) => order.sort_by(|a, b| {
            let value = |s: usize| measure.of(shown.credit(model, s));
            value(*a).total_cmp(&value(*b)).then_with(|| by_name(b, a))
        }),
    }
    if settings.sort_descending {
        order.reverse();
    }
    order
}

fn sort_button(ui: &mut egui::Ui, settings: &mut UiSettings, column: SortColumn, label: &str) {
    let active = settings.sort == column;
    let clicked = ui
        .add(egui::Button::new(RichText::new(label).strong()).frame(false))
        .on_hover_text("Sort by this column; click again to reverse")
        .clicked();
    if active {
        // Drawn in the monospace font, which has the triangles the proportional one lacks.
        let arrow = if settings.sort_descending {
            "▼"
        } else {
            "▲"
        };
        ui.label(RichText::new(arrow).monospace());
    }
    if clicked {
        if active {
            settings.sort_descending = !settings.sort_descending;
        } else {
            settings.sort = column;
            settings.sort_descending = column != SortColumn::Source;
        }
    }
}

/// Width of a numeric column: wide enough for $9,999,999.99 in the monospace font.
fn column_width(measure: Measure) -> f32 {
    match measure {
        Measure::Conversions => 84.0,
        Measure::Revenue => 112.0,
        Measure::Payout => 100.0,
    }
}

fn right_aligned(ui: &mut egui::Ui, measure: Measure, text: String) {
    right_cell(ui, column_width(measure), |ui| {
        ui.label(RichText::new(text).monospace())
    });
}

fn credit_table_ui(
    ui: &mut egui::Ui,
    settings: &mut UiSettings,
    index: &JourneyIndex,
    shown: &Shown<'_>,
    order: &[usize],
) {
    egui::Grid::new("credit_grid")
        .striped(true)
        .num_columns(1 + shown.measures.len() * shown.models.len())
        .min_col_width(70.0)
        .spacing([14.0, 4.0])
        .show(ui, |ui| {
            left_cell(ui, |_| {});
            for &model in shown.models {
                let name = RichText::new(model.label())
                    .strong()
                    .color(credit_model_color(model));
                match shown.measures.as_slice() {
                    // One column per model: its name over its numbers, on the right.
                    &[measure] => right_cell(ui, column_width(measure), |ui| ui.label(name)),
                    measures => {
                        ui.label(name);
                        for _ in 1..measures.len() {
                            ui.label("");
                        }
                    }
                }
            }
            ui.end_row();
            left_cell(ui, |ui| {
                sort_button(ui, settings, SortColumn::Source, "Source")
            });
            for &model in shown.models {
                for &measure in &shown.measures {
                    right_cell(ui, column_width(measure), |ui| {
                        sort_button(
                            ui,
                            settings,
                            SortColumn::Credit(model, measure),
                            measure.label(),
                        );
                    });
                }
            }
            ui.end_row();
            for &source in order {
                left_cell(ui, |ui| source_label_ui(ui, index, source));
                for &model in shown.models {
                    let cell = shown.credit(model, source);
                    for &measure in &shown.measures {
                        right_aligned(ui, measure, format_measure(measure.of(cell), measure));
                    }
                }
                ui.end_row();
            }
        });
}

/// Width of the source column, the same in the scrolling table and the pinned totals row.
const SOURCE_COLUMN_WIDTH: f32 = 170.0;

/// A fixed-width cell with its content on the left.
fn left_cell(ui: &mut egui::Ui, add: impl FnOnce(&mut egui::Ui)) {
    let height = ui.spacing().interact_size.y;
    ui.allocate_ui_with_layout(
        egui::vec2(SOURCE_COLUMN_WIDTH, height),
        Layout::left_to_right(Align::Center),
        |ui| {
            ui.set_min_width(SOURCE_COLUMN_WIDTH);
            add(ui);
        },
    );
}

/// The totals of each model, pinned below the scrolling table in the same columns.
fn totals_ui(ui: &mut egui::Ui, shown: &Shown<'_>) {
    egui::Grid::new("credit_totals")
        .num_columns(1 + shown.measures.len() * shown.models.len())
        .min_col_width(70.0)
        .spacing([14.0, 4.0])
        .show(ui, |ui| {
            left_cell(ui, |ui| {
                ui.label(RichText::new("Total credited").strong());
            });
            for &model in shown.models {
                let total = shown.total(model);
                for &measure in &shown.measures {
                    right_aligned(ui, measure, format_measure(measure.of(total), measure));
                }
            }
            ui.end_row();
        });
}

fn source_label_ui(ui: &mut egui::Ui, index: &JourneyIndex, source: usize) {
    let info = &index.sources[source];
    let text = if info.is_partner {
        RichText::new(&info.id)
    } else {
        RichText::new(&info.id).italics()
    };
    let hover = match (&info.name, info.is_partner) {
        (Some(name), _) => format!("Partner: {name}"),
        (None, true) => "Partner (not in the partners file: no commission)".to_owned(),
        (None, false) => "Non-partner channel (earns no payout)".to_owned(),
    };
    ui.add(egui::Label::new(text).truncate())
        .on_hover_text(hover);
}

fn chart_ui(
    ui: &mut egui::Ui,
    settings: &UiSettings,
    index: &JourneyIndex,
    credit: &Shown<'_>,
    order: &[usize],
) {
    let measure = settings.measure;
    let shown: Vec<usize> = order.iter().copied().take(CHART_SOURCES).collect();
    ui.label(
        RichText::new(format!(
            "{} per source and model (top {} in table order)",
            measure.label(),
            shown.len()
        ))
        .strong(),
    );
    let names: Vec<String> = shown.iter().map(|&s| index.sources[s].id.clone()).collect();
    let axis_names = names.clone();
    Plot::new("credit_chart")
        .legend(Legend::default())
        .x_axis_label("Source")
        .y_axis_label(measure.label())
        .allow_scroll(false)
        .allow_zoom(false)
        .allow_drag(false)
        .include_y(0.0)
        .x_grid_spacer(unit_marks)
        .y_grid_spacer(egui_plot::uniform_grid_spacer(nice_steps))
        .x_axis_formatter(move |mark, _range| {
            let i = mark.value.round() as i64;
            if (mark.value - i as f64).abs() < 1e-6 && i >= 0 {
                axis_names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_axis_formatter(move |mark, _range| format_measure(mark.value, measure))
        .show(ui, |plot| {
            let models = credit.models.len() as f64;
            let width = 0.8 / models;
            for (m, &model) in credit.models.iter().enumerate() {
                let offset = (m as f64 - (models - 1.0) / 2.0) * width;
                let bars: Vec<Bar> = shown
                    .iter()
                    .enumerate()
                    .map(|(i, &source)| {
                        let value = measure.of(credit.credit(model, source));
                        Bar::new(i as f64 + offset, value)
                            .width(width * 0.92)
                            .name(format!("{} · {}", names[i], model.label()))
                    })
                    .collect();
                let chart = BarChart::new(model.label(), bars)
                    .color(credit_model_color(model))
                    .element_formatter(Box::new(move |bar, _| {
                        format!("{}\n{}", bar.name, format_measure(bar.value, measure))
                    }));
                plot.add(chart);
            }
        });
}

/// The credit a warehouse job stored (`warehouse run --into`), marked with where, when and under
/// which settings it ran; folded until opened.
fn warehouse_ui(ui: &mut egui::Ui, run: Option<&WarehouseRun>) {
    let Some(run) = run else { return };
    let title = format!(
        "Computed on {} at {} UTC in {:.1} s: {} rows",
        run.ran_on,
        run.computed_at,
        run.seconds,
        thousands(run.rows.len() as i64)
    );
    egui::CollapsingHeader::new(title)
        .id_salt("warehouse_run")
        .show(ui, |ui| {
            ui.label(RichText::new(format!("Settings: {}", run.settings)).weak());
            egui::ScrollArea::vertical()
                .id_salt("warehouse_rows")
                .max_height(220.0)
                .show(ui, |ui| warehouse_rows_ui(ui, &run.rows));
        });
}

fn warehouse_rows_ui(ui: &mut egui::Ui, rows: &[CreditRow]) {
    egui::Grid::new("warehouse_grid")
        .striped(true)
        .num_columns(5)
        .spacing([14.0, 4.0])
        .show(ui, |ui| {
            for header in ["Source", "Model", "Conversions", "Revenue", "Payout"] {
                ui.label(RichText::new(header).strong());
            }
            ui.end_row();
            for row in rows {
                ui.label(&row.source);
                ui.label(&row.model);
                right_aligned(
                    ui,
                    Measure::Conversions,
                    format_measure(row.conversions, Measure::Conversions),
                );
                right_aligned(
                    ui,
                    Measure::Revenue,
                    format_measure(row.revenue, Measure::Revenue),
                );
                right_aligned(
                    ui,
                    Measure::Payout,
                    format_measure(row.payout, Measure::Payout),
                );
                ui.end_row();
            }
        });
}
