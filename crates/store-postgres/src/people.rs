//! Users and what they reach, sign-in sessions, pupils' contacts and parents' reports of absence.

use chrono::{DateTime, Utc};
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, Row};
use rollcall_store::{
    decode, PupilId, Result, SchoolId, SignInSession, StoreError, User, UserDraft, UserId,
};

use crate::rows::col;
use crate::{db, require_school};

/// Adds a user, or updates every field of the user with the same user name in any case (the
/// name takes the case given), and puts the draft's year groups, forms and children in place of
/// the user's.
pub(crate) fn save_user(client: &mut Client, user: &UserDraft) -> Result<UserId> {
    let mut tx = client.transaction().map_err(db)?;
    if let Some(school) = user.school {
        require_school(&mut tx, school, false)?;
    }
    let mut children = user.children.clone();
    children.sort_unstable();
    children.dedup();
    if let Some(row) = tx
        .query_opt(
            "SELECT c FROM unnest($1::bigint[]) AS c \
             WHERE NOT EXISTS (SELECT 1 FROM pupils p WHERE p.id = c) ORDER BY c LIMIT 1",
            &[&children],
        )
        .map_err(db)?
    {
        return Err(StoreError::unknown_pupil(col(&row, 0)?));
    }
    // One statement, so two saves of a new name at once make one user, not an error.
    let row = tx
        .query_one(
            "INSERT INTO users (school_id, username, display_name, role, password_hash, active, \
                                contact_reference) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT ((lower(username))) DO UPDATE SET \
                 school_id = EXCLUDED.school_id, username = EXCLUDED.username, \
                 display_name = EXCLUDED.display_name, role = EXCLUDED.role, \
                 password_hash = EXCLUDED.password_hash, active = EXCLUDED.active, \
                 contact_reference = EXCLUDED.contact_reference \
             RETURNING id",
            &[
                &user.school,
                &user.username,
                &user.display_name,
                &user.role.name(),
                &user.password_hash,
                &user.active,
                &user.contact,
            ],
        )
        .map_err(db)?;
    let id: UserId = col(&row, 0)?;
    for table in ["user_year_groups", "user_forms", "user_children"] {
        tx.execute(&format!("DELETE FROM {table} WHERE user_id = $1"), &[&id])
            .map_err(db)?;
    }
    let year_groups: Vec<String> = user.year_groups.iter().map(ToString::to_string).collect();
    tx.execute(
        "INSERT INTO user_year_groups (user_id, year_group) \
         SELECT $1, g FROM unnest($2::text[]) AS g ON CONFLICT DO NOTHING",
        &[&id, &year_groups],
    )
    .map_err(db)?;
    tx.execute(
        "INSERT INTO user_forms (user_id, form) \
         SELECT $1, f FROM unnest($2::text[]) AS f ON CONFLICT DO NOTHING",
        &[&id, &user.forms],
    )
    .map_err(db)?;
    tx.execute(
        "INSERT INTO user_children (user_id, pupil_id) \
         SELECT $1, c FROM unnest($2::bigint[]) AS c ON CONFLICT DO NOTHING",
        &[&id, &children],
    )
    .map_err(db)?;
    tx.commit().map_err(db)?;
    Ok(id)
}

/// Which users to read.
pub(crate) enum Users<'a> {
    /// A school's users and the trust-wide ones; every user for `None`.
    Of(Option<SchoolId>),
    Named(&'a str),
    Id(UserId),
}

/// Users with their reach, in one statement (so one snapshot), ordered by user name in any case.
pub(crate) fn users(client: &mut Client, which: Users<'_>) -> Result<Vec<User>> {
    let (condition, param): (&str, Box<dyn ToSql + Sync>) = match which {
        Users::Of(None) => ("$1::bigint IS NULL", Box::new(None::<i64>)),
        Users::Of(Some(school)) => ("u.school_id = $1 OR u.school_id IS NULL", Box::new(school)),
        Users::Named(name) => ("lower(u.username) = lower($1)", Box::new(name.to_owned())),
        Users::Id(id) => ("u.id = $1", Box::new(id)),
    };
    client
        .query(
            &format!(
                "SELECT u.id, u.username, u.display_name, u.role, u.school_id, u.password_hash, \
                        u.active, \
                        ARRAY(SELECT g.year_group FROM user_year_groups g WHERE g.user_id = u.id), \
                        ARRAY(SELECT f.form FROM user_forms f WHERE f.user_id = u.id), \
                        ARRAY(SELECT c.pupil_id FROM user_children c WHERE c.user_id = u.id), \
                        u.contact_reference \
                 FROM users u WHERE {condition} \
                 ORDER BY lower(u.username) COLLATE \"C\", u.id"
            ),
            &[&*param],
        )
        .map_err(db)?
        .iter()
        .map(user)
        .collect()
}

fn user(row: &Row) -> Result<User> {
    let role = decode::role(col(row, 3)?)?;
    let year_groups: Vec<&str> = col(row, 7)?;
    let mut year_groups = year_groups
        .into_iter()
        .map(decode::year_group)
        .collect::<Result<Vec<_>>>()?;
    year_groups.sort_unstable();
    let mut forms: Vec<String> = col(row, 8)?;
    forms.sort_unstable();
    let mut children: Vec<PupilId> = col(row, 9)?;
    children.sort_unstable();
    Ok(User {
        id: col(row, 0)?,
        user: UserDraft {
            username: col(row, 1)?,
            display_name: col(row, 2)?,
            role,
            school: col(row, 4)?,
            year_groups,
            forms,
            children,
            contact: col(row, 10)?,
            password_hash: col(row, 5)?,
            active: col(row, 6)?,
        },
    })
}

/// The SQLSTATE of a database error, if it has one.
fn state(e: &postgres::Error) -> Option<&SqlState> {
    e.code()
}

pub(crate) fn create_session(client: &mut Client, s: &SignInSession) -> Result<()> {
    client
        .execute(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, \
                                   expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &s.token_hash,
                &s.user,
                &s.csrf_token,
                &s.created_at,
                &s.last_seen_at,
                &s.expires_at,
            ],
        )
        .map_err(|e| match state(&e) {
            Some(&SqlState::FOREIGN_KEY_VIOLATION) => StoreError::unknown_user(s.user),
            Some(&SqlState::UNIQUE_VIOLATION) => StoreError::session_exists(),
            _ => db(e),
        })?;
    Ok(())
}

pub(crate) fn session(client: &mut Client, token_hash: &str) -> Result<Option<SignInSession>> {
    let row = client
        .query_opt(
            "SELECT token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at \
             FROM sessions WHERE token_hash = $1",
            &[&token_hash],
        )
        .map_err(db)?;
    row.map(|row| {
        Ok(SignInSession {
            token_hash: col(&row, 0)?,
            user: col(&row, 1)?,
            csrf_token: col(&row, 2)?,
            created_at: col(&row, 3)?,
            last_seen_at: col(&row, 4)?,
            expires_at: col(&row, 5)?,
        })
    })
    .transpose()
}

/// Sets the session's last activity; a session that has ended is left ended.
pub(crate) fn touch_session(
    client: &mut Client,
    token_hash: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    client
        .execute(
            "UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1",
            &[&token_hash, &at],
        )
        .map_err(db)?;
    Ok(())
}

/// Deletes the session: sessions are not evidence. Ending one that has ended already is harmless.
pub(crate) fn end_user_sessions(client: &mut Client, user: UserId) -> Result<usize> {
    let n = client
        .execute("DELETE FROM sessions WHERE user_id = $1", &[&user])
        .map_err(db)?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

pub(crate) fn end_expired_sessions(
    client: &mut Client,
    now: chrono::DateTime<chrono::Utc>,
    idle_since: chrono::DateTime<chrono::Utc>,
) -> Result<usize> {
    let n = client
        .execute(
            "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at < $2",
            &[&now, &idle_since],
        )
        .map_err(db)?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

pub(crate) fn end_session(client: &mut Client, token_hash: &str) -> Result<()> {
    client
        .execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])
        .map_err(db)?;
    Ok(())
}
