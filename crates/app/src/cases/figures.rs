//! Figures, for pages and the API alike: senior staff's overview of the day, the week and the
//! year, the lists of pupils behind its figures, the governors' figures, and figures by group.
//!
//! Who sees which figures is decided here:
//! - the overview and its lists count the pupils the actor reaches (a head of year their year
//!   groups);
//! - governors see the whole school's figures and never a pupil, and a group too small to show is
//!   hidden the same way on their page and through the API ([`guard_table`], which by one
//!   characteristic is the page's own [`guard_groups`](crate::school_view::guard_groups));
//! - figures by group count the pupils the actor reaches, or the whole school for a governor.

use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use rollcall_core::calendar::RegisterTimes;
use rollcall_core::dates::{academic_year, academic_year_start};
use rollcall_core::{Date, Role, Sen, Sex, YearGroup};
use rollcall_store::{DateRange, School, Store, StoredPupil};

use crate::access::{Actor, Permission, Reach};
use crate::error::{Problem, Refusal};
use crate::registers::parse_day;
use crate::reports::{compute_pupil_stats, group_stats, GroupField};
use crate::school_view::{
    self, guard_table, national_for, GovernorFigures, Guarded, National, Only, Overview, Period,
    PupilFilter, PupilList, GOVERNOR_FIELDS,
};
use crate::service::App;
use crate::table::Cell;

use super::school_of;

/// The school the actor acts on, with its name and register times.
fn school_record(store: &mut dyn Store, actor: &Actor) -> Result<School, Refusal> {
    let id = school_of(store, actor)?;
    store
        .schools()?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| Refusal::NotFound("no such school".into()))
}

/// The year groups a head of year's figures are limited to; `None` for the whole school.
fn limited_to(actor: &Actor) -> Option<Vec<YearGroup>> {
    match &actor.reach {
        Reach::YearGroups(g) => Some(g.clone()),
        _ => None,
    }
}

/// The overview of the school's registers today, this week and this year so far.
#[derive(Debug, Clone)]
pub struct OverviewView {
    pub school_name: String,
    pub register_times: Option<RegisterTimes>,
    /// The moment the figures were counted at, school time.
    pub now: NaiveDateTime,
    pub overview: Overview,
    /// The year groups the figures are limited to (a head of year's); `None` for every pupil.
    pub limited_to: Option<Vec<YearGroup>>,
}

/// The period a list of pupils covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PeriodChoice {
    /// The academic year to date.
    #[default]
    Year,
    /// This week to date, from no earlier than the start of the academic year.
    Week,
    Today,
}

impl PeriodChoice {
    /// `year`, `week` or `today`; nothing means the year.
    pub fn parse(text: Option<&str>) -> Result<PeriodChoice, Refusal> {
        match given(text) {
            None | Some("year") => Ok(PeriodChoice::Year),
            Some("week") => Ok(PeriodChoice::Week),
            Some("today") => Ok(PeriodChoice::Today),
            Some(other) => Err(Refusal::invalid(format!(
                "period: '{other}' is not year, week or today"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PeriodChoice::Year => "year",
            PeriodChoice::Week => "week",
            PeriodChoice::Today => "today",
        }
    }

    /// The dates covered, up to `today`.
    pub fn period(self, today: Date) -> Period {
        let year = Period::year_to_date(today);
        match self {
            PeriodChoice::Year => year,
            PeriodChoice::Week => Period {
                from: Period::week_to_date(today).from.max(year.from),
                to: today,
            },
            PeriodChoice::Today => Period::day(today),
        }
    }
}

/// The characteristics of a list's filter as typed in a query: each optional, a blank value
/// meaning any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterText {
    pub year_group: Option<String>,
    pub form: Option<String>,
    pub sex: Option<String>,
    pub fsm: Option<String>,
    pub pupil_premium: Option<String>,
    pub sen: Option<String>,
    pub looked_after: Option<String>,
    pub social_worker: Option<String>,
    pub eal: Option<String>,
    pub young_carer: Option<String>,
    pub ethnicity: Option<String>,
}

/// A value given, trimmed; `None` when blank.
fn given(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

/// Reads a yes-or-no field (`true`/`yes`/`1`, `false`/`no`/`0`); `None` when blank.
pub fn parse_flag(name: &str, v: Option<&str>) -> Result<Option<bool>, Refusal> {
    match given(v) {
        None => Ok(None),
        Some("true" | "yes" | "1") => Ok(Some(true)),
        Some("false" | "no" | "0") => Ok(Some(false)),
        Some(other) => Err(Refusal::invalid(format!(
            "{name}: '{other}' is not true or false"
        ))),
    }
}

/// Keeps the value of a part that reads, and the problems of one that does not.
fn collect<T>(problems: &mut Vec<Problem>, part: Result<T, Refusal>) -> Option<T> {
    match part {
        Ok(v) => Some(v),
        Err(e) => {
            problems.extend(e.problems().iter().cloned());
            None
        }
    }
}

impl FilterText {
    /// The filter, or every problem with it.
    pub fn parse(&self) -> Result<PupilFilter, Refusal> {
        fn typed<T>(name: &str, v: &Option<String>) -> Result<Option<T>, Refusal>
        where
            T: std::str::FromStr,
            T::Err: std::fmt::Display,
        {
            given(v.as_deref())
                .map(|t| {
                    t.parse::<T>()
                        .map_err(|e| Refusal::invalid(format!("{name}: {e}")))
                })
                .transpose()
        }
        let text = |v: &Option<String>| given(v.as_deref()).map(str::to_owned);
        let flag = |name: &str, v: &Option<String>| parse_flag(name, v.as_deref());
        let mut problems = Vec::new();
        let p = &mut problems;
        let year_group = collect(p, typed::<YearGroup>("year_group", &self.year_group));
        let sex = collect(p, typed::<Sex>("sex", &self.sex));
        let fsm = collect(p, flag("fsm", &self.fsm));
        let pupil_premium = collect(p, flag("pupil_premium", &self.pupil_premium));
        let sen = collect(p, typed::<Sen>("sen", &self.sen));
        let looked_after = collect(p, flag("looked_after", &self.looked_after));
        let social_worker = collect(p, flag("social_worker", &self.social_worker));
        let eal = collect(p, flag("eal", &self.eal));
        let young_carer = collect(p, flag("young_carer", &self.young_carer));
        let form = text(&self.form);
        let ethnicity = text(&self.ethnicity);
        if !problems.is_empty() {
            return Err(Refusal::Invalid(problems));
        }
        // Every part read: each is `Some` of its value, itself `None` when blank.
        Ok(PupilFilter {
            year_group: year_group.flatten(),
            form,
            sex: sex.flatten(),
            fsm: fsm.flatten(),
            pupil_premium: pupil_premium.flatten(),
            sen: sen.flatten(),
            looked_after: looked_after.flatten(),
            social_worker: social_worker.flatten(),
            eal: eal.flatten(),
            young_carer: young_carer.flatten(),
            ethnicity,
        })
    }
}

/// Which pupils a list holds: those of the filter on roll in the period, and of them those that
/// `only` admits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PupilListQuery {
    pub filter: PupilFilter,
    pub period: PeriodChoice,
    pub only: Only,
}

impl PupilListQuery {
    /// The persistent absence list of the year to date, or with `severe` the severe absence list.
    pub fn persistent(
        filter: &FilterText,
        severe: Option<&str>,
    ) -> Result<PupilListQuery, Refusal> {
        let mut problems = Vec::new();
        let filter = collect(&mut problems, filter.parse());
        let severe = collect(&mut problems, parse_flag("severe", severe));
        match (filter, severe) {
            (Some(filter), Some(severe)) => Ok(PupilListQuery {
                filter,
                period: PeriodChoice::Year,
                only: if severe == Some(true) {
                    Only::Severe
                } else {
                    Only::Persistent
                },
            }),
            _ => Err(Refusal::Invalid(problems)),
        }
    }

    /// The pupils behind a figure of the overview: over the `period`, every pupil, or with
    /// `absent` those absent at least once, or with `unmarked` those with a session not marked.
    pub fn behind_figure(
        filter: &FilterText,
        period: Option<&str>,
        absent: Option<&str>,
        unmarked: Option<&str>,
    ) -> Result<PupilListQuery, Refusal> {
        let mut problems = Vec::new();
        let filter = collect(&mut problems, filter.parse());
        let period = collect(&mut problems, PeriodChoice::parse(period));
        let absent = collect(&mut problems, parse_flag("absent", absent));
        let unmarked = collect(&mut problems, parse_flag("unmarked", unmarked));
        match (filter, period, absent, unmarked) {
            (Some(filter), Some(period), Some(absent), Some(unmarked)) => Ok(PupilListQuery {
                filter,
                period,
                only: match (absent.unwrap_or(false), unmarked.unwrap_or(false)) {
                    (true, _) => Only::Absent,
                    (false, true) => Only::Unmarked,
                    _ => Only::All,
                },
            }),
            _ => Err(Refusal::Invalid(problems)),
        }
    }
}

/// The values the pupils in reach on roll in a period have, to choose a filter from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListChoices {
    pub years: BTreeSet<YearGroup>,
    /// Each form with the year group of a pupil in it, to list forms by year group.
    pub forms: BTreeSet<(YearGroup, String)>,
    pub ethnicities: BTreeSet<String>,
}

/// A list of pupils behind a figure, with the choices of its filter.
#[derive(Debug, Clone)]
pub struct PupilListView {
    pub period: Period,
    pub only: Only,
    pub list: PupilList,
    pub choices: ListChoices,
    /// The year groups the list is limited to (a head of year's); `None` for every pupil.
    pub limited_to: Option<Vec<YearGroup>>,
}

/// The governors' figures: the whole school's, never a pupil, small groups hidden.
#[derive(Debug, Clone)]
pub struct GovernorView {
    pub school_name: String,
    pub figures: GovernorFigures,
    /// England's figures to set beside the school's: its phase first, then all schools.
    pub national: Vec<National>,
}

/// Figures by group of pupils over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupFigures {
    pub from: Date,
    pub to: Date,
    /// The characteristics the groups are by, in the order asked for.
    pub by: Vec<GroupField>,
    /// Each group's values of `by`, and its figures: always shown to staff, and for governors
    /// hidden when too small or when they would let a hidden group be worked out.
    pub groups: Vec<(Vec<Cell>, Guarded)>,
}

/// Reads a date field of the API, naming the field in its problem.
fn date_field(name: &str, text: Option<&str>) -> Result<Option<Date>, Refusal> {
    given(text)
        .map(|t| {
            parse_day(t).map_err(|e| {
                Refusal::Invalid(
                    e.problems()
                        .iter()
                        .map(|p| Problem::general(format!("{name}: {}", p.message)))
                        .collect(),
                )
            })
        })
        .transpose()
}

impl App {
    /// The overview of today's registers, this week and the year to date, over the pupils the
    /// actor reaches.
    pub fn overview(&self, actor: &Actor) -> Result<OverviewView, Refusal> {
        actor.require(Permission::Overview)?;
        let now = self.now();
        self.reading(|store| {
            let school = school_record(store, actor)?;
            let keep = |s: &StoredPupil| actor.reaches(s.id, &s.pupil);
            let overview = school_view::overview(store, &school, now, &keep)?;
            Ok(OverviewView {
                school_name: school.details.name,
                register_times: school.register_times,
                now,
                overview,
                limited_to: limited_to(actor),
            })
        })
    }

    /// A list of the pupils the actor reaches behind a figure of the overview, lowest attendance
    /// first, with the values their filter can choose from.
    pub fn pupil_list(
        &self,
        actor: &Actor,
        query: &PupilListQuery,
    ) -> Result<PupilListView, Refusal> {
        actor.require(Permission::Overview)?;
        let now = self.now();
        self.reading(|store| {
            let school = school_record(store, actor)?;
            let keep = |s: &StoredPupil| actor.reaches(s.id, &s.pupil);
            let period = query.period.period(now.date());
            let mut choices = ListChoices::default();
            for s in store.pupils(school.id)? {
                if keep(&s) && s.pupil.on_roll_during(period.from, period.to) {
                    choices.years.insert(s.pupil.year_group);
                    if let Some(f) = s.pupil.form {
                        choices.forms.insert((s.pupil.year_group, f));
                    }
                    if let Some(e) = s.pupil.ethnicity {
                        choices.ethnicities.insert(e);
                    }
                }
            }
            let list = school_view::pupil_list(
                store,
                &school,
                now,
                period,
                &query.filter,
                query.only,
                &keep,
            )?;
            Ok(PupilListView {
                period,
                only: query.only,
                list,
                choices,
                limited_to: limited_to(actor),
            })
        })
    }

    /// The governors' figures for the year to date: the whole school's, by characteristic and
    /// month by month, with England's beside them.
    pub fn governor_figures(&self, actor: &Actor) -> Result<GovernorView, Refusal> {
        actor.require(Permission::GovernorFigures)?;
        let today = self.now().date();
        self.reading(|store| {
            let school = school_record(store, actor)?;
            let figures = school_view::governor_figures(store, &school, today)?;
            let national = national_for(figures.phase);
            Ok(GovernorView {
                school_name: school.details.name,
                figures,
                national,
            })
        })
    }

    /// Figures by group of pupils from `from` (default: the start of the academic year) to `to`
    /// (default: today), grouped by the comma-separated characteristics of `by` (none: the whole
    /// school). Staff see the pupils they reach; a governor sees the whole school, with each group
    /// guarded as the governors' page guards it.
    pub fn group_figures(
        &self,
        actor: &Actor,
        from: Option<&str>,
        to: Option<&str>,
        by: &str,
    ) -> Result<GroupFigures, Refusal> {
        actor.require(Permission::GroupFigures)?;
        let today = self.now().date();
        self.reading(|store| {
            let school = school_of(store, actor)?;
            let governor = actor.role == Role::Governor;
            let counted = |s: &StoredPupil| governor || actor.reaches(s.id, &s.pupil);

            let mut problems = Vec::new();
            let from = collect(&mut problems, date_field("from", from));
            let to = collect(&mut problems, date_field("to", to));
            let by = collect(
                &mut problems,
                GroupField::parse_list(by).map_err(Refusal::from),
            );
            let (Some(from), Some(to), Some(by)) = (from, to, by) else {
                return Err(Refusal::Invalid(problems));
            };
            // A governor sees a group only as the governors' page shows it: by one of the page's
            // characteristics at a time. Tables by several at once, each guarded on its own,
            // could be subtracted from one another to give back a group of fewer than five.
            if governor {
                if by.len() > 1 {
                    return Err(Refusal::invalid(
                        "by: governors see figures by one characteristic at a time",
                    ));
                }
                if let Some(field) = by.iter().find(|f| !GOVERNOR_FIELDS.contains(f)) {
                    return Err(Refusal::invalid(format!(
                        "by: governors do not see figures by {}",
                        field.name()
                    )));
                }
            }
            let from = from.unwrap_or_else(|| academic_year_start(academic_year(today)));
            let to = to.unwrap_or(today);
            if to < from {
                return Err(Refusal::invalid(format!(
                    "the period ends on {to}, before it starts on {from}"
                )));
            }

            let calendar = store.calendar(school)?;
            let pupils: Vec<StoredPupil> = store
                .pupils(school)?
                .into_iter()
                .filter(|s| counted(s))
                .collect();
            let facts = store.mark_facts(school, DateRange::between(from, to))?;
            let stats = compute_pupil_stats(&calendar, pupils, facts, from, to);
            let groups = if governor {
                guard_table(&stats, &by)
            } else {
                group_stats(&stats, &by)
                    .into_iter()
                    .map(|(key, g)| (key, Guarded::Shown(g)))
                    .collect()
            };
            Ok(GroupFigures {
                from,
                to,
                by,
                groups,
            })
        })
    }
}
