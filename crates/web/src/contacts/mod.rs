//! Contacts kept up to date in the browser.
//!
//! Rooms: `pupil` (a pupil's contacts, added, changed and removed by the office), `list` (the
//! pupils whose contacts fall short, each one click from their contacts), `proposals` (the
//! changes parents proposed to their own details, accepted or rejected by the office), and
//! `mine` (a parent's own details, and the changes they propose). Who reaches which pupil and
//! whose details is decided by the use cases of `rollcall_app::cases::contacts`.

mod list;
mod mine;
mod proposals;
mod pupil;

use axum::routing::{get, post};
use axum::Router;
use rollcall_app::access::Permission;

use crate::common::{AppState, RouteRule};

pub const ACCESS: &[RouteRule] = &[
    RouteRule {
        method: "GET",
        path: "/pupils/{upn}/contacts",
        permission: Permission::Contacts,
    },
    RouteRule {
        method: "POST",
        path: "/pupils/{upn}/contacts",
        permission: Permission::Contacts,
    },
    RouteRule {
        method: "POST",
        path: "/pupils/{upn}/contacts/{contact}",
        permission: Permission::Contacts,
    },
    RouteRule {
        method: "POST",
        path: "/pupils/{upn}/contacts/{contact}/remove",
        permission: Permission::Contacts,
    },
    RouteRule {
        method: "GET",
        path: "/office/contacts",
        permission: Permission::Contacts,
    },
    RouteRule {
        method: "GET",
        path: "/office/contacts/proposals",
        permission: Permission::Contacts,
    },
    RouteRule {
        method: "POST",
        path: "/office/contacts/proposals/{proposal}",
        permission: Permission::Contacts,
    },
    RouteRule {
        method: "GET",
        path: "/children/details",
        permission: Permission::OwnDetails,
    },
    RouteRule {
        method: "POST",
        path: "/children/details",
        permission: Permission::OwnDetails,
    },
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/pupils/{upn}/contacts",
            get(pupil::contacts_page).post(pupil::add),
        )
        .route("/pupils/{upn}/contacts/{contact}", post(pupil::save))
        .route(
            "/pupils/{upn}/contacts/{contact}/remove",
            post(pupil::remove),
        )
        .route("/office/contacts", get(list::list_page))
        .route("/office/contacts/proposals", get(proposals::board_page))
        .route("/office/contacts/proposals/{id}", post(proposals::decide))
        .route(
            "/children/details",
            get(mine::details_page).post(mine::propose),
        )
}
