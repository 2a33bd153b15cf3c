//! The demo school: generated interchange files, imported through the same path as a school's own.

use std::path::Path;

use rollcall_demo::{generate, DemoOptions};
use rollcall_store::Store;

use crate::error::{AppError, Result};
use crate::import::{import_calendar, import_marks, import_pupils, ImportOutcome, ProgressFn};
use crate::school::resolve_school;
use crate::Actor;

/// Writes the demo school's files into `dir` and imports them into `store`.
pub fn build_demo(
    store: &mut dyn Store,
    dir: &Path,
    opts: &DemoOptions,
    progress: ProgressFn<'_>,
) -> Result<Vec<ImportOutcome>> {
    let demo = generate(opts);
    demo.write_to(dir).map_err(|e| {
        AppError::Io(format!(
            "cannot write the demo files to {}: {e}",
            dir.display()
        ))
    })?;
    let mut outcomes = vec![import_calendar(store, &dir.join("calendar.toml"))?];
    let school = resolve_school(store, Some("140123"))?;
    outcomes.push(import_pupils(store, &school, &dir.join("pupils.csv"))?);
    let office = Actor {
        name: "Demo office".into(),
        role: "office".into(),
    };
    outcomes.push(import_marks(
        store,
        &school,
        &dir.join("marks.csv"),
        &office,
        progress,
    )?);
    let officer = Actor {
        name: "Demo attendance officer".into(),
        role: "attendance officer".into(),
    };
    outcomes.push(import_marks(
        store,
        &school,
        &dir.join("amendments.csv"),
        &officer,
        &mut |_, _, _| {},
    )?);
    Ok(outcomes)
}
