//! The scenario lab: each built-in scenario's credit written out by hand, under the default
//! settings and the settings that change its outcome; saved scenarios round-trip through the
//! database.

use partner_attribution::attribution::{
    AttributionSettings, CookieWindow, CouponPrecedence, Model, Preset,
};
use partner_attribution::leakage::Cause;
use partner_attribution::scenario::{
    self, BUILT_IN_NAMES, PARTNER_A, PARTNER_B, Scenario, ScenarioOutcome, built_in,
};
use partner_attribution::store::Store;

fn judged(name: &str, settings: &AttributionSettings) -> ScenarioOutcome {
    let scenario = built_in(name).expect("built-in scenario");
    scenario::run(&scenario, settings, &[]).expect("scenario runs")
}

fn with_preset(preset: Preset) -> AttributionSettings {
    AttributionSettings {
        tracking: preset.settings(),
        ..AttributionSettings::default()
    }
}

/// `(first, last, linear)` shares of `source` in the scenario's only purchase.
fn shares(outcome: &ScenarioOutcome, source: &str) -> (f64, f64, f64) {
    let c = &outcome.conversions[0];
    (
        c.share(Model::First, source),
        c.share(Model::Last, source),
        c.share(Model::Linear, source),
    )
}

fn leak_cause(outcome: &ScenarioOutcome) -> Option<Cause> {
    outcome.conversions[0]
        .explanation
        .leak
        .as_ref()
        .map(|l| l.1)
}

#[test]
fn two_partners_first_takes_a_last_takes_b_linear_halves() {
    let outcome = judged(
        "Two partners before one purchase",
        &AttributionSettings::default(),
    );
    assert_eq!(shares(&outcome, PARTNER_A), (1.0, 0.0, 0.5));
    assert_eq!(shares(&outcome, PARTNER_B), (0.0, 1.0, 0.5));
    // 10% commission on $120: last-touch pays B $12.00, linear pays each $6.00.
    let last_b = outcome.credit(Model::Last, PARTNER_B).unwrap();
    assert_eq!((last_b.revenue, last_b.payout), (120.0, 12.0));
    let linear_a = outcome.credit(Model::Linear, PARTNER_A).unwrap();
    assert_eq!((linear_a.revenue, linear_a.payout), (60.0, 6.0));
}

#[test]
fn organic_visits_take_last_touch_unless_partners_only() {
    let name = "Partner click, then three organic visits";
    let outcome = judged(name, &AttributionSettings::default());
    assert_eq!(shares(&outcome, PARTNER_A), (1.0, 0.0, 0.25));
    assert_eq!(shares(&outcome, "organic"), (0.0, 1.0, 0.75));
    let partners_only = AttributionSettings {
        partners_only: true,
        ..AttributionSettings::default()
    };
    let outcome = judged(name, &partners_only);
    assert_eq!(shares(&outcome, PARTNER_A), (1.0, 1.0, 1.0));
    let organic = &outcome.conversions[0].touches[1];
    assert!(organic.sentence.contains("only partner touches count"));
}

#[test]
fn expired_cookie_leaks_at_30_days_and_counts_at_60() {
    let outcome = judged("Cookie expired", &AttributionSettings::default());
    assert_eq!(shares(&outcome, PARTNER_A), (0.0, 0.0, 0.0));
    assert_eq!(leak_cause(&outcome), Some(Cause::CookieExpired));
    let sentence = &outcome.conversions[0].touches[0].sentence;
    assert!(
        sentence.contains("45 days before the sale, outside the 30-day window"),
        "{sentence}"
    );
    let sixty = AttributionSettings {
        window: CookieWindow::Days(60),
        ..AttributionSettings::default()
    };
    assert_eq!(
        shares(&judged("Cookie expired", &sixty), PARTNER_A),
        (1.0, 1.0, 1.0)
    );
}

#[test]
fn phone_to_laptop_needs_cross_device() {
    let outcome = judged("Phone to laptop", &AttributionSettings::default());
    assert_eq!(shares(&outcome, PARTNER_A), (0.0, 0.0, 0.0));
    assert_eq!(leak_cause(&outcome), Some(Cause::DeviceSwitch));
    let outcome = judged("Phone to laptop", &with_preset(Preset::HybridCrossDevice));
    assert_eq!(shares(&outcome, PARTNER_A), (1.0, 1.0, 1.0));
    assert_eq!(outcome.credit(Model::Last, PARTNER_A).unwrap().payout, 20.0);
}

#[test]
fn coupon_without_click_counts_only_with_coupon_tracking() {
    let name = "Coupon without a click";
    let outcome = judged(name, &AttributionSettings::default());
    assert_eq!(shares(&outcome, PARTNER_B), (0.0, 0.0, 0.0));
    assert_eq!(leak_cause(&outcome), Some(Cause::CouponOnly));
    let outcome = judged(name, &with_preset(Preset::HybridCrossDeviceCoupons));
    assert_eq!(shares(&outcome, PARTNER_B), (1.0, 1.0, 1.0));
    assert_eq!(outcome.credit(Model::First, PARTNER_B).unwrap().payout, 5.0);
}

#[test]
fn safari_cap_is_beaten_by_the_server_side_click_id() {
    let outcome = judged("Safari cookie cap", &AttributionSettings::default());
    assert_eq!(shares(&outcome, PARTNER_A), (0.0, 0.0, 0.0));
    assert_eq!(leak_cause(&outcome), Some(Cause::BrowserCap));
    assert!(
        outcome.conversions[0].touches[0]
            .sentence
            .contains("beyond Safari's 7-day cookie cap")
    );
    let outcome = judged("Safari cookie cap", &with_preset(Preset::Hybrid));
    assert_eq!(shares(&outcome, PARTNER_A), (1.0, 1.0, 1.0));
}

#[test]
fn coupon_precedence_decides_between_click_and_coupon() {
    let name = "Coupon and another partner's click";
    let mut settings = with_preset(Preset::HybridCrossDeviceCoupons);
    let outcome = judged(name, &settings);
    assert_eq!(shares(&outcome, PARTNER_A), (1.0, 1.0, 1.0), "backup");
    settings.tracking.coupon = CouponPrecedence::Override;
    let outcome = judged(name, &settings);
    assert_eq!(shares(&outcome, PARTNER_B), (1.0, 1.0, 1.0), "override");
    settings.tracking.coupon = CouponPrecedence::Touch;
    let outcome = judged(name, &settings);
    assert_eq!(shares(&outcome, PARTNER_A), (1.0, 0.0, 0.5), "touch");
    assert_eq!(shares(&outcome, PARTNER_B), (0.0, 1.0, 0.5), "touch");
}

#[test]
fn refunded_purchase_is_credited_but_pays_nothing() {
    let outcome = judged("Refunded purchase", &AttributionSettings::default());
    let row = outcome.credit(Model::Last, PARTNER_A).unwrap();
    assert_eq!(
        (row.conversions, row.revenue, row.payout),
        (1.0, 100.0, 0.0)
    );
}

#[test]
fn every_built_in_runs_and_explains_each_touch() {
    for name in BUILT_IN_NAMES {
        let scenario = built_in(name).unwrap();
        let outcome = scenario::run(&scenario, &AttributionSettings::default(), &[]).unwrap();
        assert_eq!(outcome.conversions.len(), 1, "{name}");
        let touches = scenario.records(&[]).touches.len();
        assert_eq!(outcome.conversions[0].touches.len(), touches, "{name}");
    }
}

#[test]
fn saved_scenarios_round_trip_and_replace_by_name() {
    let store = Store::open_in_memory().unwrap();
    let mut scenario = built_in("Phone to laptop").unwrap();
    scenario.name = "Mine".to_owned();
    let json = serde_json::to_string(&scenario).unwrap();
    store.save_scenario("Mine", &json).unwrap();
    scenario.steps.pop();
    store
        .save_scenario("Mine", &serde_json::to_string(&scenario).unwrap())
        .unwrap();
    let saved = store.saved_scenarios().unwrap();
    assert_eq!(saved.len(), 1);
    let back: Scenario = serde_json::from_str(&saved[0].json).unwrap();
    assert_eq!(back, scenario);
    assert!(store.delete_scenario("Mine").unwrap());
    assert!(store.saved_scenarios().unwrap().is_empty());
}

/// Guards list order at one minute: a click listed after the purchase in the same minute
/// happened after it and never counts.
#[test]
fn steps_in_the_same_minute_keep_their_list_order() {
    let mut scenario = built_in("Coupon without a click").unwrap();
    scenario.steps.push(scenario::Step::at(
        0,
        0,
        scenario::StepKind::PartnerClick {
            partner: PARTNER_A.to_owned(),
            place: scenario::Place::default(),
        },
    ));
    let outcome = scenario::run(&scenario, &AttributionSettings::default(), &[]).unwrap();
    assert_eq!(shares(&outcome, PARTNER_A), (0.0, 0.0, 0.0));
    // Listed before the purchase, the same click counts.
    let click = scenario.steps.pop().unwrap();
    scenario.steps.insert(1, click);
    let outcome = scenario::run(&scenario, &AttributionSettings::default(), &[]).unwrap();
    assert_eq!(shares(&outcome, PARTNER_A), (1.0, 1.0, 1.0));
}

#[test]
fn coupon_codes_stay_unique_and_unpaid_partners_stay_unpaid() {
    let mut scenario = built_in("Coupon without a click").unwrap();
    scenario.steps[0].kind = scenario::StepKind::Coupon {
        partner: "partnera".to_owned(),
    };
    scenario.steps.insert(
        0,
        scenario::Step::at(
            0,
            0,
            scenario::StepKind::Coupon {
                partner: PARTNER_A.to_owned(),
            },
        ),
    );
    let codes = scenario.coupon_codes();
    assert_eq!(
        codes,
        vec![
            (PARTNER_A.to_owned(), "PARTNERA10".to_owned()),
            ("partnera".to_owned(), "PARTNERA10-2".to_owned())
        ]
    );
    // The last coupon typed before the purchase is partnera's, and it takes the sale; a
    // programme partner with no commission earns nothing in the scenario either.
    let unpaid = scenario::KnownPartner {
        partner_id: "partnera".to_owned(),
        name: None,
        commission: partner_attribution::journeys::Commission::None,
    };
    let outcome = scenario::run(
        &scenario,
        &with_preset(Preset::HybridCrossDeviceCoupons),
        &[unpaid],
    )
    .unwrap();
    let row = outcome.credit(Model::Last, "partnera").unwrap();
    assert_eq!((row.conversions, row.revenue, row.payout), (1.0, 50.0, 0.0));
}
