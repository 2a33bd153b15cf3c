//! A parent's own pages and API calls: a report and an application for their own child are
//! taken; for another family's child, on the register or not, they are refused with 403 by page
//! and API alike and nothing is recorded; an evidence file that is too big or not a PDF or an
//! image is refused with a clear message.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;

struct Family {
    child: String,
    stranger: String,
}

fn family(app: &TestApp) -> Family {
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
    let parent = store.user_by_name("parent").unwrap().unwrap();
    let pupils = store.pupils(school.id).unwrap();
    let child = pupils
        .iter()
        .find(|p| p.id == parent.user.children[0])
        .unwrap();
    let stranger = pupils
        .iter()
        .find(|p| p.id != child.id && p.pupil.leaving_date.is_none())
        .unwrap();
    Family {
        child: child.pupil.upn.to_string(),
        stranger: stranger.pupil.upn.to_string(),
    }
}

/// The parents' own reports and applications the school holds.
fn recorded(app: &TestApp) -> (usize, usize) {
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
    let reports = store
        .absence_reports(school.id, rollcall_store::DateRange::all())
        .unwrap()
        .into_iter()
        .filter(|r| r.report.from_parent)
        .count();
    (
        reports,
        store.leave_applications(school.id, None).unwrap().len(),
    )
}

async fn post_json(app: &TestApp, s: &Session, path: &str, body: serde_json::Value) -> Reply {
    let r = axum::http::Request::post(path)
        .header("content-type", "application/json")
        .header("cookie", &s.cookie)
        .header("x-csrf-token", &s.csrf);
    app.request(r.body(axum::body::Body::from(body.to_string())).unwrap())
        .await
}

/// A `multipart/form-data` post of `fields` and one file.
async fn post_file(
    app: &TestApp,
    s: &Session,
    path: &str,
    fields: &[(&str, &str)],
    file: (&str, &[u8]),
) -> Reply {
    let boundary = "----rollcall-test-boundary";
    let mut body = Vec::new();
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    all.push(("csrf", &s.csrf));
    for (k, v) in all {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"evidence\"; filename=\"{}\"\r\nContent-Type: application/pdf\r\n\r\n",
            file.0
        )
        .as_bytes(),
    );
    body.extend_from_slice(file.1);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = axum::http::Request::post(path)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("cookie", &s.cookie);
    app.request(r.body(axum::body::Body::from(body)).unwrap())
        .await
}

fn report_fields(upn: &str) -> Vec<(&'static str, String)> {
    vec![
        ("upn", upn.to_owned()),
        ("first_date", TODAY.to_owned()),
        ("kind", "illness".to_owned()),
        ("details", "Temperature".to_owned()),
    ]
}

#[tokio::test]
async fn a_parent_never_reports_or_applies_for_another_familys_child() {
    let app = TestApp::new();
    let f = family(&app);
    let parent = app.sign_in("parent").await;
    let before = recorded(&app);
    for upn in [f.stranger.as_str(), "A123456789012", "nonsense"] {
        let fields = report_fields(upn);
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = app.post(Some(&parent), "/children/report", &pairs).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "page report for {upn}");
        let api = post_json(
            &app,
            &parent,
            "/api/v1/children/absences",
            json!({"upn": upn, "first_date": TODAY, "kind": "illness", "details": "x"}),
        )
        .await;
        assert_eq!(
            api.status,
            StatusCode::FORBIDDEN,
            "API report for {upn}: {}",
            api.body
        );
        let leave = [
            ("upn", upn),
            ("first_date", "2025-07-14"),
            ("last_date", "2025-07-15"),
            ("code", "C"),
            ("reason", "x"),
        ];
        let page = app.post(Some(&parent), "/children/leave", &leave).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "page leave for {upn}");
        let api = post_json(
            &app,
            &parent,
            "/api/v1/children/leave",
            json!({"upn": upn, "first_date": "2025-07-14", "code": "C", "reason": "x"}),
        )
        .await;
        assert_eq!(api.status, StatusCode::FORBIDDEN, "API leave for {upn}");
        assert!(!api.body.contains(&f.stranger));
    }
    assert_eq!(recorded(&app), before, "nothing was recorded");

    // Their own child: taken by page and API.
    let fields = report_fields(&f.child);
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = app.post(Some(&parent), "/children/report", &pairs).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("The school has your report"));
    let api = post_json(
        &app,
        &parent,
        "/api/v1/children/leave",
        json!({"upn": f.child, "first_date": "2025-07-14", "last_date": "2025-07-16", "code": "C", "reason": "A wedding"}),
    )
    .await;
    assert_eq!(api.status, StatusCode::CREATED, "{}", api.body);
    let v: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(v["status"], "pending");
    assert_eq!(recorded(&app), (before.0 + 1, before.1 + 1));
}

#[tokio::test]
async fn an_evidence_file_too_big_or_not_a_pdf_or_image_is_refused_clearly() {
    let app = TestApp::new();
    let f = family(&app);
    let parent = app.sign_in("parent").await;
    let before = recorded(&app);
    let fields = report_fields(&f.child);
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let exe = post_file(
        &app,
        &parent,
        "/children/report",
        &pairs,
        ("note.pdf", b"MZ\x90\x00 a program"),
    )
    .await;
    assert_eq!(exe.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", exe.body);
    assert!(exe.body.contains("not a PDF or an image"), "{}", exe.body);
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(rollcall_app::evidence::MAX_EVIDENCE_BYTES + 10, b'x');
    let too_big = post_file(
        &app,
        &parent,
        "/children/report",
        &pairs,
        ("scan.pdf", &big),
    )
    .await;
    assert_eq!(
        too_big.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        too_big.body
    );
    assert!(
        too_big.body.contains("largest accepted is 4 MB"),
        "{}",
        too_big.body
    );
    assert_eq!(recorded(&app), before, "nothing was recorded");
    // A real PDF is taken, and the office can open it; a head of another year cannot.
    let ok = post_file(
        &app,
        &parent,
        "/children/report",
        &pairs,
        ("note.pdf", b"%PDF-1.4\n%%EOF"),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(ok.body.contains("Your file was received"));
    let file = {
        let mut store = rollcall_app::open_store(&app.url).unwrap();
        let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
        store
            .absence_reports(school.id, rollcall_store::DateRange::all())
            .unwrap()
            .into_iter()
            .find_map(|r| r.report.evidence)
            .unwrap()
    };
    let office = app.sign_in("office").await;
    let got = app.get(Some(&office), &format!("/evidence/{file}")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(got.body.starts_with("%PDF-1.4"));
    let hoy = app.sign_in("hoy9").await;
    assert_eq!(
        app.get(Some(&hoy), &format!("/evidence/{file}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(Some(&parent), &format!("/evidence/{file}"))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_decision_is_written_to_the_parent_as_a_letter() {
    let app = TestApp::new();
    let f = family(&app);
    let parent = app.sign_in("parent").await;
    let api = post_json(
        &app,
        &parent,
        "/api/v1/children/leave",
        json!({"upn": f.child, "first_date": "2025-07-14", "last_date": "2025-07-18", "code": "C", "reason": "A holiday"}),
    )
    .await;
    let id = serde_json::from_str::<serde_json::Value>(&api.body).unwrap()["id"]
        .as_i64()
        .unwrap();
    let office = app.sign_in("office").await;
    // No letter before a decision.
    let early = app.get(Some(&office), &format!("/leave/{id}/letter")).await;
    assert_eq!(early.status, StatusCode::BAD_REQUEST);
    let head = app.sign_in("head").await;
    let decided = app
        .post(
            Some(&head),
            &format!("/leave/{id}"),
            &[
                ("decision", "refuse"),
                ("reason", "A holiday is not exceptional."),
            ],
        )
        .await;
    assert!(
        decided.body.contains("Decision recorded: Refused"),
        "{}",
        decided.body
    );
    let letter = app.get(Some(&office), &format!("/leave/{id}/letter")).await;
    assert_eq!(letter.status, StatusCode::OK);
    for wanted in [
        "not granted",
        "A holiday is not exceptional.",
        "unauthorised",
        "Station Road",
    ] {
        assert!(letter.body.contains(wanted), "{wanted:?} not in the letter");
    }
    // A form tutor does not write letters; a parent does not see the school's copy.
    let tutor = app.sign_in("tutor7a").await;
    assert_eq!(
        app.get(Some(&tutor), &format!("/leave/{id}/letter"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(Some(&parent), &format!("/leave/{id}/letter"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}
