//! Leave of absence (follow-up.md, "Leave of absence"): an application, the law's refusals made
//! at once, the decision, and the marks a grant pre-enters on the granted sessions.
//!
//! - Only a parent the pupil normally lives with may apply (regulation 11): an application from
//!   anyone else is recorded and refused at once, with that reason.
//! - Leave is never granted retrospectively: an application made after the first session it
//!   covers is recorded and refused at once.
//! - A grant pre-enters its code on each school session of the granted period for the pupil,
//!   replacing only a missing mark or `N` (as an amendment whose reason names the decision);
//!   any other mark is kept. A refusal enters no mark.

use std::collections::HashMap;

use rollcall_core::marks::{MarkEntry, Recorded};
use rollcall_core::{BaseCode, Code, Date, Session};
use rollcall_store::{
    Contact, DateRange, LeaveApplication, LeaveDecision, MarkChange, PupilId, SchoolId, Store,
    StoreError, StoredLeave, StoredPupil,
};

use crate::error::Refusal;
use crate::registers::{find_pupil, full_name, sessions_between};
use crate::table::{Cell, Table};

/// The codes leave may be granted with: exceptional circumstances, regulated performance or
/// employment abroad, interview, study leave, religious observance.
pub const LEAVE_CODES: [&str; 5] = ["C", "C1", "J1", "S", "R"];

/// The columns of `rollcall leave list` (interchange.md).
pub const LEAVE_COLUMNS: [&str; 12] = [
    "id",
    "upn",
    "contact_id",
    "from_date",
    "from_session",
    "to_date",
    "to_session",
    "code",
    "requested_on",
    "status",
    "decided_on",
    "reason",
];

/// An application as typed or given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaveRequest {
    pub upn: String,
    /// The applicant's contact reference.
    pub contact: String,
    pub first: (Date, Session),
    pub last: (Date, Session),
    pub code: String,
    pub reason: String,
    pub requested_on: Date,
}

/// A decision as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub grant: bool,
    pub on: Date,
    pub reason: String,
    /// Fewer sessions than asked, inside the application's period; `None` for all of them.
    pub sessions: Option<((Date, Session), (Date, Session))>,
}

/// What a decision did to the register.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PreEntered {
    /// Sessions given the granted code, with the mark each replaced (`N`, or none).
    pub marked: Vec<(Date, Session, Option<Code>)>,
    /// Sessions whose mark was kept.
    pub kept: Vec<(Date, Session, Code)>,
}

/// Why the law does not allow the leave asked for, if it does not: the applicant does not live
/// with the pupil, or the application came after the first session it covers.
pub fn refused_by_law(contact: &Contact, first: Date, requested_on: Date) -> Option<String> {
    let mut why = Vec::new();
    if !contact.lives_with {
        why.push(format!(
            "the applicant, {} ({}), does not live with the pupil: leave may be granted only on an application by a parent the pupil normally lives with",
            contact.name(),
            contact.relationship
        ));
    }
    if requested_on > first {
        why.push(format!(
            "the application was made on {requested_on}, after the first session it covers ({first}): leave cannot be granted retrospectively"
        ));
    }
    (!why.is_empty()).then(|| why.join("; "))
}

/// Checks and records an application; one the law does not allow is recorded as refused at
/// once, with the reason.
pub fn request(
    store: &mut dyn Store,
    school: SchoolId,
    req: &LeaveRequest,
    recorded: Recorded,
) -> Result<StoredLeave, Refusal> {
    let pupil = find_pupil(store, school, &req.upn)?;
    let contacts = store.contacts(school, pupil.id)?;
    let contact = contacts
        .iter()
        .find(|c| c.reference == req.contact.trim())
        .ok_or_else(|| {
            Refusal::invalid(format!(
                "contact '{}' is not a contact of {} ({}); the pupil's contacts are: {}",
                req.contact.trim(),
                full_name(&pupil.pupil),
                pupil.pupil.upn,
                if contacts.is_empty() {
                    "none".to_owned()
                } else {
                    contacts
                        .iter()
                        .map(|c| format!("{} ({})", c.reference, c.name()))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ))
        })?;
    let code = leave_code(&req.code, req.first.0, req.last.0)?;
    let reason = req.reason.trim();
    if reason.is_empty() {
        return Err(Refusal::invalid("give the reasons for the leave asked for"));
    }
    if req.last < req.first {
        return Err(Refusal::invalid(format!(
            "the leave ends ({} {}) before it starts ({} {})",
            req.last.0, req.last.1, req.first.0, req.first.1
        )));
    }
    school_sessions(store, school, &pupil, req.first, req.last)?;
    let application = LeaveApplication {
        pupil: pupil.id,
        contact: contact.reference.clone(),
        first: req.first,
        last: req.last,
        code,
        reason: reason.to_owned(),
        requested_on: req.requested_on,
        recorded: recorded.clone(),
    };
    let refusal = refused_by_law(contact, req.first.0, req.requested_on).map(|why| LeaveDecision {
        granted: false,
        on: req.requested_on,
        reason: why,
        granted_sessions: None,
        recorded,
    });
    let id = store.save_leave(school, &application, refusal.as_ref())?;
    Ok(StoredLeave {
        id,
        application,
        decision: refusal,
    })
}

/// The code asked for: one of [`LEAVE_CODES`], valid on the first and last day.
fn leave_code(text: &str, first: Date, last: Date) -> Result<Code, Refusal> {
    let text = text.trim();
    if !LEAVE_CODES.contains(&text) {
        return Err(Refusal::invalid(format!(
            "'{text}' is not a code leave may be granted with; expected one of {}",
            LEAVE_CODES.join(", ")
        )));
    }
    let (code, _) = Code::parse(text, first).map_err(|e| Refusal::invalid(e.to_string()))?;
    Code::parse(text, last).map_err(|e| Refusal::invalid(e.to_string()))?;
    Ok(code)
}

/// The pupil's school sessions from `first` to `last` while on roll; refused when there are
/// none.
fn school_sessions(
    store: &mut dyn Store,
    school: SchoolId,
    pupil: &StoredPupil,
    first: (Date, Session),
    last: (Date, Session),
) -> Result<Vec<(Date, Session)>, Refusal> {
    let calendar = store.calendar(school)?;
    let p = &pupil.pupil;
    let sessions: Vec<_> = sessions_between(first, last)
        .into_iter()
        .filter(|(d, s)| p.on_roll(*d) && calendar.is_school_session(*d, *s, p.year_group))
        .collect();
    if sessions.is_empty() {
        return Err(Refusal::invalid(format!(
            "{} {} to {} {} has no school session for {} ({}) while on roll",
            first.0,
            first.1,
            last.0,
            last.1,
            full_name(p),
            p.upn
        )));
    }
    Ok(sessions)
}

/// One of the school's applications, by id.
pub fn find(store: &mut dyn Store, school: SchoolId, id: i64) -> Result<StoredLeave, Refusal> {
    store
        .leave_applications(school, None)?
        .into_iter()
        .find(|l| l.id == id)
        .ok_or_else(|| Refusal::NotFound(format!("there is no leave application {id}")))
}

/// Decides a pending application; a grant pre-enters its code in the same transaction.
pub fn decide(
    store: &mut dyn Store,
    school: SchoolId,
    id: i64,
    verdict: &Verdict,
    recorded: Recorded,
) -> Result<(StoredLeave, PreEntered), Refusal> {
    let leave = find(store, school, id)?;
    let a = &leave.application;
    if let Some(d) = &leave.decision {
        let what = if d.granted { "granted" } else { "refused" };
        return Err(Refusal::invalid(format!(
            "leave application {id} was {what} on {}: {}; it cannot be decided again",
            d.on, d.reason
        )));
    }
    let reason = verdict.reason.trim();
    if reason.is_empty() {
        return Err(Refusal::invalid("give the reasons for the decision"));
    }
    if verdict.on < a.requested_on {
        return Err(Refusal::invalid(format!(
            "the decision ({}) cannot come before the application ({})",
            verdict.on, a.requested_on
        )));
    }
    let granted_sessions = match verdict.sessions {
        Some((f, l)) if !verdict.grant => {
            return Err(Refusal::invalid(format!(
                "sessions ({} {} to {} {}) are given only with a grant",
                f.0, f.1, l.0, l.1
            )))
        }
        Some((f, l)) if f < a.first || l > a.last || l < f => {
            return Err(Refusal::invalid(format!(
                "the sessions granted ({} {} to {} {}) must lie within those asked for ({} {} to {} {})",
                f.0, f.1, l.0, l.1, a.first.0, a.first.1, a.last.0, a.last.1
            )))
        }
        Some(s) if s != (a.first, a.last) => Some(s),
        _ => None,
    };
    let decision = LeaveDecision {
        granted: verdict.grant,
        on: verdict.on,
        reason: reason.to_owned(),
        granted_sessions,
        recorded: recorded.clone(),
    };
    let (changes, pre) = if verdict.grant {
        let pupil = store
            .pupils(school)?
            .into_iter()
            .find(|p| p.id == a.pupil)
            .ok_or_else(|| Refusal::NotFound(format!("the pupil of leave application {id}")))?;
        let (first, last) = granted_sessions.unwrap_or((a.first, a.last));
        pre_entries(store, school, &pupil, &leave, (first, last), &decision)?
    } else {
        (Vec::new(), PreEntered::default())
    };
    match store.decide_leave(school, id, &decision, &changes) {
        Err(StoreError::Conflict(m)) => {
            return Err(Refusal::Conflict {
                message: format!("{m}; look at the application and its register again"),
                changed: Vec::new(),
            })
        }
        other => other?,
    }
    Ok((
        StoredLeave {
            decision: Some(decision),
            ..leave
        },
        pre,
    ))
}

/// The marks a grant enters: its code on each school session of the period, as a new mark or
/// in place of `N`.
fn pre_entries(
    store: &mut dyn Store,
    school: SchoolId,
    pupil: &StoredPupil,
    leave: &StoredLeave,
    (first, last): ((Date, Session), (Date, Session)),
    decision: &LeaveDecision,
) -> Result<(Vec<MarkChange>, PreEntered), Refusal> {
    let sessions = school_sessions(store, school, pupil, first, last)?;
    let code = &leave.application.code;
    for (d, _) in [first, last] {
        Code::parse(code.text(), d).map_err(|e| Refusal::invalid(e.to_string()))?;
    }
    let stored: HashMap<(Date, Session), _> = store
        .pupil_marks(school, pupil.id, DateRange::between(first.0, last.0))?
        .into_iter()
        .map(|m| ((m.date, m.session), m))
        .collect();
    let entry = MarkEntry {
        code: code.clone(),
        minutes_late: None,
    };
    let because = format!(
        "leave of absence granted on {} (application {}): {}",
        decision.on, leave.id, decision.reason
    );
    let mut changes = Vec::new();
    let mut pre = PreEntered::default();
    for (date, session) in sessions {
        match stored.get(&(date, session)) {
            None => {
                pre.marked.push((date, session, None));
                changes.push(MarkChange::New {
                    pupil: pupil.id,
                    date,
                    session,
                    entry: entry.clone(),
                    recorded: decision.recorded.clone(),
                });
            }
            Some(m) if m.entry.code.base() == BaseCode::N => {
                pre.marked.push((date, session, Some(m.entry.code.clone())));
                changes.push(MarkChange::Amend {
                    pupil: pupil.id,
                    date,
                    session,
                    expected: m.entry.clone(),
                    entry: entry.clone(),
                    reason: because.clone(),
                    recorded: decision.recorded.clone(),
                });
            }
            Some(m) => pre.kept.push((date, session, m.entry.code.clone())),
        }
    }
    Ok((changes, pre))
}

/// Applications as `rollcall leave list` prints them; `reason` is the decision's once made, the
/// applicant's before.
pub fn leave_table(
    store: &mut dyn Store,
    school: SchoolId,
    leaves: &[StoredLeave],
) -> Result<Table, Refusal> {
    let upns: HashMap<PupilId, String> = store
        .pupils(school)?
        .into_iter()
        .map(|p| (p.id, p.pupil.upn.to_string()))
        .collect();
    let mut t = Table::new(LEAVE_COLUMNS);
    for l in leaves {
        let a = &l.application;
        let text = |s: &str| Cell::Text(s.to_owned());
        t.push(vec![
            Cell::Int(u64::try_from(l.id).unwrap_or(0)),
            upns.get(&a.pupil).map_or(Cell::Null, |u| text(u)),
            text(&a.contact),
            text(&a.first.0.to_string()),
            text(a.first.1.as_str()),
            text(&a.last.0.to_string()),
            text(a.last.1.as_str()),
            text(a.code.text()),
            text(&a.requested_on.to_string()),
            text(l.status().as_str()),
            l.decision
                .as_ref()
                .map_or(Cell::Null, |d| text(&d.on.to_string())),
            text(l.decision.as_ref().map_or(&a.reason, |d| &d.reason)),
        ]);
    }
    Ok(t)
}
