//! Sends messages to parents: the outbound side of the office's calls, such as the day's
//! absence message to every parent on the first-day calling list.
//!
//! Addresses and phone numbers are checked before anything is sent ([`check_address`],
//! [`normalise_phone`]); every failure is a [`NotifyError`] that says what went wrong, and
//! [`NotifyError::is_transient`] tells whether trying again later may help.

mod address;
mod error;
mod phone;

pub use address::check_address;
pub use error::NotifyError;
pub use phone::normalise_phone;
