//! The house rules, read off `src/`: layers only look down, only the store and the importer
//! know DuckDB, only the window knows egui, and no two files of one folder need each other.
//!
//! Each failure names the file and line of the import that breaks a rule.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, bottom to top, and the top-level modules in each. A module may name modules of
/// lower layers; inside the jobs layer a job may name the jobs listed before it; the two faces
/// (command line and window) never name each other.
const LAYERS: &[(&str, &[&str])] = &[
    ("domain", &["domain"]),
    ("store", &["store"]),
    ("import", &["import"]),
    ("journeys", &["journeys"]),
    ("attribution", &["attribution"]),
    (
        "jobs",
        &[
            "leakage",
            "payouts",
            "explain",
            "audit",
            "scenario",
            "sample",
            "programme",
            "report",
            "statements",
            "bench",
        ],
    ),
    ("faces", &["cli", "ui"]),
];

/// External crates only some modules may name.
const FENCED_CRATES: &[(&str, &[&str])] = &[
    ("duckdb", &["store", "import"]),
    ("egui", &["ui"]),
    ("eframe", &["ui"]),
    ("egui_plot", &["ui"]),
    ("egui_extras", &["ui"]),
    ("rfd", &["ui"]),
];

/// One source file: its path relative to the crate and its text.
struct Source {
    path: PathBuf,
    text: String,
}

fn read_tree(dir: &Path, root: &Path, out: &mut Vec<Source>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            read_tree(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            let path = path.strip_prefix(root).unwrap().to_path_buf();
            out.push(Source { path, text });
        }
    }
}

/// The top-level module a file belongs to (`src/ui/app.rs` → `ui`), `None` for the crate root.
fn top_module(path: &Path) -> Option<String> {
    let mut parts = path.components().skip(1);
    let first = parts.next()?.as_os_str().to_str()?.to_owned();
    let name = first.strip_suffix(".rs").unwrap_or(&first).to_owned();
    (!matches!(name.as_str(), "lib" | "main")).then_some(name)
}

/// Where `module` sits: (layer number, position inside the layer).
fn rank(module: &str) -> Option<(usize, usize)> {
    LAYERS.iter().enumerate().find_map(|(layer, (_, modules))| {
        modules
            .iter()
            .position(|m| *m == module)
            .map(|position| (layer, position))
    })
}

/// Whether code in `from` may name `to`.
fn may_name(from: &str, to: &str) -> bool {
    let (Some((from_layer, from_pos)), Some((to_layer, to_pos))) = (rank(from), rank(to)) else {
        return false;
    };
    let layer_name = LAYERS[from_layer].0;
    to_layer < from_layer || (to_layer == from_layer && layer_name == "jobs" && to_pos < from_pos)
}

/// The code of a line, without its `//` comment (doc links and prose may name anything).
fn code_of(line: &str) -> &str {
    match line.find("//") {
        Some(at) if !line[..at].contains('"') => &line[..at],
        _ => line,
    }
}

/// Every `prefix::name` in `code`, as `name`.
fn names_after<'a>(code: &'a str, prefix: &str) -> Vec<&'a str> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().last();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        found.push(&rest[..end]);
    }
    found
}

/// Imports that point up or sideways across layers, and fenced crates named outside their
/// fence: one message per offending line.
fn layer_violations(sources: &[Source]) -> Vec<String> {
    let mut problems = Vec::new();
    for source in sources {
        let Some(module) = top_module(&source.path) else {
            continue;
        };
        if rank(&module).is_none() {
            problems.push(format!(
                "{}: module `{module}` is in no layer; add it to LAYERS in tests/layers.rs",
                source.path.display()
            ));
            continue;
        }
        for (number, line) in source.text.lines().enumerate() {
            let code = code_of(line);
            for target in names_after(code, "crate::") {
                if target != module && !may_name(&module, target) {
                    problems.push(format!(
                        "{}:{}: `{module}` names `crate::{target}`, which is not below it \
                         (layers only look down): {}",
                        source.path.display(),
                        number + 1,
                        line.trim()
                    ));
                }
            }
            for (krate, allowed) in FENCED_CRATES {
                let named = names_after(code, &format!("{krate}::")).len()
                    + usize::from(code.trim_start().starts_with(&format!("use {krate}")));
                if named > 0 && !allowed.contains(&module.as_str()) {
                    problems.push(format!(
                        "{}:{}: `{module}` names the `{krate}` crate, which only {} may use: {}",
                        source.path.display(),
                        number + 1,
                        allowed.join(", "),
                        line.trim()
                    ));
                }
            }
        }
    }
    problems
}

/// Files of one folder that need each other, directly or round a longer loop (the folder's
/// `mod.rs` is its face and does not count).
fn folder_cycles(sources: &[Source]) -> Vec<String> {
    let mut edges: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    let mut lines_of: BTreeMap<(PathBuf, PathBuf), usize> = BTreeMap::new();
    for source in sources {
        let (Some(folder), Some(stem)) = (source.path.parent(), source.path.file_stem()) else {
            continue;
        };
        if stem == "mod" || folder == Path::new("src") {
            continue;
        }
        let siblings: BTreeSet<String> = sources
            .iter()
            .filter(|s| s.path.parent() == Some(folder) && s.path.file_stem() != Some(stem))
            .filter_map(|s| s.path.file_stem()?.to_str().map(str::to_owned))
            .filter(|s| s != "mod")
            .collect();
        let folder_path = folder
            .strip_prefix("src")
            .unwrap()
            .to_str()
            .unwrap()
            .replace('/', "::");
        for (number, line) in source.text.lines().enumerate() {
            let code = code_of(line);
            let mut named = names_after(code, "super::");
            named.extend(names_after(code, &format!("crate::{folder_path}::")));
            for sibling in named.into_iter().filter(|n| siblings.contains(*n)) {
                let to = folder.join(format!("{sibling}.rs"));
                edges
                    .entry(source.path.clone())
                    .or_default()
                    .insert(to.clone());
                lines_of
                    .entry((source.path.clone(), to))
                    .or_insert(number + 1);
            }
        }
    }
    let mut problems = Vec::new();
    for (from, targets) in &edges {
        for to in targets {
            if let Some(path) = route(&edges, to, from)
                && from < to
            {
                let line = lines_of[&(from.clone(), to.clone())];
                let round: Vec<String> = path.iter().map(|p| p.display().to_string()).collect();
                problems.push(format!(
                    "{}:{line}: names {}, which needs it back ({} → {})",
                    from.display(),
                    to.display(),
                    from.display(),
                    round.join(" → ")
                ));
            }
        }
    }
    problems
}

/// A path from `start` to `goal` along `edges`, if there is one.
fn route(
    edges: &BTreeMap<PathBuf, BTreeSet<PathBuf>>,
    start: &Path,
    goal: &Path,
) -> Option<Vec<PathBuf>> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![vec![start.to_path_buf()]];
    while let Some(path) = stack.pop() {
        let last = path.last().unwrap().clone();
        if last == goal {
            return Some(path);
        }
        if !seen.insert(last.clone()) {
            continue;
        }
        for next in edges.get(&last).into_iter().flatten() {
            let mut longer = path.clone();
            longer.push(next.clone());
            stack.push(longer);
        }
    }
    None
}

fn crate_sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = Vec::new();
    read_tree(&root.join("src"), root, &mut sources);
    sources
}

fn source(path: &str, text: &str) -> Source {
    Source {
        path: PathBuf::from(path),
        text: text.to_owned(),
    }
}

/// Guards the whole rule set on the real tree.
#[test]
fn layers_only_look_down() {
    let sources = crate_sources();
    assert!(sources.len() > 50, "read {} files", sources.len());
    let problems = layer_violations(&sources);
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// Guards against files of one folder that need each other.
#[test]
fn no_folder_has_a_cycle() {
    let problems = folder_cycles(&crate_sources());
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// The checker itself: an upward import, a sideways one between the faces, DuckDB named by a
/// job and a two-file loop are each reported with their file and line; downward imports and
/// comments are not.
#[test]
fn the_checker_names_file_and_line() {
    let tree = [
        source("src/store/mod.rs", "use crate::domain::Model;\n"),
        source(
            "src/journeys/mod.rs",
            "// crate::ui is only in a comment\nuse crate::attribution::TouchKey;\n",
        ),
        source("src/cli/open.rs", "fn f() {\n    crate::ui::run();\n}\n"),
        source("src/payouts.rs", "use duckdb::Connection;\n"),
        source("src/report/rules.rs", "use crate::payouts::Period;\n"),
        source("src/import/a.rs", "use super::b::Thing;\n"),
        source("src/import/b.rs", "\n\nuse crate::import::a::Other;\n"),
    ];
    let problems = layer_violations(&tree);
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        problems[0].starts_with("src/journeys/mod.rs:2: `journeys` names `crate::attribution`")
    );
    assert!(problems[1].starts_with("src/cli/open.rs:2: `cli` names `crate::ui`"));
    assert!(problems[2].starts_with("src/payouts.rs:1: `payouts` names the `duckdb` crate"));
    let cycles = folder_cycles(&tree);
    assert_eq!(cycles.len(), 1, "{cycles:#?}");
    assert!(cycles[0].starts_with("src/import/a.rs:1: names src/import/b.rs"));
}
