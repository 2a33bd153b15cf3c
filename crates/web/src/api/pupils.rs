//! Pupils through the API: those the user reaches, one pupil with their figures, their marks, and
//! alerts.

use axum::extract::{Path, Query, State};
use axum::Json;
use rollcall_app::access::Permission;
use rollcall_app::alerts::{alerts, AlertQuery};
use rollcall_app::reports::pupil_stats;
use rollcall_core::dates::{academic_year, academic_year_start};
use rollcall_core::Role;
use rollcall_store::{DateRange, SchoolId, StoredPupil};
use serde::Deserialize;
use serde_json::{json, Value};

use super::json::{counts_json, date_param, pupil_json, today};
use crate::common::{AppState, Principal, WebError};

async fn reached(
    state: &AppState,
    p: &Principal,
) -> Result<(SchoolId, Vec<StoredPupil>), WebError> {
    let p = p.clone();
    state
        .with_store(move |store| {
            let school = p.school(&store.schools()?)?;
            let pupils = store
                .pupils(school)?
                .into_iter()
                .filter(|s| p.reaches(s.id, &s.pupil))
                .collect();
            Ok((school, pupils))
        })
        .await
}

pub(super) async fn pupils(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<Value>, WebError> {
    p.require(Permission::ReadPupils)?;
    let (_, pupils) = reached(&state, &p).await?;
    Ok(Json(Value::Array(pupils.iter().map(pupil_json).collect())))
}

/// A pupil the user reaches; any other UPN is refused alike, so that existence is not revealed.
async fn one_pupil(
    state: &AppState,
    p: &Principal,
    upn: &str,
) -> Result<(SchoolId, StoredPupil), WebError> {
    p.require(Permission::ReadPupils)?;
    let (school, pupils) = reached(state, p).await?;
    let pupil = pupils
        .into_iter()
        .find(|s| s.pupil.upn.as_str() == upn)
        .ok_or(WebError::Forbidden)?;
    Ok((school, pupil))
}

pub(super) async fn pupil(
    State(state): State<AppState>,
    p: Principal,
    Path(upn): Path<String>,
) -> Result<Json<Value>, WebError> {
    let (school, pupil) = one_pupil(&state, &p, &upn).await?;
    let day = today(&state);
    let from = academic_year_start(academic_year(day));
    let id = pupil.id;
    let counts = state
        .with_store(move |store| {
            let stats = pupil_stats(store, school, from, day)?;
            Ok(stats
                .into_iter()
                .find(|(p, _)| p.upn.as_str() == upn)
                .map(|(_, c)| c))
        })
        .await?;
    let mut body = pupil_json(&pupil);
    body["id"] = json!(id.get());
    body["year_to_date"] = json!({
        "from": from.to_string(),
        "to": day.to_string(),
        "figures": counts.as_ref().map(counts_json),
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
    let (school, pupil) = one_pupil(&state, &p, &upn).await?;
    let range = DateRange {
        from: date_param("from", period.from.as_ref())?,
        to: date_param("to", period.to.as_ref())?,
    };
    let id = pupil.id;
    let marks = state
        .with_store(move |store| Ok(store.pupil_marks(school, id, range)?))
        .await?;
    let parent = p.role() == Role::Parent;
    let list: Vec<Value> = marks
        .iter()
        .map(|m| {
            json!({
                "date": m.date.to_string(),
                "session": m.session.as_str(),
                "code": m.entry.code.text(),
                "category": m.entry.code.category().as_str(),
                "minutes_late": m.entry.minutes_late,
                // Staff are named to staff; a parent sees their role.
                "recorded_by": (!parent).then_some(&m.recorded.by),
                "recorded_role": m.recorded.role,
                "recorded_at": rollcall_store::format_timestamp(&m.recorded.at),
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
    let as_of = date_param("as_of", q.as_of.as_ref())?.unwrap_or_else(|| today(&state));
    let rule = match &q.rule {
        None => None,
        Some(r) => Some(
            rollcall_rules::Rule::from_name(r)
                .ok_or_else(|| WebError::BadRequest(format!("'{r}' is not a rule")))?,
        ),
    };
    let who = p.clone();
    let found = state
        .with_store(move |store| {
            let school = who.school(&store.schools()?)?;
            let pupils = store.pupils(school)?;
            let visible: std::collections::HashSet<String> = pupils
                .iter()
                .filter(|s| who.reaches(s.id, &s.pupil))
                .map(|s| s.pupil.upn.to_string())
                .collect();
            let query = AlertQuery {
                all_rules: true,
                upn: None,
                rule,
            };
            let mut found = alerts(store, school, as_of, &query)?;
            found.retain(|f| visible.contains(&f.upn));
            Ok(found)
        })
        .await?;
    let list: Vec<Value> = found
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
    Ok(Json(json!({ "as_of": as_of.to_string(), "alerts": list })))
}
