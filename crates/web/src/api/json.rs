//! The JSON forms the API's answers share, and reading its query parameters.

use rollcall_core::{Counts, Pupil};
use serde_json::{json, Value};

pub(super) fn pupil_json(p: &Pupil) -> Value {
    json!({
        "upn": p.upn.as_str(),
        "surname": p.surname,
        "forename": p.forename,
        "year_group": p.year_group.to_string(),
        "form": p.form,
        "admission_date": p.admission_date.to_string(),
        "leaving_date": p.leaving_date.map(|d| d.to_string()),
    })
}

pub(super) fn counts_json(c: &Counts) -> Value {
    json!({
        "possible": c.possible,
        "present": c.present,
        "aea": c.aea,
        "authorised": c.authorised,
        "unauthorised": c.unauthorised,
        "unmarked": c.unmarked,
        "late": c.late,
        "attendance_pct": c.attendance_pct().map(|p| p.rounded()),
        "absence_pct": c.absence_pct().map(|p| p.rounded()),
        "persistent_absence": c.persistent_absence(),
        "severe_absence": c.severe_absence(),
    })
}

pub(super) fn cell_json(cell: &rollcall_app::table::Cell) -> Value {
    use rollcall_app::table::Cell;
    match cell {
        Cell::Null => Value::Null,
        Cell::Bool(b) => json!(b),
        Cell::Int(n) => json!(n),
        Cell::Pct(p) => json!(p.rounded()),
        Cell::Text(t) | Cell::Rich(t, _) => json!(t),
    }
}
