//! The school day's use cases: pupils signed out and back in and what the register makes of it,
//! missing-pupil alerts, traveller families; who may use them, and what bad input changes
//! (nothing).

use chrono::NaiveDateTime;
use rollcall_app::cases::day::{MissingInput, SignOutInput, StepInput, TravelInput};
use rollcall_app::day::SessionEffect;
use rollcall_app::registers::RegisterKey;
use rollcall_app::{Actor, App, Clock, Refusal};
use rollcall_core::marks::{MarkEntry, Recorded};
use rollcall_core::{Code, Role, Session, Upn, YearGroup};
use rollcall_store::{
    Contact, DateRange, MarkChange, MissingStep, SchoolId, SearchArea, StoredPupil,
};

mod common;

use common::{School, TODAY};

/// A copy of the demo school of 150 pupils (one form a year) with the clock stopped at `time`.
fn school_at(time: &str) -> School {
    School::at(150, time)
}

fn problems(r: Refusal) -> String {
    match r {
        Refusal::Invalid(_) => r.to_string(),
        other => panic!("expected an invalid request, got {other:?}"),
    }
}

/// What the tests read and write of the school beside the use cases.
trait Look {
    /// The same database with the clock stopped at another time of the day.
    fn app_at(&self, time: &str) -> App;
    fn school(&self) -> SchoolId;
    /// The pupils on roll today in a year group, by UPN.
    fn pupils_of(&self, year: u8) -> Vec<StoredPupil>;
    fn contacts(&self, pupil: &StoredPupil) -> Vec<Contact>;
    /// A pupil of year 7 with a contact who may not collect them, and that contact.
    fn pupil_with_unpermitted_contact(&self) -> (StoredPupil, Contact, Contact);
    /// Today's mark of a pupil for a session.
    fn mark(&self, pupil: &StoredPupil, session: Session) -> Option<String>;
    /// Records a mark for today, as a register would.
    fn set_mark(&self, pupil: &StoredPupil, session: Session, code: &str);
    /// Everything the day's use cases write: today's marks and amendments, sign-outs, alerts and
    /// their steps, traveller records.
    fn written(&self) -> (usize, usize, usize, usize, usize);
    /// A user of another role, of this school.
    fn add_user(&self, username: &str, role: Role) -> Actor;
}

impl Look for School {
    fn app_at(&self, time: &str) -> App {
        let now =
            NaiveDateTime::parse_from_str(&format!("{TODAY} {time}"), "%Y-%m-%d %H:%M").unwrap();
        let url = self.url.clone();
        App::with_opener(
            Box::new(move || rollcall_app::open_store(&url)),
            Clock::Fixed(now),
        )
    }

    fn school(&self) -> SchoolId {
        let mut store = rollcall_app::open_store(&self.url).unwrap();
        rollcall_app::resolve_school(store.as_mut(), Some("140123"))
            .unwrap()
            .id
    }

    fn pupils_of(&self, year: u8) -> Vec<StoredPupil> {
        let mut store = rollcall_app::open_store(&self.url).unwrap();
        let today = rollcall_core::parse_date(TODAY).unwrap();
        let mut all: Vec<_> = store
            .pupils(self.school())
            .unwrap()
            .into_iter()
            .filter(|p| p.pupil.year_group == YearGroup::Year(year) && p.pupil.on_roll(today))
            .collect();
        all.sort_by_key(|p| p.pupil.upn.clone());
        all
    }

    fn contacts(&self, pupil: &StoredPupil) -> Vec<Contact> {
        let mut store = rollcall_app::open_store(&self.url).unwrap();
        store.contacts(self.school(), pupil.id).unwrap()
    }

    fn pupil_with_unpermitted_contact(&self) -> (StoredPupil, Contact, Contact) {
        self.pupils_of(7)
            .into_iter()
            .find_map(|p| {
                let contacts = self.contacts(&p);
                let may = contacts.iter().find(|c| c.may_collect)?.clone();
                let may_not = contacts.iter().find(|c| !c.may_collect)?.clone();
                Some((p, may, may_not))
            })
            .expect("a pupil of year 7 with a contact who may not collect them")
    }

    fn mark(&self, pupil: &StoredPupil, session: Session) -> Option<String> {
        let mut store = rollcall_app::open_store(&self.url).unwrap();
        let today = rollcall_core::parse_date(TODAY).unwrap();
        store
            .pupil_marks(self.school(), pupil.id, DateRange::between(today, today))
            .unwrap()
            .into_iter()
            .find(|m| m.session == session)
            .map(|m| m.entry.code.text().to_owned())
    }

    fn set_mark(&self, pupil: &StoredPupil, session: Session, code: &str) {
        let mut store = rollcall_app::open_store(&self.url).unwrap();
        let today = rollcall_core::parse_date(TODAY).unwrap();
        let change = MarkChange::New {
            pupil: pupil.id,
            date: today,
            session,
            entry: MarkEntry {
                code: Code::parse(code, today).unwrap().0,
                minutes_late: None,
            },
            recorded: Recorded {
                by: "Jo Smith".into(),
                role: "form tutor".into(),
                at: chrono::Utc::now(),
            },
        };
        store
            .apply_marks(self.school(), &[change], &mut |_| {})
            .unwrap();
    }

    fn written(&self) -> (usize, usize, usize, usize, usize) {
        let mut store = rollcall_app::open_store(&self.url).unwrap();
        let school = self.school();
        let today = rollcall_core::parse_date(TODAY).unwrap();
        (
            store
                .marks(school, DateRange::between(today, today))
                .unwrap()
                .len(),
            store
                .amendments(school, None)
                .unwrap()
                .iter()
                .filter(|a| a.date == today)
                .count(),
            store
                .sign_outs(school, DateRange::all(), None)
                .unwrap()
                .len(),
            store
                .missing_alerts(school, None)
                .unwrap()
                .iter()
                .map(|a| 1 + a.steps.len())
                .sum(),
            store.travel_records(school, None).unwrap().len(),
        )
    }

    fn add_user(&self, username: &str, role: Role) -> Actor {
        let mut store = rollcall_app::open_store(&self.url).unwrap();
        rollcall_app::users::save_user(
            store.as_mut(),
            &rollcall_app::users::NewUser {
                username: username.into(),
                display_name: format!("The {}", role.title()),
                role: Some(role),
                school: Some(self.school()),
                year_groups: vec![],
                forms: vec![],
                children: vec![],
                contact: String::new(),
                password: "a long enough password".into(),
                inactive: false,
            },
        )
        .unwrap();
        Actor::of_user(&store.user_by_name(username).unwrap().unwrap())
    }
}

/// A pupil signed out for an appointment at `time`, collected by `contact`.
fn out_for_appointment(pupil: &StoredPupil, time: &str, contact: &Contact) -> SignOutInput {
    SignOutInput {
        upn: pupil.pupil.upn.to_string(),
        time: time.into(),
        reason: "appointment".into(),
        detail: "Orthodontist".into(),
        collected_by: contact.reference.clone(),
        ..SignOutInput::default()
    }
}

#[test]
fn only_the_office_senior_staff_pastoral_staff_and_the_dsl_use_the_school_day() {
    let s = school_at("10:30");
    let (pupil, may, _) = s.pupil_with_unpermitted_contact();
    let upn = pupil.pupil.upn.to_string();
    let input = out_for_appointment(&pupil, "10:00", &may);
    for who in ["tutor7a", "parent", "governor", "admin"] {
        let a = s.actor(who);
        let forbidden =
            |r: Result<(), Refusal>| assert!(matches!(r, Err(Refusal::Forbidden)), "{who}");
        forbidden(s.app.sign_out_desk(&a, "7A", Some(&upn)).map(drop));
        forbidden(s.app.sign_pupil_out(&a, &input).map(drop));
        forbidden(s.app.sign_pupil_in(&a, "1", "11:00").map(drop));
        forbidden(s.app.missing_board(&a, "").map(drop));
        forbidden(s.app.missing_alert(&a, "1").map(drop));
        forbidden(
            s.app
                .report_missing(
                    &a,
                    &MissingInput {
                        upn: upn.clone(),
                        noticed_by: "Mr Jones".into(),
                        last_seen: "Maths".into(),
                        ..MissingInput::default()
                    },
                )
                .map(drop),
        );
        forbidden(
            s.app
                .record_missing_step(&a, "1", &StepInput::default())
                .map(drop),
        );
        forbidden(s.app.travel(&a, &upn).map(drop));
        forbidden(
            s.app
                .save_travel(&a, &upn, &TravelInput::default())
                .map(drop),
        );
        forbidden(s.app.office_day(&a).map(drop));
    }
    let dsl = s.add_user("dsl", Role::SafeguardingLead);
    for a in [
        s.actor("office"),
        s.actor("head"),
        s.actor("attendance"),
        dsl,
    ] {
        s.app.sign_out_desk(&a, "7A", Some(&upn)).unwrap();
        s.app.missing_board(&a, "").unwrap();
        s.app.travel(&a, &upn).unwrap();
    }
    assert_eq!(s.written(), (0, 0, 0, 0, 0), "nothing was written");
}

#[test]
fn an_appointment_keeps_the_morning_mark_and_gives_the_afternoon_m_when_the_pupil_is_back() {
    let s = school_at("10:30");
    let office = s.actor("office");
    let (pupil, may, _) = s.pupil_with_unpermitted_contact();
    s.set_mark(&pupil, Session::Am, "/");

    // Out at 10:30, collected by a contact who may collect; expected back.
    let out = s
        .app
        .sign_pupil_out(&office, &out_for_appointment(&pupil, "", &may))
        .unwrap();
    assert_eq!(out.out.out_at.to_string(), "10:30:00");
    assert!(out.out.collector.permitted);
    assert_eq!(out.out.collector.name, may.name());
    assert!(
        out.effects.is_empty(),
        "nothing to mark until they are back"
    );
    let desk = s.app.sign_out_desk(&office, "", None).unwrap();
    assert_eq!(desk.today.len(), 1);
    assert!(desk.today[0].back.is_none());
    let day = s.app.office_day(&office).unwrap();
    assert_eq!(day.out_now.len(), 1);

    // Signed out twice: refused, with when.
    let again = s
        .app
        .sign_pupil_out(&office, &out_for_appointment(&pupil, "10:20", &may))
        .unwrap_err();
    assert!(problems(again).contains("already signed out (since 10:30"));

    // At 14:00 the office signs them back in at 13:50, after the afternoon register closed.
    let later = s.app_at("14:00");
    let early = later
        .sign_pupil_in(&office, &out.id.to_string(), "10:00")
        .unwrap_err();
    assert!(problems(early).contains("the time back (10:00) is before the time"));
    let future = later
        .sign_pupil_in(&office, &out.id.to_string(), "14:30")
        .unwrap_err();
    assert!(problems(future).contains("later than now"));
    assert_eq!(s.written(), (1, 0, 1, 0, 0), "nothing was written");

    let back = later
        .sign_pupil_in(&office, &out.id.to_string(), "13:50")
        .unwrap();
    assert_eq!(
        back.effects,
        [(
            Session::Pm,
            SessionEffect::Marked {
                code: Code::new(rollcall_core::BaseCode::M),
                replaced: None
            }
        )]
    );
    assert_eq!(s.mark(&pupil, Session::Am).as_deref(), Some("/"));
    assert_eq!(s.mark(&pupil, Session::Pm).as_deref(), Some("M"));
    let twice = later
        .sign_pupil_in(&office, &out.id.to_string(), "13:55")
        .unwrap_err();
    assert!(problems(twice).contains("signed back in already"));

    // The morning register shows the time out beside the mark that was kept.
    let form = pupil.pupil.form.clone().unwrap();
    let key = RegisterKey::parse(&form, TODAY, "AM").unwrap();
    let register = later.register(&office, &key).unwrap();
    let away = &register.away[&pupil.id];
    assert_eq!(away[0].describe(), "out 10:30–13:50");

    // So does the pupil's record: in full for staff, the times only for a parent.
    let record = later
        .pupil_record(&office, pupil.pupil.upn.as_str())
        .unwrap();
    assert_eq!(record.sign_outs.len(), 1);
    let detail = record.sign_outs[0].detail.as_ref().unwrap();
    assert_eq!(detail.collector.name, may.name());
    assert!(record.traveller.is_none());
}

#[test]
fn a_pupil_not_back_today_has_the_afternoon_marked_at_once_and_present_again_if_back_in_time() {
    let s = school_at("10:30");
    let office = s.actor("office");
    let (pupil, _, may_not) = s.pupil_with_unpermitted_contact();
    s.set_mark(&pupil, Session::Am, "/");
    let input = SignOutInput {
        reason: "unwell".into(),
        detail: "Temperature".into(),
        back_today: "no".into(),
        ..out_for_appointment(&pupil, "10:15", &may_not)
    };

    // A contact who may not collect must be confirmed: refused, with the warning.
    let refused = problems(s.app.sign_pupil_out(&office, &input).unwrap_err());
    assert!(
        refused.contains(&format!(
            "{} is NOT on the list of people permitted to collect",
            may_not.name()
        )),
        "{refused}"
    );
    assert_eq!(s.written(), (1, 0, 0, 0, 0), "nothing was written");

    let confirmed = SignOutInput {
        confirm_not_permitted: "yes".into(),
        ..input
    };
    let out = s.app.sign_pupil_out(&office, &confirmed).unwrap();
    assert!(!out.out.collector.permitted);
    assert_eq!(s.mark(&pupil, Session::Am).as_deref(), Some("/"));
    assert_eq!(s.mark(&pupil, Session::Pm).as_deref(), Some("I"));

    // Back at 13:25, before the afternoon register closed: present again, as an amendment.
    let back = s
        .app_at("13:40")
        .sign_pupil_in(&office, &out.id.to_string(), "13:25")
        .unwrap();
    assert!(matches!(
        back.effects[..],
        [(Session::Pm, SessionEffect::BackInTime { .. })]
    ));
    assert_eq!(s.mark(&pupil, Session::Pm).as_deref(), Some("\\"));
    assert_eq!(s.written(), (2, 1, 1, 0, 0));
}

#[test]
fn an_n_the_tutor_gave_while_the_pupil_was_out_becomes_the_reasons_code() {
    let s = school_at("11:30");
    let office = s.actor("office");
    let (pupil, may, _) = s.pupil_with_unpermitted_contact();
    s.set_mark(&pupil, Session::Am, "/");
    let out = s
        .app
        .sign_pupil_out(&office, &out_for_appointment(&pupil, "11:00", &may))
        .unwrap();
    s.set_mark(&pupil, Session::Pm, "N");
    s.app_at("15:00")
        .sign_pupil_in(&office, &out.id.to_string(), "14:45")
        .unwrap();
    assert_eq!(s.mark(&pupil, Session::Pm).as_deref(), Some("M"));
    let mut store = rollcall_app::open_store(&s.url).unwrap();
    let amendments = store.amendments(s.school(), Some(pupil.id)).unwrap();
    assert_eq!(amendments.len(), 1);
    assert_eq!(amendments[0].original.code.text(), "N");
    assert_eq!(
        amendments[0].reason,
        "Signed out at 11:00 (medical or dental appointment: Orthodontist)"
    );
}

#[test]
fn bad_sign_outs_are_refused_with_what_is_wrong_and_change_nothing() {
    let s = school_at("10:30");
    let office = s.actor("office");
    let (pupil, may, _) = s.pupil_with_unpermitted_contact();

    // A pupil of another school is not on this school's register.
    let mut store = rollcall_app::open_store(&s.url).unwrap();
    let times = store
        .schools()
        .unwrap()
        .into_iter()
        .find_map(|s| s.register_times)
        .unwrap();
    let calendar = store.calendar(s.school()).unwrap();
    let elsewhere = store
        .import_calendar(
            &rollcall_store::SchoolDetails {
                name: "Elm Primary".into(),
                urn: Some("999001".into()),
                la: None,
                estab: None,
            },
            &times,
            &calendar,
        )
        .unwrap();
    let other = rollcall_core::Pupil::new(
        Upn::with_check_letter("822400777777").unwrap(),
        "Other",
        "Olive",
        rollcall_core::parse_date("2013-03-03").unwrap(),
        YearGroup::Year(7),
        rollcall_core::parse_date("2024-09-02").unwrap(),
    );
    store
        .save_pupils(elsewhere, std::slice::from_ref(&other))
        .unwrap();
    drop(store);
    let before = s.written();

    let unknown = Upn::with_check_letter("999999999999").unwrap().to_string();
    let cases: Vec<(SignOutInput, &str)> = vec![
        (
            SignOutInput {
                upn: unknown.clone(),
                ..out_for_appointment(&pupil, "10:00", &may)
            },
            "no pupil with UPN",
        ),
        (
            SignOutInput {
                upn: other.upn.to_string(),
                ..out_for_appointment(&pupil, "10:00", &may)
            },
            "no pupil with UPN",
        ),
        (
            SignOutInput {
                upn: String::new(),
                ..out_for_appointment(&pupil, "10:00", &may)
            },
            "give the pupil's UPN",
        ),
        (
            out_for_appointment(&pupil, "11:00", &may),
            "the time the pupil left (11:00) is later than now",
        ),
        (
            out_for_appointment(&pupil, "9.30", &may),
            "'9.30' is not a time of day",
        ),
        (
            SignOutInput {
                date: "2025-07-09".into(),
                ..out_for_appointment(&pupil, "10:00", &may)
            },
            "is a day still to come",
        ),
        (
            SignOutInput {
                date: "2025-07-05".into(),
                ..out_for_appointment(&pupil, "10:00", &may)
            },
            "is not a school day",
        ),
        (
            SignOutInput {
                reason: "holiday".into(),
                ..out_for_appointment(&pupil, "10:00", &may)
            },
            "choose the reason",
        ),
        (
            SignOutInput {
                reason: "other".into(),
                detail: " ".into(),
                ..out_for_appointment(&pupil, "10:00", &may)
            },
            "say why the pupil is leaving",
        ),
        (
            SignOutInput {
                collected_by: String::new(),
                ..out_for_appointment(&pupil, "10:00", &may)
            },
            "say who collected",
        ),
        (
            SignOutInput {
                collected_by: "F9999-1".into(),
                ..out_for_appointment(&pupil, "10:00", &may)
            },
            "is not one of",
        ),
        (
            SignOutInput {
                collected_by: "other".into(),
                ..out_for_appointment(&pupil, "10:00", &may)
            },
            "give the name of the adult",
        ),
        (
            SignOutInput {
                collected_by: "other".into(),
                other_name: "Kim Taxi".into(),
                ..out_for_appointment(&pupil, "10:00", &may)
            },
            "Kim Taxi is NOT on the list of people permitted to collect",
        ),
    ];
    for (input, expected) in cases {
        let said = problems(s.app.sign_pupil_out(&office, &input).unwrap_err());
        assert!(said.contains(expected), "{expected}: {said}");
    }
    assert!(
        problems(s.app.sign_pupil_in(&office, "x", "10:00").unwrap_err())
            .contains("'x' is not a sign-out number")
    );
    assert!(matches!(
        s.app.sign_pupil_in(&office, "4242", "10:00"),
        Err(Refusal::NotFound(_))
    ));
    assert_eq!(s.written(), before, "nothing was written");

    // Another adult, confirmed, is recorded as not permitted.
    let taxi = SignOutInput {
        collected_by: "other".into(),
        other_name: "Kim Taxi".into(),
        other_relationship: "school taxi".into(),
        confirm_not_permitted: "on".into(),
        ..out_for_appointment(&pupil, "10:00", &may)
    };
    let out = s.app.sign_pupil_out(&office, &taxi).unwrap();
    assert_eq!(out.out.collector.contact, None);
    assert_eq!(out.out.collector.relationship, "school taxi");
}

#[test]
fn a_head_of_year_signs_out_their_own_years_pupils_only() {
    let s = school_at("10:30");
    let hoy = s.actor("hoy9");
    let seven = &s.pupils_of(7)[0];
    let nine = &s.pupils_of(9)[0];
    let unknown = Upn::with_check_letter("999999999999").unwrap().to_string();
    let nine_contact = s
        .contacts(nine)
        .into_iter()
        .find(|c| c.may_collect)
        .unwrap();
    for upn in [seven.pupil.upn.to_string(), unknown] {
        let input = SignOutInput {
            upn: upn.clone(),
            ..out_for_appointment(nine, "10:00", &nine_contact)
        };
        assert!(
            matches!(s.app.sign_pupil_out(&hoy, &input), Err(Refusal::Forbidden)),
            "{upn}"
        );
        assert!(matches!(
            s.app.sign_out_desk(&hoy, "", Some(&upn)),
            Err(Refusal::Forbidden)
        ));
    }
    let out = s
        .app
        .sign_pupil_out(&hoy, &out_for_appointment(nine, "10:00", &nine_contact))
        .unwrap();
    // The office's sign-out of a year 7 pupil is not on the head of year's list, nor can they
    // sign that pupil back in.
    let office = s.actor("office");
    let seven_contact = s
        .contacts(seven)
        .into_iter()
        .find(|c| c.may_collect)
        .unwrap();
    let other = s
        .app
        .sign_pupil_out(
            &office,
            &out_for_appointment(seven, "10:05", &seven_contact),
        )
        .unwrap();
    let desk = s.app.sign_out_desk(&hoy, "7A", None).unwrap();
    assert!(desk.found.is_empty());
    assert_eq!(desk.today.len(), 1);
    assert_eq!(desk.today[0].id, out.id);
    assert!(matches!(
        s.app.sign_pupil_in(&hoy, &other.id.to_string(), "10:20"),
        Err(Refusal::Forbidden)
    ));
    assert_eq!(
        s.app.sign_out_desk(&office, "", None).unwrap().today.len(),
        2
    );
}

#[test]
fn a_missing_pupil_alert_is_worked_through_and_closes_when_the_pupil_is_found() {
    let s = school_at("11:00");
    let office = s.actor("office");
    let dsl = s.add_user("dsl", Role::SafeguardingLead);
    let hoy = s.actor("hoy9");
    let pupil = &s.pupils_of(7)[0];
    s.set_mark(pupil, Session::Am, "/");
    let upn = pupil.pupil.upn.to_string();
    let report = MissingInput {
        upn: upn.clone(),
        time: "10:50".into(),
        noticed_by: "Mr Jones (science)".into(),
        last_seen: "Science lab 2, start of period 3".into(),
    };

    // Bad reports change nothing.
    for (input, expected) in [
        (
            MissingInput {
                noticed_by: String::new(),
                ..report.clone()
            },
            "say who noticed",
        ),
        (
            MissingInput {
                last_seen: String::new(),
                ..report.clone()
            },
            "say where and when the pupil was last seen",
        ),
        (
            MissingInput {
                time: "11:30".into(),
                ..report.clone()
            },
            "later than now",
        ),
        (
            MissingInput {
                upn: Upn::with_check_letter("999999999999").unwrap().to_string(),
                ..report.clone()
            },
            "no pupil with UPN",
        ),
    ] {
        let said = problems(s.app.report_missing(&office, &input).unwrap_err());
        assert!(said.contains(expected), "{expected}: {said}");
    }
    assert_eq!(s.written().3, 0);

    let alert = s.app.report_missing(&office, &report).unwrap();
    assert!(alert.open);
    assert_eq!(alert.marks[0].1.as_ref().map(Code::text), Some("/"));
    assert_eq!(alert.checklist.len(), MissingStep::ALL.len());
    let again = problems(s.app.report_missing(&office, &report).unwrap_err());
    assert!(again.contains("already reported missing"));

    // The office, the headteacher and the DSL see it open, school-wide; a head of year of
    // another year does not.
    for who in [&office, &s.actor("head"), &dsl] {
        let board = s.app.missing_board(who, "").unwrap();
        assert_eq!(board.open.len(), 1);
    }
    assert_eq!(s.app.office_day(&office).unwrap().missing.len(), 1);
    assert!(s.app.missing_board(&hoy, "").unwrap().open.is_empty());
    assert!(matches!(
        s.app.missing_alert(&hoy, &alert.id.to_string()),
        Err(Refusal::Forbidden)
    ));

    // Steps, recorded in any order, read as a timeline by when they happened.
    let id = alert.id.to_string();
    let step = |step: MissingStep, time: &str, note: &str| StepInput {
        step: step.as_str().into(),
        time: time.into(),
        note: note.into(),
        ..StepInput::default()
    };
    s.app
        .record_missing_step(
            &office,
            &id,
            &step(MissingStep::ToldHeadteacher, "10:53", ""),
        )
        .unwrap();
    s.app
        .record_missing_step(
            &dsl,
            &id,
            &step(MissingStep::ToldSafeguardingLead, "10:52", ""),
        )
        .unwrap();
    s.app
        .record_missing_step(
            &office,
            &id,
            &step(MissingStep::Searched(SearchArea::Toilets), "", "Not there"),
        )
        .unwrap();
    for (input, expected) in [
        (
            step(MissingStep::ParentsCalled, "10:40", ""),
            "before the pupil was found missing",
        ),
        (
            step(MissingStep::ParentsCalled, "11:10", ""),
            "later than now",
        ),
        (
            step(MissingStep::Found, "10:58", ""),
            "say where the pupil was found",
        ),
        (
            StepInput {
                step: "lunch".into(),
                ..StepInput::default()
            },
            "choose the step",
        ),
    ] {
        let said = problems(s.app.record_missing_step(&office, &id, &input).unwrap_err());
        assert!(said.contains(expected), "{expected}: {said}");
    }
    let found = s
        .app
        .record_missing_step(
            &office,
            &id,
            &step(
                MissingStep::Found,
                "10:58",
                "In the library, upset about a test",
            ),
        )
        .unwrap();
    assert!(!found.open);
    let steps: Vec<_> = found.timeline.iter().map(|e| e.step).collect();
    assert_eq!(
        steps,
        [
            MissingStep::ToldSafeguardingLead,
            MissingStep::ToldHeadteacher,
            MissingStep::Found,
            MissingStep::Searched(SearchArea::Toilets),
        ]
    );
    assert_eq!(
        found.timeline[0].recorded.by,
        "The designated safeguarding lead"
    );
    assert_eq!(
        found.closed().unwrap().note,
        "In the library, upset about a test"
    );
    let closed = problems(
        s.app
            .record_missing_step(&office, &id, &step(MissingStep::PoliceCalled, "", ""))
            .unwrap_err(),
    );
    assert!(closed.contains("is closed"));
    let board = s.app.missing_board(&office, "").unwrap();
    assert!(board.open.is_empty());
    assert_eq!(board.closed.len(), 1);
    assert!(s.app.office_day(&office).unwrap().missing.is_empty());
}

#[test]
fn a_traveller_childs_attendances_are_counted_against_the_two_hundred() {
    let s = school_at("10:30");
    let office = s.actor("office");
    let pupil = &s.pupils_of(9)[0];
    let upn = pupil.pupil.upn.to_string();

    let page = s.app.travel(&office, &upn).unwrap();
    assert!(page.records.is_empty());
    // The count is the pupil's sessions present or at an approved educational activity in the
    // twelve months to today.
    let standing = page.standing;
    let mut store = rollcall_app::open_store(&s.url).unwrap();
    let counted = store
        .pupil_marks(s.school(), pupil.id, DateRange::all())
        .unwrap()
        .iter()
        .filter(|m| m.date >= standing.from && m.date <= standing.to)
        .filter(|m| {
            matches!(
                m.entry.code.category(),
                rollcall_core::Category::Present | rollcall_core::Category::Aea
            )
        })
        .count();
    drop(store);
    assert!(counted > 0);
    assert_eq!(standing.attendances as usize, counted);
    assert_eq!(standing.to.to_string(), TODAY);
    assert_eq!(standing.from.to_string(), "2024-07-09");
    assert!(standing.line_applies());
    assert_eq!(standing.warning(), standing.attendances < 220);

    // The record shows it once the pupil has a traveller record, to staff only.
    assert!(s
        .app
        .pupil_record(&office, &upn)
        .unwrap()
        .traveller
        .is_none());
    for (input, expected) in [
        (
            TravelInput {
                from: "2025-07-01".into(),
                to: "2025-06-01".into(),
                whereabouts: "Appleby".into(),
                ..TravelInput::default()
            },
            "the last day (2025-06-01) is before the first (2025-07-01)",
        ),
        (
            TravelInput {
                from: "2025-07-01".into(),
                ..TravelInput::default()
            },
            "say where the family is",
        ),
        (
            TravelInput {
                whereabouts: "Appleby".into(),
                ..TravelInput::default()
            },
            "give the first day of travelling",
        ),
        (
            TravelInput {
                id: "77".into(),
                from: "2025-07-01".into(),
                whereabouts: "Appleby".into(),
                ..TravelInput::default()
            },
            "has no traveller record 77",
        ),
    ] {
        let said = problems(s.app.save_travel(&office, &upn, &input).unwrap_err());
        assert!(said.contains(expected), "{expected}: {said}");
    }
    assert_eq!(s.written().4, 0);
    let saved = s
        .app
        .save_travel(
            &office,
            &upn,
            &TravelInput {
                from: "2025-06-02".into(),
                whereabouts: "Appleby Horse Fair, then the north-east".into(),
                dual_school: "St Cuthbert's, Durham".into(),
                ..TravelInput::default()
            },
        )
        .unwrap();
    assert_eq!(saved.records.len(), 1);
    let id = saved.records[0].id.to_string();
    let ended = s
        .app
        .save_travel(
            &office,
            &upn,
            &TravelInput {
                id,
                from: "2025-06-02".into(),
                to: "2025-06-27".into(),
                whereabouts: "Appleby Horse Fair, then the north-east".into(),
                ..TravelInput::default()
            },
        )
        .unwrap();
    assert_eq!(ended.records.len(), 1);
    assert_eq!(
        ended.records[0].record.to.map(|d| d.to_string()).as_deref(),
        Some("2025-06-27")
    );
    let record = s.app.pupil_record(&office, &upn).unwrap();
    assert_eq!(record.traveller.unwrap().standing, standing);
}

#[test]
fn a_parent_sees_their_childs_times_out_and_nothing_else_of_the_day() {
    let s = school_at("10:30");
    let office = s.actor("office");
    let parent = s.actor("parent");
    let child = parent.reach.clone();
    let rollcall_app::Reach::Children(ids) = child else {
        panic!("a parent reaches their children");
    };
    let pupil = s.pupils_of(7).into_iter().find(|p| p.id == ids[0]).unwrap();
    let contact = s
        .contacts(&pupil)
        .into_iter()
        .find(|c| c.may_collect)
        .unwrap();
    s.app
        .sign_pupil_out(&office, &out_for_appointment(&pupil, "10:00", &contact))
        .unwrap();
    let upn = pupil.pupil.upn.to_string();
    let record = s.app.pupil_record(&parent, &upn).unwrap();
    assert_eq!(record.sign_outs.len(), 1);
    assert_eq!(record.sign_outs[0].out_at.to_string(), "10:00:00");
    assert_eq!(record.sign_outs[0].detail, None, "the times only");
    assert!(record.traveller.is_none());
    assert!(matches!(
        s.app.sign_out_desk(&parent, "", Some(&upn)),
        Err(Refusal::Forbidden)
    ));
}
