//! The JSON API: the same sign-in, roles and reach as the pages.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::Value;

fn json(r: &Reply) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.body))
}

#[tokio::test]
async fn signed_out_calls_get_401_in_json() {
    let app = TestApp::new();
    let r = app.get(None, "/api/v1/me").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(json(&r)["status"], 401);
}

#[tokio::test]
async fn each_user_sees_the_pupils_they_reach() {
    let app = TestApp::new();
    let parent = app.sign_in("parent").await;
    let mine = json(&app.get(Some(&parent), "/api/v1/pupils").await);
    assert_eq!(
        mine.as_array().unwrap().len(),
        1,
        "a parent sees their one child"
    );
    let child = mine[0]["upn"].as_str().unwrap().to_owned();
    let me = json(&app.get(Some(&parent), "/api/v1/me").await);
    assert_eq!(me["role"], "parent");

    let tutor = app.sign_in("tutor7a").await;
    let form = json(&app.get(Some(&tutor), "/api/v1/pupils").await);
    assert!(form.as_array().unwrap().len() > 1);
    assert!(form.as_array().unwrap().iter().all(|p| p["form"] == "7A"));

    let head = app.sign_in("head").await;
    let all = json(&app.get(Some(&head), "/api/v1/pupils").await);
    let other = all
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["form"] != "7A")
        .unwrap()["upn"]
        .as_str()
        .unwrap()
        .to_owned();
    // Another pupil is refused to the parent and the tutor, alike whether or not it exists.
    for s in [&parent, &tutor] {
        assert_eq!(
            app.get(Some(s), &format!("/api/v1/pupils/{other}"))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.get(Some(s), "/api/v1/pupils/A000000000000")
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
    // Whoever reaches the whole school is told that a pupil is not on the register, as on the
    // record page.
    assert_eq!(
        app.get(Some(&head), "/api/v1/pupils/A000000000000")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(Some(&head), "/api/v1/pupils/A000000000000/marks")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let record = json(
        &app.get(Some(&parent), &format!("/api/v1/pupils/{child}"))
            .await,
    );
    // The database's own id is not part of the answer.
    assert!(record.get("id").is_none(), "{record}");
    let figures = &record["year_to_date"]["figures"];
    let possible = figures["possible"].as_u64().unwrap();
    let sum: u64 = ["present", "aea", "authorised", "unauthorised"]
        .iter()
        .map(|k| figures[k].as_u64().unwrap())
        .sum();
    assert_eq!(possible, sum);
    // The figures are the command line's.
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
    let stats = rollcall_app::reports::pupil_stats(
        store.as_mut(),
        school.id,
        rollcall_core::parse_date("2024-09-01").unwrap(),
        rollcall_core::parse_date(TODAY).unwrap(),
    )
    .unwrap();
    let (_, c) = stats.iter().find(|(p, _)| p.upn.as_str() == child).unwrap();
    assert_eq!(possible, u64::from(c.possible));
    // Counted as on the pupil's record: today's two registers, not closed at 08:45, are not
    // unmarked yet.
    assert_eq!(
        figures["unmarked"].as_u64().unwrap() + 2,
        u64::from(c.unmarked)
    );
    let marks = json(
        &app.get(
            Some(&parent),
            &format!("/api/v1/pupils/{child}/marks?from=2025-03-01&to=2025-03-31"),
        )
        .await,
    );
    assert!(marks["marks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["date"].as_str().unwrap().starts_with("2025-03")));
    let bad = app
        .get(
            Some(&parent),
            &format!("/api/v1/pupils/{child}/marks?from=March"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(json(&bad)["error"].as_str().unwrap().contains("YYYY-MM-DD"));
}

#[tokio::test]
async fn governors_get_figures_and_never_pupils() {
    let app = TestApp::new();
    let governor = app.sign_in("governor").await;
    assert_eq!(
        app.get(Some(&governor), "/api/v1/pupils").await.status,
        StatusCode::FORBIDDEN
    );
    // By one characteristic at a time: tables by several could be subtracted from one another.
    let r = app
        .get(Some(&governor), "/api/v1/figures?by=year_group,fsm")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let r = app
        .get(Some(&governor), "/api/v1/figures?by=year_group")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let body = json(&r);
    assert!(!body["groups"].as_array().unwrap().is_empty());
    assert!(!r.body.contains("\"upn\""));
    let whole = json(&app.get(Some(&governor), "/api/v1/figures").await);
    let g = &whole["groups"][0];
    assert!(g["attendance_pct"].as_f64().unwrap() > 80.0, "{g}");
    // Small groups are not shown to governors.
    let by_ethnicity = json(
        &app.get(Some(&governor), "/api/v1/figures?by=ethnicity")
            .await,
    );
    assert!(by_ethnicity["groups"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["pupils"] == "fewer than 5"));
    // Groups are hidden as on the governors' page: a larger group as well when the small ones
    // could otherwise be worked out from it. A hidden group carries no figure.
    let mut withheld = 0;
    for by in [
        "year_group",
        "sex",
        "fsm",
        "pupil_premium",
        "sen",
        "looked_after",
        "social_worker",
        "eal",
        "young_carer",
        "ethnicity",
    ] {
        let body = json(
            &app.get(Some(&governor), &format!("/api/v1/figures?by={by}"))
                .await,
        );
        for g in body["groups"].as_array().unwrap() {
            if g["pupils"].is_string() {
                assert!(g.get("attendance_pct").is_none(), "{g}");
                withheld += usize::from(g["pupils"] == "withheld");
            }
        }
    }
    assert!(withheld > 0);
}

#[tokio::test]
async fn alerts_are_limited_to_the_reach() {
    let app = TestApp::new();
    let head = app.sign_in("head").await;
    let all = json(
        &app.get(Some(&head), "/api/v1/alerts?rule=persistent_absence")
            .await,
    );
    let hoy = app.sign_in("hoy9").await;
    let nine = json(
        &app.get(Some(&hoy), "/api/v1/alerts?rule=persistent_absence")
            .await,
    );
    let n_all = all["alerts"].as_array().unwrap().len();
    let n_nine = nine["alerts"].as_array().unwrap().len();
    assert!(n_nine > 0 && n_nine < n_all, "{n_nine} of {n_all}");
    let tutor = app.sign_in("tutor7a").await;
    assert_eq!(
        app.get(Some(&tutor), "/api/v1/alerts").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(Some(&head), "/api/v1/alerts?rule=nonsense")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = TestApp::new();
    let r = app.get(None, "/api/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = json(&r);
    assert_eq!(doc["openapi"], "3.1.0");
    for rule in rollcall_web::route_table()
        .iter()
        .filter(|r| r.path.starts_with("/api/"))
    {
        let method = rule.method.to_lowercase();
        assert!(
            doc["paths"][rule.path][&method].is_object(),
            "{} {} is not documented",
            rule.method,
            rule.path
        );
    }
}

async fn post_json(
    app: &TestApp,
    s: &Session,
    path: &str,
    body: &Value,
    csrf: Option<&str>,
) -> Reply {
    let mut r = axum::http::Request::post(path)
        .header("content-type", "application/json")
        .header("cookie", &s.cookie);
    if let Some(t) = csrf {
        r = r.header("x-csrf-token", t);
    }
    app.request(r.body(axum::body::Body::from(body.to_string())).unwrap())
        .await
}

#[tokio::test]
async fn a_register_is_taken_through_the_api_and_never_silently_overwritten() {
    let app = TestApp::at("2025-07-08T08:55:00");
    let tutor = app.sign_in("tutor7a").await;
    let path = format!("/api/v1/registers/7A/{TODAY}/AM");
    let reg = json(&app.get(Some(&tutor), &path).await);
    assert_eq!(reg["window"], "open");
    let pupils = reg["pupils"].as_array().unwrap();
    assert!(
        pupils.iter().all(|p| p["code"].is_null()),
        "today's register is not taken yet"
    );
    let marks: Vec<Value> = pupils
        .iter()
        .enumerate()
        .map(|(i, p)| match i {
            0 => serde_json::json!({"upn": p["upn"], "code": "L", "arrival": "08:57"}),
            1 => serde_json::json!({"upn": p["upn"], "code": "N"}),
            _ => serde_json::json!({"upn": p["upn"], "code": "/"}),
        })
        .collect();
    let body = serde_json::json!({"version": reg["version"], "marks": marks});
    // Without the CSRF header the change is refused.
    assert_eq!(
        post_json(&app, &tutor, &path, &body, None).await.status,
        StatusCode::FORBIDDEN
    );
    let r = post_json(&app, &tutor, &path, &body, Some(&tutor.csrf)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let done = json(&r);
    assert_eq!(done["new"].as_u64().unwrap() as usize, pupils.len());
    let after = json(&app.get(Some(&tutor), &path).await);
    let first = &after["pupils"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["upn"] == pupils[0]["upn"])
        .unwrap()
        .clone();
    assert_eq!(
        (first["code"].clone(), first["minutes_late"].clone()),
        (serde_json::json!("L"), serde_json::json!(17)),
        "the register opens at 08:40"
    );
    // A second submission built from the old version is refused, and nothing of it is written.
    let stale = serde_json::json!({"version": reg["version"], "marks": [{"upn": pupils[1]["upn"], "code": "I"}]});
    let r = post_json(&app, &tutor, &path, &stale, Some(&tutor.csrf)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(json(&r)["error"]
        .as_str()
        .unwrap()
        .contains("Someone else changed this register"));
    let now = json(&app.get(Some(&tutor), &path).await);
    let second = now["pupils"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["upn"] == pupils[1]["upn"])
        .unwrap()
        .clone();
    assert_eq!(second["code"], "N");
    // Another form's register is refused to the tutor; a parent is refused every register.
    assert_eq!(
        app.get(Some(&tutor), &format!("/api/v1/registers/7B/{TODAY}/AM"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let parent = app.sign_in("parent").await;
    assert_eq!(
        app.get(Some(&parent), &path).await.status,
        StatusCode::FORBIDDEN
    );
}

/// Registers submitted at the same moment are written together, and still each stands alone:
/// of two people taking the same register from the same version, one is written whole and the
/// other refused whole; a third register submitted meanwhile is written.
#[tokio::test(flavor = "multi_thread")]
async fn registers_submitted_at_the_same_moment_never_overwrite_each_other() {
    let app = TestApp::at("2025-07-08T08:55:00");
    let tutor = app.sign_in("tutor7a").await;
    let officer = app.sign_in("attendance").await;
    let head = app.sign_in("head").await;
    let path_7a = format!("/api/v1/registers/7A/{TODAY}/AM");
    let path_7b = format!("/api/v1/registers/7B/{TODAY}/AM");
    let reg_7a = json(&app.get(Some(&tutor), &path_7a).await);
    let reg_7b = json(&app.get(Some(&head), &path_7b).await);
    let all = |reg: &Value, code: &str| {
        let marks: Vec<Value> = reg["pupils"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| serde_json::json!({"upn": p["upn"], "code": code}))
            .collect();
        serde_json::json!({"version": reg["version"], "marks": marks})
    };
    let (present, absent, other) = (all(&reg_7a, "/"), all(&reg_7a, "N"), all(&reg_7b, "/"));
    let (a, b, c) = tokio::join!(
        post_json(&app, &tutor, &path_7a, &present, Some(&tutor.csrf)),
        post_json(&app, &officer, &path_7a, &absent, Some(&officer.csrf)),
        post_json(&app, &head, &path_7b, &other, Some(&head.csrf)),
    );
    assert_eq!(c.status, StatusCode::OK, "{}", c.body);
    let statuses = [a.status, b.status];
    assert!(
        statuses.contains(&StatusCode::OK) && statuses.contains(&StatusCode::CONFLICT),
        "{statuses:?}: {} / {}",
        a.body,
        b.body
    );
    let winner = if a.status == StatusCode::OK { "/" } else { "N" };
    let after = json(&app.get(Some(&tutor), &path_7a).await);
    let codes: Vec<&str> = after["pupils"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap_or(""))
        .collect();
    assert!(
        codes.iter().all(|c| *c == winner),
        "one submission whole, nothing of the other: {codes:?}"
    );
    let after_7b = json(&app.get(Some(&head), &path_7b).await);
    assert!(after_7b["pupils"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["code"] == "/"));
}
