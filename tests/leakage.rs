//! Tracking methods and leakage causes on hand-built journeys, and the leakage classification
//! against the sample programme's ground truth.

mod common;

use std::collections::HashMap;

use common::{assert_rows_agree, import, repo, row, write};
use partner_attribution::attribution::{
    AttributionSettings, BrowserCaps, CookieWindow, CouponPrecedence, Methods, Preset,
    TrackingSettings, compute_credit,
};
use partner_attribution::domain::links::LinkRules;
use partner_attribution::import::{FileKind, ImportRequest, ImportSettings, import_file};
use partner_attribution::journeys::JourneyIndex;
use partner_attribution::leakage::{Cause, LeakageReport, analyse};
use partner_attribution::store::Store;

const PARTNERS: &str = "partner_id,name,commission,coupon_codes\n\
    alpha,Alpha Reviews,10%,ALPHA10\n\
    beta,Beta Deals,5.00,BETA5;BETAVIP\n";

/// One journey per conversion; each names the case it builds.
const CLICKS: &str = "click_id,clicked_at,partner_id,channel,cookie_id,user_id,device_id,browser,redirect_hops,landing_status
k1,2026-09-01T10:00:00Z,alpha,,phone1,u1,dev-phone,Chrome,1,ok
k2,2026-09-01T09:00:00Z,beta,,laptop1,u1,dev-laptop,Firefox,1,ok
k3,2026-09-02T12:00:00Z,alpha,,saf3,,dev3,Safari,1,ok
k4,2026-09-04T12:00:00Z,alpha,,c5,,dev5,Chrome,1,ok
k6,2026-09-05T08:00:00Z,beta,,,u6,dev6,Chrome,3,failed
k6b,2026-09-05T20:00:00Z,,direct,c6,u6,dev6,Chrome,0,ok
k7,2026-09-06T08:00:00Z,alpha,,,u7,dev7,Edge,1,ok
k8,2026-07-20T08:00:00Z,beta,,c8,,dev8,Chrome,1,ok
k8b,2026-09-01T08:00:00Z,,organic,c8,,dev8,Chrome,0,ok
k9,2026-09-07T08:00:00Z,alpha,,anon9,,dev9a,Chrome,1,ok
";

const CONVERSIONS: &str =
    "conversion_id,converted_at,revenue,cookie_id,user_id,click_id,coupon_code,status
o1,2026-09-03T10:00:00Z,100.00,laptop2,u1,,,approved
o3,2026-09-10T12:00:00Z,200.00,saf3,,k3,,approved
o4,2026-09-11T12:00:00Z,50.00,c4,,,beta5,approved
o5,2026-09-05T12:00:00Z,80.00,c5,,,BETAVIP,approved
o6,2026-09-06T08:00:00Z,60.00,c6,u6,,,approved
o7,2026-09-07T08:00:00Z,40.00,c7,u7,k7,,approved
o8,2026-09-02T08:00:00Z,30.00,c8,,,,approved
o9,2026-09-08T08:00:00Z,90.00,anon9b,,,,approved
";

const LEADS: &str = "partner_id,reported_at,reference,amount
alpha,2026-09-10T08:00:00Z, o9 ,90.00
beta,2026-09-03T08:00:00Z,UNKNOWN-REF,10.00
";

fn programme() -> (Store, JourneyIndex, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_memory().unwrap();
    for (name, content, kind) in [
        ("partners.csv", PARTNERS, FileKind::Partners),
        ("clicks.csv", CLICKS, FileKind::Clicks),
        ("conversions.csv", CONVERSIONS, FileKind::Conversions),
        ("leads.csv", LEADS, FileKind::Leads),
    ] {
        import(&store, &write(dir.path(), name, content), Some(kind)).unwrap();
    }
    let index = JourneyIndex::build(&store).unwrap();
    (store, index, dir)
}

fn with(tracking: TrackingSettings) -> AttributionSettings {
    AttributionSettings {
        tracking,
        ..AttributionSettings::default()
    }
}

/// Primary cause per leaked conversion id.
fn causes(index: &JourneyIndex, report: &LeakageReport) -> HashMap<String, Cause> {
    report
        .leaked
        .iter()
        .map(|l| {
            (
                index.conversions[l.conversion].conversion_id.clone(),
                l.cause,
            )
        })
        .collect()
}

/// Last-touch partner of each conversion, checked against the SQL version on the way.
fn last_touch(
    store: &Store,
    index: &JourneyIndex,
    settings: &AttributionSettings,
) -> Vec<(String, f64)> {
    let rows = compute_credit(index, settings).rows(index);
    assert_rows_agree(&rows, &store.sql_credit_rows(settings).unwrap(), 1e-12);
    ["alpha", "beta"]
        .into_iter()
        .map(|p| (p.to_owned(), row(&rows, p, "last").conversions))
        .collect()
}

#[test]
fn cookie_only_leaks_each_case_with_its_cause() {
    let (_store, index, _dir) = programme();
    let report = analyse(&index, &with(Preset::CookieOnly.settings()));
    let causes = causes(&index, &report);
    let expected = [
        ("o1", Cause::DeviceSwitch),
        ("o3", Cause::BrowserCap),
        ("o4", Cause::CouponOnly),
        ("o6", Cause::BrokenRedirect),
        ("o7", Cause::CookieMissing),
        ("o8", Cause::CookieExpired),
        ("o9", Cause::DirectAfterClick),
    ];
    for (id, cause) in expected {
        assert_eq!(causes.get(id), Some(&cause), "{id}: {causes:?}");
    }
    assert_eq!(causes.len(), expected.len(), "o5 is credited: {causes:?}");
    assert_eq!(report.credited.conversions, 1.0);
    assert_eq!(report.partner_sourced.conversions, 8.0);
    // o1: alpha's phone click is the newest partner touch; beta's laptop click is on
    // another cookie as well, so both are device switches, alpha at stake.
    let o1 = report.leaked.iter().find(|l| l.revenue == 100.0).unwrap();
    assert_eq!(index.sources[o1.partner as usize].id, "alpha");
    assert!((o1.payout - 10.0).abs() < 1e-9, "10% of 100.00");
    let by_cause: HashMap<Cause, f64> = report
        .by_cause()
        .into_iter()
        .map(|(c, t)| (c, t.revenue))
        .collect();
    assert!((by_cause[&Cause::CouponOnly] - 50.0).abs() < 1e-9);
    assert!((report.total().revenue - 570.0).abs() < 1e-9);
}

#[test]
fn each_fallback_recovers_its_own_cases() {
    let (_store, index, _dir) = programme();
    let report = analyse(&index, &with(Preset::CookieOnly.settings()));
    let recovered: HashMap<&str, f64> = report
        .recovery
        .iter()
        .map(|r| (r.key, r.recovered.conversions))
        .collect();
    // Server-side: o3 (Safari click kept as k3) and o7 (click id k7).
    assert_eq!(recovered["server_side"], 2.0);
    // Cross-device: o1 (u1), o6 (u6, broken redirect), o7 (u7).
    assert_eq!(recovered["cross_device"], 3.0);
    assert_eq!(recovered["coupon_backup"], 1.0, "o4");
    assert_eq!(recovered["longer_window"], 1.0, "o8's 44-day-old click");
    assert_eq!(recovered["no_browser_cap"], 1.0, "o3");
}

#[test]
fn a_safari_click_8_days_old_counts_when_matched_server_side() {
    let (store, index, _dir) = programme();
    let cookie_only = with(Preset::CookieOnly.settings());
    let hybrid = with(Preset::Hybrid.settings());
    let o3 = |settings: &AttributionSettings| {
        analyse(&index, settings)
            .leaked
            .iter()
            .any(|l| index.conversions[l.conversion].conversion_id == "o3")
    };
    assert!(o3(&cookie_only), "beyond Safari's 7-day cap");
    assert!(!o3(&hybrid), "the kept click id is not capped");
    let uncapped = AttributionSettings {
        tracking: TrackingSettings {
            browser_caps: BrowserCaps::none(),
            ..Preset::CookieOnly.settings()
        },
        ..cookie_only
    };
    assert!(!o3(&uncapped));
    // alpha's last-touch credit: o5 always; o3 once server-side matching is on.
    assert_eq!(last_touch(&store, &index, &cookie_only)[0].1, 1.0);
    assert_eq!(
        last_touch(&store, &index, &hybrid)[0].1,
        3.0,
        "o3 and o7 join o5"
    );
}

#[test]
fn two_partners_on_two_devices_share_credit_only_across_devices() {
    let (store, index, _dir) = programme();
    let cross = with(Preset::HybridCrossDevice.settings());
    let rows = compute_credit(&index, &cross).rows(&index);
    assert_rows_agree(&rows, &store.sql_credit_rows(&cross).unwrap(), 1e-12);
    // o1: beta's laptop click (09:00) then alpha's phone click (10:00), both linked by u1.
    // alpha last-touch: o1, o3, o5, o7; beta first-touch: o1, o6 (u6's broken click).
    assert_eq!(row(&rows, "alpha", "last").conversions, 4.0);
    assert_eq!(row(&rows, "beta", "first").conversions, 2.0);
    assert!((row(&rows, "beta", "linear").conversions - (0.5 + 0.5)).abs() < 1e-12);
}

#[test]
fn a_coupon_counts_as_backup_override_or_touch() {
    let (store, index, _dir) = programme();
    let coupons = |coupon| {
        with(TrackingSettings {
            methods: Methods(Methods::COOKIE.0 | Methods::COUPON.0),
            coupon,
            browser_caps: BrowserCaps::default(),
        })
    };
    // o4: beta's coupon, no touch. o5: alpha's click counts, beta's coupon on the sale.
    let backup = last_touch(&store, &index, &coupons(CouponPrecedence::Backup));
    assert_eq!(backup, vec![("alpha".into(), 1.0), ("beta".into(), 1.0)]);
    let over = last_touch(&store, &index, &coupons(CouponPrecedence::Override));
    assert_eq!(over, vec![("alpha".into(), 0.0), ("beta".into(), 2.0)]);
    let touch = coupons(CouponPrecedence::Touch);
    assert_eq!(
        last_touch(&store, &index, &touch),
        vec![("alpha".into(), 0.0), ("beta".into(), 2.0)]
    );
    let rows = compute_credit(&index, &touch).rows(&index);
    assert_eq!(
        row(&rows, "alpha", "first").conversions,
        1.0,
        "o5's click is first"
    );
    assert!((row(&rows, "alpha", "linear").conversions - 0.5).abs() < 1e-12);
    assert!((row(&rows, "beta", "linear").conversions - 1.5).abs() < 1e-12);
    let report = analyse(&index, &coupons(CouponPrecedence::Backup));
    assert!(
        !causes(&index, &report).contains_key("o4"),
        "the coupon backs o4 up"
    );
}

#[test]
fn every_cause_disappears_under_the_fullest_preset_but_expiry_and_reports() {
    let (_store, index, _dir) = programme();
    let full = with(Preset::HybridCrossDeviceCoupons.settings());
    let report = analyse(&index, &full);
    let causes = causes(&index, &report);
    assert_eq!(
        causes,
        HashMap::from([
            ("o8".to_owned(), Cause::CookieExpired),
            ("o9".to_owned(), Cause::DirectAfterClick)
        ])
    );
    let wider = AttributionSettings {
        window: CookieWindow::Days(60),
        ..full
    };
    assert_eq!(analyse(&index, &wider).leaked.len(), 1);
}

/// The sample generator's `truth.csv` names the cause of every conversion that first-party
/// cookie tracking (30 days, Safari capped at 7) loses; the classification must agree. The
/// truth assumes every click is imported, so the `via=` links are configured as the sample's
/// README says (without it, 4 of the 385 leaks point at a rejected `via=` click).
#[test]
fn leakage_agrees_with_the_sample_truth_for_99_percent() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("sample.duckdb")).unwrap();
    let settings = ImportSettings {
        links: LinkRules::parse("ref,via"),
        ..ImportSettings::default()
    };
    for name in ["partners.csv", "clicks.csv", "conversions.csv", "leads.csv"] {
        let request = ImportRequest::detect(repo().join("sample-data").join(name));
        import_file(&store, &request, &settings).unwrap();
    }
    let index = JourneyIndex::build(&store).unwrap();
    let report = analyse(&index, &AttributionSettings::default());
    let ours = causes(&index, &report);
    let truth_text = std::fs::read_to_string(repo().join("sample-data/truth.csv")).unwrap();
    let truth: HashMap<String, Cause> = truth_text
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut fields = line.split(',');
            let id = fields.next()?.to_owned();
            let cause = Cause::parse(fields.nth(1)?)?;
            Some((id, cause))
        })
        .collect();
    let mut ids: Vec<&String> = ours.keys().chain(truth.keys()).collect();
    ids.sort();
    ids.dedup();
    let disagreements: Vec<String> = ids
        .iter()
        .filter(|id| ours.get(**id) != truth.get(**id))
        .map(|id| format!("{id}: ours {:?}, truth {:?}", ours.get(*id), truth.get(*id)))
        .collect();
    let agreement = 1.0 - disagreements.len() as f64 / ids.len() as f64;
    println!(
        "{} leaked (truth {}), agreement {:.2}%:\n{}",
        ours.len(),
        truth.len(),
        agreement * 100.0,
        disagreements.join("\n")
    );
    assert!(
        truth.len() > 300,
        "the sample leaks hundreds of conversions"
    );
    assert!(
        agreement >= 0.99,
        "agreement {agreement}: {disagreements:#?}"
    );
}
