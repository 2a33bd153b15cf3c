//! The form of an e-mail address: one recipient, checked before anything is sent.

use lettre::message::Mailbox;
use lettre::Address;

use crate::NotifyError;

/// The longest address that fits in an SMTP path (RFC 5321, 4.5.3.1.3).
const MAX_ADDRESS: usize = 254;

/// The longest part before the `@` (RFC 5321, 4.5.3.1.1).
const MAX_LOCAL_PART: usize = 64;

/// Checks that `address` is one e-mail address, as a parent's on the calling list should be,
/// and returns it without surrounding spaces.
///
/// Accepted: a bare address (`parent@example.org`) or one with a display name
/// (`Mrs Patel <patel@example.org>`). Refused, with the reason: an empty string, several
/// addresses (`,` or `;`), spaces or control characters inside the address, no `@`, a part
/// before the `@` or a domain that is not valid, a domain without a dot (such as `gmailcom`
/// typed for `gmail.com`; an IP address in brackets is accepted), and an address longer than
/// 254 characters or with more than 64 before the `@`.
///
/// ```
/// use rollcall_notify::check_address;
///
/// assert_eq!(check_address(" parent@example.org ").unwrap(), "parent@example.org");
/// assert!(check_address("parent@example").is_err());
/// assert!(check_address("a@example.org, b@example.org").is_err());
/// ```
pub fn check_address(address: &str) -> Result<String, NotifyError> {
    recipient(address).map(|_| address.trim().to_owned())
}

/// The mailbox of one recipient, checked as [`check_address`] says.
pub(crate) fn recipient(address: &str) -> Result<Mailbox, NotifyError> {
    mailbox(address).map_err(|reason| NotifyError::BadAddress {
        address: address.to_owned(),
        reason: reason.to_owned(),
    })
}

/// The sender's mailbox, checked like a recipient's.
pub(crate) fn sender(from: &str) -> Result<Mailbox, NotifyError> {
    mailbox(from).map_err(|reason| NotifyError::BadSender {
        from: from.to_owned(),
        reason: reason.to_owned(),
    })
}

fn mailbox(text: &str) -> Result<Mailbox, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Err("it is empty");
    }
    if text.chars().any(char::is_control) {
        return Err("it contains a line break or another control character");
    }
    let (name, address) = match text.rsplit_once('<') {
        Some((name, rest)) => {
            let address = rest
                .strip_suffix('>')
                .ok_or("the address after '<' does not end with '>'")?;
            (Some(name.trim()), address.trim())
        }
        None if text.contains('>') => return Err("it has a '>' without a '<'"),
        None => (None, text),
    };
    if address.contains([',', ';']) || text.matches('@').count() > 1 && !address.contains('"') {
        return Err("it holds more than one address: give one recipient per message");
    }
    let address = parse_address(address)?;
    match name {
        None => Ok(Mailbox::new(None, address)),
        Some(name) => {
            if name.contains(['<', '>']) {
                return Err("the name before the address contains '<' or '>'");
            }
            // Lettre parses the display name (quoted or not) and checks it.
            let mailbox: Mailbox = text
                .parse()
                .map_err(|_| "the name before the address is not valid")?;
            if mailbox.email != address {
                return Err("the name before the address is not valid");
            }
            Ok(mailbox)
        }
    }
}

fn parse_address(address: &str) -> Result<Address, &'static str> {
    if address.is_empty() {
        return Err("there is no address");
    }
    if address.chars().any(char::is_whitespace) {
        return Err("it contains a space");
    }
    let Some((local, domain)) = address.rsplit_once('@') else {
        return Err("it has no '@'");
    };
    if local.is_empty() {
        return Err("there is nothing before the '@'");
    }
    if domain.is_empty() {
        return Err("there is nothing after the '@'");
    }
    if address.len() > MAX_ADDRESS {
        return Err("it is longer than 254 characters");
    }
    if local.len() > MAX_LOCAL_PART {
        return Err("the part before the '@' is longer than 64 characters");
    }
    let ip_literal = domain.starts_with('[') && domain.ends_with(']');
    if !ip_literal && !domain.contains('.') {
        return Err("the domain after the '@' has no dot");
    }
    if !ip_literal && (domain.starts_with('.') || domain.ends_with('.') || domain.contains("..")) {
        return Err("the domain after the '@' has an empty part between dots");
    }
    if !ip_literal && domain.is_ascii() && !is_host_name(domain) {
        return Err("the domain after the '@' is not valid");
    }
    Address::new(local, domain).map_err(|e| match e {
        lettre::address::AddressError::InvalidUser => "the part before the '@' is not valid",
        lettre::address::AddressError::InvalidDomain => "the domain after the '@' is not valid",
        _ => "it is not an e-mail address",
    })
}

/// Whether an ASCII domain is a host name: labels of letters, digits and hyphens (not at
/// either end of a label), at most 63 characters each, the last not all digits.
fn is_host_name(domain: &str) -> bool {
    let labels_fit = domain.split('.').all(|label| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    });
    let top_level_has_letters = domain
        .rsplit('.')
        .next()
        .is_some_and(|label| !label.bytes().all(|b| b.is_ascii_digit()));
    labels_fit && top_level_has_letters
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(address: &str) -> String {
        match check_address(address) {
            Err(NotifyError::BadAddress { reason, .. }) => reason,
            other => panic!("{address:?} gave {other:?}"),
        }
    }

    #[test]
    fn plain_addresses_and_addresses_with_a_name_are_accepted() {
        for address in [
            "parent@example.org",
            "first.last+school@mail.example.co.uk",
            "O'Brien@example.ie",
            "x@[192.0.2.1]",
            "Mrs Patel <patel@example.org>",
            "\"Patel, Mrs\" <patel@example.org>",
            "<patel@example.org>",
            "Siân Jones <sian@example.org>",
            "parent@bücher.example",
        ] {
            assert!(
                check_address(address).is_ok(),
                "{address:?}: {}",
                reason(address)
            );
        }
        assert_eq!(check_address("  a@example.org\t").unwrap(), "a@example.org");
        assert_eq!(
            recipient("Mrs Patel <patel@example.org>")
                .unwrap()
                .to_string(),
            "Mrs Patel <patel@example.org>"
        );
    }

    #[test]
    fn what_is_not_one_address_is_refused_with_the_reason() {
        assert_eq!(reason(""), "it is empty");
        assert_eq!(reason("   "), "it is empty");
        assert_eq!(reason("parent.example.org"), "it has no '@'");
        assert_eq!(reason("@example.org"), "there is nothing before the '@'");
        assert_eq!(reason("parent@"), "there is nothing after the '@'");
        assert_eq!(
            reason("parent@example"),
            "the domain after the '@' has no dot"
        );
        assert_eq!(
            reason("parent@example..org"),
            "the domain after the '@' has an empty part between dots"
        );
        assert_eq!(reason("par ent@example.org"), "it contains a space");
        assert!(reason("a@example.org\r\nBcc: b@example.org").contains("control character"));
        for several in [
            "a@example.org, b@example.org",
            "a@example.org;b@example.org",
            "a@example.org b@example.org",
            "a@b@example.org",
            "Mrs A <a@example.org>, Mr B <b@example.org>",
        ] {
            let reason = reason(several);
            assert!(
                reason.contains("more than one") || reason.contains("space"),
                "{several:?}: {reason}"
            );
        }
        for domain in [
            "exa_mple.org",
            "-example.org",
            "example-.org",
            "example.123",
            "ex!ample.org",
        ] {
            assert_eq!(
                reason(&format!("parent@{domain}")),
                "the domain after the '@' is not valid",
                "{domain}"
            );
        }
        assert_eq!(
            reason("pa(rent@example.org"),
            "the part before the '@' is not valid"
        );
        assert!(reason("Mrs Patel <patel@example.org").contains("'>'"));
        assert!(reason("patel@example.org>").contains("'<'"));
        let long_local = format!("{}@example.org", "a".repeat(65));
        assert!(reason(&long_local).contains("64"));
        let long = format!("a@{}.org", "b".repeat(250));
        assert!(reason(&long).contains("254"));
    }

    #[test]
    fn the_error_names_the_address() {
        let error = check_address("nobody").unwrap_err();
        assert_eq!(
            error.to_string(),
            "bad e-mail address \"nobody\": it has no '@'"
        );
    }

    #[test]
    fn a_bad_sender_is_a_bad_sender() {
        assert!(matches!(
            sender("office"),
            Err(NotifyError::BadSender { .. })
        ));
        let from = sender("Northfield Academy <office@northfield.example>").unwrap();
        assert_eq!(from.name.as_deref(), Some("Northfield Academy"));
        assert_eq!(from.email.domain(), "northfield.example");
    }

    proptest::proptest! {
        #[test]
        fn no_input_panics_and_an_accepted_address_stays_accepted(text in "\\PC{0,80}") {
            if let Ok(address) = check_address(&text) {
                proptest::prop_assert_eq!(check_address(&address), Ok(address.clone()));
            }
        }

        #[test]
        fn address_like_input_never_panics(text in "[a-z<>\" ,;@.\\[\\]0-9\r\n]{0,40}") {
            let _ = check_address(&text);
        }
    }
}
