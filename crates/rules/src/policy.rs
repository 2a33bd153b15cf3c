//! A school's attendance policy as data: its bands, its own penalty limits and lateness limit, and
//! any tightening of the national penalty threshold. A policy may add triggers and tighten
//! thresholds but never loosen a statutory duty (rules.md); [`Policy::validate`] says why not.
//!
//! Reading a policy file is the application's job; this module holds no file format.

use std::fmt;
use std::str::FromStr;

use crate::rule::Rule;

/// The national penalty threshold: 10 unauthorised sessions…
pub const NATIONAL_PENALTY_SESSIONS: u32 = 10;
/// …within 10 school weeks.
pub const NATIONAL_PENALTY_WEEKS: u32 = 10;

/// An attendance rate in hundredths of a percent: `Rate::from_hundredths(9650)` is 96.5%.
///
/// Thresholds are compared with attendance exactly, on whole session counts:
/// `(present + aea) × 10000 ≥ rate × possible`, never on a rounded percentage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rate(u32);

/// Why a text is not a rate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a percentage: expected a number from 0 to 100 with at most two decimals, such as 96, 96.5 or 96.25")]
pub struct RateError(pub String);

impl Rate {
    /// 0%.
    pub const ZERO: Rate = Rate(0);
    /// 100%.
    pub const FULL: Rate = Rate(10_000);

    /// A rate from hundredths of a percent. Values above 10000 (100%) are kept so that
    /// [`Policy::validate`] can name the band they spoil.
    pub const fn from_hundredths(hundredths: u32) -> Rate {
        Rate(hundredths)
    }

    /// A whole percentage: `Rate::percent(96)` is 96%.
    pub const fn percent(percent: u32) -> Rate {
        Rate(percent.saturating_mul(100))
    }

    pub const fn hundredths(self) -> u32 {
        self.0
    }

    /// Reads `96`, `96.5`, `96.25` or `96.25%`. The range is checked by [`Policy::validate`], so
    /// that its message can say which band or target is wrong.
    pub fn parse(text: &str) -> Result<Rate, RateError> {
        let err = || RateError(text.to_owned());
        let t = text.trim();
        let t = t.strip_suffix('%').unwrap_or(t).trim_end();
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(frac) || frac.len() > 2 {
            return Err(err());
        }
        if t.contains('.') && frac.is_empty() {
            return Err(err());
        }
        let whole: u32 = whole.parse().map_err(|_| err())?;
        let mut hundredths = 0u32;
        for (i, b) in frac.bytes().enumerate() {
            let digit = u32::from(b - b'0');
            hundredths += if i == 0 { digit * 10 } else { digit };
        }
        whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(hundredths))
            .map(Rate)
            .ok_or_else(err)
    }

    /// Whether `attended` out of `possible` sessions is at least this rate, exactly.
    pub fn is_met_by(self, attended: u32, possible: u32) -> bool {
        u64::from(attended) * 10_000 >= u64::from(self.0) * u64::from(possible)
    }
}

impl FromStr for Rate {
    type Err = RateError;
    fn from_str(s: &str) -> Result<Rate, RateError> {
        Rate::parse(s)
    }
}

impl fmt::Display for Rate {
    /// `96%`, `96.5%`, `96.25%`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, frac) = (self.0 / 100, self.0 % 100);
        match frac {
            0 => write!(f, "{whole}%"),
            f10 if f10 % 10 == 0 => write!(f, "{whole}.{}%", f10 / 10),
            _ => write!(f, "{whole}.{frac:02}%"),
        }
    }
}

/// An attendance band of the school's policy, e.g. 90% to 95% "Amber: letter home".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Band {
    pub name: String,
    /// Inclusive lower bound of attendance.
    pub from: Rate,
    /// Exclusive upper bound, except that 100% is inclusive.
    pub to: Rate,
    /// What the school does for a pupil in the band.
    pub action: String,
}

impl Band {
    /// Whether attendance of `attended` out of `possible` sessions falls in the band, exactly.
    pub fn contains(&self, attended: u32, possible: u32) -> bool {
        if possible == 0 {
            return false;
        }
        let scaled = u64::from(attended) * 10_000;
        let p = u64::from(possible);
        let above_from = scaled >= u64::from(self.from.0) * p;
        let below_to = if self.to >= Rate::FULL {
            scaled <= u64::from(self.to.0) * p
        } else {
            scaled < u64::from(self.to.0) * p
        };
        above_from && below_to
    }

    /// The band's upper bound as an exclusive integer bound, for overlap checks.
    fn end_exclusive(&self) -> u32 {
        if self.to >= Rate::FULL {
            self.to.0.saturating_add(1)
        } else {
            self.to.0
        }
    }

    fn range(&self) -> String {
        format!("{} to {}", self.from, self.to)
    }
}

/// The period a local penalty counts unauthorised sessions in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    /// The autumn, spring or summer term containing the session: half terms starting in
    /// September–December make the autumn term, January–March spring, April–August summer.
    Term,
    /// The half term containing the session.
    HalfTerm,
    /// The school week of the session and the school weeks before it, as the national rule.
    RollingSchoolWeeks(u32),
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Term => f.write_str("a term"),
            Period::HalfTerm => f.write_str("a half term"),
            Period::RollingSchoolWeeks(1) => f.write_str("1 school week"),
            Period::RollingSchoolWeeks(n) => write!(f, "{n} school weeks"),
        }
    }
}

/// The school's own limit on unauthorised sessions, e.g. "15 unauthorised sessions in a term".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalPenalty {
    pub name: String,
    pub sessions: u32,
    pub period: Period,
}

/// A school's rules as data. [`Policy::national`] is the law alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Carried by every finding, so that a finding can be explained by the policy it was made under.
    pub version: u32,
    /// The school's attendance target (shown to people; no trigger uses it).
    pub target: Option<Rate>,
    pub bands: Vec<Band>,
    pub local_penalties: Vec<LocalPenalty>,
    /// Late sessions (`L` + `U`) in one half term that raise `persistent_lateness`.
    pub persistent_lateness: Option<u32>,
    /// A tighter penalty threshold: at most the national 10 sessions.
    pub penalty_sessions: Option<u32>,
    /// A tighter penalty period: at least the national 10 school weeks.
    pub penalty_weeks: Option<u32>,
    /// Names of the school's own rules it does not want; statutory rules cannot be switched off.
    pub disabled: Vec<String>,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy::national()
    }
}

/// Why a policy was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error(
        "band '{name}' runs from {from} to {to}: its lower bound must be below its upper bound"
    )]
    BandInverted { name: String, from: Rate, to: Rate },
    #[error("band '{name}' ({from} to {to}) lies outside 0% to 100%")]
    BandOutOfRange { name: String, from: Rate, to: Rate },
    #[error("bands '{first}' ({first_range}) and '{second}' ({second_range}) overlap: each attendance rate must fall in at most one band")]
    BandsOverlap {
        first: String,
        first_range: String,
        second: String,
        second_range: String,
    },
    #[error("a band from {from} to {to} has no name")]
    BandUnnamed { from: Rate, to: Rate },
    #[error("the attendance target {0} lies outside 0% to 100%")]
    TargetOutOfRange(Rate),
    #[error("a local penalty ({sessions} sessions in {period}) has no name")]
    LocalPenaltyUnnamed { sessions: u32, period: Period },
    #[error("local penalty '{name}' is given twice")]
    LocalPenaltyTwice { name: String },
    #[error("local penalty '{name}' counts 0 sessions; expected at least 1")]
    LocalPenaltyNoSessions { name: String },
    #[error("local penalty '{name}' counts over 0 school weeks; expected at least 1")]
    LocalPenaltyNoWeeks { name: String },
    #[error("persistent lateness is set to 0 late sessions in a half term; expected at least 1")]
    LatenessZero,
    #[error("{setting} = {given} would loosen the statutory rule {rule} (national value: {national}); a policy may only tighten it ({allowed})")]
    LoosensStatutory {
        rule: Rule,
        setting: &'static str,
        given: u32,
        national: String,
        allowed: &'static str,
    },
    #[error("{setting} = 0 makes the rule {rule} meaningless; expected at least 1")]
    ZeroThreshold { rule: Rule, setting: &'static str },
    #[error("cannot switch off a statutory duty: {0}")]
    CannotDisable(Rule),
    #[error("unknown rule '{name}'; expected one of {expected}")]
    UnknownRule { name: String, expected: String },
}

impl Policy {
    /// The law alone: version 0, no bands, no local rules, the national penalty threshold.
    pub fn national() -> Policy {
        Policy {
            version: 0,
            target: None,
            bands: Vec::new(),
            local_penalties: Vec::new(),
            persistent_lateness: None,
            penalty_sessions: None,
            penalty_weeks: None,
            disabled: Vec::new(),
        }
    }

    /// Checks the policy, and says what is wrong with the first fault found.
    pub fn validate(&self) -> Result<(), PolicyError> {
        if let Some(given) = self.penalty_sessions {
            if given == 0 {
                return Err(PolicyError::ZeroThreshold {
                    rule: Rule::PenaltyThreshold,
                    setting: "penalty_sessions",
                });
            }
            if given > NATIONAL_PENALTY_SESSIONS {
                return Err(PolicyError::LoosensStatutory {
                    rule: Rule::PenaltyThreshold,
                    setting: "penalty_sessions",
                    given,
                    national: format!("{NATIONAL_PENALTY_SESSIONS} sessions"),
                    allowed: "10 sessions or fewer",
                });
            }
        }
        if let Some(given) = self.penalty_weeks {
            if given < NATIONAL_PENALTY_WEEKS {
                return Err(PolicyError::LoosensStatutory {
                    rule: Rule::PenaltyThreshold,
                    setting: "penalty_weeks",
                    given,
                    national: format!("{NATIONAL_PENALTY_WEEKS} school weeks"),
                    allowed: "10 school weeks or more",
                });
            }
        }
        for name in &self.disabled {
            match Rule::from_name(name.trim()) {
                None => {
                    return Err(PolicyError::UnknownRule {
                        name: name.clone(),
                        expected: Rule::all_names(),
                    })
                }
                Some(rule) if rule.is_statutory() => return Err(PolicyError::CannotDisable(rule)),
                Some(_) => {}
            }
        }
        if let Some(target) = self.target {
            if target > Rate::FULL {
                return Err(PolicyError::TargetOutOfRange(target));
            }
        }
        for b in &self.bands {
            if b.name.trim().is_empty() {
                return Err(PolicyError::BandUnnamed {
                    from: b.from,
                    to: b.to,
                });
            }
            if b.from > Rate::FULL || b.to > Rate::FULL {
                return Err(PolicyError::BandOutOfRange {
                    name: b.name.clone(),
                    from: b.from,
                    to: b.to,
                });
            }
            // A band is [from, to), or [from, 100%] when it reaches 100%: only 100%–100% may be
            // a single point.
            if b.from > b.to || (b.from == b.to && b.to < Rate::FULL) {
                return Err(PolicyError::BandInverted {
                    name: b.name.clone(),
                    from: b.from,
                    to: b.to,
                });
            }
        }
        for (i, a) in self.bands.iter().enumerate() {
            for b in &self.bands[i + 1..] {
                if a.from.0 < b.end_exclusive() && b.from.0 < a.end_exclusive() {
                    return Err(PolicyError::BandsOverlap {
                        first: a.name.clone(),
                        first_range: a.range(),
                        second: b.name.clone(),
                        second_range: b.range(),
                    });
                }
            }
        }
        for (i, p) in self.local_penalties.iter().enumerate() {
            if p.name.trim().is_empty() {
                return Err(PolicyError::LocalPenaltyUnnamed {
                    sessions: p.sessions,
                    period: p.period,
                });
            }
            if self.local_penalties[..i].iter().any(|q| q.name == p.name) {
                return Err(PolicyError::LocalPenaltyTwice {
                    name: p.name.clone(),
                });
            }
            if p.sessions == 0 {
                return Err(PolicyError::LocalPenaltyNoSessions {
                    name: p.name.clone(),
                });
            }
            if p.period == Period::RollingSchoolWeeks(0) {
                return Err(PolicyError::LocalPenaltyNoWeeks {
                    name: p.name.clone(),
                });
            }
        }
        if self.persistent_lateness == Some(0) {
            return Err(PolicyError::LatenessZero);
        }
        Ok(())
    }

    /// Whether the policy switches off one of the school's own rules. Statutory rules are never
    /// off, whatever the list says.
    pub fn is_disabled(&self, rule: Rule) -> bool {
        !rule.is_statutory() && self.disabled.iter().any(|n| n.trim() == rule.name())
    }

    /// The penalty threshold in force: the policy's tighter numbers, never looser than the law,
    /// as (sessions, school weeks).
    pub fn penalty_threshold(&self) -> (u32, u32) {
        let sessions = self
            .penalty_sessions
            .map_or(NATIONAL_PENALTY_SESSIONS, |s| {
                s.clamp(1, NATIONAL_PENALTY_SESSIONS)
            });
        let weeks = self
            .penalty_weeks
            .map_or(NATIONAL_PENALTY_WEEKS, |w| w.max(NATIONAL_PENALTY_WEEKS));
        (sessions, weeks)
    }

    /// Whether the penalty threshold in force is tighter than the national one.
    pub fn tightens_penalty(&self) -> bool {
        self.penalty_threshold() != (NATIONAL_PENALTY_SESSIONS, NATIONAL_PENALTY_WEEKS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_and_print() {
        for (text, hundredths, shown) in [
            ("96", 9600, "96%"),
            ("96.5", 9650, "96.5%"),
            ("96.25", 9625, "96.25%"),
            ("96.05", 9605, "96.05%"),
            (" 90% ", 9000, "90%"),
            ("0", 0, "0%"),
            ("100", 10_000, "100%"),
            ("150", 15_000, "150%"),
        ] {
            let r = Rate::parse(text).unwrap();
            assert_eq!(r.hundredths(), hundredths, "{text}");
            assert_eq!(r.to_string(), shown, "{text}");
        }
        for bad in [
            "",
            "96.255",
            "-1",
            "abc",
            "96.",
            ".5",
            "9 6",
            "1e2",
            "99999999999",
            "96,5",
        ] {
            assert!(Rate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rates_compare_exactly() {
        // 95 of 100 is exactly 95%; 949 of 1000 is 94.9%, below 95%.
        assert!(Rate::percent(95).is_met_by(95, 100));
        assert!(!Rate::percent(95).is_met_by(949, 1000));
        // 2/3 = 66.666…% is at least 66.66% but below 66.67%.
        assert!(Rate::from_hundredths(6666).is_met_by(2, 3));
        assert!(!Rate::from_hundredths(6667).is_met_by(2, 3));
    }

    #[test]
    fn bands_are_half_open_except_at_100() {
        let b = |from, to| Band {
            name: "b".into(),
            from: Rate::percent(from),
            to: Rate::percent(to),
            action: String::new(),
        };
        assert!(b(90, 95).contains(90, 100));
        assert!(!b(90, 95).contains(95, 100));
        assert!(b(95, 100).contains(100, 100));
        assert!(b(95, 100).contains(95, 100));
        assert!(!b(95, 100).contains(0, 0));
    }

    #[test]
    fn a_policy_that_only_tightens_keeps_national_otherwise() {
        let mut p = Policy::national();
        assert_eq!(p.penalty_threshold(), (10, 10));
        p.penalty_sessions = Some(8);
        p.penalty_weeks = Some(12);
        assert_eq!(p.penalty_threshold(), (8, 12));
        assert!(p.validate().is_ok());
        // Never loosened, even when validation was skipped.
        p.penalty_sessions = Some(40);
        p.penalty_weeks = Some(2);
        assert_eq!(p.penalty_threshold(), (10, 10));
        assert!(p.validate().is_err());
    }
}
