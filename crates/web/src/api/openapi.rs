//! The OpenAPI document of the API.

use axum::Json;
use serde_json::{json, Value};

use super::access::ACCESS;

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
            "/api/v1/pupils/search": {"get": with_roles(op("The pupils the user reaches whose name holds every word of q, whose UPN is q or whose form is q: pupils on roll first, at most 50 (more: true when others matched); none when q is empty. Staff only", vec![json!({"name": "q", "in": "query", "required": false, "schema": {"type": "string"}, "description": "part of a name, a UPN or a form"})], json!({"type": "object", "properties": {"query": {"type": "string"}, "more": {"type": "boolean"}, "pupils": {"type": "array", "items": {"allOf": [{"$ref": "#/components/schemas/Pupil"}, {"type": "object", "properties": {"dob": {"type": "string", "format": "date"}, "on_roll": {"type": "boolean"}}}]}}}})), "/api/v1/pupils/search")},
            "/api/v1/pupils/{upn}": {"get": with_roles(op("A pupil with their year-to-date figures", vec![upn.clone()], json!({"$ref": "#/components/schemas/PupilWithFigures"})), "/api/v1/pupils/{upn}")},
            "/api/v1/pupils/{upn}/marks": {"get": with_roles(op("A pupil's marks with who recorded them and when", vec![upn, date("from", "first day"), date("to", "last day")], json!({"type": "object", "properties": {"upn": {"type": "string"}, "marks": {"type": "array", "items": {"$ref": "#/components/schemas/Mark"}}}})), "/api/v1/pupils/{upn}/marks")},
            "/api/v1/figures": {"get": with_roles(op("Attendance figures by group (DfE definitions); governors see the whole school, but never a group under 5 pupils (pupils: \"fewer than 5\") nor one that would let such a group be worked out (pupils: \"withheld\")", vec![date("from", "default: the start of the academic year"), date("to", "default: today"), json!({"name": "by", "in": "query", "required": false, "schema": {"type": "string"}, "description": "comma-separated: year_group, form, sex, fsm, pupil_premium, looked_after, social_worker, eal, young_carer, sen, ethnicity"})], json!({"type": "object"})), "/api/v1/figures")},
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
            "/api/v1/children/absences": {"post": with_roles({
                let mut o = op("A parent reports that their own child is or will be absent (today or later); the school records the code once it has seen the report. Another family's child is refused (403)", vec![json!({"name": "X-CSRF-Token", "in": "header", "required": true, "schema": {"type": "string"}})], json!({"type": "object"}));
                o["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["upn", "first_date", "kind", "details"], "properties": {"upn": {"type": "string"}, "first_date": {"type": "string", "format": "date"}, "first_session": {"enum": ["AM", "PM"]}, "last_date": {"type": "string", "format": "date"}, "last_session": {"enum": ["AM", "PM"]}, "kind": {"enum": ["illness", "appointment", "other"]}, "details": {"type": "string"}, "expected_return": {"type": "string", "format": "date"}}}}}});
                o["responses"]["201"] = o["responses"]["200"].take();
                o["responses"].as_object_mut().map(|r| r.remove("200"));
                o["responses"]["400"] = json!({"description": "The report is wrong; nothing was recorded", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
                o
            }, "/api/v1/children/absences")},
            "/api/v1/children/leave": {"post": with_roles({
                let mut o = op("A parent the child lives with asks for leave of absence; one the law does not allow is recorded as refused at once, with the reason", vec![json!({"name": "X-CSRF-Token", "in": "header", "required": true, "schema": {"type": "string"}})], json!({"type": "object"}));
                o["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["upn", "first_date", "code", "reason"], "properties": {"upn": {"type": "string"}, "first_date": {"type": "string", "format": "date"}, "first_session": {"enum": ["AM", "PM"]}, "last_date": {"type": "string", "format": "date"}, "last_session": {"enum": ["AM", "PM"]}, "code": {"enum": ["C", "C1", "J1", "S", "R"]}, "reason": {"type": "string"}}}}}});
                o["responses"]["201"] = o["responses"]["200"].take();
                o["responses"].as_object_mut().map(|r| r.remove("200"));
                o["responses"]["400"] = json!({"description": "The application is wrong; nothing was recorded", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
                o
            }, "/api/v1/children/leave")},
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
