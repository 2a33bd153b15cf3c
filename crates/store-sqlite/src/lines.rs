//! Register lines: a pupil's marks for one academic year packed one byte per session, so that the
//! figures for a whole school's year load in one short read instead of one row per mark.
//!
//! Slot `2 × (days since 1 September) + session` holds the national code's number (its position in
//! [`BaseCode::ALL`] plus one), or 0 where there is no mark. Sub-codes are stored as their parent:
//! statistics need only the category. Lines are derived from the `marks` table and are rewritten in
//! the same transaction as every change to it ([`update`]), which is the only way marks are written.

use std::collections::BTreeMap;

use rollcall_core::dates::{academic_year, academic_year_start};
use rollcall_core::marks::MarkFact;
use rollcall_core::{BaseCode, Date, Session};
use rollcall_store::{DateRange, PupilId, PupilMarkFact, Result, SchoolId, StoreError};
use rusqlite::{params, Connection, OptionalExtension};

use crate::db_err;

/// Sessions in the longest academic year (366 days).
const SLOTS: usize = 366 * 2;

fn slot(date: Date, session: Session) -> (i32, usize) {
    let year = academic_year(date);
    let days = (date - academic_year_start(year)).num_days();
    (
        year,
        usize::try_from(days).unwrap_or(0) * 2 + session.index(),
    )
}

fn code_byte(code: BaseCode) -> u8 {
    BaseCode::ALL
        .iter()
        .position(|&c| c == code)
        .and_then(|i| u8::try_from(i + 1).ok())
        .unwrap_or(0)
}

/// Writes the given marks into their pupils' lines.
pub(crate) fn update(
    conn: &Connection,
    marks: impl Iterator<Item = (PupilId, Date, Session, BaseCode)>,
) -> Result<()> {
    let mut touched: BTreeMap<(PupilId, i32), Vec<(usize, u8)>> = BTreeMap::new();
    for (pupil, date, session, code) in marks {
        let (year, slot) = slot(date, session);
        touched
            .entry((pupil, year))
            .or_default()
            .push((slot, code_byte(code)));
    }
    let mut read = conn
        .prepare_cached(
            "SELECT line FROM register_lines WHERE pupil_id = ?1 AND academic_year = ?2",
        )
        .map_err(db_err)?;
    // An existing line is updated in place (its key unchanged, so no delete and reinsert and no
    // second check of the pupil); a pupil's first line of a year is inserted.
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO register_lines (pupil_id, academic_year, line) VALUES (?1, ?2, ?3)",
        )
        .map_err(db_err)?;
    let mut update = conn
        .prepare_cached(
            "UPDATE register_lines SET line = ?3 WHERE pupil_id = ?1 AND academic_year = ?2",
        )
        .map_err(db_err)?;
    for ((pupil, year), slots) in touched {
        let found: Option<Vec<u8>> = read
            .query_row(params![pupil, year], |r| r.get(0))
            .optional()
            .map_err(db_err)?;
        let exists = found.is_some();
        let mut line = found.unwrap_or_default();
        line.resize(SLOTS, 0);
        for (slot, byte) in slots {
            if let Some(b) = line.get_mut(slot) {
                *b = byte;
            }
        }
        if exists {
            update.execute(params![pupil, year, line]).map_err(db_err)?;
        } else {
            insert.execute(params![pupil, year, line]).map_err(db_err)?;
        }
    }
    Ok(())
}

/// The marks of a school's pupils in a range, read from their lines, by pupil, date and session.
pub(crate) fn facts(
    conn: &Connection,
    school: SchoolId,
    range: DateRange,
) -> Result<Vec<PupilMarkFact>> {
    let first_year = range.from.map_or(i32::MIN, academic_year);
    let last_year = range.to.map_or(i32::MAX, academic_year);
    let mut stmt = conn
        .prepare_cached(
            "SELECT l.pupil_id, l.academic_year, l.line
             FROM pupils p JOIN register_lines l ON l.pupil_id = p.id
             WHERE p.school_id = ?1 AND l.academic_year BETWEEN ?2 AND ?3
             ORDER BY l.pupil_id, l.academic_year",
        )
        .map_err(db_err)?;
    let mut rows = stmt
        .query(params![school, first_year, last_year])
        .map_err(db_err)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(db_err)? {
        let pupil: PupilId = r.get(0).map_err(db_err)?;
        let year: i32 = r.get(1).map_err(db_err)?;
        let line = r
            .get_ref(2)
            .map_err(db_err)?
            .as_blob()
            .map_err(|e| db_err(e.into()))?;
        let start = academic_year_start(year);
        // Only the part of the line the range covers: a few days of a year are a few bytes.
        let index = |date: Date| {
            usize::try_from((date - start).num_days().max(0) * 2).unwrap_or(usize::MAX)
        };
        let first = range.from.map_or(0, index).min(line.len());
        let end = range
            .to
            .map_or(line.len(), |to| index(to).saturating_add(2))
            .clamp(first, line.len());
        for (i, &byte) in line
            .iter()
            .enumerate()
            .take(end)
            .skip(first)
            .filter(|(_, &b)| b != 0)
        {
            let code = *BaseCode::ALL
                .get(usize::from(byte) - 1)
                .ok_or_else(|| StoreError::Corrupt(format!("register line code {byte}")))?;
            let date = start + chrono::Days::new((i / 2) as u64);
            if range.from.is_some_and(|f| date < f) || range.to.is_some_and(|t| date > t) {
                continue;
            }
            let session = if i % 2 == 0 { Session::Am } else { Session::Pm };
            out.push(PupilMarkFact {
                pupil,
                fact: MarkFact {
                    date,
                    session,
                    code,
                },
            });
        }
    }
    Ok(out)
}
