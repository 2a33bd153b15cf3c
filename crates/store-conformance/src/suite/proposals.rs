//! Keeping contacts up to date: a person added to a pupil's contacts once per reference and
//! removed from one pupil, and the changes parents propose to their own details, decided once.

use rollcall_store::{
    Contact, ContactProposal, DetailChange, ProposalDecision, ProposalStatus, PupilId, Store,
    StoreError,
};

use super::race;
use crate::fixtures::*;
use crate::TestDb;

fn references(store: &mut dyn Store, school: rollcall_store::SchoolId, p: PupilId) -> Vec<String> {
    store
        .contacts(school, p)
        .unwrap()
        .into_iter()
        .map(|c| c.reference)
        .collect()
}

pub fn a_contact_is_added_once_per_reference_and_removed_from_one_pupil(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    let p = add_pupils(store, oak, 0..2);
    let other = add_pupils(store, elm, 10..11)[0];
    store
        .save_contacts(oak, &[(p[0], vec![contact(1, "Mary Mother")])])
        .unwrap();

    // A new person: read back with everything given.
    let grandad = Contact {
        relationship: "Grandfather".into(),
        parental_responsibility: false,
        lives_with: false,
        priority: 2,
        email: Some("zed@example.org".into()),
        address: Some("1 High Street".into()),
        may_collect: false,
        ..contact(2, "Zed Grandad")
    };
    store.add_contact(oak, p[0], &grandad).unwrap();
    assert_eq!(
        store.contacts(oak, p[0]).unwrap(),
        [contact(1, "Mary Mother"), grandad.clone()]
    );

    // A reference the school holds is taken, for this pupil or another, and nothing changes.
    let again = Contact {
        forename: "Someone".into(),
        ..grandad.clone()
    };
    for pupil in [p[0], p[1]] {
        let err = store.add_contact(oak, pupil, &again).unwrap_err();
        let StoreError::Conflict(message) = err else {
            panic!("{err}")
        };
        assert!(message.contains("ZedGrandad"), "{message}");
    }
    assert_eq!(store.contacts(oak, p[0]).unwrap()[1], grandad);
    assert!(store.contacts(oak, p[1]).unwrap().is_empty());

    // Another school may use the same reference for its own person.
    let elm_pupil = add_pupils(store, elm, 11..12)[0];
    store.add_contact(elm, elm_pupil, &grandad).unwrap();
    // Another school's pupil, or nobody's, is not on the register; nothing is written.
    for pupil in [other, PupilId(other.0 + 100)] {
        let err = store
            .add_contact(oak, pupil, &contact(1, "New Person"))
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }
    assert!(store.contacts(elm, other).unwrap().is_empty());

    // The person shared with a sibling (linked by merging) is removed from one pupil only.
    store
        .merge_contacts(oak, &[(p[1], grandad.clone())])
        .unwrap();
    store.remove_contact(oak, p[0], "ZedGrandad").unwrap();
    assert_eq!(references(store, oak, p[0]), ["MaryMother"]);
    assert_eq!(references(store, oak, p[1]), ["ZedGrandad"]);

    // Removing someone who is not the pupil's contact, or through another school, is NotFound.
    for (school_id, pupil, reference) in [
        (oak, p[0], "ZedGrandad"),
        (oak, p[0], "Nobody"),
        (elm, p[0], "MaryMother"),
        (oak, other, "ZedGrandad"),
    ] {
        let err = store
            .remove_contact(school_id, pupil, reference)
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }
    assert_eq!(references(store, oak, p[0]), ["MaryMother"]);

    // Removed from every pupil, the person is kept: their reference stays taken.
    store.remove_contact(oak, p[1], "ZedGrandad").unwrap();
    assert!(store.contacts(oak, p[1]).unwrap().is_empty());
    let err = store.add_contact(oak, p[1], &again).unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    // An unknown school holds nothing to add to.
    let nowhere = unknown_school(store);
    assert!(matches!(
        store.add_contact(nowhere, p[0], &contact(1, "Ann Other")),
        Err(StoreError::NotFound(_))
    ));
}

pub fn two_adds_of_one_reference_at_once_make_one_person(db: &dyn TestDb) {
    let (oak, p) = {
        let store = &mut *db.connect();
        let oak = school(store, "Oak Academy", "100001");
        (oak, add_pupils(store, oak, 0..1))
    };
    let results = race(db, |store| {
        store.add_contact(oak, p[0], &contact(1, "Pat Parent"))
    });
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 1, "{results:?}");
    assert!(results
        .iter()
        .all(|r| r.is_ok() || matches!(r, Err(StoreError::Conflict(_)))));
    let store = &mut *db.connect();
    assert_eq!(store.all_contacts(oak).unwrap().len(), 1);
}

fn change(from: Option<&str>, to: Option<&str>) -> Option<DetailChange> {
    Some(DetailChange {
        from: from.map(Into::into),
        to: to.map(Into::into),
    })
}

fn proposal(reference: &str, seconds: i64) -> ContactProposal {
    ContactProposal {
        contact: reference.into(),
        phone: change(Some("07700 900123"), Some("07700 900999")),
        email: None,
        address: change(None, Some("2 New Road, Northfield")),
        proposed: recorded("Mary Mother (parent)", seconds),
    }
}

fn decision(accepted: bool, reason: &str, seconds: i64) -> ProposalDecision {
    ProposalDecision {
        accepted,
        reason: reason.into(),
        decided: recorded("Mr Office", seconds),
    }
}

pub fn a_proposal_waits_and_is_accepted_with_its_changes_or_rejected(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    let p = add_pupils(store, oak, 0..2);
    let mary = Contact {
        email: Some("mary@example.org".into()),
        ..contact(1, "Mary Mother")
    };
    store
        .save_contacts(
            oak,
            &[
                (p[0], vec![mary.clone(), contact(2, "Pat Parent")]),
                (p[1], vec![mary.clone()]),
            ],
        )
        .unwrap();

    // A person the school does not hold, here or at all.
    for (school_id, reference) in [(oak, "Nobody"), (elm, "MaryMother")] {
        let err = store
            .propose_contact_change(school_id, &proposal(reference, 10))
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }
    assert!(store.contact_proposals(oak, None).unwrap().is_empty());

    // Proposed: read back pending, and nothing changes until it is decided.
    let first = store
        .propose_contact_change(oak, &proposal("MaryMother", 10))
        .unwrap();
    let cleared = ContactProposal {
        phone: None,
        email: change(Some("mary@example.org"), None),
        address: None,
        ..proposal("MaryMother", 20)
    };
    let second = store.propose_contact_change(oak, &cleared).unwrap();
    let pat = store
        .propose_contact_change(oak, &proposal("PatParent", 30))
        .unwrap();
    let all = store.contact_proposals(oak, None).unwrap();
    assert_eq!(
        all.iter().map(|s| s.id).collect::<Vec<_>>(),
        [first, second, pat]
    );
    assert_eq!(all[0].proposal, proposal("MaryMother", 10));
    assert_eq!(all[1].proposal, cleared);
    assert!(all.iter().all(|s| s.status() == ProposalStatus::Pending));
    assert_eq!(
        store.contacts(oak, p[1]).unwrap(),
        std::slice::from_ref(&mary)
    );
    let marys = store.contact_proposals(oak, Some("MaryMother")).unwrap();
    assert_eq!(
        marys.iter().map(|s| s.id).collect::<Vec<_>>(),
        [first, second]
    );
    assert!(store
        .contact_proposals(oak, Some("Nobody"))
        .unwrap()
        .is_empty());
    assert!(store.contact_proposals(elm, None).unwrap().is_empty());
    let nowhere = unknown_school(store);
    assert!(store.contact_proposals(nowhere, None).unwrap().is_empty());

    // The office changes Mary's e-mail meanwhile; accepting the first proposal changes her
    // phone and address only, for both her children, with the decision.
    let mut office_edit = mary.clone();
    office_edit.email = Some("mary.m@example.org".into());
    store
        .merge_contacts(oak, &[(p[0], office_edit.clone())])
        .unwrap();
    store
        .decide_contact_proposal(oak, first, &decision(true, "", 40))
        .unwrap();
    let expected = Contact {
        phone: Some("07700 900999".into()),
        address: Some("2 New Road, Northfield".into()),
        ..office_edit
    };
    assert_eq!(store.contacts(oak, p[0]).unwrap()[0], expected);
    assert_eq!(
        store.contacts(oak, p[1]).unwrap(),
        std::slice::from_ref(&expected)
    );
    let read = store.contact_proposals(oak, Some("MaryMother")).unwrap();
    assert_eq!(read[0].status(), ProposalStatus::Accepted);
    assert_eq!(read[0].decision, Some(decision(true, "", 40)));
    assert_eq!(read[1].status(), ProposalStatus::Pending);

    // Decided once: again, either way, is a conflict and changes nothing.
    for accepted in [true, false] {
        let err = store
            .decide_contact_proposal(oak, first, &decision(accepted, "again", 50))
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    }
    // Rejected: its reason is kept and the person is unchanged.
    store
        .decide_contact_proposal(oak, second, &decision(false, "Please call us first", 60))
        .unwrap();
    let read = store.contact_proposals(oak, Some("MaryMother")).unwrap();
    assert_eq!(read[1].status(), ProposalStatus::Rejected);
    assert_eq!(
        read[1].decision.as_ref().map(|d| d.reason.as_str()),
        Some("Please call us first")
    );
    assert_eq!(store.contacts(oak, p[1]).unwrap(), [expected]);

    // A proposal the school does not hold: another school's, or nobody's.
    for (school_id, id) in [(elm, pat), (oak, pat + 100)] {
        let err = store
            .decide_contact_proposal(school_id, id, &decision(true, "", 70))
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }
    // A proposal clearing a detail clears it when accepted.
    let clear_phone = ContactProposal {
        phone: change(Some("07700 900123"), None),
        email: None,
        address: None,
        ..proposal("PatParent", 80)
    };
    let id = store.propose_contact_change(oak, &clear_phone).unwrap();
    store
        .decide_contact_proposal(oak, id, &decision(true, "", 90))
        .unwrap();
    assert_eq!(store.contacts(oak, p[0]).unwrap()[1].phone, None);
    assert_eq!(
        store.contact_proposals(oak, Some("PatParent")).unwrap()[0].status(),
        ProposalStatus::Pending
    );
}

pub fn two_decisions_on_one_proposal_at_once_make_one(db: &dyn TestDb) {
    let oak = {
        let store = &mut *db.connect();
        let oak = school(store, "Oak Academy", "100001");
        let p = add_pupils(store, oak, 0..1);
        store
            .save_contacts(oak, &[(p[0], vec![contact(1, "Mary Mother")])])
            .unwrap();
        oak
    };
    let id = db
        .connect()
        .propose_contact_change(oak, &proposal("MaryMother", 10))
        .unwrap();
    let results = race(db, |store| {
        store.decide_contact_proposal(oak, id, &decision(true, "", 20))
    });
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 1, "{results:?}");
    assert!(results
        .iter()
        .all(|r| r.is_ok() || matches!(r, Err(StoreError::Conflict(_)))));
    let store = &mut *db.connect();
    assert_eq!(
        store.contact_proposals(oak, None).unwrap()[0].status(),
        ProposalStatus::Accepted
    );
}
