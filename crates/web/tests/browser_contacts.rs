//! Contacts kept up to date in a real browser: the office adds a second phone contact for a
//! pupil on the list of those short and the pupil leaves it; a parent proposes a new phone
//! number, the office accepts it, and the contact shows the new number.

mod common;

use common::*;
use rollcall_app::Actor;
use rollcall_store::ProposalStatus;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn contacts_are_completed_and_a_parents_change_accepted_in_a_browser() {
    let app = TestApp::at(&format!("{TODAY}T10:00:00"));
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None)
        .unwrap()
        .id;
    let office = Actor::of_user(&store.user_by_name("office").unwrap().unwrap());
    let short = app
        .state
        .app()
        .contact_shortfalls(&office)
        .unwrap()
        .pupils
        .into_iter()
        .find(|s| s.with_phone == 1 && s.parent_at_home)
        .expect("a pupil short of a second phone number only")
        .pupil;
    let parent = store.user_by_name("parent").unwrap().unwrap();
    let child = store
        .pupils(school)
        .unwrap()
        .into_iter()
        .find(|p| p.id == parent.user.children[0])
        .unwrap();
    let reference = parent.user.contact.clone().unwrap();
    let me = store
        .contacts(school, child.id)
        .unwrap()
        .into_iter()
        .find(|c| c.reference == reference)
        .unwrap();
    drop(store);

    let new_phone = "07700 900444";
    let data = json!({
        "password": rollcall_app::demo::DEMO_PASSWORD,
        "width": 390,
        "height": 844,
        "short": {
            "upn": short.pupil.upn.to_string(),
            "name": format!("{} {}", short.pupil.forename, short.pupil.surname),
        },
        "added": {
            "forename": "Rosa",
            "surname": "Elder",
            "relationship": "grandmother",
            "phone": "07700 900333",
        },
        "child": { "upn": child.pupil.upn.to_string() },
        "me": { "reference": me.reference, "phone": me.phone },
        "phone": new_phone,
    });
    let base = serve(&app).await;
    tokio::task::spawn_blocking(move || {
        rollcall_testkit::browser::run_scenario("contacts", &base, &data)
    })
    .await
    .unwrap()
    .unwrap_or_else(|e| panic!("{e:#}"));

    // What the browser did is what the school holds.
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let theirs = store.contacts(school, short.id).unwrap();
    let added = theirs.iter().find(|c| c.name() == "Rosa Elder").unwrap();
    assert_eq!(added.phone.as_deref(), Some("07700 900333"));
    assert!(added.may_collect);
    let list = app.state.app().contact_shortfalls(&office).unwrap();
    assert!(list.pupils.iter().all(|s| s.pupil.id != short.id));
    let held = store
        .contacts(school, child.id)
        .unwrap()
        .into_iter()
        .find(|c| c.reference == reference)
        .unwrap();
    assert_eq!(held.phone.as_deref(), Some(new_phone));
    assert_eq!(held.email, me.email);
    let proposals = store.contact_proposals(school, Some(&reference)).unwrap();
    assert_eq!(proposals.len(), 1);
    assert_eq!(proposals[0].status(), ProposalStatus::Accepted);
    assert_eq!(
        proposals[0].decision.as_ref().unwrap().decided.by,
        "Pat Green"
    );
    let shots = rollcall_testkit::browser::screenshots_dir();
    for shot in [
        "contacts-add.png",
        "contacts-added.png",
        "contacts-proposed.png",
        "contacts-proposal.png",
        "contacts-accepted.png",
    ] {
        assert!(shots.join(shot).is_file(), "{shot} was not written");
    }
}
