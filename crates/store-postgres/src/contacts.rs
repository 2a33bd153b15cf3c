//! Pupils' contacts: the people the school contacts, once each by its reference for them, and
//! what each is to each pupil.

use std::collections::HashSet;

use postgres::types::ToSql;
use postgres::{Client, Row, Transaction};
use rollcall_store::{decode, Contact, PupilId, Result, SchoolId, StoreError};

use crate::db;
use crate::rows::{col, OutOfRange};

/// Puts each pupil's contacts in place of what they had (`replace`), or adds and updates them by
/// person and pupil. Every pupil must be the school's; the pupils are locked in the order of
/// their ids, so two saves of one pupil's contacts take turns.
pub(crate) fn save(
    client: &mut Client,
    school: SchoolId,
    contacts: &[(PupilId, &[Contact])],
    replace: bool,
) -> Result<()> {
    if contacts.is_empty() {
        return Ok(());
    }
    let mut tx = client.transaction().map_err(db)?;
    let mut pupils: Vec<PupilId> = contacts.iter().map(|(pupil, _)| *pupil).collect();
    pupils.sort_unstable();
    pupils.dedup();
    let found = tx
        .query(
            "SELECT id FROM pupils WHERE school_id = $1 AND id = ANY($2) \
             ORDER BY id FOR NO KEY UPDATE",
            &[&school, &pupils],
        )
        .map_err(db)?
        .iter()
        .map(|row| col(row, 0))
        .collect::<Result<HashSet<PupilId>>>()?;
    if let Some((pupil, _)) = contacts.iter().find(|(pupil, _)| !found.contains(pupil)) {
        return Err(StoreError::not_on_register(*pupil, school));
    }
    let person = tx
        .prepare(
            "INSERT INTO contact_people (school_id, reference, forename, surname, phone, email, \
                                         address) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (school_id, reference) DO UPDATE SET forename = EXCLUDED.forename, \
                 surname = EXCLUDED.surname, phone = EXCLUDED.phone, email = EXCLUDED.email, \
                 address = EXCLUDED.address \
             RETURNING id",
        )
        .map_err(db)?;
    let link = tx
        .prepare(
            "INSERT INTO pupil_contacts (pupil_id, person_id, relationship, \
                 parental_responsibility, lives_with, priority, may_collect) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (pupil_id, person_id) DO UPDATE SET \
                 relationship = EXCLUDED.relationship, \
                 parental_responsibility = EXCLUDED.parental_responsibility, \
                 lives_with = EXCLUDED.lives_with, priority = EXCLUDED.priority, \
                 may_collect = EXCLUDED.may_collect",
        )
        .map_err(db)?;
    for (pupil, list) in contacts {
        if replace {
            tx.execute("DELETE FROM pupil_contacts WHERE pupil_id = $1", &[pupil])
                .map_err(db)?;
        }
        for c in list.iter() {
            put(&mut tx, (&person, &link), school, *pupil, c)?;
        }
    }
    tx.commit().map_err(db)
}

/// A priority as the schema holds it.
fn priority_param(c: &Contact) -> Result<i32> {
    i32::try_from(c.priority).map_err(|_| {
        StoreError::Database(Box::new(OutOfRange(format!(
            "contact priority {} is more than the database can hold",
            c.priority
        ))))
    })
}

/// Fails with [`StoreError::not_on_register`] unless the pupil is the school's; locks the
/// pupil's row for the rest of the transaction, as [`save`] does.
fn lock_pupil(tx: &mut Transaction<'_>, school: SchoolId, pupil: PupilId) -> Result<()> {
    let found = tx
        .query_opt(
            "SELECT 1 FROM pupils WHERE id = $1 AND school_id = $2 FOR NO KEY UPDATE",
            &[&pupil, &school],
        )
        .map_err(db)?;
    match found {
        Some(_) => Ok(()),
        None => Err(StoreError::not_on_register(pupil, school)),
    }
}

/// Adds a person new to the school as the pupil's contact. Of two writers adding one
/// reference at once, the second finds it taken once the first commits.
pub(crate) fn add(
    client: &mut Client,
    school: SchoolId,
    pupil: PupilId,
    c: &Contact,
) -> Result<()> {
    let priority = priority_param(c)?;
    let mut tx = client.transaction().map_err(db)?;
    lock_pupil(&mut tx, school, pupil)?;
    let row = tx
        .query_opt(
            "INSERT INTO contact_people (school_id, reference, forename, surname, phone, email, \
                                         address) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (school_id, reference) DO NOTHING \
             RETURNING id",
            &[
                &school,
                &c.reference,
                &c.forename,
                &c.surname,
                &c.phone,
                &c.email,
                &c.address,
            ],
        )
        .map_err(db)?;
    let Some(row) = row else {
        return Err(StoreError::contact_taken(&c.reference, school));
    };
    let person: i64 = col(&row, 0)?;
    tx.execute(
        "INSERT INTO pupil_contacts (pupil_id, person_id, relationship, \
             parental_responsibility, lives_with, priority, may_collect) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &pupil,
            &person,
            &c.relationship,
            &c.parental_responsibility,
            &c.lives_with,
            &priority,
            &c.may_collect,
        ],
    )
    .map_err(db)?;
    tx.commit().map_err(db)
}

/// Removes a person from the pupil's contacts; the person stays.
pub(crate) fn remove(
    client: &mut Client,
    school: SchoolId,
    pupil: PupilId,
    reference: &str,
) -> Result<()> {
    let mut tx = client.transaction().map_err(db)?;
    lock_pupil(&mut tx, school, pupil)?;
    let removed = tx
        .execute(
            "DELETE FROM pupil_contacts WHERE pupil_id = $1 AND person_id = \
                (SELECT id FROM contact_people WHERE school_id = $2 AND reference = $3)",
            &[&pupil, &school, &reference],
        )
        .map_err(db)?;
    if removed != 1 {
        return Err(StoreError::not_a_contact_of(reference, pupil));
    }
    tx.commit().map_err(db)
}

fn put(
    tx: &mut Transaction<'_>,
    (person, link): (&postgres::Statement, &postgres::Statement),
    school: SchoolId,
    pupil: PupilId,
    c: &Contact,
) -> Result<()> {
    let priority = priority_param(c)?;
    let row = tx
        .query_one(
            person,
            &[
                &school,
                &c.reference,
                &c.forename,
                &c.surname,
                &c.phone,
                &c.email,
                &c.address,
            ],
        )
        .map_err(db)?;
    let id: i64 = col(&row, 0)?;
    tx.execute(
        link,
        &[
            &pupil,
            &id,
            &c.relationship,
            &c.parental_responsibility,
            &c.lives_with,
            &priority,
            &c.may_collect,
        ],
    )
    .map_err(db)?;
    Ok(())
}

fn read(
    client: &mut Client,
    condition: &str,
    args: &[&(dyn ToSql + Sync)],
) -> Result<Vec<(PupilId, Contact)>> {
    client
        .query(
            &format!(
                "SELECT c.pupil_id, p.reference, p.forename, p.surname, c.relationship, \
                        c.parental_responsibility, c.lives_with, c.priority, p.phone, p.email, \
                        p.address, c.may_collect \
                 FROM pupil_contacts c JOIN contact_people p ON p.id = c.person_id \
                 JOIN pupils u ON u.id = c.pupil_id \
                 WHERE {condition} \
                 ORDER BY c.pupil_id, c.priority, p.surname COLLATE \"C\", \
                          p.forename COLLATE \"C\", p.reference COLLATE \"C\""
            ),
            args,
        )
        .map_err(db)?
        .iter()
        .map(contact)
        .collect()
}

fn contact(row: &Row) -> Result<(PupilId, Contact)> {
    let priority: i32 = col(row, 7)?;
    Ok((
        col(row, 0)?,
        Contact {
            reference: col(row, 1)?,
            forename: col(row, 2)?,
            surname: col(row, 3)?,
            relationship: col(row, 4)?,
            parental_responsibility: col(row, 5)?,
            lives_with: col(row, 6)?,
            priority: decode::contact_priority(priority)?,
            phone: col(row, 8)?,
            email: col(row, 9)?,
            address: col(row, 10)?,
            may_collect: col(row, 11)?,
        },
    ))
}

/// A pupil's contacts by priority, then name.
pub(crate) fn of_pupil(
    client: &mut Client,
    school: SchoolId,
    pupil: PupilId,
) -> Result<Vec<Contact>> {
    Ok(read(
        client,
        "c.pupil_id = $1 AND u.school_id = $2",
        &[&pupil, &school],
    )?
    .into_iter()
    .map(|(_, c)| c)
    .collect())
}

/// Every contact of the school's pupils, by pupil, then priority and name.
pub(crate) fn of_school(client: &mut Client, school: SchoolId) -> Result<Vec<(PupilId, Contact)>> {
    read(client, "u.school_id = $1", &[&school])
}
