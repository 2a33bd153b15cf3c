//! Sign-in, sessions and CSRF protection.

mod common;

use axum::http::StatusCode;
use common::*;

#[tokio::test]
async fn sign_in_sets_a_safe_cookie_and_sign_out_ends_the_session() {
    let app = TestApp::new();
    let page = app.get(None, "/sign-in").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("name=\"username\"")
            && page.body.contains("autocomplete=\"current-password\"")
    );
    let s = app.sign_in("office").await;
    let r = app.get(Some(&s), "/").await;
    assert_eq!(r.location.as_deref(), Some("/office"));
    // The cookie is HttpOnly and SameSite.
    let page = app.get(None, "/sign-in").await;
    let pre = cookie_value(&page.set_cookies, "rollcall_csrf").unwrap();
    let reply = app
        .request(
            axum::http::Request::post("/sign-in")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", format!("rollcall_csrf={pre}"))
                .body(axum::body::Body::from(format!(
                    "username=head&password=rollcall-demo&csrf={pre}"
                )))
                .unwrap(),
        )
        .await;
    let set = reply
        .set_cookies
        .iter()
        .find(|c| c.starts_with("rollcall_session="))
        .unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    // Signing out ends the session on the server, not only in the browser.
    let out = app.post(Some(&s), "/sign-out", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let after = app.get(Some(&s), "/account").await;
    assert_eq!(after.location.as_deref(), Some("/sign-in"));
}

#[tokio::test]
async fn wrong_passwords_are_refused_and_then_limited() {
    let app = TestApp::new();
    for _ in 0..5 {
        let r = app
            .try_sign_in("office", "wrong password")
            .await
            .unwrap_err();
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.body.contains("do not match"));
    }
    let r = app
        .try_sign_in("office", "rollcall-demo")
        .await
        .unwrap_err();
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    // Another user from the same address may still sign in.
    app.sign_in("head").await;
    // An unknown user is told the same as a wrong password.
    let r = app
        .try_sign_in("nobody", "rollcall-demo")
        .await
        .unwrap_err();
    assert!(r.body.contains("do not match"));
}

#[tokio::test]
async fn changes_without_the_csrf_token_are_refused() {
    let app = TestApp::new();
    let s = app.sign_in("office").await;
    let forged = app.post(Some(&s), "/sign-out", &[("csrf", "0000")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.body.contains("form has expired"));
    // The session still stands.
    assert_eq!(
        app.get(Some(&s), "/").await.location.as_deref(),
        Some("/office")
    );
    // Sign-in itself needs the double-submit token.
    let r = app
        .request(
            axum::http::Request::post("/sign-in")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(
                    "username=head&password=rollcall-demo",
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// A refusal is drawn in the frame of every page: the user's own navigation and the sign-out
/// button, so that it is never a dead end.
#[tokio::test]
async fn a_refused_page_keeps_the_navigation_and_the_sign_out_button() {
    let app = TestApp::new();
    for (who, refused, own) in [
        ("parent", "/overview", "href=\"/children\""),
        ("tutor7a", "/office", "href=\"/registers\""),
        ("governor", "/registers", "href=\"/governors\""),
    ] {
        let s = app.sign_in(who).await;
        let r = app.get(Some(&s), refused).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who} {refused}");
        assert!(r.body.contains("you do not have access to this page"));
        assert!(
            r.body.contains("<nav aria-label=\"Main\">"),
            "{who}: {}",
            r.body
        );
        assert!(r.body.contains(own), "{who}'s own navigation: {}", r.body);
        assert!(
            r.body.contains("action=\"/sign-out\"")
                && r.body
                    .contains(&format!("name=\"csrf\" value=\"{}\"", s.csrf)),
            "{who} can sign out: {}",
            r.body
        );
        // A page that does not exist, too.
        let r = app.get(Some(&s), "/no-such-page").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.body.contains("action=\"/sign-out\""), "{}", r.body);
    }
    // Signed out, a refusal has nobody's navigation.
    let forged = app.post(None, "/sign-out", &[("csrf", "0000")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(!forged.body.contains("<nav"));
    assert!(!forged.body.contains("/sign-out\""));
}

#[tokio::test]
async fn pages_ask_for_sign_in_and_the_api_answers_401() {
    let app = TestApp::new();
    assert_eq!(
        app.get(None, "/").await.location.as_deref(),
        Some("/sign-in")
    );
    let r = app.get(None, "/api/v1/me").await;
    assert!(
        r.status == StatusCode::UNAUTHORIZED || r.status == StatusCode::NOT_FOUND,
        "{}",
        r.status
    );
    // Security headers on every page.
    let r = app
        .request(
            axum::http::Request::get("/sign-in")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn idle_sessions_end() {
    let app = TestApp::new();
    let s = app.sign_in("office").await;
    // Move the session's last activity back beyond the idle limit.
    let hash =
        rollcall_app::cases::sessions::token_hash(s.cookie.trim_start_matches("rollcall_session="));
    let url = app.url.clone();
    let mut store = rollcall_app::open_store(&url).unwrap();
    let long_ago = chrono::Utc::now() - chrono::Duration::hours(2);
    store.touch_session(&hash, long_ago).unwrap();
    let r = app.get(Some(&s), "/account").await;
    assert_eq!(r.location.as_deref(), Some("/sign-in"));
    assert!(
        store.session(&hash).unwrap().is_none(),
        "the idle session was ended"
    );
}

#[tokio::test]
async fn changing_a_user_ends_their_sessions() {
    let app = TestApp::new();
    let s = app.sign_in("office").await;
    assert_eq!(app.get(Some(&s), "/account").await.status, StatusCode::OK);
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
    let new = rollcall_app::users::NewUser {
        username: "office".into(),
        display_name: "Pat Green".into(),
        role: Some(rollcall_core::Role::Office),
        school: Some(school.id),
        password: "a new long password".into(),
        ..Default::default()
    };
    rollcall_app::users::save_user(store.as_mut(), &new).unwrap();
    assert_eq!(
        app.get(Some(&s), "/account").await.location.as_deref(),
        Some("/sign-in")
    );
    assert!(app.try_sign_in("office", "rollcall-demo").await.is_err());
    assert!(app
        .try_sign_in("office", "a new long password")
        .await
        .is_ok());
}
