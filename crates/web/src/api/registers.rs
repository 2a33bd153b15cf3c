//! A form's register, read and taken through the API: the same use cases as the register page.

use axum::extract::{Path, State};
use axum::Json;
use rollcall_app::access::Permission;
use rollcall_app::cases::registers::RegisterKey;
use rollcall_app::registers::{MarkInput, Register, RegisterSubmission, Window};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::common::{AppState, Principal, WebError};

fn register_json(reg: &Register) -> Value {
    let window = match reg.window {
        Window::Upcoming => "upcoming",
        Window::Open => "open",
        Window::Closed => "closed",
    };
    json!({
        "form": reg.form,
        "date": reg.date.to_string(),
        "session": reg.session.as_str(),
        "window": window,
        "opens": reg.opens().format("%H:%M").to_string(),
        "closes": reg.closes().format("%H:%M").to_string(),
        "version": reg.version,
        "pupils": reg.pupils().map(|r| json!({
            "upn": r.pupil.upn.as_str(),
            "surname": r.pupil.surname,
            "forename": r.pupil.forename,
            "code": r.mark.as_ref().map(|m| m.entry.code.text().to_owned()),
            "minutes_late": r.mark.as_ref().and_then(|m| m.entry.minutes_late),
        })).collect::<Vec<_>>(),
    })
}

pub(super) async fn get_register(
    State(state): State<AppState>,
    p: Principal,
    Path((form, date, session)): Path<(String, String, String)>,
) -> Result<Json<Value>, WebError> {
    p.require(Permission::TakeRegisters)?;
    let key = RegisterKey::parse(&form, &date, &session)?;
    let actor = p.actor.clone();
    let reg = state.run(move |app| app.register(&actor, &key)).await?;
    Ok(Json(register_json(&reg)))
}

#[derive(Deserialize)]
pub(super) struct MarkBody {
    upn: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    arrival: String,
}

#[derive(Deserialize)]
pub(super) struct RegisterBody {
    version: String,
    #[serde(default)]
    reason: String,
    marks: Vec<MarkBody>,
}

pub(super) async fn post_register(
    State(state): State<AppState>,
    p: Principal,
    Path((form, date, session)): Path<(String, String, String)>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, WebError> {
    p.require(Permission::TakeRegisters)?;
    let key = RegisterKey::parse(&form, &date, &session)?;
    let body: RegisterBody = serde_json::from_slice(&body)
        .map_err(|e| WebError::BadRequest(format!("the body is not a register: {e}; expected {{\"version\", \"reason\", \"marks\": [{{\"upn\", \"code\", \"arrival\"}}]}}")))?;
    let submission = RegisterSubmission {
        version: body.version,
        reason: body.reason,
        marks: body
            .marks
            .into_iter()
            .map(|m| MarkInput {
                upn: m.upn,
                code: m.code,
                arrival: m.arrival,
                was: None,
            })
            .collect(),
    };
    let actor = p.actor.clone();
    // Checked on a worker, then written together with any other register submitted at the same
    // moment, waiting for the writer without holding a thread.
    let taken = state
        .run(move |app| app.submit_register(&actor, &key, &submission))
        .await?;
    let out = taken.written().await?;
    Ok(Json(json!({
        "new": out.new,
        "amended": out.amended,
        "unchanged": out.unchanged,
        "unmarked": out.unmarked,
    })))
}
