//! Field formatting: ids, timestamps, money, URLs and RFC 4180 quoting.

use super::calendar::{DAY, FIRST_DAY, HOUR, MINUTE, campaign, civil_from_days};
use super::rows::{Landing, Link, Source, Touch};
use super::vocabulary::{CATEGORIES, Channel, PARTNERS, SOCIAL_SITES};

const SHOP: &str = "https://shop.example.com";

/// A text field, quoted (RFC 4180) when it holds a comma, quote, line break or edge space.
pub(super) fn push_field(line: &mut Vec<u8>, text: &str) {
    let quote =
        text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ');
    if !quote {
        line.extend_from_slice(text.as_bytes());
        return;
    }
    line.push(b'"');
    for &byte in text.as_bytes() {
        if byte == b'"' {
            line.push(b'"');
        }
        line.push(byte);
    }
    line.push(b'"');
}

/// `prefix` and `n` zero-padded to `width` digits.
pub(super) fn push_padded(line: &mut Vec<u8>, prefix: &str, n: u64, width: usize) {
    line.extend_from_slice(prefix.as_bytes());
    let mut buf = [0u8; 20];
    let mut start = buf.len();
    let mut rest = n;
    loop {
        start -= 1;
        buf[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let len = buf.len() - start;
    line.extend(std::iter::repeat_n(b'0', width.saturating_sub(len)));
    line.extend_from_slice(&buf[start..]);
}

/// `prefix` and ten lower-case hex digits (40 bits).
pub(super) fn push_hex40(line: &mut Vec<u8>, prefix: &str, value: u64) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    line.extend_from_slice(prefix.as_bytes());
    for shift in (0..10).rev() {
        line.push(HEX[((value >> (shift * 4)) & 0xF) as usize]);
    }
}

/// RFC 3339 UTC, e.g. `2026-07-03T14:05:09Z`, of seconds since the programme began.
pub(super) fn push_timestamp(line: &mut Vec<u8>, at: u32) {
    let (year, month, day) = civil_from_days(FIRST_DAY + i64::from(at / DAY));
    let secs = at % DAY;
    push_padded(line, "", year as u64, 4);
    push_padded(line, "-", u64::from(month), 2);
    push_padded(line, "-", u64::from(day), 2);
    push_padded(line, "T", u64::from(secs / HOUR), 2);
    push_padded(line, ":", u64::from(secs % HOUR / MINUTE), 2);
    push_padded(line, ":", u64::from(secs % MINUTE), 2);
    line.push(b'Z');
}

/// An amount in cents as units and two decimals, e.g. `49.99`.
pub(super) fn push_money(line: &mut Vec<u8>, cents: u32) {
    push_padded(line, "", u64::from(cents / 100), 1);
    push_padded(line, ".", u64::from(cents % 100), 2);
}

/// The `user_id` field: empty for 0 (not logged in).
pub(super) fn push_user(line: &mut Vec<u8>, user: u32, width: usize) {
    if user != 0 {
        push_padded(line, "u", u64::from(user), width);
    }
}

/// The `partner_id` and `channel` columns.
pub(super) fn push_source(line: &mut Vec<u8>, source: Source) {
    match source {
        Source::Partner(link) if link.column => {
            line.extend_from_slice(PARTNERS[usize::from(link.partner)].id.as_bytes());
            line.push(b',');
        }
        Source::Partner(_) => line.push(b','),
        Source::Channel(channel) => {
            line.push(b',');
            line.extend_from_slice(channel.name().as_bytes());
        }
    }
}

/// `,redirect_hops,landing_status` and the line end.
pub(super) fn push_landing(line: &mut Vec<u8>, landing: Landing) {
    push_padded(line, ",", u64::from(landing.hops), 1);
    line.extend_from_slice(if landing.failed {
        b",failed\n"
    } else {
        b",ok\n"
    });
}

/// The landing URL: partner links carry `ref=` (or `via=`) and often UTM parameters.
pub(super) fn push_url(line: &mut Vec<u8>, at: u32, touch: &Touch) {
    if touch.page == 0 {
        return;
    }
    line.extend_from_slice(SHOP.as_bytes());
    push_path(line, touch.page);
    match touch.source {
        Source::Partner(link) => push_partner_query(line, at, link),
        Source::Channel(channel) => push_channel_query(line, at, channel, touch.page),
    }
}

fn push_path(line: &mut Vec<u8>, page: u16) {
    match page {
        0..=99 => line.push(b'/'),
        100..=249 => {
            line.extend_from_slice(b"/category/");
            line.extend_from_slice(CATEGORIES[usize::from(page) % CATEGORIES.len()].as_bytes());
        }
        _ => push_padded(line, "/product/", u64::from(page), 1),
    }
}

fn push_partner_query(line: &mut Vec<u8>, at: u32, link: Link) {
    let id = PARTNERS[usize::from(link.partner)].id.as_bytes();
    line.extend_from_slice(if link.via { b"?via=" } else { b"?ref=" });
    line.extend_from_slice(id);
    if link.utm {
        line.extend_from_slice(b"&utm_source=");
        line.extend_from_slice(id);
        line.extend_from_slice(b"&utm_medium=partner&utm_campaign=");
        line.extend_from_slice(campaign(at).as_bytes());
    }
}

fn push_channel_query(line: &mut Vec<u8>, at: u32, channel: Channel, page: u16) {
    let (source, medium) = match channel {
        Channel::Organic | Channel::Direct => return,
        Channel::PaidSearch => ("google", "cpc"),
        Channel::Email => ("newsletter", "email"),
        Channel::Social => (
            SOCIAL_SITES[usize::from(page) % SOCIAL_SITES.len()],
            "social",
        ),
    };
    line.extend_from_slice(b"?utm_source=");
    line.extend_from_slice(source.as_bytes());
    line.extend_from_slice(b"&utm_medium=");
    line.extend_from_slice(medium.as_bytes());
    if channel != Channel::Social {
        line.extend_from_slice(b"&utm_campaign=");
        line.extend_from_slice(campaign(at).as_bytes());
    }
}
