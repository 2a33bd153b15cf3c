//! The browser-test harness against a tiny HTTP server of its own: the
//! scenarios really run in Chromium, and a failing check really fails.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use rollcall_testkit::browser::{run_scenario, screenshots_dir};
use serde_json::json;

const FORM_PAGE: &str = "<!doctype html>
<html lang=\"en\">
<head><meta charset=\"utf-8\"><title>Harness test page</title></head>
<body>
<h1>Harness test page</h1>
<form method=\"post\" action=\"/sign-in\">
<label>Username <input name=\"username\"></label>
<label>Password <input name=\"password\" type=\"password\"></label>
<button type=\"submit\">Sign in</button>
</form>
</body>
</html>
";

/// Starts a server on a free port of 127.0.0.1 that answers every GET with
/// [`FORM_PAGE`] and a POST to /sign-in with "Signed in as <username>";
/// returns its base URL. It runs until the test binary ends.
fn start_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            // One thread a connection: Chromium keeps idle ones open.
            thread::spawn(move || {
                let _ = serve(stream);
            });
        }
    });
    url
}

fn serve(stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut content_length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                content_length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; content_length];
    reader.read_exact(&mut body)?;

    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (status, page) = match (method, path) {
        ("POST", "/sign-in") => {
            let username = form_value(&String::from_utf8_lossy(&body), "username");
            let page = format!(
                "<!doctype html><html><head><title>Signed in</title></head>\
                 <body><p>Signed in as {}</p></body></html>",
                escape_html(&username)
            );
            ("200 OK", page)
        }
        ("GET", "/favicon.ico") => ("404 Not Found", String::new()),
        ("GET", _) => ("200 OK", FORM_PAGE.to_string()),
        _ => ("405 Method Not Allowed", String::new()),
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{page}",
        page.len()
    )?;
    stream.flush()
}

/// The value of `name` in an `application/x-www-form-urlencoded` body.
fn form_value(body: &str, name: &str) -> String {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| percent_decode(value))
        .unwrap_or_default()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[test]
fn smoke_scenario_loads_the_page_and_takes_a_screenshot() {
    let url = start_server();
    let png = screenshots_dir().join("smoke.png");
    let _ = std::fs::remove_file(&png);

    run_scenario("smoke", &url, &json!({})).unwrap();

    let bytes = std::fs::read(&png).expect("the smoke scenario wrote no screenshot");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(bytes.len() > 1000, "suspiciously small PNG");
}

#[test]
fn sign_in_scenario_submits_the_form() {
    let url = start_server();
    run_scenario(
        "harness-sign-in",
        &url,
        &json!({
            "username": "Ada Lovelace & co",
            "password": "correct horse",
            "screenshot": "harness-sign-in.png",
        }),
    )
    .unwrap();
}

#[test]
fn a_failing_expect_text_fails_the_scenario() {
    let url = start_server();
    let err = run_scenario(
        "harness-sign-in",
        &url,
        &json!({
            "username": "ada",
            "password": "secret",
            "expect": "Signed in as grace",
            "screenshot": "harness-sign-in-negative.png",
        }),
    )
    .expect_err("a scenario whose expectText fails must fail");
    let message = format!("{err:#}");
    assert!(message.contains("FAILED harness-sign-in"), "{message}");
    assert!(message.contains("expected text not found"), "{message}");
    assert!(message.contains("\"Signed in as grace\""), "{message}");
    // The page's own text is in the report, to show what was there instead.
    assert!(message.contains("Signed in as ada"), "{message}");
}

#[test]
fn a_failing_expect_no_text_fails_the_scenario() {
    let url = start_server();
    let err = run_scenario(
        "harness-sign-in",
        &url,
        &json!({
            "username": "ada",
            "password": "secret",
            "unexpected": "Signed in",
            "screenshot": "harness-sign-in-negative-2.png",
        }),
    )
    .expect_err("a scenario whose expectNoText fails must fail");
    let message = format!("{err:#}");
    assert!(message.contains("unexpected text found"), "{message}");
}

#[test]
fn an_unreachable_server_fails_the_scenario() {
    // A port that was free a moment ago: nothing answers there.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = run_scenario("smoke", &format!("http://127.0.0.1:{port}"), &json!({}))
        .expect_err("loading a page from nowhere must fail");
    assert!(format!("{err:#}").contains("FAILED smoke"), "{err:#}");
}

#[test]
fn an_unknown_scenario_is_an_error() {
    let err = run_scenario("no-such-scenario", "http://127.0.0.1:1", &json!({})).unwrap_err();
    assert!(err.to_string().contains("no browser scenario"), "{err}");
}
