//! Governors' figures.

use chrono::Datelike;
use rollcall_core::stats::{Counts, GroupStats};
use rollcall_core::{Date, Percent, Pupil, YearGroup};
use rollcall_store::{School, Store};

use crate::error::Result;
use crate::reports::{compute_pupil_stats, group_stats, GroupField};
use crate::table::Cell;

use super::{facts, within, Period, SMALLEST_GROUP};

/// A group's figures, or only the fact that it is too small to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guarded {
    /// No pupil had a possible session (e.g. a month of holidays).
    Empty,
    /// Fewer than [`SMALLEST_GROUP`] pupils with a possible session: nothing is shown.
    Small,
    /// A larger group hidden as well, because the groups hidden for being small would otherwise
    /// be worked out from the whole school's figures less the groups shown.
    Withheld,
    Shown(GroupStats),
}

impl Guarded {
    pub fn of(g: GroupStats) -> Guarded {
        if g.pupils == 0 {
            Guarded::Empty
        } else if g.pupils < SMALLEST_GROUP {
            Guarded::Small
        } else {
            Guarded::Shown(g)
        }
    }
}

/// Guards the groups of one characteristic, which together make up a whole that is shown: hides
/// each group of fewer than [`SMALLEST_GROUP`] pupils and then, while the hidden groups together
/// hold fewer than [`SMALLEST_GROUP`] pupils, the smallest group still shown as well, so that no
/// small group's figures can be found by subtraction.
pub fn guard_groups(groups: Vec<(String, GroupStats)>) -> Vec<(String, Guarded)> {
    let pupils: Vec<u32> = groups.iter().map(|(_, g)| g.pupils).collect();
    let mut hidden: Vec<bool> = pupils.iter().map(|&n| n < SMALLEST_GROUP).collect();
    let whole: Vec<usize> = (0..groups.len()).collect();
    hide_enough(&whole, &pupils, &mut hidden);
    label(groups, &hidden)
}

/// Hides more groups of a line (groups that together make up a larger one) while the hidden
/// groups of the line hold fewer than [`SMALLEST_GROUP`] pupils: the smallest group still shown
/// first. Says whether it hid any.
fn hide_enough(line: &[usize], pupils: &[u32], hidden: &mut [bool]) -> bool {
    let mut changed = false;
    loop {
        let total: u32 = line
            .iter()
            .filter(|&&i| hidden[i])
            .map(|&i| pupils[i])
            .sum();
        if total == 0 || total >= SMALLEST_GROUP {
            return changed;
        }
        match line
            .iter()
            .copied()
            .filter(|&i| !hidden[i])
            .min_by_key(|&i| pupils[i])
        {
            Some(i) => {
                hidden[i] = true;
                changed = true;
            }
            None => return changed,
        }
    }
}

/// Each group's figures, or why they are not shown.
fn label<K>(groups: Vec<(K, GroupStats)>, hidden: &[bool]) -> Vec<(K, Guarded)> {
    groups
        .into_iter()
        .zip(hidden)
        .map(|((key, g), &h)| {
            let shown = match Guarded::of(g) {
                Guarded::Shown(_) if h => Guarded::Withheld,
                other => other,
            };
            (key, shown)
        })
        .collect()
}

/// Figures by the groups of pupils sharing the values of `by` (the whole of `stats` when `by` is
/// empty), guarded for governors the way the governors' page guards its breakdowns: a group is
/// hidden
/// - when it has fewer than [`SMALLEST_GROUP`] pupils;
/// - when its value of one of the characteristics is hidden in that characteristic's own
///   breakdown ([`guard_groups`] over the same pupils), so that a table by several
///   characteristics never adds up to a figure a breakdown by one withholds;
/// - and then, along each characteristic, while the hidden groups of a line (the groups that
///   differ only in that characteristic, and so add up to a group of the others) hold fewer than
///   [`SMALLEST_GROUP`] pupils, the smallest group of the line still shown as well.
///
/// By one characteristic this is [`guard_groups`] itself.
pub fn guard_table(stats: &[(Pupil, Counts)], by: &[GroupField]) -> Vec<(Vec<Cell>, Guarded)> {
    let groups = group_stats(stats, by);
    let pupils: Vec<u32> = groups.iter().map(|(_, g)| g.pupils).collect();
    let mut hidden: Vec<bool> = pupils.iter().map(|&n| n < SMALLEST_GROUP).collect();
    for (d, field) in by.iter().enumerate() {
        let margin = group_stats(stats, &[*field]);
        let counts: Vec<u32> = margin.iter().map(|(_, g)| g.pupils).collect();
        let mut in_margin: Vec<bool> = counts.iter().map(|&n| n < SMALLEST_GROUP).collect();
        let whole: Vec<usize> = (0..margin.len()).collect();
        hide_enough(&whole, &counts, &mut in_margin);
        let withheld: Vec<&Cell> = margin
            .iter()
            .zip(&in_margin)
            .filter(|(_, h)| **h)
            .filter_map(|((key, _), _)| key.first())
            .collect();
        for ((key, _), h) in groups.iter().zip(hidden.iter_mut()) {
            if key.get(d).is_some_and(|v| withheld.contains(&v)) {
                *h = true;
            }
        }
    }
    let lines: Vec<Vec<usize>> = (0..by.len().max(1))
        .flat_map(|d| lines_along(&groups, d))
        .collect();
    loop {
        let mut changed = false;
        for line in &lines {
            changed |= hide_enough(line, &pupils, &mut hidden);
        }
        if !changed {
            break;
        }
    }
    label(groups, &hidden)
}

/// The lines of a table along its `d`th characteristic: the groups that share the values of
/// every other characteristic.
fn lines_along(groups: &[(Vec<Cell>, GroupStats)], d: usize) -> Vec<Vec<usize>> {
    let mut lines: Vec<(Vec<&Cell>, Vec<usize>)> = Vec::new();
    for (i, (key, _)) in groups.iter().enumerate() {
        let rest: Vec<&Cell> = key
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != d)
            .map(|(_, c)| c)
            .collect();
        match lines.iter_mut().find(|(k, _)| *k == rest) {
            Some((_, line)) => line.push(i),
            None => lines.push((rest, vec![i])),
        }
    }
    lines.into_iter().map(|(_, line)| line).collect()
}

/// The figures of the groups of one characteristic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breakdown {
    pub field: GroupField,
    /// What the characteristic is called, e.g. "Free school meals".
    pub title: &'static str,
    /// Each group's name for people, e.g. "Eligible", with its figures.
    pub rows: Vec<(String, Guarded)>,
}

/// One calendar month of the year so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month {
    /// The first day of the month.
    pub month: Date,
    /// The part of the month in the year so far.
    pub period: Period,
    pub figures: Guarded,
}

/// Figures for governors: never a pupil's name or UPN, and no group of fewer than
/// [`SMALLEST_GROUP`] pupils.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GovernorFigures {
    pub year: Period,
    /// Every pupil on roll: the school's own figure.
    pub whole: Guarded,
    /// Pupils aged 5 to 15 on the 31 August before the year: the cohort national figures cover,
    /// to set beside them.
    pub national_cohort: Guarded,
    pub breakdowns: Vec<Breakdown>,
    pub months: Vec<Month>,
    /// The phase to compare with nationally: secondary when every pupil is in years 7 to 14,
    /// primary when every pupil is in years R to 6, else all schools.
    pub phase: Phase,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Primary,
    Secondary,
    All,
}

fn title_of(field: GroupField) -> &'static str {
    match field {
        GroupField::YearGroup => "Year group",
        GroupField::Form => "Form",
        GroupField::Sex => "Sex",
        GroupField::Fsm => "Free school meals",
        GroupField::PupilPremium => "Pupil premium",
        GroupField::LookedAfter => "Looked after",
        GroupField::SocialWorker => "Has a social worker",
        GroupField::Eal => "English as an additional language",
        GroupField::YoungCarer => "Young carer",
        GroupField::Sen => "Special educational needs",
        GroupField::Ethnicity => "Ethnicity",
    }
}

fn group_label(field: GroupField, cell: &Cell) -> String {
    match (field, cell) {
        (GroupField::YearGroup, Cell::Text(t)) => format!("Year {t}"),
        (GroupField::Sex, Cell::Text(t)) if t == "F" => "Female".into(),
        (GroupField::Sex, Cell::Text(t)) if t == "M" => "Male".into(),
        (GroupField::Sen, Cell::Text(t)) if t == "N" => "No special educational needs".into(),
        (GroupField::Sen, Cell::Text(t)) if t == "K" => "SEN support".into(),
        (GroupField::Sen, Cell::Text(t)) if t == "E" => "Education, health and care plan".into(),
        (_, Cell::Bool(true)) => "Yes".into(),
        (_, Cell::Bool(false)) => "No".into(),
        (_, Cell::Text(t)) => t.clone(),
        (_, Cell::Null) => "Not recorded".into(),
        (_, Cell::Int(n)) => n.to_string(),
        (_, Cell::Pct(p)) => p.to_string(),
        (_, Cell::Rich(t, _)) => t.clone(),
    }
}

/// The characteristics governors see figures by.
pub const GOVERNOR_FIELDS: [GroupField; 10] = [
    GroupField::YearGroup,
    GroupField::Sex,
    GroupField::Fsm,
    GroupField::PupilPremium,
    GroupField::Sen,
    GroupField::LookedAfter,
    GroupField::SocialWorker,
    GroupField::Eal,
    GroupField::YoungCarer,
    GroupField::Ethnicity,
];

/// The whole school's figures for the year to date, by year group and characteristic, and
/// month by month.
pub fn governor_figures(
    store: &mut dyn Store,
    school: &School,
    today: Date,
) -> Result<GovernorFigures> {
    let calendar = store.calendar(school.id)?;
    let pupils = store.pupils(school.id)?;
    let year = Period::year_to_date(today);
    let all = facts(store, school, year)?;
    let phase = if pupils
        .iter()
        .all(|p| matches!(p.pupil.year_group, YearGroup::Year(7..=14)))
    {
        Phase::Secondary
    } else if pupils.iter().all(|p| {
        matches!(
            p.pupil.year_group,
            YearGroup::Reception | YearGroup::Year(1..=6)
        )
    }) {
        Phase::Primary
    } else {
        Phase::All
    };
    let mut months = Vec::new();
    let mut first = year.from;
    while first <= year.to {
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(year.to);
        let period = Period {
            from: first,
            to: next.pred_opt().unwrap_or(next).min(year.to),
        };
        let stats = compute_pupil_stats(
            &calendar,
            pupils.clone(),
            within(&all, period),
            period.from,
            period.to,
        );
        let whole = group_stats(&stats, &[]);
        let figures = Guarded::of(whole.first().map(|(_, g)| *g).unwrap_or_default());
        months.push(Month {
            month: first,
            period,
            figures,
        });
        if next <= first {
            break;
        }
        first = next;
    }
    let stats = compute_pupil_stats(&calendar, pupils, all, year.from, year.to);
    let whole = Guarded::of(
        group_stats(&stats, &[])
            .first()
            .map(|(_, g)| *g)
            .unwrap_or_default(),
    );
    let academic = rollcall_core::dates::academic_year(year.from);
    let cohort: Vec<_> = stats
        .iter()
        .filter(|(p, _)| p.in_national_cohort(academic))
        .cloned()
        .collect();
    let cohort = group_stats(&cohort, &[])
        .first()
        .map(|(_, g)| *g)
        .unwrap_or_default();
    // The whole school less the cohort is the pupils outside it: when they are fewer than five,
    // showing both would give their figures away, so the cohort's are withheld.
    let outside = match &whole {
        Guarded::Shown(w) => w.pupils.saturating_sub(cohort.pupils),
        _ => 0,
    };
    let national_cohort = match Guarded::of(cohort) {
        Guarded::Shown(_) if (1..SMALLEST_GROUP).contains(&outside) => Guarded::Withheld,
        guarded => guarded,
    };
    let breakdowns = GOVERNOR_FIELDS
        .iter()
        .map(|&field| Breakdown {
            field,
            title: title_of(field),
            rows: guard_groups(
                group_stats(&stats, &[field])
                    .into_iter()
                    .map(|(key, g)| {
                        let label = key
                            .first()
                            .map_or_else(String::new, |c| group_label(field, c));
                        (label, g)
                    })
                    .collect(),
            ),
        })
        .collect();
    Ok(GovernorFigures {
        year,
        whole,
        national_cohort,
        breakdowns,
        months,
        phase,
    })
}

/// National figures published by the Department for Education, to set a school's beside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct National {
    /// The schools covered, e.g. "state-funded secondary schools".
    pub phase: &'static str,
    /// The academic year and part of it, e.g. "2025/26, year to date".
    pub time_period: &'static str,
    pub possible: u64,
    pub present: u64,
    pub aea: u64,
    /// The published persistent absence rate, as published (the DfE does not publish the counts
    /// behind it in this file).
    pub pa_pct: &'static str,
}

impl National {
    /// Attendance: (present + AEA) / possible, from the published counts.
    pub fn attendance_pct(&self) -> Option<Percent> {
        Percent::of_u64(self.present + self.aea, self.possible)
    }
}

/// Where the national figures come from.
pub const NATIONAL_SOURCE: &str = "Department for Education, attendance data dashboard, \
    year-to-date figures for England (data/EES_ytd_data.csv of \
    dfe-analytical-services/attendance-data-dashboard, commit 625dbfe), Open Government Licence v3.0";

/// England's figures for 2025/26 to date, from `attendance_ytd_2025_26.csv` (national rows).
pub const NATIONAL: [(Phase, National); 3] = [
    (
        Phase::Primary,
        National {
            phase: "state-funded primary schools",
            time_period: "2025/26, year to date",
            possible: 1_299_079_364,
            present: 1_217_200_019,
            aea: 13_331_077,
            pa_pct: "13.77",
        },
    ),
    (
        Phase::Secondary,
        National {
            phase: "state-funded secondary schools",
            time_period: "2025/26, year to date",
            possible: 1_093_892_081,
            present: 983_976_789,
            aea: 17_046_240,
            pa_pct: "23.77",
        },
    ),
    (
        Phase::All,
        National {
            phase: "all state-funded schools",
            time_period: "2025/26, year to date",
            possible: 2_445_419_687,
            present: 2_245_897_896,
            aea: 31_197_486,
            pa_pct: "18.78",
        },
    ),
];

/// The national figures to compare a school of `phase` with: its phase first, then all schools.
pub fn national_for(phase: Phase) -> Vec<National> {
    let mut out: Vec<National> = NATIONAL
        .iter()
        .filter(|(p, _)| *p == phase)
        .map(|(_, n)| *n)
        .collect();
    if phase != Phase::All {
        out.extend(
            NATIONAL
                .iter()
                .filter(|(p, _)| *p == Phase::All)
                .map(|(_, n)| *n),
        );
    }
    out
}

/// The month's name and year, e.g. "September 2024".
pub fn month_name(first: Date) -> String {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let name = NAMES
        .get(first.month0() as usize)
        .copied()
        .unwrap_or_default();
    format!("{name} {}", first.year())
}

#[cfg(test)]
mod tests {
    use rollcall_core::{Sex, Upn};

    use super::*;

    fn pupils(n: usize, sex: Sex, fsm: bool, first: usize) -> Vec<(Pupil, Counts)> {
        (first..first + n)
            .map(|i| {
                let pupil = Pupil {
                    upn: Upn::with_check_letter(&format!("{:012}", 100_000_000_000 + i)).unwrap(),
                    surname: format!("Pupil {i}"),
                    forename: "Sam".into(),
                    dob: Date::from_ymd_opt(2012, 10, 1).unwrap(),
                    sex: Some(sex),
                    year_group: YearGroup::Year(8),
                    form: Some("8A".into()),
                    admission_date: Date::from_ymd_opt(2023, 9, 1).unwrap(),
                    leaving_date: None,
                    fsm,
                    pupil_premium: false,
                    looked_after: false,
                    social_worker: false,
                    eal: false,
                    young_carer: false,
                    sen: Default::default(),
                    ethnicity: None,
                    deletion_ground: None,
                };
                let counts = Counts {
                    possible: 10,
                    present: 10,
                    ..Counts::default()
                };
                (pupil, counts)
            })
            .collect()
    }

    fn shown(rows: &[(Vec<Cell>, Guarded)]) -> Vec<&'static str> {
        rows.iter()
            .map(|(_, g)| match g {
                Guarded::Empty => "empty",
                Guarded::Small => "small",
                Guarded::Withheld => "withheld",
                Guarded::Shown(_) => "shown",
            })
            .collect()
    }

    /// A small group of a table by two characteristics hides a neighbour along each of them,
    /// so that neither the row nor the column it is in can be subtracted to find it.
    #[test]
    fn a_table_hides_enough_along_each_characteristic() {
        let mut stats = pupils(20, Sex::F, false, 0);
        stats.extend(pupils(3, Sex::F, true, 100));
        stats.extend(pupils(20, Sex::M, false, 200));
        stats.extend(pupils(10, Sex::M, true, 300));
        let by = [GroupField::Sex, GroupField::Fsm];
        let rows = guard_table(&stats, &by);
        let keys: Vec<_> = rows.iter().map(|(k, _)| k.clone()).collect();
        assert_eq!(
            keys,
            [
                vec![Cell::Text("F".into()), Cell::Bool(false)],
                vec![Cell::Text("F".into()), Cell::Bool(true)],
                vec![Cell::Text("M".into()), Cell::Bool(false)],
                vec![Cell::Text("M".into()), Cell::Bool(true)],
            ]
        );
        assert_eq!(shown(&rows), ["withheld", "small", "shown", "withheld"]);

        // By one characteristic, the governors' page's own rule.
        for field in by {
            let page = guard_groups(
                group_stats(&stats, &[field])
                    .into_iter()
                    .map(|(k, g)| (format!("{k:?}"), g))
                    .collect(),
            );
            let table = guard_table(&stats, &[field]);
            assert_eq!(
                table.iter().map(|(_, g)| *g).collect::<Vec<_>>(),
                page.iter().map(|(_, g)| *g).collect::<Vec<_>>()
            );
        }
        // A value hidden in its own breakdown is hidden in every table by it.
        let mut few = stats.clone();
        few.extend(pupils(2, Sex::F, false, 400).into_iter().map(|(mut p, c)| {
            p.sex = None;
            (p, c)
        }));
        let rows = guard_table(&few, &by);
        // Pupils with no sex recorded (2) are small by sex; the smallest sex shown beside them,
        // F (23), is withheld in the breakdown by sex, and so in the table.
        assert_eq!(
            shown(&rows),
            ["withheld", "small", "shown", "withheld", "small"]
        );
    }
}
