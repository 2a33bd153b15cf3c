//! Casework's own rules, whoever asks (casework.md): the school's ladder of stages as policy data
//! (`[[casework.stage]]` in the policy file), which moves it allows, review dates in school days
//! or weeks, attendance over a period and the impact of each action, a contract judged on the
//! marks since it began, what is due on an owner's list, and the key that keeps a finding's
//! disposition across days.
//!
//! ```toml
//! [[casework.stage]]
//! key = "first_letter"                # unique; what a case records
//! name = "First official letter"
//! owner = "head_of_year"              # attendance_officer, head_of_year, headteacher, safeguarding_lead
//! actions = ["letter"]                # the kinds of action the stage expects
//! letter = "first_concern"            # the letter template it sends, if any
//! review_school_days = 10             # or review_weeks = 3
//! move_on = ["no_improvement", "below 90", "penalty_threshold", "unauthorised 10"]
//! skip_to = false                     # whether a case may jump straight to this stage
//! ```
//!
//! A case moves to the next stage, back to any earlier one, or forward to a stage marked
//! `skip_to` (an unauthorised holiday straight to a penalty notice); never over a stage otherwise.

use std::collections::HashMap;

use rollcall_core::marks::MarkFact;
use rollcall_core::stats::{pupil_counts, Counts};
use rollcall_core::{Calendar, Date, Pupil, Role};
use rollcall_rules::{Finding, Rate, Rule};
use rollcall_store::{
    ActionKind, Attended, DateRange, PupilId, SchoolId, Store, StoredCase, StoredCaseAction,
};
use toml::Value;

use crate::error::{AppError, InputError, Result};

/// The roles that may own a stage: those that work on cases.
pub const OWNER_ROLES: [Role; 4] = [
    Role::AttendanceOfficer,
    Role::HeadOfYear,
    Role::Headteacher,
    Role::SafeguardingLead,
];

/// How long after an action its effect is reviewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewPeriod {
    SchoolDays(u32),
    Weeks(u32),
}

impl std::fmt::Display for ReviewPeriod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReviewPeriod::SchoolDays(1) => f.write_str("1 school day"),
            ReviewPeriod::SchoolDays(n) => write!(f, "{n} school days"),
            ReviewPeriod::Weeks(1) => f.write_str("1 week"),
            ReviewPeriod::Weeks(n) => write!(f, "{n} weeks"),
        }
    }
}

/// What moves a case on from a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveOn {
    /// Attendance has not improved by the review date.
    NoImprovement,
    /// Attendance (year to date) fell below this rate.
    Below(Rate),
    /// The penalty threshold of the school's policy was met.
    PenaltyThreshold,
    /// This many unauthorised sessions this academic year.
    UnauthorisedSessions(u32),
}

impl std::fmt::Display for MoveOn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MoveOn::NoImprovement => f.write_str("no improvement by the review date"),
            MoveOn::Below(r) => write!(f, "attendance below {r}"),
            MoveOn::PenaltyThreshold => f.write_str("the penalty threshold is met"),
            MoveOn::UnauthorisedSessions(n) => write!(f, "{n} unauthorised sessions"),
        }
    }
}

/// One stage of the school's ladder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub key: String,
    pub name: String,
    pub owner: Role,
    pub actions: Vec<ActionKind>,
    pub letter: Option<String>,
    pub review: ReviewPeriod,
    pub move_on: Vec<MoveOn>,
    pub skip_to: bool,
}

/// The school's ladder of stages, lowest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ladder {
    pub stages: Vec<Stage>,
}

impl Default for Ladder {
    /// A generic ladder: concern, support, meeting and contract, formal warning, legal action.
    fn default() -> Ladder {
        use ActionKind::*;
        let stage = |key: &str,
                     name: &str,
                     owner,
                     actions: &[ActionKind],
                     letter: Option<&str>,
                     review,
                     move_on: &[MoveOn],
                     skip_to| Stage {
            key: key.into(),
            name: name.into(),
            owner,
            actions: actions.to_vec(),
            letter: letter.map(str::to_owned),
            review,
            move_on: move_on.to_vec(),
            skip_to,
        };
        Ladder {
            stages: vec![
                stage(
                    "concern",
                    "Concern raised",
                    Role::AttendanceOfficer,
                    &[PhoneCall, PupilConversation],
                    None,
                    ReviewPeriod::SchoolDays(10),
                    &[MoveOn::NoImprovement],
                    false,
                ),
                stage(
                    "support",
                    "Support and first letter",
                    Role::HeadOfYear,
                    &[SupportOffered, Letter],
                    Some("first_concern"),
                    ReviewPeriod::SchoolDays(15),
                    &[MoveOn::NoImprovement, MoveOn::Below(Rate::percent(90))],
                    false,
                ),
                stage(
                    "contract",
                    "Meeting and attendance contract",
                    Role::HeadOfYear,
                    &[Meeting, Contract],
                    Some("meeting_invitation"),
                    ReviewPeriod::Weeks(3),
                    &[MoveOn::NoImprovement],
                    false,
                ),
                stage(
                    "formal",
                    "Formal warning",
                    Role::AttendanceOfficer,
                    &[NoticeToImprove],
                    Some("notice_to_improve"),
                    ReviewPeriod::Weeks(4),
                    &[MoveOn::PenaltyThreshold],
                    true,
                ),
                stage(
                    "legal",
                    "Local authority and legal action",
                    Role::Headteacher,
                    &[Referral, PenaltyNotice],
                    None,
                    ReviewPeriod::Weeks(4),
                    &[],
                    true,
                ),
            ],
        }
    }
}

impl Ladder {
    pub fn first(&self) -> &Stage {
        &self.stages[0]
    }

    pub fn position(&self, key: &str) -> Option<usize> {
        self.stages.iter().position(|s| s.key == key)
    }

    pub fn stage(&self, key: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.key == key)
    }

    /// The stage after `key`, if any.
    pub fn next(&self, key: &str) -> Option<&Stage> {
        self.position(key).and_then(|i| self.stages.get(i + 1))
    }

    /// Whether a case may open straight on `key`: the first stage, or one marked `skip_to`.
    pub fn may_open_on(&self, key: &str) -> std::result::Result<&Stage, String> {
        match self.position(key) {
            None => Err(format!("'{key}' is not a stage of the school's ladder")),
            Some(0) => Ok(self.first()),
            Some(i) if self.stages[i].skip_to => Ok(&self.stages[i]),
            Some(i) => Err(format!(
                "a case cannot open on stage {} ({}): the ladder starts at {} and does not allow \
                 skipping to it",
                i + 1,
                self.stages[i].name,
                self.first().name
            )),
        }
    }

    /// The stages a case on `from` may move to: the next, any earlier, and any later one marked
    /// `skip_to`. A case on a stage the ladder no longer has may move to any stage.
    pub fn moves_from(&self, from: &str) -> Vec<&Stage> {
        match self.position(from) {
            None => self.stages.iter().collect(),
            Some(i) => self
                .stages
                .iter()
                .enumerate()
                .filter(|(j, s)| *j != i && (*j < i || *j == i + 1 || s.skip_to))
                .map(|(_, s)| s)
                .collect(),
        }
    }

    /// Checks a move, saying why it is refused.
    pub fn check_move(&self, from: &str, to: &str) -> std::result::Result<&Stage, String> {
        let Some(target) = self.stage(to) else {
            return Err(format!("'{to}' is not a stage of the school's ladder"));
        };
        if from == to {
            return Err(format!("the case is on stage {} already", target.name));
        }
        if self.moves_from(from).iter().any(|s| s.key == to) {
            Ok(target)
        } else {
            Err(format!(
                "the ladder does not allow moving from {} to {}: a case moves to the next \
                 stage, back, or to a stage it may skip to",
                self.stage(from).map_or(from, |s| s.name.as_str()),
                target.name
            ))
        }
    }
}

const STAGE_KEYS: &[&str] = &[
    "key",
    "name",
    "owner",
    "actions",
    "letter",
    "review_school_days",
    "review_weeks",
    "move_on",
    "skip_to",
];

/// Reads the `[casework]` table of a (merged) policy table: its ladder, or the default ladder
/// when it has none. Every problem names the file and the entry (`casework.stage[2].owner`).
pub fn ladder_from_table(
    file: &str,
    table: &toml::Table,
) -> std::result::Result<Ladder, Vec<InputError>> {
    let Some(casework) = table.get("casework") else {
        return Ok(Ladder::default());
    };
    let mut errors = Vec::new();
    let mut err = |field: &str, message: String| {
        errors.push(InputError::new(file, None, Some(field), message));
    };
    let Some(casework) = casework.as_table() else {
        err(
            "casework",
            "expected a [casework] table with [[casework.stage]] entries".into(),
        );
        return Err(errors);
    };
    for key in casework.keys().filter(|k| k.as_str() != "stage") {
        err(
            &format!("casework.{key}"),
            "unknown setting; expected [[casework.stage]] entries".into(),
        );
    }
    let items = match casework.get("stage").map(Value::as_array) {
        Some(Some(items)) if !items.is_empty() => items.clone(),
        Some(Some(_)) | None => {
            err(
                "casework.stage",
                "the ladder needs at least one [[casework.stage]]".into(),
            );
            return Err(errors);
        }
        Some(None) => {
            err(
                "casework.stage",
                "expected [[casework.stage]] tables".into(),
            );
            return Err(errors);
        }
    };
    let mut stages = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let field = |k: &str| format!("casework.stage[{}].{k}", i + 1);
        let Some(t) = item.as_table() else {
            err(
                &format!("casework.stage[{}]", i + 1),
                "expected a table".into(),
            );
            continue;
        };
        for k in t.keys().filter(|k| !STAGE_KEYS.contains(&k.as_str())) {
            err(
                &field(k),
                format!("unknown setting; expected any of {}", STAGE_KEYS.join(", ")),
            );
        }
        let text = |k: &str| t.get(k).and_then(Value::as_str).map(str::trim);
        let key = match text("key") {
            Some(k)
                if !k.is_empty()
                    && k.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') =>
            {
                k.to_owned()
            }
            _ => {
                err(
                    &field("key"),
                    "missing or not a key; expected lower-case letters, digits and _, such as \
                     \"first_letter\""
                        .into(),
                );
                String::new()
            }
        };
        if !key.is_empty() && keys.contains(&key) {
            err(
                &field("key"),
                format!("'{key}' is the key of an earlier stage; each stage needs its own"),
            );
        }
        keys.push(key.clone());
        let name = match text("name") {
            Some(n) if !n.is_empty() => n.to_owned(),
            _ => {
                err(&field("name"), "missing; expected the stage's name".into());
                String::new()
            }
        };
        let roles: Vec<&str> = OWNER_ROLES.iter().map(|r| r.name()).collect();
        let owner = match text("owner").map(str::parse::<Role>) {
            Some(Ok(r)) if OWNER_ROLES.contains(&r) => Some(r),
            Some(Ok(r)) => {
                err(
                    &field("owner"),
                    format!(
                        "a {} does not work on cases; expected one of {}",
                        r.title(),
                        roles.join(", ")
                    ),
                );
                None
            }
            Some(Err(m)) => {
                err(&field("owner"), m);
                None
            }
            None => {
                err(
                    &field("owner"),
                    format!("missing; expected one of {}", roles.join(", ")),
                );
                None
            }
        };
        let mut actions = Vec::new();
        match t.get("actions") {
            None => {}
            Some(Value::Array(list)) => {
                for a in list {
                    match a.as_str().and_then(ActionKind::parse) {
                        Some(k) => actions.push(k),
                        None => {
                            let kinds: Vec<&str> =
                                ActionKind::ALL.iter().map(|k| k.as_str()).collect();
                            err(
                                &field("actions"),
                                format!(
                                    "{a} is not a kind of action; expected any of {}",
                                    kinds.join(", ")
                                ),
                            );
                        }
                    }
                }
            }
            Some(other) => err(
                &field("actions"),
                format!("{other} is not a list; expected e.g. [\"phone_call\", \"letter\"]"),
            ),
        }
        let letter = match t.get("letter") {
            None => None,
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Some(other) => {
                err(
                    &field("letter"),
                    format!(
                        "{other} is not a letter template's key; expected e.g. \"first_concern\""
                    ),
                );
                None
            }
        };
        let review = match (t.get("review_school_days"), t.get("review_weeks")) {
            (Some(Value::Integer(n)), None) if (1..=60).contains(n) => {
                Some(ReviewPeriod::SchoolDays(*n as u32))
            }
            (None, Some(Value::Integer(n))) if (1..=12).contains(n) => {
                Some(ReviewPeriod::Weeks(*n as u32))
            }
            (Some(v), None) => {
                err(
                    &field("review_school_days"),
                    format!("{v} is not a review period; expected a whole number of school days from 1 to 60"),
                );
                None
            }
            (None, Some(v)) => {
                err(
                    &field("review_weeks"),
                    format!(
                        "{v} is not a review period; expected a whole number of weeks from 1 to 12"
                    ),
                );
                None
            }
            (Some(_), Some(_)) => {
                err(
                    &field("review_weeks"),
                    "give review_school_days or review_weeks, not both".into(),
                );
                None
            }
            (None, None) => {
                err(
                    &field("review_school_days"),
                    "missing; expected review_school_days = N or review_weeks = N".into(),
                );
                None
            }
        };
        let mut move_on = Vec::new();
        match t.get("move_on") {
            None => {}
            Some(Value::Array(list)) => {
                for m in list {
                    match m.as_str().map(parse_move_on) {
                        Some(Ok(x)) => move_on.push(x),
                        Some(Err(e)) => err(&field("move_on"), e),
                        None => err(
                            &field("move_on"),
                            format!("{m} is not text; expected e.g. \"no_improvement\""),
                        ),
                    }
                }
            }
            Some(other) => err(
                &field("move_on"),
                format!("{other} is not a list; expected e.g. [\"no_improvement\", \"below 90\"]"),
            ),
        }
        let skip_to = match t.get("skip_to") {
            None => false,
            Some(Value::Boolean(b)) => *b,
            Some(other) => {
                err(&field("skip_to"), format!("{other} is not true or false"));
                false
            }
        };
        if let (Some(owner), Some(review)) = (owner, review) {
            stages.push(Stage {
                key,
                name,
                owner,
                actions,
                letter,
                review,
                move_on,
                skip_to,
            });
        }
    }
    if errors.is_empty() {
        Ok(Ladder { stages })
    } else {
        Err(errors)
    }
}

fn parse_move_on(text: &str) -> std::result::Result<MoveOn, String> {
    let expected = "expected \"no_improvement\", \"penalty_threshold\", \"below 90\" (attendance \
                    below a percentage) or \"unauthorised 10\" (unauthorised sessions)";
    let words: Vec<&str> = text.split_whitespace().collect();
    match words.as_slice() {
        ["no_improvement"] => Ok(MoveOn::NoImprovement),
        ["penalty_threshold"] => Ok(MoveOn::PenaltyThreshold),
        ["below", rate] => match Rate::parse(rate) {
            Ok(r) if r > Rate::ZERO && r <= Rate::FULL => Ok(MoveOn::Below(r)),
            _ => Err(format!(
                "'{text}': {rate} is not a percentage from 0 to 100"
            )),
        },
        ["unauthorised", n] => match n.parse::<u32>() {
            Ok(n) if (1..=380).contains(&n) => Ok(MoveOn::UnauthorisedSessions(n)),
            _ => Err(format!(
                "'{text}': {n} is not a number of sessions from 1 to 380"
            )),
        },
        _ => Err(format!("'{text}' is not a reason to move on; {expected}")),
    }
}

/// The school's ladder: the `[casework]` table of its policy, or of the defaults it inherits,
/// or [`Ladder::default`].
pub fn ladder(store: &mut dyn Store, school: SchoolId) -> Result<Ladder> {
    let merged = crate::alerts::merged_policy_table(store, school)?;
    ladder_from_table("the stored policy", &merged).map_err(AppError::Input)
}

/// The day a review falls due: `period` after `from`, counting school days of the pupil's year
/// group in the calendar (days past its end count as weekdays), or calendar weeks.
pub fn review_date(calendar: &Calendar, pupil: &Pupil, from: Date, period: ReviewPeriod) -> Date {
    match period {
        ReviewPeriod::Weeks(n) => from + chrono::Days::new(7 * u64::from(n)),
        ReviewPeriod::SchoolDays(n) => {
            let end = calendar.span().map(|(_, e)| e);
            let mut day = from;
            let mut counted = 0;
            // At most a year of days: a calendar with no school days ahead ends the count.
            for _ in 0..366 {
                if counted == n {
                    break;
                }
                day = day.succ_opt().unwrap_or(day);
                let school_day = if end.is_some_and(|e| day <= e) {
                    calendar.is_school_session(day, rollcall_core::Session::Am, pupil.year_group)
                        || calendar.is_school_session(
                            day,
                            rollcall_core::Session::Pm,
                            pupil.year_group,
                        )
                } else {
                    rollcall_core::dates::is_weekday(day)
                };
                if school_day {
                    counted += 1;
                }
            }
            day
        }
    }
}

/// The pupil's sessions over `from..=to`, counted by `rollcall-core` over their school sessions
/// and time on roll.
pub fn counts_between(
    calendar: &Calendar,
    pupil: &Pupil,
    marks: &[MarkFact],
    from: Date,
    to: Date,
) -> Counts {
    if to < from {
        return Counts::default();
    }
    let grid = calendar.grid(pupil.year_group, from, to);
    pupil_counts(
        &grid,
        (pupil.admission_date, pupil.leaving_date),
        from,
        to,
        marks,
    )
}

/// Present (with approved educational activity) and possible sessions of counts.
pub fn attended(c: &Counts) -> Attended {
    Attended {
        present: c.present + c.aea,
        possible: c.possible,
    }
}

/// Whether attendance met a target given in tenths of a percent, exactly on sessions.
pub fn meets_target(a: Attended, target_permille: u32) -> bool {
    u64::from(a.present) * 1000 >= u64::from(target_permille) * u64::from(a.possible)
}

/// A pupil's marks, in date order.
pub fn pupil_marks(
    store: &mut dyn Store,
    school: SchoolId,
    pupil: PupilId,
    range: DateRange,
) -> Result<Vec<MarkFact>> {
    let mut marks: Vec<MarkFact> = store
        .mark_facts(school, range)?
        .into_iter()
        .filter(|f| f.pupil == pupil)
        .map(|f| f.fact)
        .collect();
    marks.sort_unstable_by_key(|m| (m.date, m.session));
    Ok(marks)
}

/// One period between actions and the pupil's figures over it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImpactPeriod {
    pub from: Date,
    pub to: Date,
    /// The actions taken on its first day (none for the period before the first action).
    pub after: Vec<ActionKind>,
    pub counts: Counts,
}

/// Attendance before and since each action: the periods between the days actions were taken,
/// from `start` (the period before the first action) to `today`.
pub fn impact(
    calendar: &Calendar,
    pupil: &Pupil,
    marks: &[MarkFact],
    actions: &[StoredCaseAction],
    start: Date,
    today: Date,
) -> Vec<ImpactPeriod> {
    let mut days: Vec<Date> = actions
        .iter()
        .map(|a| a.action.on)
        .filter(|d| *d <= today)
        .collect();
    days.sort_unstable();
    days.dedup();
    let mut periods = Vec::new();
    let mut bounds: Vec<(Date, Date, Vec<ActionKind>)> = Vec::new();
    if let Some(first) = days.first() {
        if start < *first {
            bounds.push((start, first.pred_opt().unwrap_or(*first), Vec::new()));
        }
    }
    for (i, d) in days.iter().enumerate() {
        let end = days.get(i + 1).and_then(|n| n.pred_opt()).unwrap_or(today);
        let kinds = actions
            .iter()
            .filter(|a| a.action.on == *d)
            .map(|a| a.action.kind)
            .collect();
        bounds.push((*d, end, kinds));
    }
    for (from, to, after) in bounds {
        periods.push(ImpactPeriod {
            from,
            to,
            after,
            counts: counts_between(calendar, pupil, marks, from, to),
        });
    }
    periods
}

/// The key a finding's disposition is kept under: its stable id, except that a year-to-date
/// state (persistent or severe absence, a band), dated on the day it is evaluated, is kept once
/// per pupil and academic year, so that dismissing it holds from one day to the next.
pub fn worklist_key(f: &Finding) -> String {
    match f.rule {
        Rule::PersistentAbsence | Rule::SevereAbsence | Rule::AttendanceBand => {
            let mut key = format!(
                "{}/{}/{}",
                f.rule.name(),
                f.upn,
                rollcall_core::dates::academic_year(f.date)
            );
            if let Some(s) = &f.subject {
                key.push('/');
                key.push_str(s);
            }
            key
        }
        _ => f.id(),
    }
}

/// What an owner has to do on a case today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Due {
    /// An action's review, due on `on` (today, or overdue).
    Review {
        action: i64,
        kind: ActionKind,
        on: Date,
    },
    /// An action the case's stage expects that has not been done since the case reached it.
    Expected(ActionKind),
}

/// What is due on an open case on `today`: reviews due today or overdue, and the actions the
/// stage expects that have not been done since the case entered it.
pub fn due_on(case: &StoredCase, ladder: &Ladder, today: Date) -> Vec<Due> {
    if !case.is_open() {
        return Vec::new();
    }
    let mut due: Vec<Due> = case
        .actions
        .iter()
        .filter_map(|a| {
            a.review_due()
                .filter(|d| *d <= today)
                .map(|on| Due::Review {
                    action: a.id,
                    kind: a.action.kind,
                    on,
                })
        })
        .collect();
    // The stage was entered at the last stage change, or when the case opened.
    let entered = case
        .actions
        .iter()
        .rposition(|a| a.action.kind == ActionKind::StageChange)
        .unwrap_or(0);
    if let Some(stage) = ladder.stage(&case.case.stage) {
        let since = &case.actions[entered.min(case.actions.len())..];
        for kind in &stage.actions {
            if !since.iter().any(|a| a.action.kind == *kind) {
                due.push(Due::Expected(*kind));
            }
        }
    }
    due
}

/// Appends `action` to the pupil's open case, if they have one: how anything that acts on a
/// pupil (a letter sent, a notice issued, a return made) logs itself on their case. The id of
/// the action comes back, or `None` when the pupil has no open case.
pub fn log_on_open_case(
    store: &mut dyn Store,
    school: SchoolId,
    pupil: PupilId,
    action: &rollcall_store::CaseAction,
) -> Result<Option<i64>> {
    let open = store
        .cases(school, Some(pupil))?
        .into_iter()
        .rev()
        .find(StoredCase::is_open);
    match open {
        None => Ok(None),
        Some(case) => Ok(Some(store.add_case_action(school, case.id, action)?)),
    }
}

/// The earliest review waiting on a case.
pub fn next_review(case: &StoredCase) -> Option<Date> {
    case.actions.iter().filter_map(|a| a.review_due()).min()
}

/// Pupils' siblings: pupils who share a contact person with a parental link (the same reference).
pub fn siblings_by_contact(
    contacts: &[(PupilId, rollcall_store::Contact)],
    pupil: PupilId,
) -> Vec<PupilId> {
    let mine: Vec<&str> = contacts
        .iter()
        .filter(|(p, c)| *p == pupil && c.parental_responsibility)
        .map(|(_, c)| c.reference.as_str())
        .collect();
    let mut by_ref: HashMap<&str, Vec<PupilId>> = HashMap::new();
    for (p, c) in contacts {
        if *p != pupil && c.parental_responsibility && mine.contains(&c.reference.as_str()) {
            by_ref.entry(c.reference.as_str()).or_default().push(*p);
        }
    }
    let mut out: Vec<PupilId> = by_ref.into_values().flatten().collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        crate::interchange::policy::read_policy_table("p.toml", text).unwrap()
    }

    #[test]
    fn no_casework_table_is_the_default_ladder() {
        let l = ladder_from_table("p.toml", &toml::Table::new()).unwrap();
        assert_eq!(l, Ladder::default());
        assert_eq!(l.first().key, "concern");
    }

    #[test]
    fn a_ladder_reads_and_moves_only_as_it_allows() {
        let l = ladder_from_table(
            "p.toml",
            &table(
                r#"
[[casework.stage]]
key = "one"
name = "One"
owner = "head of year"
actions = ["phone_call"]
review_school_days = 10
move_on = ["no_improvement", "below 92.5"]

[[casework.stage]]
key = "two"
name = "Two"
owner = "attendance_officer"
letter = "first_concern"
review_weeks = 3

[[casework.stage]]
key = "three"
name = "Three"
owner = "headteacher"
review_weeks = 4
move_on = ["penalty_threshold", "unauthorised 10"]
skip_to = true
"#,
            ),
        )
        .unwrap();
        assert_eq!(l.stages.len(), 3);
        assert_eq!(
            l.stages[0].move_on,
            [
                MoveOn::NoImprovement,
                MoveOn::Below(Rate::from_hundredths(9250))
            ]
        );
        assert_eq!(l.stages[1].review, ReviewPeriod::Weeks(3));
        assert!(l.check_move("one", "two").is_ok());
        assert!(
            l.check_move("one", "three").is_ok(),
            "three may be skipped to"
        );
        assert!(l.check_move("three", "one").is_ok(), "back is allowed");
        assert!(l.check_move("one", "one").is_err());
        assert!(l.check_move("one", "nowhere").is_err());
        assert!(l.may_open_on("two").is_err());
        assert!(l.may_open_on("three").is_ok());
    }

    #[test]
    fn a_bad_ladder_names_the_file_and_the_entry() {
        let errors = ladder_from_table(
            "p.toml",
            &table(
                r#"
[[casework.stage]]
key = "one"
name = "One"
owner = "governor"
actions = ["telegram"]
review_weeks = 0

[[casework.stage]]
key = "one"
owner = "janitor"
review_school_days = 5
review_weeks = 1
move_on = ["below 120", "sometimes"]
skip_to = "yes"
colour = "red"
"#,
            ),
        )
        .unwrap_err();
        let fields: Vec<String> = errors
            .iter()
            .map(|e| format!("{} {}", e.file, e.field.clone().unwrap_or_default()))
            .collect();
        for f in [
            "p.toml casework.stage[1].owner",
            "p.toml casework.stage[1].actions",
            "p.toml casework.stage[1].review_weeks",
            "p.toml casework.stage[2].key",
            "p.toml casework.stage[2].name",
            "p.toml casework.stage[2].owner",
            "p.toml casework.stage[2].review_weeks",
            "p.toml casework.stage[2].move_on",
            "p.toml casework.stage[2].skip_to",
            "p.toml casework.stage[2].colour",
        ] {
            assert!(fields.iter().any(|x| x == f), "{f} not in {fields:?}");
        }
        let empty = ladder_from_table("p.toml", &table("[casework]\nstage = []\n")).unwrap_err();
        assert_eq!(empty[0].field.as_deref(), Some("casework.stage"));
    }

    #[test]
    fn targets_are_met_on_whole_sessions() {
        let a = Attended {
            present: 19,
            possible: 20,
        };
        assert!(meets_target(a, 950));
        assert!(!meets_target(a, 951));
    }
}
