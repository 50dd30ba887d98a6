//! Crash safety: the importing process is killed (SIGKILL) at moments spread over a large
//! clicks import, 20 times. After each kill the database opens, holds exactly what it held
//! before that import (or, when the kill came after the import was recorded, all of it), and
//! the same file imports again.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use partner_attribution::import::ImportOutcome;
use partner_attribution::sample::{SampleSpec, write_sample};
use partner_attribution::store::Store;

const KILLS: usize = 20;

/// The programme database before the clicks import: partners and conversions of the sample.
fn base_database(dir: &Path, sample: &Path) -> (std::path::PathBuf, String) {
    let path = dir.join("base.duckdb");
    let store = Store::open(&path).unwrap();
    for name in ["partners.csv", "conversions.csv"] {
        common::import(&store, &sample.join(name), None).unwrap();
    }
    let digest = store.contents_digest().unwrap();
    drop(store);
    (path, digest)
}

/// Copies the database file (and its write-ahead log, if any) to `to`.
fn copy_database(from: &Path, to: &Path) {
    std::fs::copy(from, to).unwrap();
    let wal = |p: &Path| p.with_extension("duckdb.wal");
    if wal(from).exists() {
        std::fs::copy(wal(from), wal(to)).unwrap();
    }
}

fn import_command(db: &Path, clicks: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_partner-attribution"));
    command
        .args(["import", "--db"])
        .arg(db)
        .arg(clicks)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    command
}

/// Moments spread over `span`, shuffled by a fixed generator: one per kill.
fn kill_moments(span: Duration) -> Vec<Duration> {
    let mut seed = 0x5eed_u64;
    (0..KILLS)
        .map(|i| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let jitter = (seed >> 40) as f64 / (1u64 << 24) as f64;
            span.mul_f64((i as f64 + jitter) / KILLS as f64)
        })
        .collect()
}

#[test]
fn a_killed_import_leaves_the_database_as_it_was_and_can_be_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let sample = dir.path().join("sample");
    write_sample(
        &sample,
        &SampleSpec {
            seed: 7,
            clicks: 400_000,
        },
    )
    .unwrap();
    let clicks = sample.join("clicks.csv");
    let (base, base_digest) = base_database(dir.path(), &sample);

    // One whole import, timed, for the span of the kills and the rows a full import keeps.
    let timed = dir.path().join("timed.duckdb");
    copy_database(&base, &timed);
    let started = Instant::now();
    assert!(import_command(&timed, &clicks).status().unwrap().success());
    let span = started.elapsed();
    let full = Store::open(&timed).unwrap().counts().unwrap();

    let mut interrupted = 0;
    for (run, moment) in kill_moments(span).into_iter().enumerate() {
        let db = dir.path().join(format!("run{run}.duckdb"));
        copy_database(&base, &db);
        let mut child = import_command(&db, &clicks).spawn().unwrap();
        std::thread::sleep(moment);
        let _ = child.kill();
        let status = child.wait().unwrap();
        let store = Store::open(&db).unwrap_or_else(|e| panic!("run {run}: {e}"));
        if store.counts().unwrap() == full && !status.success() {
            // Killed after the import was recorded: all of it is there.
        } else if status.success() {
            assert_eq!(store.counts().unwrap(), full, "run {run}: finished import");
        } else {
            interrupted += 1;
            assert_eq!(
                store.contents_digest().unwrap(),
                base_digest,
                "run {run}: killed after {moment:?}, the database is not as it was"
            );
        }
        let again = common::import(&store, &clicks, None).unwrap();
        if let ImportOutcome::Imported(record) = &again {
            assert_eq!(
                store.counts().unwrap(),
                full,
                "run {run}: import after the kill"
            );
            assert!(record.rows_accepted > 0);
        }
        drop(store);
        std::fs::remove_file(&db).unwrap();
        let _ = std::fs::remove_file(db.with_extension("duckdb.wal"));
    }
    println!("{interrupted} of {KILLS} kills interrupted an import of {span:?}");
    assert!(
        interrupted >= KILLS / 2,
        "only {interrupted} of {KILLS} kills came during the import"
    );
}
