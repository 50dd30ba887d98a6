//! How models, leak causes and measures look: colours and number formats the views share.

use eframe::egui;

use crate::attribution::{CreditModel, Model};
use crate::domain::format::{conversions, money};
use crate::leakage::Cause;
use crate::ui::settings::Measure;

/// Model colours, shared by table headers and chart.
pub fn model_color(model: Model) -> egui::Color32 {
    match model {
        Model::First => egui::Color32::from_rgb(66, 133, 244),
        Model::Last => egui::Color32::from_rgb(234, 134, 35),
        Model::Linear => egui::Color32::from_rgb(52, 168, 83),
    }
}

/// Colours of every model Compare can show: the three of [`model_color`], then the others.
pub fn credit_model_color(model: CreditModel) -> egui::Color32 {
    match model {
        CreditModel::First => model_color(Model::First),
        CreditModel::Last => model_color(Model::Last),
        CreditModel::Linear => model_color(Model::Linear),
        CreditModel::Position => egui::Color32::from_rgb(171, 71, 188),
        CreditModel::TimeDecay => egui::Color32::from_rgb(0, 150, 136),
        CreditModel::LastNonDirect => egui::Color32::from_rgb(219, 68, 55),
        CreditModel::Markov => egui::Color32::from_rgb(121, 85, 72),
        CreditModel::Shapley => egui::Color32::from_rgb(96, 125, 139),
    }
}

/// A measure's value as shown: conversions plainly, money with a currency sign.
pub fn format_measure(value: f64, measure: Measure) -> String {
    match measure {
        Measure::Conversions => conversions(value),
        Measure::Revenue | Measure::Payout => money(value),
    }
}

/// The colour of each cause, in charts and tables.
pub fn cause_color(cause: Cause) -> egui::Color32 {
    match cause {
        Cause::CookieExpired => egui::Color32::from_rgb(120, 144, 156),
        Cause::BrowserCap => egui::Color32::from_rgb(66, 133, 244),
        Cause::DeviceSwitch => egui::Color32::from_rgb(171, 71, 188),
        Cause::BrokenRedirect => egui::Color32::from_rgb(229, 57, 53),
        Cause::CookieMissing => egui::Color32::from_rgb(251, 140, 0),
        Cause::DirectAfterClick => egui::Color32::from_rgb(0, 150, 136),
        Cause::CouponOnly => egui::Color32::from_rgb(192, 160, 0),
    }
}
