//! Figures for senior staff and governors.
//!
//! - `GET /overview`: today's registers, this week and the year to date, by year group and by
//!   form; each figure links to the pupils behind it. A head of year sees their year groups only.
//! - `GET /overview/persistent`: the persistent (or, with `severe=true`, severe) absence list for
//!   the year to date, filtered by any characteristic, lowest attendance first.
//! - `GET /overview/pupils`: the pupils behind any other figure of the overview (`period` =
//!   `year`, `week` or `today`; `absent=true`, `unmarked=true`), with the same filters.
//! - `GET /governors`: figures and trends only, never a pupil; groups of fewer than
//!   [`SMALLEST_GROUP`] pupils are shown as "fewer than 5".
//!
//! Each page is one use case of `rollcall_app::cases::figures`, which decides whose figures the
//! user sees; this module reads the query and renders the answer.
//!
//! Rooms: `school` (the overview), `lists` (the pupils behind a figure), `governors`, and `shared`
//! (links and figures in words, used by the others).

mod governors;
mod lists;
mod school;
mod shared;

use axum::routing::get;
use axum::Router;
use rollcall_app::access::Permission;

use crate::common::{AppState, RouteRule};
use governors::governors_page;
use lists::{persistent_page, pupils_page};
use school::overview_page;

pub const ACCESS: &[RouteRule] = &[
    RouteRule {
        method: "GET",
        path: "/overview",
        permission: Permission::Overview,
    },
    RouteRule {
        method: "GET",
        path: "/overview/persistent",
        permission: Permission::Overview,
    },
    RouteRule {
        method: "GET",
        path: "/overview/pupils",
        permission: Permission::Overview,
    },
    RouteRule {
        method: "GET",
        path: "/governors",
        permission: Permission::GovernorFigures,
    },
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/overview", get(overview_page))
        .route("/overview/persistent", get(persistent_page))
        .route("/overview/pupils", get(pupils_page))
        .route("/governors", get(governors_page))
}
