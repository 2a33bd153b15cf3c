//! SMS through a real HTTP server on 127.0.0.1 (rollcall-testkit's) standing in for the
//! gateway.

use std::net::{Ipv4Addr, TcpListener};
use std::time::Duration;

use rollcall_notify::{NotifyError, Sms, SmsGateway, SmsSettings, MAX_SMS_CHARS};
use rollcall_testkit::http::{HttpReply, HttpServer, Request};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(10);
const TOKEN: &str = "tok-3f9a7c";

fn gateway_at(url: String) -> SmsGateway {
    SmsGateway::new(SmsSettings {
        url,
        token: TOKEN.to_owned(),
        from: "Northfield".to_owned(),
        timeout: WAIT,
    })
    .unwrap()
}

fn gateway(server: &HttpServer) -> SmsGateway {
    gateway_at(format!("{}/v1/messages", server.url()))
}

fn sms(to: &str) -> Sms {
    Sms {
        to: to.to_owned(),
        body: "Northfield Academy: Amy has not arrived today. Please call 01632 960000.".to_owned(),
    }
}

fn json_body(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

#[test]
fn a_text_is_posted_as_json_with_the_bearer_token_and_an_e164_number() {
    let server = HttpServer::start(HttpReply::json(
        201,
        r#"{"id": "msg-77", "status": "queued"}"#,
    ));
    let message = Sms {
        to: "07700 900123".to_owned(),
        body: "Amy's absence: \"please call\" — £0 cost\nThanks".to_owned(),
    };
    let sent = gateway(&server).send(&message).unwrap();
    assert_eq!(sent.message_id.as_deref(), Some("msg-77"));
    assert!(sent.response.starts_with("201 "), "{sent:?}");
    assert!(sent.response.contains("queued"), "{sent:?}");

    let requests = server.wait_for(1, WAIT);
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v1/messages");
    assert_eq!(
        request.header("Authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(request.header("Content-Type"), Some("application/json"));
    assert_eq!(
        json_body(request),
        json!({
            "to": "+447700900123",
            "from": "Northfield",
            "body": "Amy's absence: \"please call\" — £0 cost\nThanks",
        })
    );
}

#[test]
fn send_each_posts_one_request_per_phone() {
    let server = HttpServer::start(HttpReply::json(202, "{}"));
    let numbers = ["07700 900123", "+44 7700 900456", "0044 (0)7700 900789"];
    let messages: Vec<Sms> = numbers.iter().map(|n| sms(n)).collect();
    let outcomes = gateway(&server).send_each(&messages);
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    assert!(outcomes
        .iter()
        .all(|o| o.as_ref().unwrap().message_id.is_none()));

    let requests = server.wait_for(3, WAIT);
    let to: Vec<Value> = requests
        .iter()
        .map(|r| json_body(r)["to"].clone())
        .collect();
    assert_eq!(
        to,
        [
            json!("+447700900123"),
            json!("+447700900456"),
            json!("+447700900789")
        ]
    );
}

#[test]
fn a_500_from_the_gateway_is_an_error_with_the_status_and_body() {
    let server = HttpServer::start(HttpReply::text(500, "upstream carrier unavailable"));
    let error = gateway(&server).send(&sms("07700 900123")).unwrap_err();
    assert_eq!(
        error,
        NotifyError::Gateway {
            status: 500,
            body: "upstream carrier unavailable".to_owned(),
        }
    );
    assert_eq!(
        error.to_string(),
        "the SMS gateway answered 500: upstream carrier unavailable"
    );
    assert!(error.is_transient());
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_refusal_is_final_and_a_long_answer_is_cut_short() {
    let long = format!(
        r#"{{"error": "invalid token", "detail": "{}"}}"#,
        "x".repeat(5000)
    );
    let server = HttpServer::start(HttpReply::json(401, long));
    match gateway(&server).send(&sms("07700 900123")) {
        Err(error @ NotifyError::Gateway { status: 401, .. }) => {
            assert!(!error.is_transient());
            let NotifyError::Gateway { body, .. } = &error else {
                unreachable!()
            };
            assert!(body.starts_with(r#"{"error": "invalid token""#), "{body}");
            assert!(
                body.chars().count() <= 301,
                "{} chars",
                body.chars().count()
            );
            assert!(body.ends_with('…'));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_redirect_is_not_followed_but_reported() {
    let server = HttpServer::start(HttpReply::text(302, ""));
    let error = gateway(&server).send(&sms("07700 900123")).unwrap_err();
    assert!(
        matches!(error, NotifyError::Gateway { status: 302, .. }),
        "{error:?}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_bad_number_or_text_is_refused_without_contacting_the_gateway() {
    let server = HttpServer::start(HttpReply::json(200, "{}"));
    let gateway = gateway(&server);
    for to in ["", "07700 9001", "call the office", "+44 7700 900123 ext 2"] {
        match gateway.send(&sms(to)) {
            Err(NotifyError::BadPhoneNumber { number, .. }) => assert_eq!(number, to),
            other => panic!("{to:?} gave {other:?}"),
        }
    }
    let empty = Sms {
        to: "07700 900123".to_owned(),
        body: " \n".to_owned(),
    };
    assert!(matches!(
        gateway.send(&empty),
        Err(NotifyError::BadMessage(_))
    ));
    let too_long = Sms {
        to: "07700 900123".to_owned(),
        body: "a".repeat(MAX_SMS_CHARS + 1),
    };
    assert!(matches!(
        gateway.send(&too_long),
        Err(NotifyError::BadMessage(_))
    ));
    std::thread::sleep(Duration::from_millis(200));
    assert!(server.requests().is_empty());
}

#[test]
fn a_gateway_that_is_not_listening_gives_a_connection_error() {
    let port = {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        listener.local_addr().unwrap().port()
    };
    let error = gateway_at(format!("http://127.0.0.1:{port}/v1/messages"))
        .send(&sms("07700 900123"))
        .unwrap_err();
    match &error {
        NotifyError::Connection { server, reason } => {
            assert_eq!(server, &format!("127.0.0.1:{port}"));
            assert!(reason.contains("connection refused"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(error.is_transient());
}

#[test]
fn a_gateway_that_never_answers_times_out() {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let gateway = SmsGateway::new(SmsSettings {
        url: format!("http://127.0.0.1:{port}/"),
        token: TOKEN.to_owned(),
        from: "Northfield".to_owned(),
        timeout: Duration::from_millis(500),
    })
    .unwrap();
    let error = gateway.send(&sms("07700 900123")).unwrap_err();
    assert!(
        matches!(error, NotifyError::Timeout { after, .. } if after == Duration::from_millis(500)),
        "{error:?}"
    );
}
