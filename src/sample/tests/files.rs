//! The files themselves: bytes per seed, headers, row counts, quoting, ids, order and time stamps.

use super::*;

#[test]
fn same_seed_gives_identical_files() {
    let spec = SampleSpec::default();
    let (a, b) = (TempDir::new("same-a"), TempDir::new("same-b"));
    let first = write_sample(&a.0, &spec).expect("first");
    let second = write_sample(&b.0, &spec).expect("second");
    assert_eq!(first.files.len(), 5);
    for (left, right) in first.files.iter().zip(&second.files) {
        assert_eq!(left.file_name(), right.file_name());
        let (left, right) = (fs::read(left).unwrap(), fs::read(right).unwrap());
        assert!(left == right, "same seed, same bytes");
    }
    let other = TempDir::new("same-c");
    let spec = SampleSpec { seed: 7, ..spec };
    write_sample(&other.0, &spec).expect("other seed");
    let read = |dir: &TempDir| fs::read(dir.0.join("clicks.csv")).unwrap();
    assert_ne!(read(&a), read(&other), "another seed, other data");
}

#[test]
fn headers_are_exact() {
    let sample = default_sample("headers");
    let header = |table: &Table| table.header.join(",");
    assert_eq!(header(&sample.partners), PARTNERS_HEADER);
    assert_eq!(header(&sample.clicks), CLICKS_HEADER);
    assert_eq!(header(&sample.conversions), CONVERSIONS_HEADER);
    assert_eq!(header(&sample.leads), LEADS_HEADER);
    assert_eq!(header(&sample.truth), TRUTH_HEADER);
    assert_eq!(
        CLICKS_HEADER,
        "click_id,clicked_at,url,partner_id,channel,cookie_id,user_id,device_id,browser,\
         redirect_hops,landing_status"
    );
}

#[test]
fn click_rows_match_the_spec() {
    for clicks in [0, 1, 7, 2_345] {
        let sample = generate("count", &SampleSpec { seed: 3, clicks });
        assert_eq!(sample.clicks.rows.len(), clicks);
        assert_eq!(sample.summary.clicks, clicks);
        assert_eq!(sample.summary.conversions, sample.conversions.rows.len());
        assert_eq!(sample.summary.leads, sample.leads.rows.len());
        assert_eq!(sample.summary.partners, 20);
    }
    let sample = default_sample("count-default");
    assert_eq!(sample.clicks.rows.len(), 20_000);
    let ratio = sample.conversions.rows.len() as f64 / 20_000.0;
    assert!(
        (0.08..=0.12).contains(&ratio),
        "conversions ≈ clicks / 10: {ratio}"
    );
}

#[test]
fn partners_file_quotes_names() {
    let dir = TempDir::new("partners");
    write_sample(&dir.0, &SampleSpec { seed: 1, clicks: 0 }).unwrap();
    let text = fs::read_to_string(dir.0.join("partners.csv")).unwrap();
    assert!(text.contains("smithjones,\"Smith, Jones & Co\",25.00,\n"));
    assert!(text.contains("techreview,TechReview Weekly,12%,TECH10;TECHVIP\n"));
    assert!(text.contains("\"Mia's \"\"Best Buys\"\"\""));
    let partners = Table::read(&dir.0, "partners.csv");
    assert_eq!(partners.rows.len(), 20);
    assert!(partners.values("name").contains(&"Smith, Jones & Co"));
    for commission in partners.values("commission") {
        let number = commission.strip_suffix('%').unwrap_or(commission);
        assert!(number.parse::<f64>().is_ok(), "{commission}");
    }
}

#[test]
fn ids_are_unique_and_devices_keep_their_cookie() {
    let sample = default_sample("ids");
    let click_ids: Vec<_> = sample.clicks.values("click_id");
    let partner_ids: Vec<_> = click_ids.iter().filter(|id| !id.is_empty()).collect();
    let unique: HashSet<_> = partner_ids.iter().collect();
    assert_eq!(unique.len(), partner_ids.len());
    assert!(
        partner_ids
            .iter()
            .all(|id| id.len() == 8 && id.starts_with("ck"))
    );
    let orders: HashSet<_> = sample
        .conversions
        .values("conversion_id")
        .into_iter()
        .collect();
    assert_eq!(orders.len(), sample.conversions.rows.len());
    let mut device_of = HashMap::new();
    let (cookie, device) = (
        sample.clicks.col("cookie_id"),
        sample.clicks.col("device_id"),
    );
    for row in &sample.clicks.rows {
        if !row[cookie].is_empty() {
            let known = device_of.entry(&row[cookie]).or_insert(&row[device]);
            assert_eq!(*known, &row[device], "one device per cookie");
        }
    }
}

#[test]
fn rows_are_chronological_and_within_the_period() {
    let sample = default_sample("chrono");
    let (start, end) = (
        parse_ts("2026-07-01T00:00:00Z"),
        parse_ts("2026-10-31T23:59:59Z"),
    );
    for (table, column) in [
        (&sample.clicks, "clicked_at"),
        (&sample.conversions, "converted_at"),
        (&sample.leads, "reported_at"),
    ] {
        let times: Vec<_> = table.values(column).into_iter().map(parse_ts).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{column} sorted");
        assert!(
            times.iter().all(|&t| t >= start),
            "{column} after the start"
        );
        if column != "reported_at" {
            assert!(times.iter().all(|&t| t <= end), "{column} before the end");
        }
    }
    let first_day = sample
        .clicks
        .share("clicked_at", |t| t.starts_with("2026-07-01"));
    let last_day = sample
        .clicks
        .share("clicked_at", |t| t.starts_with("2026-10-31"));
    assert!(
        first_day > 0.002 && last_day < 0.02,
        "{first_day} {last_day}"
    );
}

#[test]
fn calendar_round_trips() {
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    for days in -800_000..800_000 {
        let (y, m, d) = civil_from_days(days);
        assert_eq!(days_from_civil(y, m, d), days);
    }
    assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
    let stamp = |at| {
        let mut line = Vec::new();
        push_timestamp(&mut line, at);
        String::from_utf8(line).unwrap()
    };
    assert_eq!(stamp(0), "2026-07-01T00:00:00Z");
    assert_eq!(
        stamp(2 * DAY + 14 * HOUR + 5 * MINUTE + 9),
        "2026-07-03T14:05:09Z"
    );
    assert_eq!(stamp(LAST), "2026-10-31T23:59:59Z");
}

#[test]
fn failures_name_the_path() {
    let dir = TempDir::new("fail");
    fs::create_dir_all(&dir.0).unwrap();
    let blocker = dir.0.join("not-a-dir");
    fs::write(&blocker, b"x").unwrap();
    let error = write_sample(&blocker.join("out"), &SampleSpec::default()).unwrap_err();
    assert!(matches!(error, SampleError::CreateDir { .. }));
    assert!(error.to_string().contains("not-a-dir"), "{error}");
    assert!(std::error::Error::source(&error).is_some());
}

#[test]
fn field_quoting_follows_rfc_4180() {
    let quoted = |text: &str| {
        let mut line = Vec::new();
        push_field(&mut line, text);
        String::from_utf8(line).unwrap()
    };
    assert_eq!(quoted("plain"), "plain");
    assert_eq!(quoted("a,b"), "\"a,b\"");
    assert_eq!(quoted("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(quoted(" ORD-1 "), "\" ORD-1 \"");
}
