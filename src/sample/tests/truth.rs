//! `truth.csv` against the other files: cookies, loss causes and their evidence, kept click
//! ids and leads.

use super::*;

#[test]
fn conversion_cookies_come_from_clicks() {
    let sample = default_sample("cookies");
    let cookies: HashSet<_> = sample.clicks.values("cookie_id").into_iter().collect();
    let sales = sales(&sample);
    let mut without_cookie = 0;
    for sale in &sales {
        if sale.cookie.is_empty() {
            without_cookie += 1;
            assert!(
                sale.partner.is_empty() && sale.click_id.is_empty(),
                "no-touch sale"
            );
        } else {
            assert!(cookies.contains(sale.cookie.as_str()), "{}", sale.id);
        }
    }
    assert!(
        (1..=sales.len() / 50).contains(&without_cookie),
        "{without_cookie}"
    );
}

#[test]
fn every_loss_cause_is_present() {
    let sample = default_sample("causes");
    let causes: HashSet<_> = sample.truth.values("loss_cause").into_iter().collect();
    for cause in [
        "cookie_expired",
        "browser_cap",
        "device_switch",
        "broken_redirect",
        "cookie_missing",
        "direct_after_click",
        "coupon_only",
        "",
    ] {
        assert!(causes.contains(cause), "{cause:?} present");
    }
    let partners: HashSet<_> = PARTNERS.iter().map(|p| p.id).collect();
    for sale in sales(&sample) {
        assert!(sale.partner.is_empty() || partners.contains(sale.partner.as_str()));
        assert!(
            sale.cause.is_empty() || !sale.partner.is_empty(),
            "{}",
            sale.id
        );
    }
}

#[test]
fn truth_agrees_with_cookie_tracking() {
    let sample = default_sample("truth");
    let clicks = partner_clicks(&sample);
    for sale in sales(&sample) {
        let credited = cookie_credit(&clicks, &sale);
        if sale.cause.is_empty() && !sale.partner.is_empty() {
            assert_eq!(
                credited,
                Some(sale.partner.as_str()),
                "{} credited",
                sale.id
            );
        } else {
            assert_eq!(credited, None, "{} lost: {}", sale.id, sale.cause);
        }
    }
}

#[test]
fn each_cause_leaves_its_evidence() {
    let sample = default_sample("evidence");
    let clicks = partner_clicks(&sample);
    let linked = by_cookie_or_user(&clicks);
    let reported: HashSet<(String, String)> = sample
        .leads
        .rows
        .iter()
        .map(|row| (row[0].clone(), row[2].trim().to_uppercase()))
        .collect();
    for sale in sales(&sample).iter().filter(|s| !s.cause.is_empty()) {
        let own = |click: &&&PartnerClick| click.partner == sale.partner && click.at <= sale.at;
        let by = |key: &str| -> Vec<&PartnerClick> {
            let found = linked
                .get(key)
                .map(|v| v.iter().filter(own).copied().collect());
            if key.is_empty() {
                Vec::new()
            } else {
                found.unwrap_or_default()
            }
        };
        let (by_cookie, by_user) = (by(&sale.cookie), by(&sale.user));
        let age = |click: &PartnerClick| (sale.at - click.at) as f64 / DAY_SECS as f64;
        let ok = match sale.cause.as_str() {
            "cookie_expired" => by_cookie.iter().any(|c| (31.0..=90.0).contains(&age(c))),
            "browser_cap" => by_cookie
                .iter()
                .any(|c| c.browser == "Safari" && age(c) > 7.0 && age(c) < 30.0),
            "device_switch" => {
                by_cookie.is_empty()
                    && by_user
                        .iter()
                        .any(|c| c.cookie != sale.cookie && age(c) <= 7.0)
            }
            "broken_redirect" => by_user.iter().any(|c| c.broken && c.cookie.is_empty()),
            "cookie_missing" => {
                let kept = clicks
                    .iter()
                    .any(|c| c.click_id == sale.click_id && !c.broken);
                let logged = by_user.iter().any(|c| !c.broken && c.cookie.is_empty());
                logged || (kept && !sale.click_id.is_empty())
            }
            "direct_after_click" => {
                let key = (sale.partner.clone(), sale.id.clone());
                sale.user.is_empty() && sale.coupon.is_empty() && reported.contains(&key)
            }
            "coupon_only" => {
                let owner = PARTNERS.iter().find(|p| p.coupons.contains(&&*sale.coupon));
                by_cookie.is_empty()
                    && by_user.is_empty()
                    && owner.is_some_and(|p| p.id == sale.partner)
            }
            other => panic!("unknown cause {other}"),
        };
        assert!(ok, "{} {} lacks its evidence", sale.id, sale.cause);
    }
}

#[test]
fn kept_click_ids_are_the_latest_partner_click() {
    let sample = default_sample("click-ids");
    let clicks = partner_clicks(&sample);
    let by_id: HashMap<_, _> = clicks.iter().map(|c| (c.click_id.as_str(), c)).collect();
    let linked = by_cookie_or_user(&clicks);
    for sale in sales(&sample).iter().filter(|s| !s.click_id.is_empty()) {
        let kept = by_id[sale.click_id.as_str()];
        assert!(
            kept.at <= sale.at && kept.partner == sale.partner,
            "{}",
            sale.id
        );
        for key in [&sale.cookie, &sale.user]
            .into_iter()
            .filter(|k| !k.is_empty())
        {
            let later = linked.get(key.as_str()).into_iter().flatten();
            let mut later = later.filter(|c| c.at > kept.at && c.at <= sale.at);
            assert!(later.next().is_none(), "{}: a later partner click", sale.id);
        }
    }
}

#[test]
fn leads_mix_exact_styled_unknown_and_rival_references() {
    let sample = default_sample("leads");
    let truth: HashMap<_, _> = sales(&sample)
        .into_iter()
        .map(|s| (s.id, s.partner))
        .collect();
    let (mut exact, mut styled, mut unknown, mut rival) = (0, 0, 0, 0);
    for row in &sample.leads.rows {
        let (partner, reference) = (&row[0], &row[2]);
        match truth.get(&reference.trim().to_uppercase()) {
            None => unknown += 1,
            Some(owner) if owner != partner => rival += 1,
            Some(_) if truth.contains_key(reference) => exact += 1,
            Some(_) => styled += 1,
        }
    }
    assert!(exact > 100 && styled > 20 && unknown > 5 && rival > 5);
    assert!(
        sample.leads.values("amount").contains(&""),
        "some leave the amount out"
    );
}
