//! Rollcall in the browser: server-rendered pages for staff and parents, and a JSON API behind
//! the same sign-in and roles. The only crate that knows HTTP, HTML and cookies.
//!
//! Every request passes [`auth::middleware`], which resolves the signed-in user (if any), checks
//! the CSRF token of every form and API call that changes something, and adds security headers.
//! Every handler then asks [`access`] whether the user's role and reach allow what they ask for;
//! `access::ROUTES` lists each route with the roles it admits, and a test visits every route as
//! every role to hold the handlers to that table.

pub mod access;
pub mod admin;
pub mod api;
pub mod auth;
pub mod calling;
pub mod error;
pub mod layout;
pub mod office;
pub mod overview;
pub mod pupils;
pub mod registers;
pub mod state;

use std::net::SocketAddr;

use axum::routing::get;
use axum::Router;

pub use error::WebError;
pub use state::{AppState, Clock, Settings};

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(auth::home))
        .route("/static/app.css", get(layout::stylesheet))
        .route("/static/app.js", get(layout::script))
        .merge(auth::routes())
        .merge(registers::routes())
        .merge(office::routes())
        .merge(calling::routes())
        .merge(pupils::routes())
        .merge(overview::routes())
        .merge(admin::routes())
        .merge(api::routes())
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::middleware,
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
