//! How models, leak causes and measures look: colours and number formats the views share.

use eframe::egui;

use crate::attribution::Model;
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
