//! Messages to parents: how the school sends them (its mail server, an SMS gateway) and the text
//! of the day's absence message, read from the server's configuration file.
//!
//! ```toml
//! [mail]                                  # e-mail through the school's SMTP server
//! host = "smtp.northfield.example"
//! port = 587
//! security = "starttls"                   # "none", "starttls" or "tls"
//! username = "office@northfield.example"
//! password = "..."
//! from = "Northfield Academy <office@northfield.example>"
//!
//! [sms]                                   # texts through an HTTP gateway (optional)
//! url = "https://sms.gateway.example/v1/messages"
//! token = "..."
//! from = "Northfield"
//!
//! [absence_message]                       # the day's message (optional: Rollcall's own text)
//! subject = "{forename} is not in school today"
//! email = "Dear parent or carer, ..."
//! sms = "{school}: {forename} is not in school today. Please call the office."
//! ```
//!
//! `[mail]` and `[sms]` are those of `rollcall-notify` ([`SmtpSettings`], [`SmsSettings`]); both
//! are optional. In the message, `{forename}`, `{surname}`, `{school}` and `{date}` (e.g.
//! "Tuesday 8 July 2025") are put in for each pupil. With neither `[mail]` nor `[sms]`, nothing
//! can be sent, and the calling list says so.

use std::path::Path;
use std::sync::Arc;

use rollcall_core::{Date, Pupil};
use rollcall_notify::{Mailer, SmsGateway, SmsSettings, SmtpSettings};
use serde::Deserialize;

use crate::error::AppError;

/// The day's absence message as the school words it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AbsenceText {
    pub subject: String,
    /// The e-mail's text.
    pub email: String,
    /// The text message: short, one or two texts' worth.
    pub sms: String,
}

impl Default for AbsenceText {
    fn default() -> AbsenceText {
        AbsenceText {
            subject: "{forename} is not in school today".into(),
            email: "Dear parent or carer,\n\n\
                    {forename} {surname} is not in school today, {date}, and we have not been told \
                    why. Please contact the school office today to let us know the reason for \
                    the absence and when {forename} will be back.\n\n\
                    If you have already told us, thank you: there is no need to do so again.\n\n\
                    {school}\n"
                .into(),
            sms: "{school}: {forename} is not in school today and we have not been told why. \
                  Please contact the school office today with the reason."
                .into(),
        }
    }
}

impl AbsenceText {
    fn fill(template: &str, pupil: &Pupil, school: &str, date: Date) -> String {
        template
            .replace("{forename}", pupil.forename.trim())
            .replace("{surname}", pupil.surname.trim())
            .replace("{school}", school.trim())
            .replace("{date}", &date.format("%A %-d %B %Y").to_string())
    }

    /// The subject and text of the e-mail about `pupil`.
    pub fn email_for(&self, pupil: &Pupil, school: &str, date: Date) -> (String, String) {
        (
            Self::fill(&self.subject, pupil, school, date),
            Self::fill(&self.email, pupil, school, date),
        )
    }

    /// The text message about `pupil`.
    pub fn sms_for(&self, pupil: &Pupil, school: &str, date: Date) -> String {
        Self::fill(&self.sms, pupil, school, date)
    }
}

/// The server's configuration file, as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub mail: Option<SmtpSettings>,
    pub sms: Option<SmsSettings>,
    #[serde(default)]
    pub absence_message: AbsenceText,
}

/// How the school sends messages to parents: a mail server, an SMS gateway, either, both or
/// neither, and the text of the day's absence message. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Messaging {
    pub mailer: Option<Arc<Mailer>>,
    pub sms: Option<Arc<SmsGateway>>,
    pub text: AbsenceText,
}

impl Messaging {
    /// Nothing to send with.
    pub fn none() -> Messaging {
        Messaging::default()
    }

    /// Reads the configuration file at `path` and checks its settings.
    pub fn from_file(path: &Path) -> Result<Messaging, AppError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| AppError::Io(format!("cannot read {name}: {e}")))?;
        Messaging::from_toml(&name, &text)
    }

    /// Reads a configuration file's text; `file` names it in messages.
    pub fn from_toml(file: &str, text: &str) -> Result<Messaging, AppError> {
        let config: ConfigFile = toml::from_str(text)
            .map_err(|e| AppError::Usage(format!("{file}: {}", e.message().trim())))?;
        Messaging::from_config(file, config)
    }

    /// Prepares to send with the settings of a configuration file (nothing is sent yet).
    pub fn from_config(file: &str, config: ConfigFile) -> Result<Messaging, AppError> {
        let mailer = config
            .mail
            .map(Mailer::new)
            .transpose()
            .map_err(|e| AppError::Usage(format!("{file}, [mail]: {e}")))?;
        let sms = config
            .sms
            .map(SmsGateway::new)
            .transpose()
            .map_err(|e| AppError::Usage(format!("{file}, [sms]: {e}")))?;
        Ok(Messaging {
            mailer: mailer.map(Arc::new),
            sms: sms.map(Arc::new),
            text: config.absence_message,
        })
    }

    /// What can be sent, for a page to say.
    pub fn status(&self) -> MessagingStatus {
        MessagingStatus {
            email_from: self.mailer.as_ref().map(|m| m.from()),
            sms_from: self.sms.as_ref().map(|g| g.from().to_owned()),
        }
    }
}

/// What the school can send, and from whom.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessagingStatus {
    /// The sender of e-mail, when a mail server is configured.
    pub email_from: Option<String>,
    /// The sender of texts, when an SMS gateway is configured.
    pub sms_from: Option<String>,
}

impl MessagingStatus {
    pub fn can_send(&self) -> bool {
        self.email_from.is_some() || self.sms_from.is_some()
    }

    /// Why nothing can be sent, when it cannot.
    pub fn why_not(&self) -> Option<&'static str> {
        (!self.can_send()).then_some(
            "no mail server or SMS gateway is configured: Rollcall must be started with \
             --config naming a file with a [mail] section (and [sms] for texts)",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_configured_sends_nothing_and_says_why() {
        let m = Messaging::from_toml("rollcall.toml", "").unwrap();
        assert!(!m.status().can_send());
        assert!(m.status().why_not().unwrap().contains("[mail]"));
        assert_eq!(m.text, AbsenceText::default());
    }

    #[test]
    fn mail_and_sms_are_read_and_checked() {
        let m = Messaging::from_toml(
            "rollcall.toml",
            r#"
            [mail]
            host = "127.0.0.1"
            port = 2525
            security = "none"
            from = "Northfield Academy <office@northfield.example>"

            [sms]
            url = "http://127.0.0.1:9/v1/messages"
            token = "tok"
            from = "Northfield"

            [absence_message]
            subject = "{forename} {surname}: absent"
            "#,
        )
        .unwrap();
        let s = m.status();
        assert_eq!(
            s.email_from.as_deref(),
            Some("Northfield Academy <office@northfield.example>")
        );
        assert_eq!(s.sms_from.as_deref(), Some("Northfield"));
        assert_eq!(m.text.subject, "{forename} {surname}: absent");
        assert_eq!(m.text.sms, AbsenceText::default().sms, "the rest is kept");

        let bad = Messaging::from_toml(
            "rollcall.toml",
            "[mail]\nhost = \"h\"\nport = 0\nsecurity = \"none\"\nfrom = \"a@b.example\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(bad.starts_with("rollcall.toml, [mail]: "), "{bad}");
        let typo = Messaging::from_toml("rollcall.toml", "[mial]\n")
            .unwrap_err()
            .to_string();
        assert!(typo.contains("mial"), "{typo}");
    }

    /// The example configuration file of README.md reads as written.
    #[test]
    fn the_readmes_example_reads() {
        let readme = include_str!("../../../README.md");
        let start = readme.find("  [mail]  ").expect("the example in README.md");
        let end = start + readme[start..].find("```").expect("the example's end");
        let example: String = readme[start..end]
            .lines()
            .map(|l| l.strip_prefix("  ").unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        let m = Messaging::from_toml("README.md", &example).unwrap();
        let s = m.status();
        assert_eq!(
            s.email_from.as_deref(),
            Some("Northfield Academy <office@northfield.example>")
        );
        assert_eq!(s.sms_from.as_deref(), Some("Northfield"));
        assert!(m.text.email.contains("{surname}"));
    }

    #[test]
    fn the_text_names_the_pupil_the_school_and_the_day() {
        let pupil = Pupil::new(
            rollcall_core::Upn::with_check_letter("822400000001").unwrap(),
            "Khan",
            "Amir",
            rollcall_core::parse_date("2012-01-01").unwrap(),
            rollcall_core::YearGroup::Year(8),
            rollcall_core::parse_date("2023-09-01").unwrap(),
        );
        let day = rollcall_core::parse_date("2025-07-08").unwrap();
        let text = AbsenceText::default();
        let (subject, body) = text.email_for(&pupil, "Northfield Academy", day);
        assert_eq!(subject, "Amir is not in school today");
        assert!(body.contains("Amir Khan is not in school today, Tuesday 8 July 2025"));
        assert!(body.ends_with("Northfield Academy\n"));
        assert!(text
            .sms_for(&pupil, "Northfield Academy", day)
            .starts_with("Northfield Academy: Amir is not in school today"));
    }
}
