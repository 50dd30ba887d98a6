//! Recurring commissions: a subscription's renewals pay the partner(s) credited for its first
//! sale, for N months or its lifetime, at the partner's own rate or a renewal rate, without
//! touches of their own; every amount is written out, in cents, per currency.

mod common;

use common::{import, write};
use partner_attribution::attribution::{
    ModelParams, Recurring, Renewals, classic_models, compute_models,
};
use partner_attribution::domain::ProgrammeTimeZone;
use partner_attribution::import::FileKind;
use partner_attribution::journeys::JourneyIndex;
use partner_attribution::leakage::{analyse, analyse_with_renewals};
use partner_attribution::payouts::{
    Cents, CommissionRules, PayoutSettings, PayoutStatus, Period, payouts,
};
use partner_attribution::statements::{LineStatus, statement, statement_csv};
use partner_attribution::store::Store;

const PARTNERS: &str = "partner_id,name,commission
alpha,Alpha Reviews,10%
beta,Beta Deals,5.00
gamma,Gamma Media,8%
";

/// alpha sent sub-1's first sale (cookie c1) and sub-3's (c4, in euros); alpha then beta
/// touched sub-2's first sale (c2); gamma touched sub-2's renewal g2 (c3).
const CLICKS: &str = "clicked_at,partner_id,channel,cookie_id
2026-01-10T09:00:00Z,alpha,,c1
2026-02-25T09:00:00Z,alpha,,c2
2026-02-27T09:00:00Z,beta,,c2
2026-03-09T09:00:00Z,alpha,,c4
2026-03-20T09:00:00Z,gamma,,c3
";

/// sub-1: f00 on 2026-01-15 and 13 monthly renewals f01 (2026-02-15) to f13 (2027-02-15),
/// 50.00 USD each, the renewals with no identity (no touch of their own). sub-2: g1 200.00 on
/// 2026-03-01, renewed by g2 on 2026-04-01 (gamma's cookie). sub-3: e1 40.00 EUR on
/// 2026-03-10, renewed by e2 on 2026-04-10.
fn conversions_csv() -> String {
    let mut csv = String::from(
        "conversion_id,converted_at,revenue,currency,cookie_id,status,subscription_id\n",
    );
    csv += "f00,2026-01-15T12:00:00Z,50.00,USD,c1,approved,sub-1\n";
    for n in 1..=13u32 {
        let (year, month) = (2026 + (n / 12) as i32, n % 12 + 1);
        csv += &format!("f{n:02},{year}-{month:02}-15T12:00:00Z,50.00,USD,,approved,sub-1\n");
    }
    csv += "g1,2026-03-01T12:00:00Z,200.00,USD,c2,approved,sub-2\n";
    csv += "g2,2026-04-01T12:00:00Z,200.00,USD,c3,approved,sub-2\n";
    csv += "e1,2026-03-10T12:00:00Z,40.00,EUR,c4,approved,sub-3\n";
    csv += "e2,2026-04-10T12:00:00Z,40.00,EUR,,approved,sub-3\n";
    csv
}

/// The programme in a real DuckDB file, every file through the real importer.
fn programme(dir: &std::path::Path, conversions: &str) -> Store {
    let store = Store::open(&dir.join("programme.duckdb")).unwrap();
    for (name, content, kind) in [
        ("partners.csv", PARTNERS, FileKind::Partners),
        ("clicks.csv", CLICKS, FileKind::Clicks),
        ("conversions.csv", conversions, FileKind::Conversions),
    ] {
        import(&store, &write(dir, name, content), Some(kind)).unwrap();
    }
    store
}

fn settings(recurring: Option<Recurring>) -> PayoutSettings {
    PayoutSettings {
        hold_days: 0,
        rules: CommissionRules {
            recurring,
            ..CommissionRules::default()
        },
        ..PayoutSettings::default()
    }
}

fn months(months: Option<u32>, renewal_rate_bp: Option<u32>) -> Option<Recurring> {
    Some(Recurring {
        months,
        renewal_rate_bp,
    })
}

/// `(partner, currency, commission in cents)` of the payable lines of `period` under the
/// official model.
fn payable(
    index: &JourneyIndex,
    settings: &PayoutSettings,
    period: &str,
) -> Vec<(String, String, i64)> {
    let period = Period::parse(period).unwrap();
    let result = payouts(index, settings, period, ProgrammeTimeZone::default());
    result
        .of_model(settings.model)
        .filter(|l| l.status == PayoutStatus::Payable)
        .map(|l| {
            (
                index.sources[l.partner as usize].id.clone(),
                l.currency.clone(),
                l.commission.0,
            )
        })
        .collect()
}

fn line(partner: &str, currency: &str, cents: i64) -> (String, String, i64) {
    (partner.to_owned(), currency.to_owned(), cents)
}

/// Every month from January 2026 to February 2027.
fn fourteen_months() -> Vec<String> {
    (0..14u32)
        .map(|i| format!("{}-{:02}", 2026 + (i / 12) as i32, i % 12 + 1))
        .collect()
}

/// alpha's USD commission on sub-1, per month of the fourteen.
fn alpha_usd_by_month(index: &JourneyIndex, settings: &PayoutSettings) -> Vec<i64> {
    fourteen_months()
        .iter()
        .map(|month| {
            payable(index, settings, month)
                .iter()
                .filter(|(p, c, _)| p == "alpha" && c == "USD")
                .map(|(_, _, cents)| cents)
                .sum()
        })
        .collect()
}

/// 13 monthly renewals under a 12-month binding: the first sale and the 12 renewals up to
/// 2027-01-15 pay alpha 5.00 each (13 × 5.00 = 65.00); the 13th renewal, 2027-02-15, is
/// credited by its own touches: it has none, so it is unattributed and pays nothing.
#[test]
fn thirteen_renewals_under_twelve_months_pay_twelve_times() {
    let dir = tempfile::tempdir().unwrap();
    let index = JourneyIndex::build(&programme(dir.path(), &conversions_csv())).unwrap();
    let bound = settings(months(Some(12), None));
    let by_month = alpha_usd_by_month(&index, &bound);
    assert_eq!(
        by_month,
        vec![
            500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 0
        ]
    );
    assert_eq!(by_month.iter().sum::<i64>(), 6_500);
    // Without the binding only the first sale pays: the renewals have no touch.
    let unbound = alpha_usd_by_month(&index, &settings(None));
    assert_eq!(unbound, vec![500, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

    // April 2026: sub-1's f03 (alpha 5.00), sub-2's g2 bound to g1 whose last touch was
    // beta's (beta's flat 5.00; gamma's own click on g2 earns nothing), sub-3's e2 bound to
    // e1 (alpha 10% of 40.00 EUR = 4.00, apart from the dollars).
    assert_eq!(
        payable(&index, &bound, "2026-04"),
        vec![
            line("alpha", "EUR", 400),
            line("alpha", "USD", 500),
            line("beta", "USD", 500)
        ]
    );
    // Unbound, g2 is gamma's by its own click (8% of 200.00 = 16.00) and e2 pays no one.
    assert_eq!(
        payable(&index, &settings(None), "2026-04"),
        vec![line("gamma", "USD", 1_600)]
    );

    // The statements agree: January 2027 pays the 12th renewal, naming its first sale;
    // February 2027 lists nothing for alpha.
    let zone = ProgrammeTimeZone::default();
    let january = statement(&index, &bound, Period::parse("2027-01").unwrap(), zone);
    let alpha = index.sources.iter().position(|s| s.id == "alpha").unwrap() as u32;
    let lines: Vec<(String, LineStatus, i64, Option<String>)> = january
        .lines_of(alpha)
        .map(|l| {
            (
                l.conversion_id.clone(),
                l.status,
                l.commission.0,
                l.renewal_of.clone(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![(
            "f12".to_owned(),
            LineStatus::Payable,
            500,
            Some("f00".to_owned())
        )]
    );
    assert_eq!(
        january.balance(Some(alpha)),
        vec![("USD".to_owned(), Cents(500))]
    );
    let february = statement(&index, &bound, Period::parse("2027-02").unwrap(), zone);
    assert_eq!(february.lines_of(alpha).count(), 0);
    let csv = statement_csv(&index, &january, alpha, zone);
    assert!(csv.contains(",f12,2027-01-15,2027-01,2027-01,2027-01-15,50.00,10% (renewal of f00),5.00,USD,payable,"), "{csv}");
}

/// A renewal rate of 20%, unlike the partners' own (alpha 10%, beta a flat 5.00): renewals
/// pay 20% of their revenue with the first sale's split; first sales keep the own rate.
#[test]
fn a_renewal_rate_replaces_the_partners_own_on_renewals_only() {
    let dir = tempfile::tempdir().unwrap();
    let index = JourneyIndex::build(&programme(dir.path(), &conversions_csv())).unwrap();
    let twenty = settings(months(Some(12), Some(2_000)));
    // f00 at alpha's 10%: 5.00; f01 to f12 at 20% of 50.00: 10.00 each; f13 unbound.
    assert_eq!(
        alpha_usd_by_month(&index, &twenty),
        vec![
            500, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000,
            1_000, 0
        ]
    );
    // April: f03 10.00; g2 20% of 200.00 to beta (last touch of g1) = 40.00; e2 20% of
    // 40.00 EUR = 8.00.
    assert_eq!(
        payable(&index, &twenty, "2026-04"),
        vec![
            line("alpha", "EUR", 800),
            line("alpha", "USD", 1_000),
            line("beta", "USD", 4_000)
        ]
    );
    // The statement's rate column says which rate a renewal paid and what it renews.
    let zone = ProgrammeTimeZone::default();
    let april = statement(&index, &twenty, Period::parse("2026-04").unwrap(), zone);
    let beta = index.sources.iter().position(|s| s.id == "beta").unwrap() as u32;
    let csv = statement_csv(&index, &april, beta, zone);
    assert!(csv.contains(",g2,2026-04-01,2026-04,2026-04,2026-04-01,200.00,20% (renewal of g1),40.00,USD,payable,"), "{csv}");
    assert_eq!(
        twenty.rules.describe_recurring().as_deref(),
        Some("recurring: 12 months at 20%")
    );
    // Linear: g1 is half alpha's (10% of 100.00 = 10.00), half beta's (half of 5.00 = 2.50);
    // its renewal g2 splits the same way, at 20%: 20.00 each.
    let linear = PayoutSettings {
        model: partner_attribution::attribution::Model::Linear.into(),
        ..twenty
    };
    let march: Vec<_> = payable(&index, &linear, "2026-03");
    assert_eq!(
        march,
        vec![
            line("alpha", "EUR", 400),
            line("alpha", "USD", 2_000),
            line("beta", "USD", 250)
        ]
    );
    assert_eq!(
        payable(&index, &linear, "2026-04"),
        vec![
            line("alpha", "EUR", 800),
            line("alpha", "USD", 3_000),
            line("beta", "USD", 2_000)
        ]
    );
}

/// A lifetime binding pays every renewal: the 13th too (14 × 5.00 = 70.00).
#[test]
fn a_lifetime_binding_pays_every_renewal() {
    let dir = tempfile::tempdir().unwrap();
    let index = JourneyIndex::build(&programme(dir.path(), &conversions_csv())).unwrap();
    let lifetime = settings(months(None, None));
    let by_month = alpha_usd_by_month(&index, &lifetime);
    assert_eq!(by_month, vec![500; 14]);
    assert_eq!(by_month.iter().sum::<i64>(), 7_000);
    assert_eq!(
        lifetime.rules.describe_recurring().as_deref(),
        Some("recurring: lifetime at the partner's own rate")
    );
    // A binding changes the fingerprint; none keeps the default's.
    assert_eq!(settings(None).rules, CommissionRules::default());
    assert_eq!(PayoutSettings::default().fingerprint(), "01a5bc7a7f83");
    assert_ne!(lifetime.fingerprint(), settings(None).fingerprint());
}

/// Compare credits bound renewals as their first sale (first, last and linear), and Leakage
/// counts them credited; the totals still add up.
#[test]
fn compare_and_leakage_credit_bound_renewals_to_the_first_sale_s_partner() {
    let dir = tempfile::tempdir().unwrap();
    let index = JourneyIndex::build(&programme(dir.path(), &conversions_csv())).unwrap();
    let attribution = PayoutSettings::default().attribution;
    let credit = |recurring: Option<Recurring>| {
        let mut credit = compute_models(
            &index,
            &attribution,
            &ModelParams::default(),
            &classic_models(),
        );
        Renewals::bind(&index, recurring).rebind_credit(&index, &attribution, &mut credit);
        credit
    };
    let source = |id: &str| index.sources.iter().position(|s| s.id == id).unwrap();
    let last = partner_attribution::attribution::CreditModel::Last;
    let bound = credit(months(Some(12), None));
    let alpha = bound.credit(last, source("alpha"));
    // f00 to f12 (13 × 50.00 USD) and e1, e2 (2 × 40.00 EUR): 15 sales, 730.00, paying
    // 13 × 5.00 + 2 × 4.00 = 73.00.
    assert_eq!(alpha.conversions, 15.0);
    assert!((alpha.revenue - 730.0).abs() < 1e-9, "{alpha:?}");
    assert!((alpha.payout - 73.0).abs() < 1e-9, "{alpha:?}");
    // g1 and g2 are beta's (last touch of g1); gamma has nothing.
    assert_eq!(bound.credit(last, source("beta")).conversions, 2.0);
    assert_eq!(bound.credit(last, source("gamma")).conversions, 0.0);
    // Only f13 is unattributed; every sale is credited once.
    assert_eq!(bound.unattributed.conversions, 1.0);
    assert!((bound.unattributed.revenue - 50.0).abs() < 1e-9);
    let credited = bound.model_total(last).conversions + bound.unattributed.conversions;
    assert_eq!(credited, bound.total.conversions);
    // Unbound: f01 to f13 and e2 are unattributed, g2 is gamma's.
    let unbound = credit(None);
    assert_eq!(unbound.unattributed.conversions, 14.0);
    assert_eq!(unbound.credit(last, source("gamma")).conversions, 1.0);

    let renewals = Renewals::bind(&index, months(Some(12), None));
    assert_eq!(renewals.bound().len(), 14, "f01 to f12, g2 and e2");
    let with = analyse_with_renewals(&index, &attribution, &renewals);
    let without = analyse(&index, &attribution);
    assert_eq!(
        (without.credited.conversions, with.credited.conversions),
        (4.0, 17.0)
    );
    assert!(with.leaked.is_empty() && without.leaked.is_empty());
    assert_eq!(with.recurring, months(Some(12), None));
}

/// A conversions file without `subscription_id` changes nothing: under any binding the
/// payouts are those without one.
#[test]
fn a_file_without_subscription_ids_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let plain: String = conversions_csv()
        .lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_owned() + "\n")
        .collect();
    assert!(plain.starts_with("conversion_id,converted_at,revenue,currency,cookie_id,status\n"));
    let index = JourneyIndex::build(&programme(dir.path(), &plain)).unwrap();
    assert!(
        index
            .conversions
            .iter()
            .all(|c| c.subscription_id.is_none())
    );
    for recurring in [months(Some(12), Some(2_000)), months(None, None)] {
        assert!(Renewals::bind(&index, recurring).bound().is_empty());
        for month in fourteen_months() {
            assert_eq!(
                payable(&index, &settings(recurring), &month),
                payable(&index, &settings(None), &month),
                "{month}"
            );
        }
    }
}

/// The real importer stores `subscription_id` in the DuckDB file (empty cells as NULL), and
/// the command line binds renewals with `--recurring` and `--renewal-rate`.
#[test]
fn the_importer_stores_subscription_ids_and_the_command_line_binds_them() {
    let dir = tempfile::tempdir().unwrap();
    drop(programme(dir.path(), &conversions_csv()));
    let db = dir.path().join("programme.duckdb");
    {
        let conn = duckdb::Connection::open(&db).unwrap();
        let stored: Vec<(String, Option<String>)> = conn
            .prepare(
                "SELECT conversion_id, subscription_id FROM conversions
                 WHERE conversion_id IN ('f00', 'f13', 'g2', 'e2') ORDER BY conversion_seq",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let expected = [
            ("f00", "sub-1"),
            ("f13", "sub-1"),
            ("g2", "sub-2"),
            ("e2", "sub-3"),
        ];
        let expected: Vec<(String, Option<String>)> = expected
            .iter()
            .map(|(c, s)| (c.to_string(), Some(s.to_string())))
            .collect();
        assert_eq!(stored, expected);
    }
    let run = |args: &[&str]| -> String {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_partner-attribution"))
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let db = db.to_str().unwrap();
    let payouts = |extra: &[&str]| -> String {
        let mut args = vec![
            "payouts",
            "--db",
            db,
            "--period",
            "2026-04",
            "--hold-days",
            "0",
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let table = payouts(&["--recurring", "12", "--renewal-rate", "20%"]);
    assert!(table.contains("recurring: 12 months at 20%"), "{table}");
    let csv = payouts(&[
        "--recurring",
        "12",
        "--renewal-rate",
        "20%",
        "--format",
        "csv",
    ]);
    assert!(
        csv.contains("2026-04,beta,Beta Deals,last,1.0000,200.00,40.00,USD,payable,"),
        "{csv}"
    );
    let unbound = payouts(&["--format", "csv"]);
    assert!(
        unbound.contains("2026-04,gamma,Gamma Media,last,1.0000,200.00,16.00,USD,payable,"),
        "{unbound}"
    );
    let compare = run(&["compare", "--db", db, "--recurring", "lifetime"]);
    assert!(
        compare.contains("Recurring: lifetime at the partner's own rate"),
        "{compare}"
    );
    let leakage = run(&["leakage", "--db", db, "--recurring", "12"]);
    assert!(
        leakage.contains("recurring: 12 months at the partner's own rate"),
        "{leakage}"
    );
}
