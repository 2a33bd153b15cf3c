//! The school calendar: register times, half terms and closures, and from them which sessions are
//! school sessions for a pupil of a given year group.

use std::fmt;

use chrono::{NaiveTime, Timelike};

use crate::codes::BaseCode;
use crate::dates::{is_weekday, Date, Session};
use crate::pupil::YearGroup;

/// The longest a register may stay open (rules.md: register integrity).
pub const MAX_REGISTER_MINUTES: i64 = 30;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("the {session} register closes at {} but opens at {}: it must close after it opens", format_time(*.closes), format_time(*.opens))]
    RegisterCloses {
        session: Session,
        opens: NaiveTime,
        closes: NaiveTime,
    },
    #[error("the {session} register is open for {minutes} minutes ({} to {}); a register may stay open at most 30 minutes", format_time(*.opens), format_time(*.closes))]
    RegisterTooLong {
        session: Session,
        opens: NaiveTime,
        closes: NaiveTime,
        minutes: i64,
    },
    #[error("the afternoon register opens at {}, before the morning register closes at {}", format_time(*.pm_opens), format_time(*.am_closes))]
    RegistersOverlap {
        am_closes: NaiveTime,
        pm_opens: NaiveTime,
    },
    #[error("half term '{name}' ends on {end}, before it starts on {start}")]
    HalfTermBackwards {
        name: String,
        start: Date,
        end: Date,
    },
    #[error("half terms '{first}' and '{second}' overlap")]
    HalfTermsOverlap { first: String, second: String },
    #[error("closure '{reason}' ends on {end}, before it starts on {start}")]
    ClosureBackwards {
        reason: String,
        start: Date,
        end: Date,
    },
}

/// When the morning and afternoon registers open and close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegisterTimes {
    am_opens: NaiveTime,
    am_closes: NaiveTime,
    pm_opens: NaiveTime,
    pm_closes: NaiveTime,
}

/// How a pupil's arrival time reads in the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    /// `/` or `\` when on time, `L` before the register closed, `U` after.
    pub code: BaseCode,
    /// Whole minutes after the register opened; 0 when on time.
    pub minutes_late: u32,
}

impl RegisterTimes {
    pub fn new(
        am_opens: NaiveTime,
        am_closes: NaiveTime,
        pm_opens: NaiveTime,
        pm_closes: NaiveTime,
    ) -> Result<RegisterTimes, CalendarError> {
        for (session, opens, closes) in [
            (Session::Am, am_opens, am_closes),
            (Session::Pm, pm_opens, pm_closes),
        ] {
            let minutes = (closes - opens).num_minutes();
            if closes <= opens {
                return Err(CalendarError::RegisterCloses {
                    session,
                    opens,
                    closes,
                });
            }
            if (closes - opens).num_seconds() > MAX_REGISTER_MINUTES * 60 {
                return Err(CalendarError::RegisterTooLong {
                    session,
                    opens,
                    closes,
                    minutes,
                });
            }
        }
        if pm_opens < am_closes {
            return Err(CalendarError::RegistersOverlap {
                am_closes,
                pm_opens,
            });
        }
        Ok(RegisterTimes {
            am_opens,
            am_closes,
            pm_opens,
            pm_closes,
        })
    }

    pub fn opens(&self, session: Session) -> NaiveTime {
        match session {
            Session::Am => self.am_opens,
            Session::Pm => self.pm_opens,
        }
    }

    pub fn closes(&self, session: Session) -> NaiveTime {
        match session {
            Session::Am => self.am_closes,
            Session::Pm => self.pm_closes,
        }
    }

    /// The mark an arrival at `time` earns: present up to the register's opening, `L` while the
    /// register is open, `U` from its close.
    pub fn arrival(&self, session: Session, time: NaiveTime) -> Arrival {
        let opens = self.opens(session);
        if time <= opens {
            let code = match session {
                Session::Am => BaseCode::PresentAm,
                Session::Pm => BaseCode::PresentPm,
            };
            return Arrival {
                code,
                minutes_late: 0,
            };
        }
        let minutes_late = u32::try_from((time - opens).num_minutes()).unwrap_or(u32::MAX);
        let code = if time < self.closes(session) {
            BaseCode::L
        } else {
            BaseCode::U
        };
        Arrival { code, minutes_late }
    }
}

/// Formats a register time as `HH:MM`.
pub fn format_time(time: NaiveTime) -> String {
    format!("{:02}:{:02}", time.hour(), time.minute())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HalfTerm {
    pub name: String,
    pub start: Date,
    pub end: Date,
}

/// Which sessions of a day a closure covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionSet {
    Am,
    Pm,
    Both,
}

impl SessionSet {
    pub fn contains(self, session: Session) -> bool {
        match self {
            SessionSet::Both => true,
            SessionSet::Am => session == Session::Am,
            SessionSet::Pm => session == Session::Pm,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SessionSet::Am => "am",
            SessionSet::Pm => "pm",
            SessionSet::Both => "both",
        }
    }

    pub fn parse(text: &str) -> Option<SessionSet> {
        match text.trim().to_ascii_lowercase().as_str() {
            "am" => Some(SessionSet::Am),
            "pm" => Some(SessionSet::Pm),
            "both" => Some(SessionSet::Both),
            _ => None,
        }
    }
}

/// A planned closure: INSET days, bank holidays, a year group not due in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    pub start: Date,
    pub end: Date,
    pub sessions: SessionSet,
    pub reason: String,
    /// The year groups it applies to; `None` for the whole school.
    pub year_groups: Option<Vec<YearGroup>>,
}

impl Closure {
    pub fn applies(&self, date: Date, session: Session, year_group: YearGroup) -> bool {
        self.start <= date
            && date <= self.end
            && self.sessions.contains(session)
            && self
                .year_groups
                .as_ref()
                .is_none_or(|groups| groups.contains(&year_group))
    }
}

/// Why a session is not a school session for a pupil.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotSchoolSession {
    Weekend,
    /// Outside every half term: a holiday, or a date the calendar does not cover.
    Holiday,
    Closed {
        reason: String,
    },
}

impl fmt::Display for NotSchoolSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotSchoolSession::Weekend => f.write_str("it is a weekend"),
            NotSchoolSession::Holiday => {
                f.write_str("it is outside every half term of the school calendar (a holiday)")
            }
            NotSchoolSession::Closed { reason } => write!(f, "the school is closed ({reason})"),
        }
    }
}

/// A school's calendar: half terms, sorted and not overlapping, and closures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    half_terms: Vec<HalfTerm>,
    closures: Vec<Closure>,
}

impl Calendar {
    pub fn new(
        mut half_terms: Vec<HalfTerm>,
        mut closures: Vec<Closure>,
    ) -> Result<Calendar, CalendarError> {
        for h in &half_terms {
            if h.end < h.start {
                return Err(CalendarError::HalfTermBackwards {
                    name: h.name.clone(),
                    start: h.start,
                    end: h.end,
                });
            }
        }
        for c in &closures {
            if c.end < c.start {
                return Err(CalendarError::ClosureBackwards {
                    reason: c.reason.clone(),
                    start: c.start,
                    end: c.end,
                });
            }
        }
        half_terms.sort_by_key(|h| (h.start, h.end));
        if let Some(w) = half_terms.windows(2).find(|w| w[1].start <= w[0].end) {
            return Err(CalendarError::HalfTermsOverlap {
                first: w[0].name.clone(),
                second: w[1].name.clone(),
            });
        }
        closures.sort_by_key(|c| (c.start, c.end));
        Ok(Calendar {
            half_terms,
            closures,
        })
    }

    pub fn half_terms(&self) -> &[HalfTerm] {
        &self.half_terms
    }

    pub fn closures(&self) -> &[Closure] {
        &self.closures
    }

    pub fn is_empty(&self) -> bool {
        self.half_terms.is_empty() && self.closures.is_empty()
    }

    /// The first and last date the calendar speaks of.
    pub fn span(&self) -> Option<(Date, Date)> {
        let starts = self.half_terms.iter().map(|h| h.start);
        let ends = self.half_terms.iter().map(|h| h.end);
        let start = starts.chain(self.closures.iter().map(|c| c.start)).min()?;
        let end = ends.chain(self.closures.iter().map(|c| c.end)).max()?;
        Some((start, end))
    }

    /// This calendar with `newer` in place of whatever it had for the dates `newer` covers.
    pub fn merged_with(&self, newer: &Calendar) -> Result<Calendar, CalendarError> {
        let Some((start, end)) = newer.span() else {
            return Ok(self.clone());
        };
        let outside = |s: Date, e: Date| e < start || s > end;
        let half_terms = self
            .half_terms
            .iter()
            .filter(|h| outside(h.start, h.end))
            .chain(&newer.half_terms)
            .cloned()
            .collect();
        let closures = self
            .closures
            .iter()
            .filter(|c| outside(c.start, c.end))
            .chain(&newer.closures)
            .cloned()
            .collect();
        Calendar::new(half_terms, closures)
    }

    /// The half term a date falls in.
    pub fn half_term(&self, date: Date) -> Option<&HalfTerm> {
        let i = self.half_terms.partition_point(|h| h.end < date);
        self.half_terms.get(i).filter(|h| h.start <= date)
    }

    /// Whether a session is a school session for a pupil in `year_group`, and why not.
    pub fn check_session(
        &self,
        date: Date,
        session: Session,
        year_group: YearGroup,
    ) -> Result<(), NotSchoolSession> {
        if !is_weekday(date) {
            return Err(NotSchoolSession::Weekend);
        }
        if self.half_term(date).is_none() {
            return Err(NotSchoolSession::Holiday);
        }
        if let Some(c) = self
            .closures
            .iter()
            .find(|c| c.applies(date, session, year_group))
        {
            return Err(NotSchoolSession::Closed {
                reason: c.reason.clone(),
            });
        }
        Ok(())
    }

    pub fn is_school_session(&self, date: Date, session: Session, year_group: YearGroup) -> bool {
        self.check_session(date, session, year_group).is_ok()
    }

    /// The school sessions of `from..=to` for a year group, as a grid for fast counting.
    pub fn grid(&self, year_group: YearGroup, from: Date, to: Date) -> SessionGrid {
        let days = usize::try_from((to - from).num_days() + 1).unwrap_or(0);
        let mut bits = vec![0u8; days];
        for (i, slot) in bits.iter_mut().enumerate() {
            let date = from + chrono::Days::new(i as u64);
            for s in Session::BOTH {
                if self.is_school_session(date, s, year_group) {
                    *slot |= 1 << s.index();
                }
            }
        }
        SessionGrid::from_bits(from, bits)
    }
}

/// School sessions over a run of dates for one year group: a bit per session, and running totals
/// so that the sessions of any sub-period are counted without walking it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionGrid {
    start: Date,
    bits: Vec<u8>,
    /// `before[i]` = school sessions on the days before day `i`.
    before: Vec<u32>,
}

impl SessionGrid {
    fn from_bits(start: Date, bits: Vec<u8>) -> SessionGrid {
        let mut before = Vec::with_capacity(bits.len() + 1);
        let mut total = 0u32;
        before.push(0);
        for b in &bits {
            total += b.count_ones();
            before.push(total);
        }
        SessionGrid {
            start,
            bits,
            before,
        }
    }

    pub fn start(&self) -> Date {
        self.start
    }

    /// The last date of the grid, or `None` when it is empty.
    pub fn end(&self) -> Option<Date> {
        let days = self.bits.len().checked_sub(1)?;
        Some(self.start + chrono::Days::new(days as u64))
    }

    fn index(&self, date: Date) -> Option<usize> {
        usize::try_from((date - self.start).num_days())
            .ok()
            .filter(|&i| i < self.bits.len())
    }

    pub fn is_school_session(&self, date: Date, session: Session) -> bool {
        self.index(date)
            .is_some_and(|i| self.bits[i] & (1 << session.index()) != 0)
    }

    /// The school sessions of `from..=to`, clipped to the grid.
    pub fn count(&self, from: Date, to: Date) -> u32 {
        let clip = |d: Date| -> usize {
            let days = (d - self.start).num_days();
            usize::try_from(days).unwrap_or(0).min(self.bits.len())
        };
        if to < from {
            return 0;
        }
        let a = clip(from);
        let b = clip(to + chrono::Days::new(1));
        self.before[b].saturating_sub(self.before[a])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::parse_date;

    fn d(s: &str) -> Date {
        parse_date(s).unwrap()
    }
    fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }

    fn calendar() -> Calendar {
        Calendar::new(
            vec![
                HalfTerm {
                    name: "Autumn 1".into(),
                    start: d("2024-09-04"),
                    end: d("2024-10-25"),
                },
                HalfTerm {
                    name: "Autumn 2".into(),
                    start: d("2024-11-04"),
                    end: d("2024-12-20"),
                },
            ],
            vec![
                Closure {
                    start: d("2024-11-04"),
                    end: d("2024-11-04"),
                    sessions: SessionSet::Both,
                    reason: "INSET".into(),
                    year_groups: Some(vec![YearGroup::Year(7)]),
                },
                Closure {
                    start: d("2024-11-05"),
                    end: d("2024-11-05"),
                    sessions: SessionSet::Pm,
                    reason: "Polling station".into(),
                    year_groups: None,
                },
            ],
        )
        .unwrap()
    }

    #[test]
    fn school_sessions_follow_half_terms_weekends_and_closures() {
        let c = calendar();
        let y7 = YearGroup::Year(7);
        let y8 = YearGroup::Year(8);
        assert!(c.is_school_session(d("2024-09-04"), Session::Am, y7));
        assert_eq!(
            c.check_session(d("2024-09-07"), Session::Am, y7),
            Err(NotSchoolSession::Weekend)
        );
        assert_eq!(
            c.check_session(d("2024-10-28"), Session::Am, y7),
            Err(NotSchoolSession::Holiday)
        );
        assert!(!c.is_school_session(d("2024-11-04"), Session::Pm, y7));
        assert!(c.is_school_session(d("2024-11-04"), Session::Pm, y8));
        assert!(c.is_school_session(d("2024-11-05"), Session::Am, y8));
        assert!(!c.is_school_session(d("2024-11-05"), Session::Pm, y8));
    }

    #[test]
    fn grid_counts_match_session_by_session() {
        let c = calendar();
        let g = c.grid(YearGroup::Year(7), d("2024-09-01"), d("2024-12-31"));
        let mut manual = 0;
        let mut date = d("2024-09-10");
        while date <= d("2024-11-20") {
            manual += Session::BOTH
                .iter()
                .filter(|&&s| c.is_school_session(date, s, YearGroup::Year(7)))
                .count() as u32;
            date = date.succ_opt().unwrap();
        }
        assert_eq!(g.count(d("2024-09-10"), d("2024-11-20")), manual);
        // Autumn 1 has 38 weekdays from Wed 4 Sep to Fri 25 Oct.
        assert_eq!(g.count(d("2024-09-01"), d("2024-10-31")), 76);
        assert_eq!(
            g.count(d("2024-08-01"), d("2025-01-31")),
            g.count(g.start(), g.end().unwrap())
        );
        assert_eq!(g.count(d("2024-10-01"), d("2024-09-01")), 0);
    }

    #[test]
    fn registers_stay_open_at_most_30_minutes() {
        assert!(RegisterTimes::new(t("08:50"), t("09:20"), t("13:30"), t("13:45")).is_ok());
        assert!(matches!(
            RegisterTimes::new(t("08:50"), t("09:21"), t("13:30"), t("13:45")),
            Err(CalendarError::RegisterTooLong { minutes: 31, .. })
        ));
        assert!(matches!(
            RegisterTimes::new(t("08:50"), t("08:40"), t("13:30"), t("13:45")),
            Err(CalendarError::RegisterCloses { .. })
        ));
    }

    #[test]
    fn arrival_times_become_codes() {
        let r = RegisterTimes::new(t("08:50"), t("09:20"), t("13:30"), t("13:45")).unwrap();
        assert_eq!(r.arrival(Session::Am, t("08:45")).code, BaseCode::PresentAm);
        assert_eq!(
            r.arrival(Session::Am, t("09:05")),
            Arrival {
                code: BaseCode::L,
                minutes_late: 15
            }
        );
        assert_eq!(r.arrival(Session::Am, t("09:20")).code, BaseCode::U);
        assert_eq!(r.arrival(Session::Pm, t("13:29")).code, BaseCode::PresentPm);
    }

    #[test]
    fn a_newer_calendar_replaces_the_dates_it_covers() {
        let old = calendar();
        let newer = Calendar::new(
            vec![HalfTerm {
                name: "Autumn 2 (revised)".into(),
                start: d("2024-11-05"),
                end: d("2024-12-19"),
            }],
            vec![],
        )
        .unwrap();
        let merged = old.merged_with(&newer).unwrap();
        let names: Vec<_> = merged
            .half_terms()
            .iter()
            .map(|h| h.name.as_str())
            .collect();
        assert_eq!(names, ["Autumn 1", "Autumn 2 (revised)"]);
        assert!(
            merged.closures().is_empty()
                || merged.closures().iter().all(|c| c.end < d("2024-11-05"))
        );
    }
}
