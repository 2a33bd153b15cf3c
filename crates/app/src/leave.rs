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
    let contact = &crate::contacts::pupils_contact(store, school, &pupil, &req.contact)?;
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

/// The notice, limits and thresholds a decision is weighed against. The defaults are those of the
/// seed policies (follow-up.md): 28 days' notice (two weeks for religious observance), one day
/// per occasion of religious observance, and attendance kept at or above 96%; a school's policy
/// sets its own in `[leave]` ([`leave_limits_from_table`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaveLimits {
    pub notice_days: i64,
    pub religious_notice_days: i64,
    pub religious_days_per_occasion: i64,
    /// Hundredths of a percent: 9600 is 96%.
    pub attendance_floor: Option<u64>,
    /// Unauthorised sessions in [`LeaveLimits::penalty_weeks`] school weeks that meet the penalty
    /// threshold: nationally 10 in 10, or the school's tighter `[penalty]`.
    pub penalty_sessions: u32,
    pub penalty_weeks: u32,
}

/// The settings of a policy file's `[leave]` table.
pub const LEAVE_KEYS: &[&str] = &[
    "notice_days",
    "religious_notice_days",
    "religious_days_per_occasion",
    "attendance_floor",
];

/// Reads the `[leave]` table of a policy file (already merged with the defaults); a setting left
/// out keeps its default.
///
/// ```toml
/// [leave]
/// notice_days = 28                 # how far ahead an application should come
/// religious_notice_days = 14       # the same, for religious observance
/// religious_days_per_occasion = 1  # school days of religious observance per occasion
/// attendance_floor = 96            # attendance (%) leave should not take a pupil below; false: none
/// ```
pub fn leave_limits_from_table(
    file: &str,
    table: &toml::Table,
) -> Result<LeaveLimits, Vec<crate::error::InputError>> {
    use toml::Value;
    let mut limits = LeaveLimits::default();
    let Some(leave) = table.get("leave") else {
        return Ok(limits);
    };
    let mut errors = Vec::new();
    let mut err = |field: &str, message: String| {
        errors.push(crate::error::InputError::new(
            file,
            None,
            Some(&format!("leave.{field}")),
            message,
        ))
    };
    let Some(leave) = leave.as_table() else {
        err(
            "",
            format!(
                "expected a [leave] table with any of {}",
                LEAVE_KEYS.join(", ")
            ),
        );
        return Err(errors);
    };
    for (key, value) in leave {
        match (key.as_str(), value) {
            ("notice_days" | "religious_notice_days", Value::Integer(n)) if (0..=365).contains(n) => {
                if key == "notice_days" {
                    limits.notice_days = *n;
                } else {
                    limits.religious_notice_days = *n;
                }
            }
            ("notice_days" | "religious_notice_days", other) => err(
                key,
                format!("{other} is not a number of days; expected a whole number from 0 to 365"),
            ),
            ("religious_days_per_occasion", Value::Integer(n)) if (1..=30).contains(n) => {
                limits.religious_days_per_occasion = *n;
            }
            ("religious_days_per_occasion", other) => err(
                key,
                format!("{other} is not a number of days; expected a whole number from 1 to 30"),
            ),
            ("attendance_floor", Value::Boolean(false)) => limits.attendance_floor = None,
            ("attendance_floor", Value::Integer(n)) if (1..=100).contains(n) => {
                limits.attendance_floor = u64::try_from(*n).ok().map(|n| n * 100);
            }
            ("attendance_floor", Value::Float(f)) if *f > 0.0 && *f <= 100.0 => {
                // Hundredths of a percent, as the figures are shown.
                limits.attendance_floor = Some((f * 100.0).round() as u64);
            }
            ("attendance_floor", other) => err(
                key,
                format!("{other} is not an attendance rate; expected a percentage such as 96 or 95.5, or false for none"),
            ),
            (other, _) => err(
                other,
                format!("unknown setting; expected any of {}", LEAVE_KEYS.join(", ")),
            ),
        }
    }
    if errors.is_empty() {
        Ok(limits)
    } else {
        Err(errors)
    }
}

/// The school's limits for leave: the `[leave]` table of its policy, or of the defaults it
/// inherits, or [`LeaveLimits::default`].
pub fn leave_limits(store: &mut dyn Store, school: SchoolId) -> crate::error::Result<LeaveLimits> {
    let merged = crate::alerts::merged_policy_table(store, school)?;
    let mut limits = leave_limits_from_table("the stored policy", &merged)
        .map_err(crate::error::AppError::Input)?;
    // The penalty threshold is the policy's own (`[penalty]`), never looser than the law's.
    let policy = crate::alerts::effective_policy(store, school)?.policy;
    if let Some(n) = policy.penalty_sessions {
        limits.penalty_sessions = n;
    }
    if let Some(w) = policy.penalty_weeks {
        limits.penalty_weeks = w;
    }
    Ok(limits)
}

impl Default for LeaveLimits {
    fn default() -> LeaveLimits {
        LeaveLimits {
            notice_days: 28,
            religious_notice_days: 14,
            religious_days_per_occasion: 1,
            attendance_floor: Some(9600),
            penalty_sessions: 10,
            penalty_weeks: 10,
        }
    }
}

/// The notice the policy asks for, when an application gave less: religious observance needs
/// its own (shorter) notice.
pub fn late_by_policy(notice_days: i64, religious: bool, limits: &LeaveLimits) -> Option<i64> {
    let needed = if religious {
        limits.religious_notice_days
    } else {
        limits.notice_days
    };
    (notice_days < needed).then_some(needed)
}

/// What the decider sees beside an application (follow-up.md, "Decision support").
#[derive(Debug, Clone)]
pub struct DecisionSupport {
    pub pupil: StoredPupil,
    pub applicant: Option<Contact>,
    /// Days between the application and the first day asked for.
    pub notice_days: i64,
    /// The notice the policy asks for, when less was given.
    pub late_by_policy: Option<i64>,
    /// The law's reason the leave cannot be granted, if it cannot.
    pub not_allowed: Option<String>,
    /// The pupil's school sessions asked for.
    pub sessions_asked: u32,
    /// This academic year to the day of the decision, and the whole of last year.
    pub this_year: rollcall_core::stats::Counts,
    pub last_year: rollcall_core::stats::Counts,
    /// Sessions of leave already granted this academic year (other applications).
    pub granted_this_year: u32,
    /// Attendance at the end of the year if granted, counting every other session to come as
    /// attended; and if refused (every session to come attended).
    pub projected_if_granted: Option<rollcall_core::stats::Percent>,
    pub projected_if_refused: Option<rollcall_core::stats::Percent>,
    pub persistent_now: bool,
    pub persistent_if_granted: bool,
    /// Unauthorised sessions in the penalty threshold's last school weeks
    /// ([`LeaveLimits::penalty_weeks`]), against its sessions.
    pub unauthorised_in_penalty_weeks: u32,
    pub limits: LeaveLimits,
    /// The policy's limits as they bear on this application, each a sentence.
    pub cautions: Vec<String>,
}

/// The decision support for an application, as of `today`.
pub fn decision_support(
    store: &mut dyn Store,
    school: SchoolId,
    leave: &StoredLeave,
    today: Date,
    limits: LeaveLimits,
) -> Result<DecisionSupport, Refusal> {
    use rollcall_core::dates::{academic_year, academic_year_end, academic_year_start};
    use rollcall_core::stats::{pupil_counts, Percent};

    let a = &leave.application;
    let pupil = store
        .pupils(school)?
        .into_iter()
        .find(|p| p.id == a.pupil)
        .ok_or_else(|| Refusal::NotFound(format!("the pupil of leave application {}", leave.id)))?;
    let p = &pupil.pupil;
    let applicant = store
        .contacts(school, pupil.id)?
        .into_iter()
        .find(|c| c.reference == a.contact);
    let calendar = store.calendar(school)?;
    let year = academic_year(a.first.0);
    let (start, end) = (academic_year_start(year), academic_year_end(year));
    let (last_start, last_end) = (academic_year_start(year - 1), academic_year_end(year - 1));
    let marks: Vec<rollcall_core::marks::MarkFact> = store
        .pupil_marks(school, pupil.id, DateRange::between(last_start, end))?
        .into_iter()
        .map(|m| rollcall_core::marks::MarkFact {
            date: m.date,
            session: m.session,
            code: m.entry.code.base(),
        })
        .collect();
    let grid = calendar.grid(p.year_group, last_start, end);
    let on_roll = (p.admission_date, p.leaving_date);
    let so_far = today.min(end).max(start);
    let this_year = pupil_counts(&grid, on_roll, start, so_far, &marks);
    let last_year = pupil_counts(&grid, on_roll, last_start, last_end, &marks);
    let asked: Vec<(Date, Session)> = sessions_between(a.first, a.last)
        .into_iter()
        .filter(|(d, s)| p.on_roll(*d) && calendar.is_school_session(*d, *s, p.year_group))
        .collect();
    let sessions_asked = u32::try_from(asked.len()).unwrap_or(u32::MAX);
    // The rest of the year: every school session after `so_far`, attended but for the leave.
    let rest_from = so_far.succ_opt().unwrap_or(so_far);
    let rest = if rest_from > end {
        0
    } else {
        let last_day = p.leaving_date.map_or(end, |l| l.min(end));
        if last_day < rest_from {
            0
        } else {
            grid.count(rest_from, last_day)
        }
    };
    let leave_to_come =
        u32::try_from(asked.iter().filter(|(d, _)| *d > so_far).count()).unwrap_or(0);
    let attended = this_year.present + this_year.aea;
    let possible_end = this_year.possible + rest;
    let projected_if_refused = Percent::of(attended + rest, possible_end);
    let projected_if_granted =
        Percent::of(attended + rest.saturating_sub(leave_to_come), possible_end);
    // Persistent absence: 10% or more of possible sessions missed.
    let persistent_now = this_year.persistent_absence();
    let persistent_if_granted = {
        let absent = this_year.possible - attended.min(this_year.possible) + leave_to_come;
        possible_end > 0 && u64::from(absent) * 10 >= u64::from(possible_end)
    };
    let granted_this_year = store
        .leave_applications(school, Some(pupil.id))?
        .iter()
        .filter(|l| l.id != leave.id)
        .filter_map(StoredLeave::granted_sessions)
        .map(|(f, l)| {
            sessions_between(f, l)
                .into_iter()
                .filter(|(d, s)| {
                    academic_year(*d) == year && calendar.is_school_session(*d, *s, p.year_group)
                })
                .count()
        })
        .sum::<usize>();
    let unauthorised_in_penalty_weeks =
        unauthorised_in_school_weeks(&calendar, p, &marks, today, limits.penalty_weeks);
    let notice_days = (a.first.0 - a.requested_on).num_days();
    let religious = a.code.base() == BaseCode::R;
    let late_by_policy = late_by_policy(notice_days, religious, &limits);
    let not_allowed = applicant
        .as_ref()
        .and_then(|c| refused_by_law(c, a.first.0, a.requested_on));
    let mut cautions = Vec::new();
    if let Some(n) = late_by_policy {
        cautions.push(format!(
            "Asked {notice_days} days ahead; the policy asks for {n} days' notice."
        ));
    }
    if religious {
        let days = {
            let mut d: Vec<Date> = asked.iter().map(|(d, _)| *d).collect();
            d.dedup();
            d.len() as i64
        };
        if days > limits.religious_days_per_occasion {
            cautions.push(format!(
                "{days} school days asked for religious observance; the policy allows {} per occasion.",
                limits.religious_days_per_occasion
            ));
        }
    }
    if let (Some(floor), Some(projected)) = (limits.attendance_floor, projected_if_granted) {
        if projected.hundredths() < floor {
            cautions.push(format!(
                "Attendance would end the year at {projected}%, below the {}.{:02}% the policy asks to keep.",
                floor / 100,
                floor % 100
            ));
        }
    }
    if persistent_if_granted && !persistent_now {
        cautions.push("Granting this would make the pupil persistently absent (10% or more of sessions missed).".into());
    }
    if unauthorised_in_penalty_weeks >= limits.penalty_sessions {
        cautions.push(format!(
            "{unauthorised_in_penalty_weeks} unauthorised sessions in the last {} school weeks: the penalty threshold ({}) is met.",
            limits.penalty_weeks,
            limits.penalty_sessions
        ));
    }
    for h in calendar.half_terms() {
        let first_week_end = h.start + chrono::Days::new(6);
        let last_week_start = h.end - chrono::Days::new(6);
        if a.first.0 <= first_week_end && a.last.0 >= h.start {
            cautions.push(format!("The dates touch the first week of {}.", h.name));
        }
        if a.first.0 <= h.end && a.last.0 >= last_week_start {
            cautions.push(format!("The dates touch the last week of {}.", h.name));
        }
    }
    Ok(DecisionSupport {
        pupil,
        applicant,
        notice_days,
        late_by_policy,
        not_allowed,
        sessions_asked,
        this_year,
        last_year,
        granted_this_year: u32::try_from(granted_this_year).unwrap_or(u32::MAX),
        projected_if_granted,
        projected_if_refused,
        persistent_now,
        persistent_if_granted,
        unauthorised_in_penalty_weeks,
        limits,
        cautions,
    })
}

/// Unauthorised sessions (`G`, `N`, `O`, `U`) in the last `weeks` school weeks up to `today`:
/// weeks (Monday to Sunday) with no school session for the pupil are skipped, as for the
/// penalty threshold (rules.md).
pub fn unauthorised_in_school_weeks(
    calendar: &rollcall_core::Calendar,
    pupil: &rollcall_core::Pupil,
    marks: &[rollcall_core::marks::MarkFact],
    today: Date,
    weeks: u32,
) -> u32 {
    use chrono::Datelike;
    let monday = |d: Date| d - chrono::Days::new(u64::from(d.weekday().num_days_from_monday()));
    let mut week = monday(today);
    let mut counted = 0;
    let mut from = week;
    // At most two years back, whatever the calendar holds.
    for _ in 0..104 {
        let school_week = (0..5).any(|i| {
            let d = week + chrono::Days::new(i);
            d <= today
                && Session::BOTH
                    .iter()
                    .any(|s| calendar.is_school_session(d, *s, pupil.year_group))
        });
        if school_week {
            counted += 1;
            from = week;
            if counted == weeks {
                break;
            }
        }
        week = week - chrono::Days::new(7);
    }
    let count = marks
        .iter()
        .filter(|m| m.date >= from && m.date <= today)
        .filter(|m| {
            matches!(
                m.code,
                BaseCode::G | BaseCode::N | BaseCode::O | BaseCode::U
            )
        })
        .count();
    u32::try_from(count).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(text: &str) -> Result<LeaveLimits, Vec<crate::error::InputError>> {
        leave_limits_from_table("policy.toml", &toml::from_str(text).unwrap())
    }

    #[test]
    fn a_policy_sets_the_limits_of_leave_and_keeps_the_defaults_it_leaves_out() {
        assert_eq!(limits("").unwrap(), LeaveLimits::default());
        let l = limits("[leave]\nnotice_days = 14\nattendance_floor = 95.5\n").unwrap();
        assert_eq!(l.notice_days, 14);
        assert_eq!(l.attendance_floor, Some(9550));
        assert_eq!(l.religious_notice_days, 14);
        assert_eq!(
            limits("[leave]\nattendance_floor = false\n")
                .unwrap()
                .attendance_floor,
            None
        );
        assert_eq!(
            limits("[leave]\nattendance_floor = 96\n")
                .unwrap()
                .attendance_floor,
            Some(9600)
        );
        for bad in [
            "[leave]\nnotice_days = -1\n",
            "[leave]\nnotice_days = \"four weeks\"\n",
            "[leave]\nreligious_days_per_occasion = 0\n",
            "[leave]\nattendance_floor = 101\n",
            "[leave]\nholidays = true\n",
            "leave = 3\n",
        ] {
            let e = limits(bad).unwrap_err();
            assert!(e[0].to_string().contains("leave."), "{bad}: {}", e[0]);
        }
    }

    fn contact(lives_with: bool, pr: bool) -> Contact {
        Contact {
            reference: "C1".into(),
            forename: "Mary".into(),
            surname: "Smith".into(),
            relationship: "mother".into(),
            parental_responsibility: pr,
            lives_with,
            priority: 1,
            phone: None,
            email: None,
            address: None,
            may_collect: true,
        }
    }

    fn d(s: &str) -> Date {
        rollcall_core::parse_date(s).unwrap()
    }

    #[test]
    fn the_law_refuses_an_applicant_who_does_not_live_with_the_pupil_or_asks_too_late() {
        let first = d("2025-06-02");
        assert_eq!(
            refused_by_law(&contact(true, true), first, d("2025-06-02")),
            None
        );
        assert_eq!(
            refused_by_law(&contact(true, false), first, d("2025-05-01")),
            None
        );
        let away = refused_by_law(&contact(false, true), first, d("2025-05-01")).unwrap();
        assert!(away.contains("does not live with"), "{away}");
        let late = refused_by_law(&contact(true, true), first, d("2025-06-03")).unwrap();
        assert!(late.contains("retrospectively"), "{late}");
        let both = refused_by_law(&contact(false, false), first, d("2025-06-03")).unwrap();
        assert!(
            both.contains("live with") && both.contains("retrospectively"),
            "{both}"
        );
    }

    #[test]
    fn notice_is_late_below_the_policy_and_not_at_it() {
        let limits = LeaveLimits::default();
        assert_eq!(late_by_policy(27, false, &limits), Some(28));
        assert_eq!(late_by_policy(28, false, &limits), None);
        assert_eq!(late_by_policy(13, true, &limits), Some(14));
        assert_eq!(late_by_policy(14, true, &limits), None);
    }

    #[test]
    fn unauthorised_sessions_are_counted_over_school_weeks_only() {
        use rollcall_core::calendar::HalfTerm;
        use rollcall_core::marks::MarkFact;
        // Spring 1 ends Friday 7 February; the half-term week of 10 February has no school.
        let cal = rollcall_core::Calendar::new(
            vec![
                HalfTerm {
                    name: "Spring 1".into(),
                    start: d("2025-01-06"),
                    end: d("2025-02-07"),
                },
                HalfTerm {
                    name: "Spring 2".into(),
                    start: d("2025-02-17"),
                    end: d("2025-03-28"),
                },
            ],
            vec![],
        )
        .unwrap();
        let pupil = rollcall_core::Pupil {
            upn: rollcall_core::Upn::with_check_letter("822400124001").unwrap(),
            surname: "S".into(),
            forename: "F".into(),
            dob: d("2012-01-01"),
            sex: None,
            year_group: rollcall_core::YearGroup::Year(8),
            form: None,
            admission_date: d("2024-09-01"),
            leaving_date: None,
            fsm: false,
            pupil_premium: false,
            looked_after: false,
            social_worker: false,
            eal: false,
            young_carer: false,
            sen: rollcall_core::Sen::N,
            ethnicity: None,
            deletion_ground: None,
        };
        let o = |date: &str| MarkFact {
            date: d(date),
            session: Session::Am,
            code: BaseCode::O,
        };
        // As of Friday 14 March, 6 school weeks reach back to Monday 27 January (the half-term
        // week is skipped; counting it would stop at 3 February): 24 January is outside,
        // 27 January inside; 7 school weeks take in 24 January too.
        let marks = [o("2025-01-24"), o("2025-01-27"), o("2025-03-14")];
        assert_eq!(
            unauthorised_in_school_weeks(&cal, &pupil, &marks, d("2025-03-14"), 6),
            2
        );
        assert_eq!(
            unauthorised_in_school_weeks(&cal, &pupil, &marks, d("2025-03-14"), 7),
            3
        );
    }
}
