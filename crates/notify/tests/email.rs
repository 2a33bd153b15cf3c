//! E-mail through a real SMTP server on 127.0.0.1 (rollcall-testkit's).

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, TcpListener};
use std::time::{Duration, Instant};

use rollcall_notify::{Email, Mailer, NotifyError, Security, SmtpSettings};
use rollcall_testkit::smtp::{Received, SmtpOptions, SmtpServer};

const WAIT: Duration = Duration::from_secs(10);
const FROM: &str = "Northfield Academy <office@northfield.example>";

fn settings(port: u16) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".to_owned(),
        port,
        security: Security::None,
        username: None,
        password: None,
        from: FROM.to_owned(),
        timeout: WAIT,
    }
}

fn mailer(server: &SmtpServer) -> Mailer {
    Mailer::new(settings(server.port())).unwrap()
}

fn email(to: &str) -> Email {
    Email {
        to: to.to_owned(),
        subject: "Absence today".to_owned(),
        body: "Dear parent,\n\nYour child is not in school today.\n".to_owned(),
    }
}

/// The body as sent, with `\r\n` made `\n`, less the line break that ends the data.
fn text(message: &Received) -> String {
    without_final_break(message.body().replace("\r\n", "\n"))
}

fn without_final_break(mut text: String) -> String {
    if text.ends_with('\n') {
        text.pop();
    }
    text
}

/// A mailbox header without the quotes a name may be given in.
fn unquoted(header: Option<String>) -> Option<String> {
    header.map(|value| value.replace('"', ""))
}

/// A port on 127.0.0.1 that nothing listens on.
fn closed_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn a_message_arrives_with_its_recipient_sender_subject_and_body() {
    let server = SmtpServer::start();
    let body = "Dear Mrs Patel,\n\nAmy has not arrived at school today (Tuesday).\n\
                .\n\
                ..and a line that starts with dots\n\
                Please call the office on 01632 960000.\n";
    let sent = mailer(&server)
        .send(&Email {
            to: "Mrs Patel <patel@example.org>".to_owned(),
            subject: "Absence today: Amy Patel (7A)".to_owned(),
            body: body.to_owned(),
        })
        .unwrap();

    let messages = server.wait_for(1, WAIT);
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert_eq!(message.from, "office@northfield.example");
    assert_eq!(message.recipients, ["patel@example.org"]);
    assert_eq!(unquoted(message.header("From")).as_deref(), Some(FROM));
    assert_eq!(
        unquoted(message.header("To")),
        Some("Mrs Patel <patel@example.org>".to_owned())
    );
    assert_eq!(
        message.header("Subject").as_deref(),
        Some("Absence today: Amy Patel (7A)")
    );
    assert_eq!(message.header("Cc"), None);
    assert_eq!(message.header("Bcc"), None);
    assert!(message.header("Date").is_some());
    assert!(message
        .header("Content-Type")
        .is_some_and(|t| t.starts_with("text/plain")));
    assert_eq!(text(message), body);

    assert_eq!(message.header("Message-ID"), sent.message_id);
    assert!(
        sent.message_id
            .as_deref()
            .is_some_and(|id| id.ends_with("@northfield.example>")),
        "{sent:?}"
    );
    assert!(sent.response.starts_with("250 "), "{sent:?}");
    assert!(sent.response.contains("queued as 1"), "{sent:?}");
}

#[test]
fn send_each_sends_one_message_per_parent_each_with_one_recipient() {
    let server = SmtpServer::start();
    let parents = [
        "patel@example.org",
        "o.brien@example.net",
        "smith.family@example.co.uk",
    ];
    let emails: Vec<Email> = parents.iter().map(|to| email(to)).collect();
    let outcomes = mailer(&server).send_each(&emails);
    assert_eq!(outcomes.len(), 3);
    let ids: BTreeSet<String> = outcomes
        .into_iter()
        .map(|outcome| outcome.unwrap().message_id.unwrap())
        .collect();
    assert_eq!(ids.len(), 3, "each message has an id of its own");

    let messages = server.wait_for(3, WAIT);
    assert_eq!(messages.len(), 3);
    for (message, parent) in messages.iter().zip(parents) {
        assert_eq!(message.recipients, [parent]);
        assert_eq!(message.header_values("To"), [parent]);
        for other in parents.iter().filter(|other| **other != parent) {
            assert!(
                !message.data.contains(other),
                "the message to {parent} shows {other}:\n{}",
                message.data
            );
        }
    }
    // The connection is kept and reused rather than opened per parent.
    assert_eq!(server.connections(), 1);
}

#[test]
fn a_failure_for_one_parent_does_not_stop_the_others() {
    let server = SmtpServer::start_with(SmtpOptions {
        reject_recipients: vec!["moved.away@example.org".to_owned()],
    });
    let emails = [
        email("first@example.org"),
        email("not an address"),
        email("moved.away@example.org"),
        email("last@example.org"),
    ];
    let outcomes = mailer(&server).send_each(&emails);
    assert_eq!(outcomes.len(), 4);
    assert!(outcomes[0].is_ok(), "{:?}", outcomes[0]);
    match &outcomes[1] {
        Err(NotifyError::BadAddress { address, .. }) => assert_eq!(address, "not an address"),
        other => panic!("{other:?}"),
    }
    match &outcomes[2] {
        Err(error @ NotifyError::Rejected { code, message, .. }) => {
            assert_eq!(*code, 550);
            assert!(message.contains("moved.away@example.org"), "{message}");
            assert!(!error.is_transient());
            let shown = error.to_string();
            assert!(shown.contains("refused the message with 550"), "{shown}");
        }
        other => panic!("{other:?}"),
    }
    assert!(outcomes[3].is_ok(), "{:?}", outcomes[3]);

    let messages = server.wait_for(2, WAIT);
    let recipients: Vec<Vec<String>> = messages.into_iter().map(|m| m.recipients).collect();
    assert_eq!(recipients, [["first@example.org"], ["last@example.org"]]);
}

#[test]
fn a_bad_address_or_subject_is_refused_without_contacting_the_server() {
    let server = SmtpServer::start();
    let mailer = mailer(&server);
    for to in [
        "",
        "patel@example",
        "patel.example.org",
        "a@example.org, b@example.org",
        "a@example.org\r\nRCPT TO:<b@example.org>",
    ] {
        match mailer.send(&email(to)) {
            Err(error @ NotifyError::BadAddress { .. }) => {
                assert!(error.to_string().contains("bad e-mail address"), "{error}");
                assert!(!error.is_transient());
            }
            other => panic!("{to:?} gave {other:?}"),
        }
    }
    let mut injected = email("patel@example.org");
    injected.subject = "Absence\r\nBcc: everyone@example.org".to_owned();
    assert!(matches!(
        mailer.send(&injected),
        Err(NotifyError::BadMessage(_))
    ));

    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(server.connections(), 0);
    assert!(server.messages().is_empty());
}

#[test]
fn a_server_that_is_not_listening_gives_a_connection_error() {
    let mailer = Mailer::new(settings(closed_port())).unwrap();
    let error = mailer.send(&email("patel@example.org")).unwrap_err();
    match &error {
        NotifyError::Connection { server, reason } => {
            assert!(server.starts_with("127.0.0.1:"), "{server}");
            assert!(reason.contains("connection refused"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(error.is_transient());
    assert!(error
        .to_string()
        .starts_with("could not connect to 127.0.0.1:"));

    let outcomes = mailer.send_each(&[email("a@example.org"), email("b@example.org")]);
    assert!(outcomes
        .iter()
        .all(|o| matches!(o, Err(NotifyError::Connection { .. }))));
}

#[test]
fn a_server_that_never_answers_times_out() {
    // Connections are queued by the kernel but never served: no greeting comes.
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let mut settings = settings(listener.local_addr().unwrap().port());
    settings.timeout = Duration::from_millis(500);
    let started = Instant::now();
    let error = Mailer::new(settings)
        .unwrap()
        .send(&email("patel@example.org"))
        .unwrap_err();
    assert!(
        matches!(error, NotifyError::Timeout { after, .. } if after == Duration::from_millis(500)),
        "{error:?}"
    );
    assert!(started.elapsed() < WAIT, "{:?}", started.elapsed());
    assert!(error.is_transient());
}

#[test]
fn tls_that_the_server_does_not_speak_fails_before_anything_is_sent() {
    let server = SmtpServer::start();
    for security in [Security::StartTls, Security::Tls] {
        let mut settings = settings(server.port());
        settings.security = security;
        settings.username = Some("office@northfield.example".to_owned());
        settings.password = Some("secret".to_owned());
        let error = Mailer::new(settings)
            .unwrap()
            .send(&email("patel@example.org"))
            .unwrap_err();
        match (security, &error) {
            // The server does not offer STARTTLS.
            (Security::StartTls, NotifyError::Tls { reason, .. }) => {
                assert!(reason.contains("STARTTLS"), "{reason}");
            }
            // The server's plain greeting is no TLS handshake.
            (Security::Tls, NotifyError::Tls { .. }) => {}
            _ => panic!("{security:?} gave {error:?}"),
        }
    }
    assert!(server.messages().is_empty());
}

#[test]
fn text_beyond_ascii_arrives_intact() {
    let server = SmtpServer::start();
    let body = "Zoë's dinner money (£2.50) is due — thank you.\nBore da, Siân.\n";
    mailer(&server)
        .send(&Email {
            to: "parent@example.org".to_owned(),
            subject: "Dinner money for Zoë".to_owned(),
            body: body.to_owned(),
        })
        .unwrap();
    let message = &server.wait_for(1, WAIT)[0];
    let encoding = message
        .header("Content-Transfer-Encoding")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let decoded = match encoding.as_str() {
        "8bit" => text(message),
        "quoted-printable" => without_final_break(decode_quoted_printable(message.body())),
        other => panic!("unexpected encoding {other:?}:\n{}", message.data),
    };
    assert_eq!(decoded, body, "{:?}", message.data);
    let subject = message.header("Subject").unwrap();
    assert!(subject.is_ascii(), "{subject}");
    assert_eq!(decode_encoded_words(&subject), "Dinner money for Zoë");
}

/// Quoted-printable (RFC 2045, 6.7) to text, with `\n` line ends.
fn decode_quoted_printable(encoded: &str) -> String {
    let mut bytes = Vec::new();
    for line in encoded.split("\r\n") {
        let (line, soft_break) = match line.strip_suffix('=') {
            Some(line) => (line, true),
            None => (line, false),
        };
        let raw = line.as_bytes();
        let mut i = 0;
        while i < raw.len() {
            if raw[i] == b'=' && i + 2 < raw.len() {
                let hex = std::str::from_utf8(&raw[i + 1..i + 3]).unwrap();
                bytes.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            } else {
                bytes.push(raw[i]);
                i += 1;
            }
        }
        if !soft_break {
            bytes.push(b'\n');
        }
    }
    // The last line break of the split is not in the text.
    bytes.pop();
    String::from_utf8(bytes).unwrap()
}

/// A header value with its encoded words (RFC 2047, UTF-8, `b` or `q`) decoded.
fn decode_encoded_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("=?") {
        out.push_str(&rest[..start]);
        let word = &rest[start + 2..];
        let parts: Vec<&str> = word.splitn(3, '?').collect();
        let end = parts[2].find("?=").unwrap();
        let (charset, coding, text) = (parts[0], parts[1], &parts[2][..end]);
        assert!(charset.eq_ignore_ascii_case("utf-8"), "{value}");
        let bytes = match coding {
            "b" | "B" => decode_base64(text),
            _ => decode_quoted_printable(&text.replace('_', " ")).into_bytes(),
        };
        out.push_str(&String::from_utf8(bytes).unwrap());
        rest = &parts[2][end + 2..];
        // White space between two encoded words is not part of the text.
        if rest.trim_start().starts_with("=?") {
            rest = rest.trim_start();
        }
    }
    out.push_str(rest);
    out
}

fn decode_base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.bytes().filter(|c| *c != b'=') {
        let value = ALPHABET.iter().position(|a| *a == c).unwrap() as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    out
}
