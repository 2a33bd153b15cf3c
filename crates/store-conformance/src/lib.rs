//! One suite of tests for every backend of [`rollcall_store::Store`]: what the trait promises,
//! checked the same way on SQLite and PostgreSQL, so the two cannot drift apart.
//!
//! A backend's `tests/conformance.rs` says how to get a fresh, migrated database for one test
//! ([`TestDb`]) and invokes [`conformance_tests!`] once, which makes one `#[test]` of each
//! function of the suite:
//!
//! ```text
//! struct Db(tempfile::TempDir);
//!
//! impl rollcall_store_conformance::TestDb for Db {
//!     fn connect(&self) -> Box<dyn rollcall_store::Store> {
//!         Box::new(SqliteStore::open(&self.0.path().join("r.db")).unwrap())
//!     }
//! }
//!
//! rollcall_store_conformance::conformance_tests!(Db(tempfile::tempdir().unwrap()));
//! ```
//!
//! [`fixtures`] holds the schools, pupils, marks, users and reports the suite is built on, for a
//! backend's own tests too. A new test of the suite is a `pub fn name(db: &dyn TestDb)` in a
//! module of `suite/` and a name in the list of [`conformance_tests!`]; a test of this crate
//! checks that the two agree.

pub mod fixtures;
#[doc(hidden)]
pub mod suite;

use rollcall_store::Store;

/// A fresh, migrated database for one test.
pub trait TestDb: Sync {
    /// A connection to the database. It may be called again, from other threads too, for more
    /// connections to the same database.
    fn connect(&self) -> Box<dyn Store>;
}

/// Makes one `#[test]` of each test of the suite, each with its own database from `$fresh`, an
/// expression whose value is a [`TestDb`].
#[macro_export]
macro_rules! conformance_tests {
    ($fresh:expr) => {
        $crate::conformance_tests!(@list (@tests $fresh));
    };
    // The suite, once: every name here is a function of `suite`.
    (@list ($($head:tt)*)) => {
        $crate::conformance_tests! {$($head)*;
            migrating_again_is_harmless,
            import_calendar_creates_then_updates_a_school_and_merges_calendars,
            save_pupils_counts_added_updated_and_unchanged,
            a_register_reads_only_its_form_and_session,
            schools_do_not_see_each_others_pupils_or_marks,
            an_unknown_school_reads_as_empty_and_refuses_writes,
            policies_are_versioned_per_school_and_for_the_defaults,
            a_read_snapshot_ends_and_leaves_the_store_writable,
            new_marks_then_amendments_keep_their_history,
            conflicts_are_refused_and_change_nothing,
            the_first_failing_change_of_a_batch_is_the_one_reported,
            groups_of_changes_stand_or_fall_alone,
            bulk_marks_read_back_and_conflict_as_a_whole,
            concurrent_writers_of_one_session_conflict,
            errors_are_worded_by_the_store,
            a_user_and_their_reach_round_trip_sorted,
            user_names_are_unique_in_any_case_and_saving_again_updates_everything,
            saving_one_new_user_twice_at_once_makes_one_user,
            a_schools_users_include_trust_wide_ones_and_no_other_schools,
            sessions_are_created_read_touched_and_ended,
            ended_and_expired_sessions_are_cleared,
            contacts_are_replaced_per_pupil_and_read_in_priority_order,
            an_absence_report_and_its_marks_are_written_together_or_not_at_all,
            absence_reports_are_those_that_overlap_the_range,
            merged_contacts_update_by_person_and_pupil_and_keep_the_rest,
            leave_is_saved_decided_once_and_its_marks_written_with_the_decision,
            two_decisions_at_once_make_one,
            notices_to_improve_are_kept_whole_and_their_outcome_confirmed_once,
            penalty_notices_are_kept_whole_and_withdrawn_or_closed_once,
            two_penalty_notices_at_once_to_one_parent_make_one,
            a_parents_report_waits_for_review_with_its_evidence,
            a_request_for_evidence_is_answered_once_with_its_marks,
            a_sign_out_and_its_sign_in_are_written_with_their_marks,
            a_pupil_signed_out_twice_at_once_is_signed_out_once,
            a_missing_pupil_alert_keeps_its_steps_in_time_order_until_it_closes,
            traveller_records_are_added_and_updated_by_id,
            a_contact_is_added_once_per_reference_and_removed_from_one_pupil,
            two_adds_of_one_reference_at_once_make_one_person,
            a_proposal_waits_and_is_accepted_with_its_changes_or_rejected,
            two_decisions_on_one_proposal_at_once_make_one,
            call_attempts_are_kept_and_a_parents_reason_is_written_with_its_marks,
            messages_are_kept_before_sending_and_answered_once,
            steps_are_opened_once_owned_and_closed_with_the_next,
            two_closings_of_one_step_at_once_make_one,
            a_case_keeps_its_actions_in_order_moves_stage_links_and_closes,
            alerts_are_dealt_with_once_and_each_users_last_look_is_kept,
            a_contract_is_saved_with_its_action_and_reviewed_until_it_ends,
            attendance_targets_are_kept_in_order_and_never_replaced,
        }
    };
    (@tests $fresh:expr; $($name:ident),+ $(,)?) => {
        $(
            #[test]
            fn $name() {
                let db = $fresh;
                $crate::suite::$name(&db);
            }
        )+
    };
    (@names; $($name:ident),+ $(,)?) => {
        [$(stringify!($name)),+]
    };
}

#[cfg(test)]
mod tests {
    /// Every test of the suite is listed in [`conformance_tests!`], and every name listed is a
    /// test of the suite (which the compiler checks when a backend invokes it).
    #[test]
    fn the_macro_lists_every_test_of_the_suite() {
        let listed = conformance_tests!(@list (@names));
        let sources = [
            include_str!("suite/schools.rs"),
            include_str!("suite/marks.rs"),
            include_str!("suite/people.rs"),
            include_str!("suite/errors.rs"),
            include_str!("suite/followup.rs"),
            include_str!("suite/day.rs"),
            include_str!("suite/proposals.rs"),
            include_str!("suite/calling.rs"),
            include_str!("suite/notices.rs"),
            include_str!("suite/cases.rs"),
            include_str!("suite/rewards.rs"),
        ];
        let mut defined: Vec<&str> = sources
            .iter()
            .flat_map(|s| s.lines())
            .filter_map(|line| line.strip_prefix("pub fn "))
            .filter_map(|rest| rest.strip_suffix("(db: &dyn TestDb) {"))
            .collect();
        let mut listed = listed.to_vec();
        defined.sort_unstable();
        listed.sort_unstable();
        assert_eq!(defined, listed);
    }
}
