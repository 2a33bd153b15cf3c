//! Users, their sign-in sessions and pupils' contacts.

use chrono::{DateTime, Utc};
use rollcall_core::{Role, YearGroup};

use crate::{PupilId, SchoolId, UserId};

/// A user as saved: who they are, their role and their reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserDraft {
    /// Unique in the database, compared without regard to case.
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The school the user works in or whose pupils are theirs; `None` for trust-wide staff.
    pub school: Option<SchoolId>,
    /// A head of year's year groups.
    pub year_groups: Vec<YearGroup>,
    /// A form tutor's forms (registration groups).
    pub forms: Vec<String>,
    /// A parent's children.
    pub children: Vec<PupilId>,
    /// A parent's own entry among the school's contacts ([`Contact::reference`]): who they are
    /// when they report an absence or apply for leave.
    pub contact: Option<String>,
    /// The argon2id hash of the password, in PHC string form; never the password.
    pub password_hash: String,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub user: UserDraft,
}

/// A signed-in session. The browser holds a random token; the database holds only its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInSession {
    pub token_hash: String,
    pub user: UserId,
    /// The token every form of this session must carry.
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// The session ends at this time however active it is.
    pub expires_at: DateTime<Utc>,
}

/// Someone to contact about a pupil, in the order to try them: the person (shared by their rows
/// for several pupils, by the school's `reference` for them) and what they are to this pupil.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// The school's own identifier for the person, unique in the school (`contact_id` in files).
    pub reference: String,
    pub forename: String,
    pub surname: String,
    /// e.g. "mother", "grandfather", "social worker".
    pub relationship: String,
    pub parental_responsibility: bool,
    /// The pupil normally lives with this person.
    pub lives_with: bool,
    /// 1 = call first.
    pub priority: u32,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    /// May collect the pupil from school.
    pub may_collect: bool,
}

impl Contact {
    /// "Forename Surname".
    pub fn name(&self) -> String {
        match (self.forename.trim(), self.surname.trim()) {
            ("", s) => s.to_owned(),
            (f, "") => f.to_owned(),
            (f, s) => format!("{f} {s}"),
        }
    }

    /// A parent in education law (s576 Education Act 1996): someone with parental
    /// responsibility, or who has care of the pupil, read as living with them.
    pub fn is_parent(&self) -> bool {
        self.parental_responsibility || self.lives_with
    }
}
