//! The demo school: generated interchange files, imported through the same path as a school's own.

use std::path::Path;

use rollcall_core::Role;
use rollcall_demo::{generate, DemoOptions};
use rollcall_store::Store;

use crate::error::{AppError, Result};
use crate::import::{import_calendar, import_marks, import_pupils, ImportOutcome, ProgressFn};
use crate::school::resolve_school;
use crate::Actor;

/// The school day the demo is served as: the registers of this day and later are left for people
/// to take, so `rollcall demo` opens at 08:45 on it.
pub fn demo_today() -> rollcall_core::Date {
    rollcall_core::parse_date("2025-07-08").unwrap_or_default()
}

/// Writes the demo school's files into `dir` and imports them into `store`; with `hold_back`,
/// the marks of that day and later are written to the files but not imported.
pub fn build_demo(
    store: &mut dyn Store,
    dir: &Path,
    opts: &DemoOptions,
    hold_back: Option<rollcall_core::Date>,
    progress: ProgressFn<'_>,
) -> Result<Vec<ImportOutcome>> {
    let demo = generate(opts);
    demo.write_to(dir).map_err(|e| {
        AppError::Io(format!(
            "cannot write the demo files to {}: {e}",
            dir.display()
        ))
    })?;
    let mut outcomes = vec![import_calendar(store, &dir.join("calendar.toml"))?];
    let school = resolve_school(store, Some("140123"))?;
    outcomes.push(import_pupils(store, &school, &dir.join("pupils.csv"))?);
    let office = Actor::command_line("Demo office", Role::Office);
    let officer = Actor::command_line("Demo attendance officer", Role::AttendanceOfficer);
    for (name, text, actor) in [
        ("marks.csv", &demo.marks_csv, &office),
        ("amendments.csv", &demo.amendments_csv, &officer),
    ] {
        let path = match hold_back {
            None => dir.join(name),
            Some(day) => {
                let cut = day.to_string();
                let kept: String = text
                    .lines()
                    .enumerate()
                    .filter(|(i, line)| {
                        *i == 0 || line.split(',').nth(1).is_some_and(|d| d < cut.as_str())
                    })
                    .map(|(_, l)| format!("{l}\n"))
                    .collect();
                let path = dir.join(format!(".{name}.before-{cut}"));
                std::fs::write(&path, kept)
                    .map_err(|e| AppError::Io(format!("cannot write {}: {e}", path.display())))?;
                path
            }
        };
        let outcome = import_marks(store, &school, &path, actor, &mut *progress);
        if hold_back.is_some() {
            let _ = std::fs::remove_file(&path);
        }
        outcomes.push(outcome?);
    }
    Ok(outcomes)
}

/// A demo sign-in: who, their password and what they can do.
#[derive(Debug, Clone)]
pub struct DemoSignIn {
    pub username: String,
    pub password: String,
    pub role: rollcall_core::Role,
    pub about: String,
}

/// The password of every demo user. The demo is for trying Rollcall out, never for real data.
pub const DEMO_PASSWORD: &str = "rollcall-demo";

/// The demo school's policy: the casework ladder of a secondary academy, from the examples.
pub const DEMO_POLICY: &str = include_str!("../../../policies/examples/secondary-academy.toml");

/// Adds one user per role to the demo school, contacts for every pupil, and its policy (the
/// casework ladder of [`DEMO_POLICY`]).
pub fn demo_people(store: &mut dyn Store) -> Result<Vec<DemoSignIn>> {
    use rollcall_core::{Role, YearGroup};

    use crate::users::{save_user, NewUser};

    let school = resolve_school(store, Some("140123"))?;
    let pupils = store.pupils(school.id)?;
    let contacts: Vec<_> = pupils
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id, demo_family(i, &p.pupil)))
        .collect();
    store.save_contacts(school.id, &contacts)?;
    store.save_policy(
        Some(school.id),
        DEMO_POLICY,
        &rollcall_core::marks::Recorded {
            by: "Demo headteacher".into(),
            role: Role::Headteacher.title().into(),
            at: chrono::Utc::now(),
        },
    )?;
    let (child_index, child) = pupils
        .iter()
        .enumerate()
        .filter(|(_, p)| p.pupil.form.as_deref() == Some("7A") && p.pupil.leaving_date.is_none())
        .min_by_key(|(_, p)| p.pupil.upn.clone())
        .ok_or_else(|| AppError::Usage("the demo school has no pupil in 7A".into()))?;
    struct Person {
        username: &'static str,
        name: String,
        role: Role,
        year_groups: Vec<YearGroup>,
        forms: Vec<String>,
        children: Vec<String>,
        contact: String,
        about: String,
    }
    let person = |username, name: &str, role, about: &str| Person {
        username,
        name: name.to_owned(),
        role,
        year_groups: vec![],
        forms: vec![],
        children: vec![],
        contact: String::new(),
        about: about.to_owned(),
    };
    let people = [
        person(
            "admin",
            "Alex Admin",
            Role::Administrator,
            "adds users and gives roles",
        ),
        person(
            "head",
            "Dr Helen Hart",
            Role::Headteacher,
            "the whole school: overview, persistent absence, every pupil",
        ),
        person(
            "attendance",
            "Sam Patel",
            Role::AttendanceOfficer,
            "every pupil, alerts and the calling list",
        ),
        Person {
            year_groups: vec![YearGroup::Year(9)],
            ..person(
                "hoy9",
                "Chris Doyle",
                Role::HeadOfYear,
                "the pupils of year 9",
            )
        },
        Person {
            forms: vec!["7A".into()],
            ..person(
                "tutor7a",
                "Jo Smith",
                Role::FormTutor,
                "takes the registers of form 7A",
            )
        },
        person(
            "office",
            "Pat Green",
            Role::Office,
            "late sign-in, parents' calls, registers not taken",
        ),
        person(
            "dsl",
            "Morgan Reid",
            Role::SafeguardingLead,
            "designated safeguarding lead: vulnerable pupils nobody has reached, home visits",
        ),
        person(
            "governor",
            "Lee Brown",
            Role::Governor,
            "figures and trends, never a pupil's name",
        ),
        Person {
            children: vec![child.pupil.upn.to_string()],
            contact: family_reference(child_index, 0),
            ..person(
                "parent",
                &format!("Parent of {}", child.pupil.forename),
                Role::Parent,
                &format!("sees {} {} only", child.pupil.forename, child.pupil.surname),
            )
        },
    ];
    let mut out = Vec::new();
    for Person {
        username,
        name,
        role,
        year_groups,
        forms,
        children,
        contact,
        about,
    } in people
    {
        save_user(
            store,
            &NewUser {
                username: username.into(),
                display_name: name,
                role: Some(role),
                school: Some(school.id),
                year_groups,
                forms,
                children,
                contact,
                password: DEMO_PASSWORD.into(),
                inactive: false,
            },
        )?;
        out.push(DemoSignIn {
            username: username.into(),
            password: DEMO_PASSWORD.into(),
            role,
            about,
        });
    }
    Ok(out)
}

/// The demo contact reference of family `i`'s `n`-th person.
fn family_reference(i: usize, n: usize) -> String {
    format!("F{:04}-{}", i + 1, n + 1)
}

/// A pupil's family as a school would hold it, in realistic proportions: most pupils live with
/// two parents; some with one parent, a grandparent as second contact; some have separated
/// parents, one of whom lives elsewhere; looked-after pupils have a foster carer and a social
/// worker; and a few families have given one number only (the data-quality list shows them).
/// Numbers are from the range kept for drama and examples.
fn demo_family(i: usize, pupil: &rollcall_core::Pupil) -> Vec<rollcall_store::Contact> {
    const WOMEN: [&str; 6] = ["Sarah", "Aisha", "Emma", "Priya", "Grace", "Laura"];
    const MEN: [&str; 6] = ["James", "Mohammed", "Daniel", "Tomasz", "Kwame", "Hassan"];
    let surname = pupil.surname.clone();
    let address = format!(
        "{} Station Road, Northfield NF{} {}AB",
        i % 180 + 1,
        i % 9 + 1,
        i % 7 + 1
    );
    let phone = |n: usize| Some(format!("07700 900{:03}", (i * 3 + n) % 1000));
    let person = |n: usize,
                  forename: &str,
                  surname: &str,
                  relationship: &str,
                  pr: bool,
                  lives_with: bool| rollcall_store::Contact {
        reference: family_reference(i, n),
        forename: forename.into(),
        surname: surname.into(),
        relationship: relationship.into(),
        parental_responsibility: pr,
        lives_with,
        priority: u32::try_from(n + 1).unwrap_or(u32::MAX),
        phone: phone(n),
        email: Some(format!(
            "{}.{}{}@example.org",
            forename.to_lowercase(),
            surname.to_lowercase(),
            i % 97
        )),
        address: Some(address.clone()),
        may_collect: pr || lives_with,
    };
    let mother = WOMEN[i % 6];
    let father = MEN[(i / 6) % 6];
    if pupil.looked_after {
        let carer = person(0, WOMEN[(i + 3) % 6], "Okafor", "foster carer", false, true);
        let social = rollcall_store::Contact {
            email: Some("childrens.services@example.gov.uk".into()),
            address: None,
            may_collect: false,
            ..person(1, "Rachel", "Hughes", "social worker", false, false)
        };
        return vec![carer, social];
    }
    match i % 20 {
        0..=10 => vec![
            person(0, mother, &surname, "mother", true, true),
            rollcall_store::Contact {
                email: None,
                ..person(1, father, &surname, "father", true, true)
            },
        ],
        11..=14 => {
            let (name, relationship) = if i.is_multiple_of(2) {
                (mother, "mother")
            } else {
                (father, "father")
            };
            vec![
                person(0, name, &surname, relationship, true, true),
                rollcall_store::Contact {
                    email: None,
                    address: Some(format!(
                        "{} Mill Lane, Northfield NF2 {}CD",
                        i % 60 + 1,
                        i % 5 + 1
                    )),
                    ..person(1, WOMEN[(i + 2) % 6], "Barker", "grandmother", false, false)
                },
            ]
        }
        15..=16 => vec![
            person(0, mother, &surname, "mother", true, true),
            rollcall_store::Contact {
                address: Some(format!(
                    "{} Canal Street, Eastbridge EB4 {}XY",
                    i % 90 + 1,
                    i % 8 + 1
                )),
                may_collect: i.is_multiple_of(2),
                ..person(1, father, &surname, "father", true, false)
            },
        ],
        17 => vec![
            person(
                0,
                WOMEN[(i + 4) % 6],
                "Bennett",
                "grandmother (carer)",
                false,
                true,
            ),
            rollcall_store::Contact {
                phone: None,
                ..person(1, mother, &surname, "mother", true, false)
            },
        ],
        _ => vec![rollcall_store::Contact {
            email: None,
            ..person(0, mother, &surname, "mother", true, true)
        }],
    }
}

/// What a school has in hand on the demo's day: an application for leave waiting for the
/// headteacher, and a parent's report of illness this morning waiting for the office (shown on
/// form 7A's register). Uses the contacts of [`demo_people`].
pub fn demo_follow_up(store: &mut dyn Store) -> Result<()> {
    use rollcall_core::marks::Recorded;
    use rollcall_core::{Code, Session, YearGroup};
    use rollcall_store::{AbsenceReport, LeaveApplication, ReportKind};

    let school = resolve_school(store, Some("140123"))?;
    let today = demo_today();
    let pupils = store.pupils(school.id)?;
    let contacts = store.all_contacts(school.id)?;
    let parent_at_home = |id| {
        contacts
            .iter()
            .find(|(p, c)| *p == id && c.lives_with && c.parental_responsibility)
            .map(|(_, c)| c.clone())
    };
    let at = |hour: u32, minute: u32| {
        today
            .and_hms_opt(hour, minute, 0)
            .map(rollcall_core::dates::instant_of_school_time)
            .unwrap_or_default()
    };
    let in_year = |y: u8| {
        let mut v: Vec<_> = pupils
            .iter()
            .filter(|p| p.pupil.year_group == YearGroup::Year(y) && p.pupil.on_roll(today))
            .filter_map(|p| parent_at_home(p.id).map(|c| (p.clone(), c)))
            .collect();
        v.sort_by_key(|(p, _)| p.pupil.upn.clone());
        v
    };
    let code = |c: &str| {
        Code::parse_stored(c).ok_or_else(|| AppError::Usage(format!("the code {c} is unknown")))
    };
    if let Some((pupil, mother)) = in_year(9).into_iter().nth(3) {
        let first = today + chrono::Days::new(6);
        store.save_leave(
            school.id,
            &LeaveApplication {
                pupil: pupil.id,
                contact: mother.reference.clone(),
                first: (first, Session::Am),
                last: (first + chrono::Days::new(4), Session::Pm),
                code: code("C")?,
                reason: "My grandmother's 90th birthday in Poland; the whole family is going and this is the only week we can all travel.".into(),
                requested_on: today - chrono::Days::new(8),
                recorded: Recorded {
                    by: mother.name(),
                    role: Role::Parent.name().into(),
                    at: at(7, 55),
                },
            },
            None,
        )?;
    }
    let child_of_demo_parent = pupils
        .iter()
        .filter(|p| p.pupil.form.as_deref() == Some("7A") && p.pupil.leaving_date.is_none())
        .min_by_key(|p| p.pupil.upn.clone())
        .map(|p| p.id);
    let classmate = pupils
        .iter()
        .filter(|p| p.pupil.form.as_deref() == Some("7A") && p.pupil.on_roll(today))
        .filter(|p| Some(p.id) != child_of_demo_parent)
        .filter_map(|p| parent_at_home(p.id).map(|c| (p.clone(), c)))
        .max_by_key(|(p, _)| p.pupil.upn.clone());
    if let Some((pupil, mother)) = classmate {
        store.record_parent_report(
            school.id,
            &AbsenceReport {
                pupil: pupil.id,
                first: (today, Session::Am),
                last: (today, Session::Pm),
                reason: "Sickness in the night and a temperature this morning.".into(),
                kind: ReportKind::Illness,
                code: code("N")?,
                expected_return: today.succ_opt(),
                reported_by: format!("{} ({}, online)", mother.name(), mother.relationship),
                from_parent: true,
                awaiting_review: true,
                evidence: None,
                recorded: Recorded {
                    by: mother.name(),
                    role: Role::Parent.name().into(),
                    at: at(7, 32),
                },
            },
            None,
        )?;
    }
    Ok(())
}
