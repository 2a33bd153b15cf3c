use super::*;
use rollcall_core::{Calendar, Code, HalfTerm, Role};
use rollcall_store::SchoolDetails;

fn d(s: &str) -> Date {
    rollcall_core::parse_date(s).unwrap()
}

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn t(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap()
}

fn pupil(body: &str, surname: &str, form: &str, left: Option<&str>) -> Pupil {
    Pupil {
        form: Some(form.into()),
        leaving_date: left.map(d),
        ..Pupil::new(
            Upn::with_check_letter(body).unwrap(),
            surname,
            "Sam",
            d("2013-10-01"),
            YearGroup::Year(7),
            d("2024-09-02"),
        )
    }
}

struct School {
    store: Box<dyn Store>,
    id: SchoolId,
    upns: Vec<String>,
}

/// A school with a summer half term, three pupils in 7A (one left) and one in 7B.
fn school() -> School {
    let mut store: Box<dyn Store> =
        Box::new(rollcall_store_sqlite::SqliteStore::open_in_memory().unwrap());
    store.migrate().unwrap();
    let times = RegisterTimes::new(t("08:40"), t("09:10"), t("13:20"), t("13:35")).unwrap();
    let calendar = Calendar::new(
        vec![HalfTerm {
            name: "Summer 2".into(),
            start: d("2025-06-02"),
            end: d("2025-07-22"),
        }],
        vec![],
    )
    .unwrap();
    let id = store
        .import_calendar(
            &SchoolDetails {
                name: "Test School".into(),
                urn: Some("100001".into()),
                la: None,
                estab: None,
            },
            &times,
            &calendar,
        )
        .unwrap();
    let pupils = vec![
        pupil("822400100001", "Able", "7A", None),
        pupil("822400100002", "Baker", "7A", None),
        pupil("822400100003", "Cole", "7A", Some("2025-06-30")),
        pupil("822400100004", "Dean", "7B", None),
    ];
    store.save_pupils(id, &pupils).unwrap();
    let upns = pupils.iter().map(|p| p.upn.to_string()).collect();
    School { store, id, upns }
}

fn tutor() -> Actor {
    Actor::command_line("Jo Smith", Role::FormTutor)
}

fn input(upn: &str, code: &str, arrival: &str) -> MarkInput {
    MarkInput {
        upn: upn.into(),
        code: code.into(),
        arrival: arrival.into(),
        was: None,
    }
}

fn take(s: &mut School, marks: Vec<MarkInput>, reason: &str, now: &str) -> Result<TakeOutcome> {
    let reg = register(
        s.store.as_mut(),
        s.id,
        "7A",
        d("2025-07-08"),
        Session::Am,
        at(now),
    )?;
    let sub = RegisterSubmission {
        version: reg.version,
        reason: reason.into(),
        marks,
    };
    take_register(
        s.store.as_mut(),
        s.id,
        &RegisterKey {
            form: "7A".into(),
            date: d("2025-07-08"),
            session: Session::Am,
        },
        &sub,
        &tutor(),
        at(now),
    )
}

fn mark_of(s: &mut School, upn: &str, session: Session) -> Option<MarkEntry> {
    let pupils = s.store.pupils(s.id).unwrap();
    let id = pupils
        .iter()
        .find(|p| p.pupil.upn.as_str() == upn)
        .unwrap()
        .id;
    marks_of(
        s.store.as_mut(),
        s.id,
        Some(&[id]),
        d("2025-07-08"),
        session,
    )
    .unwrap()
    .remove(&id)
    .map(|m| m.entry)
}

/// X takes a session out of a pupil's possible sessions, so it is refused for a pupil of
/// compulsory school age (every pupil of year 7).
#[test]
fn x_is_refused_for_a_pupil_of_compulsory_school_age() {
    let mut s = school();
    let upn = s.upns[0].clone();
    let err = take(&mut s, vec![input(&upn, "X", "")], "", "2025-07-08 08:45").unwrap_err();
    assert!(
        err.to_string()
            .contains("X is for a pupil not of compulsory school age"),
        "{err}"
    );
    assert_eq!(mark_of(&mut s, &upn, Session::Am), None);
}

#[test]
fn a_register_holds_the_form_on_roll_that_day() {
    let mut s = school();
    let reg = register(
        s.store.as_mut(),
        s.id,
        "7A",
        d("2025-07-08"),
        Session::Am,
        at("2025-07-08 08:45"),
    )
    .unwrap();
    let names: Vec<_> = reg.rows.iter().map(|r| r.pupil.surname.as_str()).collect();
    assert_eq!(names, ["Able", "Baker"], "Cole left on 30 June");
    assert_eq!(reg.window, Window::Open);
    assert_eq!(reg.unmarked(), 2);
    let closed = register(
        s.store.as_mut(),
        s.id,
        "7A",
        d("2025-07-08"),
        Session::Am,
        at("2025-07-08 09:10"),
    )
    .unwrap();
    assert_eq!(closed.window, Window::Closed);
    let ahead = register(
        s.store.as_mut(),
        s.id,
        "7A",
        d("2025-07-09"),
        Session::Am,
        at("2025-07-08 16:00"),
    )
    .unwrap();
    assert_eq!(ahead.window, Window::Upcoming);
    assert!(matches!(
        register(
            s.store.as_mut(),
            s.id,
            "7Z",
            d("2025-07-08"),
            Session::Am,
            at("2025-07-08 08:45")
        ),
        Err(Refusal::NotFound(_))
    ));
    let weekend = register(
        s.store.as_mut(),
        s.id,
        "7A",
        d("2025-07-12"),
        Session::Am,
        at("2025-07-12 08:45"),
    )
    .unwrap_err();
    assert!(weekend.to_string().contains("weekend"), "{weekend}");
}

#[test]
fn taking_a_register_writes_new_marks_and_arrivals_become_late_marks() {
    let mut s = school();
    let (a, b) = (s.upns[0].clone(), s.upns[1].clone());
    let out = take(
        &mut s,
        vec![input(&a, "L", "08:57"), input(&b, "N", "")],
        "",
        "2025-07-08 08:45",
    )
    .unwrap();
    assert_eq!((out.new, out.amended, out.unmarked), (2, 0, 0));
    assert_eq!(out.late, vec![("Sam Able".to_owned(), BaseCode::L, 17)]);
    let late = mark_of(&mut s, &a, Session::Am).unwrap();
    assert_eq!((late.code.text(), late.minutes_late), ("L", Some(17)));
    assert_eq!(mark_of(&mut s, &b, Session::Am).unwrap().code.text(), "N");
    // Submitting the same marks again changes nothing.
    let again = take(
        &mut s,
        vec![input(&a, "L", "08:57"), input(&b, "N", "")],
        "",
        "2025-07-08 08:50",
    )
    .unwrap();
    assert_eq!((again.new, again.amended, again.unchanged), (0, 0, 2));
}

#[test]
fn corrections_before_close_keep_history_and_after_close_need_a_reason() {
    let mut s = school();
    let a = s.upns[0].clone();
    take(&mut s, vec![input(&a, "N", "")], "", "2025-07-08 08:45").unwrap();
    take(&mut s, vec![input(&a, "/", "")], "", "2025-07-08 08:50").unwrap();
    let amendments = s.store.amendments(s.id, None).unwrap();
    assert_eq!(amendments.len(), 1);
    assert_eq!(amendments[0].reason, CORRECTED_BEFORE_CLOSE);
    assert_eq!(amendments[0].original.code.text(), "N");
    // After the register closed: refused without a reason, kept with one.
    let refused = take(&mut s, vec![input(&a, "I", "")], " ", "2025-07-08 10:30").unwrap_err();
    assert!(refused.to_string().contains("give a reason"), "{refused}");
    assert_eq!(s.store.amendments(s.id, None).unwrap().len(), 1);
    take(
        &mut s,
        vec![input(&a, "I", "")],
        "Mother phoned at 10:00",
        "2025-07-08 10:30",
    )
    .unwrap();
    let amendments = s.store.amendments(s.id, None).unwrap();
    assert_eq!(amendments.len(), 2);
    assert_eq!(amendments[1].reason, "Mother phoned at 10:00");
    assert_eq!(amendments[1].recorded.by, "Jo Smith");
    assert_eq!(amendments[1].recorded.role, "form tutor");
}

#[test]
fn a_stale_version_is_a_conflict_and_nothing_is_written() {
    let mut s = school();
    let (a, b) = (s.upns[0].clone(), s.upns[1].clone());
    let now = at("2025-07-08 08:45");
    let date = d("2025-07-08");
    let old = register(s.store.as_mut(), s.id, "7A", date, Session::Am, now).unwrap();
    take(&mut s, vec![input(&a, "/", "")], "", "2025-07-08 08:46").unwrap();
    let stale = RegisterSubmission {
        version: old.version,
        reason: String::new(),
        marks: vec![
            MarkInput {
                was: Some(String::new()),
                ..input(&a, "N", "")
            },
            MarkInput {
                was: Some(String::new()),
                ..input(&b, "N", "")
            },
        ],
    };
    let err = take_register(
        s.store.as_mut(),
        s.id,
        &RegisterKey {
            form: "7A".into(),
            date,
            session: Session::Am,
        },
        &stale,
        &tutor(),
        now,
    )
    .unwrap_err();
    let Refusal::Conflict { message, changed } = &err else {
        panic!("{err:?}")
    };
    assert!(message.starts_with("Someone else changed this register while you were editing it"));
    assert!(message.contains("Sam Able"), "{message}");
    assert_eq!(changed.len(), 1);
    assert_eq!(mark_of(&mut s, &b, Session::Am), None);
    assert_eq!(mark_of(&mut s, &a, Session::Am).unwrap().code.text(), "/");
}

#[test]
fn changing_a_late_mark_leaves_its_shown_time_behind() {
    let mut s = school();
    let (a, b) = (s.upns[0].clone(), s.upns[1].clone());
    take(
        &mut s,
        vec![input(&a, "L", "08:57"), input(&b, "L", "08:50")],
        "",
        "2025-07-08 08:45",
    )
    .unwrap();
    // The form shows 08:57 and 08:50 beside the marks; the codes change, the times stay.
    let out = take(
        &mut s,
        vec![input(&a, "/", "08:57"), input(&b, "M", "08:50")],
        "",
        "2025-07-08 08:55",
    )
    .unwrap();
    assert_eq!(out.amended, 2);
    let m = mark_of(&mut s, &a, Session::Am).unwrap();
    assert_eq!((m.code.text(), m.minutes_late), ("/", None));
    assert_eq!(mark_of(&mut s, &b, Session::Am).unwrap().code.text(), "M");
    // A different time with an absence code is still a mistake to point out.
    let err = take(
        &mut s,
        vec![input(&b, "I", "09:01")],
        "",
        "2025-07-08 08:56",
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("an arrival time goes with L"),
        "{err}"
    );
}

#[test]
fn bad_lines_refuse_the_whole_register() {
    let mut s = school();
    let (a, b) = (s.upns[0].clone(), s.upns[1].clone());
    let cases = [
        vec![input(&a, "/", ""), input(&b, "L", "25:00")],
        vec![input(&a, "/", ""), input(&b, "L", "")],
        vec![input(&a, "/", ""), input(&b, "H", "")],
        vec![input(&a, "/", ""), input(&s.upns[3].clone(), "/", "")],
        vec![input(&a, "/", ""), input(&b, "N", "09:00")],
    ];
    for marks in cases {
        let err = take(&mut s, marks.clone(), "", "2025-07-08 08:45").unwrap_err();
        assert!(matches!(err, Refusal::Invalid(_)), "{marks:?}: {err:?}");
    }
    assert_eq!(mark_of(&mut s, &a, Session::Am), None);
}

#[test]
fn late_sign_in_gives_l_or_u_and_replaces_only_n() {
    let mut s = school();
    let (a, b) = (s.upns[0].clone(), s.upns[1].clone());
    let office = Actor::command_line("Pat Green", Role::Office);
    let date = d("2025-07-08");
    let now = at("2025-07-08 10:00");
    let l = sign_in_late(s.store.as_mut(), s.id, &a, date, t("09:05"), &office, now).unwrap();
    assert_eq!(
        (l.code, l.minutes_late, l.session),
        (BaseCode::L, 25, Session::Am)
    );
    // Signed in already: refused.
    let again =
        sign_in_late(s.store.as_mut(), s.id, &a, date, t("09:06"), &office, now).unwrap_err();
    assert!(
        again.to_string().contains("already marked present"),
        "{again}"
    );
    take(&mut s, vec![input(&b, "N", "")], "", "2025-07-08 08:45").unwrap();
    let u = sign_in_late(s.store.as_mut(), s.id, &b, date, t("09:40"), &office, now).unwrap();
    assert_eq!((u.code, u.minutes_late), (BaseCode::U, 60));
    assert_eq!(
        u.replaced.map(|c| c.text().to_owned()).as_deref(),
        Some("N")
    );
    let amendments = s.store.amendments(s.id, None).unwrap();
    assert_eq!(
        amendments.last().unwrap().reason,
        "Signed in late at the office at 09:40"
    );
    // The afternoon: a time after the afternoon register opens.
    let pm = sign_in_late(
        s.store.as_mut(),
        s.id,
        &a,
        date,
        t("13:30"),
        &office,
        at("2025-07-08 13:31"),
    )
    .unwrap();
    assert_eq!((pm.session, pm.code), (Session::Pm, BaseCode::L));
    // On time, unknown pupils and pupils who left are refused.
    assert!(sign_in_late(s.store.as_mut(), s.id, &b, date, t("08:30"), &office, now).is_err());
    assert!(sign_in_late(
        s.store.as_mut(),
        s.id,
        "nonsense",
        date,
        t("09:30"),
        &office,
        now
    )
    .is_err());
    let left = sign_in_late(
        s.store.as_mut(),
        s.id,
        &s.upns[2].clone(),
        date,
        t("09:30"),
        &office,
        now,
    )
    .unwrap_err();
    assert!(left.to_string().contains("not on roll"), "{left}");
}

#[test]
fn registers_not_taken_lists_forms_with_unmarked_pupils_once_open() {
    let mut s = school();
    let (a, b) = (s.upns[0].clone(), s.upns[1].clone());
    let date = d("2025-07-08");
    let before = registers_not_taken(
        s.store.as_mut(),
        s.id,
        date,
        Session::Am,
        at("2025-07-08 08:30"),
    )
    .unwrap();
    assert!(before.is_empty(), "not open yet");
    let open = registers_not_taken(
        s.store.as_mut(),
        s.id,
        date,
        Session::Am,
        at("2025-07-08 08:45"),
    )
    .unwrap();
    let forms: Vec<_> = open.iter().map(|f| f.form.as_str()).collect();
    assert_eq!(forms, ["7A", "7B"]);
    assert_eq!(open[0].expected, 2);
    take(
        &mut s,
        vec![input(&a, "/", ""), input(&b, "/", "")],
        "",
        "2025-07-08 08:45",
    )
    .unwrap();
    let after = registers_not_taken(
        s.store.as_mut(),
        s.id,
        date,
        Session::Am,
        at("2025-07-08 08:50"),
    )
    .unwrap();
    let forms: Vec<_> = after.iter().map(|f| f.form.as_str()).collect();
    assert_eq!(forms, ["7B"]);
}

#[test]
fn a_call_marks_each_school_session_and_leaves_present_marks() {
    let mut s = school();
    let a = s.upns[0].clone();
    let office = Actor::command_line("Pat Green", Role::Office);
    let now = at("2025-07-08 08:30");
    take(&mut s, vec![input(&a, "/", "")], "", "2025-07-08 08:45").unwrap();
    let call = CallReport {
        upn: a.clone(),
        first: (d("2025-07-08"), Session::Am),
        last: (d("2025-07-09"), Session::Pm),
        reason: "Sick overnight".into(),
        code: String::new(),
        expected_return: Some(d("2025-07-10")),
        reported_by: "Mother (phone)".into(),
    };
    let out = record_call(s.store.as_mut(), s.id, &call, &office, now).unwrap();
    assert_eq!(out.code.text(), "N");
    assert_eq!(out.marked.len(), 3, "Tuesday PM, Wednesday AM and PM");
    assert_eq!(out.left.len(), 1, "Tuesday AM was present");
    // A second call with the reason: N becomes I, with the reason kept.
    let second = CallReport {
        code: "I".into(),
        reason: "Doctor says a virus".into(),
        ..call.clone()
    };
    let out = record_call(s.store.as_mut(), s.id, &second, &office, now).unwrap();
    assert_eq!(out.marked.len(), 3);
    assert!(out
        .marked
        .iter()
        .all(|(_, _, was)| was.as_ref().map(Code::text) == Some("N")));
    assert_eq!(mark_of(&mut s, &a, Session::Pm).unwrap().code.text(), "I");
    let amendments = s.store.amendments(s.id, None).unwrap();
    assert_eq!(amendments.last().unwrap().reason, "Doctor says a virus");
    assert_eq!(
        s.store
            .absence_reports(s.id, DateRange::all())
            .unwrap()
            .len(),
        2
    );
    // Holidays, present codes and backward ranges are refused.
    let holiday = CallReport {
        first: (d("2025-08-04"), Session::Am),
        last: (d("2025-08-04"), Session::Pm),
        expected_return: None,
        ..call.clone()
    };
    let err = record_call(s.store.as_mut(), s.id, &holiday, &office, now).unwrap_err();
    assert!(err.to_string().contains("no school session"), "{err}");
    let present = CallReport {
        code: "/".into(),
        ..call.clone()
    };
    assert!(record_call(s.store.as_mut(), s.id, &present, &office, now).is_err());
    let backwards = CallReport {
        first: call.last,
        last: call.first,
        ..call
    };
    assert!(record_call(s.store.as_mut(), s.id, &backwards, &office, now).is_err());
    assert_eq!(
        s.store
            .absence_reports(s.id, DateRange::all())
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn search_finds_names_upns_and_forms() {
    let s = school();
    let mut store = s.store;
    let pupils = store.pupils(s.id).unwrap();
    let on = d("2025-07-08");
    assert_eq!(search_pupils(&pupils, "bak", on, 10).len(), 1);
    assert_eq!(search_pupils(&pupils, "sam able", on, 10).len(), 1);
    assert_eq!(search_pupils(&pupils, &s.upns[3], on, 10).len(), 1);
    let form = search_pupils(&pupils, "7a", on, 10);
    assert_eq!(form.len(), 3);
    assert_eq!(form[2].pupil.surname, "Cole", "pupils who left come last");
    assert!(search_pupils(&pupils, "  ", on, 10).is_empty());
}
