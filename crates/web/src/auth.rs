//! Sign-in, sessions and CSRF protection.
//!
//! - Passwords are hashed with argon2id; a failed sign-in for an unknown user costs the same
//!   time as for a known one.
//! - A session is a random 256-bit token in an `HttpOnly`, `SameSite=Lax` cookie (`Secure` when
//!   configured); the database holds only its SHA-256 hash. Sessions end on sign-out, after
//!   [`Settings::idle_timeout`](crate::Settings) without a request, and at their lifetime.
//! - Every request that changes something (POST, PUT, PATCH, DELETE) must carry the session's CSRF
//!   token, in the form field `csrf` or the header `X-CSRF-Token`; before sign-in, the token of a
//!   double-submit cookie.
//! - Sign-in attempts are limited per address and per user name.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use axum::body::{to_bytes, Body};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::Utc;
use maud::html;
use rollcall_core::Role;
use rollcall_store::{SignInSession, User};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::{WebError, API_REQUEST};
use crate::layout;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "rollcall_session";
pub const PRE_SESSION_COOKIE: &str = "rollcall_csrf";

pub use rollcall_app::users::{hash_password, verify_password};

/// A hash to verify against when the user name is unknown, so that both cases take as long.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("not a password").unwrap_or_default())
}

/// A new random token, hex encoded.
pub fn random_token() -> Result<String, WebError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| WebError::Internal(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

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
    pub user: User,
    pub session: SignInSession,
}

impl Principal {
    pub fn role(&self) -> Role {
        self.user.user.role
    }

    /// Refuses unless the user's role is one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), WebError> {
        if roles.contains(&self.role()) {
            Ok(())
        } else {
            Err(WebError::Forbidden)
        }
    }

    pub fn csrf(&self) -> &str {
        &self.session.csrf_token
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

fn set_cookie(state: &AppState, name: &str, value: &str, max_age: Option<u64>) -> HeaderValue {
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
    let hash = token_hash(&token);
    let idle = chrono::Duration::from_std(state.settings().idle_timeout).unwrap_or_default();
    let now = Utc::now();
    // Reading the session and its user is short; writing (ending a session, noting activity at
    // most once a minute) may wait for the writer, so it goes to a blocking thread.
    let key = hash.clone();
    let found = state
        .with_store_short_read(move |store| {
            let Some(session) = store.session(&key)? else {
                return Ok(Found::Nothing);
            };
            if now >= session.expires_at || now - session.last_seen_at >= idle {
                return Ok(Found::Ended);
            }
            let Some(user) = store.user(session.user)?.filter(|u| u.user.active) else {
                return Ok(Found::Ended);
            };
            Ok(Found::Active(Box::new(Principal { user, session })))
        })
        .await?;
    match found {
        Found::Nothing => Ok(None),
        Found::Ended => {
            state
                .with_store(move |store| Ok(store.end_session(&hash)?))
                .await?;
            Ok(None)
        }
        Found::Active(p) => {
            if now - p.session.last_seen_at > chrono::Duration::seconds(60) {
                state
                    .with_store(move |store| Ok(store.touch_session(&hash, now)?))
                    .await?;
            }
            Ok(Some(*p))
        }
    }
}

/// What a session cookie leads to.
enum Found {
    Nothing,
    /// A session that has expired, or whose user may no longer sign in: to be ended.
    Ended,
    Active(Box<Principal>),
}

/// Resolves the user, checks CSRF tokens on changes, and adds security headers.
pub async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    API_REQUEST
        .scope(api, async move {
            match guard(&state, request).await {
                Ok(request) => {
                    let mut response = next.run(request).await;
                    let h = response.headers_mut();
                    h.insert(
                        header::CONTENT_SECURITY_POLICY,
                        HeaderValue::from_static("default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"),
                    );
                    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
                    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
                    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
                    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
                    response
                }
                Err(e) => e.into_response(),
            }
        })
        .await
}

/// Forms are small; anything larger is refused.
const BODY_LIMIT: usize = 1 << 20;

async fn guard(state: &AppState, request: Request) -> Result<Request, WebError> {
    let principal = resolve(state, request.headers()).await?;
    let (mut parts, body) = request.into_parts();
    let changes = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let body = if changes {
        let bytes = to_bytes(body, BODY_LIMIT)
            .await
            .map_err(|_| WebError::BadRequest("the request is too large".into()))?;
        let expected = match &principal {
            Some(p) => Some(p.session.csrf_token.clone()),
            None => cookie(&parts.headers, PRE_SESSION_COOKIE),
        };
        let given = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| form_urlencoded_field(&bytes, "csrf"));
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

/// The pairs of an `application/x-www-form-urlencoded` body.
pub fn url_pairs(body: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    body.split(|&b| b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let mut it = pair.splitn(2, |&b| b == b'=');
            let k = percent_decode(it.next().unwrap_or_default());
            let v = percent_decode(it.next().unwrap_or_default());
            (k, v)
        })
}

fn percent_decode(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Failed sign-ins: at most 10 from one address and 5 for one user name in 15 minutes.
#[derive(Debug, Default)]
pub struct SignInLimiter {
    failures: HashMap<String, Vec<Instant>>,
}

const WINDOW: Duration = Duration::from_secs(15 * 60);

impl SignInLimiter {
    fn count(&mut self, key: &str, now: Instant) -> usize {
        let list = self.failures.entry(key.to_owned()).or_default();
        list.retain(|t| now.duration_since(*t) < WINDOW);
        list.len()
    }

    pub fn allowed(&mut self, ip: IpAddr, username: &str, now: Instant) -> bool {
        self.count(&format!("ip:{ip}"), now) < 10
            && self.count(&format!("user:{}", username.to_lowercase()), now) < 5
    }

    pub fn failed(&mut self, ip: IpAddr, username: &str, now: Instant) {
        for key in [
            format!("ip:{ip}"),
            format!("user:{}", username.to_lowercase()),
        ] {
            self.failures.entry(key).or_default().push(now);
        }
        if self.failures.len() > 10_000 {
            self.failures
                .retain(|_, v| v.iter().any(|t| now.duration_since(*t) < WINDOW));
        }
    }

    pub fn succeeded(&mut self, username: &str) {
        self.failures
            .remove(&format!("user:{}", username.to_lowercase()));
    }
}

/// The routes here that need a signed-in user (sign-in, sign-out and `/` are open to all).
pub const ACCESS: &[crate::access::RouteRule] = &[crate::access::RouteRule {
    method: "GET",
    path: "/account",
    roles: &Role::ALL,
}];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sign-in", get(sign_in_page).post(sign_in))
        .route("/sign-out", post(sign_out))
        .route("/account", get(account))
}

/// Where each role starts.
pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::FormTutor => "/registers",
        Role::Office => "/office",
        Role::Administrator => "/admin/users",
        Role::Governor => "/governors",
        Role::Parent => "/children",
        Role::Headteacher | Role::AttendanceOfficer | Role::HeadOfYear => "/overview",
    }
}

pub async fn home(MaybePrincipal(p): MaybePrincipal) -> Redirect {
    match p {
        Some(p) => Redirect::to(home_of(p.role())),
        None => Redirect::to("/sign-in"),
    }
}

async fn sign_in_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    MaybePrincipal(p): MaybePrincipal,
) -> Result<Response, WebError> {
    if let Some(p) = p {
        return Ok(Redirect::to(home_of(p.role())).into_response());
    }
    let (token, fresh) = match cookie(&headers, PRE_SESSION_COOKIE).filter(|t| t.len() == 64) {
        Some(t) => (t, false),
        None => (random_token()?, true),
    };
    let mut response = sign_in_form(&token, None, StatusCode::OK);
    if fresh {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(&state, PRE_SESSION_COOKIE, &token, None),
        );
    }
    Ok(response)
}

fn sign_in_form(csrf: &str, error: Option<&str>, status: StatusCode) -> Response {
    let body = html! {
        div.narrow {
            h1 { "Sign in to Rollcall" }
            @if let Some(e) = error {
                p.error role="alert" { (e) }
            }
            form method="post" action="/sign-in" {
                input type="hidden" name="csrf" value=(csrf);
                label for="username" { "User name" }
                input #username name="username" type="text" autocomplete="username" required autofocus;
                label for="password" { "Password" }
                input #password name="password" type="password" autocomplete="current-password" required;
                button type="submit" { "Sign in" }
            }
        }
    };
    (status, layout::page("Sign in", None, body)).into_response()
}

#[derive(Deserialize)]
struct SignInForm {
    username: String,
    password: String,
    #[serde(default)]
    csrf: String,
}

async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Form(form): Form<SignInForm>,
) -> Result<Response, WebError> {
    let now = Instant::now();
    let username = form.username.trim().to_owned();
    let allowed = state
        .limiter()
        .lock()
        .map(|mut l| l.allowed(addr.ip(), &username, now))
        .unwrap_or(false);
    if !allowed {
        return Err(WebError::TooManyRequests(
            "too many failed sign-ins; wait 15 minutes and try again".into(),
        ));
    }
    let name = username.clone();
    let user = state
        .with_store(move |s| Ok(s.user_by_name(&name)?))
        .await?;
    let password = form.password;
    let user = tokio::task::spawn_blocking(move || match user {
        Some(u) if u.user.active && verify_password(&u.user.password_hash, &password) => Some(u),
        Some(_) => None,
        None => {
            let _ = verify_password(dummy_hash(), &password);
            None
        }
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))?;
    let Some(user) = user else {
        if let Ok(mut l) = state.limiter().lock() {
            l.failed(addr.ip(), &username, now);
        }
        return Ok(sign_in_form(
            &form.csrf,
            Some("That user name and password do not match."),
            StatusCode::UNAUTHORIZED,
        ));
    };
    if let Ok(mut l) = state.limiter().lock() {
        l.succeeded(&username);
    }
    let token = random_token()?;
    let created = Utc::now();
    let session = SignInSession {
        token_hash: token_hash(&token),
        user: user.id,
        csrf_token: random_token()?,
        created_at: created,
        last_seen_at: created,
        expires_at: created
            + chrono::Duration::from_std(state.settings().session_lifetime).unwrap_or_default(),
    };
    let idle = chrono::Duration::from_std(state.settings().idle_timeout).unwrap_or_default();
    state
        .with_store(move |s| {
            // Sign-in is also when ended sessions are cleared away.
            s.end_expired_sessions(created, created - idle)?;
            Ok(s.create_session(&session)?)
        })
        .await?;
    let mut response = Redirect::to(home_of(user.user.role)).into_response();
    let h = response.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(&state, SESSION_COOKIE, &token, None),
    );
    h.append(
        header::SET_COOKIE,
        set_cookie(&state, PRE_SESSION_COOKIE, "", Some(0)),
    );
    Ok(response)
}

/// Who is signed in, with what role and reach.
async fn account(p: Principal) -> maud::Markup {
    let u = &p.user.user;
    let reach = match p.reach() {
        crate::access::Reach::School => "every pupil of the school".to_owned(),
        crate::access::Reach::YearGroups(g) => format!(
            "the pupils of year {}",
            g.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        crate::access::Reach::Forms(f) => format!("the pupils of {}", f.join(", ")),
        crate::access::Reach::Children(c) => format!(
            "your {} (on the register)",
            if c.len() == 1 { "child" } else { "children" }
        ),
        crate::access::Reach::Nobody => "no pupil: figures only".to_owned(),
    };
    layout::page(
        "Your account",
        Some(&p),
        html! {
            h1 { "Your account" }
            dl {
                dt { "Name" } dd { (u.display_name) }
                dt { "User name" } dd { (u.username) }
                dt { "Role" } dd { (u.role.title()) }
                dt { "You can see" } dd { (reach) }
            }
        },
    )
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        let hash = token_hash(&token);
        state.with_store(move |s| Ok(s.end_session(&hash)?)).await?;
    }
    let mut response = Redirect::to("/sign-in").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state, SESSION_COOKIE, "", Some(0)),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_counts_failures_per_address_and_name() {
        let mut l = SignInLimiter::default();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let now = Instant::now();
        for _ in 0..5 {
            assert!(l.allowed(ip, "Amy", now));
            l.failed(ip, "amy", now);
        }
        assert!(!l.allowed(ip, "AMY", now));
        assert!(l.allowed(ip, "ben", now));
        assert!(l.allowed(ip, "amy", now + WINDOW));
    }

    #[test]
    fn form_fields_are_decoded() {
        let pairs: Vec<_> = url_pairs(b"csrf=a%2Fb&name=J+Smith&x=%zz").collect();
        assert_eq!(pairs[0], ("csrf".into(), "a/b".into()));
        assert_eq!(pairs[1], ("name".into(), "J Smith".into()));
        assert_eq!(pairs[2], ("x".into(), "%zz".into()));
    }
}
