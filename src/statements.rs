//! Statements finance pays from: a commission is payable on the first monthly statement whose
//! month ends after its hold ends (impact.com's locking date), whatever month the sale was in.
//!
//! A month's statement lists, per partner, under the official model:
//! - **payable**: approved sales whose hold ended during the month (from any earlier sale
//!   month), each exactly once over all statements;
//! - **held**: sales up to the month's end still in their hold (with the date they will be
//!   released) or still pending approval (no date yet);
//! - **reversed**: the month's sales that were refunded or cancelled (they pay nothing);
//! - **clawback**: a negative line for a sale paid on a signed statement and refunded or
//!   cancelled since, on the first statement after that one not yet signed off. The signed
//!   statement itself is never rewritten.
//!
//! Amounts are exact to the cent (the same share rounding as [`crate::payouts`]) and never mix
//! currencies.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

use crate::attribution::{Renewals, SECS_PER_DAY};
use crate::domain::ProgrammeTimeZone;
use crate::domain::format::csv_field;
use crate::journeys::{Commission, ConversionFacts, JourneyIndex};
use crate::payouts::{Cents, PayoutSettings, Period, in_time_order};
use crate::report::html_escape;
use crate::store::{PaidLine, PayoutDetails, StatementHistory};

/// Where a commission stands on a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LineStatus {
    /// Paid by this statement.
    Payable,
    /// Not yet payable: in its hold period, or the sale is still pending approval.
    Held,
    /// Refunded or cancelled: pays nothing.
    Reversed,
    /// A commission paid on a signed statement, recovered because the sale was refunded or
    /// cancelled since: a negative amount.
    Clawback,
}

impl LineStatus {
    /// The name in CSV.
    pub fn key(self) -> &'static str {
        match self {
            LineStatus::Payable => "payable",
            LineStatus::Held => "held",
            LineStatus::Reversed => "reversed",
            LineStatus::Clawback => "clawback",
        }
    }
}

/// One conversion's commission for one partner on a statement.
#[derive(Debug, Clone, PartialEq)]
pub struct StatementLine {
    /// The partner (source id).
    pub partner: u32,
    /// The order.
    pub conversion_id: String,
    /// When the sale happened (seconds since the epoch, UTC).
    pub sold_at_secs: i64,
    /// The month of the sale.
    pub sale_period: Period,
    /// The statement that pays it; `None` while the sale awaits approval or was reversed.
    pub payable_on: Option<Period>,
    /// When its hold ends; `None` while the sale awaits approval or was reversed.
    pub release_secs: Option<i64>,
    /// Currency code ("" when the conversions carry none).
    pub currency: String,
    /// The partner's credited share of the revenue.
    pub revenue: Cents,
    /// The rate it was paid at (a category's rate, when one applies); `None` on a clawback.
    pub rate: Option<Commission>,
    /// The commission (zero when reversed).
    pub commission: Cents,
    /// Payable, held or reversed.
    pub status: LineStatus,
    /// The first sale's order when this sale is a renewal bound to it (recurring
    /// commissions): the split is the first sale's, the rate the renewal rate when set.
    pub renewal_of: Option<String>,
}

/// A month's statement: every partner's lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The month.
    pub period: Period,
    /// The rules used.
    pub settings: PayoutSettings,
    /// Lines by partner, then sale time.
    pub lines: Vec<StatementLine>,
}

impl Statement {
    /// The partners with a line, in line order.
    pub fn partners(&self) -> Vec<u32> {
        let mut partners: Vec<u32> = self.lines.iter().map(|l| l.partner).collect();
        partners.dedup();
        partners
    }

    /// One partner's lines.
    pub fn lines_of(&self, partner: u32) -> impl Iterator<Item = &StatementLine> {
        self.lines.iter().filter(move |l| l.partner == partner)
    }

    /// What this statement pays per currency (payable lines less clawbacks; negative when the
    /// clawbacks are larger), for one partner or (`None`) for all.
    pub fn balance(&self, partner: Option<u32>) -> Vec<(String, Cents)> {
        let mut totals: BTreeMap<String, Cents> = BTreeMap::new();
        let paying = |l: &&StatementLine| {
            matches!(l.status, LineStatus::Payable | LineStatus::Clawback)
                && partner.is_none_or(|p| l.partner == p)
        };
        for line in self.lines.iter().filter(paying) {
            totals.entry(line.currency.clone()).or_default().0 += line.commission.0;
        }
        totals.into_iter().collect()
    }

    /// The lines a sign-off of this statement records: what it pays and claws back.
    pub fn paid_lines(&self, index: &JourneyIndex) -> Vec<PaidLine> {
        let paying =
            |l: &&StatementLine| matches!(l.status, LineStatus::Payable | LineStatus::Clawback);
        self.lines
            .iter()
            .filter(paying)
            .map(|l| PaidLine {
                period: self.period.label(),
                partner_id: index.sources[l.partner as usize].id.clone(),
                conversion_id: l.conversion_id.clone(),
                currency: l.currency.clone(),
                status: l.status.key().to_owned(),
                commission_cents: l.commission.0,
            })
            .collect()
    }

    /// Commission in `status` per currency, for one partner or (`None`) for all.
    pub fn total(&self, partner: Option<u32>, status: LineStatus) -> Vec<(String, Cents)> {
        let mut totals: BTreeMap<String, Cents> = BTreeMap::new();
        let lines = self.lines.iter().filter(|l| l.status == status);
        for line in lines.filter(|l| partner.is_none_or(|p| l.partner == p)) {
            totals.entry(line.currency.clone()).or_default().0 += line.commission.0;
        }
        totals.into_iter().collect()
    }
}

/// Where a sale stands at the end of `period`: `None` when it is on no statement of that month
/// (a later sale, paid on an earlier statement, or reversed in an earlier month).
fn standing(
    facts: &ConversionFacts,
    settings: &PayoutSettings,
    period: Period,
    zone: ProgrammeTimeZone,
) -> Option<(LineStatus, Option<i64>, Option<Period>)> {
    let sale_period = Period::of(facts.converted_at_secs, zone);
    if sale_period > period {
        return None;
    }
    match facts.status.as_str() {
        "refunded" | "cancelled" => {
            (sale_period == period).then_some((LineStatus::Reversed, None, None))
        }
        "pending" => Some((LineStatus::Held, None, None)),
        _ => {
            let release = facts.converted_at_secs + i64::from(settings.hold_days) * SECS_PER_DAY;
            let payable_on = Period::of(release, zone);
            let status = match payable_on.cmp(&period) {
                std::cmp::Ordering::Less => return None,
                std::cmp::Ordering::Equal => LineStatus::Payable,
                std::cmp::Ordering::Greater => LineStatus::Held,
            };
            Some((status, Some(release), Some(payable_on)))
        }
    }
}

/// The statement of `period` under `settings`' official model, before any statement was
/// signed off.
pub fn statement(
    index: &JourneyIndex,
    settings: &PayoutSettings,
    period: Period,
    zone: ProgrammeTimeZone,
) -> Statement {
    statement_after(index, settings, period, zone, &StatementHistory::default())
}

/// The statement of `period` under `settings`' official model, given what the signed
/// statements paid: nothing they paid is paid again, and what they paid for a sale refunded
/// or cancelled since is clawed back here when this is the first statement after theirs not
/// yet signed off.
pub fn statement_after(
    index: &JourneyIndex,
    settings: &PayoutSettings,
    period: Period,
    zone: ProgrammeTimeZone,
    history: &StatementHistory,
) -> Statement {
    let paid = Paid::of(history);
    let split = settings.sale_split(index);
    let renewals = Renewals::bind(index, settings.rules.recurring);
    let mut lines = Vec::new();
    // Each partner's credited revenue so far in each sale month, for the monthly tier: every
    // sale up to the month's end counts, whether or not this statement lists it.
    let mut sales: HashMap<(u32, Period, String), i64> = HashMap::new();
    for c in in_time_order(index, i64::MIN, period.end_secs(zone)) {
        let facts = &index.conversions[c];
        let standing = standing(facts, settings, period, zone);
        let sale_period = Period::of(facts.converted_at_secs, zone);
        let currency = facts.currency.clone().unwrap_or_default();
        let counts = !matches!(facts.status.as_str(), "refunded" | "cancelled");
        let revenue = Cents::from_amount(facts.revenue);
        // A bound renewal takes its first sale's split, at the renewal's rules.
        let credited = renewals.credited_as(c);
        let rules = settings.rules.for_sale(&renewals, c);
        for share in split.shares(credited) {
            let source = &index.sources[share.source as usize];
            if !source.is_partner {
                continue;
            }
            let so_far = sales
                .entry((share.source, sale_period, currency.clone()))
                .or_default();
            let rate = renewals.commission(
                c,
                settings
                    .rules
                    .commission_for(source.commission, facts.category.as_deref()),
            );
            let (revenue_share, commission) =
                rules.share_amounts(revenue, rate, share, so_far, counts);
            let Some((status, release_secs, payable_on)) = standing else {
                continue;
            };
            if status == LineStatus::Payable && paid.elsewhere(facts, &source.id, period) {
                continue;
            }
            lines.push(StatementLine {
                partner: share.source,
                conversion_id: facts.conversion_id.clone(),
                sold_at_secs: facts.converted_at_secs,
                sale_period,
                payable_on,
                release_secs,
                currency: currency.clone(),
                revenue: revenue_share,
                rate: Some(rate),
                commission: match status {
                    LineStatus::Reversed => Cents(0),
                    _ => commission,
                },
                status,
                renewal_of: renewals
                    .renewal_of(c)
                    .map(|first| index.conversions[first].conversion_id.clone()),
            });
        }
    }
    lines.extend(clawbacks(index, &paid, period, zone));
    lines.sort_by(|a, b| {
        let key =
            |l: &StatementLine| (index.sources[l.partner as usize].id.clone(), l.sold_at_secs);
        key(a).cmp(&key(b))
    });
    Statement {
        period,
        settings: settings.clone(),
        lines,
    }
}

/// What the signed statements paid, by conversion and partner.
struct Paid<'h> {
    /// (conversion id, partner id) → the payable line that paid it.
    payable: HashMap<(&'h str, &'h str), &'h PaidLine>,
    /// (conversion id, partner id) already clawed back.
    clawed: HashSet<(&'h str, &'h str)>,
    /// The months signed off.
    signed: BTreeSet<Period>,
}

impl<'h> Paid<'h> {
    fn of(history: &'h StatementHistory) -> Paid<'h> {
        let key = |l: &'h PaidLine| (l.conversion_id.as_str(), l.partner_id.as_str());
        let with = |status: LineStatus| {
            history
                .lines
                .iter()
                .filter(move |l| l.status == status.key())
        };
        Paid {
            payable: with(LineStatus::Payable).map(|l| (key(l), l)).collect(),
            clawed: with(LineStatus::Clawback).map(key).collect(),
            signed: history
                .signed_periods
                .iter()
                .filter_map(|p| Period::parse(p).ok())
                .collect(),
        }
    }

    /// Whether a signed statement of another month already paid this.
    fn elsewhere(&self, facts: &ConversionFacts, partner_id: &str, period: Period) -> bool {
        self.payable
            .get(&(facts.conversion_id.as_str(), partner_id))
            .is_some_and(|l| l.period != period.label())
    }

    /// The first month after `paid_in` not signed off: where a clawback of it goes.
    fn clawback_period(&self, paid_in: Period) -> Period {
        let mut month = paid_in.next();
        while self.signed.contains(&month) {
            month = month.next();
        }
        month
    }

    /// Whether the commission `line` paid for `facts` is clawed back on `period`'s statement.
    fn claws_back(&self, line: &PaidLine, facts: &ConversionFacts, period: Period) -> bool {
        let reversed = matches!(facts.status.as_str(), "refunded" | "cancelled");
        let key = (line.conversion_id.as_str(), line.partner_id.as_str());
        reversed
            && !self.clawed.contains(&key)
            && Period::parse(&line.period).is_ok_and(|p| self.clawback_period(p) == period)
    }
}

/// The negative lines of `period`: commissions signed statements paid for sales refunded or
/// cancelled since, not yet clawed back.
fn clawbacks(
    index: &JourneyIndex,
    paid: &Paid<'_>,
    period: Period,
    zone: ProgrammeTimeZone,
) -> Vec<StatementLine> {
    let by_id: HashMap<&str, &ConversionFacts> = index
        .conversions
        .iter()
        .map(|c| (c.conversion_id.as_str(), c))
        .collect();
    let partner_of = |id: &str| index.sources.iter().position(|s| s.id == id);
    let mut lines = Vec::new();
    for line in paid.payable.values() {
        let Some(facts) = by_id.get(line.conversion_id.as_str()) else {
            continue;
        };
        let Some(partner) = partner_of(&line.partner_id) else {
            continue;
        };
        if !paid.claws_back(line, facts, period) {
            continue;
        }
        lines.push(StatementLine {
            partner: partner as u32,
            conversion_id: line.conversion_id.clone(),
            sold_at_secs: facts.converted_at_secs,
            sale_period: Period::of(facts.converted_at_secs, zone),
            payable_on: Some(period),
            release_secs: None,
            currency: line.currency.clone(),
            revenue: Cents(0),
            rate: None,
            commission: Cents(-line.commission_cents),
            status: LineStatus::Clawback,
            renewal_of: None,
        });
    }
    lines
}

/// The rate a line was paid at (a category's, or on a bound renewal the renewal rate when the
/// programme sets one) and which first sale it renews: `20% (renewal of s1)`.
pub fn line_rate_text(line: &StatementLine) -> String {
    let rate = line.rate.map(rate_text).unwrap_or_default();
    match &line.renewal_of {
        Some(first) => format!("{rate} (renewal of {first})"),
        None => rate,
    }
}

/// A partner's rate as a statement prints it: `12%`, `5.00 flat`, `none`.
pub fn rate_text(commission: Commission) -> String {
    match commission {
        Commission::Percent(p) => format!("{p}%"),
        Commission::Flat(amount) => format!("{} flat", Cents::from_amount(amount).decimal()),
        Commission::None => "none".to_owned(),
    }
}

fn date_text(secs: Option<i64>, zone: ProgrammeTimeZone) -> String {
    secs.map(|s| zone.local_date(s).to_string())
        .unwrap_or_default()
}

/// One partner's statement as CSV: a row per conversion line, formula-safe.
pub fn statement_csv(
    index: &JourneyIndex,
    statement: &Statement,
    partner: u32,
    zone: ProgrammeTimeZone,
) -> String {
    let source = &index.sources[partner as usize];
    let mut out = String::from(
        "statement,partner_id,order_id,sale_date,sale_period,payable_on,release_date,revenue,rate,commission,currency,status,settings_fingerprint\n",
    );
    for line in statement.lines_of(partner) {
        let cells = [
            statement.period.label(),
            csv_field(&source.id),
            csv_field(&line.conversion_id),
            zone.local_date(line.sold_at_secs).to_string(),
            line.sale_period.label(),
            line.payable_on.map(Period::label).unwrap_or_default(),
            date_text(line.release_secs, zone),
            line.revenue.decimal(),
            csv_field(&line_rate_text(line)),
            line.commission.decimal(),
            csv_field(&line.currency),
            line.status.key().to_owned(),
            statement.settings.fingerprint(),
        ];
        out += &cells.join(",");
        out.push('\n');
    }
    out
}

/// The payment file: one row per partner and currency with the amount this statement pays
/// and, when the partners file gave them, where to pay it (`payout_email`, `iban`); every
/// text cell safe from formula injection.
pub fn payments_csv(
    index: &JourneyIndex,
    statement: &Statement,
    details: &[PayoutDetails],
) -> String {
    let mut out = String::from(
        "statement,partner_id,partner_name,currency,amount,settings_fingerprint,payout_email,iban\n",
    );
    for partner in statement.partners() {
        let source = &index.sources[partner as usize];
        let detail = details.iter().find(|d| d.partner_id == source.id);
        let field = |value: Option<&Option<String>>| {
            csv_field(value.and_then(Option::as_deref).unwrap_or_default())
        };
        for (currency, amount) in statement.balance(Some(partner)) {
            let cells = [
                statement.period.label(),
                csv_field(&source.id),
                csv_field(source.name.as_deref().unwrap_or_default()),
                csv_field(&currency),
                amount.decimal(),
                statement.settings.fingerprint(),
                field(detail.map(|d| &d.payout_email)),
                field(detail.map(|d| &d.iban)),
            ];
            out += &cells.join(",");
            out.push('\n');
        }
    }
    out
}

/// Every partner's statement as one printable HTML document, a page per partner.
pub fn statements_html(
    index: &JourneyIndex,
    statement: &Statement,
    programme: &str,
    zone: ProgrammeTimeZone,
) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{} statements {}</title><style>{STYLE}</style></head><body>\n",
        html_escape(programme),
        statement.period.label()
    );
    for partner in statement.partners() {
        partner_page(&mut out, index, statement, partner, programme, zone);
    }
    out.push_str("</body></html>\n");
    out
}

const STYLE: &str = "body{font-family:sans-serif;font-size:10pt}\
section{page-break-after:always;margin-bottom:3em}\
table{border-collapse:collapse;width:100%}th,td{padding:2px 6px;border-bottom:1px solid #ccc;text-align:left}\
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\
.negative{color:#b00}.muted{color:#666}";

fn partner_page(
    out: &mut String,
    index: &JourneyIndex,
    statement: &Statement,
    partner: u32,
    programme: &str,
    zone: ProgrammeTimeZone,
) {
    let source = &index.sources[partner as usize];
    let name = source.name.as_deref().unwrap_or(&source.id);
    let _ = write!(
        out,
        "<section><h1>{}</h1><h2>Statement {} · {} ({})</h2>\
         <p class=\"muted\">Model {} · hold {} days · rate {} · commission rules: {}{} · rules \
         fingerprint {}</p>\n\
         <table><tr><th>Sale date</th><th>Order</th><th>Sale month</th><th>Status</th>\
         <th>Release date</th><th class=\"n\">Revenue</th><th class=\"n\">Rate</th>\
         <th class=\"n\">Commission</th><th>Currency</th></tr>\n",
        html_escape(programme),
        statement.period.label(),
        html_escape(name),
        html_escape(&source.id),
        html_escape(&statement.settings.model_label()),
        statement.settings.hold_days,
        html_escape(&rate_text(source.commission)),
        html_escape(&statement.settings.rules.describe()),
        statement
            .settings
            .rules
            .describe_recurring()
            .map_or(String::new(), |r| format!(" · {}", html_escape(&r))),
        statement.settings.fingerprint()
    );
    for line in statement.lines_of(partner) {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            zone.local_date(line.sold_at_secs),
            html_escape(&line.conversion_id),
            line.sale_period.label(),
            line.status.key(),
            release_cell(line, zone),
            line.revenue.display(""),
            html_escape(&line_rate_text(line)),
            line.commission.display(""),
            html_escape(&line.currency)
        );
    }
    out.push_str("</table>\n");
    totals_html(out, statement, partner);
    out.push_str("</section>\n");
}

/// The release date as the HTML statement shows it; a held sale without one awaits approval.
fn release_cell(line: &StatementLine, zone: ProgrammeTimeZone) -> String {
    match (line.status, line.release_secs) {
        (LineStatus::Held, None) => "awaiting approval".to_owned(),
        (_, secs) => date_text(secs, zone),
    }
}

fn totals_html(out: &mut String, statement: &Statement, partner: u32) {
    for (currency, total) in statement.balance(Some(partner)) {
        let (class, note) = if total.0 < 0 {
            (
                " class=\"negative\"",
                " (negative: the clawbacks exceed what this statement pays; nothing is paid)",
            )
        } else {
            ("", "")
        };
        let _ = writeln!(
            out,
            "<p{class}><strong>Payable on this statement:</strong> {}{note}</p>",
            html_escape(&total.display(&currency))
        );
    }
    for (currency, total) in statement.total(Some(partner), LineStatus::Held) {
        let _ = writeln!(
            out,
            "<p><strong>Held for a later statement:</strong> {}</p>",
            html_escape(&total.display(&currency))
        );
    }
}
