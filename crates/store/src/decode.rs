//! Reading back what a backend stored as text (codes, sessions, register times, a pupil's coded
//! columns, roles, closures) without trusting it: anything Rollcall would not have written is
//! [`StoreError::Corrupt`], worded the same by every backend, never a panic.

use std::fmt::Display;

use chrono::{DateTime, NaiveTime, Utc};
use rollcall_core::codes::Code;
use rollcall_core::{
    parse_date, BaseCode, Calendar, Closure, Date, HalfTerm, RegisterTimes, Role, Sen, Session,
    SessionSet, Sex, Upn, YearGroup,
};

use crate::{Result, SchoolId, StoreError};

/// Reads a code as a backend stored it. Codes were validated against their session's date when
/// they were written, so only the text is read back here.
pub fn code(text: &str) -> Result<Code> {
    Code::parse_stored(text).ok_or_else(|| StoreError::unreadable("attendance code", text))
}

pub fn timestamp(text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| StoreError::unreadable("timestamp", text))
}

/// A date kept as `YYYY-MM-DD` text.
pub fn date(text: &str) -> Result<Date> {
    parse_date(text).ok_or_else(|| StoreError::unreadable("date", text))
}

pub fn session(text: &str) -> Result<Session> {
    text.parse()
        .map_err(|()| StoreError::unreadable("session", text))
}

/// Minutes late as a column of some integer type holds them.
pub fn minutes_late<T: TryInto<u32> + Copy + Display>(value: Option<T>) -> Result<Option<u32>> {
    value
        .map(|m| {
            m.try_into()
                .map_err(|_| StoreError::unreadable("minutes late", m))
        })
        .transpose()
}

/// A contact's priority as a column of some integer type holds it.
pub fn contact_priority<T: TryInto<u32> + Copy + Display>(value: T) -> Result<u32> {
    value
        .try_into()
        .map_err(|_| StoreError::unreadable("contact priority", value))
}

/// A school's register times, kept as four `HH:MM` texts: all four, or none before a calendar
/// is imported.
pub fn register_times(times: [Option<&str>; 4]) -> Result<Option<RegisterTimes>> {
    let time = |text: &str| {
        NaiveTime::parse_from_str(text, "%H:%M")
            .map_err(|_| StoreError::unreadable("register time", text))
    };
    match times {
        [None, None, None, None] => Ok(None),
        [Some(am_opens), Some(am_closes), Some(pm_opens), Some(pm_closes)] => RegisterTimes::new(
            time(am_opens)?,
            time(am_closes)?,
            time(pm_opens)?,
            time(pm_closes)?,
        )
        .map(Some)
        .map_err(|e| StoreError::unreadable("register times", e)),
        _ => Err(StoreError::Corrupt(
            "register times: some are set and some are not".into(),
        )),
    }
}

pub fn upn(text: &str) -> Result<Upn> {
    Upn::parse(text).map_err(|_| StoreError::unreadable("UPN", text))
}

pub fn sex(text: Option<&str>) -> Result<Option<Sex>> {
    text.map(|s| s.parse().map_err(|_| StoreError::unreadable("sex", s)))
        .transpose()
}

pub fn year_group(text: &str) -> Result<YearGroup> {
    text.parse()
        .map_err(|_| StoreError::unreadable("year group", text))
}

pub fn sen(text: &str) -> Result<Sen> {
    text.parse()
        .map_err(|_| StoreError::unreadable("SEN", text))
}

pub fn role(text: &str) -> Result<Role> {
    text.parse()
        .map_err(|_| StoreError::unreadable("role", text))
}

/// The sessions a closure covers: `am`, `pm` or `both`.
pub fn closure_sessions(text: &str) -> Result<SessionSet> {
    SessionSet::parse(text).ok_or_else(|| StoreError::unreadable("closure sessions", text))
}

/// The year groups a closure is for; none listed is the whole school (`None`).
pub fn closure_year_groups<'a>(
    groups: impl IntoIterator<Item = &'a str>,
) -> Result<Option<Vec<YearGroup>>> {
    let groups = groups
        .into_iter()
        .map(year_group)
        .collect::<Result<Vec<_>>>()?;
    Ok((!groups.is_empty()).then_some(groups))
}

/// A school's calendar from its stored half terms and closures.
pub fn calendar(
    school: SchoolId,
    half_terms: Vec<HalfTerm>,
    closures: Vec<Closure>,
) -> Result<Calendar> {
    Calendar::new(half_terms, closures).map_err(|e| StoreError::invalid_calendar(school, &e))
}

/// A list of sessions with their codes as kept in one text column: `2025-03-03/AM/G;…`.
pub fn coded_sessions(text: &str) -> Result<Vec<(Date, Session, BaseCode)>> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(';')
        .map(|item| {
            let bad = || StoreError::unreadable("coded session", item);
            let mut parts = item.split('/');
            let (Some(d), Some(s), Some(c), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(bad());
            };
            let code = BaseCode::from_symbol(c).ok_or_else(bad)?;
            Ok((date(d)?, session(s)?, code))
        })
        .collect()
}

/// The text [`coded_sessions`] reads.
pub fn coded_sessions_text(sessions: &[(Date, Session, BaseCode)]) -> String {
    sessions
        .iter()
        .map(|(d, s, c)| format!("{d}/{}/{}", s.as_str(), c.symbol()))
        .collect::<Vec<_>>()
        .join(";")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_rollcall_did_not_write_is_corrupt_and_named() {
        let message = |r: Result<()>| match r {
            Err(StoreError::Corrupt(m)) => m,
            other => panic!("{other:?}"),
        };
        assert_eq!(message(code("Ø").map(drop)), "attendance code 'Ø'");
        assert_eq!(message(date("2024-13-01").map(drop)), "date '2024-13-01'");
        assert_eq!(
            message(minutes_late(Some(-3i64)).map(drop)),
            "minutes late '-3'"
        );
        assert_eq!(
            message(contact_priority(-1i32).map(drop)),
            "contact priority '-1'"
        );
        assert_eq!(
            message(year_group("Year Zero").map(drop)),
            "year group 'Year Zero'"
        );
        assert_eq!(message(role("janitor").map(drop)), "role 'janitor'");
        assert_eq!(
            message(register_times([Some("08:50"), None, None, None]).map(drop)),
            "register times: some are set and some are not"
        );
        assert_eq!(
            message(
                register_times([Some("8.50"), Some("09:20"), Some("13:30"), Some("13:45")])
                    .map(drop)
            ),
            "register time '8.50'"
        );
        assert_eq!(register_times([None; 4]).unwrap(), None);
        assert_eq!(minutes_late(Some(12i32)).unwrap(), Some(12));
        assert_eq!(closure_year_groups([]).unwrap(), None);
        assert_eq!(
            closure_year_groups(["7", "R"]).unwrap(),
            Some(vec![YearGroup::Year(7), YearGroup::Reception])
        );
    }
}
