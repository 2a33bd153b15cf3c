//! Changes parents propose to their own contact details, and the office's decision on each
//! (follow-up.md, "Contacts, parents and parental responsibility": parents propose, the office
//! accepts or rejects, and nothing is applied unseen).
//!
//! A proposal is about one person the school contacts ([`crate::Contact::reference`]) and
//! changes any of their phone number, e-mail address and postal address: the details that are
//! the person's own, shared by all their children. Each change keeps what the detail was when it
//! was proposed and what it is to become. Accepting applies the changes to the person in the
//! same transaction as the decision; rejecting keeps the reason, which the parent sees.

use rollcall_core::marks::Recorded;

use crate::{Result, StoreError};

/// One of a person's details a parent may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Detail {
    Phone,
    Email,
    Address,
}

impl Detail {
    pub const ALL: [Detail; 3] = [Detail::Phone, Detail::Email, Detail::Address];

    /// "phone number", "e-mail address", "postal address".
    pub fn label(self) -> &'static str {
        match self {
            Detail::Phone => "phone number",
            Detail::Email => "e-mail address",
            Detail::Address => "postal address",
        }
    }
}

/// A detail as it was when the change was proposed, and as it is to become; `None` is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailChange {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// What a parent proposes: each detail to change, and none of the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactProposal {
    /// The person whose details change: the school's reference for them.
    pub contact: String,
    pub phone: Option<DetailChange>,
    pub email: Option<DetailChange>,
    pub address: Option<DetailChange>,
    /// Who proposed it (the parent's account), and when.
    pub proposed: Recorded,
}

impl ContactProposal {
    /// The change to one detail, if it is proposed.
    pub fn change(&self, detail: Detail) -> Option<&DetailChange> {
        match detail {
            Detail::Phone => self.phone.as_ref(),
            Detail::Email => self.email.as_ref(),
            Detail::Address => self.address.as_ref(),
        }
    }

    /// The details to change, in the order of [`Detail::ALL`].
    pub fn changes(&self) -> Vec<(Detail, &DetailChange)> {
        Detail::ALL
            .into_iter()
            .filter_map(|d| self.change(d).map(|c| (d, c)))
            .collect()
    }
}

/// The office's decision on a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalDecision {
    pub accepted: bool,
    /// Why it was rejected (the parent sees it); may be empty for an acceptance.
    pub reason: String,
    /// Who decided, and when.
    pub decided: Recorded,
}

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProposalStatus {
    Pending,
    Accepted,
    Rejected,
}

impl ProposalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalStatus::Pending => "pending",
            ProposalStatus::Accepted => "accepted",
            ProposalStatus::Rejected => "rejected",
        }
    }

    /// Reads a status as a backend stored it ([`ProposalStatus::as_str`]).
    pub fn stored(text: &str) -> Result<ProposalStatus> {
        match text {
            "pending" => Ok(ProposalStatus::Pending),
            "accepted" => Ok(ProposalStatus::Accepted),
            "rejected" => Ok(ProposalStatus::Rejected),
            other => Err(StoreError::unreadable("contact proposal status", other)),
        }
    }

    /// The decision of a proposal of this status, from its stored reason and who decided: none
    /// for a pending proposal, which must have no decider, and one for a decided proposal, which
    /// must have one.
    pub fn decision(
        self,
        reason: Option<String>,
        decided: Option<Recorded>,
    ) -> Result<Option<ProposalDecision>> {
        match (self, decided) {
            (ProposalStatus::Pending, None) => Ok(None),
            (ProposalStatus::Pending, Some(_)) => Err(StoreError::unreadable(
                "contact proposal",
                "pending with a decision",
            )),
            (_, None) => Err(StoreError::unreadable(
                "contact proposal",
                "decided without a decider",
            )),
            (status, Some(decided)) => Ok(Some(ProposalDecision {
                accepted: status == ProposalStatus::Accepted,
                reason: reason.unwrap_or_default(),
                decided,
            })),
        }
    }
}

/// A proposal as stored, with its decision once made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredProposal {
    pub id: i64,
    pub proposal: ContactProposal,
    pub decision: Option<ProposalDecision>,
}

impl StoredProposal {
    pub fn status(&self) -> ProposalStatus {
        match &self.decision {
            None => ProposalStatus::Pending,
            Some(d) if d.accepted => ProposalStatus::Accepted,
            Some(_) => ProposalStatus::Rejected,
        }
    }
}
