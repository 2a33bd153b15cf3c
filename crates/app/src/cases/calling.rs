//! First-day calling as a timed workflow: the calling list with the day's attempts and messages,
//! each attempt to reach a contact logged (a parent's reason recorded as the pupil's), the day's
//! message sent to every parent on the list, and the steps opened by the clock when nobody is
//! reached, on the safeguarding page.
//!
//! The list, attempts and messages need [`Permission::FollowUp`] and reach: a head of year calls
//! about their year groups' pupils only, and a pupil out of reach is refused as
//! [`Refusal::Forbidden`] whether or not they exist. The safeguarding page and its steps need
//! [`Permission::Safeguarding`] and cover the whole school.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use rollcall_core::marks::Recorded;
use rollcall_core::{Date, Role, Session};
use rollcall_notify::{Email, Sms};
use rollcall_store::{
    AttemptOutcome, CallAttempt, Channel, Contact, DateRange, Escalation, EscalationClosure,
    EscalationKind, MessageOutcome, ParentMessage, SchoolId, Store, StoreError, StoredEscalation,
    StoredPupil, UserId,
};
use serde::Deserialize;

use crate::access::{Actor, Permission, Reach};
use crate::calling::{self, NotYetMarked, ToCall};
use crate::error::{Problem, Refusal};
use crate::escalation::{self, CallingPolicy, DueStep, Run};
use crate::messages::MessagingStatus;
use crate::registers::{
    self as reg, concurrent_change, plan_call_about, CallOutcome, CallReport, PlannedCall,
};
use crate::service::App;

use super::office::typed_pupil;
use super::school_of;

/// Who opens the steps due by the clock, as the audit trail names them.
pub const OPENED_BY_POLICY: &str = "Rollcall, by the school's calling policy";
/// The role the audit trail gives the steps opened by the clock.
pub const OPENED_BY_ROLE: &str = "automatic";
/// The same attempt logged again by the same person within this many seconds is a form sent
/// twice, not a new attempt.
pub const REPEAT_SECONDS: i64 = 120;
/// How many days closed steps stay on the safeguarding page.
pub const CLOSED_STEPS_DAYS: u64 = 30;

/// The first-day calling list for one session.
///
/// An absence is confirmed when the register closes. Once it has, the pupils marked `N` or with no
/// mark, and no absence reported, are to call. Until then nobody is: pupils marked `N` are absent
/// so far, and pupils with no mark are counted apart, by form, as not yet marked.
#[derive(Debug, Clone)]
pub struct CallingList {
    pub date: Date,
    pub session: Session,
    /// When the session's register opens.
    pub opens: NaiveDateTime,
    /// When the session's register closes.
    pub closes: NaiveDateTime,
    /// The register has not closed yet (it is open, or yet to open): no absence is confirmed.
    pub still_open: bool,
    /// Once the register has closed: the pupils to call, vulnerable pupils first, then by year,
    /// form and name, each with the day's attempts and messages. Empty while it is still open.
    pub to_call: Vec<ToCall>,
    /// While the register is still open: the pupils marked `N` with no absence reported, in the
    /// same order. Empty once it has closed (they are to call).
    pub absent_so_far: Vec<ToCall>,
    /// While the register is still open: the forms with pupils not yet marked (and no absence
    /// reported), and how many each. Empty once it has closed.
    pub not_yet_marked: Vec<NotYetMarked>,
    /// What the school can send to parents.
    pub messaging: MessagingStatus,
}

impl CallingList {
    /// How many pupils are not yet marked, while the register is still open.
    pub fn not_yet_marked_count(&self) -> usize {
        self.not_yet_marked.iter().map(|f| f.pupils).sum()
    }

    /// How many of the pupils to call have a parent the day's message can go to, and how many
    /// parents that is, by the channels `status` has.
    pub fn parents_to_message(&self) -> (usize, usize) {
        let status = &self.messaging;
        let mut pupils = 0;
        let mut parents = 0;
        for t in &self.to_call {
            let n = t
                .contacts
                .iter()
                .filter(|c| reachable(c, status.email_from.is_some(), status.sms_from.is_some()))
                .count();
            pupils += usize::from(n > 0);
            parents += n;
        }
        (pupils, parents)
    }
}

/// Whether the day's message can go to this contact: a parent with an e-mail address (when
/// e-mail can be sent) or a phone number (when texts can). Never anyone who is not a parent.
fn reachable(c: &Contact, email: bool, sms: bool) -> bool {
    c.is_parent() && ((email && c.email.is_some()) || (sms && c.phone.is_some()))
}

/// An attempt to reach a contact as typed on the calling list: every field as text, read by
/// [`App::log_call_attempt`].
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct AttemptInput {
    pub upn: String,
    /// The day of the absence, `YYYY-MM-DD`; today when empty.
    pub date: String,
    /// `AM` or `PM`; the morning when empty.
    pub session: String,
    /// The contact tried: the school's reference for them.
    pub contact: String,
    /// How it went: `reason_given`, `no_answer`, `voicemail`, `wrong_number`, `message_sent`.
    pub outcome: String,
    /// What they said, or the message left.
    pub note: String,
    /// The code for a parent's reason (`I`, `M`, …).
    pub code: String,
    /// When the parent said the pupil will be back, `YYYY-MM-DD`, or empty.
    pub expected_return: String,
}

/// What logging an attempt did.
#[derive(Debug, Clone)]
pub struct AttemptLogged {
    pub id: i64,
    pub pupil: StoredPupil,
    pub contact: Contact,
    pub outcome: AttemptOutcome,
    /// The pupil's reason as recorded, when a parent gave it: the report and its marks.
    pub reason: Option<CallOutcome>,
    /// Someone who is not a parent gave a reason: it is kept with the attempt as information,
    /// and the absence stays `N`.
    pub information_only: bool,
    /// The same attempt was logged moments ago by the same person (a form sent twice): nothing
    /// was logged again.
    pub repeated: bool,
}

/// One message of the day's batch and what became of it.
#[derive(Debug, Clone)]
pub struct MessageSent {
    pub pupil: StoredPupil,
    pub contact_name: String,
    pub channel: Channel,
    pub recipient: String,
    /// The server's answer, or why it was not sent.
    pub outcome: Result<String, String>,
}

/// What sending the day's message did.
#[derive(Debug, Clone)]
pub struct MessagesSent {
    pub date: Date,
    pub session: Session,
    /// Every message of the batch, in the order sent.
    pub messages: Vec<MessageSent>,
    /// Messages not sent again: the parent was sent the day's message already, or it is being
    /// sent to them.
    pub already: usize,
    /// Pupils on the list with no parent the message can go to (no e-mail address, or no
    /// number when texts can be sent).
    pub nobody_to_send_to: Vec<StoredPupil>,
}

impl MessagesSent {
    pub fn sent(&self) -> usize {
        self.messages.iter().filter(|m| m.outcome.is_ok()).count()
    }

    pub fn failed(&self) -> usize {
        self.messages.len() - self.sent()
    }
}

/// A vulnerable pupil absent today with no reason known, and how calling stands.
#[derive(Debug, Clone)]
pub struct VulnerableToday {
    pub to_call: ToCall,
    /// The run of unexplained absence up to today.
    pub run: Run,
    /// Flagged to the safeguarding lead today.
    pub flagged: bool,
}

/// A step with its pupil.
#[derive(Debug, Clone)]
pub struct StepView {
    pub step: StoredEscalation,
    pub pupil: StoredPupil,
    /// The pupil is on today's calling list still (absent, no reason known).
    pub unexplained_today: bool,
}

/// Someone a step can be given to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub id: UserId,
    pub name: String,
    pub role: Role,
}

/// The safeguarding view of first-day calling: vulnerable pupils' calling status and the steps
/// taken when nobody is reached, school-wide.
#[derive(Debug, Clone)]
pub struct SafeguardingPage {
    pub date: Date,
    pub policy: CallingPolicy,
    /// When today's steps fall due: the policy's time, or the morning register's close if later.
    pub due_at: NaiveDateTime,
    /// The morning register has closed: pupils with no mark count as absent.
    pub register_closed: bool,
    /// Vulnerable pupils absent today with no reason known.
    pub vulnerable: Vec<VulnerableToday>,
    /// Steps still open, oldest first.
    pub open: Vec<StepView>,
    /// Steps closed in the last [`CLOSED_STEPS_DAYS`] days, the latest first.
    pub closed: Vec<StepView>,
    /// Who steps can be given to: the school's staff who follow up absence.
    pub owners: Vec<Owner>,
}

/// What closing a step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepClosed {
    pub kind: EscalationKind,
    /// The enquiry opened because a home visit reached nobody.
    pub enquiry: Option<i64>,
}

/// The day and session typed, today's morning by default.
fn day_and_session(
    date: Option<&str>,
    session: Option<&str>,
    today: Date,
) -> Result<(Date, Session), Refusal> {
    let date = match date.filter(|d| !d.trim().is_empty()) {
        Some(d) => reg::parse_day(d)?,
        None => today,
    };
    let session = match session.filter(|s| !s.trim().is_empty()) {
        Some(s) => reg::parse_session(s)?,
        None => Session::Am,
    };
    Ok((date, session))
}

/// The steps due by the clock at `now` for today's morning list (`list`, the whole school's,
/// its register closed at `closes`) that are not saved yet. The register is read back for the
/// pupils' runs of absence only once steps can be due.
fn steps_due(
    store: &mut dyn Store,
    school: SchoolId,
    list: &[ToCall],
    policy: &CallingPolicy,
    closes: NaiveDateTime,
    now: NaiveDateTime,
    runs: Option<&HashMap<rollcall_store::PupilId, Run>>,
) -> Result<Vec<DueStep>, Refusal> {
    if now < escalation::due_at(policy, now.date(), closes) {
        return Ok(Vec::new());
    }
    let read;
    let runs = match runs {
        Some(runs) => runs,
        None => {
            let waiting: Vec<ToCall> = list.iter().filter(|t| !t.contact_made()).cloned().collect();
            read = pupil_runs(store, school, &waiting, now.date())?;
            &read
        }
    };
    let mut due = escalation::due_steps(policy, list, runs, closes, now);
    if !due.is_empty() {
        let saved: HashSet<_> = store
            .escalations(school, None)?
            .into_iter()
            .map(|s| (s.escalation.pupil, s.escalation.kind, s.escalation.about))
            .collect();
        due.retain(|d| !saved.contains(&(d.pupil, d.kind, d.about)));
    }
    Ok(due)
}

/// Each listed pupil's run of unexplained absence up to `today`.
fn pupil_runs(
    store: &mut dyn Store,
    school: SchoolId,
    list: &[ToCall],
    today: Date,
) -> Result<HashMap<rollcall_store::PupilId, Run>, Refusal> {
    if list.is_empty() {
        return Ok(HashMap::new());
    }
    let calendar = store.calendar(school)?;
    let from = today
        .checked_sub_days(chrono::Days::new(escalation::RUN_LOOK_BACK_DAYS))
        .unwrap_or(today);
    let facts = match today.pred_opt() {
        Some(yesterday) if yesterday >= from => {
            store.mark_facts(school, DateRange::between(from, yesterday))?
        }
        _ => Vec::new(),
    };
    Ok(escalation::runs(&calendar, today, list, &facts))
}

/// The school's safeguarding lead, who owns the steps the clock opens: the first active one.
fn safeguarding_lead(store: &mut dyn Store, school: SchoolId) -> Result<Option<UserId>, Refusal> {
    Ok(store
        .users(Some(school))?
        .into_iter()
        .filter(|u| u.user.active && u.user.role == Role::SafeguardingLead)
        .map(|u| u.id)
        .min())
}

/// Saves the steps due, owned by the school's safeguarding lead, dated when they fell due.
fn open_due(store: &mut dyn Store, school: SchoolId, due: &[DueStep]) -> Result<(), Refusal> {
    let owner = safeguarding_lead(store, school)?;
    for d in due {
        store.open_escalation(
            school,
            &Escalation {
                pupil: d.pupil,
                kind: d.kind,
                about: d.about,
                reason: d.reason.clone(),
                opened: Recorded {
                    by: OPENED_BY_POLICY.into(),
                    role: OPENED_BY_ROLE.into(),
                    at: rollcall_core::dates::instant_of_school_time(d.due),
                },
                owner,
            },
        )?;
    }
    Ok(())
}

/// The school's staff who follow up absence and may own a step.
fn owners(store: &mut dyn Store, school: SchoolId) -> Result<Vec<Owner>, Refusal> {
    let mut out: Vec<Owner> = store
        .users(Some(school))?
        .into_iter()
        .filter(|u| u.user.active && Permission::FollowUp.admits(u.user.role))
        .map(|u| Owner {
            id: u.id,
            name: u.user.display_name,
            role: u.user.role,
        })
        .collect();
    out.sort_by(|a, b| {
        (a.role != Role::SafeguardingLead, a.name.to_lowercase())
            .cmp(&(b.role != Role::SafeguardingLead, b.name.to_lowercase()))
    });
    Ok(out)
}

impl App {
    /// The first-day calling list of a session (today's morning when no date or session is
    /// given), for the pupils in the actor's reach, by the school's register times and the
    /// application's clock. Once the session's register has closed: the pupils absent with no
    /// reason known (`N` or no mark) and no absence reported, with their contacts and the day's
    /// attempts and messages. Before: the pupils marked `N` so far, and, counted by form, those
    /// not yet marked.
    ///
    /// Read by someone who reaches the whole school after today's morning register has closed,
    /// the list also opens the steps the calling policy makes due by now
    /// ([`crate::escalation`]).
    pub fn calling_list(
        &self,
        actor: &Actor,
        date: Option<&str>,
        session: Option<&str>,
    ) -> Result<CallingList, Refusal> {
        actor.require(Permission::FollowUp)?;
        let now = self.now();
        let messaging = self.messaging().status();
        let (list, school, due) = self.reading(|store| {
            let school = school_of(store, actor)?;
            let (date, session) = day_and_session(date, session, now.date())?;
            let times = reg::register_times(store, school)?;
            let opens = date.and_time(times.opens(session));
            let closes = date.and_time(times.closes(session));
            let closed = now >= closes;
            let reach = |id, pupil: &rollcall_core::Pupil| actor.reaches(id, pupil);
            let found = calling::calling_list(store, school, date, session, closed, &reach)?;
            let due = if closed
                && date == now.date()
                && session == Session::Am
                && actor.reach == Reach::School
            {
                let policy = escalation::calling_policy(store, school)?;
                steps_due(store, school, &found.absent, &policy, closes, now, None)?
            } else {
                Vec::new()
            };
            let (to_call, absent_so_far) = if closed {
                (found.absent, Vec::new())
            } else {
                (Vec::new(), found.absent)
            };
            let list = CallingList {
                date,
                session,
                opens,
                closes,
                still_open: !closed,
                to_call,
                absent_so_far,
                not_yet_marked: found.not_yet_marked,
                messaging,
            };
            Ok::<_, Refusal>((list, school, due))
        })?;
        if !due.is_empty() {
            self.with_store(|store| open_due(store, school, &due))?;
        }
        Ok(list)
    }

    /// Logs an attempt to reach one of a pupil's contacts about an absence (today's morning by
    /// default). When a parent gives the reason, it is recorded as the pupil's, as a parent's
    /// call is ([`App::record_call`]): an absence report and its code on the day's sessions from
    /// the one called about, written with the attempt; the pupil leaves the list. A reason from
    /// someone who is not a parent is kept with the attempt as information only, and the absence
    /// stays `N`. The same attempt sent again by the same person within moments is not logged
    /// twice.
    pub fn log_call_attempt(
        &self,
        actor: &Actor,
        input: &AttemptInput,
    ) -> Result<AttemptLogged, Refusal> {
        actor.require(Permission::FollowUp)?;
        let _turn = self.one_call_at_a_time();
        let now = self.now();
        self.with_store(|store| {
            let school = school_of(store, actor)?;
            let pupil = typed_pupil(store, actor, school, &input.upn)?;
            log_attempt(store, school, &pupil, input, actor, now)
        })
    }

    /// Sends the school's absence message about the session (today's morning by default), once
    /// its register has closed, to every parent of every pupil on the actor's calling list: by
    /// e-mail to each parent with an address, and by text to each with a phone number when an
    /// SMS gateway is configured; one message per parent, never to a contact who is not a
    /// parent. Each message is saved before it is sent and its outcome after; a parent sent the
    /// day's message already is not sent it again. Nothing can be sent without a mail server
    /// or gateway configured ([`App::set_messaging`]).
    ///
    /// The sending waits on the mail server and the gateway, not the database: no database
    /// connection is held meanwhile. It blocks; a server calls it from a blocking thread.
    pub fn send_absence_messages(
        &self,
        actor: &Actor,
        date: Option<&str>,
        session: Option<&str>,
    ) -> Result<MessagesSent, Refusal> {
        actor.require(Permission::FollowUp)?;
        let messaging = self.messaging();
        if let Some(why) = messaging.status().why_not() {
            return Err(Refusal::invalid(format!("Messages cannot be sent: {why}.")));
        }
        let (email, sms) = (messaging.mailer.is_some(), messaging.sms.is_some());
        let _turn = self.one_batch_at_a_time();
        let now = self.now();
        let recorded = actor.recorded_at(now);
        let (school, plan) = self.reading(|store| {
            let school = school_of(store, actor)?;
            let (date, session) = day_and_session(date, session, now.date())?;
            let times = reg::register_times(store, school)?;
            let closes = date.and_time(times.closes(session));
            if now < closes {
                return Err(Refusal::invalid(format!(
                    "the register closes at {}: the message goes to the parents of pupils still \
                     absent once it has closed",
                    rollcall_core::calendar::format_time(closes.time())
                )));
            }
            let reach = |id, pupil: &rollcall_core::Pupil| actor.reaches(id, pupil);
            let list = calling::calling_list(store, school, date, session, true, &reach)?.absent;
            let name = store
                .schools()?
                .into_iter()
                .find(|s| s.id == school)
                .map(|s| s.details.name)
                .unwrap_or_default();
            let sent_before: HashSet<(rollcall_store::PupilId, Channel, String)> = store
                .parent_messages(school, DateRange::between(date, date))?
                .into_iter()
                .filter(|m| m.message.session == session)
                .filter(|m| m.outcome.as_ref().is_none_or(|o| o.sent))
                .map(|m| (m.message.pupil, m.message.channel, m.message.recipient))
                .collect();
            let mut plan = Plan {
                date,
                session,
                messages: Vec::new(),
                already: 0,
                nobody: Vec::new(),
            };
            for t in list {
                let parents: Vec<&Contact> = t
                    .contacts
                    .iter()
                    .filter(|c| reachable(c, email, sms))
                    .collect();
                if parents.is_empty() {
                    plan.nobody.push(t.pupil.clone());
                    continue;
                }
                for c in parents {
                    let mut add = |channel: Channel, recipient: &str, text: Outgoing| {
                        let key = (t.pupil.id, channel, recipient.to_owned());
                        if sent_before.contains(&key) {
                            plan.already += 1;
                            return;
                        }
                        plan.messages.push((
                            ParentMessage {
                                pupil: t.pupil.id,
                                date,
                                session,
                                channel,
                                contact: c.reference.clone(),
                                recipient: recipient.to_owned(),
                                recorded: recorded.clone(),
                            },
                            text,
                            t.pupil.clone(),
                            c.name(),
                        ));
                    };
                    if let (true, Some(address)) = (email, &c.email) {
                        let (subject, body) = messaging.text.email_for(&t.pupil.pupil, &name, date);
                        add(Channel::Email, address, Outgoing::Email { subject, body });
                    }
                    if let (true, Some(phone)) = (sms, &c.phone) {
                        let body = messaging.text.sms_for(&t.pupil.pupil, &name, date);
                        add(Channel::Sms, phone, Outgoing::Sms(body));
                    }
                }
            }
            Ok::<_, Refusal>((school, plan))
        })?;
        let saved: Vec<ParentMessage> = plan.messages.iter().map(|m| m.0.clone()).collect();
        let ids = self.with_store(|store| {
            store
                .save_parent_messages(school, &saved)
                .map_err(Refusal::from)
        })?;
        // Sent with no database connection held.
        let emails: Vec<(usize, Email)> = plan
            .messages
            .iter()
            .enumerate()
            .filter_map(|(i, (m, text, _, _))| match text {
                Outgoing::Email { subject, body } => Some((
                    i,
                    Email {
                        to: m.recipient.clone(),
                        subject: subject.clone(),
                        body: body.clone(),
                    },
                )),
                Outgoing::Sms(_) => None,
            })
            .collect();
        let texts: Vec<(usize, Sms)> = plan
            .messages
            .iter()
            .enumerate()
            .filter_map(|(i, (m, text, _, _))| match text {
                Outgoing::Sms(body) => Some((
                    i,
                    Sms {
                        to: m.recipient.clone(),
                        body: body.clone(),
                    },
                )),
                Outgoing::Email { .. } => None,
            })
            .collect();
        let mut answers: Vec<Option<Result<rollcall_notify::Sent, String>>> =
            vec![None; plan.messages.len()];
        if let Some(mailer) = &messaging.mailer {
            let list: Vec<Email> = emails.iter().map(|(_, e)| e.clone()).collect();
            for ((i, _), outcome) in emails.iter().zip(mailer.send_each(&list)) {
                answers[*i] = Some(outcome.map_err(|e| e.to_string()));
            }
        }
        if let Some(gateway) = &messaging.sms {
            let list: Vec<Sms> = texts.iter().map(|(_, s)| s.clone()).collect();
            for ((i, _), outcome) in texts.iter().zip(gateway.send_each(&list)) {
                answers[*i] = Some(outcome.map_err(|e| e.to_string()));
            }
        }
        let at = rollcall_core::dates::instant_of_school_time(self.now());
        let outcomes: Vec<(i64, MessageOutcome)> = ids
            .iter()
            .zip(&answers)
            .map(|(id, answer)| {
                let outcome = match answer {
                    Some(Ok(sent)) => MessageOutcome {
                        sent: true,
                        detail: sent.response.clone(),
                        message_id: sent.message_id.clone(),
                        at,
                    },
                    Some(Err(e)) => MessageOutcome {
                        sent: false,
                        detail: e.clone(),
                        message_id: None,
                        at,
                    },
                    None => MessageOutcome {
                        sent: false,
                        detail: "not sent: nothing to send it with".into(),
                        message_id: None,
                        at,
                    },
                };
                (*id, outcome)
            })
            .collect();
        self.with_store(|store| {
            store
                .record_message_outcomes(school, &outcomes)
                .map_err(Refusal::from)
        })?;
        let messages = plan
            .messages
            .into_iter()
            .zip(outcomes)
            .map(|((m, _, pupil, contact_name), (_, o))| MessageSent {
                pupil,
                contact_name,
                channel: m.channel,
                recipient: m.recipient,
                outcome: if o.sent { Ok(o.detail) } else { Err(o.detail) },
            })
            .collect();
        Ok(MessagesSent {
            date: plan.date,
            session: plan.session,
            messages,
            already: plan.already,
            nobody_to_send_to: plan.nobody,
        })
    }

    /// The safeguarding view of today's first-day calling, school-wide: vulnerable pupils absent
    /// with no reason known and how calling stands for each, and the steps opened when nobody is
    /// reached, open and lately closed, with whom they may be given to. Once today's steps are
    /// due by the clock, those not yet opened are opened first.
    pub fn safeguarding(&self, actor: &Actor) -> Result<SafeguardingPage, Refusal> {
        actor.require(Permission::Safeguarding)?;
        let now = self.now();
        let today = now.date();
        let (school, list, runs, due, policy, closes) = self.reading(|store| {
            let school = school_of(store, actor)?;
            let times = reg::register_times(store, school)?;
            let closes = today.and_time(times.closes(Session::Am));
            let closed = now >= closes;
            let all = |_, _: &rollcall_core::Pupil| true;
            let list =
                calling::calling_list(store, school, today, Session::Am, closed, &all)?.absent;
            let policy = escalation::calling_policy(store, school)?;
            let vulnerable: Vec<ToCall> = list
                .iter()
                .filter(|t| !t.vulnerable.is_empty() || !t.contact_made())
                .cloned()
                .collect();
            let runs = pupil_runs(store, school, &vulnerable, today)?;
            let due = if closed {
                steps_due(store, school, &list, &policy, closes, now, Some(&runs))?
            } else {
                Vec::new()
            };
            Ok::<_, Refusal>((school, list, runs, due, policy, closes))
        })?;
        if !due.is_empty() {
            self.with_store(|store| open_due(store, school, &due))?;
        }
        self.reading(|store| {
            let steps = store.escalations(school, None)?;
            let pupils: HashMap<_, _> = store
                .pupils(school)?
                .into_iter()
                .filter(|p| actor.reaches(p.id, &p.pupil))
                .map(|p| (p.id, p))
                .collect();
            let on_list: HashSet<_> = list.iter().map(|t| t.pupil.id).collect();
            let flagged: HashSet<_> = steps
                .iter()
                .filter(|s| {
                    s.escalation.kind == EscalationKind::SafeguardingFlag
                        && s.escalation.about == today
                })
                .map(|s| s.escalation.pupil)
                .collect();
            let since = today
                .checked_sub_days(chrono::Days::new(CLOSED_STEPS_DAYS))
                .unwrap_or(today);
            let mut open = Vec::new();
            let mut closed = Vec::new();
            for step in steps {
                let Some(pupil) = pupils.get(&step.escalation.pupil).cloned() else {
                    continue;
                };
                let view = StepView {
                    unexplained_today: on_list.contains(&pupil.id),
                    pupil,
                    step,
                };
                match &view.step.closure {
                    None => open.push(view),
                    Some(c) if rollcall_core::dates::school_time(c.closed.at).date() >= since => {
                        closed.push(view)
                    }
                    Some(_) => {}
                }
            }
            closed.sort_by_key(|v| {
                std::cmp::Reverse(v.step.closure.as_ref().map(|c| (c.closed.at, v.step.id)))
            });
            let vulnerable = list
                .into_iter()
                .filter(|t| !t.vulnerable.is_empty())
                .filter(|t| actor.reaches(t.pupil.id, &t.pupil.pupil))
                .map(|t| VulnerableToday {
                    run: runs.get(&t.pupil.id).copied().unwrap_or(Run {
                        days: 1,
                        first: today,
                    }),
                    flagged: flagged.contains(&t.pupil.id),
                    to_call: t,
                })
                .collect();
            Ok(SafeguardingPage {
                date: today,
                due_at: escalation::due_at(&policy, today, closes),
                register_closed: now >= closes,
                policy,
                vulnerable,
                open,
                closed,
                owners: owners(store, school)?,
            })
        })
    }

    /// Gives an open step to another member of staff who follows up absence (`owner`: their
    /// user id, as the safeguarding page offers them).
    pub fn assign_step(&self, actor: &Actor, id: &str, owner: &str) -> Result<(), Refusal> {
        actor.require(Permission::Safeguarding)?;
        let now = self.now();
        let id = step_id(id)?;
        self.with_store(|store| {
            let school = school_of(store, actor)?;
            let step = find_step(store, actor, school, id)?;
            if step.closure.is_some() {
                return Err(closed_already());
            }
            let owners = owners(store, school)?;
            let owner = owner
                .trim()
                .parse::<i64>()
                .ok()
                .and_then(|o| owners.iter().find(|x| x.id.get() == o))
                .ok_or_else(|| {
                    Refusal::invalid(
                        "choose who is to act: a member of staff who follows up absence",
                    )
                })?;
            match store.assign_escalation(school, id, owner.id, &actor.recorded_at(now)) {
                Err(StoreError::Conflict(_)) => Err(closed_already()),
                other => Ok(other?),
            }
        })
    }

    /// Closes an open step with what was done and found, and whether the pupil or a parent was
    /// reached (`contact_made`: `yes` or `no`). A home visit that reached nobody opens an enquiry
    /// to the local authority about a child who may be missing education, with the same owner,
    /// in the same transaction.
    pub fn close_step(
        &self,
        actor: &Actor,
        id: &str,
        contact_made: &str,
        outcome: &str,
    ) -> Result<StepClosed, Refusal> {
        actor.require(Permission::Safeguarding)?;
        let now = self.now();
        let mut problems = Vec::new();
        let id = step_id(id).map_err(|e| problems.extend(e.problems().to_vec()));
        let contact_made = match contact_made.trim() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => {
                problems.push(Problem::general(
                    "say whether the pupil or a parent was reached (yes or no)",
                ));
                None
            }
        };
        let outcome = outcome.trim();
        if outcome.is_empty() {
            problems.push(Problem::general("say what was done and what was found"));
        }
        let (Ok(id), Some(contact_made), true) = (id, contact_made, problems.is_empty()) else {
            return Err(Refusal::Invalid(problems));
        };
        self.with_store(|store| {
            let school = school_of(store, actor)?;
            let step = find_step(store, actor, school, id)?;
            if step.closure.is_some() {
                return Err(closed_already());
            }
            let recorded = actor.recorded_at(now);
            let e = &step.escalation;
            let next = (e.kind == EscalationKind::HomeVisit && !contact_made).then(|| Escalation {
                pupil: e.pupil,
                kind: EscalationKind::MissingEducation,
                about: e.about,
                reason: format!(
                    "The home visit reached nobody: {outcome}. The local authority is asked to \
                     help find the child (children missing education)"
                ),
                opened: recorded.clone(),
                owner: e.owner,
            });
            let closure = EscalationClosure {
                contact_made,
                outcome: outcome.to_owned(),
                closed: recorded,
            };
            match store.close_escalation(school, id, &closure, next.as_ref()) {
                Err(StoreError::Conflict(_)) => Err(closed_already()),
                Err(e) => Err(e.into()),
                Ok(enquiry) => Ok(StepClosed {
                    kind: e.kind,
                    enquiry,
                }),
            }
        })
    }
}

/// A batch of the day's messages, planned.
#[derive(Debug)]
struct Plan {
    date: Date,
    session: Session,
    messages: Vec<(ParentMessage, Outgoing, StoredPupil, String)>,
    already: usize,
    nobody: Vec<StoredPupil>,
}

/// The text of one message.
#[derive(Debug, Clone)]
enum Outgoing {
    Email { subject: String, body: String },
    Sms(String),
}

fn step_id(text: &str) -> Result<i64, Refusal> {
    text.trim()
        .parse()
        .map_err(|_| Refusal::invalid(format!("'{}' is not a step", text.trim())))
}

fn closed_already() -> Refusal {
    Refusal::Conflict {
        message: "this step has been closed already: look at the page again".into(),
        changed: Vec::new(),
    }
}

/// The school's step `id`, about a pupil the actor reaches.
fn find_step(
    store: &mut dyn Store,
    actor: &Actor,
    school: SchoolId,
    id: i64,
) -> Result<StoredEscalation, Refusal> {
    let step = store
        .escalations(school, None)?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| Refusal::NotFound(format!("there is no step {id}")))?;
    let reached = store
        .pupils(school)?
        .into_iter()
        .any(|p| p.id == step.escalation.pupil && actor.reaches(p.id, &p.pupil));
    if reached {
        Ok(step)
    } else {
        Err(Refusal::Forbidden)
    }
}

/// Checks and logs one attempt about `pupil` (see [`App::log_call_attempt`]).
fn log_attempt(
    store: &mut dyn Store,
    school: SchoolId,
    pupil: &StoredPupil,
    input: &AttemptInput,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<AttemptLogged, Refusal> {
    let name = reg::full_name(&pupil.pupil);
    let mut problems = Vec::new();
    let mut problem = |r: Refusal| problems.extend(r.problems().to_vec());
    let date = match input.date.trim() {
        "" => Some(now.date()),
        d => reg::parse_day(d).map_err(&mut problem).ok(),
    };
    if let Some(d) = date.filter(|d| *d > now.date()) {
        problem(Refusal::invalid(format!(
            "{d} is still to come: a call is about an absence today or before"
        )));
    }
    let session = match input.session.trim() {
        "" => Some(Session::Am),
        s => reg::parse_session(s).map_err(&mut problem).ok(),
    };
    let outcome = AttemptOutcome::parse(&input.outcome);
    if outcome.is_none() {
        problem(Refusal::invalid(format!(
            "choose how the call went: {}",
            AttemptOutcome::ALL
                .iter()
                .map(|o| outcome_words(*o))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let contacts = store.contacts(school, pupil.id)?;
    let contact = match input.contact.trim() {
        "" => {
            problem(Refusal::invalid("choose the contact you tried"));
            None
        }
        reference => {
            let found = contacts.iter().find(|c| c.reference == reference).cloned();
            if found.is_none() {
                problem(Refusal::invalid(format!(
                    "{reference} is not one of {name}'s contacts: choose one of those listed"
                )));
            }
            found
        }
    };
    let number = contact
        .as_ref()
        .and_then(|c| c.phone.clone().or_else(|| c.email.clone()));
    if let (Some(c), None) = (&contact, &number) {
        problem(Refusal::invalid(format!(
            "{} has no phone number or e-mail address to try",
            c.name()
        )));
    }
    let note = input.note.trim();
    let parent = contact.as_ref().is_some_and(Contact::is_parent);
    let reason_from_parent = outcome == Some(AttemptOutcome::ReasonGiven) && parent;
    if outcome == Some(AttemptOutcome::ReasonGiven) {
        if note.is_empty() {
            problem(Refusal::invalid(
                "say what they told you: the reason they gave",
            ));
        }
        if reason_from_parent && input.code.trim().is_empty() {
            problem(Refusal::invalid(
                "choose the code for the reason the parent gave, for example I (illness)",
            ));
        }
    }
    let (Some(date), Some(session), Some(outcome), Some(contact), Some(number), true) =
        (date, session, outcome, contact, number, problems.is_empty())
    else {
        return Err(Refusal::Invalid(problems));
    };
    let recorded = actor.recorded_at(now);
    let attempt = CallAttempt {
        pupil: pupil.id,
        date,
        session,
        contact: contact.reference.clone(),
        parent,
        number,
        outcome,
        note: note.to_owned(),
        recorded: recorded.clone(),
    };
    let logged = |id, reason, repeated| AttemptLogged {
        id,
        pupil: pupil.clone(),
        contact: contact.clone(),
        outcome,
        reason,
        information_only: outcome == AttemptOutcome::ReasonGiven && !parent,
        repeated,
    };
    // The same attempt sent twice (a double tap) is logged once.
    let earlier = store
        .call_attempts(school, DateRange::between(date, date))?
        .into_iter()
        .filter(|a| {
            let (e, n) = (&a.attempt, &attempt);
            e.pupil == n.pupil
                && e.session == n.session
                && e.contact == n.contact
                && e.outcome == n.outcome
                && e.note == n.note
                && e.recorded.by == n.recorded.by
                && e.recorded.role == n.recorded.role
                && (n.recorded.at - e.recorded.at).num_seconds().abs() <= REPEAT_SECONDS
        })
        .max_by_key(|a| a.id);
    if let Some(earlier) = earlier {
        return Ok(logged(earlier.id, None, true));
    }
    if !reason_from_parent {
        let (id, _) = store.record_call_attempt(school, &attempt, None)?;
        return Ok(logged(id, None, false));
    }
    let call = CallReport {
        upn: pupil.pupil.upn.to_string(),
        first: (date, session),
        last: (date, Session::Pm),
        reason: note.to_owned(),
        code: input.code.clone(),
        expected_return: match input.expected_return.trim() {
            "" => None,
            d => Some(reg::parse_day(d)?),
        },
        reported_by: format!(
            "{}, {} (the school rang)",
            capitalised(&contact.relationship),
            contact.name()
        ),
    };
    match plan_call_about(store, school, pupil, &call, actor, now)? {
        PlannedCall::Repeated(outcome) => {
            let (id, _) = store.record_call_attempt(school, &attempt, None)?;
            Ok(logged(id, Some(*outcome), false))
        }
        PlannedCall::New(new) => {
            let written =
                store.record_call_attempt(school, &attempt, Some((&new.report, &new.changes)));
            let (id, report) = match written {
                Err(StoreError::Conflict(_)) => return Err(concurrent_change()),
                other => other?,
            };
            Ok(logged(id, report.map(|r| new.written(r)), false))
        }
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// How an attempt went, in words.
pub fn outcome_words(outcome: AttemptOutcome) -> &'static str {
    match outcome {
        AttemptOutcome::ReasonGiven => "spoke to them: they gave a reason",
        AttemptOutcome::NoAnswer => "no answer",
        AttemptOutcome::VoicemailLeft => "voicemail left",
        AttemptOutcome::WrongNumber => "wrong number",
        AttemptOutcome::MessageSent => "message sent",
    }
}
