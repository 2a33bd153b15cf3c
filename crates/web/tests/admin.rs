//! Users, for administrators: the list, adding a user who can then sign in, changing one, and
//! mistakes sent back with their reason.

mod common;

use axum::http::StatusCode;
use common::*;

fn pupil_in(app: &TestApp, form: &str) -> String {
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
    store
        .pupils(school.id)
        .unwrap()
        .into_iter()
        .find(|p| p.pupil.form.as_deref() == Some(form))
        .unwrap()
        .pupil
        .upn
        .to_string()
}

#[tokio::test]
async fn the_administrator_adds_a_tutor_who_can_then_sign_in() {
    let app = TestApp::new();
    let admin = app.sign_in("admin").await;
    let list = app.get(Some(&admin), "/admin/users").await;
    assert_eq!(list.status, StatusCode::OK);
    for name in ["tutor7a", "hoy9", "governor", "parent"] {
        assert!(list.body.contains(name), "{name} is listed");
    }
    assert!(list.body.contains("Form 7A") && list.body.contains("Year 9"));

    let saved = app
        .post(
            Some(&admin),
            "/admin/users",
            &[
                ("username", "r.khan"),
                ("display_name", "Rana Khan"),
                ("role", "form_tutor"),
                ("forms", "8B"),
                ("year_groups", ""),
                ("children", ""),
                ("password", "a long enough password"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location.as_deref(), Some("/admin/users?saved=r.khan"));
    let list = app.get(Some(&admin), "/admin/users?saved=r.khan").await;
    assert!(list.body.contains("Saved the user r.khan") && list.body.contains("Rana Khan"));
    // The password is stored hashed, never shown.
    assert!(!list.body.contains("a long enough password"));

    let tutor = app
        .try_sign_in("r.khan", "a long enough password")
        .await
        .unwrap_or_else(|r| panic!("the new tutor cannot sign in: {}", r.status));
    assert_eq!(
        app.get(Some(&tutor), "/").await.location.as_deref(),
        Some("/registers")
    );
    let b8 = pupil_in(&app, "8B");
    let a7 = pupil_in(&app, "7A");
    assert_eq!(
        app.get(Some(&tutor), &format!("/pupils/{b8}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(Some(&tutor), &format!("/pupils/{a7}")).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_administrator_changes_a_user() {
    let app = TestApp::new();
    let admin = app.sign_in("admin").await;
    let form = app.get(Some(&admin), "/admin/users?edit=hoy9").await;
    assert!(form.body.contains("value=\"hoy9\"") && form.body.contains("value=\"9\""));
    let saved = app
        .post(
            Some(&admin),
            "/admin/users",
            &[
                ("username", "hoy9"),
                ("display_name", "Chris Doyle"),
                ("role", "head_of_year"),
                ("year_groups", "9, 10"),
                ("password", "another long password"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let hoy = app
        .try_sign_in("hoy9", "another long password")
        .await
        .unwrap_or_else(|r| panic!("{}", r.status));
    let ten = pupil_in(&app, "10A");
    assert_eq!(
        app.get(Some(&hoy), &format!("/pupils/{ten}")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn mistakes_come_back_with_their_reason() {
    let app = TestApp::new();
    let admin = app.sign_in("admin").await;
    let cases: [(&[(&str, &str)], &str); 5] = [
        (
            &[
                ("username", "newtutor"),
                ("role", "form_tutor"),
                ("password", "long enough password"),
            ],
            "a form tutor needs at least one form",
        ),
        (
            &[
                ("username", "newhoy"),
                ("role", "head_of_year"),
                ("year_groups", "nine"),
                ("password", "long enough password"),
            ],
            "&#39;nine&#39; is not a year group",
        ),
        (
            &[
                ("username", "newparent"),
                ("role", "parent"),
                ("children", "A123456789012"),
                ("password", "long enough password"),
            ],
            "no pupil with UPN A123456789012",
        ),
        (
            &[
                ("username", "short"),
                ("role", "governor"),
                ("password", "short"),
            ],
            "the password is too short",
        ),
        (&[], "is not a user name"),
    ];
    for (fields, message) in cases {
        let r = app.post(Some(&admin), "/admin/users", fields).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{message}");
        assert!(
            r.body.contains(message) || r.body.contains(&message.replace("&#39;", "'")),
            "{message}: {}",
            r.body
        );
        // What was typed is kept, except the password.
        if let Some((_, name)) = fields.iter().find(|(k, _)| *k == "username") {
            assert!(r.body.contains(&format!("value=\"{name}\"")));
        }
        assert!(!r.body.contains("long enough password"));
    }
    let list = app.get(Some(&admin), "/admin/users").await;
    assert!(!list.body.contains("newtutor") && !list.body.contains("newparent"));
}

#[tokio::test]
async fn only_administrators_manage_users() {
    let app = TestApp::new();
    for user in [
        "head",
        "attendance",
        "hoy9",
        "tutor7a",
        "office",
        "governor",
        "parent",
    ] {
        let s = app.sign_in(user).await;
        for path in ["/admin/users", "/admin/users?edit=a&edit=b"] {
            assert_eq!(
                app.get(Some(&s), path).await.status,
                StatusCode::FORBIDDEN,
                "{user} {path}"
            );
        }
        let r = app
            .post(
                Some(&s),
                "/admin/users",
                &[
                    ("username", "intruder"),
                    ("role", "administrator"),
                    ("password", "a long enough password"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}");
    }
    assert!(app
        .try_sign_in("intruder", "a long enough password")
        .await
        .is_err());
}

/// A user is deactivated and brought back without a new password: deactivated, their session ends
/// and they cannot sign in; changes that leave the password empty keep it.
#[tokio::test]
async fn the_administrator_deactivates_a_user_and_keeps_passwords() {
    let app = TestApp::new();
    let admin = app.sign_in("admin").await;
    let tutor = app.sign_in("tutor7a").await;
    assert_eq!(
        app.get(Some(&tutor), "/registers").await.status,
        StatusCode::OK
    );
    let form = app.get(Some(&admin), "/admin/users?edit=tutor7a").await;
    assert!(
        form.body.contains(r#"<option value="active" selected>"#),
        "{}",
        form.body
    );

    let fields = |status: &'static str| {
        [
            ("username", "tutor7a"),
            ("display_name", "Jo Smith"),
            ("role", "form_tutor"),
            ("forms", "7A"),
            ("status", status),
            ("password", ""),
        ]
    };
    let saved = app
        .post(Some(&admin), "/admin/users", &fields("inactive"))
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let list = app.get(Some(&admin), "/admin/users?edit=tutor7a").await;
    assert!(list.body.contains(r#"<option value="inactive" selected>"#));
    // Their session has ended, and they cannot sign in again.
    assert_eq!(
        app.get(Some(&tutor), "/registers")
            .await
            .location
            .as_deref(),
        Some("/sign-in")
    );
    assert!(app
        .try_sign_in("tutor7a", rollcall_app::demo::DEMO_PASSWORD)
        .await
        .is_err());

    // Active again, with the password they had.
    let saved = app
        .post(Some(&admin), "/admin/users", &fields("active"))
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(app
        .try_sign_in("tutor7a", rollcall_app::demo::DEMO_PASSWORD)
        .await
        .is_ok());

    // A new user still needs a password.
    let r = app
        .post(
            Some(&admin),
            "/admin/users",
            &[("username", "nopassword"), ("role", "governor")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("a new user needs a password"), "{}", r.body);

    // The administrator cannot lock themselves out.
    for (role, status) in [("administrator", "inactive"), ("headteacher", "active")] {
        let r = app
            .post(
                Some(&admin),
                "/admin/users",
                &[("username", "admin"), ("role", role), ("status", status)],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{role} {status}");
        assert!(r.body.contains("your own account"), "{}", r.body);
    }
    assert_eq!(
        app.get(Some(&admin), "/admin/users").await.status,
        StatusCode::OK
    );
}

/// A school's administrator cannot take over a user of another school, or a trust-wide user,
/// by saving their user name.
#[tokio::test]
async fn another_schools_users_are_not_the_administrators_to_change() {
    let app = TestApp::new();
    {
        let mut store = rollcall_app::open_store(&app.url).unwrap();
        let ours = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
        let calendar = store.calendar(ours.id).unwrap();
        let times = ours.register_times.unwrap();
        let other = store
            .import_calendar(
                &rollcall_store::SchoolDetails {
                    name: "Southfield School".into(),
                    urn: Some("999999".into()),
                    la: None,
                    estab: None,
                },
                &times,
                &calendar,
            )
            .unwrap();
        for (name, school) in [("southhead", Some(other)), ("trustadmin", None)] {
            rollcall_app::users::save_user(
                store.as_mut(),
                &rollcall_app::users::NewUser {
                    username: name.into(),
                    role: Some(rollcall_core::Role::Headteacher),
                    school,
                    password: "their own long password".into(),
                    ..Default::default()
                },
            )
            .unwrap();
        }
    }
    let admin = app.sign_in("admin").await;
    for name in ["southhead", "trustadmin"] {
        let r = app
            .post(
                Some(&admin),
                "/admin/users",
                &[
                    ("username", name),
                    ("role", "administrator"),
                    ("password", "taken over password"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(
            r.body.contains("is taken by a user of another school"),
            "{}",
            r.body
        );
        assert!(app.try_sign_in(name, "taken over password").await.is_err());
        assert!(app
            .try_sign_in(name, "their own long password")
            .await
            .is_ok());
    }
}
