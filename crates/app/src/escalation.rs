//! Escalation by the clock when nobody is reached about an absence (follow-up.md, "First-day
//! calling"): the school's calling policy, and the steps it makes due.
//!
//! - A vulnerable pupil ([`crate::calling::vulnerable`]) absent with no reason known and nobody
//!   reached by the set time (10:00 unless the policy says otherwise) is flagged to the
//!   designated safeguarding lead, once a day.
//! - No contact by that time on the set day of a run of unexplained absence (the second unless
//!   the policy says otherwise; 003 visits on day 2, 004 "on the first day where possible")
//!   opens a home visit, once per run.
//! - A home visit closed without contact opens a children-missing-education enquiry with the
//!   local authority.
//!
//! A run of unexplained absence is today (the pupil is on today's list) and the school days in a
//! row before it on which the pupil has an `N`; a day whose registers hold nothing for the pupil
//! ends the run, as it is not known to be an absence. The first day of the run names the visit
//! and the enquiry. Steps are worked out from the register and the calling log whenever the calling
//! list or the safeguarding page is read after the set time, and saved once (dated at the set
//! time of the day they became due), owned by the school's safeguarding lead.

use std::collections::HashMap;

use chrono::{NaiveDateTime, NaiveTime};
use rollcall_core::{BaseCode, Calendar, Date, Session};
use rollcall_store::{EscalationKind, PupilId, PupilMarkFact, SchoolId, Store};
use toml::{Table, Value};

use crate::calling::ToCall;
use crate::error::{AppError, InputError, Result};

/// When an absence nobody has explained is escalated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallingPolicy {
    /// A vulnerable pupil with no contact by this time is flagged to the safeguarding lead.
    pub flag_by: NaiveTime,
    /// No contact by [`CallingPolicy::flag_by`] on this day of an unexplained absence (1 is the
    /// first day) opens a home visit.
    pub home_visit_on_day: u32,
}

/// The time a vulnerable pupil nobody has reached is flagged by: 10:00.
pub const DEFAULT_FLAG_BY: (u32, u32) = (10, 0);
/// The day of unexplained absence a home visit is made on: the second (003).
pub const DEFAULT_HOME_VISIT_DAY: u32 = 2;
/// The latest day a policy may put the home visit on.
pub const MAX_HOME_VISIT_DAY: u32 = 10;
/// How many school days back a run of unexplained absence is followed to its first day.
pub const RUN_LOOK_BACK_DAYS: u64 = 42;

impl Default for CallingPolicy {
    fn default() -> CallingPolicy {
        CallingPolicy {
            flag_by: NaiveTime::from_hms_opt(DEFAULT_FLAG_BY.0, DEFAULT_FLAG_BY.1, 0)
                .unwrap_or(NaiveTime::MIN),
            home_visit_on_day: DEFAULT_HOME_VISIT_DAY,
        }
    }
}

/// The settings of a policy file's `[calling]` table.
pub const CALLING_KEYS: &[&str] = &["flag_vulnerable_by", "home_visit_on_day"];

/// Reads the `[calling]` table of a policy file (already merged with the defaults); a setting
/// left out keeps its default.
///
/// ```toml
/// [calling]
/// flag_vulnerable_by = "10:00"   # a vulnerable pupil nobody has reached by then is flagged
/// home_visit_on_day = 2          # no contact on this day of the absence: a home visit
/// ```
pub fn calling_policy_from_table(
    file: &str,
    table: &Table,
) -> std::result::Result<CallingPolicy, Vec<InputError>> {
    let mut policy = CallingPolicy::default();
    let Some(calling) = table.get("calling") else {
        return Ok(policy);
    };
    let mut errors = Vec::new();
    let mut err = |field: &str, message: String| {
        errors.push(InputError::new(
            file,
            None,
            Some(&format!("calling.{field}")),
            message,
        ))
    };
    let Some(calling) = calling.as_table() else {
        err(
            "",
            "expected a [calling] table with flag_vulnerable_by and home_visit_on_day".into(),
        );
        return Err(errors);
    };
    for (key, value) in calling {
        match (key.as_str(), value) {
            ("flag_vulnerable_by", Value::String(s)) => {
                match NaiveTime::parse_from_str(s.trim(), "%H:%M") {
                    Ok(t) => policy.flag_by = t,
                    Err(_) => err(
                        key,
                        format!("'{s}' is not a time of day; expected HH:MM, e.g. \"10:00\""),
                    ),
                }
            }
            ("flag_vulnerable_by", other) => err(
                key,
                format!("{other} is not a time of day; expected HH:MM in quotes, e.g. \"10:00\""),
            ),
            ("home_visit_on_day", Value::Integer(n))
                if (1..=i64::from(MAX_HOME_VISIT_DAY)).contains(n) =>
            {
                policy.home_visit_on_day = u32::try_from(*n).unwrap_or(DEFAULT_HOME_VISIT_DAY);
            }
            ("home_visit_on_day", other) => err(
                key,
                format!(
                    "{other} is not a day of absence; expected a whole number from 1 (the first \
                     day) to {MAX_HOME_VISIT_DAY}"
                ),
            ),
            (other, _) => err(
                other,
                format!(
                    "unknown setting; expected any of {}",
                    CALLING_KEYS.join(", ")
                ),
            ),
        }
    }
    if errors.is_empty() {
        Ok(policy)
    } else {
        Err(errors)
    }
}

/// The school's calling policy: the `[calling]` table of its policy, or of the defaults it
/// inherits, or the defaults of [`CallingPolicy::default`].
pub fn calling_policy(store: &mut dyn Store, school: SchoolId) -> Result<CallingPolicy> {
    let merged = crate::alerts::merged_policy_table(store, school)?;
    calling_policy_from_table("the stored policy", &merged).map_err(AppError::Input)
}

/// A step due by the clock, not yet saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueStep {
    pub pupil: PupilId,
    pub kind: EscalationKind,
    /// The day it is about (see [`rollcall_store::Escalation::about`]).
    pub about: Date,
    /// Why it is due, in words.
    pub reason: String,
    /// When it became due.
    pub due: NaiveDateTime,
}

/// The run of unexplained absence of a pupil up to `today`: how many school days, and the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    pub days: u32,
    pub first: Date,
}

/// Each pupil's run of unexplained absence ending `today` (today counted as one day of it, as
/// the pupil is on today's list), from the register's facts of the days before (`facts`, at
/// least [`RUN_LOOK_BACK_DAYS`] back).
pub fn runs(
    calendar: &Calendar,
    today: Date,
    list: &[ToCall],
    facts: &[PupilMarkFact],
) -> HashMap<PupilId, Run> {
    let listed: std::collections::HashSet<PupilId> = list.iter().map(|t| t.pupil.id).collect();
    let mut by_day: HashMap<(PupilId, Date), Vec<BaseCode>> = HashMap::new();
    for f in facts.iter().filter(|f| listed.contains(&f.pupil)) {
        by_day
            .entry((f.pupil, f.fact.date))
            .or_default()
            .push(f.fact.code);
    }
    let mut out = HashMap::new();
    for t in list {
        let p = &t.pupil.pupil;
        let mut run = Run {
            days: 1,
            first: today,
        };
        let mut day = today;
        for _ in 0..RUN_LOOK_BACK_DAYS {
            let Some(before) = day.pred_opt() else { break };
            day = before;
            let sessions: Vec<Session> = Session::BOTH
                .into_iter()
                .filter(|s| calendar.is_school_session(day, *s, p.year_group))
                .collect();
            if sessions.is_empty() {
                continue;
            }
            if !p.on_roll(day) {
                break;
            }
            // A day whose registers hold nothing for the pupil is not known to be an absence.
            let unexplained = by_day
                .get(&(t.pupil.id, day))
                .is_some_and(|codes| codes.contains(&BaseCode::N));
            if !unexplained {
                break;
            }
            run.days += 1;
            run.first = day;
        }
        out.insert(t.pupil.id, run);
    }
    out
}

/// When steps fall due on `day`: the policy's time, or the morning register's close
/// (`closes`) if that is later.
pub fn due_at(policy: &CallingPolicy, day: Date, closes: NaiveDateTime) -> NaiveDateTime {
    day.and_time(policy.flag_by).max(closes)
}

/// The steps due at `now` for the pupils of today's morning list (`list`, the whole school's,
/// after its register closed at `closes`), given each one's run of absence.
pub fn due_steps(
    policy: &CallingPolicy,
    list: &[ToCall],
    runs: &HashMap<PupilId, Run>,
    closes: NaiveDateTime,
    now: NaiveDateTime,
) -> Vec<DueStep> {
    let due = due_at(policy, now.date(), closes);
    if now < due {
        return Vec::new();
    }
    let by = rollcall_core::calendar::format_time(policy.flag_by);
    let mut steps = Vec::new();
    for t in list.iter().filter(|t| !t.contact_made()) {
        let id = t.pupil.id;
        if !t.vulnerable.is_empty() {
            steps.push(DueStep {
                pupil: id,
                kind: EscalationKind::SafeguardingFlag,
                about: now.date(),
                reason: format!(
                    "Vulnerable ({}), absent with no reason known and nobody reached by {by}",
                    t.vulnerable.join(", ")
                ),
                due,
            });
        }
        let run = runs.get(&id).copied().unwrap_or(Run {
            days: 1,
            first: now.date(),
        });
        if run.days >= policy.home_visit_on_day {
            steps.push(DueStep {
                pupil: id,
                kind: EscalationKind::HomeVisit,
                about: run.first,
                reason: format!(
                    "Day {} of an absence with no reason known, and nobody reached by {by}",
                    run.days
                ),
                due,
            });
        }
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn the_defaults_are_ten_oclock_and_the_second_day() {
        let p = calling_policy_from_table("p.toml", &Table::new()).unwrap();
        assert_eq!(p, CallingPolicy::default());
        assert_eq!(rollcall_core::calendar::format_time(p.flag_by), "10:00");
        assert_eq!(p.home_visit_on_day, 2);
    }

    #[test]
    fn a_policy_may_set_the_time_and_the_day() {
        let p = calling_policy_from_table(
            "p.toml",
            &table("[calling]\nflag_vulnerable_by = \"09:30\"\nhome_visit_on_day = 1\n"),
        )
        .unwrap();
        assert_eq!(rollcall_core::calendar::format_time(p.flag_by), "09:30");
        assert_eq!(p.home_visit_on_day, 1);
    }

    #[test]
    fn a_run_goes_back_over_days_marked_n_and_skips_days_without_school() {
        use rollcall_core::marks::MarkFact;
        use rollcall_core::{parse_date, Calendar, HalfTerm, Pupil, Upn, YearGroup};
        use rollcall_store::StoredPupil;

        let d = |s: &str| parse_date(s).unwrap();
        let calendar = Calendar::new(
            vec![HalfTerm {
                name: "Summer 2".into(),
                start: d("2025-06-02"),
                end: d("2025-07-22"),
            }],
            vec![],
        )
        .unwrap();
        let pupil = |n: i64| ToCall {
            pupil: StoredPupil {
                id: PupilId(n),
                pupil: Pupil::new(
                    Upn::with_check_letter(&format!("82240000000{n}")).unwrap(),
                    "Smith",
                    "Sam",
                    d("2013-01-01"),
                    YearGroup::Year(7),
                    d("2024-09-01"),
                ),
            },
            code: Some(BaseCode::N),
            vulnerable: vec![],
            contacts: vec![],
            attempts: vec![],
            messages: vec![],
            expected_back: None,
        };
        let fact = |n: i64, date: &str, session, code| PupilMarkFact {
            pupil: PupilId(n),
            fact: MarkFact {
                date: d(date),
                session,
                code,
            },
        };
        // Tuesday 8 July 2025. Pupil 1: N on Monday, and on Friday before the weekend, present on
        // Thursday. Pupil 2: present on Monday. Pupil 3: nothing recorded on Monday.
        let facts = [
            fact(1, "2025-07-07", Session::Am, BaseCode::N),
            fact(1, "2025-07-07", Session::Pm, BaseCode::N),
            fact(1, "2025-07-04", Session::Am, BaseCode::PresentAm),
            fact(1, "2025-07-04", Session::Pm, BaseCode::N),
            fact(1, "2025-07-03", Session::Am, BaseCode::PresentAm),
            fact(1, "2025-07-03", Session::Pm, BaseCode::PresentPm),
            fact(2, "2025-07-07", Session::Am, BaseCode::PresentAm),
        ];
        let list = [pupil(1), pupil(2), pupil(3)];
        let runs = runs(&calendar, d("2025-07-08"), &list, &facts);
        assert_eq!(
            runs[&PupilId(1)],
            Run {
                days: 3,
                first: d("2025-07-04")
            }
        );
        for n in [2, 3] {
            assert_eq!(
                runs[&PupilId(n)],
                Run {
                    days: 1,
                    first: d("2025-07-08")
                }
            );
        }
        // The second day of no contact makes a home visit due for pupil 1 only.
        let closes = d("2025-07-08").and_hms_opt(9, 10, 0).unwrap();
        let at = |h, m| d("2025-07-08").and_hms_opt(h, m, 0).unwrap();
        let policy = CallingPolicy::default();
        assert!(due_steps(&policy, &list, &runs, closes, at(9, 59)).is_empty());
        let due = due_steps(&policy, &list, &runs, closes, at(10, 0));
        assert_eq!(due.len(), 1);
        assert_eq!(
            (due[0].pupil, due[0].kind, due[0].about),
            (PupilId(1), EscalationKind::HomeVisit, d("2025-07-04"))
        );
        assert_eq!(due[0].due, at(10, 0));
    }

    #[test]
    fn bad_settings_are_named() {
        let errors = calling_policy_from_table(
            "p.toml",
            &table("[calling]\nflag_vulnerable_by = \"ten\"\nhome_visit_on_day = 0\nvisit = 3\n"),
        )
        .unwrap_err();
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 3, "{text:?}");
        assert!(text.iter().any(|e| e.contains("calling.flag_vulnerable_by")
            && e.contains("'ten' is not a time of day")));
        assert!(text
            .iter()
            .any(|e| e.contains("calling.home_visit_on_day") && e.contains("from 1")));
        assert!(text
            .iter()
            .any(|e| e.contains("calling.visit") && e.contains("unknown setting")));
    }
}
