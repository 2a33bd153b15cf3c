//! Looking at a PDF in a test, through Debian's `poppler-utils` (installed by `scripts/setup`):
//! [`pdf_text`] reads its text with `pdftotext`, [`pdf_to_png`] draws each page as a PNG with
//! `pdftoppm`, for instance into [`crate::browser::screenshots_dir`] beside a scenario's
//! screenshots.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const MISSING_POPPLER: &str =
    "install the Debian package poppler-utils (scripts/setup does), which provides pdftotext and pdftoppm";

/// The PDF's text, as `pdftotext -layout` reads it: pages in order, each followed by a form
/// feed (`\u{c}`), so `text.split('\u{c}')` gives the pages (and an empty tail).
///
/// # Panics
///
/// When `pdftotext` is missing or cannot read the PDF; its message is in the panic.
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let input = dir.path().join("document.pdf");
    fs::write(&input, pdf).expect("write the PDF to a temporary file");
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&input)
        .arg("-")
        .output()
        .unwrap_or_else(|err| panic!("could not run pdftotext ({err}): {MISSING_POPPLER}"));
    assert!(
        out.status.success(),
        "pdftotext could not read the PDF: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("pdftotext writes UTF-8")
}

/// Draws every page of the PDF as a PNG (96 dpi) named `<out_prefix>-<page>.png` (the page
/// number padded as `pdftoppm` pads it), creating the folder if needed, and returns the files in
/// page order.
///
/// # Panics
///
/// When `pdftoppm` is missing or fails, or the folder cannot be created.
pub fn pdf_to_png(pdf: &[u8], out_prefix: &Path) -> Vec<PathBuf> {
    let folder = out_prefix
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let stem = out_prefix
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_else(|| panic!("{} does not end in a file name", out_prefix.display()));
    fs::create_dir_all(folder)
        .unwrap_or_else(|err| panic!("could not create {}: {err}", folder.display()));
    // Pictures of an earlier, longer run would otherwise be taken for this one's.
    for old in pages_of(folder, stem) {
        let _ = fs::remove_file(old);
    }
    let dir = tempfile::tempdir().expect("a temporary folder");
    let input = dir.path().join("document.pdf");
    fs::write(&input, pdf).expect("write the PDF to a temporary file");
    let out = Command::new("pdftoppm")
        .args(["-png", "-r", "96"])
        .arg(&input)
        .arg(out_prefix)
        .output()
        .unwrap_or_else(|err| panic!("could not run pdftoppm ({err}): {MISSING_POPPLER}"));
    assert!(
        out.status.success(),
        "pdftoppm could not draw the PDF: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    pages_of(folder, stem)
}

/// The files `<stem>-<digits>.png` in the folder, in page order.
fn pages_of(folder: &Path, stem: &str) -> Vec<PathBuf> {
    let mut pages: Vec<(u32, PathBuf)> = fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let number = name
                .strip_prefix(stem)?
                .strip_prefix('-')?
                .strip_suffix(".png")?;
            if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some((number.parse().ok()?, entry.path()))
        })
        .collect();
    pages.sort();
    pages.into_iter().map(|(_, path)| path).collect()
}
