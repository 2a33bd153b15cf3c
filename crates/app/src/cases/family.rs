//! What parents do themselves: report an absence, ask for leave, send the evidence the school
//! asked for, and see what became of each, for their own children only.
//!
//! A child is found by UPN among the parent's own children: any other UPN, on the register or
//! not, is refused as [`Refusal::Forbidden`], so a parent never learns of another family's child.
//! A parent's report changes no mark: staff turn it into a code ([`App::review_report`]).

use rollcall_core::{Code, Date, Pupil, Session};
use rollcall_store::{
    AbsenceReport, Contact, DateRange, EvidenceAnswer, EvidenceFile, EvidenceOutcome, PupilId,
    ReportKind, School, SchoolId, Store, StoredAbsenceReport, StoredEvidenceRequest, StoredLeave,
    StoredPupil,
};

use crate::access::{Actor, Permission};
use crate::error::{Problem, Refusal};
use crate::evidence::{self, Upload};
use crate::leave::{self, LeaveRequest};
use crate::registers::{parse_day, parse_session, sessions_between, MAX_CALL_DAYS};
use crate::service::App;

use super::office::typed_pupil;
use super::pupils::school_details;

/// A parent's report of absence as typed on their phone: every field as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AbsenceNotice {
    pub upn: String,
    pub first_date: String,
    /// `AM` or `PM`; the morning when empty.
    pub first_session: String,
    /// Empty for the first day.
    pub last_date: String,
    /// `AM` or `PM`; the afternoon when empty.
    pub last_session: String,
    /// `illness`, `appointment` or `other`.
    pub kind: String,
    pub details: String,
    /// The day the child is expected back; may be empty.
    pub expected_return: String,
}

/// What a parent's report recorded.
#[derive(Debug, Clone)]
pub struct ReportReceipt {
    pub id: i64,
    pub child: Pupil,
    pub report: AbsenceReport,
    /// The school sessions it covers.
    pub sessions: usize,
    /// A file was given as evidence, and kept with the report.
    pub with_evidence: bool,
}

/// An application for leave as typed by a parent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeaveForm {
    pub upn: String,
    pub first_date: String,
    pub first_session: String,
    pub last_date: String,
    pub last_session: String,
    /// `C`, `C1`, `J1`, `S` or `R`.
    pub code: String,
    pub reason: String,
}

/// One child as their parent sees them: what was reported, asked and decided.
#[derive(Debug, Clone)]
pub struct ChildFollowUp {
    pub child: Pupil,
    /// Reports of the last 30 days and to come, newest first.
    pub reports: Vec<StoredAbsenceReport>,
    /// Applications for leave, newest first, with their decisions.
    pub leave: Vec<StoredLeave>,
    /// Requests for evidence, open ones first.
    pub evidence_requests: Vec<StoredEvidenceRequest>,
}

/// A parent's children and their follow-up, and who the parent is among the school's contacts.
#[derive(Debug, Clone)]
pub struct Family {
    pub today: Date,
    pub children: Vec<ChildFollowUp>,
    /// The parent's own contact entry, if their account is linked to one.
    pub me: Option<Contact>,
}

/// The parent's own entry among a child's contacts, if their account is linked to one.
pub(super) fn own_contact(
    store: &mut dyn Store,
    actor: &Actor,
    school: SchoolId,
    pupil: PupilId,
) -> Result<Option<Contact>, Refusal> {
    let Some(user) = actor.user else {
        return Ok(None);
    };
    let Some(reference) = store.user(user)?.and_then(|u| u.user.contact) else {
        return Ok(None);
    };
    Ok(store
        .contacts(school, pupil)?
        .into_iter()
        .find(|c| c.reference == reference))
}

/// "Mary Smith (mother, online)", or the account's name when it is not linked to a contact.
fn reporter(actor: &Actor, me: Option<&Contact>) -> String {
    match me {
        Some(c) => format!("{} ({}, online)", c.name(), c.relationship),
        None => format!("{} (online)", actor.name),
    }
}

fn own_child(
    store: &mut dyn Store,
    actor: &Actor,
    school: &School,
    upn: &str,
) -> Result<StoredPupil, Refusal> {
    typed_pupil(store, actor, school.id, upn)
}

impl App {
    /// A parent reports that their child is or will be absent (today or later). The report
    /// waits for staff to record the code; the evidence file, if any, is checked and kept with
    /// it. Nothing is written when anything is wrong.
    pub fn report_absence(
        &self,
        actor: &Actor,
        notice: &AbsenceNotice,
        upload: Option<Upload>,
    ) -> Result<ReportReceipt, Refusal> {
        actor.require(Permission::OwnChildren)?;
        let now = self.now();
        let today = now.date();
        let content_type = upload.as_ref().map(evidence::check).transpose()?;
        self.with_store(|store| {
            let school = school_details(store, actor)?;
            let child = own_child(store, actor, &school, &notice.upn)?;
            let mut problems = Vec::new();
            let mut day = |text: &str, what: &str| match parse_day(text) {
                Ok(d) => Some(d),
                Err(e) => {
                    problems.push(Problem::general(format!("{what}: {e}")));
                    None
                }
            };
            let first_date = day(&notice.first_date, "first day");
            let last_date = match notice.last_date.trim() {
                "" => first_date,
                t => day(t, "last day"),
            };
            let expected_return = match notice.expected_return.trim() {
                "" => None,
                t => day(t, "expected back"),
            };
            let session = |text: &str, default: Session| match text.trim() {
                "" => Ok(default),
                t => parse_session(t),
            };
            let first_session = session(&notice.first_session, Session::Am)?;
            let last_session = session(&notice.last_session, Session::Pm)?;
            let kind = ReportKind::parse(&notice.kind.to_ascii_lowercase());
            if kind.is_none() {
                problems.push(Problem::general(
                    "choose what the absence is: illness, a medical appointment, or another reason",
                ));
            }
            let details = notice.details.trim();
            if details.is_empty() {
                problems.push(Problem::general(
                    "say briefly why your child is absent (for example: sickness and a temperature)",
                ));
            } else if details.chars().count() > 2000 {
                problems.push(Problem::general("please keep the reason under 2,000 characters"));
            }
            let (Some(first_date), Some(last_date), Some(kind)) = (first_date, last_date, kind)
            else {
                return Err(Refusal::Invalid(problems));
            };
            let first = (first_date, first_session);
            let last = (last_date, last_session);
            if first_date < today {
                problems.push(Problem::general(format!(
                    "{first_date} has passed: report today's absence or one to come; for an earlier day, please call the school office"
                )));
            }
            if last < first {
                problems.push(Problem::general(format!(
                    "the last session ({last_date} {last_session}) is before the first ({first_date} {first_session})"
                )));
            } else if (last_date - first_date).num_days() >= MAX_CALL_DAYS {
                problems.push(Problem::general(format!(
                    "one report may cover at most {MAX_CALL_DAYS} days"
                )));
            }
            if let Some(back) = expected_return {
                if back <= first_date {
                    problems.push(Problem::general(format!(
                        "the day your child is expected back ({back}) must be after the first day of absence ({first_date})"
                    )));
                }
            }
            if !problems.is_empty() {
                return Err(Refusal::Invalid(problems));
            }
            let calendar = store.calendar(school.id)?;
            let p = &child.pupil;
            let sessions = sessions_between(first, last)
                .into_iter()
                .filter(|(d, s)| p.on_roll(*d) && calendar.is_school_session(*d, *s, p.year_group))
                .count();
            if sessions == 0 {
                return Err(Refusal::invalid(format!(
                    "there is no school for {} between {first_date} {first_session} and {last_date} {last_session}",
                    p.forename
                )));
            }
            let me = own_contact(store, actor, school.id, child.id)?;
            let recorded = actor.recorded_at(now);
            let file = upload.map(|u| EvidenceFile {
                pupil: child.id,
                file_name: evidence::clean_name(&u.file_name),
                content_type: content_type.unwrap_or("application/octet-stream").to_owned(),
                bytes: u.bytes,
                uploaded_by: recorded.by.clone(),
                uploaded_at: recorded.at,
            });
            let report = AbsenceReport {
                pupil: child.id,
                first,
                last,
                reason: details.to_owned(),
                kind,
                code: Code::parse_stored("N")
                    .ok_or_else(|| Refusal::Internal("the code N is unknown".into()))?,
                expected_return,
                reported_by: reporter(actor, me.as_ref()),
                from_parent: true,
                awaiting_review: true,
                evidence: None,
                recorded,
            };
            let id = store.record_parent_report(school.id, &report, file.as_ref())?;
            Ok(ReportReceipt {
                id,
                child: child.pupil,
                report,
                sessions,
                with_evidence: file.is_some(),
            })
        })
    }

    /// A parent's children, each with their reports, leave and requests for evidence.
    pub fn family(&self, actor: &Actor) -> Result<Family, Refusal> {
        actor.require(Permission::OwnChildren)?;
        let today = self.now().date();
        self.reading(|store| {
            let school = school_details(store, actor)?;
            let mine: Vec<StoredPupil> = store
                .pupils(school.id)?
                .into_iter()
                .filter(|p| actor.reaches(p.id, &p.pupil))
                .collect();
            let since = today - chrono::Days::new(30);
            let reports = store.absence_reports(
                school.id,
                DateRange {
                    from: Some(since),
                    to: None,
                },
            )?;
            let mut children = Vec::new();
            let mut me = None;
            for p in mine {
                let mut theirs: Vec<_> = reports
                    .iter()
                    .filter(|r| r.report.pupil == p.id)
                    .cloned()
                    .collect();
                theirs.reverse();
                let mut leave = store.leave_applications(school.id, Some(p.id))?;
                leave.reverse();
                let mut evidence_requests = store.evidence_requests(school.id, Some(p.id))?;
                evidence_requests.sort_by_key(|q| (q.answer.is_some(), std::cmp::Reverse(q.id)));
                if me.is_none() {
                    me = own_contact(store, actor, school.id, p.id)?;
                }
                children.push(ChildFollowUp {
                    child: p.pupil,
                    reports: theirs,
                    leave,
                    evidence_requests,
                });
            }
            Ok(Family {
                today,
                children,
                me,
            })
        })
    }

    /// A parent asks for leave of absence for their child, as the contact their account is
    /// linked to. The law's refusals are made at once ([`leave::request`]).
    pub fn apply_for_leave(&self, actor: &Actor, form: &LeaveForm) -> Result<StoredLeave, Refusal> {
        actor.require(Permission::OwnChildren)?;
        let now = self.now();
        self.with_store(|store| {
            let school = school_details(store, actor)?;
            let child = own_child(store, actor, &school, &form.upn)?;
            let me = own_contact(store, actor, school.id, child.id)?.ok_or_else(|| {
                Refusal::invalid(
                    "your account is not yet linked to your details at the school, so the school cannot tell who is asking: please ask the school office to link it",
                )
            })?;
            let req = leave_request(form, &child, me.reference, now.date())?;
            leave::request(store, school.id, &req, actor.recorded_at(now))
        })
    }

    /// A parent sends the medical evidence the school asked for.
    pub fn send_evidence(
        &self,
        actor: &Actor,
        request: i64,
        upload: Upload,
    ) -> Result<(), Refusal> {
        actor.require(Permission::OwnChildren)?;
        let content_type = evidence::check(&upload)?;
        let now = self.now();
        self.with_store(|store| {
            let school = school_details(store, actor)?;
            let found = store
                .evidence_requests(school.id, None)?
                .into_iter()
                .find(|q| q.id == request);
            let Some(q) = found else {
                return Err(Refusal::Forbidden);
            };
            let child = store
                .pupils(school.id)?
                .into_iter()
                .find(|p| p.id == q.request.pupil)
                .filter(|p| actor.reaches(p.id, &p.pupil))
                .ok_or(Refusal::Forbidden)?;
            if q.answer.is_some() {
                return Err(Refusal::invalid(
                    "this request has already been answered; if you have more evidence, please give it to the school office",
                ));
            }
            let recorded = actor.recorded_at(now);
            let file = EvidenceFile {
                pupil: child.id,
                file_name: evidence::clean_name(&upload.file_name),
                content_type: content_type.to_owned(),
                bytes: upload.bytes,
                uploaded_by: recorded.by.clone(),
                uploaded_at: recorded.at,
            };
            let answer = EvidenceAnswer {
                outcome: EvidenceOutcome::Provided,
                decision: "Evidence sent by the parent online".into(),
                evidence: None,
                answered: recorded,
            };
            store.answer_evidence_request(school.id, request, &answer, Some(&file), &[])?;
            Ok(())
        })
    }
}

/// An application from a form, for `child`, by the contact `reference`, asked on
/// `requested_on`.
pub(crate) fn leave_request(
    form: &LeaveForm,
    child: &StoredPupil,
    reference: String,
    requested_on: Date,
) -> Result<LeaveRequest, Refusal> {
    let first_date =
        parse_day(&form.first_date).map_err(|e| Refusal::invalid(format!("first day: {e}")))?;
    let last_date = match form.last_date.trim() {
        "" => first_date,
        t => parse_day(t).map_err(|e| Refusal::invalid(format!("last day: {e}")))?,
    };
    let session = |text: &str, default: Session| match text.trim() {
        "" => Ok(default),
        t => parse_session(t),
    };
    Ok(LeaveRequest {
        upn: child.pupil.upn.to_string(),
        contact: reference,
        first: (first_date, session(&form.first_session, Session::Am)?),
        last: (last_date, session(&form.last_session, Session::Pm)?),
        code: form.code.trim().to_owned(),
        reason: form.reason.clone(),
        requested_on,
    })
}
