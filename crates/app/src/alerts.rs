//! From marks to duties: the school's policy and the rules engine, evaluated as of a date.

use std::collections::HashMap;
use std::path::Path;

use chrono::Utc;
use rollcall_core::marks::{MarkFact, Recorded};
use rollcall_core::Date;
use rollcall_rules::{evaluate, Finding, Policy, PupilRecord, Rule};
use rollcall_store::{DateRange, PupilId, School, SchoolId, Store, StoredPolicy};
use serde_json::json;

use crate::error::{AppError, InputError, Result};
use crate::escalation::calling_policy_from_table;
use crate::interchange::policy::{overlay, policy_from_table, read_policy_table};
use crate::table::{Cell, Table};
use crate::Actor;

/// The policy in force for a school: the database's defaults with the school's own laid over.
#[derive(Debug, Clone)]
pub struct EffectivePolicy {
    pub policy: Policy,
    pub defaults: Option<StoredPolicy>,
    pub own: Option<StoredPolicy>,
}

fn latest(store: &mut dyn Store, school: Option<SchoolId>) -> Result<Option<StoredPolicy>> {
    Ok(store.policies(school)?.pop())
}

fn table_of(stored: &Option<StoredPolicy>, name: &str) -> Result<toml::Table> {
    match stored {
        None => Ok(toml::Table::new()),
        Some(p) => read_policy_table(name, &p.text).map_err(AppError::Input),
    }
}

fn version(defaults: &Option<StoredPolicy>, own: &Option<StoredPolicy>) -> u32 {
    let v = defaults
        .iter()
        .chain(own)
        .map(|p| p.version)
        .max()
        .unwrap_or(0);
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// The defaults' policy table with the school's own laid over it, setting by setting.
pub(crate) fn merged_policy_table(store: &mut dyn Store, school: SchoolId) -> Result<toml::Table> {
    let defaults = latest(store, None)?;
    let own = latest(store, Some(school))?;
    Ok(overlay(
        &table_of(&defaults, "the stored defaults")?,
        &table_of(&own, "the stored school policy")?,
    ))
}

/// Checks a policy as it would stand: its rules, its calling settings, its limits for leave and
/// its casework ladder, its rules for rewards and eligibility.
fn check_policy(name: &str, table: &toml::Table) -> std::result::Result<(), Vec<InputError>> {
    policy_from_table(name, table, 0)?;
    calling_policy_from_table(name, table)?;
    crate::leave::leave_limits_from_table(name, table)?;
    crate::casework::ladder_from_table(name, table)?;
    crate::rewards::reward_rules_from_table(name, table)?;
    crate::rewards::eligibility_rules_from_table(name, table)?;
    Ok(())
}

pub fn effective_policy(store: &mut dyn Store, school: SchoolId) -> Result<EffectivePolicy> {
    let defaults = latest(store, None)?;
    let own = latest(store, Some(school))?;
    let merged = overlay(
        &table_of(&defaults, "the stored defaults")?,
        &table_of(&own, "the stored school policy")?,
    );
    let policy = policy_from_table("the stored policy", &merged, version(&defaults, &own))
        .map_err(AppError::Input)?;
    Ok(EffectivePolicy {
        policy,
        defaults,
        own,
    })
}

/// Saves a policy file for a school, or as the defaults every school inherits (`school` is
/// `None`), after checking it and every policy it would change.
pub fn save_policy(
    store: &mut dyn Store,
    school: Option<&School>,
    path: &Path,
    actor: &Actor,
) -> Result<i64> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| AppError::Io(format!("cannot read {name}: {e}")))?;
    let table = read_policy_table(&name, &text).map_err(AppError::Input)?;
    match school {
        Some(_) => {
            let defaults = table_of(&latest(store, None)?, "the stored defaults")?;
            check_policy(&name, &overlay(&defaults, &table)).map_err(AppError::Input)?;
        }
        None => {
            check_policy(&name, &table).map_err(AppError::Input)?;
            for s in store.schools()? {
                let own = table_of(&latest(store, Some(s.id))?, "a school's stored policy")?;
                check_policy(&name, &overlay(&table, &own)).map_err(|errors| {
                    AppError::Input(
                        errors
                            .into_iter()
                            .map(|mut e| {
                                e.message = format!(
                                    "with the policy of {} laid over it: {}",
                                    s.details.name, e.message
                                );
                                e
                            })
                            .collect(),
                    )
                })?;
            }
        }
    }
    let recorded = Recorded {
        by: actor.name.clone(),
        role: actor.role.title().to_owned(),
        at: Utc::now(),
    };
    Ok(store.save_policy(school.map(|s| s.id), &text, &recorded)?)
}

/// Which findings to list.
#[derive(Debug, Clone, Default)]
pub struct AlertQuery {
    /// Every rule, not only the seven of the interchange contract.
    pub all_rules: bool,
    /// Only this pupil's.
    pub upn: Option<String>,
    /// Only this rule's.
    pub rule: Option<Rule>,
}

/// The findings dated in the academic year of `as_of`, up to `as_of`, sorted by date, UPN and rule.
pub fn alerts(
    store: &mut dyn Store,
    school: SchoolId,
    as_of: Date,
    query: &AlertQuery,
) -> Result<Vec<Finding>> {
    let effective = effective_policy(store, school)?;
    let calendar = store.calendar(school)?;
    let mut pupils = store.pupils(school)?;
    if let Some(upn) = &query.upn {
        pupils.retain(|p| p.pupil.upn.as_str() == upn);
        if pupils.is_empty() {
            return Err(AppError::Usage(format!(
                "no pupil with UPN {upn} is on this school's admission register"
            )));
        }
    }
    // The whole history up to the as-of date: a penalty window, and the sessions already used by
    // earlier findings, reach back across academic years.
    let mut facts = store.mark_facts(
        school,
        DateRange {
            from: None,
            to: Some(as_of),
        },
    )?;
    facts.sort_unstable_by_key(|f| (f.pupil, f.fact.date, f.fact.session));
    let mut by_pupil: HashMap<PupilId, Vec<MarkFact>> = HashMap::new();
    for f in facts {
        by_pupil.entry(f.pupil).or_default().push(f.fact);
    }
    let upns: Vec<String> = pupils.iter().map(|p| p.pupil.upn.to_string()).collect();
    let empty = Vec::new();
    let records: Vec<PupilRecord<'_>> = pupils
        .iter()
        .zip(&upns)
        .map(|(p, upn)| PupilRecord {
            key: upn,
            pupil: &p.pupil,
            marks: by_pupil.get(&p.id).unwrap_or(&empty),
        })
        .collect();
    let mut found = evaluate(&calendar, &records, &effective.policy, as_of);
    found.retain(|f| {
        f.in_academic_year_of(as_of)
            && f.date <= as_of
            && (query.all_rules || f.rule.in_interchange())
            && query.rule.is_none_or(|r| r == f.rule)
    });
    Ok(found)
}

fn detail(f: &Finding) -> serde_json::Value {
    json!({
        "summary": f.evidence.summary,
        "id": f.id(),
        "session": f.session.map(|s| s.as_str()),
        "window": f.evidence.window.map(|(a, b)| json!({"from": a.to_string(), "to": b.to_string()})),
        "sessions": f.evidence.sessions.iter().map(|(d, s, c)| json!({"date": d.to_string(), "session": s.as_str(), "code": c.symbol()})).collect::<Vec<_>>(),
        "policy_version": f.policy_version,
    })
}

/// `rule, upn, date, detail`: the detail is a sentence in CSV and an object in JSON.
pub fn alerts_table(findings: &[Finding]) -> Table {
    let mut t = Table::new(["rule", "upn", "date", "detail"]);
    for f in findings {
        t.push(vec![
            Cell::Text(f.rule.name().to_owned()),
            Cell::Text(f.upn.clone()),
            Cell::Text(f.date.to_string()),
            Cell::Rich(f.evidence.summary.clone(), detail(f)),
        ]);
    }
    t
}

/// A finding and the sessions behind it, for people.
pub fn explain(f: &Finding) -> String {
    let mut out = format!("{} — {} on {}", f.rule.name(), f.upn, f.date);
    if let Some(s) = f.session {
        out.push_str(&format!(" {s}"));
    }
    out.push_str(&format!("\n  {}\n", f.evidence.summary));
    if let Some((a, b)) = f.evidence.window {
        out.push_str(&format!("  period looked at: {a} to {b}\n"));
    }
    if !f.evidence.sessions.is_empty() {
        out.push_str(&format!(
            "  sessions counted ({}):\n",
            f.evidence.sessions.len()
        ));
        for (d, s, c) in &f.evidence.sessions {
            out.push_str(&format!("    {d} {} {s}  {}\n", d.format("%a"), c.symbol()));
        }
    }
    out.push_str(&format!(
        "  id {}, policy version {}\n",
        f.id(),
        f.policy_version
    ));
    out
}

/// The policy in force, as the files that make it.
pub fn describe_policy(effective: &EffectivePolicy) -> String {
    let mut out = String::new();
    match (&effective.defaults, &effective.own) {
        (None, None) => out.push_str("# The national rules alone (no policy saved).\n"),
        (d, o) => {
            for (label, p) in [
                ("defaults for every school", d),
                ("this school's policy", o),
            ] {
                if let Some(p) = p {
                    out.push_str(&format!(
                        "# {label}: version {}, saved by {} ({}) at {}\n{}\n",
                        p.version,
                        p.recorded.by,
                        p.recorded.role,
                        rollcall_store::format_timestamp(&p.recorded.at),
                        p.text.trim_end()
                    ));
                }
            }
        }
    }
    let (sessions, weeks) = effective.policy.penalty_threshold();
    out.push_str(&format!(
        "# In force: version {}; penalty threshold {sessions} unauthorised sessions in {weeks} school weeks.\n",
        effective.policy.version
    ));
    out
}
