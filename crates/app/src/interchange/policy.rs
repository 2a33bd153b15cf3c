//! The attendance policy file (TOML): a school's targets, bands and own triggers, or a trust's
//! defaults that its schools inherit.
//!
//! ```toml
//! target = 96                          # attendance target, %
//! persistent_lateness = 6              # L + U sessions in one half term
//! disabled = ["attendance_band"]       # the school's own rules it does not use
//!
//! [penalty]                            # may only tighten the national 10 sessions in 10 school weeks
//! sessions = 8
//! weeks = 10
//!
//! [[bands]]
//! name = "green"
//! from = 96                            # attendance from (inclusive) …
//! to = 100                             # … to (exclusive; 100 is inclusive)
//! action = "Praise"
//!
//! [[local_penalties]]
//! name = "15 in a term"
//! sessions = 15
//! period = "term"                      # "term", "half_term" or "rolling" (with weeks = N)
//!
//! [calling]                            # escalation when nobody is reached (crate::escalation)
//! flag_vulnerable_by = "10:00"
//! home_visit_on_day = 2
//!
//! [leave]                              # what leave is weighed against (crate::leave)
//! notice_days = 28
//! religious_notice_days = 14
//! religious_days_per_occasion = 1
//! attendance_floor = 96                # %, or false for none
//!
//! [[casework.stage]]                   # the ladder of casework (crate::casework), lowest first
//! key = "first_letter"
//! name = "First official letter"
//! owner = "head_of_year"
//! actions = ["letter"]                 # kinds of action the stage expects
//! letter = "first_concern"             # its letter template, if any
//! review_school_days = 10              # or review_weeks = N
//! move_on = ["no_improvement", "below 90", "penalty_threshold", "unauthorised 10"]
//! skip_to = false                      # whether a case may jump straight to it
//! [rewards]                            # who earns which reward (crate::rewards)
//! given = ["full_term", "full_year", "most_improved", "best_form"]
//! lates_allowed = 3                    # L and U marks a 100% pupil may have; false: any
//! authorised_absence_disqualifies = true
//! minimum_possible = 20                # possible sessions needed in the period
//! improved_by = 5                      # percentage points that count as improved
//! improved_listed = 10                 # pupils the most improved list names (more if tied)
//!
//! [eligibility]                        # trips and events (crate::rewards)
//! threshold = 95                       # %, replaced by a pupil's own target where set
//! ```
//!
//! A school's file overrides the defaults setting by setting: a key it leaves out is inherited,
//! and a list it gives (bands, local penalties, disabled, the casework ladder) replaces the
//! inherited list.

use rollcall_rules::{Band, LocalPenalty, Period, Policy, Rate};
use toml::{Spanned, Table, Value};

use crate::error::InputError;

const TOP_KEYS: &[&str] = &[
    "target",
    "persistent_lateness",
    "disabled",
    "penalty",
    "bands",
    "local_penalties",
    "calling",
    "leave",
    "casework",
    "rewards",
    "eligibility",
];

/// Checks that a policy file is TOML with only known settings; returns its table.
pub fn read_policy_table(file: &str, text: &str) -> Result<Table, Vec<InputError>> {
    let table: Spanned<Table> = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        vec![InputError::new(
            file,
            line,
            None,
            format!("malformed TOML: {}", e.message()),
        )]
    })?;
    let mut errors = Vec::new();
    for key in table.get_ref().keys() {
        if !TOP_KEYS.contains(&key.as_str()) {
            let line = text
                .lines()
                .position(|l| l.trim_start().starts_with(key.as_str()))
                .map(|i| i + 1);
            errors.push(InputError::new(
                file,
                line,
                Some(key),
                format!(
                    "unknown setting '{key}'; expected any of {}",
                    TOP_KEYS.join(", ")
                ),
            ));
        }
    }
    if errors.is_empty() {
        Ok(table.into_inner())
    } else {
        Err(errors)
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The defaults with a school's settings laid over them.
pub fn overlay(defaults: &Table, school: &Table) -> Table {
    let mut merged = defaults.clone();
    for (k, v) in school {
        merged.insert(k.clone(), v.clone());
    }
    merged
}

/// Reads a policy from its (merged) table; `file` names it in messages.
pub fn policy_from_table(
    file: &str,
    table: &Table,
    version: u32,
) -> Result<Policy, Vec<InputError>> {
    let mut errors = Vec::new();
    let mut err = |field: &str, message: String| {
        errors.push(InputError::new(file, None, Some(field), message))
    };
    let mut policy = Policy::national();
    policy.version = version;
    let rate = |v: &Value| -> Result<Rate, String> {
        let text = match v {
            Value::Integer(n) => n.to_string(),
            Value::Float(f) => f.to_string(),
            Value::String(s) => s.clone(),
            other => {
                return Err(format!(
                    "{other} is not a percentage; expected e.g. 96 or 96.5"
                ))
            }
        };
        Rate::parse(&text).map_err(|e| e.0)
    };
    let count = |v: &Value| -> Result<u32, String> {
        match v {
            Value::Integer(n) => u32::try_from(*n)
                .map_err(|_| format!("{n} is not a whole number of sessions from 0")),
            other => Err(format!("{other} is not a whole number")),
        }
    };
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(|s| s.trim().to_owned());
    if let Some(v) = table.get("target") {
        match rate(v) {
            Ok(r) => policy.target = Some(r),
            Err(m) => err("target", m),
        }
    }
    if let Some(v) = table.get("persistent_lateness") {
        match count(v) {
            Ok(n) => policy.persistent_lateness = Some(n),
            Err(m) => err("persistent_lateness", m),
        }
    }
    if let Some(v) = table.get("disabled") {
        match v.as_array() {
            Some(items) => {
                policy.disabled = items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                    .collect()
            }
            None => err(
                "disabled",
                format!("{v} is not a list; expected e.g. [\"attendance_band\"]"),
            ),
        }
    }
    if let Some(v) = table.get("penalty") {
        match v.as_table() {
            Some(t) => {
                for (k, v) in t {
                    match (k.as_str(), count(v)) {
                        ("sessions", Ok(n)) => policy.penalty_sessions = Some(n),
                        ("weeks", Ok(n)) => policy.penalty_weeks = Some(n),
                        ("sessions" | "weeks", Err(m)) => err(&format!("penalty.{k}"), m),
                        (other, _) => err(
                            &format!("penalty.{other}"),
                            "unknown setting; expected sessions or weeks".into(),
                        ),
                    }
                }
            }
            None => err(
                "penalty",
                "expected a [penalty] table with sessions and weeks".into(),
            ),
        }
    }
    if let Some(v) = table.get("bands") {
        match v.as_array() {
            None => err("bands", "expected [[bands]] tables".into()),
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    let field = |k: &str| format!("bands[{}].{k}", i + 1);
                    unknown_keys(item, &["name", "from", "to", "action"], &field, &mut err);
                    let from = item.get("from").map(rate);
                    let to = item.get("to").map(rate);
                    match (from, to) {
                        (Some(Ok(from)), Some(Ok(to))) => policy.bands.push(Band {
                            name: text(item.get("name")).unwrap_or_default(),
                            from,
                            to,
                            action: text(item.get("action")).unwrap_or_default(),
                        }),
                        (from, to) => {
                            for (k, r) in [("from", from), ("to", to)] {
                                match r {
                                    None => err(&field(k), "missing; expected a percentage".into()),
                                    Some(Err(m)) => err(&field(k), m),
                                    Some(Ok(_)) => {}
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    if let Some(v) = table.get("local_penalties") {
        match v.as_array() {
            None => err(
                "local_penalties",
                "expected [[local_penalties]] tables".into(),
            ),
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    let field = |k: &str| format!("local_penalties[{}].{k}", i + 1);
                    unknown_keys(
                        item,
                        &["name", "sessions", "period", "weeks"],
                        &field,
                        &mut err,
                    );
                    let sessions = item.get("sessions").map(count);
                    let period = match text(item.get("period")).as_deref() {
                        Some("term") => Ok(Period::Term),
                        Some("half_term") => Ok(Period::HalfTerm),
                        Some("rolling") => match item.get("weeks").map(count) {
                            Some(Ok(w)) => Ok(Period::RollingSchoolWeeks(w)),
                            Some(Err(m)) => Err((field("weeks"), m)),
                            None => Err((field("weeks"), "missing; a rolling period needs weeks = N".into())),
                        },
                        other => Err((field("period"), format!("{} is not a period; expected \"term\", \"half_term\" or \"rolling\"", other.unwrap_or("nothing")))),
                    };
                    match (sessions, period) {
                        (Some(Ok(sessions)), Ok(period)) => {
                            policy.local_penalties.push(LocalPenalty {
                                name: text(item.get("name")).unwrap_or_default(),
                                sessions,
                                period,
                            })
                        }
                        (s, p) => {
                            match s {
                                None => err(
                                    &field("sessions"),
                                    "missing; expected a number of sessions".into(),
                                ),
                                Some(Err(m)) => err(&field("sessions"), m),
                                Some(Ok(_)) => {}
                            }
                            if let Err((f, m)) = p {
                                err(&f, m);
                            }
                        }
                    }
                }
            }
        }
    }
    if errors.is_empty() {
        if let Err(e) = policy.validate() {
            errors.push(InputError::new(file, None, None, e.to_string()));
        }
    }
    if errors.is_empty() {
        Ok(policy)
    } else {
        Err(errors)
    }
}

fn unknown_keys(
    item: &Value,
    known: &[&str],
    field: &dyn Fn(&str) -> String,
    err: &mut dyn FnMut(&str, String),
) {
    if let Some(t) = item.as_table() {
        for k in t.keys().filter(|k| !known.contains(&k.as_str())) {
            err(
                &field(k),
                format!("unknown setting; expected any of {}", known.join(", ")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
target = 96
persistent_lateness = 6

[penalty]
sessions = 8

[[bands]]
name = "green"
from = 96
to = 100
action = "Praise"

[[bands]]
name = "amber"
from = 90
to = 96
action = "Letter home"

[[local_penalties]]
name = "15 in a term"
sessions = 15
period = "term"
"#;

    #[test]
    fn reads_a_policy() {
        let t = read_policy_table("p.toml", GOOD).unwrap();
        let p = policy_from_table("p.toml", &t, 3).unwrap();
        assert_eq!(
            (
                p.version,
                p.bands.len(),
                p.penalty_sessions,
                p.persistent_lateness
            ),
            (3, 2, Some(8), Some(6))
        );
        assert_eq!(p.local_penalties[0].period, Period::Term);
    }

    #[test]
    fn bad_policies_are_refused_with_a_reason() {
        let cases = [
            (
                GOOD.replace("from = 90", "from = 92")
                    .replace("to = 96\naction = \"Letter", "to = 97\naction = \"Letter"),
                "overlap",
            ),
            (GOOD.replace("sessions = 8", "sessions = 12"), "penalty"),
            (
                format!("disabled = [\"penalty_threshold\"]\n{GOOD}"),
                "statutory",
            ),
            (
                format!("disabled = [\"no_such_rule\"]\n{GOOD}"),
                "unknown rule",
            ),
            (
                format!("{GOOD}colour = \"red\"\n"),
                "local_penalties[1].colour",
            ),
            (
                format!("colour = \"blue\"\n{GOOD}"),
                "unknown setting 'colour'",
            ),
        ];
        for (text, expected) in cases {
            let errors = read_policy_table("p.toml", &text)
                .and_then(|t| policy_from_table("p.toml", &t, 1))
                .unwrap_err();
            let all: String = errors.iter().map(|e| e.to_string()).collect();
            assert!(all.contains(expected), "expected «{expected}» in {all}");
        }
    }

    #[test]
    fn a_school_inherits_what_it_leaves_out() {
        let defaults =
            read_policy_table("d.toml", "target = 95\npersistent_lateness = 8\n").unwrap();
        let school = read_policy_table("s.toml", "persistent_lateness = 5\n").unwrap();
        let p = policy_from_table("s.toml", &overlay(&defaults, &school), 2).unwrap();
        assert_eq!(
            (p.target.map(|r| r.hundredths()), p.persistent_lateness),
            (Some(9500), Some(5))
        );
    }
}
