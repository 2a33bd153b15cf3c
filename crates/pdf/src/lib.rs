//! Rollcall's printed documents as PDF: letters to parents, certificates, and reports such as an
//! extract of the register for a prosecution.
//!
//! A caller builds [`Document`]s (plain data, see [`model`]) and calls [`render`], which typesets
//! any number of them into one PDF, each starting on a new page: a batch of 300 letters is one
//! call and one file.
//!
//! Typesetting is done by Typst, used as a library, with one fixed template
//! (`src/template.typ`). The documents reach it only as data: they are written as JSON into a
//! virtual file that the template reads with `json(...)`. No text from a document is ever put
//! into Typst markup or code, so a name, an address or a note typed by a parent prints exactly
//! as typed, whatever characters it holds (`#`, `*`, `$`, `<`, `@`, `\`, `]`, ...).
//!
//! The same documents always give the same bytes: the PDF's date is the first document's date
//! and its identifier is derived from the documents, never from the clock or chance, so a kept
//! letter can be compared with a new rendering of it.
//!
//! ```no_run
//! use rollcall_pdf::{render_one, Block, Date, Document, Kind, Letter};
//!
//! let letter = Document {
//!     title: "Attendance letter".into(),
//!     date: Date::new(2025, 7, 8).unwrap(),
//!     kind: Kind::Letter(Letter {
//!         salutation: "Dear Ms Okafor,".into(),
//!         body: vec![Block::paragraph("Ada's attendance this term is 91.2%.")],
//!         closing: "Yours sincerely,".into(),
//!         ..Letter::default()
//!     }),
//! };
//! let pdf: Vec<u8> = render_one(&letter).unwrap();
//! ```

pub mod model;
mod world;

use std::panic::{catch_unwind, AssertUnwindSafe};

use serde::Serialize;
use typst::diag::{Severity, SourceDiagnostic};
use typst::foundations::{Datetime, Smart};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, Timestamp};

pub use model::{
    Block, Certificate, Column, Date, Document, KeyValue, Kind, Letter, Letterhead, Recipient,
    Report, Section, Signatory, Table, Width,
};

/// Why documents could not be printed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    /// `render` was given an empty list.
    #[error("nothing to print: no documents were given")]
    NoDocuments,
    /// A document does not hold together (a table row with too few cells, a heading level of 7,
    /// 31 June). `number` counts from 1 in the list given to `render`.
    #[error("document {number} ({title:?}): {problem}")]
    Invalid {
        number: usize,
        title: String,
        problem: String,
    },
    /// Typst could not typeset the documents. This is a fault of the template, not of the
    /// documents' text.
    #[error("the documents could not be typeset: {0}")]
    Typeset(String),
    /// The typeset pages could not be written as PDF.
    #[error("the PDF could not be written: {0}")]
    Export(String),
}

/// The most signatures a certificate has room for.
pub const MAX_CERTIFICATE_SIGNATORIES: usize = 3;
/// The widest a fixed-width table column may be, in millimetres (an A4 page is 210 mm wide).
pub const MAX_COLUMN_MM: f32 = 300.0;

/// Typesets one document into a PDF.
pub fn render_one(document: &Document) -> Result<Vec<u8>, PdfError> {
    render(std::slice::from_ref(document))
}

/// Typesets the documents, in order, into one PDF; each starts on a new page and has its own
/// page numbers.
pub fn render(documents: &[Document]) -> Result<Vec<u8>, PdfError> {
    let first = documents.first().ok_or(PdfError::NoDocuments)?;
    for (i, document) in documents.iter().enumerate() {
        validate(document).map_err(|problem| PdfError::Invalid {
            number: i + 1,
            title: document.title.clone(),
            problem,
        })?;
    }
    let title = if documents.len() == 1 {
        first.title.clone()
    } else {
        format!("{} and {} more", first.title, documents.len() - 1)
    };
    let json = serde_json::to_vec(&Batch {
        title: &title,
        documents,
    })
    .map_err(|err| {
        PdfError::Typeset(format!("the documents could not be written as data: {err}"))
    })?;
    let date = first.date;
    let midnight = Datetime::from_ymd_hms(date.year, date.month, date.day, 0, 0, 0)
        .ok_or_else(|| PdfError::Typeset(format!("{date} is not a date Typst accepts")))?;
    let options = PdfOptions {
        // Derived from the documents themselves: the same documents, the same identifier.
        ident: Smart::Custom(format!("rollcall:{}", String::from_utf8_lossy(&json))),
        creator: Smart::Custom(Some("Rollcall".into())),
        timestamp: Some(Timestamp::new_utc(midnight)),
        ..PdfOptions::default()
    };
    let world = world::RenderWorld::new(json, midnight);
    // Typst is not expected to panic on any data; should it ever, the caller gets an error,
    // not a dead thread.
    let result = catch_unwind(AssertUnwindSafe(|| {
        let document = typst::compile::<PagedDocument>(&world)
            .output
            .map_err(|errors| PdfError::Typeset(messages(&errors)))?;
        typst_pdf::pdf(&document, &options).map_err(|errors| PdfError::Export(messages(&errors)))
    }))
    .unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "an unexpected failure".into());
        Err(PdfError::Typeset(what))
    });
    // Typst keeps what it computed for reuse; drop what the last few renders did not use, so a
    // long-running server does not grow.
    typst::comemo::evict(4);
    result
}

#[derive(Serialize)]
struct Batch<'a> {
    title: &'a str,
    documents: &'a [Document],
}

fn messages(diagnostics: &[SourceDiagnostic]) -> String {
    diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.message.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Checks a document holds together, naming the place of the first problem.
fn validate(document: &Document) -> Result<(), String> {
    if !document.date.is_valid() {
        return Err(format!(
            "its date {:04}-{:02}-{:02} is not a day of the calendar",
            document.date.year, document.date.month, document.date.day
        ));
    }
    match &document.kind {
        Kind::Letter(letter) => validate_blocks(&letter.body, "the letter's body"),
        Kind::Certificate(certificate) => {
            let n = certificate.signatories.len();
            if n > MAX_CERTIFICATE_SIGNATORIES {
                Err(format!(
                    "a certificate has room for at most {MAX_CERTIFICATE_SIGNATORIES} signatures, not {n}"
                ))
            } else {
                Ok(())
            }
        }
        Kind::Report(report) => {
            for (i, section) in report.sections.iter().enumerate() {
                validate_blocks(
                    &section.blocks,
                    &format!("section {} ({:?})", i + 1, section.heading),
                )?;
            }
            Ok(())
        }
    }
}

fn validate_blocks(blocks: &[Block], place: &str) -> Result<(), String> {
    for (i, block) in blocks.iter().enumerate() {
        let at = format!("{place}, block {}", i + 1);
        match block {
            Block::Heading { level, .. } if !(1..=3).contains(level) => {
                return Err(format!("{at}: a heading's level is 1, 2 or 3, not {level}"));
            }
            Block::Table(table) => {
                validate_table(table).map_err(|p| format!("{at} (a table): {p}"))?
            }
            _ => {}
        }
    }
    Ok(())
}

fn validate_table(table: &Table) -> Result<(), String> {
    let columns = table.columns.len();
    if columns == 0 {
        return Err("it has no columns".into());
    }
    for (i, column) in table.columns.iter().enumerate() {
        let bad = match column.width {
            Width::Auto => None,
            Width::Share(0) => Some("a share of 0".to_string()),
            Width::Share(_) => None,
            Width::Mm(mm) if !(mm.is_finite() && mm > 0.0 && mm <= MAX_COLUMN_MM) => Some(format!(
                "{mm} mm (a width is more than 0 and at most {MAX_COLUMN_MM} mm)"
            )),
            Width::Mm(_) => None,
        };
        if let Some(bad) = bad {
            return Err(format!(
                "column {} ({:?}) has a width of {bad}",
                i + 1,
                column.header
            ));
        }
    }
    for (i, row) in table.rows.iter().enumerate() {
        if row.len() != columns {
            return Err(format!(
                "row {} has {} cells, but the table has {columns} columns",
                i + 1,
                row.len()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report_with(blocks: Vec<Block>) -> Document {
        Document {
            title: "Extract".into(),
            date: Date::new(2025, 7, 8).unwrap(),
            kind: Kind::Report(Report {
                title: "Extract".into(),
                sections: vec![Section {
                    heading: "Register".into(),
                    blocks,
                }],
                ..Report::default()
            }),
        }
    }

    #[test]
    fn dates_are_checked_against_the_calendar() {
        assert!(Date::new(2024, 2, 29).is_some());
        assert!(Date::new(2025, 2, 29).is_none());
        assert!(Date::new(1900, 2, 29).is_none());
        assert!(Date::new(2000, 2, 29).is_some());
        assert!(Date::new(2025, 13, 1).is_none());
        assert!(Date::new(2025, 6, 31).is_none());
        assert!(Date::new(0, 1, 1).is_none());
        assert_eq!(Date::new(2025, 7, 8).unwrap().long(), "8 July 2025");
        assert_eq!(Date::new(2025, 7, 8).unwrap().to_string(), "2025-07-08");
    }

    #[test]
    fn nothing_to_print_is_an_error() {
        assert_eq!(render(&[]), Err(PdfError::NoDocuments));
    }

    #[test]
    fn a_broken_document_is_named_with_the_place_of_its_problem() {
        let table = Table::new([("Date", Width::Auto), ("Code", Width::Share(1))])
            .row(["2025-07-08", "/"])
            .row(["2025-07-09"]);
        let good = report_with(vec![]);
        let bad = report_with(vec![Block::paragraph("x"), Block::Table(table)]);
        let err = render(&[good, bad]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "document 2 (\"Extract\"): section 1 (\"Register\"), block 2 (a table): row 2 has 1 cells, but the table has 2 columns"
        );

        let err = render_one(&report_with(vec![Block::heading(7, "x")])).unwrap_err();
        assert!(
            err.to_string()
                .contains("block 1: a heading's level is 1, 2 or 3, not 7"),
            "{err}"
        );

        let table = Table::new([("Date", Width::Mm(f32::NAN))]);
        let err = render_one(&report_with(vec![Block::Table(table)])).unwrap_err();
        assert!(
            err.to_string()
                .contains("column 1 (\"Date\") has a width of NaN mm"),
            "{err}"
        );

        let mut bad_date = report_with(vec![]);
        bad_date.date = Date {
            year: 2025,
            month: 2,
            day: 30,
        };
        let err = render_one(&bad_date).unwrap_err();
        assert!(err.to_string().contains("2025-02-30 is not a day"), "{err}");

        let certificate = Document {
            kind: Kind::Certificate(Certificate {
                signatories: vec![Signatory::default(); 4],
                ..Certificate::default()
            }),
            ..report_with(vec![])
        };
        let err = render_one(&certificate).unwrap_err();
        assert!(
            err.to_string().contains("at most 3 signatures, not 4"),
            "{err}"
        );
    }
}
