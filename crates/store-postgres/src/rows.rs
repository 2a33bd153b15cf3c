//! Reading rows back into domain values without trusting them: whatever Rollcall did not write
//! is reported as [`StoreError::Corrupt`], never a panic.

use postgres::types::FromSql;
use postgres::Row;
use rollcall_core::marks::{MarkEntry, Recorded};
use rollcall_core::{Pupil, Session};
use rollcall_store::{decode, Result, School, SchoolDetails, StoreError, StoredPupil};

/// A column of a row, or [`StoreError::Corrupt`] when it does not hold a `T`.
pub(crate) fn col<'a, T: FromSql<'a>>(row: &'a Row, idx: usize) -> Result<T> {
    row.try_get(idx).map_err(|e| {
        let name = row.columns().get(idx).map_or("?", |c| c.name());
        StoreError::Corrupt(format!("column {name}: {e}"))
    })
}

pub(crate) fn session(text: &str) -> Result<Session> {
    decode::session(text)
}

/// Minutes late as stored: a column of type `integer`.
pub(crate) fn minutes_param(value: Option<u32>) -> Result<Option<i32>> {
    value
        .map(|m| {
            i32::try_from(m).map_err(|_| {
                StoreError::Database(Box::new(OutOfRange(format!(
                    "{m} minutes late is more than the database can hold"
                ))))
            })
        })
        .transpose()
}

/// A value the schema cannot hold.
#[derive(Debug)]
pub(crate) struct OutOfRange(pub(crate) String);

impl std::fmt::Display for OutOfRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OutOfRange {}

/// A mark entry from a code column and a minutes-late column.
pub(crate) fn entry(row: &Row, code: usize, minutes: usize) -> Result<MarkEntry> {
    Ok(MarkEntry {
        code: decode::code(col(row, code)?)?,
        minutes_late: decode::minutes_late::<i32>(col(row, minutes)?)?,
    })
}

/// Who recorded something, from three consecutive columns: by, role, at.
pub(crate) fn recorded(row: &Row, first: usize) -> Result<Recorded> {
    Ok(Recorded {
        by: col(row, first)?,
        role: col(row, first + 1)?,
        at: col(row, first + 2)?,
    })
}

pub(crate) const SCHOOL_COLUMNS: &str =
    "id, urn, name, la, estab, am_opens, am_closes, pm_opens, pm_closes";

pub(crate) fn school(row: &Row) -> Result<School> {
    let times: [Option<&str>; 4] = [col(row, 5)?, col(row, 6)?, col(row, 7)?, col(row, 8)?];
    Ok(School {
        id: col(row, 0)?,
        details: SchoolDetails {
            urn: col(row, 1)?,
            name: col(row, 2)?,
            la: col(row, 3)?,
            estab: col(row, 4)?,
        },
        register_times: decode::register_times(times)?,
    })
}

/// The columns of a pupil after its id, in the order of [`pupil`] and the insert statement.
pub(crate) const PUPIL_COLUMNS: &str = "upn, surname, forename, dob, sex, year_group, form, \
    admission_date, leaving_date, fsm, pupil_premium, looked_after, social_worker, eal, \
    young_carer, sen, ethnicity, deletion_ground";

/// A pupil with its id, from `id` and [`PUPIL_COLUMNS`].
pub(crate) fn stored_pupil(row: &Row) -> Result<StoredPupil> {
    Ok(StoredPupil {
        id: col(row, 0)?,
        pupil: pupil(row, 1)?,
    })
}

/// A pupil from [`PUPIL_COLUMNS`], starting at column `first`.
pub(crate) fn pupil(row: &Row, first: usize) -> Result<Pupil> {
    let c = |i: usize| first + i;
    Ok(Pupil {
        upn: decode::upn(col(row, c(0))?)?,
        surname: col(row, c(1))?,
        forename: col(row, c(2))?,
        dob: col(row, c(3))?,
        sex: decode::sex(col(row, c(4))?)?,
        year_group: decode::year_group(col(row, c(5))?)?,
        form: col(row, c(6))?,
        admission_date: col(row, c(7))?,
        leaving_date: col(row, c(8))?,
        fsm: col(row, c(9))?,
        pupil_premium: col(row, c(10))?,
        looked_after: col(row, c(11))?,
        social_worker: col(row, c(12))?,
        eal: col(row, c(13))?,
        young_carer: col(row, c(14))?,
        sen: decode::sen(col(row, c(15))?)?,
        ethnicity: col(row, c(16))?,
        deletion_ground: col(row, c(17))?,
    })
}
