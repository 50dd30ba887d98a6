//! The sink that receives rows in time order and writes clicks, conversions, truth and leads.

use std::collections::{BinaryHeap, HashMap};
use std::path::{Path, PathBuf};

use super::calendar::DAY;
use super::csv::{CLICKS_HEADER, CONVERSIONS_HEADER, CsvFile, LEADS_HEADER, TRUTH_HEADER};
use super::format::{
    push_field, push_hex40, push_landing, push_money, push_padded, push_source, push_timestamp,
    push_url, push_user,
};
use super::rng::{Rng, mix40, mix64};
use super::rows::{Conversion, Source, Step, Timed, Touch};
use super::vocabulary::PARTNERS;
use super::{SampleError, SampleSpec};

/// Row counts and paths of the streamed files.
pub(super) struct Written {
    pub(super) clicks: usize,
    pub(super) conversions: usize,
    pub(super) leads: usize,
    pub(super) files: Vec<PathBuf>,
}

/// A lead a partner reports.
struct Lead {
    partner: u8,
    reference: String,
    amount: Option<u32>,
}

/// Id widths and keys, derived from the spec so ids are stable for a seed and size.
struct Ids {
    click_width: usize,
    user_width: usize,
    order_width: usize,
    cookie_key: u64,
    device_key: u64,
}

/// Receives rows in time order and writes clicks, conversions, truth and leads.
pub(super) struct Sink {
    clicks: CsvFile,
    conversions: CsvFile,
    leads: CsvFile,
    truth: CsvFile,
    line: Vec<u8>,
    ids: Ids,
    clicks_issued: u64,
    /// Rows `clicks.csv` gets; the export ends with the last of them.
    click_limit: usize,
    orders: u64,
    /// Click number of each captured click not yet used by its conversion.
    captured: HashMap<u64, u64>,
    pending_leads: BinaryHeap<Timed<Lead>>,
    lead_seq: u64,
    rng: Rng,
}

impl Sink {
    /// Creates the four streamed files in `dir`, with ids sized for `spec`.
    pub(super) fn create(dir: &Path, spec: &SampleSpec) -> Result<Self, SampleError> {
        let total = spec.clicks as u64;
        let ids = Ids {
            click_width: digits(total).max(6),
            user_width: digits(total).max(5),
            order_width: digits(total / 5).max(6),
            cookie_key: mix64(spec.seed ^ 0xC00C_1E00),
            device_key: mix64(spec.seed ^ 0xDE71_CE00),
        };
        Ok(Self {
            clicks: CsvFile::create(dir, "clicks.csv", CLICKS_HEADER)?,
            conversions: CsvFile::create(dir, "conversions.csv", CONVERSIONS_HEADER)?,
            leads: CsvFile::create(dir, "leads.csv", LEADS_HEADER)?,
            truth: CsvFile::create(dir, "truth.csv", TRUTH_HEADER)?,
            line: Vec::with_capacity(256),
            ids,
            clicks_issued: 0,
            click_limit: spec.clicks,
            orders: 0,
            captured: HashMap::new(),
            pending_leads: BinaryHeap::new(),
            lead_seq: 0,
            rng: Rng::new(spec.seed, 2),
        })
    }

    /// Whether `clicks.csv` has all its rows.
    pub(super) fn is_full(&self) -> bool {
        self.clicks.rows >= self.click_limit
    }

    /// Writes queued rows up to `watermark` (later journeys queue rows at or after it, and
    /// after these in order), until `clicks.csv` is full.
    pub(super) fn emit_until(
        &mut self,
        queue: &mut BinaryHeap<Timed<Step>>,
        watermark: u32,
    ) -> Result<(), SampleError> {
        while !self.is_full() && queue.peek().is_some_and(|next| next.at <= watermark) {
            let Some(next) = queue.pop() else { break };
            match next.item {
                Step::Touch(touch) => self.write_click(next.at, &touch)?,
                Step::Convert(sale) => self.write_conversion(next.at, &sale)?,
            }
        }
        Ok(())
    }

    fn write_click(&mut self, at: u32, touch: &Touch) -> Result<(), SampleError> {
        let line = &mut self.line;
        line.clear();
        if let Source::Partner(_) = touch.source {
            self.clicks_issued += 1;
            push_padded(line, "ck", self.clicks_issued, self.ids.click_width);
            if touch.capture != 0 {
                self.captured.insert(touch.capture, self.clicks_issued);
            }
        }
        line.push(b',');
        push_timestamp(line, at);
        line.push(b',');
        push_url(line, at, touch);
        line.push(b',');
        push_source(line, touch.source);
        line.push(b',');
        if touch.landing.cookie {
            push_hex40(line, "c", mix40(touch.device.serial, self.ids.cookie_key));
        }
        line.push(b',');
        push_user(line, touch.user, self.ids.user_width);
        line.push(b',');
        push_hex40(line, "d", mix40(touch.device.serial, self.ids.device_key));
        line.push(b',');
        line.extend_from_slice(touch.device.browser.name().as_bytes());
        push_landing(line, touch.landing);
        self.clicks.row(line)
    }

    fn write_conversion(&mut self, at: u32, sale: &Conversion) -> Result<(), SampleError> {
        self.orders += 1;
        let click = self.captured.remove(&sale.capture);
        let line = &mut self.line;
        line.clear();
        push_padded(line, "ORD-", self.orders, self.ids.order_width);
        line.push(b',');
        push_timestamp(line, at);
        line.push(b',');
        push_money(line, sale.revenue);
        line.extend_from_slice(if sale.eur { b",EUR," } else { b",USD," });
        if sale.cookie != 0 {
            push_hex40(line, "c", mix40(sale.cookie, self.ids.cookie_key));
        }
        line.push(b',');
        push_user(line, sale.user, self.ids.user_width);
        line.push(b',');
        if let Some(click) = click {
            push_padded(line, "ck", click, self.ids.click_width);
        }
        line.push(b',');
        if let Some((partner, code)) = sale.coupon {
            line.extend_from_slice(coupon_code(partner, code).as_bytes());
        }
        line.push(b',');
        line.extend_from_slice(sale.status.name().as_bytes());
        line.push(b'\n');
        self.conversions.row(line)?;
        self.write_truth(sale)?;
        self.plan_leads(at, sale);
        self.flush_leads(at)
    }

    fn write_truth(&mut self, sale: &Conversion) -> Result<(), SampleError> {
        let line = &mut self.line;
        line.clear();
        push_padded(line, "ORD-", self.orders, self.ids.order_width);
        line.push(b',');
        if let Some(partner) = sale.partner {
            line.extend_from_slice(PARTNERS[usize::from(partner)].id.as_bytes());
        }
        line.push(b',');
        if let Some(cause) = sale.cause {
            line.extend_from_slice(cause.label().as_bytes());
        }
        line.push(b'\n');
        self.truth.row(line)
    }

    /// The true partner's report, now and then a rival's claim, and a few unknown references.
    fn plan_leads(&mut self, at: u32, sale: &Conversion) {
        if let Some(partner) = sale.partner {
            if sale.reported {
                let reference = self.styled_reference();
                self.report(at, partner, reference, sale.revenue);
            }
            if sale.cause.is_none() && self.rng.permille(20) {
                let rival = (partner + 1 + self.rng.below(19) as u8) % 20;
                let reference = self.order_id();
                self.report(at, rival, reference, sale.revenue);
            }
        }
        if self.rng.permille(12) {
            let partner = self.rng.below(20) as u8;
            let reference = if self.rng.percent(50) {
                format!("INV-{}", self.rng.between(10_000, 99_999))
            } else {
                format!("TR{}", self.rng.between(100_000, 999_999))
            };
            let amount = self.rng.pick(&[(2_999, 1), (5_999, 1), (12_900, 1)]);
            self.report(at, partner, reference, amount);
        }
    }

    fn order_id(&self) -> String {
        format!("ORD-{:0width$}", self.orders, width = self.ids.order_width)
    }

    /// The current order id as a partner types it: 70 % exact, else lower case or padded.
    fn styled_reference(&mut self) -> String {
        let id = self.order_id();
        match self.rng.below(20) {
            0..=13 => id,
            14..=16 => id.to_lowercase(),
            _ => format!(" {id} "),
        }
    }

    /// Queues a lead reported one to six days after `at`; 10 % leave the amount out.
    fn report(&mut self, at: u32, partner: u8, reference: String, amount: u32) {
        self.lead_seq += 1;
        let delay = self.rng.between(DAY, 6 * DAY);
        let amount = (!self.rng.percent(10)).then_some(amount);
        self.pending_leads.push(Timed {
            at: at + delay,
            seq: self.lead_seq,
            item: Lead {
                partner,
                reference,
                amount,
            },
        });
    }

    /// Writes the reported leads earlier than `watermark` (all later conversions report later).
    pub(super) fn flush_leads(&mut self, watermark: u32) -> Result<(), SampleError> {
        while self
            .pending_leads
            .peek()
            .is_some_and(|next| next.at < watermark)
        {
            let Some(next) = self.pending_leads.pop() else {
                break;
            };
            let line = &mut self.line;
            line.clear();
            line.extend_from_slice(PARTNERS[usize::from(next.item.partner)].id.as_bytes());
            line.push(b',');
            push_timestamp(line, next.at);
            line.push(b',');
            push_field(line, &next.item.reference);
            line.push(b',');
            if let Some(amount) = next.item.amount {
                push_money(line, amount);
            }
            line.push(b'\n');
            self.leads.row(line)?;
        }
        Ok(())
    }

    /// Flushes the files; returns their row counts and paths.
    pub(super) fn finish(self) -> Result<Written, SampleError> {
        let (clicks_path, clicks) = self.clicks.finish()?;
        let (conversions_path, conversions) = self.conversions.finish()?;
        let (leads_path, leads) = self.leads.finish()?;
        let (truth_path, _) = self.truth.finish()?;
        Ok(Written {
            clicks,
            conversions,
            leads,
            files: vec![clicks_path, conversions_path, leads_path, truth_path],
        })
    }
}

/// The text of a partner's coupon.
pub(super) fn coupon_code(partner: u8, code: u8) -> &'static str {
    PARTNERS[usize::from(partner)].coupons[usize::from(code)]
}

fn digits(mut n: u64) -> usize {
    let mut count = 1;
    while n >= 10 {
        n /= 10;
        count += 1;
    }
    count
}
