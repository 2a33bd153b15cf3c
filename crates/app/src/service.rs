//! Rollcall as a long-running program holds it: connections to the database, the register
//! writer, background housekeeping and the school's clock, behind one handle, [`App`].
//!
//! Every use case a page, an API call or a command performs is a method of [`App`] taking the
//! [`Actor`](crate::Actor) who asks. The methods block: a server calls them from a thread where
//! blocking is allowed. At most as many run against the database at once as the machine has
//! cores; more would only take turns more slowly.
//!
//! Registers are written by one thread of their own, every register waiting in one transaction
//! (group commit, [`Store::apply_mark_groups`]): sixty tutors submitting at the same moment cost
//! one commit instead of sixty in a queue, and each register still stands or falls alone.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex, Weak};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use rollcall_store::{MarkChange, MarkGroup, SchoolId, Store, StoreError};
use tokio::sync::oneshot;

use crate::error::{AppError, Result};

/// School time in England now.
fn school_now() -> NaiveDateTime {
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
    Fixed(NaiveDateTime),
}

impl Clock {
    /// A clock that reads `start` now and runs on from there.
    pub fn starting_at(start: NaiveDateTime) -> Clock {
        Clock::Offset(start - school_now())
    }

    /// The local date and time at the school.
    pub fn now(&self) -> NaiveDateTime {
        match self {
            Clock::System => school_now(),
            Clock::Offset(d) => school_now() + *d,
            Clock::Fixed(t) => *t,
        }
    }
}

/// Opens a new connection to the database (already migrated).
pub type Opener = Box<dyn Fn() -> Result<Box<dyn Store>> + Send + Sync>;

/// Connections to the database, reused between uses.
struct StorePool {
    open: Opener,
    idle: Mutex<Vec<Box<dyn Store>>>,
}

impl StorePool {
    fn take(&self) -> Result<Box<dyn Store>> {
        match self.take_idle() {
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

/// Lets at most a fixed number of threads through at once, in the order they came: a place given
/// back goes straight to the longest waiting, so that no request of a burst waits behind later
/// ones.
struct Gate {
    state: Mutex<GateState>,
}

struct GateState {
    free: usize,
    waiting: VecDeque<Arc<Waiter>>,
}

/// A thread waiting at a [`Gate`] for its place.
#[derive(Default)]
struct Waiter {
    admitted: Mutex<bool>,
    woken: Condvar,
}

impl Gate {
    fn new(places: usize) -> Gate {
        Gate {
            state: Mutex::new(GateState {
                free: places.max(1),
                waiting: VecDeque::new(),
            }),
        }
    }

    fn enter(&self) -> Pass<'_> {
        let waiter = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            if state.free > 0 && state.waiting.is_empty() {
                state.free -= 1;
                return Pass(self);
            }
            let waiter = Arc::new(Waiter::default());
            state.waiting.push_back(Arc::clone(&waiter));
            waiter
        };
        let mut admitted = waiter.admitted.lock().unwrap_or_else(|e| e.into_inner());
        while !*admitted {
            admitted = waiter
                .woken
                .wait(admitted)
                .unwrap_or_else(|e| e.into_inner());
        }
        Pass(self)
    }
}

/// A place taken at a [`Gate`], handed to the next in line (or given back) when dropped.
struct Pass<'a>(&'a Gate);

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        let mut state = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        match state.waiting.pop_front() {
            Some(next) => {
                drop(state);
                *next.admitted.lock().unwrap_or_else(|e| e.into_inner()) = true;
                next.woken.notify_one();
            }
            None => state.free += 1,
        }
    }
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
    done: oneshot::Sender<std::result::Result<(), StoreError>>,
}

/// Changes handed to the register writer. Wait for the store's answer on a thread that may block
/// ([`Writing::wait`]) or in an async task ([`Writing::written`]), which holds no thread meanwhile.
pub struct Writing(WritingState);

enum WritingState {
    Answered(std::result::Result<(), StoreError>),
    Waiting(oneshot::Receiver<std::result::Result<(), StoreError>>),
}

fn writer_stopped() -> StoreError {
    StoreError::Database("the register writer stopped".into())
}

impl Writing {
    /// Blocks until the changes are written, or refused.
    pub fn wait(self) -> std::result::Result<(), StoreError> {
        match self.0 {
            WritingState::Answered(outcome) => outcome,
            WritingState::Waiting(outcome) => outcome
                .blocking_recv()
                .unwrap_or_else(|_| Err(writer_stopped())),
        }
    }

    /// Waits, without blocking a thread, until the changes are written, or refused.
    pub async fn written(self) -> std::result::Result<(), StoreError> {
        match self.0 {
            WritingState::Answered(outcome) => outcome,
            WritingState::Waiting(outcome) => {
                outcome.await.unwrap_or_else(|_| Err(writer_stopped()))
            }
        }
    }
}

/// The most registers written in one transaction.
const MAX_GROUP: usize = 256;

struct Inner {
    pool: StorePool,
    gate: Gate,
    /// Registers to write, to the thread that writes them together.
    marks: mpsc::Sender<MarkJob>,
    activity: Arc<Activity>,
    clock: Clock,
    /// Parents' calls are recorded one at a time, so that a call sent twice at the same moment
    /// (a double tap) finds the first recorded.
    calls: Mutex<()>,
    /// How messages to parents are sent.
    messaging: std::sync::RwLock<crate::messages::Messaging>,
    /// The day's messages are sent one batch at a time, so that the same button pressed twice
    /// finds the first batch saved and sends nothing twice.
    sending: Mutex<()>,
}

/// Rollcall over one database: the handle every use case is a method of. Cheap to clone; the
/// threads it starts end when the last clone is dropped.
#[derive(Clone)]
pub struct App(Arc<Inner>);

impl App {
    /// Rollcall over the database at `url` (`sqlite:PATH`, a path, or `postgres://…`), migrated,
    /// for a long-running server: its connections leave housekeeping (SQLite's checkpoints, each
    /// an fsync) to a thread of its own, off the path of requests.
    pub fn open(url: &str, clock: Clock) -> Result<App> {
        let server_store = |url: &str| -> Result<Box<dyn Store>> {
            let mut store = crate::open_store(url)?;
            store.leave_housekeeping_to_background()?;
            Ok(store)
        };
        let first = server_store(url)?;
        let keeper = crate::open_store(url)?;
        let owned = url.to_owned();
        let app = App::with_opener(Box::new(move || server_store(&owned)), clock);
        app.0.pool.give_back(first);
        spawn_housekeeping(Arc::downgrade(&app.0), keeper, Arc::clone(&app.0.activity));
        Ok(app)
    }

    /// Rollcall over the connections `open` makes, without background housekeeping.
    pub fn with_opener(open: Opener, clock: Clock) -> App {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let (marks, jobs) = mpsc::channel();
        let activity = Arc::new(Activity::new());
        let inner = Arc::new(Inner {
            pool: StorePool {
                open,
                idle: Mutex::new(Vec::new()),
            },
            gate: Gate::new(cores),
            marks,
            activity: Arc::clone(&activity),
            clock,
            calls: Mutex::new(()),
            messaging: std::sync::RwLock::new(crate::messages::Messaging::none()),
            sending: Mutex::new(()),
        });
        spawn_mark_writer(Arc::downgrade(&inner), jobs, activity);
        App(inner)
    }

    pub fn clock(&self) -> Clock {
        self.0.clock
    }

    /// The date and time at the school now, by the application's clock.
    pub fn now(&self) -> NaiveDateTime {
        self.0.clock.now()
    }

    /// Waits until no other parent's call is being recorded, and holds the turn until dropped.
    pub(crate) fn one_call_at_a_time(&self) -> std::sync::MutexGuard<'_, ()> {
        self.0.calls.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends messages to parents as `messaging` says from now on (nothing can be sent until
    /// this is called).
    pub fn set_messaging(&self, messaging: crate::messages::Messaging) {
        *self.0.messaging.write().unwrap_or_else(|e| e.into_inner()) = messaging;
    }

    /// How messages to parents are sent.
    pub fn messaging(&self) -> crate::messages::Messaging {
        self.0
            .messaging
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Waits until no other batch of messages is being sent, and holds the turn until dropped.
    pub(crate) fn one_batch_at_a_time(&self) -> std::sync::MutexGuard<'_, ()> {
        self.0.sending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` with a database connection, blocking until one of the places at the database is
    /// free.
    pub(crate) fn with_store<T, E>(
        &self,
        f: impl FnOnce(&mut dyn Store) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<AppError>,
    {
        let _pass = self.0.gate.enter();
        let mut store = self.0.pool.take().map_err(E::from)?;
        let out = f(store.as_mut());
        self.0.pool.give_back(store);
        out
    }

    /// [`App::with_store`] for work that only reads: one snapshot of the database, its locks
    /// taken once (see [`Store::begin_read`]).
    pub(crate) fn reading<T, E>(
        &self,
        f: impl FnOnce(&mut dyn Store) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<AppError>,
    {
        self.with_store(|store| {
            store
                .begin_read()
                .map_err(|e| E::from(AppError::Store(e)))?;
            let out = f(store);
            store.end_read().map_err(|e| E::from(AppError::Store(e)))?;
            out
        })
    }

    /// Runs a short read at once, on the calling thread, when the database answers locally
    /// (SQLite) and a connection is open and idle; `None`, without running it, otherwise. A
    /// server uses it to save the hand-off to a blocking thread: `f` must only read, and little.
    pub(crate) fn short_read<T>(&self, f: impl FnOnce(&mut dyn Store) -> T) -> Option<T> {
        let mut store = self.0.pool.take_idle()?;
        let out = store.reads_are_local().then(|| f(store.as_mut()));
        self.0.pool.give_back(store);
        out
    }

    /// Hands a register's changes (if any) to the register writer, which writes them together
    /// with any other registers being written at the same moment. The store's refusal (a
    /// conflict, a pupil not on roll) is this register's alone. Call it without holding a
    /// connection.
    pub(crate) fn write_marks(&self, school: SchoolId, changes: Vec<MarkChange>) -> Writing {
        if changes.is_empty() {
            return Writing(WritingState::Answered(Ok(())));
        }
        let (done, outcome) = oneshot::channel();
        let job = MarkJob {
            school,
            changes,
            done,
        };
        if self.0.marks.send(job).is_err() {
            return Writing(WritingState::Answered(Err(writer_stopped())));
        }
        Writing(WritingState::Waiting(outcome))
    }
}

/// Writes registers on a thread of its own, every register waiting in one transaction. The thread
/// ends when the application is dropped.
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

/// Every half second, but not while registers are being written (a checkpoint copies pages and
/// flushes them to disk, which would slow a burst of registers at 8:50), unless it has waited ten
/// seconds. Until the application is dropped.
fn spawn_housekeeping(inner: Weak<Inner>, mut keeper: Box<dyn Store>, activity: Arc<Activity>) {
    std::thread::spawn(move || {
        let mut last = Instant::now();
        while inner.upgrade().is_some() {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_lets_through_at_most_its_places() {
        let gate = Arc::new(Gate::new(2));
        let inside = Arc::new(AtomicU64::new(0));
        let most = Arc::new(AtomicU64::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (gate, inside, most) = (gate.clone(), inside.clone(), most.clone());
                std::thread::spawn(move || {
                    let _pass = gate.enter();
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(5));
                    inside.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn the_gate_lets_waiters_through_in_the_order_they_came() {
        let gate = Arc::new(Gate::new(1));
        let order = Arc::new(Mutex::new(Vec::new()));
        let first = gate.enter();
        let mut threads = Vec::new();
        for i in 0..6 {
            let (g, o) = (gate.clone(), order.clone());
            threads.push(std::thread::spawn(move || {
                let _pass = g.enter();
                o.lock().unwrap().push(i);
            }));
            // Each is waiting before the next comes.
            while gate.state.lock().unwrap().waiting.len() < i + 1 {
                std::thread::yield_now();
            }
        }
        drop(first);
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*order.lock().unwrap(), vec![0, 1, 2, 3, 4, 5]);
    }
}
