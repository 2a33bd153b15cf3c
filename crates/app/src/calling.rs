//! The first-day calling list: pupils absent with no reason known, whose parents the school must
//! contact that day, vulnerable pupils first (rules.md, "unexplained absence on the first day").

use std::collections::{HashMap, HashSet};

use rollcall_core::{BaseCode, Date, Session};
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

/// The pupils of the school on roll with a school session at `date` `session` whose mark is `N`
/// or missing, and for whom no absence has been reported; vulnerable pupils first, then by year,
/// form and name. Only pupils `reach` admits are listed.
pub fn calling_list(
    store: &mut dyn Store,
    school: SchoolId,
    date: Date,
    session: Session,
    reach: &dyn Fn(PupilId, &rollcall_core::Pupil) -> bool,
) -> Result<Vec<ToCall>> {
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
    for p in pupils {
        let code = marks.get(&p.id).copied();
        if !matches!(code, None | Some(BaseCode::N)) || reported.contains(&p.id) {
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
    Ok(list)
}
