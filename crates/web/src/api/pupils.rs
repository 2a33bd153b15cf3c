//! Pupils through the API: those the user reaches, a search among them, one pupil with their
//! figures, their marks, and alerts. The same use cases as the pages: a pupil's figures are their
//! record's, and a search finds what the search page finds.

use axum::extract::{Path, Query, State};
use axum::Json;
use rollcall_app::access::Permission;
use serde::Deserialize;
use serde_json::{json, Value};

use super::json::{counts_json, pupil_json};
use crate::common::{AppState, Principal, WebError};

pub(super) async fn pupils(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<Value>, WebError> {
    p.require(Permission::ReadPupils)?;
    let actor = p.actor.clone();
    let pupils = state.run(move |app| app.reached_pupils(&actor)).await?;
    Ok(Json(Value::Array(pupils.iter().map(pupil_json).collect())))
}

#[derive(Deserialize)]
pub(super) struct SearchParams {
    #[serde(default)]
    q: String,
}

pub(super) async fn search(
    State(state): State<AppState>,
    p: Principal,
    Query(params): Query<SearchParams>,
) -> Result<Json<Value>, WebError> {
    p.require(Permission::SearchPupils)?;
    let actor = p.actor.clone();
    let q = params.q.clone();
    let found = state.run(move |app| app.search_pupils(&actor, &q)).await?;
    let pupils: Vec<Value> = found
        .found
        .iter()
        .map(|pupil| {
            let mut v = pupil_json(pupil);
            v["dob"] = json!(pupil.dob.to_string());
            v["on_roll"] = json!(pupil.on_roll(found.today));
            v
        })
        .collect();
    Ok(Json(
        json!({ "query": params.q, "pupils": pupils, "more": found.more }),
    ))
}

pub(super) async fn pupil(
    State(state): State<AppState>,
    p: Principal,
    Path(upn): Path<String>,
) -> Result<Json<Value>, WebError> {
    p.require(Permission::ReadPupils)?;
    let actor = p.actor.clone();
    let rec = state.run(move |app| app.pupil_record(&actor, &upn)).await?;
    let year = rec.year.period;
    let mut body = pupil_json(&rec.pupil);
    body["year_to_date"] = json!({
        "from": year.from.to_string(),
        "to": year.to.to_string(),
        // No figures for a pupil who was not on roll at any time this year.
        "figures": rec.pupil.on_roll_during(year.from, year.to).then(|| counts_json(&rec.year.counts)),
    });
    Ok(Json(body))
}

#[derive(Deserialize)]
pub(super) struct Period {
    from: Option<String>,
    to: Option<String>,
}

pub(super) async fn pupil_marks(
    State(state): State<AppState>,
    p: Principal,
    Path(upn): Path<String>,
    Query(period): Query<Period>,
) -> Result<Json<Value>, WebError> {
    p.require(Permission::ReadPupils)?;
    let actor = p.actor.clone();
    let asked = upn.clone();
    let marks = state
        .run(move |app| {
            app.pupil_marks(&actor, &asked, period.from.as_deref(), period.to.as_deref())
        })
        .await?;
    let list: Vec<Value> = marks
        .iter()
        .map(|m| {
            json!({
                "date": m.date.to_string(),
                "session": m.session.as_str(),
                "code": m.entry.code.text(),
                "category": m.entry.code.category().as_str(),
                "minutes_late": m.entry.minutes_late,
                // `null` for a parent: the use case names staff to staff only.
                "recorded_by": m.recorded.by,
                "recorded_role": m.recorded.role,
                "recorded_at": m.recorded.timestamp(),
            })
        })
        .collect();
    Ok(Json(json!({ "upn": upn, "marks": list })))
}

#[derive(Deserialize)]
pub(super) struct AlertParams {
    as_of: Option<String>,
    rule: Option<String>,
}

pub(super) async fn list_alerts(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<AlertParams>,
) -> Result<Json<Value>, WebError> {
    p.require(Permission::Alerts)?;
    let actor = p.actor.clone();
    let found = state
        .run(move |app| app.alerts(&actor, q.as_of.as_deref(), q.rule.as_deref()))
        .await?;
    let list: Vec<Value> = found
        .findings
        .iter()
        .map(|f| {
            json!({
                "id": f.id(),
                "rule": f.rule.name(),
                "upn": f.upn,
                "date": f.date.to_string(),
                "session": f.session.map(|s| s.as_str()),
                "summary": f.evidence.summary,
                "window": f.evidence.window.map(|(a, b)| json!({"from": a.to_string(), "to": b.to_string()})),
                "sessions": f.evidence.sessions.iter().map(|(d, s, c)| json!({"date": d.to_string(), "session": s.as_str(), "code": c.symbol()})).collect::<Vec<_>>(),
                "policy_version": f.policy_version,
            })
        })
        .collect();
    Ok(Json(
        json!({ "as_of": found.as_of.to_string(), "alerts": list }),
    ))
}
