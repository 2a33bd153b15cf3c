//! A small, real SMTP server on 127.0.0.1 for tests of code that sends e-mail.
//!
//! [`SmtpServer::start`] listens on a free port and speaks enough of RFC 5321 for a real client
//! to deliver to it: the `220` greeting, `EHLO` (advertising `8BITMIME`, `SMTPUTF8` and `SIZE`)
//! and `HELO`, `MAIL FROM`, `RCPT TO`, `DATA` (with dot-unstuffing), `RSET`, `NOOP` and `QUIT`.
//! Commands out of order get a `503`, bad arguments a `501` and anything else a `500`. There is
//! no TLS and no authentication. Every message delivered is kept, with its envelope, for the
//! test to look at:
//!
//! ```no_run
//! use std::time::Duration;
//! use rollcall_testkit::smtp::SmtpServer;
//!
//! let server = SmtpServer::start();
//! // ... send one message to 127.0.0.1:server.port() ...
//! let messages = server.wait_for(1, Duration::from_secs(5));
//! assert_eq!(messages[0].recipients, ["parent@example.org"]);
//! assert_eq!(messages[0].header("Subject").as_deref(), Some("Absence today"));
//! ```
//!
//! The server stops when it is dropped, closing any connection still open.

use std::collections::BTreeSet;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::serve::{lock, Background, Conn, Input};

/// The name the server gives itself in its greeting and its `EHLO` reply.
pub const SERVER_NAME: &str = "rollcall-testkit";

/// The largest message `DATA` accepts (advertised as `SIZE`); a larger one is answered `552`.
pub const MAX_MESSAGE_SIZE: usize = 10 * 1024 * 1024;

/// At most this many recipients per message; more are answered `452`.
pub const MAX_RECIPIENTS: usize = 100;

/// Longest command line accepted (RFC 5321 asks for 512 at least).
const MAX_LINE: usize = 4096;

/// Longest line of a message accepted (RFC 5321 asks for 1000 at least).
const MAX_DATA_LINE: usize = 64 * 1024;

/// One message the server accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The envelope sender, from `MAIL FROM:<...>` (empty for the null sender `<>`).
    pub from: String,
    /// The envelope recipients, from each accepted `RCPT TO:<...>`, in order.
    pub recipients: Vec<String>,
    /// The message as sent after `DATA`, headers and body, dot-unstuffed, without the final
    /// `.` line. Line endings are as the client sent them (`\r\n` for a well-behaved client);
    /// bytes that are not UTF-8 are replaced with U+FFFD.
    pub data: String,
}

impl Received {
    /// The message's header section: everything before the first empty line.
    pub fn headers(&self) -> &str {
        self.split().0
    }

    /// The message's body: everything after the first empty line, with line endings as sent.
    pub fn body(&self) -> &str {
        self.split().1
    }

    /// The value of the first header called `name` (case-insensitive), unfolded (continuation
    /// lines joined with a space) and trimmed. Encoded words (RFC 2047) are left as they are.
    pub fn header(&self, name: &str) -> Option<String> {
        self.header_values(name).into_iter().next()
    }

    /// The values of every header called `name` (case-insensitive), unfolded and trimmed, in
    /// order.
    pub fn header_values(&self, name: &str) -> Vec<String> {
        let mut fields: Vec<(String, String)> = Vec::new();
        for line in self.headers().lines() {
            let line = line.trim_end_matches('\r');
            if line.starts_with([' ', '\t']) {
                if let Some((_, value)) = fields.last_mut() {
                    value.push(' ');
                    value.push_str(line.trim());
                }
            } else if let Some((field, value)) = line.split_once(':') {
                fields.push((field.trim().to_owned(), value.trim().to_owned()));
            }
        }
        fields
            .into_iter()
            .filter(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
            .collect()
    }

    fn split(&self) -> (&str, &str) {
        // No header at all: the message starts with the empty line.
        for separator in ["\r\n", "\n"] {
            if let Some(body) = self.data.strip_prefix(separator) {
                return ("", body);
            }
        }
        for separator in ["\r\n\r\n", "\n\n"] {
            if let Some(at) = self.data.find(separator) {
                return (&self.data[..at], &self.data[at + separator.len()..]);
            }
        }
        (&self.data, "")
    }
}

/// What a server does beyond accepting every message: see [`SmtpServer::start_with`].
#[derive(Debug, Clone, Default)]
pub struct SmtpOptions {
    /// Recipients (compared case-insensitively) whose `RCPT TO` is answered
    /// `550 5.1.1 ... recipient rejected`, as a server does for a mailbox that does not exist.
    pub reject_recipients: Vec<String>,
}

/// A running SMTP server on 127.0.0.1; see the [module documentation](self).
pub struct SmtpServer {
    /// Stopped first when the server is dropped.
    background: Background,
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    reject: BTreeSet<String>,
}

#[derive(Default)]
struct State {
    messages: Vec<Received>,
    connections: usize,
}

impl SmtpServer {
    /// Starts a server that accepts every message, on a free port of 127.0.0.1.
    ///
    /// # Panics
    ///
    /// When no port can be bound or no thread started.
    pub fn start() -> SmtpServer {
        SmtpServer::start_with(SmtpOptions::default())
    }

    /// Starts a server that behaves as `options` say, on a free port of 127.0.0.1.
    ///
    /// # Panics
    ///
    /// When no port can be bound or no thread started.
    pub fn start_with(options: SmtpOptions) -> SmtpServer {
        let shared = Arc::new(Shared {
            state: Mutex::default(),
            changed: Condvar::new(),
            reject: options
                .reject_recipients
                .iter()
                .map(|address| address.to_ascii_lowercase())
                .collect(),
        });
        let background = {
            let shared = Arc::clone(&shared);
            Background::start("smtp", move |conn| serve(conn, &shared))
                .expect("could not start the test SMTP server on 127.0.0.1")
        };
        SmtpServer { background, shared }
    }

    /// The TCP port the server listens on, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.background.port()
    }

    /// The messages accepted so far, in the order their `DATA` ended.
    pub fn messages(&self) -> Vec<Received> {
        lock(&self.shared.state).messages.clone()
    }

    /// How many connections the server has accepted so far.
    pub fn connections(&self) -> usize {
        lock(&self.shared.state).connections
    }

    /// Waits until at least `count` messages have been accepted, and returns them all.
    ///
    /// # Panics
    ///
    /// When fewer than `count` have arrived after `timeout`, saying how many did.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        let mut state = lock(&self.shared.state);
        while state.messages.len() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                panic!(
                    "the test SMTP server received {} message(s) in {timeout:?}, not the {count} \
                     waited for",
                    state.messages.len()
                );
            }
            state = self
                .shared
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
        state.messages.clone()
    }
}

impl std::fmt::Debug for SmtpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = lock(&self.shared.state);
        f.debug_struct("SmtpServer")
            .field("port", &self.port())
            .field("messages", &state.messages.len())
            .field("connections", &state.connections)
            .finish()
    }
}

/// Where one SMTP conversation stands.
#[derive(Default)]
struct Dialogue {
    greeted: bool,
    /// The envelope sender once `MAIL FROM` was accepted: a transaction is open.
    from: Option<String>,
    recipients: Vec<String>,
}

impl Dialogue {
    fn reset(&mut self) {
        self.from = None;
        self.recipients.clear();
    }
}

fn serve(mut conn: Conn, shared: &Shared) {
    {
        lock(&shared.state).connections += 1;
        shared.changed.notify_all();
    }
    if !reply(&mut conn, &format!("220 {SERVER_NAME} ESMTP ready")) {
        return;
    }
    let mut dialogue = Dialogue::default();
    loop {
        let line = match conn.read_line(MAX_LINE) {
            Input::Line(line) => line,
            Input::TooLong => {
                reply(&mut conn, "500 5.5.2 Line too long");
                return;
            }
            Input::Closed => return,
        };
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        let (verb, argument) = match line.split_once(' ') {
            Some((verb, argument)) => (verb, argument.trim()),
            None => (line, ""),
        };
        let answer = match verb.to_ascii_uppercase().as_str() {
            "EHLO" | "HELO" if argument.is_empty() => {
                format!("501 5.5.4 {verb} needs the client's domain")
            }
            "EHLO" => {
                dialogue.reset();
                dialogue.greeted = true;
                format!(
                    "250-{SERVER_NAME} greets {argument}\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n\
                     250-SIZE {MAX_MESSAGE_SIZE}\r\n250 HELP"
                )
            }
            "HELO" => {
                dialogue.reset();
                dialogue.greeted = true;
                format!("250 {SERVER_NAME} greets {argument}")
            }
            "MAIL" => mail(&mut dialogue, argument),
            "RCPT" => rcpt(&mut dialogue, argument, &shared.reject),
            "DATA" if !argument.is_empty() => "501 5.5.4 DATA takes no argument".to_owned(),
            "DATA" if dialogue.from.is_none() => "503 5.5.1 Need MAIL before DATA".to_owned(),
            "DATA" if dialogue.recipients.is_empty() => "554 5.5.1 No valid recipients".to_owned(),
            "DATA" => {
                if !reply(&mut conn, "354 End data with <CR><LF>.<CR><LF>") {
                    return;
                }
                let Some(data) = read_data(&mut conn) else {
                    return;
                };
                let from = dialogue.from.take().unwrap_or_default();
                let recipients = std::mem::take(&mut dialogue.recipients);
                match data {
                    Data::Message(data) => {
                        let number = deliver(shared, from, recipients, data);
                        format!("250 2.0.0 OK: queued as {number}")
                    }
                    Data::TooBig => "552 5.3.4 Message too big".to_owned(),
                }
            }
            "RSET" => {
                dialogue.reset();
                "250 2.0.0 OK".to_owned()
            }
            "NOOP" => "250 2.0.0 OK".to_owned(),
            "HELP" => "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT".to_owned(),
            "QUIT" => {
                reply(&mut conn, "221 2.0.0 Bye");
                return;
            }
            "" => "500 5.5.2 Empty command".to_owned(),
            _ => "500 5.5.2 Command not recognised".to_owned(),
        };
        if !reply(&mut conn, &answer) {
            return;
        }
    }
}

fn mail(dialogue: &mut Dialogue, argument: &str) -> String {
    if !dialogue.greeted {
        return "503 5.5.1 Send EHLO or HELO first".to_owned();
    }
    if dialogue.from.is_some() {
        return "503 5.5.1 Nested MAIL command".to_owned();
    }
    match path_after(argument, "FROM:") {
        Some(from) => {
            dialogue.from = Some(from);
            "250 2.1.0 Sender OK".to_owned()
        }
        None => "501 5.5.4 Syntax: MAIL FROM:<address>".to_owned(),
    }
}

fn rcpt(dialogue: &mut Dialogue, argument: &str, reject: &BTreeSet<String>) -> String {
    if dialogue.from.is_none() {
        return "503 5.5.1 Need MAIL before RCPT".to_owned();
    }
    match path_after(argument, "TO:") {
        None => "501 5.5.4 Syntax: RCPT TO:<address>".to_owned(),
        Some(to) if to.is_empty() => "501 5.1.3 Empty recipient address".to_owned(),
        Some(to) if reject.contains(&to.to_ascii_lowercase()) => {
            format!("550 5.1.1 <{to}>: Recipient address rejected")
        }
        Some(_) if dialogue.recipients.len() >= MAX_RECIPIENTS => {
            "452 4.5.3 Too many recipients".to_owned()
        }
        Some(to) => {
            dialogue.recipients.push(to);
            "250 2.1.5 Recipient OK".to_owned()
        }
    }
}

/// The address in `FROM:<address> [parameters]` (with `keyword` `FROM:`), or `None` when the
/// argument is not of that form.
fn path_after(argument: &str, keyword: &str) -> Option<String> {
    let head = argument.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = argument[keyword.len()..].trim_start();
    let rest = rest.strip_prefix('<')?;
    let end = rest.find('>')?;
    let address = &rest[..end];
    if address.contains(['<', ' ']) {
        return None;
    }
    Some(address.to_owned())
}

enum Data {
    Message(String),
    TooBig,
}

/// Reads the message after `354` up to the line `.`, undoing the dot-stuffing; `None` when the
/// connection ends first.
fn read_data(conn: &mut Conn) -> Option<Data> {
    let mut data = Vec::new();
    let mut too_big = false;
    loop {
        let line = match conn.read_line(MAX_DATA_LINE) {
            Input::Line(line) => line,
            Input::TooLong | Input::Closed => return None,
        };
        if line == b".\r\n" || line == b".\n" {
            break;
        }
        let line = line.strip_prefix(b".").unwrap_or(&line);
        if data.len() + line.len() > MAX_MESSAGE_SIZE {
            too_big = true;
        } else if !too_big {
            data.extend_from_slice(line);
        }
    }
    Some(if too_big {
        Data::TooBig
    } else {
        Data::Message(String::from_utf8_lossy(&data).into_owned())
    })
}

/// Keeps a message and returns its number (from 1).
fn deliver(shared: &Shared, from: String, recipients: Vec<String>, data: String) -> usize {
    let number = {
        let mut state = lock(&shared.state);
        state.messages.push(Received {
            from,
            recipients,
            data,
        });
        state.messages.len()
    };
    shared.changed.notify_all();
    number
}

/// Sends one reply (lines separated by `\r\n`, without the last one's); false when the
/// connection has failed.
fn reply(conn: &mut Conn, text: &str) -> bool {
    conn.write(format!("{text}\r\n").as_bytes())
}
