//! Sends messages to parents: the outbound side of the office's calls, such as the day's
//! absence message to every parent on the first-day calling list.
//!
//! - E-mail goes through the school's SMTP server: [`Mailer`], set up from [`SmtpSettings`],
//!   sends an [`Email`] to one recipient at a time. [`Mailer::send_each`] sends a list, one
//!   message per parent, so that no parent sees another's address.
//! - SMS goes through an HTTP gateway: [`SmsGateway`], set up from [`SmsSettings`], posts each
//!   [`Sms`] as JSON.
//!
//! Addresses and phone numbers are checked before anything is sent ([`check_address`],
//! [`normalise_phone`]); every failure is a [`NotifyError`] that says what went wrong, and
//! [`NotifyError::is_transient`] tells whether trying again later may help. Both settings
//! types can be read from a school's configuration file with serde.
//!
//! ```no_run
//! use rollcall_notify::{Email, Mailer, SmtpSettings};
//!
//! let settings: SmtpSettings = toml::from_str(r#"
//!     host = "smtp.northfield.example"
//!     port = 587
//!     security = "starttls"
//!     username = "office@northfield.example"
//!     password = "..."
//!     from = "Northfield Academy <office@northfield.example>"
//! "#).unwrap();
//! let mailer = Mailer::new(settings).unwrap();
//! let outcomes = mailer.send_each(&[Email {
//!     to: "parent@example.org".to_owned(),
//!     subject: "Absence today".to_owned(),
//!     body: "Please call the office about today's absence.".to_owned(),
//! }]);
//! for outcome in outcomes {
//!     match outcome {
//!         Ok(sent) => println!("sent: {}", sent.response),
//!         Err(error) => println!("not sent: {error}"),
//!     }
//! }
//! ```

mod address;
mod email;
mod error;
mod phone;
mod sms;
mod timeout;

pub use address::check_address;
pub use email::{Email, Mailer, Security, SmtpSettings};
pub use error::NotifyError;
pub use phone::normalise_phone;
pub use sms::{Sms, SmsGateway, SmsSettings, MAX_SMS_CHARS};
pub use timeout::{DEFAULT_TIMEOUT, MAX_TIMEOUT};

/// A message the server took on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The message's id: for e-mail, its `Message-ID` (`<...@northfield.example>`); for SMS,
    /// the id the gateway gave in its answer (a JSON field `id`, `message_id`, `messageId` or
    /// `sid`), if it gave one.
    pub message_id: Option<String>,
    /// The server's answer: for e-mail, its reply to the end of the message
    /// (`250 2.0.0 OK: queued as 1`); for SMS, the HTTP status and the start of the body.
    pub response: String,
}
