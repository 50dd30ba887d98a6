//! Reading the command line before anything runs: a word that is neither a command nor an
//! existing file is refused (exit 2, naming the closest command), and a headless command's
//! output ends quietly when its reader goes away (`sweep … | head -1`).

use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};

use super::Cli;

/// Parses `args` (the program's name first). What is refused is printed the way clap prints
/// its own errors, and its exit code returned: 2 for a mistyped command or a window argument
/// that is not an existing file, 0 for `--help` and `--version`.
pub(crate) fn parse_or_exit_code(args: Vec<OsString>) -> Result<Cli, ExitCode> {
    parse(&args).map_err(|error| {
        // A closed stdout (`--help | head -1`) is not worth a second error.
        let _ = error.print();
        ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2))
    })
}

/// Parses `args`; a headless command also gets the default SIGPIPE (see
/// [`end_quietly_on_closed_pipe`]).
fn parse(args: &[OsString]) -> Result<Cli, clap::Error> {
    match Cli::try_parse_from(args) {
        Ok(mut cli) if cli.command.is_none() => {
            for file in &cli.files {
                refuse_unknown_word(file.as_os_str())?;
            }
            open_database_argument(&mut cli)?;
            Ok(cli)
        }
        Ok(cli) => {
            end_quietly_on_closed_pipe();
            Ok(cli)
        }
        // clap read the mistyped command as a file to import and then stumbled on the
        // command's own options (`comapre --db x --format csv`): name the word instead.
        Err(error) => match first_bare_word(args) {
            Some(word) if error.use_stderr() && !is_command(word) => {
                Err(refuse_unknown_word(word).err().unwrap_or(error))
            }
            _ => Err(error),
        },
    }
}

/// Refuses a word of the window's command line that is not an existing file, naming the
/// closest command when one is close.
fn refuse_unknown_word(word: &OsStr) -> Result<(), clap::Error> {
    let path = Path::new(word);
    if path.is_file() {
        return Ok(());
    }
    let text = word.to_string_lossy();
    let message = if let Some(command) = closest_command(&text) {
        format!("unrecognized command '{text}'; did you mean '{command}'?")
    } else if path.is_dir() {
        format!("'{text}' is a folder; the window imports files")
    } else {
        format!(
            "'{text}' is not a command, and no file of that name exists to import (commands: {})",
            command_names().join(", ")
        )
    };
    Err(Cli::command().error(ErrorKind::InvalidSubcommand, message))
}

/// A programme database among the window's files (what a file manager passes for a
/// double-clicked `.duckdb`) is opened, as `--db` would, instead of imported: one at a time,
/// and not beside `--db`.
fn open_database_argument(cli: &mut Cli) -> Result<(), clap::Error> {
    let (databases, exports): (Vec<_>, Vec<_>) =
        cli.files.drain(..).partition(|file| is_database_file(file));
    cli.files = exports;
    let names = || {
        let names: Vec<String> = databases.iter().map(|d| d.display().to_string()).collect();
        names.join(", ")
    };
    let message = match (databases.len(), &cli.db) {
        (0, _) => return Ok(()),
        (1, None) => {
            cli.db = databases.into_iter().next();
            return Ok(());
        }
        (_, Some(db)) => format!(
            "{} is a programme database, and --db already opens {}; the window opens one \
             programme at a time",
            names(),
            db.display()
        ),
        (_, None) => format!(
            "the window opens one programme database at a time, and was given {}",
            names()
        ),
    };
    Err(Cli::command().error(ErrorKind::ArgumentConflict, message))
}

/// Whether `file` is a DuckDB database: its header has `DUCK` after an 8-byte checksum
/// (the magic dist/partner-attribution.mime.xml gives file managers).
fn is_database_file(file: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 12];
    std::fs::File::open(file)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| &head[8..] == b"DUCK")
}

/// The first word that is not an option or the top-level `--db`'s value: where a command
/// or a file to import stands.
fn first_bare_word(args: &[OsString]) -> Option<&OsStr> {
    let mut words = args.iter().skip(1);
    while let Some(arg) = words.next() {
        if arg == "--db" {
            words.next();
        } else if !arg.to_string_lossy().starts_with('-') {
            return Some(arg);
        }
    }
    None
}

fn is_command(word: &OsStr) -> bool {
    command_names().iter().any(|name| word == name.as_str())
}

/// The commands' names, in the order `--help` lists them (`help` last).
fn command_names() -> Vec<String> {
    let mut cli = Cli::command();
    // Built, the command also lists the `help` that clap adds.
    cli.build();
    cli.get_subcommands()
        .map(|command| command.get_name().to_owned())
        .collect()
}

/// The command `word` is most likely a typo of: the fewest edits away, and at most a third
/// of the name's letters (at least one) — `comapre` is two from `compare`.
pub(crate) fn closest_command(word: &str) -> Option<String> {
    let word = word.to_lowercase();
    command_names()
        .into_iter()
        .map(|name| (edit_distance(&word, &name), name))
        .filter(|(distance, name)| *distance <= (name.chars().count() / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

/// Levenshtein distance: the fewest insertions, deletions and substitutions of characters
/// that turn `a` into `b`.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    // previous[j]: distance between the part of `a` read so far and b[..j].
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, a_char) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, b_char) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(a_char != *b_char);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// Lets a headless command end like `cat` when the reader of its output goes away
/// (`sweep … | head -1`): killed by SIGPIPE, which a shell reports as exit status 141,
/// instead of `println!` panicking on the broken pipe (exit 101). Rust's runtime ignores
/// SIGPIPE; this puts back the default. The window keeps it ignored, so that a closed
/// socket in its libraries is an error they handle rather than the end of the program.
#[cfg(unix)]
fn end_quietly_on_closed_pipe() {
    // libc's signal(2), declared here rather than taking the `libc` crate for one call.
    // SIGPIPE is 13 and SIG_DFL is 0 on every unix.
    #[allow(unsafe_code, reason = "libc's signal(2), our one foreign call")]
    unsafe extern "C" {
        fn signal(signum: std::ffi::c_int, handler: usize) -> usize;
    }
    const SIGPIPE: std::ffi::c_int = 13;
    const SIG_DFL: usize = 0;
    #[allow(unsafe_code, reason = "restores SIGPIPE's default; see SAFETY")]
    // SAFETY: resetting a signal to its default action installs no handler of ours and
    // runs before any thread that could be writing starts.
    unsafe {
        signal(SIGPIPE, SIG_DFL);
    }
}

/// Elsewhere a failed write to stdout is an error, not a signal; nothing to change.
#[cfg(not(unix))]
fn end_quietly_on_closed_pipe() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(edit_distance("compare", "compare"), 0);
        assert_eq!(edit_distance("comapre", "compare"), 2);
        assert_eq!(edit_distance("sweeep", "sweep"), 1);
        assert_eq!(edit_distance("", "links"), 5);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn a_mistyped_command_names_the_closest_one() {
        assert_eq!(closest_command("comapre").as_deref(), Some("compare"));
        assert_eq!(closest_command("Compare").as_deref(), Some("compare"));
        assert_eq!(closest_command("payout").as_deref(), Some("payouts"));
        assert_eq!(closest_command("lnks").as_deref(), Some("links"));
        assert_eq!(closest_command("clicks.csv"), None);
        assert_eq!(closest_command("xyz"), None);
    }

    #[test]
    fn a_word_that_is_neither_a_command_nor_a_file_is_refused_with_exit_code_2() {
        let args = ["partner-attribution", "comapre", "--db", "x.duckdb"].map(OsString::from);
        let error = parse(&args).unwrap_err();
        assert_eq!(error.exit_code(), 2);
        assert!(
            error.to_string().contains("did you mean 'compare'?"),
            "{error}"
        );

        let args = [
            "partner-attribution",
            "comapre",
            "--db",
            "x",
            "--format",
            "csv",
        ];
        let error = parse(&args.map(OsString::from)).unwrap_err();
        assert!(
            error.to_string().contains("did you mean 'compare'?"),
            "{error}"
        );

        let args = ["partner-attribution", "no-such-export.csv"].map(OsString::from);
        let error = parse(&args).unwrap_err();
        assert_eq!(error.exit_code(), 2);
        assert!(
            error.to_string().contains("no file of that name"),
            "{error}"
        );
    }

    #[test]
    fn the_window_takes_existing_files_and_no_folders() {
        let dir = tempfile::tempdir().unwrap();
        let export = dir.path().join("compare");
        std::fs::write(&export, "partner_id\n").unwrap();
        let args = [OsString::from("partner-attribution"), export.clone().into()];
        assert_eq!(parse(&args).unwrap().files, vec![export]);

        let args = [OsString::from("partner-attribution"), dir.path().into()];
        let error = parse(&args).unwrap_err();
        assert!(error.to_string().contains("is a folder"), "{error}");
    }

    fn window_args(words: &[&Path]) -> Vec<OsString> {
        let mut args = vec![OsString::from("partner-attribution")];
        args.extend(words.iter().map(|w| w.as_os_str().to_owned()));
        args
    }

    /// Guards *Open with* on a programme database: it was handed to the importer as an
    /// export (and refused) instead of being opened.
    #[test]
    fn a_programme_database_among_the_window_files_is_opened_not_imported() {
        let dir = tempfile::tempdir().unwrap();
        let programme = dir.path().join("programme.duckdb");
        crate::store::Store::open(&programme).unwrap();
        let clicks = dir.path().join("clicks.csv");
        std::fs::write(&clicks, "clicked_at,partner_id\n").unwrap();
        // Named like a database but a CSV: an export, whose import says what is wrong.
        let misnamed = dir.path().join("export.duckdb");
        std::fs::write(&misnamed, "partner_id,name,commission\n").unwrap();

        let cli = parse(&window_args(&[&clicks, &programme, &misnamed])).unwrap();
        assert_eq!(cli.db, Some(programme.clone()));
        assert_eq!(cli.files, vec![clicks.clone(), misnamed]);

        // The files a file manager passes for a multi-selection of exports: all imported,
        // into the programme last open (no --db).
        let cli = parse(&window_args(&[&clicks, &clicks])).unwrap();
        assert_eq!((cli.db, cli.files), (None, vec![clicks.clone(), clicks]));
    }

    #[test]
    fn the_window_opens_one_programme_database_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("first.duckdb");
        let second = dir.path().join("second.duckdb");
        crate::store::Store::open(&first).unwrap();
        crate::store::Store::open(&second).unwrap();

        let error = parse(&window_args(&[&first, &second])).unwrap_err();
        assert_eq!(error.exit_code(), 2);
        assert!(
            error
                .to_string()
                .contains("one programme database at a time"),
            "{error}"
        );

        let mut args = window_args(&[&first]);
        args.insert(1, "--db".into());
        args.insert(2, second.clone().into());
        let error = parse(&args).unwrap_err();
        assert_eq!(error.exit_code(), 2);
        assert!(error.to_string().contains("--db already opens"), "{error}");
    }
}
