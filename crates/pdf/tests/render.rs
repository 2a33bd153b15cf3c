//! Printed documents, read back: the PDF's text through `pdftotext` and its pages as pictures
//! through `pdftoppm` (Debian's poppler-utils, installed by `scripts/setup`).

mod fixtures;

use rollcall_pdf::{render, render_one, Block, Document, Kind, Signatory, Table, Width};
use rollcall_testkit::{pdf_text, pdf_to_png};

/// The text of each page, in order.
fn pages(pdf: &[u8]) -> Vec<String> {
    let text = pdf_text(pdf);
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_owned).collect();
    // pdftotext ends every page with a form feed, so the last piece is what follows the last.
    assert_eq!(pages.pop().as_deref(), Some(""), "text after the last page");
    pages
}

/// Text with runs of spaces and line ends made single spaces, as `-layout` spreads them.
fn squeezed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn a_letter_prints_on_one_page_with_all_its_parts() {
    let pdf = render_one(&fixtures::letter(7, false)).expect("a letter renders");
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let pages = pages(&pdf);
    assert_eq!(pages.len(), 1, "a short letter is one page");
    let text = squeezed(&pages[0]);
    for part in [
        fixtures::SCHOOL,
        "Meadow Lane",
        "Telephone 0113 496 0000",
        "attendance@oakfield.example.sch.uk",
        "Mrs R. Okafor (7)",
        "8 Elm Street",
        "8 July 2025",
        "Our reference: ATT/2025/0007",
        "Hugo Okafor (7): attendance this year",
        "Dear Mrs R. Okafor (7),",
        "I am writing to you about Hugo Okafor (7)'s attendance",
        "Attendance this year 85.7%",
        "Sessions missed 27",
        "Yours sincerely,",
        "Joanna Patel",
        "Attendance Officer",
    ] {
        assert!(
            text.contains(part),
            "{part:?} is missing from the letter:\n{text}"
        );
    }
    assert!(
        !text.contains("Page 1 of"),
        "a one-page letter has no page number:\n{text}"
    );
}

#[test]
fn a_long_letter_runs_onto_a_second_numbered_page() {
    let pdf = render_one(&fixtures::letter(3, true)).expect("a long letter renders");
    let pages = pages(&pdf);
    assert_eq!(pages.len(), 2, "the long letter takes two pages");
    assert!(squeezed(&pages[0]).contains("Page 1 of 2"));
    let second = squeezed(&pages[1]);
    assert!(second.contains("Page 2 of 2"), "{second}");
    // The second page says whose letter it continues.
    assert!(
        second.starts_with("Mrs R. Okafor (3) · ATT/2025/0003 8 July 2025"),
        "{second}"
    );
}

#[test]
fn a_batch_of_letters_is_one_pdf_with_each_letter_starting_a_page() {
    let letters: Vec<Document> = (0..12).map(|n| fixtures::letter(n, n % 4 == 1)).collect();
    let pdf = render(&letters).expect("the batch renders");
    let pages = pages(&pdf);
    assert!(pages.len() >= letters.len(), "{} pages", pages.len());
    assert_eq!(
        pages.len(),
        12 + 3,
        "three of the letters are two pages long"
    );
    // Each letter's first page starts with the letterhead and is addressed to its own parent;
    // no page holds the start of two letters.
    let firsts: Vec<String> = pages
        .iter()
        .map(|page| squeezed(page))
        .filter(|page| page.starts_with(fixtures::SCHOOL))
        .collect();
    assert_eq!(
        firsts.len(),
        letters.len(),
        "{:#?}",
        pages
            .iter()
            .map(|p| squeezed(p).chars().take(80).collect::<String>())
            .collect::<Vec<_>>()
    );
    for (n, page) in firsts.iter().enumerate() {
        let (_, parent) = fixtures::names(n);
        assert!(
            page.contains(&format!("Dear {parent},")),
            "letter {n}: {page}"
        );
        assert_eq!(
            page.matches("Dear ").count(),
            1,
            "page holds two letters: {page}"
        );
    }
    // Page numbers count within each letter, not through the batch.
    let numbered: Vec<String> = pages
        .iter()
        .map(|p| squeezed(p))
        .filter(|p| p.contains(" of 2"))
        .collect();
    assert_eq!(
        numbered.len(),
        6,
        "each two-page letter numbers its own pages"
    );
    assert!(!pages.iter().any(|p| p.contains(" of 15")));
}

#[test]
fn text_from_the_database_prints_literally_and_is_never_markup() {
    let hostile = [
        "#panic(\"x\")",
        "*bold*",
        "_under_",
        "$x^2$",
        "<label>",
        "@ref",
        "back\\slash",
        "]",
        "[",
        "#set page(flipped: true)",
        "#read(\"/data.json\")",
        "= Not a heading",
        "// not a comment",
        "```raw```",
        "{ code }",
        "\"quoted\"",
    ];
    let all = hostile.join(" ");
    let mut document = fixtures::letter(1, false);
    let Kind::Letter(letter) = &mut document.kind else {
        unreachable!()
    };
    letter.recipient.name = "#panic(\"x\")".into();
    letter.recipient.address = hostile.iter().map(|s| s.to_string()).collect();
    letter.reference = Some("]*ref*[".into());
    letter.subject = Some(format!("Subject {all}"));
    letter.salutation = "Dear #strong[parent],".into();
    letter.signatory = Signatory {
        name: "$signed$".into(),
        role: "<role> @role".into(),
    };
    letter.body = vec![
        Block::heading(2, "Heading @h <h>"),
        Block::paragraph(format!("Paragraph {all}")),
        Block::bullets(["- item *one*", "#list(\"two\")"]),
        Block::key_values([("Key $k$", "Value ]v[")]),
        Block::Table(
            Table::new([("Head #h", Width::Auto), ("*h2*", Width::Share(1))])
                .row(["cell \\", "#panic(\"in a cell\")"]),
        ),
    ];
    let pdf = render_one(&document).expect("hostile text renders as text");
    let text = squeezed(&pdf_text(&pdf));
    for literal in hostile {
        assert!(
            text.contains(literal),
            "{literal:?} did not print literally:\n{text}"
        );
    }
    for literal in [
        "Subject #panic(\"x\") *bold*",
        "Paragraph #panic(\"x\")",
        "]*ref*[",
        "Dear #strong[parent],",
        "$signed$",
        "<role> @role",
        "Heading @h <h>",
        "- item *one*",
        "#list(\"two\")",
        "Key $k$ Value ]v[",
        "Head #h *h2*",
        "cell \\ #panic(\"in a cell\")",
    ] {
        assert!(
            text.contains(literal),
            "{literal:?} did not print literally:\n{text}"
        );
    }
    // `#read(...)` above stayed text: the documents' data appears nowhere else.
    assert!(!text.contains("\"documents\""), "{text}");
    assert_eq!(pages(&pdf).len(), 1, "#set page did not start new pages");
}

#[test]
fn the_same_documents_give_the_same_bytes() {
    let batch = vec![
        fixtures::letter(4, true),
        fixtures::certificate(),
        fixtures::register_extract(5),
    ];
    let first = render(&batch).expect("renders");
    let second = render(&batch).expect("renders again");
    assert!(first == second, "two renders of the same documents differ");
    // and different documents are told apart by the PDF's identifier too
    let other = render(&[fixtures::letter(5, true)]).expect("renders");
    assert_ne!(first, other);
}

#[test]
fn a_long_table_breaks_across_pages_with_its_header_on_each() {
    let pdf = render_one(&fixtures::register_extract(20)).expect("the extract renders");
    let pages = pages(&pdf);
    assert!(
        pages.len() >= 3,
        "120 marks and 20 amendments take several pages"
    );
    let total = pages.len();
    let header = fixtures::EXTRACT_HEADERS.join(" ");
    let mut rows = 0;
    for (i, page) in pages.iter().enumerate() {
        let text = squeezed(page);
        assert!(
            text.contains(&format!("Page {} of {total}", i + 1)),
            "page {} is not numbered 'Page {} of {total}':\n{text}",
            i + 1,
            i + 1
        );
        assert!(
            text.contains("Certified a true extract of the attendance register"),
            "page {} has no footer line",
            i + 1
        );
        let marks_here = text.matches("Sam Taylor").count();
        if marks_here > 0 {
            assert!(
                text.contains(&header),
                "page {} holds marks but not the table's header:\n{text}",
                i + 1
            );
        }
        rows += marks_here;
    }
    assert_eq!(rows, 120, "every mark is printed once");
    let marks_pages = pages.iter().filter(|p| p.contains("Sam Taylor")).count();
    assert!(
        marks_pages >= 2,
        "the marks table runs over {marks_pages} page(s)"
    );
    let last = squeezed(pages.last().unwrap());
    assert!(
        last.contains("David Hughes Date"),
        "the dated signature is at the end:\n{last}"
    );
}

#[test]
fn a_certificate_is_one_landscape_page() {
    let pdf = render_one(&fixtures::certificate()).expect("the certificate renders");
    let pages = pages(&pdf);
    assert_eq!(pages.len(), 1);
    let text = squeezed(&pages[0]);
    for part in [
        "OAKFIELD PRIMARY SCHOOL",
        "100% attendance",
        "awarded to",
        "Amira Okafor",
        "Summer term 2025",
        "David Hughes",
        "Attendance Officer",
        "8 July 2025",
    ] {
        assert!(text.contains(part), "{part:?} is missing:\n{text}");
    }
    // A landscape page: wider than it is tall (a PNG's width and height follow its signature).
    let dir = tempfile::tempdir().expect("a temporary folder");
    let pictures = pdf_to_png(&pdf, &dir.path().join("certificate"));
    let png = std::fs::read(&pictures[0]).expect("the picture");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert!(
        width > height,
        "the certificate is {width} x {height}, not landscape"
    );
}

#[test]
fn reports_in_a_batch_number_their_own_pages() {
    let pdf = render(&[
        fixtures::register_extract(20),
        fixtures::register_extract(0),
    ])
    .expect("renders");
    let pages: Vec<String> = pages(&pdf).iter().map(|p| squeezed(p)).collect();
    let firsts: Vec<usize> = pages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.contains("Prepared from the register of"))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(firsts.len(), 2, "each report starts a page");
    let (a, b) = (firsts[0], firsts[1]);
    assert!(pages[a].contains(&format!("Page 1 of {b}")), "{}", pages[a]);
    let second_total = pages.len() - b;
    assert!(
        pages[b].contains(&format!("Page 1 of {second_total}")),
        "{}",
        pages[b]
    );
}

#[test]
fn a_letter_can_be_kept_as_a_picture() {
    let dir = rollcall_testkit::browser::screenshots_dir();
    let pdf = render_one(&fixtures::letter(3, true)).expect("renders");
    let pictures = pdf_to_png(&pdf, &dir.join("pdf-letter"));
    assert_eq!(pictures.len(), 2, "one picture per page: {pictures:?}");
    for picture in &pictures {
        let bytes = std::fs::read(picture).expect("the picture");
        assert!(
            bytes.starts_with(b"\x89PNG"),
            "{} is not a PNG",
            picture.display()
        );
        // A page with text on it, not a blank one, compresses to well over a few kilobytes.
        assert!(bytes.len() > 8_000, "{} looks blank", picture.display());
    }
    let pictures = pdf_to_png(
        &render_one(&fixtures::certificate()).expect("renders"),
        &dir.join("pdf-certificate"),
    );
    assert_eq!(pictures.len(), 1);
    let pictures = pdf_to_png(
        &render_one(&fixtures::register_extract(20)).expect("renders"),
        &dir.join("pdf-register-extract"),
    );
    assert!(pictures.len() >= 3);
}
