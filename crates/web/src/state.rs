//! What every request shares: a pool of database connections and the settings.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use rollcall_store::{MarkChange, MarkGroup, SchoolId, Store, StoreError};

use crate::auth::SignInLimiter;
use crate::error::WebError;

/// School time in England now.
fn school_now() -> chrono::NaiveDateTime {
    rollcall_core::dates::school_time(chrono::Utc::now())
}

/// The school's clock, in school time in England whatever the machine's zone: registers open and
/// close by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// School time in England now.
    System,
    /// School time moved by a fixed amount (the demo runs on a school day of its year).
    Offset(chrono::Duration),
    /// A time that never moves (tests).
    Fixed(chrono::NaiveDateTime),
}

impl Clock {
    /// A clock that reads `start` now and runs on from there.
    pub fn starting_at(start: chrono::NaiveDateTime) -> Clock {
        Clock::Offset(start - school_now())
    }

    /// The local date and time at the school.
    pub fn now(&self) -> chrono::NaiveDateTime {
        match self {
            Clock::System => school_now(),
            Clock::Offset(d) => school_now() + *d,
            Clock::Fixed(t) => *t,
        }
    }
}

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

/// Opens a new connection to the database (already migrated).
pub type Opener = Box<dyn Fn() -> Result<Box<dyn Store>, WebError> + Send + Sync>;

/// Connections to the database, reused between requests.
pub struct StorePool {
    open: Opener,
    idle: Mutex<Vec<Box<dyn Store>>>,
}

impl StorePool {
    pub fn new(open: Opener) -> StorePool {
        StorePool {
            open,
            idle: Mutex::new(Vec::new()),
        }
    }

    fn take(&self) -> Result<Box<dyn Store>, WebError> {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        match idle {
            Some(s) => Ok(s),
            None => (self.open)(),
        }
    }

    /// A connection already open, if one is idle.
    fn take_idle(&self) -> Option<Box<dyn Store>> {
        self.idle.lock().ok().and_then(|mut v| v.pop())
    }

    fn give_back(&self, store: Box<dyn Store>) {
        if let Ok(mut v) = self.idle.lock() {
            if v.len() < 32 {
                v.push(store);
            }
        }
    }
}

struct Inner {
    pool: StorePool,
    /// Database work runs a few at a time: more threads than cores only take turns slower.
    workers: tokio::sync::Semaphore,
    /// Registers to write, to the thread that writes them together.
    marks: mpsc::Sender<MarkJob>,
    activity: Arc<Activity>,
    settings: Settings,
    limiter: Mutex<SignInLimiter>,
}

/// When registers were last written, so that housekeeping keeps out of a burst of them.
struct Activity {
    start: Instant,
    /// Milliseconds from `start` to the end of the last batch of registers.
    last: AtomicU64,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            start: Instant::now(),
            last: AtomicU64::new(0),
        }
    }

    fn note(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(ms, Ordering::Relaxed);
    }

    /// How long since registers were last written.
    fn quiet_for(&self) -> Duration {
        self.start
            .elapsed()
            .saturating_sub(Duration::from_millis(self.last.load(Ordering::Relaxed)))
    }
}

/// A register's changes waiting to be written, and where to say how it went.
struct MarkJob {
    school: SchoolId,
    changes: Vec<MarkChange>,
    done: tokio::sync::oneshot::Sender<Result<(), StoreError>>,
}

/// The most registers written in one transaction.
const MAX_GROUP: usize = 256;

/// Writes registers on a thread of its own, every register waiting in one transaction (group
/// commit): sixty tutors submitting at the same moment cost one commit instead of sixty commits
/// in a queue. Each register still stands or falls alone ([`Store::apply_mark_groups`]). The
/// thread ends when the application is dropped.
fn spawn_mark_writer(inner: Weak<Inner>, jobs: mpsc::Receiver<MarkJob>, activity: Arc<Activity>) {
    std::thread::spawn(move || {
        let mut store: Option<Box<dyn Store>> = None;
        while let Ok(first) = jobs.recv() {
            let mut batch = vec![first];
            while batch.len() < MAX_GROUP {
                match jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            if store.is_none() {
                let Some(inner) = inner.upgrade() else {
                    break;
                };
                match inner.pool.take() {
                    Ok(s) => store = Some(s),
                    Err(e) => {
                        fail_all(batch, &e.to_string());
                        continue;
                    }
                }
            }
            let Some(writer) = store.as_mut() else {
                continue;
            };
            let groups: Vec<MarkGroup<'_>> = batch
                .iter()
                .map(|job| MarkGroup {
                    school: job.school,
                    changes: &job.changes,
                })
                .collect();
            // A writer that panicked answers its batch with an error and starts afresh, rather
            // than leaving every later register without a writer.
            let written = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                writer.apply_mark_groups(&groups)
            }))
            .unwrap_or_else(|_| Err(StoreError::Database("the register writer failed".into())));
            drop(groups);
            activity.note();
            match written {
                Ok(outcomes) => {
                    for (job, outcome) in batch.into_iter().zip(outcomes) {
                        let _ = job.done.send(outcome);
                    }
                }
                Err(e) => {
                    // Nothing was written. The connection may be broken: the next batch opens
                    // another.
                    fail_all(batch, &e.to_string());
                    store = None;
                }
            }
        }
    });
}

/// Answers every register of a batch with the same error: none of them was written.
fn fail_all(batch: Vec<MarkJob>, message: &str) {
    for job in batch {
        let _ = job
            .done
            .send(Err(StoreError::Database(message.to_owned().into())));
    }
}

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl AppState {
    pub fn new(pool: StorePool, settings: Settings) -> AppState {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let (marks, jobs) = mpsc::channel();
        let activity = Arc::new(Activity::new());
        let inner = Arc::new(Inner {
            pool,
            workers: tokio::sync::Semaphore::new(cores),
            marks,
            activity: Arc::clone(&activity),
            settings,
            limiter: Mutex::new(SignInLimiter::default()),
        });
        spawn_mark_writer(Arc::downgrade(&inner), jobs, activity);
        AppState(inner)
    }

    /// Writes a register's changes (if any), together with any other registers being written at
    /// the same moment. The store's refusal (a conflict, a pupil not on roll) is this register's alone.
    pub async fn write_marks(
        &self,
        school: SchoolId,
        changes: Vec<MarkChange>,
    ) -> Result<Result<(), StoreError>, WebError> {
        if changes.is_empty() {
            return Ok(Ok(()));
        }
        let (done, outcome) = tokio::sync::oneshot::channel();
        let job = MarkJob {
            school,
            changes,
            done,
        };
        if self.0.marks.send(job).is_err() {
            return Err(WebError::Internal("the register writer stopped".into()));
        }
        outcome
            .await
            .map_err(|_| WebError::Internal("the register writer stopped".into()))
    }

    /// An application over the database at `url` (`sqlite:PATH`, a path, or `postgres://…`).
    pub fn for_url(url: &str, settings: Settings) -> Result<AppState, WebError> {
        // Migrate once, then reuse that connection. Connections of the pool leave housekeeping
        // (SQLite's checkpoints, each an fsync) to a thread of its own, off the requests' path.
        let server_store = |url: &str| -> Result<Box<dyn Store>, WebError> {
            let mut store = rollcall_app::open_store(url)?;
            store.leave_housekeeping_to_background()?;
            Ok(store)
        };
        let first = server_store(url)?;
        let mut keeper = rollcall_app::open_store(url)?;
        let owned = url.to_owned();
        let pool = StorePool::new(Box::new(move || server_store(&owned)));
        pool.give_back(first);
        let state = AppState::new(pool, settings);
        let weak = Arc::downgrade(&state.0);
        let activity = Arc::clone(&state.0.activity);
        std::thread::spawn(move || {
            // Every half second, but not while registers are being written (a checkpoint copies
            // pages and flushes them to disk, which would slow a burst of registers at 8:50),
            // unless it has waited ten seconds. Until the application is dropped.
            let mut last = Instant::now();
            while weak.upgrade().is_some() {
                std::thread::sleep(Duration::from_millis(100));
                let due = last.elapsed() >= Duration::from_millis(500);
                let quiet = activity.quiet_for() >= Duration::from_millis(300);
                if !due || (!quiet && last.elapsed() < Duration::from_secs(10)) {
                    continue;
                }
                last = Instant::now();
                if let Err(e) = keeper.housekeeping() {
                    eprintln!("warning: database housekeeping failed: {e}");
                }
            }
        });
        Ok(state)
    }

    pub fn settings(&self) -> &Settings {
        &self.0.settings
    }

    pub(crate) fn limiter(&self) -> &Mutex<SignInLimiter> {
        &self.0.limiter
    }

    /// Runs a short read on the calling thread when the database answers locally (SQLite) and a
    /// connection is open and idle, saving the hand-off to a blocking thread; otherwise as
    /// [`AppState::with_store`]. `f` must
    /// only read, and only a little: it may run on the async runtime's own thread.
    pub async fn with_store_short_read<T, F>(&self, f: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Store) -> Result<T, WebError> + Send + 'static,
    {
        // Only on a connection already open: opening one is not short.
        if let Some(mut store) = self.0.pool.take_idle() {
            if store.reads_are_local() {
                let out = f(store.as_mut());
                self.0.pool.give_back(store);
                return out;
            }
            self.0.pool.give_back(store);
        }
        self.with_store(f).await
    }

    /// [`AppState::with_store`] for work that only reads: one snapshot of the database, its
    /// locks taken once (see [`Store::begin_read`]).
    pub async fn with_store_reading<T, F>(&self, f: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Store) -> Result<T, WebError> + Send + 'static,
    {
        self.with_store(move |store| {
            store.begin_read()?;
            let out = f(store);
            store.end_read()?;
            out
        })
        .await
    }

    /// Runs `f` with a database connection on a thread where blocking is allowed.
    pub async fn with_store<T, F>(&self, f: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Store) -> Result<T, WebError> + Send + 'static,
    {
        let state = self.clone();
        let _permit = self
            .0
            .workers
            .acquire()
            .await
            .map_err(|e| WebError::Internal(format!("the database workers stopped: {e}")))?;
        tokio::task::spawn_blocking(move || {
            let mut store = state.0.pool.take()?;
            let result = f(store.as_mut());
            state.0.pool.give_back(store);
            result
        })
        .await
        .map_err(|e| WebError::Internal(format!("a worker failed: {e}")))?
    }
}
