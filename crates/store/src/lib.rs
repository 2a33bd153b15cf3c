//! The storage interface: what Rollcall keeps, independent of the database that keeps it.
//!
//! One database holds one school or many (a trust, a local authority). Every calendar, pupil and
//! mark belongs to a school, and every read names the school it reads, so nothing of one school
//! can leak into another's figures.
//!
//! Backends (`rollcall-store-sqlite`, `rollcall-store-postgres`) implement [`Store`], each with its
//! own migrations. Every method that writes is one transaction: it changes all it was given or,
//! on any error, nothing. Validation against the domain happens before a write, in the
//! application layer; a backend only re-checks what a concurrent writer could have changed
//! (an amendment's expected original mark), and reports that as [`StoreError::Conflict`].
//!
//! ## Errors and unknown schools
//! Both backends give the same error, worded the same, for the same call on the same data: the
//! errors are built by this crate's constructors on [`StoreError`], and the checks of a batch of
//! mark changes are made here ([`BatchPupils`]). `rollcall-store-conformance` runs one suite of
//! tests on every backend to hold them to it.
//! - [`StoreError::Conflict`]: a new mark for a session that has one, an amendment of a session
//!   with no mark or whose entry is no longer the one expected, a sign-in token already taken,
//!   a contact reference already taken, a decision on what is decided already, writers that met
//!   on the same marks.
//! - [`StoreError::NotFound`]: a write that names what the database does not hold: a pupil not
//!   on the school's admission register (a mark, a contact list or an absence report for another
//!   school's pupil, or nobody's), a user's unknown school or child, a session's unknown user, a
//!   contact the school does not hold (or not as this pupil's contact), and a school that does
//!   not exist for a write that would attach rows to it (pupils, a policy).
//! - [`StoreError::Corrupt`]: the database holds a value Rollcall would not have written.
//! - [`StoreError::Database`]: anything else the database reports (it cannot be reached, a lock
//!   waited too long, a value is too large for its column).
//!
//! A batch of mark changes ([`Store::apply_marks`], each group of [`Store::apply_mark_groups`],
//! the marks of [`Store::record_absence`]) is checked in one order: first that every pupil is on
//! the school's admission register (the first that is not, in the order of the changes, is
//! reported), then each change in order against its session as the database and the earlier
//! changes of the batch leave it; the first change that fails is the one reported.
//!
//! A school id the database does not hold reads as a school with nothing in it: its calendar is
//! empty, and its pupils, marks, facts, amendments, contacts, absence reports, policies,
//! sign-outs, missing-pupil alerts, traveller records, contact proposals and attendance targets are none; its users are the trust-wide ones. A write that adds nothing to it succeeds (no pupils,
//! no contacts, no mark changes); a write that must attach something to it fails with
//! [`StoreError::NotFound`] ([`StoreError::unknown_school`], or
//! [`StoreError::not_on_register`] for its pupils).
//!
//! Figures are never computed in SQL: backends hand marks to `rollcall-core`, so both databases
//! give the same numbers.
//!
//! ## The logical schema
//! - `schools`: id, urn (unique when present), name (unique when there is no urn), la, estab,
//!   register times (`HH:MM` ×4, empty until a calendar is imported).
//! - `half_terms`: school, name, start, end. `closures`: school, start, end, sessions
//!   (`am`/`pm`/`both`), reason, year groups (empty for the whole school).
//! - `pupils`: id, school, upn (unique per school) and the admission register's columns.
//! - `marks`: pupil, date, session (`AM`/`PM`), code text, minutes late, recorded by, role, at;
//!   one row per pupil, date and session. Never deleted.
//! - `amendments`: pupil, date, session, the original entry with who and when, the new entry,
//!   the reason, who made the change, their role and when. Append only.
//! - `users`: user name (unique, any case), display name, role, school (none for trust-wide
//!   staff), password hash (argon2id), active; with their forms, year groups and children.
//! - `sessions`: sign-in sessions by the hash of their token, with a CSRF token and times.
//! - `contact_people`: the people the school contacts, once each by the school's reference for
//!   them (unique per school), with phone, e-mail and address. `pupil_contacts`: what each is to
//!   each pupil: relationship, parental responsibility, lives with, priority, may collect.
//! - `absence_reports`: what a parent reported (by phone, or themselves online), its kind, and
//!   for a parent's own report whether staff have reviewed it; a call is applied to the register
//!   in the same transaction as the marks it wrote.
//! - `evidence_files`: files parents gave as evidence (PDF or image), by pupil.
//!   `evidence_requests`: requests for medical evidence of an absence, and their answers.
//! - `leave_applications`: a pupil, the applicant (a contact person), the sessions and code
//!   asked for, the reasons and the day asked; the decision once made (granted or refused, the
//!   day, the reasons, the sessions granted, who decided). The marks a grant pre-enters are
//!   written in the same transaction as the decision.
//! - `sign_outs`: a pupil signed out at the office during the day (the day, the time out, the
//!   reason, who collected them and whether they were permitted to), and the sign-in that ends
//!   it; written in the same transaction as the marks of the sessions it covers.
//! - `missing_alerts` and `missing_steps`: a pupil found missing, and each step of the search,
//!   timed and attributed; an alert is open until a step finds the pupil or closes it.
//! - `traveller_records`: where a traveller family is while travelling, and any school the pupil
//!   is also registered at.
//! - `contact_proposals`: a change a parent proposed to their own phone number, e-mail or postal
//!   address (a contact person's), each detail with what it was and is to become; pending until
//!   the office accepts it, which changes the person in the same transaction, or rejects it with
//!   a reason.
//! - `call_attempts`: each attempt to reach a pupil's contact about an absence (who rang whom on
//!   which number, when, and how it went), linked to the absence report a parent's reason became.
//!   `parent_messages`: each message about an absence sent to one parent, saved before it is
//!   sent and given its outcome after. `escalations`: the steps opened when nobody is reached (a
//!   flag to the safeguarding lead, a home visit, an enquiry to the local authority), each
//!   dated, owned by a user and closed with an outcome.
//! - `notices_to_improve`: a notice to one parent (a contact person) for one pupil: the day of
//!   issue, the improvement period (its school weeks, first and last day), the measure of
//!   sufficient improvement, the support offered, the grounds, who issued it; the outcome once a
//!   person confirms it. `penalty_notices`: a notice to one parent for one pupil: its sequence
//!   (1 or 2) and amounts, the threshold finding it is for and the offence sessions, any override
//!   below the threshold and why, how it was served and when it is taken as received, the
//!   authority, who issued it; its withdrawal (day, reason, who) or what became of it (paid, or
//!   prosecuted). The check that the parent's counted notices are those the decision was made
//!   on is made inside the transaction that saves a new one.
//! - `cases`: a case about one pupil: its owner (a user), the ladder's stage it is on (the key),
//!   when and by whom it opened and why (a finding's stable id, rule, date and evidence, or a
//!   reason given by hand), the pupil's sessions present and possible at opening, and its
//!   closing (day, outcome, note). Closed cases are kept. `case_links`: siblings' cases linked,
//!   each pair once. `case_actions`: every action on a case in order: kind, day, who did it, a
//!   summary, a meeting's or support's details, a review date and when the review was done, and
//!   the id of a document kept elsewhere (a letter, a notice, a return, a contract).
//! - `alert_dispositions`: per school and finding id, dismissed (with a reason) or taken into a
//!   case, who and when. `alerts_seen`: when each user last looked at a school's alerts.
//! - `contracts`: attendance and parenting contracts on a case: difficulties, the attendance
//!   target, start and review dates; with `contract_actions` (each party's undertakings),
//!   `contract_signatures` (who agreed and when) and `contract_reviews` (the sessions since the
//!   start, whether the target was met, a note and the decision).
//! - `attendance_targets`: a pupil's own attendance target for eligibility (a rate, the reason,
//!   the first and optional last day it applies, who set it and when). Append only: a new
//!   target supersedes the pupil's earlier ones, which are kept.
//! - `policies`: the attendance policy as its text (TOML), for one school or, with no school, for
//!   every school in the database (a trust's defaults); who saved it and when. Each save is a new
//!   version numbered from one sequence across the database; nothing is overwritten.

pub mod calling;
pub mod cases;
mod changes;
pub mod day;
pub mod decode;
mod errors;
pub mod ids;
pub mod leave;
pub mod notices;
pub mod people;
pub mod proposals;
pub mod reports;
pub mod rewards;

use chrono::{DateTime, Utc};
use rollcall_core::codes::Code;
use rollcall_core::marks::{MarkEntry, MarkFact, Recorded};
use rollcall_core::{Calendar, Date, Pupil, RegisterTimes, Session};

pub use calling::{
    AttemptOutcome, CallAttempt, Channel, Escalation, EscalationClosure, EscalationKind,
    MessageOutcome, ParentMessage, StoredCallAttempt, StoredEscalation, StoredParentMessage,
};
pub use cases::{
    ActionDetails, ActionKind, AlertDisposition, Attended, CaseAction, CaseClosure, CaseOpening,
    CaseOutcome, Contract, ContractAction, ContractDecision, ContractKind, ContractReview,
    Disposition, MeetingStatus, OpenedBecause, ReviewDone, Signature, StoredCase, StoredCaseAction,
    StoredContract, SupportKind,
};
pub use changes::{BatchPupils, ProgressCounter, PROGRESS_EVERY};
pub use day::{
    Collector, MissingEntry, MissingReport, MissingStep, SearchArea, SignIn, SignOut,
    SignOutReason, StoredMissingAlert, StoredSignOut, StoredTravel, TravelRecord,
};
pub use errors::describe;
pub use ids::{PupilId, SchoolId, UserId};
pub use leave::{LeaveApplication, LeaveDecision, LeaveStatus, StoredLeave};
pub use notices::{
    ImprovementMeasure, NoticeOutcome, NoticeToImprove, PenaltyClosure, PenaltyNotice,
    RecordedClosure, Service, StoredNoticeToImprove, StoredPenaltyNotice, Withdrawal,
};
pub use people::{Contact, SignInSession, User, UserDraft};
pub use proposals::{
    ContactProposal, Detail, DetailChange, ProposalDecision, ProposalStatus, StoredProposal,
};
pub use reports::{
    AbsenceReport, EvidenceAnswer, EvidenceFile, EvidenceOutcome, EvidenceRequest, ReportKind,
    StoredAbsenceReport, StoredEvidenceRequest,
};
pub use rewards::{AttendanceTarget, StoredTarget};

/// How a school is named in a calendar file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolDetails {
    pub name: String,
    pub urn: Option<String>,
    pub la: Option<String>,
    pub estab: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct School {
    pub id: SchoolId,
    pub details: SchoolDetails,
    pub register_times: Option<RegisterTimes>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPupil {
    pub id: PupilId,
    pub pupil: Pupil,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMark {
    pub pupil: PupilId,
    pub date: Date,
    pub session: Session,
    pub entry: MarkEntry,
    pub recorded: Recorded,
}

/// The lean form of a mark the statistics need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PupilMarkFact {
    pub pupil: PupilId,
    pub fact: MarkFact,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAmendment {
    pub pupil: PupilId,
    pub date: Date,
    pub session: Session,
    pub original: MarkEntry,
    pub original_recorded: Recorded,
    pub amended: MarkEntry,
    pub reason: String,
    pub recorded: Recorded,
}

/// A version of an attendance policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPolicy {
    /// The version: one sequence across the database, so a later save always has a higher number.
    pub version: i64,
    /// The school it belongs to; `None` for the defaults every school inherits.
    pub school: Option<SchoolId>,
    /// The policy as written (TOML); parsed and checked by the application before it is saved.
    pub text: String,
    pub recorded: Recorded,
}

/// One set of changes to marks that stand or fall together (one register as submitted).
#[derive(Debug, Clone, Copy)]
pub struct MarkGroup<'a> {
    pub school: SchoolId,
    pub changes: &'a [MarkChange],
}

/// A change to the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkChange {
    /// A mark for a session that has none.
    New {
        pupil: PupilId,
        date: Date,
        session: Session,
        entry: MarkEntry,
        recorded: Recorded,
    },
    /// A new entry for a session whose current entry is `expected`; refused with
    /// [`StoreError::Conflict`] if the register no longer holds `expected`.
    Amend {
        pupil: PupilId,
        date: Date,
        session: Session,
        expected: MarkEntry,
        entry: MarkEntry,
        reason: String,
        recorded: Recorded,
    },
}

/// What an import of pupils did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PupilsSaved {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// An inclusive range of dates; `None` ends are open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DateRange {
    pub from: Option<Date>,
    pub to: Option<Date>,
}

impl DateRange {
    pub fn all() -> DateRange {
        DateRange::default()
    }
    pub fn between(from: Date, to: Date) -> DateRange {
        DateRange {
            from: Some(from),
            to: Some(to),
        }
    }

    /// The first and last day of the range as a database compares them: open ends, and ends
    /// beyond what a database's dates hold, at 0001-01-01 and 9999-12-31 (years of four digits,
    /// so that dates kept as text compare as dates).
    pub fn bounds(self) -> (Date, Date) {
        const FIRST: Date = match Date::from_ymd_opt(1, 1, 1) {
            Some(d) => d,
            None => Date::MIN,
        };
        const LAST: Date = match Date::from_ymd_opt(9999, 12, 31) {
            Some(d) => d,
            None => Date::MAX,
        };
        (
            self.from.map_or(FIRST, |d| d.clamp(FIRST, LAST)),
            self.to.map_or(LAST, |d| d.clamp(FIRST, LAST)),
        )
    }
}

/// What went wrong in a store. Backends build the first three with the constructors of this
/// type ([`StoreError::already_marked`], [`StoreError::not_on_register`],
/// [`StoreError::unreadable`], …), so every backend words them alike.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Someone else changed the data between reading and writing.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A write names something the database does not hold.
    #[error("not found: {0}")]
    NotFound(String),
    /// The database holds something Rollcall did not write (e.g. an unreadable code).
    #[error("the database holds an unreadable value: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(Box<dyn std::error::Error + Send + Sync>),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Progress of a long write: called with the number of items written so far.
pub type Progress<'a> = &'a mut dyn FnMut(usize);

/// A Rollcall database.
pub trait Store: Send {
    /// Creates the schema or brings it up to date. Harmless to run again.
    fn migrate(&mut self) -> Result<()>;

    /// The name of the backend, for messages.
    fn backend(&self) -> &'static str;

    /// For a long-running server: leave housekeeping (such as SQLite's WAL checkpoints) to
    /// [`Store::housekeeping`] run in the background, instead of doing it in whichever request
    /// happens to cross a threshold. Nothing to do for most backends.
    fn leave_housekeeping_to_background(&mut self) -> Result<()> {
        Ok(())
    }

    /// Background housekeeping for a server (see above).
    fn housekeeping(&mut self) -> Result<()> {
        Ok(())
    }

    fn schools(&mut self) -> Result<Vec<School>>;

    /// Creates the school (matched on URN, or on name when it has none) or updates its details,
    /// sets its register times and puts `calendar` in place of whatever the school's calendar had
    /// for the dates `calendar` covers ([`Calendar::merged_with`]).
    fn import_calendar(
        &mut self,
        school: &SchoolDetails,
        times: &RegisterTimes,
        calendar: &Calendar,
    ) -> Result<SchoolId>;

    /// The school's calendar; an empty one for a school the database does not hold.
    fn calendar(&mut self, school: SchoolId) -> Result<Calendar>;

    /// The school's admission register, in UPN order.
    fn pupils(&mut self, school: SchoolId) -> Result<Vec<StoredPupil>>;

    /// The pupils of one registration group (form), in UPN order.
    fn form_pupils(&mut self, school: SchoolId, form: &str) -> Result<Vec<StoredPupil>>;

    /// The marks of the given pupils of the school for one session: a register's marks.
    fn session_marks(
        &mut self,
        school: SchoolId,
        pupils: &[PupilId],
        date: Date,
        session: Session,
    ) -> Result<Vec<StoredMark>>;

    /// Adds pupils, or updates the pupil with the same UPN. Pupils for a school the database
    /// does not hold are [`StoreError::NotFound`]; none at all is nothing to do.
    fn save_pupils(&mut self, school: SchoolId, pupils: &[Pupil]) -> Result<PupilsSaved>;

    /// Every mark of the school's pupils in the range, with who recorded it.
    fn marks(&mut self, school: SchoolId, range: DateRange) -> Result<Vec<StoredMark>>;

    /// One pupil's marks in the range, by date and session, with who recorded them; none for a
    /// pupil of another school.
    fn pupil_marks(
        &mut self,
        school: SchoolId,
        pupil: PupilId,
        range: DateRange,
    ) -> Result<Vec<StoredMark>> {
        let mut marks = self.marks(school, range)?;
        marks.retain(|m| m.pupil == pupil);
        Ok(marks)
    }

    /// The marks of the school's pupils in the range, lean, for statistics.
    fn mark_facts(&mut self, school: SchoolId, range: DateRange) -> Result<Vec<PupilMarkFact>>;

    /// Applies all changes or none, checked in the order the crate documentation gives. Reports
    /// progress as [`ProgressCounter`] counts it: rising counts, the last the whole batch, none
    /// for an empty batch.
    fn apply_marks(
        &mut self,
        school: SchoolId,
        changes: &[MarkChange],
        progress: Progress<'_>,
    ) -> Result<()>;

    /// Whether a short read is answered from this machine's memory and disk, quickly enough to
    /// run where blocking is not expected (an embedded database), rather than over a network.
    fn reads_are_local(&self) -> bool {
        false
    }

    /// Starts a read-only snapshot: the reads until [`Store::end_read`] see one state of the
    /// database and take its locks once, not once each. Nothing may be written inside one.
    fn begin_read(&mut self) -> Result<()> {
        Ok(())
    }

    /// Ends the snapshot begun by [`Store::begin_read`].
    fn end_read(&mut self) -> Result<()> {
        Ok(())
    }

    /// Applies several independent sets of changes, each all or none, and returns the outcome of
    /// each in order: one set refused (a conflict, a pupil not on roll) leaves the others to be
    /// written. A backend may write them in one transaction, which is what makes many registers
    /// submitted at the same moment cheap. `Err` means none was written.
    fn apply_mark_groups(&mut self, groups: &[MarkGroup<'_>]) -> Result<Vec<Result<()>>> {
        Ok(groups
            .iter()
            .map(|g| self.apply_marks(g.school, g.changes, &mut |_| {}))
            .collect())
    }

    /// Saves a new version of a school's policy, or of the defaults (`school` is `None`), and
    /// returns its version. A school the database does not hold is [`StoreError::NotFound`].
    fn save_policy(
        &mut self,
        school: Option<SchoolId>,
        text: &str,
        recorded: &Recorded,
    ) -> Result<i64>;

    /// Every version of a school's policy (or of the defaults), oldest first.
    fn policies(&mut self, school: Option<SchoolId>) -> Result<Vec<StoredPolicy>>;

    /// Adds a user, or updates the user with the same user name (any case); returns the id. A
    /// school or child the database does not hold is [`StoreError::NotFound`], and nothing is
    /// saved.
    fn save_user(&mut self, user: &UserDraft) -> Result<UserId>;

    /// The users of a school and the trust-wide users (`school` is `None`: every user).
    fn users(&mut self, school: Option<SchoolId>) -> Result<Vec<User>>;

    /// The user with this user name, compared without regard to case.
    fn user_by_name(&mut self, username: &str) -> Result<Option<User>>;

    fn user(&mut self, id: UserId) -> Result<Option<User>>;

    /// Saves a new sign-in session: [`StoreError::Conflict`] when its token hash is taken,
    /// [`StoreError::NotFound`] when its user does not exist.
    fn create_session(&mut self, session: &SignInSession) -> Result<()>;

    fn session(&mut self, token_hash: &str) -> Result<Option<SignInSession>>;

    /// Records activity on a session (for idle expiry).
    fn touch_session(&mut self, token_hash: &str, at: DateTime<Utc>) -> Result<()>;

    /// Ends a session (sign-out).
    fn end_session(&mut self, token_hash: &str) -> Result<()>;

    /// Ends every session of a user (after their password or role changes); returns how many.
    fn end_user_sessions(&mut self, user: UserId) -> Result<usize>;

    /// Ends the sessions past their lifetime (`expires_at <= now`) or idle since before
    /// `idle_since`; returns how many.
    fn end_expired_sessions(
        &mut self,
        now: DateTime<Utc>,
        idle_since: DateTime<Utc>,
    ) -> Result<usize>;

    /// Puts `contacts` in place of each pupil's contacts; when a pupil is listed twice, the later
    /// list is kept. A pupil not on the school's admission register is [`StoreError::NotFound`].
    fn save_contacts(
        &mut self,
        school: SchoolId,
        contacts: &[(PupilId, Vec<Contact>)],
    ) -> Result<()>;

    /// A pupil's contacts, in priority order; nothing for a pupil of another school.
    fn contacts(&mut self, school: SchoolId, pupil: PupilId) -> Result<Vec<Contact>>;

    /// Adds or updates contacts by the person's reference and the pupil (an import: other
    /// contacts are kept). A person's name, phone, e-mail and address are the person's, so the
    /// latest row for a reference sets them for all their pupils. A pupil not on the school's
    /// admission register is [`StoreError::NotFound`].
    fn merge_contacts(&mut self, school: SchoolId, contacts: &[(PupilId, Contact)]) -> Result<()>;

    /// Every contact of every pupil of the school, by pupil, then priority.
    fn all_contacts(&mut self, school: SchoolId) -> Result<Vec<(PupilId, Contact)>>;

    /// Saves an application for leave; with `refusal`, refused at once in the same transaction.
    /// The pupil must be on the school's admission register and the applicant one of the
    /// school's contact people ([`StoreError::NotFound`] otherwise).
    fn save_leave(
        &mut self,
        school: SchoolId,
        application: &LeaveApplication,
        refusal: Option<&LeaveDecision>,
    ) -> Result<i64>;

    /// Records the decision on a pending application and applies `changes` (the marks a grant
    /// pre-enters) in one transaction, with the checks of [`Store::apply_marks`]. An
    /// application already decided is [`StoreError::Conflict`]; one the school does not hold is
    /// [`StoreError::NotFound`].
    fn decide_leave(
        &mut self,
        school: SchoolId,
        id: i64,
        decision: &LeaveDecision,
        changes: &[MarkChange],
    ) -> Result<()>;

    /// The school's applications for leave, by id; one pupil's when `pupil` is given.
    fn leave_applications(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<StoredLeave>>;

    /// Saves an absence report and applies `changes` (the marks it writes) in one transaction,
    /// with the checks of [`Store::apply_marks`]. The report's pupil is checked first.
    fn record_absence(
        &mut self,
        school: SchoolId,
        report: &AbsenceReport,
        changes: &[MarkChange],
    ) -> Result<i64>;

    /// Saves a parent's own report, awaiting review, with the file given as evidence (saved and
    /// linked in the same transaction). No mark is written: staff decide the code.
    fn record_parent_report(
        &mut self,
        school: SchoolId,
        report: &AbsenceReport,
        evidence: Option<&EvidenceFile>,
    ) -> Result<i64>;

    /// Turns a report awaiting review into `code`, noting who reviewed it, and applies `changes`
    /// in the same transaction with the checks of [`Store::apply_marks`]. A report not awaiting
    /// review is [`StoreError::Conflict`]; one the school does not hold, [`StoreError::NotFound`].
    fn review_report(
        &mut self,
        school: SchoolId,
        id: i64,
        code: &Code,
        reviewed: &Recorded,
        changes: &[MarkChange],
    ) -> Result<()>;

    /// A file given as evidence for one of the school's pupils.
    fn evidence_file(&mut self, school: SchoolId, id: i64) -> Result<Option<EvidenceFile>>;

    /// Saves a request for medical evidence.
    fn save_evidence_request(&mut self, school: SchoolId, request: &EvidenceRequest)
        -> Result<i64>;

    /// Records the answer to an open request, with the file given if `file` (saved and linked in
    /// the same transaction), and applies `changes` (e.g. illness recorded as `O` when evidence
    /// is refused). A request already answered is [`StoreError::Conflict`].
    fn answer_evidence_request(
        &mut self,
        school: SchoolId,
        id: i64,
        answer: &EvidenceAnswer,
        file: Option<&EvidenceFile>,
        changes: &[MarkChange],
    ) -> Result<()>;

    /// The school's requests for evidence, by id; one pupil's when `pupil` is given.
    fn evidence_requests(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<StoredEvidenceRequest>>;

    /// The absence reports of a school's pupils whose sessions fall in the range, oldest first.
    fn absence_reports(
        &mut self,
        school: SchoolId,
        range: DateRange,
    ) -> Result<Vec<StoredAbsenceReport>>;

    /// Amendments to the school's marks, oldest first; for one pupil when `pupil` is given.
    fn amendments(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<StoredAmendment>>;

    // The school day ([`day`]): pupils signed out and in, missing pupils, traveller families.

    /// Saves a sign-out and applies `changes` (the marks of the sessions it covers) in one
    /// transaction, with the checks of [`Store::apply_marks`]. The pupil must be on the school's
    /// admission register ([`StoreError::NotFound`]) and not signed out already that day without
    /// being signed back in ([`StoreError::Conflict`]); both are checked before the marks.
    fn sign_out(&mut self, school: SchoolId, out: &SignOut, changes: &[MarkChange]) -> Result<i64>;

    /// Signs a pupil back in and applies `changes` in one transaction, with the checks of
    /// [`Store::apply_marks`]. A sign-out the school does not hold is [`StoreError::NotFound`];
    /// one signed in already is [`StoreError::Conflict`].
    fn sign_in(
        &mut self,
        school: SchoolId,
        id: i64,
        back: &SignIn,
        changes: &[MarkChange],
    ) -> Result<()>;

    /// The school's sign-outs on the days of the range, by day, time out and id; one pupil's when
    /// `pupil` is given.
    fn sign_outs(
        &mut self,
        school: SchoolId,
        range: DateRange,
        pupil: Option<PupilId>,
    ) -> Result<Vec<StoredSignOut>>;

    /// Opens a missing-pupil alert. The pupil must be on the school's admission register
    /// ([`StoreError::NotFound`]) and have no open alert ([`StoreError::Conflict`]).
    fn open_missing_alert(&mut self, school: SchoolId, report: &MissingReport) -> Result<i64>;

    /// Adds a step to an open alert; a step that finds the pupil or closes the alert closes it.
    /// An alert the school does not hold is [`StoreError::NotFound`]; a closed one is
    /// [`StoreError::Conflict`].
    fn add_missing_step(
        &mut self,
        school: SchoolId,
        alert: i64,
        entry: &MissingEntry,
    ) -> Result<()>;

    /// The school's missing-pupil alerts by id, each with its steps by time, then as recorded;
    /// one pupil's when `pupil` is given.
    fn missing_alerts(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<StoredMissingAlert>>;

    /// Saves a traveller record: a new one, or with `id` in place of that record, which must be
    /// the school's and the same pupil's ([`StoreError::NotFound`] otherwise). The pupil must be
    /// on the school's admission register.
    fn save_travel(
        &mut self,
        school: SchoolId,
        id: Option<i64>,
        record: &TravelRecord,
    ) -> Result<i64>;

    /// The school's traveller records, by pupil, first day and id; one pupil's when `pupil` is
    /// given.
    fn travel_records(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<StoredTravel>>;

    // Keeping contacts up to date: the office adds and removes a pupil's contacts, and decides
    // the changes parents propose to their own details ([`proposals`]).

    /// Adds a person new to the school as a contact of the pupil. A reference the school holds
    /// already, for anyone (a contact of any pupil or of none), is [`StoreError::Conflict`]
    /// ([`StoreError::contact_taken`]); a pupil not on the school's admission register is
    /// [`StoreError::NotFound`]. (A person the school holds is linked to another pupil with
    /// [`Store::merge_contacts`].)
    fn add_contact(&mut self, school: SchoolId, pupil: PupilId, contact: &Contact) -> Result<()>;

    /// Removes the person with this reference from the pupil's contacts. The person is kept:
    /// they may be another pupil's contact, and records name them (an application for leave).
    /// A pupil not on the school's admission register, or a person who is not the pupil's
    /// contact, is [`StoreError::NotFound`].
    fn remove_contact(&mut self, school: SchoolId, pupil: PupilId, reference: &str) -> Result<()>;

    /// Saves a change a parent proposes to a person's details, pending. A person the school does
    /// not hold is [`StoreError::NotFound`] ([`StoreError::unknown_contact`]).
    fn propose_contact_change(
        &mut self,
        school: SchoolId,
        proposal: &ContactProposal,
    ) -> Result<i64>;

    /// Decides a pending proposal; accepting it sets each detail it changes on the person, in the
    /// same transaction. A proposal already decided is [`StoreError::Conflict`]; one the school
    /// does not hold is [`StoreError::NotFound`].
    fn decide_contact_proposal(
        &mut self,
        school: SchoolId,
        id: i64,
        decision: &ProposalDecision,
    ) -> Result<()>;

    /// The school's contact proposals, by id; one person's (by reference) when `contact` is
    /// given.
    fn contact_proposals(
        &mut self,
        school: SchoolId,
        contact: Option<&str>,
    ) -> Result<Vec<StoredProposal>>;
    // First-day calling: attempts, messages to parents and the steps taken when nobody is
    // reached (`calling`).

    /// Saves an attempt to reach a pupil's contact and returns its id. With `reason` (a parent
    /// gave the pupil's reason), saves that absence report and applies its marks in the same
    /// transaction, with the checks of [`Store::record_absence`], and links the report to the
    /// attempt; its id comes back too. The pupil must be on the school's admission register and
    /// the contact one of the school's contact people ([`StoreError::NotFound`]).
    fn record_call_attempt(
        &mut self,
        school: SchoolId,
        attempt: &CallAttempt,
        reason: Option<(&AbsenceReport, &[MarkChange])>,
    ) -> Result<(i64, Option<i64>)>;

    /// The attempts about absences on the days of the range, oldest first.
    fn call_attempts(
        &mut self,
        school: SchoolId,
        range: DateRange,
    ) -> Result<Vec<StoredCallAttempt>>;

    /// Saves messages about to be sent, each without an outcome yet, and returns their ids in
    /// order; all or none. A pupil not on the school's admission register or a contact the
    /// school does not hold is [`StoreError::NotFound`].
    fn save_parent_messages(
        &mut self,
        school: SchoolId,
        messages: &[ParentMessage],
    ) -> Result<Vec<i64>>;

    /// Records what became of messages saved by [`Store::save_parent_messages`]; all or none. A
    /// message the school does not hold is [`StoreError::NotFound`]; one whose outcome is known
    /// already is [`StoreError::Conflict`].
    fn record_message_outcomes(
        &mut self,
        school: SchoolId,
        outcomes: &[(i64, MessageOutcome)],
    ) -> Result<()>;

    /// The messages about absences on the days of the range, by id.
    fn parent_messages(
        &mut self,
        school: SchoolId,
        range: DateRange,
    ) -> Result<Vec<StoredParentMessage>>;

    /// Opens a step unless the pupil has one of the same kind about the same day: the new
    /// step's id, or `None` when it was there already. A pupil not on the school's admission
    /// register or an owner the database does not hold is [`StoreError::NotFound`].
    fn open_escalation(&mut self, school: SchoolId, escalation: &Escalation)
        -> Result<Option<i64>>;

    /// Gives an open step to `owner`. A step the school does not hold, or an unknown user, is
    /// [`StoreError::NotFound`]; a closed step is [`StoreError::Conflict`].
    fn assign_escalation(
        &mut self,
        school: SchoolId,
        id: i64,
        owner: UserId,
        assigned: &Recorded,
    ) -> Result<()>;

    /// Closes an open step and, with `next`, opens the step that follows it (an enquiry after a
    /// visit that reached nobody) in the same transaction, as [`Store::open_escalation`] would:
    /// `next`'s id comes back, or `None`. A step the school does not hold is
    /// [`StoreError::NotFound`]; one closed already is [`StoreError::Conflict`].
    fn close_escalation(
        &mut self,
        school: SchoolId,
        id: i64,
        closure: &EscalationClosure,
        next: Option<&Escalation>,
    ) -> Result<Option<i64>>;

    /// The school's steps, by id; one pupil's when `pupil` is given.
    fn escalations(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<StoredEscalation>>;
    /// Saves a notice to improve: its id. A pupil not on the school's admission register, or a
    /// contact the school does not hold as this pupil's, is [`StoreError::NotFound`].
    fn issue_notice_to_improve(
        &mut self,
        school: SchoolId,
        notice: &NoticeToImprove,
    ) -> Result<i64>;

    /// Records the confirmed outcome of a notice to improve, once. A notice the school does not
    /// hold is [`StoreError::NotFound`]; one with an outcome already is [`StoreError::Conflict`].
    fn confirm_notice_outcome(
        &mut self,
        school: SchoolId,
        id: i64,
        outcome: &NoticeOutcome,
    ) -> Result<()>;

    /// The school's notices to improve, by id; one pupil's when `pupil` is given.
    fn notices_to_improve(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<StoredNoticeToImprove>>;

    /// Saves a penalty notice when the notices to the same parent for the same pupil that are
    /// not withdrawn are exactly `counted` (by id): the decision to issue was made on them, so a
    /// notice issued or withdrawn meanwhile is [`StoreError::Conflict`] and nothing is saved. A
    /// pupil not on the school's admission register, or a contact the school does not hold as
    /// this pupil's, is [`StoreError::NotFound`].
    fn issue_penalty_notice(
        &mut self,
        school: SchoolId,
        notice: &PenaltyNotice,
        counted: &[i64],
    ) -> Result<i64>;

    /// Withdraws a penalty notice, once; a notice that is withdrawn or closed already is
    /// [`StoreError::Conflict`], one the school does not hold [`StoreError::NotFound`].
    fn withdraw_penalty_notice(
        &mut self,
        school: SchoolId,
        id: i64,
        withdrawal: &Withdrawal,
    ) -> Result<()>;

    /// Records what became of a penalty notice (paid, or unpaid and prosecuted), once; as
    /// [`Store::withdraw_penalty_notice`] for the errors.
    fn close_penalty_notice(
        &mut self,
        school: SchoolId,
        id: i64,
        closure: &RecordedClosure,
    ) -> Result<()>;

    /// The school's penalty notices, by id; one pupil's when `pupil` is given.
    fn penalty_notices(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<StoredPenaltyNotice>>;

    // Casework ([`cases`]): cases, their actions, the alerts' dispositions and contracts. A case
    // the school does not hold is [`StoreError::NotFound`] ([`StoreError::unknown_case`]); a
    // change to a closed case is [`StoreError::Conflict`] ([`StoreError::case_closed`]).

    /// Opens a case with its first action, in one transaction. Opened from a finding, the
    /// finding is recorded as taken into the case in the same transaction: a finding dealt with
    /// already is [`StoreError::Conflict`]. A pupil not on the school's admission register, or an
    /// owner or doer the database does not hold, is [`StoreError::NotFound`].
    fn open_case(
        &mut self,
        school: SchoolId,
        case: &CaseOpening,
        first: &CaseAction,
    ) -> Result<i64>;

    /// One of the school's cases with its actions and links.
    fn case(&mut self, school: SchoolId, id: i64) -> Result<Option<StoredCase>>;

    /// The school's cases, open and closed, by id; one pupil's when `pupil` is given.
    fn cases(&mut self, school: SchoolId, pupil: Option<PupilId>) -> Result<Vec<StoredCase>>;

    /// Appends an action to an open case and returns its id. This is how anything that acts on
    /// a pupil's case logs what it did: a letter, a notice to improve, a penalty notice or a
    /// return is logged with its own [`ActionKind`] and the id of its record as
    /// [`CaseAction::document`]. A closed case is [`StoreError::Conflict`]; an unknown case or
    /// doer is [`StoreError::NotFound`].
    fn add_case_action(&mut self, school: SchoolId, case: i64, action: &CaseAction) -> Result<i64>;

    /// Records an action's review as done. An action with no review waiting (none set, or done)
    /// is [`StoreError::Conflict`]; an action the school does not hold is
    /// [`StoreError::NotFound`].
    fn complete_review(&mut self, school: SchoolId, action: i64, done: &ReviewDone) -> Result<()>;

    /// Moves an open case to `stage` and logs `action` (its stage change) in one transaction;
    /// the action's id comes back. Whether the ladder allows the move is the application's
    /// to decide.
    fn change_stage(
        &mut self,
        school: SchoolId,
        case: i64,
        stage: &str,
        action: &CaseAction,
    ) -> Result<i64>;

    /// Links two of the school's cases (siblings'); linking them again changes nothing. Linking
    /// a case to itself is [`StoreError::Conflict`].
    fn link_cases(&mut self, school: SchoolId, a: i64, b: i64) -> Result<()>;

    /// Closes an open case with its outcome; the case is kept.
    fn close_case(&mut self, school: SchoolId, case: i64, closure: &CaseClosure) -> Result<()>;

    /// Records what became of a finding. Taken into a case ([`Disposition::Case`]), the case
    /// must be the school's, open and about the same pupil, and `action` (if any) is appended to
    /// it in the same transaction. A finding dealt with already is [`StoreError::Conflict`].
    fn dispose_alert(
        &mut self,
        school: SchoolId,
        disposition: &AlertDisposition,
        action: Option<&CaseAction>,
    ) -> Result<()>;

    /// What became of the school's findings, by finding id.
    fn alert_dispositions(&mut self, school: SchoolId) -> Result<Vec<AlertDisposition>>;

    /// Records that `user` looked at the school's alerts at `at`. An unknown user is
    /// [`StoreError::NotFound`].
    fn mark_alerts_seen(&mut self, school: SchoolId, user: UserId, at: DateTime<Utc>)
        -> Result<()>;

    /// When `user` last looked at the school's alerts.
    fn alerts_seen_at(&mut self, school: SchoolId, user: UserId) -> Result<Option<DateTime<Utc>>>;

    /// Saves a contract on an open case and logs `action` on the case (with the contract's id as
    /// its document), in one transaction: the contract's id and the action's come back.
    fn save_contract(
        &mut self,
        school: SchoolId,
        contract: &Contract,
        action: &CaseAction,
    ) -> Result<(i64, i64)>;

    /// The school's contracts by id, each with its reviews; one case's when `case` is given.
    fn contracts(&mut self, school: SchoolId, case: Option<i64>) -> Result<Vec<StoredContract>>;

    /// Records a review of a contract that has not ended, marks done the review waiting on the
    /// contract's own actions (those whose document it is), logs `action` on its case and, with
    /// `stage`, moves the case to that stage, in one transaction. A contract the school does
    /// not hold is [`StoreError::NotFound`]; one that has ended is [`StoreError::Conflict`].
    fn review_contract(
        &mut self,
        school: SchoolId,
        contract: i64,
        review: &ContractReview,
        action: &CaseAction,
        stage: Option<&str>,
    ) -> Result<()>;

    // Rewards and eligibility ([`rewards`]).

    /// Saves a pupil's own attendance target and returns its id; earlier targets are kept, and
    /// superseded by it. A pupil not on the school's admission register is
    /// [`StoreError::NotFound`].
    fn save_target(&mut self, school: SchoolId, target: &AttendanceTarget) -> Result<i64>;

    /// The attendance targets of the school's pupils, by id (the order they were set); one
    /// pupil's when `pupil` is given.
    fn attendance_targets(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<StoredTarget>>;
}

/// Reads a code as a backend stored it ([`decode::code`]).
pub fn stored_code(text: &str) -> Result<Code> {
    decode::code(text)
}

/// Formats a timestamp the way both backends store it.
pub fn format_timestamp(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Reads a timestamp as [`format_timestamp`] wrote it ([`decode::timestamp`]).
pub fn parse_timestamp(text: &str) -> Result<DateTime<Utc>> {
    decode::timestamp(text)
}
