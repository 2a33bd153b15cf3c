//! SMS through an HTTP gateway.

use std::fmt;
use std::io::Read;
use std::net::IpAddr;
use std::time::Duration;

use serde::Deserialize;
use ureq::http::Uri;

use crate::email::{chain, describe_io, is_timeout};
use crate::{normalise_phone, timeout, NotifyError, Sent};

/// The longest text sent, in characters: what gateways commonly take in one request, split
/// by them into about ten texts.
pub const MAX_SMS_CHARS: usize = 1600;

/// The longest alphanumeric sender name that phones show.
const MAX_SENDER_NAME: usize = 11;

/// How much of a gateway's answer is read, and how much of it an error or [`Sent`] quotes.
const MAX_ANSWER_BYTES: u64 = 64 * 1024;
const QUOTED_ANSWER_CHARS: usize = 300;

/// How to reach the SMS gateway, as a configuration file holds it.
///
/// ```toml
/// url = "https://sms.gateway.example/v1/messages"
/// token = "..."          # sent as "Authorization: Bearer ..."
/// from = "Northfield"    # a name of up to 11 letters, digits and spaces, or a phone number
/// timeout = "20s"        # or a number of seconds; 30 s when left out
/// ```
///
/// [`SmsGateway::new`] checks the settings. Their `Debug` output does not show the token.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsSettings {
    /// The address each message is posted to. It must be `https://`, except for a gateway on
    /// this machine (`localhost`, `127.0.0.1`, `[::1]`), which may be `http://`.
    pub url: String,
    /// The gateway's access token, sent with every request as `Authorization: Bearer <token>`.
    pub token: String,
    /// The sender the parent's phone shows: a name of 1 to 11 letters, digits and spaces with
    /// at least one letter (`Northfield`), or a phone number (made E.164 as
    /// [`normalise_phone`] does).
    pub from: String,
    /// How long a whole request may take ([`DEFAULT_TIMEOUT`](crate::DEFAULT_TIMEOUT) when left
    /// out of a file).
    #[serde(
        default = "timeout::default",
        deserialize_with = "timeout::deserialize"
    )]
    pub timeout: Duration,
}

impl fmt::Debug for SmsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsSettings")
            .field("url", &self.url)
            .field("token", &"(hidden)")
            .field("from", &self.from)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// One text message to one phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sms {
    /// The phone number, as written on the contact sheet (see [`normalise_phone`]).
    pub to: String,
    /// The text, at most [`MAX_SMS_CHARS`] characters.
    pub body: String,
}

/// Sends SMS through one HTTP gateway: each message is a `POST` of the JSON
/// `{"to": "+447700900123", "from": "...", "body": "..."}` with `Content-Type:
/// application/json` and the token as a bearer token. An answer with a 2xx status means the
/// gateway took the message on.
///
/// An `SmsGateway` may be shared between threads.
pub struct SmsGateway {
    client: ureq::Agent,
    url: String,
    /// `host:port`, for messages.
    server: String,
    authorization: String,
    from: String,
    timeout: Duration,
}

impl SmsGateway {
    /// Checks `settings` and prepares to send; no request is made yet.
    ///
    /// Fails with [`NotifyError::BadSettings`] when the URL is not an `https://` one (or
    /// `http://` on this machine), the token is empty or holds spaces or control characters,
    /// the sender is neither a short name nor a phone number, or the timeout is zero or over
    /// [`MAX_TIMEOUT`](crate::MAX_TIMEOUT).
    pub fn new(settings: SmsSettings) -> Result<SmsGateway, NotifyError> {
        let url = settings.url.trim().to_owned();
        let (server, on_this_machine) = check_url(&url)?;
        let token = settings.token.trim();
        if token.is_empty() {
            return Err(NotifyError::BadSettings(
                "the SMS token is empty".to_owned(),
            ));
        }
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(NotifyError::BadSettings(
                "the SMS token holds a space, a control character or a character that is not \
                 ASCII"
                    .to_owned(),
            ));
        }
        let from = sender(&settings.from)?;
        timeout::check(settings.timeout)?;
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_global(Some(settings.timeout))
            .user_agent(format!("rollcall-notify/{}", env!("CARGO_PKG_VERSION")));
        // A proxy named in the environment (HTTPS_PROXY...) is used, but never for a gateway
        // on this machine.
        if on_this_machine {
            config = config.proxy(None);
        }
        let client = config.build().new_agent();
        Ok(SmsGateway {
            client,
            url,
            server,
            authorization: format!("Bearer {token}"),
            from,
            timeout: settings.timeout,
        })
    }

    /// The sender every message shows, as sent to the gateway.
    pub fn from(&self) -> &str {
        &self.from
    }

    /// Sends one text to one phone.
    ///
    /// The number is made E.164 and the text checked first; when either is wrong the error
    /// says so and the gateway is not contacted. An answer other than 2xx is
    /// [`NotifyError::Gateway`] with the status and the start of the answer's body.
    pub fn send(&self, sms: &Sms) -> Result<Sent, NotifyError> {
        let to = normalise_phone(&sms.to)?;
        if sms.body.trim().is_empty() {
            return Err(NotifyError::BadMessage("the text is empty".to_owned()));
        }
        let length = sms.body.chars().count();
        if length > MAX_SMS_CHARS {
            return Err(NotifyError::BadMessage(format!(
                "the text has {length} characters; at most {MAX_SMS_CHARS} are sent"
            )));
        }
        let payload = serde_json::json!({ "to": to, "from": self.from, "body": sms.body });
        let mut response = self
            .client
            .post(&self.url)
            .header("Authorization", &self.authorization)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .send(payload.to_string())
            .map_err(|e| self.http_error(e))?;
        let status = response.status().as_u16();
        let mut answer = Vec::new();
        // A body that breaks off is quoted as far as it came.
        let _ = response
            .body_mut()
            .as_reader()
            .take(MAX_ANSWER_BYTES)
            .read_to_end(&mut answer);
        let answer = String::from_utf8_lossy(&answer);
        if !(200..300).contains(&status) {
            return Err(NotifyError::Gateway {
                status,
                body: quote(&answer),
            });
        }
        Ok(Sent {
            message_id: message_id(&answer),
            response: format!("{status} {}", quote(&answer)).trim_end().to_owned(),
        })
    }

    /// Sends each text on its own, one after the other, and gives each one's outcome in the
    /// same order; a failure for one does not stop the rest.
    pub fn send_each(&self, messages: &[Sms]) -> Vec<Result<Sent, NotifyError>> {
        messages.iter().map(|sms| self.send(sms)).collect()
    }

    fn http_error(&self, error: ureq::Error) -> NotifyError {
        let server = self.server.clone();
        match error {
            ureq::Error::Timeout(_) => NotifyError::Timeout {
                server,
                after: self.timeout,
            },
            ureq::Error::Io(io) if is_timeout(&io) => NotifyError::Timeout {
                server,
                after: self.timeout,
            },
            ureq::Error::Io(io) => NotifyError::Connection {
                server,
                reason: describe_io(&io),
            },
            ureq::Error::HostNotFound => NotifyError::Connection {
                server,
                reason: "the host name was not found".to_owned(),
            },
            ureq::Error::ConnectionFailed => NotifyError::Connection {
                server,
                reason: "the connection failed".to_owned(),
            },
            ureq::Error::Tls(reason) => NotifyError::Tls {
                server,
                reason: reason.to_owned(),
            },
            ureq::Error::Rustls(e) => NotifyError::Tls {
                server,
                reason: e.to_string(),
            },
            other => NotifyError::Protocol {
                server,
                reason: chain(&other),
            },
        }
    }
}

impl fmt::Debug for SmsGateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsGateway")
            .field("url", &self.url)
            .field("from", &self.from)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Checks the gateway's URL and returns its `host:port` and whether the host is this machine.
fn check_url(url: &str) -> Result<(String, bool), NotifyError> {
    let bad = |why: &str| NotifyError::BadSettings(format!("the SMS gateway URL {url:?} {why}"));
    let uri: Uri = url.parse().map_err(|_| bad("is not a URL"))?;
    let host = uri
        .host()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad("has no host"))?;
    let on_this_machine = is_this_machine(host);
    let default_port = match uri.scheme_str() {
        Some("https") => 443,
        Some("http") if on_this_machine => 80,
        Some("http") => {
            return Err(bad(
                "is not https: the token would travel unencrypted (http is for a gateway on \
                 this machine only)",
            ))
        }
        _ => return Err(bad("does not start with https://")),
    };
    let port = uri.port_u16().unwrap_or(default_port);
    Ok((format!("{host}:{port}"), on_this_machine))
}

fn is_this_machine(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The sender as sent: a short name as it is, or a phone number made E.164.
fn sender(from: &str) -> Result<String, NotifyError> {
    let from = from.trim();
    if from.chars().any(char::is_alphabetic) {
        let fits = from.chars().count() <= MAX_SENDER_NAME
            && from.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ');
        if !fits {
            return Err(NotifyError::BadSettings(format!(
                "the SMS sender {from:?} is neither a name of up to 11 letters, digits and \
                 spaces nor a phone number"
            )));
        }
        return Ok(from.to_owned());
    }
    normalise_phone(from).map_err(|e| NotifyError::BadSettings(format!("the SMS sender: {e}")))
}

/// The id of the message in a gateway's JSON answer, if it has one.
fn message_id(answer: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(answer).ok()?;
    ["id", "message_id", "messageId", "sid"]
        .iter()
        .find_map(|key| match value.get(key)? {
            serde_json::Value::String(id) if !id.is_empty() => Some(id.clone()),
            serde_json::Value::Number(id) => Some(id.to_string()),
            _ => None,
        })
}

/// The start of an answer, on one line, for a message.
fn quote(answer: &str) -> String {
    let one_line = answer.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(QUOTED_ANSWER_CHARS) {
        Some((cut, _)) => format!("{}…", &one_line[..cut]),
        None => one_line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> SmsSettings {
        SmsSettings {
            url: "https://sms.gateway.example/v1/messages".to_owned(),
            token: "tok-123".to_owned(),
            from: "Northfield".to_owned(),
            timeout: Duration::from_secs(20),
        }
    }

    fn settings_error(change: impl FnOnce(&mut SmsSettings)) -> String {
        let mut settings = settings();
        change(&mut settings);
        SmsGateway::new(settings).unwrap_err().to_string()
    }

    #[test]
    fn good_settings_make_a_gateway() {
        let gateway = SmsGateway::new(settings()).unwrap();
        assert_eq!(gateway.server, "sms.gateway.example:443");
        assert_eq!(gateway.from(), "Northfield");
        let mut local = settings();
        local.url = "http://127.0.0.1:8080/send".to_owned();
        local.from = "07700 900123".to_owned();
        let local = SmsGateway::new(local).unwrap();
        assert_eq!(local.server, "127.0.0.1:8080");
        assert_eq!(local.from(), "+447700900123");
        let mut localhost = settings();
        localhost.url = "http://localhost/send".to_owned();
        assert_eq!(SmsGateway::new(localhost).unwrap().server, "localhost:80");
    }

    #[test]
    fn bad_settings_are_refused_with_the_reason() {
        assert!(
            settings_error(|s| s.url = "http://sms.gateway.example/x".to_owned())
                .contains("unencrypted")
        );
        assert!(
            settings_error(|s| s.url = "ftp://sms.gateway.example/x".to_owned())
                .contains("https://")
        );
        assert!(settings_error(|s| s.url = "sms.gateway.example".to_owned()).contains("https://"));
        assert!(settings_error(|s| s.url = "https://".to_owned()).contains("URL"));
        assert!(settings_error(|s| s.url = "not a url".to_owned()).contains("URL"));
        assert!(settings_error(|s| s.token = " ".to_owned()).contains("empty"));
        assert!(settings_error(|s| s.token = "a\r\nX-Evil: 1".to_owned()).contains("control"));
        assert!(settings_error(|s| s.from = "Northfield Academy".to_owned()).contains("11"));
        assert!(settings_error(|s| s.from = "North-field".to_owned()).contains("11"));
        assert!(settings_error(|s| s.from = "12".to_owned()).contains("SMS sender"));
        assert!(settings_error(|s| s.timeout = Duration::from_secs(3600)).contains("timeout"));
    }

    #[test]
    fn settings_read_from_a_configuration_file_and_hide_the_token() {
        let settings: SmsSettings = toml::from_str(
            "url = \"https://sms.gateway.example/v1/messages\"\ntoken = \"tok-123\"\n\
             from = \"Northfield\"\n",
        )
        .unwrap();
        assert_eq!(settings.timeout, crate::DEFAULT_TIMEOUT);
        let debug = format!("{settings:?}");
        assert!(!debug.contains("tok-123"), "{debug}");
        let gateway = format!("{:?}", SmsGateway::new(settings).unwrap());
        assert!(!gateway.contains("tok-123"), "{gateway}");
    }

    #[test]
    fn message_ids_are_found_in_common_answers() {
        assert_eq!(message_id(r#"{"id":"m-1"}"#).as_deref(), Some("m-1"));
        assert_eq!(message_id(r#"{"message_id":42}"#).as_deref(), Some("42"));
        assert_eq!(
            message_id(r#"{"sid":"SM1","status":"queued"}"#).as_deref(),
            Some("SM1")
        );
        assert_eq!(message_id(r#"{"id":""}"#), None);
        assert_eq!(message_id("queued"), None);
        assert_eq!(message_id("[1]"), None);
    }

    #[test]
    fn long_answers_are_quoted_in_part_on_one_line() {
        assert_eq!(quote("  bad\n request \n"), "bad request");
        let long = "é".repeat(400);
        let quoted = quote(&long);
        assert_eq!(quoted.chars().count(), QUOTED_ANSWER_CHARS + 1);
        assert!(quoted.ends_with('…'));
    }
}
