//! A deterministic generator of a realistic demo secondary school in England, "Northfield Academy", written as
//! Rollcall's interchange files (`calendar.toml`, `pupils.csv`, `marks.csv`, plus `amendments.csv`, a second
//! marks file of later changes to be imported after `marks.csv`).
//!
//! The same [`DemoOptions`] always give byte-identical files.
//!
//! ```
//! let school = rollcall_demo::generate(&rollcall_demo::DemoOptions { seed: 7, pupils: 50 });
//! assert!(school.pupils_csv.starts_with("upn,surname,forename,"));
//! ```

mod calendar;
mod marks;
mod names;
mod pupils;
mod upn;
mod util;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::path::Path;

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoOptions {
    /// Seed for the random generator: the same seed gives the same school.
    pub seed: u64,
    /// Number of pupils on the admission register during the year (years 7 to 11, split evenly).
    pub pupils: usize,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            seed: 1,
            pupils: 1000,
        }
    }
}

/// The generated school, as the text of its interchange files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoSchool {
    /// `calendar.toml`: the school, its register times, half terms and closures for 2024/25.
    pub calendar_toml: String,
    /// `pupils.csv`: the admission register.
    pub pupils_csv: String,
    /// `marks.csv`: every register of the year as first taken.
    pub marks_csv: String,
    /// `amendments.csv`: later changes to marks in `marks.csv`, each with its reason; import it afterwards.
    pub amendments_csv: String,
}

/// Generate the demo school.
pub fn generate(opts: &DemoOptions) -> DemoSchool {
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let cal = calendar::Calendar::northfield();
    let pupils = pupils::generate(&mut rng, &cal, opts.pupils);
    let registers = marks::simulate(&mut rng, &cal, &pupils);
    let (marks_csv, amendments_csv) = marks::to_csv(&cal, &pupils, &registers);
    DemoSchool {
        calendar_toml: cal.to_toml(),
        pupils_csv: pupils::to_csv(&pupils),
        marks_csv,
        amendments_csv,
    }
}

impl DemoSchool {
    /// Write `calendar.toml`, `pupils.csv`, `marks.csv` and `amendments.csv` into `dir`, creating it if needed.
    pub fn write_to(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("calendar.toml"), &self.calendar_toml)?;
        std::fs::write(dir.join("pupils.csv"), &self.pupils_csv)?;
        std::fs::write(dir.join("marks.csv"), &self.marks_csv)?;
        std::fs::write(dir.join("amendments.csv"), &self.amendments_csv)?;
        Ok(())
    }
}
