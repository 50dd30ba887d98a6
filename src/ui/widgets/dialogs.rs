//! Native file dialogs, run on their own thread so the window never waits on them.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, channel};

use eframe::egui;

/// Asks for export files to import; the answer arrives on the returned channel.
pub fn pick_import_files(ctx: &egui::Context) -> Receiver<Vec<PathBuf>> {
    let (tx, rx) = channel();
    let ctx = ctx.clone();
    on_dialog_thread(move || {
        let picked = rfd::FileDialog::new()
            .set_title("Import exports")
            .add_filter(
                "Exports (CSV, Parquet, JSON)",
                &[
                    "csv", "gz", "tsv", "txt", "parquet", "json", "ndjson", "jsonl",
                ],
            )
            .add_filter("All files", &["*"])
            .pick_files();
        let _ = tx.send(picked.unwrap_or_default());
        ctx.request_repaint();
    });
    rx
}

/// Asks for a database file to open or create.
pub fn pick_database(ctx: &egui::Context) -> Receiver<PathBuf> {
    let (tx, rx) = channel();
    let ctx = ctx.clone();
    on_dialog_thread(move || {
        let picked = rfd::FileDialog::new()
            .set_title("Open or create a programme database")
            .add_filter("DuckDB database", &["duckdb", "db"])
            .set_file_name("programme.duckdb")
            .save_file();
        if let Some(path) = picked {
            let _ = tx.send(path);
        }
        ctx.request_repaint();
    });
    rx
}

/// Where save dialogs answer without asking, when set ([`answer_saves_in`]).
fn answered_saves_id() -> egui::Id {
    egui::Id::unique("partner-attribution.answered-saves")
}

/// Makes every save dialog of the window `ctx` answer at once with the file name it suggests
/// inside `folder`, without asking: for scripted runs and headless tests, which cannot click
/// through a native dialog.
pub fn answer_saves_in(ctx: &egui::Context, folder: PathBuf) {
    ctx.data_mut(|d| d.insert_temp(answered_saves_id(), folder));
}

/// Asks where to save an export named `file_name` of the given kind (`csv` or `parquet`).
pub fn pick_export(
    ctx: &egui::Context,
    file_name: String,
    extension: &'static str,
) -> Receiver<PathBuf> {
    let (tx, rx) = channel();
    if let Some(folder) = ctx.data(|d| d.get_temp::<PathBuf>(answered_saves_id())) {
        let _ = tx.send(folder.join(file_name));
        return rx;
    }
    let ctx = ctx.clone();
    on_dialog_thread(move || {
        let picked = rfd::FileDialog::new()
            .set_title("Export")
            .add_filter(extension.to_uppercase(), &[extension])
            .set_file_name(file_name)
            .save_file();
        if let Some(path) = picked {
            let _ = tx.send(path);
        }
        ctx.request_repaint();
    });
    rx
}

/// Runs `dialog` on a thread of its own, named for `top -H` and panic messages. Should no
/// thread start, the dialog's sender is dropped unused: the window sees what it sees when a
/// dialog is cancelled (nothing arrives), and the reason goes to stderr.
fn on_dialog_thread(dialog: impl FnOnce() + Send + 'static) {
    if let Err(e) = std::thread::Builder::new()
        .name("file dialog".to_owned())
        .spawn(dialog)
    {
        eprintln!("cannot open the file dialog: no thread for it: {e}");
    }
}
