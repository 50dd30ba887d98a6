//! Suggestions for mapping a file with unknown columns by hand: for each of our columns the
//! file's column whose name is most like it, and the kind of file the suggestions fill best.

use std::collections::{BTreeMap, BTreeSet};

use super::kinds::{ColumnMap, FileKind, normalize_header};
use super::presets::header_key;

/// Names other exports give our columns, besides our own (compared as header keys).
fn synonyms(kind: FileKind, column: &str) -> &'static [&'static str] {
    match (kind, column) {
        (_, "conversion_id") => &[
            "order_id",
            "order",
            "order_number",
            "order_no",
            "transaction_id",
            "sale_id",
            "id",
            "name",
            "invoice_id",
        ],
        (_, "converted_at") => &[
            "created_at",
            "order_date",
            "date",
            "time",
            "timestamp",
            "purchased_at",
            "paid_at",
        ],
        (_, "revenue") => &[
            "total",
            "amount",
            "sale_amount",
            "subtotal",
            "order_total",
            "value",
            "price",
        ],
        (_, "currency") => &["currency_code", "currency_id"],
        (_, "cookie_id") => &["cookie", "visitor_id", "client_id", "anonymous_id"],
        (_, "user_id") => &["customer_id", "customer", "email", "user", "customer_email"],
        (_, "click_id") => &["clickid", "transaction_id", "tid", "gclid", "irclickid"],
        (_, "coupon_code") => &[
            "discount_code",
            "coupon",
            "promo_code",
            "voucher_code",
            "code",
        ],
        (_, "subscription_id") => &[
            "subscription",
            "stripe_subscription_id",
            "subscription_key",
            "sub_id",
            "recurring_id",
        ],
        (_, "status") => &[
            "state",
            "financial_status",
            "order_status",
            "commission_status",
        ],
        (_, "partner_id") => &[
            "affiliate_id",
            "publisher_id",
            "partner",
            "affiliate",
            "ref",
            "referrer_id",
        ],
        (FileKind::Leads, "reported_at") => &["date", "created_at", "reported", "time"],
        (_, "reference") => &["order_id", "order", "reference_id", "transaction_id", "ref"],
        (_, "amount") => &["commission", "payout", "earnings", "reward", "value"],
        (_, "clicked_at") => &["click_date", "date", "time", "timestamp", "visited_at"],
        (_, "url") => &[
            "landing_page",
            "landing_url",
            "destination_url",
            "link",
            "page_url",
        ],
        (_, "channel") => &["source", "utm_source", "medium", "referrer"],
        (_, "name") => &["partner_name", "affiliate_name", "company"],
        (_, "commission") => &["rate", "commission_rate", "payout_rate"],
        (_, "coupon_codes") => &["coupons", "coupon", "codes"],
        (_, "device_id") => &["device"],
        (_, "browser") => &["user_agent", "browser_name"],
        _ => &[],
    }
}

/// How alike a header name is to our column (0 = not at all, 100 = the same name).
fn likeness(kind: FileKind, ours: &str, theirs: &str) -> u32 {
    let key = header_key(theirs);
    if key == ours {
        return 100;
    }
    if kind
        .common_names(ours)
        .contains(&normalize_header(theirs).as_str())
    {
        return 95;
    }
    if let Some(rank) = synonyms(kind, ours).iter().position(|s| *s == key) {
        return 90 - rank as u32;
    }
    let timelike = key.ends_with("_at") || key.contains("date") || key.contains("time");
    if ours.ends_with("_at") && timelike {
        return 40;
    }
    let words = |text: &str| -> BTreeSet<String> {
        text.split('_')
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let theirs_words = words(&key);
    std::iter::once(ours)
        .chain(synonyms(kind, ours).iter().copied())
        // Words in common count only when the last (the head noun: "grand total" is a
        // total, "order status" a status) is one of them.
        .filter(|name| name.rsplit('_').next() == key.rsplit('_').next())
        .map(|name| {
            let ours_words = words(name);
            let shared = ours_words.intersection(&theirs_words).count();
            let all = ours_words.union(&theirs_words).count().max(1);
            (60 * shared / all) as u32
        })
        .max()
        .unwrap_or(0)
}

/// How many of `kind`'s required columns `mapping` fills, of how many (a click file counts
/// its source, one of partner_id, url or channel, as one more).
fn filled(kind: FileKind, mapping: &ColumnMap) -> (usize, usize) {
    let required = kind.required_columns();
    let mut filled = required
        .iter()
        .filter(|c| mapping.pairs.contains_key(**c))
        .count();
    let mut all = required.len();
    if kind == FileKind::Clicks {
        all += 1;
        if ["partner_id", "url", "channel"]
            .iter()
            .any(|c| mapping.pairs.contains_key(*c))
        {
            filled += 1;
        }
    }
    (filled, all)
}

/// For each of `kind`'s columns, the file's column most like it (each file column suggested
/// once, the likeliest pairs first; weak likenesses are left out).
pub fn suggest_mapping(kind: FileKind, header: &[String]) -> ColumnMap {
    const AT_LEAST: u32 = 30;
    let ours: Vec<&str> = kind
        .required_columns()
        .iter()
        .chain(kind.optional_columns())
        .copied()
        .collect();
    let mut scored: Vec<(u32, usize, &str)> = Vec::new();
    for column in &ours {
        for (position, name) in header.iter().enumerate() {
            let score = likeness(kind, column, name);
            if score >= AT_LEAST {
                scored.push((score, position, column));
            }
        }
    }
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut pairs = BTreeMap::new();
    let mut used = BTreeSet::new();
    for (_, position, column) in scored {
        if pairs.contains_key(column) || used.contains(&position) {
            continue;
        }
        used.insert(position);
        pairs.insert(column.to_owned(), normalize_header(&header[position]));
    }
    ColumnMap {
        pairs,
        ..ColumnMap::default()
    }
}

/// The kind whose required columns the suggestions fill best (conversions on a tie), and
/// its suggested mapping.
pub fn suggest_kind(header: &[String]) -> (FileKind, ColumnMap) {
    let mut best: Option<(FileKind, ColumnMap, usize)> = None;
    for kind in [
        FileKind::Conversions,
        FileKind::Leads,
        FileKind::Clicks,
        FileKind::Partners,
    ] {
        let mapping = suggest_mapping(kind, header);
        let (filled, all) = filled(kind, &mapping);
        let share = filled * 100 / all;
        if best.as_ref().is_none_or(|(_, _, most)| share > *most) {
            best = Some((kind, mapping, share));
        }
    }
    let (kind, mapping, _) = best.expect("four kinds");
    (kind, mapping)
}

#[cfg(test)]
mod tests {
    use super::{suggest_kind, suggest_mapping};
    use crate::import::FileKind;

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn the_likeliest_column_is_suggested_for_each_of_ours_and_each_once() {
        let file = header(&[
            "Order No",
            "Placed At",
            "Grand Total",
            "Promo Code",
            "Customer",
        ]);
        let mapping = suggest_mapping(FileKind::Conversions, &file);
        assert_eq!(
            mapping.pairs_text(),
            "conversion_id=order no,converted_at=placed at,coupon_code=promo code,revenue=grand total,user_id=customer"
        );
        let file = header(&["order_id", "created_at", "total", "order"]);
        let mapping = suggest_mapping(FileKind::Conversions, &file);
        assert_eq!(
            mapping.pairs_text(),
            "conversion_id=order_id,converted_at=created_at,revenue=total"
        );
    }

    #[test]
    fn the_kind_is_the_one_whose_columns_are_filled_best() {
        let file = header(&["Affiliate", "Day", "Order", "Commission"]);
        assert_eq!(suggest_kind(&file).0, FileKind::Leads);
        let file = header(&["order_id", "created_at", "total"]);
        assert_eq!(suggest_kind(&file).0, FileKind::Conversions);
    }
}
