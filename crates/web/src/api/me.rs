//! Who is signed in.

use axum::Json;
use rollcall_app::Reach;
use serde_json::{json, Value};

use crate::common::Principal;

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

pub(super) async fn me(p: Principal) -> Json<Value> {
    Json(json!({
        "username": p.username,
        "name": p.actor.name,
        "role": p.role().name(),
        "reach": reach_json(&p),
        "csrf_token": p.csrf(),
    }))
}
