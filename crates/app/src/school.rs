//! Choosing the school a command acts on.

use rollcall_store::{School, Store};

use crate::error::{AppError, Result};

/// The only school in the database, or the one named by `wanted` (its URN, or its name when it has
/// none). With several schools and no `wanted`, says so.
pub fn resolve_school(store: &mut dyn Store, wanted: Option<&str>) -> Result<School> {
    let schools = store.schools()?;
    let list = || {
        schools
            .iter()
            .map(|s| match &s.details.urn {
                Some(urn) => format!("{urn} ({})", s.details.name),
                None => s.details.name.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    match wanted {
        Some(w) => schools
            .iter()
            .find(|s| s.details.urn.as_deref() == Some(w))
            .or_else(|| schools.iter().find(|s| s.details.urn.is_none() && s.details.name == w))
            .cloned()
            .ok_or_else(|| {
                AppError::Usage(if schools.is_empty() {
                    format!("no school with URN {w}: the database has no school yet; import a calendar first (rollcall import calendar FILE.toml)")
                } else {
                    format!("no school with URN {w}; the database holds: {}", list())
                })
            }),
        None => match schools.len() {
            0 => Err(AppError::Usage(
                "the database has no school yet; import a calendar first (rollcall import calendar FILE.toml)".into(),
            )),
            1 => Ok(schools[0].clone()),
            _ => Err(AppError::Usage(format!(
                "the database holds several schools; choose one with --school URN: {}",
                list()
            ))),
        },
    }
}
