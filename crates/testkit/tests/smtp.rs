//! The test SMTP server, driven by hand over a TCP connection.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use rollcall_testkit::smtp::{SmtpOptions, SmtpServer};

const WAIT: Duration = Duration::from_secs(5);

/// A client that sends one line at a time and reads the whole reply.
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    fn connect(server: &SmtpServer) -> (Client, String) {
        let stream = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
        stream.set_read_timeout(Some(WAIT)).unwrap();
        let writer = stream.try_clone().unwrap();
        let mut client = Client {
            reader: BufReader::new(stream),
            writer,
        };
        let greeting = client.reply();
        (client, greeting)
    }

    /// Reads one reply, all its lines, joined with `\n`.
    fn reply(&mut self) -> String {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            assert!(line.ends_with("\r\n"), "reply line {line:?} without CRLF");
            let line = line.trim_end().to_owned();
            let last = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line);
            if last {
                return lines.join("\n");
            }
        }
    }

    fn send(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).unwrap();
    }

    /// Sends a command and returns the reply.
    fn command(&mut self, line: &str) -> String {
        self.send(&format!("{line}\r\n"));
        self.reply()
    }
}

fn code(reply: &str) -> &str {
    &reply[..3]
}

#[test]
fn a_conversation_delivers_a_message_with_its_envelope_and_dot_unstuffed_data() {
    let server = SmtpServer::start();
    let (mut client, greeting) = Client::connect(&server);
    assert!(greeting.starts_with("220 "), "{greeting}");

    let ehlo = client.command("EHLO client.example");
    assert!(ehlo.starts_with("250-"), "{ehlo}");
    assert!(ehlo.contains("8BITMIME"), "{ehlo}");
    assert_eq!(code(ehlo.lines().last().unwrap()), "250");

    assert_eq!(
        code(&client.command("MAIL FROM:<office@school.example> BODY=8BITMIME")),
        "250"
    );
    assert_eq!(code(&client.command("RCPT TO:<one@example.org>")), "250");
    assert_eq!(code(&client.command("rcpt to: <two@example.org>")), "250");
    assert_eq!(code(&client.command("DATA")), "354");
    client
        .send("Subject: Absence\r\nX-Long: first\r\n  second\r\n\r\nLine one\r\n..dotted\r\n.\r\n");
    let queued = client.reply();
    assert_eq!(code(&queued), "250", "{queued}");
    assert_eq!(code(&client.command("QUIT")), "221");

    let messages = server.wait_for(1, WAIT);
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert_eq!(message.from, "office@school.example");
    assert_eq!(message.recipients, ["one@example.org", "two@example.org"]);
    assert_eq!(message.header("subject").as_deref(), Some("Absence"));
    assert_eq!(message.header("X-Long").as_deref(), Some("first second"));
    assert_eq!(message.body(), "Line one\r\n.dotted\r\n");
    assert_eq!(server.connections(), 1);
}

#[test]
fn several_messages_on_one_connection_and_rset_forgets_a_transaction() {
    let server = SmtpServer::start();
    let (mut client, _) = Client::connect(&server);
    assert_eq!(code(&client.command("HELO client.example")), "250");

    assert_eq!(code(&client.command("MAIL FROM:<a@school.example>")), "250");
    assert_eq!(
        code(&client.command("RCPT TO:<dropped@example.org>")),
        "250"
    );
    assert_eq!(code(&client.command("RSET")), "250");
    assert_eq!(code(&client.command("NOOP")), "250");

    for n in 1..=2 {
        assert_eq!(code(&client.command("MAIL FROM:<>")), "250");
        assert_eq!(
            code(&client.command(&format!("RCPT TO:<p{n}@example.org>"))),
            "250"
        );
        assert_eq!(code(&client.command("DATA")), "354");
        client.send(&format!("Subject: {n}\r\n\r\nbody {n}\r\n.\r\n"));
        assert_eq!(code(&client.reply()), "250");
    }
    drop(client);

    let messages = server.wait_for(2, WAIT);
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].from, "");
    assert_eq!(messages[0].recipients, ["p1@example.org"]);
    assert_eq!(messages[1].recipients, ["p2@example.org"]);
    assert_eq!(messages[1].body(), "body 2\r\n");
}

#[test]
fn commands_out_of_order_unknown_or_malformed_are_refused() {
    let server = SmtpServer::start();
    let (mut client, _) = Client::connect(&server);
    assert_eq!(code(&client.command("MAIL FROM:<a@school.example>")), "503");
    assert_eq!(code(&client.command("EHLO")), "501");
    assert_eq!(code(&client.command("EHLO client.example")), "250");
    assert_eq!(code(&client.command("RCPT TO:<p@example.org>")), "503");
    assert_eq!(code(&client.command("DATA")), "503");
    assert_eq!(code(&client.command("MAIL FROM:a@school.example")), "501");
    assert_eq!(code(&client.command("MAIL FROM:<a@school.example>")), "250");
    assert_eq!(code(&client.command("MAIL FROM:<a@school.example>")), "503");
    assert_eq!(code(&client.command("RCPT TO:<>")), "501");
    assert_eq!(code(&client.command("DATA")), "554");
    assert_eq!(code(&client.command("STARTTLS")), "500");
    assert_eq!(code(&client.command("AUTH PLAIN AGFiYw==")), "500");
    assert_eq!(code(&client.command("")), "500");
    assert_eq!(code(&client.command("QUIT")), "221");
    assert!(server.messages().is_empty());
}

#[test]
fn a_rejected_recipient_gets_550_and_the_others_are_kept() {
    let server = SmtpServer::start_with(SmtpOptions {
        reject_recipients: vec!["Nobody@Example.org".to_owned()],
    });
    let (mut client, _) = Client::connect(&server);
    client.command("EHLO client.example");
    client.command("MAIL FROM:<a@school.example>");
    let refused = client.command("RCPT TO:<nobody@example.org>");
    assert!(refused.starts_with("550 5.1.1"), "{refused}");
    assert_eq!(code(&client.command("RCPT TO:<p@example.org>")), "250");
    assert_eq!(code(&client.command("DATA")), "354");
    client.send("\r\nhello\r\n.\r\n");
    assert_eq!(code(&client.reply()), "250");

    let messages = server.wait_for(1, WAIT);
    assert_eq!(messages[0].recipients, ["p@example.org"]);
    assert_eq!(messages[0].body(), "hello\r\n");
}

#[test]
fn wait_for_more_than_arrive_panics_saying_how_many_did() {
    let server = SmtpServer::start();
    let waited = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        server.wait_for(1, Duration::from_millis(100))
    }));
    let panic = waited.unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(message.contains("received 0 message(s)"), "{message}");
}

#[test]
fn dropping_the_server_closes_its_connections() {
    let server = SmtpServer::start();
    let (mut client, _) = Client::connect(&server);
    client.command("EHLO client.example");
    drop(server);
    let mut rest = String::new();
    let read = client.reader.read_line(&mut rest);
    assert!(matches!(read, Ok(0)) || read.is_err(), "{read:?} {rest:?}");
}
