//! Following up absence through the use cases: a parent's report waits for the office and is
//! recorded with one action; a parent asks for leave and the headteacher decides with the
//! decision support; medical evidence is asked for and answered; and a parent never reaches
//! another family's child, whether that child exists or not.

mod common;

use common::*;
use rollcall_app::cases::family::{AbsenceNotice, LeaveForm};
use rollcall_app::cases::leave::DecisionForm;
use rollcall_app::evidence::Upload;
use rollcall_app::records::{LeaveStatus, ReportKind};
use rollcall_app::Refusal;
use rollcall_core::{BaseCode, Date};
use rollcall_store::{DateRange, Store};

fn store(s: &School) -> Box<dyn Store> {
    rollcall_app::open_store(&s.url).unwrap()
}

/// The demo parent's child and a pupil of another family, by UPN.
fn child_and_stranger(s: &School) -> (String, String) {
    let mut st = store(s);
    let school = rollcall_app::resolve_school(st.as_mut(), None).unwrap();
    let parent = st.user_by_name("parent").unwrap().unwrap();
    let pupils = st.pupils(school.id).unwrap();
    let child = pupils
        .iter()
        .find(|p| p.id == parent.user.children[0])
        .unwrap();
    let other = pupils
        .iter()
        .find(|p| p.id != child.id && p.pupil.form == child.pupil.form)
        .unwrap();
    (child.pupil.upn.to_string(), other.pupil.upn.to_string())
}

fn ill_today(upn: &str) -> AbsenceNotice {
    AbsenceNotice {
        upn: upn.into(),
        first_date: TODAY.into(),
        kind: "illness".into(),
        details: "Sickness and a temperature".into(),
        expected_return: "2025-07-09".into(),
        ..AbsenceNotice::default()
    }
}

fn day(s: &str) -> Date {
    rollcall_core::parse_date(s).unwrap()
}

#[test]
fn a_parents_report_waits_for_the_office_and_is_recorded_with_one_action() {
    let s = School::at(60, "08:10");
    let parent = s.actor("parent");
    let (child, _) = child_and_stranger(&s);
    let card = Upload {
        file_name: "card.png".into(),
        bytes: b"\x89PNG\r\n\x1a\nrest of the image".to_vec(),
    };
    let receipt = s
        .app
        .report_absence(&parent, &ill_today(&child), Some(card))
        .unwrap();
    assert_eq!(receipt.sessions, 2);
    assert!(receipt.report.awaiting_review);
    assert!(
        receipt.report.reported_by.contains("online"),
        "{}",
        receipt.report.reported_by
    );
    // No mark is written by a parent's report.
    let mut st = store(&s);
    let school = rollcall_app::resolve_school(st.as_mut(), None).unwrap();
    let today = day(TODAY);
    let reports = st
        .absence_reports(school.id, DateRange::between(today, today))
        .unwrap();
    let ours = reports.iter().find(|r| r.id == receipt.id).unwrap();
    let pupil = ours.report.pupil;
    assert!(st
        .pupil_marks(school.id, pupil, DateRange::between(today, today))
        .unwrap()
        .is_empty());
    // The file is the parent's and the school's to see, nobody else's.
    let file = ours.report.evidence.unwrap();
    assert_eq!(
        s.app.evidence_file(&parent, file).unwrap().content_type,
        "image/png"
    );
    assert_eq!(
        s.app
            .evidence_file(&s.actor("office"), file)
            .unwrap()
            .file_name,
        "card.png"
    );
    assert!(matches!(
        s.app.evidence_file(&s.actor("hoy9"), file),
        Err(Refusal::Forbidden)
    ));

    // The tutor's register shows it beside the pupil.
    let tutor = s.actor("tutor7a");
    let key = rollcall_app::cases::registers::RegisterKey::parse("7A", TODAY, "AM").unwrap();
    let reg = s.app.register(&tutor, &key).unwrap();
    let row = reg.rows.iter().find(|r| r.id == pupil).unwrap();
    let shown = row
        .reported
        .as_ref()
        .expect("the report is on the register");
    assert_eq!(shown.kind, ReportKind::Illness);
    assert!(shown.awaiting_review);

    // The office records it as I with one action: both sessions marked.
    let office = s.actor("office");
    let waiting = s.app.reports_to_review(&office).unwrap();
    let w = waiting.iter().find(|w| w.id == receipt.id).unwrap();
    assert_eq!(w.suggested.as_ref().map(|c| c.base()), Some(BaseCode::I));
    let done = s.app.review_report(&office, receipt.id, "").unwrap();
    assert_eq!(done.marked.len(), 2);
    let marks = st
        .pupil_marks(school.id, pupil, DateRange::between(today, today))
        .unwrap();
    assert!(marks.iter().all(|m| m.entry.code.base() == BaseCode::I));
    // Recorded once: a second review is a conflict and changes nothing.
    assert!(matches!(
        s.app.review_report(&office, receipt.id, "I"),
        Err(Refusal::Conflict { .. })
    ));
    assert!(s
        .app
        .reports_to_review(&office)
        .unwrap()
        .iter()
        .all(|w| w.id != receipt.id));
}

#[test]
fn a_report_that_is_wrong_says_what_and_records_nothing() {
    let s = School::at(60, "08:10");
    let parent = s.actor("parent");
    let (child, _) = child_and_stranger(&s);
    let before = s.app.family(&parent).unwrap().children[0].reports.len();
    let bad = [
        (
            AbsenceNotice {
                first_date: "2025-07-07".into(),
                ..ill_today(&child)
            },
            "has passed",
        ),
        (
            AbsenceNotice {
                details: " ".into(),
                ..ill_today(&child)
            },
            "why",
        ),
        (
            AbsenceNotice {
                kind: "holiday".into(),
                ..ill_today(&child)
            },
            "illness",
        ),
        (
            AbsenceNotice {
                last_date: "2025-07-01".into(),
                ..ill_today(&child)
            },
            "before the first",
        ),
        (
            AbsenceNotice {
                first_date: "2025-07-12".into(),
                last_date: "2025-07-13".into(),
                expected_return: String::new(),
                ..ill_today(&child)
            },
            "no school",
        ),
        (
            AbsenceNotice {
                expected_return: "2025-07-08".into(),
                ..ill_today(&child)
            },
            "expected back",
        ),
        (
            AbsenceNotice {
                upn: String::new(),
                ..ill_today(&child)
            },
            "UPN",
        ),
    ];
    for (notice, wanted) in bad {
        let e = s.app.report_absence(&parent, &notice, None).unwrap_err();
        assert!(e.to_string().contains(wanted), "{wanted:?} not in {e}");
    }
    for (bytes, wanted) in [
        (b"MZ\x90\0 a program".to_vec(), "not a PDF or an image"),
        (
            vec![b'%'; rollcall_app::evidence::MAX_EVIDENCE_BYTES + 1],
            "largest accepted",
        ),
    ] {
        let up = Upload {
            file_name: "note.pdf".into(),
            bytes,
        };
        let e = s
            .app
            .report_absence(&parent, &ill_today(&child), Some(up))
            .unwrap_err();
        assert!(e.to_string().contains(wanted), "{wanted:?} not in {e}");
    }
    assert_eq!(
        s.app.family(&parent).unwrap().children[0].reports.len(),
        before
    );
}

#[test]
fn a_parent_never_reaches_another_familys_child_existing_or_not() {
    let s = School::at(60, "08:10");
    let parent = s.actor("parent");
    let (_, stranger) = child_and_stranger(&s);
    let nobody = "A123456789012".to_owned();
    for upn in [stranger.clone(), nobody.clone(), "not a upn".into()] {
        let e = s
            .app
            .report_absence(&parent, &ill_today(&upn), None)
            .unwrap_err();
        assert!(matches!(e, Refusal::Forbidden), "report for {upn}: {e}");
        let form = LeaveForm {
            upn: upn.clone(),
            first_date: "2025-07-14".into(),
            last_date: "2025-07-15".into(),
            code: "C".into(),
            reason: "x".into(),
            ..LeaveForm::default()
        };
        let e = s.app.apply_for_leave(&parent, &form).unwrap_err();
        assert!(matches!(e, Refusal::Forbidden), "leave for {upn}: {e}");
        assert!(matches!(
            s.app.pupil_record(&parent, &upn),
            Err(Refusal::Forbidden)
        ));
    }
    // Staff-only use cases refuse a parent outright.
    assert!(matches!(
        s.app.reports_to_review(&parent),
        Err(Refusal::Forbidden)
    ));
    assert!(matches!(
        s.app.leave_case(&parent, 1),
        Err(Refusal::Forbidden)
    ));
    assert!(matches!(
        s.app.send_evidence(
            &parent,
            999,
            Upload {
                file_name: "a.pdf".into(),
                bytes: b"%PDF-".to_vec()
            }
        ),
        Err(Refusal::Forbidden)
    ));
}

#[test]
fn a_holiday_is_asked_for_weighed_and_refused_and_the_parent_sees_why() {
    let s = School::at(60, "10:00");
    let parent = s.actor("parent");
    let (child, _) = child_and_stranger(&s);
    let form = LeaveForm {
        upn: child.clone(),
        first_date: "2025-07-14".into(),
        last_date: "2025-07-18".into(),
        code: "C".into(),
        reason: "A family holiday: flights are cheaper in term time".into(),
        ..LeaveForm::default()
    };
    let asked = s.app.apply_for_leave(&parent, &form).unwrap();
    assert_eq!(asked.status(), LeaveStatus::Pending);
    let head = s.actor("head");
    let case = s.app.leave_case(&head, asked.id).unwrap();
    let sup = &case.support;
    assert_eq!(sup.sessions_asked, 10);
    assert_eq!(sup.notice_days, 6);
    assert_eq!(sup.late_by_policy, Some(28));
    assert!(sup.not_allowed.is_none());
    assert!(sup.this_year.possible > 0);
    assert!(
        sup.projected_if_granted.unwrap().hundredths()
            < sup.projected_if_refused.unwrap().hundredths()
    );
    assert!(
        sup.cautions.iter().any(|c| c.contains("28 days")),
        "{:?}",
        sup.cautions
    );
    // Only the headteacher decides.
    assert!(matches!(
        s.app.leave_case(&s.actor("office"), asked.id),
        Err(Refusal::Forbidden)
    ));
    let refuse = DecisionForm {
        decision: "refuse".into(),
        reason: "Holidays are not exceptional circumstances".into(),
        ..DecisionForm::default()
    };
    let (decided, pre) = s.app.decide_leave(&head, asked.id, &refuse).unwrap();
    assert_eq!(decided.status(), LeaveStatus::Refused);
    assert!(pre.marked.is_empty());
    let family = s.app.family(&parent).unwrap();
    let l = &family.children[0].leave[0];
    assert_eq!(l.status(), LeaveStatus::Refused);
    assert_eq!(
        l.decision.as_ref().unwrap().reason,
        "Holidays are not exceptional circumstances"
    );
    // Decided once.
    let grant = DecisionForm {
        decision: "grant".into(),
        reason: "changed".into(),
        ..DecisionForm::default()
    };
    assert!(s.app.decide_leave(&head, asked.id, &grant).is_err());
}

#[test]
fn leave_granted_in_part_is_pre_entered_on_the_granted_sessions_only() {
    let s = School::at(60, "10:00");
    let parent = s.actor("parent");
    let (child, _) = child_and_stranger(&s);
    let form = LeaveForm {
        upn: child.clone(),
        first_date: "2025-07-14".into(),
        last_date: "2025-07-16".into(),
        code: "R".into(),
        reason: "Eid".into(),
        ..LeaveForm::default()
    };
    let asked = s.app.apply_for_leave(&parent, &form).unwrap();
    let head = s.actor("head");
    let case = s.app.leave_case(&head, asked.id).unwrap();
    assert!(
        case.support
            .cautions
            .iter()
            .any(|c| c.contains("religious observance")),
        "{:?}",
        case.support.cautions
    );
    let grant = DecisionForm {
        decision: "grant".into(),
        reason: "One day for the festival".into(),
        first_date: "2025-07-14".into(),
        first_session: "AM".into(),
        last_date: "2025-07-14".into(),
        last_session: "PM".into(),
    };
    let (_, pre) = s.app.decide_leave(&head, asked.id, &grant).unwrap();
    assert_eq!(pre.marked.len(), 2);
    let mut st = store(&s);
    let school = rollcall_app::resolve_school(st.as_mut(), None).unwrap();
    let marks = st
        .marks(
            school.id,
            DateRange::between(day("2025-07-14"), day("2025-07-16")),
        )
        .unwrap();
    let r: Vec<_> = marks
        .iter()
        .filter(|m| m.entry.code.base() == BaseCode::R)
        .collect();
    assert_eq!(r.len(), 2);
    assert!(r.iter().all(|m| m.date == day("2025-07-14")));
}

#[test]
fn a_parent_whose_account_is_not_linked_cannot_apply_and_is_told_why() {
    let s = School::at(60, "10:00");
    let (child, _) = child_and_stranger(&s);
    let mut st = store(&s);
    let mut user = st.user_by_name("parent").unwrap().unwrap();
    user.user.contact = None;
    st.save_user(&user.user).unwrap();
    let parent = s.actor("parent");
    let form = LeaveForm {
        upn: child,
        first_date: "2025-07-14".into(),
        code: "C".into(),
        reason: "x".into(),
        ..LeaveForm::default()
    };
    let e = s.app.apply_for_leave(&parent, &form).unwrap_err();
    assert!(e.to_string().contains("link"), "{e}");
}

#[test]
fn medical_evidence_is_asked_for_and_a_refusal_can_unauthorise_the_illness() {
    let s = School::at(60, "10:00");
    let parent = s.actor("parent");
    let office = s.actor("office");
    let (child, _) = child_and_stranger(&s);
    // Record a week of illness for the child through a parent's call.
    let mut st = store(&s);
    let school = rollcall_app::resolve_school(st.as_mut(), None).unwrap();
    let pupil = st
        .pupils(school.id)
        .unwrap()
        .into_iter()
        .find(|p| p.pupil.upn.as_str() == child)
        .unwrap();
    let first = day("2025-06-30");
    let last = day("2025-07-07");
    let id = s
        .app
        .request_evidence(&office, &child, "2025-06-30", "2025-07-07", "")
        .unwrap();
    let family = s.app.family(&parent).unwrap();
    assert_eq!(family.children[0].evidence_requests[0].id, id);
    assert!(family.children[0].evidence_requests[0].answer.is_none());
    let ill_before = st
        .pupil_marks(school.id, pupil.id, DateRange::between(first, last))
        .unwrap()
        .iter()
        .filter(|m| m.entry.code.base() == BaseCode::I)
        .count();
    let changed = s.app.decide_evidence(&office, id, "refused", true).unwrap();
    assert_eq!(changed, ill_before);
    let after = st
        .pupil_marks(school.id, pupil.id, DateRange::between(first, last))
        .unwrap();
    assert!(after.iter().all(|m| m.entry.code.base() != BaseCode::I));
    // Answered once; a parent cannot answer it afterwards.
    assert!(s
        .app
        .decide_evidence(&office, id, "provided", false)
        .is_err());
    let pdf = Upload {
        file_name: "note.pdf".into(),
        bytes: b"%PDF-1.4".to_vec(),
    };
    assert!(s.app.send_evidence(&parent, id, pdf.clone()).is_err());
    // A new request the parent answers with a file.
    let id2 = s
        .app
        .request_evidence(
            &office,
            &child,
            "2025-07-01",
            "2025-07-02",
            "A pattern of Mondays",
        )
        .unwrap();
    s.app.send_evidence(&parent, id2, pdf).unwrap();
    let desk = s.app.evidence_desk(&office).unwrap();
    let (answered, _) = desk.requests.iter().find(|(q, _)| q.id == id2).unwrap();
    assert!(answered.answer.as_ref().unwrap().evidence.is_some());
    // Bad input.
    assert!(s.app.decide_evidence(&office, id2, "maybe", false).is_err());
    assert!(s
        .app
        .decide_evidence(&office, id2, "provided", true)
        .is_err());
    assert!(s
        .app
        .request_evidence(&office, &child, "2025-07-02", "2025-07-01", "")
        .is_err());
}

#[test]
fn the_schools_policy_sets_what_leave_is_weighed_against() {
    let s = School::at(60, "10:00");
    let parent = s.actor("parent");
    let (child, _) = child_and_stranger(&s);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("policy.toml");
    std::fs::write(
        &file,
        "[leave]\nnotice_days = 5\nattendance_floor = false\n\n[penalty]\nsessions = 8\nweeks = 12\n",
    )
    .unwrap();
    let mut st = store(&s);
    let school = rollcall_app::resolve_school(st.as_mut(), None).unwrap();
    rollcall_app::alerts::save_policy(st.as_mut(), Some(&school), &file, &s.actor("head")).unwrap();
    let form = LeaveForm {
        upn: child,
        first_date: "2025-07-14".into(),
        last_date: "2025-07-18".into(),
        code: "C".into(),
        reason: "A wedding".into(),
        ..LeaveForm::default()
    };
    let asked = s.app.apply_for_leave(&parent, &form).unwrap();
    let case = s.app.leave_case(&s.actor("head"), asked.id).unwrap();
    assert_eq!(
        case.support.late_by_policy, None,
        "six days is enough notice here"
    );
    assert_eq!(case.support.limits.attendance_floor, None);
    assert_eq!(
        (
            case.support.limits.penalty_sessions,
            case.support.limits.penalty_weeks
        ),
        (8, 12),
        "the school's tighter penalty threshold"
    );
    assert!(
        case.support
            .cautions
            .iter()
            .all(|c| !c.contains("notice") && !c.contains("policy asks to keep")),
        "{:?}",
        case.support.cautions
    );
    // A policy that cannot be read is refused when saved.
    std::fs::write(&file, "[leave]\nnotice_days = \"a month\"\n").unwrap();
    let e = rollcall_app::alerts::save_policy(st.as_mut(), Some(&school), &file, &s.actor("head"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("leave.notice_days"), "{e}");
}
