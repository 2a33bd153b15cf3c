//! The interchange files of interchange.md, read into domain values. Each reader checks what it can
//! see in the file alone and names the file, line and field of every problem; checks against the
//! register as it stands are the importer's ([`crate::import`]).

pub mod calendar;
pub mod contacts;
pub mod csv_file;
pub mod marks;
pub mod policy;
pub mod pupils;

use rollcall_core::{parse_date, Date};

/// Reads a `true`/`false` cell; empty is `None`.
pub(crate) fn parse_bool(text: &str) -> Result<Option<bool>, String> {
    match text.trim() {
        "" => Ok(None),
        t if t.eq_ignore_ascii_case("true") => Ok(Some(true)),
        t if t.eq_ignore_ascii_case("false") => Ok(Some(false)),
        other => Err(format!("'{other}' is not true or false")),
    }
}

/// Reads a `YYYY-MM-DD` cell.
pub(crate) fn parse_date_field(text: &str) -> Result<Date, String> {
    parse_date(text.trim()).ok_or_else(|| {
        format!(
            "'{}' is not a date; expected YYYY-MM-DD, e.g. 2025-03-03",
            text.trim()
        )
    })
}
