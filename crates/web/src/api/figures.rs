//! Figures by group through the API.

use axum::extract::{Query, State};
use axum::Json;
use rollcall_app::access::Permission;
use rollcall_app::school_view::{Guarded, SMALLEST_GROUP};
use rollcall_core::stats::GroupStats;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::json::cell_json;
use crate::common::{AppState, Principal, WebError};

#[derive(Deserialize)]
pub(super) struct FigureQuery {
    from: Option<String>,
    to: Option<String>,
    by: Option<String>,
}

pub(super) async fn figures(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<FigureQuery>,
) -> Result<Json<Value>, WebError> {
    p.require(Permission::GroupFigures)?;
    let actor = p.actor.clone();
    let figures = state
        .run(move |app| {
            app.group_figures(
                &actor,
                q.from.as_deref(),
                q.to.as_deref(),
                q.by.as_deref().unwrap_or(""),
            )
        })
        .await?;
    let rows: Vec<Value> = figures
        .groups
        .iter()
        .map(|(key, guarded)| {
            let mut row = Map::new();
            for (field, cell) in figures.by.iter().zip(key) {
                row.insert(field.name().into(), cell_json(cell));
            }
            match guarded {
                Guarded::Shown(g) => shown(&mut row, g),
                Guarded::Empty => shown(&mut row, &GroupStats::default()),
                Guarded::Small => {
                    row.insert(
                        "pupils".into(),
                        json!(format!("fewer than {SMALLEST_GROUP}")),
                    );
                }
                Guarded::Withheld => {
                    row.insert("pupils".into(), json!("withheld"));
                }
            }
            Value::Object(row)
        })
        .collect();
    Ok(Json(json!({
        "from": figures.from.to_string(),
        "to": figures.to.to_string(),
        "groups": rows,
    })))
}

/// A group's figures, rates rounded to two places.
fn shown(row: &mut Map<String, Value>, g: &GroupStats) {
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
}
