//! The triggers this crate finds, by name.

use std::fmt;

/// A trigger of rules.md, or one of the school's own policy triggers.
///
/// The first seven are the ones the interchange contract lists (`rollcall alerts`); the others are
/// shown only on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// 10 unauthorised sessions within 10 school weeks (national penalty notice framework).
    PenaltyThreshold,
    /// 10 consecutive school days of unauthorised absence: tell the local authority.
    Unauthorised10Days,
    /// 30 sessions of illness (15 school days) in an academic year: tell the local authority.
    Sickness15Days,
    /// An `N` mark not replaced within 5 school days of its session.
    UnresolvedN,
    /// 20 consecutive school days of unauthorised absence: the deletion ground that opens enquiries.
    Deletion20Days,
    /// Year to date, 10 × absent ≥ possible.
    PersistentAbsence,
    /// Year to date, 2 × absent ≥ possible.
    SevereAbsence,
    /// A pupil added to the admission register: a return is due to the local authority.
    NewPupil,
    /// A name deleted from the admission register: a return is due to the local authority.
    DeletedPupil,
    /// The first `C2` session of a part-time timetable.
    PartTimeStart,
    /// The last `C2` session of a part-time timetable that has ended.
    PartTimeStop,
    /// A school session on roll with no mark.
    RegisterNotTaken,
    /// The school's own limit on unauthorised sessions in a period.
    LocalPenalty,
    /// The school's own limit on late sessions (`L` + `U`) in a half term.
    PersistentLateness,
    /// The pupil's year-to-date attendance is below the school's top band.
    AttendanceBand,
}

impl Rule {
    /// Every rule, the interchange ones first.
    pub const ALL: [Rule; 15] = [
        Rule::PenaltyThreshold,
        Rule::Unauthorised10Days,
        Rule::Sickness15Days,
        Rule::UnresolvedN,
        Rule::Deletion20Days,
        Rule::PersistentAbsence,
        Rule::SevereAbsence,
        Rule::NewPupil,
        Rule::DeletedPupil,
        Rule::PartTimeStart,
        Rule::PartTimeStop,
        Rule::RegisterNotTaken,
        Rule::LocalPenalty,
        Rule::PersistentLateness,
        Rule::AttendanceBand,
    ];

    /// The rule's name as written in alerts, policies and finding ids.
    pub fn name(self) -> &'static str {
        match self {
            Rule::PenaltyThreshold => "penalty_threshold",
            Rule::Unauthorised10Days => "unauthorised_10_days",
            Rule::Sickness15Days => "sickness_15_days",
            Rule::UnresolvedN => "unresolved_n",
            Rule::Deletion20Days => "deletion_20_days",
            Rule::PersistentAbsence => "persistent_absence",
            Rule::SevereAbsence => "severe_absence",
            Rule::NewPupil => "new_pupil",
            Rule::DeletedPupil => "deleted_pupil",
            Rule::PartTimeStart => "part_time_start",
            Rule::PartTimeStop => "part_time_stop",
            Rule::RegisterNotTaken => "register_not_taken",
            Rule::LocalPenalty => "local_penalty",
            Rule::PersistentLateness => "persistent_lateness",
            Rule::AttendanceBand => "attendance_band",
        }
    }

    /// The rule with this exact name.
    pub fn from_name(name: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.name() == name)
    }

    /// Whether the rule is a national duty or definition, which no school policy may switch off
    /// or loosen. Only the school's own triggers (local penalty, persistent lateness, attendance
    /// band) are not.
    pub fn is_statutory(self) -> bool {
        !matches!(
            self,
            Rule::LocalPenalty | Rule::PersistentLateness | Rule::AttendanceBand
        )
    }

    /// Whether `rollcall alerts` lists the rule (interchange.md): the first seven.
    pub fn in_interchange(self) -> bool {
        matches!(
            self,
            Rule::PenaltyThreshold
                | Rule::Unauthorised10Days
                | Rule::Sickness15Days
                | Rule::UnresolvedN
                | Rule::Deletion20Days
                | Rule::PersistentAbsence
                | Rule::SevereAbsence
        )
    }

    /// The names of every rule, comma separated, for error messages.
    pub(crate) fn all_names() -> String {
        Rule::ALL.map(Rule::name).join(", ")
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for r in Rule::ALL {
            assert_eq!(Rule::from_name(r.name()), Some(r));
        }
        let mut names: Vec<_> = Rule::ALL.iter().map(|r| r.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Rule::ALL.len());
        assert_eq!(Rule::from_name("Penalty_Threshold"), None);
        assert_eq!(Rule::from_name(""), None);
    }

    #[test]
    fn the_interchange_lists_the_first_seven() {
        let listed: Vec<_> = Rule::ALL.iter().filter(|r| r.in_interchange()).collect();
        assert_eq!(listed.len(), 7);
        assert!(Rule::ALL[..7].iter().all(|r| r.in_interchange()));
        assert!(Rule::ALL[..12].iter().all(|r| r.is_statutory()));
        assert!(Rule::ALL[12..].iter().all(|r| !r.is_statutory()));
    }
}
