//! What the commands show: tables, import reports, the demo's summary and a progress bar.

use std::io::{IsTerminal, Write};

use rollcall_app::import::ImportOutcome;
use rollcall_app::reports::{group_stats, GroupField};
use rollcall_app::table::{Format, Table};
use rollcall_app::AppError;

/// The demo's figures: one line per year group, then the whole school.
pub fn print_summary(
    out: &mut dyn Write,
    stats: &[(rollcall_core::Pupil, rollcall_core::Counts)],
    by: &[GroupField],
) {
    let groups = group_stats(stats, by);
    let whole = group_stats(stats, &[]);
    let _ = writeln!(
        out,
        "{:<10} {:>7} {:>10} {:>9} {:>12} {:>12}",
        "year", "pupils", "possible", "attend %", "persistent %", "severe %"
    );
    let pct =
        |p: Option<rollcall_core::Percent>| p.map_or_else(|| "-".to_owned(), |p| p.to_string());
    for (key, g) in groups.iter().chain(whole.iter()) {
        let name = match key.first() {
            Some(rollcall_app::table::Cell::Text(t)) => format!("Year {t}"),
            _ => "School".to_owned(),
        };
        let _ = writeln!(
            out,
            "{:<10} {:>7} {:>10} {:>9} {:>12} {:>12}",
            name,
            g.pupils,
            g.possible,
            pct(g.attendance_pct()),
            pct(g.pa_pct()),
            pct(g.sa_pct())
        );
    }
}

/// An import's warnings and what it imported, on standard error.
pub fn report(outcome: &ImportOutcome) {
    for w in &outcome.warnings {
        eprintln!("warning: {w}");
    }
    eprintln!("imported {}", outcome.summary);
}

/// A table on standard output; a closed pipe (e.g. `| head`) is not an error.
pub fn write_table(table: &Table, format: Format) -> Result<(), AppError> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    table
        .write(format, &mut out)
        .and_then(|()| out.flush())
        .or_else(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                Ok(())
            } else {
                Err(AppError::Io(format!("cannot write the output: {e}")))
            }
        })
}

/// Hides any password in a database URL before it is shown.
pub fn display_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let user_pass = &url[scheme + 3..at];
            let user = user_pass.split(':').next().unwrap_or("");
            format!("{}{user}{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// A progress bar on a terminal, for long imports; nothing when output is redirected.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    stage: String,
}

impl Progress {
    pub fn new() -> Progress {
        Progress {
            bar: None,
            stage: String::new(),
        }
    }

    pub fn update(&mut self, stage: &str, done: usize, total: usize) {
        if total < 20_000 || !std::io::stderr().is_terminal() {
            return;
        }
        if self.stage != stage {
            if let Some(bar) = self.bar.take() {
                bar.finish_and_clear();
            }
            let bar = indicatif::ProgressBar::new(total as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{msg:>9} [{bar:40}] {pos}/{len}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_message(stage.to_owned());
            self.bar = Some(bar);
            self.stage = stage.to_owned();
        }
        if let Some(bar) = &self.bar {
            bar.set_position(done as u64);
        }
    }

    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
