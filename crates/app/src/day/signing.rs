//! A pupil signed out at the office and back in, and what that does to the register.
//!
//! The register is taken at registration: a session's mark says where the pupil was while its
//! register was open. So a time out of school **covers** a session when the session's register
//! closes while the pupil is out: after they left, and no later than they came back (or at any
//! time, when they are not back that day). A pupil who left after the register closed was
//! there when it was taken, and keeps their mark; the time out stands beside it. A pupil back
//! before the register closed is there to be registered.
//!
//! A covered session takes the code of the reason: `M` for a medical or dental appointment, `I`
//! for a pupil taken ill at school. It is written as a new mark, or in place of `N` or no mark
//! (an amendment whose reason says when the pupil was signed out); any other mark is kept and
//! said. "Sent home" and "other" have no code of their own: the session is listed for the
//! register to be completed by whoever decides the code (a suspension, for instance, is `E`).
//!
//! Marks are written once the time out is known: when the pupil is signed out and not expected
//! back that day, every later session is covered at once (the register shows the mark already
//! filled in); otherwise when they are signed back in. A pupil who was not expected back but is
//! signed in before a session's register closed has that session's mark, if it is still the one
//! the sign-out wrote, put back to present.

use std::collections::HashMap;

use chrono::NaiveTime;
use rollcall_core::calendar::format_time;
use rollcall_core::marks::{MarkEntry, Recorded};
use rollcall_core::{BaseCode, Calendar, Category, Code, Date, RegisterTimes, Session};
use rollcall_store::{MarkChange, PupilId, SignOutReason, StoredMark, StoredPupil};

use crate::registers::present_code;

/// A pupil's time out of school, as the register and the record show it beside a mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Away {
    pub out_at: NaiveTime,
    pub back_at: Option<NaiveTime>,
    pub reason: SignOutReason,
}

impl Away {
    /// "out 10:30–13:50" or "out from 10:30".
    pub fn describe(&self) -> String {
        match self.back_at {
            Some(b) => format!("out {}–{}", format_time(self.out_at), format_time(b)),
            None => format!("out from {}", format_time(self.out_at)),
        }
    }
}

/// The code a covered session takes for a reason: `M` for an appointment, `I` for illness at
/// school, none for being sent home or another reason.
pub fn reason_code(reason: SignOutReason) -> Option<BaseCode> {
    match reason {
        SignOutReason::Appointment => Some(BaseCode::M),
        SignOutReason::Unwell => Some(BaseCode::I),
        SignOutReason::SentHome | SignOutReason::Other => None,
    }
}

/// The sessions whose register closes while a pupil is out from `out` to `back` (`None`: not
/// back that day), school sessions or not.
pub fn covered_sessions(
    times: &RegisterTimes,
    out: NaiveTime,
    back: Option<NaiveTime>,
) -> Vec<Session> {
    Session::BOTH
        .into_iter()
        .filter(|s| {
            let closes = times.closes(*s);
            closes > out && back.is_none_or(|b| closes <= b)
        })
        .collect()
}

/// What a sign-out or sign-in did to one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionEffect {
    /// The session took the reason's code, in place of the mark shown (`N`), or of none.
    Marked { code: Code, replaced: Option<Code> },
    /// The session had the reason's code already.
    AlreadyMarked(Code),
    /// The session's mark was kept, and why.
    Kept { code: Code, why: String },
    /// The pupil missed the session for a reason without a code of its own: the register is to
    /// be completed.
    ToComplete { mark: Option<Code> },
    /// The pupil came back before the register closed: the mark the sign-out wrote went back to
    /// present.
    BackInTime { replaced: Code, code: Code },
}

/// The changes to the register a sign-out or sign-in makes, and what they do to each session.
#[derive(Debug, Clone, Default)]
pub struct SignOutPlan {
    pub changes: Vec<MarkChange>,
    pub effects: Vec<(Session, SessionEffect)>,
}

/// What the school day's register holds for a pupil, and how to read it.
struct Day<'a> {
    pupil: &'a StoredPupil,
    date: Date,
    calendar: &'a Calendar,
    marks: HashMap<Session, &'a StoredMark>,
}

impl<'a> Day<'a> {
    fn new(
        pupil: &'a StoredPupil,
        date: Date,
        calendar: &'a Calendar,
        marks: &'a [StoredMark],
    ) -> Day<'a> {
        Day {
            pupil,
            date,
            calendar,
            marks: marks
                .iter()
                .filter(|m| m.pupil == pupil.id && m.date == date)
                .map(|m| (m.session, m))
                .collect(),
        }
    }

    fn is_school_session(&self, session: Session) -> bool {
        self.pupil.pupil.on_roll(self.date)
            && self
                .calendar
                .is_school_session(self.date, session, self.pupil.pupil.year_group)
    }

    /// Gives each covered school session the reason's code, where the register allows it.
    fn cover(
        &self,
        plan: &mut SignOutPlan,
        sessions: &[Session],
        reason: SignOutReason,
        why: &str,
        recorded: &Recorded,
    ) {
        for session in sessions.iter().copied() {
            if !self.is_school_session(session) {
                continue;
            }
            let current = self.marks.get(&session).map(|m| &m.entry);
            let Some(base) = reason_code(reason) else {
                plan.effects.push((
                    session,
                    SessionEffect::ToComplete {
                        mark: current.map(|e| e.code.clone()),
                    },
                ));
                continue;
            };
            let code = Code::new(base);
            let entry = MarkEntry {
                code: code.clone(),
                minutes_late: None,
            };
            let effect = match current {
                None => {
                    plan.changes.push(MarkChange::New {
                        pupil: self.pupil.id,
                        date: self.date,
                        session,
                        entry,
                        recorded: recorded.clone(),
                    });
                    SessionEffect::Marked {
                        code,
                        replaced: None,
                    }
                }
                Some(e) if e.same_as(&entry) => SessionEffect::AlreadyMarked(code),
                Some(e) if e.code.base() == BaseCode::N => {
                    plan.changes.push(MarkChange::Amend {
                        pupil: self.pupil.id,
                        date: self.date,
                        session,
                        expected: e.clone(),
                        entry,
                        reason: why.to_owned(),
                        recorded: recorded.clone(),
                    });
                    SessionEffect::Marked {
                        code,
                        replaced: Some(e.code.clone()),
                    }
                }
                Some(e) => SessionEffect::Kept {
                    code: e.code.clone(),
                    why: kept_why(&e.code),
                },
            };
            plan.effects.push((session, effect));
        }
    }
}

fn kept_why(code: &Code) -> String {
    match code.category() {
        Category::Present => "the register was taken with the pupil present".into(),
        Category::Aea => "the pupil was at an approved educational activity".into(),
        _ => format!(
            "{code} ({}) is not replaced by a sign-out",
            code.base().meaning()
        ),
    }
}

/// The reason an amendment made by a sign-out gives.
fn signed_out_why(out: NaiveTime, reason: SignOutReason, detail: &str) -> String {
    let detail = detail.trim();
    if detail.is_empty() {
        format!("Signed out at {} ({})", format_time(out), reason.label())
    } else {
        format!(
            "Signed out at {} ({}: {detail})",
            format_time(out),
            reason.label()
        )
    }
}

/// What signing out `pupil` at `out` on `date` writes: when they are not expected back that
/// day, every school session whose register closes after they left; otherwise, those whose
/// register closed between their leaving and `known_until` (a sign-out entered after the event,
/// for a pupil still out). `marks` are the register's marks of that day.
#[allow(clippy::too_many_arguments)]
pub fn plan_sign_out(
    times: &RegisterTimes,
    calendar: &Calendar,
    pupil: &StoredPupil,
    date: Date,
    out: NaiveTime,
    reason: SignOutReason,
    detail: &str,
    back_today: bool,
    known_until: NaiveTime,
    marks: &[StoredMark],
    recorded: &Recorded,
) -> SignOutPlan {
    let day = Day::new(pupil, date, calendar, marks);
    let sessions = if back_today {
        covered_sessions(times, out, None)
            .into_iter()
            .filter(|s| times.closes(*s) <= known_until)
            .collect()
    } else {
        covered_sessions(times, out, None)
    };
    let mut plan = SignOutPlan::default();
    day.cover(
        &mut plan,
        &sessions,
        reason,
        &signed_out_why(out, reason, detail),
        recorded,
    );
    plan
}

/// What signing `pupil` back in at `back` writes, for a sign-out at `out` whose effect
/// [`plan_sign_out`] wrote already (with `back_today` and `known_until` as it had them): the
/// sessions covered from `out` to `back` that it had not covered, and for a pupil who was not
/// expected back, the sessions it covered whose register closed after `back`, put back to
/// present where the sign-out's mark still stands.
#[allow(clippy::too_many_arguments)]
pub fn plan_sign_in(
    times: &RegisterTimes,
    calendar: &Calendar,
    pupil: &StoredPupil,
    date: Date,
    out: NaiveTime,
    back: NaiveTime,
    reason: SignOutReason,
    detail: &str,
    marks: &[StoredMark],
    recorded: &Recorded,
) -> SignOutPlan {
    let day = Day::new(pupil, date, calendar, marks);
    let covered = covered_sessions(times, out, Some(back));
    let mut plan = SignOutPlan::default();
    day.cover(
        &mut plan,
        &covered,
        reason,
        &signed_out_why(out, reason, detail),
        recorded,
    );
    let Some(base) = reason_code(reason) else {
        return plan;
    };
    let written = MarkEntry {
        code: Code::new(base),
        minutes_late: None,
    };
    for session in covered_sessions(times, out, None) {
        if covered.contains(&session) || !day.is_school_session(session) {
            continue;
        }
        let Some(m) = day.marks.get(&session) else {
            continue;
        };
        if !m.entry.same_as(&written) {
            continue;
        }
        let present = Code::new(present_code(session));
        plan.changes.push(MarkChange::Amend {
            pupil: pupil.id,
            date,
            session,
            expected: m.entry.clone(),
            entry: MarkEntry {
                code: present.clone(),
                minutes_late: None,
            },
            reason: format!(
                "Signed back in at {}, before the {session} register closed at {}",
                format_time(back),
                format_time(times.closes(session))
            ),
            recorded: recorded.clone(),
        });
        plan.effects.push((
            session,
            SessionEffect::BackInTime {
                replaced: m.entry.code.clone(),
                code: present,
            },
        ));
    }
    plan.effects.sort_by_key(|(s, _)| *s);
    plan
}

/// Each pupil's times out on a day, from the sign-outs of that day.
pub fn away_by_pupil(sign_outs: &[rollcall_store::StoredSignOut]) -> HashMap<PupilId, Vec<Away>> {
    let mut by: HashMap<PupilId, Vec<Away>> = HashMap::new();
    for s in sign_outs {
        by.entry(s.out.pupil).or_default().push(Away {
            out_at: s.out.out_at,
            back_at: s.back.as_ref().map(|b| b.back_at),
            reason: s.out.reason,
        });
    }
    by
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use rollcall_core::{parse_date, HalfTerm, Pupil, YearGroup};

    use super::*;

    fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }

    fn times() -> RegisterTimes {
        RegisterTimes::new(t("08:40"), t("09:10"), t("13:20"), t("13:35")).unwrap()
    }

    fn date() -> Date {
        parse_date("2025-07-08").unwrap()
    }

    fn calendar() -> Calendar {
        Calendar::new(
            vec![HalfTerm {
                name: "Summer 2".into(),
                start: parse_date("2025-06-02").unwrap(),
                end: parse_date("2025-07-22").unwrap(),
            }],
            vec![],
        )
        .unwrap()
    }

    fn pupil() -> StoredPupil {
        StoredPupil {
            id: PupilId(1),
            pupil: Pupil::new(
                rollcall_core::Upn::with_check_letter("822400000001").unwrap(),
                "Smith",
                "Ann",
                parse_date("2012-01-01").unwrap(),
                YearGroup::Year(8),
                parse_date("2024-09-02").unwrap(),
            ),
        }
    }

    fn recorded() -> Recorded {
        Recorded {
            by: "Pat".into(),
            role: "office".into(),
            at: Utc.with_ymd_and_hms(2025, 7, 8, 10, 0, 0).unwrap(),
        }
    }

    fn mark(session: Session, code: &str) -> StoredMark {
        StoredMark {
            pupil: PupilId(1),
            date: date(),
            session,
            entry: MarkEntry {
                code: Code::parse_stored(code).unwrap(),
                minutes_late: None,
            },
            recorded: recorded(),
        }
    }

    #[test]
    fn a_session_is_covered_when_its_register_closes_while_the_pupil_is_out() {
        let rows: &[(&str, Option<&str>, &[Session])] = &[
            // Left after the morning register closed, back after the afternoon's.
            ("10:30", Some("13:50"), &[Session::Pm]),
            // Back before the afternoon register closed: registered as usual.
            ("10:30", Some("13:30"), &[]),
            // Back just as it closed: missed it.
            ("10:30", Some("13:35"), &[Session::Pm]),
            // Left before the morning register closed, not back that day.
            ("09:00", None, &[Session::Am, Session::Pm]),
            // Left as the morning register closed: it was taken with them there.
            ("09:10", None, &[Session::Pm]),
            ("14:00", None, &[]),
        ];
        for (out, back, covered) in rows {
            assert_eq!(
                covered_sessions(&times(), t(out), back.map(t)),
                *covered,
                "{out}–{back:?}"
            );
        }
    }

    #[test]
    fn an_appointment_takes_m_in_place_of_n_or_nothing_and_keeps_a_present_mark() {
        let marks = [mark(Session::Am, "/")];
        // Not back today, out before either register closed: AM kept, PM pre-entered.
        let plan = plan_sign_out(
            &times(),
            &calendar(),
            &pupil(),
            date(),
            t("09:00"),
            SignOutReason::Appointment,
            "Orthodontist",
            false,
            t("09:00"),
            &marks,
            &recorded(),
        );
        assert_eq!(plan.changes.len(), 1);
        assert!(matches!(
            &plan.effects[0],
            (Session::Am, SessionEffect::Kept { .. })
        ));
        assert_eq!(
            plan.effects[1],
            (
                Session::Pm,
                SessionEffect::Marked {
                    code: Code::new(BaseCode::M),
                    replaced: None
                }
            )
        );
        // Expected back: nothing is written until they are.
        let later = plan_sign_out(
            &times(),
            &calendar(),
            &pupil(),
            date(),
            t("10:30"),
            SignOutReason::Unwell,
            "",
            true,
            t("10:30"),
            &marks,
            &recorded(),
        );
        assert!(later.changes.is_empty() && later.effects.is_empty());
        // Back after the afternoon register: an N becomes I, as an amendment with the reason.
        let n = [mark(Session::Am, "/"), mark(Session::Pm, "N")];
        let back = plan_sign_in(
            &times(),
            &calendar(),
            &pupil(),
            date(),
            t("10:30"),
            t("14:00"),
            SignOutReason::Unwell,
            "Headache",
            &n,
            &recorded(),
        );
        match &back.changes[..] {
            [MarkChange::Amend { entry, reason, .. }] => {
                assert_eq!(entry.code.text(), "I");
                assert_eq!(reason, "Signed out at 10:30 (unwell at school: Headache)");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_pupil_back_before_the_register_closed_is_present_again() {
        let marks = [mark(Session::Am, "/"), mark(Session::Pm, "M")];
        let plan = plan_sign_in(
            &times(),
            &calendar(),
            &pupil(),
            date(),
            t("10:30"),
            t("13:00"),
            SignOutReason::Appointment,
            "",
            &marks,
            &recorded(),
        );
        assert_eq!(
            plan.effects,
            [(
                Session::Pm,
                SessionEffect::BackInTime {
                    replaced: Code::new(BaseCode::M),
                    code: Code::new(BaseCode::PresentPm)
                }
            )]
        );
        // A mark someone changed since is theirs: left alone.
        let changed = [mark(Session::Pm, "I")];
        let plan = plan_sign_in(
            &times(),
            &calendar(),
            &pupil(),
            date(),
            t("10:30"),
            t("13:00"),
            SignOutReason::Appointment,
            "",
            &changed,
            &recorded(),
        );
        assert!(plan.changes.is_empty());
    }

    #[test]
    fn sent_home_writes_no_code_and_lists_the_session() {
        let plan = plan_sign_out(
            &times(),
            &calendar(),
            &pupil(),
            date(),
            t("11:00"),
            SignOutReason::SentHome,
            "",
            false,
            t("11:00"),
            &[],
            &recorded(),
        );
        assert!(plan.changes.is_empty());
        assert_eq!(
            plan.effects,
            [(Session::Pm, SessionEffect::ToComplete { mark: None })]
        );
    }
}
