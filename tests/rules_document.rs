//! The rules document: its worked examples are the engine's results under the stated
//! settings, every partner-supplied string is escaped, and the HTML is self-contained.

mod common;

use std::process::Command;

use chrono::NaiveDate;
use common::{import, write};
use partner_attribution::attribution::{AttributionSettings, CookieWindow, Model, Preset};
use partner_attribution::domain::ProgrammeTimeZone;
use partner_attribution::domain::links::LinkRules;
use partner_attribution::import::FileKind;
use partner_attribution::journeys::{Commission, JourneyIndex};
use partner_attribution::payouts::PayoutSettings;
use partner_attribution::report::{
    self, PartnerInfo, RulesDocument, RulesInput, WorkedExample, rules_document, to_html,
    to_markdown,
};
use partner_attribution::scenario::{self, built_in};
use partner_attribution::store::Store;

const HOSTILE_NAME: &str = "<script>alert('x')</script> & *Sons* [x](javascript:1)";

#[test]
fn markdown_escaping_stops_links_lists_and_html() {
    use partner_attribution::report::markdown_escape;
    assert_eq!(
        markdown_escape("1. https://evil.test"),
        r"1\. https\://evil.test"
    );
    assert_eq!(markdown_escape("- <b>x</b>"), r"\- &lt;b&gt;x&lt;/b&gt;");
    assert_eq!(markdown_escape("a-b 2.5"), "a-b 2.5");
}

fn input(payout: PayoutSettings) -> RulesInput {
    RulesInput {
        programme: "Acme <b>Partners</b>".to_owned(),
        payout,
        tolerance_days: 7,
        link_rules: LinkRules::parse("ref,via"),
        base_url: "https://shop.example.com/".to_owned(),
        partners: vec![
            PartnerInfo {
                partner_id: "evil\"<img src=x>".to_owned(),
                name: Some(HOSTILE_NAME.to_owned()),
                commission: Commission::Percent(12.0),
            },
            PartnerInfo {
                partner_id: "flatco".to_owned(),
                name: Some("Flat Co".to_owned()),
                commission: Commission::Flat(25.0),
            },
        ],
        time_zone: ProgrammeTimeZone::default(),
        date: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
        saved: Vec::new(),
    }
}

fn example<'a>(doc: &'a RulesDocument, scenario: &str) -> &'a WorkedExample {
    doc.sections
        .iter()
        .flat_map(|s| &s.examples)
        .find(|e| e.scenario == scenario)
        .unwrap_or_else(|| panic!("no example {scenario}"))
}

#[test]
fn worked_examples_are_the_engines_results() {
    let payout = PayoutSettings::default();
    let doc = rules_document(&input(payout.clone())).unwrap();
    assert_eq!(doc.sections.len(), 11);
    assert_eq!(doc.fingerprint, payout.fingerprint());
    // Every example's outcome line is the engine's credit for that scenario and model.
    for example in doc.sections.iter().flat_map(|s| &s.examples) {
        let Some(scenario) = built_in(&example.scenario) else {
            continue;
        };
        let outcome = scenario::run(&scenario, &payout.attribution, &[]).unwrap();
        for model in Model::ALL {
            let line = example
                .outcome
                .iter()
                .find(|l| l.starts_with(model.label()))
                .unwrap();
            for row in outcome.credit.iter().filter(|r| r.model == model.key()) {
                let money = partner_attribution::domain::format::money(row.payout);
                assert!(line.contains(&row.source), "{line}");
                assert!(line.contains(&format!("commission {money}")), "{line}");
            }
        }
    }
    // Written out by hand: last-touch, 30 days, cookie only, 10% commission.
    let two = example(&doc, "Two partners before one purchase");
    assert_eq!(
        two.conclusion,
        "Under the official last touch model: partner-b is credited with $120.00 and earns $12.00."
    );
    assert_eq!(
        two.outcome[0],
        "Last touch (official): partner-b 1 — revenue $120.00, commission $12.00"
    );
    let expired = example(&doc, "Cookie expired");
    assert!(
        expired.touches[0]
            .1
            .ends_with("45 days before the sale, outside the 30-day window.")
    );
    assert_eq!(
        expired.conclusion,
        "Under the official last touch model nobody is credited: partner-a's sale leaks (cookie expired)."
    );
    let refund = example(&doc, "Refunded purchase");
    assert!(
        refund
            .conclusion
            .ends_with("earns $0.00 (the sale is refunded).")
    );
    let hold = example(&doc, "Sale near the month's end");
    assert_eq!(
        hold.conclusion,
        "The sale is 5.6 days before the end of 2026-01, within the 14-day hold: it is pending on 2026-01's statement."
    );
}

#[test]
fn examples_follow_the_settings_they_state() {
    let mut payout = PayoutSettings {
        model: Model::First.into(),
        hold_days: 3,
        ..PayoutSettings::default()
    };
    payout.attribution = AttributionSettings {
        window: CookieWindow::Days(60),
        tracking: Preset::HybridCrossDeviceCoupons.settings(),
        ..AttributionSettings::default()
    };
    let doc = rules_document(&input(payout)).unwrap();
    let expired = example(&doc, "Cookie expired");
    assert_eq!(
        expired.conclusion,
        "Under the official first touch model: partner-a is credited with $60.00 and earns $6.00."
    );
    let two = example(&doc, "Two partners before one purchase");
    assert!(
        two.conclusion
            .contains("partner-a is credited with $120.00")
    );
    let coupon = example(&doc, "Coupon without a click");
    assert!(
        coupon
            .conclusion
            .contains("partner-b is credited with $50.00 and earns $5.00")
    );
    let hold = example(&doc, "Sale near the month's end");
    assert!(
        hold.conclusion
            .contains("past the 3-day hold: it is payable")
    );
    let audit = example(&doc, "Phone to laptop");
    assert!(
        doc.sections.last().unwrap().examples[0]
            .conclusion
            .ends_with("the audit answers: credited to you.")
    );
    assert!(audit.touches[0].0, "cross-device link counts");
}

#[test]
fn hostile_partner_strings_are_escaped_and_the_html_stands_alone() {
    let doc = rules_document(&input(PayoutSettings::default())).unwrap();
    let html = to_html(&doc);
    assert!(!html.contains("<script"), "raw script tag in the HTML");
    assert!(!html.contains("<img"), "raw img tag in the HTML");
    assert!(!html.contains("<b>Partners"), "raw programme markup");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; *Sons*"));
    assert!(html.contains("Acme &lt;b&gt;Partners&lt;/b&gt;"));
    // One file: no stylesheet, script, image or font is fetched from anywhere.
    for outside in ["<link", "src=", "@import", "url(", "href="] {
        assert!(!html.contains(outside), "external reference {outside}");
    }
    assert!(html.contains("@media print"));
    assert!(html.contains("Dated 2026-11-24"));
    assert!(html.contains(&PayoutSettings::default().fingerprint()));
    let md = to_markdown(&doc);
    assert!(!md.contains("<script"));
    assert!(md.contains("&lt;script&gt;"));
    assert!(md.contains(r"\*Sons\* \[x\](javascript\:1)"));
    // The example link names the partner percent-encoded, so it cannot break out either.
    assert!(html.contains("?ref=evil%22%3Cimg%20src%3Dx%3E&amp;utm_source="));
}

#[test]
fn rules_and_links_commands_write_from_a_real_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.duckdb");
    {
        let store = Store::open(&db).unwrap();
        let partners = write(
            dir.path(),
            "partners.csv",
            "partner_id,name,commission\nalpha,\"=HYPERLINK(\"\"x\"\")\",12%\nbeta,Beta <Co>,25.00\n",
        );
        import(&store, &partners, Some(FileKind::Partners)).unwrap();
        let clicks = write(
            dir.path(),
            "clicks.csv",
            "clicked_at,url,cookie_id\n2026-10-01T10:00:00Z,https://store.test/deals?ref=alpha,c1\n",
        );
        import(&store, &clicks, Some(FileKind::Clicks)).unwrap();
        let index = JourneyIndex::build(&store).unwrap();
        let facts = report::programme_facts(&store, &index.sources).unwrap();
        assert_eq!(facts.base_url, "https://store.test/deals");
    }
    let bin = env!("CARGO_BIN_EXE_partner-attribution");
    let html = dir.path().join("rules.html");
    let out = Command::new(bin)
        .args(["rules", "--db", db.to_str().unwrap(), "--out"])
        .arg(&html)
        .args(["--programme", "Acme", "--model", "first"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(text.contains("https://store.test/deals?ref=alpha&amp;utm_source=alpha"));
    assert!(text.contains("Beta &lt;Co&gt;"));
    assert!(text.contains("Payouts follow the First touch model"));
    let bad = Command::new(bin)
        .args(["rules", "--db", db.to_str().unwrap(), "--out", "rules.pdf"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("expected a file ending in .html or .md")
    );
    let links = Command::new(bin)
        .args([
            "links",
            "--db",
            db.to_str().unwrap(),
            "--base-url",
            "https://shop.test/",
        ])
        .args(["--campaign", "winter sale", "--format", "csv"])
        .output()
        .unwrap();
    let csv = String::from_utf8(links.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "partner_id,partner_name,utm_source,utm_medium,utm_campaign,link"
    );
    assert_eq!(
        lines[1],
        "alpha,\"'=HYPERLINK(\"\"x\"\")\",alpha,partner,winter sale,\
         https://shop.test/?ref=alpha&utm_source=alpha&utm_medium=partner&utm_campaign=winter%20sale"
    );
    // Each link parses back to its partner and campaign.
    let rules = LinkRules::default();
    for line in &lines[1..] {
        let link = line.rsplit(',').next().unwrap();
        let parts = rules.parse_link(link);
        assert_eq!(
            parts.partner_id.as_deref(),
            Some(line.split(',').next().unwrap())
        );
        assert!(
            parts
                .utm
                .contains(&("utm_campaign".to_owned(), "winter sale".to_owned()))
        );
    }
}

#[test]
fn saved_scenarios_are_the_documents_examples() {
    let mut input = input(PayoutSettings::default());
    // A saved version of a built-in replaces that rule's example...
    let mut expired = built_in("Cookie expired").unwrap();
    expired.steps[1].at_minutes = 20 * 1440;
    input.saved.push(expired);
    // ...and any other saved scenario is added as a further example.
    let mut own = built_in("Two partners before one purchase").unwrap();
    own.name = "Three <b>partners</b>".to_owned();
    own.steps.insert(
        1,
        scenario::Step::at(
            2,
            0,
            scenario::StepKind::PartnerClick {
                partner: "partner-c".to_owned(),
                place: scenario::Place::default(),
            },
        ),
    );
    input.saved.push(own);
    let doc = rules_document(&input).unwrap();
    assert_eq!(
        example(&doc, "Cookie expired").conclusion,
        "Under the official last touch model: partner-a is credited with $60.00 and earns $6.00."
    );
    let more = doc.sections.last().unwrap();
    assert_eq!(more.title, "More examples");
    let linear = &example(&doc, "Three <b>partners</b>").outcome[2];
    assert!(linear.contains("partner-c 0.33"), "{linear}");
    assert!(to_html(&doc).contains("Example: Three &lt;b&gt;partners&lt;/b&gt;"));
}

/// The document states the payout schedule the statements follow, and a tier and a cap only
/// when the programme sets them.
#[test]
fn the_schedule_names_the_statements_rules_and_any_tier_or_cap() {
    let text = |doc: RulesDocument| -> String {
        let paragraphs = doc.sections.iter().flat_map(|s| s.paragraphs.iter());
        paragraphs.cloned().collect::<Vec<_>>().join("\n")
    };
    let plain = text(rules_document(&input(PayoutSettings::default())).unwrap());
    assert!(plain.contains("are paid on the first statement after their hold ends"));
    assert!(plain.contains("taken back as a negative line (a clawback) on the next statement"));
    assert!(!plain.contains("Tier:") && !plain.contains("No single sale"));

    let payout = PayoutSettings {
        rules: partner_attribution::payouts::CommissionRules {
            tier: Some(partner_attribution::payouts::Tier {
                threshold_cents: 1_000_000,
                rate_bp: 1_500,
            }),
            cap_cents: Some(5_000),
            ..Default::default()
        },
        ..PayoutSettings::default()
    };
    let ruled = text(rules_document(&input(payout)).unwrap());
    assert!(
        ruled.contains(
            "Tier: your credited revenue above 10,000.00 in a month (in each currency) earns \
             15% instead of your percentage rate; the sale that crosses 10,000.00 is split there."
        ),
        "{ruled}"
    );
    assert!(ruled.contains("No single sale pays you more than 50.00 in commission."));
}

/// Any model can be the official one: the document describes it with its parameters, and the
/// worked examples pay by it.
#[test]
fn the_document_describes_the_official_model_with_its_parameters() {
    use partner_attribution::attribution::{CreditModel, ModelParams};
    let official = |model, params: &ModelParams| {
        let defaults = PayoutSettings::default();
        PayoutSettings::new(
            defaults.attribution,
            model,
            params,
            defaults.hold_days,
            Default::default(),
        )
    };
    let sentences = |doc: &RulesDocument| -> String {
        let paragraphs = doc.sections.iter().flat_map(|s| s.paragraphs.iter());
        paragraphs.cloned().collect::<Vec<_>>().join("\n")
    };
    let position = rules_document(&input(official(
        CreditModel::Position,
        &ModelParams::default(),
    )))
    .unwrap();
    assert!(
        sentences(&position).contains(
            "Payouts follow the Position-based model: the first counting touch gets 40% of the \
             sale, the last 40%, and the touches between them share 20%; a single touch takes \
             the whole sale and two touches take 50% and 50% (position-based)."
        ),
        "{}",
        sentences(&position)
    );
    let organic = example(&position, "Partner click, then three organic visits");
    assert!(
        organic.outcome[0].starts_with("Position-based (official): ")
            && organic.outcome[0].contains("partner-a 0.40"),
        "{:?}",
        organic.outcome
    );
    assert!(
        organic
            .outcome
            .iter()
            .any(|l| l.starts_with("Last touch: "))
    );

    let markov = ModelParams {
        markov_order: 2,
        ..ModelParams::default()
    };
    let doc = rules_document(&input(official(CreditModel::Markov, &markov))).unwrap();
    let text = sentences(&doc);
    assert!(
        text.contains("Payouts follow the Markov chain model"),
        "{text}"
    );
    assert!(
        text.contains("a Markov chain of order 2 solved exactly"),
        "{text}"
    );
    assert!(
        text.contains("in proportion to their removal effects"),
        "{text}"
    );
}

/// A recurring binding is stated in plain words: how long renewals stay the referring
/// partner's and at what rate; nothing is said of renewals without one.
#[test]
fn the_schedule_states_a_recurring_binding() {
    use partner_attribution::attribution::Recurring;
    use partner_attribution::payouts::CommissionRules;
    let text = |payout: PayoutSettings| -> String {
        let doc = rules_document(&input(payout)).unwrap();
        let paragraphs = doc.sections.iter().flat_map(|s| s.paragraphs.iter());
        paragraphs.cloned().collect::<Vec<_>>().join("\n")
    };
    assert!(!text(PayoutSettings::default()).contains("Recurring commission"));
    let bound = |months, renewal_rate_bp| PayoutSettings {
        rules: CommissionRules {
            recurring: Some(Recurring {
                months,
                renewal_rate_bp,
            }),
            ..CommissionRules::default()
        },
        ..PayoutSettings::default()
    };
    let twelve = text(bound(Some(12), Some(2_000)));
    assert!(
        twelve.contains(
            "Recurring commission: when a customer you referred subscribes, you are credited \
             for every renewal of that subscription up to 12 months after its first payment (a \
             renewal later than that is credited by its own clicks, like any sale), without a \
             new click, and earn 20% of each renewal."
        ),
        "{twelve}"
    );
    let lifetime = text(bound(None, None));
    assert!(
        lifetime.contains(
            "every renewal of that subscription for as long as the subscription lasts, without \
             a new click, and earn your own rate on each renewal."
        ),
        "{lifetime}"
    );
}
