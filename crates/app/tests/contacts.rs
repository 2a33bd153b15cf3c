//! Contacts kept up to date through the use cases: the office adds, changes and removes a
//! pupil's contacts and the pupil leaves the list of those short of contacts; a parent proposes a
//! change to their own details, which waits for the office and is made only when accepted; and
//! who may do which, with bad input refused and nothing changed.

mod common;

use common::{School, TODAY};
use rollcall_app::cases::contacts::{ContactInput, DecisionInput, DetailsInput, RemoveInput};
use rollcall_app::{Actor, Refusal};
use rollcall_core::{Role, YearGroup};
use rollcall_store::{Contact, ProposalStatus, PupilId, SchoolId, Store, StoredPupil, UserDraft};

fn school_at(time: &str) -> School {
    School::at(150, time)
}

fn store(s: &School) -> Box<dyn Store> {
    rollcall_app::open_store(&s.url).unwrap()
}

fn school_id(s: &School) -> SchoolId {
    rollcall_app::resolve_school(store(s).as_mut(), None)
        .unwrap()
        .id
}

fn today() -> rollcall_core::Date {
    rollcall_core::parse_date(TODAY).unwrap()
}

/// Every contact of the school: what a refused request must leave as it was.
fn all_contacts(s: &School) -> Vec<(PupilId, Contact)> {
    store(s).all_contacts(school_id(s)).unwrap()
}

fn problems(r: Refusal) -> String {
    match r {
        Refusal::Invalid(_) => r.to_string(),
        other => panic!("expected an invalid request, got {other:?}"),
    }
}

/// The pupils on roll today of a year group, by UPN.
fn pupils_of(s: &School, year: u8) -> Vec<StoredPupil> {
    let mut all: Vec<_> = store(s)
        .pupils(school_id(s))
        .unwrap()
        .into_iter()
        .filter(|p| p.pupil.year_group == YearGroup::Year(year) && p.pupil.on_roll(today()))
        .collect();
    all.sort_by_key(|p| p.pupil.upn.clone());
    all
}

fn upn(p: &StoredPupil) -> String {
    p.pupil.upn.to_string()
}

/// A grandfather with a phone, who may collect the pupil.
fn grandad(priority: u32) -> ContactInput {
    ContactInput {
        forename: "Tom".into(),
        surname: "Elder".into(),
        relationship: "grandfather".into(),
        priority: priority.to_string(),
        phone: "07700 900555".into(),
        email: "tom.elder@example.org".into(),
        may_collect: "yes".into(),
        ..ContactInput::default()
    }
}

/// A user of this school, saved straight to the store.
fn add_user(s: &School, username: &str, role: Role, children: Vec<PupilId>) -> Actor {
    let mut st = store(s);
    let draft = UserDraft {
        username: username.into(),
        display_name: format!("The {}", role.title()),
        role,
        school: Some(school_id(s)),
        year_groups: vec![],
        forms: vec![],
        children,
        contact: None,
        password_hash: "not a password".into(),
        active: true,
    };
    st.save_user(&draft).unwrap();
    Actor::of_user(&st.user_by_name(username).unwrap().unwrap())
}

#[test]
fn the_office_adds_a_contact_and_the_pupil_leaves_the_list_of_those_short() {
    let s = school_at("10:00");
    let office = s.actor("office");
    let list = s.app.contact_shortfalls(&office).unwrap();
    // A pupil short of a second phone number, who lives with a parent.
    let short = list
        .pupils
        .iter()
        .find(|p| p.with_phone == 1 && p.parent_at_home)
        .expect("a pupil with one phone number")
        .pupil
        .clone();
    assert!(list.pupils.iter().all(|p| !p.problems().is_empty()));
    let page = s.app.pupil_contacts(&office, &upn(&short)).unwrap();
    assert!(page.checked);
    assert_eq!(page.problems.len(), 1, "{:?}", page.problems);
    let next = page.next_priority;

    let added = s
        .app
        .add_contact(&office, &upn(&short), &grandad(next))
        .unwrap();
    // The school made the reference.
    assert_eq!(added.contact.reference, "P1");
    assert!(!added.linked);
    assert!(added.page.problems.is_empty(), "{:?}", added.page.problems);
    let last = added.page.contacts.last().unwrap();
    assert_eq!(last.contact.name(), "Tom Elder");
    assert_eq!(last.contact.phone.as_deref(), Some("07700 900555"));
    assert_eq!(last.contact.priority, next);
    assert!(last.contact.may_collect && !last.contact.parental_responsibility);
    let list = s.app.contact_shortfalls(&office).unwrap();
    assert!(list.pupils.iter().all(|p| p.pupil.id != short.id));

    // The next person made gets the next number.
    let other = list.pupils[0].pupil.clone();
    let again = s
        .app
        .add_contact(&office, &upn(&other), &grandad(1))
        .unwrap();
    assert_eq!(again.contact.reference, "P2");

    // Removed (once confirmed), the pupil is short again.
    let removed = s
        .app
        .remove_contact(
            &office,
            &upn(&short),
            "P1",
            &RemoveInput {
                confirm: "yes".into(),
            },
        )
        .unwrap();
    assert_eq!(removed.contact.name(), "Tom Elder");
    assert_eq!(removed.page.problems.len(), 1);
    assert!(s
        .app
        .contact_shortfalls(&office)
        .unwrap()
        .pupils
        .iter()
        .any(|p| p.pupil.id == short.id));
}

#[test]
fn a_person_shared_by_two_pupils_is_changed_for_both_and_removed_from_one() {
    let s = school_at("10:00");
    let office = s.actor("office");
    let sevens = pupils_of(&s, 7);
    let (first, second) = (&sevens[0], &sevens[1]);
    let added = s
        .app
        .add_contact(&office, &upn(first), &grandad(3))
        .unwrap();
    let reference = added.contact.reference.clone();

    // The same person, by their reference and name, for a brother or sister.
    let linked = s
        .app
        .add_contact(
            &office,
            &upn(second),
            &ContactInput {
                reference: reference.clone(),
                relationship: "step-grandfather".into(),
                ..grandad(4)
            },
        )
        .unwrap();
    assert!(linked.linked);
    let entry = |page: &rollcall_app::cases::contacts::PupilContacts| {
        page.contacts
            .iter()
            .find(|e| e.contact.reference == reference)
            .unwrap()
            .clone()
    };
    assert_eq!(entry(&linked.page).shared_with, 1);

    // Changed through the second pupil: the person's details change for both, what they are to
    // each pupil stays each pupil's.
    let changed = s
        .app
        .save_contact(
            &office,
            &upn(second),
            &reference,
            &ContactInput {
                forename: "Thomas".into(),
                phone: "07700 900777".into(),
                address: "9 Church Lane, Northfield".into(),
                relationship: "step-grandfather".into(),
                ..grandad(2)
            },
        )
        .unwrap();
    assert_eq!(changed.contact.name(), "Thomas Elder");
    let theirs = entry(&s.app.pupil_contacts(&office, &upn(first)).unwrap()).contact;
    assert_eq!(theirs.name(), "Thomas Elder");
    assert_eq!(theirs.phone.as_deref(), Some("07700 900777"));
    assert_eq!(theirs.address.as_deref(), Some("9 Church Lane, Northfield"));
    assert_eq!(theirs.relationship, "grandfather");
    assert_eq!(theirs.priority, 3);

    // Removed from the first pupil, they stay the second's.
    s.app
        .remove_contact(
            &office,
            &upn(first),
            &reference,
            &RemoveInput {
                confirm: "yes".into(),
            },
        )
        .unwrap();
    let first_page = s.app.pupil_contacts(&office, &upn(first)).unwrap();
    assert!(first_page
        .contacts
        .iter()
        .all(|e| e.contact.reference != reference));
    let second_page = s.app.pupil_contacts(&office, &upn(second)).unwrap();
    assert_eq!(entry(&second_page).shared_with, 0);
}

#[test]
fn bad_input_is_refused_with_a_clear_message_and_changes_nothing() {
    let s = school_at("10:00");
    let office = s.actor("office");
    let pupil = &pupils_of(&s, 7)[0];
    let existing = store(&s)
        .contacts(school_id(&s), pupil.id)
        .unwrap()
        .remove(0);
    let other = &pupils_of(&s, 8)[0];
    let others = store(&s)
        .contacts(school_id(&s), other.id)
        .unwrap()
        .remove(0);
    let before = all_contacts(&s);

    let cases: Vec<(ContactInput, &str)> = vec![
        (
            ContactInput {
                email: "tom at example".into(),
                ..grandad(3)
            },
            "'tom at example' is not an e-mail address",
        ),
        (
            ContactInput {
                forename: " ".into(),
                surname: String::new(),
                ..grandad(3)
            },
            "give the contact's forename\ngive the contact's surname",
        ),
        (
            ContactInput {
                relationship: String::new(),
                ..grandad(3)
            },
            "give the contact's relationship to the pupil",
        ),
        (grandad(0), "'0' is not an order to call in"),
        (
            ContactInput {
                priority: "first".into(),
                ..grandad(1)
            },
            "'first' is not an order to call in",
        ),
        (
            ContactInput {
                priority: String::new(),
                ..grandad(1)
            },
            "give the order to call them in",
        ),
        (
            ContactInput {
                phone: "ring the farm".into(),
                ..grandad(3)
            },
            "'ring the farm' is not a phone number",
        ),
        (
            ContactInput {
                reference: "P 1".into(),
                ..grandad(3)
            },
            "'P 1' is not a reference",
        ),
        // Another family's person, by their reference but another name.
        (
            ContactInput {
                reference: others.reference.clone(),
                ..grandad(3)
            },
            "is the school's reference for someone of another name",
        ),
        // Someone who is the pupil's contact already.
        (
            ContactInput {
                reference: existing.reference.clone(),
                forename: existing.forename.clone(),
                surname: existing.surname.clone(),
                ..grandad(3)
            },
            "is already a contact of",
        ),
    ];
    for (input, expected) in cases {
        let said = problems(s.app.add_contact(&office, &upn(pupil), &input).unwrap_err());
        assert!(said.contains(expected), "{said}");
        // The same details as a change to a contact are refused alike (the reference aside).
        if input.reference.is_empty() {
            let said = problems(
                s.app
                    .save_contact(&office, &upn(pupil), &existing.reference, &input)
                    .unwrap_err(),
            );
            assert!(said.contains(expected), "{said}");
        }
    }
    // A pupil not on the register, and a UPN that is not one.
    let unknown = rollcall_core::Upn::with_check_letter("999999999999")
        .unwrap()
        .to_string();
    let said = problems(
        s.app
            .add_contact(&office, &unknown, &grandad(3))
            .unwrap_err(),
    );
    assert!(
        said.contains(&format!("no pupil with UPN {unknown}")),
        "{said}"
    );
    for bad in [unknown.as_str(), "nonsense"] {
        assert!(matches!(
            s.app.pupil_contacts(&office, bad),
            Err(Refusal::Invalid(_))
        ));
        assert!(matches!(
            s.app.add_contact(&office, bad, &grandad(3)),
            Err(Refusal::Invalid(_))
        ));
    }
    // A change to, or removal of, someone who is not the pupil's contact.
    let said = problems(
        s.app
            .save_contact(&office, &upn(pupil), &others.reference, &grandad(1))
            .unwrap_err(),
    );
    assert!(said.contains("is not a contact of"), "{said}");
    let said = problems(
        s.app
            .remove_contact(
                &office,
                &upn(pupil),
                &others.reference,
                &RemoveInput {
                    confirm: "yes".into(),
                },
            )
            .unwrap_err(),
    );
    assert!(said.contains("is not a contact of"), "{said}");
    // A removal not confirmed.
    let said = problems(
        s.app
            .remove_contact(
                &office,
                &upn(pupil),
                &existing.reference,
                &RemoveInput::default(),
            )
            .unwrap_err(),
    );
    assert!(said.contains("confirm"), "{said}");
    assert_eq!(all_contacts(&s), before);
}

#[test]
fn a_head_of_year_keeps_the_contacts_of_their_year_groups_only() {
    let s = school_at("10:00");
    let hoy = s.actor("hoy9");
    let nine = &pupils_of(&s, 9)[0];
    let seven = &pupils_of(&s, 7)[0];
    let seven_contact = store(&s)
        .contacts(school_id(&s), seven.id)
        .unwrap()
        .remove(0);
    let before = all_contacts(&s);

    // Outside their year groups, on the register or not, every use case is refused alike.
    let unknown = rollcall_core::Upn::with_check_letter("999999999999")
        .unwrap()
        .to_string();
    for target in [upn(seven), unknown, "nonsense".to_owned()] {
        let forbidden = |r: Result<_, Refusal>| matches!(r, Err(Refusal::Forbidden));
        assert!(forbidden(s.app.pupil_contacts(&hoy, &target).map(|_| ())));
        assert!(forbidden(
            s.app.add_contact(&hoy, &target, &grandad(3)).map(|_| ())
        ));
        assert!(forbidden(
            s.app
                .save_contact(&hoy, &target, &seven_contact.reference, &grandad(1))
                .map(|_| ())
        ));
        assert!(forbidden(
            s.app
                .remove_contact(
                    &hoy,
                    &target,
                    &seven_contact.reference,
                    &RemoveInput {
                        confirm: "yes".into()
                    }
                )
                .map(|_| ())
        ));
    }
    assert_eq!(all_contacts(&s), before);

    // Their own year: yes; and their list holds their year groups only.
    s.app.add_contact(&hoy, &upn(nine), &grandad(3)).unwrap();
    let list = s.app.contact_shortfalls(&hoy).unwrap();
    assert!(!list.pupils.is_empty());
    assert!(list
        .pupils
        .iter()
        .all(|p| p.pupil.pupil.year_group == YearGroup::Year(9)));
}

#[test]
fn a_parent_proposes_a_change_the_office_accepts_and_the_contact_changes() {
    let s = school_at("10:00");
    let parent = s.actor("parent");
    let office = s.actor("office");
    let mine = s.app.my_details(&parent).unwrap();
    let me = mine.me.clone().expect("the demo parent is linked");
    assert!(mine.proposals.is_empty());

    let (id, after) = s
        .app
        .propose_details(
            &parent,
            &DetailsInput {
                phone: "07700 900888".into(),
                email: me.email.clone().unwrap_or_default(),
                address: me.address.clone().unwrap_or_default(),
                ..DetailsInput::default()
            },
        )
        .unwrap();
    assert_eq!(after.proposals.len(), 1);
    assert_eq!(after.proposals[0].status(), ProposalStatus::Pending);
    // Only the phone number changes; nothing is made until the office accepts.
    let changes = after.proposals[0].proposal.changes();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].1.from, me.phone);
    assert_eq!(changes[0].1.to.as_deref(), Some("07700 900888"));
    assert_eq!(s.app.my_details(&parent).unwrap().me, Some(me.clone()));

    // The office sees it, old value beside new, with the pupil it is about.
    let board = s.app.contact_proposals(&office).unwrap();
    assert_eq!(board.pending.len(), 1);
    let view = &board.pending[0];
    assert_eq!(view.stored.id, id);
    assert_eq!(view.person.as_ref(), Some(&me));
    assert_eq!(view.pupils.len(), 1);
    assert_eq!(
        s.app.contact_shortfalls(&office).unwrap().pending_proposals,
        1
    );

    // Accepted: the contact has the new number, and the parent sees it was made.
    let decided = s
        .app
        .decide_contact_proposal(
            &office,
            &id.to_string(),
            &DecisionInput {
                decision: "accept".into(),
                ..DecisionInput::default()
            },
        )
        .unwrap();
    assert_eq!(decided.stored.status(), ProposalStatus::Accepted);
    let child = view.pupils[0].clone();
    let held = store(&s)
        .contacts(school_id(&s), child.id)
        .unwrap()
        .into_iter()
        .find(|c| c.reference == me.reference)
        .unwrap();
    assert_eq!(held.phone.as_deref(), Some("07700 900888"));
    assert_eq!(held.email, me.email);
    let mine = s.app.my_details(&parent).unwrap();
    assert_eq!(mine.proposals[0].status(), ProposalStatus::Accepted);
    assert_eq!(
        mine.me.and_then(|c| c.phone).as_deref(),
        Some("07700 900888")
    );

    // Decided once: a second decision is a conflict.
    let again = s.app.decide_contact_proposal(
        &office,
        &id.to_string(),
        &DecisionInput {
            decision: "reject".into(),
            reason: "Too late".into(),
        },
    );
    assert!(matches!(again, Err(Refusal::Conflict { .. })), "{again:?}");

    // Another, rejected with a reason the parent sees; the contact is unchanged.
    let (second, _) = s
        .app
        .propose_details(
            &parent,
            &DetailsInput {
                phone: "07700 900888".into(),
                email: "new.address@example.org".into(),
                ..DetailsInput::default()
            },
        )
        .unwrap();
    let without_reason = s.app.decide_contact_proposal(
        &office,
        &second.to_string(),
        &DecisionInput {
            decision: "reject".into(),
            ..DecisionInput::default()
        },
    );
    assert!(problems(without_reason.unwrap_err()).contains("say why"));
    let nothing_chosen =
        s.app
            .decide_contact_proposal(&office, &second.to_string(), &DecisionInput::default());
    assert!(problems(nothing_chosen.unwrap_err()).contains("accept the change or reject it"));
    s.app
        .decide_contact_proposal(
            &office,
            &second.to_string(),
            &DecisionInput {
                decision: "reject".into(),
                reason: "Please call the office to confirm the new address".into(),
            },
        )
        .unwrap();
    let mine = s.app.my_details(&parent).unwrap();
    assert_eq!(mine.proposals[0].status(), ProposalStatus::Rejected);
    assert_eq!(
        mine.proposals[0].decision.as_ref().unwrap().reason,
        "Please call the office to confirm the new address"
    );
    assert_eq!(mine.me.unwrap().email, me.email);
    // A proposal that does not exist.
    for bad in ["9999", "x"] {
        let r = s
            .app
            .decide_contact_proposal(&office, bad, &DecisionInput::default());
        assert!(matches!(r, Err(Refusal::Invalid(_))), "{r:?}");
    }
}

#[test]
fn a_parent_proposes_for_their_own_entry_only_and_sees_no_one_elses() {
    let s = school_at("10:00");
    let parent = s.actor("parent");
    let me = s.app.my_details(&parent).unwrap().me.unwrap();
    let child = store(&s)
        .user_by_name("parent")
        .unwrap()
        .unwrap()
        .user
        .children[0];
    let other_parent = store(&s)
        .contacts(school_id(&s), child)
        .unwrap()
        .into_iter()
        .find(|c| c.reference != me.reference)
        .unwrap();
    let stranger = pupils_of(&s, 8)[0].clone();
    let stranger_contact = store(&s)
        .contacts(school_id(&s), stranger.id)
        .unwrap()
        .remove(0);
    let proposals = |s: &School| store(s).contact_proposals(school_id(s), None).unwrap();

    // Naming another person, the other parent of the same child or a stranger: refused.
    for other in [&other_parent.reference, &stranger_contact.reference] {
        let forged = DetailsInput {
            contact: other.clone(),
            phone: "07700 900111".into(),
            ..DetailsInput::default()
        };
        assert!(matches!(
            s.app.propose_details(&parent, &forged),
            Err(Refusal::Forbidden)
        ));
    }
    // Bad input: nothing proposed.
    for (input, expected) in [
        (
            DetailsInput {
                phone: String::new(),
                ..DetailsInput::default()
            },
            "give a phone number",
        ),
        (
            DetailsInput {
                phone: "07700 900111".into(),
                email: "not an address".into(),
                ..DetailsInput::default()
            },
            "is not an e-mail address",
        ),
        (
            DetailsInput {
                phone: me.phone.clone().unwrap(),
                email: me.email.clone().unwrap_or_default(),
                address: me.address.clone().unwrap_or_default(),
                ..DetailsInput::default()
            },
            "the details the school holds already",
        ),
    ] {
        let said = problems(s.app.propose_details(&parent, &input).unwrap_err());
        assert!(said.contains(expected), "{said}");
    }
    assert!(proposals(&s).is_empty());

    // A parent whose account is not linked to an entry has nothing to propose for.
    let unlinked = add_user(&s, "unlinked", Role::Parent, vec![child]);
    assert_eq!(s.app.my_details(&unlinked).unwrap().me, None);
    let said = problems(
        s.app
            .propose_details(
                &unlinked,
                &DetailsInput {
                    phone: "07700 900111".into(),
                    ..DetailsInput::default()
                },
            )
            .unwrap_err(),
    );
    assert!(said.contains("not yet linked"), "{said}");
    assert!(proposals(&s).is_empty());

    // A parent sees no contacts page, list or proposals of the office: not their child's, not
    // another's, not a pupil that does not exist.
    let unknown = rollcall_core::Upn::with_check_letter("999999999999")
        .unwrap()
        .to_string();
    for who in [&parent, &s.actor("governor"), &s.actor("tutor7a")] {
        let forbidden = |r: Result<(), Refusal>| matches!(r, Err(Refusal::Forbidden));
        for target in [
            store(&s)
                .pupils(school_id(&s))
                .unwrap()
                .into_iter()
                .find(|p| p.id == child)
                .map(|p| upn(&p))
                .unwrap(),
            upn(&stranger),
            unknown.clone(),
        ] {
            assert!(forbidden(s.app.pupil_contacts(who, &target).map(|_| ())));
            assert!(forbidden(
                s.app.add_contact(who, &target, &grandad(3)).map(|_| ())
            ));
        }
        assert!(forbidden(s.app.contact_shortfalls(who).map(|_| ())));
        assert!(forbidden(s.app.contact_proposals(who).map(|_| ())));
        assert!(forbidden(
            s.app
                .decide_contact_proposal(who, "1", &DecisionInput::default())
                .map(|_| ())
        ));
    }
    // Staff have no details of their own to propose.
    for staff in ["office", "governor", "head"] {
        assert!(matches!(
            s.app.my_details(&s.actor(staff)),
            Err(Refusal::Forbidden)
        ));
    }
}

#[test]
fn a_head_of_year_decides_the_proposals_about_their_year_groups_only() {
    let s = school_at("10:00");
    let parent = s.actor("parent");
    let hoy = s.actor("hoy9");
    let (id, _) = s
        .app
        .propose_details(
            &parent,
            &DetailsInput {
                phone: "07700 900222".into(),
                ..DetailsInput::default()
            },
        )
        .unwrap();
    // The demo parent's child is in year 7.
    assert!(s.app.contact_proposals(&hoy).unwrap().pending.is_empty());
    assert_eq!(s.app.contact_shortfalls(&hoy).unwrap().pending_proposals, 0);
    for bad in [id.to_string(), "9999".to_owned()] {
        let r = s.app.decide_contact_proposal(
            &hoy,
            &bad,
            &DecisionInput {
                decision: "accept".into(),
                ..DecisionInput::default()
            },
        );
        assert!(matches!(r, Err(Refusal::Forbidden)), "{r:?}");
    }
    assert_eq!(
        s.app
            .contact_proposals(&s.actor("office"))
            .unwrap()
            .pending
            .len(),
        1
    );
}
