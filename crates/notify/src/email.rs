//! E-mail through an SMTP server.

use std::error::Error as _;
use std::fmt;
use std::net::Ipv6Addr;
use std::process;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};
use serde::Deserialize;

use crate::address::{recipient, sender};
use crate::{timeout, NotifyError, Sent};

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// No encryption at all (`"none"`): only for a relay on the same machine or network, and
    /// never with a user name and password.
    None,
    /// A plain connection upgraded with `STARTTLS` before anything else is sent (`"starttls"`,
    /// usually port 587). The server must offer it.
    StartTls,
    /// TLS from the first byte (`"tls"`, usually port 465).
    Tls,
}

/// How to reach the school's mail server, as a configuration file holds it.
///
/// ```toml
/// host = "smtp.northfield.example"
/// port = 587
/// security = "starttls"             # "none", "starttls" or "tls"
/// username = "office@northfield.example"
/// password = "..."
/// from = "Northfield Academy <office@northfield.example>"
/// timeout = "30s"                   # or a number of seconds; 30 s when left out
/// ```
///
/// [`Mailer::new`] checks the settings. Their `Debug` output does not show the password.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    /// The server's host name or IP address.
    pub host: String,
    /// The server's port: 587 is usual for `starttls`, 465 for `tls`, 25 for `none`.
    pub port: u16,
    /// How the connection is protected.
    pub security: Security,
    /// The user name to log in with, if the server wants a login.
    #[serde(default)]
    pub username: Option<String>,
    /// The password to log in with; given exactly when `username` is.
    #[serde(default)]
    pub password: Option<String>,
    /// The sender of every message, with or without a name:
    /// `Northfield Academy <office@northfield.example>`.
    pub from: String,
    /// How long to wait for the server to connect or to answer, each time
    /// ([`DEFAULT_TIMEOUT`](crate::DEFAULT_TIMEOUT) when left out of a file).
    #[serde(
        default = "timeout::default",
        deserialize_with = "timeout::deserialize"
    )]
    pub timeout: Duration,
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "(hidden)"))
            .field("from", &self.from)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// One plain-text e-mail to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// The one recipient: `parent@example.org` or `Mrs Patel <patel@example.org>`
    /// (see [`check_address`](crate::check_address)).
    pub to: String,
    /// The subject, on one line (spaces and line breaks at either end are dropped).
    pub subject: String,
    /// The text of the message. Line breaks may be `\n` or `\r\n`; any characters may be used.
    pub body: String,
}

/// Sends e-mail through one SMTP server. Connections are kept open for a while and reused, so
/// that sending to a whole calling list does not log in once per parent; each message is still
/// a transaction of its own with one recipient.
///
/// A `Mailer` may be shared between threads.
pub struct Mailer {
    transport: SmtpTransport,
    from: Mailbox,
    /// `host:port`, for messages.
    server: String,
    security: Security,
    timeout: Duration,
}

impl Mailer {
    /// Checks `settings` and prepares to send; nothing is sent and no connection is made yet.
    ///
    /// Fails with [`NotifyError::BadSender`] when `from` is not a valid mailbox and with
    /// [`NotifyError::BadSettings`] when the host is empty or holds a URL or a port, the port
    /// is 0, only one of user name and password is given, a password would go unencrypted
    /// ([`Security::None`]), or the timeout is zero or over
    /// [`MAX_TIMEOUT`](crate::MAX_TIMEOUT).
    pub fn new(settings: SmtpSettings) -> Result<Mailer, NotifyError> {
        let from = sender(&settings.from)?;
        let host = settings.host.trim();
        check_host(host)?;
        if settings.port == 0 {
            return Err(NotifyError::BadSettings("the port is 0".to_owned()));
        }
        timeout::check(settings.timeout)?;
        let credentials = match (&settings.username, &settings.password) {
            (None, None) => None,
            (Some(username), Some(password)) if !username.is_empty() => {
                Some(Credentials::new(username.clone(), password.clone()))
            }
            (Some(_), Some(_)) => {
                return Err(NotifyError::BadSettings(
                    "the user name is empty".to_owned(),
                ))
            }
            (Some(_), None) => {
                return Err(NotifyError::BadSettings(
                    "a user name is given without a password".to_owned(),
                ))
            }
            (None, Some(_)) => {
                return Err(NotifyError::BadSettings(
                    "a password is given without a user name".to_owned(),
                ))
            }
        };
        if credentials.is_some() && settings.security == Security::None {
            return Err(NotifyError::BadSettings(
                "security \"none\" would send the password unencrypted: use \"starttls\" or \
                 \"tls\""
                    .to_owned(),
            ));
        }
        let mut builder = SmtpTransport::builder_dangerous(host)
            .port(settings.port)
            .timeout(Some(settings.timeout));
        if settings.security != Security::None {
            let parameters = TlsParameters::new(host.to_owned()).map_err(|e| {
                NotifyError::BadSettings(format!("cannot use TLS with the host {host:?}: {e}"))
            })?;
            builder = builder.tls(match settings.security {
                Security::Tls => Tls::Wrapper(parameters),
                _ => Tls::Required(parameters),
            });
        }
        if let Some(credentials) = credentials {
            builder = builder.credentials(credentials);
        }
        let server = if host.contains(':') {
            format!("[{host}]:{}", settings.port)
        } else {
            format!("{host}:{}", settings.port)
        };
        Ok(Mailer {
            transport: builder.build(),
            from,
            server,
            security: settings.security,
            timeout: settings.timeout,
        })
    }

    /// The sender of every message, as it appears in `From`.
    pub fn from(&self) -> String {
        self.from.to_string()
    }

    /// Sends one message to its one recipient.
    ///
    /// The recipient's address and the subject are checked first; when either is wrong the
    /// error says so and no server is contacted. The message goes out as UTF-8 plain text with
    /// `From`, `To`, `Subject`, `Date` and a new `Message-ID` (on the sender's domain), which
    /// [`Sent::message_id`] gives back with the server's final reply.
    pub fn send(&self, email: &Email) -> Result<Sent, NotifyError> {
        let to = recipient(&email.to)?;
        let subject = email.subject.trim();
        if subject.chars().any(char::is_control) {
            return Err(NotifyError::BadMessage(
                "the subject contains a line break or another control character".to_owned(),
            ));
        }
        let message_id = self.new_message_id();
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(message_id.clone()))
            .header(ContentType::TEXT_PLAIN)
            .body(email.body.clone())
            .map_err(|e| NotifyError::BadMessage(e.to_string()))?;
        let response = self
            .transport
            .send(&message)
            .map_err(|e| self.smtp_error(&e))?;
        let lines: Vec<&str> = response.message().collect();
        Ok(Sent {
            message_id: Some(message_id),
            response: format!("{} {}", response.code(), lines.join(" "))
                .trim_end()
                .to_owned(),
        })
    }

    /// Sends each message on its own, one after the other, and gives each one's outcome in
    /// the same order. Every message has its one recipient alone in `To` and in the envelope,
    /// so no parent sees another's address; a failure for one (a bad address, a refusal, a
    /// dropped connection) does not stop the rest.
    pub fn send_each(&self, emails: &[Email]) -> Vec<Result<Sent, NotifyError>> {
        emails.iter().map(|email| self.send(email)).collect()
    }

    /// `<time.pid.count@domain>`: unique on this machine, and the domain is the sender's (or
    /// `localhost` when that is not ASCII).
    fn new_message_id(&self) -> String {
        static COUNT: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let count = COUNT.fetch_add(1, Ordering::Relaxed);
        let domain = Some(self.from.email.domain())
            .filter(|domain| domain.is_ascii())
            .unwrap_or("localhost");
        format!("<{nanos:x}.{:x}.{count:x}@{domain}>", process::id())
    }

    fn smtp_error(&self, error: &lettre::transport::smtp::Error) -> NotifyError {
        let server = self.server.clone();
        if let Some(code) = error.status() {
            let message = error.source().map(ToString::to_string).unwrap_or_default();
            return NotifyError::Rejected {
                server,
                code: code.to_string().parse().unwrap_or_default(),
                message,
            };
        }
        let io = io_error(error);
        if error.is_timeout() || io.is_some_and(is_timeout) {
            return NotifyError::Timeout {
                server,
                after: self.timeout,
            };
        }
        let reason = chain(error);
        // Lettre says so in a client error when the server does not offer STARTTLS.
        if error.is_tls() || (self.security == Security::StartTls && reason.contains("STARTTLS")) {
            return NotifyError::Tls { server, reason };
        }
        // Rustls reports a handshake that goes wrong as invalid data on the connection.
        if self.security != Security::None
            && io.is_some_and(|io| io.kind() == std::io::ErrorKind::InvalidData)
        {
            return NotifyError::Tls {
                server,
                reason: format!("{reason} (does the server speak TLS on this port?)"),
            };
        }
        if let Some(io) = io {
            return NotifyError::Connection {
                server,
                reason: describe_io(io),
            };
        }
        NotifyError::Protocol { server, reason }
    }
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer")
            .field("server", &self.server)
            .field("security", &self.security)
            .field("from", &self.from())
            .field("timeout", &self.timeout)
            .finish()
    }
}

fn check_host(host: &str) -> Result<(), NotifyError> {
    let bad = |why: &str| Err(NotifyError::BadSettings(format!("the host {host:?} {why}")));
    if host.is_empty() {
        return Err(NotifyError::BadSettings("the host is empty".to_owned()));
    }
    if host.contains("://") {
        return bad("is a URL: give the server's name only, and the port on its own");
    }
    if host.contains(':') && host.parse::<Ipv6Addr>().is_err() {
        return bad("holds a ':': give the port on its own");
    }
    if host
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "/@[]<>".contains(c))
    {
        return bad("is not a host name");
    }
    Ok(())
}

/// The first I/O error among the causes of `error`.
pub(crate) fn io_error<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a std::io::Error> {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        cause = e.source();
    }
    None
}

/// Whether an I/O error is a timeout: a read timeout shows as `WouldBlock` on Unix.
pub(crate) fn is_timeout(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
    )
}

/// An I/O error in words, the usual ones with a hint.
pub(crate) fn describe_io(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::ConnectionRefused => {
            "connection refused (no server is listening on that port)".to_owned()
        }
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe => {
            format!("the server closed the connection ({error})")
        }
        ErrorKind::UnexpectedEof => "the server closed the connection".to_owned(),
        _ => error.to_string(),
    }
}

/// An error and its causes, joined with `: `, without repeating a cause that its parent's
/// text already holds.
pub(crate) fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        let part = e.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cause = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> SmtpSettings {
        SmtpSettings {
            host: "smtp.northfield.example".to_owned(),
            port: 587,
            security: Security::StartTls,
            username: Some("office@northfield.example".to_owned()),
            password: Some("secret-password".to_owned()),
            from: "Northfield Academy <office@northfield.example>".to_owned(),
            timeout: Duration::from_secs(30),
        }
    }

    fn settings_error(change: impl FnOnce(&mut SmtpSettings)) -> String {
        let mut settings = settings();
        change(&mut settings);
        Mailer::new(settings).unwrap_err().to_string()
    }

    #[test]
    fn good_settings_make_a_mailer_without_connecting() {
        let mailer = Mailer::new(settings()).unwrap();
        assert_eq!(
            mailer.from(),
            "Northfield Academy <office@northfield.example>"
        );
        let debug = format!("{mailer:?}");
        assert!(debug.contains("smtp.northfield.example:587"), "{debug}");
        for security in [Security::Tls, Security::None] {
            let mut settings = settings();
            settings.security = security;
            if security == Security::None {
                settings.username = None;
                settings.password = None;
            }
            Mailer::new(settings).unwrap();
        }
    }

    #[test]
    fn bad_settings_are_refused_with_the_reason() {
        assert!(settings_error(|s| s.from = "Northfield Academy".to_owned())
            .starts_with("bad sender address (from) \"Northfield Academy\""));
        assert!(settings_error(|s| s.from = "office@northfield".to_owned()).contains("no dot"));
        assert_eq!(
            settings_error(|s| s.host = " ".to_owned()),
            "bad settings: the host is empty"
        );
        assert!(settings_error(|s| s.host = "smtp://smtp.example.org".to_owned()).contains("URL"));
        assert!(settings_error(|s| s.host = "smtp.example.org:587".to_owned()).contains("port"));
        assert!(settings_error(|s| s.host = "smtp example.org".to_owned()).contains("host name"));
        assert_eq!(
            settings_error(|s| s.port = 0),
            "bad settings: the port is 0"
        );
        assert!(settings_error(|s| s.password = None).contains("without a password"));
        assert!(settings_error(|s| s.username = None).contains("without a user name"));
        assert!(settings_error(|s| s.username = Some(String::new())).contains("empty"));
        assert!(settings_error(|s| s.security = Security::None).contains("unencrypted"));
        assert!(settings_error(|s| s.timeout = Duration::ZERO).contains("timeout"));
    }

    #[test]
    fn settings_read_from_a_configuration_file() {
        let settings: SmtpSettings = toml::from_str(
            r#"
            host = "smtp.northfield.example"
            port = 465
            security = "tls"
            username = "office@northfield.example"
            password = "secret-password"
            from = "Northfield Academy <office@northfield.example>"
            timeout = "10s"
            "#,
        )
        .unwrap();
        assert_eq!(settings.security, Security::Tls);
        assert_eq!(settings.timeout, Duration::from_secs(10));
        let minimal: SmtpSettings = toml::from_str(
            "host = \"localhost\"\nport = 25\nsecurity = \"none\"\nfrom = \"a@b.example\"\n",
        )
        .unwrap();
        assert_eq!(minimal.timeout, crate::DEFAULT_TIMEOUT);
        assert_eq!(minimal.username, None);
        let starttls: Result<SmtpSettings, _> = toml::from_str(
            "host = \"h\"\nport = 587\nsecurity = \"starttls\"\nfrom = \"a@b.example\"\n",
        );
        assert_eq!(starttls.unwrap().security, Security::StartTls);
        let typo = toml::from_str::<SmtpSettings>(
            "host = \"h\"\nport = 25\nsecurity = \"none\"\nfrom = \"a@b.example\"\npasword = \"x\"\n",
        );
        assert!(typo.unwrap_err().to_string().contains("pasword"));
        let bad_security = toml::from_str::<SmtpSettings>(
            "host = \"h\"\nport = 25\nsecurity = \"ssl\"\nfrom = \"a@b.example\"\n",
        );
        assert!(bad_security.is_err());
    }

    #[test]
    fn debug_output_hides_the_password() {
        let debug = format!("{:?}", settings());
        assert!(!debug.contains("secret-password"), "{debug}");
        assert!(debug.contains("(hidden)"), "{debug}");
    }

    #[test]
    fn a_mailer_may_be_shared_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Mailer>();
        shareable::<crate::SmsGateway>();
    }

    #[test]
    fn message_ids_are_new_each_time_and_on_the_senders_domain() {
        let mailer = Mailer::new(settings()).unwrap();
        let (a, b) = (mailer.new_message_id(), mailer.new_message_id());
        assert_ne!(a, b);
        assert!(
            a.starts_with('<') && a.ends_with("@northfield.example>"),
            "{a}"
        );
    }
}
