//! The office's use cases: who may use them, and whose pupils each person reaches.

use rollcall_app::cases::office::CallInput;
use rollcall_app::Refusal;
use rollcall_core::{Session, Upn, YearGroup};
use rollcall_store::{DateRange, StoredPupil};

mod common;

use common::{School, TODAY};

/// A copy of the demo school of 150 pupils (one form a year) with the clock stopped at `time`.
fn school_at(time: &str) -> School {
    School::at(150, time)
}

/// What the tests read of the school beside the use cases.
trait Look {
    fn pupils_of(&self, year: u8) -> Vec<StoredPupil>;
    fn written(&self) -> (usize, usize);
}

impl Look for School {
    /// The pupils on roll today in a year group, by UPN.
    fn pupils_of(&self, year: u8) -> Vec<StoredPupil> {
        let mut store = rollcall_app::open_store(&self.url).unwrap();
        let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
        let today = rollcall_core::parse_date(TODAY).unwrap();
        let mut all: Vec<_> = store
            .pupils(school.id)
            .unwrap()
            .into_iter()
            .filter(|p| p.pupil.year_group == YearGroup::Year(year) && p.pupil.on_roll(today))
            .collect();
        all.sort_by_key(|p| p.pupil.upn.clone());
        all
    }

    /// How many marks and absence reports the school holds for today.
    fn written(&self) -> (usize, usize) {
        let mut store = rollcall_app::open_store(&self.url).unwrap();
        let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
        let today = rollcall_core::parse_date(TODAY).unwrap();
        let day = DateRange::between(today, today);
        (
            store.marks(school.id, day).unwrap().len(),
            store.absence_reports(school.id, day).unwrap().len(),
        )
    }
}

fn call_about(upn: &str) -> CallInput {
    CallInput {
        upn: upn.to_owned(),
        first_date: TODAY.into(),
        first_session: "AM".into(),
        last_date: TODAY.into(),
        last_session: "PM".into(),
        reason: "Poorly".into(),
        code: "I".into(),
        reported_by: "Mother (phone)".into(),
        ..CallInput::default()
    }
}

fn problems(r: Refusal) -> String {
    match r {
        Refusal::Invalid(_) => r.to_string(),
        other => panic!("expected an invalid request, got {other:?}"),
    }
}

#[test]
fn only_the_office_senior_staff_and_heads_of_year_follow_up_absence() {
    let s = school_at("10:30");
    let seven = s.pupils_of(7)[0].pupil.upn.to_string();
    for who in ["tutor7a", "parent", "governor", "admin"] {
        let a = s.actor(who);
        let forbidden =
            |r: Result<(), Refusal>| assert!(matches!(r, Err(Refusal::Forbidden)), "{who}");
        forbidden(s.app.late_search(&a, "7A", None).map(drop));
        forbidden(s.app.sign_in_late(&a, &seven, "09:40").map(drop));
        forbidden(s.app.call_desk(&a, "7A", Some(&seven)).map(drop));
        forbidden(s.app.record_call(&a, &call_about(&seven)).map(drop));
        forbidden(s.app.calling_list(&a, None, None).map(drop));
        forbidden(s.app.registers_not_taken_today(&a).map(drop));
    }
    // The office's desk is the office's and senior staff's, not a head of year's.
    let hoy = s.actor("hoy9");
    assert!(matches!(
        s.app.registers_not_taken_today(&hoy),
        Err(Refusal::Forbidden)
    ));
    for who in ["office", "attendance", "head"] {
        let a = s.actor(who);
        let sessions = s.app.registers_not_taken_today(&a).unwrap();
        assert_eq!(sessions.len(), 2, "{who}");
        assert!(sessions[0].opened && !sessions[1].opened);
        assert!(
            sessions[0].forms.iter().any(|f| f.form == "7A"),
            "no morning register is taken yet"
        );
        assert!(sessions[1].forms.is_empty(), "the afternoon has not opened");
    }
    assert_eq!(s.written(), (0, 0), "nothing was written");
}

#[test]
fn a_head_of_year_reaches_only_their_years_pupils() {
    let s = school_at("10:30");
    let hoy = s.actor("hoy9");
    let seven = s.pupils_of(7)[0].pupil.upn.to_string();
    let nine = s.pupils_of(9);
    let unknown = Upn::with_check_letter("999999999999").unwrap().to_string();

    // Searches find only year 9.
    assert!(s
        .app
        .late_search(&hoy, "7A", None)
        .unwrap()
        .found
        .is_empty());
    let found = s.app.late_search(&hoy, "9A", None).unwrap().found;
    assert!(!found.is_empty());
    assert!(found
        .iter()
        .all(|f| f.pupil.pupil.year_group == YearGroup::Year(9)));
    assert!(s.app.call_desk(&hoy, "7A", None).unwrap().found.is_empty());

    // A pupil out of reach is refused the same way whether or not they exist; an empty UPN is
    // a mistake to put right.
    for upn in [seven.as_str(), unknown.as_str(), "X123"] {
        assert!(
            matches!(
                s.app.sign_in_late(&hoy, upn, "09:40"),
                Err(Refusal::Forbidden)
            ),
            "{upn}"
        );
        assert!(
            matches!(
                s.app.call_desk(&hoy, "", Some(upn)),
                Err(Refusal::Forbidden)
            ),
            "{upn}"
        );
        assert!(
            matches!(
                s.app.late_search(&hoy, "", Some(upn)),
                Err(Refusal::Forbidden)
            ),
            "{upn}"
        );
        assert!(
            matches!(
                s.app.record_call(&hoy, &call_about(upn)),
                Err(Refusal::Forbidden)
            ),
            "{upn}"
        );
    }
    assert!(
        problems(s.app.sign_in_late(&hoy, " ", "09:40").unwrap_err())
            .contains("give the pupil's UPN")
    );
    assert!(
        problems(s.app.record_call(&hoy, &call_about("")).unwrap_err())
            .contains("give the pupil's UPN")
    );
    assert_eq!(s.written(), (0, 0), "nothing was written");

    // Their own year's pupils they sign in, and take calls about.
    let late = s
        .app
        .sign_in_late(&hoy, nine[0].pupil.upn.as_str(), "09:40")
        .unwrap();
    assert_eq!(late.session, Session::Am);
    let desk = s
        .app
        .call_desk(&hoy, "", Some(nine[1].pupil.upn.as_str()))
        .unwrap();
    assert_eq!(desk.pupil.unwrap().pupil.id, nine[1].id);
    let call = s
        .app
        .record_call(&hoy, &call_about(nine[1].pupil.upn.as_str()))
        .unwrap();
    assert_eq!(call.marked.len(), 2);
    // The calling list is of year 9 only.
    let list = s.app.calling_list(&hoy, None, None).unwrap();
    assert!(!list.to_call.is_empty());
    assert!(list
        .to_call
        .iter()
        .all(|t| t.pupil.pupil.year_group == YearGroup::Year(9)));
    assert!(list.to_call.iter().all(|t| t.pupil.id != nine[1].id));
}

#[test]
fn the_office_reaches_the_school_and_is_told_what_is_wrong() {
    let s = school_at("10:30");
    let office = s.actor("office");
    let seven = &s.pupils_of(7)[0];
    let upn = seven.pupil.upn.to_string();
    let unknown = Upn::with_check_letter("999999999999").unwrap().to_string();

    assert!(
        problems(s.app.sign_in_late(&office, &unknown, "09:40").unwrap_err())
            .contains("no pupil with UPN")
    );
    assert!(
        problems(s.app.call_desk(&office, "", Some(&unknown)).unwrap_err())
            .contains("no pupil with UPN")
    );
    assert!(
        problems(s.app.sign_in_late(&office, &upn, "25:00").unwrap_err())
            .contains("'25:00' is not a time of day")
    );
    let mut bad = call_about(&upn);
    bad.first_date = "2025-7-8".into();
    assert!(problems(s.app.record_call(&office, &bad).unwrap_err()).contains("is not a date"));
    assert_eq!(s.written(), (0, 0), "nothing was written");

    // The search shows the pupil's mark once they are signed in.
    let out = s.app.sign_in_late(&office, &upn, "09:40").unwrap();
    assert_eq!(out.code, rollcall_core::BaseCode::U);
    let found = s.app.late_search(&office, &upn, None).unwrap();
    assert_eq!(found.session, Session::Am);
    assert_eq!(found.found.len(), 1);
    assert_eq!(
        found.found[0].mark.as_ref().map(|c| c.text().to_owned()),
        Some("U".to_owned())
    );
    // Chosen to sign in, they are shown with their mark, apart from the search.
    let chosen = s.app.late_search(&office, "", Some(&upn)).unwrap();
    assert!(chosen.found.is_empty());
    let chosen = chosen.chosen.unwrap();
    assert_eq!(chosen.pupil.id, seven.id);
    assert_eq!(
        chosen.mark.map(|c| c.text().to_owned()),
        Some("U".to_owned())
    );
    let desk = s.app.call_desk(&office, "", Some(&upn)).unwrap();
    assert!(!desk.pupil.unwrap().contacts.is_empty(), "with contacts");
    assert_eq!(desk.first_session, Session::Am);
}

#[test]
fn the_calling_list_reads_dates_and_sessions_like_every_page() {
    let s = school_at("09:30");
    let office = s.actor("office");
    let list = s.app.calling_list(&office, None, None).unwrap();
    assert_eq!(list.session, Session::Am);
    assert!(!list.still_open, "the morning register closed at 09:10");
    let pm = s
        .app
        .calling_list(&office, Some(TODAY), Some("pm"))
        .unwrap();
    assert_eq!(pm.session, Session::Pm);
    assert!(pm.still_open);
    assert!(problems(
        s.app
            .calling_list(&office, Some("tomorrow"), None)
            .unwrap_err()
    )
    .contains("'tomorrow' is not a date: expected YYYY-MM-DD"));
    assert!(
        problems(s.app.calling_list(&office, None, Some("noon")).unwrap_err())
            .contains("'noon' is not a session: expected AM or PM")
    );
}

/// The same copy of the school read with the clock at another time of [`TODAY`].
fn same_school_at(s: &School, time: &str) -> rollcall_app::App {
    let url = s.url.clone();
    let now = chrono::NaiveDateTime::parse_from_str(&format!("{TODAY} {time}"), "%Y-%m-%d %H:%M")
        .unwrap();
    rollcall_app::App::with_opener(
        Box::new(move || rollcall_app::open_store(&url)),
        rollcall_app::Clock::Fixed(now),
    )
}

#[test]
fn nobody_is_to_call_until_the_register_closes() {
    use rollcall_app::registers::{MarkInput, RegisterKey, RegisterSubmission};
    // 08:50: the morning register opened at 08:40 and closes at 09:10.
    let s = school_at("08:50");
    let office = s.actor("office");
    // 7A's tutor marks one pupil N, leaves one unmarked, and the rest present.
    let tutor = s.actor("tutor7a");
    let key = RegisterKey::parse("7A", TODAY, "AM").unwrap();
    let reg = s.app.register(&tutor, &key).unwrap();
    let rows: Vec<_> = reg.rows.iter().collect();
    let (absent, unmarked) = (rows[0].id, rows[1].id);
    let submission = RegisterSubmission {
        version: reg.version.clone(),
        reason: String::new(),
        marks: rows
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 1)
            .map(|(i, r)| MarkInput {
                upn: r.pupil.upn.to_string(),
                code: if i == 0 { "N".into() } else { "/".into() },
                ..MarkInput::default()
            })
            .collect(),
    };
    s.app.take_register(&tutor, &key, &submission).unwrap();
    let on_roll: usize = (7..=11).map(|y| s.pupils_of(y).len()).sum();
    let expected = on_roll - (rows.len() - 1);

    // While it is open: nobody to call; the N pupil is absent so far; the others are not yet
    // marked, counted by form.
    let open = s.app.calling_list(&office, None, None).unwrap();
    assert!(open.still_open);
    assert!(
        open.to_call.is_empty(),
        "nobody is to call before the close"
    );
    assert_eq!(
        open.absent_so_far
            .iter()
            .map(|t| t.pupil.id)
            .collect::<Vec<_>>(),
        vec![absent]
    );
    assert_eq!(open.not_yet_marked_count(), expected);
    let seven_a = open
        .not_yet_marked
        .iter()
        .find(|f| f.form.as_deref() == Some("7A"))
        .unwrap();
    assert_eq!(seven_a.pupils, 1, "7A's one pupil without a mark");
    assert!(open
        .not_yet_marked
        .iter()
        .any(|f| f.form.as_deref() == Some("8A")));

    // Before it opens, alike.
    let early = same_school_at(&s, "08:00")
        .calling_list(&office, None, None)
        .unwrap();
    assert!(early.still_open && early.to_call.is_empty());
    assert_eq!(early.absent_so_far.len(), 1);
    assert_eq!(early.not_yet_marked_count(), expected);

    // From 09:10 the absence is confirmed: the N pupil and every pupil without a mark are to
    // call, and nothing is counted apart.
    let closed = same_school_at(&s, "09:10")
        .calling_list(&office, None, None)
        .unwrap();
    assert!(!closed.still_open);
    assert!(closed.absent_so_far.is_empty() && closed.not_yet_marked.is_empty());
    assert_eq!(closed.to_call.len(), expected + 1);
    let ids: Vec<_> = closed.to_call.iter().map(|t| t.pupil.id).collect();
    assert!(ids.contains(&absent) && ids.contains(&unmarked));

    // The afternoon of the same day has not opened: nobody is to call for it either.
    let pm = same_school_at(&s, "09:10")
        .calling_list(&office, None, Some("PM"))
        .unwrap();
    assert!(pm.still_open && pm.to_call.is_empty());
}

#[test]
fn a_call_sent_twice_is_recorded_once_and_shown_again() {
    let s = school_at("10:30");
    let office = s.actor("office");
    let pupil = &s.pupils_of(8)[3];
    let upn = pupil.pupil.upn.to_string();
    let mut call = call_about(&upn);
    call.reason = "Temperature overnight, staying home".into();
    call.expected_return = "2025-07-10".into();

    let first = s.app.record_call(&office, &call).unwrap();
    assert!(!first.repeated);
    assert_eq!(first.marked.len(), 2);
    assert_eq!(first.call.reason, "Temperature overnight, staying home");
    assert_eq!(first.call.reported_by, "Mother (phone)");
    assert_eq!(first.call.recorded.by, "Pat Green");
    let written = s.written();

    // The same form sent again: nothing more is written, and the first call is the answer.
    let again = s.app.record_call(&office, &call).unwrap();
    assert!(again.repeated);
    assert_eq!(again.report, first.report);
    assert_eq!(again.call, first.call);
    assert!(again.marked.is_empty());
    assert_eq!(s.written(), written, "nothing was written twice");

    // Sent twice at the same moment, it is still recorded once.
    let mut other = call_about(s.pupils_of(8)[4].pupil.upn.as_str());
    other.reason = "Dentist".into();
    other.code = "M".into();
    let outcomes: Vec<_> = std::thread::scope(|scope| {
        let taps: Vec<_> = (0..2)
            .map(|_| scope.spawn(|| s.app.record_call(&office, &other).unwrap()))
            .collect();
        taps.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert_eq!(outcomes.iter().filter(|o| !o.repeated).count(), 1);
    assert_eq!(outcomes[0].report, outcomes[1].report);
    assert_eq!(s.written().1, written.1 + 1);

    // A different call about the same pupil is a call of its own.
    let mut later = call.clone();
    later.reason = "Still poorly, back on Thursday".into();
    let later = s.app.record_call(&office, &later).unwrap();
    assert!(!later.repeated);
    assert_ne!(later.report, first.report);

    // The calls are shown again, the newest first: at the call desk, and on the record for
    // staff; never on a parent's.
    let desk = s.app.call_desk(&office, "", Some(&upn)).unwrap();
    let calls = desk.pupil.unwrap().calls;
    assert_eq!(
        calls.iter().map(|c| c.reason.as_str()).collect::<Vec<_>>(),
        vec![
            "Still poorly, back on Thursday",
            "Temperature overnight, staying home"
        ]
    );
    assert_eq!(
        calls[1].expected_return,
        rollcall_core::parse_date("2025-07-10")
    );
    let record = s.app.pupil_record(&s.actor("head"), &upn).unwrap();
    assert_eq!(record.calls.unwrap(), calls);
    let parent = s.actor("parent");
    let rollcall_app::Reach::Children(children) = &parent.reach else {
        panic!("a parent has children");
    };
    let child = s
        .pupils_of(7)
        .into_iter()
        .chain((8..=11).flat_map(|y| s.pupils_of(y)))
        .find(|p| children.contains(&p.id))
        .unwrap();
    let child_upn = child.pupil.upn.to_string();
    s.app.record_call(&office, &call_about(&child_upn)).unwrap();
    assert_eq!(
        s.app
            .pupil_record(&office, &child_upn)
            .unwrap()
            .calls
            .unwrap()
            .len(),
        1
    );
    assert!(s
        .app
        .pupil_record(&parent, &child_upn)
        .unwrap()
        .calls
        .is_none());
}
