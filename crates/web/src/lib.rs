//! Rollcall in the browser: server-rendered pages for staff and parents, and a JSON API behind
//! the same sign-in and roles. The only crate that knows HTTP, HTML and cookies.
//!
//! The web crate only translates: every page and API call turns a request into a call of one use
//! case of `rollcall_app` (a method of [`rollcall_app::App`] taking the signed-in
//! [`Actor`](rollcall_app::Actor)), and its answer or refusal into a response. Who may do what is
//! decided there, once, for pages and API alike.
//!
//! Every request passes [`common::session::middleware`], which resolves the signed-in user (if
//! any), checks the CSRF token of every form and API call that changes something, and adds
//! security headers. [`route_table`] lists each route with the permission it needs, and a test
//! visits every route as every role to hold the handlers to that table.
//!
//! `casework` holds the alerts worklist, cases and contracts.
//!
//! Modules: [`common`] is what pages share; each other module is one area of pages (or the API)
//! and imports only from [`common`], never from another page module.

pub mod account;
pub mod admin;
pub mod api;
pub mod calling;
pub mod casework;
pub mod common;
pub mod contacts;
pub mod day;
pub mod family;
pub mod leave;
pub mod notices;
pub mod office;
pub mod overview;
pub mod pupils;
pub mod registers;
pub mod reports;
pub mod rewards;
pub mod safeguarding;
pub mod search;

use std::net::SocketAddr;

use axum::routing::get;
use axum::Router;

pub use common::{AppState, RouteRule, Settings, WebError};
pub use rollcall_app::Clock;

/// Every route of the application with the permission it needs.
pub fn route_table() -> Vec<RouteRule> {
    [
        account::ACCESS,
        registers::ACCESS,
        office::ACCESS,
        day::ACCESS,
        calling::ACCESS,
        casework::ACCESS,
        safeguarding::ACCESS,
        pupils::ACCESS,
        contacts::ACCESS,
        family::ACCESS,
        reports::ACCESS,
        leave::ACCESS,
        notices::ACCESS,
        rewards::ACCESS,
        search::ACCESS,
        overview::ACCESS,
        admin::ACCESS,
        api::ACCESS,
    ]
    .concat()
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(account::home))
        .route("/static/app.css", get(common::layout::stylesheet))
        .route("/static/app.js", get(common::layout::script))
        .merge(account::routes())
        .merge(registers::routes())
        .merge(office::routes())
        .merge(day::routes())
        .merge(calling::routes())
        .merge(casework::routes())
        .merge(safeguarding::routes())
        .merge(pupils::routes())
        .merge(contacts::routes())
        .merge(family::routes())
        .merge(reports::routes())
        .merge(leave::routes())
        .merge(notices::routes())
        .merge(rewards::routes())
        .merge(search::routes())
        .merge(overview::routes())
        .merge(admin::routes())
        .merge(api::routes())
        .fallback(common::error::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            common::session::middleware,
        ))
        .with_state(state)
}

/// Serves the application until the process is interrupted.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
