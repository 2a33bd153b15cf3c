//! Load benchmark: 60 form tutors submitting their registers at once, on loopback, against the
//! demo school on SQLite; p50 and p99 latency of the submissions.
//!
//! Each round is one school day: the server starts with its clock at 08:55, 60 tutors (one per
//! form for the AM register, and a second tutor for 20 of the forms taking the PM register) sign
//! in and load their register, then all submit at the same moment through the JSON API. Peers in
//! the same run: the same submissions made directly through `rollcall-app` with no HTTP (the
//! database-bound floor), and 60 clients fetching the stylesheet at once (the HTTP floor).
//!
//! Run: `cargo bench -p rollcall-web --bench load`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rollcall_app::registers::{self, MarkInput, RegisterKey, RegisterSubmission};
use rollcall_app::users::{save_user, NewUser};
use rollcall_app::Actor;
use rollcall_core::{Date, Role, Session};
use rollcall_web::{AppState, Clock, Settings};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const TUTORS: usize = 60;
const PASSWORD: &str = "bench-password";

/// A minimal HTTP/1.1 client on one kept-alive connection, enough for a benchmark.
struct Client {
    stream: BufReader<TcpStream>,
    cookie: String,
    csrf: String,
}

impl Client {
    async fn connect(addr: &str) -> Client {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        Client {
            stream: BufReader::new(stream),
            cookie: String::new(),
            csrf: String::new(),
        }
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        content_type: &str,
        body: &str,
        extra: &str,
    ) -> (u16, Vec<String>, String) {
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: bench\r\nCookie: {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra}\r\n{body}",
            self.cookie,
            body.len()
        );
        self.stream
            .get_mut()
            .write_all(request.as_bytes())
            .await
            .expect("write");
        let mut status_line = String::new();
        self.stream
            .read_line(&mut status_line)
            .await
            .expect("status");
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut headers = Vec::new();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            self.stream.read_line(&mut line).await.expect("header");
            let line = line.trim_end().to_owned();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
            headers.push(line);
        }
        let mut body = vec![0u8; length];
        self.stream.read_exact(&mut body).await.expect("body");
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    async fn sign_in(&mut self, username: &str) {
        let (_, headers, _) = self.send("GET", "/sign-in", "text/plain", "", "").await;
        let pre = cookie(&headers, "rollcall_csrf").expect("pre-session cookie");
        self.cookie = format!("rollcall_csrf={pre}");
        let form = format!("username={username}&password={PASSWORD}&csrf={pre}");
        let (status, headers, _) = self
            .send(
                "POST",
                "/sign-in",
                "application/x-www-form-urlencoded",
                &form,
                "",
            )
            .await;
        assert_eq!(status, 303, "sign-in of {username}");
        self.cookie = format!(
            "rollcall_session={}",
            cookie(&headers, "rollcall_session").expect("session")
        );
        let (_, _, me) = self.send("GET", "/api/v1/me", "text/plain", "", "").await;
        let me: Value = serde_json::from_str(&me).expect("me");
        self.csrf = me["csrf_token"].as_str().expect("csrf").to_owned();
    }
}

fn cookie(headers: &[String], name: &str) -> Option<String> {
    headers.iter().find_map(|h| {
        let v = h
            .strip_prefix("set-cookie: ")
            .or_else(|| h.strip_prefix("Set-Cookie: "))?;
        let (k, rest) = v.split_once('=')?;
        (k == name).then(|| rest.split(';').next().unwrap_or("").to_owned())
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Every register as all present, from its JSON.
fn all_present(register: &Value) -> Value {
    let marks: Vec<Value> = register["pupils"]
        .as_array()
        .expect("pupils")
        .iter()
        .map(|p| json!({"upn": p["upn"], "code": "/"}))
        .collect();
    json!({"version": register["version"], "marks": marks})
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("load.db");
    let url = db.display().to_string();
    let first_day = rollcall_core::parse_date("2025-07-01").expect("date");
    let mut store = rollcall_app::open_store(&url).expect("open");
    let opts = rollcall_demo::DemoOptions {
        seed: 2024,
        pupils: 1000,
    };
    rollcall_app::demo::build_demo(
        store.as_mut(),
        &dir.path().join("files"),
        &opts,
        Some(first_day),
        &mut |_, _, _| {},
    )
    .expect("demo");
    let school = rollcall_app::resolve_school(store.as_mut(), None).expect("school");
    let mut forms: Vec<String> = store
        .pupils(school.id)
        .expect("pupils")
        .into_iter()
        .filter_map(|p| p.pupil.form)
        .collect();
    forms.sort();
    forms.dedup();
    // 60 tutors: one per form for the AM register, a second for the first forms' PM register.
    let jobs: Vec<(String, String, Session)> = (0..TUTORS)
        .map(|i| {
            let session = if i < forms.len() {
                Session::Am
            } else {
                Session::Pm
            };
            (format!("tutor{i}"), forms[i % forms.len()].clone(), session)
        })
        .collect();
    for (name, form, _) in &jobs {
        let new = NewUser {
            username: name.clone(),
            display_name: format!("Tutor {name}"),
            role: Some(Role::FormTutor),
            school: Some(school.id),
            forms: vec![form.clone()],
            password: PASSWORD.into(),
            ..NewUser::default()
        };
        save_user(store.as_mut(), &new).expect("tutor");
    }
    let calendar = store.calendar(school.id).expect("calendar");
    let days: Vec<Date> = (0..14)
        .map(|i| first_day + chrono::Days::new(i))
        .filter(|d| calendar.is_school_session(*d, Session::Am, rollcall_core::YearGroup::Year(7)))
        .take(8)
        .collect();
    drop(store);
    println!(
        "Demo school: 1,000 pupils, {} forms, {TUTORS} tutors, {} school days from {first_day}\n",
        forms.len(),
        days.len()
    );

    let mut submits = Vec::new();
    let mut statics = Vec::new();
    let mut direct = Vec::new();
    let jobs = Arc::new(jobs);
    for (round, day) in days.iter().enumerate() {
        let now = day.and_hms_opt(8, 55, 0).expect("time");
        let settings = Settings {
            clock: Clock::Fixed(now),
            ..Settings::default()
        };
        // Half the days through the web application, half straight through rollcall-app.
        if round % 2 == 1 {
            let mut store = rollcall_app::open_store(&url).expect("open");
            for (name, form, session) in jobs.iter() {
                let reg = registers::register(store.as_mut(), school.id, form, *day, *session, now)
                    .expect("register");
                let submission = RegisterSubmission {
                    version: reg.version.clone(),
                    reason: String::new(),
                    marks: reg
                        .pupils()
                        .map(|r| MarkInput {
                            upn: r.pupil.upn.to_string(),
                            code: "/".into(),
                            ..MarkInput::default()
                        })
                        .collect(),
                };
                let actor = Actor::command_line(name.clone(), Role::FormTutor);
                let start = Instant::now();
                registers::take_register(
                    store.as_mut(),
                    school.id,
                    &RegisterKey {
                        form: form.into(),
                        date: *day,
                        session: *session,
                    },
                    &submission,
                    &actor,
                    now,
                )
                .expect("take");
                direct.push(start.elapsed());
            }
            continue;
        }
        let (times, static_times) = runtime.block_on(async {
            let state = AppState::for_url(&url, settings).expect("state");
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let addr = listener.local_addr().expect("addr").to_string();
            tokio::spawn(rollcall_web::serve(listener, state));
            // Everyone signs in and loads their register first.
            let mut clients = Vec::new();
            for (name, form, session) in jobs.iter() {
                let mut c = Client::connect(&addr).await;
                c.sign_in(name).await;
                let path = format!("/api/v1/registers/{form}/{day}/{}", session.as_str());
                let (status, _, body) = c.send("GET", &path, "text/plain", "", "").await;
                assert_eq!(status, 200, "{body}");
                let register: Value = serde_json::from_str(&body).expect("register");
                clients.push((c, path, all_present(&register).to_string()));
            }
            let gate = Arc::new(tokio::sync::Barrier::new(clients.len()));
            let mut tasks = Vec::new();
            for (mut c, path, body) in clients {
                let gate = gate.clone();
                tasks.push(tokio::spawn(async move {
                    gate.wait().await;
                    let start = Instant::now();
                    let extra = format!("X-CSRF-Token: {}\r\n", c.csrf);
                    let (status, _, reply) = c
                        .send("POST", &path, "application/json", &body, &extra)
                        .await;
                    let took = start.elapsed();
                    assert_eq!(status, 200, "{reply}");
                    gate.wait().await;
                    let start = Instant::now();
                    let (status, _, _) =
                        c.send("GET", "/static/app.css", "text/plain", "", "").await;
                    assert_eq!(status, 200);
                    (took, start.elapsed())
                }));
            }
            let mut times = Vec::new();
            let mut static_times = Vec::new();
            for t in tasks {
                let (a, b) = t.await.expect("task");
                times.push(a);
                static_times.push(b);
            }
            (times, static_times)
        });
        submits.extend(times);
        statics.extend(static_times);
    }
    submits.sort();
    statics.sort();
    direct.sort();
    let (p50, p99) = (percentile(&submits, 0.5), percentile(&submits, 0.99));
    println!(
        "| {TUTORS} tutors submitting at once ({} submissions) | p50 | p99 |",
        submits.len()
    );
    println!("|---|---|---|");
    println!("| POST /api/v1/registers/… (sign-in check, reach, register checked and written) | {} | {} |", ms(p50), ms(p99));
    println!("| peer: the same submissions through rollcall-app, no HTTP, one at a time ({}) | {} | {} |", direct.len(), ms(percentile(&direct, 0.5)), ms(percentile(&direct, 0.99)));
    println!(
        "| peer: GET /static/app.css, {TUTORS} at once | {} | {} |",
        ms(percentile(&statics, 0.5)),
        ms(percentile(&statics, 0.99))
    );
    println!(
        "\nratio p99 submission / p99 direct write: {:.1}",
        p99.as_secs_f64() / percentile(&direct, 0.99).as_secs_f64()
    );
}
