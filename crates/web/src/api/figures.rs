//! Figures by group through the API.

use axum::extract::{Query, State};
use axum::Json;
use rollcall_app::access::Permission;
use rollcall_app::reports::{group_stats, pupil_stats, GroupField};
use rollcall_app::Reach;
use rollcall_core::dates::{academic_year, academic_year_start};
use rollcall_core::Role;
use serde::Deserialize;
use serde_json::{json, Value};

use super::json::{cell_json, date_param, today};
use crate::common::{AppState, Principal, WebError};

#[derive(Deserialize)]
pub(super) struct FigureQuery {
    from: Option<String>,
    to: Option<String>,
    by: Option<String>,
}

/// Groups smaller than this are not shown to governors, so that no pupil can be picked out.
const SMALLEST_GROUP: u32 = 5;

pub(super) async fn figures(
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
