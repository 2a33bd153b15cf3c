//! The JSON API: the same operations and figures as the pages, behind the same sign-in, roles
//! and reach. Changes need the session's CSRF token in the `X-CSRF-Token` header. The OpenAPI
//! document is served at `/api/openapi.json`.

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use rollcall_app::alerts::{alerts, AlertQuery};
use rollcall_app::cases::registers::RegisterKey;
use rollcall_app::registers::{MarkInput, Register, RegisterSubmission, Window};
use rollcall_app::reports::{group_stats, pupil_stats, GroupField};
use rollcall_core::dates::{academic_year, academic_year_start};
use rollcall_core::{parse_date, Counts, Date, Role};
use rollcall_store::{DateRange, SchoolId, StoredPupil};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::common::AppState;
use crate::common::Principal;
use crate::common::RouteRule;
use crate::common::WebError;
use rollcall_app::access::Permission;
use rollcall_app::Reach;

pub const ACCESS: &[RouteRule] = &[
    RouteRule {
        method: "GET",
        path: "/api/v1/me",
        permission: Permission::Account,
    },
    RouteRule {
        method: "GET",
        path: "/api/v1/pupils",
        permission: Permission::ReadPupils,
    },
    RouteRule {
        method: "GET",
        path: "/api/v1/pupils/{upn}",
        permission: Permission::ReadPupils,
    },
    RouteRule {
        method: "GET",
        path: "/api/v1/pupils/{upn}/marks",
        permission: Permission::ReadPupils,
    },
    RouteRule {
        method: "GET",
        path: "/api/v1/figures",
        permission: Permission::GroupFigures,
    },
    RouteRule {
        method: "GET",
        path: "/api/v1/alerts",
        permission: Permission::Alerts,
    },
    RouteRule {
        method: "GET",
        path: "/api/v1/registers/{form}/{date}/{session}",
        permission: Permission::TakeRegisters,
    },
    RouteRule {
        method: "POST",
        path: "/api/v1/registers/{form}/{date}/{session}",
        permission: Permission::TakeRegisters,
    },
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/v1/me", get(me))
        .route("/api/v1/pupils", get(pupils))
        .route("/api/v1/pupils/{upn}", get(pupil))
        .route("/api/v1/pupils/{upn}/marks", get(pupil_marks))
        .route("/api/v1/figures", get(figures))
        .route("/api/v1/alerts", get(list_alerts))
        .route(
            "/api/v1/registers/{form}/{date}/{session}",
            get(get_register).post(post_register),
        )
}

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

async fn get_register(
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
struct MarkBody {
    upn: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    arrival: String,
}

#[derive(Deserialize)]
struct RegisterBody {
    version: String,
    #[serde(default)]
    reason: String,
    marks: Vec<MarkBody>,
}

async fn post_register(
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
    let out = state
        .run(move |app| app.take_register(&actor, &key, &submission))
        .await?;
    Ok(Json(json!({
        "new": out.new,
        "amended": out.amended,
        "unchanged": out.unchanged,
        "unmarked": out.unmarked,
    })))
}

fn reach_json(p: &Principal) -> Value {
    match p.reach() {
        Reach::School => json!({"school": true}),
        Reach::YearGroups(g) => {
            json!({"year_groups": g.iter().map(ToString::to_string).collect::<Vec<_>>()})
        }
        Reach::Forms(f) => json!({"forms": f}),
        Reach::Children(c) => json!({"children": c.len()}),
        Reach::Nobody => json!({"pupils": false}),
    }
}

async fn me(p: Principal) -> Json<Value> {
    Json(json!({
        "username": p.username,
        "name": p.actor.name,
        "role": p.role().name(),
        "reach": reach_json(&p),
        "csrf_token": p.csrf(),
    }))
}

fn pupil_json(p: &StoredPupil) -> Value {
    let p = &p.pupil;
    json!({
        "upn": p.upn.as_str(),
        "surname": p.surname,
        "forename": p.forename,
        "year_group": p.year_group.to_string(),
        "form": p.form,
        "admission_date": p.admission_date.to_string(),
        "leaving_date": p.leaving_date.map(|d| d.to_string()),
    })
}

fn counts_json(c: &Counts) -> Value {
    json!({
        "possible": c.possible,
        "present": c.present,
        "aea": c.aea,
        "authorised": c.authorised,
        "unauthorised": c.unauthorised,
        "unmarked": c.unmarked,
        "late": c.late,
        "attendance_pct": c.attendance_pct().map(|p| p.rounded()),
        "absence_pct": c.absence_pct().map(|p| p.rounded()),
        "persistent_absence": c.persistent_absence(),
        "severe_absence": c.severe_absence(),
    })
}

fn today(state: &AppState) -> Date {
    state.settings().clock.now().date()
}

/// The pupils of the user's school the user reaches.
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

async fn pupils(State(state): State<AppState>, p: Principal) -> Result<Json<Value>, WebError> {
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

async fn pupil(
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
struct Period {
    from: Option<String>,
    to: Option<String>,
}

fn date_param(name: &str, value: Option<&String>) -> Result<Option<Date>, WebError> {
    value
        .map(|v| {
            parse_date(v).ok_or_else(|| {
                WebError::BadRequest(format!("{name}: '{v}' is not a date; expected YYYY-MM-DD"))
            })
        })
        .transpose()
}

async fn pupil_marks(
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
struct FigureQuery {
    from: Option<String>,
    to: Option<String>,
    by: Option<String>,
}

/// Groups smaller than this are not shown to governors, so that no pupil can be picked out.
const SMALLEST_GROUP: u32 = 5;

async fn figures(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<FigureQuery>,
) -> Result<Json<Value>, WebError> {
    p.require(Permission::GroupFigures)?;
    let day = today(&state);
    let from = date_param("from", q.from.as_ref())?
        .unwrap_or_else(|| academic_year_start(academic_year(day)));
    let to = date_param("to", q.to.as_ref())?.unwrap_or(day);
    let by = GroupField::parse_list(q.by.as_deref().unwrap_or(""))?;
    let governor = p.role() == Role::Governor;
    let who = p.clone();
    let fields = by.clone();
    let groups = state
        .with_store(move |store| {
            let by = fields;
            let school = who.school(&store.schools()?)?;
            let mut stats = pupil_stats(store, school, from, to)?;
            if let Reach::YearGroups(g) = who.reach() {
                stats.retain(|(pupil, _)| g.contains(&pupil.year_group));
            }
            Ok(group_stats(&stats, &by))
        })
        .await?;
    let rows: Vec<Value> = groups
        .iter()
        .map(|(key, g)| {
            let mut row = serde_json::Map::new();
            for (field, cell) in by.iter().zip(key) {
                row.insert(field.name().into(), cell_json(cell));
            }
            if governor && g.pupils < SMALLEST_GROUP {
                row.insert(
                    "pupils".into(),
                    json!(format!("fewer than {SMALLEST_GROUP}")),
                );
                return Value::Object(row);
            }
            row.insert("pupils".into(), json!(g.pupils));
            row.insert("possible".into(), json!(g.possible));
            row.insert(
                "attendance_pct".into(),
                json!(g.attendance_pct().map(|p| p.rounded())),
            );
            row.insert(
                "absence_pct".into(),
                json!(g.absence_pct().map(|p| p.rounded())),
            );
            row.insert("pa_pupils".into(), json!(g.pa_pupils));
            row.insert("pa_pct".into(), json!(g.pa_pct().map(|p| p.rounded())));
            row.insert("sa_pupils".into(), json!(g.sa_pupils));
            row.insert("sa_pct".into(), json!(g.sa_pct().map(|p| p.rounded())));
            Value::Object(row)
        })
        .collect();
    Ok(Json(
        json!({ "from": from.to_string(), "to": to.to_string(), "groups": rows }),
    ))
}

fn cell_json(cell: &rollcall_app::table::Cell) -> Value {
    use rollcall_app::table::Cell;
    match cell {
        Cell::Null => Value::Null,
        Cell::Bool(b) => json!(b),
        Cell::Int(n) => json!(n),
        Cell::Pct(p) => json!(p.rounded()),
        Cell::Text(t) | Cell::Rich(t, _) => json!(t),
    }
}

#[derive(Deserialize)]
struct AlertParams {
    as_of: Option<String>,
    rule: Option<String>,
}

async fn list_alerts(
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

/// The OpenAPI document describing this API.
pub async fn openapi() -> Json<Value> {
    let upn = json!({"name": "upn", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[A-Z][0-9]{11}[0-9A-Z]$"}, "description": "Unique Pupil Number"});
    let date = |name: &str, about: &str| json!({"name": name, "in": "query", "required": false, "schema": {"type": "string", "format": "date"}, "description": about});
    let errors = json!({
        "401": {"description": "Not signed in", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "403": {"description": "The role or reach does not allow this", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    });
    let op = |summary: &str, params: Vec<Value>, schema: Value| {
        let mut responses = errors.clone();
        responses["200"] =
            json!({"description": "OK", "content": {"application/json": {"schema": schema}}});
        json!({"summary": summary, "parameters": params, "responses": responses, "security": [{"session": []}]})
    };
    let routes: Vec<(String, Value)> = ACCESS
        .iter()
        .map(|r| {
            let roles: Vec<&str> = r.roles().iter().map(|x| x.name()).collect();
            (r.path.to_owned(), json!(roles))
        })
        .collect();
    let roles_of = |path: &str| {
        routes
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, r)| r.clone())
            .unwrap_or(json!([]))
    };
    let with_roles = |mut v: Value, path: &str| {
        v["x-roles"] = roles_of(path);
        v
    };
    Json(json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Rollcall API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "School attendance: pupils, marks, figures computed as the DfE defines them, and alerts. Sign in through /sign-in; the session cookie authenticates API calls, and changes need the session's CSRF token (GET /api/v1/me) in the X-CSRF-Token header. Each operation lists the roles it admits in x-roles; pupils are further limited to the user's reach (a form tutor's forms, a head of year's year groups, a parent's children)."
        },
        "paths": {
            "/api/v1/me": {"get": with_roles(op("The signed-in user, their role and reach, and the CSRF token", vec![], json!({"$ref": "#/components/schemas/Me"})), "/api/v1/me")},
            "/api/v1/pupils": {"get": with_roles(op("The pupils the user reaches", vec![], json!({"type": "array", "items": {"$ref": "#/components/schemas/Pupil"}})), "/api/v1/pupils")},
            "/api/v1/pupils/{upn}": {"get": with_roles(op("A pupil with their year-to-date figures", vec![upn.clone()], json!({"$ref": "#/components/schemas/PupilWithFigures"})), "/api/v1/pupils/{upn}")},
            "/api/v1/pupils/{upn}/marks": {"get": with_roles(op("A pupil's marks with who recorded them and when", vec![upn, date("from", "first day"), date("to", "last day")], json!({"type": "object", "properties": {"upn": {"type": "string"}, "marks": {"type": "array", "items": {"$ref": "#/components/schemas/Mark"}}}})), "/api/v1/pupils/{upn}/marks")},
            "/api/v1/figures": {"get": with_roles(op("Attendance figures by group (DfE definitions); governors never see groups under 5 pupils", vec![date("from", "default: the start of the academic year"), date("to", "default: today"), json!({"name": "by", "in": "query", "required": false, "schema": {"type": "string"}, "description": "comma-separated: year_group, form, sex, fsm, pupil_premium, looked_after, social_worker, eal, young_carer, sen, ethnicity"})], json!({"type": "object"})), "/api/v1/figures")},
            "/api/v1/registers/{form}/{date}/{session}": {
                "get": with_roles(op("A form's register for a session: its pupils, their marks and the register's version", vec![
                    json!({"name": "form", "in": "path", "required": true, "schema": {"type": "string"}}),
                    json!({"name": "date", "in": "path", "required": true, "schema": {"type": "string", "format": "date"}}),
                    json!({"name": "session", "in": "path", "required": true, "schema": {"enum": ["AM", "PM"]}}),
                ], json!({"$ref": "#/components/schemas/Register"})), "/api/v1/registers/{form}/{date}/{session}"),
                "post": with_roles({
                    let mut o = op("Take or correct the register; refused with 409 if it changed since `version`", vec![
                        json!({"name": "form", "in": "path", "required": true, "schema": {"type": "string"}}),
                        json!({"name": "date", "in": "path", "required": true, "schema": {"type": "string", "format": "date"}}),
                        json!({"name": "session", "in": "path", "required": true, "schema": {"enum": ["AM", "PM"]}}),
                        json!({"name": "X-CSRF-Token", "in": "header", "required": true, "schema": {"type": "string"}}),
                    ], json!({"type": "object"}));
                    o["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RegisterSubmission"}}}});
                    o["responses"]["409"] = json!({"description": "Someone else changed the register first; nothing was written", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
                    o["responses"]["400"] = json!({"description": "A line of the submission is wrong; nothing was written", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
                    o
                }, "/api/v1/registers/{form}/{date}/{session}"),
            },
            "/api/v1/alerts": {"get": with_roles(op("Statutory and policy triggers found up to a date, with their evidence", vec![date("as_of", "default: today"), json!({"name": "rule", "in": "query", "required": false, "schema": {"type": "string"}})], json!({"type": "object"})), "/api/v1/alerts")},
        },
        "components": {
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": crate::common::session::SESSION_COOKIE}},
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "string"}, "status": {"type": "integer"}}, "required": ["error", "status"]},
                "Me": {"type": "object", "properties": {"username": {"type": "string"}, "name": {"type": "string"}, "role": {"type": "string"}, "reach": {"type": "object"}, "csrf_token": {"type": "string"}}},
                "Pupil": {"type": "object", "properties": {"upn": {"type": "string"}, "surname": {"type": "string"}, "forename": {"type": "string"}, "year_group": {"type": "string"}, "form": {"type": ["string", "null"]}, "admission_date": {"type": "string", "format": "date"}, "leaving_date": {"type": ["string", "null"], "format": "date"}}},
                "PupilWithFigures": {"allOf": [{"$ref": "#/components/schemas/Pupil"}, {"type": "object", "properties": {"year_to_date": {"type": "object"}}}]},
                "Register": {"type": "object", "properties": {"form": {"type": "string"}, "date": {"type": "string", "format": "date"}, "session": {"enum": ["AM", "PM"]}, "window": {"enum": ["upcoming", "open", "closed"]}, "opens": {"type": "string"}, "closes": {"type": "string"}, "version": {"type": "string"}, "pupils": {"type": "array", "items": {"type": "object", "properties": {"upn": {"type": "string"}, "surname": {"type": "string"}, "forename": {"type": "string"}, "code": {"type": ["string", "null"]}, "minutes_late": {"type": ["integer", "null"]}}}}}},
                "RegisterSubmission": {"type": "object", "required": ["version", "marks"], "properties": {"version": {"type": "string"}, "reason": {"type": "string", "description": "required to change marks after the register closed"}, "marks": {"type": "array", "items": {"type": "object", "required": ["upn"], "properties": {"upn": {"type": "string"}, "code": {"type": "string"}, "arrival": {"type": "string", "description": "HH:MM, for a late arrival (becomes L or U)"}}}}}},
                "Mark": {"type": "object", "properties": {"date": {"type": "string", "format": "date"}, "session": {"enum": ["AM", "PM"]}, "code": {"type": "string"}, "category": {"type": "string"}, "minutes_late": {"type": ["integer", "null"]}, "recorded_by": {"type": "string"}, "recorded_role": {"type": "string"}, "recorded_at": {"type": "string", "format": "date-time"}}}
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_api_route_is_documented() {
        let doc = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(super::openapi())
            .0;
        for rule in super::ACCESS {
            let method = rule.method.to_ascii_lowercase();
            assert!(
                doc["paths"][rule.path][&method].is_object(),
                "{} {} is not in the OpenAPI document",
                rule.method,
                rule.path
            );
            let roles: Vec<&str> = rule.roles().iter().map(|r| r.name()).collect();
            assert_eq!(
                doc["paths"][rule.path][&method]["x-roles"],
                serde_json::json!(roles),
                "{} {}",
                rule.method,
                rule.path
            );
        }
    }
}
