//! The JSON API: the same operations and figures as the pages, behind the same sign-in, roles
//! and reach, calling the same use cases. Changes need the session's CSRF token in the
//! `X-CSRF-Token` header. The OpenAPI document is served at `/api/openapi.json`.

mod access;
mod family;
mod figures;
mod json;
mod me;
mod openapi;
mod pupils;
mod registers;

use axum::routing::{get, post};
use axum::Router;

pub use access::ACCESS;
pub use openapi::openapi;

use crate::common::AppState;
use figures::figures;
use me::me;
use pupils::{list_alerts, pupil, pupil_marks, pupils, search};
use registers::{get_register, post_register};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/v1/me", get(me))
        .route("/api/v1/pupils", get(pupils))
        .route("/api/v1/pupils/search", get(search))
        .route("/api/v1/pupils/{upn}", get(pupil))
        .route("/api/v1/pupils/{upn}/marks", get(pupil_marks))
        .route("/api/v1/figures", get(figures))
        .route("/api/v1/alerts", get(list_alerts))
        .route("/api/v1/children/absences", post(family::report_absence))
        .route("/api/v1/children/leave", post(family::apply_for_leave))
        .route(
            "/api/v1/registers/{form}/{date}/{session}",
            get(get_register).post(post_register),
        )
}
