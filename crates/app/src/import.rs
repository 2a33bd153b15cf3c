//! Imports: read a whole file, check every row against the domain and the register as it stands,
//! and write all of it in one transaction, or nothing.

use std::collections::HashMap;
use std::path::Path;

use chrono::Utc;
use rollcall_core::calendar::NotSchoolSession;
use rollcall_core::marks::{MarkEntry, Recorded};
use rollcall_core::{BaseCode, Date, Session, SessionGrid, YearGroup};
use rollcall_store::{DateRange, MarkChange, PupilId, School, SchoolId, Store};

use crate::error::{AppError, InputError, Result};
use crate::interchange::calendar::parse_calendar;
use crate::interchange::contacts::read_contacts;
use crate::interchange::marks::{read_marks, MarkRow};
use crate::interchange::pupils::read_pupils;
use crate::Actor;

/// What an import did, and what it noticed but accepted.
#[derive(Debug, Clone, Default)]
pub struct ImportOutcome {
    pub summary: String,
    pub warnings: Vec<InputError>,
}

/// Reports progress of a long import: a stage, items done and items in all.
pub type ProgressFn<'a> = &'a mut dyn FnMut(&str, usize, usize);

fn open_file(path: &Path) -> Result<Box<dyn std::io::Read>> {
    let file = std::fs::File::open(path)
        .map_err(|e| AppError::Io(format!("cannot read {}: {e}", path.display())))?;
    Ok(Box::new(std::io::BufReader::with_capacity(1 << 16, file)))
}

fn file_name(path: &Path) -> String {
    path.display().to_string()
}

pub fn import_calendar(store: &mut dyn Store, path: &Path) -> Result<ImportOutcome> {
    let name = file_name(path);
    let bytes =
        std::fs::read(path).map_err(|e| AppError::Io(format!("cannot read {name}: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| AppError::input(&name, None, None, "the file is not UTF-8 text"))?;
    let file = parse_calendar(&name, &text).map_err(AppError::Input)?;
    if file.calendar.half_terms().is_empty() {
        return Err(AppError::input(&name, None, Some("half_terms"), "the calendar has no half terms; expected at least one [[half_terms]] with name, start and end"));
    }
    store.import_calendar(&file.school, &file.registers, &file.calendar)?;
    let (start, end) = file.calendar.span().unwrap_or_default();
    Ok(ImportOutcome {
        summary: format!(
            "calendar of {}: {} half terms and {} closures from {start} to {end}",
            file.school.name,
            file.calendar.half_terms().len(),
            file.calendar.closures().len()
        ),
        warnings: Vec::new(),
    })
}

pub fn import_pupils(store: &mut dyn Store, school: &School, path: &Path) -> Result<ImportOutcome> {
    let name = file_name(path);
    let rows = read_pupils(&name, open_file(path)?).map_err(AppError::Input)?;
    let pupils: Vec<_> = rows.into_iter().map(|r| r.pupil).collect();
    let saved = store.save_pupils(school.id, &pupils)?;
    Ok(ImportOutcome {
        summary: format!(
            "pupils: {} added, {} updated, {} unchanged",
            saved.added, saved.updated, saved.unchanged
        ),
        warnings: Vec::new(),
    })
}

/// `rollcall import contacts`: each row adds or updates a contact of a pupil, matched on
/// `contact_id` and UPN; contacts not in the file are kept. All of the file or none of it.
pub fn import_contacts(
    store: &mut dyn Store,
    school: &School,
    path: &Path,
) -> Result<ImportOutcome> {
    let name = file_name(path);
    let rows = read_contacts(&name, open_file(path)?).map_err(AppError::Input)?;
    let pupils = store.pupils(school.id)?;
    let by_upn: HashMap<&str, PupilId> = pupils
        .iter()
        .map(|p| (p.pupil.upn.as_str(), p.id))
        .collect();
    let mut errors = Vec::new();
    let mut contacts = Vec::with_capacity(rows.len());
    for row in rows {
        match by_upn.get(row.upn.as_str()) {
            Some(&pupil) => contacts.push((pupil, row.contact)),
            None => errors.push(InputError::new(
                &name,
                Some(row.line),
                Some("upn"),
                format!(
                    "no pupil with UPN {} is on this school's admission register; import the pupil first",
                    row.upn
                ),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Input(errors));
    }
    let existing: std::collections::HashSet<(PupilId, String)> = store
        .all_contacts(school.id)?
        .into_iter()
        .map(|(p, c)| (p, c.reference))
        .collect();
    let updated = contacts
        .iter()
        .filter(|(p, c)| existing.contains(&(*p, c.reference.clone())))
        .count();
    let people: std::collections::HashSet<&str> =
        contacts.iter().map(|(_, c)| c.reference.as_str()).collect();
    let people = people.len();
    store.merge_contacts(school.id, &contacts)?;
    Ok(ImportOutcome {
        summary: format!(
            "contacts: {} rows for {people} people; {} added, {updated} updated",
            contacts.len(),
            contacts.len() - updated
        ),
        warnings: Vec::new(),
    })
}

/// Grids of school sessions per year group over the span of an import, built on first use.
struct Grids<'a> {
    calendar: &'a rollcall_core::Calendar,
    from: Date,
    to: Date,
    grids: HashMap<YearGroup, SessionGrid>,
}

impl Grids<'_> {
    fn get(&mut self, year_group: YearGroup) -> &SessionGrid {
        let (calendar, from, to) = (self.calendar, self.from, self.to);
        self.grids
            .entry(year_group)
            .or_insert_with(|| calendar.grid(year_group, from, to))
    }
}

pub fn import_marks(
    store: &mut dyn Store,
    school: &School,
    path: &Path,
    actor: &Actor,
    progress: ProgressFn<'_>,
) -> Result<ImportOutcome> {
    let name = file_name(path);
    let file = read_marks(&name, open_file(path)?).map_err(AppError::Input)?;
    let total = file.rows.len();
    progress("checking", 0, total);
    let mut warnings = file.warnings;
    let changes = plan_mark_changes(store, school.id, &name, &file.rows, actor, &mut warnings)?;
    let (new, amended) = changes.iter().fold((0, 0), |(n, a), c| match c {
        MarkChange::New { .. } => (n + 1, a),
        MarkChange::Amend { .. } => (n, a + 1),
    });
    let count = changes.len();
    store.apply_marks(school.id, &changes, &mut |done| {
        progress("writing", done, count)
    })?;
    Ok(ImportOutcome {
        summary: format!(
            "marks: {new} added, {amended} amended, {} unchanged",
            total - new - amended
        ),
        warnings,
    })
}

/// Checks every row against the admission register, the calendar and the marks already stored,
/// and turns the file into changes. Any problem refuses the whole file; what is accepted but
/// doubtful is added to `warnings`.
pub fn plan_mark_changes(
    store: &mut dyn Store,
    school: SchoolId,
    file: &str,
    rows: &[MarkRow],
    actor: &Actor,
    warnings: &mut Vec<InputError>,
) -> Result<Vec<MarkChange>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let pupils = store.pupils(school)?;
    let by_upn: HashMap<&str, (PupilId, &rollcall_core::Pupil)> = pupils
        .iter()
        .map(|p| (p.pupil.upn.as_str(), (p.id, &p.pupil)))
        .collect();
    let calendar = store.calendar(school)?;
    let from = rows.iter().map(|r| r.date).min().unwrap_or_default();
    let to = rows.iter().map(|r| r.date).max().unwrap_or_default();
    let mut grids = Grids {
        calendar: &calendar,
        from,
        to,
        grids: HashMap::new(),
    };
    let stored: HashMap<(PupilId, Date, Session), (MarkEntry, Recorded)> = store
        .marks(school, DateRange::between(from, to))?
        .into_iter()
        .map(|m| ((m.pupil, m.date, m.session), (m.entry, m.recorded)))
        .collect();

    let recorded = Recorded {
        by: actor.name.clone(),
        role: actor.role.title().to_owned(),
        at: Utc::now(),
    };
    let mut errors = Vec::new();
    let mut seen: HashMap<(PupilId, Date, Session), usize> = HashMap::with_capacity(rows.len());
    let mut changes = Vec::new();
    for row in rows {
        let err = |field: &str, message: String| {
            InputError::new(file, Some(row.line), Some(field), message)
        };
        let Some(&(pupil_id, pupil)) = by_upn.get(row.upn.as_str()) else {
            errors.push(err("upn", format!("no pupil with UPN {} is on this school's admission register; import the pupil first", row.upn)));
            continue;
        };
        if !pupil.on_roll(row.date) {
            let left = pupil
                .leaving_date
                .map_or_else(|| "not left".to_owned(), |d| format!("left {d}"));
            errors.push(err(
                "date",
                format!(
                    "{} is outside this pupil's time on roll (admitted {}, {left})",
                    row.date, pupil.admission_date
                ),
            ));
            continue;
        }
        if !grids
            .get(pupil.year_group)
            .is_school_session(row.date, row.session)
        {
            match calendar.check_session(row.date, row.session, pupil.year_group) {
                // `#` records a planned closure on the sessions it closes.
                Err(NotSchoolSession::Closed { .. }) if row.code.base() == BaseCode::Closed => {}
                Err(why) => {
                    errors.push(err(
                        "date",
                        format!(
                            "{} {} is not a school session for this pupil (year {}): {why}",
                            row.date, row.session, pupil.year_group
                        ),
                    ));
                    continue;
                }
                Ok(()) => {}
            }
        }
        if let Some(why) = x_of_compulsory_school_age(&row.code, pupil, row.date) {
            // Accepted, as files often carry history from another system, but the session
            // is then not a possible one: said plainly.
            warnings.push(err("code", why));
        }
        let key = (pupil_id, row.date, row.session);
        if let Some(first) = seen.insert(key, row.line) {
            errors.push(err("session", format!("line {first} already gives a mark for {} {} {}; each pupil and session must appear once", row.upn, row.date, row.session)));
            continue;
        }
        let entry = MarkEntry {
            code: row.code.clone(),
            minutes_late: row.minutes_late,
        };
        match stored.get(&key) {
            None => changes.push(MarkChange::New {
                pupil: pupil_id,
                date: row.date,
                session: row.session,
                entry,
                recorded: recorded.clone(),
            }),
            Some((current, _)) if current.same_as(&entry) => {}
            Some((current, by)) => match &row.reason {
                None => errors.push(err("reason", format!(
                    "this row changes the mark '{}' recorded by {} on {} to '{}'; a changed mark needs a reason",
                    current.code,
                    by.by,
                    rollcall_core::dates::school_time(by.at).format("%Y-%m-%d %H:%M"),
                    entry.code
                ))),
                Some(reason) => changes.push(MarkChange::Amend {
                    pupil: pupil_id,
                    date: row.date,
                    session: row.session,
                    expected: current.clone(),
                    entry,
                    reason: reason.clone(),
                    recorded: recorded.clone(),
                }),
            },
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Input(errors));
    }
    // In the order registers are kept (date, session, pupil), so that writing appends.
    changes.sort_by_key(|c| {
        let (pupil, date, session) = c.key();
        (date, session, pupil)
    });
    Ok(changes)
}

/// Why `X` does not fit this pupil on this date, when they are of compulsory school age then.
pub fn x_of_compulsory_school_age(
    code: &rollcall_core::Code,
    pupil: &rollcall_core::Pupil,
    date: Date,
) -> Option<String> {
    if code.base() != BaseCode::X {
        return None;
    }
    pupil.of_compulsory_school_age_on(date).then(|| {
        let (start, end) = pupil.compulsory_school_age();
        format!(
            "'{}' is for a pupil not of compulsory school age, but this pupil is of compulsory school age on {date} ({start} to {end}); the session is not counted as possible",
            code.text()
        )
    })
}
