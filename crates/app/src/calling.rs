//! The first-day calling list: pupils absent with no reason known, whose parents the school must
//! contact that day, vulnerable pupils first (rules.md, "unexplained absence on the first day").
//!
//! An absence is known only once the register has closed: until then a pupil without a mark may
//! still be on their way in, or their register not yet taken, and is counted apart rather than
//! listed to call.

use std::collections::{HashMap, HashSet};

use rollcall_core::{BaseCode, Date, Session, YearGroup};
use rollcall_store::{Contact, DateRange, PupilId, SchoolId, Store, StoredPupil};

use crate::error::Result;

/// One pupil to call about.
#[derive(Debug, Clone)]
pub struct ToCall {
    pub pupil: StoredPupil,
    /// `N` when the register says so; `None` when the pupil has no mark at all.
    pub code: Option<BaseCode>,
    /// Why the pupil comes first: "social worker", "looked after".
    pub vulnerable: Vec<&'static str>,
    pub contacts: Vec<Contact>,
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
/// or missing, and for whom no absence has been reported. A missing mark is an absence only once
/// the register has closed (`closed`); before, those pupils are counted by form, not listed.
/// Only pupils `reach` admits are counted.
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
    let reported: HashSet<PupilId> = store
        .absence_reports(school, DateRange::between(date, date))?
        .into_iter()
        .filter(|r| r.report.first <= (date, session) && (date, session) <= r.report.last)
        .map(|r| r.report.pupil)
        .collect();
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
        let mut vulnerable = Vec::new();
        if p.pupil.social_worker {
            vulnerable.push("social worker");
        }
        if p.pupil.looked_after {
            vulnerable.push("looked after");
        }
        let contacts = store.contacts(school, p.id)?;
        list.push(ToCall {
            pupil: p,
            code,
            vulnerable,
            contacts,
        });
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
