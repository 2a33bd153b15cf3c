//! (routes to come)

use axum::Router;

use crate::access::RouteRule;
use crate::state::AppState;

pub const ACCESS: &[RouteRule] = &[];

pub fn routes() -> Router<AppState> {
    Router::new()
}
