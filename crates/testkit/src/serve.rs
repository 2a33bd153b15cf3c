//! What the test servers ([`crate::smtp`], [`crate::http`]) share: a listener on 127.0.0.1 with
//! a thread per connection, stopped and joined on drop, and reads that notice the stop.

use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How often a blocked read wakes up to see whether the server is stopping.
const POLL: Duration = Duration::from_millis(50);

/// A connection that sends nothing for this long is closed.
const IDLE_LIMIT: Duration = Duration::from_secs(30);

/// A listening socket on 127.0.0.1 and the threads serving it. Dropping it stops accepting,
/// tells every connection to close and waits for their threads.
pub(crate) struct Background {
    port: u16,
    stopping: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
    workers: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Background {
    /// Binds a free port of 127.0.0.1 and serves each connection with `handle` on a thread of
    /// its own.
    pub(crate) fn start<H>(name: &str, handle: H) -> io::Result<Background>
    where
        H: Fn(Conn) + Send + Sync + 'static,
    {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let port = listener.local_addr()?.port();
        let stopping = Arc::new(AtomicBool::new(false));
        let workers: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let handle = Arc::new(handle);
        let acceptor = {
            let stopping = Arc::clone(&stopping);
            let workers = Arc::clone(&workers);
            let worker_name = format!("{name}-conn");
            thread::Builder::new()
                .name(format!("{name}-accept"))
                .spawn(move || {
                    for stream in listener.incoming() {
                        if stopping.load(Ordering::SeqCst) {
                            break;
                        }
                        let Ok(stream) = stream else {
                            // Out of file descriptors, or the like: try again shortly.
                            thread::sleep(POLL);
                            continue;
                        };
                        let Ok(conn) = Conn::new(stream, Arc::clone(&stopping)) else {
                            continue;
                        };
                        let handle = Arc::clone(&handle);
                        let spawned = thread::Builder::new()
                            .name(worker_name.clone())
                            .spawn(move || handle(conn));
                        if let Ok(worker) = spawned {
                            let mut workers = lock(&workers);
                            workers.retain(|w| !w.is_finished());
                            workers.push(worker);
                        }
                    }
                })?
        };
        Ok(Background {
            port,
            stopping,
            acceptor: Some(acceptor),
            workers,
        })
    }

    /// The port the server listens on, on 127.0.0.1.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wake the acceptor, which is blocked in accept(), with a connection of our own.
        let _ = TcpStream::connect_timeout(&(Ipv4Addr::LOCALHOST, self.port).into(), POLL * 20);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        let workers = std::mem::take(&mut *lock(&self.workers));
        for worker in workers {
            let _ = worker.join();
        }
    }
}

/// Locks a mutex, carrying on past a panic of another thread that held it (that thread's test
/// has failed already, and the data is still good for reporting).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What a read from a connection gave.
pub(crate) enum Input {
    /// A whole line, with its line ending.
    Line(Vec<u8>),
    /// A line longer than the limit given; the connection should be closed.
    TooLong,
    /// The peer closed the connection, it failed, it was idle too long or the server is
    /// stopping.
    Closed,
}

/// One accepted connection.
pub(crate) struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    stopping: Arc<AtomicBool>,
    /// A line read in part when a read timed out, kept for the next try.
    partial: Vec<u8>,
}

impl Conn {
    fn new(stream: TcpStream, stopping: Arc<AtomicBool>) -> io::Result<Conn> {
        stream.set_read_timeout(Some(POLL))?;
        stream.set_write_timeout(Some(IDLE_LIMIT))?;
        let writer = stream.try_clone()?;
        Ok(Conn {
            reader: BufReader::new(stream),
            writer,
            stopping,
            partial: Vec::new(),
        })
    }

    /// Reads one line (up to and including `\n`) of at most `max` bytes.
    pub(crate) fn read_line(&mut self, max: usize) -> Input {
        let mut idle_since = Instant::now();
        loop {
            let room = max.saturating_sub(self.partial.len()) as u64;
            let before = self.partial.len();
            let result = (&mut self.reader)
                .take(room)
                .read_until(b'\n', &mut self.partial);
            match result {
                Ok(_) if self.partial.ends_with(b"\n") => {
                    return Input::Line(std::mem::take(&mut self.partial));
                }
                Ok(_) if self.partial.len() >= max => return Input::TooLong,
                // End of stream in the middle of a line, or at its start.
                Ok(_) => return Input::Closed,
                Err(e) if is_timeout(&e) || e.kind() == ErrorKind::Interrupted => {
                    if self.partial.len() > before {
                        idle_since = Instant::now();
                    }
                    if self.stopping.load(Ordering::SeqCst) || idle_since.elapsed() > IDLE_LIMIT {
                        return Input::Closed;
                    }
                }
                Err(_) => return Input::Closed,
            }
        }
    }

    /// Reads exactly `len` bytes, or `None` when the connection ends first.
    pub(crate) fn read_exact(&mut self, len: usize) -> Option<Vec<u8>> {
        let mut out = std::mem::take(&mut self.partial);
        let mut idle_since = Instant::now();
        while out.len() < len {
            let want = len - out.len();
            match self.reader.fill_buf() {
                Ok([]) => return None,
                Ok(available) => {
                    let n = available.len().min(want);
                    out.extend_from_slice(&available[..n]);
                    self.reader.consume(n);
                    idle_since = Instant::now();
                }
                Err(e) if is_timeout(&e) || e.kind() == ErrorKind::Interrupted => {
                    if self.stopping.load(Ordering::SeqCst) || idle_since.elapsed() > IDLE_LIMIT {
                        return None;
                    }
                }
                Err(_) => return None,
            }
        }
        if out.len() > len {
            self.partial = out.split_off(len);
        }
        Some(out)
    }

    /// Writes all of `bytes`; false when the connection has failed.
    pub(crate) fn write(&mut self, bytes: &[u8]) -> bool {
        self.writer
            .write_all(bytes)
            .and_then(|()| self.writer.flush())
            .is_ok()
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}
