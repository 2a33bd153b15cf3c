//! Changes parents propose to their own contact details, and the office's decisions.

use postgres::{Client, Row};
use rollcall_store::{
    ContactProposal, DetailChange, ProposalDecision, ProposalStatus, Result, SchoolId, StoreError,
    StoredProposal,
};

use crate::db;
use crate::rows::{col, recorded};

/// A change's three columns: whether the detail changes, from what, to what.
fn columns(change: Option<&DetailChange>) -> (bool, Option<&str>, Option<&str>) {
    match change {
        Some(c) => (true, c.from.as_deref(), c.to.as_deref()),
        None => (false, None, None),
    }
}

pub(crate) fn propose(client: &mut Client, school: SchoolId, p: &ContactProposal) -> Result<i64> {
    let mut tx = client.transaction().map_err(db)?;
    let Some(person) = tx
        .query_opt(
            "SELECT id FROM contact_people WHERE school_id = $1 AND reference = $2",
            &[&school, &p.contact],
        )
        .map_err(db)?
    else {
        return Err(StoreError::unknown_contact(&p.contact, school));
    };
    let person: i64 = col(&person, 0)?;
    let (pc, pf, pt) = columns(p.phone.as_ref());
    let (ec, ef, et) = columns(p.email.as_ref());
    let (ac, af, at) = columns(p.address.as_ref());
    let row = tx
        .query_one(
            "INSERT INTO contact_proposals (person_id, phone_changed, phone_from, phone_to, \
                 email_changed, email_from, email_to, address_changed, address_from, \
                 address_to, proposed_by, proposed_role, proposed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
            &[
                &person,
                &pc,
                &pf,
                &pt,
                &ec,
                &ef,
                &et,
                &ac,
                &af,
                &at,
                &p.proposed.by,
                &p.proposed.role,
                &p.proposed.at,
            ],
        )
        .map_err(db)?;
    let id: i64 = col(&row, 0)?;
    tx.commit().map_err(db)?;
    Ok(id)
}

pub(crate) fn decide(
    client: &mut Client,
    school: SchoolId,
    id: i64,
    d: &ProposalDecision,
) -> Result<()> {
    let mut tx = client.transaction().map_err(db)?;
    // Locking the proposal makes two decisions on it take turns: the second finds it decided.
    let Some(row) = tx
        .query_opt(
            "SELECT p.status FROM contact_proposals p \
             JOIN contact_people c ON c.id = p.person_id \
             WHERE p.id = $1 AND c.school_id = $2 FOR UPDATE OF p",
            &[&id, &school],
        )
        .map_err(db)?
    else {
        return Err(StoreError::unknown_proposal(id, school));
    };
    if ProposalStatus::stored(col(&row, 0)?)? != ProposalStatus::Pending {
        return Err(StoreError::proposal_decided(id));
    }
    let status = if d.accepted {
        ProposalStatus::Accepted
    } else {
        ProposalStatus::Rejected
    };
    tx.execute(
        "UPDATE contact_proposals SET status = $2, decision_reason = $3, decided_by = $4, \
             decided_role = $5, decided_at = $6 \
         WHERE id = $1",
        &[
            &id,
            &status.as_str(),
            &d.reason,
            &d.decided.by,
            &d.decided.role,
            &d.decided.at,
        ],
    )
    .map_err(db)?;
    if d.accepted {
        // Each detail the proposal changes, and no other.
        tx.execute(
            "UPDATE contact_people c SET \
                 phone = CASE WHEN p.phone_changed THEN p.phone_to ELSE c.phone END, \
                 email = CASE WHEN p.email_changed THEN p.email_to ELSE c.email END, \
                 address = CASE WHEN p.address_changed THEN p.address_to ELSE c.address END \
             FROM contact_proposals p \
             WHERE p.id = $1 AND c.id = p.person_id",
            &[&id],
        )
        .map_err(db)?;
    }
    tx.commit().map_err(db)
}

fn change(row: &Row, first: usize) -> Result<Option<DetailChange>> {
    let changed: bool = col(row, first)?;
    if !changed {
        return Ok(None);
    }
    Ok(Some(DetailChange {
        from: col(row, first + 1)?,
        to: col(row, first + 2)?,
    }))
}

fn stored(row: &Row) -> Result<StoredProposal> {
    let decided = match col::<Option<chrono::DateTime<chrono::Utc>>>(row, 18)? {
        Some(at) => Some(rollcall_core::marks::Recorded {
            by: col::<Option<String>>(row, 16)?.unwrap_or_default(),
            role: col::<Option<String>>(row, 17)?.unwrap_or_default(),
            at,
        }),
        None => None,
    };
    let status = ProposalStatus::stored(col(row, 14)?)?;
    Ok(StoredProposal {
        id: col(row, 0)?,
        proposal: ContactProposal {
            contact: col(row, 1)?,
            phone: change(row, 2)?,
            email: change(row, 5)?,
            address: change(row, 8)?,
            proposed: recorded(row, 11)?,
        },
        decision: status.decision(col(row, 15)?, decided)?,
    })
}

pub(crate) fn proposals(
    client: &mut Client,
    school: SchoolId,
    contact: Option<&str>,
) -> Result<Vec<StoredProposal>> {
    client
        .query(
            "SELECT p.id, c.reference, p.phone_changed, p.phone_from, p.phone_to, \
                    p.email_changed, p.email_from, p.email_to, p.address_changed, \
                    p.address_from, p.address_to, p.proposed_by, p.proposed_role, \
                    p.proposed_at, p.status, p.decision_reason, p.decided_by, p.decided_role, \
                    p.decided_at \
             FROM contact_proposals p JOIN contact_people c ON c.id = p.person_id \
             WHERE c.school_id = $1 AND ($2::text IS NULL OR c.reference = $2) \
             ORDER BY p.id",
            &[&school, &contact],
        )
        .map_err(db)?
        .iter()
        .map(stored)
        .collect()
}
