//! Payouts with any model as the official one: position-based, time decay and last
//! non-direct split each sale by its own touches, Markov and Shapley by what they learnt from
//! every journey; every amount is worked out by hand below and exact to the cent.

mod common;

use std::process::Command;

use common::{import, write};
use partner_attribution::attribution::{CreditModel, ModelParams};
use partner_attribution::domain::ProgrammeTimeZone;
use partner_attribution::import::FileKind;
use partner_attribution::journeys::JourneyIndex;
use partner_attribution::payouts::{
    Cents, CommissionRules, PayoutSettings, PayoutStatus, Period, PeriodPayouts, payouts,
};
use partner_attribution::statements::statement_after;
use partner_attribution::store::{StatementHistory, Store};

const PARTNERS: &str = "partner_id,name,commission,coupon_codes
alpha,Alpha Reviews,10%,
beta,Beta Deals,20%,
";

/// k1: alpha, an e-mail visit, beta, then a 200.00 sale (lags 240 h, 144 h, 24 h).
/// k2: alpha, a direct visit, then a 50.00 sale (lags 25 h and 1 h).
const TOUCH_CLICKS: &str = "clicked_at,partner_id,channel,cookie_id
2026-09-01T00:00:00Z,alpha,,k1
2026-09-05T00:00:00Z,,email,k1
2026-09-10T00:00:00Z,beta,,k1
2026-09-03T00:00:00Z,alpha,,k2
2026-09-04T00:00:00Z,,direct,k2
";

const TOUCH_SALES: &str = "conversion_id,converted_at,revenue,currency,cookie_id,status
s1,2026-09-11T00:00:00Z,200.00,USD,k1,approved
s2,2026-09-04T01:00:00Z,50.00,USD,k2,approved
";

/// k3: alpha, then a 100.00 sale; k4: alpha, beta, then a 250.00 sale; k5: beta and no sale.
///
/// First-order chain: start→alpha 2, start→beta 1, alpha→(conversion) 1, alpha→beta 1,
/// beta→(conversion) 1, beta→(null) 1. P(conversion) = 2/3·3/4 + 1/3·1/2 = 2/3; without alpha
/// 1/6 (removal effect 3/4), without beta 1/3 (removal effect 1/2). s4 splits 3/5 : 2/5.
/// Shapley: v({alpha}) = 1, v({beta}) = 0, v({alpha, beta}) = 1, so alpha's value in
/// {alpha, beta} is 1 and beta's 0: alpha takes s4.
const LEARNT_CLICKS: &str = "clicked_at,partner_id,channel,cookie_id
2026-09-01T00:00:00Z,alpha,,k3
2026-09-03T00:00:00Z,alpha,,k4
2026-09-04T00:00:00Z,beta,,k4
2026-09-06T00:00:00Z,beta,,k5
";

const LEARNT_SALES: &str = "conversion_id,converted_at,revenue,currency,cookie_id,status
s3,2026-09-02T00:00:00Z,100.00,USD,k3,approved
s4,2026-09-05T00:00:00Z,250.00,USD,k4,approved
";

fn programme(dir: &std::path::Path, clicks: &str, sales: &str) -> std::path::PathBuf {
    let db = dir.join("programme.duckdb");
    let store = Store::open(&db).unwrap();
    for (name, content, kind) in [
        ("partners.csv", PARTNERS, FileKind::Partners),
        ("clicks.csv", clicks, FileKind::Clicks),
        ("conversions.csv", sales, FileKind::Conversions),
    ] {
        import(&store, &write(dir, name, content), Some(kind)).unwrap();
    }
    db
}

fn september() -> Period {
    Period::parse("2026-09").unwrap()
}

fn official(model: CreditModel, params: &ModelParams) -> PayoutSettings {
    let defaults = PayoutSettings::default();
    PayoutSettings::new(
        defaults.attribution,
        model,
        params,
        defaults.hold_days,
        CommissionRules::default(),
    )
}

/// Payable revenue and commission of `partner` under `model`.
fn payable(
    index: &JourneyIndex,
    result: &PeriodPayouts,
    model: CreditModel,
    partner: &str,
) -> (Cents, Cents) {
    result
        .of_model(model)
        .filter(|l| index.sources[l.partner as usize].id == partner)
        .filter(|l| l.status == PayoutStatus::Payable)
        .fold((Cents(0), Cents(0)), |(r, c), l| {
            (Cents(r.0 + l.revenue.0), Cents(c.0 + l.commission.0))
        })
}

#[test]
fn per_sale_models_pay_each_sale_by_its_own_touches() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&programme(dir.path(), TOUCH_CLICKS, TOUCH_SALES)).unwrap();
    let index = JourneyIndex::build(&store).unwrap();
    let zone = ProgrammeTimeZone::default();
    let params = ModelParams {
        half_life_hours: 24.0,
        ..ModelParams::default()
    };
    let amounts = |model| {
        let result = payouts(&index, &official(model, &params), september(), zone);
        assert!(result.of_model(model).count() > 0, "{model:?} has lines");
        (
            payable(&index, &result, model, "alpha"),
            payable(&index, &result, model, "beta"),
        )
    };
    // Position 40/20/40: s1 alpha 80.00 (8.00), e-mail 40.00, beta 80.00 (16.00); s2 has two
    // touches, alpha takes 40 + 20/2 = 50%: 25.00 (2.50).
    assert_eq!(
        amounts(CreditModel::Position),
        ((Cents(10_500), Cents(1_050)), (Cents(8_000), Cents(1_600)))
    );
    // Last non-direct: s1 to beta (40.00), s2 passes over the direct visit to alpha (5.00);
    // last-touch gives s2 to the direct visit, which is paid nothing.
    assert_eq!(
        amounts(CreditModel::LastNonDirect),
        ((Cents(5_000), Cents(500)), (Cents(20_000), Cents(4_000)))
    );
    assert_eq!(
        amounts(CreditModel::Last),
        ((Cents(0), Cents(0)), (Cents(20_000), Cents(4_000)))
    );
    // Time decay, 24-hour half-life: s1 weighs 2^-10, 2^-6, 2^-1, so alpha 1/529 (0.38,
    // commission 0.04) and beta 512/529 (193.57, commission 38.71); s2: alpha 2^(-25/24)
    // against 2^(-1/24), a third: 16.67, commission 1.67.
    assert_eq!(
        amounts(CreditModel::TimeDecay),
        (
            (Cents(38 + 1_667), Cents(4 + 167)),
            (Cents(19_357), Cents(3_871))
        )
    );
}

#[test]
fn data_driven_models_pay_by_what_every_journey_taught_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&programme(dir.path(), LEARNT_CLICKS, LEARNT_SALES)).unwrap();
    let mut index = JourneyIndex::build(&store).unwrap();
    index.read_open_paths(&store).unwrap();
    let zone = ProgrammeTimeZone::default();
    let params = ModelParams::default();
    let split = |model| {
        let settings = official(model, &params);
        let result = payouts(&index, &settings, september(), zone);
        let amounts = (
            payable(&index, &result, model, "alpha"),
            payable(&index, &result, model, "beta"),
        );
        // The statement of the month pays the same, sale by sale.
        let statement = statement_after(
            &index,
            &settings,
            september(),
            zone,
            &StatementHistory::default(),
        );
        let paid: i64 = statement.lines.iter().map(|l| l.commission.0).sum();
        assert_eq!(paid, (amounts.0).1.0 + (amounts.1).1.0, "{model:?}");
        amounts
    };
    // Markov: s3 to alpha (100.00, 10.00); s4 3/5 to alpha (150.00, 15.00), 2/5 to beta
    // (100.00, 20.00).
    assert_eq!(
        split(CreditModel::Markov),
        ((Cents(25_000), Cents(2_500)), (Cents(10_000), Cents(2_000)))
    );
    // Shapley: alpha's value is all of {alpha, beta}: 350.00, 35.00; beta nothing.
    assert_eq!(
        split(CreditModel::Shapley),
        ((Cents(35_000), Cents(3_500)), (Cents(0), Cents(0)))
    );
    // Linear, for contrast: alpha 100.00 + 125.00 (22.50), beta 125.00 (25.00).
    assert_eq!(
        split(CreditModel::Linear),
        ((Cents(22_500), Cents(2_250)), (Cents(12_500), Cents(2_500)))
    );
}

#[test]
fn a_fingerprint_holds_only_the_parameters_of_its_model() {
    let moved = ModelParams {
        half_life_hours: 24.0,
        markov_order: 2,
        ..ModelParams::default()
    };
    let last = official(CreditModel::Last, &moved);
    assert_eq!(last.fingerprint(), PayoutSettings::default().fingerprint());
    let decay = official(CreditModel::TimeDecay, &moved);
    let default_decay = official(CreditModel::TimeDecay, &ModelParams::default());
    assert_ne!(decay.fingerprint(), default_decay.fingerprint());
    assert_eq!(decay.params.markov_order, 1);
    assert_eq!(decay.model_label(), "Time decay (half-life 24 h)");
    // Saved before the field existed: no params, the defaults.
    let json = serde_json::to_string(&PayoutSettings::default()).unwrap();
    assert!(!json.contains("params"));
    let back: PayoutSettings = serde_json::from_str(&json).unwrap();
    assert_eq!(back, PayoutSettings::default());
}

#[test]
fn the_command_line_pays_by_markov() {
    let dir = tempfile::tempdir().unwrap();
    let db = programme(dir.path(), LEARNT_CLICKS, LEARNT_SALES);
    let output = Command::new(env!("CARGO_BIN_EXE_partner-attribution"))
        .args(["payouts", "--db"])
        .arg(&db)
        .args([
            "--period", "2026-09", "--model", "markov", "--format", "csv",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let csv = String::from_utf8(output.stdout).unwrap();
    assert!(
        csv.contains("2026-09,alpha,Alpha Reviews,markov,1.6000,250.00,25.00,USD,payable,"),
        "{csv}"
    );
    assert!(
        csv.contains("2026-09,beta,Beta Deals,markov,0.4000,100.00,20.00,USD,payable,"),
        "{csv}"
    );
    let table = Command::new(env!("CARGO_BIN_EXE_partner-attribution"))
        .args(["payouts", "--db"])
        .arg(&db)
        .args(["--period", "2026-09", "--model", "position"])
        .args(["--position-weights", "30,40,30"])
        .output()
        .unwrap();
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(
        text.contains("official model Position-based (30/40/30)"),
        "{text}"
    );
}
