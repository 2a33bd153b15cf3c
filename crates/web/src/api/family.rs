//! A parent's own actions through the API: report an absence and ask for leave, for their own
//! children only, by the same use cases as their pages. Another family's child, on the register
//! or not, is refused with 403.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use rollcall_app::access::Permission;
use rollcall_app::cases::family::{AbsenceNotice, LeaveForm};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::common::{AppState, Principal, WebError};

/// A JSON body, read only once the role is known to be admitted; an empty body is empty fields.
fn json_body<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, WebError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| WebError::BadRequest(format!("the body is not the JSON expected: {e}")))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct AbsenceBody {
    upn: String,
    first_date: String,
    first_session: String,
    last_date: String,
    last_session: String,
    kind: String,
    details: String,
    expected_return: String,
}

pub(super) async fn report_absence(
    State(state): State<AppState>,
    p: Principal,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), WebError> {
    p.require(Permission::OwnChildren)?;
    let b: AbsenceBody = json_body(&body)?;
    let notice = AbsenceNotice {
        upn: b.upn,
        first_date: b.first_date,
        first_session: b.first_session,
        last_date: b.last_date,
        last_session: b.last_session,
        kind: b.kind,
        details: b.details,
        expected_return: b.expected_return,
    };
    let actor = p.actor.clone();
    let r = state
        .run(move |app| app.report_absence(&actor, &notice, None))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": r.id,
            "upn": r.child.upn.to_string(),
            "first_date": r.report.first.0.to_string(),
            "first_session": r.report.first.1.as_str(),
            "last_date": r.report.last.0.to_string(),
            "last_session": r.report.last.1.as_str(),
            "kind": r.report.kind.as_str(),
            "school_sessions": r.sessions,
            "awaiting_review": r.report.awaiting_review,
        })),
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct LeaveBody {
    upn: String,
    first_date: String,
    first_session: String,
    last_date: String,
    last_session: String,
    code: String,
    reason: String,
}

pub(super) async fn apply_for_leave(
    State(state): State<AppState>,
    p: Principal,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), WebError> {
    p.require(Permission::OwnChildren)?;
    let b: LeaveBody = json_body(&body)?;
    let form = LeaveForm {
        upn: b.upn,
        first_date: b.first_date,
        first_session: b.first_session,
        last_date: b.last_date,
        last_session: b.last_session,
        code: b.code,
        reason: b.reason,
    };
    let actor = p.actor.clone();
    let l = state
        .run(move |app| app.apply_for_leave(&actor, &form))
        .await?;
    let a = &l.application;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": l.id,
            "from_date": a.first.0.to_string(),
            "from_session": a.first.1.as_str(),
            "to_date": a.last.0.to_string(),
            "to_session": a.last.1.as_str(),
            "code": a.code.text(),
            "requested_on": a.requested_on.to_string(),
            "status": l.status().as_str(),
            "decided_on": l.decision.as_ref().map(|d| d.on.to_string()),
            "reason": l.decision.as_ref().map_or(a.reason.as_str(), |d| d.reason.as_str()),
        })),
    ))
}
