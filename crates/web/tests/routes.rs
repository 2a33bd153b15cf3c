//! Every route of `access::route_table()`, visited as every role and signed out: each role the
//! table admits gets the page, every other role is refused, and nobody signed out gets anything.

mod common;

use axum::http::StatusCode;
use common::*;
use rollcall_core::Role;

const USERS: [(&str, Role); 9] = [
    ("admin", Role::Administrator),
    ("head", Role::Headteacher),
    ("attendance", Role::AttendanceOfficer),
    ("hoy9", Role::HeadOfYear),
    ("tutor7a", Role::FormTutor),
    ("office", Role::Office),
    ("dsl", Role::SafeguardingLead),
    ("governor", Role::Governor),
    ("parent", Role::Parent),
];

/// A pupil, form and register each role reaches, to fill the table's placeholders.
struct Places {
    upn_in_7a: String,
    upn_in_9: String,
    form_9: String,
    /// A parent's report, a request for evidence and an evidence file about a pupil in 7A (the
    /// demo parent's child) and one in year 9.
    follow_up_7a: FollowUp,
    follow_up_9: FollowUp,
    leave: i64,
    /// A contact of each pupil, and a change proposed to that contact's details.
    contact_7a: (String, i64),
    contact_9: (String, i64),
    /// A case and a contract on it about a pupil in 7A and one in year 9.
    case_7a: (i64, i64),
    case_9: (i64, i64),
    /// A notice to improve and a penalty notice about each pupil.
    notices_7a: (i64, i64),
    notices_9: (i64, i64),
}

/// A notice to improve and a penalty notice to the pupil's first contact.
fn notices(
    store: &mut dyn rollcall_store::Store,
    school: rollcall_store::SchoolId,
    pupil: rollcall_store::PupilId,
) -> (i64, i64) {
    let contact = store.contacts(school, pupil).unwrap()[0].reference.clone();
    let day = rollcall_core::parse_date(TODAY).unwrap();
    let recorded = rollcall_core::marks::Recorded {
        by: "head".into(),
        role: "headteacher".into(),
        at: chrono::Utc::now(),
    };
    let improve = store
        .issue_notice_to_improve(
            school,
            &rollcall_store::NoticeToImprove {
                pupil,
                contact: contact.clone(),
                issued_on: day,
                weeks: 3,
                period_start: day,
                period_end: day,
                measure: rollcall_store::ImprovementMeasure::NoUnauthorised,
                support: "Mentoring".into(),
                grounds: String::new(),
                recorded: recorded.clone(),
            },
        )
        .unwrap();
    let penalty = store
        .issue_penalty_notice(
            school,
            &rollcall_store::PenaltyNotice {
                pupil,
                contact,
                issued_on: day,
                sequence: 1,
                amount_within_21_days: Some(80),
                amount_within_28_days: 160,
                finding_id: String::new(),
                finding_date: None,
                offence: Vec::new(),
                override_reason: Some("Test".into()),
                service: rollcall_store::Service::Hand,
                received_on: day,
                authority: "Local authority".into(),
                recorded,
            },
            &[],
        )
        .unwrap();
    (improve, penalty)
}

/// A case about `pupil` owned by the attendance officer, with a contract on it.
fn case_of(
    store: &mut dyn rollcall_store::Store,
    school: rollcall_store::SchoolId,
    pupil: rollcall_store::PupilId,
) -> (i64, i64) {
    use rollcall_core::marks::Recorded;
    let officer = store.user_by_name("attendance").unwrap().unwrap().id;
    let day = rollcall_core::parse_date(TODAY).unwrap();
    let recorded = Recorded {
        by: "Sam Patel".into(),
        role: "attendance officer".into(),
        at: chrono::Utc::now(),
    };
    let action = rollcall_store::CaseAction {
        kind: rollcall_store::ActionKind::Note,
        on: day,
        by: officer,
        summary: "Opened".into(),
        details: rollcall_store::ActionDetails::None,
        review_on: Some(day),
        document: None,
        recorded: recorded.clone(),
    };
    let case = store
        .open_case(
            school,
            &rollcall_store::CaseOpening {
                pupil,
                owner: officer,
                stage: "at_risk".into(),
                opened_on: day,
                because: rollcall_store::OpenedBecause::ByHand {
                    reason: "Worried".into(),
                },
                attendance: rollcall_store::Attended::default(),
                recorded: recorded.clone(),
            },
            &action,
        )
        .unwrap();
    let (contract, _) = store
        .save_contract(
            school,
            &rollcall_store::Contract {
                case,
                kind: rollcall_store::ContractKind::Attendance,
                difficulties: "Mornings".into(),
                actions: vec![],
                target_permille: 950,
                start: day,
                review_on: day,
                signatures: vec![],
                recorded,
            },
            &rollcall_store::CaseAction {
                kind: rollcall_store::ActionKind::Contract,
                ..action
            },
        )
        .unwrap();
    (case, contract)
}

/// The first contact of `pupil`, and a change proposed to their phone number.
fn proposed(
    store: &mut dyn rollcall_store::Store,
    school: rollcall_store::SchoolId,
    pupil: rollcall_store::PupilId,
) -> (String, i64) {
    let contact = store.contacts(school, pupil).unwrap().remove(0);
    let id = store
        .propose_contact_change(
            school,
            &rollcall_store::ContactProposal {
                contact: contact.reference.clone(),
                phone: Some(rollcall_store::DetailChange {
                    from: contact.phone.clone(),
                    to: Some("07700 900321".into()),
                }),
                email: None,
                address: None,
                proposed: rollcall_core::marks::Recorded {
                    by: "parent".into(),
                    role: "parent".into(),
                    at: chrono::Utc::now(),
                },
            },
        )
        .unwrap();
    (contact.reference, id)
}

struct FollowUp {
    report: i64,
    evidence_request: i64,
    evidence_file: i64,
}

/// A parent's report with a file, and a request for evidence, about `pupil`.
fn follow_up(
    store: &mut dyn rollcall_store::Store,
    school: rollcall_store::SchoolId,
    pupil: rollcall_store::PupilId,
) -> FollowUp {
    use rollcall_core::marks::Recorded;
    let at = chrono::Utc::now();
    let day = rollcall_core::parse_date(TODAY).unwrap();
    let report = rollcall_store::AbsenceReport {
        pupil,
        first: (day, rollcall_core::Session::Am),
        last: (day, rollcall_core::Session::Pm),
        reason: "Temperature".into(),
        kind: rollcall_store::ReportKind::Illness,
        code: rollcall_core::Code::parse_stored("N").unwrap(),
        expected_return: None,
        reported_by: "Parent (online)".into(),
        from_parent: true,
        awaiting_review: true,
        evidence: None,
        recorded: Recorded {
            by: "parent".into(),
            role: "parent".into(),
            at,
        },
    };
    let file = rollcall_store::EvidenceFile {
        pupil,
        file_name: "note.pdf".into(),
        content_type: "application/pdf".into(),
        bytes: b"%PDF-1.4 test".to_vec(),
        uploaded_by: "parent".into(),
        uploaded_at: at,
    };
    let report = store
        .record_parent_report(school, &report, Some(&file))
        .unwrap();
    let evidence_file = store
        .absence_reports(school, rollcall_store::DateRange::between(day, day))
        .unwrap()
        .into_iter()
        .find(|r| r.id == report)
        .and_then(|r| r.report.evidence)
        .unwrap();
    let evidence_request = store
        .save_evidence_request(
            school,
            &rollcall_store::EvidenceRequest {
                pupil,
                first: day,
                last: day,
                reason: "Illness".into(),
                requested: Recorded {
                    by: "attendance".into(),
                    role: "attendance_officer".into(),
                    at,
                },
            },
        )
        .unwrap();
    FollowUp {
        report,
        evidence_request,
        evidence_file,
    }
}

fn places(app: &TestApp) -> Places {
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
    let pupils = store.pupils(school.id).unwrap();
    let parent = store.user_by_name("parent").unwrap().unwrap();
    let child = pupils
        .iter()
        .find(|p| p.id == parent.user.children[0])
        .unwrap();
    let nine = pupils
        .iter()
        .filter(|p| {
            p.pupil.year_group == rollcall_core::YearGroup::Year(9)
                && p.pupil.leaving_date.is_none()
        })
        .min_by_key(|p| p.pupil.upn.clone())
        .unwrap();
    let follow_up_7a = follow_up(store.as_mut(), school.id, child.id);
    let follow_up_9 = follow_up(store.as_mut(), school.id, nine.id);
    let leave = store.leave_applications(school.id, None).unwrap()[0].id;
    let contact_7a = proposed(store.as_mut(), school.id, child.id);
    let contact_9 = proposed(store.as_mut(), school.id, nine.id);
    let case_7a = case_of(store.as_mut(), school.id, child.id);
    let case_9 = case_of(store.as_mut(), school.id, nine.id);
    let notices_7a = notices(store.as_mut(), school.id, child.id);
    let notices_9 = notices(store.as_mut(), school.id, nine.id);
    Places {
        upn_in_7a: child.pupil.upn.to_string(),
        upn_in_9: nine.pupil.upn.to_string(),
        form_9: nine.pupil.form.clone().unwrap(),
        follow_up_7a,
        follow_up_9,
        leave,
        contact_7a,
        contact_9,
        case_7a,
        case_9,
        notices_7a,
        notices_9,
    }
}

fn fill(path: &str, role: Role, p: &Places) -> String {
    let (upn, form, f, (contact, proposal), (case, contract)) = match role {
        Role::HeadOfYear => (
            p.upn_in_9.as_str(),
            p.form_9.as_str(),
            &p.follow_up_9,
            &p.contact_9,
            p.case_9,
        ),
        _ => (
            p.upn_in_7a.as_str(),
            "7A",
            &p.follow_up_7a,
            &p.contact_7a,
            p.case_7a,
        ),
    };
    let (improve, penalty) = match role {
        Role::HeadOfYear => p.notices_9,
        _ => p.notices_7a,
    };
    let notice = if path.contains("/penalty/") {
        penalty
    } else {
        improve
    };
    path.replace("{upn}", upn)
        .replace("{case}", &case.to_string())
        .replace("{contract}", &contract.to_string())
        .replace("{contact}", contact)
        .replace("{proposal}", &proposal.to_string())
        .replace("{form}", form)
        .replace("{report}", &f.report.to_string())
        .replace("{evidence_request}", &f.evidence_request.to_string())
        .replace("{evidence_file}", &f.evidence_file.to_string())
        .replace("{leave}", &p.leave.to_string())
        .replace("{notice}", &notice.to_string())
        .replace("{date}", TODAY)
        .replace("{session}", "AM")
}

#[tokio::test]
async fn every_route_as_every_role() {
    let app = TestApp::new();
    let table = rollcall_web::route_table();
    assert!(
        !table.is_empty(),
        "the route table lists the application's routes"
    );
    let places = places(&app);
    let mut sessions = Vec::new();
    for (name, role) in USERS {
        sessions.push((role, app.sign_in(name).await));
    }
    let mut failures = Vec::new();
    for rule in &table {
        // Signed out: pages send to sign-in, the API answers 401.
        let path = fill(rule.path, Role::Administrator, &places);
        let reply = match rule.method {
            "GET" => app.get(None, &path).await,
            _ => app.post(None, &path, &[]).await,
        };
        let refused = reply.status == StatusCode::UNAUTHORIZED
            || reply.status == StatusCode::FORBIDDEN
            || reply.location.as_deref() == Some("/sign-in");
        if !refused {
            failures.push(format!(
                "{} {path} signed out: {}",
                rule.method, reply.status
            ));
        }
        for (role, session) in &sessions {
            let path = fill(rule.path, *role, &places);
            let reply = match rule.method {
                "GET" => app.get(Some(session), &path).await,
                _ => app.post(Some(session), &path, &[]).await,
            };
            let allowed = rule.roles().contains(role);
            let forbidden = reply.status == StatusCode::FORBIDDEN;
            let signed_out = reply.location.as_deref() == Some("/sign-in");
            if signed_out || reply.status == StatusCode::NOT_FOUND || reply.status.is_server_error()
            {
                failures.push(format!(
                    "{} {path} as {role}: {}",
                    rule.method, reply.status
                ));
            } else if allowed == forbidden {
                failures.push(format!(
                    "{} {path} as {role}: {} but the table says {}",
                    rule.method,
                    reply.status,
                    if allowed { "allowed" } else { "refused" }
                ));
            }
            // A governor never sees a pupil's name or UPN.
            if *role == Role::Governor
                && !forbidden
                && (reply.body.contains(&places.upn_in_7a) || reply.body.contains(&places.upn_in_9))
            {
                failures.push(format!("{} {path} shows a UPN to a governor", rule.method));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
