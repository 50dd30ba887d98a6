//! The Links view: build a partner's tracking link and copy it, check a pasted link, and list
//! every partner's link.

use eframe::egui::{self, Color32, RichText};

use crate::domain::links::{self, LinkContext};
use crate::ui::bridge::Snapshot;

/// The Links view's state.
#[derive(Debug, Default)]
pub struct LinksTabState {
    /// The partner a link is built for.
    pub partner: String,
    /// The campaign of built links.
    pub campaign: String,
    /// The shop address; empty: the address in the clicks data.
    pub base_url: String,
    /// A link pasted to be checked.
    pub pasted: String,
}

/// Draws the Links view.
pub fn links_ui(ui: &mut egui::Ui, state: &mut LinksTabState, snapshot: &Snapshot) {
    let facts = &snapshot.facts;
    if facts.partners.is_empty() {
        ui.label("No partners yet: import a partners file in the Data view.");
        return;
    }
    if !facts.partners.iter().any(|p| p.partner_id == state.partner) {
        state.partner = facts.partners[0].partner_id.clone();
    }
    let base_url = match state.base_url.trim() {
        "" => facts.base_url.clone(),
        url => url.to_owned(),
    };
    let campaign = match state.campaign.trim() {
        "" => links::DEFAULT_CAMPAIGN.to_owned(),
        c => c.to_owned(),
    };
    let param = facts.link_rules.ref_params[0].clone();
    builder_ui(ui, state, snapshot, &base_url, &campaign, &param);
    ui.separator();
    checker_ui(ui, state, snapshot);
    ui.separator();
    ui.label(RichText::new(format!("Every partner's link (campaign {campaign})")).strong());
    egui::ScrollArea::vertical()
        .id_salt("all_links")
        .show(ui, |ui| {
            egui::Grid::new("links_table")
                .num_columns(3)
                .striped(true)
                .show(ui, |ui| {
                    for head in ["Partner", "Name", "Link"] {
                        ui.label(RichText::new(head).strong());
                    }
                    ui.end_row();
                    for p in &facts.partners {
                        ui.label(&p.partner_id);
                        ui.label(p.name.as_deref().unwrap_or(""));
                        let link = links::build_link(&base_url, &param, &p.partner_id, &campaign);
                        ui.label(RichText::new(link).monospace());
                        ui.end_row();
                    }
                });
        });
}

fn builder_ui(
    ui: &mut egui::Ui,
    state: &mut LinksTabState,
    snapshot: &Snapshot,
    base_url: &str,
    campaign: &str,
    param: &str,
) {
    ui.label(RichText::new("Build a link").strong());
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Partner");
        egui::ComboBox::from_id_salt("link_partner")
            .selected_text(&state.partner)
            .show_ui(ui, |ui| {
                for p in &snapshot.facts.partners {
                    let text = match &p.name {
                        Some(name) => format!("{} · {name}", p.partner_id),
                        None => p.partner_id.clone(),
                    };
                    ui.selectable_value(&mut state.partner, p.partner_id.clone(), text);
                }
            })
            .response
            .labelled_by(label.id);
        let label = ui.label("Campaign");
        ui.add(
            egui::TextEdit::singleline(&mut state.campaign)
                .hint_text(links::DEFAULT_CAMPAIGN)
                .desired_width(160.0),
        )
        .labelled_by(label.id);
        let label = ui.label("Shop address");
        ui.add(
            egui::TextEdit::singleline(&mut state.base_url)
                .hint_text(&snapshot.facts.base_url)
                .desired_width(260.0),
        )
        .labelled_by(label.id);
    });
    let link = links::build_link(base_url, param, &state.partner, campaign);
    ui.horizontal(|ui| {
        ui.label(RichText::new(&link).monospace());
        if ui.button("Copy").clicked() {
            ui.ctx().copy_text(link.clone());
        }
    });
}

fn checker_ui(ui: &mut egui::Ui, state: &mut LinksTabState, snapshot: &Snapshot) {
    ui.label(RichText::new("Check a link").strong());
    let label = ui.label("Paste a partner's link:");
    ui.add(
        egui::TextEdit::singleline(&mut state.pasted)
            .hint_text("https://shop.example.com/?ref=partner123&utm_campaign=spring")
            .desired_width(f32::INFINITY),
    )
    .labelled_by(label.id);
    if state.pasted.trim().is_empty() {
        return;
    }
    let context = LinkContext {
        partners: snapshot
            .facts
            .partners
            .iter()
            .map(|p| p.partner_id.clone())
            .collect(),
        redirects: snapshot
            .redirects
            .iter()
            .map(|r| (r.partner_id.clone(), r.clicks, r.multi_hop))
            .collect(),
    };
    let check = snapshot
        .facts
        .link_rules
        .check_link(&state.pasted, &context);
    ui.label(format!(
        "Partner: {} · campaign: {}",
        check.partner_id.as_deref().unwrap_or("none"),
        check.campaign.as_deref().unwrap_or("none")
    ));
    if check.problems.is_empty() {
        ui.label(
            RichText::new("A correct tracking link: it names a known partner and a campaign.")
                .color(Color32::from_rgb(52, 168, 83)),
        );
    }
    for problem in &check.problems {
        ui.label(RichText::new(format!("• {problem}")).color(ui.visuals().warn_fg_color));
    }
}
