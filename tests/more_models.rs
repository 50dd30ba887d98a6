//! Position-based, time decay, last non-direct, Markov and Shapley credit on the real si05
//! event log, against the reference credit public tools computed
//! (`../shared/data/si05/more_models/`), and the relations between the models that hold on
//! any data.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use common::si05_dir;
use partner_attribution::attribution::{
    AttributionSettings, CookieWindow, CouponPrecedence, CreditModel, ModelCredit, ModelParams,
    Preset, SourceCredit, TrackingSettings, compute_models,
};
use partner_attribution::import::{
    ColumnMap, FileKind, ImportRequest, ImportSettings, import_file,
};
use partner_attribution::journeys::JourneyIndex;
use partner_attribution::store::Store;

/// The references agree with each other to 1e-12 relative; ours must be within this.
const TOLERANCE: f64 = 1e-6;

/// si05 imported as an event log, as the foundation's example does, indexed once.
fn si05() -> &'static JourneyIndex {
    static INDEX: OnceLock<JourneyIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let store = Store::open_in_memory().unwrap();
        let request = ImportRequest {
            path: si05_dir().join("events.csv"),
            kind: Some(FileKind::Events),
            columns: ColumnMap::default(),
        };
        import_file(&store, &request, &ImportSettings::default()).unwrap();
        let mut index = JourneyIndex::build(&store).unwrap();
        index.read_open_paths(&store).unwrap();
        index
    })
}

/// The references' journey rules: no window, reset after each conversion, all sources.
fn reference_settings() -> AttributionSettings {
    AttributionSettings {
        window: CookieWindow::Unlimited,
        reset_after_conversion: true,
        partners_only: false,
        tracking: Default::default(),
    }
}

fn reference_dir() -> std::path::PathBuf {
    si05_dir().join("more_models")
}

/// One reference row: channel, conversions and value (`None`: no tool computes it).
struct Reference {
    channel: String,
    conversions: f64,
    value: Option<f64>,
}

fn read_reference(file: &str) -> Vec<Reference> {
    let text = std::fs::read_to_string(reference_dir().join(file))
        .unwrap_or_else(|e| panic!("reading {file}: {e}"));
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("channel,conversions,value"), "{file}");
    lines
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 3, "{file}: {line}");
            Reference {
                channel: f[0].to_owned(),
                conversions: f[1].parse().unwrap(),
                value: (!f[2].is_empty()).then(|| f[2].parse().unwrap()),
            }
        })
        .collect()
}

fn run(model: CreditModel, params: &ModelParams) -> ModelCredit {
    compute_models(si05(), &reference_settings(), params, &[model])
}

fn source_id(channel: &str) -> usize {
    si05()
        .sources
        .iter()
        .position(|s| s.id == channel)
        .unwrap_or_else(|| panic!("no source {channel}"))
}

/// Asserts our credit under `model` equals the reference `file` to [`TOLERANCE`], every
/// channel and both columns, and returns the largest difference.
fn assert_matches(file: &str, model: CreditModel, params: &ModelParams) -> f64 {
    let ours = run(model, params);
    let reference = read_reference(file);
    assert_eq!(reference.len(), 5, "{file}: five channels");
    let mut largest: f64 = 0.0;
    for row in &reference {
        let credit = ours.credit(model, source_id(&row.channel));
        let mut differences = vec![(credit.conversions - row.conversions).abs()];
        differences.extend(row.value.map(|v| (credit.revenue - v).abs()));
        for difference in differences {
            assert!(
                difference <= TOLERANCE,
                "{file}, {}: ours ({}, {}) vs reference ({}, {:?})",
                row.channel,
                credit.conversions,
                credit.revenue,
                row.conversions,
                row.value
            );
            largest = largest.max(difference);
        }
    }
    println!("{file}: largest difference {largest:.3e}");
    largest
}

fn position(weights: [f64; 3]) -> ModelParams {
    ModelParams {
        position_weights_pct: weights,
        ..ModelParams::default()
    }
}

fn half_life(hours: f64) -> ModelParams {
    ModelParams {
        half_life_hours: hours,
        ..ModelParams::default()
    }
}

fn direct(channel: &str) -> ModelParams {
    ModelParams {
        direct_channels: vec![channel.to_owned()],
        ..ModelParams::default()
    }
}

fn shapley_limit(sources: Option<u32>) -> ModelParams {
    ModelParams {
        shapley_max_sources: sources,
        ..ModelParams::default()
    }
}

#[test]
fn position_40_20_40_equals_dp6_nova_and_mta() {
    assert_matches(
        "si05__position_based__first=0.4__middle=0.2__last=0.4.csv",
        CreditModel::Position,
        &ModelParams::default(),
    );
}

#[test]
fn position_30_40_30_equals_dp6_and_mta() {
    assert_matches(
        "si05__position_based__first=0.3__middle=0.4__last=0.3.csv",
        CreditModel::Position,
        &position([30.0, 40.0, 30.0]),
    );
}

#[test]
fn position_20_20_60_equals_dp6_two_touch_rule() {
    assert_matches(
        "si05__position_based__first=0.2__middle=0.2__last=0.6__two_touch=dp6.csv",
        CreditModel::Position,
        &position([20.0, 20.0, 60.0]),
    );
}

#[test]
fn position_20_20_60_with_two_touches_in_proportion_equals_mta() {
    let params = ModelParams {
        position_two_touch_proportional: true,
        ..position([20.0, 20.0, 60.0])
    };
    assert_matches(
        "si05__position_based__first=0.2__middle=0.2__last=0.6__two_touch=mta.csv",
        CreditModel::Position,
        &params,
    );
}

#[test]
fn time_decay_in_whole_steps_equals_dp6_step_decay() {
    for (hours, file) in [
        (
            168.0,
            "si05__time_decay_step__decay=0.5__step_hours=168__hours=floor.csv",
        ),
        (
            24.0,
            "si05__time_decay_step__decay=0.5__step_hours=24__hours=floor.csv",
        ),
    ] {
        let params = ModelParams {
            time_decay_steps: true,
            ..half_life(hours)
        };
        assert_matches(file, CreditModel::TimeDecay, &params);
    }
}

#[test]
fn time_decay_half_life_168_hours_equals_nova() {
    assert_matches(
        "si05__time_decay_halflife__half_life_hours=168.csv",
        CreditModel::TimeDecay,
        &ModelParams::default(),
    );
}

#[test]
fn time_decay_half_life_24_hours_equals_nova() {
    assert_matches(
        "si05__time_decay_halflife__half_life_hours=24.csv",
        CreditModel::TimeDecay,
        &half_life(24.0),
    );
}

#[test]
fn last_non_direct_equals_dp6_with_direct_and_with_facebook_passed_over() {
    assert_matches(
        "si05__last_non__excluded=Direct.csv",
        CreditModel::LastNonDirect,
        &direct("Direct"),
    );
    assert_matches(
        "si05__last_non__excluded=Facebook.csv",
        CreditModel::LastNonDirect,
        &direct("Facebook"),
    );
}

#[test]
fn markov_first_order_equals_dp6_and_nova() {
    assert_matches(
        "si05__markov_removal__order=1__nulls=yes__self_loops=dropped.csv",
        CreditModel::Markov,
        &ModelParams::default(),
    );
}

#[test]
fn markov_removal_effects_equal_dp6_and_nova() {
    let ours = run(CreditModel::Markov, &ModelParams::default());
    let effects = ours.removal_effects.expect("markov ran");
    let file = "si05__markov_removal_effect__order=1__nulls=yes__self_loops=dropped.csv";
    let mut largest: f64 = 0.0;
    for row in read_reference(file) {
        let got = effects[source_id(&row.channel)];
        largest = largest.max((got - row.conversions).abs());
        assert!(
            (got - row.conversions).abs() <= 1e-9,
            "{}: {got} vs {}",
            row.channel,
            row.conversions
        );
    }
    println!("{file}: largest difference {largest:.3e}");
}

#[test]
fn shapley_of_all_five_sources_equals_dp6_and_nova() {
    assert_matches(
        "si05__shapley_combination__size=5__values=conv_rate.csv",
        CreditModel::Shapley,
        &shapley_limit(None),
    );
}

#[test]
fn shapley_of_the_last_four_sources_equals_dp6_and_nova() {
    assert_matches(
        "si05__shapley_combination__size=4__values=conv_rate.csv",
        CreditModel::Shapley,
        &shapley_limit(Some(4)),
    );
}

/// The reference files no model of ours reproduces, and why. Every file in the folder is
/// either compared above or listed here, so a new reference does not go unnoticed.
const NOT_COMPARED: [(&str, &str); 4] = [
    (
        "si05__time_decay_mta_unique_left__count_direction=left.csv",
        "not time-based: unique channels weighted 1..k by first appearance",
    ),
    (
        "si05__markov_dp6_default__order=1__nulls=ignored__weights=conversions_value.csv",
        "journeys without a sale weigh nothing; ours count them as paths to (null)",
    ),
    (
        "si05__markov_journey_split__order=1__nulls=yes__self_loops=dropped.csv",
        "removal-effect shares applied per journey (repeats counting); ours split the totals",
    ),
    (
        "si05__shapley_global__max_coalition_size=all.csv",
        "mta's global game (linear over unique channels); ours is per combination",
    ),
];

/// The files compared by the tests above.
const COMPARED: [&str; 14] = [
    "si05__position_based__first=0.2__middle=0.2__last=0.6__two_touch=mta.csv",
    "si05__time_decay_step__decay=0.5__step_hours=168__hours=floor.csv",
    "si05__time_decay_step__decay=0.5__step_hours=24__hours=floor.csv",
    "si05__position_based__first=0.4__middle=0.2__last=0.4.csv",
    "si05__position_based__first=0.3__middle=0.4__last=0.3.csv",
    "si05__position_based__first=0.2__middle=0.2__last=0.6__two_touch=dp6.csv",
    "si05__time_decay_halflife__half_life_hours=168.csv",
    "si05__time_decay_halflife__half_life_hours=24.csv",
    "si05__last_non__excluded=Direct.csv",
    "si05__last_non__excluded=Facebook.csv",
    "si05__markov_removal__order=1__nulls=yes__self_loops=dropped.csv",
    "si05__markov_removal_effect__order=1__nulls=yes__self_loops=dropped.csv",
    "si05__shapley_combination__size=5__values=conv_rate.csv",
    "si05__shapley_combination__size=4__values=conv_rate.csv",
];

#[test]
fn every_reference_file_is_compared_or_listed_with_a_reason() {
    let mut files: Vec<String> = std::fs::read_dir(reference_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".csv"))
        .collect();
    files.sort();
    for file in &files {
        let compared = COMPARED.contains(&file.as_str());
        let listed = NOT_COMPARED.iter().any(|(name, _)| name == file);
        assert!(
            compared != listed,
            "{file}: compared {compared}, listed as not compared {listed}"
        );
    }
    assert_eq!(files.len(), 18);
}

/// Credit of every source under `a` with `pa` equals credit under `b` with `pb` on si05.
fn assert_same_credit(a: CreditModel, pa: &ModelParams, b: CreditModel, pb: &ModelParams) {
    let (x, y) = (run(a, pa), run(b, pb));
    for s in 0..si05().sources.len() {
        let (cx, cy) = (x.credit(a, s), y.credit(b, s));
        assert!(
            (cx.conversions - cy.conversions).abs() < 1e-9
                && (cx.revenue - cy.revenue).abs() < 1e-6,
            "{a:?} vs {b:?}, {}: {cx:?} vs {cy:?}",
            si05().sources[s].id
        );
    }
}

#[test]
fn position_with_all_weight_first_or_last_equals_first_or_last_touch() {
    let defaults = ModelParams::default();
    assert_same_credit(
        CreditModel::Position,
        &position([100.0, 0.0, 0.0]),
        CreditModel::First,
        &defaults,
    );
    assert_same_credit(
        CreditModel::Position,
        &position([0.0, 0.0, 100.0]),
        CreditModel::Last,
        &defaults,
    );
}

#[test]
fn time_decay_with_an_infinite_half_life_equals_linear() {
    assert_same_credit(
        CreditModel::TimeDecay,
        &half_life(f64::INFINITY),
        CreditModel::Linear,
        &ModelParams::default(),
    );
}

#[test]
fn every_model_credits_every_attributed_sale_once_under_several_settings() {
    for (window, reset, partners_only) in [
        (CookieWindow::Unlimited, true, false),
        (CookieWindow::Days(7), false, false),
        (CookieWindow::Days(1), true, true),
    ] {
        let settings = AttributionSettings {
            window,
            reset_after_conversion: reset,
            partners_only,
            tracking: Default::default(),
        };
        for order in 1..=3 {
            let params = ModelParams {
                markov_order: order,
                ..ModelParams::default()
            };
            let credit = compute_models(si05(), &settings, &params, &CreditModel::ALL);
            let attributed = credit.total.conversions - credit.unattributed.conversions;
            let attributed_revenue = credit.total.revenue - credit.unattributed.revenue;
            for model in CreditModel::ALL {
                let total = credit.model_total(model);
                assert!(
                    (total.conversions - attributed).abs() < 1e-6
                        && (total.revenue - attributed_revenue).abs() < 1e-6,
                    "{model:?} at {window:?} reset {reset} order {order}: {total:?}, \
                     attributed {attributed}"
                );
            }
        }
    }
}

#[test]
fn markov_orders_two_and_three_give_other_answers_than_order_one() {
    let credit = |order: u8| {
        let params = ModelParams {
            markov_order: order,
            ..ModelParams::default()
        };
        run(CreditModel::Markov, &params).by_model[0].clone()
    };
    let (one, two, three) = (credit(1), credit(2), credit(3));
    let differ = |a: &[SourceCredit], b: &[SourceCredit]| {
        a.iter()
            .zip(b)
            .any(|(x, y)| (x.conversions - y.conversions).abs() > 1e-3)
    };
    assert!(differ(&one, &two) && differ(&two, &three));
    // The same journeys always give the same numbers: nothing is simulated.
    assert_eq!(credit(2), two);
}

/// The engine's position-based and time decay credit equals the SQL version's, to `1e-9`.
fn assert_engine_equals_sql(store: &Store, index: &JourneyIndex) {
    let params_list = [
        ModelParams::default(),
        ModelParams {
            position_weights_pct: [20.0, 20.0, 60.0],
            position_two_touch_proportional: true,
            half_life_hours: 24.0,
            time_decay_steps: true,
            ..ModelParams::default()
        },
        ModelParams {
            position_weights_pct: [30.0, 40.0, 30.0],
            half_life_hours: f64::INFINITY,
            ..ModelParams::default()
        },
    ];
    let hybrid = Preset::HybridCrossDeviceCoupons.settings();
    let trackings = [
        TrackingSettings::default(),
        hybrid,
        TrackingSettings {
            coupon: CouponPrecedence::Touch,
            ..hybrid
        },
    ];
    for window in [Some(1), Some(30), None] {
        for ((reset, partners_only), tracking) in [(false, false), (true, false), (true, true)]
            .into_iter()
            .zip(trackings)
        {
            let settings = AttributionSettings {
                tracking,
                ..common::settings(window, reset, partners_only)
            };
            for params in &params_list {
                let models = [CreditModel::Position, CreditModel::TimeDecay];
                let ours = compute_models(index, &settings, params, &models).rows(index);
                let sql = store.sql_weighted_credit_rows(&settings, params).unwrap();
                common::assert_rows_agree(&ours, &sql, 1e-9);
            }
        }
    }
}

#[test]
fn position_and_time_decay_equal_their_sql_version_on_si05_and_the_sample() {
    let store = Store::open_in_memory().unwrap();
    let request = ImportRequest {
        path: si05_dir().join("events.csv"),
        kind: Some(FileKind::Events),
        columns: ColumnMap::default(),
    };
    import_file(&store, &request, &ImportSettings::default()).unwrap();
    assert_engine_equals_sql(&store, &JourneyIndex::build(&store).unwrap());

    let store = Store::open_in_memory().unwrap();
    for file in ["partners.csv", "clicks.csv", "conversions.csv"] {
        let path = common::repo().join("sample-data").join(file);
        common::import(&store, &path, None).unwrap();
    }
    assert_engine_equals_sql(&store, &JourneyIndex::build(&store).unwrap());
}

fn binary_run(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_partner-attribution"))
        .args(args)
        .output()
        .expect("running the binary");
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn import_si05_with_the_binary(db: &Path) {
    let events = si05_dir().join("events.csv");
    binary_run(&[
        "import",
        "--db",
        db.to_str().unwrap(),
        "--kind",
        "events",
        events.to_str().unwrap(),
    ]);
}

#[test]
fn compare_models_prints_each_chosen_model_per_source_in_the_order_given() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("si05.duckdb");
    import_si05_with_the_binary(&db);
    let text = binary_run(&[
        "compare",
        "--db",
        db.to_str().unwrap(),
        "--window-days",
        "unlimited",
        "--reset-after-conversion",
        "--models",
        "markov,position,shapley,last_non_direct",
        "--position-weights",
        "30,40,30",
        "--shapley-max-sources",
        "4",
        "--direct-channels",
        "Facebook",
        "--format",
        "csv",
    ]);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("source,model,conversions,revenue,payout")
    );
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), 20, "five channels × four models");
    assert_eq!(
        rows[..4].iter().map(|r| r[1].as_str()).collect::<Vec<_>>(),
        ["markov", "position", "shapley", "last_non_direct"]
    );
    for (model, file) in [
        (
            "markov",
            "si05__markov_removal__order=1__nulls=yes__self_loops=dropped.csv",
        ),
        (
            "position",
            "si05__position_based__first=0.3__middle=0.4__last=0.3.csv",
        ),
        (
            "shapley",
            "si05__shapley_combination__size=4__values=conv_rate.csv",
        ),
        ("last_non_direct", "si05__last_non__excluded=Facebook.csv"),
    ] {
        for reference in read_reference(file) {
            let row = rows
                .iter()
                .find(|r| r[0] == reference.channel && r[1] == model)
                .unwrap_or_else(|| panic!("no {}/{model}", reference.channel));
            let conversions: f64 = row[2].parse().unwrap();
            let revenue: f64 = row[3].parse().unwrap();
            assert!(
                (conversions - reference.conversions).abs() <= TOLERANCE,
                "{row:?}"
            );
            if let Some(value) = reference.value {
                assert!((revenue - value).abs() <= TOLERANCE, "{row:?}");
            }
        }
    }
}

#[test]
fn sweep_models_lists_every_window_and_its_unlimited_row_equals_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("si05.duckdb");
    import_si05_with_the_binary(&db);
    let text = binary_run(&[
        "sweep",
        "--db",
        db.to_str().unwrap(),
        "--max-days",
        "10",
        "--reset-after-conversion",
        "--models",
        "time_decay,position",
        "--half-life-hours",
        "24",
    ]);
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(
        rows.len(),
        11 * 5 * 2,
        "windows 1-10 and unlimited × 5 channels × 2 models"
    );
    let unlimited: Vec<&Vec<&str>> = rows
        .iter()
        .filter(|r| r[0] == "unlimited" && r[2] == "time_decay")
        .collect();
    for reference in read_reference("si05__time_decay_halflife__half_life_hours=24.csv") {
        let row = unlimited
            .iter()
            .find(|r| r[1] == reference.channel)
            .unwrap_or_else(|| panic!("no unlimited row for {}", reference.channel));
        let conversions: f64 = row[3].parse().unwrap();
        assert!(
            (conversions - reference.conversions).abs() <= TOLERANCE,
            "{row:?}"
        );
    }
    // Markov and Shapley are refused with the reason.
    let output = Command::new(env!("CARGO_BIN_EXE_partner-attribution"))
        .args([
            "sweep",
            "--db",
            db.to_str().unwrap(),
            "--models",
            "position,markov",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("markov is not swept"), "{stderr}");
}

#[test]
fn compare_refuses_an_unknown_model_and_bad_parameters_naming_them() {
    for (args, expected) in [
        (
            &["--models", "first,nearest"][..],
            "unknown model 'nearest'",
        ),
        (
            &["--position-weights", "40,20"][..],
            "expected three percentages",
        ),
        (&["--half-life-hours", "0"][..], "positive number of hours"),
        (&["--markov-order", "4"][..], "Markov order of 1, 2 or 3"),
        (&["--shapley-max-sources", "16"][..], "from 1 to 15"),
    ] {
        let mut all = vec!["compare", "--db", "unused.duckdb"];
        all.extend_from_slice(args);
        let output = Command::new(env!("CARGO_BIN_EXE_partner-attribution"))
            .args(&all)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

mod properties {
    //! Invariants of the new models over random journeys and settings.

    use partner_attribution::attribution::{
        AttributionSettings, BrowserFamily, CookieWindow, CouponPrecedence, CreditModel, Methods,
        ModelParams, TouchKey, TrackingSettings, compute_models, touch_shares,
    };
    use partner_attribution::journeys::{
        CandidateTouch, Commission, ConversionFacts, JourneyIndex, OpenPaths, Source,
    };
    use proptest::prelude::*;

    const DAY: i64 = 86_400;

    fn sources() -> Vec<Source> {
        let source = |id: &str, commission: Commission| Source {
            id: id.to_owned(),
            name: None,
            is_partner: commission != Commission::None,
            commission,
        };
        vec![
            source("alpha", Commission::Percent(10.0)),
            source("beta", Commission::Flat(5.0)),
            source("direct", Commission::None),
            source("organic", Commission::None),
        ]
    }

    /// Touches oldest first, each linked by some methods from some browser.
    fn journey() -> impl Strategy<Value = Vec<CandidateTouch>> {
        prop::collection::vec((0..90 * DAY, 0u32..4, 1u8..8, 0usize..3), 0..9).prop_map(
            |mut touches| {
                touches.sort_by_key(|t| std::cmp::Reverse(t.0));
                touches
                    .into_iter()
                    .map(|(lag_secs, source_id, links, browser)| CandidateTouch {
                        lag_secs,
                        source_id,
                        key: TouchKey::new(Methods(links), BrowserFamily::ALL[browser]),
                    })
                    .collect()
            },
        )
    }

    /// Journeys that did not convert: sources with seconds before their last touch.
    fn open_paths() -> impl Strategy<Value = Vec<Vec<(i64, u32)>>> {
        prop::collection::vec(
            prop::collection::vec((0..60 * DAY, 0u32..4), 1..6).prop_map(|mut path| {
                path.sort_by_key(|t| std::cmp::Reverse(t.0));
                path
            }),
            0..12,
        )
    }

    fn index_of(journeys: &[Vec<CandidateTouch>], open: &[Vec<(i64, u32)>]) -> JourneyIndex {
        let conversions = (0..journeys.len())
            .map(|i| ConversionFacts {
                conversion_id: format!("o{i}"),
                converted_at_secs: 0,
                revenue: 10.0 + i as f64,
                payable: i % 5 != 0,
                coupon_partner: [None, Some(0), None, Some(1)][i % 4],
                reported_by: None,
                status: "approved".to_owned(),
                currency: None,
                category: None,
                conversion_seq: i as i64,
                subscription_id: None,
            })
            .collect();
        JourneyIndex::from_journeys(sources(), conversions, journeys)
            .with_open_paths(OpenPaths::from_paths(open))
    }

    fn any_settings() -> impl Strategy<Value = AttributionSettings> {
        (
            prop::option::of(0u32..100),
            any::<bool>(),
            any::<bool>(),
            0u8..16,
            0usize..3,
        )
            .prop_map(|(days, reset, partners_only, methods, coupon)| {
                AttributionSettings {
                    window: days.map_or(CookieWindow::Unlimited, CookieWindow::Days),
                    reset_after_conversion: reset,
                    partners_only,
                    tracking: TrackingSettings {
                        methods: Methods(methods),
                        coupon: CouponPrecedence::ALL[coupon],
                        ..TrackingSettings::default()
                    },
                }
            })
    }

    fn any_params() -> impl Strategy<Value = ModelParams> {
        (
            (0u8..=100, 0u8..=100, 1u8..=100),
            1u32..500,
            any::<bool>(),
            1u8..=3,
            1u32..=15,
        )
            .prop_map(|((f, m, l), hours, steps, order, max)| ModelParams {
                position_weights_pct: [f64::from(f), f64::from(m), f64::from(l)],
                half_life_hours: f64::from(hours),
                time_decay_steps: steps,
                markov_order: order,
                shapley_max_sources: Some(max),
                ..ModelParams::default()
            })
    }

    proptest! {
        #[test]
        fn every_model_credits_each_attributed_sale_exactly_once(
            journeys in prop::collection::vec(journey(), 1..20),
            open in open_paths(),
            settings in any_settings(),
            params in any_params(),
        ) {
            let index = index_of(&journeys, &open);
            let credit = compute_models(&index, &settings, &params, &CreditModel::ALL);
            let attributed = credit.total.conversions - credit.unattributed.conversions;
            let revenue = credit.total.revenue - credit.unattributed.revenue;
            for model in CreditModel::ALL {
                let total = credit.model_total(model);
                prop_assert!(
                    (total.conversions - attributed).abs() < 1e-9
                        && (total.revenue - revenue).abs() < 1e-6,
                    "{:?}: {:?} vs {} conversions, {} revenue", model, total, attributed, revenue
                );
            }
        }

        #[test]
        fn the_shares_of_a_conversion_sum_to_one_under_every_per_sale_model(
            journey in journey(), settings in any_settings(), params in any_params(),
        ) {
            let index = index_of(std::slice::from_ref(&journey), &[]);
            for model in CreditModel::ALL.into_iter().filter(|m| !m.is_data_driven()) {
                let shares = touch_shares(&index, &settings, &params, model, 0).unwrap();
                if !shares.is_empty() {
                    let sum: f64 = shares.iter().map(|s| s.share).sum();
                    prop_assert!((sum - 1.0).abs() < 1e-12, "{:?}: {:?}", model, shares);
                    prop_assert!(shares.iter().all(|s| s.share >= 0.0));
                }
            }
        }

        #[test]
        fn with_one_counted_touch_every_model_agrees(
            lag in 0..30 * DAY, source in 0u32..4, params in any_params(),
        ) {
            let key = TouchKey::new(Methods::COOKIE, BrowserFamily::Chrome);
            let touch = CandidateTouch { lag_secs: lag, source_id: source, key };
            // No journeys without a sale: a first-order chain would credit their sources too.
            let index = index_of(&[vec![touch]], &[]);
            let settings = AttributionSettings {
                window: CookieWindow::Unlimited,
                ..AttributionSettings::default()
            };
            let credit = compute_models(&index, &settings, &params, &CreditModel::ALL);
            for model in CreditModel::ALL {
                for s in 0..4 {
                    let (got, first) = (credit.credit(model, s), credit.credit(CreditModel::First, s));
                    prop_assert!(
                        (got.conversions - first.conversions).abs() < 1e-12
                            && (got.revenue - first.revenue).abs() < 1e-9
                            && (got.payout - first.payout).abs() < 1e-9,
                        "{:?}, source {}: {:?} vs first {:?}", model, s, got, first
                    );
                }
            }
        }

        #[test]
        fn position_at_the_ends_is_first_or_last_and_an_endless_half_life_is_linear(
            journeys in prop::collection::vec(journey(), 1..20), settings in any_settings(),
        ) {
            let index = index_of(&journeys, &[]);
            let with = |position_weights_pct, half_life_hours| ModelParams {
                position_weights_pct,
                half_life_hours,
                ..ModelParams::default()
            };
            let pairs = [
                (with([100.0, 0.0, 0.0], 1.0), CreditModel::Position, CreditModel::First),
                (with([0.0, 0.0, 100.0], 1.0), CreditModel::Position, CreditModel::Last),
                (with([40.0, 20.0, 40.0], f64::INFINITY), CreditModel::TimeDecay, CreditModel::Linear),
            ];
            for (params, model, equal_to) in pairs {
                let credit = compute_models(&index, &settings, &params, &[model, equal_to]);
                for s in 0..4 {
                    let (a, b) = (credit.credit(model, s), credit.credit(equal_to, s));
                    prop_assert!(
                        (a.conversions - b.conversions).abs() < 1e-9
                            && (a.revenue - b.revenue).abs() < 1e-6
                            && (a.payout - b.payout).abs() < 1e-6,
                        "{:?} vs {:?}, source {}: {:?} vs {:?}", model, equal_to, s, a, b
                    );
                }
            }
        }
    }
}
