//! Staff following up what parents report: parents' own reports turned into a code with one
//! action, the files given as evidence, and requests for medical evidence after a long illness.
//!
//! Each method checks [`Permission::FollowUp`] (evidence files: [`Permission::ReadPupils`]) and
//! then reach: a head of year sees their year groups' pupils only, and a pupil out of reach is
//! refused as [`Refusal::Forbidden`] whether or not they exist.

use std::collections::HashMap;

use rollcall_core::marks::MarkEntry;
use rollcall_core::{BaseCode, Code, Date, Session};
use rollcall_store::{
    AbsenceReport, DateRange, EvidenceAnswer, EvidenceFile, EvidenceOutcome, EvidenceRequest,
    MarkChange, ReportKind, StoreError, StoredEvidenceRequest, StoredPupil,
};

use crate::access::{Actor, Permission};
use crate::error::Refusal;
use crate::registers::{call_code_allowed, parse_day, sessions_between};
use crate::service::App;

use super::office::typed_pupil;
use super::pupils::school_details;

/// Illness beyond this many consecutive school days asks for medical evidence (000, 001, 004).
pub const ILLNESS_DAYS_FOR_EVIDENCE: usize = 5;

/// A parent's report waiting for staff, with the code it most likely becomes.
#[derive(Debug, Clone)]
pub struct ReportToReview {
    pub id: i64,
    pub pupil: StoredPupil,
    pub report: AbsenceReport,
    /// Illness: `I`; appointment: `M`; another reason: none (staff choose).
    pub suggested: Option<Code>,
}

/// What reviewing a report did to the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reviewed {
    pub code: Code,
    /// Sessions marked, with the mark each replaced.
    pub marked: Vec<(Date, Session, Option<Code>)>,
    /// Sessions whose mark was kept (present, or another code staff recorded).
    pub kept: Vec<(Date, Session, Code)>,
}

/// A pupil ill for more than [`ILLNESS_DAYS_FOR_EVIDENCE`] consecutive school days with no
/// request for evidence yet.
#[derive(Debug, Clone)]
pub struct LongIllness {
    pub pupil: StoredPupil,
    pub first: Date,
    pub last: Date,
    pub days: usize,
}

/// The evidence page: long illnesses to ask about, and requests open or answered.
#[derive(Debug, Clone)]
pub struct EvidenceDesk {
    pub long_illness: Vec<LongIllness>,
    pub requests: Vec<(StoredEvidenceRequest, StoredPupil)>,
}

fn suggested(kind: ReportKind) -> Option<Code> {
    match kind {
        ReportKind::Illness => Code::parse_stored("I"),
        ReportKind::Appointment => Code::parse_stored("M"),
        ReportKind::Other => None,
    }
}

impl App {
    /// Parents' reports waiting to be recorded, for pupils in the actor's reach, oldest first.
    pub fn reports_to_review(&self, actor: &Actor) -> Result<Vec<ReportToReview>, Refusal> {
        actor.require(Permission::FollowUp)?;
        self.reading(|store| {
            let school = school_details(store, actor)?;
            let pupils: HashMap<_, _> = store
                .pupils(school.id)?
                .into_iter()
                .filter(|p| actor.reaches(p.id, &p.pupil))
                .map(|p| (p.id, p))
                .collect();
            Ok(store
                .absence_reports(school.id, DateRange::all())?
                .into_iter()
                .filter(|r| r.report.awaiting_review)
                .filter_map(|r| {
                    let pupil = pupils.get(&r.report.pupil)?.clone();
                    Some(ReportToReview {
                        id: r.id,
                        suggested: suggested(r.report.kind),
                        pupil,
                        report: r.report,
                    })
                })
                .collect())
        })
    }

    /// Records a parent's report as `code` (an absence code; empty for the suggested one) on
    /// each of its school sessions that has no mark or `N`; other marks are kept. The report
    /// stays as the reason.
    pub fn review_report(&self, actor: &Actor, id: i64, code: &str) -> Result<Reviewed, Refusal> {
        actor.require(Permission::FollowUp)?;
        let now = self.now();
        self.with_store(|store| {
            let school = school_details(store, actor)?;
            let found = store
                .absence_reports(school.id, DateRange::all())?
                .into_iter()
                .find(|r| r.id == id);
            let Some(found) = found else {
                return Err(Refusal::NotFound(format!("there is no report {id}")));
            };
            let pupil = store
                .pupils(school.id)?
                .into_iter()
                .find(|p| p.id == found.report.pupil)
                .filter(|p| actor.reaches(p.id, &p.pupil))
                .ok_or(Refusal::Forbidden)?;
            let r = &found.report;
            if !r.awaiting_review {
                return Err(Refusal::Conflict {
                    message: format!("this report was recorded as {} already", r.code),
                    changed: Vec::new(),
                });
            }
            let code = match (code.trim(), suggested(r.kind)) {
                ("", Some(c)) => c,
                ("", None) => {
                    return Err(Refusal::invalid(
                        "choose the code to record: the parent gave another reason",
                    ))
                }
                (text, _) => {
                    let (c, _) = Code::parse(text, r.first.0).map_err(|e| Refusal::invalid(e.to_string()))?;
                    if !call_code_allowed(c.base()) {
                        return Err(Refusal::invalid(format!(
                            "{c} ({}) cannot be recorded from a parent's report: choose an absence code",
                            c.base().meaning()
                        )));
                    }
                    c
                }
            };
            let calendar = store.calendar(school.id)?;
            let p = &pupil.pupil;
            let stored: HashMap<(Date, Session), _> = store
                .pupil_marks(school.id, pupil.id, DateRange::between(r.first.0, r.last.0))?
                .into_iter()
                .map(|m| ((m.date, m.session), m))
                .collect();
            let recorded = actor.recorded_at(now);
            let entry = MarkEntry {
                code: code.clone(),
                minutes_late: None,
            };
            let because = format!("Reported by {}: {}", r.reported_by, r.reason);
            let mut changes = Vec::new();
            let mut out = Reviewed {
                code: code.clone(),
                marked: Vec::new(),
                kept: Vec::new(),
            };
            for (date, session) in sessions_between(r.first, r.last)
                .into_iter()
                .filter(|(d, s)| p.on_roll(*d) && calendar.is_school_session(*d, *s, p.year_group))
            {
                match stored.get(&(date, session)) {
                    None => {
                        out.marked.push((date, session, None));
                        changes.push(MarkChange::New {
                            pupil: pupil.id,
                            date,
                            session,
                            entry: entry.clone(),
                            recorded: recorded.clone(),
                        });
                    }
                    Some(m) if m.entry.code.base() == BaseCode::N => {
                        out.marked.push((date, session, Some(m.entry.code.clone())));
                        changes.push(MarkChange::Amend {
                            pupil: pupil.id,
                            date,
                            session,
                            expected: m.entry.clone(),
                            entry: entry.clone(),
                            reason: because.clone(),
                            recorded: recorded.clone(),
                        });
                    }
                    Some(m) => out.kept.push((date, session, m.entry.code.clone())),
                }
            }
            match store.review_report(school.id, id, &code, &recorded, &changes) {
                Err(StoreError::Conflict(m)) => Err(Refusal::Conflict {
                    message: format!("{m}; look at the register again"),
                    changed: vec![p.upn.clone()],
                }),
                other => other.map_err(Refusal::from),
            }?;
            Ok(out)
        })
    }

    /// A file given as evidence, to staff who reach the pupil and to the pupil's parents.
    pub fn evidence_file(&self, actor: &Actor, id: i64) -> Result<EvidenceFile, Refusal> {
        actor.require(Permission::ReadPupils)?;
        self.reading(|store| {
            let school = school_details(store, actor)?;
            let file = store
                .evidence_file(school.id, id)?
                .ok_or(Refusal::Forbidden)?;
            let reached = store
                .pupils(school.id)?
                .into_iter()
                .any(|p| p.id == file.pupil && actor.reaches(p.id, &p.pupil));
            if reached {
                Ok(file)
            } else {
                Err(Refusal::Forbidden)
            }
        })
    }

    /// Pupils ill beyond [`ILLNESS_DAYS_FOR_EVIDENCE`] consecutive school days up to today with
    /// no request covering it, and every request with its answer, for pupils in reach.
    pub fn evidence_desk(&self, actor: &Actor) -> Result<EvidenceDesk, Refusal> {
        actor.require(Permission::FollowUp)?;
        let today = self.now().date();
        self.reading(|store| {
            let school = school_details(store, actor)?;
            let pupils: Vec<StoredPupil> = store
                .pupils(school.id)?
                .into_iter()
                .filter(|p| actor.reaches(p.id, &p.pupil) && p.pupil.on_roll(today))
                .collect();
            let by_id: HashMap<_, _> = pupils.iter().map(|p| (p.id, p.clone())).collect();
            let requests: Vec<(StoredEvidenceRequest, StoredPupil)> = store
                .evidence_requests(school.id, None)?
                .into_iter()
                .filter_map(|q| by_id.get(&q.request.pupil).cloned().map(|p| (q, p)))
                .collect();
            let calendar = store.calendar(school.id)?;
            let from = today - chrono::Days::new(42);
            let mut marks: HashMap<_, Vec<_>> = HashMap::new();
            for f in store.mark_facts(school.id, DateRange::between(from, today))? {
                marks.entry(f.pupil).or_default().push(f.fact);
            }
            let mut long_illness = Vec::new();
            for p in &pupils {
                let Some(theirs) = marks.get(&p.id) else {
                    continue;
                };
                let ill: std::collections::HashSet<(Date, Session)> = theirs
                    .iter()
                    .filter(|m| m.code == BaseCode::I)
                    .map(|m| (m.date, m.session))
                    .collect();
                if ill.is_empty() {
                    continue;
                }
                // The latest run of school days with illness in every session, up to today.
                let mut run: Option<(Date, Date, usize)> = None;
                let mut best: Option<(Date, Date, usize)> = None;
                let mut day = from;
                while day <= today {
                    let sessions: Vec<Session> = Session::BOTH
                        .into_iter()
                        .filter(|s| calendar.is_school_session(day, *s, p.pupil.year_group))
                        .collect();
                    if !sessions.is_empty() {
                        if sessions.iter().all(|s| ill.contains(&(day, *s))) {
                            run = Some(match run {
                                Some((f, _, n)) => (f, day, n + 1),
                                None => (day, day, 1),
                            });
                            if run.is_some_and(|(_, _, n)| n > ILLNESS_DAYS_FOR_EVIDENCE) {
                                best = run;
                            }
                        } else {
                            run = None;
                        }
                    }
                    match day.succ_opt() {
                        Some(next) => day = next,
                        None => break,
                    }
                }
                if let Some((first, last, days)) = best {
                    let asked = requests.iter().any(|(q, _)| {
                        q.request.pupil == p.id
                            && q.request.last >= first
                            && q.request.first <= last
                    });
                    if !asked {
                        long_illness.push(LongIllness {
                            pupil: p.clone(),
                            first,
                            last,
                            days,
                        });
                    }
                }
            }
            Ok(EvidenceDesk {
                long_illness,
                requests,
            })
        })
    }

    /// Asks the parents of the pupil for medical evidence of an absence from `first` to `last`.
    pub fn request_evidence(
        &self,
        actor: &Actor,
        upn: &str,
        first: &str,
        last: &str,
        reason: &str,
    ) -> Result<i64, Refusal> {
        actor.require(Permission::FollowUp)?;
        let now = self.now();
        self.with_store(|store| {
            let school = school_details(store, actor)?;
            let pupil = typed_pupil(store, actor, school.id, upn)?;
            let first = parse_day(first)?;
            let last = parse_day(last)?;
            if last < first {
                return Err(Refusal::invalid(format!("{last} is before {first}")));
            }
            let reason = match reason.trim() {
                "" => format!("Illness of more than {ILLNESS_DAYS_FOR_EVIDENCE} school days"),
                r => r.to_owned(),
            };
            Ok(store.save_evidence_request(
                school.id,
                &EvidenceRequest {
                    pupil: pupil.id,
                    first,
                    last,
                    reason,
                    requested: actor.recorded_at(now),
                },
            )?)
        })
    }

    /// Records the answer to a request for evidence and the school's decision: evidence refused
    /// with `unauthorise` turns the illness (`I`) of those days into `O`, as amendments whose
    /// reason names the decision; otherwise the marks stay as they are.
    pub fn decide_evidence(
        &self,
        actor: &Actor,
        id: i64,
        outcome: &str,
        unauthorise: bool,
    ) -> Result<usize, Refusal> {
        actor.require(Permission::FollowUp)?;
        let outcome = EvidenceOutcome::parse(outcome).ok_or_else(|| {
            Refusal::invalid("choose: evidence provided, refused, or request withdrawn")
        })?;
        if unauthorise && outcome != EvidenceOutcome::Refused {
            return Err(Refusal::invalid(
                "an absence is recorded as unauthorised only when the evidence was refused",
            ));
        }
        let now = self.now();
        self.with_store(|store| {
            let school = school_details(store, actor)?;
            let q = store
                .evidence_requests(school.id, None)?
                .into_iter()
                .find(|q| q.id == id)
                .ok_or_else(|| {
                    Refusal::NotFound(format!("there is no request for evidence {id}"))
                })?;
            let pupil = store
                .pupils(school.id)?
                .into_iter()
                .find(|p| p.id == q.request.pupil)
                .filter(|p| actor.reaches(p.id, &p.pupil))
                .ok_or(Refusal::Forbidden)?;
            let recorded = actor.recorded_at(now);
            let decision = match (outcome, unauthorise) {
                (EvidenceOutcome::Refused, true) => {
                    "Evidence refused: illness recorded as unauthorised (O)"
                }
                (EvidenceOutcome::Refused, false) => "Evidence refused: absence kept as authorised",
                (EvidenceOutcome::Provided, _) => "Evidence provided: absence kept as authorised",
                (EvidenceOutcome::Withdrawn, _) => "Request withdrawn",
            };
            let mut changes = Vec::new();
            if unauthorise {
                let o = MarkEntry {
                    code: Code::parse_stored("O")
                        .ok_or_else(|| Refusal::Internal("no code O".into()))?,
                    minutes_late: None,
                };
                for m in store.pupil_marks(
                    school.id,
                    pupil.id,
                    DateRange::between(q.request.first, q.request.last),
                )? {
                    if m.entry.code.base() == BaseCode::I {
                        changes.push(MarkChange::Amend {
                            pupil: pupil.id,
                            date: m.date,
                            session: m.session,
                            expected: m.entry.clone(),
                            entry: o.clone(),
                            reason: format!("{decision} (request {id})"),
                            recorded: recorded.clone(),
                        });
                    }
                }
            }
            let answer = EvidenceAnswer {
                outcome,
                decision: decision.to_owned(),
                evidence: None,
                answered: recorded,
            };
            match store.answer_evidence_request(school.id, id, &answer, None, &changes) {
                Err(StoreError::Conflict(m)) => Err(Refusal::Conflict {
                    message: m,
                    changed: Vec::new(),
                }),
                other => other.map_err(Refusal::from),
            }?;
            Ok(changes.len())
        })
    }
}
