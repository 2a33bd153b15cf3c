//! The pupils' use cases on the demo school: who reaches which pupil, what a parent's record
//! leaves out, and figures and alerts counted one way for the record, the API and a parent's page.

use rollcall_app::{Actor, Reach, Refusal};
use rollcall_core::parse_date;
use rollcall_rules::Rule;
use rollcall_store::StoredPupil;

mod common;

use common::{School, TODAY};

/// The demo school of 300 pupils at 08:45 on [`TODAY`], before either of today's registers closes.
fn school() -> School {
    School::at(300, "08:45")
}

/// What the tests read of the school beside the use cases.
trait Look {
    fn pupils(&self) -> Vec<StoredPupil>;
    fn child_of(&self, parent: &Actor) -> StoredPupil;
}

impl Look for School {
    fn pupils(&self) -> Vec<StoredPupil> {
        let mut store = rollcall_app::open_store(&self.url).unwrap();
        let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
        store.pupils(school.id).unwrap()
    }

    fn child_of(&self, parent: &Actor) -> StoredPupil {
        let Reach::Children(ids) = &parent.reach else {
            panic!("not a parent");
        };
        self.pupils().into_iter().find(|p| p.id == ids[0]).unwrap()
    }
}

const NOBODY: &str = "A123456789012";

#[test]
fn a_parent_s_record_holds_no_casework_and_no_staff_names() {
    let s = school();
    let parent = s.actor("parent");
    let child = s.child_of(&parent);
    let upn = child.pupil.upn.to_string();

    let rec = s.app.pupil_record(&parent, &upn).unwrap();
    assert_eq!(rec.pupil.upn, child.pupil.upn);
    assert!(rec.alerts.is_none() && rec.contacts.is_none());
    assert!(rec
        .amendments
        .iter()
        .all(|a| a.recorded.by.is_none() && a.original_recorded.by.is_none()));
    let marks = s.app.pupil_marks(&parent, &upn, None, None).unwrap();
    assert!(!marks.is_empty());
    assert!(marks
        .iter()
        .all(|m| m.recorded.by.is_none() && !m.recorded.role.is_empty()));

    // Staff get the casework, and names.
    let head = s.actor("head");
    let staff = s.app.pupil_record(&head, &upn).unwrap();
    assert!(staff.alerts.is_some() && staff.contacts.is_some());
    assert!(staff.amendments.iter().all(|a| a.recorded.by.is_some()));
    assert!(s
        .app
        .pupil_marks(&head, &upn, None, None)
        .unwrap()
        .iter()
        .all(|m| m.recorded.by.is_some()));
    assert_eq!(staff.amendments.len(), rec.amendments.len());

    // Any other pupil, on the register or not, is refused alike.
    let other = s
        .pupils()
        .into_iter()
        .find(|p| p.id != child.id)
        .unwrap()
        .pupil
        .upn
        .to_string();
    for upn in [other.as_str(), NOBODY] {
        assert!(matches!(
            s.app.pupil_record(&parent, upn),
            Err(Refusal::Forbidden)
        ));
        assert!(matches!(
            s.app.pupil_marks(&parent, upn, None, None),
            Err(Refusal::Forbidden)
        ));
    }
}

#[test]
fn an_unknown_pupil_is_not_found_only_for_whoever_reaches_the_whole_school() {
    let s = school();
    for user in ["head", "attendance", "office", "admin"] {
        let a = s.actor(user);
        assert!(
            matches!(s.app.pupil_record(&a, NOBODY), Err(Refusal::NotFound(_))),
            "{user}"
        );
        assert!(
            matches!(
                s.app.pupil_marks(&a, NOBODY, None, None),
                Err(Refusal::NotFound(_))
            ),
            "{user}"
        );
    }
    for user in ["tutor7a", "hoy9", "parent", "governor"] {
        let a = s.actor(user);
        assert!(
            matches!(s.app.pupil_record(&a, NOBODY), Err(Refusal::Forbidden)),
            "{user}"
        );
    }
    // A governor never receives a pupil, not even one that exists.
    let governor = s.actor("governor");
    let upn = s.pupils()[0].pupil.upn.to_string();
    assert!(matches!(
        s.app.pupil_record(&governor, &upn),
        Err(Refusal::Forbidden)
    ));
    assert!(matches!(
        s.app.reached_pupils(&governor),
        Err(Refusal::Forbidden)
    ));
}

#[test]
fn each_reaches_their_own_pupils() {
    let s = school();
    let tutor = s.app.reached_pupils(&s.actor("tutor7a")).unwrap();
    assert!(!tutor.is_empty());
    assert!(tutor.iter().all(|p| p.form.as_deref() == Some("7A")));
    let hoy = s.app.reached_pupils(&s.actor("hoy9")).unwrap();
    assert!(!hoy.is_empty());
    assert!(hoy.iter().all(|p| p.year_group.to_string() == "9"));
    let parent = s.actor("parent");
    let mine = s.app.reached_pupils(&parent).unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].upn, s.child_of(&parent).pupil.upn);
    assert_eq!(
        s.app.reached_pupils(&s.actor("head")).unwrap().len(),
        s.pupils().len()
    );
    // Only a parent has children.
    assert!(matches!(
        s.app.my_children(&s.actor("head")),
        Err(Refusal::Forbidden)
    ));
}

#[test]
fn every_member_of_staff_searches_the_pupils_they_reach_and_nobody_else_searches() {
    let s = school();
    let all = s.pupils();
    let today = parse_date(TODAY).unwrap();
    let in_form = |form: &str| {
        all.iter()
            .find(|p| p.pupil.form.as_deref() == Some(form) && p.pupil.on_roll(today))
            .unwrap()
            .pupil
            .clone()
    };
    let (a7, b8, a9) = (in_form("7A"), in_form("8B"), in_form("9A"));
    let names = |who: &str, q: &str| -> Vec<String> {
        s.app
            .search_pupils(&s.actor(who), q)
            .unwrap()
            .found
            .iter()
            .map(|p| p.upn.to_string())
            .collect()
    };
    let by_name = |p: &rollcall_core::Pupil| format!("{} {}", p.forename, p.surname);

    // A form tutor finds the pupils of their forms, and nobody else's.
    assert!(names("tutor7a", &by_name(&a7)).contains(&a7.upn.to_string()));
    assert!(names("tutor7a", &by_name(&b8)).is_empty());
    assert!(names("tutor7a", b8.upn.as_str()).is_empty());
    let form = s.app.search_pupils(&s.actor("tutor7a"), "7a").unwrap();
    assert!(!form.found.is_empty());
    assert!(form.found.iter().all(|p| p.form.as_deref() == Some("7A")));
    assert!(names("tutor7a", "8B").is_empty());
    // A head of year their year groups'.
    assert!(names("hoy9", &by_name(&a9)).contains(&a9.upn.to_string()));
    assert!(names("hoy9", &by_name(&a7)).is_empty());
    assert!(names("hoy9", "7A").is_empty());
    // The office and senior staff the school's, by name, UPN or form.
    for who in ["office", "head", "attendance", "admin"] {
        for p in [&a7, &b8, &a9] {
            assert!(
                names(who, &by_name(p)).contains(&p.upn.to_string()),
                "{who}"
            );
            assert_eq!(names(who, p.upn.as_str()), vec![p.upn.to_string()]);
        }
    }
    // Nothing typed, nothing found.
    assert!(names("office", "  ").is_empty());
    // Pupils on roll come first, and a long list says there is more.
    let many = s.app.search_pupils(&s.actor("office"), "a").unwrap();
    assert_eq!(
        many.found.len(),
        rollcall_app::cases::pupils::PUPIL_SEARCH_LIMIT
    );
    assert!(many.more);
    let on_roll: Vec<bool> = many.found.iter().map(|p| p.on_roll(today)).collect();
    assert!(on_roll.windows(2).all(|w| w[0] || !w[1]), "on roll first");
    // Parents and governors have no search.
    for who in ["parent", "governor"] {
        assert!(
            matches!(
                s.app.search_pupils(&s.actor(who), &by_name(&a7)),
                Err(Refusal::Forbidden)
            ),
            "{who}"
        );
    }
}

#[test]
fn figures_are_counted_alike_and_leave_out_registers_still_open() {
    let s = school();
    let parent = s.actor("parent");
    let child = s.child_of(&parent);
    let upn = child.pupil.upn.to_string();
    let rec = s.app.pupil_record(&parent, &upn).unwrap();
    let children = s.app.my_children(&parent).unwrap();
    assert_eq!(children.children.len(), 1);
    assert_eq!(children.children[0].0.upn, child.pupil.upn);
    assert_eq!(children.children[0].1, rec.year.counts);
    assert_eq!(children.period, rec.year.period);

    // The reports count today's two registers, not taken yet at 08:45, as unmarked; the
    // record does not.
    let today = parse_date(TODAY).unwrap();
    let stats = {
        let mut store = rollcall_app::open_store(&s.url).unwrap();
        let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
        rollcall_app::reports::pupil_stats(store.as_mut(), school.id, rec.year.period.from, today)
            .unwrap()
    };
    let (_, c) = stats
        .iter()
        .find(|(p, _)| p.upn == child.pupil.upn)
        .unwrap();
    assert_eq!(rec.year.counts.possible, c.possible);
    assert_eq!(rec.year.counts.unmarked + 2, c.unmarked);
}

#[test]
fn alerts_are_the_record_s_findings_for_the_pupils_in_reach() {
    let s = school();
    let head = s.actor("head");
    let all = s.app.alerts(&head, None, None).unwrap();
    assert_eq!(all.as_of, parse_date(TODAY).unwrap());
    assert!(!all.findings.is_empty());
    // Today's registers have not closed: they are not "not taken".
    assert!(!all
        .findings
        .iter()
        .any(|f| f.rule == Rule::RegisterNotTaken && f.date == all.as_of));

    // A pupil's record has exactly the alerts of the list that are theirs.
    let upn = all.findings[0].upn.clone();
    let rec = s.app.pupil_record(&head, &upn).unwrap();
    let theirs: Vec<_> = all.findings.iter().filter(|f| f.upn == upn).collect();
    assert_eq!(rec.alerts.unwrap().iter().collect::<Vec<_>>(), theirs);

    // A head of year's are those of their year groups.
    let hoy = s.actor("hoy9");
    let nine = s
        .app
        .alerts(&hoy, None, Some("persistent_absence"))
        .unwrap();
    let every = s
        .app
        .alerts(&head, None, Some("persistent_absence"))
        .unwrap();
    assert!(!nine.findings.is_empty() && nine.findings.len() < every.findings.len());
    let year_nine: std::collections::HashSet<String> = s
        .pupils()
        .into_iter()
        .filter(|p| p.pupil.year_group.to_string() == "9")
        .map(|p| p.pupil.upn.to_string())
        .collect();
    assert!(nine.findings.iter().all(|f| year_nine.contains(&f.upn)));

    // Tutors and parents have no list of alerts; wrong parameters are said.
    for user in ["tutor7a", "parent", "governor"] {
        assert!(
            matches!(
                s.app.alerts(&s.actor(user), None, None),
                Err(Refusal::Forbidden)
            ),
            "{user}"
        );
    }
    let bad = s.app.alerts(&head, None, Some("nonsense")).unwrap_err();
    assert_eq!(bad.to_string(), "'nonsense' is not a rule");
    let bad = s.app.alerts(&head, Some("8 July"), None).unwrap_err();
    assert!(matches!(bad, Refusal::Invalid(_)));
    assert!(bad.to_string().starts_with("as_of: ") && bad.to_string().contains("YYYY-MM-DD"));
}

#[test]
fn marks_are_read_over_a_period() {
    let s = school();
    let head = s.actor("head");
    let upn = s
        .pupils()
        .into_iter()
        .find(|p| {
            p.pupil.leaving_date.is_none()
                && p.pupil.admission_date < parse_date("2025-03-01").unwrap()
        })
        .unwrap()
        .pupil
        .upn
        .to_string();
    let march = s
        .app
        .pupil_marks(&head, &upn, Some("2025-03-01"), Some("2025-03-31"))
        .unwrap();
    assert!(!march.is_empty());
    assert!(march
        .iter()
        .all(|m| m.date.format("%Y-%m").to_string() == "2025-03"));
    let bad = s
        .app
        .pupil_marks(&head, &upn, Some("March"), None)
        .unwrap_err();
    assert!(matches!(bad, Refusal::Invalid(_)));
    assert!(bad.to_string().starts_with("from: "), "{bad}");
    // Reach is judged before the period: a pupil out of reach is refused, however it is asked.
    let tutor = s.actor("tutor7a");
    let other = s
        .pupils()
        .into_iter()
        .find(|p| p.pupil.form.as_deref() != Some("7A"))
        .unwrap()
        .pupil
        .upn
        .to_string();
    assert!(matches!(
        s.app.pupil_marks(&tutor, &other, Some("March"), None),
        Err(Refusal::Forbidden)
    ));
}
