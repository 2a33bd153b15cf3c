//! Changes parents propose to their own contact details, and the office's decisions, in SQLite.

use rollcall_core::marks::Recorded;
use rollcall_store::{
    format_timestamp, ContactProposal, DetailChange, ProposalDecision, ProposalStatus, Result,
    SchoolId, StoreError, StoredProposal,
};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::rows::{read_recorded, recorded};
use crate::{db_err, SqliteStore};

/// A change's three columns: whether the detail changes, from what, to what.
fn columns(change: Option<&DetailChange>) -> (bool, Option<&str>, Option<&str>) {
    match change {
        Some(c) => (true, c.from.as_deref(), c.to.as_deref()),
        None => (false, None, None),
    }
}

pub(crate) fn propose(
    store: &mut SqliteStore,
    school: SchoolId,
    p: &ContactProposal,
) -> Result<i64> {
    store.write(|tx| {
        let person: Option<i64> = tx
            .query_row(
                "SELECT id FROM contact_people WHERE school_id = ?1 AND reference = ?2",
                params![school, p.contact],
                |r| r.get(0),
            )
            .optional()
            .map_err(db_err)?;
        let Some(person) = person else {
            return Err(StoreError::unknown_contact(&p.contact, school));
        };
        let (pc, pf, pt) = columns(p.phone.as_ref());
        let (ec, ef, et) = columns(p.email.as_ref());
        let (ac, af, at) = columns(p.address.as_ref());
        tx.execute(
            "INSERT INTO contact_proposals (person_id, phone_changed, phone_from, phone_to,
                email_changed, email_from, email_to, address_changed, address_from, address_to,
                proposed_by, proposed_role, proposed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                person,
                pc,
                pf,
                pt,
                ec,
                ef,
                et,
                ac,
                af,
                at,
                p.proposed.by,
                p.proposed.role,
                format_timestamp(&p.proposed.at)
            ],
        )
        .map_err(db_err)?;
        Ok(tx.last_insert_rowid())
    })
}

pub(crate) fn decide(
    store: &mut SqliteStore,
    school: SchoolId,
    id: i64,
    d: &ProposalDecision,
) -> Result<()> {
    store.write(|tx| {
        let found: Option<(String, i64)> = tx
            .query_row(
                "SELECT p.status, p.person_id FROM contact_proposals p
                 JOIN contact_people c ON c.id = p.person_id
                 WHERE p.id = ?1 AND c.school_id = ?2",
                params![id, school],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db_err)?;
        let Some((status, person)) = found else {
            return Err(StoreError::unknown_proposal(id, school));
        };
        if ProposalStatus::stored(&status)? != ProposalStatus::Pending {
            return Err(StoreError::proposal_decided(id));
        }
        let status = if d.accepted {
            ProposalStatus::Accepted
        } else {
            ProposalStatus::Rejected
        };
        let changed = tx
            .execute(
                "UPDATE contact_proposals SET status = ?2, decision_reason = ?3, decided_by = ?4,
                    decided_role = ?5, decided_at = ?6
                 WHERE id = ?1 AND status = 'pending'",
                params![
                    id,
                    status.as_str(),
                    d.reason,
                    d.decided.by,
                    d.decided.role,
                    format_timestamp(&d.decided.at)
                ],
            )
            .map_err(db_err)?;
        if changed != 1 {
            return Err(StoreError::proposal_decided(id));
        }
        if d.accepted {
            // Each detail the proposal changes, and no other.
            tx.execute(
                "UPDATE contact_people SET
                    phone = CASE WHEN p.phone_changed THEN p.phone_to ELSE contact_people.phone END,
                    email = CASE WHEN p.email_changed THEN p.email_to ELSE contact_people.email END,
                    address = CASE WHEN p.address_changed THEN p.address_to
                                   ELSE contact_people.address END
                 FROM (SELECT * FROM contact_proposals WHERE id = ?1) AS p
                 WHERE contact_people.id = ?2",
                params![id, person],
            )
            .map_err(db_err)?;
        }
        Ok(())
    })
}

const COLUMNS: &str = "p.id, c.reference, p.phone_changed, p.phone_from, p.phone_to,
    p.email_changed, p.email_from, p.email_to, p.address_changed, p.address_from, p.address_to,
    p.proposed_by, p.proposed_role, p.proposed_at, p.status, p.decision_reason, p.decided_by,
    p.decided_role, p.decided_at";

type Raw = (
    i64,
    String,
    [(bool, Option<String>, Option<String>); 3],
    (String, String, String),
    String,
    Option<String>,
    Option<(String, String, String)>,
);

fn read(r: &Row<'_>) -> rusqlite::Result<Raw> {
    let change = |i: usize| -> rusqlite::Result<(bool, Option<String>, Option<String>)> {
        Ok((r.get(i)?, r.get(i + 1)?, r.get(i + 2)?))
    };
    let decided_at: Option<String> = r.get(18)?;
    Ok((
        r.get(0)?,
        r.get(1)?,
        [change(2)?, change(5)?, change(8)?],
        read_recorded(r, 11)?,
        r.get(14)?,
        r.get(15)?,
        match decided_at {
            Some(at) => Some((
                r.get::<_, Option<String>>(16)?.unwrap_or_default(),
                r.get::<_, Option<String>>(17)?.unwrap_or_default(),
                at,
            )),
            None => None,
        },
    ))
}

fn stored(raw: Raw) -> Result<StoredProposal> {
    let (id, contact, [phone, email, address], proposed, status, reason, decided) = raw;
    let change = |(changed, from, to): (bool, Option<String>, Option<String>)| {
        changed.then_some(DetailChange { from, to })
    };
    let decided: Option<Recorded> = decided.map(recorded).transpose()?;
    Ok(StoredProposal {
        id,
        proposal: ContactProposal {
            contact,
            phone: change(phone),
            email: change(email),
            address: change(address),
            proposed: recorded(proposed)?,
        },
        decision: ProposalStatus::stored(&status)?.decision(reason, decided)?,
    })
}

pub(crate) fn proposals(
    conn: &Connection,
    school: SchoolId,
    contact: Option<&str>,
) -> Result<Vec<StoredProposal>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM contact_proposals p JOIN contact_people c ON c.id = p.person_id
         WHERE c.school_id = ?1 AND (?2 IS NULL OR c.reference = ?2)
         ORDER BY p.id"
    );
    let rows = conn
        .prepare_cached(&sql)
        .map_err(db_err)?
        .query_map(params![school, contact], read)
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<Raw>>>()
        .map_err(db_err)?;
    rows.into_iter().map(stored).collect()
}
