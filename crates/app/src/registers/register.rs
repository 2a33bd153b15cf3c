//! A form's register for one session, read with its version.

use chrono::NaiveDateTime;
use rollcall_core::{Date, Session};
use std::collections::HashMap;

use rollcall_store::{DateRange, PupilId, SchoolId, Store, StoredPupil};

use super::{marks_of, register_times, Refusal, Register, RegisterRow, Reported, Result, Window};

/// A short, stable hash (64-bit FNV-1a) of the register's marks, as hex.
fn version_of<'a>(rows: impl Iterator<Item = &'a RegisterRow>) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    let mut rows: Vec<_> = rows.collect();
    rows.sort_by_key(|r| r.id);
    for r in rows {
        eat(r.id.to_string().as_bytes());
        eat(b"|");
        if let Some(m) = &r.mark {
            eat(m.entry.code.text().as_bytes());
            eat(b"|");
            eat(m
                .entry
                .minutes_late
                .unwrap_or(u32::MAX)
                .to_string()
                .as_bytes());
            eat(b"|");
            eat(m.recorded.by.as_bytes());
            eat(b"|");
            eat(rollcall_store::format_timestamp(&m.recorded.at).as_bytes());
        }
        eat(b";");
    }
    format!("{hash:016x}")
}

/// The latest report of each pupil of the school that covers the session.
pub(crate) fn reported_on(
    store: &mut dyn Store,
    school: SchoolId,
    date: Date,
    session: Session,
) -> Result<HashMap<PupilId, Reported>> {
    Ok(store
        .absence_reports(school, DateRange::between(date, date))?
        .into_iter()
        .filter(|r| r.report.first <= (date, session) && (date, session) <= r.report.last)
        .map(|r| {
            let r = r.report;
            (
                r.pupil,
                Reported {
                    kind: r.kind,
                    by: r.reported_by,
                    reason: r.reason,
                    awaiting_review: r.awaiting_review,
                    expected_return: r.expected_return,
                },
            )
        })
        .collect())
}

/// The register of `form` for a session: its pupils on roll that day, each with their mark.
pub fn register(
    store: &mut dyn Store,
    school: SchoolId,
    form: &str,
    date: Date,
    session: Session,
    now: NaiveDateTime,
) -> Result<Register> {
    let times = register_times(store, school)?;
    let of_form: Vec<StoredPupil> = store.form_pupils(school, form)?;
    if of_form.is_empty() {
        return Err(Refusal::NotFound(format!(
            "there is no form {form} on this school's admission register"
        )));
    }
    let calendar = store.calendar(school)?;
    let ids: Vec<PupilId> = of_form.iter().map(|p| p.id).collect();
    let mut marks = marks_of(store, school, Some(&ids), date, session)?;
    let mut reported = reported_on(store, school, date, session)?;
    let mut rows = Vec::new();
    let mut not_expected = Vec::new();
    for p in of_form.into_iter().filter(|p| p.pupil.on_roll(date)) {
        let row = RegisterRow {
            id: p.id,
            mark: marks.remove(&p.id),
            reported: reported.remove(&p.id),
            pupil: p.pupil,
        };
        match calendar.check_session(date, session, row.pupil.year_group) {
            Ok(()) => rows.push(row),
            Err(why) => not_expected.push((row, why.to_string())),
        }
    }
    let order = |r: &RegisterRow| {
        (
            r.pupil.surname.to_lowercase(),
            r.pupil.forename.to_lowercase(),
            r.pupil.upn.clone(),
        )
    };
    rows.sort_by_cached_key(order);
    not_expected.sort_by_cached_key(|(r, _)| order(r));
    if rows.is_empty() {
        let why = match not_expected.first() {
            Some((_, why)) => {
                format!("{date} {session} is not a school session for form {form}: {why}")
            }
            None => format!("no pupil of form {form} is on roll on {date}"),
        };
        return Err(Refusal::invalid(why));
    }
    let version = version_of(rows.iter());
    Ok(Register {
        form: form.to_owned(),
        date,
        session,
        window: Window::of(&times, date, session, now),
        times,
        rows,
        not_expected,
        version,
        away: Default::default(),
    })
}
