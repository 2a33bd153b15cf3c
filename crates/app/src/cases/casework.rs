//! Casework (casework.md): the alerts worklist with what became of each finding, cases opened
//! from an alert or by hand, the case page with its ladder, actions, reviews, siblings and the
//! impact of each action, the owner's list of what is due, and attendance and parenting
//! contracts with their reviews.
//!
//! Every use case needs [`Permission::Casework`] and works only on pupils the actor reaches: a
//! head of year the pupils of their year groups, everyone else with the permission the whole
//! school. A case of a pupil out of reach is refused as if it did not exist.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rollcall_core::stats::Counts;
use rollcall_core::{Date, Role};
use rollcall_rules::{Finding, Rule};
use rollcall_store::{
    ActionDetails, ActionKind, AlertDisposition, CaseAction, CaseClosure, CaseOpening, CaseOutcome,
    Contract, ContractAction, ContractDecision, ContractKind, ContractReview, DateRange,
    Disposition, MeetingStatus, OpenedBecause, PupilId, ReviewDone, School, Signature, Store,
    StoredCase, StoredContract, StoredPupil, SupportKind, UserId,
};

use crate::access::{Actor, Permission};
use crate::alerts::AlertQuery;
use crate::casework::{self as domain, Due, ImpactPeriod, Ladder, Stage};
use crate::error::Refusal;
use crate::registers::parse_day;
use crate::school_view;
use crate::service::App;

use super::office::typed_pupil;
use super::pupils::school_details;

/// Which findings the worklist shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorklistFilter {
    /// A rule's name (`persistent_absence`); empty for every rule.
    pub rule: String,
    /// A year group (`9`, `R`); empty for every year.
    pub year: String,
    /// A form (`9A`); empty for every form.
    pub form: String,
    /// Show the findings dealt with too.
    pub all: bool,
}

/// One finding on the worklist.
#[derive(Debug, Clone)]
pub struct WorklistItem {
    /// The key its disposition is kept under ([`domain::worklist_key`]).
    pub key: String,
    pub finding: Finding,
    pub pupil: StoredPupil,
    /// Dated after the actor last looked.
    pub new: bool,
    pub disposition: Option<AlertDisposition>,
    /// The pupil's open case, to add the finding to.
    pub open_case: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Worklist {
    pub as_of: Date,
    pub items: Vec<WorklistItem>,
    /// When the actor looked before this.
    pub last_looked: Option<DateTime<Utc>>,
    /// Findings dealt with that the filter hides.
    pub dealt_with: usize,
    /// The rules, years and forms of the findings, for the filter.
    pub rules: Vec<String>,
    pub years: Vec<String>,
    pub forms: Vec<String>,
}

/// A case opened from an alert or by hand, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenCaseForm {
    /// The pupil (by hand only).
    pub upn: String,
    /// Why (by hand only; from an alert, the finding is why).
    pub reason: String,
    /// The stage's key; empty for the ladder's first.
    pub stage: String,
    /// The owner's user id; empty for the actor.
    pub owner: String,
}

/// An action as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionForm {
    /// [`ActionKind::as_str`].
    pub kind: String,
    /// The day it was done; empty for today.
    pub on: String,
    pub summary: String,
    /// A meeting's status ([`MeetingStatus::as_str`]), who attended, minutes.
    pub meeting_status: String,
    pub attended: String,
    pub minutes: String,
    /// The support offered ([`SupportKind::as_str`]) and what exactly.
    pub support: String,
    pub support_note: String,
    /// The review date; empty for none.
    pub review_on: String,
}

/// A contract as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContractForm {
    /// `attendance` or `parenting`.
    pub kind: String,
    pub difficulties: String,
    /// Each party's undertaking: party, action, owner, by (a date or empty).
    pub actions: Vec<[String; 4]>,
    /// The attendance target, a percentage (`95`, `92.5`).
    pub target: String,
    /// The first day; empty for today.
    pub start: String,
    /// The review day; empty for three weeks after the start.
    pub review_on: String,
    /// Who agreed, and when (a date; empty for the start).
    pub signatures: Vec<[String; 2]>,
}

/// A case with its pupil, for lists.
#[derive(Debug, Clone)]
pub struct CaseSummary {
    pub case: StoredCase,
    pub pupil: StoredPupil,
    /// The stage's name on the ladder (its key if the ladder has no such stage any more).
    pub stage: String,
    pub next_review: Option<Date>,
}

#[derive(Debug, Clone)]
pub struct CaseList {
    pub open: Vec<CaseSummary>,
    pub closed: Vec<CaseSummary>,
}

/// One of a pupil's siblings (sharing a parent among their contacts), and their case.
#[derive(Debug, Clone)]
pub struct Sibling {
    pub pupil: StoredPupil,
    /// Their open case, if any.
    pub case: Option<i64>,
    pub linked: bool,
}

/// Someone a case may be given to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub id: UserId,
    pub name: String,
    pub role: Role,
}

/// Everything the case page shows.
#[derive(Debug, Clone)]
pub struct CasePage {
    pub case: StoredCase,
    pub pupil: StoredPupil,
    pub ladder: Ladder,
    /// The stage's place on the ladder (from 0), if the ladder has it.
    pub position: Option<usize>,
    /// The stages the case may move to.
    pub moves: Vec<Stage>,
    /// What is due today: reviews and the stage's expected actions not yet done.
    pub due: Vec<Due>,
    /// A review date for a new action: the stage's review period from today.
    pub suggested_review: Option<Date>,
    /// Attendance over the periods between actions.
    pub impact: Vec<ImpactPeriod>,
    /// This academic year so far.
    pub year_to_date: Counts,
    pub siblings: Vec<Sibling>,
    /// Linked cases the actor reaches.
    pub linked: Vec<CaseSummary>,
    pub contracts: Vec<StoredContract>,
    pub owners: Vec<Owner>,
    pub today: Date,
}

/// What is due today on one of the owner's cases.
#[derive(Debug, Clone)]
pub struct DueCase {
    pub case: CaseSummary,
    pub due: Vec<Due>,
}

/// A contract with the attendance since it began.
#[derive(Debug, Clone)]
pub struct ContractPage {
    pub contract: StoredContract,
    pub case: CaseSummary,
    pub school: School,
    /// From the start to today (or the last day before it).
    pub since: Counts,
    pub met: bool,
    pub today: Date,
}

fn text_or(value: &str) -> Option<&str> {
    Some(value.trim()).filter(|v| !v.is_empty())
}

fn day_or(value: &str, default: Date) -> Result<Date, Refusal> {
    match text_or(value) {
        None => Ok(default),
        Some(t) => parse_day(t),
    }
}

fn parse_kind<T>(
    what: &str,
    value: &str,
    parse: impl Fn(&str) -> Option<T>,
    all: &[&str],
) -> Result<T, Refusal> {
    parse(value).ok_or_else(|| {
        Refusal::invalid(format!(
            "'{}' is not a {what}; expected one of {}",
            value.trim(),
            all.join(", ")
        ))
    })
}

fn percent_permille(value: &str) -> Result<u32, Refusal> {
    let bad = || {
        Refusal::invalid(format!(
            "'{}' is not an attendance target; expected a percentage from 1 to 100, such as 95 or 92.5",
            value.trim()
        ))
    };
    let t = value.trim().trim_end_matches('%').trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty()
        || frac.len() > 1
        || !whole
            .bytes()
            .chain(frac.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: u32 = whole.parse().map_err(|_| bad())?;
    let tenth: u32 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| bad())?
    };
    let permille = whole
        .checked_mul(10)
        .and_then(|w| w.checked_add(tenth))
        .ok_or_else(bad)?;
    if (10..=1000).contains(&permille) {
        Ok(permille)
    } else {
        Err(bad())
    }
}

/// The actor's own user id: casework is logged against a user.
fn me(actor: &Actor) -> Result<UserId, Refusal> {
    actor
        .user
        .ok_or_else(|| Refusal::invalid("casework is done by a signed-in user"))
}

/// The school's pupils the actor reaches, by id.
fn reached(
    store: &mut dyn Store,
    actor: &Actor,
    school: &School,
) -> Result<HashMap<PupilId, StoredPupil>, Refusal> {
    Ok(store
        .pupils(school.id)?
        .into_iter()
        .filter(|p| actor.reaches(p.id, &p.pupil))
        .map(|p| (p.id, p))
        .collect())
}

/// The school's case `id` if its pupil is in reach; refused alike whether or not it exists.
fn reached_case(
    store: &mut dyn Store,
    actor: &Actor,
    school: &School,
    id: i64,
) -> Result<(StoredCase, StoredPupil), Refusal> {
    let Some(case) = store.case(school.id, id)? else {
        return Err(not_found_case(actor, id));
    };
    let pupil = store
        .pupils(school.id)?
        .into_iter()
        .find(|p| p.id == case.case.pupil && actor.reaches(p.id, &p.pupil));
    match pupil {
        Some(p) => Ok((case, p)),
        None => Err(Refusal::Forbidden),
    }
}

fn not_found_case(actor: &Actor, id: i64) -> Refusal {
    match actor.reach {
        crate::access::Reach::School => Refusal::NotFound(format!("there is no case {id}")),
        _ => Refusal::Forbidden,
    }
}

fn open_case(
    store: &mut dyn Store,
    actor: &Actor,
    school: &School,
    id: i64,
) -> Result<(StoredCase, StoredPupil), Refusal> {
    let (case, pupil) = reached_case(store, actor, school, id)?;
    if !case.is_open() {
        return Err(Refusal::invalid(format!(
            "case {id} was closed on {}: it is kept as it was",
            case.closure
                .as_ref()
                .map_or(String::new(), |c| c.on.to_string())
        )));
    }
    Ok((case, pupil))
}

fn summary(case: StoredCase, pupil: StoredPupil, ladder: &Ladder) -> CaseSummary {
    let stage = ladder
        .stage(&case.case.stage)
        .map_or_else(|| case.case.stage.clone(), |s| s.name.clone());
    let next_review = domain::next_review(&case);
    CaseSummary {
        case,
        pupil,
        stage,
        next_review,
    }
}

/// The users who may own cases: the school's staff of the roles that work on them.
fn owners(store: &mut dyn Store, school: &School) -> Result<Vec<Owner>, Refusal> {
    Ok(store
        .users(Some(school.id))?
        .into_iter()
        .filter(|u| u.user.active && Permission::Casework.admits(u.user.role))
        .map(|u| Owner {
            id: u.id,
            name: u.user.display_name,
            role: u.user.role,
        })
        .collect())
}

fn owner_of(
    store: &mut dyn Store,
    actor: &Actor,
    school: &School,
    typed: &str,
) -> Result<UserId, Refusal> {
    match text_or(typed) {
        None => me(actor),
        Some(t) => {
            let id = t
                .parse::<i64>()
                .map(UserId)
                .map_err(|_| Refusal::invalid(format!("'{t}' is not a user")))?;
            if owners(store, school)?.iter().any(|o| o.id == id) {
                Ok(id)
            } else {
                Err(Refusal::invalid(
                    "a case is owned by a member of staff who works on cases",
                ))
            }
        }
    }
}

/// The pupil's attendance this academic year up to `today`.
fn year_to_date(
    store: &mut dyn Store,
    school: &School,
    pupil: &StoredPupil,
    today: Date,
) -> Result<(Counts, Vec<rollcall_core::MarkFact>), Refusal> {
    let calendar = store.calendar(school.id)?;
    let start =
        rollcall_core::dates::academic_year_start(rollcall_core::dates::academic_year(today));
    let marks = domain::pupil_marks(store, school.id, pupil.id, DateRange::between(start, today))?;
    let counts = domain::counts_between(&calendar, &pupil.pupil, &marks, start, today);
    Ok((counts, marks))
}

impl App {
    /// The alerts worklist: every current finding about the pupils the actor reaches, with its
    /// evidence, flagged new when dated after the actor last looked, and what became of it.
    /// Looking records the time, for "new since last look".
    pub fn alerts_worklist(
        &self,
        actor: &Actor,
        filter: &WorklistFilter,
    ) -> Result<Worklist, Refusal> {
        actor.require(Permission::Casework)?;
        let now = self.now();
        let worklist = self.reading(|store| {
            let school = school_details(store, actor)?;
            worklist(store, actor, &school, now, filter)
        })?;
        if let Some(user) = actor.user {
            self.with_store(|store| {
                let school = school_details(store, actor)?;
                store.mark_alerts_seen(
                    school.id,
                    user,
                    rollcall_core::dates::instant_of_school_time(now),
                )?;
                Ok::<_, Refusal>(())
            })?;
        }
        Ok(worklist)
    }

    /// Opens a case from a finding on the worklist, on the ladder's first stage (or one it may
    /// skip to), with a first note carrying the finding's evidence.
    pub fn open_case_from_alert(
        &self,
        actor: &Actor,
        key: &str,
        form: &OpenCaseForm,
    ) -> Result<i64, Refusal> {
        actor.require(Permission::Casework)?;
        let now = self.now();
        self.with_store(|store| {
            let school = school_details(store, actor)?;
            let item = current_item(store, actor, &school, now, key)?;
            if item.disposition.is_some() {
                return Err(Refusal::invalid("this alert has been dealt with already"));
            }
            let because = OpenedBecause::Finding {
                id: item.key.clone(),
                rule: item.finding.rule.name().to_owned(),
                date: item.finding.date,
                evidence: item.finding.evidence.summary.clone(),
            };
            let note = format!(
                "Opened from the alert {}: {}",
                item.finding.rule.name().replace('_', " "),
                item.finding.evidence.summary
            );
            open_new(store, actor, &school, now, &item.pupil, because, form, note)
        })
    }

    /// Dismisses a finding with a reason: it leaves the worklist and stays dismissed.
    pub fn dismiss_alert(&self, actor: &Actor, key: &str, reason: &str) -> Result<(), Refusal> {
        actor.require(Permission::Casework)?;
        let Some(reason) = text_or(reason) else {
            return Err(Refusal::invalid("say why the alert is dismissed"));
        };
        let now = self.now();
        self.with_store(|store| {
            let school = school_details(store, actor)?;
            let item = current_item(store, actor, &school, now, key)?;
            store.dispose_alert(
                school.id,
                &AlertDisposition {
                    finding: item.key,
                    pupil: item.pupil.id,
                    disposition: Disposition::Dismissed {
                        reason: reason.to_owned(),
                    },
                    recorded: actor.recorded_at(now),
                },
                None,
            )?;
            Ok(())
        })
    }

    /// Adds a finding to the pupil's open case, logging it there as a note.
    pub fn add_alert_to_case(&self, actor: &Actor, key: &str, case: i64) -> Result<(), Refusal> {
        actor.require(Permission::Casework)?;
        let now = self.now();
        let by = me(actor)?;
        self.with_store(|store| {
            let school = school_details(store, actor)?;
            let item = current_item(store, actor, &school, now, key)?;
            let (c, _) = open_case(store, actor, &school, case)?;
            if c.case.pupil != item.pupil.id {
                return Err(Refusal::invalid(format!(
                    "case {case} is not about this alert's pupil"
                )));
            }
            let note = CaseAction {
                kind: ActionKind::Note,
                on: now.date(),
                by,
                summary: format!(
                    "Alert added: {}: {}",
                    item.finding.rule.name().replace('_', " "),
                    item.finding.evidence.summary
                ),
                details: ActionDetails::None,
                review_on: None,
                document: None,
                recorded: actor.recorded_at(now),
            };
            store.dispose_alert(
                school.id,
                &AlertDisposition {
                    finding: item.key,
                    pupil: item.pupil.id,
                    disposition: Disposition::Case(case),
                    recorded: actor.recorded_at(now),
                },
                Some(&note),
            )?;
            Ok(())
        })
    }

    /// Opens a case by hand for a pupil in reach, for a reason.
    pub fn open_case_by_hand(&self, actor: &Actor, form: &OpenCaseForm) -> Result<i64, Refusal> {
        actor.require(Permission::Casework)?;
        let Some(reason) = text_or(&form.reason) else {
            return Err(Refusal::invalid("say why the case is opened"));
        };
        let now = self.now();
        self.with_store(|store| {
            let school = school_details(store, actor)?;
            let pupil = typed_pupil(store, actor, school.id, &form.upn)?;
            let because = OpenedBecause::ByHand {
                reason: reason.to_owned(),
            };
            open_new(
                store,
                actor,
                &school,
                now,
                &pupil,
                because,
                form,
                format!("Opened by hand: {reason}"),
            )
        })
    }

    /// The cases of the pupils the actor reaches: open and closed; only the actor's own with
    /// `mine`, only one pupil's with `upn`.
    pub fn case_list(&self, actor: &Actor, mine: bool, upn: &str) -> Result<CaseList, Refusal> {
        actor.require(Permission::Casework)?;
        self.reading(|store| {
            let school = school_details(store, actor)?;
            let only = match text_or(upn) {
                Some(u) => Some(typed_pupil(store, actor, school.id, u)?.id),
                None => None,
            };
            let pupils = reached(store, actor, &school)?;
            let ladder = domain::ladder(store, school.id)?;
            let mut list = CaseList {
                open: Vec::new(),
                closed: Vec::new(),
            };
            for case in store.cases(school.id, only)? {
                let Some(p) = pupils.get(&case.case.pupil).cloned() else {
                    continue;
                };
                if mine && Some(case.case.owner) != actor.user {
                    continue;
                }
                let s = summary(case, p, &ladder);
                if s.case.is_open() {
                    list.open.push(s);
                } else {
                    list.closed.push(s);
                }
            }
            list.open
                .sort_by_key(|s| (s.next_review.is_none(), s.next_review, s.case.id));
            list.closed.reverse();
            Ok(list)
        })
    }

    /// The actor's list today: on each open case they own, reviews due today or overdue and the
    /// actions its stage expects that have not been done since it reached the stage.
    pub fn cases_due(&self, actor: &Actor) -> Result<Vec<DueCase>, Refusal> {
        actor.require(Permission::Casework)?;
        let today = self.now().date();
        let user = me(actor)?;
        self.reading(|store| {
            let school = school_details(store, actor)?;
            let pupils = reached(store, actor, &school)?;
            let ladder = domain::ladder(store, school.id)?;
            let mut out = Vec::new();
            for case in store.cases(school.id, None)? {
                if case.case.owner != user || !case.is_open() {
                    continue;
                }
                let Some(p) = pupils.get(&case.case.pupil).cloned() else {
                    continue;
                };
                let due = domain::due_on(&case, &ladder, today);
                if !due.is_empty() {
                    out.push(DueCase {
                        case: summary(case, p, &ladder),
                        due,
                    });
                }
            }
            Ok(out)
        })
    }

    /// The case page.
    pub fn case_page(&self, actor: &Actor, id: i64) -> Result<CasePage, Refusal> {
        actor.require(Permission::Casework)?;
        let today = self.now().date();
        self.reading(|store| {
            let school = school_details(store, actor)?;
            let (case, pupil) = reached_case(store, actor, &school, id)?;
            let ladder = domain::ladder(store, school.id)?;
            let calendar = store.calendar(school.id)?;
            let (year_to_date, marks) = year_to_date(store, &school, &pupil, today)?;
            let start = rollcall_core::dates::academic_year_start(
                rollcall_core::dates::academic_year(case.case.opened_on),
            );
            let all_marks = if start
                < rollcall_core::dates::academic_year_start(rollcall_core::dates::academic_year(
                    today,
                )) {
                domain::pupil_marks(store, school.id, pupil.id, DateRange::between(start, today))?
            } else {
                marks
            };
            let impact = domain::impact(
                &calendar,
                &pupil.pupil,
                &all_marks,
                &case.actions,
                start,
                today,
            );
            let pupils = reached(store, actor, &school)?;
            let contacts = store.all_contacts(school.id)?;
            let all_cases = store.cases(school.id, None)?;
            let siblings = domain::siblings_by_contact(&contacts, pupil.id)
                .into_iter()
                .filter_map(|id| pupils.get(&id).cloned())
                .map(|p| {
                    let open = all_cases
                        .iter()
                        .rev()
                        .find(|c| c.case.pupil == p.id && c.is_open())
                        .map(|c| c.id);
                    Sibling {
                        linked: open.is_some_and(|c| case.linked.contains(&c)),
                        case: open,
                        pupil: p,
                    }
                })
                .collect();
            let linked = all_cases
                .into_iter()
                .filter(|c| case.linked.contains(&c.id))
                .filter_map(|c| {
                    let p = pupils.get(&c.case.pupil).cloned()?;
                    Some(summary(c, p, &ladder))
                })
                .collect();
            let position = ladder.position(&case.case.stage);
            let moves = if case.is_open() {
                ladder
                    .moves_from(&case.case.stage)
                    .into_iter()
                    .cloned()
                    .collect()
            } else {
                Vec::new()
            };
            let suggested_review = ladder
                .stage(&case.case.stage)
                .map(|s| domain::review_date(&calendar, &pupil.pupil, today, s.review));
            let due = domain::due_on(&case, &ladder, today);
            let contracts = store.contracts(school.id, Some(id))?;
            let owners = owners(store, &school)?;
            Ok(CasePage {
                case,
                pupil,
                ladder,
                position,
                moves,
                due,
                suggested_review,
                impact,
                year_to_date,
                siblings,
                linked,
                contracts,
                owners,
                today,
            })
        })
    }

    /// Logs an action on an open case.
    pub fn log_case_action(
        &self,
        actor: &Actor,
        id: i64,
        form: &ActionForm,
    ) -> Result<i64, Refusal> {
        actor.require(Permission::Casework)?;
        let now = self.now();
        let by = me(actor)?;
        let names: Vec<&str> = ActionKind::BY_HAND.iter().map(|k| k.as_str()).collect();
        let kind = parse_kind(
            "kind of action",
            &form.kind,
            |t| ActionKind::parse(t).filter(|k| ActionKind::BY_HAND.contains(k)),
            &names,
        )?;
        let on = day_or(&form.on, now.date())?;
        if on > now.date() {
            return Err(Refusal::invalid(format!(
                "{on} is still to come: log an action once it is done (a meeting booked is \
                 logged as invited)"
            )));
        }
        let review_on = match text_or(&form.review_on) {
            None => None,
            Some(t) => {
                let d = parse_day(t)?;
                if d < on {
                    return Err(Refusal::invalid(format!(
                        "the review date {d} is before the action's day {on}"
                    )));
                }
                Some(d)
            }
        };
        let details = match kind {
            ActionKind::Meeting => {
                let names: Vec<&str> = MeetingStatus::ALL.iter().map(|k| k.as_str()).collect();
                ActionDetails::Meeting {
                    status: parse_kind(
                        "meeting status",
                        &form.meeting_status,
                        MeetingStatus::parse,
                        &names,
                    )?,
                    attended: form.attended.trim().to_owned(),
                    minutes: form.minutes.trim().to_owned(),
                }
            }
            ActionKind::SupportOffered => {
                let names: Vec<&str> = SupportKind::ALL.iter().map(|k| k.as_str()).collect();
                ActionDetails::Support {
                    support: parse_kind(
                        "kind of support",
                        &form.support,
                        SupportKind::parse,
                        &names,
                    )?,
                    note: form.support_note.trim().to_owned(),
                }
            }
            _ => ActionDetails::None,
        };
        let summary = match (text_or(&form.summary), &details) {
            (Some(s), _) => s.to_owned(),
            (None, ActionDetails::Meeting { status, .. }) => format!("Meeting: {}", status.label()),
            (None, ActionDetails::Support { support, .. }) => {
                format!("Support offered: {}", support.label())
            }
            (None, ActionDetails::None) => {
                return Err(Refusal::invalid("say what was done"));
            }
        };
        self.with_store(|store| {
            let school = school_details(store, actor)?;
            open_case(store, actor, &school, id)?;
            let action = CaseAction {
                kind,
                on,
                by,
                summary,
                details,
                review_on,
                document: None,
                recorded: actor.recorded_at(now),
            };
            Ok(store.add_case_action(school.id, id, &action)?)
        })
    }

    /// Records a review as done, with what it found.
    pub fn complete_case_review(
        &self,
        actor: &Actor,
        id: i64,
        action: i64,
        note: &str,
    ) -> Result<(), Refusal> {
        actor.require(Permission::Casework)?;
        let Some(note) = text_or(note) else {
            return Err(Refusal::invalid("say what the review found"));
        };
        let now = self.now();
        self.with_store(|store| {
            let school = school_details(store, actor)?;
            let (case, _) = open_case(store, actor, &school, id)?;
            let Some(a) = case.actions.iter().find(|a| a.id == action) else {
                return Err(Refusal::NotFound(format!(
                    "case {id} has no action {action}"
                )));
            };
            if a.review_due().is_none() {
                return Err(Refusal::invalid("this action has no review waiting"));
            }
            store.complete_review(
                school.id,
                action,
                &ReviewDone {
                    on: now.date(),
                    note: note.to_owned(),
                    recorded: actor.recorded_at(now),
                },
            )?;
            Ok(())
        })
    }

    /// Moves a case to another stage, as the ladder allows (the next, back, or one it may skip
    /// to), logging the change with the stage's review date.
    pub fn move_case_stage(
        &self,
        actor: &Actor,
        id: i64,
        stage: &str,
        note: &str,
    ) -> Result<(), Refusal> {
        actor.require(Permission::Casework)?;
        let now = self.now();
        let by = me(actor)?;
        self.with_store(|store| {
            let school = school_details(store, actor)?;
            let (case, pupil) = open_case(store, actor, &school, id)?;
            let ladder = domain::ladder(store, school.id)?;
            let target = ladder
                .check_move(&case.case.stage, stage.trim())
                .map_err(Refusal::invalid)?
                .clone();
            let calendar = store.calendar(school.id)?;
            let from = ladder
                .stage(&case.case.stage)
                .map_or_else(|| case.case.stage.clone(), |s| s.name.clone());
            let mut summary = format!("Moved from {from} to {}", target.name);
            if let Some(n) = text_or(note) {
                summary.push_str(&format!(": {n}"));
            }
            let action = CaseAction {
                kind: ActionKind::StageChange,
                on: now.date(),
                by,
                summary,
                details: ActionDetails::None,
                review_on: Some(domain::review_date(
                    &calendar,
                    &pupil.pupil,
                    now.date(),
                    target.review,
                )),
                document: None,
                recorded: actor.recorded_at(now),
            };
            store.change_stage(school.id, id, &target.key, &action)?;
            Ok(())
        })
    }

    /// Links the case to another case the actor reaches (a sibling's); both show the link.
    pub fn link_case(&self, actor: &Actor, id: i64, other: i64) -> Result<(), Refusal> {
        actor.require(Permission::Casework)?;
        self.with_store(|store| {
            let school = school_details(store, actor)?;
            reached_case(store, actor, &school, id)?;
            reached_case(store, actor, &school, other)?;
            if id == other {
                return Err(Refusal::invalid("a case cannot be linked to itself"));
            }
            store.link_cases(school.id, id, other)?;
            Ok(())
        })
    }

    /// Closes a case with its outcome; it stays in the record.
    pub fn close_case(
        &self,
        actor: &Actor,
        id: i64,
        outcome: &str,
        note: &str,
    ) -> Result<(), Refusal> {
        actor.require(Permission::Casework)?;
        let names: Vec<&str> = CaseOutcome::ALL.iter().map(|k| k.as_str()).collect();
        let outcome = parse_kind("case outcome", outcome, CaseOutcome::parse, &names)?;
        if outcome == CaseOutcome::Other && text_or(note).is_none() {
            return Err(Refusal::invalid("say how the case ended"));
        }
        let now = self.now();
        self.with_store(|store| {
            let school = school_details(store, actor)?;
            open_case(store, actor, &school, id)?;
            store.close_case(
                school.id,
                id,
                &CaseClosure {
                    on: now.date(),
                    outcome,
                    note: note.trim().to_owned(),
                    recorded: actor.recorded_at(now),
                },
            )?;
            Ok(())
        })
    }

    /// Records an attendance or parenting contract agreed on an open case, and logs it on the
    /// case with its review date, so that the review appears on the owner's list on that day.
    pub fn record_contract(
        &self,
        actor: &Actor,
        id: i64,
        form: &ContractForm,
    ) -> Result<i64, Refusal> {
        actor.require(Permission::Casework)?;
        let now = self.now();
        let by = me(actor)?;
        let today = now.date();
        let names: Vec<&str> = ContractKind::ALL.iter().map(|k| k.as_str()).collect();
        let kind = parse_kind("kind of contract", &form.kind, ContractKind::parse, &names)?;
        let Some(difficulties) = text_or(&form.difficulties) else {
            return Err(Refusal::invalid("write down the difficulties identified"));
        };
        let target_permille = percent_permille(&form.target)?;
        let start = day_or(&form.start, today)?;
        let review_on = day_or(&form.review_on, start + chrono::Days::new(21))?;
        if review_on <= start {
            return Err(Refusal::invalid(format!(
                "the review date {review_on} must come after the start {start}"
            )));
        }
        let mut actions = Vec::new();
        for (i, [party, action, owner, by_date]) in form.actions.iter().enumerate() {
            if [party, action, owner, by_date]
                .iter()
                .all(|t| t.trim().is_empty())
            {
                continue;
            }
            let (Some(party), Some(action)) = (text_or(party), text_or(action)) else {
                return Err(Refusal::invalid(format!(
                    "undertaking {}: give the party and what they will do",
                    i + 1
                )));
            };
            actions.push(ContractAction {
                party: party.to_owned(),
                action: action.to_owned(),
                owner: owner.trim().to_owned(),
                by: text_or(by_date).map(parse_day).transpose()?,
            });
        }
        if actions.is_empty() {
            return Err(Refusal::invalid(
                "a contract needs at least one undertaking",
            ));
        }
        let mut signatures = Vec::new();
        for [name, on] in &form.signatures {
            if let Some(name) = text_or(name) {
                signatures.push(Signature {
                    name: name.to_owned(),
                    on: day_or(on, start)?,
                });
            }
        }
        if signatures.is_empty() {
            return Err(Refusal::invalid("record who agreed to the contract"));
        }
        self.with_store(|store| {
            let school = school_details(store, actor)?;
            open_case(store, actor, &school, id)?;
            let contract = Contract {
                case: id,
                kind,
                difficulties: difficulties.to_owned(),
                actions,
                target_permille,
                start,
                review_on,
                signatures,
                recorded: actor.recorded_at(now),
            };
            let mut summary = format!(
                "{} agreed: target {}, review on {review_on}",
                kind.label(),
                permille_text(target_permille)
            );
            if let Some(basis) = kind.basis() {
                summary.push_str(&format!(" (under {basis})"));
            }
            let action = CaseAction {
                kind: ActionKind::Contract,
                on: start.min(today),
                by,
                summary,
                details: ActionDetails::None,
                review_on: Some(review_on),
                document: None,
                recorded: actor.recorded_at(now),
            };
            let (contract, _) = store.save_contract(school.id, &contract, &action)?;
            Ok(contract)
        })
    }

    /// A contract with the attendance since it began, for printing and review.
    pub fn contract_page(
        &self,
        actor: &Actor,
        id: i64,
        contract: i64,
    ) -> Result<ContractPage, Refusal> {
        actor.require(Permission::Casework)?;
        let today = self.now().date();
        self.reading(|store| {
            let school = school_details(store, actor)?;
            let (case, pupil) = reached_case(store, actor, &school, id)?;
            let Some(c) = store
                .contracts(school.id, Some(id))?
                .into_iter()
                .find(|c| c.id == contract)
            else {
                return Err(Refusal::NotFound(format!(
                    "case {id} has no contract {contract}"
                )));
            };
            let since = contract_counts(store, &school, &pupil, &c, today)?;
            let met = domain::meets_target(domain::attended(&since), c.contract.target_permille);
            let ladder = domain::ladder(store, school.id)?;
            Ok(ContractPage {
                contract: c,
                case: summary(case, pupil, &ladder),
                school,
                since,
                met,
                today,
            })
        })
    }

    /// Reviews a contract, judged on the marks since it began: continue (with a new review in
    /// three weeks), ended as met, or ended as broken, which moves the case to the ladder's next
    /// stage.
    pub fn review_contract(
        &self,
        actor: &Actor,
        id: i64,
        contract: i64,
        decision: &str,
        note: &str,
    ) -> Result<(), Refusal> {
        actor.require(Permission::Casework)?;
        let names: Vec<&str> = ContractDecision::ALL.iter().map(|k| k.as_str()).collect();
        let decision = parse_kind("decision", decision, ContractDecision::parse, &names)?;
        let now = self.now();
        let today = now.date();
        let by = me(actor)?;
        self.with_store(|store| {
            let school = school_details(store, actor)?;
            let (case, pupil) = open_case(store, actor, &school, id)?;
            let Some(c) = store
                .contracts(school.id, Some(id))?
                .into_iter()
                .find(|c| c.id == contract)
            else {
                return Err(Refusal::NotFound(format!(
                    "case {id} has no contract {contract}"
                )));
            };
            if c.ended() {
                return Err(Refusal::invalid("this contract has ended"));
            }
            let since = contract_counts(store, &school, &pupil, &c, today)?;
            let attended = domain::attended(&since);
            let met = domain::meets_target(attended, c.contract.target_permille);
            let ladder = domain::ladder(store, school.id)?;
            let next = match decision {
                ContractDecision::EndedBroken => ladder.next(&case.case.stage).cloned(),
                _ => None,
            };
            let mut summary = format!(
                "{} reviewed: {} of {} sessions since {} against a target of {} ({}); {}",
                c.contract.kind.label(),
                attended.present,
                attended.possible,
                c.contract.start,
                permille_text(c.contract.target_permille),
                if met { "met" } else { "not met" },
                decision.label()
            );
            if let Some(s) = &next {
                summary.push_str(&format!("; the case moves to {}", s.name));
            }
            if let Some(n) = text_or(note) {
                summary.push_str(&format!(". {n}"));
            }
            let action = CaseAction {
                kind: ActionKind::ContractReview,
                on: today,
                by,
                summary,
                details: ActionDetails::None,
                review_on: (decision == ContractDecision::Continue)
                    .then(|| today + chrono::Days::new(21)),
                document: Some(contract),
                recorded: actor.recorded_at(now),
            };
            let review = ContractReview {
                on: today,
                attended,
                met,
                note: note.trim().to_owned(),
                decision,
                recorded: actor.recorded_at(now),
            };
            store.review_contract(
                school.id,
                contract,
                &review,
                &action,
                next.as_ref().map(|s| s.key.as_str()),
            )?;
            Ok(())
        })
    }
}

/// `95%`, `92.5%`.
pub fn permille_text(permille: u32) -> String {
    match permille % 10 {
        0 => format!("{}%", permille / 10),
        t => format!("{}.{t}%", permille / 10),
    }
}

fn contract_counts(
    store: &mut dyn Store,
    school: &School,
    pupil: &StoredPupil,
    c: &StoredContract,
    today: Date,
) -> Result<Counts, Refusal> {
    let calendar = store.calendar(school.id)?;
    let marks = domain::pupil_marks(
        store,
        school.id,
        pupil.id,
        DateRange::between(c.contract.start, today),
    )?;
    Ok(domain::counts_between(
        &calendar,
        &pupil.pupil,
        &marks,
        c.contract.start,
        today,
    ))
}

#[allow(clippy::too_many_arguments)]
fn open_new(
    store: &mut dyn Store,
    actor: &Actor,
    school: &School,
    now: chrono::NaiveDateTime,
    pupil: &StoredPupil,
    because: OpenedBecause,
    form: &OpenCaseForm,
    note: String,
) -> Result<i64, Refusal> {
    let by = me(actor)?;
    let ladder = domain::ladder(store, school.id)?;
    let stage = match text_or(&form.stage) {
        None => ladder.first().clone(),
        Some(k) => ladder.may_open_on(k).map_err(Refusal::invalid)?.clone(),
    };
    if store
        .cases(school.id, Some(pupil.id))?
        .iter()
        .any(StoredCase::is_open)
    {
        return Err(Refusal::invalid(format!(
            "{} {} has an open case already: add to it",
            pupil.pupil.forename, pupil.pupil.surname
        )));
    }
    let owner = owner_of(store, actor, school, &form.owner)?;
    let today = now.date();
    let (counts, _) = year_to_date(store, school, pupil, today)?;
    let calendar = store.calendar(school.id)?;
    let case = CaseOpening {
        pupil: pupil.id,
        owner,
        stage: stage.key.clone(),
        opened_on: today,
        because,
        attendance: domain::attended(&counts),
        recorded: actor.recorded_at(now),
    };
    let first = CaseAction {
        kind: ActionKind::Note,
        on: today,
        by,
        summary: note,
        details: ActionDetails::None,
        review_on: Some(domain::review_date(
            &calendar,
            &pupil.pupil,
            today,
            stage.review,
        )),
        document: None,
        recorded: actor.recorded_at(now),
    };
    Ok(store.open_case(school.id, &case, &first)?)
}

/// The worklist item with `key` among the current findings the actor reaches.
fn current_item(
    store: &mut dyn Store,
    actor: &Actor,
    school: &School,
    now: chrono::NaiveDateTime,
    key: &str,
) -> Result<WorklistItem, Refusal> {
    let filter = WorklistFilter {
        all: true,
        ..WorklistFilter::default()
    };
    worklist(store, actor, school, now, &filter)?
        .items
        .into_iter()
        .find(|i| i.key == key.trim())
        .ok_or_else(|| Refusal::NotFound("that alert is not on your worklist today".into()))
}

fn worklist(
    store: &mut dyn Store,
    actor: &Actor,
    school: &School,
    now: chrono::NaiveDateTime,
    filter: &WorklistFilter,
) -> Result<Worklist, Refusal> {
    let as_of = now.date();
    let rule = match text_or(&filter.rule) {
        None => None,
        Some(r) => Some(
            Rule::from_name(r).ok_or_else(|| Refusal::invalid(format!("'{r}' is not a rule")))?,
        ),
    };
    let pupils = reached(store, actor, school)?;
    let by_upn: HashMap<String, StoredPupil> = pupils
        .values()
        .map(|p| (p.pupil.upn.to_string(), p.clone()))
        .collect();
    let query = AlertQuery {
        all_rules: true,
        upn: None,
        rule: None,
    };
    let findings = school_view::findings(store, school, as_of, now, &query)?;
    let last_looked = match actor.user {
        Some(u) => store.alerts_seen_at(school.id, u)?,
        None => None,
    };
    let looked_on = last_looked.map(|t| {
        t.with_timezone(&rollcall_core::dates::SCHOOL_TIME_ZONE)
            .date_naive()
    });
    let dispositions: HashMap<String, AlertDisposition> = store
        .alert_dispositions(school.id)?
        .into_iter()
        .map(|d| (d.finding.clone(), d))
        .collect();
    let open_cases: HashMap<PupilId, i64> = store
        .cases(school.id, None)?
        .into_iter()
        .filter(StoredCase::is_open)
        .map(|c| (c.case.pupil, c.id))
        .collect();
    let mut list = Worklist {
        as_of,
        items: Vec::new(),
        last_looked,
        dealt_with: 0,
        rules: Vec::new(),
        years: Vec::new(),
        forms: Vec::new(),
    };
    for finding in findings {
        let Some(pupil) = by_upn.get(&finding.upn).cloned() else {
            continue;
        };
        let rule_name = finding.rule.name().to_owned();
        let year = pupil.pupil.year_group.to_string();
        let form = pupil.pupil.form.clone().unwrap_or_default();
        for (list, v) in [
            (&mut list.rules, &rule_name),
            (&mut list.years, &year),
            (&mut list.forms, &form),
        ] {
            if !v.is_empty() && !list.contains(v) {
                list.push(v.clone());
            }
        }
        if rule.is_some_and(|r| r != finding.rule)
            || text_or(&filter.year).is_some_and(|y| !y.eq_ignore_ascii_case(&year))
            || text_or(&filter.form).is_some_and(|f| !f.eq_ignore_ascii_case(&form))
        {
            continue;
        }
        let key = domain::worklist_key(&finding);
        let disposition = dispositions.get(&key).cloned();
        if disposition.is_some() && !filter.all {
            list.dealt_with += 1;
            continue;
        }
        list.items.push(WorklistItem {
            new: looked_on.is_none_or(|d| finding.date > d),
            open_case: open_cases.get(&pupil.id).copied(),
            key,
            finding,
            pupil,
            disposition,
        });
    }
    list.rules.sort();
    list.forms.sort();
    list.years.sort();
    // Newest first: what arrived since the last look at the top.
    list.items
        .sort_by(|a, b| b.finding.date.cmp(&a.finding.date).then(a.key.cmp(&b.key)));
    Ok(list)
}
