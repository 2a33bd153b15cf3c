//! Who is signed in, and the checks every request passes.
//!
//! - A session is a random 256-bit token in an `HttpOnly`, `SameSite=Lax` cookie (`Secure` when
//!   configured); the database holds only its hash (see `rollcall_app::cases::sessions`).
//! - Every request that changes something (POST, PUT, PATCH, DELETE) must carry the session's CSRF
//!   token, in the form field `csrf` or the header `X-CSRF-Token`; before sign-in, the token of a
//!   double-submit cookie.
//! - Every response carries security headers.

use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use rollcall_app::access::Permission;
use rollcall_app::cases::sessions::{SessionState, SignedIn};
use rollcall_app::{Actor, Reach};
use rollcall_core::Role;

use super::error::{WebError, API_REQUEST, SIGNED_IN};
use super::forms::url_pairs;
use super::state::AppState;

pub const SESSION_COOKIE: &str = "rollcall_session";
pub const PRE_SESSION_COOKIE: &str = "rollcall_csrf";

fn same(a: &str, b: &str) -> bool {
    // Constant time in the length of the expected token.
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The signed-in user of a request.
#[derive(Debug, Clone)]
pub struct Principal {
    /// Who they are, their role and their reach, as every use case takes them.
    pub actor: Actor,
    pub username: String,
    csrf: String,
}

impl Principal {
    pub fn new(who: SignedIn) -> Principal {
        Principal {
            actor: who.actor,
            username: who.username,
            csrf: who.csrf_token,
        }
    }

    pub fn role(&self) -> Role {
        self.actor.role
    }

    pub fn reach(&self) -> Reach {
        self.actor.reach.clone()
    }

    /// Refuses unless the user's role has the permission.
    pub fn require(&self, permission: Permission) -> Result<(), WebError> {
        Ok(self.actor.require(permission)?)
    }

    pub fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Principal, WebError> {
        parts
            .extensions
            .get::<Option<Principal>>()
            .cloned()
            .flatten()
            .ok_or(WebError::SignIn)
    }
}

/// The signed-in user, if there is one.
pub struct MaybePrincipal(pub Option<Principal>);

impl<S: Send + Sync> FromRequestParts<S> for MaybePrincipal {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<MaybePrincipal, WebError> {
        Ok(MaybePrincipal(
            parts
                .extensions
                .get::<Option<Principal>>()
                .cloned()
                .flatten(),
        ))
    }
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: Option<u64>) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if state.settings().secure_cookies {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Finds the signed-in user of a request from its session cookie, ending an expired session.
async fn resolve(state: &AppState, headers: &HeaderMap) -> Result<Option<Principal>, WebError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let now = Utc::now();
    let times = state.settings().session_times();
    // Reading the session and its user is short, and done in place when the database answers
    // locally; writing (ending a session, noting activity at most once a minute) may wait for the
    // writer, so it goes to a blocking thread.
    let found = match state.app().session_state_now(&token, now, times) {
        Some(found) => found?,
        None => {
            let token = token.clone();
            state
                .run(move |app| app.session_state(&token, now, times))
                .await?
        }
    };
    match found {
        SessionState::Unknown => Ok(None),
        SessionState::Ended => {
            state.run(move |app| app.end_session(&token)).await?;
            Ok(None)
        }
        SessionState::Active { who, note_activity } => {
            if note_activity {
                state.run(move |app| app.note_activity(&token, now)).await?;
            }
            Ok(Some(Principal::new(*who)))
        }
    }
}

/// Resolves the user, checks CSRF tokens on changes, and adds security headers. An error page of
/// the request (a refusal included) is drawn with the signed-in user's navigation.
pub async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    API_REQUEST
        .scope(api, async move {
            let principal = match resolve(&state, request.headers()).await {
                Ok(p) => p,
                Err(e) => return secured(e.into_response()),
            };
            SIGNED_IN
                .scope(principal.clone(), async move {
                    let response = match guard(principal, request).await {
                        Ok(request) => next.run(request).await,
                        Err(e) => e.into_response(),
                    };
                    secured(response)
                })
                .await
        })
        .await
}

/// A response with the security headers every response carries.
fn secured(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// Forms are small; anything larger is refused.
const BODY_LIMIT: usize = 1 << 20;

/// A form with a file (`multipart/form-data`): the largest evidence file and room for the rest.
const UPLOAD_LIMIT: usize = rollcall_app::evidence::MAX_EVIDENCE_BYTES + (256 << 10);

async fn guard(principal: Option<Principal>, request: Request) -> Result<Request, WebError> {
    let (mut parts, body) = request.into_parts();
    let changes = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let body = if changes {
        let boundary = super::forms::multipart_boundary(
            parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
        );
        let limit = if boundary.is_some() {
            UPLOAD_LIMIT
        } else {
            BODY_LIMIT
        };
        let bytes = to_bytes(body, limit).await.map_err(|_| {
            WebError::BadRequest(if boundary.is_some() {
                format!(
                    "the file is too large: the largest accepted is {} MB",
                    rollcall_app::evidence::MAX_EVIDENCE_BYTES >> 20
                )
            } else {
                "the request is too large".into()
            })
        })?;
        let expected = match &principal {
            Some(p) => Some(p.csrf.clone()),
            None => cookie(&parts.headers, PRE_SESSION_COOKIE),
        };
        let given = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| form_urlencoded_field(&bytes, "csrf"));
        let given = match (given, &boundary) {
            (None, Some(b)) => super::forms::multipart_parts(b, bytes.clone())
                .await
                .ok()
                .and_then(|ps| ps.into_iter().find(|p| p.name == "csrf"))
                .map(|p| p.text()),
            (given, _) => given,
        };
        match (expected, given) {
            (Some(e), Some(g)) if !e.is_empty() && same(&e, &g) => {}
            _ => return Err(WebError::Csrf),
        }
        Body::from(bytes)
    } else {
        body
    };
    parts.extensions.insert(principal);
    Ok(Request::from_parts(parts, body))
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    url_pairs(body).find(|(k, _)| k == name).map(|(_, v)| v)
}
