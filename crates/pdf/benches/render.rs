//! Benchmark: typesetting printed documents, each job beside a peer doing the same job on the same
//! documents in the same run.
//!
//! - A batch of 300 letters about attendance into one PDF (one in four runs onto a second page,
//!   with a table of the term's absences). **Peer**: the same 300 letters rendered one PDF per
//!   letter, one call each, as a school printing them one at a time would.
//! - An evidence pack's register extract: 12 school weeks of 10 sessions (120 marks with date,
//!   session, code, meaning, who recorded it, their role and when) and 20 amendments, the table
//!   breaking across pages with its header repeated, every page numbered "Page x of y".
//!   **Peer**: the same report with the tables left out (the head, the pupil, the certification
//!   and its signature), the floor any document pays.
//!
//! Targets: 300 letters under 10 s; the extract under 1 s (release build).
//!
//! Run: `cargo bench -p rollcall-pdf --bench render` (medians of several runs; results in
//! docs/performance.md).

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;

use std::time::{Duration, Instant};

use rollcall_pdf::{render, render_one, Block, Document, Kind};

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The median of `runs` timed runs, after one untimed run to warm up (fonts parsed, template
/// compiled); returns it with the last run's answer. Each run gets its own number, from which it
/// makes documents no other run has typeset: Typst keeps what it laid out for reuse, and a
/// school never prints the same batch twice in a row.
fn timed<T>(runs: usize, mut f: impl FnMut(usize) -> T) -> (Duration, T) {
    let mut last = f(0);
    let times = (1..=runs)
        .map(|run| {
            let start = Instant::now();
            last = f(run);
            start.elapsed()
        })
        .collect();
    (median(times), last)
}

/// 300 letters no other run has.
fn letters(run: usize) -> Vec<Document> {
    (0..300)
        .map(|i| fixtures::letter(run * 1000 + i, i % 4 == 1))
        .collect()
}

/// The extract with every mark and amendment stamped with the run's number.
fn extract(run: usize, tables: bool) -> Document {
    let mut document = fixtures::register_extract(20);
    if let Kind::Report(report) = &mut document.kind {
        for section in &mut report.sections {
            if !tables {
                section.blocks.retain(|b| !matches!(b, Block::Table(_)));
            }
            for block in &mut section.blocks {
                if let Block::Table(table) = block {
                    for row in &mut table.rows {
                        if let Some(at) = row.last_mut() {
                            at.push_str(&format!(" #{run}"));
                        }
                    }
                }
            }
        }
        report.subtitle = Some(format!("Ben Smith ({run}), Year 5"));
    }
    document
}

/// Pages, as `pdftotext` counts them (a form feed after each).
fn page_count(pdf: &[u8]) -> usize {
    rollcall_testkit::pdf_text(pdf).matches('\u{c}').count()
}

fn main() {
    let start = Instant::now();
    let first = render_one(&fixtures::letter(0, false)).expect("a letter");
    let cold = start.elapsed();

    const LETTER_RUNS: usize = 5;
    let (batch, pdf) = timed(LETTER_RUNS, |run| render(&letters(run)).expect("the batch"));
    let batch_pages = page_count(&pdf);
    let batch_size = pdf.len();
    let (one_by_one, _) = timed(LETTER_RUNS, |run| {
        letters(100 + run)
            .iter()
            .map(|letter| render_one(letter).expect("a letter").len())
            .sum::<usize>()
    });

    const REPORT_RUNS: usize = 11;
    let (report, pdf) = timed(REPORT_RUNS, |run| {
        render_one(&extract(run, true)).expect("the extract")
    });
    let report_pages = page_count(&pdf);
    let (bare_time, _) = timed(REPORT_RUNS, |run| {
        render_one(&extract(100 + run, false)).expect("the bare report")
    });

    println!(
        "first render in the process (fonts and template loaded): {} ({} bytes)",
        ms(cold),
        first.len()
    );
    println!();
    println!(
        "| 300 letters ({batch_pages} pages, {} KB) | median of {LETTER_RUNS} |",
        batch_size / 1024
    );
    println!("|---|---|");
    println!("| rollcall-pdf, one batch into one PDF | {} |", ms(batch));
    println!("| per letter | {} |", ms(batch / 300));
    println!(
        "| peer: the same letters, one PDF per letter | {} |",
        ms(one_by_one)
    );
    println!(
        "| ratio batch / peer | {:.2} |",
        batch.as_secs_f64() / one_by_one.as_secs_f64()
    );
    println!();
    println!("| register extract, 120 marks + 20 amendments ({report_pages} pages) | median of {REPORT_RUNS} |");
    println!("|---|---|");
    println!("| rollcall-pdf, the whole extract | {} |", ms(report));
    println!(
        "| peer: the same report without its tables | {} |",
        ms(bare_time)
    );
    println!(
        "| ratio extract / peer | {:.2} |",
        report.as_secs_f64() / bare_time.as_secs_f64()
    );
    println!();
    println!(
        "targets: 300 letters < 10 s ({}), the extract < 1 s ({})",
        if batch < Duration::from_secs(10) {
            "met"
        } else {
            "NOT met"
        },
        if report < Duration::from_secs(1) {
            "met"
        } else {
            "NOT met"
        },
    );
}
