//! Casework: the school's ladder as policy, the alerts worklist, cases and their actions, the
//! owner's list and contracts, each checked with the actor's permission and reach.

mod common;

use rollcall_app::casework::{ladder, ladder_from_table, Ladder};
use rollcall_core::Role;
use rollcall_store::SchoolId;

/// The example policies of `policies/examples/`: each is saved through the same path as
/// `rollcall policy set` and its ladder read back.
#[test]
fn every_example_policy_loads_and_validates() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/examples");
    let mut stages = Vec::new();
    for (name, expected) in [
        ("banded-trust.toml", 7),
        ("academy-trust.toml", 5),
        ("church-primary.toml", 3),
        ("county-primary.toml", 4),
        ("secondary-academy.toml", 5),
    ] {
        let mut store = rollcall_app::open_store(":memory:").unwrap();
        let actor = rollcall_app::Actor::command_line("Head", Role::Headteacher);
        rollcall_app::alerts::save_policy(store.as_mut(), None, &dir.join(name), &actor)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let l = ladder(store.as_mut(), SchoolId(1)).unwrap();
        assert_eq!(l.stages.len(), expected, "{name}");
        assert_ne!(l, Ladder::default(), "{name}");
        stages.push(l);
    }
    // 004's five stages, the last a live case with the education welfare service that a case
    // may skip to.
    let secondary = &stages[4];
    assert!(secondary.stages[4].skip_to);
    assert_eq!(
        secondary.stages[3].letter.as_deref(),
        Some("meeting_invitation")
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        5,
        "one example per seed policy"
    );
    // No policy: the default ladder.
    let none = ladder_from_table("none", &toml::Table::new()).unwrap();
    assert_eq!(none, Ladder::default());
}
