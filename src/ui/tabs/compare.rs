//! The Compare view: window slider and toggles, credit per source under the three models as a
//! sortable table with totals, and a grouped bar chart of the chosen measure.

use std::sync::Arc;

use eframe::egui::{self, Align, Layout, RichText};
use egui_plot::{Bar, BarChart, Legend, Plot};

use crate::attribution::{CreditTable, Model};
use crate::domain::format::{money, thousands};
use crate::journeys::JourneyIndex;
use crate::ui::bridge::SweepCache;
use crate::ui::settings::{Measure, SortColumn, UiSettings};
use crate::ui::widgets::looks::{format_measure, model_color};
use crate::ui::widgets::settings_bar::currency_mix_ui;
use crate::ui::widgets::{right_cell, unit_marks};

/// Sources drawn in the chart (the table lists all).
const CHART_SOURCES: usize = 12;

/// Draws the Compare view.
pub fn compare_ui(
    ui: &mut egui::Ui,
    settings: &mut UiSettings,
    index: &Arc<JourneyIndex>,
    engine: &mut SweepCache,
) {
    let Some((table, stale)) = engine.table(index, &settings.attribution) else {
        ui.spinner();
        return;
    };
    let credit = &table;
    summary_ui(ui, credit, engine, stale);
    currency_mix_ui(ui, index);
    if index.conversions.is_empty() {
        ui.label("No conversions yet: import conversions (or an event log) in the Data view.");
        return;
    }
    let order = sorted_sources(index, credit, settings);
    let table_height = (ui.available_height() * 0.5).max(160.0);
    egui::ScrollArea::vertical()
        .id_salt("credit_table")
        .max_height(table_height)
        .show(ui, |ui| {
            credit_table_ui(ui, settings, index, credit, &order)
        });
    totals_ui(ui, credit);
    ui.separator();
    chart_ui(ui, settings, index, credit, &order);
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

fn sorted_sources(index: &JourneyIndex, credit: &CreditTable, settings: &UiSettings) -> Vec<usize> {
    let mut order: Vec<usize> = (0..index.sources.len()).collect();
    let by_name = |a: &usize, b: &usize| index.sources[*a].id.cmp(&index.sources[*b].id);
    match settings.sort {
        SortColumn::Source => order.sort_by(by_name),
        SortColumn::Credit(model, measure) => order.sort_by(|a, b| {
            let value = |s: usize| measure.of(credit.credit(model, s));
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
    credit: &CreditTable,
    order: &[usize],
) {
    egui::Grid::new("credit_grid")
        .striped(true)
        .num_columns(10)
        .min_col_width(70.0)
        .spacing([14.0, 4.0])
        .show(ui, |ui| {
            left_cell(ui, |_| {});
            for model in Model::ALL {
                ui.label(
                    RichText::new(model.label())
                        .strong()
                        .color(model_color(model)),
                );
                ui.label("");
                ui.label("");
            }
            ui.end_row();
            left_cell(ui, |ui| {
                sort_button(ui, settings, SortColumn::Source, "Source")
            });
            for model in Model::ALL {
                for measure in Measure::ALL {
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
                for model in Model::ALL {
                    let cell = credit.credit(model, source);
                    for measure in Measure::ALL {
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
fn totals_ui(ui: &mut egui::Ui, credit: &CreditTable) {
    egui::Grid::new("credit_totals")
        .num_columns(10)
        .min_col_width(70.0)
        .spacing([14.0, 4.0])
        .show(ui, |ui| {
            left_cell(ui, |ui| {
                ui.label(RichText::new("Total credited").strong());
            });
            for model in Model::ALL {
                let total = credit.model_total(model);
                for measure in Measure::ALL {
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
    credit: &CreditTable,
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
            for (m, model) in Model::ALL.into_iter().enumerate() {
                let bars: Vec<Bar> = shown
                    .iter()
                    .enumerate()
                    .map(|(i, &source)| {
                        let value = measure.of(credit.credit(model, source));
                        Bar::new(i as f64 + (m as f64 - 1.0) * 0.27, value)
                            .width(0.25)
                            .name(format!("{} · {}", names[i], model.label()))
                    })
                    .collect();
                let chart = BarChart::new(model.label(), bars)
                    .color(model_color(model))
                    .element_formatter(Box::new(move |bar, _| {
                        format!("{}\n{}", bar.name, format_measure(bar.value, measure))
                    }));
                plot.add(chart);
            }
        });
}
