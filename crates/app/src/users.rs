//! Users: passwords hashed with argon2id, and adding or changing a user.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rollcall_core::{Role, YearGroup};
use rollcall_store::{PupilId, SchoolId, Store, UserDraft, UserId};

use crate::error::{AppError, Result};

/// Hashes a password with argon2id and a random salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AppError::Io(format!("no randomness: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Io(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Io(e.to_string()))
}

/// Whether `password` matches the stored argon2id hash.
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .and_then(|h| Argon2::default().verify_password(password.as_bytes(), &h))
        .is_ok()
}

/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 10;

/// A user to add or change, as typed by an administrator.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Option<Role>,
    pub school: Option<SchoolId>,
    pub year_groups: Vec<YearGroup>,
    pub forms: Vec<String>,
    /// UPNs of a parent's children.
    pub children: Vec<String>,
    /// A parent's own entry among the school's contacts (its `contact_id`); empty for none.
    pub contact: String,
    /// The new password; empty keeps an existing user's password (a new user needs one).
    pub password: String,
    /// The user may no longer sign in; they stay on the list, with everything they recorded.
    pub inactive: bool,
}

/// Checks and saves a user (adding, or changing the user with the same name), and ends the
/// user's sessions.
pub fn save_user(store: &mut dyn Store, new: &NewUser) -> Result<UserId> {
    let bad = |m: String| AppError::Usage(m);
    let username = new.username.trim();
    if username.is_empty()
        || username.len() > 64
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
    {
        return Err(bad(format!(
            "'{username}' is not a user name: use 1 to 64 letters, digits, '.', '_', '-' or '@'"
        )));
    }
    let role = new.role.ok_or_else(|| bad("a user needs a role".into()))?;
    let existing = store.user_by_name(username)?;
    let password_hash = match (&existing, new.password.is_empty()) {
        (Some(user), true) => user.user.password_hash.clone(),
        (None, true) => {
            return Err(bad(format!(
                "a new user needs a password of at least {MIN_PASSWORD} characters"
            )))
        }
        (_, false) if new.password.chars().count() < MIN_PASSWORD => {
            return Err(bad(format!(
                "the password is too short: use at least {MIN_PASSWORD} characters"
            )))
        }
        (_, false) => hash_password(&new.password)?,
    };
    match role {
        Role::HeadOfYear if new.year_groups.is_empty() => {
            return Err(bad("a head of year needs at least one year group".into()))
        }
        Role::FormTutor if new.forms.is_empty() => {
            return Err(bad("a form tutor needs at least one form".into()))
        }
        Role::Parent if new.children.is_empty() => {
            return Err(bad("a parent needs at least one child (a UPN)".into()))
        }
        _ => {}
    }
    let mut children: Vec<PupilId> = Vec::new();
    if !new.children.is_empty() {
        let school = new
            .school
            .ok_or_else(|| bad("a parent belongs to a school".into()))?;
        let pupils = store.pupils(school)?;
        for upn in &new.children {
            let p = pupils
                .iter()
                .find(|p| p.pupil.upn.as_str() == upn.trim())
                .ok_or_else(|| {
                    bad(format!(
                        "no pupil with UPN {upn} is on this school's admission register"
                    ))
                })?;
            children.push(p.id);
        }
    }
    let contact = match new.contact.trim() {
        "" => None,
        reference if role != Role::Parent => {
            return Err(bad(format!(
                "only a parent is linked to a contact ('{reference}' given for a {})",
                role.name()
            )))
        }
        reference => {
            let school = new
                .school
                .ok_or_else(|| bad("a parent belongs to a school".into()))?;
            let theirs: Vec<PupilId> = store
                .all_contacts(school)?
                .into_iter()
                .filter(|(_, c)| c.reference == reference)
                .map(|(pupil, _)| pupil)
                .collect();
            if theirs.is_empty() {
                return Err(bad(format!("the school has no contact '{reference}'")));
            }
            if let Some(upn) = new
                .children
                .iter()
                .zip(&children)
                .find(|(_, id)| !theirs.contains(id))
                .map(|(upn, _)| upn)
            {
                return Err(bad(format!(
                    "contact '{reference}' is not a contact of the pupil with UPN {}",
                    upn.trim()
                )));
            }
            Some(reference.to_owned())
        }
    };
    let draft = UserDraft {
        username: username.to_owned(),
        // No name given keeps a changed user's name; a new user is shown by their user name.
        display_name: match (new.display_name.trim(), &existing) {
            ("", Some(user)) => user.user.display_name.clone(),
            ("", None) => username.to_owned(),
            (name, _) => name.to_owned(),
        },
        role,
        school: new.school,
        year_groups: new.year_groups.clone(),
        forms: new
            .forms
            .iter()
            .map(|f| f.trim().to_owned())
            .filter(|f| !f.is_empty())
            .collect(),
        children,
        contact,
        password_hash,
        active: !new.inactive,
    };
    let id = store.save_user(&draft)?;
    // A changed password, role or reach, or a deactivation, takes effect at once: the user signs
    // in again (or, deactivated, cannot).
    store.end_user_sessions(id)?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_argon2id_and_verified() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "correct horse"));
        assert!(!verify_password(&h, "correct hors"));
        assert!(!verify_password("not a hash", "x"));
    }
}
