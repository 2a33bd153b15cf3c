//! Signing in and out, and finding who a request's session belongs to.
//!
//! A session is a random 256-bit token held by the browser; the database holds only its SHA-256
//! hash. A session ends at sign-out, after a time without activity, at its lifetime, or when its
//! user may no longer sign in.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rollcall_store::{SignInSession, Store, User};
use sha2::{Digest, Sha256};

use crate::access::Actor;
use crate::error::Refusal;
use crate::service::App;
use crate::users::{hash_password, verify_password};

/// A new random token, hex encoded.
pub fn random_token() -> Result<String, Refusal> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| Refusal::Internal(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

/// The hash of a token, as the database keeps it.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A hash to verify against when the user name is unknown, so that both cases take as long.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("not a password").unwrap_or_default())
}

/// How long sessions last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimes {
    /// A session ends after this long without a request.
    pub idle_timeout: Duration,
    /// A session ends this long after sign-in however active it is.
    pub lifetime: Duration,
}

/// Someone signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub actor: Actor,
    pub username: String,
    /// The token every change this session asks for must carry.
    pub csrf_token: String,
}

/// A new session, for the browser to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// The token for the session cookie; only its hash is kept.
    pub token: String,
    pub who: SignedIn,
}

/// What a session token leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionState {
    /// No such session.
    Unknown,
    /// The session has expired, or its user may no longer sign in: to be ended.
    Ended,
    Active {
        who: Box<SignedIn>,
        /// The last request was long enough ago that this one should be noted.
        note_activity: bool,
    },
}

/// Activity is noted at most this often, to spare the database a write per request.
const NOTE_EVERY: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

fn state_of(
    store: &mut dyn Store,
    hash: &str,
    now: DateTime<Utc>,
    times: SessionTimes,
) -> Result<SessionState, Refusal> {
    let idle = chrono::Duration::from_std(times.idle_timeout).unwrap_or_default();
    let Some(session) = store.session(hash)? else {
        return Ok(SessionState::Unknown);
    };
    if now >= session.expires_at || now - session.last_seen_at >= idle {
        return Ok(SessionState::Ended);
    }
    let Some(user) = store.user(session.user)?.filter(|u| u.user.active) else {
        return Ok(SessionState::Ended);
    };
    Ok(SessionState::Active {
        note_activity: now - session.last_seen_at > NOTE_EVERY,
        who: Box::new(signed_in(&user, session.csrf_token)),
    })
}

fn signed_in(user: &User, csrf_token: String) -> SignedIn {
    SignedIn {
        actor: Actor::of_user(user),
        username: user.user.username.clone(),
        csrf_token,
    }
}

impl App {
    /// Who the session with this token belongs to, if it is still active, read at once on the
    /// calling thread when the database answers locally and a connection is free; `None` when it
    /// could not be read that way (then use [`App::session_state`]).
    pub fn session_state_now(
        &self,
        token: &str,
        now: DateTime<Utc>,
        times: SessionTimes,
    ) -> Option<Result<SessionState, Refusal>> {
        let hash = token_hash(token);
        self.short_read(|store| state_of(store, &hash, now, times))
    }

    /// Who the session with this token belongs to, if it is still active.
    pub fn session_state(
        &self,
        token: &str,
        now: DateTime<Utc>,
        times: SessionTimes,
    ) -> Result<SessionState, Refusal> {
        let hash = token_hash(token);
        self.with_store(|store| state_of(store, &hash, now, times))
    }

    /// Notes activity on a session, for its idle expiry.
    pub fn note_activity(&self, token: &str, now: DateTime<Utc>) -> Result<(), Refusal> {
        let hash = token_hash(token);
        self.with_store(|store| Ok(store.touch_session(&hash, now)?))
    }

    /// Ends a session: at sign-out, or once it has expired.
    pub fn end_session(&self, token: &str) -> Result<(), Refusal> {
        let hash = token_hash(token);
        self.with_store(|store| Ok(store.end_session(&hash)?))
    }

    /// Signs a user in with their password: a new session, or `None` when the user name and
    /// password do not match an active user. An unknown user name takes as long to refuse as a
    /// wrong password. Ended sessions are cleared away at each sign-in.
    pub fn sign_in(
        &self,
        username: &str,
        password: &str,
        now: DateTime<Utc>,
        times: SessionTimes,
    ) -> Result<Option<NewSession>, Refusal> {
        let username = username.trim();
        let user = self.with_store(|store| Ok::<_, Refusal>(store.user_by_name(username)?))?;
        // The password is checked whatever the account, so that a deactivated or unknown user
        // name takes as long to refuse as a wrong password.
        let user = match user {
            Some(u) => {
                let matches = verify_password(&u.user.password_hash, password);
                if !(matches && u.user.active) {
                    return Ok(None);
                }
                u
            }
            None => {
                let _ = verify_password(dummy_hash(), password);
                return Ok(None);
            }
        };
        let token = random_token()?;
        let session = SignInSession {
            token_hash: token_hash(&token),
            user: user.id,
            csrf_token: random_token()?,
            created_at: now,
            last_seen_at: now,
            expires_at: now + chrono::Duration::from_std(times.lifetime).unwrap_or_default(),
        };
        let idle = chrono::Duration::from_std(times.idle_timeout).unwrap_or_default();
        self.with_store(|store| {
            store.end_expired_sessions(now, now - idle)?;
            Ok::<_, Refusal>(store.create_session(&session)?)
        })?;
        Ok(Some(NewSession {
            token,
            who: signed_in(&user, session.csrf_token),
        }))
    }
}
