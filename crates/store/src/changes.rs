//! What every backend does with a batch of mark changes, whatever way it finds the marks: check
//! that each pupil is the school's before anything is written, check each change against what
//! its session holds, and report progress.
//!
//! How a backend finds the current marks (a row lookup, a constraint, a locked read of many) is
//! its own business; what it concludes from them is decided here, so both backends refuse the
//! same batch with the same error. A backend applies the changes in order and reports the first
//! that fails: every pupil is checked first ([`BatchPupils::find`]), then each change in turn
//! against its session as the earlier changes of the batch left it ([`BatchPupils::check`]).

use std::collections::HashMap;

use rollcall_core::marks::{MarkEntry, Recorded};
use rollcall_core::{Date, Session};

use crate::{MarkChange, Progress, PupilId, Result, SchoolId, StoreError};

/// How often a long write reports its progress, in changes written.
pub const PROGRESS_EVERY: usize = 10_000;

impl MarkChange {
    pub fn pupil(&self) -> PupilId {
        match self {
            MarkChange::New { pupil, .. } | MarkChange::Amend { pupil, .. } => *pupil,
        }
    }

    /// The session the change is for: pupil, date and session.
    pub fn key(&self) -> (PupilId, Date, Session) {
        match self {
            MarkChange::New {
                pupil,
                date,
                session,
                ..
            }
            | MarkChange::Amend {
                pupil,
                date,
                session,
                ..
            } => (*pupil, *date, *session),
        }
    }

    /// The entry the change puts in the register.
    pub fn entry(&self) -> &MarkEntry {
        match self {
            MarkChange::New { entry, .. } | MarkChange::Amend { entry, .. } => entry,
        }
    }

    /// Who made the change, and when.
    pub fn recorded(&self) -> &Recorded {
        match self {
            MarkChange::New { recorded, .. } | MarkChange::Amend { recorded, .. } => recorded,
        }
    }
}

/// The pupils of a batch of changes, each with their UPN: found on the school's admission
/// register before anything is written, and named by UPN in the batch's conflicts.
#[derive(Debug, Default)]
pub struct BatchPupils {
    upns: HashMap<PupilId, String>,
}

impl BatchPupils {
    /// Every pupil the changes are for, once each, in the order they first appear.
    pub fn asked(changes: &[MarkChange]) -> Vec<PupilId> {
        let mut seen = std::collections::HashSet::new();
        changes
            .iter()
            .map(MarkChange::pupil)
            .filter(|p| seen.insert(*p))
            .collect()
    }

    /// Looks each pupil of `changes` up once, in the order they first appear, with `upn_of`:
    /// the pupil's UPN when the pupil is on the admission register of `school`, `None` when not.
    /// The first pupil not on it is [`StoreError::not_on_register`].
    pub fn find(
        school: SchoolId,
        changes: &[MarkChange],
        mut upn_of: impl FnMut(PupilId) -> Result<Option<String>>,
    ) -> Result<BatchPupils> {
        let mut upns = HashMap::new();
        for change in changes {
            let pupil = change.pupil();
            if upns.contains_key(&pupil) {
                continue;
            }
            let upn = upn_of(pupil)?.ok_or_else(|| StoreError::not_on_register(pupil, school))?;
            upns.insert(pupil, upn);
        }
        Ok(BatchPupils { upns })
    }

    /// The pupil's UPN, for messages.
    pub fn upn(&self, pupil: PupilId) -> &str {
        self.upns.get(&pupil).map_or("?", String::as_str)
    }

    /// The conflict of a new mark for a session that has one.
    pub fn already_marked(&self, change: &MarkChange) -> StoreError {
        let (pupil, date, session) = change.key();
        StoreError::already_marked(self.upn(pupil), date, session)
    }

    /// Checks one change against what its session holds now (`None`: no mark): a new mark needs
    /// an empty session, an amendment the entry it expects ([`MarkEntry::same_as`]).
    pub fn check(&self, change: &MarkChange, current: Option<&MarkEntry>) -> Result<()> {
        let (pupil, date, session) = change.key();
        let upn = self.upn(pupil);
        match (change, current) {
            (MarkChange::New { .. }, None) => Ok(()),
            (MarkChange::New { .. }, Some(_)) => Err(self.already_marked(change)),
            (MarkChange::Amend { .. }, None) => {
                Err(StoreError::no_mark_to_amend(upn, date, session))
            }
            (MarkChange::Amend { expected, .. }, Some(now)) if now.same_as(expected) => Ok(()),
            (MarkChange::Amend { expected, .. }, Some(now)) => {
                Err(StoreError::mark_changed(upn, date, session, now, expected))
            }
        }
    }
}

/// Progress of a batch as [`Store::apply_marks`](crate::Store::apply_marks) reports it: each time
/// the count of changes written passes a multiple of [`PROGRESS_EVERY`], and once more with the
/// whole count when the batch is committed, unless that was the count last reported. Nothing for
/// an empty batch, and every count larger than the one before.
pub struct ProgressCounter<'p> {
    progress: Progress<'p>,
    done: usize,
    reported: usize,
}

impl<'p> ProgressCounter<'p> {
    pub fn new(progress: Progress<'p>) -> ProgressCounter<'p> {
        ProgressCounter {
            progress,
            done: 0,
            reported: 0,
        }
    }

    /// Counts `n` more changes written.
    pub fn advance(&mut self, n: usize) {
        let before = self.done / PROGRESS_EVERY;
        self.done += n;
        if self.done / PROGRESS_EVERY > before {
            self.report();
        }
    }

    /// How many changes have been counted.
    pub fn done(&self) -> usize {
        self.done
    }

    /// Reports the whole count, once the batch is committed.
    pub fn finish(mut self) {
        if self.done > self.reported {
            self.report();
        }
    }

    fn report(&mut self) {
        (self.progress)(self.done);
        self.reported = self.done;
    }
}

#[cfg(test)]
mod tests {
    use rollcall_core::{parse_date, BaseCode, Code};

    use super::*;

    fn entry(code: BaseCode, minutes_late: Option<u32>) -> MarkEntry {
        MarkEntry {
            code: Code::new(code),
            minutes_late,
        }
    }

    fn recorded() -> Recorded {
        Recorded {
            by: "Ms Teacher".into(),
            role: "teacher".into(),
            at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    fn new(pupil: i64) -> MarkChange {
        MarkChange::New {
            pupil: PupilId(pupil),
            date: parse_date("2024-09-04").unwrap(),
            session: Session::Am,
            entry: entry(BaseCode::N, None),
            recorded: recorded(),
        }
    }

    fn amend(expected: MarkEntry) -> MarkChange {
        MarkChange::Amend {
            pupil: PupilId(1),
            date: parse_date("2024-09-04").unwrap(),
            session: Session::Pm,
            expected,
            entry: entry(BaseCode::I, None),
            reason: "Parent phoned".into(),
            recorded: recorded(),
        }
    }

    #[test]
    fn every_pupil_is_looked_up_once_in_order_and_the_first_stray_is_named() {
        let changes = [new(1), new(2), new(1), new(3), new(2)];
        assert_eq!(
            BatchPupils::asked(&changes),
            [PupilId(1), PupilId(2), PupilId(3)]
        );
        let mut asked = Vec::new();
        let err = BatchPupils::find(SchoolId(9), &changes, |p| {
            asked.push(p);
            Ok((p != PupilId(2)).then(|| format!("UPN{p}")))
        })
        .unwrap_err();
        assert_eq!(asked, [PupilId(1), PupilId(2)]);
        assert_eq!(
            err.to_string(),
            "not found: pupil 2 is not on the admission register of school 9"
        );
        let found = BatchPupils::find(SchoolId(9), &changes, |p| Ok(Some(format!("UPN{p}"))));
        assert_eq!(found.unwrap().upn(PupilId(3)), "UPN3");
        assert!(BatchPupils::find(SchoolId(9), &[], |_| unreachable!()).is_ok());
    }

    #[test]
    fn a_change_is_checked_against_what_its_session_holds() {
        let pupils = BatchPupils::find(SchoolId(1), &[new(1)], |_| Ok(Some("A1".into()))).unwrap();
        let n = entry(BaseCode::N, None);
        let present = entry(BaseCode::PresentPm, None);
        assert!(pupils.check(&new(1), None).is_ok());
        assert_eq!(
            pupils.check(&new(1), Some(&n)).unwrap_err().to_string(),
            "conflict: pupil A1 already has a mark for the AM session of 2024-09-04"
        );
        assert_eq!(
            pupils
                .check(&amend(n.clone()), None)
                .unwrap_err()
                .to_string(),
            "conflict: pupil A1 has no mark for the PM session of 2024-09-04 to amend"
        );
        assert!(pupils.check(&amend(n.clone()), Some(&n)).is_ok());
        // `/` and `\` are one present mark.
        let am_present = entry(BaseCode::PresentAm, None);
        assert!(pupils.check(&amend(am_present), Some(&present)).is_ok());
        let late = |m| entry(BaseCode::L, Some(m));
        assert!(matches!(
            pupils.check(&amend(late(12)), Some(&late(5))),
            Err(StoreError::Conflict(m)) if m.contains("'L' (5 minutes late), not 'L' (12")
        ));
    }

    #[test]
    fn progress_rises_and_ends_once_with_the_whole_count() {
        let run = |steps: &[usize]| {
            let mut reported = Vec::new();
            let mut record = |n| reported.push(n);
            let mut counter = ProgressCounter::new(&mut record);
            for &n in steps {
                counter.advance(n);
            }
            counter.finish();
            reported
        };
        assert_eq!(run(&[]), [0usize; 0]);
        assert_eq!(run(&[3]), [3]);
        assert_eq!(run(&[10_000]), [10_000]);
        assert_eq!(run(&[9_999, 1, 1]), [10_000, 10_001]);
        assert_eq!(run(&[4_000, 4_000, 4_000, 8_000]), [12_000, 20_000]);
        assert_eq!(run(&vec![1; 25_000]), [10_000, 20_000, 25_000]);
    }
}
