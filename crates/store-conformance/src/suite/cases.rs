//! Casework: a case opens with its first action (and takes its finding), keeps every action in
//! order, moves stage, links to siblings' cases both ways and closes, and is kept; alerts are
//! dealt with once; contracts are saved with their action and reviewed until they end.

use rollcall_core::Role;
use rollcall_store::{
    ActionDetails, ActionKind, AlertDisposition, Attended, CaseAction, CaseClosure, CaseOpening,
    CaseOutcome, Contract, ContractAction, ContractDecision, ContractKind, ContractReview,
    Disposition, MeetingStatus, OpenedBecause, PupilId, ReviewDone, Signature, StoreError,
    SupportKind, UserId,
};

use crate::fixtures::*;
use crate::TestDb;

fn action(kind: ActionKind, by: UserId, on: &str, seconds: i64) -> CaseAction {
    CaseAction {
        kind,
        on: d(on),
        by,
        summary: format!("{} on {on}", kind.label()),
        details: ActionDetails::None,
        review_on: None,
        document: None,
        recorded: recorded("Ms Officer", seconds),
    }
}

fn opening(pupil: PupilId, owner: UserId, because: OpenedBecause) -> CaseOpening {
    CaseOpening {
        pupil,
        owner,
        stage: "first_concern".into(),
        opened_on: d("2024-10-01"),
        because,
        attendance: Attended {
            present: 52,
            possible: 60,
        },
        recorded: recorded("Ms Officer", 10),
    }
}

fn finding(id: &str) -> OpenedBecause {
    OpenedBecause::Finding {
        id: id.into(),
        rule: "persistent_absence".into(),
        date: d("2024-09-30"),
        evidence: "52 of 60 sessions (86.7%)".into(),
    }
}

fn not_found(r: Result<impl std::fmt::Debug, StoreError>) -> String {
    match r {
        Err(StoreError::NotFound(m)) => m,
        other => panic!("expected not found, got {other:?}"),
    }
}

fn conflict(r: Result<impl std::fmt::Debug, StoreError>) -> String {
    match r {
        Err(StoreError::Conflict(m)) => m,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

pub fn a_case_keeps_its_actions_in_order_moves_stage_links_and_closes(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    let p = add_pupils(store, oak, 0..2);
    let other = add_pupils(store, elm, 10..11)[0];
    let officer = store
        .save_user(&draft("officer", Role::AttendanceOfficer, Some(oak)))
        .unwrap();

    let first = action(ActionKind::PhoneCall, officer, "2024-10-01", 11);
    let id = store
        .open_case(oak, &opening(p[0], officer, finding("pa:1")), &first)
        .unwrap();
    // The finding is taken into the case with it, once.
    assert_eq!(
        store.alert_dispositions(oak).unwrap(),
        [AlertDisposition {
            finding: "pa:1".into(),
            pupil: p[0],
            disposition: Disposition::Case(id),
            recorded: recorded("Ms Officer", 10),
        }]
    );
    let again = store.open_case(oak, &opening(p[0], officer, finding("pa:1")), &first);
    assert_eq!(conflict(again), "alert pa:1 has been dealt with already");
    assert_eq!(store.cases(oak, None).unwrap().len(), 1);

    // Another school's pupil, an unknown owner: nothing is opened.
    let by_hand = OpenedBecause::ByHand {
        reason: "Parent asked for help".into(),
    };
    assert!(
        not_found(store.open_case(oak, &opening(other, officer, by_hand.clone()), &first))
            .contains("admission register")
    );
    not_found(store.open_case(oak, &opening(p[1], UserId(9999), by_hand.clone()), &first));

    let meeting = CaseAction {
        details: ActionDetails::Meeting {
            status: MeetingStatus::Held,
            attended: "Mother, head of year".into(),
            minutes: "Agreed a plan".into(),
        },
        review_on: Some(d("2024-10-22")),
        ..action(ActionKind::Meeting, officer, "2024-10-08", 20)
    };
    let support = CaseAction {
        details: ActionDetails::Support {
            support: SupportKind::SchoolNurse,
            note: "Asthma review".into(),
        },
        document: Some(42),
        ..action(ActionKind::SupportOffered, officer, "2024-10-08", 21)
    };
    let m = store.add_case_action(oak, id, &meeting).unwrap();
    store.add_case_action(oak, id, &support).unwrap();
    not_found(store.add_case_action(elm, id, &support));
    not_found(store.add_case_action(oak, id + 100, &support));

    let done = ReviewDone {
        on: d("2024-10-22"),
        note: "Two weeks at 100%".into(),
        recorded: recorded("Ms Officer", 30),
    };
    store.complete_review(oak, m, &done).unwrap();
    assert_eq!(
        conflict(store.complete_review(oak, m, &done)),
        format!("case action {m} has no review waiting")
    );
    not_found(store.complete_review(elm, m, &done));

    let stage = action(ActionKind::StageChange, officer, "2024-10-23", 31);
    store.change_stage(oak, id, "meeting", &stage).unwrap();

    let sibling = store
        .open_case(oak, &opening(p[1], officer, by_hand.clone()), &first)
        .unwrap();
    store.link_cases(oak, sibling, id).unwrap();
    store.link_cases(oak, id, sibling).unwrap();
    assert!(conflict(store.link_cases(oak, id, id)).contains("itself"));
    not_found(store.link_cases(elm, id, sibling));

    let case = store.case(oak, id).unwrap().expect("the case");
    assert_eq!(case.case.stage, "meeting");
    assert_eq!(case.owner_name, "officer (display)");
    assert_eq!(case.linked, [sibling]);
    assert_eq!(
        case.actions
            .iter()
            .map(|a| a.action.kind)
            .collect::<Vec<_>>(),
        [
            ActionKind::PhoneCall,
            ActionKind::Meeting,
            ActionKind::SupportOffered,
            ActionKind::StageChange
        ]
    );
    assert_eq!(case.actions[1].action, meeting);
    assert_eq!(case.actions[1].review_done, Some(done));
    assert_eq!(case.actions[1].review_due(), None);
    assert_eq!(case.actions[2].action, support);
    assert_eq!(case.actions[0].by_name, "officer (display)");
    assert_eq!(case.case.because, finding("pa:1"));
    assert_eq!(
        store.case(oak, sibling).unwrap().unwrap().linked,
        [id],
        "links are both ways"
    );
    assert_eq!(store.case(elm, id).unwrap(), None);
    assert_eq!(store.cases(oak, Some(p[1])).unwrap().len(), 1);
    assert!(store.cases(elm, None).unwrap().is_empty());

    let closure = CaseClosure {
        on: d("2024-11-01"),
        outcome: CaseOutcome::Improved,
        note: "Above 95% for four weeks".into(),
        recorded: recorded("Ms Officer", 40),
    };
    store.close_case(oak, id, &closure).unwrap();
    assert_eq!(
        conflict(store.close_case(oak, id, &closure)),
        format!("case {id} has been closed")
    );
    conflict(store.add_case_action(oak, id, &support));
    conflict(store.change_stage(oak, id, "x", &stage));
    let kept = store.case(oak, id).unwrap().unwrap();
    assert_eq!(kept.closure, Some(closure));
    assert!(!kept.is_open());
    assert_eq!(kept.actions.len(), 4);
}

pub fn alerts_are_dealt_with_once_and_each_users_last_look_is_kept(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let p = add_pupils(store, oak, 0..2);
    let officer = store
        .save_user(&draft("officer", Role::AttendanceOfficer, Some(oak)))
        .unwrap();
    let head = store
        .save_user(&draft("head", Role::Headteacher, Some(oak)))
        .unwrap();
    let dismissed = AlertDisposition {
        finding: "late:7".into(),
        pupil: p[0],
        disposition: Disposition::Dismissed {
            reason: "Bus strike".into(),
        },
        recorded: recorded("Ms Officer", 5),
    };
    store.dispose_alert(oak, &dismissed, None).unwrap();
    assert_eq!(
        conflict(store.dispose_alert(oak, &dismissed, None)),
        "alert late:7 has been dealt with already"
    );

    // Added to an open case of the same pupil, with its note, in one write.
    let first = action(ActionKind::Note, officer, "2024-10-01", 6);
    let case = store
        .open_case(
            oak,
            &opening(
                p[0],
                officer,
                OpenedBecause::ByHand {
                    reason: "Worried".into(),
                },
            ),
            &first,
        )
        .unwrap();
    let added = AlertDisposition {
        finding: "pa:2".into(),
        pupil: p[0],
        disposition: Disposition::Case(case),
        recorded: recorded("Ms Officer", 7),
    };
    let note = action(ActionKind::Note, officer, "2024-10-02", 7);
    // Not to another pupil's case.
    let wrong = AlertDisposition {
        pupil: p[1],
        ..added.clone()
    };
    not_found(store.dispose_alert(oak, &wrong, Some(&note)));
    store.dispose_alert(oak, &added, Some(&note)).unwrap();
    assert_eq!(store.case(oak, case).unwrap().unwrap().actions.len(), 2);
    assert_eq!(store.alert_dispositions(oak).unwrap(), [dismissed, added]);

    assert_eq!(store.alerts_seen_at(oak, officer).unwrap(), None);
    store.mark_alerts_seen(oak, officer, at(100)).unwrap();
    store.mark_alerts_seen(oak, officer, at(200)).unwrap();
    store.mark_alerts_seen(oak, head, at(150)).unwrap();
    assert_eq!(store.alerts_seen_at(oak, officer).unwrap(), Some(at(200)));
    assert_eq!(store.alerts_seen_at(oak, head).unwrap(), Some(at(150)));
    not_found(store.mark_alerts_seen(oak, UserId(9999), at(1)));
}

pub fn a_contract_is_saved_with_its_action_and_reviewed_until_it_ends(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    let p = add_pupils(store, oak, 0..1);
    let officer = store
        .save_user(&draft("officer", Role::AttendanceOfficer, Some(oak)))
        .unwrap();
    let first = action(ActionKind::Meeting, officer, "2024-10-01", 1);
    let case = store
        .open_case(oak, &opening(p[0], officer, finding("pa:3")), &first)
        .unwrap();
    let contract = Contract {
        case,
        kind: ContractKind::Parenting,
        difficulties: "Mornings are hard".into(),
        actions: vec![
            ContractAction {
                party: "Parent".into(),
                action: "Alarm at 7".into(),
                owner: "Mother".into(),
                by: Some(d("2024-10-07")),
            },
            ContractAction {
                party: "School".into(),
                action: "Breakfast club place".into(),
                owner: "Head of year".into(),
                by: None,
            },
        ],
        target_permille: 950,
        start: d("2024-10-01"),
        review_on: d("2024-10-22"),
        signatures: vec![
            Signature {
                name: "Mary Mother".into(),
                on: d("2024-10-01"),
            },
            Signature {
                name: "Ms Officer".into(),
                on: d("2024-10-01"),
            },
        ],
        recorded: recorded("Ms Officer", 2),
    };
    let logged = CaseAction {
        review_on: Some(d("2024-10-22")),
        ..action(ActionKind::Contract, officer, "2024-10-01", 2)
    };
    let (id, action_id) = store.save_contract(oak, &contract, &logged).unwrap();
    let stored = store.case(oak, case).unwrap().unwrap();
    let last = stored.actions.last().unwrap();
    assert_eq!(last.id, action_id);
    assert_eq!(last.action.document, Some(id));
    assert_eq!(last.action.review_on, Some(d("2024-10-22")));

    let review = |decision, seconds| ContractReview {
        on: d("2024-10-22"),
        attended: Attended {
            present: 27,
            possible: 30,
        },
        met: false,
        note: "Below target".into(),
        decision,
        recorded: recorded("Ms Officer", seconds),
    };
    let note = CaseAction {
        document: Some(id),
        ..action(ActionKind::ContractReview, officer, "2024-10-22", 3)
    };
    store
        .review_contract(oak, id, &review(ContractDecision::Continue, 3), &note, None)
        .unwrap();
    // The contract's own review is done with it.
    let done = store.case(oak, case).unwrap().unwrap().actions[1]
        .review_done
        .clone();
    assert_eq!(done.map(|d| d.on), Some(d("2024-10-22")));
    not_found(store.review_contract(elm, id, &review(ContractDecision::Continue, 3), &note, None));
    store
        .review_contract(
            oak,
            id,
            &review(ContractDecision::EndedBroken, 4),
            &note,
            Some("referral"),
        )
        .unwrap();
    assert_eq!(
        conflict(store.review_contract(
            oak,
            id,
            &review(ContractDecision::Continue, 5),
            &note,
            None
        )),
        format!("contract {id} has ended")
    );
    let contracts = store.contracts(oak, Some(case)).unwrap();
    assert_eq!(contracts.len(), 1);
    assert_eq!(contracts[0].contract, contract);
    assert_eq!(
        contracts[0].reviews,
        [
            review(ContractDecision::Continue, 3),
            review(ContractDecision::EndedBroken, 4)
        ]
    );
    assert!(contracts[0].ended());
    let case = store.case(oak, case).unwrap().unwrap();
    assert_eq!(case.case.stage, "referral");
    assert_eq!(case.actions.len(), 4);
    assert!(store.contracts(elm, None).unwrap().is_empty());
    assert_eq!(store.contracts(oak, None).unwrap().len(), 1);
}
