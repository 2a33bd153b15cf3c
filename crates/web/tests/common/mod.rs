//! The harness for the web application's tests: the demo school (smaller), its demo users, and
//! the whole application answered in process, or served on a port for a browser.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use axum::body::{to_bytes, Body};
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use rollcall_web::{AppState, Clock, Settings};
use tower::ServiceExt;

/// The day the test school is on: Tuesday 8 July 2025, a school day near the end of its year.
pub const TODAY: &str = "2025-07-08";

/// A demo school of 300 pupils, built once per test binary; each test gets its own copy.
fn template() -> &'static Path {
    static DB: OnceLock<PathBuf> = OnceLock::new();
    DB.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("rollcall-web-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("template.db");
        let _ = std::fs::remove_file(&db);
        let mut store = rollcall_app::open_store(&db.display().to_string()).unwrap();
        let opts = rollcall_demo::DemoOptions {
            seed: 7,
            pupils: 300,
        };
        rollcall_app::demo::build_demo(
            store.as_mut(),
            &dir.join("files"),
            &opts,
            Some(rollcall_core::parse_date(TODAY).unwrap()),
            &mut |_, _, _| {},
        )
        .unwrap();
        rollcall_app::demo::demo_people(store.as_mut()).unwrap();
        rollcall_app::demo::demo_follow_up(store.as_mut()).unwrap();
        drop(store);
        db
    })
}

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub url: String,
    _dir: tempfile::TempDir,
}

/// A signed-in browser: its session cookie and CSRF token.
#[derive(Debug, Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub body: String,
}

impl TestApp {
    /// The demo school at 08:45 on [`TODAY`], before the morning register opens.
    pub fn new() -> TestApp {
        TestApp::at(&format!("{TODAY}T08:45:00"))
    }

    /// The demo school with the clock stopped at `now` (`YYYY-MM-DDTHH:MM:SS`).
    pub fn at(now: &str) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("rollcall.db");
        std::fs::copy(template(), &db).unwrap();
        let url = db.display().to_string();
        let now = chrono::NaiveDateTime::parse_from_str(now, "%Y-%m-%dT%H:%M:%S").unwrap();
        let settings = Settings {
            clock: Clock::Fixed(now),
            ..Settings::default()
        };
        let state = AppState::for_url(&url, settings).unwrap();
        let router = rollcall_web::router(state.clone())
            .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        TestApp {
            router,
            state,
            url,
            _dir: dir,
        }
    }

    pub async fn request(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let set_cookies = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        let body = to_bytes(response.into_body(), 1 << 24).await.unwrap();
        Reply {
            status,
            location,
            set_cookies,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    pub async fn get(&self, session: Option<&Session>, path: &str) -> Reply {
        let mut r = Request::get(path);
        if let Some(s) = session {
            r = r.header(header::COOKIE, &s.cookie);
        }
        self.request(r.body(Body::empty()).unwrap()).await
    }

    /// Posts a form; the session's CSRF token is added unless `pairs` has one.
    pub async fn post(
        &self,
        session: Option<&Session>,
        path: &str,
        pairs: &[(&str, &str)],
    ) -> Reply {
        let mut pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        if let Some(s) = session {
            if !pairs.iter().any(|(k, _)| k == "csrf") {
                pairs.push(("csrf".into(), s.csrf.clone()));
            }
        }
        let body = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut r =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(s) = session {
            r = r.header(header::COOKIE, &s.cookie);
        }
        self.request(r.body(Body::from(body)).unwrap()).await
    }

    /// Signs in a demo user (password `rollcall-demo`).
    pub async fn sign_in(&self, username: &str) -> Session {
        self.try_sign_in(username, rollcall_app::demo::DEMO_PASSWORD)
            .await
            .unwrap_or_else(|r| panic!("{username} could not sign in: {} {}", r.status, r.body))
    }

    pub async fn try_sign_in(&self, username: &str, password: &str) -> Result<Session, Reply> {
        let page = self.get(None, "/sign-in").await;
        let pre = cookie_value(&page.set_cookies, "rollcall_csrf").expect("a pre-session cookie");
        let form = format!(
            "username={}&password={}&csrf={}",
            encode(username),
            encode(password),
            pre
        );
        let r = Request::post("/sign-in")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("rollcall_csrf={pre}"))
            .body(Body::from(form))
            .unwrap();
        let reply = self.request(r).await;
        let Some(token) =
            cookie_value(&reply.set_cookies, "rollcall_session").filter(|t| !t.is_empty())
        else {
            return Err(reply);
        };
        let cookie = format!("rollcall_session={token}");
        let home = self
            .get(
                Some(&Session {
                    cookie: cookie.clone(),
                    csrf: String::new(),
                }),
                "/account",
            )
            .await;
        let csrf = hidden_csrf(&home.body)
            .unwrap_or_else(|| panic!("no CSRF token on {}'s home page: {}", username, home.body));
        Ok(Session { cookie, csrf })
    }
}

pub fn cookie_value(set_cookies: &[String], name: &str) -> Option<String> {
    set_cookies.iter().find_map(|c| {
        let first = c.split(';').next()?;
        let (k, v) = first.split_once('=')?;
        (k.trim() == name).then(|| v.to_owned())
    })
}

/// The CSRF token of a page's forms.
pub fn hidden_csrf(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(html[at..].split('"').next()?.to_owned())
}

pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Serves the application on a free port for a browser; returns its base URL.
pub async fn serve(app: &TestApp) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = app.state.clone();
    tokio::spawn(async move {
        let _ = rollcall_web::serve(listener, state).await;
    });
    format!("http://{addr}")
}

/// Every morning register of the test school taken at 09:00: `absent` marked N, the rest present.
pub fn take_all_registers(app: &TestApp, absent: &[rollcall_store::PupilId]) {
    let today = rollcall_core::parse_date(TODAY).unwrap();
    let nine =
        chrono::NaiveDateTime::parse_from_str("2025-07-08T09:00:00", "%Y-%m-%dT%H:%M:%S").unwrap();
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None)
        .unwrap()
        .id;
    let mut forms: Vec<String> = store
        .pupils(school)
        .unwrap()
        .into_iter()
        .filter(|p| p.pupil.on_roll(today))
        .filter_map(|p| p.pupil.form)
        .collect();
    forms.sort();
    forms.dedup();
    let office = rollcall_app::Actor::command_line("Pat Green", rollcall_core::Role::Office);
    for form in forms {
        let reg = rollcall_app::registers::register(
            store.as_mut(),
            school,
            &form,
            today,
            rollcall_core::Session::Am,
            nine,
        )
        .unwrap();
        let submission = rollcall_app::registers::RegisterSubmission {
            version: reg.version.clone(),
            reason: String::new(),
            marks: reg
                .pupils()
                .map(|r| rollcall_app::registers::MarkInput {
                    upn: r.pupil.upn.to_string(),
                    code: if absent.contains(&r.id) { "N" } else { "/" }.into(),
                    ..rollcall_app::registers::MarkInput::default()
                })
                .collect(),
        };
        let key = rollcall_app::registers::RegisterKey::parse(&form, TODAY, "AM").unwrap();
        rollcall_app::registers::take_register(
            store.as_mut(),
            school,
            &key,
            &submission,
            &office,
            nine,
        )
        .unwrap();
    }
}

/// Pupils of 7A on roll today whose first contact is a parent with an e-mail address, by UPN.
pub fn seven_a_with_parents(
    app: &TestApp,
) -> Vec<(rollcall_store::StoredPupil, Vec<rollcall_store::Contact>)> {
    let today = rollcall_core::parse_date(TODAY).unwrap();
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None)
        .unwrap()
        .id;
    let mut out: Vec<_> = store
        .pupils(school)
        .unwrap()
        .into_iter()
        .filter(|p| p.pupil.form.as_deref() == Some("7A") && p.pupil.on_roll(today))
        .filter(|p| !p.pupil.looked_after && !p.pupil.social_worker)
        .map(|p| {
            let c = store.contacts(school, p.id).unwrap();
            (p, c)
        })
        .filter(|(_, c)| {
            c.first()
                .is_some_and(|c| c.is_parent() && c.email.is_some())
        })
        .collect();
    out.sort_by_key(|(p, _)| p.pupil.upn.clone());
    out
}
