//! The built binary on the real si05 event log and on the shipped sample programme.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use common::{repo, si05_dir};
use partner_attribution::attribution::CreditRow;
use partner_attribution::store::Store;

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_partner-attribution"))
}

fn run(args: &[&str]) -> Output {
    let output = binary().args(args).output().expect("running the binary");
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// Parses `compare --format csv` output (no quoted fields in these data sets).
fn parse_compare_csv(text: &str) -> Vec<CreditRow> {
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("source,model,conversions,revenue,payout")
    );
    lines
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 5, "{line}");
            CreditRow {
                source: f[0].to_owned(),
                model: f[1].to_owned(),
                conversions: f[2].parse().unwrap(),
                revenue: f[3].parse().unwrap(),
                payout: f[4].parse().unwrap(),
            }
        })
        .collect()
}

fn import_si05(db: &Path) {
    let events = si05_dir().join("events.csv");
    let output = run(&[
        "import",
        "--db",
        db.to_str().unwrap(),
        "--kind",
        "events",
        "--columns",
        "user=customer_id,time=time,source=channel,conversion=conversion,value=conversion_value",
        events.to_str().unwrap(),
    ]);
    let text = stdout(&output);
    assert!(
        text.contains("imported 62,483 events rows, rejected 0"),
        "{text}"
    );
}

#[test]
fn si05_matches_the_four_public_tools_to_1e_6() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("si05.duckdb");
    import_si05(&db);
    let output = run(&[
        "compare",
        "--db",
        db.to_str().unwrap(),
        "--window-days",
        "unlimited",
        "--reset-after-conversion",
        "--format",
        "csv",
    ]);
    let ours = parse_compare_csv(&stdout(&output));
    assert_eq!(ours.len(), 15, "five channels × three models");
    let expected = std::fs::read_to_string(si05_dir().join("expected_peers.csv")).unwrap();
    let mut checked = 0;
    for line in expected.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (channel, model) = (f[0], f[1]);
        let (conversions, value): (f64, f64) = (f[2].parse().unwrap(), f[3].parse().unwrap());
        let row = ours
            .iter()
            .find(|r| r.source == channel && r.model == model)
            .unwrap_or_else(|| panic!("no {channel}/{model}"));
        assert!(
            (row.conversions - conversions).abs() < 1e-6,
            "{channel}/{model} conversions {} vs {conversions}",
            row.conversions
        );
        assert!(
            (row.revenue - value).abs() < 1e-6,
            "{channel}/{model} value {} vs {value}",
            row.revenue
        );
        assert_eq!(row.payout, 0.0, "channels earn no payout");
        checked += 1;
    }
    assert_eq!(checked, 15);
}

#[test]
fn compare_prints_csv_json_and_an_aligned_table_on_the_sample_programme() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sample.duckdb");
    let db_arg = db.to_str().unwrap().to_owned();
    let sample = repo().join("sample-data");
    let files: Vec<String> = ["partners.csv", "clicks.csv", "conversions.csv"]
        .iter()
        .map(|f| sample.join(f).to_str().unwrap().to_owned())
        .collect();
    let mut args = vec!["import", "--db", &db_arg];
    args.extend(files.iter().map(String::as_str));
    let text = stdout(&run(&args));
    assert!(text.contains("partners.csv: imported"), "{text}");
    assert!(text.contains("conversions.csv: imported"), "{text}");

    let csv = stdout(&run(&[
        "compare",
        "--db",
        &db_arg,
        "--window-days",
        "30",
        "--format",
        "csv",
    ]));
    let rows = parse_compare_csv(&csv);
    let store = Store::open(&db).unwrap();
    let settings = common::settings(Some(30), false, false);
    // The CSV carries six decimals (no float noise for spreadsheets).
    common::assert_rows_agree(&rows, &store.sql_credit_rows(&settings).unwrap(), 1e-6);
    assert!(
        csv.lines().skip(1).all(|line| line
            .rsplit(',')
            .take(3)
            .all(|n| n.split('.').nth(1).is_none_or(|d| d.len() <= 6))),
        "numbers with at most six decimals"
    );
    let partner_payout: f64 = rows
        .iter()
        .filter(|r| r.model == "last")
        .map(|r| r.payout)
        .sum();
    assert!(partner_payout > 0.0, "the sample programme pays partners");
    drop(store);

    let json = stdout(&run(&["compare", "--db", &db_arg, "--format", "json"]));
    let parsed: Vec<BTreeMap<String, serde_json::Value>> = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed.len(), rows.len());
    assert_eq!(parsed[0]["source"], rows[0].source.as_str());
    assert_eq!(parsed[0]["model"], "first");

    let table = stdout(&run(&["compare", "--db", &db_arg]));
    assert!(
        table.contains("First touch") && table.contains("Last touch") && table.contains("Linear"),
        "{table}"
    );
    assert!(
        table.contains("Total credited") && table.contains("Unattributed"),
        "{table}"
    );
    let widths: Vec<usize> = table
        .lines()
        .filter(|l| l.matches('$').count() >= 6)
        .map(|l| l.chars().count())
        .collect();
    assert!(
        widths.windows(2).all(|w| w[0] == w[1]),
        "rows are aligned: {widths:?}"
    );
}

#[test]
fn every_command_has_help() {
    for command in [
        vec!["--help"],
        vec!["import", "--help"],
        vec!["compare", "--help"],
        vec!["sample", "--help"],
        vec!["sweep", "--help"],
        vec!["bench", "--help"],
        vec!["leakage", "--help"],
        vec!["explain", "--help"],
        vec!["payouts", "--help"],
        vec!["signoff", "--help"],
        vec!["audit", "--help"],
    ] {
        let text = stdout(&run(&command));
        assert!(text.contains("Usage:"), "{command:?}: {text}");
    }
    let text = stdout(&run(&["compare", "--help"]));
    assert!(
        text.contains("--window-days")
            && text.contains("--partners-only")
            && text.contains("--reset-after-conversion")
    );
}

#[test]
fn errors_are_printed_once_with_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.duckdb");
    let bad = common::write(
        dir.path(),
        "orders.csv",
        "conversion_id,converted_at\no1,2026-07-01\n",
    );
    let output = binary()
        .args([
            "import",
            "--db",
            db.to_str().unwrap(),
            "--kind",
            "conversions",
            bad.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.matches("error:").count(), 1, "{stderr}");
    assert!(
        stderr.contains("missing required column `revenue`") && stderr.contains("orders.csv"),
        "{stderr}"
    );

    let output = binary()
        .args([
            "compare",
            "--db",
            dir.path().join("none.duckdb").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no database at"));
}

#[test]
fn the_shipped_sample_is_what_the_generator_writes() {
    let dir = tempfile::tempdir().unwrap();
    run(&["sample", "--out", dir.path().to_str().unwrap()]);
    for file in [
        "partners.csv",
        "clicks.csv",
        "conversions.csv",
        "leads.csv",
        "truth.csv",
    ] {
        let generated = std::fs::read(dir.path().join(file)).unwrap();
        let shipped = std::fs::read(repo().join("sample-data").join(file)).unwrap();
        assert!(
            generated == shipped,
            "sample-data/{file} differs from `sample --out` with the default seed"
        );
    }
}

#[test]
fn bench_smoke_test_agrees_with_sql() {
    let output = run(&["bench", "--clicks", "20000"]);
    let text = stdout(&output);
    let summary = text.lines().last().unwrap_or_default();
    assert!(
        summary.starts_with("summary:") && summary.contains("agree: yes"),
        "{text}"
    );
    let json = stdout(&run(&["bench", "--clicks", "20000", "--format", "json"]));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    for key in [
        "clicks",
        "conversions",
        "candidate_touches",
        "import_secs",
        "duckdb_read_csv_secs",
        "import_ratio",
        "index_secs",
        "bytes_per_touch",
        "recompute_ms",
        "sql_recompute_ms",
        "recompute_speedup",
        "sweep_ms",
        "sweep_to_recompute",
        "peak_rss_mb",
        "agree",
    ] {
        assert!(report.get(key).is_some(), "bench JSON lacks {key}: {json}");
    }
    assert_eq!(report["agree"], true);
    assert_eq!(report["clicks"], 20000);
    assert!(report["bytes_per_touch"].as_f64().unwrap() <= 24.0);
}

#[test]
fn sweep_prints_every_window_for_every_source_and_model() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("si05.duckdb");
    import_si05(&db);
    let csv = stdout(&run(&[
        "sweep",
        "--db",
        db.to_str().unwrap(),
        "--max-days",
        "10",
        "--reset-after-conversion",
        "--format",
        "csv",
    ]));
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("window_days,source,model,conversions,revenue,payout")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(
        rows.len(),
        11 * 15,
        "windows 1..=10 and unlimited, 5 channels, 3 models"
    );
    let unlimited_paid_last = rows
        .iter()
        .find(|l| l.starts_with("unlimited,Paid Search,last,"))
        .unwrap();
    let fields: Vec<f64> = unlimited_paid_last
        .split(',')
        .skip(3)
        .map(|f| f.parse().unwrap())
        .collect();
    assert!(
        (fields[0] - 457.0).abs() < 1e-6 && (fields[1] - 2807.5).abs() < 1e-6,
        "{unlimited_paid_last}"
    );
}

/// The sample programme imported with `ref,via` links configured, as its README says.
fn sample_database(dir: &Path) -> String {
    let db = dir.join("sample.duckdb").to_str().unwrap().to_owned();
    let sample = repo().join("sample-data");
    let files: Vec<String> = ["partners.csv", "clicks.csv", "conversions.csv", "leads.csv"]
        .iter()
        .map(|f| sample.join(f).to_str().unwrap().to_owned())
        .collect();
    let mut args = vec!["import", "--db", &db, "--ref-params", "ref,via"];
    args.extend(files.iter().map(String::as_str));
    run(&args);
    db
}

#[test]
fn leakage_prints_causes_by_cause_partner_and_month() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_database(dir.path());
    let csv = stdout(&run(&["leakage", "--db", &db, "--format", "csv"]));
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("cause,conversions,revenue,payout"));
    let counts: BTreeMap<String, f64> = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_owned(), f[1].parse().unwrap())
        })
        .collect();
    // The sample's truth.csv: 38 expired, 76 capped, 52 device switches, 55 broken
    // redirects, 35 missing cookies, 51 direct after click, 76 coupon only.
    let expected = [
        ("cookie_expired", 38.0),
        ("browser_cap", 76.0),
        ("device_switch", 52.0),
        ("broken_redirect", 55.0),
        ("cookie_missing", 35.0),
        ("direct_after_click", 51.0),
        ("coupon_only", 76.0),
    ];
    for (cause, count) in expected {
        assert_eq!(counts[cause], count, "{cause}: {csv}");
    }
    let by_partner = stdout(&run(&[
        "leakage", "--db", &db, "--by", "partner", "--format", "csv",
    ]));
    assert!(by_partner.starts_with("partner,cause,conversions,revenue,payout\n"));
    let total: f64 = by_partner
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap().parse::<f64>().unwrap())
        .sum();
    assert_eq!(total, 383.0);
    let by_month = stdout(&run(&[
        "leakage", "--db", &db, "--by", "month", "--format", "csv",
    ]));
    assert!(
        by_month.lines().nth(1).unwrap().starts_with("2026-07,"),
        "{by_month}"
    );
    let full = stdout(&run(&[
        "leakage",
        "--db",
        &db,
        "--methods",
        "cookie,click-id,user,coupon",
        "--format",
        "json",
    ]));
    let json: serde_json::Value = serde_json::from_str(&full).unwrap();
    let leaked = json["leaked"]["conversions"].as_f64().unwrap();
    assert!(
        leaked < 383.0 / 2.0,
        "the fullest preset recovers most: {leaked}"
    );
    let table = stdout(&run(&["leakage", "--db", &db]));
    assert!(
        table.contains("Recovery") && table.contains("Redirect audit"),
        "{table}"
    );
}

#[test]
fn explain_tells_why_each_touch_counts_or_not() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_database(dir.path());
    // ORD-000975: a Safari click by parentlab 26 days before the sale, kept as ck002313.
    let text = stdout(&run(&[
        "explain",
        "--db",
        &db,
        "--conversion",
        "ORD-000975",
    ]));
    assert!(text.contains("beyond Safari's 7-day cookie cap"), "{text}");
    assert!(text.contains("Cause: browser_cap"), "{text}");
    let hybrid = stdout(&run(&[
        "explain",
        "--db",
        &db,
        "--conversion",
        "ORD-000975",
        "--methods",
        "cookie,click-id",
    ]));
    assert!(
        hybrid.contains("Counts: linked by server-side click id + cookie"),
        "{hybrid}"
    );
    assert!(hybrid.contains("Last touch   parentlab 1"), "{hybrid}");
    let missing = binary()
        .args(["explain", "--db", &db, "--conversion", "NOPE"])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no conversion `NOPE`"));
}

#[test]
fn payouts_signoff_and_audit_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_database(dir.path());
    let csv = stdout(&run(&[
        "payouts", "--db", &db, "--period", "2026-10", "--format", "csv",
    ]));
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "period,partner_id,partner_name,model,credited_conversions,revenue,commission,currency,status,settings_fingerprint,sale_period,payable_on"
        )
    );
    assert!(lines.all(|l| l.starts_with("2026-10,") && l.contains(",last,")));
    let parquet = dir.path().join("october.parquet");
    run(&[
        "payouts",
        "--db",
        &db,
        "--period",
        "2026-10",
        "--model",
        "linear",
        "--out",
        parquet.to_str().unwrap(),
    ]);
    assert!(std::fs::metadata(&parquet).unwrap().len() > 0);
    let signed = stdout(&run(&[
        "signoff",
        "--db",
        &db,
        "--period",
        "2026-10",
        "--by",
        "Ann Finance",
    ]));
    assert!(
        signed.contains("signed off 2026-10 (last model"),
        "{signed}"
    );
    let table = stdout(&run(&["payouts", "--db", &db, "--period", "2026-10"]));
    assert!(table.contains("Signed off by Ann Finance"), "{table}");
    assert!(table.contains("No amount has moved since."), "{table}");
    let moved = stdout(&run(&[
        "payouts",
        "--db",
        &db,
        "--period",
        "2026-10",
        "--methods",
        "cookie,click-id,user",
    ]));
    assert!(moved.contains("DIFFERS from its sign-off"), "{moved}");
    let audit = stdout(&run(&[
        "audit", "--db", &db, "--period", "2026-09", "--format", "csv",
    ]));
    assert!(
        audit.starts_with("month,partner_id,category,leads,amount\n"),
        "{audit}"
    );
    assert!(audit.lines().skip(1).all(|l| l.starts_with("2026-09,")));
    let bad = binary()
        .args(["payouts", "--db", &db, "--period", "2026-13"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("expected a month like 2026-10"));
}

/// The binary without a display: were a command line read as the window's, it would fail
/// at once instead of opening a window.
fn headless() -> Command {
    let mut command = binary();
    command.env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY");
    command
}

/// Guards a mistyped command: it was read as a file to import, and the window opened.
#[test]
fn a_mistyped_command_is_refused_naming_the_closest_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.duckdb");
    let db = db.to_str().unwrap();
    for args in [
        vec!["comapre", "--db", db],
        vec!["--db", db, "comapre"],
        vec!["comapre", "--db", db, "--format", "csv"],
    ] {
        let output = headless()
            .args(&args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("unrecognized command 'comapre'; did you mean 'compare'?"),
            "{args:?}: {stderr}"
        );
    }
    assert!(!Path::new(db).exists(), "no database is made");
}

/// Guards the window's arguments: a file that does not exist was handed to the importer.
#[test]
fn a_window_argument_that_is_not_an_existing_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing-export.csv");
    let output = headless().arg(&missing).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("is not a command, and no file of that name exists"),
        "{stderr}"
    );
}

/// Guards `sweep … | head -1`: `println!` panicked on the closed pipe (exit 101).
#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("si05.duckdb");
    import_si05(&db);
    // 366 windows × 5 channels × 3 models: far more than a pipe holds.
    let mut child = binary()
        .args(["sweep", "--db", db.to_str().unwrap(), "--format", "csv"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    assert_eq!(
        first,
        "window_days,source,model,conversions,revenue,payout\n"
    );
    drop(reader);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    #[cfg(unix)]
    let by_sigpipe = std::os::unix::process::ExitStatusExt::signal(&output.status) == Some(13);
    #[cfg(not(unix))]
    let by_sigpipe = false;
    let quiet = matches!(output.status.code(), Some(0 | 141)) || by_sigpipe;
    assert!(quiet, "{:?}: {stderr}", output.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Guards `--db` with a mistyped folder: the whole folder tree was created.
#[test]
fn a_database_in_a_missing_folder_is_refused_and_no_folder_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("no/such/dir/x.duckdb");
    let partners = repo().join("sample-data/partners.csv");
    let output = binary()
        .args(["import", "--db", db.to_str().unwrap()])
        .arg(&partners)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the folder of the database does not exist"),
        "{stderr}"
    );
    assert!(!dir.path().join("no").exists(), "a folder was created");
}
