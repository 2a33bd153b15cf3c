//! Registers: "My registers now" and a form's register for a session, taken on a tablet in the
//! classroom or corrected later at a desk.
//!
//! The pages work without JavaScript: "All present" fills the unmarked pupils on the server when
//! the script is not there to do it in the page. Every change goes through
//! [`rollcall_app::registers`], which keeps corrections as amendments and refuses a register
//! taken from a version that someone else has changed since.
//!
//! `form` holds what the register form carries (its lines, messages and the submission as read);
//! `view` draws the pages; this module translates requests to the use cases and back.

mod form;
mod view;

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use maud::Markup;
use rollcall_app::access::Permission;
use rollcall_app::cases::registers::RegisterKey;
use rollcall_app::registers::{present_code, RegisterSubmission};
use rollcall_app::Refusal;

use crate::common::format::*;
use crate::common::{AppState, Principal, RouteRule, WebError};

use form::{submission, FormState, Messages};
use view::{list_page, register_page, saved_notice};

pub const ACCESS: &[RouteRule] = &[
    RouteRule {
        method: "GET",
        path: "/registers",
        permission: Permission::TakeRegisters,
    },
    RouteRule {
        method: "GET",
        path: "/registers/{form}/{date}/{session}",
        permission: Permission::TakeRegisters,
    },
    RouteRule {
        method: "POST",
        path: "/registers/{form}/{date}/{session}",
        permission: Permission::TakeRegisters,
    },
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/registers", get(list))
        .route("/registers/{form}/{date}/{session}", get(show).post(take))
}

// ---- GET /registers ----

async fn list(
    State(state): State<AppState>,
    p: Principal,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Markup, WebError> {
    p.require(Permission::TakeRegisters)?;
    let now = state.now();
    let actor = p.actor.clone();
    let all = state
        .run(move |app| {
            app.session_registers(
                &actor,
                query.get("date").map(String::as_str),
                query.get("session").map(String::as_str),
            )
        })
        .await?;
    Ok(list_page(&p, &all, now))
}

async fn show(
    State(state): State<AppState>,
    p: Principal,
    Path((form, date, session)): Path<(String, String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    p.require(Permission::TakeRegisters)?;
    let key = RegisterKey::parse(&form, &date, &session)?;
    let actor = p.actor.clone();
    let reg = state.run(move |app| app.register(&actor, &key)).await?;
    let notice = query.get("saved").map(|saved| {
        let new: usize = saved.parse().unwrap_or(0);
        let corrected: usize = query
            .get("corrected")
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        saved_notice(new, corrected, reg.unmarked())
    });
    let messages = Messages {
        notice,
        ..Messages::default()
    };
    Ok(register_page(&p, &reg, &FormState::of(&reg), &messages, state.now()).into_response())
}

async fn take(
    State(state): State<AppState>,
    p: Principal,
    Path((form, date, session)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Response, WebError> {
    p.require(Permission::TakeRegisters)?;
    let key = RegisterKey::parse(&form, &date, &session)?;
    let (sub, action) = submission(&body);
    let actor = p.actor.clone();
    if action == "all-present" {
        // Without the page's script: fill the unmarked pupils and show the form again.
        let (k, a) = (key.clone(), actor.clone());
        let reg = state.run(move |app| app.register(&a, &k)).await?;
        let mut form = FormState::of_submission(&sub);
        form.all_present(&reg);
        let messages = Messages {
            notice: Some(format!(
                "Every pupil not yet marked is now set to present ({}). Nothing is saved yet: change any who are not here, then press Save register.",
                present_code(key.session).symbol()
            )),
            ..Messages::default()
        };
        return Ok(register_page(&p, &reg, &form, &messages, state.now()).into_response());
    }
    let (k, a, s) = (key.clone(), actor.clone(), sub.clone());
    // Checked on a worker, then written together with any other register submitted at the same
    // moment, waiting for the writer without holding a thread.
    let taken = match state
        .attempt(move |app| app.submit_register(&a, &k, &s))
        .await?
    {
        Ok(taken) => taken.written().await,
        Err(e) => Err(e),
    };
    match taken {
        Ok(out) => {
            let to = format!(
                "{}?saved={}&corrected={}",
                register_path(&key.form, key.date, key.session),
                out.new,
                out.amended
            );
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => refused(&state, &p, key, &sub, e).await,
    }
}

/// The page for a submission refused: the problems to fix, or someone else's marks beside the
/// person's own.
async fn refused(
    state: &AppState,
    p: &Principal,
    key: RegisterKey,
    sub: &RegisterSubmission,
    e: Refusal,
) -> Result<Response, WebError> {
    let reread = |state: &AppState| {
        let (actor, key) = (p.actor.clone(), key.clone());
        let state = state.clone();
        async move { state.run(move |app| app.register(&actor, &key)).await }
    };
    let now = state.now();
    match e {
        e @ Refusal::Invalid(_) => {
            if sub.version.trim().is_empty() {
                return Err(e.into());
            }
            let reg = reread(state).await?;
            let page = register_page(
                p,
                &reg,
                &FormState::of_submission(sub),
                &Messages::from_problems(&e),
                now,
            );
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Refusal::Conflict { message, changed } => {
            let reg = reread(state).await?;
            let mut messages = Messages {
                error: Some(format!(
                    "{message}\nBelow, their marks are shown and the changes you made are kept: check them and save again, or reload to start afresh."
                )),
                ..Messages::default()
            };
            for upn in &changed {
                if let Some(row) = reg.row(upn.as_str()) {
                    let what = match &row.mark {
                        Some(m) => format!(
                            "Changed by {} while you were editing: now {}",
                            m.recorded.by, m.entry.code
                        ),
                        None => "Changed while you were editing".to_owned(),
                    };
                    messages.rows.entry(upn.to_string()).or_default().push(what);
                }
            }
            let form = FormState::merged(&reg, sub);
            let page = register_page(p, &reg, &form, &messages, now);
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        e => Err(e.into()),
    }
}
