//! The law of notices to improve and penalty notices (casework.md; interchange.md, "Notices to
//! improve and penalty notices"), whoever asks: the command line and the pages call the same
//! functions.
//!
//! - A notice to improve gives an improvement period of 3 to 6 school weeks: it starts on the
//!   pupil's first school day after the day of issue and ends on the last school day of the N-th
//!   school week counted from the week it starts in, weeks with no school session for the pupil
//!   skipped. Its outcome is computed from the marks once the period has ended.
//! - A penalty notice goes to one parent for one pupil. It needs a penalty-threshold finding of
//!   the national rule (10 unauthorised sessions in 10 school weeks, whatever the school's own
//!   policy tightens) dated on or before the day of issue and not used by an earlier notice to
//!   the same parent for the same pupil; a contact who is a parent in the education-law sense;
//!   a pupil of compulsory school age on every session of the finding. The earliest such
//!   finding is used. A third notice to the same parent for the same pupil within three years
//!   of the first counted one is refused: withdrawn notices and notices issued before 19 August
//!   2024 are not counted, and the three years run from the first counted notice.
//!   A refusal says why and records nothing.

use std::collections::HashSet;

use chrono::{Datelike, Days, Months, Weekday};
use rollcall_core::dates::week_start;
use rollcall_core::marks::Recorded;
use rollcall_core::{BaseCode, Calendar, Date, Pupil, Session};
use rollcall_rules::{evaluate, Finding, Policy, PupilRecord, Rule};
use rollcall_store::{
    Contact, DateRange, ImprovementMeasure, NoticeToImprove, PenaltyNotice, PupilId, SchoolId,
    Service, Store, StoreError, StoredNoticeToImprove, StoredPenaltyNotice, StoredPupil,
    Withdrawal,
};

use crate::error::Refusal;
use crate::registers::{find_pupil, full_name};
use crate::table::{Cell, Table};

/// Notices issued before the 2024 regulations came into force (19 August 2024) do not count
/// towards the limit of two in three years.
pub use rollcall_core::codes::regulations_2024;

/// The shortest and longest improvement period, in school weeks.
pub const IMPROVEMENT_WEEKS: std::ops::RangeInclusive<u32> = 3..=6;

/// Pounds: a first notice paid within 21 days of receipt.
pub const FIRST_REDUCED: u32 = 80;
/// Pounds: any notice paid within 28 days of receipt (no reduction on a second).
pub const FULL_AMOUNT: u32 = 160;

/// The columns of `rollcall notice-to-improve list`.
pub const IMPROVE_COLUMNS: [&str; 8] = [
    "id",
    "upn",
    "contact_id",
    "issued_on",
    "period_start",
    "period_end",
    "outcome",
    "unauthorised_sessions",
];

/// The columns of `rollcall penalty-notice list`.
pub const PENALTY_COLUMNS: [&str; 9] = [
    "id",
    "upn",
    "contact_id",
    "issued_on",
    "sequence",
    "amount_if_paid_within_21_days",
    "amount_if_paid_within_28_days",
    "status",
    "finding_date",
];

/// The pupil and the contact a notice is addressed to, checked: the contact must be the pupil's.
fn pupil_and_contact(
    store: &mut dyn Store,
    school: SchoolId,
    upn: &str,
    contact: &str,
) -> Result<(StoredPupil, Contact), Refusal> {
    let pupil = find_pupil(store, school, upn)?;
    let found = crate::contacts::pupils_contact(store, school, &pupil, contact)?;
    Ok((pupil, found))
}

/// Refused unless the contact is a parent in the education-law sense.
fn require_parent(contact: &Contact, pupil: &Pupil, what: &str) -> Result<(), Refusal> {
    if contact.is_parent() {
        return Ok(());
    }
    Err(Refusal::invalid(format!(
        "{what} refused: not a parent: {} ({}, {}) has no parental responsibility for {} and \
         does not live with them, so is not a parent in education law",
        contact.name(),
        contact.reference,
        contact.relationship,
        full_name(pupil)
    )))
}

/// Whether `date` is a school day for the pupil: a day with a school session for them while on
/// roll.
fn is_school_day(calendar: &Calendar, pupil: &Pupil, date: Date) -> bool {
    pupil.on_roll(date)
        && Session::BOTH
            .iter()
            .any(|s| calendar.is_school_session(date, *s, pupil.year_group))
}

/// The improvement period of a notice issued on `issued_on`: the first school day after it, and
/// the last school day of the `weeks`-th school week counted from the week of that day.
pub fn improvement_period(
    calendar: &Calendar,
    pupil: &Pupil,
    issued_on: Date,
    weeks: u32,
) -> Result<(Date, Date), Refusal> {
    if !IMPROVEMENT_WEEKS.contains(&weeks) {
        return Err(Refusal::invalid(format!(
            "an improvement period of {weeks} school weeks is outside the law's 3 to 6"
        )));
    }
    let Some((_, calendar_end)) = calendar.span() else {
        return Err(Refusal::invalid(
            "the school has no calendar: import one before issuing a notice",
        ));
    };
    let runs_out = || {
        Refusal::invalid(format!(
            "the school's calendar ends on {calendar_end}, before the end of an improvement \
             period of {weeks} school weeks after {issued_on}: import the next calendar first"
        ))
    };
    let mut day = issued_on.succ_opt().ok_or_else(runs_out)?;
    while !is_school_day(calendar, pupil, day) {
        if day >= calendar_end {
            return Err(runs_out());
        }
        day = day.succ_opt().ok_or_else(runs_out)?;
    }
    let start = day;
    let mut counted = 0;
    let mut monday = week_start(start);
    loop {
        if monday > calendar_end {
            return Err(runs_out());
        }
        let last_school_day = (0..7)
            .filter_map(|i| monday.checked_add_days(Days::new(i)))
            .rfind(|d| *d >= start && is_school_day(calendar, pupil, *d));
        if let Some(last) = last_school_day {
            counted += 1;
            if counted == weeks {
                return Ok((start, last));
            }
        }
        monday = monday.checked_add_days(Days::new(7)).ok_or_else(runs_out)?;
    }
}

/// What is asked of a notice to improve.
#[derive(Debug, Clone, Default)]
pub struct ImproveRequest {
    pub upn: String,
    pub contact: String,
    pub issued_on: Option<Date>,
    pub weeks: u32,
    /// No unauthorised session, or attendance at or above this many hundredths of a percent.
    pub attendance_at_least: Option<u32>,
    pub support: String,
    pub grounds: String,
}

/// Issues a notice to improve to one parent for one pupil.
pub fn issue_notice_to_improve(
    store: &mut dyn Store,
    school: SchoolId,
    req: &ImproveRequest,
    today: Date,
    recorded: Recorded,
) -> Result<StoredNoticeToImprove, Refusal> {
    let (pupil, contact) = pupil_and_contact(store, school, &req.upn, &req.contact)?;
    require_parent(&contact, &pupil.pupil, "the notice to improve")?;
    let issued_on = req.issued_on.unwrap_or(today);
    if !pupil.pupil.on_roll(issued_on) {
        return Err(Refusal::invalid(format!(
            "{} ({}) is not on roll on {issued_on}",
            full_name(&pupil.pupil),
            pupil.pupil.upn
        )));
    }
    let calendar = store.calendar(school)?;
    let (period_start, period_end) =
        improvement_period(&calendar, &pupil.pupil, issued_on, req.weeks)?;
    let measure = match req.attendance_at_least {
        None => ImprovementMeasure::NoUnauthorised,
        Some(h) if h <= 10_000 => ImprovementMeasure::AttendanceAtLeast(h),
        Some(h) => {
            return Err(Refusal::invalid(format!(
                "an attendance of {}.{:02}% is above 100%",
                h / 100,
                h % 100
            )))
        }
    };
    let notice = NoticeToImprove {
        pupil: pupil.id,
        contact: contact.reference.clone(),
        issued_on,
        weeks: req.weeks,
        period_start,
        period_end,
        measure,
        support: req.support.trim().to_owned(),
        grounds: req.grounds.trim().to_owned(),
        recorded,
    };
    let id = store.issue_notice_to_improve(school, &notice)?;
    Ok(StoredNoticeToImprove {
        id,
        notice,
        outcome: None,
    })
}

/// A notice to improve's period as the marks show it by a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImprovementCheck {
    /// The unauthorised sessions (`G`, `N`, `O`, `U`) of the period up to the day, in order.
    pub unauthorised: Vec<(Date, Session, BaseCode)>,
    /// Present or AEA, and possible, over the period up to the day.
    pub attended: u32,
    pub possible: u32,
    /// Whether the improvement was sufficient, once the period has ended by the day.
    pub met: Option<bool>,
}

/// The marks of a notice to improve's period, up to `as_of`, judged against the notice's measure
/// once the period has ended.
pub fn improvement_check(
    store: &mut dyn Store,
    school: SchoolId,
    calendar: &Calendar,
    pupil: &StoredPupil,
    notice: &NoticeToImprove,
    as_of: Date,
) -> Result<ImprovementCheck, Refusal> {
    let to = notice.period_end.min(as_of);
    let mut check = ImprovementCheck {
        unauthorised: Vec::new(),
        attended: 0,
        possible: 0,
        met: None,
    };
    if to >= notice.period_start {
        let marks = store.pupil_marks(
            school,
            pupil.id,
            DateRange {
                from: Some(notice.period_start),
                to: Some(to),
            },
        )?;
        for m in marks {
            let p = &pupil.pupil;
            if !p.on_roll(m.date) || !calendar.is_school_session(m.date, m.session, p.year_group) {
                continue;
            }
            let base = m.entry.code.base();
            if !base.category().is_possible() {
                continue;
            }
            check.possible += 1;
            if !base.category().is_absence() {
                check.attended += 1;
            }
            if base.is_unauthorised() {
                check.unauthorised.push((m.date, m.session, base));
            }
        }
    }
    if as_of > notice.period_end {
        check.met = Some(match notice.measure {
            ImprovementMeasure::NoUnauthorised => check.unauthorised.is_empty(),
            ImprovementMeasure::AttendanceAtLeast(h) => {
                u64::from(check.attended) * 10_000 >= u64::from(h) * u64::from(check.possible)
            }
        });
    }
    Ok(check)
}

/// `id, upn, contact_id, issued_on, period_start, period_end, outcome, unauthorised_sessions`,
/// judged by `as_of`.
pub fn improve_table(
    store: &mut dyn Store,
    school: SchoolId,
    notices: &[StoredNoticeToImprove],
    as_of: Date,
) -> Result<Table, Refusal> {
    let pupils: std::collections::HashMap<PupilId, StoredPupil> = store
        .pupils(school)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let calendar = store.calendar(school)?;
    let mut t = Table::new(IMPROVE_COLUMNS);
    for n in notices {
        let Some(pupil) = pupils.get(&n.notice.pupil) else {
            continue;
        };
        let check = improvement_check(store, school, &calendar, pupil, &n.notice, as_of)?;
        let text = |s: String| Cell::Text(s);
        t.push(vec![
            Cell::Int(u64::try_from(n.id).unwrap_or(0)),
            text(pupil.pupil.upn.to_string()),
            text(n.notice.contact.clone()),
            text(n.notice.issued_on.to_string()),
            text(n.notice.period_start.to_string()),
            text(n.notice.period_end.to_string()),
            check.met.map_or(Cell::Null, |met| {
                text(if met { "met" } else { "not_met" }.to_owned())
            }),
            Cell::Int(check.unauthorised.len() as u64),
        ]);
    }
    Ok(t)
}

/// What is asked of a penalty notice.
#[derive(Debug, Clone)]
pub struct PenaltyRequest {
    pub upn: String,
    pub contact: String,
    pub issued_on: Date,
    pub service: Service,
    /// An authorised officer's reason for a notice below the threshold; without it such a
    /// notice is refused.
    pub override_reason: Option<String>,
}

/// The parent's notices for the pupil that count towards the limit: not withdrawn, issued on or
/// after 19 August 2024.
fn counted(notices: &[StoredPenaltyNotice]) -> Vec<&StoredPenaltyNotice> {
    let mut counted: Vec<_> = notices
        .iter()
        .filter(|n| n.withdrawal.is_none() && n.notice.issued_on >= regulations_2024())
        .collect();
    counted.sort_by_key(|n| (n.notice.issued_on, n.id));
    counted
}

/// Three years on from `date`.
fn three_years_after(date: Date) -> Date {
    date.checked_add_months(Months::new(36))
        .unwrap_or(Date::MAX)
}

/// The place a notice issued on `on` takes among the parent's counted notices: 1 or 2, or
/// `None` when it would be the third within three years of the first. The three years run from
/// the first counted notice; a notice after them starts a new three years.
pub fn sequence(counted: &[Date], on: Date) -> Option<u32> {
    let mut start: Option<Date> = None;
    let mut in_window = 0u32;
    for &d in counted {
        match start {
            Some(s) if d < three_years_after(s) => in_window += 1,
            _ => {
                start = Some(d);
                in_window = 1;
            }
        }
    }
    match start {
        Some(s) if on < three_years_after(s) => (in_window < 2).then_some(in_window + 1),
        _ => Some(1),
    }
}

/// The penalty-threshold findings of the national rule for one pupil, up to `as_of`.
pub fn threshold_findings(
    store: &mut dyn Store,
    school: SchoolId,
    calendar: &Calendar,
    pupil: &StoredPupil,
    as_of: Date,
) -> Result<Vec<Finding>, Refusal> {
    let mut marks: Vec<_> = store
        .pupil_marks(
            school,
            pupil.id,
            DateRange {
                from: None,
                to: Some(as_of),
            },
        )?
        .into_iter()
        .map(|m| rollcall_core::MarkFact {
            date: m.date,
            session: m.session,
            code: m.entry.code.base(),
        })
        .collect();
    marks.sort_unstable_by_key(|m| (m.date, m.session));
    let upn = pupil.pupil.upn.to_string();
    let record = PupilRecord {
        key: &upn,
        pupil: &pupil.pupil,
        marks: &marks,
    };
    let mut found = evaluate(calendar, &[record], &Policy::national(), as_of);
    found.retain(|f| f.rule == Rule::PenaltyThreshold && f.date <= as_of);
    Ok(found)
}

/// The unauthorised sessions of the 10 school weeks up to `on`, for a notice issued below the
/// threshold by override.
fn recent_unauthorised(
    store: &mut dyn Store,
    school: SchoolId,
    calendar: &Calendar,
    pupil: &StoredPupil,
    on: Date,
) -> Result<Vec<(Date, Session, BaseCode)>, Refusal> {
    let p = &pupil.pupil;
    let mut weeks = 0;
    let mut monday = week_start(on);
    let mut from = monday;
    while weeks < rollcall_rules::NATIONAL_PENALTY_WEEKS {
        let school_week = (0..7)
            .filter_map(|i| monday.checked_add_days(Days::new(i)))
            .any(|d| d <= on && is_school_day(calendar, p, d));
        if school_week {
            weeks += 1;
            from = monday;
        }
        match monday.checked_sub_days(Days::new(7)) {
            Some(m) if calendar.span().is_some_and(|(s, _)| m >= week_start(s)) => monday = m,
            _ => break,
        }
    }
    let marks = store.pupil_marks(
        school,
        pupil.id,
        DateRange {
            from: Some(from),
            to: Some(on),
        },
    )?;
    Ok(marks
        .into_iter()
        .filter(|m| {
            p.on_roll(m.date)
                && calendar.is_school_session(m.date, m.session, p.year_group)
                && m.entry.code.base().is_unauthorised()
        })
        .map(|m| (m.date, m.session, m.entry.code.base()))
        .collect())
}

/// The authority a school's notices are issued under: its local authority.
pub fn authority(school: &rollcall_store::SchoolDetails) -> String {
    match school.la.as_deref().map(str::trim) {
        None | Some("") => format!("{} on behalf of its local authority", school.name),
        Some(la) => format!("Local authority {la}"),
    }
}

/// The day a notice served on `issued_on` is taken to be received: by post, the second working
/// day after posting (working days: Monday to Friday); by hand or e-mail, the same day.
pub fn received_on(issued_on: Date, service: Service) -> Date {
    match service {
        Service::Hand | Service::Email => issued_on,
        Service::Post => {
            let mut day = issued_on;
            let mut working = 0;
            while working < 2 {
                day = day.succ_opt().unwrap_or(day);
                if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
                    working += 1;
                }
            }
            day
        }
    }
}

/// Issues a penalty notice to one parent for one pupil, or refuses and says why; a refusal
/// records nothing.
pub fn issue_penalty_notice(
    store: &mut dyn Store,
    school: SchoolId,
    authority: &str,
    req: &PenaltyRequest,
    recorded: Recorded,
) -> Result<StoredPenaltyNotice, Refusal> {
    let what = "the penalty notice";
    let (pupil, contact) = pupil_and_contact(store, school, &req.upn, &req.contact)?;
    let name = full_name(&pupil.pupil);
    require_parent(&contact, &pupil.pupil, what)?;
    let on = req.issued_on;
    if on < regulations_2024() {
        return Err(Refusal::invalid(format!(
            "{what} refused: {on} is before 19 August 2024; Rollcall issues notices under the \
             national framework in force from that day"
        )));
    }
    let theirs: Vec<StoredPenaltyNotice> = store
        .penalty_notices(school, Some(pupil.id))?
        .into_iter()
        .filter(|n| n.notice.contact == contact.reference)
        .collect();
    let counted_notices = counted(&theirs);
    let dates: Vec<Date> = counted_notices.iter().map(|n| n.notice.issued_on).collect();
    let Some(sequence) = sequence(&dates, on) else {
        return Err(Refusal::invalid(format!(
            "{what} refused: third notice within three years: {} ({}) was issued notices for {name} \
             on {} and {}; a third within three years of the first cannot be issued, so the case \
             needs another measure (prosecution under s444, an education supervision order or a \
             parenting order)",
            contact.name(),
            contact.reference,
            dates[dates.len() - 2],
            dates[dates.len() - 1],
        )));
    };
    let used: HashSet<&str> = theirs
        .iter()
        .filter(|n| n.withdrawal.is_none())
        .map(|n| n.notice.finding_id.as_str())
        .collect();
    let calendar = store.calendar(school)?;
    let findings = threshold_findings(store, school, &calendar, &pupil, on)?;
    let unused: Vec<&Finding> = findings
        .iter()
        .filter(|f| !used.contains(f.id().as_str()))
        .collect();
    let of_age = |sessions: &[(Date, Session, BaseCode)]| {
        sessions
            .iter()
            .all(|(d, _, _)| pupil.pupil.of_compulsory_school_age_on(*d))
    };
    let (finding_id, finding_date, offence, override_reason) =
        match unused.iter().find(|f| of_age(&f.evidence.sessions)) {
            Some(f) => (f.id(), Some(f.date), f.evidence.sessions.clone(), None),
            None if !unused.is_empty() => {
                let (first, last) = pupil.pupil.compulsory_school_age();
                return Err(Refusal::invalid(format!(
                    "{what} refused: not of compulsory school age: {name} is of compulsory \
                     school age from {first} to {last}, and the unauthorised sessions of the \
                     threshold met on {} fall outside it",
                    unused[0].date
                )));
            }
            None => {
                let reason = req
                    .override_reason
                    .as_deref()
                    .map(str::trim)
                    .filter(|r| !r.is_empty());
                let Some(reason) = reason else {
                    return Err(Refusal::invalid(format!(
                        "{what} refused: threshold not met: {name} has no penalty-threshold \
                         finding (10 unauthorised sessions in 10 school weeks) on or before {on} \
                         that an earlier notice to {} has not used",
                        contact.name()
                    )));
                };
                let offence = recent_unauthorised(store, school, &calendar, &pupil, on)?;
                if offence.is_empty() {
                    return Err(Refusal::invalid(format!(
                        "{what} refused: {name} has no unauthorised session in the 10 school \
                         weeks up to {on} for a notice to be about"
                    )));
                }
                if !of_age(&offence) {
                    return Err(Refusal::invalid(format!(
                        "{what} refused: not of compulsory school age on every session of the \
                         offence"
                    )));
                }
                (String::new(), None, offence, Some(reason.to_owned()))
            }
        };
    let notice = PenaltyNotice {
        pupil: pupil.id,
        contact: contact.reference.clone(),
        issued_on: on,
        sequence,
        amount_within_21_days: (sequence == 1).then_some(FIRST_REDUCED),
        amount_within_28_days: FULL_AMOUNT,
        finding_id,
        finding_date,
        offence,
        override_reason,
        service: req.service,
        received_on: received_on(on, req.service),
        authority: authority.to_owned(),
        recorded,
    };
    let ids: Vec<i64> = theirs
        .iter()
        .filter(|n| n.withdrawal.is_none())
        .map(|n| n.id)
        .collect();
    let id = store
        .issue_penalty_notice(school, &notice, &ids)
        .map_err(|e| match e {
            StoreError::Conflict(m) => Refusal::Conflict {
                message: m,
                changed: Vec::new(),
            },
            e => e.into(),
        })?;
    Ok(StoredPenaltyNotice {
        id,
        notice,
        withdrawal: None,
        closure: None,
    })
}

/// One of the school's penalty notices, by id.
pub fn find_penalty_notice(
    store: &mut dyn Store,
    school: SchoolId,
    id: i64,
) -> Result<StoredPenaltyNotice, Refusal> {
    store
        .penalty_notices(school, None)?
        .into_iter()
        .find(|n| n.id == id)
        .ok_or_else(|| Refusal::NotFound(format!("there is no penalty notice {id}")))
}

/// One of the school's notices to improve, by id.
pub fn find_notice_to_improve(
    store: &mut dyn Store,
    school: SchoolId,
    id: i64,
) -> Result<StoredNoticeToImprove, Refusal> {
    store
        .notices_to_improve(school, None)?
        .into_iter()
        .find(|n| n.id == id)
        .ok_or_else(|| Refusal::NotFound(format!("there is no notice to improve {id}")))
}

/// Withdraws a penalty notice: it then counts towards nothing, and its finding is free again.
pub fn withdraw_penalty_notice(
    store: &mut dyn Store,
    school: SchoolId,
    id: i64,
    on: Date,
    reason: &str,
    recorded: Recorded,
) -> Result<StoredPenaltyNotice, Refusal> {
    let mut notice = find_penalty_notice(store, school, id)?;
    if let Some(w) = &notice.withdrawal {
        return Err(Refusal::invalid(format!(
            "penalty notice {id} was withdrawn on {} already: {}",
            w.on, w.reason
        )));
    }
    if notice.closure.is_some() {
        return Err(Refusal::invalid(format!(
            "penalty notice {id} is settled (paid or prosecuted) and cannot be withdrawn"
        )));
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Refusal::invalid(
            "give the ground for the withdrawal (issued in error, outside the framework, a \
             statutory defence)",
        ));
    }
    if on < notice.notice.issued_on {
        return Err(Refusal::invalid(format!(
            "a withdrawal on {on} would come before the notice was issued ({})",
            notice.notice.issued_on
        )));
    }
    let withdrawal = Withdrawal {
        on,
        reason: reason.to_owned(),
        recorded,
    };
    store.withdraw_penalty_notice(school, id, &withdrawal)?;
    notice.withdrawal = Some(withdrawal);
    Ok(notice)
}

/// `id, upn, contact_id, issued_on, sequence, amount_if_paid_within_21_days,
/// amount_if_paid_within_28_days, status, finding_date`.
pub fn penalty_table(
    store: &mut dyn Store,
    school: SchoolId,
    notices: &[StoredPenaltyNotice],
) -> Result<Table, Refusal> {
    let upns: std::collections::HashMap<PupilId, String> = store
        .pupils(school)?
        .into_iter()
        .map(|p| (p.id, p.pupil.upn.to_string()))
        .collect();
    let mut t = Table::new(PENALTY_COLUMNS);
    for n in notices {
        let text = |s: String| Cell::Text(s);
        t.push(vec![
            Cell::Int(u64::try_from(n.id).unwrap_or(0)),
            upns.get(&n.notice.pupil)
                .map_or(Cell::Null, |u| text(u.clone())),
            text(n.notice.contact.clone()),
            text(n.notice.issued_on.to_string()),
            Cell::Int(u64::from(n.notice.sequence)),
            n.notice
                .amount_within_21_days
                .map_or(Cell::Null, |a| Cell::Int(u64::from(a))),
            Cell::Int(u64::from(n.notice.amount_within_28_days)),
            text(n.status().to_owned()),
            n.notice
                .finding_date
                .map_or(Cell::Null, |d| text(d.to_string())),
        ]);
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        rollcall_core::parse_date(s).unwrap()
    }

    #[test]
    fn a_third_notice_within_three_years_of_the_first_has_no_place() {
        assert_eq!(sequence(&[], d("2025-01-10")), Some(1));
        assert_eq!(sequence(&[d("2025-01-10")], d("2025-03-10")), Some(2));
        assert_eq!(
            sequence(&[d("2025-01-10"), d("2025-03-10")], d("2028-01-09")),
            None
        );
        // Three years from the first, to the day: a new three years begins.
        assert_eq!(
            sequence(&[d("2025-01-10"), d("2025-03-10")], d("2028-01-10")),
            Some(1)
        );
        // One notice in the last three years: the second of a new window.
        assert_eq!(
            sequence(
                &[d("2025-01-10"), d("2025-03-10"), d("2028-02-01")],
                d("2028-06-01")
            ),
            Some(2)
        );
        // Only the first counted notice starts the three years.
        assert_eq!(sequence(&[d("2025-01-10")], d("2028-01-09")), Some(2));
        assert_eq!(sequence(&[d("2025-01-10")], d("2028-01-10")), Some(1));
    }

    #[test]
    fn a_posted_notice_is_received_on_the_second_working_day() {
        // Thursday → Monday; Friday → Tuesday; Monday → Wednesday.
        assert_eq!(received_on(d("2025-03-06"), Service::Post), d("2025-03-10"));
        assert_eq!(received_on(d("2025-03-07"), Service::Post), d("2025-03-11"));
        assert_eq!(received_on(d("2025-03-03"), Service::Post), d("2025-03-05"));
        assert_eq!(received_on(d("2025-03-03"), Service::Hand), d("2025-03-03"));
    }
}
