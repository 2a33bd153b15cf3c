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
    Places {
        upn_in_7a: child.pupil.upn.to_string(),
        upn_in_9: nine.pupil.upn.to_string(),
        form_9: nine.pupil.form.clone().unwrap(),
    }
}

fn fill(path: &str, role: Role, p: &Places) -> String {
    let (upn, form) = match role {
        Role::HeadOfYear => (p.upn_in_9.as_str(), p.form_9.as_str()),
        _ => (p.upn_in_7a.as_str(), "7A"),
    };
    path.replace("{upn}", upn)
        .replace("{form}", form)
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
