//! Rewards and eligibility at school: the staff who give rewards list who earns each of the
//! school's rewards over a period (with certificates ready to print), and who is eligible for a
//! trip or event; the attendance officer and the headteacher set a pupil's own target. Each
//! list names only the pupils the actor reaches; governors and parents are refused.

use rollcall_core::{Date, Upn};
use rollcall_rules::Rate;
use rollcall_store::{AttendanceTarget, DateRange, School, Store, StoredPupil, StoredTarget};

use crate::access::{Actor, Permission};
use crate::error::Refusal;
use crate::registers::parse_day;
use crate::rewards::{
    self, BestFormWeek, Eligibility, EligibilityRules, Figures, Improvement, NamedPeriod, Reward,
    RewardRules,
};
use crate::service::App;

use super::office::typed_pupil;
use super::pupils::school_details;

/// What a list of rewards is asked for, every field as typed. A period is a key of
/// [`rewards::periods`], or dates; most improved compares it with an earlier one (by default the
/// period of the same kind just before).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RewardForm {
    /// [`Reward::key`].
    pub reward: String,
    pub period: String,
    pub from: String,
    pub to: String,
    pub before: String,
    pub before_from: String,
    pub before_to: String,
}

/// A period as chosen, with the day its figures end (today, for a period not yet over).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub label: String,
    pub from: Date,
    pub to: Date,
    /// The last day counted: `to`, or today when `to` is still to come.
    pub counted_to: Date,
}

/// Who earns a reward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RewardOutcome {
    /// 100% in the period: the pupils who earn it, with their figures.
    FullAttendance(Vec<Figures>),
    /// Most improved, against the earlier period.
    MostImproved {
        before: Span,
        list: Vec<Improvement>,
    },
    /// The best form of each school week.
    BestForm(Vec<BestFormWeek>),
}

/// A reward's list for a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewardList {
    pub school: String,
    pub reward: Reward,
    pub period: Span,
    pub rules: RewardRules,
    pub outcome: RewardOutcome,
}

/// What the rewards page offers: the school's rewards and rules, and the calendar's periods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewardChoices {
    pub rules: RewardRules,
    pub eligibility: EligibilityRules,
    pub periods: Vec<NamedPeriod>,
    pub today: Date,
}

/// A certificate for one pupil (or form) of a list, ready to be typeset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub school: String,
    /// The pupil's name, or the form's ("Form 7A").
    pub recipient: String,
    /// The pupil's UPN; `None` for a form.
    pub upn: Option<Upn>,
    pub form: Option<String>,
    pub reward: String,
    /// The period, in words.
    pub period: String,
    /// The line of text under the name.
    pub text: String,
}

/// A trip's or event's list, as asked: a period, and a threshold in place of the policy's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EligibilityForm {
    pub period: String,
    pub from: String,
    pub to: String,
    /// Empty: the policy's threshold.
    pub threshold: String,
}

/// Who is eligible for a trip or event over a period, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EligibilityList {
    pub school: String,
    pub period: Span,
    /// The standard threshold applied: the policy's or the one asked for.
    pub standard: Rate,
    pub from_policy: bool,
    pub entries: Vec<Eligibility>,
}

impl EligibilityList {
    pub fn eligible(&self) -> impl Iterator<Item = &Eligibility> {
        self.entries.iter().filter(|e| e.eligible == Some(true))
    }
    pub fn not_eligible(&self) -> impl Iterator<Item = &Eligibility> {
        self.entries.iter().filter(|e| e.eligible == Some(false))
    }
    pub fn not_judged(&self) -> impl Iterator<Item = &Eligibility> {
        self.entries.iter().filter(|e| e.eligible.is_none())
    }
}

/// A pupil's own target as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetForm {
    /// A percentage: `85`, `87.5`.
    pub rate: String,
    pub reason: String,
    /// Empty: today.
    pub from: String,
    /// Empty: until superseded.
    pub until: String,
}

/// A pupil's targets, the one in force today first considered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PupilTargets {
    pub pupil: StoredPupil,
    /// Every target set, oldest first.
    pub targets: Vec<StoredTarget>,
    /// The one in force today, if any.
    pub current: Option<StoredTarget>,
    /// The standard threshold it replaces.
    pub standard: Rate,
}

fn rules_of(
    store: &mut dyn Store,
    school: &School,
) -> Result<(RewardRules, EligibilityRules), Refusal> {
    Ok(rewards::school_rules(store, school.id)?)
}

/// The period a form names: a key of the calendar's periods, or dates, or `default`.
fn span_of(
    periods: &[NamedPeriod],
    key: &str,
    from: &str,
    to: &str,
    today: Date,
    default: Option<&NamedPeriod>,
) -> Result<Span, Refusal> {
    let (label, from, to) = if !key.trim().is_empty() {
        let p = periods
            .iter()
            .find(|p| p.key == key.trim())
            .ok_or_else(|| {
                Refusal::invalid(format!(
                    "'{}' is not a period of the school's calendar",
                    key.trim()
                ))
            })?;
        (p.label.clone(), p.from, p.to)
    } else if !from.trim().is_empty() || !to.trim().is_empty() {
        let (f, t) = (parse_day(from)?, parse_day(to)?);
        if t < f {
            return Err(Refusal::invalid(format!(
                "the period ends on {t}, before it starts on {f}"
            )));
        }
        (format!("{f} to {t}"), f, t)
    } else if let Some(p) = default {
        (p.label.clone(), p.from, p.to)
    } else {
        return Err(Refusal::invalid("choose a period"));
    };
    if from > today {
        return Err(Refusal::invalid(format!(
            "the period starts on {from}, a day still to come"
        )));
    }
    Ok(Span {
        label,
        from,
        to,
        counted_to: to.min(today),
    })
}

/// The calendar's period of `kind` (`half`, `term` or `year`) that holds `today`, or the last
/// one begun.
fn current<'p>(periods: &'p [NamedPeriod], kind: &str, today: Date) -> Option<&'p NamedPeriod> {
    let of_kind = || {
        periods
            .iter()
            .filter(move |p| p.key.split('-').next() == Some(kind))
    };
    of_kind()
        .find(|p| p.from <= today && today <= p.to)
        .or_else(|| of_kind().rfind(|p| p.from <= today))
}

/// The pupils the actor reaches, on roll on the last day counted.
fn reached_on_roll(
    store: &mut dyn Store,
    actor: &Actor,
    school: &School,
    last: Date,
) -> Result<Vec<StoredPupil>, Refusal> {
    Ok(rewards::on_roll_at_end(store.pupils(school.id)?, last)
        .into_iter()
        .filter(|p| actor.reaches(p.id, &p.pupil))
        .collect())
}

fn figures_for(
    store: &mut dyn Store,
    school: &School,
    pupils: &[StoredPupil],
    span: &Span,
) -> Result<Vec<Figures>, Refusal> {
    let calendar = store.calendar(school.id)?;
    let facts = store.mark_facts(school.id, DateRange::between(span.from, span.counted_to))?;
    let mut list = rewards::figures(&calendar, pupils, &facts, span.from, span.counted_to);
    list.sort_by(|a, b| {
        let (a, b) = (&a.pupil.pupil, &b.pupil.pupil);
        (&a.form, &a.surname, &a.forename, &a.upn).cmp(&(&b.form, &b.surname, &b.forename, &b.upn))
    });
    Ok(list)
}

impl App {
    /// The school's rewards and rules, and the periods of its calendar.
    pub fn reward_choices(&self, actor: &Actor) -> Result<RewardChoices, Refusal> {
        actor.require(Permission::Rewards)?;
        let today = self.now().date();
        self.reading(|store| {
            let school = school_details(store, actor)?;
            let (rules, eligibility) = rules_of(store, &school)?;
            let periods = rewards::periods(&store.calendar(school.id)?);
            Ok(RewardChoices {
                rules,
                eligibility,
                periods,
                today,
            })
        })
    }

    /// Who earns a reward over a period, among the pupils the actor reaches. The best form of
    /// each week is the school's competition: every form is shown, with no pupil named.
    pub fn reward_list(&self, actor: &Actor, form: &RewardForm) -> Result<RewardList, Refusal> {
        actor.require(Permission::Rewards)?;
        let reward = Reward::parse(&form.reward).ok_or_else(|| {
            Refusal::invalid(format!(
                "'{}' is not a reward; expected any of {}",
                form.reward.trim(),
                Reward::ALL.map(Reward::key).join(", ")
            ))
        })?;
        let today = self.now().date();
        self.reading(|store| {
            let school = school_details(store, actor)?;
            let (rules, _) = rules_of(store, &school)?;
            if !rules.given.contains(&reward) {
                return Err(Refusal::invalid(format!(
                    "the school's policy does not give the reward '{}'",
                    reward.key()
                )));
            }
            let periods = rewards::periods(&store.calendar(school.id)?);
            let kind = if reward == Reward::FullYear {
                "year"
            } else {
                "term"
            };
            let default = current(&periods, kind, today);
            let span = span_of(&periods, &form.period, &form.from, &form.to, today, default)?;
            let outcome = match reward {
                Reward::FullTerm | Reward::FullYear => {
                    let pupils = reached_on_roll(store, actor, &school, span.counted_to)?;
                    let figures = figures_for(store, &school, &pupils, &span)?;
                    RewardOutcome::FullAttendance(rewards::full_attendance(&figures, &rules))
                }
                Reward::MostImproved => {
                    let key = form.period.trim();
                    let earlier = key.split('-').next().and_then(|kind| {
                        let at = periods.iter().position(|p| p.key == key)?;
                        periods[..at]
                            .iter()
                            .rfind(|p| p.key.split('-').next() == Some(kind) && p.to < span.from)
                    });
                    if form.before.trim().is_empty()
                        && form.before_from.trim().is_empty()
                        && earlier.is_none()
                    {
                        return Err(Refusal::invalid(
                            "choose the earlier period to compare the attendance with",
                        ));
                    }
                    let before = span_of(
                        &periods,
                        &form.before,
                        &form.before_from,
                        &form.before_to,
                        today,
                        earlier,
                    )?;
                    if before.to >= span.from {
                        return Err(Refusal::invalid(format!(
                            "the earlier period ({}) must end before {} begins",
                            before.label, span.label
                        )));
                    }
                    let pupils = reached_on_roll(store, actor, &school, span.counted_to)?;
                    let b = figures_for(store, &school, &pupils, &before)?;
                    let a = figures_for(store, &school, &pupils, &span)?;
                    RewardOutcome::MostImproved {
                        list: rewards::most_improved(&b, &a, &rules),
                        before,
                    }
                }
                Reward::BestForm => {
                    let calendar = store.calendar(school.id)?;
                    let pupils = store.pupils(school.id)?;
                    let facts = store
                        .mark_facts(school.id, DateRange::between(span.from, span.counted_to))?;
                    RewardOutcome::BestForm(rewards::best_forms(
                        &calendar,
                        &pupils,
                        &facts,
                        span.from,
                        span.counted_to,
                    ))
                }
            };
            Ok(RewardList {
                school: school.details.name.clone(),
                reward,
                period: span,
                rules,
                outcome,
            })
        })
    }

    /// A certificate for each pupil (or, for the best form, each form) of a reward's list.
    pub fn reward_certificates(
        &self,
        actor: &Actor,
        form: &RewardForm,
    ) -> Result<Vec<Certificate>, Refusal> {
        let list = self.reward_list(actor, form)?;
        Ok(certificates(&list))
    }

    /// Who is eligible for a trip or event over a period, among the pupils the actor reaches:
    /// against the policy's threshold (or the one asked for), or a pupil's own target.
    pub fn eligibility(
        &self,
        actor: &Actor,
        form: &EligibilityForm,
    ) -> Result<EligibilityList, Refusal> {
        actor.require(Permission::Rewards)?;
        let today = self.now().date();
        self.reading(|store| {
            let school = school_details(store, actor)?;
            let (_, rules) = rules_of(store, &school)?;
            let (standard, from_policy) = match form.threshold.trim() {
                "" => (rules.threshold, true),
                t => match Rate::parse(t) {
                    Ok(r) if r > Rate::ZERO && r <= Rate::FULL => (r, false),
                    _ => {
                        return Err(Refusal::invalid(format!(
                            "'{t}' is not a threshold: expected a percentage above 0 and at most 100, such as 95 or 92.5"
                        )))
                    }
                },
            };
            let periods = rewards::periods(&store.calendar(school.id)?);
            let default = current(&periods, "year", today);
            let span = span_of(&periods, &form.period, &form.from, &form.to, today, default)?;
            let pupils = reached_on_roll(store, actor, &school, span.counted_to)?;
            let figures = figures_for(store, &school, &pupils, &span)?;
            let targets = store.attendance_targets(school.id, None)?;
            let entries =
                rewards::eligibility(&figures, &targets, standard, span.from, span.counted_to);
            Ok(EligibilityList {
                school: school.details.name.clone(),
                period: span,
                standard,
                from_policy,
                entries,
            })
        })
    }

    /// A pupil's own attendance targets, with the one in force today.
    pub fn pupil_targets(&self, actor: &Actor, upn: &str) -> Result<PupilTargets, Refusal> {
        actor.require(Permission::AttendanceTargets)?;
        let today = self.now().date();
        self.reading(|store| {
            let school = school_details(store, actor)?;
            let pupil = typed_pupil(store, actor, school.id, upn)?;
            let (_, rules) = rules_of(store, &school)?;
            let targets = store.attendance_targets(school.id, Some(pupil.id))?;
            let refs: Vec<&StoredTarget> = targets.iter().collect();
            let current = rewards::target_for(&refs, today, today).cloned();
            Ok(PupilTargets {
                pupil,
                current,
                targets,
                standard: rules.threshold,
            })
        })
    }

    /// Sets a pupil's own target, superseding any earlier one (which is kept).
    pub fn set_target(
        &self,
        actor: &Actor,
        upn: &str,
        form: &TargetForm,
    ) -> Result<StoredTarget, Refusal> {
        actor.require(Permission::AttendanceTargets)?;
        let now = self.now();
        self.with_store(|store| {
            let school = school_details(store, actor)?;
            let pupil = typed_pupil(store, actor, school.id, upn)?;
            let mut problems = Vec::new();
            let rate = match Rate::parse(&form.rate) {
                Ok(r) if r > Rate::ZERO && r <= Rate::FULL => Some(r),
                _ => {
                    problems.push(format!(
                        "target: '{}' is not a percentage above 0 and at most 100, such as 85 or 87.5",
                        form.rate.trim()
                    ));
                    None
                }
            };
            let reason = form.reason.trim();
            if reason.is_empty() {
                problems.push(
                    "reason: say why the standard threshold is unfair for this pupil (their health, SEND or circumstances)"
                        .to_owned(),
                );
            }
            let from = match form.from.trim() {
                "" => Some(now.date()),
                t => parse_day(t).map_err(|e| problems.push(format!("from: {e}"))).ok(),
            };
            let until = match form.until.trim() {
                "" => None,
                t => parse_day(t)
                    .map(Some)
                    .map_err(|e| problems.push(format!("until: {e}")))
                    .ok()
                    .flatten(),
            };
            if let (Some(f), Some(u)) = (from, until) {
                if u < f {
                    problems.push(format!("until: {u} is before the target begins on {f}"));
                }
            }
            let (Some(rate), Some(from), true) = (rate, from, problems.is_empty()) else {
                return Err(Refusal::Invalid(
                    problems
                        .into_iter()
                        .map(|m| crate::error::Problem::about(&pupil.pupil.upn, m))
                        .collect(),
                ));
            };
            let target = AttendanceTarget {
                pupil: pupil.id,
                hundredths: rate.hundredths(),
                reason: reason.to_owned(),
                from,
                until,
                recorded: actor.recorded_at(now),
            };
            let id = store.save_target(school.id, &target)?;
            Ok(StoredTarget { id, target })
        })
    }
}

fn name(p: &StoredPupil) -> String {
    format!("{} {}", p.pupil.forename, p.pupil.surname)
}

/// The certificates of a list: one per pupil, or per best form and week.
pub fn certificates(list: &RewardList) -> Vec<Certificate> {
    let period = format!(
        "{} ({} to {})",
        list.period.label, list.period.from, list.period.counted_to
    );
    let pupil = |p: &StoredPupil, text: String| Certificate {
        school: list.school.clone(),
        recipient: name(p),
        upn: Some(p.pupil.upn.clone()),
        form: p.pupil.form.clone(),
        reward: list.reward.title().to_owned(),
        period: period.clone(),
        text,
    };
    match &list.outcome {
        RewardOutcome::FullAttendance(figures) => figures
            .iter()
            .map(|f| {
                pupil(
                    &f.pupil,
                    format!(
                        "for attending every one of the {} sessions of {}",
                        f.counts.possible,
                        list.period.label.to_lowercase()
                    ),
                )
            })
            .collect(),
        RewardOutcome::MostImproved { before, list: l } => l
            .iter()
            .map(|i| {
                let pct = |c: &rollcall_core::stats::Counts| {
                    c.attendance_pct()
                        .map_or_else(String::new, |p| format!("{p}%"))
                };
                pupil(
                    &i.pupil,
                    format!(
                        "for improving their attendance from {} in {} to {} in {}",
                        pct(&i.before),
                        before.label.to_lowercase(),
                        pct(&i.after),
                        list.period.label.to_lowercase()
                    ),
                )
            })
            .collect(),
        RewardOutcome::BestForm(weeks) => weeks
            .iter()
            .flat_map(|w| {
                w.best.iter().map(move |f| Certificate {
                    school: list.school.clone(),
                    recipient: format!("Form {}", f.form),
                    upn: None,
                    form: Some(f.form.clone()),
                    reward: list.reward.title().to_owned(),
                    period: format!("the week beginning {}", w.monday),
                    text: format!(
                        "for the best attendance in the school in the week beginning {}: {}%",
                        w.monday,
                        f.attendance().map_or_else(String::new, |p| p.to_string())
                    ),
                })
            })
            .collect(),
    }
}

/// A reward's list as a table (CSV or JSON), one row per pupil (or per form and week).
pub fn reward_table(list: &RewardList) -> crate::table::Table {
    use crate::table::{Cell, Table};
    let int = |n: u32| Cell::Int(n.into());
    match &list.outcome {
        RewardOutcome::FullAttendance(figures) => {
            let mut t = Table::new([
                "upn",
                "surname",
                "forename",
                "form",
                "year_group",
                "possible",
                "attended",
                "authorised",
                "late",
                "unmarked",
                "attendance_pct",
            ]);
            for f in figures {
                let (p, c) = (&f.pupil.pupil, &f.counts);
                t.push(vec![
                    Cell::Text(p.upn.to_string()),
                    Cell::Text(p.surname.clone()),
                    Cell::Text(p.forename.clone()),
                    p.form.clone().into(),
                    Cell::Text(p.year_group.to_string()),
                    int(c.possible),
                    int(c.present + c.aea),
                    int(c.authorised),
                    int(c.late),
                    int(c.unmarked),
                    c.attendance_pct().into(),
                ]);
            }
            t
        }
        RewardOutcome::MostImproved { list: l, .. } => {
            let mut t = Table::new([
                "upn",
                "surname",
                "forename",
                "form",
                "year_group",
                "before_pct",
                "after_pct",
                "points",
            ]);
            for i in l {
                let p = &i.pupil.pupil;
                let h = i.points_hundredths();
                t.push(vec![
                    Cell::Text(p.upn.to_string()),
                    Cell::Text(p.surname.clone()),
                    Cell::Text(p.forename.clone()),
                    p.form.clone().into(),
                    Cell::Text(p.year_group.to_string()),
                    i.before.attendance_pct().into(),
                    i.after.attendance_pct().into(),
                    Cell::Text(format!("{}.{:02}", h / 100, (h % 100).abs())),
                ]);
            }
            t
        }
        RewardOutcome::BestForm(weeks) => {
            let mut t = Table::new([
                "week_beginning",
                "form",
                "pupils",
                "possible",
                "attended",
                "attendance_pct",
                "best",
            ]);
            for w in weeks {
                for f in &w.forms {
                    t.push(vec![
                        Cell::Text(w.monday.to_string()),
                        Cell::Text(f.form.clone()),
                        Cell::Int(u64::try_from(f.pupils).unwrap_or(u64::MAX)),
                        int(f.possible),
                        int(f.attended),
                        f.attendance().into(),
                        Cell::Bool(w.best.contains(f)),
                    ]);
                }
            }
            t
        }
    }
}

/// An eligibility list as a table (CSV or JSON), one row per pupil with why.
pub fn eligibility_table(list: &EligibilityList) -> crate::table::Table {
    use crate::table::{Cell, Table};
    let mut t = Table::new([
        "upn",
        "surname",
        "forename",
        "form",
        "year_group",
        "possible",
        "attended",
        "attendance_pct",
        "threshold",
        "own_target",
        "eligible",
        "reason",
    ]);
    for e in &list.entries {
        let (p, c) = (&e.figures.pupil.pupil, &e.figures.counts);
        t.push(vec![
            Cell::Text(p.upn.to_string()),
            Cell::Text(p.surname.clone()),
            Cell::Text(p.forename.clone()),
            p.form.clone().into(),
            Cell::Text(p.year_group.to_string()),
            Cell::Int(c.possible.into()),
            Cell::Int((c.present + c.aea).into()),
            c.attendance_pct().into(),
            Cell::Text(e.threshold.rate().to_string()),
            Cell::Bool(matches!(e.threshold, rewards::Threshold::Own(_))),
            e.eligible.map_or(Cell::Null, Cell::Bool),
            Cell::Text(e.reason.clone()),
        ]);
    }
    t
}
