//! Contacts kept up to date through the pages: the office adds a contact and the pupil leaves
//! the list of those short; bad input and forged requests are refused with a clear message and
//! change nothing; a head of year keeps their year groups' contacts only; a parent proposes
//! changes to their own entry only and sees no one else's contacts; a governor reaches none of it.

mod common;

use axum::http::StatusCode;
use common::*;
use rollcall_store::{Contact, PupilId, SchoolId, Store, StoredPupil};

struct Look {
    store: Box<dyn Store>,
    school: SchoolId,
}

impl Look {
    fn new(app: &TestApp) -> Look {
        let mut store = rollcall_app::open_store(&app.url).unwrap();
        let school = rollcall_app::resolve_school(store.as_mut(), None)
            .unwrap()
            .id;
        Look { store, school }
    }

    fn pupils(&mut self) -> Vec<StoredPupil> {
        let today = rollcall_core::parse_date(TODAY).unwrap();
        let mut all: Vec<_> = self
            .store
            .pupils(self.school)
            .unwrap()
            .into_iter()
            .filter(|p| p.pupil.on_roll(today))
            .collect();
        all.sort_by_key(|p| p.pupil.upn.clone());
        all
    }

    fn of_year(&mut self, year: u8) -> StoredPupil {
        self.pupils()
            .into_iter()
            .find(|p| p.pupil.year_group == rollcall_core::YearGroup::Year(year))
            .unwrap()
    }

    fn contacts(&mut self, pupil: PupilId) -> Vec<Contact> {
        self.store.contacts(self.school, pupil).unwrap()
    }

    fn everything(&mut self) -> (Vec<(PupilId, Contact)>, usize) {
        (
            self.store.all_contacts(self.school).unwrap(),
            self.store
                .contact_proposals(self.school, None)
                .unwrap()
                .len(),
        )
    }

    /// The demo parent's child.
    fn child(&mut self) -> StoredPupil {
        let id = self
            .store
            .user_by_name("parent")
            .unwrap()
            .unwrap()
            .user
            .children[0];
        self.pupils().into_iter().find(|p| p.id == id).unwrap()
    }
}

fn upn(p: &StoredPupil) -> String {
    p.pupil.upn.to_string()
}

const GRANDAD: [(&str, &str); 6] = [
    ("forename", "Tom"),
    ("surname", "Elder"),
    ("relationship", "grandfather"),
    ("priority", "3"),
    ("phone", "07700 900555"),
    ("may_collect", "yes"),
];

fn with<'a>(over: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut out: Vec<(&str, &str)> = GRANDAD
        .iter()
        .filter(|(k, _)| !over.iter().any(|(o, _)| o == k))
        .copied()
        .collect();
    out.extend_from_slice(over);
    out
}

#[tokio::test]
async fn the_office_completes_a_pupils_contacts_from_the_list() {
    let app = TestApp::new();
    let office = app.sign_in("office").await;
    // A pupil short of a second phone number only, as the use case lists them.
    let actor = {
        let mut store = rollcall_app::open_store(&app.url).unwrap();
        rollcall_app::Actor::of_user(&store.user_by_name("office").unwrap().unwrap())
    };
    let short = app
        .state
        .app()
        .contact_shortfalls(&actor)
        .unwrap()
        .pupils
        .into_iter()
        .find(|s| s.with_phone == 1 && s.parent_at_home)
        .unwrap()
        .pupil
        .pupil
        .upn
        .to_string();
    let list = app.get(Some(&office), "/office/contacts").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Contacts to complete"), "{}", list.body);
    // The navigation leads to the list, and the list to the pupil's contacts in one click.
    assert!(list.body.contains("href=\"/office/contacts\""));
    assert!(list.body.contains(&format!("tr data-upn=\"{short}\"")));
    let link = format!("/pupils/{short}/contacts");
    assert!(list.body.contains(&format!("href=\"{link}\"")));

    let page = app.get(Some(&office), &link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Short of what the school needs"));
    let added = app.post(Some(&office), &link, &GRANDAD).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    assert!(
        added.body.contains("Added Tom Elder (ref. P1)"),
        "{}",
        added.body
    );
    assert!(!added.body.contains("Short of what the school needs"));
    let list = app.get(Some(&office), "/office/contacts").await;
    assert!(!list.body.contains(&format!("tr data-upn=\"{short}\"")));
    // The pupil's record links to their contacts.
    let record = app.get(Some(&office), &format!("/pupils/{short}")).await;
    assert!(record.body.contains(&format!("href=\"{link}\"")));

    // Changed, then removed.
    let changed = app
        .post(
            Some(&office),
            &format!("{link}/P1"),
            &with(&[("phone", "07700 900666")]),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert!(changed.body.contains("Saved Tom Elder"));
    assert!(changed.body.contains("07700 900666"));
    let removed = app
        .post(
            Some(&office),
            &format!("{link}/P1/remove"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    assert!(removed.body.contains("Removed Tom Elder"));
}

#[tokio::test]
async fn bad_input_and_forged_requests_are_refused_and_change_nothing() {
    let app = TestApp::new();
    let mut look = Look::new(&app);
    let pupil = look.of_year(8);
    let existing = look.contacts(pupil.id).remove(0);
    let before = look.everything();
    let office = app.sign_in("office").await;
    let link = format!("/pupils/{}/contacts", upn(&pupil));

    for (form, said) in [
        (
            with(&[("email", "tom at example")]),
            "is not an e-mail address",
        ),
        (with(&[("forename", ""), ("surname", " ")]), "s forename"),
        (with(&[("priority", "0")]), "is not an order to call in"),
    ] {
        for path in [link.clone(), format!("{link}/{}", existing.reference)] {
            let reply = app.post(Some(&office), &path, &form).await;
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{path}: {}",
                reply.body
            );
            assert!(reply.body.contains("Nothing was saved"), "{}", reply.body);
            assert!(reply.body.contains(said), "{said}: {}", reply.body);
        }
    }
    // A pupil not on the register.
    let unknown = rollcall_core::Upn::with_check_letter("999999999999")
        .unwrap()
        .to_string();
    let reply = app
        .post(
            Some(&office),
            &format!("/pupils/{unknown}/contacts"),
            &GRANDAD,
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply
        .body
        .contains(&format!("no pupil with UPN {unknown} is on this school")));
    // Forged: no token, or another session's.
    let other = app.sign_in("attendance").await;
    for csrf in ["", other.csrf.as_str(), "forged"] {
        let mut form = GRANDAD.to_vec();
        form.push(("csrf", csrf));
        let reply = app.post(Some(&office), &link, &form).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    }
    // Removing without confirming.
    let reply = app
        .post(
            Some(&office),
            &format!("{link}/{}/remove", existing.reference),
            &[],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("confirm that"));
    assert_eq!(look.everything(), before);
}

#[tokio::test]
async fn a_head_of_year_changes_nothing_outside_their_year_groups() {
    let app = TestApp::new();
    let mut look = Look::new(&app);
    let seven = look.of_year(7);
    let nine = look.of_year(9);
    let seven_contact = look.contacts(seven.id).remove(0);
    let before = look.everything();
    let hoy = app.sign_in("hoy9").await;
    let unknown = rollcall_core::Upn::with_check_letter("999999999999")
        .unwrap()
        .to_string();
    for target in [upn(&seven), unknown] {
        let link = format!("/pupils/{target}/contacts");
        assert_eq!(
            app.get(Some(&hoy), &link).await.status,
            StatusCode::FORBIDDEN
        );
        for path in [
            link.clone(),
            format!("{link}/{}", seven_contact.reference),
            format!("{link}/{}/remove", seven_contact.reference),
        ] {
            let form = with(&[("confirm", "yes"), ("forename", "Changed")]);
            let reply = app.post(Some(&hoy), &path, &form).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}");
        }
    }
    assert_eq!(look.everything(), before);
    // Their own year group's: yes.
    let reply = app
        .post(
            Some(&hoy),
            &format!("/pupils/{}/contacts", upn(&nine)),
            &GRANDAD,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // Their list holds no pupil of another year.
    let list = app.get(Some(&hoy), "/office/contacts").await;
    assert!(!list.body.contains(&upn(&seven)));
}

#[tokio::test]
async fn a_parent_proposes_for_their_own_entry_and_sees_no_other_contacts() {
    let app = TestApp::new();
    let mut look = Look::new(&app);
    let child = look.child();
    let stranger = look.of_year(9);
    let parent_ref = look
        .store
        .user_by_name("parent")
        .unwrap()
        .unwrap()
        .user
        .contact
        .unwrap();
    let theirs = look.contacts(child.id);
    let other_parent = theirs
        .iter()
        .find(|c| c.reference != parent_ref)
        .unwrap()
        .clone();
    let stranger_contact = look.contacts(stranger.id).remove(0);
    let before = look.everything();
    let parent = app.sign_in("parent").await;

    // No contacts page for any pupil, theirs, another family's or nobody's.
    let unknown = rollcall_core::Upn::with_check_letter("999999999999")
        .unwrap()
        .to_string();
    for target in [upn(&child), upn(&stranger), unknown] {
        let reply = app
            .get(Some(&parent), &format!("/pupils/{target}/contacts"))
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert!(!reply.body.contains(&stranger_contact.reference));
    }
    for path in ["/office/contacts", "/office/contacts/proposals"] {
        assert_eq!(
            app.get(Some(&parent), path).await.status,
            StatusCode::FORBIDDEN
        );
    }
    // Their own page shows their own entry, and no one else's details.
    let mine = app.get(Some(&parent), "/children/details").await;
    assert_eq!(mine.status, StatusCode::OK);
    let me = theirs.iter().find(|c| c.reference == parent_ref).unwrap();
    assert!(mine.body.contains(me.phone.as_deref().unwrap()));
    for other in [&other_parent, &stranger_contact] {
        if let Some(phone) = &other.phone {
            assert!(!mine.body.contains(phone.as_str()), "{phone}");
        }
    }
    // Proposing for another's entry is refused; nothing is proposed.
    for other in [&other_parent.reference, &stranger_contact.reference] {
        let reply = app
            .post(
                Some(&parent),
                "/children/details",
                &[("contact", other.as_str()), ("phone", "07700 900111")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    }
    // Bad input: a clear message, nothing proposed.
    let reply = app
        .post(
            Some(&parent),
            "/children/details",
            &[("phone", "07700 900111"), ("email", "not an address")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("is not an e-mail address"));
    assert_eq!(look.everything(), before);

    // Their own: sent, waiting, and not made until the office accepts.
    let reply = app
        .post(
            Some(&parent),
            "/children/details",
            &[("phone", "07700 900111")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.body.contains("Waiting for the school office"));
    assert_eq!(look.everything().0, before.0);
    let office = app.sign_in("office").await;
    let board = app.get(Some(&office), "/office/contacts/proposals").await;
    assert!(board.body.contains("07700 900111"));
    assert!(board.body.contains(me.phone.as_deref().unwrap()));
    let id = look.store.contact_proposals(look.school, None).unwrap()[0].id;
    let reply = app
        .post(
            Some(&office),
            &format!("/office/contacts/proposals/{id}"),
            &[("decision", "reject"), ("reason", "")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("say why the change is rejected"));
    let reply = app
        .post(
            Some(&office),
            &format!("/office/contacts/proposals/{id}"),
            &[
                ("decision", "reject"),
                ("reason", "Please ring us to confirm"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mine = app.get(Some(&parent), "/children/details").await;
    assert!(mine.body.contains("Not made"), "{}", mine.body);
    assert!(mine.body.contains("Please ring us to confirm"));
    assert_eq!(look.everything().0, before.0);
}

#[tokio::test]
async fn a_governor_reaches_none_of_it() {
    let app = TestApp::new();
    let mut look = Look::new(&app);
    let pupil = look.of_year(7);
    let contact = look.contacts(pupil.id).remove(0);
    let before = look.everything();
    let governor = app.sign_in("governor").await;
    let link = format!("/pupils/{}/contacts", upn(&pupil));
    for path in [
        link.as_str(),
        "/office/contacts",
        "/office/contacts/proposals",
        "/children/details",
    ] {
        let reply = app.get(Some(&governor), path).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}");
        assert!(!reply.body.contains(&upn(&pupil)));
    }
    for path in [
        link.clone(),
        format!("{link}/{}", contact.reference),
        format!("{link}/{}/remove", contact.reference),
        "/office/contacts/proposals/1".into(),
        "/children/details".into(),
    ] {
        let reply = app
            .post(Some(&governor), &path, &with(&[("confirm", "yes")]))
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(look.everything(), before);
}
