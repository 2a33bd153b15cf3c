//! Rewards and eligibility by attendance (casework.md, "Rewards and eligibility"), whoever asks:
//! who earns each of the school's rewards over a period, and who is eligible for a trip or event.
//!
//! The product's reading of the rules:
//! - **100% attendance** is the DfE's attendance, (present + approved educational activity) /
//!   possible sessions, at 100%: every possible session of the period `/`, `\`, `L` or an
//!   approved educational activity (`B`, `K`, `P`, `V`, `W`). Authorised absence (illness
//!   included) is absence and disqualifies, unless the policy says
//!   `authorised_absence_disqualifies = false`, in which case the reward recognises no
//!   unauthorised absence and the authorised sessions are shown beside each pupil. `U` is
//!   unauthorised absence and always disqualifies. `L` counts as present; the policy may allow
//!   a number of late marks (`L` and `U`, `lates_allowed`), or none. Sessions without a mark are
//!   not absence: they are shown, for the register to be completed before certificates go out.
//! - A pupil is listed for a period when on roll on its last day (or on the day the list is made,
//!   for a period not yet over) and has at least `minimum_possible` possible sessions in it: a
//!   pupil who joined last week is not a 100% pupil. Figures count their time on roll only.
//! - **Terms**: the half terms of the calendar, and the whole terms they make up: half terms
//!   starting in September to December make the autumn term, January to March spring, April to
//!   August summer (the reading of the local penalty rule's "term").
//! - **Most improved**: attendance in the later period less attendance in the earlier, in
//!   percentage points, exactly; at least `improved_by` points, each pupil with at least
//!   `minimum_possible` possible sessions in both; the `improved_listed` most improved pupils,
//!   and every pupil tied with the last of them.
//! - **Best form**: for each school week (Monday to Sunday with a school session in it) of the
//!   period, the forms with the highest attendance of their pupils on roll; ties are all shown.
//! - **Eligibility** for a trip or event: attendance over the period at or above the threshold
//!   (the policy's, or one chosen for the trip), compared on session counts, never a rounded
//!   percentage. A pupil's own target (for health or SEND) replaces the threshold: the latest
//!   target set that had begun by the period's last day, unless it had ended before the period
//!   began. A pupil with no possible session in the period is not judged.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Duration};
use rollcall_core::dates::academic_year;
use rollcall_core::stats::{pupil_counts, Counts, Percent};
use rollcall_core::{Calendar, Date};
use rollcall_rules::Rate;
use rollcall_store::{PupilId, PupilMarkFact, SchoolId, Store, StoredPupil, StoredTarget};
use toml::Value;

use crate::error::InputError;

/// A reward a school may give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reward {
    /// 100% attendance over a term (or half term).
    FullTerm,
    /// 100% attendance over the academic year (to date).
    FullYear,
    /// The most improved attendance between two periods.
    MostImproved,
    /// The form with the best attendance each school week.
    BestForm,
}

impl Reward {
    pub const ALL: [Reward; 4] = [
        Reward::FullTerm,
        Reward::FullYear,
        Reward::MostImproved,
        Reward::BestForm,
    ];

    /// Its name in a policy file, a command and a URL.
    pub fn key(self) -> &'static str {
        match self {
            Reward::FullTerm => "full_term",
            Reward::FullYear => "full_year",
            Reward::MostImproved => "most_improved",
            Reward::BestForm => "best_form",
        }
    }

    /// Its title, as on a certificate.
    pub fn title(self) -> &'static str {
        match self {
            Reward::FullTerm => "100% attendance this term",
            Reward::FullYear => "100% attendance for the year",
            Reward::MostImproved => "Most improved attendance",
            Reward::BestForm => "Best form attendance of the week",
        }
    }

    pub fn parse(text: &str) -> Option<Reward> {
        Reward::ALL.into_iter().find(|r| r.key() == text.trim())
    }
}

/// The policy's `[rewards]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewardRules {
    /// The rewards the school gives.
    pub given: Vec<Reward>,
    /// Late marks (`L` and `U`) a pupil may have and still earn a 100% reward; `None`: any.
    pub lates_allowed: Option<u32>,
    /// Whether authorised absence keeps a pupil from a 100% reward.
    pub authorised_absence_disqualifies: bool,
    /// Possible sessions a pupil needs in a period to earn a reward for it.
    pub minimum_possible: u32,
    /// Percentage points (in hundredths) gained that count as an improvement.
    pub improved_by: u32,
    /// How many pupils the most improved list names (more when tied).
    pub improved_listed: u32,
}

impl Default for RewardRules {
    fn default() -> RewardRules {
        RewardRules {
            given: Reward::ALL.to_vec(),
            lates_allowed: None,
            authorised_absence_disqualifies: true,
            minimum_possible: 20,
            improved_by: 500,
            improved_listed: 10,
        }
    }
}

/// The policy's `[eligibility]` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EligibilityRules {
    /// The standard threshold for trips and events.
    pub threshold: Rate,
}

impl Default for EligibilityRules {
    fn default() -> EligibilityRules {
        EligibilityRules {
            threshold: Rate::percent(95),
        }
    }
}

/// The settings of a policy file's `[rewards]` table.
pub const REWARDS_KEYS: &[&str] = &[
    "given",
    "lates_allowed",
    "authorised_absence_disqualifies",
    "minimum_possible",
    "improved_by",
    "improved_listed",
];

/// The settings of a policy file's `[eligibility]` table.
pub const ELIGIBILITY_KEYS: &[&str] = &["threshold"];

/// A percentage written as a number or text (`95`, `95.5`, `"95.25%"`), in hundredths.
fn rate_value(v: &Value) -> Result<Rate, String> {
    let text = match v {
        Value::Integer(n) => n.to_string(),
        Value::Float(f) => f.to_string(),
        Value::String(s) => s.clone(),
        other => {
            return Err(format!(
                "{other} is not a percentage; expected e.g. 95 or 95.5"
            ))
        }
    };
    let rate = Rate::parse(&text).map_err(|e| e.0)?;
    if rate > Rate::FULL {
        return Err(format!("{rate} is more than 100%"));
    }
    Ok(rate)
}

fn table_of<'t>(
    file: &str,
    table: &'t toml::Table,
    name: &str,
    keys: &[&str],
    errors: &mut Vec<InputError>,
) -> Option<&'t toml::Table> {
    let value = table.get(name)?;
    let t = value.as_table();
    if t.is_none() {
        errors.push(InputError::new(
            file,
            None,
            Some(name),
            format!("expected a [{name}] table with any of {}", keys.join(", ")),
        ));
    }
    t
}

/// Reads the `[rewards]` table of a policy file (already merged with the defaults); a setting left
/// out keeps its default.
///
/// ```toml
/// [rewards]
/// given = ["full_term", "full_year", "most_improved", "best_form"]  # the rewards the school gives
/// lates_allowed = 3                       # L and U marks a 100% pupil may have; false: any (default)
/// authorised_absence_disqualifies = true  # false: 100% means no unauthorised absence
/// minimum_possible = 20                   # possible sessions needed in the period
/// improved_by = 5                         # percentage points that count as improved
/// improved_listed = 10                    # pupils the most improved list names (more if tied)
/// ```
pub fn reward_rules_from_table(
    file: &str,
    table: &toml::Table,
) -> Result<RewardRules, Vec<InputError>> {
    let mut rules = RewardRules::default();
    let mut errors = Vec::new();
    let Some(t) = table_of(file, table, "rewards", REWARDS_KEYS, &mut errors) else {
        return if errors.is_empty() {
            Ok(rules)
        } else {
            Err(errors)
        };
    };
    let mut err = |field: &str, message: String| {
        errors.push(InputError::new(
            file,
            None,
            Some(&format!("rewards.{field}")),
            message,
        ))
    };
    let keys: Vec<&str> = Reward::ALL.iter().map(|r| r.key()).collect();
    for (key, value) in t {
        match (key.as_str(), value) {
            ("given", Value::Array(items)) => {
                let mut given = Vec::new();
                for item in items {
                    match item.as_str().and_then(Reward::parse) {
                        Some(r) if !given.contains(&r) => given.push(r),
                        Some(r) => err(key, format!("'{}' is listed twice", r.key())),
                        None => err(
                            key,
                            format!("{item} is not a reward; expected any of {}", keys.join(", ")),
                        ),
                    }
                }
                given.sort();
                rules.given = given;
            }
            ("given", other) => err(
                key,
                format!("{other} is not a list of rewards; expected e.g. [\"full_term\", \"most_improved\"]"),
            ),
            ("lates_allowed", Value::Boolean(false)) => rules.lates_allowed = None,
            ("lates_allowed", Value::Integer(n)) if (0..=400).contains(n) => {
                rules.lates_allowed = u32::try_from(*n).ok();
            }
            ("lates_allowed", other) => err(
                key,
                format!("{other} is not a number of late marks; expected a whole number from 0 to 400, or false for any number"),
            ),
            ("authorised_absence_disqualifies", Value::Boolean(b)) => {
                rules.authorised_absence_disqualifies = *b;
            }
            ("authorised_absence_disqualifies", other) => {
                err(key, format!("{other} is not true or false"))
            }
            ("minimum_possible", Value::Integer(n)) if (1..=400).contains(n) => {
                rules.minimum_possible = u32::try_from(*n).unwrap_or(1);
            }
            ("minimum_possible", other) => err(
                key,
                format!("{other} is not a number of sessions; expected a whole number from 1 to 400"),
            ),
            ("improved_by", v) => match rate_value(v) {
                Ok(r) if r > Rate::ZERO => rules.improved_by = r.hundredths(),
                Ok(_) => err(key, "an improvement must be more than 0 points".into()),
                Err(m) => err(key, format!("{m}; expected percentage points such as 5 or 2.5")),
            },
            ("improved_listed", Value::Integer(n)) if (1..=1000).contains(n) => {
                rules.improved_listed = u32::try_from(*n).unwrap_or(1);
            }
            ("improved_listed", other) => err(
                key,
                format!("{other} is not a number of pupils; expected a whole number from 1 to 1000"),
            ),
            (other, _) => err(
                other,
                format!("unknown setting; expected any of {}", REWARDS_KEYS.join(", ")),
            ),
        }
    }
    if errors.is_empty() {
        Ok(rules)
    } else {
        Err(errors)
    }
}

/// Reads the `[eligibility]` table of a policy file (already merged with the defaults).
///
/// ```toml
/// [eligibility]
/// threshold = 95   # attendance (%) over the period for trips and events
/// ```
pub fn eligibility_rules_from_table(
    file: &str,
    table: &toml::Table,
) -> Result<EligibilityRules, Vec<InputError>> {
    let mut rules = EligibilityRules::default();
    let mut errors = Vec::new();
    if let Some(t) = table_of(file, table, "eligibility", ELIGIBILITY_KEYS, &mut errors) {
        for (key, value) in t {
            let field = format!("eligibility.{key}");
            match key.as_str() {
                "threshold" => match rate_value(value) {
                    Ok(r) if r > Rate::ZERO => rules.threshold = r,
                    Ok(_) => errors.push(InputError::new(
                        file,
                        None,
                        Some(&field),
                        "a threshold of 0% makes every pupil eligible; leave it out for the default of 95%",
                    )),
                    Err(m) => errors.push(InputError::new(
                        file,
                        None,
                        Some(&field),
                        format!("{m}; expected a percentage such as 95 or 92.5"),
                    )),
                },
                other => errors.push(InputError::new(
                    file,
                    None,
                    Some(&field),
                    format!(
                        "unknown setting '{other}'; expected any of {}",
                        ELIGIBILITY_KEYS.join(", ")
                    ),
                )),
            }
        }
    }
    if errors.is_empty() {
        Ok(rules)
    } else {
        Err(errors)
    }
}

/// The school's rules for rewards and eligibility: its policy's, or the defaults'.
pub fn school_rules(
    store: &mut dyn Store,
    school: SchoolId,
) -> crate::error::Result<(RewardRules, EligibilityRules)> {
    let merged = crate::alerts::merged_policy_table(store, school)?;
    let rewards = reward_rules_from_table("the stored policy", &merged)
        .map_err(crate::error::AppError::Input)?;
    let eligibility = eligibility_rules_from_table("the stored policy", &merged)
        .map_err(crate::error::AppError::Input)?;
    Ok((rewards, eligibility))
}

/// A period of the calendar a list can be made for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedPeriod {
    /// Stable within a calendar: `half-N` (the Nth half term), `term-YYYY-season`, `year-YYYY`.
    pub key: String,
    pub label: String,
    pub from: Date,
    pub to: Date,
}

/// The half terms of the calendar, the terms they make up and the academic years, in date order
/// (a term before its half terms, a year before its terms).
pub fn periods(calendar: &Calendar) -> Vec<NamedPeriod> {
    let mut out: Vec<NamedPeriod> = Vec::new();
    let mut last_year = None;
    let mut last_term = None;
    for (i, h) in calendar.half_terms().iter().enumerate() {
        let year = academic_year(h.start);
        let yy = (year + 1).rem_euclid(100);
        if last_year != Some(year) {
            last_year = Some(year);
            out.push(NamedPeriod {
                key: format!("year-{year}"),
                label: format!("The year {year}/{yy:02}"),
                from: h.start,
                to: h.end,
            });
        } else if let Some(y) = out
            .iter_mut()
            .rev()
            .find(|p| p.key == format!("year-{year}"))
        {
            y.to = y.to.max(h.end);
        }
        let season = match h.start.month() {
            9..=12 => "autumn",
            1..=3 => "spring",
            _ => "summer",
        };
        let key = format!("term-{year}-{season}");
        if last_term.as_deref() != Some(key.as_str()) {
            last_term = Some(key.clone());
            out.push(NamedPeriod {
                key,
                label: format!("The {season} term {year}/{yy:02}"),
                from: h.start,
                to: h.end,
            });
        } else if let Some(t) = out.iter_mut().rev().find(|p| p.key == key) {
            t.to = t.to.max(h.end);
        }
        out.push(NamedPeriod {
            key: format!("half-{i}"),
            label: format!("Half term {} ({year}/{yy:02})", h.name),
            from: h.start,
            to: h.end,
        });
    }
    out
}

/// A pupil's figures over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    pub pupil: StoredPupil,
    pub counts: Counts,
}

/// Attendance of `c`: (present + approved educational activity) over possible sessions.
fn attended(c: &Counts) -> u32 {
    c.present + c.aea
}

/// Each pupil's counts over `from..=to`, for the pupils given, by their time on roll.
pub fn figures(
    calendar: &Calendar,
    pupils: &[StoredPupil],
    facts: &[PupilMarkFact],
    from: Date,
    to: Date,
) -> Vec<Figures> {
    let (grid_from, grid_to) = match calendar.span() {
        Some((start, end)) => (from.max(start), to.min(end)),
        None => (from, from),
    };
    let mut by_pupil: HashMap<PupilId, Vec<rollcall_core::marks::MarkFact>> = HashMap::new();
    for f in facts {
        if f.fact.date >= from && f.fact.date <= to {
            by_pupil.entry(f.pupil).or_default().push(f.fact);
        }
    }
    let mut grids = HashMap::new();
    pupils
        .iter()
        .map(|p| {
            let counts = if grid_to < grid_from {
                Counts::default()
            } else {
                let grid = grids
                    .entry(p.pupil.year_group)
                    .or_insert_with(|| calendar.grid(p.pupil.year_group, grid_from, grid_to));
                pupil_counts(
                    grid,
                    (p.pupil.admission_date, p.pupil.leaving_date),
                    grid_from,
                    grid_to,
                    by_pupil.get(&p.id).map_or(&[][..], Vec::as_slice),
                )
            };
            Figures {
                pupil: p.clone(),
                counts,
            }
        })
        .collect()
}

/// Why a pupil with 100% attendance by the DfE's measure, or by the policy's, does not earn it;
/// `None` when they do.
pub fn full_attendance_missed(c: &Counts, rules: &RewardRules) -> Option<String> {
    if c.possible < rules.minimum_possible {
        return Some(format!(
            "{} possible sessions, fewer than the {} needed",
            c.possible, rules.minimum_possible
        ));
    }
    if c.unauthorised > 0 {
        return Some(format!("{} unauthorised sessions", c.unauthorised));
    }
    if rules.authorised_absence_disqualifies && c.authorised > 0 {
        return Some(format!("{} authorised absences", c.authorised));
    }
    if let Some(allowed) = rules.lates_allowed {
        if c.late > allowed {
            return Some(format!(
                "{} late marks, more than the {allowed} allowed",
                c.late
            ));
        }
    }
    None
}

/// The pupils who earn a 100% reward over the period, in the order given.
pub fn full_attendance(figures: &[Figures], rules: &RewardRules) -> Vec<Figures> {
    figures
        .iter()
        .filter(|f| full_attendance_missed(&f.counts, rules).is_none())
        .cloned()
        .collect()
}

/// A pupil's improvement between two periods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Improvement {
    pub pupil: StoredPupil,
    pub before: Counts,
    pub after: Counts,
}

impl Improvement {
    /// The gain as an exact fraction of percentage points ×100: (numerator, denominator).
    fn gain(&self) -> (i128, i128) {
        let (a0, p0) = (
            i128::from(attended(&self.before)),
            i128::from(self.before.possible),
        );
        let (a1, p1) = (
            i128::from(attended(&self.after)),
            i128::from(self.after.possible),
        );
        ((a1 * p0 - a0 * p1) * 10_000, p0 * p1)
    }

    /// The gain in hundredths of a percentage point, rounded half away from zero.
    pub fn points_hundredths(&self) -> i64 {
        let (n, d) = self.gain();
        if d == 0 {
            return 0;
        }
        let r = (2 * n.abs() + d) / (2 * d);
        i64::try_from(if n < 0 { -r } else { r }).unwrap_or(0)
    }

    /// The gain as text: `+12.50 points`.
    pub fn points_text(&self) -> String {
        let h = self.points_hundredths();
        let sign = if h < 0 { "-" } else { "+" };
        format!("{sign}{}.{:02} points", h.abs() / 100, h.abs() % 100)
    }

    fn cmp_gain(&self, other: &Improvement) -> std::cmp::Ordering {
        let (n1, d1) = self.gain();
        let (n2, d2) = other.gain();
        (n1 * d2).cmp(&(n2 * d1))
    }
}

/// The most improved pupils: those in both periods' figures (matched by pupil) with enough
/// possible sessions in each and at least the policy's gain, most improved first (then by
/// name); the first `improved_listed` and everyone tied with the last of them.
pub fn most_improved(
    before: &[Figures],
    after: &[Figures],
    rules: &RewardRules,
) -> Vec<Improvement> {
    let earlier: HashMap<PupilId, &Counts> =
        before.iter().map(|f| (f.pupil.id, &f.counts)).collect();
    let mut list: Vec<Improvement> = after
        .iter()
        .filter_map(|f| {
            let b = earlier.get(&f.pupil.id)?;
            (b.possible >= rules.minimum_possible && f.counts.possible >= rules.minimum_possible)
                .then(|| Improvement {
                    pupil: f.pupil.clone(),
                    before: **b,
                    after: f.counts,
                })
        })
        .filter(|i| {
            let (n, d) = i.gain();
            n > 0 && n >= i128::from(rules.improved_by) * d
        })
        .collect();
    list.sort_by(|a, b| {
        b.cmp_gain(a)
            .then_with(|| a.pupil.pupil.surname.cmp(&b.pupil.pupil.surname))
            .then_with(|| a.pupil.pupil.forename.cmp(&b.pupil.pupil.forename))
    });
    let keep = usize::try_from(rules.improved_listed).unwrap_or(usize::MAX);
    if list.len() > keep && keep > 0 {
        let mut end = keep;
        while end < list.len() && list[end].cmp_gain(&list[keep - 1]).is_eq() {
            end += 1;
        }
        list.truncate(end);
    }
    list
}

/// A form's attendance in one school week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormWeek {
    pub form: String,
    pub attended: u32,
    pub possible: u32,
    pub pupils: usize,
}

impl FormWeek {
    pub fn attendance(&self) -> Option<Percent> {
        Percent::of(self.attended, self.possible)
    }
}

/// The best form (or forms, when tied) of one school week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BestFormWeek {
    /// The Monday of the week.
    pub monday: Date,
    pub best: Vec<FormWeek>,
    /// Every form with a possible session that week, best first.
    pub forms: Vec<FormWeek>,
}

/// For each school week of `from..=to`, the forms' attendance, best first, and the best (every
/// form tied at the top). Pupils count towards their form over their time on roll.
pub fn best_forms(
    calendar: &Calendar,
    pupils: &[StoredPupil],
    facts: &[PupilMarkFact],
    from: Date,
    to: Date,
) -> Vec<BestFormWeek> {
    let mut out = Vec::new();
    if to < from {
        return out;
    }
    let mut monday = from - Duration::days(i64::from(from.weekday().num_days_from_monday()));
    while monday <= to {
        let (start, end) = (monday.max(from), (monday + Duration::days(6)).min(to));
        let week = figures(calendar, pupils, facts, start, end);
        let mut forms: BTreeMap<&str, FormWeek> = BTreeMap::new();
        for f in &week {
            let Some(form) = f.pupil.pupil.form.as_deref() else {
                continue;
            };
            if f.counts.possible == 0 {
                continue;
            }
            let e = forms.entry(form).or_insert_with(|| FormWeek {
                form: form.to_owned(),
                attended: 0,
                possible: 0,
                pupils: 0,
            });
            e.attended += attended(&f.counts);
            e.possible += f.counts.possible;
            e.pupils += 1;
        }
        let mut forms: Vec<FormWeek> = forms.into_values().collect();
        let rate_cmp = |a: &FormWeek, b: &FormWeek| {
            (u64::from(b.attended) * u64::from(a.possible))
                .cmp(&(u64::from(a.attended) * u64::from(b.possible)))
        };
        forms.sort_by(|a, b| rate_cmp(a, b).then_with(|| a.form.cmp(&b.form)));
        if let Some(top) = forms.first().cloned() {
            let best = forms
                .iter()
                .take_while(|f| rate_cmp(f, &top).is_eq())
                .cloned()
                .collect();
            out.push(BestFormWeek {
                monday,
                best,
                forms,
            });
        }
        monday += Duration::days(7);
    }
    out
}

/// The threshold applied to a pupil for a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Threshold {
    /// The school's (or the trip's).
    Standard(Rate),
    /// The pupil's own target.
    Own(StoredTarget),
}

impl Threshold {
    pub fn rate(&self) -> Rate {
        match self {
            Threshold::Standard(r) => *r,
            Threshold::Own(t) => Rate::from_hundredths(t.target.hundredths),
        }
    }
}

/// One pupil's eligibility, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eligibility {
    pub figures: Figures,
    pub threshold: Threshold,
    /// `None`: no possible session in the period to judge by.
    pub eligible: Option<bool>,
    /// Why, in a sentence.
    pub reason: String,
}

/// The target of a pupil's that applies to `from..=to`: the latest set that had begun by `to`,
/// unless it had ended before `from`. `targets` are the pupil's, in the order they were set.
pub fn target_for<'t>(
    targets: &[&'t StoredTarget],
    from: Date,
    to: Date,
) -> Option<&'t StoredTarget> {
    let latest = targets
        .iter()
        .filter(|t| t.target.from <= to)
        .max_by_key(|t| t.id)?;
    latest
        .target
        .until
        .is_none_or(|u| u >= from)
        .then_some(*latest)
}

/// Every pupil's eligibility over the period against `standard`, or their own target.
pub fn eligibility(
    figures: &[Figures],
    targets: &[StoredTarget],
    standard: Rate,
    from: Date,
    to: Date,
) -> Vec<Eligibility> {
    let mut own: HashMap<PupilId, Vec<&StoredTarget>> = HashMap::new();
    for t in targets {
        own.entry(t.target.pupil).or_default().push(t);
    }
    figures
        .iter()
        .map(|f| {
            let threshold = match own.get(&f.pupil.id).and_then(|ts| target_for(ts, from, to)) {
                Some(t) => Threshold::Own(t.clone()),
                None => Threshold::Standard(standard),
            };
            let c = &f.counts;
            let rate = threshold.rate();
            let whose = match &threshold {
                Threshold::Standard(_) => "the standard threshold".to_owned(),
                Threshold::Own(t) => format!("their own target ({})", t.target.reason),
            };
            let (eligible, reason) = if c.possible == 0 {
                (
                    None,
                    "no possible sessions on roll in the period to judge by".to_owned(),
                )
            } else {
                let pct = Percent::of(attended(c), c.possible)
                    .map_or_else(String::new, |p| format!("{p}%"));
                let sessions = format!("{} of {} sessions", attended(c), c.possible);
                if rate.is_met_by(attended(c), c.possible) {
                    (
                        Some(true),
                        format!("attendance {pct} ({sessions}) meets {rate}, {whose}"),
                    )
                } else {
                    (
                        Some(false),
                        format!("attendance {pct} ({sessions}) is below {rate}, {whose}"),
                    )
                }
            };
            Eligibility {
                figures: f.clone(),
                threshold,
                eligible,
                reason,
            }
        })
        .collect()
}

/// The pupils listed for a period ending on `last`: on roll that day.
pub fn on_roll_at_end(pupils: Vec<StoredPupil>, last: Date) -> Vec<StoredPupil> {
    pupils
        .into_iter()
        .filter(|p| p.pupil.on_roll(last))
        .collect()
}
