//! Signing in and out, where each role starts, and the user's own account.
//!
//! Passwords are checked by `rollcall_app` (argon2id; an unknown user name takes as long to refuse
//! as a wrong password). Sign-in attempts are limited per address and per user name.

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::Utc;
use maud::html;
use rollcall_app::access::Permission;
use rollcall_app::cases::sessions::random_token;
use rollcall_app::Reach;
use rollcall_core::Role;
use serde::Deserialize;

use crate::common::session::{cookie, set_cookie, PRE_SESSION_COOKIE, SESSION_COOKIE};
use crate::common::{page, AppState, MaybePrincipal, Principal, RouteRule, WebError};

/// The routes here that need a signed-in user (sign-in, sign-out and `/` are open to all).
pub const ACCESS: &[RouteRule] = &[RouteRule {
    method: "GET",
    path: "/account",
    permission: Permission::Account,
}];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sign-in", get(sign_in_page).post(sign_in))
        .route("/sign-out", post(sign_out))
        .route("/account", get(account))
}

/// Where each role starts.
pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::FormTutor => "/registers",
        Role::Office => "/office",
        Role::Administrator => "/admin/users",
        Role::Governor => "/governors",
        Role::Parent => "/children",
        Role::SafeguardingLead => "/safeguarding",
        Role::Headteacher | Role::AttendanceOfficer | Role::HeadOfYear => "/overview",
    }
}

pub async fn home(MaybePrincipal(p): MaybePrincipal) -> Redirect {
    match p {
        Some(p) => Redirect::to(home_of(p.role())),
        None => Redirect::to("/sign-in"),
    }
}

async fn sign_in_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    MaybePrincipal(p): MaybePrincipal,
) -> Result<Response, WebError> {
    if let Some(p) = p {
        return Ok(Redirect::to(home_of(p.role())).into_response());
    }
    let (token, fresh) = match cookie(&headers, PRE_SESSION_COOKIE).filter(|t| t.len() == 64) {
        Some(t) => (t, false),
        None => (random_token().map_err(WebError::from)?, true),
    };
    let mut response = sign_in_form(&token, None, StatusCode::OK);
    if fresh {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(&state, PRE_SESSION_COOKIE, &token, None),
        );
    }
    Ok(response)
}

fn sign_in_form(csrf: &str, error: Option<&str>, status: StatusCode) -> Response {
    let body = html! {
        div.narrow {
            h1 { "Sign in to Rollcall" }
            @if let Some(e) = error {
                p.error role="alert" { (e) }
            }
            form method="post" action="/sign-in" {
                input type="hidden" name="csrf" value=(csrf);
                label for="username" { "User name" }
                input #username name="username" type="text" autocomplete="username" required autofocus;
                label for="password" { "Password" }
                input #password name="password" type="password" autocomplete="current-password" required;
                button type="submit" { "Sign in" }
            }
        }
    };
    (status, page("Sign in", None, body)).into_response()
}

#[derive(Deserialize)]
struct SignInForm {
    username: String,
    password: String,
    #[serde(default)]
    csrf: String,
}

async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Form(form): Form<SignInForm>,
) -> Result<Response, WebError> {
    let now = Instant::now();
    let username = form.username.trim().to_owned();
    let allowed = state
        .limiter()
        .lock()
        .map(|mut l| l.allowed(addr.ip(), &username, now))
        .unwrap_or(false);
    if !allowed {
        return Err(WebError::TooManyRequests(
            "too many failed sign-ins; wait 15 minutes and try again".into(),
        ));
    }
    let password = form.password;
    let name = username.clone();
    let times = state.settings().session_times();
    let signed_in = state
        .run(move |app| app.sign_in(&name, &password, Utc::now(), times))
        .await?;
    let Some(session) = signed_in else {
        if let Ok(mut l) = state.limiter().lock() {
            l.failed(addr.ip(), &username, now);
        }
        return Ok(sign_in_form(
            &form.csrf,
            Some("That user name and password do not match."),
            StatusCode::UNAUTHORIZED,
        ));
    };
    if let Ok(mut l) = state.limiter().lock() {
        l.succeeded(&username);
    }
    let token = session.token;
    let mut response = Redirect::to(home_of(session.who.actor.role)).into_response();
    let h = response.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(&state, SESSION_COOKIE, &token, None),
    );
    h.append(
        header::SET_COOKIE,
        set_cookie(&state, PRE_SESSION_COOKIE, "", Some(0)),
    );
    Ok(response)
}

/// Who is signed in, with what role and reach.
async fn account(p: Principal) -> maud::Markup {
    let reach = match p.reach() {
        Reach::School => "every pupil of the school".to_owned(),
        Reach::YearGroups(g) => format!(
            "the pupils of year {}",
            g.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Reach::Forms(f) => format!("the pupils of {}", f.join(", ")),
        Reach::Children(c) => format!(
            "your {} (on the register)",
            if c.len() == 1 { "child" } else { "children" }
        ),
        Reach::Nobody => "no pupil: figures only".to_owned(),
    };
    page(
        "Your account",
        Some(&p),
        html! {
            h1 { "Your account" }
            dl {
                dt { "Name" } dd { (p.actor.name) }
                dt { "User name" } dd { (p.username) }
                dt { "Role" } dd { (p.role().title()) }
                dt { "You can see" } dd { (reach) }
            }
        },
    )
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        state.run(move |app| app.end_session(&token)).await?;
    }
    let mut response = Redirect::to("/sign-in").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state, SESSION_COOKIE, "", Some(0)),
    );
    Ok(response)
}
