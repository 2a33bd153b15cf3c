//! Figures out: the admission register and attendance statistics, per pupil and per group.
//!
//! Marks are loaded once and counted in `rollcall-core`; no figure is computed in SQL.

use std::collections::{BTreeMap, HashMap};

use rollcall_core::stats::{pupil_counts, Counts, GroupStats};
use rollcall_core::{Date, Pupil, Sen, Sex, YearGroup};
use rollcall_store::{DateRange, PupilId, PupilMarkFact, SchoolId, Store, StoredPupil};

use crate::error::{AppError, Result};
use crate::table::{Cell, Table};

/// The admission register with its derived columns.
pub fn pupils_table(store: &mut dyn Store, school: SchoolId) -> Result<Table> {
    let mut t = Table::new([
        "upn",
        "surname",
        "forename",
        "dob",
        "sex",
        "year_group",
        "form",
        "admission_date",
        "leaving_date",
        "fsm",
        "pupil_premium",
        "looked_after",
        "social_worker",
        "eal",
        "young_carer",
        "sen",
        "ethnicity",
        "csa_start",
        "csa_end",
    ]);
    for StoredPupil { pupil: p, .. } in store.pupils(school)? {
        let (csa_start, csa_end) = p.compulsory_school_age();
        t.push(vec![
            Cell::Text(p.upn.to_string()),
            Cell::Text(p.surname.clone()),
            Cell::Text(p.forename.clone()),
            Cell::Text(p.dob.to_string()),
            p.sex.map(|s| s.to_string()).into(),
            Cell::Text(p.year_group.to_string()),
            p.form.clone().into(),
            Cell::Text(p.admission_date.to_string()),
            p.leaving_date.map(|d| d.to_string()).into(),
            Cell::Bool(p.fsm),
            Cell::Bool(p.pupil_premium),
            Cell::Bool(p.looked_after),
            Cell::Bool(p.social_worker),
            Cell::Bool(p.eal),
            Cell::Bool(p.young_carer),
            Cell::Text(p.sen.to_string()),
            p.ethnicity.clone().into(),
            Cell::Text(csa_start.to_string()),
            Cell::Text(csa_end.to_string()),
        ]);
    }
    Ok(t)
}

/// Each pupil on roll at any time in `from..=to`, with their counts, in UPN order.
pub fn pupil_stats(
    store: &mut dyn Store,
    school: SchoolId,
    from: Date,
    to: Date,
) -> Result<Vec<(Pupil, Counts)>> {
    if to < from {
        return Err(AppError::Usage(format!(
            "the period ends on {to}, before it starts on {from}"
        )));
    }
    let calendar = store.calendar(school)?;
    let pupils = store.pupils(school)?;
    let facts = store.mark_facts(school, DateRange::between(from, to))?;
    Ok(compute_pupil_stats(&calendar, pupils, facts, from, to))
}

/// The counting itself, over data already in memory.
pub fn compute_pupil_stats(
    calendar: &rollcall_core::Calendar,
    pupils: Vec<StoredPupil>,
    mut facts: Vec<PupilMarkFact>,
    from: Date,
    to: Date,
) -> Vec<(Pupil, Counts)> {
    // Only the dates the calendar speaks of can hold school sessions.
    let (grid_from, grid_to) = match calendar.span() {
        Some((start, end)) => (from.max(start), to.min(end)),
        None => (from, from),
    };
    let mut grids = HashMap::new();
    facts.sort_unstable_by_key(|f| f.pupil);
    let mut by_pupil: HashMap<PupilId, &[PupilMarkFact]> = HashMap::with_capacity(pupils.len());
    for chunk in facts.chunk_by(|a, b| a.pupil == b.pupil) {
        by_pupil.insert(chunk[0].pupil, chunk);
    }
    let mut scratch = Vec::new();
    let mut out = Vec::with_capacity(pupils.len());
    for StoredPupil { id, pupil } in pupils {
        if !pupil.on_roll_during(from, to) {
            continue;
        }
        let grid = grids
            .entry(pupil.year_group)
            .or_insert_with(|| calendar.grid(pupil.year_group, grid_from, grid_to.max(grid_from)));
        scratch.clear();
        scratch.extend(
            by_pupil
                .get(&id)
                .into_iter()
                .flat_map(|m| m.iter().map(|f| f.fact)),
        );
        let counts = if grid_to < grid_from {
            Counts::default()
        } else {
            pupil_counts(
                grid,
                (pupil.admission_date, pupil.leaving_date),
                grid_from,
                grid_to,
                &scratch,
            )
        };
        out.push((pupil, counts));
    }
    out.sort_by(|a, b| a.0.upn.cmp(&b.0.upn));
    out
}

pub fn pupil_stats_table(stats: &[(Pupil, Counts)]) -> Table {
    let mut t = Table::new([
        "upn",
        "possible",
        "present",
        "aea",
        "authorised",
        "unauthorised",
        "unmarked",
        "late",
        "attendance_pct",
        "absence_pct",
        "authorised_pct",
        "unauthorised_pct",
        "persistent_absence",
        "severe_absence",
    ]);
    for (p, c) in stats {
        t.push(vec![
            Cell::Text(p.upn.to_string()),
            Cell::Int(c.possible.into()),
            Cell::Int(c.present.into()),
            Cell::Int(c.aea.into()),
            Cell::Int(c.authorised.into()),
            Cell::Int(c.unauthorised.into()),
            Cell::Int(c.unmarked.into()),
            Cell::Int(c.late.into()),
            c.attendance_pct().into(),
            c.absence_pct().into(),
            c.authorised_pct().into(),
            c.unauthorised_pct().into(),
            Cell::Bool(c.persistent_absence()),
            Cell::Bool(c.severe_absence()),
        ]);
    }
    t
}

/// A characteristic pupils can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupField {
    YearGroup,
    Form,
    Sex,
    Fsm,
    PupilPremium,
    LookedAfter,
    SocialWorker,
    Eal,
    YoungCarer,
    Sen,
    Ethnicity,
}

impl GroupField {
    pub const ALL: [GroupField; 11] = [
        GroupField::YearGroup,
        GroupField::Form,
        GroupField::Sex,
        GroupField::Fsm,
        GroupField::PupilPremium,
        GroupField::LookedAfter,
        GroupField::SocialWorker,
        GroupField::Eal,
        GroupField::YoungCarer,
        GroupField::Sen,
        GroupField::Ethnicity,
    ];

    pub fn name(self) -> &'static str {
        match self {
            GroupField::YearGroup => "year_group",
            GroupField::Form => "form",
            GroupField::Sex => "sex",
            GroupField::Fsm => "fsm",
            GroupField::PupilPremium => "pupil_premium",
            GroupField::LookedAfter => "looked_after",
            GroupField::SocialWorker => "social_worker",
            GroupField::Eal => "eal",
            GroupField::YoungCarer => "young_carer",
            GroupField::Sen => "sen",
            GroupField::Ethnicity => "ethnicity",
        }
    }

    /// Reads a comma-separated `--by` list.
    pub fn parse_list(text: &str) -> Result<Vec<GroupField>> {
        let mut fields = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let field = GroupField::ALL
                .into_iter()
                .find(|f| f.name() == part)
                .ok_or_else(|| {
                    let names: Vec<_> = GroupField::ALL.iter().map(|f| f.name()).collect();
                    AppError::Usage(format!(
                        "cannot group by '{part}'; expected any of {}",
                        names.join(", ")
                    ))
                })?;
            if !fields.contains(&field) {
                fields.push(field);
            }
        }
        Ok(fields)
    }

    fn key(self, p: &Pupil) -> Key {
        match self {
            GroupField::YearGroup => Key::Year(p.year_group),
            GroupField::Form => Key::Text(p.form.clone()),
            GroupField::Sex => Key::Sex(p.sex),
            GroupField::Fsm => Key::Bool(p.fsm),
            GroupField::PupilPremium => Key::Bool(p.pupil_premium),
            GroupField::LookedAfter => Key::Bool(p.looked_after),
            GroupField::SocialWorker => Key::Bool(p.social_worker),
            GroupField::Eal => Key::Bool(p.eal),
            GroupField::YoungCarer => Key::Bool(p.young_carer),
            GroupField::Sen => Key::Sen(p.sen),
            GroupField::Ethnicity => Key::Text(p.ethnicity.clone()),
        }
    }
}

/// A group's value of one field, ordered as a school would list it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Year(YearGroup),
    Bool(bool),
    Sen(Sen),
    /// Known values first, then pupils with none recorded.
    Sex(Option<Sex>),
    Text(Option<String>),
}

impl Key {
    fn cell(&self) -> Cell {
        match self {
            Key::Year(y) => Cell::Text(y.to_string()),
            Key::Bool(b) => Cell::Bool(*b),
            Key::Sen(s) => Cell::Text(s.to_string()),
            Key::Sex(s) => s.map(|s| s.to_string()).into(),
            Key::Text(t) => t.clone().into(),
        }
    }

    fn order(&self) -> (u8, &Key) {
        // `None` sorts last within its field.
        let missing = matches!(self, Key::Sex(None) | Key::Text(None));
        (u8::from(missing), self)
    }
}

/// Totals per group of pupils sharing the values of `by` (one group for the whole school when
/// `by` is empty), in the order of those values.
pub fn group_stats(stats: &[(Pupil, Counts)], by: &[GroupField]) -> Vec<(Vec<Cell>, GroupStats)> {
    let mut groups: BTreeMap<Vec<(u8, Key)>, GroupStats> = BTreeMap::new();
    for (p, c) in stats {
        let key = by
            .iter()
            .map(|f| {
                let k = f.key(p);
                (k.order().0, k)
            })
            .collect();
        groups.entry(key).or_default().add(c);
    }
    groups
        .into_iter()
        .map(|(k, g)| (k.iter().map(|(_, k)| k.cell()).collect(), g))
        .collect()
}

pub fn group_stats_table(by: &[GroupField], groups: &[(Vec<Cell>, GroupStats)]) -> Table {
    let columns = by.iter().map(|f| f.name()).chain([
        "pupils",
        "possible",
        "present",
        "aea",
        "authorised",
        "unauthorised",
        "attendance_pct",
        "absence_pct",
        "pa_pupils",
        "pa_pct",
        "sa_pupils",
        "sa_pct",
    ]);
    let mut t = Table::new(columns);
    for (key, g) in groups {
        let mut row = key.clone();
        row.extend([
            Cell::Int(g.pupils.into()),
            Cell::Int(g.possible),
            Cell::Int(g.present),
            Cell::Int(g.aea),
            Cell::Int(g.authorised),
            Cell::Int(g.unauthorised),
            g.attendance_pct().into(),
            g.absence_pct().into(),
            Cell::Int(g.pa_pupils.into()),
            g.pa_pct().into(),
            Cell::Int(g.sa_pupils.into()),
            g.sa_pct().into(),
        ]);
        t.push(row);
    }
    t
}

fn upns(store: &mut dyn Store, school: SchoolId) -> Result<HashMap<PupilId, String>> {
    Ok(store
        .pupils(school)?
        .into_iter()
        .map(|p| (p.id, p.pupil.upn.to_string()))
        .collect())
}

fn timestamp(at: &chrono::DateTime<chrono::Utc>) -> Cell {
    Cell::Text(rollcall_store::format_timestamp(at))
}

/// The register as it stands: every mark in the period with who recorded it and when, in the
/// form of the marks file, so that it can be read back.
pub fn marks_table(store: &mut dyn Store, school: SchoolId, range: DateRange) -> Result<Table> {
    let upns = upns(store, school)?;
    let mut marks = store.marks(school, range)?;
    marks.sort_by(|a, b| {
        (upns.get(&a.pupil), a.date, a.session).cmp(&(upns.get(&b.pupil), b.date, b.session))
    });
    let mut t = Table::new([
        "upn",
        "date",
        "session",
        "code",
        "minutes_late",
        "recorded_by",
        "recorded_role",
        "recorded_at",
    ]);
    for m in marks {
        t.push(vec![
            upns.get(&m.pupil).cloned().into(),
            Cell::Text(m.date.to_string()),
            Cell::Text(m.session.to_string()),
            Cell::Text(m.entry.code.text().to_owned()),
            m.entry
                .minutes_late
                .map_or(Cell::Null, |n| Cell::Int(n.into())),
            Cell::Text(m.recorded.by),
            Cell::Text(m.recorded.role),
            timestamp(&m.recorded.at),
        ]);
    }
    Ok(t)
}

/// Every amendment, oldest first: the original entry, the new one, the reason, who and when.
pub fn amendments_table(
    store: &mut dyn Store,
    school: SchoolId,
    upn: Option<&str>,
) -> Result<Table> {
    let upns = upns(store, school)?;
    let pupil = match upn {
        None => None,
        Some(u) => Some(
            upns.iter()
                .find(|(_, v)| v.as_str() == u)
                .map(|(k, _)| *k)
                .ok_or_else(|| {
                    AppError::Usage(format!(
                        "no pupil with UPN {u} is on this school's admission register"
                    ))
                })?,
        ),
    };
    let mut t = Table::new([
        "upn",
        "date",
        "session",
        "original_code",
        "original_minutes_late",
        "original_recorded_by",
        "original_recorded_role",
        "original_recorded_at",
        "code",
        "minutes_late",
        "reason",
        "amended_by",
        "amended_role",
        "amended_at",
    ]);
    let minutes = |m: Option<u32>| m.map_or(Cell::Null, |n| Cell::Int(n.into()));
    for a in store.amendments(school, pupil)? {
        t.push(vec![
            upns.get(&a.pupil).cloned().into(),
            Cell::Text(a.date.to_string()),
            Cell::Text(a.session.to_string()),
            Cell::Text(a.original.code.text().to_owned()),
            minutes(a.original.minutes_late),
            Cell::Text(a.original_recorded.by),
            Cell::Text(a.original_recorded.role),
            timestamp(&a.original_recorded.at),
            Cell::Text(a.amended.code.text().to_owned()),
            minutes(a.amended.minutes_late),
            Cell::Text(a.reason),
            Cell::Text(a.recorded.by),
            Cell::Text(a.recorded.role),
            timestamp(&a.recorded.at),
        ]);
    }
    Ok(t)
}
