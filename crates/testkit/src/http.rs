//! A small HTTP/1.1 server on 127.0.0.1 for tests of code that calls a web service.
//!
//! [`HttpServer::start`] listens on a free port, keeps every request it gets (method, target,
//! headers and body, `Content-Length` or chunked) and answers each with the same
//! [`HttpReply`], closing the connection after it:
//!
//! ```no_run
//! use std::time::Duration;
//! use rollcall_testkit::http::{HttpReply, HttpServer};
//!
//! let server = HttpServer::start(HttpReply::json(202, r#"{"id":"m-1"}"#));
//! // ... POST to format!("{}/messages", server.url()) ...
//! let requests = server.wait_for(1, Duration::from_secs(5));
//! assert_eq!(requests[0].method, "POST");
//! assert_eq!(requests[0].header("content-type"), Some("application/json"));
//! ```
//!
//! The server stops when it is dropped.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::serve::{lock, Background, Conn, Input};

/// Longest request line or header line accepted; a longer one is answered `431`.
const MAX_LINE: usize = 8 * 1024;

/// Most header lines accepted; more are answered `431`.
const MAX_HEADERS: usize = 100;

/// Largest request body accepted; a larger one is answered `413`.
pub const MAX_BODY: usize = 1024 * 1024;

/// One request the server received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The method, as sent (`POST`).
    pub method: String,
    /// The request target, as sent: the path and any query (`/v1/messages?x=1`).
    pub path: String,
    /// The headers in order, names and values as sent (values trimmed).
    pub headers: Vec<(String, String)>,
    /// The body, with any chunked transfer coding undone.
    pub body: Vec<u8>,
}

impl Request {
    /// The value of the first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body as text (bytes that are not UTF-8 replaced with U+FFFD).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The answer a [`HttpServer`] gives to every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpReply {
    /// The status code (`200`).
    pub status: u16,
    /// The `Content-Type` of the answer.
    pub content_type: String,
    /// The body of the answer.
    pub body: String,
}

impl HttpReply {
    /// An answer with this status and a JSON body (`Content-Type: application/json`).
    pub fn json(status: u16, body: impl Into<String>) -> HttpReply {
        HttpReply {
            status,
            content_type: "application/json".to_owned(),
            body: body.into(),
        }
    }

    /// An answer with this status and a plain-text body (`Content-Type: text/plain`).
    pub fn text(status: u16, body: impl Into<String>) -> HttpReply {
        HttpReply {
            status,
            content_type: "text/plain; charset=utf-8".to_owned(),
            body: body.into(),
        }
    }
}

/// A running HTTP server on 127.0.0.1; see the [module documentation](self).
pub struct HttpServer {
    /// Stopped first when the server is dropped.
    background: Background,
    shared: Arc<Shared>,
}

struct Shared {
    reply: HttpReply,
    requests: Mutex<Vec<Request>>,
    changed: Condvar,
}

impl HttpServer {
    /// Starts a server that answers every request with `reply`, on a free port of 127.0.0.1.
    ///
    /// # Panics
    ///
    /// When no port can be bound or no thread started.
    pub fn start(reply: HttpReply) -> HttpServer {
        let shared = Arc::new(Shared {
            reply,
            requests: Mutex::default(),
            changed: Condvar::new(),
        });
        let background = {
            let shared = Arc::clone(&shared);
            Background::start("http", move |conn| serve(conn, &shared))
                .expect("could not start the test HTTP server on 127.0.0.1")
        };
        HttpServer { background, shared }
    }

    /// The TCP port the server listens on, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.background.port()
    }

    /// The server's base URL, `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port())
    }

    /// The requests received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.requests).clone()
    }

    /// Waits until at least `count` requests have been received, and returns them all.
    ///
    /// # Panics
    ///
    /// When fewer than `count` have arrived after `timeout`, saying how many did.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Request> {
        let deadline = Instant::now() + timeout;
        let mut requests = lock(&self.shared.requests);
        while requests.len() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                panic!(
                    "the test HTTP server received {} request(s) in {timeout:?}, not the {count} \
                     waited for",
                    requests.len()
                );
            }
            requests = self
                .shared
                .changed
                .wait_timeout(requests, left)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
        requests.clone()
    }
}

impl std::fmt::Debug for HttpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpServer")
            .field("port", &self.port())
            .field("reply", &self.shared.reply)
            .field("requests", &lock(&self.shared.requests).len())
            .finish()
    }
}

fn serve(mut conn: Conn, shared: &Shared) {
    match read_request(&mut conn) {
        Ok(request) => {
            lock(&shared.requests).push(request);
            shared.changed.notify_all();
            let reply = &shared.reply;
            respond(&mut conn, reply.status, &reply.content_type, &reply.body);
        }
        Err(Some((status, why))) => {
            respond(&mut conn, status, "text/plain; charset=utf-8", why);
        }
        Err(None) => {}
    }
}

/// Reads one request; on failure the status and reason to answer with, or `None` when the
/// connection ended.
fn read_request(conn: &mut Conn) -> Result<Request, Option<(u16, &'static str)>> {
    let request_line = line(conn)?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(path), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Some((400, "bad request line")));
    };
    if method.is_empty() || path.is_empty() || !version.starts_with("HTTP/1.") {
        return Err(Some((400, "bad request line")));
    }
    let mut headers = Vec::new();
    loop {
        let header = line(conn)?;
        if header.is_empty() {
            break;
        }
        if headers.len() >= MAX_HEADERS {
            return Err(Some((431, "too many headers")));
        }
        let Some((name, value)) = header.split_once(':') else {
            return Err(Some((400, "bad header line")));
        };
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let mut request = Request {
        method: method.to_owned(),
        path: path.to_owned(),
        headers,
        body: Vec::new(),
    };
    let chunked = request
        .header("transfer-encoding")
        .is_some_and(|coding| coding.eq_ignore_ascii_case("chunked"));
    if chunked {
        request.body = read_chunked(conn)?;
    } else if let Some(length) = request.header("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| Some((400, "bad Content-Length")))?;
        if length > MAX_BODY {
            return Err(Some((413, "body too large")));
        }
        request.body = conn.read_exact(length).ok_or(None)?;
    }
    Ok(request)
}

fn read_chunked(conn: &mut Conn) -> Result<Vec<u8>, Option<(u16, &'static str)>> {
    let mut body = Vec::new();
    loop {
        let size_line = line(conn)?;
        let size = size_line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size, 16).map_err(|_| Some((400, "bad chunk size")))?;
        if size == 0 {
            // Trailer fields, up to an empty line.
            while !line(conn)?.is_empty() {}
            return Ok(body);
        }
        if body.len() + size > MAX_BODY {
            return Err(Some((413, "body too large")));
        }
        body.extend(conn.read_exact(size).ok_or(None)?);
        if !line(conn)?.is_empty() {
            return Err(Some((400, "bad chunk end")));
        }
    }
}

/// One line without its line ending.
fn line(conn: &mut Conn) -> Result<String, Option<(u16, &'static str)>> {
    match conn.read_line(MAX_LINE) {
        Input::Line(line) => Ok(String::from_utf8_lossy(&line)
            .trim_end_matches(['\r', '\n'])
            .to_owned()),
        Input::TooLong => Err(Some((431, "line too long"))),
        Input::Closed => Err(None),
    }
}

fn respond(conn: &mut Conn, status: u16, content_type: &str, body: &str) {
    let head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        reason(status),
        body.len()
    );
    let _ = conn.write(head.as_bytes()) && conn.write(body.as_bytes());
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}
