//! What can go wrong when sending a message.

use std::time::Duration;

/// Why a message was not sent, or a mailer or gateway not set up.
///
/// Each variant says what was wrong in words an office can act on; the strings it holds come
/// from the input or from the server that answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// A recipient's e-mail address is not of the form of an address. Nothing was sent to it,
    /// and no server was contacted for it.
    #[error("bad e-mail address {address:?}: {reason}")]
    BadAddress {
        /// The address as given.
        address: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The sender (`from`) of the settings is not a valid mailbox.
    #[error("bad sender address (from) {from:?}: {reason}")]
    BadSender {
        /// The sender as given.
        from: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A phone number that is not one. Nothing was sent to it.
    #[error("bad phone number {number:?}: {reason}")]
    BadPhoneNumber {
        /// The number as given.
        number: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The message itself cannot be sent as it is (a line break in a subject, an empty text).
    #[error("bad message: {0}")]
    BadMessage(String),
    /// The settings cannot work (no host, a password without a user name, a zero timeout...).
    #[error("bad settings: {0}")]
    BadSettings(String),
    /// The server could not be reached: nothing listens there, the name does not resolve, the
    /// network is down, or the connection broke.
    #[error("could not connect to {server}: {reason}")]
    Connection {
        /// `host:port` of the server.
        server: String,
        /// What the operating system said.
        reason: String,
    },
    /// The server did not answer within the configured time.
    #[error("no answer from {server} within {after:?}")]
    Timeout {
        /// `host:port` of the server.
        server: String,
        /// The configured timeout.
        after: Duration,
    },
    /// The encrypted connection could not be set up (bad certificate, no TLS on that port...).
    #[error("TLS with {server} failed: {reason}")]
    Tls {
        /// `host:port` of the server.
        server: String,
        /// What went wrong.
        reason: String,
    },
    /// The mail server refused the message (or its sender, recipient or our login) with an
    /// SMTP reply code: 4xx for a refusal that may pass later, 5xx for a final one.
    #[error("the mail server {server} refused the message with {code}: {message}")]
    Rejected {
        /// `host:port` of the server.
        server: String,
        /// The SMTP reply code, such as 550.
        code: u16,
        /// The text of the server's reply.
        message: String,
    },
    /// The SMS gateway answered with a status other than 2xx.
    #[error("the SMS gateway answered {status}: {body}")]
    Gateway {
        /// The HTTP status code, such as 500.
        status: u16,
        /// The start of the body of the answer.
        body: String,
    },
    /// Talking to the server went wrong in some other way (a reply that is not SMTP or HTTP, a
    /// feature the server lacks).
    #[error("talking to {server} failed: {reason}")]
    Protocol {
        /// `host:port` of the server.
        server: String,
        /// What went wrong.
        reason: String,
    },
}

impl NotifyError {
    /// Whether sending the same message again later may succeed: the server was unreachable
    /// or slow, or refused for now (SMTP 4xx, HTTP 429 or 5xx). False for anything wrong with
    /// the message, the address or the settings, and for final refusals.
    pub fn is_transient(&self) -> bool {
        match self {
            NotifyError::Connection { .. } | NotifyError::Timeout { .. } => true,
            NotifyError::Rejected { code, .. } => (400..500).contains(code),
            NotifyError::Gateway { status, .. } => *status == 429 || (500..600).contains(status),
            _ => false,
        }
    }
}
