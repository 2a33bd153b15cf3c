//! The people who use Rollcall and what each is responsible for.

use std::fmt;
use std::str::FromStr;

/// A user's role. What each may see and do is decided by the application from the role and the
/// user's reach (their forms, year groups or children).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Manages users and the school's set-up.
    Administrator,
    Headteacher,
    AttendanceOfficer,
    /// Reaches the pupils of their year groups.
    HeadOfYear,
    /// A form tutor or teacher: reaches the pupils of their forms.
    FormTutor,
    /// Office staff: late arrivals, parents' calls, registers not taken.
    Office,
    /// The designated safeguarding lead: vulnerable pupils' calling status and missing-pupil
    /// alerts, school-wide.
    SafeguardingLead,
    /// Figures only: never a pupil's name or UPN.
    Governor,
    /// Reaches their own children only.
    Parent,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Administrator,
        Role::Headteacher,
        Role::AttendanceOfficer,
        Role::HeadOfYear,
        Role::FormTutor,
        Role::Office,
        Role::SafeguardingLead,
        Role::Governor,
        Role::Parent,
    ];

    /// The role's name as stored and typed: `attendance_officer`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Headteacher => "headteacher",
            Role::AttendanceOfficer => "attendance_officer",
            Role::HeadOfYear => "head_of_year",
            Role::FormTutor => "form_tutor",
            Role::Office => "office",
            Role::SafeguardingLead => "safeguarding_lead",
            Role::Governor => "governor",
            Role::Parent => "parent",
        }
    }

    /// The role as people read it: "attendance officer".
    pub fn title(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Headteacher => "headteacher",
            Role::AttendanceOfficer => "attendance officer",
            Role::HeadOfYear => "head of year",
            Role::FormTutor => "form tutor",
            Role::Office => "office",
            Role::SafeguardingLead => "designated safeguarding lead",
            Role::Governor => "governor",
            Role::Parent => "parent",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        let wanted = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        Role::ALL
            .into_iter()
            .find(|r| r.name() == wanted || r.title().replace([' ', '-'], "_") == wanted)
            .ok_or_else(|| {
                let names: Vec<_> = Role::ALL.iter().map(|r| r.name()).collect();
                format!("'{s}' is not a role; expected one of {}", names.join(", "))
            })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.name().parse::<Role>(), Ok(r));
            assert_eq!(r.title().parse::<Role>(), Ok(r));
        }
        assert!("janitor".parse::<Role>().is_err());
    }
}
