//! The users of a school, as its administrator sees and changes them.

use std::collections::HashMap;

use rollcall_core::{Role, YearGroup};
use rollcall_store::{PupilId, User};

use crate::access::{Actor, Permission};
use crate::error::{AppError, Refusal};
use crate::service::App;
use crate::users::{save_user, NewUser};

use super::school_of;

/// A user as an administrator sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserEntry {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// A head of year's year groups.
    pub year_groups: Vec<YearGroup>,
    /// A form tutor's forms.
    pub forms: Vec<String>,
    /// A parent's children by UPN; `None` for a child no longer on this school's register.
    pub children: Vec<Option<String>>,
    /// A parent's own `contact_id` among the school's contacts.
    pub contact: Option<String>,
    /// Trust-wide staff work in every school.
    pub trust_wide: bool,
    pub active: bool,
}

impl UserEntry {
    fn of(user: User, upns: &HashMap<PupilId, String>) -> UserEntry {
        let u = user.user;
        UserEntry {
            children: u.children.iter().map(|id| upns.get(id).cloned()).collect(),
            contact: u.contact.clone(),
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            year_groups: u.year_groups,
            forms: u.forms,
            trust_wide: u.school.is_none(),
            active: u.active,
        }
    }
}

/// A user as an administrator typed them: every field as text, checked by [`App::save_user`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserInput {
    pub username: String,
    pub display_name: String,
    /// A role's name (`form_tutor`) or title (`form tutor`).
    pub role: String,
    /// Year groups, separated by commas or spaces.
    pub year_groups: String,
    /// Forms, separated by commas or spaces.
    pub forms: String,
    /// Children's UPNs, separated by commas or spaces.
    pub children: String,
    /// A parent's own `contact_id` among the school's contacts; empty for none.
    pub contact: String,
    /// `inactive` for a user who may no longer sign in; anything else is active.
    pub status: String,
    /// Empty keeps a changed user's password.
    pub password: String,
}

/// Splits a list typed with commas, spaces or semicolons.
fn items(text: &str) -> Vec<String> {
    text.split([',', ';', ' ', '\n', '\t'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The role and year groups as typed, or what is wrong with them; `save_user` checks the rest.
fn role_and_years(input: &UserInput) -> Result<(Option<Role>, Vec<YearGroup>), Refusal> {
    let role = match input.role.trim() {
        "" => None,
        r => Some(r.parse::<Role>().map_err(Refusal::invalid)?),
    };
    let year_groups = items(&input.year_groups)
        .iter()
        .map(|y| {
            y.parse::<YearGroup>().map_err(|_| {
                Refusal::invalid(format!(
                    "'{y}' is not a year group: use R, 1 to 14, N1 or N2"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((role, year_groups))
}

impl App {
    /// The users of the actor's school and the trust-wide users, by role and then name.
    pub fn users(&self, actor: &Actor) -> Result<Vec<UserEntry>, Refusal> {
        actor.require(Permission::ManageUsers)?;
        self.reading(|store| {
            let school = school_of(store, actor)?;
            let mut users = store.users(Some(school))?;
            users.sort_by(|a, b| {
                (a.user.role, a.user.username.to_lowercase())
                    .cmp(&(b.user.role, b.user.username.to_lowercase()))
            });
            let upns: HashMap<PupilId, String> = store
                .pupils(school)?
                .into_iter()
                .map(|s| (s.id, s.pupil.upn.to_string()))
                .collect();
            Ok(users.into_iter().map(|u| UserEntry::of(u, &upns)).collect())
        })
    }

    /// Adds a user to the actor's school, or changes the user with that user name; the user's
    /// sessions end. A name taken by another school's or a trust-wide user is refused, and so is
    /// an administrator deactivating their own account or taking away their own role.
    pub fn save_user(&self, actor: &Actor, input: &UserInput) -> Result<(), Refusal> {
        actor.require(Permission::ManageUsers)?;
        let (role, year_groups) = role_and_years(input)?;
        let username = input.username.trim();
        let inactive = input.status == "inactive";
        self.with_store(|store| {
            let school = school_of(store, actor)?;
            if let Some(existing) = store.user_by_name(username)? {
                if existing.user.school != Some(school) {
                    return Err(Refusal::invalid(format!(
                        "the user name {username} is taken by a user of another school or of the whole trust: choose another"
                    )));
                }
                if Some(existing.id) == actor.user
                    && (inactive || role != Some(Role::Administrator))
                {
                    return Err(Refusal::invalid(
                        "you cannot deactivate your own account or take away your own administrator role: ask another administrator",
                    ));
                }
            }
            let user = NewUser {
                username: username.to_owned(),
                display_name: input.display_name.trim().to_owned(),
                role,
                school: Some(school),
                year_groups,
                forms: items(&input.forms),
                children: items(&input.children),
                contact: input.contact.trim().to_owned(),
                password: input.password.clone(),
                inactive,
            };
            match save_user(store, &user) {
                Ok(_) => Ok(()),
                Err(e @ (AppError::Usage(_) | AppError::Input(_))) => {
                    Err(Refusal::invalid(e.to_string()))
                }
                Err(e) => Err(e.into()),
            }
        })
    }
}
