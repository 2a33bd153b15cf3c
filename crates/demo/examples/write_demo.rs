//! Write the demo school's files to a directory:
//! `cargo run --release -p rollcall-demo --example write_demo -- DIR [SEED] [PUPILS]`.

use rollcall_demo::{generate, DemoOptions};
use std::path::PathBuf;
use std::time::Instant;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "demo-school".to_string()));
    let mut opts = DemoOptions::default();
    if let Some(seed) = args.next() {
        opts.seed = seed.parse().expect("SEED is a whole number");
    }
    if let Some(pupils) = args.next() {
        opts.pupils = pupils.parse().expect("PUPILS is a whole number");
    }
    let started = Instant::now();
    let school = generate(&opts);
    let elapsed = started.elapsed();
    school.write_to(&dir)?;
    let rows = |s: &str| s.lines().count().saturating_sub(1);
    println!(
        "{}: {} pupils, {} marks, {} amendments (generated in {} ms)",
        dir.display(),
        rows(&school.pupils_csv),
        rows(&school.marks_csv),
        rows(&school.amendments_csv),
        elapsed.as_millis()
    );
    Ok(())
}
