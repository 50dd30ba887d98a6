//! The rules document: what partners are told about tracking, credit and payment, stated
//! from the current settings, each rule with a worked example the engine computes from a
//! scenario — so the document cannot contradict the numbers.

use chrono::NaiveDate;

use crate::attribution::{
    AttributionSettings, CookieWindow, CouponPrecedence, CreditModel, Methods, ModelParams,
};
use crate::domain::ProgrammeTimeZone;
use crate::domain::format;
use crate::domain::links::{self, LinkRules};
use crate::journeys::Commission;
use crate::payouts::{PayoutSettings, PayoutStatus, Period, listed_models, payouts};
use crate::scenario::{
    self, ConversionOutcome, KnownPartner, PARTNER_A, Scenario, ScenarioOutcome, built_in,
};
use crate::store::StoreError;

/// A registered partner, as the document mentions it.
#[derive(Debug, Clone, PartialEq)]
pub struct PartnerInfo {
    /// The partner id.
    pub partner_id: String,
    /// Display name.
    pub name: Option<String>,
    /// How it is paid.
    pub commission: Commission,
}

/// Everything the document is written from.
#[derive(Debug, Clone)]
pub struct RulesInput {
    /// The programme's name, as partners know it.
    pub programme: String,
    /// The official rules: attribution settings, paying model, hold period.
    pub payout: PayoutSettings,
    /// Days between a reported lead and the sale it names, at most.
    pub tolerance_days: u32,
    /// Which link parameters carry the partner id.
    pub link_rules: LinkRules,
    /// The shop address links point to.
    pub base_url: String,
    /// The registered partners.
    pub partners: Vec<PartnerInfo>,
    /// The programme's time zone (months are cut in it).
    pub time_zone: ProgrammeTimeZone,
    /// The document's date.
    pub date: NaiveDate,
    /// Scenarios saved in the database: one named like a built-in replaces it as that rule's
    /// example; the others are added as further examples.
    pub saved: Vec<Scenario>,
}

/// A rule's worked example: a scenario and what the engine made of it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkedExample {
    /// The scenario's name.
    pub scenario: String,
    /// The steps, `day 0, 09:00 — partner-a's link clicked on laptop · Chrome`.
    pub steps: Vec<String>,
    /// Per touch, whether it counts, and the sentence why.
    pub touches: Vec<(bool, String)>,
    /// What the coupon did, and the leak, as sentences.
    pub notes: Vec<String>,
    /// The outcome under each model, the official one first.
    pub outcome: Vec<String>,
    /// The outcome that settles the rule, in one sentence.
    pub conclusion: String,
}

/// One rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Its heading.
    pub title: String,
    /// Paragraphs of plain text.
    pub paragraphs: Vec<String>,
    /// Bullet points of plain text.
    pub bullets: Vec<String>,
    /// Labelled example links.
    pub links: Vec<(String, String)>,
    /// Worked examples.
    pub examples: Vec<WorkedExample>,
}

/// The whole document, before it is rendered as HTML or Markdown.
#[derive(Debug, Clone, PartialEq)]
pub struct RulesDocument {
    /// `Attribution rules — NAME`.
    pub title: String,
    /// The programme's name.
    pub programme: String,
    /// `2026-11-24`.
    pub date: String,
    /// The settings fingerprint, as on payout exports and sign-offs.
    pub fingerprint: String,
    /// The rules.
    pub sections: Vec<Section>,
}

impl Section {
    fn new(title: &str) -> Section {
        Section {
            title: title.to_owned(),
            paragraphs: Vec::new(),
            bullets: Vec::new(),
            links: Vec::new(),
            examples: Vec::new(),
        }
    }

    fn say(mut self, text: impl Into<String>) -> Section {
        self.paragraphs.push(text.into());
        self
    }

    fn bullet(mut self, text: impl Into<String>) -> Section {
        self.bullets.push(text.into());
        self
    }

    fn example(mut self, example: WorkedExample) -> Section {
        self.examples.push(example);
        self
    }
}

/// Writes the rules document from `input`; every example is computed by the engine.
pub fn rules_document(input: &RulesInput) -> Result<RulesDocument, StoreError> {
    // Each rule runs its scenarios in its own scratch database: write them side by side.
    type Build = fn(&RulesInput) -> Result<Section, StoreError>;
    let builds: [Build; 11] = [
        |i| Ok(links_section(i)),
        methods_section,
        window_section,
        caps_section,
        model_section,
        tie_section,
        coupon_section,
        |i| Ok(conversion_section(i)),
        refunds_section,
        schedule_section,
        audit_section,
    ];
    let mut sections = std::thread::scope(|scope| {
        let running: Vec<_> = builds
            .iter()
            .map(|build| scope.spawn(move || build(input)))
            .collect();
        running
            .into_iter()
            .map(|section| section.join().expect("writing a rule"))
            .collect::<Result<Vec<Section>, StoreError>>()
    })?;
    if let Some(more) = more_examples_section(input)? {
        sections.push(more);
    }
    Ok(RulesDocument {
        title: format!("Attribution rules — {}", input.programme),
        programme: input.programme.clone(),
        date: input.date.format("%Y-%m-%d").to_string(),
        fingerprint: input.payout.fingerprint(),
        sections,
    })
}

fn settings(input: &RulesInput) -> &AttributionSettings {
    &input.payout.attribution
}

/// The programme's partners, so a scenario naming one is paid its real commission.
fn known(input: &RulesInput) -> Vec<KnownPartner> {
    known_partners(&input.partners)
}

/// Partners as scenarios know them: a scenario naming one pays its real commission.
pub fn known_partners(partners: &[PartnerInfo]) -> Vec<KnownPartner> {
    partners
        .iter()
        .map(|p| KnownPartner {
            partner_id: p.partner_id.clone(),
            name: p.name.clone(),
            commission: p.commission,
        })
        .collect()
}

fn window_words(window: CookieWindow) -> String {
    match window {
        CookieWindow::Days(1) => "1 day".to_owned(),
        CookieWindow::Days(d) => format!("{d} days"),
        CookieWindow::Unlimited => "no time limit".to_owned(),
    }
}

fn links_section(input: &RulesInput) -> Section {
    let param = &input.link_rules.ref_params[0];
    let template = links::build_link(&input.base_url, param, "YOUR_PARTNER_ID", "CAMPAIGN");
    let mut section = Section::new("Tracking links").say(format!(
        "Every partner gets links of the form {template}. The {param} parameter names you; \
         the utm parameters only group clicks into campaigns in reports. Link straight to the \
         shop: every extra redirect risks losing the cookie."
    ));
    if input.link_rules.ref_params.len() > 1 {
        section = section.say(format!(
            "These parameter names are read as well: {}.",
            input.link_rules.ref_params[1..].join(", ")
        ));
    }
    for (label, partner) in example_partners(&input.partners) {
        let link = links::build_link(
            &input.base_url,
            param,
            &partner.partner_id,
            links::DEFAULT_CAMPAIGN,
        );
        section.links.push((label, link));
    }
    section
}

/// One example partner per kind of commission: the first by id of each.
fn example_partners(partners: &[PartnerInfo]) -> Vec<(String, &PartnerInfo)> {
    let mut sorted: Vec<&PartnerInfo> = partners.iter().collect();
    sorted.sort_by(|a, b| a.partner_id.cmp(&b.partner_id));
    let name = |p: &PartnerInfo| p.name.clone().unwrap_or_else(|| p.partner_id.clone());
    let revenue_share = sorted.iter().find_map(|p| match p.commission {
        Commission::Percent(rate) => Some((
            format!("Revenue-share partner ({}, {rate}% of revenue)", name(p)),
            *p,
        )),
        _ => None,
    });
    let flat_fee = sorted.iter().find_map(|p| match p.commission {
        Commission::Flat(amount) => Some((
            format!(
                "Flat-fee partner ({}, {} per sale)",
                name(p),
                format::money(amount)
            ),
            *p,
        )),
        _ => None,
    });
    revenue_share.into_iter().chain(flat_fee).collect()
}

fn methods_section(input: &RulesInput) -> Result<Section, StoreError> {
    let methods = settings(input).tracking.methods;
    let state = |m: Methods| {
        if methods.contains(m) {
            "used"
        } else {
            "not used"
        }
    };
    let preset = settings(input)
        .tracking
        .preset()
        .map_or("a custom combination".to_owned(), |p| p.label().to_owned());
    let section = Section::new("How a sale is linked to your click")
        .say(format!(
            "A click counts for a sale when a method in use links them. The methods are \
             listed from the most to the least robust; a click linked several ways counts \
             once. This programme runs {preset}."
        ))
        .bullet(format!(
            "Server-side click id ({}): the click id our redirect records is kept by the \
             shop and sent back with the sale; browsers cannot shorten it.",
            state(Methods::CLICK_ID)
        ))
        .bullet(format!(
            "First-party cookie ({}): the cookie set when your link lands.",
            state(Methods::COOKIE)
        ))
        .bullet(format!(
            "Cross-device ({}): the customer was logged in when clicking and when buying, \
             on another device or browser.",
            state(Methods::USER)
        ))
        .bullet(format!(
            "Coupon code ({}): your own coupon code used at checkout; see the coupon rule.",
            state(Methods::COUPON)
        ));
    let example = worked("Phone to laptop", input)?;
    Ok(section.example(example))
}

fn window_section(input: &RulesInput) -> Result<Section, StoreError> {
    let window = settings(input).window;
    let text = match window {
        CookieWindow::Days(_) => format!(
            "A click counts for sales up to {} after it, to the second: a click exactly {} \
             before the sale still counts, an older one does not, and a click after the sale \
             never counts.",
            window_words(window),
            window_words(window)
        ),
        CookieWindow::Unlimited => {
            "A click counts for any later sale: the cookie window has no time limit.".to_owned()
        }
    };
    Ok(Section::new("Cookie window")
        .say(text)
        .example(worked("Cookie expired", input)?))
}

fn caps_section(input: &RulesInput) -> Result<Section, StoreError> {
    let caps: Vec<String> = settings(input)
        .tracking
        .browser_caps
        .set()
        .map(|(family, days)| format!("{}: {days} days", family.label()))
        .collect();
    let mut section = Section::new("Browser cookie caps");
    section = if caps.is_empty() {
        section.say("No browser caps apply: every cookie lasts the whole cookie window.")
    } else {
        section
            .say(
                "Some browsers delete cookies early. When a click is linked to a sale only by \
                 its cookie, it counts in these browsers only within the cap (server-side \
                 click ids and log-ins are not capped):",
            )
            .bullet(caps.join(" · "))
    };
    Ok(section.example(worked("Safari cookie cap", input)?))
}

/// What a model means, in a sentence, with its parameters.
pub(crate) fn model_meaning(model: CreditModel, params: &ModelParams) -> String {
    let pct = |x: f64| {
        let text = format!("{x:.2}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    };
    match model {
        CreditModel::First => {
            "the earliest counting touch before the sale takes the whole sale (first-touch)".into()
        }
        CreditModel::Last => {
            "the latest counting touch before the sale takes the whole sale (last-touch)".into()
        }
        CreditModel::Linear => "every counting touch before the sale gets an equal share; a \
             partner whose link was clicked twice gets two shares (linear)"
            .into(),
        CreditModel::Position => {
            let [f, m, l] = params.position_weights_pct;
            let sum = f + m + l;
            let [f, m, l] = [f, m, l].map(|w| w / sum * 100.0);
            format!(
                "the first counting touch gets {}% of the sale, the last {}%, and the touches \
                 between them share {}%; a single touch takes the whole sale and two touches \
                 take {}% and {}% (position-based)",
                pct(f),
                pct(l),
                pct(m),
                pct(f + m / 2.0),
                pct(l + m / 2.0)
            )
        }
        CreditModel::TimeDecay if params.half_life_hours.is_infinite() => {
            "every counting touch weighs the same (time decay without a half-life)".into()
        }
        CreditModel::TimeDecay => format!(
            "each counting touch weighs half as much for every {} hours it happened before the \
             sale{}, and the sale is split in proportion to the weights (time decay)",
            pct(params.half_life_hours),
            if params.time_decay_steps {
                " (counted in whole steps)"
            } else {
                ""
            }
        ),
        CreditModel::LastNonDirect => format!(
            "the latest counting touch that is not a direct visit ({}) takes the whole sale; \
             when every touch is direct, the latest one does (last non-direct)",
            params.direct_channels.join(", ")
        ),
        CreditModel::Markov => format!(
            "we learn from every customer journey, with or without a sale, how much the sales \
             would drop if each partner or channel were removed (its removal effect, from a \
             Markov chain of order {} solved exactly), and each sale is split among the \
             partners and channels of its own journey in proportion to their removal effects \
             (Markov chain)",
            params.markov_order
        ),
        CreditModel::Shapley => "we learn from every customer journey, with or without a \
             sale, how often each combination of partners and channels leads to a sale, and \
             each sale is split among the partners and channels of its journey by their \
             Shapley values in that combination (a partner whose value is below zero gets \
             nothing from the sale, the others share it) (Shapley value)"
            .into(),
    }
}

fn model_section(input: &RulesInput) -> Result<Section, StoreError> {
    let model = input.payout.model;
    let scope = if settings(input).partners_only {
        "Only partner clicks are considered: visits from search, ads, e-mail or typed-in \
         addresses never take credit from a partner."
    } else {
        "Every touch is considered, partner or not: an organic search or direct visit after \
         your click can take the credit under last-touch."
    };
    Ok(Section::new("The official model")
        .say(format!(
            "Payouts follow the {} model: {}.",
            model.label(),
            model_meaning(model, &input.payout.params)
        ))
        .say(scope)
        .example(worked("Partner click, then three organic visits", input)?))
}

fn tie_section(input: &RulesInput) -> Result<Section, StoreError> {
    let rule = match input.payout.model {
        CreditModel::First => "the partner whose link was clicked first gets the sale",
        CreditModel::Last | CreditModel::LastNonDirect => {
            "the partner whose link was clicked last gets the sale"
        }
        CreditModel::Linear => "the partners share the sale equally, one share per click",
        CreditModel::Position => "the first and the last clicks get the larger shares",
        CreditModel::TimeDecay => "the partners share the sale, the later click the larger share",
        CreditModel::Markov | CreditModel::Shapley => {
            "the partners share the sale by what their links add to sales across all journeys"
        }
    };
    Ok(Section::new("Two partners' links before one sale")
        .say(format!(
            "When a customer clicks several partners' links before buying, {rule}. Clicks at \
             the same second are ordered as our click log recorded them."
        ))
        .example(worked("Two partners before one purchase", input)?))
}

fn coupon_section(input: &RulesInput) -> Result<Section, StoreError> {
    let tracking = settings(input).tracking;
    let mut section = Section::new("Coupon codes");
    section = if !tracking.coupons_on() {
        section.say(
            "Coupon codes do not decide credit in this programme: a sale with your coupon \
             and no counting click is not credited to you.",
        )
    } else {
        section.say(match tracking.coupon {
            CouponPrecedence::Backup => {
                "Your coupon is a backup: a sale with your coupon is yours when no partner's \
                 click counts for it; a counting click of another partner wins."
            }
            CouponPrecedence::Override => {
                "Your coupon wins: a sale with your coupon is yours, whatever partner links \
                 were clicked before."
            }
            CouponPrecedence::Touch => {
                "Your coupon counts as one more touch, at the moment of the sale, alongside \
                 the clicks before it; the model then shares the sale as usual."
            }
        })
    };
    Ok(section
        .example(worked("Coupon without a click", input)?)
        .example(worked("Coupon and another partner's click", input)?))
}

fn conversion_section(input: &RulesInput) -> Section {
    let reset = if settings(input).reset_after_conversion {
        "After a sale, the clicks before it are used up: the same customer's next sale needs \
         a new click."
    } else {
        "A click keeps counting for every later sale of the same customer within the window."
    };
    Section::new("What counts as a sale")
        .say(
            "A sale is an order recorded by the shop with its time, revenue and currency. \
             Approved sales earn commission; pending ones are shown and paid once approved. \
             Commission is a share of the order's revenue, or a flat fee per sale, as in your \
             agreement; amounts are never converted between currencies.",
        )
        .say(reset)
}

fn refunds_section(input: &RulesInput) -> Result<Section, StoreError> {
    Ok(Section::new("Refunds and cancellations")
        .say(
            "A refunded or cancelled sale earns no commission. It stays visible in your \
             statement with its credit, so you can see it was yours. A refund that arrives \
             after the commission was paid on a signed statement is taken back as a negative \
             line (a clawback) on the next statement; the signed statement is never changed.",
        )
        .example(worked("Refunded purchase", input)?))
}

fn schedule_section(input: &RulesInput) -> Result<Section, StoreError> {
    let hold = input.payout.hold_days;
    let zone = input.time_zone.name();
    let mut section = Section::new("Hold period and payout schedule").say(format!(
        "Commission is paid monthly. Months are counted in the programme's time zone \
         ({zone}). Sales made in the last {hold} days of a month are held: they show as \
         pending, not payable, on that month's statement, because a refund may still come, \
         and are paid on the first statement after their hold ends. Each statement carries \
         the fingerprint of the rules used."
    ));
    if let Some(tier) = input.payout.rules.tier {
        section = section.say(format!(
            "Tier: your credited revenue above {} in a month (in each currency) earns {}% \
             instead of your percentage rate; the sale that crosses {} is split there.",
            money_text(tier.threshold_cents),
            f64::from(tier.rate_bp) / 100.0,
            money_text(tier.threshold_cents)
        ));
    }
    if let Some(cap) = input.payout.rules.cap_cents {
        section = section.say(format!(
            "No single sale pays you more than {} in commission.",
            money_text(cap)
        ));
    }
    if !input.payout.rules.category_rates.is_empty() {
        let rates: Vec<String> = input
            .payout
            .rules
            .category_rates
            .iter()
            .map(|r| format!("{} {}%", r.category, f64::from(r.rate_bp) / 100.0))
            .collect();
        section = section.say(format!(
            "Rates by product category: a sale in one of these categories earns its rate \
             instead of your percentage rate: {}. Flat commissions are the same in every \
             category.",
            rates.join(", ")
        ));
    }
    if let Some(recurring) = input.payout.rules.recurring {
        section = section.say(recurring_sentence(recurring));
    }
    section.examples.push(hold_example(input)?);
    Ok(section)
}

/// The recurring binding in plain words.
fn recurring_sentence(recurring: crate::attribution::Recurring) -> String {
    let term = match recurring.months {
        Some(1) => "up to 1 month after its first payment (a renewal later than that is \
                    credited by its own clicks, like any sale)"
            .to_owned(),
        Some(months) => format!(
            "up to {months} months after its first payment (a renewal later than that is \
             credited by its own clicks, like any sale)"
        ),
        None => "for as long as the subscription lasts".to_owned(),
    };
    let rate = match recurring.renewal_rate_bp {
        Some(bp) => format!("{}% of each renewal", f64::from(bp) / 100.0),
        None => "your own rate on each renewal".to_owned(),
    };
    format!(
        "Recurring commission: when a customer you referred subscribes, you are credited for \
         every renewal of that subscription {term}, without a new click, and earn {rate}. \
         Partners who shared the first sale share its renewals the same way."
    )
}

/// A click and a sale late in the month: the payout code decides whether it is held.
fn hold_example(input: &RulesInput) -> Result<WorkedExample, StoreError> {
    let scenario = Scenario {
        name: "Sale near the month's end".to_owned(),
        description: String::new(),
        steps: vec![
            scenario::Step::at(
                20,
                0,
                scenario::StepKind::PartnerClick {
                    partner: PARTNER_A.to_owned(),
                    place: scenario::Place::default(),
                },
            ),
            scenario::Step::at(
                21,
                0,
                scenario::StepKind::Purchase {
                    revenue: 100.0,
                    status: "approved".to_owned(),
                    place: scenario::Place::default(),
                },
            ),
        ],
    };
    let (mut example, outcome) = worked_with_outcome(&scenario, input)?;
    let index = &outcome.index;
    let sale = index.conversions[0].converted_at_secs;
    let period = Period::of(sale, input.time_zone);
    let statement = payouts(index, &input.payout, period, input.time_zone);
    let status = statement
        .of_model(input.payout.model)
        .map(|l| l.status)
        .next();
    example.conclusion = match status {
        Some(PayoutStatus::Pending) => format!(
            "The sale is {} days before the end of {}, within the {}-day hold: it is pending \
             on {}'s statement.",
            days_to_month_end(sale, period, input.time_zone),
            period.label(),
            input.payout.hold_days,
            period.label()
        ),
        Some(PayoutStatus::Payable) => format!(
            "The sale is {} days before the end of {}, past the {}-day hold: it is payable on \
             {}'s statement.",
            days_to_month_end(sale, period, input.time_zone),
            period.label(),
            input.payout.hold_days,
            period.label()
        ),
        _ => "The sale is not credited to a partner.".to_owned(),
    };
    Ok(example)
}

/// `5.6` days from the sale to the month's end.
fn days_to_month_end(sale_secs: i64, period: Period, zone: ProgrammeTimeZone) -> String {
    format!(
        "{:.1}",
        (period.end_secs(zone) - sale_secs) as f64 / 86_400.0
    )
}

fn audit_section(input: &RulesInput) -> Result<Section, StoreError> {
    let section = Section::new("Monthly audit and missing leads")
        .say(format!(
            "Each month you may send us the sales you believe you referred: a file with the \
             columns partner_id, reported_at and reference (the order number or the \
             customer's account id), optionally amount. We match each lead to the sale with \
             that reference within {} days of the date you give, and answer for each: \
             credited to you, credited to another partner (which), not credited (and why), \
             or not in our records.",
            input.tolerance_days
        ))
        .say(
            "To raise a missing lead, send it in that file or to your partner manager with \
             the order number and the date of the sale; we answer with the verdict and the \
             evidence for it.",
        );
    let (mut example, outcome) =
        worked_with_outcome(&scenario_named(input, "Phone to laptop"), input)?;
    example.conclusion = audit_words(&outcome, input.payout.model);
    Ok(section.example(example))
}

/// What the audit answers when partner A reports the scenario's sale.
fn audit_words(outcome: &ScenarioOutcome, model: CreditModel) -> String {
    let Some(sale) = outcome.conversions.first() else {
        return String::new();
    };
    let id = &sale.explanation.conversion.conversion_id;
    let verdict = if sale.share(model, PARTNER_A) > 0.0 {
        "credited to you".to_owned()
    } else if let Some((_, cause, _)) = &sale.explanation.leak {
        format!("not credited — {}", cause.label().to_lowercase())
    } else {
        format!("not credited — {}", sale.credit_words(model))
    };
    format!("If {PARTNER_A} reports {id}, the audit answers: {verdict}.")
}

/// The saved scenario called `name`, else the built-in one.
fn scenario_named(input: &RulesInput, name: &str) -> Scenario {
    input
        .saved
        .iter()
        .find(|s| s.name == name)
        .cloned()
        .or_else(|| built_in(name))
        .unwrap_or_default()
}

fn worked(name: &str, input: &RulesInput) -> Result<WorkedExample, StoreError> {
    worked_scenario(&scenario_named(input, name), input)
}

/// The saved scenarios that are not a rule's example, each worked out.
fn more_examples_section(input: &RulesInput) -> Result<Option<Section>, StoreError> {
    let extra: Vec<&Scenario> = input
        .saved
        .iter()
        .filter(|s| !scenario::BUILT_IN_NAMES.contains(&s.name.as_str()))
        .collect();
    if extra.is_empty() {
        return Ok(None);
    }
    let mut section =
        Section::new("More examples").say("Further journeys, worked out under the same rules.");
    for scenario in extra {
        section = section.example(worked_scenario(scenario, input)?);
    }
    Ok(Some(section))
}

/// Runs `scenario` under the official settings and writes down what happened.
fn worked_scenario(scenario: &Scenario, input: &RulesInput) -> Result<WorkedExample, StoreError> {
    Ok(worked_with_outcome(scenario, input)?.0)
}

/// [`worked_scenario`], with the engine's outcome for rules that ask it more.
fn worked_with_outcome(
    scenario: &Scenario,
    input: &RulesInput,
) -> Result<(WorkedExample, ScenarioOutcome), StoreError> {
    let outcome = match input.payout.model.classic() {
        Some(_) => scenario::run(scenario, settings(input), &known(input))?,
        None => scenario::run_models(
            scenario,
            settings(input),
            &known(input),
            &input.payout.params,
            &listed_models(&input.payout),
        )?,
    };
    let steps = scenario
        .timeline()
        .iter()
        .map(|s| format!("{} — {}", s.when(), s.describe()))
        .collect();
    let official = input.payout.model;
    let mut models = vec![official];
    models.extend(
        listed_models(&input.payout)
            .into_iter()
            .filter(|m| *m != official),
    );
    let sale = outcome.conversions.first();
    // With several purchases, each line says which sale it is about.
    let several = outcome.conversions.len() > 1;
    let tag = |c: &ConversionOutcome, text: &str| match several {
        true => format!("{}: {text}", c.explanation.conversion.conversion_id),
        false => text.to_owned(),
    };
    let touches = outcome
        .conversions
        .iter()
        .flat_map(|c| {
            c.touches
                .iter()
                .map(move |t| (t.counts, tag(c, &t.sentence)))
        })
        .collect();
    let notes = outcome
        .conversions
        .iter()
        .flat_map(|c| c.notes.iter().map(move |n| tag(c, n)))
        .collect();
    let outcome_lines = models
        .iter()
        .map(|&m| model_outcome(&outcome, m, m == official))
        .collect();
    let conclusion = sale.map_or(String::new(), |s| conclusion(&outcome, s, official));
    let example = WorkedExample {
        scenario: scenario.name.clone(),
        steps,
        touches,
        notes,
        outcome: outcome_lines,
        conclusion,
    };
    Ok((example, outcome))
}

/// The official model's verdict: who is paid what, or why nobody is.
fn conclusion(
    outcome: &ScenarioOutcome,
    sale: &ConversionOutcome,
    official: CreditModel,
) -> String {
    let model = official.label().to_lowercase();
    let paid: Vec<String> = outcome
        .credit
        .iter()
        .filter(|r| r.model == official.key())
        .map(|r| {
            let refunded = if r.payout == 0.0 && sale.explanation.conversion.status != "approved" {
                format!(" (the sale is {})", sale.explanation.conversion.status)
            } else {
                String::new()
            };
            format!(
                "{} is credited with {} and earns {}{refunded}",
                r.source,
                format::money(r.revenue),
                format::money(r.payout)
            )
        })
        .collect();
    match (&sale.explanation.leak, paid.is_empty()) {
        (Some((partner, cause, _)), true) => format!(
            "Under the official {model} model nobody is credited: {partner}'s sale leaks ({}).",
            cause.label().to_lowercase()
        ),
        (None, true) => format!("Under the official {model} model nobody is credited."),
        _ => format!("Under the official {model} model: {}.", paid.join("; ")),
    }
}

/// `Last-touch (official): partner-b 1.00 — revenue $120.00, commission $12.00`.
fn model_outcome(outcome: &ScenarioOutcome, model: CreditModel, official: bool) -> String {
    let mark = if official { " (official)" } else { "" };
    let rows: Vec<String> = outcome
        .credit
        .iter()
        .filter(|r| r.model == model.key())
        .map(|r| {
            format!(
                "{} {} — revenue {}, commission {}",
                r.source,
                format::conversions(r.conversions),
                format::money(r.revenue),
                format::money(r.payout)
            )
        })
        .collect();
    let credit = if rows.is_empty() {
        "nobody (the sale is unattributed)".to_owned()
    } else {
        rows.join("; ")
    };
    format!("{}{mark}: {credit}", model.label())
}

/// An amount in cents as the document writes it (`10,000.00`).
fn money_text(cents: i64) -> String {
    crate::payouts::Cents(cents).display("")
}
