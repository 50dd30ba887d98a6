//! Designed shares: statuses, currencies, browsers, broken clicks and two-device users.

use super::*;

#[test]
fn status_mix_is_roughly_as_designed() {
    let sample = default_sample("status");
    let share = |status: &str| sample.conversions.share("status", |s| s == status);
    assert!((0.80..=0.90).contains(&share("approved")));
    assert!((0.04..=0.10).contains(&share("pending")));
    assert!((0.03..=0.09).contains(&share("refunded")));
    assert!((0.005..=0.04).contains(&share("cancelled")));
    let statuses = ["approved", "pending", "refunded", "cancelled"];
    assert!(
        sample
            .conversions
            .values("status")
            .iter()
            .all(|s| statuses.contains(s))
    );
}

#[test]
fn shares_are_roughly_as_designed() {
    let sample = default_sample("shares");
    let conversions = &sample.conversions;
    assert!(conversions.share("currency", |c| c == "USD") >= 0.95);
    assert!((0.22..=0.38).contains(&conversions.share("click_id", |c| !c.is_empty())));
    assert!((0.06..=0.15).contains(&conversions.share("coupon_code", |c| !c.is_empty())));
    for revenue in conversions.values("revenue") {
        let (units, cents) = revenue.split_once('.').expect("two decimals");
        assert_eq!(cents.len(), 2, "{revenue}");
        let units: u32 = units.parse().unwrap();
        assert!((19..=400).contains(&units), "{revenue}");
    }
    let clicks = &sample.clicks;
    let chrome = clicks.share("browser", |b| b == "Chrome");
    let safari = clicks.share("browser", |b| b == "Safari");
    assert!((0.48..=0.62).contains(&chrome) && (0.24..=0.36).contains(&safari));
    let partner_clicks = partner_clicks(&sample);
    let share = |test: &dyn Fn(&PartnerClick) -> bool| {
        partner_clicks.iter().filter(|c| test(c)).count() as f64 / partner_clicks.len() as f64
    };
    assert!((0.02..=0.045).contains(&share(&|c| c.broken)));
    assert!((0.01..=0.035).contains(&share(&|c| !c.broken && c.cookie.is_empty())));
    assert!(
        share(&|c| c.broken && !c.cookie.is_empty()) == 0.0,
        "broken: no cookie"
    );
    let column = clicks.share("partner_id", |p| !p.is_empty());
    let partner = partner_clicks.len() as f64 / clicks.rows.len() as f64;
    assert!(
        (0.4..=0.6).contains(&(column / partner)),
        "half name the partner"
    );
    let via = clicks.share("url", |u| u.contains("?via="));
    assert!((0.003..=0.03).contains(&(via / partner)));
    assert!(
        clicks.share("channel", |c| c.is_empty()) == partner,
        "channel xor partner"
    );
    let users = clicks.share("user_id", |u| !u.is_empty());
    assert!((0.25..=0.55).contains(&users), "logged in: {users}");
}

#[test]
fn some_users_have_two_devices() {
    let sample = default_sample("devices");
    let (user, device) = (sample.clicks.col("user_id"), sample.clicks.col("device_id"));
    let mut devices: HashMap<&str, HashSet<&str>> = HashMap::new();
    for row in sample
        .clicks
        .rows
        .iter()
        .filter(|row| !row[user].is_empty())
    {
        devices.entry(&row[user]).or_default().insert(&row[device]);
    }
    let two = devices.values().filter(|d| d.len() == 2).count();
    assert!(devices.values().all(|d| d.len() <= 2));
    let share = two as f64 / devices.len() as f64;
    assert!((0.02..=0.12).contains(&share), "{share}");
}
