//! Statements by payable date: a commission is paid on the first statement after its hold
//! ends, whatever month the sale was in, and on no other.

mod common;

use common::{import, write};
use partner_attribution::domain::ProgrammeTimeZone;
use partner_attribution::import::FileKind;
use partner_attribution::journeys::JourneyIndex;
use partner_attribution::payouts::{Cents, CommissionRules, PayoutSettings, Period, Tier};
use partner_attribution::payouts::{payouts, signoff_record};
use partner_attribution::statements::{
    LineStatus, Statement, StatementLine, payments_csv, statement, statement_after, statement_csv,
    statements_html,
};
use partner_attribution::store::Store;

const PARTNERS: &str = "partner_id,name,commission
alpha,Alpha Reviews,10%
beta,Beta Deals,5.00
";

const CLICKS: &str = "clicked_at,partner_id,channel,cookie_id
2026-01-05T09:00:00Z,alpha,,c1
2026-01-25T09:00:00Z,alpha,,c2
2026-01-28T09:00:00Z,beta,,c3
2026-01-11T09:00:00Z,alpha,,c4
2026-02-19T09:00:00Z,alpha,,c5
2026-03-30T09:00:00Z,alpha,,c6
2026-02-02T09:00:00Z,beta,,c7
";

/// s1 paid in January; s2 sold on the 25th, held over the month's end, paid in February;
/// s3 likewise for beta; s4 refunded; s5 still pending approval; s6 sold an hour before
/// April; s7 in euros.
const CONVERSIONS: &str = "conversion_id,converted_at,revenue,currency,cookie_id,status
s1,2026-01-10T12:00:00Z,100.00,USD,c1,approved
s2,2026-01-25T12:00:00Z,200.00,USD,c2,approved
s3,2026-01-30T12:00:00Z,50.00,USD,c3,approved
s4,2026-01-12T12:00:00Z,80.00,USD,c4,refunded
s5,2026-02-20T12:00:00Z,300.00,USD,c5,pending
s6,2026-03-31T23:00:00Z,40.00,USD,c6,approved
s7,2026-02-03T12:00:00Z,60.00,EUR,c7,approved
";

fn programme(dir: &std::path::Path) -> JourneyIndex {
    JourneyIndex::build(&programme_store(dir)).unwrap()
}

fn programme_store(dir: &std::path::Path) -> Store {
    let store = Store::open(&dir.join("programme.duckdb")).unwrap();
    for (name, content, kind) in [
        ("partners.csv", PARTNERS, FileKind::Partners),
        ("clicks.csv", CLICKS, FileKind::Clicks),
        ("conversions.csv", CONVERSIONS, FileKind::Conversions),
    ] {
        import(&store, &write(dir, name, content), Some(kind)).unwrap();
    }
    store
}

fn month(index: &JourneyIndex, label: &str) -> Statement {
    let period = Period::parse(label).unwrap();
    statement(
        index,
        &PayoutSettings::default(),
        period,
        ProgrammeTimeZone::default(),
    )
}

/// (order, status, commission in cents, payable_on) of one partner's lines.
fn lines(
    index: &JourneyIndex,
    statement: &Statement,
    partner: &str,
) -> Vec<(String, LineStatus, i64, Option<String>)> {
    let id = index.sources.iter().position(|s| s.id == partner).unwrap() as u32;
    statement
        .lines_of(id)
        .map(|l: &StatementLine| {
            (
                l.conversion_id.clone(),
                l.status,
                l.commission.0,
                l.payable_on.map(|p| p.label()),
            )
        })
        .collect()
}

fn row(
    order: &str,
    status: LineStatus,
    cents: i64,
    on: Option<&str>,
) -> (String, LineStatus, i64, Option<String>) {
    (order.to_owned(), status, cents, on.map(str::to_owned))
}

#[test]
fn a_sale_held_across_a_month_end_is_paid_on_the_next_statement() {
    let dir = tempfile::tempdir().unwrap();
    let index = programme(dir.path());
    let january = month(&index, "2026-01");
    assert_eq!(
        lines(&index, &january, "alpha"),
        vec![
            // 10% of 100.00; the hold (14 days) ended on the 24th.
            row("s1", LineStatus::Payable, 1_000, Some("2026-01")),
            // Refunded: listed as reversed, pays nothing.
            row("s4", LineStatus::Reversed, 0, None),
            // Sold on the 25th: held until 2026-02-08, payable in February.
            row("s2", LineStatus::Held, 2_000, Some("2026-02")),
        ]
    );
    assert_eq!(
        lines(&index, &january, "beta"),
        vec![row("s3", LineStatus::Held, 500, Some("2026-02"))]
    );
    let csv = statement_csv(&index, &january, 0, ProgrammeTimeZone::default());
    assert!(
        csv.contains(
            "2026-01,alpha,s2,2026-01-25,2026-01,2026-02,2026-02-08,200.00,10%,20.00,USD,held,"
        ),
        "{csv}"
    );

    let february = month(&index, "2026-02");
    assert_eq!(
        lines(&index, &february, "alpha"),
        vec![
            // January's sale, paid now; s1 is not paid again.
            row("s2", LineStatus::Payable, 2_000, Some("2026-02")),
            // Pending approval: held with no release date yet.
            row("s5", LineStatus::Held, 3_000, None),
        ]
    );
    assert_eq!(
        lines(&index, &february, "beta"),
        vec![
            row("s3", LineStatus::Payable, 500, Some("2026-02")),
            row("s7", LineStatus::Payable, 500, Some("2026-02")),
        ]
    );
    assert_eq!(
        february.total(None, LineStatus::Payable),
        vec![
            ("EUR".to_owned(), Cents(500)),
            ("USD".to_owned(), Cents(2_500))
        ]
    );
    assert_eq!(
        payments_csv(&index, &february),
        format!(
            "statement,partner_id,partner_name,currency,amount,settings_fingerprint\n\
             2026-02,alpha,Alpha Reviews,USD,20.00,{f}\n\
             2026-02,beta,Beta Deals,EUR,5.00,{f}\n\
             2026-02,beta,Beta Deals,USD,5.00,{f}\n",
            f = PayoutSettings::default().fingerprint()
        )
    );

    // Sold at 23:00 on 31 March: held in March, paid in April.
    let march = month(&index, "2026-03");
    assert_eq!(
        lines(&index, &march, "alpha"),
        vec![
            row("s5", LineStatus::Held, 3_000, None),
            row("s6", LineStatus::Held, 400, Some("2026-04")),
        ]
    );
    let april = month(&index, "2026-04");
    assert_eq!(
        april.total(None, LineStatus::Payable),
        vec![("USD".to_owned(), Cents(400))]
    );
}

#[test]
fn over_a_year_every_approved_commission_is_paid_once() {
    let dir = tempfile::tempdir().unwrap();
    let index = programme(dir.path());
    let mut paid: Vec<String> = Vec::new();
    let mut total = std::collections::BTreeMap::<String, i64>::new();
    let mut period = Period::parse("2025-12").unwrap();
    for _ in 0..13 {
        let statement = month(&index, &period.label());
        for line in statement
            .lines
            .iter()
            .filter(|l| l.status == LineStatus::Payable)
        {
            paid.push(line.conversion_id.clone());
            *total.entry(line.currency.clone()).or_default() += line.commission.0;
        }
        period = period.next();
    }
    paid.sort();
    // s4 was refunded and s5 is still pending: neither is paid; the rest exactly once.
    assert_eq!(paid, ["s1", "s2", "s3", "s6", "s7"]);
    assert_eq!(
        total.into_iter().collect::<Vec<_>>(),
        vec![
            ("EUR".to_owned(), 500),
            ("USD".to_owned(), 1_000 + 2_000 + 500 + 400)
        ]
    );
}

#[test]
fn the_command_line_writes_a_printable_statement_per_partner_and_the_payment_file() {
    let dir = tempfile::tempdir().unwrap();
    programme(dir.path());
    let out = dir.path().join("statements");
    std::fs::create_dir(&out).unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_partner-attribution"))
        .args(["payouts", "--period", "2026-02", "--format", "csv"])
        .arg("--db")
        .arg(dir.path().join("programme.duckdb"))
        .arg("--statements")
        .arg(&out)
        .args(["--programme", "Spring <Partners>"])
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "payments.csv",
            "statement-alpha.csv",
            "statement-beta.csv",
            "statements.html"
        ]
    );
    let html = std::fs::read_to_string(out.join("statements.html")).unwrap();
    // A page per partner, the programme's name escaped, January's sale paid in February.
    assert_eq!(html.matches("<section>").count(), 2);
    assert!(html.contains("<h1>Spring &lt;Partners&gt;</h1>"), "{html}");
    assert!(html.contains("<td>s2</td><td>2026-01</td><td>payable</td><td>2026-02-08</td>"));
    assert!(html.contains("Payable on this statement:</strong> 20.00 USD"));
    assert!(html.contains("Held for a later statement:</strong> 30.00 USD"));
    let alpha = std::fs::read_to_string(out.join("statement-alpha.csv")).unwrap();
    assert_eq!(alpha.lines().count(), 3, "{alpha}");

    // A folder that does not exist is refused, and nothing is written.
    let missing = dir.path().join("no-such-folder");
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_partner-attribution"))
        .args(["payouts", "--period", "2026-02"])
        .arg("--db")
        .arg(dir.path().join("programme.duckdb"))
        .arg("--statements")
        .arg(&missing)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("the statements folder does not exist"),
        "{stderr}"
    );
    assert!(!missing.exists());
}

/// Signs off `label`'s statement as finance does: the amounts and the statement's lines.
fn sign_off(store: &Store, label: &str) -> Statement {
    let index = JourneyIndex::build(store).unwrap();
    let (settings, zone) = (PayoutSettings::default(), ProgrammeTimeZone::default());
    let period = Period::parse(label).unwrap();
    let history = store.statement_history().unwrap();
    let month = statement_after(&index, &settings, period, zone, &history);
    let mut record = signoff_record(&index, &payouts(&index, &settings, period, zone), "Fin");
    record.statement = month.paid_lines(&index);
    store.record_signoff(&record).unwrap();
    month
}

fn refund(store: &Store, dir: &std::path::Path, line: &str) {
    let file = write(
        dir,
        "refunds.csv",
        &format!("conversion_id,converted_at,revenue,currency,cookie_id,status\n{line}\n"),
    );
    import(store, &file, Some(FileKind::Conversions)).unwrap();
}

fn month_after(store: &Store, label: &str) -> (JourneyIndex, Statement) {
    let index = JourneyIndex::build(store).unwrap();
    let history = store.statement_history().unwrap();
    let period = Period::parse(label).unwrap();
    let zone = ProgrammeTimeZone::default();
    let month = statement_after(&index, &PayoutSettings::default(), period, zone, &history);
    (index, month)
}

#[test]
fn a_refund_after_sign_off_is_clawed_back_next_month_and_the_signed_statement_stays() {
    let dir = tempfile::tempdir().unwrap();
    let store = programme_store(dir.path());
    let january = sign_off(&store, "2026-01");
    assert_eq!(
        january.balance(None),
        vec![("USD".to_owned(), Cents(1_000))]
    );
    let signed_before = store.signoffs("2026-01").unwrap();
    assert_eq!(signed_before[0].statement.len(), 1);
    assert_eq!(signed_before[0].statement[0].conversion_id, "s1");

    // s1 (paid 10.00 on January's signed statement) is refunded in February.
    refund(
        &store,
        dir.path(),
        "s1,2026-01-10T12:00:00Z,100.00,USD,c1,refunded",
    );
    let (index, february) = month_after(&store, "2026-02");
    assert_eq!(
        lines(&index, &february, "alpha"),
        vec![
            row("s1", LineStatus::Clawback, -1_000, Some("2026-02")),
            row("s2", LineStatus::Payable, 2_000, Some("2026-02")),
            row("s5", LineStatus::Held, 3_000, None),
        ]
    );
    let alpha = index.sources.iter().position(|s| s.id == "alpha").unwrap() as u32;
    assert_eq!(
        february.balance(Some(alpha)),
        vec![("USD".to_owned(), Cents(1_000))]
    );
    // January's signed statement is not rewritten; January seen again shows s1 reversed.
    assert_eq!(store.signoffs("2026-01").unwrap(), signed_before);
    let (_, january_now) = month_after(&store, "2026-01");
    assert_eq!(
        lines(&index, &january_now, "alpha")[0],
        row("s1", LineStatus::Reversed, 0, None)
    );

    // Signed, February's clawback is not made again in March; s2's refund after February's
    // sign-off is March's, larger than what March pays: a negative statement that says so.
    sign_off(&store, "2026-02");
    refund(
        &store,
        dir.path(),
        "s2,2026-01-25T12:00:00Z,200.00,USD,c2,refunded",
    );
    let (index, march) = month_after(&store, "2026-03");
    assert_eq!(
        lines(&index, &march, "alpha"),
        vec![
            row("s2", LineStatus::Clawback, -2_000, Some("2026-03")),
            row("s5", LineStatus::Held, 3_000, None),
            row("s6", LineStatus::Held, 400, Some("2026-04")),
        ]
    );
    assert_eq!(
        march.balance(Some(alpha)),
        vec![("USD".to_owned(), Cents(-2_000))]
    );
    let html = statements_html(&index, &march, "Spring", ProgrammeTimeZone::default());
    assert!(html.contains("-20.00 USD (negative: the clawbacks exceed what this statement pays"));
    assert!(payments_csv(&index, &march).contains("2026-03,alpha,Alpha Reviews,USD,-20.00,"));

    // Nothing lost, nothing twice: what the signed statements paid, less their clawbacks,
    // is what the sales still standing earned (s3, s7 for beta; none of alpha's: s1 and s2
    // refunded, s5 pending, s6 not yet payable).
    let history = store.statement_history().unwrap();
    // USD: s1 paid and clawed back, s2 2,000, s3 500.
    let net = |currency: &str| -> i64 {
        let lines = history.lines.iter().filter(|l| l.currency == currency);
        lines.map(|l| l.commission_cents).sum()
    };
    assert_eq!((net("USD"), net("EUR")), (2_500, 500));
    assert_eq!(march.balance(None), vec![("USD".to_owned(), Cents(-2_000))]);
}

/// Gamma (10%) sells 100.00 three times in January; the tier pays 15% above 150.00 a month.
fn tiered_programme(dir: &std::path::Path) -> JourneyIndex {
    let store = Store::open(&dir.join("tiered.duckdb")).unwrap();
    let files = [
        (
            "p.csv",
            "partner_id,name,commission\ngamma,Gamma,10%\n",
            FileKind::Partners,
        ),
        (
            "k.csv",
            "clicked_at,partner_id,channel,cookie_id\n2026-01-01T09:00:00Z,gamma,,g\n",
            FileKind::Clicks,
        ),
        (
            "c.csv",
            "conversion_id,converted_at,revenue,currency,cookie_id,status\n\
             t1,2026-01-05T12:00:00Z,100.00,USD,g,approved\n\
             t2,2026-01-10T12:00:00Z,100.00,USD,g,approved\n\
             t4,2026-01-12T12:00:00Z,100.00,USD,g,refunded\n\
             t3,2026-01-20T12:00:00Z,100.00,USD,g,approved\n",
            FileKind::Conversions,
        ),
    ];
    for (name, content, kind) in files {
        import(&store, &write(dir, name, content), Some(kind)).unwrap();
    }
    JourneyIndex::build(&store).unwrap()
}

#[test]
fn a_tier_crossed_mid_month_splits_the_sale_and_a_cap_limits_each_conversion() {
    let dir = tempfile::tempdir().unwrap();
    let index = tiered_programme(dir.path());
    let january = Period::parse("2026-01").unwrap();
    let zone = ProgrammeTimeZone::default();
    let tiered = PayoutSettings {
        hold_days: 0,
        rules: CommissionRules {
            tier: Some(Tier {
                threshold_cents: 15_000,
                rate_bp: 1_500,
            }),
            cap_cents: None,
            recurring: None,
        },
        ..PayoutSettings::default()
    };
    let commissions = |settings: &PayoutSettings| -> Vec<(String, i64)> {
        statement(&index, settings, january, zone)
            .lines
            .iter()
            .map(|l| (l.conversion_id.clone(), l.commission.0))
            .collect()
    };
    // 10% of t1; t2 crosses 150.00: 50.00 at 10% + 50.00 at 15% = 12.50; t4 was refunded
    // (pays nothing, counts for nothing); t3 is all above: 15.00.
    let expected = [("t1", 1_000), ("t2", 1_250), ("t4", 0), ("t3", 1_500)];
    let expected: Vec<(String, i64)> = expected.iter().map(|(c, v)| (c.to_string(), *v)).collect();
    assert_eq!(commissions(&tiered), expected);
    // The month's payouts agree: 10.00 + 12.50 + 15.00.
    let result = payouts(&index, &tiered, january, zone);
    let payable = result.total(
        tiered.model,
        partner_attribution::payouts::PayoutStatus::Payable,
    );
    assert_eq!(payable, vec![("USD".to_owned(), Cents(3_750))]);

    // A cap of 12.00 per conversion on top.
    let capped = PayoutSettings {
        rules: CommissionRules {
            cap_cents: Some(1_200),
            ..tiered.rules
        },
        ..tiered
    };
    let expected = [("t1", 1_000), ("t2", 1_200), ("t4", 0), ("t3", 1_200)];
    let expected: Vec<(String, i64)> = expected.iter().map(|(c, v)| (c.to_string(), *v)).collect();
    assert_eq!(commissions(&capped), expected);
    assert_eq!(
        capped.rules.describe(),
        "above 150.00 a month: 15% · at most 12.00 per conversion"
    );
    // The same from the command line; a tier it cannot read is refused.
    let db = dir.path().join("tiered.duckdb");
    let cli = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_partner-attribution"))
            .args([
                "payouts",
                "--period",
                "2026-01",
                "--hold-days",
                "0",
                "--format",
                "csv",
            ])
            .arg("--db")
            .arg(&db)
            .args(extra)
            .output()
            .unwrap()
    };
    let out = cli(&["--tier", "150:15%", "--cap", "12"]);
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(
        csv.contains("2026-01,gamma,Gamma,last,3.0000,300.00,34.00,USD,payable,"),
        "{csv}"
    );
    let refused = cli(&["--tier", "lots"]);
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("expected AMOUNT:RATE% like 10000:15%, found 'lots'"),
        "{message}"
    );

    // Settings without rules keep the fingerprint they had, so older sign-offs still match.
    assert_eq!(PayoutSettings::default().fingerprint(), "01a5bc7a7f83");
    assert_ne!(
        capped.fingerprint(),
        PayoutSettings {
            hold_days: 0,
            ..PayoutSettings::default()
        }
        .fingerprint()
    );
}
