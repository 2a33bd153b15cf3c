//! The school office: registers not yet taken, pupils who arrive late, and parents' calls about
//! absence.
//!
//! Rooms: `desk` (the office's home and the registers not taken), `late` (late sign-in), `calls`
//! (parents' calls), and `search` (the pupil search the last two share).

mod calls;
mod desk;
mod late;
mod search;

use axum::routing::get;
use axum::Router;
use rollcall_app::access::Permission;

use crate::common::{AppState, RouteRule};
use calls::{call, calls_page};
use desk::{home, not_taken};
use late::{late, late_page};

pub const ACCESS: &[RouteRule] = &[
    RouteRule {
        method: "GET",
        path: "/office",
        permission: Permission::OfficeDesk,
    },
    RouteRule {
        method: "GET",
        path: "/office/not-taken",
        permission: Permission::OfficeDesk,
    },
    RouteRule {
        method: "GET",
        path: "/office/late",
        permission: Permission::FollowUp,
    },
    RouteRule {
        method: "POST",
        path: "/office/late",
        permission: Permission::FollowUp,
    },
    RouteRule {
        method: "GET",
        path: "/office/calls",
        permission: Permission::FollowUp,
    },
    RouteRule {
        method: "POST",
        path: "/office/calls",
        permission: Permission::FollowUp,
    },
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office", get(home))
        .route("/office/not-taken", get(not_taken))
        .route("/office/late", get(late_page).post(late))
        .route("/office/calls", get(calls_page).post(call))
}
