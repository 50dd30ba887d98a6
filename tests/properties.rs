//! Invariants of the models, over random journeys and random programmes.

mod common;

use common::{assert_rows_agree, import, settings, write};
use partner_attribution::attribution::{
    Allocator, AttributionSettings, BrowserCaps, BrowserFamily, CookieWindow, CouponPrecedence,
    CreditTable, MAX_WINDOW_DAYS, Methods, Model, TouchKey, TrackingSettings, compute_credit,
    sweep_windows,
};
use partner_attribution::import::FileKind;
use partner_attribution::journeys::{
    CandidateTouch, Commission, ConversionFacts, JourneyIndex, Source,
};
use partner_attribution::store::Store;
use proptest::prelude::*;

const DAY: i64 = 86_400;

fn sources() -> Vec<Source> {
    let source = |id: &str, is_partner: bool, commission| Source {
        id: id.to_owned(),
        name: None,
        is_partner,
        commission,
    };
    vec![
        source("alpha", true, Commission::Percent(10.0)),
        source("beta", true, Commission::Flat(5.0)),
        source("direct", false, Commission::None),
        source("organic", false, Commission::None),
    ]
}

/// One journey: touches oldest first (lags non-increasing), each linked by some methods from
/// some browser; per method, the oldest few were already used by an earlier conversion. Now
/// and then a journey longer than the engine's 64-touch bit masks.
fn journey() -> impl Strategy<Value = Vec<CandidateTouch>> {
    let length = prop_oneof![12 => 0usize..8, 1 => 60usize..72];
    let touches = length
        .prop_flat_map(|n| prop::collection::vec((0..90 * DAY, 0u32..4, 1u8..8, 0usize..3), n));
    (touches, [0usize..8, 0usize..8, 0usize..8]).prop_map(|(mut touches, reused)| {
        touches.sort_by_key(|t| std::cmp::Reverse(t.0));
        touches
            .iter()
            .enumerate()
            .map(|(i, &(lag_secs, source_id, links, browser))| {
                let used = (0..3)
                    .filter(|&m| i < reused[m])
                    .fold(0u8, |bits, m| bits | 1 << m);
                CandidateTouch {
                    lag_secs,
                    source_id,
                    key: TouchKey::new(Methods(links), BrowserFamily::ALL[browser])
                        .used_before(Methods(used)),
                }
            })
            .collect()
    })
}

fn index_of(journeys: &[Vec<CandidateTouch>]) -> JourneyIndex {
    let conversions = (0..journeys.len())
        .map(|i| ConversionFacts {
            conversion_id: format!("o{i}"),
            converted_at_secs: 0,
            revenue: 10.0 + i as f64,
            payable: i % 5 != 0,
            coupon_partner: [None, Some(0), None, Some(1)][i % 4],
            reported_by: None,
            status: if i % 5 == 0 { "refunded" } else { "approved" }.to_owned(),
            currency: None,
            category: None,
            conversion_seq: i as i64,
            subscription_id: None,
        })
        .collect();
    JourneyIndex::from_journeys(sources(), conversions, journeys)
}

fn any_tracking() -> impl Strategy<Value = TrackingSettings> {
    let caps = [
        BrowserCaps::none(),
        BrowserCaps::default(),
        BrowserCaps::none()
            .with(BrowserFamily::Safari, Some(1))
            .with(BrowserFamily::Chrome, Some(3)),
    ];
    (0u8..16, 0usize..3, 0usize..3).prop_map(move |(methods, coupon, cap)| TrackingSettings {
        methods: Methods(methods),
        coupon: CouponPrecedence::ALL[coupon],
        browser_caps: caps[cap],
    })
}

fn any_settings() -> impl Strategy<Value = AttributionSettings> {
    (
        prop::option::of(0u32..100),
        any::<bool>(),
        any::<bool>(),
        any_tracking(),
    )
        .prop_map(|(days, reset, partners, tracking)| AttributionSettings {
            tracking,
            ..settings(days, reset, partners)
        })
}

proptest! {
    #[test]
    fn linear_shares_of_each_conversion_sum_to_one(journey in journey(), settings in any_settings()) {
        let index = index_of(std::slice::from_ref(&journey));
        let table = compute_credit(&index, &settings);
        let linear: f64 = (0..4).map(|s| table.credit(Model::Linear, s).conversions).sum();
        let attributed = 1.0 - table.unattributed.conversions;
        prop_assert!((linear - attributed).abs() < 1e-12, "linear {linear} vs attributed {attributed}");
        for model in [Model::First, Model::Last] {
            let total: f64 = (0..4).map(|s| table.credit(model, s).conversions).sum();
            prop_assert_eq!(total, attributed);
        }
    }

    #[test]
    fn with_one_touch_first_last_and_linear_agree(lag in 0..30 * DAY, source in 0u32..4, settings in any_settings()) {
        let key = TouchKey::new(Methods::COOKIE, BrowserFamily::Chrome);
        let touch = CandidateTouch { lag_secs: lag, source_id: source, key };
        let index = index_of(&[vec![touch]]);
        let table = compute_credit(&index, &settings);
        for s in 0..4 {
            prop_assert_eq!(table.credit(Model::First, s), table.credit(Model::Last, s));
            prop_assert_eq!(table.credit(Model::First, s), table.credit(Model::Linear, s));
        }
    }

    #[test]
    fn attributed_conversions_never_decrease_when_the_window_grows(
        journeys in prop::collection::vec(journey(), 1..30),
        short in 0u32..60, extra in 0u32..60, toggles in any_settings(),
    ) {
        let index = index_of(&journeys);
        let mut previous = -1.0;
        for window in [CookieWindow::Days(short), CookieWindow::Days(short + extra), CookieWindow::Unlimited] {
            let settings = AttributionSettings { window, ..toggles };
            let attributed = {
                let t = compute_credit(&index, &settings);
                t.total.conversions - t.unattributed.conversions
            };
            prop_assert!(attributed >= previous);
            previous = attributed;
        }
    }
}

proptest! {
    /// Guards payouts and audits: the exact per-conversion split sums to the engine's totals.
    #[test]
    fn per_conversion_shares_sum_to_the_engine_totals(
        journeys in prop::collection::vec(journey(), 1..30), settings in any_settings(),
    ) {
        let index = index_of(&journeys);
        let table = compute_credit(&index, &settings);
        let allocator = Allocator::new(&index, &settings);
        let mut sums = [[0.0f64; 4]; 3];
        for c in 0..index.conversions.len() {
            let credit = allocator.credit(c);
            for model in Model::ALL {
                for share in credit.shares(model) {
                    sums[model.index()][share.source as usize] += share.fraction();
                }
            }
        }
        for model in Model::ALL {
            for (s, sum) in sums[model.index()].iter().enumerate() {
                let engine = table.credit(model, s).conversions;
                prop_assert!((sum - engine).abs() < 1e-9, "{model:?} source {s}: {sum} vs {engine}");
            }
        }
    }

    #[test]
    fn the_window_sweep_equals_a_recompute_at_every_window(
        journeys in prop::collection::vec(journey(), 1..30), toggles in any_settings(),
    ) {
        let index = index_of(&journeys);
        let sweep = sweep_windows(&index, &toggles);
        let windows = (0..=MAX_WINDOW_DAYS).map(CookieWindow::Days).chain([CookieWindow::Unlimited]);
        for window in windows {
            let at = AttributionSettings { window, ..toggles };
            let expected = compute_credit(&index, &at);
            let swept = sweep.table_at(window);
            assert_tables_agree(&swept, &expected, &format!("{window:?}"));
        }
    }
}

fn assert_tables_agree(a: &CreditTable, b: &CreditTable, what: &str) {
    for model in Model::ALL {
        for (x, y) in a.by_model[model.index()]
            .iter()
            .zip(&b.by_model[model.index()])
        {
            for (u, v) in [
                (x.conversions, y.conversions),
                (x.revenue, y.revenue),
                (x.payout, y.payout),
            ] {
                assert!(
                    (u - v).abs() < 1e-9 * (1.0 + v.abs()),
                    "{what} {model:?}: sweep {x:?} vs recompute {y:?}"
                );
            }
        }
    }
    assert!(
        (a.unattributed.conversions - b.unattributed.conversions).abs() < 1e-9,
        "{what} unattributed"
    );
}

/// A random programme: clicks (day, source, cookie, user, browser) and conversions (day,
/// cookie, revenue, refunded, user, kept click, coupon). Every row gets a distinct second, so
/// input order never breaks a tie.
type Programme = (
    Vec<(i64, usize, Option<usize>, Option<usize>, usize)>,
    Vec<(i64, usize, u32, bool, Option<usize>, Option<usize>, usize)>,
);

fn programme() -> impl Strategy<Value = Programme> {
    let clicks = prop::collection::vec(
        (
            0..120i64,
            0usize..6,
            prop::option::weighted(0.85, 0usize..8),
            prop::option::of(0usize..4),
            0usize..4,
        ),
        1..60,
    );
    let conversions = prop::collection::vec(
        (
            0..120i64,
            0usize..8,
            1u32..500,
            any::<bool>(),
            prop::option::of(0usize..4),
            prop::option::weighted(0.3, 0usize..60),
            0usize..5,
        ),
        1..25,
    );
    (clicks, conversions)
}

fn timestamp(secs: i64) -> String {
    chrono::DateTime::from_timestamp(1_780_000_000 + secs, 0)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

const SOURCES: [(&str, &str); 6] = [
    ("alpha", ""),
    ("beta", ""),
    ("gamma", ""),
    ("", "organic"),
    ("", "direct"),
    ("", "email"),
];
const BROWSERS: [&str; 4] = ["Safari", "Chrome", "", "Mobile Safari"];
const COUPONS: [&str; 5] = ["", "ALPHA10", " beta ", "NOPE", "GAMMA"];

fn optional(prefix: &str, value: Option<usize>) -> String {
    value.map_or(String::new(), |v| format!("{prefix}{v}"))
}

/// Imports the programme, writing click rows in `click_order`.
fn programme_store(
    dir: &std::path::Path,
    (clicks, conversions): &Programme,
    click_order: &[usize],
) -> Store {
    let mut clicks_csv =
        String::from("click_id,clicked_at,partner_id,channel,cookie_id,user_id,browser\n");
    for &i in click_order {
        let (day, s, cookie, user, browser) = clicks[i];
        let (partner, channel) = SOURCES[s];
        clicks_csv += &format!(
            "k{i},{},{partner},{channel},{},{},{}\n",
            timestamp(day * DAY + i as i64),
            optional("c", cookie),
            optional("u", user),
            BROWSERS[browser]
        );
    }
    let mut conversions_csv = String::from(
        "conversion_id,converted_at,revenue,cookie_id,status,user_id,click_id,coupon_code\n",
    );
    for (i, &(day, cookie, revenue, refunded, user, click, coupon)) in
        conversions.iter().enumerate()
    {
        let status = if refunded { "refunded" } else { "approved" };
        let secs = day * DAY + 500 + i as i64;
        conversions_csv += &format!(
            "o{i},{},{revenue}.25,c{cookie},{status},{},{},{}\n",
            timestamp(secs),
            optional("u", user),
            optional("k", click),
            COUPONS[coupon]
        );
    }
    let store = Store::open_in_memory().unwrap();
    let partners = "partner_id,name,commission,coupon_codes\nalpha,A,10%,ALPHA10;A2\nbeta,B,4.50,BETA\ngamma,G,7.5%,\n";
    import(
        &store,
        &write(dir, "partners.csv", partners),
        Some(FileKind::Partners),
    )
    .unwrap();
    import(
        &store,
        &write(dir, "clicks.csv", &clicks_csv),
        Some(FileKind::Clicks),
    )
    .unwrap();
    import(
        &store,
        &write(dir, "conversions.csv", &conversions_csv),
        Some(FileKind::Conversions),
    )
    .unwrap();
    store
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn the_in_memory_engine_equals_the_sql_version(programme in programme(), settings in any_settings()) {
        let dir = tempfile::tempdir().unwrap();
        let order: Vec<usize> = (0..programme.0.len()).collect();
        let store = programme_store(dir.path(), &programme, &order);
        let index = JourneyIndex::build(&store).unwrap();
        let ours = compute_credit(&index, &settings).rows(&index);
        assert_rows_agree(&ours, &store.sql_credit_rows(&settings).unwrap(), 1e-9);
    }

    #[test]
    fn shuffling_rows_with_distinct_timestamps_changes_nothing(
        programme in programme(), settings in any_settings(), rotation in any::<usize>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut order: Vec<usize> = (0..programme.0.len()).collect();
        let before = {
            let store = programme_store(dir.path(), &programme, &order);
            let index = JourneyIndex::build(&store).unwrap();
            compute_credit(&index, &settings).rows(&index)
        };
        order.rotate_left(rotation % programme.0.len());
        order.reverse();
        let store = programme_store(dir.path(), &programme, &order);
        let index = JourneyIndex::build(&store).unwrap();
        assert_rows_agree(&compute_credit(&index, &settings).rows(&index), &before, 1e-9);
    }
}
