//! The hostile-file corpus: files a partner or a platform could send, generated here (no
//! binaries checked in). Each is imported into a real programme database; each is either
//! refused with a message naming the file, or stored with its bad rows in rejects (line,
//! column, reason). A digest of every table before and after shows that a refused file
//! changed nothing and that a stored one added only its own rows (removing the import gives
//! the digest back). Nothing is created outside the database's folder.

mod common;

use std::path::{Path, PathBuf};

use partner_attribution::import::{
    ColumnMap, FileKind, ImportOutcome, ImportRequest, ImportSettings, import_file,
};
use partner_attribution::store::Store;

/// What a case must do.
enum Expect {
    /// Refused: the message holds every fragment and ends with the file.
    Refused(&'static [&'static str]),
    /// Stored: rows accepted, and the rejects as (line, column, a fragment of the reason).
    Stored {
        accepted: i64,
        rejects: &'static [(Option<i64>, Option<&'static str>, &'static str)],
    },
}

/// One file of the corpus.
struct Case {
    name: String,
    bytes: Vec<u8>,
    kind: Option<FileKind>,
    columns: Option<&'static str>,
    expect: Expect,
}

fn case(name: &str, bytes: impl Into<Vec<u8>>, expect: Expect) -> Case {
    Case {
        name: name.to_owned(),
        bytes: bytes.into(),
        kind: None,
        columns: None,
        expect,
    }
}

const CONVERSIONS_HEADER: &str = "conversion_id,converted_at,revenue";

/// A conversions file of `rows` (`id,time,revenue` lines).
fn conversions(rows: &[&str]) -> String {
    let mut text = format!("{CONVERSIONS_HEADER}\n");
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    text
}

/// Deterministic bytes (a linear congruential generator), for the random-bytes case.
fn random_bytes(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as u8
        })
        .collect()
}

fn utf16_with_bom(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xff, 0xfe];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    bytes
}

/// A Parquet file written by DuckDB from `select` (the hostile names are the test's own
/// text, quoted here).
fn parquet(dir: &Path, select: &str) -> Vec<u8> {
    let path = dir.join("scratch.parquet");
    duckdb::Connection::open_in_memory()
        .unwrap()
        .execute(
            &format!("COPY ({select}) TO '{}' (FORMAT parquet)", path.display()),
            [],
        )
        .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    bytes
}

fn gzip(dir: &Path, text: &str) -> Vec<u8> {
    let plain = dir.join("scratch.csv");
    std::fs::write(&plain, text).unwrap();
    let packed = dir.join("scratch.csv.gz");
    duckdb::Connection::open_in_memory()
        .unwrap()
        .execute(
            &format!(
                "COPY (SELECT * FROM read_csv('{}', all_varchar = true, header = false, \
                 delim = '\\t', quote = '', escape = '')) TO '{}' \
                 (FORMAT csv, HEADER false, QUOTE '', COMPRESSION gzip)",
                plain.display(),
                packed.display()
            ),
            [],
        )
        .unwrap();
    let bytes = std::fs::read(&packed).unwrap();
    std::fs::remove_file(&plain).unwrap();
    std::fs::remove_file(&packed).unwrap();
    bytes
}

/// The corpus.
fn corpus(dir: &Path) -> Vec<Case> {
    use Expect::{Refused, Stored};
    let unknown: &[&str] = &["cannot tell what kind of export this is"];
    let mut cases = vec![
        // SQL in header cells.
        case(
            "drop_in_header.csv",
            "\"x': 'VARCHAR'}); DROP TABLE partners; --\",b\n1,2\n",
            Refused(unknown),
        ),
        case(
            "copy_to_in_header.csv",
            "\"a': 'VARCHAR'}); COPY (SELECT 42) TO 'pwned.csv'; --\",b\n1,2\n",
            Refused(unknown),
        ),
        case(
            "drop_in_extra_header.csv",
            format!(
                "{CONVERSIONS_HEADER},\"x\"\"); DROP TABLE conversions; --\"\n\
                 h1,2026-07-01T10:00:00Z,5.00,a\nh2,2026-07-01T11:00:00Z,6.00,b\n"
            ),
            Stored {
                accepted: 2,
                rejects: &[],
            },
        ),
        case(
            "drop_in_required_header.csv",
            "conversion_id,converted_at,\"revenue'); DROP TABLE partners; --\"\n\
             h3,2026-07-01T10:00:00Z,5\n",
            Refused(&["missing required column `revenue`"]),
        ),
        // SQL in values.
        case(
            "drop_in_values.csv",
            conversions(&[
                "\"'); DROP TABLE partners; --\",2026-07-01T10:00:00Z,5",
                "h4,2026-07-01T10:00:00Z,\"1); DROP TABLE conversions; --\"",
            ]),
            Stored {
                accepted: 1,
                rejects: &[(Some(3), Some("revenue"), "expected a number like 49.90")],
            },
        ),
        case(
            "copy_to_in_values.csv",
            "clicked_at,url\n2026-07-01T10:00:00Z,\"x'); COPY (SELECT 1) TO 'pwned2.csv'; --\"\n\
             2026-07-01T10:00:00Z,https://shop.example/?ref=p1\n",
            Stored {
                accepted: 1,
                rejects: &[(Some(2), Some("partner_id"), "has none")],
            },
        ),
        // SQL in file names: the whole name, a glob, quotes, a line break.
        case(
            "x'); DROP TABLE partners; --.csv",
            conversions(&["h5,2026-07-01T10:00:00Z,5"]),
            Stored {
                accepted: 1,
                rejects: &[],
            },
        ),
        case(
            "clicks*[1]?.csv",
            conversions(&["h6,2026-07-01T10:00:00Z,5"]),
            Stored {
                accepted: 1,
                rejects: &[],
            },
        ),
        case(
            "it's \"quoted\"\nand broken.csv",
            conversions(&["h7,2026-07-01T10:00:00Z,5"]),
            Stored {
                accepted: 1,
                rejects: &[],
            },
        ),
        // Bytes that are not text.
        case(
            "random.csv",
            random_bytes(65_536, 7),
            Refused(&["not a CSV or Parquet file"]),
        ),
        case(
            "utf16.csv",
            utf16_with_bom(&conversions(&["h8,2026-07-01T10:00:00Z,5"])),
            Refused(&["UTF-16", "expected UTF-8"]),
        ),
        case(
            "nul_in_value.csv",
            conversions(&["h9\0x,2026-07-01T10:00:00Z,5", "h10,2026-07-01T10:00:00Z,6"]),
            Stored {
                accepted: 2,
                rejects: &[],
            },
        ),
        case(
            "invalid_utf8.csv",
            [
                conversions(&["h11,2026-07-01T10:00:00Z,5"]).as_bytes(),
                b"h\xff\xfe12,2026-07-01T10:00:00Z,6\n",
                b"h13,2026-07-01T10:00:00Z,7\n",
            ]
            .concat(),
            Stored {
                accepted: 2,
                rejects: &[(Some(3), Some("conversion_id"), "expected UTF-8 text")],
            },
        ),
        // Headers.
        case(
            "wide_unknown.csv",
            {
                let names: Vec<String> = (0..10_000).map(|i| format!("col{i}")).collect();
                format!("{}\n{}\n", names.join(","), vec!["1"; 10_000].join(","))
            },
            Refused(&["col0, col1", "and 9,988 more"]),
        ),
        case(
            "wide_conversions.csv",
            {
                let names: Vec<String> = (3..10_000).map(|i| format!("extra{i}")).collect();
                let values = vec!["x"; 9_997].join(",");
                format!(
                    "{CONVERSIONS_HEADER},{}\nh14,2026-07-01T10:00:00Z,5,{values}\n",
                    names.join(",")
                )
            },
            Stored {
                accepted: 1,
                rejects: &[],
            },
        ),
        case(
            "duplicate_header.csv",
            "conversion_id,converted_at,revenue,revenue\nh15,2026-07-01T10:00:00Z,5,9\n",
            Stored {
                accepted: 1,
                rejects: &[],
            },
        ),
        case(
            "empty_header_names.csv",
            "conversion_id,,converted_at,revenue,\nh16,a,2026-07-01T10:00:00Z,5,b\n",
            Stored {
                accepted: 1,
                rejects: &[],
            },
        ),
        case(
            "header_only.csv",
            format!("{CONVERSIONS_HEADER}\n"),
            Stored {
                accepted: 0,
                rejects: &[],
            },
        ),
        case("whitespace_only.csv", "   \n  \n", Refused(unknown)),
        // Lines.
        case(
            "long_line.csv",
            format!(
                "{CONVERSIONS_HEADER}\nh17,2026-07-01T10:00:00Z,{}\nh18,2026-07-01T10:00:00Z,6\n",
                "9".repeat(50 << 20)
            ),
            Refused(&["line 2 is 52,4", "bytes long", "at most 2,000,000 bytes"]),
        ),
        case(
            "long_line_read.csv",
            {
                let rows: Vec<String> = (0..25_000)
                    .map(|i| format!("l{i},2026-07-01T10:00:00Z,5"))
                    .collect();
                format!(
                    "{CONVERSIONS_HEADER}\n{}\nlong,2026-07-01T10:00:00Z,{}\nafter,2026-07-01T10:00:00Z,x\n",
                    rows.join("\n"),
                    "9".repeat(3 << 20)
                )
            },
            // A file of many lines is read with a buffer of several row groups, and DuckDB
            // takes lines up to the buffer: the 3 MB value is read, and is no number.
            Stored {
                accepted: 25_000,
                rejects: &[
                    (Some(25_002), Some("revenue"), "expected a number"),
                    (Some(25_003), Some("revenue"), "found 'x'"),
                ],
            },
        ),
        case(
            "long_line_dropped.csv",
            {
                // Long rows first (fewer than 1,000 lines in the first 4 MB: DuckDB's default
                // buffer and 2 MB longest line), then more rows than the sniffer's sample,
                // then a 3 MB line, which DuckDB's reader drops without a word.
                let note = "n".repeat(5_000);
                let wide: Vec<String> = (0..900)
                    .map(|i| format!("w{i},2026-07-01T10:00:00Z,5,{note}"))
                    .collect();
                let short: Vec<String> = (0..21_000)
                    .map(|i| format!("s{i},2026-07-01T10:00:00Z,5,"))
                    .collect();
                format!(
                    "{CONVERSIONS_HEADER},note\n{}\n{}\nlong,2026-07-01T10:00:00Z,5,{}\nafter,2026-07-01T10:00:00Z,x,\n",
                    wide.join("\n"),
                    short.join("\n"),
                    "9".repeat(3 << 20)
                )
            },
            Stored {
                accepted: 21_900,
                rejects: &[
                    (
                        Some(21_902),
                        None,
                        "expected a line of at most 2,000,000 bytes",
                    ),
                    (Some(21_903), Some("revenue"), "found 'x'"),
                ],
            },
        ),
        case(
            "cr_only.csv",
            "conversion_id,converted_at,revenue\rh19,2026-07-01T10:00:00Z,5\rh20,2026-07-01T11:00:00Z,6\r",
            Stored {
                accepted: 2,
                rejects: &[],
            },
        ),
        case(
            "unterminated_quote.csv",
            conversions(&[
                "h21,2026-07-01T10:00:00Z,5",
                "\"h22,2026-07-01T10:00:00Z,6",
                "h23,2026-07-01T10:00:00Z,7",
            ]),
            Stored {
                accepted: 1,
                rejects: &[(Some(3), Some("conversion_id"), "quoted field is not closed")],
            },
        ),
        case(
            "quoted_line_breaks.csv",
            "partner_id,reported_at,reference\n\
             p1,2026-07-01T10:00:00Z,\"order\nh24\nsee note\"\n\
             p1,2026-07-02T10:00:00Z,h25\n\
             p1,not a date,h26\n\
             p1,2026-07-03T10:00:00Z,\"two\r\nlines\"\n\
             ,2026-07-04T10:00:00Z,h27\n",
            Stored {
                accepted: 3,
                rejects: &[
                    (Some(6), Some("reported_at"), "expected a timestamp"),
                    (Some(9), Some("partner_id"), "expected a partner id"),
                ],
            },
        ),
        case(
            "blank_lines.csv",
            "conversion_id,converted_at,revenue\n\nh28,2026-07-01T10:00:00Z,5\n\n\nh29,2026-07-01T10:00:00Z,x\n",
            Stored {
                accepted: 1,
                rejects: &[(Some(6), Some("revenue"), "expected a number")],
            },
        ),
        // Numbers and dates.
        case(
            "numbers.csv",
            conversions(&[
                "h30,2026-07-01T10:00:00Z,1e308",
                "h31,2026-07-01T10:00:00Z,-0",
                "h32,2026-07-01T10:00:00Z,NaN",
                "h33,2026-07-01T10:00:00Z,\"1,234.56\"",
                "h34,2026-07-01T10:00:00Z,-50",
                "h35,2026-07-01T10:00:00Z,inf",
            ]),
            Stored {
                accepted: 2,
                rejects: &[
                    (Some(4), Some("revenue"), "found 'NaN'"),
                    (Some(5), Some("revenue"), "found '1,234.56'"),
                    (Some(6), Some("revenue"), "0 or more"),
                    (Some(7), Some("revenue"), "found 'inf'"),
                ],
            },
        ),
        case(
            "commission.csv",
            "partner_id,name,commission\nq1,Q One,12%%\nq2,Q Two,12%\n",
            Stored {
                accepted: 1,
                rejects: &[(Some(2), Some("commission"), "found '12%%'")],
            },
        ),
        case(
            "dates.csv",
            conversions(&[
                "h36,0000-01-01T00:00:00Z,5",
                "h37,9999-12-31T23:59:59Z,5",
                "h38,2026-02-30T10:00:00Z,5",
            ]),
            Stored {
                accepted: 1,
                rejects: &[
                    (Some(2), Some("converted_at"), "expected a timestamp"),
                    (Some(4), Some("converted_at"), "expected a timestamp"),
                ],
            },
        ),
        case(
            "huge_id.csv",
            format!(
                "{CONVERSIONS_HEADER}\n{},2026-07-01T10:00:00Z,5\n",
                "i".repeat(100_000)
            ),
            Stored {
                accepted: 1,
                rejects: &[],
            },
        ),
        // Other containers and dialects.
        case(
            "hostile.parquet",
            parquet(
                dir,
                "SELECT 'h39' AS conversion_id, '2026-07-01T10:00:00Z' AS converted_at, \
                 5 AS revenue, 1 AS \"x\"\"); DROP TABLE partners; --\"",
            ),
            Stored {
                accepted: 1,
                rejects: &[],
            },
        ),
        case(
            "hostile.csv.gz",
            gzip(dir, "\"x': 'VARCHAR'}); DROP TABLE partners; --\",b\n1,2\n"),
            Refused(unknown),
        ),
        case(
            "semicolons.csv",
            "\u{feff}conversion_id;converted_at;revenue\r\n\
             \"'; DROP TABLE rejects; --\";2026-07-01T10:00:00Z;5\r\n",
            Stored {
                accepted: 1,
                rejects: &[],
            },
        ),
        case(
            "rows_do_not_match.csv",
            "conversion_id,converted_at,revenue\nh40;2026-07-01T10:00:00Z;5\nh41;2026-07-01T10:00:00Z;6\n",
            Refused(&["no row has the header's 3 fields"]),
        ),
        case(
            "control_characters_in_header.csv",
            "\u{1b}[31mred\u{7},b\n1,2\n",
            Refused(unknown),
        ),
    ];
    // SQL in a user's column mapping: the names are compared, never run.
    let mut mapped = case(
        "mapped_events.csv",
        "u,\"t'); DROP TABLE touches; --\",s,c,v\nuser1,2026-07-01T10:00:00Z,organic,0,\n\
         user1,2026-07-01T11:00:00Z,organic,1,9.5\n",
        Stored {
            accepted: 2,
            rejects: &[],
        },
    );
    mapped.columns = Some("user=u,time=t'); DROP TABLE touches; --,source=s,conversion=c,value=v");
    cases.push(mapped);
    let mut unmatched = case(
        "unmatched_mapping.csv",
        "u,t,s,c,v\nuser2,2026-07-01T10:00:00Z,organic,0,\n",
        Refused(&["missing required column `time`"]),
    );
    unmatched.kind = Some(FileKind::Events);
    unmatched.columns = Some("user=u,time=x'); DROP TABLE touches; --,source=s");
    cases.push(unmatched);
    cases
}

/// Imports the programme's own files first, so that every table has rows to lose.
fn seeded_store(dir: &Path) -> Store {
    let store = Store::open(&dir.join("programme.duckdb")).unwrap();
    let files = [
        (
            "partners.csv",
            "partner_id,name,commission,coupon_codes\np1,Partner One,10%,SAVE10\n",
        ),
        (
            "clicks.csv",
            "clicked_at,url,cookie_id\n2026-06-30T10:00:00Z,https://shop.example/?ref=p1,k1\n",
        ),
        (
            "orders.csv",
            "conversion_id,converted_at,revenue,cookie_id\no1,2026-07-01T10:00:00Z,100,k1\n",
        ),
        (
            "leads.csv",
            "partner_id,reported_at,reference\np1,2026-07-01T12:00:00Z,o1\n",
        ),
    ];
    for (name, text) in files {
        let path = common::write(dir, name, text);
        common::import(&store, &path, None).unwrap();
    }
    store
}

/// Every entry below `dir` (relative paths), to show what an import created.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        found.push(path.strip_prefix(dir).unwrap().to_path_buf());
        if path.is_dir() {
            found.extend(
                entries(&path)
                    .into_iter()
                    .map(|p| path.strip_prefix(dir).unwrap().join(p)),
            );
        }
    }
    found.sort();
    found
}

/// Our scratch folders for reading a file, left in the temporary folder.
fn reader_folders_left() -> Vec<PathBuf> {
    let prefix = format!("partner-attribution-import-{}-", std::process::id());
    std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect()
}

fn request(path: &Path, case: &Case) -> ImportRequest {
    ImportRequest {
        path: path.to_path_buf(),
        kind: case.kind,
        columns: case
            .columns
            .map(|c| ColumnMap::parse(c).unwrap())
            .unwrap_or_default(),
    }
}

/// Runs one case against `store`; returns a line for the report.
fn run_case(store: &Store, files: &Path, case: &Case) -> String {
    let path = files.join(&case.name);
    std::fs::write(&path, &case.bytes).unwrap();
    let before = store.contents_digest().unwrap();
    let result = import_file(store, &request(&path, case), &ImportSettings::default());
    let outcome = match (&case.expect, result) {
        (Expect::Refused(fragments), Err(error)) => {
            let message = error.to_string();
            for fragment in *fragments {
                assert!(
                    message.contains(fragment),
                    "{}: {message:?} lacks {fragment:?}",
                    case.name
                );
            }
            assert!(
                message.ends_with(&format!("({})", path.display())),
                "{}: {message:?} should end with the file",
                case.name
            );
            assert_eq!(
                store.contents_digest().unwrap(),
                before,
                "{}: refused but changed",
                case.name
            );
            format!("refused: {}", message.lines().next().unwrap_or_default())
        }
        (Expect::Stored { accepted, rejects }, Ok(ImportOutcome::Imported(record))) => {
            assert_eq!(
                record.rows_accepted, *accepted,
                "{}: accepted rows",
                case.name
            );
            let stored = store.rejects_of_import(record.import_id, 100).unwrap();
            let found: Vec<_> = stored
                .iter()
                .map(|r| (r.line, r.column.clone(), r.reason.clone()))
                .collect();
            assert_eq!(
                stored.len(),
                rejects.len(),
                "{}: rejects {found:?}",
                case.name
            );
            for (line, column, reason) in *rejects {
                assert!(
                    stored.iter().any(|r| r.line == *line
                        && r.column.as_deref() == *column
                        && r.reason.contains(reason)),
                    "{}: no reject ({line:?}, {column:?}, {reason:?}) in {found:?}",
                    case.name
                );
            }
            assert_eq!(record.rows_rejected, rejects.len() as i64, "{}", case.name);
            let removed = store.remove_import(record.import_id).unwrap();
            assert_eq!(
                store.contents_digest().unwrap(),
                before,
                "{}: removing the import ({removed}) did not give the database back",
                case.name
            );
            format!("stored {accepted} rows, {} rejected", rejects.len())
        }
        (_, Ok(outcome)) => panic!("{}: unexpected outcome {outcome:?}", case.name),
        (_, Err(error)) => panic!("{}: unexpected error {error}", case.name),
    };
    std::fs::remove_file(&path).unwrap();
    outcome
}

/// Every file of the corpus is refused or stored as expected, the database unchanged apart
/// from what the file legitimately added, and nothing written outside the database's folder.
#[test]
fn the_hostile_corpus_changes_nothing_it_should_not() {
    let root = tempfile::tempdir().unwrap();
    let db_dir = root.path().join("db");
    let files = root.path().join("files");
    std::fs::create_dir_all(&db_dir).unwrap();
    std::fs::create_dir_all(&files).unwrap();
    let store = seeded_store(&db_dir);
    let cases = corpus(&files);
    assert!(cases.len() >= 30, "the corpus has {} files", cases.len());
    let cwd = std::env::current_dir().unwrap();
    let cwd_before = entries(&cwd);
    let db_before = entries(&db_dir);
    let mut report = Vec::new();
    let mut failed = Vec::new();
    for case in &cases {
        eprintln!("case {}", case.name.escape_debug());
        // Every case runs and reports, so one failure does not hide the others.
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_case(&store, &files, case)
        }));
        match run {
            Ok(outcome) => report.push(format!("{:<36} {outcome}", case.name.escape_debug())),
            Err(_) => failed.push(case.name.escape_debug().to_string()),
        }
    }
    println!("{}", report.join("\n"));
    assert!(failed.is_empty(), "cases failed: {failed:?}");
    assert_eq!(
        entries(&cwd),
        cwd_before,
        "files appeared in the working folder"
    );
    assert!(
        entries(&files).is_empty(),
        "files appeared beside the imported ones"
    );
    let db_after: Vec<_> = entries(&db_dir)
        .into_iter()
        .filter(|p| !p.to_string_lossy().ends_with(".wal"))
        .collect();
    let db_before: Vec<_> = db_before
        .into_iter()
        .filter(|p| !p.to_string_lossy().ends_with(".wal"))
        .collect();
    assert_eq!(db_after, db_before, "files appeared beside the database");
    assert!(
        reader_folders_left().is_empty(),
        "scratch folders left behind"
    );
    assert_eq!(
        store.counts().unwrap().partners,
        1,
        "the partners table lost its rows"
    );
}

/// The header of the issue's report, once more on its own: it used to drop `partners`.
#[test]
fn a_header_cell_holding_sql_does_not_drop_a_table() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let before = store.contents_digest().unwrap();
    let path = common::write(
        dir.path(),
        "hostile.csv",
        "\"x': 'VARCHAR'}); DROP TABLE partners; --\",b\n1,2\n",
    );
    let error = common::import(&store, &path, None).unwrap_err();
    assert!(
        error.to_string().contains("cannot tell what kind"),
        "{error}"
    );
    assert_eq!(store.contents_digest().unwrap(), before);
    let partners = common::write(
        dir.path(),
        "partners2.csv",
        "partner_id,name,commission\np2,Partner Two,5%\n",
    );
    common::import(&store, &partners, None).unwrap();
    assert_eq!(store.counts().unwrap().partners, 2);
}
