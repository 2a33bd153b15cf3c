//! Reading rows back into domain values without trusting them: whatever Rollcall did not write
//! is reported as [`StoreError::Corrupt`], never a panic.

use rollcall_core::marks::{MarkEntry, Recorded};
use rollcall_core::{Calendar, Closure, Date, HalfTerm, Pupil, Session};
use rollcall_store::{
    decode, parse_timestamp, stored_code, DateRange, PupilId, Result, School, SchoolDetails,
    SchoolId, StoreError, StoredMark, StoredPupil,
};
use rusqlite::{params, Connection, Row};

use crate::db_err;

/// A date column (`YYYY-MM-DD`); one that is not a date is [`StoreError::Corrupt`] (through
/// [`db_err`]).
pub(crate) fn date_col(row: &Row<'_>, i: usize) -> rusqlite::Result<Date> {
    opt_date_col(row, i)?.ok_or_else(|| unreadable(i, StoreError::unreadable("date", "NULL")))
}

pub(crate) fn opt_date_col(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<Date>> {
    let Some(text) = row.get_ref(i)?.as_str_or_null()? else {
        return Ok(None);
    };
    decode::date(text).map(Some).map_err(|e| unreadable(i, e))
}

/// A column's value that is not what it should be, as an error of a row's reader that
/// [`db_err`] turns back into `e`.
fn unreadable(i: usize, e: StoreError) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
}

/// A text column, borrowed from the row.
pub(crate) fn text_col<'r>(row: &'r Row<'_>, i: usize) -> Result<&'r str> {
    row.get_ref(i)
        .map_err(db_err)?
        .as_str()
        .map_err(|e| db_err(e.into()))
}

pub(crate) fn day(date: Date) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// The first and last day of a date range as text to compare with date columns
/// ([`DateRange::bounds`]).
pub(crate) fn range_params(range: DateRange) -> (String, String) {
    let (from, to) = range.bounds();
    (day(from), day(to))
}

pub(crate) fn session_of(text: &str) -> Result<Session> {
    decode::session(text)
}

/// Who recorded something, from three consecutive columns: by, role, at.
pub(crate) fn read_recorded(row: &Row<'_>, i: usize) -> rusqlite::Result<(String, String, String)> {
    Ok((row.get(i)?, row.get(i + 1)?, row.get(i + 2)?))
}

/// A mark from its stored columns.
pub(crate) fn stored_mark(
    pupil: PupilId,
    date: Date,
    session: &str,
    code: &str,
    minutes_late: Option<i64>,
    rec: (String, String, String),
) -> Result<StoredMark> {
    Ok(StoredMark {
        pupil,
        date,
        session: session_of(session)?,
        entry: entry(code, minutes_late)?,
        recorded: recorded(rec)?,
    })
}

pub(crate) fn recorded((by, role, at): (String, String, String)) -> Result<Recorded> {
    Ok(Recorded {
        by,
        role,
        at: parse_timestamp(&at)?,
    })
}

pub(crate) fn entry(code: &str, minutes_late: Option<i64>) -> Result<MarkEntry> {
    Ok(MarkEntry {
        code: stored_code(code)?,
        minutes_late: decode::minutes_late(minutes_late)?,
    })
}

/// Every school, by id.
pub(crate) fn schools(conn: &Connection) -> Result<Vec<School>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, name, urn, la, estab, am_opens, am_closes, pm_opens, pm_closes
             FROM schools ORDER BY id",
        )
        .map_err(db_err)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, SchoolId>(0)?,
                SchoolDetails {
                    name: r.get(1)?,
                    urn: r.get(2)?,
                    la: r.get(3)?,
                    estab: r.get(4)?,
                },
                [r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?],
            ))
        })
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<(SchoolId, SchoolDetails, [Option<String>; 4])>>>()
        .map_err(db_err)?;
    rows.into_iter()
        .map(|(id, details, times)| {
            Ok(School {
                id,
                details,
                register_times: decode::register_times(times.each_ref().map(Option::as_deref))?,
            })
        })
        .collect()
}

/// The pupils that match `condition` (on `?1`, the school, and `?2`, a form), by UPN.
pub(crate) fn query_pupils(
    conn: &Connection,
    condition: &str,
    school: SchoolId,
    form: Option<&str>,
) -> Result<Vec<StoredPupil>> {
    let sql = format!(
        "SELECT id, upn, surname, forename, dob, sex, year_group, form, admission_date,
                leaving_date, fsm, pupil_premium, looked_after, social_worker, eal,
                young_carer, sen, ethnicity, deletion_ground
         FROM pupils WHERE {condition} ORDER BY upn"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(db_err)?;
    type Raw = (
        PupilId,
        String,
        String,
        String,
        Date,
        Option<String>,
        String,
        Option<String>,
        Date,
        Option<Date>,
        [bool; 6],
        String,
        (Option<String>, Option<String>),
    );
    let rows = stmt
        .query_map(params![school, form], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                date_col(r, 4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                date_col(r, 8)?,
                opt_date_col(r, 9)?,
                [
                    r.get(10)?,
                    r.get(11)?,
                    r.get(12)?,
                    r.get(13)?,
                    r.get(14)?,
                    r.get(15)?,
                ],
                r.get(16)?,
                (r.get(17)?, r.get(18)?),
            ))
        })
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<Raw>>>()
        .map_err(db_err)?;
    rows.into_iter()
        .map(
            |(id, upn, surname, forename, dob, sex, yg, form, adm, leave, flags, sen, eth)| {
                let [fsm, pupil_premium, looked_after, social_worker, eal, young_carer] = flags;
                Ok(StoredPupil {
                    id,
                    pupil: Pupil {
                        upn: decode::upn(&upn)?,
                        surname,
                        forename,
                        dob,
                        sex: decode::sex(sex.as_deref())?,
                        year_group: decode::year_group(&yg)?,
                        form,
                        admission_date: adm,
                        leaving_date: leave,
                        fsm,
                        pupil_premium,
                        looked_after,
                        social_worker,
                        eal,
                        young_carer,
                        sen: decode::sen(&sen)?,
                        ethnicity: eth.0,
                        deletion_ground: eth.1,
                    },
                })
            },
        )
        .collect()
}

/// A school's calendar: its half terms and closures.
pub(crate) fn calendar(conn: &Connection, school: SchoolId) -> Result<Calendar> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT name, start_date, end_date FROM half_terms WHERE school_id = ?1 ORDER BY start_date",
        )
        .map_err(db_err)?;
    let half_terms = stmt
        .query_map([school], |r| {
            Ok(HalfTerm {
                name: r.get(0)?,
                start: date_col(r, 1)?,
                end: date_col(r, 2)?,
            })
        })
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db_err)?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT start_date, end_date, sessions, reason, year_groups FROM closures
             WHERE school_id = ?1 ORDER BY start_date",
        )
        .map_err(db_err)?;
    let rows = stmt
        .query_map([school], |r| {
            Ok((
                date_col(r, 0)?,
                date_col(r, 1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db_err)?;
    let mut closures = Vec::with_capacity(rows.len());
    for (start, end, sessions, reason, groups) in rows {
        closures.push(Closure {
            start,
            end,
            sessions: decode::closure_sessions(&sessions)?,
            reason,
            year_groups: decode::closure_year_groups(groups.split(',').filter(|g| !g.is_empty()))?,
        });
    }
    decode::calendar(school, half_terms, closures)
}
