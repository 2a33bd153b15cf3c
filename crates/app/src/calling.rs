//! The first-day calling list: pupils absent with no reason known, whose parents the school must
//! contact that day, vulnerable pupils first (rules.md, "unexplained absence on the first day";
//! follow-up.md, "First-day calling").
//!
//! An absence is known only once the register has closed: until then a pupil without a mark may
//! still be on their way in, or their register not yet taken, and is counted apart rather than
//! listed to call. Each pupil listed comes with the day's attempts to reach their contacts and
//! the messages sent to their parents. A pupil leaves the list the moment they arrive (their mark
//! is no longer `N` or missing) or a reason comes in (an absence report covers the session). A
//! report's expected return holds only until then: a pupil still absent after the day a parent
//! said they would be back is listed again, as not having returned as expected.

use std::collections::{HashMap, HashSet};

use rollcall_core::{BaseCode, Category, Date, Pupil, Sen, Session, YearGroup};
use rollcall_store::{
    Contact, DateRange, PupilId, SchoolId, Store, StoredCallAttempt, StoredParentMessage,
    StoredPupil,
};

use crate::error::Result;

/// How far back a parent's expected return is looked for: a report older than this no longer
/// explains why a pupil is missed.
pub const EXPECTED_RETURN_DAYS: u64 = 14;

/// One pupil to call about.
#[derive(Debug, Clone)]
pub struct ToCall {
    pub pupil: StoredPupil,
    /// `N` when the register says so; `None` when the pupil has no mark at all.
    pub code: Option<BaseCode>,
    /// Why the pupil comes first: "social worker", "looked after", "EHC plan".
    pub vulnerable: Vec<&'static str>,
    pub contacts: Vec<Contact>,
    /// The attempts to reach the pupil's contacts about this day, oldest first.
    pub attempts: Vec<StoredCallAttempt>,
    /// The messages sent to the pupil's parents about this day, in the order they were sent.
    pub messages: Vec<StoredParentMessage>,
    /// A parent said the pupil would be back on this day, and they have not been in since.
    pub expected_back: Option<Date>,
}

impl ToCall {
    /// Whether someone was reached today (a parent or another contact spoke to the school).
    pub fn contact_made(&self) -> bool {
        self.attempts.iter().any(|a| a.attempt.outcome.is_contact())
    }

    /// The pupil's contact with this reference.
    pub fn contact(&self, reference: &str) -> Option<&Contact> {
        self.contacts.iter().find(|c| c.reference == reference)
    }
}

/// Why a pupil is vulnerable and called about first: a social worker, looked after, or an
/// education, health and care plan. (The admission register holds no child protection or child
/// in need status, nor missing episodes.)
pub fn vulnerable(p: &Pupil) -> Vec<&'static str> {
    let mut why = Vec::new();
    if p.social_worker {
        why.push("social worker");
    }
    if p.looked_after {
        why.push("looked after");
    }
    if p.sen == Sen::E {
        why.push("EHC plan");
    }
    why
}

/// A form with pupils not yet marked in a register that is still open, and how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotYetMarked {
    /// `None` for pupils without a form.
    pub form: Option<String>,
    pub pupils: usize,
}

/// The pupils of a session absent with no reason known, as the register stands.
#[derive(Debug, Clone, Default)]
pub struct Unexplained {
    /// Pupils marked `N` and, once the register has closed, pupils with no mark: vulnerable
    /// pupils first, then by year, form and name, each with their contacts.
    pub absent: Vec<ToCall>,
    /// While the register is still open (or not yet open), the pupils with no mark, by form: they
    /// may still be on their way in, or their register not yet taken. Empty once it has closed.
    pub not_yet_marked: Vec<NotYetMarked>,
}

/// The pupils of the school on roll with a school session at `date` `session` whose mark is `N`
/// or missing, and for whom no absence has been reported (or whose parent said they would be
/// back before `date`). A missing mark is an absence only once the register has closed
/// (`closed`); before, those pupils are counted by form, not listed. Only pupils `reach` admits
/// are counted.
pub fn calling_list(
    store: &mut dyn Store,
    school: SchoolId,
    date: Date,
    session: Session,
    closed: bool,
    reach: &dyn Fn(PupilId, &rollcall_core::Pupil) -> bool,
) -> Result<Unexplained> {
    let calendar = store.calendar(school)?;
    let pupils: Vec<StoredPupil> = store
        .pupils(school)?
        .into_iter()
        .filter(|p| {
            p.pupil.on_roll(date) && calendar.is_school_session(date, session, p.pupil.year_group)
        })
        .filter(|p| reach(p.id, &p.pupil))
        .collect();
    let ids: Vec<PupilId> = pupils.iter().map(|p| p.id).collect();
    let marks: HashMap<PupilId, BaseCode> = store
        .session_marks(school, &ids, date, session)?
        .into_iter()
        .map(|m| (m.pupil, m.entry.code.base()))
        .collect();
    let since = date
        .checked_sub_days(chrono::Days::new(EXPECTED_RETURN_DAYS))
        .unwrap_or(date);
    // Who reported an absence covering the session, and the latest day a parent said a pupil
    // would be back by that has passed.
    let mut reported: HashSet<PupilId> = HashSet::new();
    let mut back_by: HashMap<PupilId, Date> = HashMap::new();
    for r in store.absence_reports(school, DateRange::between(since, date))? {
        let r = r.report;
        let overdue = r.expected_return.filter(|e| *e < date && *e >= since);
        if let Some(e) = overdue {
            let latest = back_by.entry(r.pupil).or_insert(e);
            *latest = (*latest).max(e);
        }
        if r.first <= (date, session) && (date, session) <= r.last && overdue.is_none() {
            reported.insert(r.pupil);
        }
    }
    let mut list = Vec::new();
    // By form: the form's lowest year group, and how many are not yet marked.
    let mut not_yet: HashMap<Option<String>, (YearGroup, usize)> = HashMap::new();
    for p in pupils {
        let code = marks.get(&p.id).copied();
        if !matches!(code, None | Some(BaseCode::N)) || reported.contains(&p.id) {
            continue;
        }
        if code.is_none() && !closed {
            let (year, count) = not_yet
                .entry(p.pupil.form.clone())
                .or_insert((p.pupil.year_group, 0));
            *year = (*year).min(p.pupil.year_group);
            *count += 1;
            continue;
        }
        list.push(ToCall {
            vulnerable: vulnerable(&p.pupil),
            code,
            contacts: Vec::new(),
            attempts: Vec::new(),
            messages: Vec::new(),
            expected_back: back_by.get(&p.id).copied(),
            pupil: p,
        });
    }
    let listed: HashSet<PupilId> = list.iter().map(|t| t.pupil.id).collect();
    returned_since(store, school, date, &mut list)?;
    // What was done today about the pupils listed: their contacts, the calls and the messages.
    let day = DateRange::between(date, date);
    let mut attempts: HashMap<PupilId, Vec<StoredCallAttempt>> = HashMap::new();
    if !listed.is_empty() {
        for a in store.call_attempts(school, day)? {
            if listed.contains(&a.attempt.pupil) && a.attempt.session == session {
                attempts.entry(a.attempt.pupil).or_default().push(a);
            }
        }
    }
    let mut messages: HashMap<PupilId, Vec<StoredParentMessage>> = HashMap::new();
    if !listed.is_empty() {
        for m in store.parent_messages(school, day)? {
            if listed.contains(&m.message.pupil) && m.message.session == session {
                messages.entry(m.message.pupil).or_default().push(m);
            }
        }
    }
    for t in &mut list {
        t.contacts = store.contacts(school, t.pupil.id)?;
        t.attempts = attempts.remove(&t.pupil.id).unwrap_or_default();
        t.messages = messages.remove(&t.pupil.id).unwrap_or_default();
    }
    list.sort_by(|a, b| {
        let key = |t: &ToCall| {
            (
                t.vulnerable.is_empty(),
                t.pupil.pupil.year_group,
                t.pupil.pupil.form.clone(),
                t.pupil.pupil.surname.to_lowercase(),
                t.pupil.pupil.forename.to_lowercase(),
            )
        };
        key(a).cmp(&key(b))
    });
    let mut not_yet: Vec<_> = not_yet.into_iter().collect();
    not_yet.sort_by(|(fa, (ya, _)), (fb, (yb, _))| {
        (fa.is_none(), ya, fa).cmp(&(fb.is_none(), yb, fb))
    });
    Ok(Unexplained {
        absent: list,
        not_yet_marked: not_yet
            .into_iter()
            .map(|(form, (_, pupils))| NotYetMarked { form, pupils })
            .collect(),
    })
}

/// Forgets the expected return of a pupil who has been in (present or at an approved activity)
/// since it: they came back as expected, and this is another absence.
fn returned_since(
    store: &mut dyn Store,
    school: SchoolId,
    date: Date,
    list: &mut [ToCall],
) -> Result<()> {
    let Some(first) = list.iter().filter_map(|t| t.expected_back).min() else {
        return Ok(());
    };
    let Some(yesterday) = date.pred_opt().filter(|y| *y >= first) else {
        return Ok(());
    };
    let waiting: HashMap<PupilId, Date> = list
        .iter()
        .filter_map(|t| Some((t.pupil.id, t.expected_back?)))
        .collect();
    let mut back: HashSet<PupilId> = HashSet::new();
    for f in store.mark_facts(school, DateRange::between(first, yesterday))? {
        let in_school = matches!(f.fact.code.category(), Category::Present | Category::Aea);
        if in_school && waiting.get(&f.pupil).is_some_and(|e| f.fact.date >= *e) {
            back.insert(f.pupil);
        }
    }
    for t in list {
        if back.contains(&t.pupil.id) {
            t.expected_back = None;
        }
    }
    Ok(())
}
