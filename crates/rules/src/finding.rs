//! What the rules find, and the evidence behind each finding.

use rollcall_core::dates::academic_year;
use rollcall_core::{BaseCode, Date, Session};

use crate::rule::Rule;

/// One trigger met for one pupil.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    /// The pupil's UPN.
    pub upn: String,
    /// The date rules.md dates the finding on; the as-of date for year-to-date states.
    pub date: Date,
    /// The session the finding is dated on, when it is dated on a session.
    pub session: Option<Session>,
    /// What tells apart findings of one rule on the same date: the `N` session an
    /// `unresolved_n` finding is about (`2025-03-03/AM`), or the name of a local penalty.
    pub subject: Option<String>,
    pub evidence: Evidence,
    /// The version of the policy the finding was made under (0: the national rules alone).
    pub policy_version: u32,
}

/// Why a finding was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// The sessions counted, in date order.
    pub sessions: Vec<(Date, Session, BaseCode)>,
    /// The period looked at, both ends inclusive: the rolling school weeks, the run of days, the
    /// academic year so far.
    pub window: Option<(Date, Date)>,
    /// One plain sentence for people.
    pub summary: String,
}

impl Finding {
    /// A stable identity: the rule, the UPN, the date and session the finding is dated on, and its
    /// subject when it has one, e.g. `penalty_threshold/A123…/2025-03-07/PM`. Evaluating the same
    /// register again gives the same ids.
    pub fn id(&self) -> String {
        let mut id = format!("{}/{}/{}", self.rule.name(), self.upn, self.date);
        if let Some(s) = self.session {
            id.push('/');
            id.push_str(s.as_str());
        }
        if let Some(subject) = &self.subject {
            id.push('/');
            id.push_str(subject);
        }
        id
    }

    /// Whether the finding is dated in the academic year (1 September – 31 August) of `as_of`:
    /// the interchange lists only those, though the sessions behind a finding may reach back into
    /// the year before.
    pub fn in_academic_year_of(&self, as_of: Date) -> bool {
        academic_year(self.date) == academic_year(as_of)
    }

    /// The order findings are listed in: date, then UPN, then rule name (then session and subject,
    /// so that the order is total).
    pub(crate) fn sort_key(&self) -> (Date, &str, &str, Option<Session>, Option<&str>) {
        (
            self.date,
            &self.upn,
            self.rule.name(),
            self.session,
            self.subject.as_deref(),
        )
    }
}
