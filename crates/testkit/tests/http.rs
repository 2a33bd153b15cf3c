//! The test HTTP server, driven by hand over a TCP connection.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use rollcall_testkit::http::{HttpReply, HttpServer};

const WAIT: Duration = Duration::from_secs(5);

/// Sends `request` as it is and returns the whole answer (the server closes the connection).
fn exchange(server: &HttpServer, request: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn a_request_with_a_body_is_recorded_and_answered_with_the_reply() {
    let server = HttpServer::start(HttpReply::json(202, r#"{"id":"m-1"}"#));
    let answer = exchange(
        &server,
        "POST /v1/messages?x=1 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer abc\r\n\
         Content-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"a\": \"b\"}\n",
    );
    assert!(answer.starts_with("HTTP/1.1 202 Accepted\r\n"), "{answer}");
    assert!(
        answer.contains("Content-Type: application/json\r\n"),
        "{answer}"
    );
    assert!(answer.ends_with("\r\n\r\n{\"id\":\"m-1\"}"), "{answer}");

    let requests = server.wait_for(1, WAIT);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v1/messages?x=1");
    assert_eq!(request.header("authorization"), Some("Bearer abc"));
    assert_eq!(request.header("CONTENT-TYPE"), Some("application/json"));
    assert_eq!(request.body_text(), "{\"a\": \"b\"}\n");
}

#[test]
fn a_chunked_body_is_put_together() {
    let server = HttpServer::start(HttpReply::text(500, "broken"));
    let answer = exchange(
        &server,
        "PUT /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n6;ext=1\r\npedia \r\n0\r\n\r\n",
    );
    assert!(
        answer.starts_with("HTTP/1.1 500 Internal Server Error\r\n"),
        "{answer}"
    );
    assert!(answer.ends_with("broken"), "{answer}");
    let requests = server.wait_for(1, WAIT);
    assert_eq!(requests[0].method, "PUT");
    assert_eq!(requests[0].body, b"Wikipedia ");
}

#[test]
fn a_request_without_a_body_and_a_malformed_one() {
    let server = HttpServer::start(HttpReply::text(200, "ok"));
    let answer = exchange(&server, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    let answer = exchange(&server, "nonsense\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");

    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].method, "GET");
    assert!(requests[0].body.is_empty());
}
