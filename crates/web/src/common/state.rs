//! What every request shares: the application, the web's own settings, and the limits on
//! sign-in attempts.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rollcall_app::cases::sessions::SessionTimes;
use rollcall_app::{App, Clock, Refusal};

use super::error::WebError;

#[derive(Debug, Clone)]
pub struct Settings {
    /// A session ends after this long without a request.
    pub idle_timeout: Duration,
    /// A session ends this long after sign-in however active it is.
    pub session_lifetime: Duration,
    /// Mark cookies `Secure` (when served over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
    pub clock: Clock,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            idle_timeout: Duration::from_secs(30 * 60),
            session_lifetime: Duration::from_secs(12 * 60 * 60),
            secure_cookies: false,
            clock: Clock::System,
        }
    }
}

impl Settings {
    pub fn session_times(&self) -> SessionTimes {
        SessionTimes {
            idle_timeout: self.idle_timeout,
            lifetime: self.session_lifetime,
        }
    }
}

struct Inner {
    app: App,
    settings: Settings,
    limiter: Mutex<SignInLimiter>,
    /// Use cases run a few at a time, one per core: the others wait here without holding a
    /// thread, in the order they came.
    workers: tokio::sync::Semaphore,
}

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl AppState {
    pub fn new(app: App, settings: Settings) -> AppState {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        AppState(Arc::new(Inner {
            app,
            settings,
            limiter: Mutex::new(SignInLimiter::default()),
            workers: tokio::sync::Semaphore::new(cores),
        }))
    }

    /// The application over the database at `url` (`sqlite:PATH`, a path, or `postgres://…`).
    pub fn for_url(url: &str, settings: Settings) -> Result<AppState, WebError> {
        let app = App::open(url, settings.clock).map_err(Refusal::from)?;
        Ok(AppState::new(app, settings))
    }

    pub fn app(&self) -> &App {
        &self.0.app
    }

    pub fn settings(&self) -> &Settings {
        &self.0.settings
    }

    /// The date and time at the school now.
    pub fn now(&self) -> chrono::NaiveDateTime {
        self.0.app.now()
    }

    pub(crate) fn limiter(&self) -> &Mutex<SignInLimiter> {
        &self.0.limiter
    }

    /// Runs a use case on a thread where blocking is allowed (the application's methods wait
    /// for the database), and maps its refusal to a response.
    pub async fn run<T, F>(&self, f: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&App) -> Result<T, Refusal> + Send + 'static,
    {
        self.attempt(f).await?.map_err(WebError::from)
    }

    /// [`AppState::run`], handing back the use case's refusal, for a page that answers some
    /// refusals with a page of its own (a form shown again with what to put right).
    pub async fn attempt<T, F>(&self, f: F) -> Result<Result<T, Refusal>, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&App) -> Result<T, Refusal> + Send + 'static,
    {
        let _permit = self
            .0
            .workers
            .acquire()
            .await
            .map_err(|e| WebError::Internal(format!("the workers stopped: {e}")))?;
        let app = self.0.app.clone();
        tokio::task::spawn_blocking(move || f(&app))
            .await
            .map_err(|e| WebError::Internal(format!("a worker failed: {e}")))
    }
}

impl AppState {
    /// [`AppState::attempt`] for a use case that spends its time waiting on another server (the
    /// school's mail server, an SMS gateway) rather than on the database: it runs on a blocking
    /// thread without taking one of the workers' places, so that pages are not kept waiting
    /// meanwhile. Its database work still takes its turn inside the application.
    pub async fn attempt_waiting<T, F>(&self, f: F) -> Result<Result<T, Refusal>, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&App) -> Result<T, Refusal> + Send + 'static,
    {
        let app = self.0.app.clone();
        tokio::task::spawn_blocking(move || f(&app))
            .await
            .map_err(|e| WebError::Internal(format!("a worker failed: {e}")))
    }
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
}
