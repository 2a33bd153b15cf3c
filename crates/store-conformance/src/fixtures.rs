//! Schools, pupils, marks, users and reports to test a store with. They panic on what cannot
//! happen with the values they are given: they are for tests.

use std::ops::Range;

use chrono::{DateTime, Days, NaiveTime, TimeZone, Utc};
use rollcall_core::codes::Code;
use rollcall_core::marks::{MarkEntry, Recorded};
use rollcall_core::{
    parse_date, Calendar, Closure, Date, HalfTerm, Pupil, RegisterTimes, Role, Session, SessionSet,
    Sex, Upn, YearGroup,
};
use rollcall_store::{
    AbsenceReport, Contact, DateRange, MarkChange, PupilId, SchoolDetails, SchoolId, SignInSession,
    Store, StoredAbsenceReport, StoredAmendment, StoredMark, UserDraft,
};

pub fn d(s: &str) -> Date {
    parse_date(s).unwrap()
}

pub fn t(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap()
}

/// The `n`th UPN of the tests, with its check letter.
pub fn upn(n: u64) -> Upn {
    Upn::with_check_letter(&format!("{:012}", 822_400_000_000 + n)).unwrap()
}

/// `seconds` after 08:55 on Wednesday 4 September 2024, to the microsecond (what a store keeps).
pub fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 9, 4, 8, 55, 0).unwrap()
        + chrono::Duration::seconds(seconds)
        + chrono::Duration::microseconds(123_456)
}

pub fn times() -> RegisterTimes {
    RegisterTimes::new(t("08:50"), t("09:20"), t("13:30"), t("13:45")).unwrap()
}

pub fn details(name: &str, urn: Option<&str>) -> SchoolDetails {
    SchoolDetails {
        name: name.into(),
        urn: urn.map(Into::into),
        la: Some("123".into()),
        estab: Some("4567".into()),
    }
}

pub fn half_term(name: &str, start: &str, end: &str) -> HalfTerm {
    HalfTerm {
        name: name.into(),
        start: d(start),
        end: d(end),
    }
}

/// The autumn term of 2024, with an INSET day for two year groups and a polling-station
/// afternoon.
pub fn autumn() -> Calendar {
    Calendar::new(
        vec![
            half_term("Autumn 1", "2024-09-04", "2024-10-25"),
            half_term("Autumn 2", "2024-11-04", "2024-12-20"),
        ],
        vec![
            Closure {
                start: d("2024-11-04"),
                end: d("2024-11-04"),
                sessions: SessionSet::Both,
                reason: "INSET".into(),
                year_groups: Some(vec![YearGroup::Year(7), YearGroup::Reception]),
            },
            Closure {
                start: d("2024-11-05"),
                end: d("2024-11-05"),
                sessions: SessionSet::Pm,
                reason: "Polling station".into(),
                year_groups: None,
            },
        ],
    )
    .unwrap()
}

/// A school with the autumn calendar.
pub fn school(store: &mut dyn Store, name: &str, urn: &str) -> SchoolId {
    store
        .import_calendar(&details(name, Some(urn)), &times(), &autumn())
        .unwrap()
}

/// A school id the database does not hold.
pub fn unknown_school(store: &mut dyn Store) -> SchoolId {
    let last = store.schools().unwrap().iter().map(|s| s.id.get()).max();
    SchoolId(last.unwrap_or(0) + 1000)
}

/// The `n`th pupil of the tests, in 7A, with some variety of characteristics.
pub fn pupil(n: u64) -> Pupil {
    Pupil {
        sex: Some(if n.is_multiple_of(2) { Sex::F } else { Sex::M }),
        form: Some("7A".into()),
        fsm: n.is_multiple_of(3),
        pupil_premium: n.is_multiple_of(4),
        eal: n.is_multiple_of(5),
        ethnicity: Some("WBRI".into()),
        ..Pupil::new(
            upn(n),
            format!("Surname{n}"),
            format!("Forename{n}"),
            d("2013-05-17"),
            YearGroup::Year(7),
            d("2024-09-04"),
        )
    }
}

/// Adds pupils `range` to a school and returns their ids, in order.
pub fn add_pupils(store: &mut dyn Store, school: SchoolId, range: Range<u64>) -> Vec<PupilId> {
    let pupils: Vec<Pupil> = range.map(pupil).collect();
    store.save_pupils(school, &pupils).unwrap();
    let stored = store.pupils(school).unwrap();
    pupils
        .iter()
        .map(|p| stored.iter().find(|s| s.pupil.upn == p.upn).unwrap().id)
        .collect()
}

/// Who recorded something, `seconds` after [`at`]`(0)`.
pub fn recorded(by: &str, seconds: i64) -> Recorded {
    Recorded {
        by: by.into(),
        role: "teacher".into(),
        at: at(seconds),
    }
}

pub fn entry(code: &str, minutes_late: Option<u32>) -> MarkEntry {
    MarkEntry {
        code: Code::parse_stored(code).unwrap(),
        minutes_late,
    }
}

/// A new mark, recorded by Ms Teacher.
pub fn new(pupil: PupilId, date: &str, session: Session, code: &str) -> MarkChange {
    MarkChange::New {
        pupil,
        date: d(date),
        session,
        entry: entry(code, None),
        recorded: recorded("Ms Teacher", 0),
    }
}

/// An amendment after a parent's call, recorded by Mr Office an hour after [`new`] marks.
pub fn amend(
    pupil: PupilId,
    date: &str,
    session: Session,
    expected: MarkEntry,
    entry: MarkEntry,
) -> MarkChange {
    MarkChange::Amend {
        pupil,
        date: d(date),
        session,
        expected,
        entry,
        reason: "Parent phoned".into(),
        recorded: recorded("Mr Office", 3600),
    }
}

pub fn no_progress() -> impl FnMut(usize) {
    |_| {}
}

/// `pupils` × `days` × 2 sessions of new marks from 2 September 2024, with some variety of codes
/// and minutes late.
pub fn year_of_marks(pupils: &[PupilId], days: u64) -> Vec<MarkChange> {
    let codes = ["/", "L", "I", "N", "M", "B2", "U", "C"];
    let start = d("2024-09-02");
    let mut changes = Vec::new();
    for day in 0..days {
        let date = start + Days::new(day);
        for (i, &pupil) in pupils.iter().enumerate() {
            for session in Session::BOTH {
                let n = i + day as usize * 7 + session.index();
                let code = match (codes[n % codes.len()], session) {
                    ("/", Session::Pm) => "\\",
                    (c, _) => c,
                };
                let minutes_late = matches!(code, "L" | "U").then_some((n % 40) as u32);
                changes.push(MarkChange::New {
                    pupil,
                    date,
                    session,
                    entry: entry(code, minutes_late),
                    recorded: recorded("Register import", day as i64),
                });
            }
        }
    }
    changes
}

pub fn draft(username: &str, role: Role, school: Option<SchoolId>) -> UserDraft {
    UserDraft {
        username: username.into(),
        display_name: format!("{username} (display)"),
        role,
        school,
        year_groups: vec![],
        forms: vec![],
        children: vec![],
        contact: None,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo".into(),
        active: true,
    }
}

/// A session of `user`, signed in at [`at`]`(0)` for twelve hours.
pub fn sign_in(token_hash: &str, user: rollcall_store::UserId) -> SignInSession {
    SignInSession {
        token_hash: token_hash.into(),
        user,
        csrf_token: format!("csrf-{token_hash}"),
        created_at: at(0),
        last_seen_at: at(0),
        expires_at: at(12 * 3600),
    }
}

/// A mother with parental responsibility whom the pupil lives with; her reference is her name
/// without spaces, and "Forename Surname" splits at the first space.
pub fn contact(priority: u32, name: &str) -> Contact {
    let (forename, surname) = name.split_once(' ').unwrap_or(("", name));
    Contact {
        reference: name.replace(' ', ""),
        forename: forename.into(),
        surname: surname.into(),
        relationship: "Mother".into(),
        parental_responsibility: true,
        lives_with: true,
        priority,
        phone: Some("07700 900123".into()),
        email: None,
        address: None,
        may_collect: true,
    }
}

/// A parent's report of absence from the morning of `first` to the afternoon of `last`.
pub fn report(pupil: PupilId, first: &str, last: &str, code: &str) -> AbsenceReport {
    AbsenceReport {
        pupil,
        first: (d(first), Session::Am),
        last: (d(last), Session::Pm),
        reason: "Temperature, staying in bed".into(),
        kind: rollcall_store::ReportKind::Illness,
        code: Code::parse_stored(code).unwrap(),
        expected_return: Some(d(last) + Days::new(1)),
        reported_by: "Mother (phone)".into(),
        from_parent: false,
        awaiting_review: false,
        evidence: None,
        recorded: recorded("Mr Office", 60),
    }
}

/// Everything the store holds for a school's register and reports.
pub type Snapshot = (
    Vec<StoredMark>,
    Vec<StoredAmendment>,
    Vec<StoredAbsenceReport>,
);

/// What a school's register and reports hold, to show that a failed write changed nothing.
pub fn snapshot(store: &mut dyn Store, school: SchoolId) -> Snapshot {
    (
        store.marks(school, DateRange::all()).unwrap(),
        store.amendments(school, None).unwrap(),
        store.absence_reports(school, DateRange::all()).unwrap(),
    )
}
