//! A pupil's record and a parent's page: who may see which pupil, and figures that are the
//! reports' own.

mod common;

use axum::http::StatusCode;
use common::*;
use rollcall_core::{parse_date, Counts, Pupil};
use rollcall_store::StoredPupil;

struct Demo {
    pupils: Vec<StoredPupil>,
    child: StoredPupil,
}

fn demo(app: &TestApp) -> Demo {
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
    let pupils = store.pupils(school.id).unwrap();
    let parent = store.user_by_name("parent").unwrap().unwrap();
    let child = pupils
        .iter()
        .find(|p| p.id == parent.user.children[0])
        .unwrap()
        .clone();
    Demo { pupils, child }
}

fn name(p: &Pupil) -> String {
    format!("{} {}", p.forename, p.surname)
}

/// The year to date's counts of every pupil, from the reports.
fn year_stats(app: &TestApp) -> Vec<(Pupil, Counts)> {
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
    rollcall_app::reports::pupil_stats(
        store.as_mut(),
        school.id,
        parse_date("2024-09-01").unwrap(),
        parse_date(TODAY).unwrap(),
    )
    .unwrap()
}

/// The text of the cells of the table row headed `label`.
fn row_cells(html: &str, label: &str) -> Vec<String> {
    let at = html
        .find(&format!("<th scope=\"row\">{label}"))
        .unwrap_or_else(|| panic!("no row {label}"));
    let row = &html[at..at + html[at..].find("</tr>").unwrap()];
    row.split("<td")
        .skip(1)
        .map(|cell| {
            let inner = &cell[cell.find('>').unwrap() + 1..];
            let inner = &inner[..inner.find("</td>").unwrap_or(inner.len())];
            strip_tags(inner).trim().to_owned()
        })
        .collect()
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[tokio::test]
async fn a_parent_sees_their_child_and_no_other_pupil() {
    let app = TestApp::new();
    let d = demo(&app);
    let s = app.sign_in("parent").await;
    let upn = d.child.pupil.upn.to_string();

    let page = app.get(Some(&s), "/children").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&name(&d.child.pupil)));
    assert!(page.body.contains(&format!("href=\"/pupils/{upn}\"")));

    // A mark of the child changed by the office.
    {
        let mut store = rollcall_app::open_store(&app.url).unwrap();
        let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
        let mark = store
            .pupil_marks(school.id, d.child.id, rollcall_store::DateRange::all())
            .unwrap()
            .into_iter()
            .find(|m| m.entry.code.text() != "I")
            .unwrap();
        let amend = rollcall_store::MarkChange::Amend {
            pupil: d.child.id,
            date: mark.date,
            session: mark.session,
            expected: mark.entry.clone(),
            entry: rollcall_core::marks::MarkEntry {
                code: rollcall_core::Code::parse_stored("I").unwrap(),
                minutes_late: None,
            },
            reason: "Mother phoned".into(),
            recorded: rollcall_core::marks::Recorded {
                by: "Pat Green".into(),
                role: "office".into(),
                at: chrono::Utc::now(),
            },
        };
        store.apply_marks(school.id, &[amend], &mut |_| {}).unwrap();
    }

    let record = app.get(Some(&s), &format!("/pupils/{upn}")).await;
    assert_eq!(record.status, StatusCode::OK, "{}", record.body);
    assert!(record.body.contains(&upn) && record.body.contains(&name(&d.child.pupil)));
    assert!(record.body.contains("Register this year") && record.body.contains("Mother phoned"));
    // The register and its changes, but not the school's casework, other people's contact
    // details, or staff names.
    for hidden in ["Alerts this year", ">Contacts<", "Pat Green"] {
        assert!(!record.body.contains(hidden), "{hidden}");
    }
    assert!(record.body.contains("Office") && record.body.contains("contact the school office"));
    let head = app.sign_in("head").await;
    let staff_view = app.get(Some(&head), &format!("/pupils/{upn}")).await;
    for shown in ["Alerts this year", ">Contacts<", "Pat Green"] {
        assert!(staff_view.body.contains(shown), "{shown}");
    }
    let marks = app
        .get(Some(&s), &format!("/api/v1/pupils/{upn}/marks"))
        .await;
    assert_eq!(marks.status, StatusCode::OK);
    let marks: serde_json::Value = serde_json::from_str(&marks.body).unwrap();
    assert!(marks["marks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["recorded_by"].is_null() && m["recorded_role"].is_string()));

    // Another pupil, on the register or not, is refused alike: the answer does not say which.
    let other = d.pupils.iter().find(|p| p.id != d.child.id).unwrap();
    let refused = app
        .get(Some(&s), &format!("/pupils/{}", other.pupil.upn))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!refused.body.contains(&other.pupil.surname));
    let unknown = app.get(Some(&s), "/pupils/A123456789012").await;
    assert_eq!(unknown.status, StatusCode::FORBIDDEN);

    // No staff page either.
    for path in [
        "/overview",
        "/overview/persistent",
        "/overview/pupils",
        "/governors",
        "/admin/users",
    ] {
        assert_eq!(
            app.get(Some(&s), path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
}

#[tokio::test]
async fn staff_see_the_pupils_they_reach() {
    let app = TestApp::new();
    let d = demo(&app);
    let in_form = |form: &str| {
        d.pupils
            .iter()
            .find(|p| p.pupil.form.as_deref() == Some(form))
            .unwrap()
            .pupil
            .upn
            .to_string()
    };
    let (a7, b8, a9) = (in_form("7A"), in_form("8B"), in_form("9A"));
    let status = |r: Reply| r.status;

    let tutor = app.sign_in("tutor7a").await;
    let get = |s: &Session, path: String| {
        let s = s.clone();
        let app = &app;
        async move { status(app.get(Some(&s), &path).await) }
    };
    assert_eq!(get(&tutor, format!("/pupils/{a7}")).await, StatusCode::OK);
    assert_eq!(
        get(&tutor, format!("/pupils/{b8}")).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&tutor, "/pupils/A123456789012".into()).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(get(&tutor, "/children".into()).await, StatusCode::FORBIDDEN);

    let hoy = app.sign_in("hoy9").await;
    assert_eq!(get(&hoy, format!("/pupils/{a9}")).await, StatusCode::OK);
    assert_eq!(
        get(&hoy, format!("/pupils/{a7}")).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&hoy, "/pupils/A123456789012".into()).await,
        StatusCode::FORBIDDEN
    );

    // Whoever reaches the whole school learns nothing from a 404: they could list every pupil.
    for user in ["head", "attendance", "office", "admin"] {
        let s = app.sign_in(user).await;
        assert_eq!(
            get(&s, format!("/pupils/{b8}")).await,
            StatusCode::OK,
            "{user}"
        );
        assert_eq!(
            get(&s, "/pupils/A123456789012".into()).await,
            StatusCode::NOT_FOUND,
            "{user}"
        );
    }

    // A governor never sees a pupil.
    let governor = app.sign_in("governor").await;
    for path in [
        format!("/pupils/{a7}"),
        "/pupils/A123456789012".into(),
        "/children".into(),
    ] {
        assert_eq!(
            get(&governor, path.clone()).await,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
}

/// Every member of staff finds a pupil from the navigation, among the pupils they reach, and
/// opens their record; parents and governors have no search.
#[tokio::test]
async fn staff_find_a_pupil_from_the_navigation_and_open_their_record() {
    let app = TestApp::new();
    let d = demo(&app);
    let today = parse_date(TODAY).unwrap();
    let in_form = |form: &str| {
        d.pupils
            .iter()
            .find(|p| p.pupil.form.as_deref() == Some(form) && p.pupil.on_roll(today))
            .unwrap()
            .pupil
            .clone()
    };
    let (a7, a9) = (in_form("7A"), in_form("9A"));
    let search = |p: &Pupil| format!("/pupils/search?q={}", encode(&name(p)));
    let link = |p: &Pupil| format!("href=\"/pupils/{}\"", p.upn);
    for (who, finds_7a, finds_9a) in [
        ("tutor7a", true, false),
        ("hoy9", false, true),
        ("office", true, true),
        ("head", true, true),
        ("attendance", true, true),
        ("admin", true, true),
    ] {
        let s = app.sign_in(who).await;
        let home = app.get(Some(&s), "/account").await;
        assert!(
            home.body.contains("href=\"/pupils/search\""),
            "{who} has the search in the navigation"
        );
        let empty = app.get(Some(&s), "/pupils/search").await;
        assert_eq!(empty.status, StatusCode::OK, "{who}");
        assert!(empty.body.contains("Find a pupil"));
        assert!(
            !empty.body.contains("Pupils found"),
            "nothing listed before a search"
        );
        for (pupil, finds) in [(&a7, finds_7a), (&a9, finds_9a)] {
            let r = app.get(Some(&s), &search(pupil)).await;
            assert_eq!(r.status, StatusCode::OK, "{who}");
            assert_eq!(
                r.body.contains(&link(pupil)),
                finds,
                "{who} searching for a pupil of {:?}: {}",
                pupil.form,
                r.body
            );
            if finds {
                // With what tells two pupils of the same name apart.
                assert!(r.body.contains(&pupil.upn.to_string()));
                assert!(r.body.contains(&pupil.dob.format("%-d %b %Y").to_string()));
                // The link leads to a record the user may read.
                let record = app.get(Some(&s), &format!("/pupils/{}", pupil.upn)).await;
                assert_eq!(record.status, StatusCode::OK, "{who}");
            } else {
                assert!(r.body.contains("No pupil you can see matches"), "{who}");
            }
        }
    }
    for who in ["parent", "governor"] {
        let s = app.sign_in(who).await;
        let home = app.get(Some(&s), "/account").await;
        assert!(!home.body.contains("/pupils/search"), "{who}");
        let r = app.get(Some(&s), &search(&d.child.pupil)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
        assert!(!r.body.contains(&d.child.pupil.upn.to_string()));
    }
}

#[tokio::test]
async fn the_record_shows_the_reports_figures_and_every_school_session() {
    let app = TestApp::new();
    let d = demo(&app);
    let stats = year_stats(&app);
    let head = app.sign_in("head").await;
    // The parent's child, and pupils in persistent and in severe absence.
    let mut chosen = vec![d.child.pupil.upn.clone()];
    chosen.extend(
        stats
            .iter()
            .find(|(_, c)| c.persistent_absence() && !c.severe_absence())
            .map(|(p, _)| p.upn.clone()),
    );
    chosen.extend(
        stats
            .iter()
            .find(|(_, c)| c.severe_absence())
            .map(|(p, _)| p.upn.clone()),
    );
    assert_eq!(
        chosen.len(),
        3,
        "the demo has pupils in persistent and severe absence"
    );
    for upn in chosen {
        let (_, c) = stats.iter().find(|(p, _)| p.upn == upn).unwrap();
        let page = app.get(Some(&head), &format!("/pupils/{upn}")).await;
        assert_eq!(page.status, StatusCode::OK);
        let cells = row_cells(&page.body, "Year to date");
        assert_eq!(
            cells[..5],
            [
                c.possible.to_string(),
                c.present.to_string(),
                c.aea.to_string(),
                c.authorised.to_string(),
                c.unauthorised.to_string(),
            ],
            "{upn}"
        );
        let expected_pct = format!("{}%", c.attendance_pct().unwrap());
        assert!(
            cells[5].starts_with(&expected_pct),
            "{upn}: {} vs {expected_pct}",
            cells[5]
        );
        assert_eq!(
            cells[5].contains("Severe absence"),
            c.severe_absence(),
            "{upn}"
        );
        assert_eq!(
            cells[5].contains("Persistent absence"),
            c.persistent_absence() && !c.severe_absence(),
            "{upn}"
        );

        // One cell per school session on roll: marked (possible or not), or without a mark.
        let sessions = page.body.matches("data-session=").count() as u32;
        assert_eq!(sessions, c.possible + c.not_possible + c.unmarked, "{upn}");
        let labelled = page.body.matches("role=\"img\" aria-label=").count() as u32;
        assert_eq!(labelled, sessions, "every cell says what it is");
        // Today's registers, not open yet at 08:45, are shown as still to be taken.
        assert!(
            page.body.contains("Tue 8 Jul AM: register not taken yet"),
            "{upn}"
        );
    }
}

#[tokio::test]
async fn the_record_shows_amendments_alerts_and_contacts() {
    let app = TestApp::new();
    let (upn, amendment, contact) = {
        let mut store = rollcall_app::open_store(&app.url).unwrap();
        let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
        let amendments = store.amendments(school.id, None).unwrap();
        let a = amendments.first().expect("the demo has amendments").clone();
        let pupil = store
            .pupils(school.id)
            .unwrap()
            .into_iter()
            .find(|p| p.id == a.pupil)
            .unwrap();
        let contact = store.contacts(school.id, pupil.id).unwrap().remove(0);
        (pupil.pupil.upn.to_string(), a, contact)
    };
    let s = app.sign_in("attendance").await;
    let page = app.get(Some(&s), &format!("/pupils/{upn}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let shown = |text: &str| page.body.contains(&maud::html! { (text) }.into_string());
    assert!(shown(&amendment.reason), "the reason of the change");
    assert!(shown(&amendment.recorded.by));
    assert!(shown(&contact.name()));

    // The alerts are the rules' findings for this pupil this year, less the registers of today
    // that are not open yet.
    let today = parse_date(TODAY).unwrap();
    let found = {
        let mut store = rollcall_app::open_store(&app.url).unwrap();
        let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
        rollcall_app::alerts::alerts(
            store.as_mut(),
            school.id,
            today,
            &rollcall_app::alerts::AlertQuery {
                all_rules: true,
                upn: Some(upn.clone()),
                rule: None,
            },
        )
        .unwrap()
    };
    for f in &found {
        let pending = f.rule == rollcall_rules::Rule::RegisterNotTaken && f.date == today;
        assert_eq!(
            shown(&f.evidence.summary),
            !pending,
            "{}",
            f.evidence.summary
        );
    }
}

#[tokio::test]
async fn a_parent_s_page_lists_only_their_children() {
    let app = TestApp::new();
    let d = demo(&app);
    let stats = year_stats(&app);
    let s = app.sign_in("parent").await;
    let page = app.get(Some(&s), "/children").await;
    let (_, c) = stats
        .iter()
        .find(|(p, _)| p.upn == d.child.pupil.upn)
        .unwrap();
    assert!(page
        .body
        .contains(&format!("{}%", c.attendance_pct().unwrap())));
    assert_eq!(page.body.matches("href=\"/pupils/").count(), 1);
    // Only parents have a page of children.
    let head = app.sign_in("head").await;
    assert_eq!(
        app.get(Some(&head), "/children").await.status,
        StatusCode::FORBIDDEN
    );
}
