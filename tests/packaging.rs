//! The packaging files in dist/ (desktop entry, AppStream metainfo, MIME types, icons) and
//! the `cargo deb` table: what the validators say, each icon's pixel size, and that the
//! entry, the metainfo, the package and the window agree. Builds nothing; dist/check-deb
//! builds and unpacks the package itself.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The icon sizes of the hicolor theme we ship, in pixels.
const ICON_SIZES: [u32; 7] = [16, 32, 48, 64, 128, 256, 512];
const DESKTOP_ENTRY: &str = "dist/partner-attribution.desktop";
const METAINFO: &str = "dist/com.partnerattribution.PartnerAttribution.metainfo.xml";
const MIME_PACKAGE: &str = "dist/partner-attribution.mime.xml";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(repo().join(relative))
        .unwrap_or_else(|e| panic!("reading {relative}: {e}"))
}

/// Runs a validator, or says why not and returns `None` when it is not installed
/// (.ci/run installs both).
fn run_tool(program: &str, args: &[&str], package: &str) -> Option<Output> {
    match Command::new(program)
        .args(args)
        .current_dir(repo())
        .output()
    {
        Ok(output) => Some(output),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            println!("skipped: {program} is not installed (apt-get install {package})");
            None
        }
        Err(e) => panic!("running {program}: {e}"),
    }
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The value of `key=` in the desktop entry's main group.
fn desktop_key(entry: &str, key: &str) -> String {
    entry
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("{DESKTOP_ENTRY} has no {key}="))
        .to_owned()
}

/// A PNG's width and height, from its IHDR chunk (always the first, at byte 8).
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR", "the first chunk is not IHDR");
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

#[test]
fn desktop_entry_passes_desktop_file_validate_without_a_word() {
    let Some(output) = run_tool(
        "desktop-file-validate",
        &[DESKTOP_ENTRY],
        "desktop-file-utils",
    ) else {
        return;
    };
    let said = text(&output);
    assert!(output.status.success(), "{said}");
    assert!(
        said.trim().is_empty(),
        "desktop-file-validate said:\n{said}"
    );
}

#[test]
fn metainfo_passes_appstreamcli_validate_without_warnings() {
    let Some(output) = run_tool(
        "appstreamcli",
        &["validate", "--no-net", METAINFO],
        "appstream",
    ) else {
        return;
    };
    let said = text(&output);
    assert!(output.status.success(), "{said}");
    // E: errors, W: warnings, I: infos; pedantic notes (P:) are shown only on request.
    let remarks: Vec<&str> = said
        .lines()
        .filter(|line| ["E:", "W:", "I:"].iter().any(|p| line.starts_with(p)))
        .collect();
    assert!(remarks.is_empty(), "appstreamcli said:\n{said}");
}

#[test]
fn every_icon_has_the_pixel_size_its_folder_names() {
    for size in ICON_SIZES {
        let path = format!("dist/icons/hicolor/{size}x{size}/apps/partner-attribution.png");
        let bytes = std::fs::read(repo().join(&path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(png_size(&bytes), (size, size), "{path}");
        // Colour type 6: RGBA, so the rounded corners stay transparent.
        assert_eq!(bytes[25], 6, "{path} is not RGBA");
    }
}

/// Guards *Open with*: `Exec=partner-attribution` passed no files, so the window opened
/// empty; and the task bar matches a window to its entry by the app id.
#[test]
fn desktop_entry_passes_the_files_and_matches_the_window() {
    let entry = read(DESKTOP_ENTRY);
    assert_eq!(desktop_key(&entry, "Exec"), "partner-attribution %F");
    assert_eq!(desktop_key(&entry, "Icon"), "partner-attribution");
    assert_eq!(desktop_key(&entry, "StartupWMClass"), window_app_id());
    let types = desktop_key(&entry, "MimeType");
    let types: Vec<&str> = types.split(';').filter(|t| !t.is_empty()).collect();
    for wanted in [
        "text/csv",
        "application/x-gzcsv",
        "application/vnd.apache.parquet",
        "application/x-partner-attribution-db",
    ] {
        assert!(
            types.contains(&wanted),
            "MimeType lacks {wanted}: {types:?}"
        );
    }
    // Every type beyond shared-mime-info's own is declared in our MIME package.
    let declared = read(MIME_PACKAGE);
    for own in types.iter().filter(|t| t.starts_with("application/")) {
        let as_type = format!("<mime-type type=\"{own}\">");
        let as_alias = format!("<alias type=\"{own}\"/>");
        assert!(
            declared.contains(&as_type) || declared.contains(&as_alias),
            "{own} is not declared in {MIME_PACKAGE}"
        );
    }
}

/// The app id the window gives itself (`ViewportBuilder::with_app_id`), found in src/ui/.
fn window_app_id() -> String {
    let mut ids = Vec::new();
    collect_app_ids(&repo().join("src/ui"), &mut ids);
    assert_eq!(
        ids.len(),
        1,
        "expected one with_app_id in src/ui, found {ids:?}"
    );
    ids.remove(0)
}

fn collect_app_ids(dir: &Path, ids: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_app_ids(&path, ids);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let source = std::fs::read_to_string(&path).unwrap();
            for piece in source.split("with_app_id(\"").skip(1) {
                ids.push(piece.split('"').next().unwrap().to_owned());
            }
        }
    }
}

/// Guards the metainfo against a release without its entry, and the screenshots against
/// pointing at docs images that are not there or have other sizes.
#[test]
fn metainfo_lists_this_release_and_screenshots_that_exist() {
    let metainfo = read(METAINFO);
    let release = format!("<release version=\"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(metainfo.contains(&release), "no {release} in {METAINFO}");
    assert!(metainfo.contains("<content_rating type=\"oars-1.1\""));
    assert!(metainfo.contains("<project_license>"));
    let images: Vec<&str> = metainfo.split("<image ").skip(1).collect();
    assert!(images.len() >= 4, "{} screenshots", images.len());
    for image in images {
        let url = image.split('>').nth(1).unwrap().split('<').next().unwrap();
        let name = url.rsplit("/docs/").next().unwrap();
        let bytes = std::fs::read(repo().join("docs").join(name))
            .unwrap_or_else(|e| panic!("screenshot {url}: docs/{name}: {e}"));
        let (width, height) = png_size(&bytes);
        let attributes = format!("width=\"{width}\" height=\"{height}\"");
        assert!(image.contains(&attributes), "{url} is {width}×{height}");
    }
    let captions = metainfo.matches("<caption>").count();
    assert_eq!(captions, metainfo.matches("<screenshot").count() - 1);
}

/// Every asset `cargo deb` packs exists (the binary aside, which the build makes), and
/// the icons, the entry, the metainfo, the MIME package and the copyright are among them.
#[test]
fn cargo_deb_assets_exist() {
    let manifest = read("Cargo.toml");
    let table = manifest
        .split("[package.metadata.deb]")
        .nth(1)
        .expect("Cargo.toml has no [package.metadata.deb]");
    let sources: Vec<&str> = table
        .lines()
        .filter_map(|line| line.trim().strip_prefix("[\""))
        .map(|rest| rest.split('"').next().unwrap())
        .collect();
    assert!(sources.contains(&"target/release/partner-attribution"));
    for source in sources.iter().filter(|s| !s.starts_with("target/")) {
        assert!(repo().join(source).is_file(), "asset {source} is missing");
    }
    for path in [DESKTOP_ENTRY, METAINFO, MIME_PACKAGE, "README.md"] {
        assert!(sources.contains(&path), "{path} is not packed");
    }
    // cargo-deb writes /usr/share/doc/partner-attribution/copyright from the licence file.
    assert!(table.contains("license-file = [\"dist/copyright\", \"0\"]"));
    assert!(repo().join("dist/copyright").is_file());
    for size in ICON_SIZES {
        let icon = format!("dist/icons/hicolor/{size}x{size}/apps/partner-attribution.png");
        assert!(sources.contains(&icon.as_str()), "{icon} is not packed");
    }
}

/// The MIME package compiles with update-mime-database and gives each file type its glob.
#[test]
fn mime_package_declares_our_file_types() {
    let dir = tempfile::tempdir().unwrap();
    let packages = dir.path().join("packages");
    std::fs::create_dir(&packages).unwrap();
    std::fs::copy(
        repo().join(MIME_PACKAGE),
        packages.join("partner-attribution.xml"),
    )
    .unwrap();
    let database = dir.path().to_str().unwrap();
    let Some(output) = run_tool("update-mime-database", &[database], "shared-mime-info") else {
        return;
    };
    assert!(output.status.success(), "{}", text(&output));
    let globs = std::fs::read_to_string(dir.path().join("globs2")).unwrap();
    for glob in [
        "application/x-gzcsv:*.csv.gz",
        "application/vnd.apache.parquet:*.parquet",
        "application/x-partner-attribution-db:*.duckdb",
    ] {
        assert!(
            globs.lines().any(|line| line.ends_with(glob)),
            "no {glob} in\n{globs}"
        );
    }
    let aliases = std::fs::read_to_string(dir.path().join("aliases")).unwrap();
    assert!(aliases.contains("application/x-parquet application/vnd.apache.parquet"));
}
