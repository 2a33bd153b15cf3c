//! Notices to improve and penalty notices at school: the headteacher issues them and settles
//! them; the attendance officer and heads of year follow them. The law is in
//! [`crate::notices`], the same for the command line.

use std::collections::HashMap;

use rollcall_core::{Date, Session};
use rollcall_rules::Finding;
use rollcall_store::{
    Contact, NoticeOutcome, PenaltyClosure, RecordedClosure, Service, StoredNoticeToImprove,
    StoredPenaltyNotice, StoredPupil,
};

use crate::access::{Actor, Permission};
use crate::error::Refusal;
use crate::notices::{self, ImproveRequest, ImprovementCheck, PenaltyRequest};
use crate::registers::parse_day;
use crate::service::App;

use super::office::typed_pupil;
use super::pupils::school_details;

/// A notice to improve with its pupil, its parent's name and its period as the marks show it.
#[derive(Debug, Clone)]
pub struct ImproveItem {
    pub notice: StoredNoticeToImprove,
    pub pupil: StoredPupil,
    pub parent: String,
    pub check: ImprovementCheck,
}

/// A penalty notice with its pupil, its parent's name and the days payment is due by.
#[derive(Debug, Clone)]
pub struct PenaltyItem {
    pub notice: StoredPenaltyNotice,
    pub pupil: StoredPupil,
    pub parent: String,
    /// The last day to pay the reduced amount (a first notice), and the full amount.
    pub due_reduced: Option<Date>,
    pub due_full: Date,
    /// Unpaid 28 days after receipt, neither withdrawn nor closed: the local authority decides.
    pub awaiting_decision: bool,
}

/// Every notice of the pupils an actor reaches, newest first.
#[derive(Debug, Clone, Default)]
pub struct NoticeList {
    pub improve: Vec<ImproveItem>,
    pub penalty: Vec<PenaltyItem>,
}

/// A pupil about to be given a notice: their parents (in the education-law sense) and the
/// penalty-threshold findings of the national rule so far.
#[derive(Debug, Clone)]
pub struct NoticeParties {
    pub pupil: StoredPupil,
    pub parents: Vec<Contact>,
    pub findings: Vec<Finding>,
}

/// A notice to improve as typed.
#[derive(Debug, Clone, Default)]
pub struct ImproveForm {
    pub upn: String,
    pub contact: String,
    pub weeks: String,
    /// Empty: no unauthorised session in the period; else an attendance to reach, e.g. `95`.
    pub attendance_at_least: String,
    pub support: String,
    pub grounds: String,
}

/// A penalty notice as typed.
#[derive(Debug, Clone, Default)]
pub struct PenaltyForm {
    pub upn: String,
    pub contact: String,
    /// `post`, `hand` or `email`.
    pub service: String,
    /// Only to issue below the threshold: why.
    pub override_reason: String,
}

/// A confirmation of a notice to improve's outcome as typed.
#[derive(Debug, Clone, Default)]
pub struct OutcomeForm {
    /// `met` or `not_met`.
    pub outcome: String,
    pub note: String,
}

/// What became of a penalty notice, as typed.
#[derive(Debug, Clone, Default)]
pub struct SettleForm {
    /// `withdraw`, `paid` or `prosecution`.
    pub action: String,
    pub on: String,
    pub amount: String,
    pub reason: String,
}

fn names(contacts: &[Contact]) -> HashMap<String, String> {
    contacts
        .iter()
        .map(|c| (c.reference.clone(), c.name()))
        .collect()
}

fn penalty_item(
    n: StoredPenaltyNotice,
    pupil: StoredPupil,
    parent: String,
    today: Date,
) -> PenaltyItem {
    let received = n.notice.received_on;
    let day = |days: u64| {
        received
            .checked_add_days(chrono::Days::new(days))
            .unwrap_or(received)
    };
    let due_full = day(28);
    PenaltyItem {
        due_reduced: n.notice.amount_within_21_days.map(|_| day(21)),
        due_full,
        awaiting_decision: n.withdrawal.is_none() && n.closure.is_none() && today > due_full,
        notice: n,
        pupil,
        parent,
    }
}

impl App {
    /// Every notice of the pupils the actor reaches.
    pub fn notices(&self, actor: &Actor) -> Result<NoticeList, Refusal> {
        actor.require(Permission::Notices)?;
        let today = self.now().date();
        self.reading(|store| {
            let school = school_details(store, actor)?;
            let pupils: HashMap<_, _> = store
                .pupils(school.id)?
                .into_iter()
                .filter(|p| actor.reaches(p.id, &p.pupil))
                .map(|p| (p.id, p))
                .collect();
            let calendar = store.calendar(school.id)?;
            let mut list = NoticeList::default();
            let mut contacts: HashMap<_, HashMap<String, String>> = HashMap::new();
            for n in store.notices_to_improve(school.id, None)?.into_iter().rev() {
                let Some(p) = pupils.get(&n.notice.pupil) else {
                    continue;
                };
                if let std::collections::hash_map::Entry::Vacant(e) = contacts.entry(p.id) {
                    e.insert(names(&store.contacts(school.id, p.id)?));
                }
                let check =
                    notices::improvement_check(store, school.id, &calendar, p, &n.notice, today)?;
                let parent = contacts[&p.id]
                    .get(&n.notice.contact)
                    .cloned()
                    .unwrap_or_else(|| n.notice.contact.clone());
                list.improve.push(ImproveItem {
                    notice: n,
                    pupil: p.clone(),
                    parent,
                    check,
                });
            }
            for n in store.penalty_notices(school.id, None)?.into_iter().rev() {
                let Some(p) = pupils.get(&n.notice.pupil) else {
                    continue;
                };
                if let std::collections::hash_map::Entry::Vacant(e) = contacts.entry(p.id) {
                    e.insert(names(&store.contacts(school.id, p.id)?));
                }
                let parent = contacts[&p.id]
                    .get(&n.notice.contact)
                    .cloned()
                    .unwrap_or_else(|| n.notice.contact.clone());
                list.penalty.push(penalty_item(n, p.clone(), parent, today));
            }
            Ok(list)
        })
    }

    /// One notice to improve with the sessions of its period so far.
    pub fn notice_to_improve(&self, actor: &Actor, id: i64) -> Result<ImproveItem, Refusal> {
        actor.require(Permission::Notices)?;
        let today = self.now().date();
        self.reading(|store| {
            let school = school_details(store, actor)?;
            let n = notices::find_notice_to_improve(store, school.id, id)?;
            let pupil = reached(store, actor, school.id, n.notice.pupil)?;
            let calendar = store.calendar(school.id)?;
            let check =
                notices::improvement_check(store, school.id, &calendar, &pupil, &n.notice, today)?;
            let parent = names(&store.contacts(school.id, pupil.id)?)
                .remove(&n.notice.contact)
                .unwrap_or_else(|| n.notice.contact.clone());
            Ok(ImproveItem {
                notice: n,
                pupil,
                parent,
                check,
            })
        })
    }

    /// One penalty notice.
    pub fn penalty_notice(&self, actor: &Actor, id: i64) -> Result<PenaltyItem, Refusal> {
        actor.require(Permission::Notices)?;
        let today = self.now().date();
        self.reading(|store| {
            let school = school_details(store, actor)?;
            let n = notices::find_penalty_notice(store, school.id, id)?;
            let pupil = reached(store, actor, school.id, n.notice.pupil)?;
            let parent = names(&store.contacts(school.id, pupil.id)?)
                .remove(&n.notice.contact)
                .unwrap_or_else(|| n.notice.contact.clone());
            Ok(penalty_item(n, pupil, parent, today))
        })
    }

    /// The parents a notice for this pupil may go to, and the threshold findings so far.
    pub fn notice_parties(&self, actor: &Actor, upn: &str) -> Result<NoticeParties, Refusal> {
        actor.require(Permission::IssueNotices)?;
        let today = self.now().date();
        self.reading(|store| {
            let school = school_details(store, actor)?;
            let pupil = typed_pupil(store, actor, school.id, upn)?;
            let parents = store
                .contacts(school.id, pupil.id)?
                .into_iter()
                .filter(Contact::is_parent)
                .collect();
            let calendar = store.calendar(school.id)?;
            let findings = notices::threshold_findings(store, school.id, &calendar, &pupil, today)?;
            Ok(NoticeParties {
                pupil,
                parents,
                findings,
            })
        })
    }

    /// Issues a notice to improve today.
    pub fn issue_notice_to_improve(
        &self,
        actor: &Actor,
        form: &ImproveForm,
    ) -> Result<StoredNoticeToImprove, Refusal> {
        actor.require(Permission::IssueNotices)?;
        let now = self.now();
        let weeks: u32 = form.weeks.trim().parse().map_err(|_| {
            Refusal::invalid("give the improvement period as a number of school weeks, 3 to 6")
        })?;
        let attendance_at_least = match form.attendance_at_least.trim() {
            "" => None,
            t => Some(
                rollcall_rules::Rate::parse(t)
                    .map_err(|e| Refusal::invalid(e.to_string()))?
                    .hundredths(),
            ),
        };
        if form.support.trim().is_empty() {
            return Err(Refusal::invalid(
                "say what support is still offered over the improvement period",
            ));
        }
        self.with_store(|store| {
            let school = school_details(store, actor)?;
            typed_pupil(store, actor, school.id, &form.upn)?;
            let req = ImproveRequest {
                upn: form.upn.clone(),
                contact: form.contact.clone(),
                issued_on: Some(now.date()),
                weeks,
                attendance_at_least,
                support: form.support.clone(),
                grounds: form.grounds.clone(),
            };
            notices::issue_notice_to_improve(
                store,
                school.id,
                &req,
                now.date(),
                actor.recorded_at(now),
            )
        })
    }

    /// Confirms the outcome of a notice to improve whose period has ended.
    pub fn confirm_improvement(
        &self,
        actor: &Actor,
        id: i64,
        form: &OutcomeForm,
    ) -> Result<(), Refusal> {
        actor.require(Permission::IssueNotices)?;
        let now = self.now();
        let met = match form.outcome.trim() {
            "met" => true,
            "not_met" => false,
            _ => {
                return Err(Refusal::invalid(
                    "choose whether the improvement was sufficient",
                ))
            }
        };
        self.with_store(|store| {
            let school = school_details(store, actor)?;
            let n = notices::find_notice_to_improve(store, school.id, id)?;
            reached(store, actor, school.id, n.notice.pupil)?;
            if now.date() <= n.notice.period_end {
                return Err(Refusal::invalid(format!(
                    "the improvement period runs to {}: its outcome can be confirmed from the \
                     day after",
                    n.notice.period_end
                )));
            }
            let outcome = NoticeOutcome {
                met,
                on: now.date(),
                note: form.note.trim().to_owned(),
                recorded: actor.recorded_at(now),
            };
            store.confirm_notice_outcome(school.id, id, &outcome)?;
            Ok(())
        })
    }

    /// Issues a penalty notice today, or refuses and says why.
    pub fn issue_penalty_notice(
        &self,
        actor: &Actor,
        form: &PenaltyForm,
    ) -> Result<StoredPenaltyNotice, Refusal> {
        actor.require(Permission::IssueNotices)?;
        let now = self.now();
        let service = Service::parse(form.service.trim()).ok_or_else(|| {
            Refusal::invalid("choose how the notice is served: post, hand or e-mail")
        })?;
        self.with_store(|store| {
            let school = school_details(store, actor)?;
            typed_pupil(store, actor, school.id, &form.upn)?;
            let req = PenaltyRequest {
                upn: form.upn.clone(),
                contact: form.contact.clone(),
                issued_on: now.date(),
                service,
                override_reason: Some(form.override_reason.clone()),
            };
            notices::issue_penalty_notice(
                store,
                school.id,
                &notices::authority(&school.details),
                &req,
                actor.recorded_at(now),
            )
        })
    }

    /// Withdraws a penalty notice, or records that it was paid or that the local authority
    /// prosecutes.
    pub fn settle_penalty_notice(
        &self,
        actor: &Actor,
        id: i64,
        form: &SettleForm,
    ) -> Result<(), Refusal> {
        actor.require(Permission::IssueNotices)?;
        let now = self.now();
        let on = match form.on.trim() {
            "" => now.date(),
            t => parse_day(t)?,
        };
        if on > now.date() {
            return Err(Refusal::invalid(format!("{on} is still to come")));
        }
        self.with_store(|store| {
            let school = school_details(store, actor)?;
            let n = notices::find_penalty_notice(store, school.id, id)?;
            reached(store, actor, school.id, n.notice.pupil)?;
            let recorded = actor.recorded_at(now);
            let closure = match form.action.trim() {
                "withdraw" => {
                    notices::withdraw_penalty_notice(
                        store,
                        school.id,
                        id,
                        on,
                        &form.reason,
                        recorded,
                    )?;
                    return Ok(());
                }
                "paid" => {
                    let amount: u32 = form.amount.trim().parse().map_err(|_| {
                        Refusal::invalid("give the amount paid in whole pounds, e.g. 80")
                    })?;
                    let allowed = [
                        n.notice.amount_within_21_days,
                        Some(n.notice.amount_within_28_days),
                    ];
                    if !allowed.contains(&Some(amount)) {
                        return Err(Refusal::invalid(format!(
                            "£{amount} is not an amount this notice can be paid with"
                        )));
                    }
                    PenaltyClosure::Paid { on, amount }
                }
                "prosecution" => {
                    let due = n
                        .notice
                        .received_on
                        .checked_add_days(chrono::Days::new(28))
                        .unwrap_or(n.notice.received_on);
                    if on <= due {
                        return Err(Refusal::invalid(format!(
                            "the notice may be paid until {due}: prosecution is decided only \
                             after 28 days unpaid"
                        )));
                    }
                    PenaltyClosure::Prosecution { on }
                }
                _ => return Err(Refusal::invalid("choose what became of the notice")),
            };
            if on < n.notice.issued_on {
                return Err(Refusal::invalid(format!(
                    "{on} is before the notice was issued ({})",
                    n.notice.issued_on
                )));
            }
            store.close_penalty_notice(school.id, id, &RecordedClosure { closure, recorded })?;
            Ok(())
        })
    }
}

/// The pupil a notice is about, when the actor reaches them; refused alike when they do not.
fn reached(
    store: &mut dyn rollcall_store::Store,
    actor: &Actor,
    school: rollcall_store::SchoolId,
    pupil: rollcall_store::PupilId,
) -> Result<StoredPupil, Refusal> {
    store
        .pupils(school)?
        .into_iter()
        .find(|p| p.id == pupil)
        .filter(|p| actor.reaches(p.id, &p.pupil))
        .ok_or(Refusal::Forbidden)
}

/// A session's label, e.g. `Tue 15 Oct AM`.
pub fn session_label(date: Date, session: Session) -> String {
    format!("{} {}", date.format("%a %-d %b %Y"), session.as_str())
}
