//! The importer on good and bad files: every bad-input case has its message asserted and leaves
//! the data tables as they were.

mod common;

use common::{import, write};
use partner_attribution::domain::ProgrammeTimeZone;
use partner_attribution::domain::links::LinkRules;
use partner_attribution::import::{
    ColumnMap, FileKind, ImportOutcome, ImportRequest, ImportSettings, import_file,
};
use partner_attribution::journeys::JourneyIndex;
use partner_attribution::store::{Store, TableCounts};

const CONVERSIONS: &str = "conversion_id,converted_at,revenue,cookie_id\n\
                           o1,2026-07-01T10:00:00Z,10.50,c1\n\
                           o2,2026-07-02T10:00:00Z,20.00,c2\n";

fn store_with_conversions(dir: &std::path::Path) -> Store {
    let store = Store::open_in_memory().unwrap();
    import(&store, &write(dir, "base.csv", CONVERSIONS), None).unwrap();
    store
}

/// The sample generator's programme of `clicks` clicks, written to a fresh folder.
fn generated_programme(seed: u64, clicks: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let spec = partner_attribution::sample::SampleSpec { seed, clicks };
    partner_attribution::sample::write_sample(dir.path(), &spec).unwrap();
    dir
}

/// Writes the rows of `select` to `path` with DuckDB's `COPY … (options)`, as other tools
/// export them (gzip, Parquet).
fn export_with_duckdb(select: &str, path: &std::path::Path, options: &str) {
    duckdb::Connection::open_in_memory()
        .unwrap()
        .execute_batch(&format!(
            "COPY ({select}) TO '{}' ({options})",
            path.display()
        ))
        .unwrap();
}

fn data_counts(store: &Store) -> TableCounts {
    store.counts().unwrap()
}

/// `read`'s answer, asked up to three times (an interrupt meant for an earlier query can
/// stop one).
fn asked_again<T, E: std::fmt::Debug>(read: impl Fn() -> Result<T, E>) -> T {
    read().or_else(|_| read()).or_else(|_| read()).unwrap()
}

fn rejects_of(store: &Store) -> Vec<(Option<i64>, Option<String>, String)> {
    let mut rejects: Vec<_> = store
        .rejects(100)
        .unwrap()
        .into_iter()
        .map(|r| (r.line, r.column, r.reason))
        .collect();
    rejects.sort();
    rejects
}

/// Asserts the import was refused with a message containing every fragment, naming the file,
/// and that nothing in the database changed.
fn assert_refused(
    store: &Store,
    path: &std::path::Path,
    kind: Option<FileKind>,
    fragments: &[&str],
) {
    let before = (data_counts(store), store.import_history().unwrap());
    let error = import(store, path, kind).expect_err("the file should be refused");
    let message = error.to_string();
    for fragment in fragments {
        assert!(message.contains(fragment), "{message:?} lacks {fragment:?}");
    }
    assert!(
        message.ends_with(&format!("({})", path.display())),
        "{message:?} should end with the file"
    );
    assert_eq!(
        (data_counts(store), store.import_history().unwrap()),
        before,
        "database changed"
    );
}

#[test]
fn a_missing_required_column_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_conversions(dir.path());
    let path = write(
        dir.path(),
        "orders.csv",
        "conversion_id,converted_at,amount\no9,2026-07-01,5\n",
    );
    assert_refused(
        &store,
        &path,
        Some(FileKind::Conversions),
        &[
            "missing required column `revenue`",
            "conversions file",
            "conversion_id, converted_at, revenue",
            "the header has conversion_id, converted_at, amount",
        ],
    );
}

#[test]
fn an_empty_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_conversions(dir.path());
    let path = write(dir.path(), "empty.csv", "");
    assert_refused(&store, &path, None, &["the file is empty", "header row"]);
}

#[test]
fn a_file_that_is_not_csv_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_conversions(dir.path());
    let path = dir.path().join("logo.csv");
    std::fs::write(&path, include_bytes!("../assets/icon.png")).unwrap();
    assert_refused(
        &store,
        &path,
        None,
        &["not a CSV or Parquet file", "binary data"],
    );
}

#[test]
fn an_unknown_kind_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_conversions(dir.path());
    let path = write(dir.path(), "mystery.csv", "foo,bar\n1,2\n");
    assert_refused(
        &store,
        &path,
        None,
        &["cannot tell what kind of export", "(foo, bar)", "--kind"],
    );
    let error = "bogus".parse::<FileKind>().unwrap_err();
    assert!(
        error.contains("unknown kind 'bogus'") && error.contains("partners, clicks, conversions")
    );
}

#[test]
fn a_file_with_an_inconsistent_delimiter_is_refused_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_conversions(dir.path());
    let path = write(
        dir.path(),
        "semicolons.csv",
        "conversion_id;converted_at;revenue\no7,2026-07-01T10:00:00Z,5.00\n",
    );
    assert_refused(
        &store,
        &path,
        Some(FileKind::Conversions),
        &[
            "no row has the header's 3 fields",
            "split on ';'",
            "same delimiter",
        ],
    );
    // A header that is not split at all gets a missing-column error with a delimiter hint.
    let path = write(
        dir.path(),
        "spaces.csv",
        "conversion_id converted_at revenue\no1 2026-07-01 5\n",
    );
    assert_refused(
        &store,
        &path,
        Some(FileKind::Conversions),
        &["missing required column", "delimiter"],
    );
}

#[test]
fn a_bad_timestamp_rejects_the_row_with_line_column_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_conversions(dir.path());
    let before = data_counts(&store);
    let path = write(
        dir.path(),
        "late.csv",
        "conversion_id,converted_at,revenue\no3,2026-07-03T10:00:00Z,1.00\no4,next tuesday,2.00\n",
    );
    let outcome = import(&store, &path, None).unwrap();
    assert_eq!(
        (
            outcome.record().rows_accepted,
            outcome.record().rows_rejected
        ),
        (1, 1)
    );
    assert_eq!(
        data_counts(&store).conversions,
        before.conversions + 1,
        "only o3 is stored"
    );
    assert_eq!(
        rejects_of(&store),
        vec![(
            Some(3),
            Some("converted_at".to_owned()),
            "expected a timestamp like 2026-07-01T12:00:00Z, found 'next tuesday'".to_owned()
        )]
    );
}

#[test]
fn a_non_numeric_revenue_rejects_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_conversions(dir.path());
    let path = write(
        dir.path(),
        "bad_revenue.csv",
        "conversion_id,converted_at,revenue\no4,2026-07-03T10:00:00Z,12.50\no5,2026-07-03T10:00:00Z,12,50 EUR\n",
    );
    // A decimal comma splits the row into one field too many.
    let outcome = import(&store, &path, None).unwrap();
    assert_eq!(
        (
            outcome.record().rows_accepted,
            outcome.record().rows_rejected
        ),
        (1, 1)
    );
    let rejects = rejects_of(&store);
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    assert_eq!(rejects[0].0, Some(3));
    assert!(rejects[0].2.contains("expected 3 fields"), "{rejects:?}");
    let path = write(
        dir.path(),
        "bad_revenue2.csv",
        "conversion_id,converted_at,revenue\no6,2026-07-03T10:00:00Z,abc\n",
    );
    import(&store, &path, None).unwrap();
    assert!(rejects_of(&store).contains(&(
        Some(2),
        Some("revenue".to_owned()),
        "expected a number like 49.90, found 'abc'".to_owned()
    )));
    assert_eq!(
        data_counts(&store).conversions,
        3,
        "o4 was stored, neither o5 nor o6"
    );
}

#[test]
fn duplicate_conversion_ids_are_reported_and_kept_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_conversions(dir.path());
    let path = write(
        dir.path(),
        "dupes.csv",
        "conversion_id,converted_at,revenue\no1,2026-07-05T10:00:00Z,99.00\no8,2026-07-05T10:00:00Z,1.00\no8,2026-07-06T10:00:00Z,2.00\n",
    );
    let outcome = import(&store, &path, None).unwrap();
    assert_eq!(
        (
            outcome.record().rows_accepted,
            outcome.record().rows_rejected
        ),
        (1, 2)
    );
    assert_eq!(
        rejects_of(&store),
        vec![
            (
                Some(2),
                Some("conversion_id".to_owned()),
                "duplicate conversion_id 'o1': already imported from base.csv line 2".to_owned()
            ),
            (
                Some(4),
                Some("conversion_id".to_owned()),
                "duplicate conversion_id 'o8': already on line 3 of this file".to_owned()
            ),
        ]
    );
    let index = JourneyIndex::build(&store).unwrap();
    let revenue: f64 = index.conversions.iter().map(|c| c.revenue).sum();
    assert_eq!(
        revenue,
        10.5 + 20.0 + 1.0,
        "o1 keeps its first revenue, o8 its first"
    );
}

#[test]
fn reimporting_the_same_file_is_detected_and_counts_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_conversions(dir.path());
    let before = (data_counts(&store), store.import_history().unwrap());
    let copy = write(dir.path(), "copy-of-base.csv", CONVERSIONS);
    match import(&store, &copy, None).unwrap() {
        ImportOutcome::AlreadyImported(previous) => assert_eq!(previous.file_name, "base.csv"),
        other => panic!("expected AlreadyImported, got {other:?}"),
    }
    assert_eq!(
        (data_counts(&store), store.import_history().unwrap()),
        before
    );
}

#[test]
fn structural_rejects_keep_later_line_numbers_right() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_memory().unwrap();
    let path = write(
        dir.path(),
        "ragged.csv",
        "conversion_id,converted_at,revenue\n\
         a1,2026-07-01T10:00:00Z,1.00\n\
         a2,2026-07-01T10:00:00Z,2.00,extra,fields\n\
         a3,2026-07-01T10:00:00Z,3.00\n\
         a4,not a time,4.00\n",
    );
    let outcome = import(&store, &path, Some(FileKind::Conversions)).unwrap();
    assert_eq!(
        (
            outcome.record().rows_accepted,
            outcome.record().rows_rejected
        ),
        (2, 2)
    );
    let rejects = rejects_of(&store);
    assert_eq!(rejects[0].0, Some(3), "{rejects:?}");
    assert!(rejects[0].2.contains("expected 3 fields"), "{rejects:?}");
    assert_eq!(rejects[1].0, Some(5), "{rejects:?}");
}

/// A compressed file is always trimmed (its bytes say nothing about its values), and one cut
/// short after the part DuckDB samples is refused as unreadable, storing nothing.
#[test]
fn gzip_values_are_trimmed_and_a_truncated_gzip_is_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let padded = dir.path().join("padded.csv.gz");
    let long = dir.path().join("long.csv.gz");
    export_with_duckdb(
        "SELECT 'o' || i AS conversion_id, ' 2026-07-01T10:00:00Z' AS converted_at,
                '1.50 ' AS revenue, ' c' || i || ' ' AS cookie_id FROM range(1, 4) t(i)",
        &padded,
        "HEADER, COMPRESSION gzip",
    );
    export_with_duckdb(
        "SELECT 'g' || i AS conversion_id, TIMESTAMP '2026-07-01 10:00:00' AS converted_at,
                i * 1.5 AS revenue, md5(i::VARCHAR) AS cookie_id FROM range(1, 400001) t(i)",
        &long,
        "HEADER, COMPRESSION gzip",
    );
    let store = Store::open_in_memory().unwrap();
    let outcome = import(&store, &padded, None).unwrap();
    assert_eq!(
        (
            outcome.record().rows_accepted,
            outcome.record().rows_rejected
        ),
        (3, 0)
    );
    let evidence = store.conversion_evidence("o1").unwrap().unwrap().0;
    assert_eq!(evidence.cookie_id.as_deref(), Some("c1"));

    let bytes = std::fs::read(&long).unwrap();
    std::fs::write(&long, &bytes[..bytes.len() * 3 / 5]).unwrap();
    assert_refused(&store, &long, None, &["cannot read the file"]);
}

/// A comment character DuckDB detects cuts values where a comment starts; the space before
/// it is trimmed like any padding.
#[test]
fn a_comment_after_a_value_leaves_no_trailing_space() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_memory().unwrap();
    let path = write(
        dir.path(),
        "partners.csv",
        "# exported from the network\n\
         partner_id,name,commission\n\
         p1,Alice,10% # promo rate\n\
         p2,Bob,12%\n",
    );
    let outcome = import(&store, &path, Some(FileKind::Partners)).unwrap();
    assert_eq!(
        (
            outcome.record().rows_accepted,
            outcome.record().rows_rejected
        ),
        (2, 0),
        "{:?}",
        rejects_of(&store)
    );
}

/// Lines are counted from the file's order after it is read once; a zone whose offsets are
/// joined numbers its rows before the join.
#[test]
fn lines_stay_right_with_structural_rejects_in_every_time_zone() {
    for zone in ["UTC", "+02:00", "Europe/Berlin"] {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in_memory().unwrap();
        let path = write(
            dir.path(),
            "ragged.csv",
            "conversion_id,converted_at,revenue\n\
             a1,2026-07-01 10:00:00,1.00\n\
             a2,2026-07-01 10:00:00,2.00,extra\n\
             a3,2026-07-01 10:00:00,3.00\n\
             a3,2026-07-01 11:00:00,4.00\n\
             a5,2026-07-01 12:00:00,5.00\n",
        );
        let settings = ImportSettings {
            time_zone: ProgrammeTimeZone::parse(zone).unwrap(),
            ..ImportSettings::default()
        };
        let outcome = import_file(&store, &ImportRequest::detect(&path), &settings).unwrap();
        assert_eq!(outcome.record().rows_accepted, 3, "{zone}");
        let rejects = rejects_of(&store);
        assert_eq!(rejects.len(), 2, "{zone}: {rejects:?}");
        assert_eq!(rejects[0].0, Some(3), "{zone}: {rejects:?}");
        assert!(rejects[0].2.contains("expected 3 fields"), "{rejects:?}");
        assert_eq!(rejects[1].0, Some(5), "{zone}: {rejects:?}");
        assert_eq!(
            rejects[1].2, "duplicate conversion_id 'a3': already on line 4 of this file",
            "{zone}"
        );
        let shift = if zone == "UTC" { 0 } else { 2 * 3600 };
        let ten = chrono::DateTime::parse_from_rfc3339("2026-07-01T10:00:00Z")
            .unwrap()
            .timestamp();
        assert_eq!(
            converted_at_secs(&store),
            vec![ten - shift, ten - shift, ten + 7200 - shift],
            "{zone}"
        );
    }
}

#[test]
fn a_file_in_a_folder_with_a_quote_in_its_name_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("O'Brien's exports");
    std::fs::create_dir(&folder).unwrap();
    let store = Store::open_in_memory().unwrap();
    let path = write(&folder, "conversions.csv", CONVERSIONS);
    let outcome = import(&store, &path, None).unwrap();
    assert_eq!(outcome.record().rows_accepted, 2);
    assert_eq!(data_counts(&store).conversions, 2);
}

#[test]
fn bom_crlf_quotes_and_other_delimiters_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_memory().unwrap();
    let partners = "\u{feff}partner_id;name;commission;coupon_codes\r\n\
                    alpha;\"Smith; Jones & Co\";12%;\"ALPHA10;ALPHAVIP\"\r\n\
                    beta;\"Beta \"\"Deals\"\"\";25.00;\r\n";
    let path = write(dir.path(), "partners.csv", partners);
    let outcome = import(&store, &path, None).unwrap();
    assert_eq!(outcome.record().kind, "partners");
    assert_eq!(
        outcome.record().rows_accepted,
        2,
        "{:?}",
        rejects_of(&store)
    );
    let index = JourneyIndex::build(&store).unwrap();
    let names: Vec<_> = index
        .sources
        .iter()
        .map(|s| s.name.clone().unwrap())
        .collect();
    assert_eq!(names, vec!["Smith; Jones & Co", "Beta \"Deals\""]);
}

#[test]
fn gzip_and_parquet_exports_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("conversions.csv.gz");
    let parquet = dir.path().join("more.parquet");
    export_with_duckdb(
        "SELECT 'g' || i AS conversion_id,
                TIMESTAMP '2026-07-01 10:00:00' + INTERVAL (i) HOUR AS converted_at,
                i * 1.5 AS revenue FROM range(1, 4) t(i)",
        &gz,
        "HEADER, COMPRESSION gzip",
    );
    export_with_duckdb(
        "SELECT 'p' || i AS conversion_id, TIMESTAMP '2026-07-02 10:00:00' AS converted_at,
                CAST(i AS DOUBLE) AS revenue, 'c' || i AS cookie_id FROM range(1, 6) t(i)",
        &parquet,
        "FORMAT parquet",
    );
    let store = Store::open_in_memory().unwrap();
    assert_eq!(import(&store, &gz, None).unwrap().record().rows_accepted, 3);
    assert_eq!(
        import(&store, &parquet, None)
            .unwrap()
            .record()
            .rows_accepted,
        5
    );
    let index = JourneyIndex::build(&store).unwrap();
    assert_eq!(index.conversions.len(), 8);
    assert_eq!(index.conversions[0].revenue, 1.5);
}

fn converted_at_secs(store: &Store) -> Vec<i64> {
    JourneyIndex::build(store)
        .unwrap()
        .conversions
        .iter()
        .map(|c| c.converted_at_secs)
        .collect()
}

#[test]
fn offsets_become_utc_and_naive_times_are_read_in_the_programme_zone() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_memory().unwrap();
    let path = write(
        dir.path(),
        "zones.csv",
        "conversion_id,converted_at,revenue\n\
         z1,2026-07-01T12:00:00+02:00,1\n\
         z2,2026-07-01 12:00:00,1\n\
         z3,2026-01-15T12:00:00,1\n\
         z4,2026-07-01T10:00:00Z,1\n",
    );
    let settings = ImportSettings {
        time_zone: ProgrammeTimeZone::parse("Europe/Berlin").unwrap(),
        ..ImportSettings::default()
    };
    import_file(&store, &ImportRequest::detect(&path), &settings).unwrap();
    let utc = |text: &str| {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp()
    };
    assert_eq!(
        converted_at_secs(&store),
        vec![
            utc("2026-07-01T10:00:00Z"),
            utc("2026-07-01T10:00:00Z"),
            utc("2026-01-15T11:00:00Z"),
            utc("2026-07-01T10:00:00Z")
        ]
    );
}

/// A click file spanning several of the reader's buffers (sized from its rows by the
/// importer) keeps every row and every row's line.
#[test]
fn every_row_and_line_survives_a_file_of_several_reader_buffers() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("programme.duckdb");
    let rows = 1_300_000;
    let mut clicks = String::from("click_id,clicked_at,partner_id\n");
    for i in 0..rows {
        clicks += &format!("k{i:07},2026-07-01T10:00:00Z,alpha\n");
    }
    assert!(clicks.len() > 45_000_000, "{} bytes", clicks.len());
    let path = write(dir.path(), "clicks.csv", &clicks);
    {
        let store = Store::open(&db).unwrap();
        let record = import(&store, &path, None).unwrap().record().clone();
        assert_eq!((record.rows_accepted, record.rows_rejected), (rows, 0));
    }
    let conn = duckdb::Connection::open(&db).unwrap();
    let (touches, misplaced): (i64, i64) = conn
        .query_row(
            "SELECT count(*), count(*) FILTER (WHERE line <> CAST(substr(click_id, 2) AS BIGINT) + 2)
             FROM touches",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((touches, misplaced), (rows, 0));
}

/// A field quoted far below the rows DuckDB's sniffer samples (a link holding a comma) is
/// read as one value, not refused for splitting into more fields than the header.
#[test]
fn a_quoted_field_after_the_sniffer_s_sample_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_memory().unwrap();
    let mut clicks = String::from("click_id,clicked_at,url,cookie_id\n");
    for i in 0..25_000 {
        clicks += &format!("k{i},2026-07-01T10:00:00Z,https://s.example/?ref=alpha,c{i}\n");
    }
    clicks += "late,2026-07-02T10:00:00Z,\"https://s.example/?ref=beta&q=a,b\",c-late\n";
    let path = write(dir.path(), "clicks.csv", &clicks);
    let record = import(&store, &path, None).unwrap().record().clone();
    assert_eq!((record.rows_accepted, record.rows_rejected), (25_001, 0));
    let index = JourneyIndex::build(&store).unwrap();
    assert!(index.sources.iter().any(|s| s.id == "beta"));
}

/// A click file's own campaign columns are kept (and win over the link's); a row whose
/// columns are empty takes the link's.
#[test]
fn a_click_file_s_campaign_columns_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_memory().unwrap();
    let clicks = "clicked_at,url,partner_id,cookie_id,utm_campaign,utm_term\n\
                  2026-07-01T10:00:00Z,https://s.example/?utm_campaign=link,alpha,c1,winter & co,a+b\n\
                  2026-07-01T11:00:00Z,https://s.example/?utm_campaign=link,alpha,c2,,\n\
                  2026-07-01T12:00:00Z,https://s.example/,alpha,c3,winter & co,\n";
    let path = write(dir.path(), "clicks.csv", clicks);
    assert_eq!(
        import(&store, &path, None).unwrap().record().rows_accepted,
        3
    );
    assert_eq!(
        store.campaign_touches().unwrap(),
        vec![("winter & co".to_owned(), 2), ("link".to_owned(), 1)]
    );
}

#[test]
fn partner_ids_come_from_the_link_when_the_column_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_memory().unwrap();
    let clicks = "clicked_at,url,partner_id,channel,cookie_id\n\
                  2026-07-01T10:00:00Z,https://shop.example.com/?ref=alpha&utm_campaign=spring,,,c1\n\
                  2026-07-01T11:00:00Z,https://shop.example.com/?via=beta,,,c1\n\
                  2026-07-01T12:00:00Z,https://shop.example.com/?ref=alpha,gamma,,c1\n\
                  2026-07-01T13:00:00Z,,,organic,c1\n";
    let path = write(dir.path(), "clicks.csv", clicks);
    let outcome = import(&store, &path, None).unwrap();
    assert_eq!(
        (
            outcome.record().rows_accepted,
            outcome.record().rows_rejected
        ),
        (3, 1)
    );
    let rejects = rejects_of(&store);
    assert_eq!(rejects[0].0, Some(3));
    assert!(
        rejects[0]
            .2
            .contains("url 'https://shop.example.com/?via=beta' uses via=, which is not one"),
        "{rejects:?}"
    );
    assert_eq!(
        store.campaign_touches().unwrap(),
        vec![("spring".to_owned(), 1)],
        "utm_campaign is read from the link"
    );
    let index = JourneyIndex::build(&store).unwrap();
    let sources: Vec<(&str, bool)> = index
        .sources
        .iter()
        .map(|s| (s.id.as_str(), s.is_partner))
        .collect();
    assert_eq!(
        sources,
        vec![("alpha", true), ("gamma", true), ("organic", false)]
    );

    let store = Store::open_in_memory().unwrap();
    let settings = ImportSettings {
        links: LinkRules::parse("ref,via"),
        ..ImportSettings::default()
    };
    let outcome = import_file(&store, &ImportRequest::detect(&path), &settings).unwrap();
    assert_eq!(outcome.record().rows_accepted, 4);
}

#[test]
fn event_logs_map_columns_and_make_flagged_rows_conversions() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_memory().unwrap();
    let events = "customer_id,time,channel,conversion,conversion_value\n\
                  u1,2026-07-01T10:00:00Z,Facebook,0,0\n\
                  u1,2026-07-02T10:00:00Z,Paid Search,1,12.5\n\
                  u2,2026-07-02T10:00:00Z,Instagram,maybe,0\n";
    let path = write(dir.path(), "log.csv", events);
    let request = ImportRequest {
        path: path.clone(),
        kind: Some(FileKind::Events),
        columns: ColumnMap::parse("user=customer_id,time=time,source=channel,conversion=conversion,value=conversion_value").unwrap(),
    };
    let outcome = import_file(&store, &request, &ImportSettings::default()).unwrap();
    assert_eq!(
        (
            outcome.record().rows_accepted,
            outcome.record().rows_rejected
        ),
        (2, 1)
    );
    assert!(
        rejects_of(&store)[0]
            .2
            .contains("expected a conversion flag 1/0, true/false or yes/no, found 'maybe'")
    );
    let counts = data_counts(&store);
    assert_eq!((counts.touches, counts.conversions), (2, 1));
    let index = JourneyIndex::build(&store).unwrap();
    assert_eq!(index.conversions[0].conversion_id, "log:3");
    assert_eq!(
        index.touch_range(0).len(),
        2,
        "both of u1's touches are candidates"
    );
}

#[test]
fn a_cancelled_import_leaves_the_database_unchanged() {
    let dir = generated_programme(7, 200_000);
    let store = store_with_conversions(dir.path());
    let before = (data_counts(&store), store.import_history().unwrap());
    // Interrupt whatever the store runs until the import gives up.
    let probe = store.query_probe();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let canceller = {
        let done = done.clone();
        std::thread::Builder::new()
            .name("canceller".to_owned())
            .spawn(move || {
                while !done.load(std::sync::atomic::Ordering::SeqCst) {
                    probe.cancel();
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
            })
            .expect("spawning the canceller thread")
    };
    let result = import(&store, &dir.path().join("clicks.csv"), None);
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    canceller.join().unwrap();
    let error = result.expect_err("the import should have been interrupted");
    assert!(error.to_string().contains("clicks.csv"), "{error}");
    assert_eq!(
        (data_counts(&store), store.import_history().unwrap()),
        before
    );
    // The store still works afterwards.
    let again = import(&store, &dir.path().join("partners.csv"), None).unwrap();
    assert_eq!(again.record().rows_accepted, 20);
}

/// A click file's rows are written before the import is recorded: a cancel while they are
/// stored (numbered, checked for duplicates, rejected rows moved) takes them all back out.
#[test]
fn a_cancel_while_clicks_are_stored_leaves_the_database_unchanged() {
    use partner_attribution::store::ImportPhase;
    let dir = generated_programme(7, 200_000);
    let store = store_with_conversions(dir.path());
    import(&store, &dir.path().join("partners.csv"), None).unwrap();
    let before = (
        data_counts(&store),
        store.import_history().unwrap(),
        rejects_of(&store),
    );
    let probe = store.query_probe();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let canceller = {
        let done = done.clone();
        std::thread::Builder::new()
            .name("canceller".to_owned())
            .spawn(move || {
                let mut cancels = 0;
                while !done.load(std::sync::atomic::Ordering::SeqCst) {
                    if probe.phase() == ImportPhase::StoringRows {
                        probe.cancel();
                        cancels += 1;
                    }
                    std::thread::sleep(std::time::Duration::from_micros(100));
                }
                cancels
            })
            .expect("spawning the canceller thread")
    };
    let result = import(&store, &dir.path().join("clicks.csv"), None);
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(
        canceller.join().unwrap() > 0,
        "the import never stored rows"
    );
    result.expect_err("the import should have been interrupted while storing");
    // The canceller's last interrupt can land after the import returned (it saw the phase a
    // moment before it ended) and stop one of the next queries: those are asked again.
    let counts = asked_again(|| store.counts());
    let history = asked_again(|| store.import_history());
    asked_again(|| store.rejects(1));
    let after = (counts, history, rejects_of(&store));
    assert_eq!(after, before);
    // The same file imports whole afterwards.
    let again = import(&store, &dir.path().join("clicks.csv"), None).unwrap();
    assert_eq!(
        data_counts(&store).touches as i64,
        again.record().rows_accepted
    );
}

/// Touches of a click import that never got recorded (the program was killed between
/// writing the rows and recording the import) are deleted when the database opens, its
/// parked rejected rows (negative import id) too; an earlier import's and a scenario's
/// (import 0) stay. A database written by schema version 2 (touches storing `source`) loses
/// its reject columns, its five campaign columns become the one `utm` (the campaign still read
/// from it), and `source` is computed again.
#[test]
fn rows_of_an_import_a_killed_run_left_unrecorded_are_deleted_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("programme.duckdb");
    let clicks = write(
        dir.path(),
        "clicks.csv",
        "click_id,clicked_at,partner_id,cookie_id\nk1,2026-07-01T10:00:00Z,alpha,c1\n",
    );
    {
        let store = Store::open(&db).unwrap();
        import(&store, &clicks, None).unwrap();
    }
    {
        let conn = duckdb::Connection::open(&db).unwrap();
        conn.execute_batch(
            "CREATE TABLE touches_old AS SELECT * EXCLUDE (source), source FROM touches;
             DROP TABLE touches;
             ALTER TABLE touches_old RENAME TO touches;
             ALTER TABLE touches ADD COLUMN reject_column VARCHAR;
             ALTER TABLE touches ADD COLUMN reject_reason VARCHAR;
             ALTER TABLE touches DROP COLUMN utm;
             ALTER TABLE touches ADD COLUMN utm_source VARCHAR;
             ALTER TABLE touches ADD COLUMN utm_medium VARCHAR;
             ALTER TABLE touches ADD COLUMN utm_campaign VARCHAR;
             ALTER TABLE touches ADD COLUMN utm_content VARCHAR;
             ALTER TABLE touches ADD COLUMN utm_term VARCHAR;
             UPDATE touches SET utm_source = 'a&b', utm_campaign = 'spring sale';
             UPDATE schema_version SET version = 2;
             INSERT INTO touches (touch_seq, import_id, line, touched_at, source, channel,
                                  click_id, url)
             VALUES (10, 0, 2, TIMESTAMP '2026-07-02 10:00:00', 'email', 'email', 's1', NULL),
                    (11, 2, 2, TIMESTAMP '2026-07-03 10:00:00', 'alpha', NULL, 'k2', NULL),
                    (12, 2, 3, TIMESTAMP '2026-07-03 11:00:00', 'alpha', NULL, 'k3', NULL),
                    (13, -2, 4, TIMESTAMP '1970-01-01', 'clicked_at', NULL, 'k4', 'expected …');",
        )
        .unwrap();
    }
    {
        let store = Store::open(&db).unwrap();
        assert_eq!(
            data_counts(&store).touches,
            2,
            "the import's and the scenario's"
        );
        assert_eq!(store.import_history().unwrap().len(), 1);
        assert_eq!(
            store.campaign_touches().unwrap(),
            vec![("spring sale".to_owned(), 1)]
        );
    }
    let conn = duckdb::Connection::open(&db).unwrap();
    let (version, old_columns, utm): (i64, i64, String) = conn
        .query_row(
            "SELECT (SELECT max(version) FROM schema_version),
                    (SELECT count(*) FROM pragma_table_info('touches')
                     WHERE name IN ('reject_column', 'reject_reason')
                        OR name LIKE 'utm\\_%' ESCAPE '\\'),
                    (SELECT utm FROM touches WHERE click_id = 'k1')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (version, old_columns, utm.as_str()),
        (
            partner_attribution::store::SCHEMA_VERSION,
            0,
            "utm_source=a%26b&utm_campaign=spring%20sale"
        )
    );
    let (stored_sources, sources): (i64, String) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM information_schema.columns
                     WHERE table_name = 'touches' AND column_name = 'source'
                       AND is_generated = 'NEVER'),
                    (SELECT string_agg(source, ',' ORDER BY touch_seq) FROM touches)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((stored_sources, sources.as_str()), (0, "alpha,email"));
}

/// A clicks file of several parts of DuckDB's reader (16 MB each for click rows) is read by both cores;
/// every touch still carries the line it came from, so the evidence window points at it.
#[test]
fn lines_stay_right_when_a_big_file_is_read_in_parallel() {
    let dir = generated_programme(11, 300_000);
    let store = Store::open_in_memory().unwrap();
    for file in ["partners.csv", "clicks.csv", "conversions.csv"] {
        import(&store, &dir.path().join(file), None).unwrap();
    }
    let clicks = std::fs::read_to_string(dir.path().join("clicks.csv")).unwrap();
    assert!(clicks.len() > 40_000_000, "{} bytes", clicks.len());
    let line_of: std::collections::HashMap<&str, usize> = clicks
        .lines()
        .enumerate()
        .filter_map(|(i, row)| Some((row.split(',').next().filter(|id| !id.is_empty())?, i + 1)))
        .collect();
    let conversions = std::fs::read_to_string(dir.path().join("conversions.csv")).unwrap();
    let mut checked = 0;
    // Conversions that kept a click id, spread over the file (each lookup is a query).
    let kept_a_click = conversions
        .lines()
        .skip(1)
        .filter(|row| row.split(',').nth(6).is_some_and(|c| !c.is_empty()));
    for row in kept_a_click.step_by(200) {
        let id = row.split(',').next().unwrap();
        let Some((_, touches)) = store.conversion_evidence(id).unwrap() else {
            continue;
        };
        for touch in touches {
            if let Some(line) = touch.click_id.as_deref().and_then(|c| line_of.get(c)) {
                assert_eq!(touch.file_line, format!("clicks.csv:{line}"));
                checked += 1;
            }
        }
    }
    assert!(checked > 30, "only {checked} touches checked");
}

/// The store says which long part of an import runs, so the window's bar can move once
/// from reading the file to storing its rows; afterwards it says neither.
#[test]
fn an_import_reports_reading_then_storing() {
    use partner_attribution::store::ImportPhase;
    let dir = generated_programme(7, 200_000);
    let store = Store::open_in_memory().unwrap();
    let probe = store.query_probe();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let done = done.clone();
        std::thread::Builder::new()
            .name("phase watcher".to_owned())
            .spawn(move || {
                let mut seen = vec![probe.phase()];
                while !done.load(std::sync::atomic::Ordering::SeqCst) {
                    let phase = probe.phase();
                    if seen.last() != Some(&phase) {
                        seen.push(phase);
                    }
                    std::thread::sleep(std::time::Duration::from_micros(200));
                }
                seen
            })
            .expect("spawning the phase watcher thread")
    };
    import(&store, &dir.path().join("clicks.csv"), None).unwrap();
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let seen = watcher.join().unwrap();
    let long_parts: Vec<ImportPhase> = seen
        .into_iter()
        .filter(|p| *p != ImportPhase::Other)
        .collect();
    assert_eq!(
        long_parts,
        vec![ImportPhase::ReadingFile, ImportPhase::StoringRows]
    );
    assert_eq!(store.query_probe().phase(), ImportPhase::Other);
}

/// Guards the trim of staged text: padded values are stored without their spaces (ASCII and
/// Unicode ones such as a spreadsheet's no-break space), and a value of spaces only counts as
/// empty (here: cookies that link nothing).
#[test]
fn padded_values_are_trimmed_and_blank_ones_are_empty() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_memory().unwrap();
    let clicks = write(
        dir.path(),
        "clicks.csv",
        "clicked_at,partner_id,channel,cookie_id\n 2026-07-01T10:00:00Z ,  alpha ,,   \n\
         2026-07-01T11:00:00Z,beta,, c1\n\
         2026-07-01T12:00:00Z,\u{a0}gamma\u{a0},,\u{3000}\n",
    );
    let conversions = write(
        dir.path(),
        "conversions.csv",
        "conversion_id,converted_at,revenue,cookie_id\n  o9  ,2026-07-02T10:00:00Z, 5.00 ,c1   \n",
    );
    import(&store, &clicks, Some(FileKind::Clicks)).unwrap();
    import(&store, &conversions, Some(FileKind::Conversions)).unwrap();
    let index = JourneyIndex::build(&store).unwrap();
    let ids: Vec<&str> = index.sources.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        ["alpha", "beta", "gamma"],
        "no-break spaces trimmed too"
    );
    assert_eq!(index.conversions[0].conversion_id, "o9");
    assert_eq!(index.conversions[0].revenue, 5.0);
    let journey: Vec<u32> = index
        .touch_range(0)
        .map(|p| index.touch(p).source_id)
        .collect();
    assert_eq!(
        journey,
        [1],
        "only beta's click shares the trimmed cookie c1"
    );
}

/// An event log may carry its conversions' own ids and currency, the touch's link, click id,
/// logged-in user and browser: a flagged row without a source is a conversion only (no touch
/// of its own), a row that is neither is rejected, and an id repeated in the file is rejected
/// naming the line it is already on.
#[test]
fn event_logs_take_conversion_ids_currency_and_links() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_memory().unwrap();
    let events = "customer_id,time,channel,conversion,value,conversion_id,currency,url,user_id\n\
                  u1,2026-07-01T10:00:00Z,Facebook,0,,,,,\n\
                  u1,2026-07-01T11:00:00Z,,1,20,T-1,eur,,cust-1\n\
                  u1,2026-07-01T12:00:00Z,,1,20,T-1,eur,,cust-1\n\
                  u2,2026-07-02T10:00:00Z,,0,,,,,\n";
    let path = write(dir.path(), "log.csv", events);
    let request = ImportRequest {
        path,
        kind: Some(FileKind::Events),
        columns: ColumnMap::parse("user=customer_id,source=channel").unwrap(),
    };
    let outcome = import_file(&store, &request, &ImportSettings::default()).unwrap();
    let record = outcome.record();
    assert_eq!((record.rows_accepted, record.rows_rejected), (2, 2));
    let reasons: Vec<String> = rejects_of(&store).into_iter().map(|r| r.2).collect();
    assert!(
        reasons[0].contains("duplicate conversion_id 'T-1': already on line 3 of this file"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].contains("expected a source or channel, found an empty value"),
        "{reasons:?}"
    );
    let counts = data_counts(&store);
    assert_eq!((counts.touches, counts.conversions), (1, 1));
    let index = JourneyIndex::build(&store).unwrap();
    assert_eq!(index.conversions[0].conversion_id, "T-1");
}
