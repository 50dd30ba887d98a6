//! The tracking controls beside the window slider: presets, identity methods, coupon
//! precedence and browser cookie caps. They apply to every view.

use eframe::egui::{self, RichText};

use crate::attribution::{BrowserFamily, CouponPrecedence, Methods, Preset, TrackingSettings};

/// Browser families offered in the caps menu (unknown browsers are never capped).
const CAPPABLE: [BrowserFamily; 7] = [
    BrowserFamily::Safari,
    BrowserFamily::Firefox,
    BrowserFamily::Chrome,
    BrowserFamily::Edge,
    BrowserFamily::Samsung,
    BrowserFamily::Opera,
    BrowserFamily::Other,
];

/// Draws the tracking row: presets, then method toggles, coupon precedence and caps.
pub fn tracking_bar_ui(ui: &mut egui::Ui, tracking: &mut TrackingSettings) {
    ui.horizontal_wrapped(|ui| {
        ui.label("Tracking");
        let current = tracking.preset();
        for preset in Preset::ALL {
            let chosen = current == Some(preset);
            if ui
                .selectable_label(chosen, preset.label())
                .on_hover_text(preset_hint(preset))
                .clicked()
            {
                let settings = preset.settings();
                tracking.methods = settings.methods;
                tracking.coupon = settings.coupon;
            }
        }
    });
    ui.horizontal_wrapped(|ui| {
        ui.label("Methods");
        for method in Methods::ALL {
            let mut on = tracking.methods.contains(method);
            if ui
                .checkbox(&mut on, method.label())
                .on_hover_text(method_hint(method))
                .changed()
            {
                tracking.methods = tracking.methods.with(method, on);
            }
        }
        ui.separator();
        coupon_ui(ui, tracking);
        ui.separator();
        browser_caps_ui(ui, tracking);
    });
}

fn preset_hint(preset: Preset) -> &'static str {
    match preset {
        Preset::CookieOnly => {
            "Classic affiliate tracking: the first-party cookie set at the redirect"
        }
        Preset::Hybrid => "Cookie, plus the click id the site sends back server-side",
        Preset::HybridCrossDevice => {
            "Hybrid, plus touches of the same logged-in user on other devices"
        }
        Preset::HybridCrossDeviceCoupons => {
            "Hybrid and cross-device, with partner coupons crediting sales no partner touch reaches"
        }
    }
}

fn method_hint(method: Methods) -> &'static str {
    match method {
        Methods::COOKIE => "The touch's cookie id equals the conversion's",
        Methods::CLICK_ID => "The conversion kept the click's id (server-side, never capped)",
        Methods::USER => "The same logged-in user, on any device (never capped)",
        _ => "The conversion's coupon code belongs to a partner",
    }
}

fn coupon_ui(ui: &mut egui::Ui, tracking: &mut TrackingSettings) {
    ui.add_enabled_ui(tracking.coupons_on(), |ui| {
        let label = ui.label("Coupon");
        egui::ComboBox::from_id_salt("coupon_precedence")
            .selected_text(tracking.coupon.key())
            .show_ui(ui, |ui| {
                for choice in CouponPrecedence::ALL {
                    ui.selectable_value(&mut tracking.coupon, choice, choice.label());
                }
            })
            .response
            .labelled_by(label.id)
            .on_hover_text("How a partner's coupon on a sale counts when coupon tracking is on");
    });
}

fn caps_summary(tracking: &TrackingSettings) -> String {
    let caps: Vec<String> = tracking
        .browser_caps
        .set()
        .map(|(family, days)| format!("{} {days} d", family.label()))
        .collect();
    if caps.is_empty() {
        "Browser caps: none".to_owned()
    } else {
        format!("Browser caps: {}", caps.join(", "))
    }
}

fn browser_caps_ui(ui: &mut egui::Ui, tracking: &mut TrackingSettings) {
    ui.menu_button(caps_summary(tracking), |ui| {
        ui.label(RichText::new("Cookie lifetime caps for touches matched only by cookie").weak());
        egui::Grid::new("browser_caps")
            .num_columns(2)
            .show(ui, |ui| {
                for family in CAPPABLE {
                    let cap = tracking.browser_caps.cap(family);
                    let mut on = cap.is_some();
                    let mut days = cap.unwrap_or(7);
                    let toggled = ui.checkbox(&mut on, family.label()).changed();
                    let dragged = ui
                        .add_enabled(
                            on,
                            egui::DragValue::new(&mut days)
                                .range(0..=365)
                                .suffix(" days"),
                        )
                        .changed();
                    if toggled || dragged {
                        let caps = tracking.browser_caps.with(family, on.then_some(days));
                        tracking.browser_caps = caps;
                    }
                    ui.end_row();
                }
            });
    });
}
