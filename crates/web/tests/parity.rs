//! The register page and the JSON API answer the same request alike, for every role: the same
//! status (a page's redirect after saving is the API's 200) and the same message. Both call the
//! same use cases of `rollcall_app`, and this holds them to it.
//!
//! Each side runs on its own copy of the demo school, and both go through the same requests in
//! the same order, so that what one request writes, the next finds on both sides.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use serde_json::{json, Value};

const USERS: [&str; 8] = [
    "admin",
    "head",
    "attendance",
    "hoy9",
    "tutor7a",
    "office",
    "governor",
    "parent",
];

/// One line of a submitted register.
struct Line {
    upn: String,
    code: &'static str,
    arrival: &'static str,
}

enum Ask {
    Get {
        form: String,
        date: &'static str,
        session: &'static str,
    },
    Post {
        form: String,
        /// `None`: the register's current version, read just before.
        version: Option<&'static str>,
        lines: Vec<Line>,
    },
}

struct Side {
    app: TestApp,
    /// Reads versions: reaches every form.
    office: Session,
    sessions: Vec<(&'static str, Session)>,
}

impl Side {
    async fn new() -> Side {
        let app = TestApp::new();
        let office = app.sign_in("office").await;
        let mut sessions = Vec::new();
        for name in USERS {
            sessions.push((name, app.sign_in(name).await));
        }
        Side {
            app,
            office,
            sessions,
        }
    }

    fn session(&self, name: &str) -> &Session {
        &self.sessions.iter().find(|(n, _)| *n == name).unwrap().1
    }

    async fn version(&self, form: &str) -> String {
        let r = self
            .app
            .get(
                Some(&self.office),
                &format!("/api/v1/registers/{form}/{TODAY}/AM"),
            )
            .await;
        let v: Value = serde_json::from_str(&r.body).unwrap();
        v["version"].as_str().unwrap_or_default().to_owned()
    }
}

/// Characters as maud writes them in a page.
fn escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[tokio::test]
async fn the_register_page_and_the_api_answer_alike() {
    let pages = Side::new().await;
    let api = Side::new().await;
    // Pupils of 7A on roll today, and a pupil of year 9 (not of 7A).
    let (seven_a, year_9) = {
        let mut store = rollcall_app::open_store(&pages.app.url).unwrap();
        let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
        let today = rollcall_core::parse_date(TODAY).unwrap();
        let pupils = store.pupils(school.id).unwrap();
        let seven_a: Vec<String> = pupils
            .iter()
            .filter(|p| p.pupil.form.as_deref() == Some("7A") && p.pupil.on_roll(today))
            .map(|p| p.pupil.upn.to_string())
            .collect();
        let nine = pupils
            .iter()
            .find(|p| {
                p.pupil.year_group == rollcall_core::YearGroup::Year(9)
                    && p.pupil.on_roll(today)
                    && p.pupil.leaving_date.is_none()
            })
            .unwrap();
        (seven_a, nine.pupil.clone())
    };
    let form_9 = year_9.form.clone().unwrap();
    let line = |i: usize, code: &'static str, arrival: &'static str| Line {
        upn: seven_a[i].clone(),
        code,
        arrival,
    };
    let get = |form: &str, date: &'static str, session: &'static str| Ask::Get {
        form: form.to_owned(),
        date,
        session,
    };
    let asks: Vec<(&str, Ask)> = vec![
        ("7A's register", get("7A", TODAY, "AM")),
        ("a year 9 register", get(&form_9, TODAY, "AM")),
        ("a form that does not exist", get("7Z", TODAY, "AM")),
        ("a day that is not a date", get("7A", "2025-13-01", "AM")),
        ("a session that is not one", get("7A", TODAY, "XX")),
        ("a Saturday", get("7A", "2025-07-05", "AM")),
        (
            "a mark",
            Ask::Post {
                form: "7A".into(),
                version: None,
                lines: vec![line(0, "/", "")],
            },
        ),
        (
            "a submission from an old version",
            Ask::Post {
                form: "7A".into(),
                version: Some("0000000000000000"),
                lines: vec![line(1, "/", "")],
            },
        ),
        (
            "a code that does not exist",
            Ask::Post {
                form: "7A".into(),
                version: None,
                lines: vec![line(1, "QQ", "")],
            },
        ),
        (
            "a late mark without its time",
            Ask::Post {
                form: "7A".into(),
                version: None,
                lines: vec![line(2, "L", "")],
            },
        ),
        (
            "a late arrival",
            Ask::Post {
                form: "7A".into(),
                version: None,
                lines: vec![line(3, "L", "09:05")],
            },
        ),
        (
            "a line for a pupil of another form",
            Ask::Post {
                form: "7A".into(),
                version: None,
                lines: vec![Line {
                    upn: year_9.upn.to_string(),
                    code: "/",
                    arrival: "",
                }],
            },
        ),
        (
            "a line for a UPN that does not exist",
            Ask::Post {
                form: "7A".into(),
                version: None,
                lines: vec![Line {
                    upn: "A123456789012".into(),
                    code: "/",
                    arrival: "",
                }],
            },
        ),
        (
            "no version at all",
            Ask::Post {
                form: "7A".into(),
                version: Some(""),
                lines: vec![line(4, "/", "")],
            },
        ),
    ];
    let mut differences = Vec::new();
    let mut answered = std::collections::BTreeSet::new();
    for (what, ask) in &asks {
        for user in USERS {
            let (page, json) = match ask {
                Ask::Get {
                    form,
                    date,
                    session,
                } => {
                    let path = format!("/registers/{form}/{date}/{session}");
                    let page = pages.app.get(Some(pages.session(user)), &path).await;
                    let json = api
                        .app
                        .get(Some(api.session(user)), &format!("/api/v1{path}"))
                        .await;
                    (page, json)
                }
                Ask::Post {
                    form,
                    version,
                    lines,
                } => {
                    let path = format!("/registers/{form}/{TODAY}/AM");
                    let page_version = match version {
                        Some(v) => (*v).to_owned(),
                        None => pages.version(form).await,
                    };
                    let mut fields = vec![
                        ("version".to_owned(), page_version),
                        ("reason".to_owned(), String::new()),
                    ];
                    for l in lines {
                        fields.push((format!("mark-{}", l.upn), l.code.to_owned()));
                        fields.push((format!("arrival-{}", l.upn), l.arrival.to_owned()));
                    }
                    let pairs: Vec<(&str, &str)> = fields
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect();
                    let page = pages
                        .app
                        .post(Some(pages.session(user)), &path, &pairs)
                        .await;
                    let api_version = match version {
                        Some(v) => (*v).to_owned(),
                        None => api.version(form).await,
                    };
                    let body = json!({
                        "version": api_version,
                        "reason": "",
                        "marks": lines.iter().map(|l| json!({"upn": l.upn, "code": l.code, "arrival": l.arrival})).collect::<Vec<_>>(),
                    });
                    let s = api.session(user);
                    let request = Request::post(format!("/api/v1{path}"))
                        .header(header::CONTENT_TYPE, "application/json")
                        .header(header::COOKIE, &s.cookie)
                        .header("x-csrf-token", &s.csrf)
                        .body(Body::from(body.to_string()))
                        .unwrap();
                    (page, api.app.request(request).await)
                }
            };
            let saved = matches!(ask, Ask::Post { .. }) && page.status == StatusCode::SEE_OTHER;
            let page_status = if saved { StatusCode::OK } else { page.status };
            answered.insert(page_status.as_u16());
            if page_status != json.status {
                differences.push(format!(
                    "{what} as {user}: the page answers {}, the API {}",
                    page.status, json.status
                ));
                continue;
            }
            if json.status.is_success() {
                continue;
            }
            let error: Value = serde_json::from_str(&json.body).unwrap_or(Value::Null);
            let message = error["error"].as_str().unwrap_or_default();
            assert!(!message.is_empty(), "{what} as {user}: {}", json.body);
            for part in message.lines() {
                if !page.body.contains(&escaped(part)) {
                    differences.push(format!(
                        "{what} as {user}: the API says \"{part}\", the page does not"
                    ));
                }
            }
        }
    }
    assert!(
        differences.is_empty(),
        "{} differences:\n{}",
        differences.len(),
        differences.join("\n")
    );
    // The table reaches every kind of answer, so it would see any of them differ.
    for status in [200, 400, 403, 404, 409] {
        assert!(
            answered.contains(&status),
            "no request was answered {status}"
        );
    }
}

/// A pupil's record page and the API's pupil answer alike, for every role: the same status and
/// the same refusal, whether the pupil is in reach, out of it, or does not exist.
#[tokio::test]
async fn a_pupils_record_and_the_api_answer_alike() {
    let side = Side::new().await;
    let today = rollcall_core::parse_date(TODAY).unwrap();
    let (in_7a, in_9) = {
        let mut store = rollcall_app::open_store(&side.app.url).unwrap();
        let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
        let parent = store.user_by_name("parent").unwrap().unwrap();
        let pupils = store.pupils(school.id).unwrap();
        let child = pupils
            .iter()
            .find(|p| p.id == parent.user.children[0])
            .unwrap();
        let nine = pupils
            .iter()
            .find(|p| {
                p.pupil.year_group == rollcall_core::YearGroup::Year(9) && p.pupil.on_roll(today)
            })
            .unwrap();
        (child.pupil.upn.to_string(), nine.pupil.upn.to_string())
    };
    let upns = [
        ("a pupil of 7A", in_7a.as_str()),
        ("a pupil of year 9", in_9.as_str()),
        ("a UPN nobody has", "A123456789012"),
        ("something that is not a UPN", "nobody"),
    ];
    let mut differences = Vec::new();
    let mut answered = std::collections::BTreeSet::new();
    for (what, upn) in upns {
        for user in USERS {
            let session = side.session(user);
            let page = side.app.get(Some(session), &format!("/pupils/{upn}")).await;
            let json = side
                .app
                .get(Some(session), &format!("/api/v1/pupils/{upn}"))
                .await;
            answered.insert(json.status.as_u16());
            if page.status != json.status {
                differences.push(format!(
                    "{what} as {user}: the page answers {}, the API {}",
                    page.status, json.status
                ));
                continue;
            }
            if json.status.is_success() {
                continue;
            }
            let error: Value = serde_json::from_str(&json.body).unwrap_or(Value::Null);
            let message = error["error"].as_str().unwrap_or_default();
            if !page.body.contains(&escaped(message)) {
                differences.push(format!(
                    "{what} as {user}: the API says \"{message}\", the page does not"
                ));
            }
        }
    }
    assert!(
        differences.is_empty(),
        "{} differences:\n{}",
        differences.len(),
        differences.join("\n")
    );
    for status in [200, 403, 404] {
        assert!(
            answered.contains(&status),
            "no request was answered {status}"
        );
    }
}

/// The pupil search page and the API's search answer alike, for every role: the same status, the
/// same refusal, and the same pupils found.
#[tokio::test]
async fn the_pupil_search_and_the_api_answer_alike() {
    let side = Side::new().await;
    let today = rollcall_core::parse_date(TODAY).unwrap();
    let (in_7a, in_9) = {
        let mut store = rollcall_app::open_store(&side.app.url).unwrap();
        let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
        let pupils = store.pupils(school.id).unwrap();
        let find = |f: &dyn Fn(&rollcall_core::Pupil) -> bool| {
            pupils
                .iter()
                .find(|p| p.pupil.on_roll(today) && f(&p.pupil))
                .unwrap()
                .pupil
                .clone()
        };
        (
            find(&|p| p.form.as_deref() == Some("7A")),
            find(&|p| p.year_group == rollcall_core::YearGroup::Year(9)),
        )
    };
    let queries = [
        ("a pupil of 7A by name", in_7a.surname.clone()),
        ("a pupil of year 9 by UPN", in_9.upn.to_string()),
        ("a form", "7A".to_owned()),
        ("a year 9 form", in_9.form.clone().unwrap()),
        ("nothing", String::new()),
        ("nobody", "Zzyzx".to_owned()),
    ];
    let mut differences = Vec::new();
    let mut answered = std::collections::BTreeSet::new();
    let mut found_any = false;
    for (what, q) in &queries {
        for user in USERS {
            let session = side.session(user);
            let q = encode(q);
            let page = side
                .app
                .get(Some(session), &format!("/pupils/search?q={q}"))
                .await;
            let json = side
                .app
                .get(Some(session), &format!("/api/v1/pupils/search?q={q}"))
                .await;
            answered.insert(json.status.as_u16());
            if page.status != json.status {
                differences.push(format!(
                    "{what} as {user}: the page answers {}, the API {}",
                    page.status, json.status
                ));
                continue;
            }
            let body: Value = serde_json::from_str(&json.body).unwrap_or(Value::Null);
            if !json.status.is_success() {
                let message = body["error"].as_str().unwrap_or_default();
                if !page.body.contains(&escaped(message)) {
                    differences.push(format!(
                        "{what} as {user}: the API says \"{message}\", the page does not"
                    ));
                }
                continue;
            }
            let from_api: std::collections::BTreeSet<String> = body["pupils"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["upn"].as_str().unwrap().to_owned())
                .collect();
            let on_page: std::collections::BTreeSet<String> = page
                .body
                .split("<a href=\"/pupils/")
                .skip(1)
                .filter_map(|rest| rest.split('"').next())
                .filter(|upn| *upn != "search")
                .map(str::to_owned)
                .collect();
            found_any |= !from_api.is_empty();
            if from_api != on_page {
                differences.push(format!(
                    "{what} as {user}: the API finds {from_api:?}, the page {on_page:?}"
                ));
            }
        }
    }
    assert!(
        differences.is_empty(),
        "{} differences:\n{}",
        differences.len(),
        differences.join("\n")
    );
    assert!(found_any, "some search found someone");
    for status in [200, 403] {
        assert!(
            answered.contains(&status),
            "no request was answered {status}"
        );
    }
}
