//! Payouts to the cent, the finance export, sign-off against late changes, and the audit of
//! partner-reported leads.

mod common;

use common::{import, repo, write};
use partner_attribution::attribution::Model;
use partner_attribution::audit::{Category, LeadVerdict, audit, monthly};
use partner_attribution::domain::ProgrammeTimeZone;
use partner_attribution::import::FileKind;
use partner_attribution::journeys::JourneyIndex;
use partner_attribution::leakage::Cause;
use partner_attribution::payouts::{
    Cents, PayoutSettings, PayoutStatus, Period, changes_since, export_csv, export_rows, payouts,
    signoff_record,
};
use partner_attribution::store::Store;

const PARTNERS: &str = "partner_id,name,commission,coupon_codes
alpha,Alpha Reviews,12%,
beta,\"=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",5.00,
gamma,@SUM(A1),7.5%,
";

/// September 2026: alpha's clicks lead to three sales (one refunded, one in EUR, one late in
/// the month so within the 14-day hold); beta shares one sale with alpha; gamma has one.
const CLICKS: &str = "clicked_at,partner_id,channel,cookie_id
2026-09-01T10:00:00Z,alpha,,c1
2026-09-02T10:00:00Z,alpha,,c2
2026-09-03T10:00:00Z,alpha,,c3
2026-09-04T10:00:00Z,alpha,,c4
2026-09-04T11:00:00Z,beta,,c4
2026-09-05T10:00:00Z,gamma,,c5
2026-09-24T10:00:00Z,alpha,,c6
2026-08-01T10:00:00Z,,organic,c7
";

const CONVERSIONS: &str = "conversion_id,converted_at,revenue,currency,cookie_id,status
o1,2026-09-01T12:00:00Z,338.98,USD,c1,approved
o2,2026-09-02T12:00:00Z,100.00,USD,c2,refunded
o3,2026-09-03T12:00:00Z,50.00,EUR,c3,approved
o4,2026-09-04T12:00:00Z,100.00,USD,c4,approved
o5,2026-09-05T12:00:00Z,2.68,USD,c5,approved
o6,2026-09-25T12:00:00Z,80.00,USD,c6,approved
o7,2026-08-02T12:00:00Z,99.00,USD,c7,approved
";

fn programme(dir: &std::path::Path) -> Store {
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

/// Every reported lead judged under the default payout rules, 7 days' tolerance.
fn audited_leads(
    store: &Store,
    index: &JourneyIndex,
) -> Vec<partner_attribution::audit::AuditedLead> {
    audit(
        index,
        &PayoutSettings::default(),
        store.lead_matches(7).unwrap(),
        utc(),
    )
}

fn september() -> Period {
    Period::parse("2026-09").unwrap()
}

fn utc() -> ProgrammeTimeZone {
    ProgrammeTimeZone::default()
}

/// Commission of `partner` in `currency` and `status` under `model`.
fn commission(
    index: &JourneyIndex,
    result: &partner_attribution::payouts::PeriodPayouts,
    model: Model,
    partner: &str,
    currency: &str,
    status: PayoutStatus,
) -> Cents {
    Cents(
        result
            .of_model(model)
            .filter(|l| {
                index.sources[l.partner as usize].id == partner
                    && l.currency == currency
                    && l.status == status
            })
            .map(|l| l.commission.0)
            .sum(),
    )
}

#[test]
fn commissions_are_exact_to_the_cent_with_refunds_and_currencies_apart() {
    let dir = tempfile::tempdir().unwrap();
    let store = programme(dir.path());
    let index = JourneyIndex::build(&store).unwrap();
    let result = payouts(&index, &PayoutSettings::default(), september(), utc());
    let last = |partner, currency, status| {
        commission(&index, &result, Model::Last, partner, currency, status)
    };
    // alpha: 12% of 338.98 = 40.6776 → 40.68 (o1) ; o4's last touch is beta's.
    assert_eq!(last("alpha", "USD", PayoutStatus::Payable), Cents(4_068));
    // o2 refunded: listed, pays nothing.
    assert_eq!(last("alpha", "USD", PayoutStatus::Refunded), Cents(0));
    // o3 in EUR: 12% of 50.00 = 6.00, never added to dollars.
    assert_eq!(last("alpha", "EUR", PayoutStatus::Payable), Cents(600));
    // o6 on the 25th: 6 days before the month's end, within the 14-day hold → pending.
    assert_eq!(last("alpha", "USD", PayoutStatus::Pending), Cents(960));
    // beta: flat 5.00 for o4; gamma 7.5% of 2.68 = 0.201 → 0.20.
    assert_eq!(last("beta", "USD", PayoutStatus::Payable), Cents(500));
    assert_eq!(last("gamma", "USD", PayoutStatus::Payable), Cents(20));
    // Linear: o4 splits alpha/beta in halves: 6.00 and 2.50.
    let linear = |partner| {
        commission(
            &index,
            &result,
            Model::Linear,
            partner,
            "USD",
            PayoutStatus::Payable,
        )
    };
    assert_eq!(linear("alpha"), Cents(4_068 + 600));
    assert_eq!(linear("beta"), Cents(250));
    // The August sale and the organic channel are in no September line.
    assert!(
        result
            .lines
            .iter()
            .all(|l| index.sources[l.partner as usize].is_partner)
    );
    assert_eq!(
        result.total(Model::Last, PayoutStatus::Payable),
        vec![
            ("EUR".to_owned(), Cents(600)),
            ("USD".to_owned(), Cents(4_588))
        ]
    );
}

#[test]
fn the_export_neutralises_formulas_and_its_rows_add_up_to_the_total() {
    let dir = tempfile::tempdir().unwrap();
    let store = programme(dir.path());
    let index = JourneyIndex::build(&store).unwrap();
    let settings = PayoutSettings::default();
    let result = payouts(&index, &settings, september(), utc());
    let rows = export_rows(&index, &result, Model::Last);
    let csv = export_csv(&rows);
    assert!(csv.starts_with(
        "period,partner_id,partner_name,model,credited_conversions,revenue,commission,currency,status,settings_fingerprint,sale_period,payable_on\n"
    ));
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\""),
        "{csv}"
    );
    assert!(csv.contains(",'@SUM(A1),"), "{csv}");
    let usd_payable: i64 = csv
        .lines()
        .skip(1)
        .filter(|l| l.contains(",USD,payable,"))
        .map(|l| {
            let fields: Vec<&str> = l.rsplitn(7, ',').collect();
            let commission = fields[5];
            let (whole, cents) = commission.split_once('.').unwrap();
            whole.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap()
        })
        .sum();
    assert_eq!(usd_payable, 4_588, "{csv}");
    assert!(
        csv.lines()
            .skip(1)
            .all(|l| l.contains(&format!(",{},2026-09,", settings.fingerprint())))
    );
    // Payable lines are paid on September's statement; o6, sold on the 25th, is held until
    // 9 October and is paid on October's; refunded ones are paid on none.
    assert!(
        csv.contains(",USD,payable,") && csv.contains(",USD,pending,"),
        "{csv}"
    );
    for line in csv.lines().skip(1) {
        let expected = match line {
            l if l.contains(",payable,") => "2026-09",
            l if l.contains(",pending,") => "2026-10",
            _ => "",
        };
        assert!(line.ends_with(&format!(",2026-09,{expected}")), "{line}");
    }

    let parquet = dir.path().join("payouts.parquet");
    store.export_payouts_parquet(&rows, &parquet).unwrap();
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let (count, total): (i64, String) = conn
        .query_row(
            &format!(
                "SELECT count(*), sum(commission)::VARCHAR FROM read_parquet('{}')",
                parquet.display()
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(count as usize, rows.len());
    // 40.68 + 0.00 (refunded) + 6.00 EUR + 9.60 (pending) + 5.00 + 0.20: every row, exact.
    assert_eq!(total, "61.48");
}

#[test]
fn a_late_refund_after_sign_off_shows_as_a_difference() {
    let dir = tempfile::tempdir().unwrap();
    let store = programme(dir.path());
    let settings = PayoutSettings::default();
    let index = JourneyIndex::build(&store).unwrap();
    let signed = payouts(&index, &settings, september(), utc());
    let record = signoff_record(&index, &signed, "Ann Finance");
    store.record_signoff(&record).unwrap();
    assert!(changes_since(&record, &signoff_record(&index, &signed, "")).is_empty());

    let refund = "conversion_id,converted_at,revenue,currency,cookie_id,status\n\
                  o1,2026-09-01T12:00:00Z,338.98,USD,c1,refunded\n";
    let outcome = import(
        &store,
        &write(dir.path(), "refunds.csv", refund),
        Some(FileKind::Conversions),
    )
    .unwrap();
    assert_eq!(
        (
            outcome.record().rows_accepted,
            outcome.record().rows_rejected
        ),
        (1, 0),
        "the refund is accepted, not rejected as a duplicate"
    );
    let index = JourneyIndex::build(&store).unwrap();
    assert_eq!(
        index.conversions.len(),
        7,
        "a status change, not a new conversion"
    );
    let now = signoff_record(&index, &payouts(&index, &settings, september(), utc()), "");
    let stored = store.signoffs("2026-09").unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].signed_by, "Ann Finance");
    let changes = changes_since(&stored[0], &now);
    let alpha_payable = changes
        .iter()
        .find(|c| c.partner_id == "alpha" && c.status == "payable" && c.currency == "USD")
        .expect("alpha's payable line moved");
    assert_eq!(alpha_payable.signed_commission, Cents(4_068));
    assert_eq!(alpha_payable.now_commission, Cents(0));
    assert!(
        changes
            .iter()
            .any(|c| c.partner_id == "alpha" && c.status == "refunded")
    );
    assert_eq!(
        store.signoffs("2026-09").unwrap()[0].lines,
        record.lines,
        "the signed snapshot is never rewritten"
    );
}

#[test]
fn each_audit_category_on_hand_built_leads() {
    let dir = tempfile::tempdir().unwrap();
    let store = programme(dir.path());
    // alpha claims o1 (theirs) and o4 (beta's last touch), gamma claims o7 (organic, a
    // month before), beta claims an order we never saw, and gamma claims " O5 " (theirs,
    // written differently).
    let leads = "partner_id,reported_at,reference,amount
alpha,2026-09-03T00:00:00Z,o1,338.98
alpha,2026-09-06T00:00:00Z,o4,
gamma,2026-08-04T00:00:00Z,o7,99.00
beta,2026-09-10T00:00:00Z,INV-404,25.00
gamma,2026-09-07T00:00:00Z, O5 ,2.68
alpha,2026-10-20T00:00:00Z,o1,338.98
";
    import(
        &store,
        &write(dir.path(), "leads.csv", leads),
        Some(FileKind::Leads),
    )
    .unwrap();
    let index = JourneyIndex::build(&store).unwrap();
    let audited = audited_leads(&store, &index);
    let verdicts: Vec<(String, String, LeadVerdict)> = audited
        .iter()
        .map(|a| {
            (
                a.lead.partner_id.clone(),
                a.lead.reference.trim().to_owned(),
                a.verdict.clone(),
            )
        })
        .collect();
    let expect = |partner: &str, reference: &str, verdict: LeadVerdict| {
        assert!(
            verdicts.contains(&(partner.to_owned(), reference.to_owned(), verdict.clone())),
            "{partner} {reference} {verdict:?} in {verdicts:?}"
        );
    };
    expect("alpha", "o1", LeadVerdict::CreditedToReporter);
    expect(
        "alpha",
        "o4",
        LeadVerdict::CreditedToOther("beta".to_owned()),
    );
    // Only gamma's own report links gamma to o7: leaked, direct after click.
    expect(
        "gamma",
        "o7",
        LeadVerdict::NotCredited(Some(Cause::DirectAfterClick)),
    );
    expect("beta", "INV-404", LeadVerdict::NotFound);
    expect("gamma", "O5", LeadVerdict::CreditedToReporter);
    // Reported 49 days after the sale: outside the 7-day tolerance.
    expect("alpha", "o1", LeadVerdict::NotFound);
    let o4 = audited.iter().find(|a| a.lead.reference == "o4").unwrap();
    assert_eq!(
        o4.amount, 100.0,
        "no amount given: the conversion's revenue"
    );
    let table = monthly(&audited);
    let alpha_september = table
        .iter()
        .find(|r| r.month == "2026-09" && r.partner_id == "alpha")
        .unwrap();
    assert_eq!(
        alpha_september.tallies[Category::CreditedToReporter as usize].leads,
        1
    );
    assert_eq!(
        alpha_september.tallies[Category::CreditedToOther as usize].amount,
        100.0
    );
}

/// The sample generator's leads: true partners report their sales (leaked ones included), a
/// few rivals claim sales credited to others, and some references match nothing.
#[test]
fn the_sample_leads_fall_in_every_category() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("sample.duckdb")).unwrap();
    for name in ["partners.csv", "clicks.csv", "conversions.csv", "leads.csv"] {
        import(&store, &repo().join("sample-data").join(name), None).unwrap();
    }
    let index = JourneyIndex::build(&store).unwrap();
    let audited = audited_leads(&store, &index);
    assert_eq!(audited.len(), 433);
    let count = |category: Category| {
        audited
            .iter()
            .filter(|a| a.verdict.category() == category)
            .count()
    };
    for category in Category::ALL {
        assert!(count(category) > 0, "{category:?}: none");
    }
    // Unknown references are INV-/TR- numbers the generator invents.
    assert!(
        audited
            .iter()
            .filter(|a| a.verdict == LeadVerdict::NotFound)
            .all(|a| !a.lead.reference.trim().to_uppercase().starts_with("ORD-"))
    );
    // Leaked sales the partner reported carry their leakage cause.
    assert!(
        audited
            .iter()
            .any(|a| a.verdict == LeadVerdict::NotCredited(Some(Cause::DeviceSwitch)))
    );
}
