//! Users, sign-in sessions, contacts and absence reports in SQLite.

use chrono::{DateTime, Utc};
use rollcall_store::{
    decode, format_timestamp, parse_timestamp, Contact, PupilId, Result, SchoolId, SignInSession,
    StoreError, User, UserDraft, UserId,
};
use rusqlite::{params, Connection, OptionalExtension};

use crate::{db_err, key_taken, missing_reference, require_pupil, require_school};

pub(crate) enum UserFilter<'a> {
    School(Option<SchoolId>),
    Name(&'a str),
    Id(UserId),
}

/// Adds a user, or updates every field of the user with the same user name in any case (the
/// name takes the case given), and puts the draft's year groups, forms and children in place of
/// the user's; inside the caller's transaction.
pub(crate) fn save_user(tx: &Connection, user: &UserDraft) -> Result<UserId> {
    if let Some(school) = user.school {
        require_school(tx, school)?;
    }
    let mut children = user.children.clone();
    children.sort_unstable();
    children.dedup();
    {
        let mut exists = tx
            .prepare_cached("SELECT 1 FROM pupils WHERE id = ?1")
            .map_err(db_err)?;
        for &child in &children {
            if !exists.exists([child]).map_err(db_err)? {
                return Err(StoreError::unknown_pupil(child));
            }
        }
    }
    let existing: Option<UserId> = tx
        .query_row(
            "SELECT id FROM users WHERE username = ?1 COLLATE NOCASE",
            [&user.username],
            |r| r.get(0),
        )
        .optional()
        .map_err(db_err)?;
    let id = match existing {
        Some(id) => {
            tx.execute(
                "UPDATE users SET username = ?2, display_name = ?3, role = ?4, school_id = ?5,
                    password_hash = ?6, active = ?7, contact_reference = ?8 WHERE id = ?1",
                params![
                    id,
                    user.username,
                    user.display_name,
                    user.role.name(),
                    user.school,
                    user.password_hash,
                    user.active,
                    user.contact
                ],
            )
            .map_err(db_err)?;
            for table in ["user_year_groups", "user_forms", "user_children"] {
                tx.execute(&format!("DELETE FROM {table} WHERE user_id = ?1"), [id])
                    .map_err(db_err)?;
            }
            id
        }
        None => {
            tx.execute(
                "INSERT INTO users (username, display_name, role, school_id, password_hash, active,
                    created_at, contact_reference)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    user.username,
                    user.display_name,
                    user.role.name(),
                    user.school,
                    user.password_hash,
                    user.active,
                    format_timestamp(&Utc::now()),
                    user.contact
                ],
            )
            .map_err(db_err)?;
            UserId(tx.last_insert_rowid())
        }
    };
    for g in &user.year_groups {
        tx.execute(
            "INSERT OR IGNORE INTO user_year_groups (user_id, year_group) VALUES (?1, ?2)",
            params![id, g.to_string()],
        )
        .map_err(db_err)?;
    }
    for f in &user.forms {
        tx.execute(
            "INSERT OR IGNORE INTO user_forms (user_id, form) VALUES (?1, ?2)",
            params![id, f],
        )
        .map_err(db_err)?;
    }
    for c in &user.children {
        tx.execute(
            "INSERT OR IGNORE INTO user_children (user_id, pupil_id) VALUES (?1, ?2)",
            params![id, c],
        )
        .map_err(db_err)?;
    }
    Ok(id)
}

pub(crate) fn users(conn: &Connection, filter: UserFilter<'_>) -> Result<Vec<User>> {
    let (condition, value): (&str, rusqlite::types::Value) = match filter {
        UserFilter::School(None) => ("1 = 1 OR ?1 IS NULL", rusqlite::types::Value::Null),
        UserFilter::School(Some(s)) => ("school_id = ?1 OR school_id IS NULL", s.get().into()),
        UserFilter::Name(n) => ("username = ?1 COLLATE NOCASE", n.to_owned().into()),
        UserFilter::Id(id) => ("id = ?1", id.get().into()),
    };
    let sql = format!(
        "SELECT id, username, display_name, role, school_id, password_hash, active,
                contact_reference FROM users
         WHERE {condition} ORDER BY username COLLATE NOCASE"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(db_err)?;
    type Raw = (
        UserId,
        String,
        String,
        String,
        Option<SchoolId>,
        String,
        bool,
        Option<String>,
    );
    let rows = stmt
        .query_map([value], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<Raw>>>()
        .map_err(db_err)?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, username, display_name, role, school, password_hash, active, contact) in rows {
        let role = decode::role(&role)?;
        let list = |sql: &str| -> Result<Vec<String>> {
            let mut stmt = conn.prepare_cached(sql).map_err(db_err)?;
            let v = stmt
                .query_map([id], |r| r.get::<_, String>(0))
                .map_err(db_err)?
                .collect::<rusqlite::Result<Vec<String>>>()
                .map_err(db_err)?;
            Ok(v)
        };
        let mut year_groups = list("SELECT year_group FROM user_year_groups WHERE user_id = ?1")?
            .iter()
            .map(|g| decode::year_group(g))
            .collect::<Result<Vec<_>>>()?;
        year_groups.sort();
        let forms = list("SELECT form FROM user_forms WHERE user_id = ?1 ORDER BY form")?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT pupil_id FROM user_children WHERE user_id = ?1 ORDER BY pupil_id",
            )
            .map_err(db_err)?;
        let children = stmt
            .query_map([id], |r| r.get::<_, PupilId>(0))
            .map_err(db_err)?
            .collect::<rusqlite::Result<Vec<PupilId>>>()
            .map_err(db_err)?;
        out.push(User {
            id,
            user: UserDraft {
                username,
                display_name,
                role,
                school,
                year_groups,
                forms,
                children,
                contact,
                password_hash,
                active,
            },
        });
    }
    Ok(out)
}

pub(crate) fn create_session(conn: &Connection, s: &SignInSession) -> Result<()> {
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            s.token_hash,
            s.user,
            s.csrf_token,
            format_timestamp(&s.created_at),
            format_timestamp(&s.last_seen_at),
            format_timestamp(&s.expires_at)
        ],
    )
    .map_err(|e| {
        if key_taken(&e) {
            StoreError::session_exists()
        } else if missing_reference(&e) {
            StoreError::unknown_user(s.user)
        } else {
            db_err(e)
        }
    })?;
    Ok(())
}

/// Sets the session's last activity; a session that has ended is left ended.
pub(crate) fn touch_session(conn: &Connection, token_hash: &str, at: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1",
        params![token_hash, format_timestamp(&at)],
    )
    .map_err(db_err)?;
    Ok(())
}

/// Deletes the session: sessions are not evidence. Ending one that has ended already is harmless.
pub(crate) fn end_session(conn: &Connection, token_hash: &str) -> Result<()> {
    conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])
        .map_err(db_err)?;
    Ok(())
}

pub(crate) fn end_user_sessions(conn: &Connection, user: UserId) -> Result<usize> {
    conn.execute("DELETE FROM sessions WHERE user_id = ?1", [user])
        .map_err(db_err)
}

pub(crate) fn end_expired_sessions(
    conn: &Connection,
    now: DateTime<Utc>,
    idle_since: DateTime<Utc>,
) -> Result<usize> {
    conn.execute(
        "DELETE FROM sessions WHERE expires_at <= ?1 OR last_seen_at < ?2",
        params![format_timestamp(&now), format_timestamp(&idle_since)],
    )
    .map_err(db_err)
}

pub(crate) fn session(conn: &Connection, token_hash: &str) -> Result<Option<SignInSession>> {
    let row = conn
        .prepare_cached(
            "SELECT user_id, csrf_token, created_at, last_seen_at, expires_at FROM sessions
             WHERE token_hash = ?1",
        )
        .map_err(db_err)?
        .query_row([token_hash], |r| {
            Ok((
                r.get::<_, UserId>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .optional()
        .map_err(db_err)?;
    row.map(|(user, csrf_token, created, seen, expires)| {
        Ok(SignInSession {
            token_hash: token_hash.to_owned(),
            user,
            csrf_token,
            created_at: parse_timestamp(&created)?,
            last_seen_at: parse_timestamp(&seen)?,
            expires_at: parse_timestamp(&expires)?,
        })
    })
    .transpose()
}

/// Puts each pupil's contacts in place of what they had, inside the caller's transaction. Every
/// pupil must be the school's; when a pupil is listed twice, the later list is the one kept.
pub(crate) fn save_contacts(
    tx: &Connection,
    school: SchoolId,
    contacts: &[(PupilId, Vec<Contact>)],
) -> Result<()> {
    for (pupil, _) in contacts {
        require_pupil(tx, school, *pupil)?;
    }
    for (pupil, list) in contacts {
        tx.execute("DELETE FROM pupil_contacts WHERE pupil_id = ?1", [pupil])
            .map_err(db_err)?;
        for c in list {
            put_contact(tx, school, *pupil, c)?;
        }
    }
    Ok(())
}

/// Adds or updates each pupil's contact by person and pupil, inside the caller's transaction.
pub(crate) fn merge_contacts(
    tx: &Connection,
    school: SchoolId,
    contacts: &[(PupilId, Contact)],
) -> Result<()> {
    for (pupil, _) in contacts {
        require_pupil(tx, school, *pupil)?;
    }
    for (pupil, c) in contacts {
        put_contact(tx, school, *pupil, c)?;
    }
    Ok(())
}

/// Adds a person new to the school as the pupil's contact, inside the caller's transaction.
pub(crate) fn add_contact(
    tx: &Connection,
    school: SchoolId,
    pupil: PupilId,
    c: &Contact,
) -> Result<()> {
    require_pupil(tx, school, pupil)?;
    let taken = tx
        .prepare_cached("SELECT 1 FROM contact_people WHERE school_id = ?1 AND reference = ?2")
        .and_then(|mut s| s.exists(params![school, c.reference]))
        .map_err(db_err)?;
    if taken {
        return Err(StoreError::contact_taken(&c.reference, school));
    }
    put_contact(tx, school, pupil, c)
}

/// Removes a person from the pupil's contacts, inside the caller's transaction; the person stays.
pub(crate) fn remove_contact(
    tx: &Connection,
    school: SchoolId,
    pupil: PupilId,
    reference: &str,
) -> Result<()> {
    require_pupil(tx, school, pupil)?;
    let removed = tx
        .execute(
            "DELETE FROM pupil_contacts WHERE pupil_id = ?1 AND person_id =
                (SELECT id FROM contact_people WHERE school_id = ?2 AND reference = ?3)",
            params![pupil, school, reference],
        )
        .map_err(db_err)?;
    if removed == 1 {
        Ok(())
    } else {
        Err(StoreError::not_a_contact_of(reference, pupil))
    }
}

/// The person, added or with their details brought up to date, and their link to the pupil.
fn put_contact(tx: &Connection, school: SchoolId, pupil: PupilId, c: &Contact) -> Result<()> {
    let person: i64 = tx
        .prepare_cached(
            "INSERT INTO contact_people (school_id, reference, forename, surname, phone, email, address)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (school_id, reference) DO UPDATE SET forename = excluded.forename,
                surname = excluded.surname, phone = excluded.phone, email = excluded.email,
                address = excluded.address
             RETURNING id",
        )
        .map_err(db_err)?
        .query_row(
            params![school, c.reference, c.forename, c.surname, c.phone, c.email, c.address],
            |r| r.get(0),
        )
        .map_err(db_err)?;
    tx.prepare_cached(
        "INSERT INTO pupil_contacts (pupil_id, person_id, relationship, parental_responsibility,
            lives_with, priority, may_collect)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (pupil_id, person_id) DO UPDATE SET relationship = excluded.relationship,
            parental_responsibility = excluded.parental_responsibility,
            lives_with = excluded.lives_with, priority = excluded.priority,
            may_collect = excluded.may_collect",
    )
    .map_err(db_err)?
    .execute(params![
        pupil,
        person,
        c.relationship,
        c.parental_responsibility,
        c.lives_with,
        c.priority,
        c.may_collect
    ])
    .map_err(db_err)?;
    Ok(())
}

const CONTACT_COLUMNS: &str = "c.pupil_id, p.reference, p.forename, p.surname, c.relationship,
    c.parental_responsibility, c.lives_with, c.priority, p.phone, p.email, p.address,
    c.may_collect";

fn read_contact(r: &rusqlite::Row<'_>) -> rusqlite::Result<(PupilId, i64, Contact)> {
    Ok((
        r.get(0)?,
        r.get(7)?,
        Contact {
            reference: r.get(1)?,
            forename: r.get(2)?,
            surname: r.get(3)?,
            relationship: r.get(4)?,
            parental_responsibility: r.get(5)?,
            lives_with: r.get(6)?,
            priority: 0,
            phone: r.get(8)?,
            email: r.get(9)?,
            address: r.get(10)?,
            may_collect: r.get(11)?,
        },
    ))
}

fn contact_rows(
    conn: &Connection,
    condition: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<(PupilId, Contact)>> {
    let sql = format!(
        "SELECT {CONTACT_COLUMNS}
         FROM pupil_contacts c JOIN contact_people p ON p.id = c.person_id
         JOIN pupils u ON u.id = c.pupil_id
         WHERE {condition}
         ORDER BY c.pupil_id, c.priority, p.surname, p.forename, p.reference"
    );
    let rows = conn
        .prepare_cached(&sql)
        .map_err(db_err)?
        .query_map(args, read_contact)
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db_err)?;
    rows.into_iter()
        .map(|(pupil, priority, contact)| {
            Ok((
                pupil,
                Contact {
                    priority: decode::contact_priority(priority)?,
                    ..contact
                },
            ))
        })
        .collect()
}

pub(crate) fn contacts(
    conn: &Connection,
    school: SchoolId,
    pupil: PupilId,
) -> Result<Vec<Contact>> {
    Ok(contact_rows(
        conn,
        "c.pupil_id = ?1 AND u.school_id = ?2",
        params![pupil, school],
    )?
    .into_iter()
    .map(|(_, c)| c)
    .collect())
}

pub(crate) fn all_contacts(conn: &Connection, school: SchoolId) -> Result<Vec<(PupilId, Contact)>> {
    contact_rows(conn, "u.school_id = ?1", params![school])
}
