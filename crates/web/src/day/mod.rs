//! The school day: pupils signed out at the office and back in, missing pupils and the search
//! for them, and traveller families.
//!
//! Rooms: `out` (the sign-out desk and who is out today), `missing` (open alerts, reporting a
//! pupil missing, an alert's checklist and timeline), and `travel` (a pupil's traveller records
//! and their attendances against s444(6)).

mod missing;
mod out;
mod travel;

use axum::routing::{get, post};
use axum::Router;
use rollcall_app::access::Permission;

use crate::common::{AppState, RouteRule};

pub const ACCESS: &[RouteRule] = &[
    RouteRule {
        method: "GET",
        path: "/office/out",
        permission: Permission::SignOut,
    },
    RouteRule {
        method: "POST",
        path: "/office/out",
        permission: Permission::SignOut,
    },
    RouteRule {
        method: "POST",
        path: "/office/out/{id}/in",
        permission: Permission::SignOut,
    },
    RouteRule {
        method: "GET",
        path: "/office/missing",
        permission: Permission::MissingPupils,
    },
    RouteRule {
        method: "POST",
        path: "/office/missing",
        permission: Permission::MissingPupils,
    },
    RouteRule {
        method: "GET",
        path: "/office/missing/{id}",
        permission: Permission::MissingPupils,
    },
    RouteRule {
        method: "POST",
        path: "/office/missing/{id}",
        permission: Permission::MissingPupils,
    },
    RouteRule {
        method: "GET",
        path: "/pupils/{upn}/travel",
        permission: Permission::Travellers,
    },
    RouteRule {
        method: "POST",
        path: "/pupils/{upn}/travel",
        permission: Permission::Travellers,
    },
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office/out", get(out::desk_page).post(out::sign_out))
        .route("/office/out/{id}/in", post(out::sign_in))
        .route(
            "/office/missing",
            get(missing::board_page).post(missing::report),
        )
        .route(
            "/office/missing/{id}",
            get(missing::alert_page).post(missing::step),
        )
        .route(
            "/pupils/{upn}/travel",
            get(travel::travel_page).post(travel::save),
        )
}
