//! Contacts kept up to date in the browser (follow-up.md, "Contacts, parents and parental
//! responsibility"): the office's page of a pupil's contacts, where they are added, changed and
//! removed; the pupils whose contacts fall short; and the changes parents propose to their own
//! details, which the office accepts or rejects and which are never applied unseen.
//!
//! The office, senior staff and the designated safeguarding lead reach the whole school; a head
//! of year keeps the contacts of the pupils of their year groups only ([`Permission::Contacts`]).
//! A pupil named by UPN whom the actor does not reach is refused as [`Refusal::Forbidden`]
//! whether or not they exist; someone who reaches the whole school is told that a UPN is not on
//! the register. A person's name, phone, e-mail and address are theirs, shared by all the pupils
//! they are a contact of; what they are to a pupil (relationship, parental responsibility, lives
//! with, priority, may collect) is the pupil's.
//!
//! A parent proposes changes to their own entry only, found through their account
//! ([`Permission::OwnDetails`]); they never see anyone else's.

use std::collections::{HashMap, HashSet};

use rollcall_core::Date;
use rollcall_store::{
    Contact, ContactProposal, Detail, DetailChange, ProposalDecision, ProposalStatus, PupilId,
    SchoolId, Store, StoreError, StoredProposal, StoredPupil,
};
use serde::Deserialize;

use crate::access::{Actor, Permission, Reach};
use crate::contacts::{phone_form, shortfalls, Shortfall};
use crate::error::{Problem, Refusal};
use crate::interchange::contacts::email_form;
use crate::registers::full_name;
use crate::service::App;

use super::family::own_contact;
use super::office::typed_pupil;
use super::school_of;

/// The most characters of a name, a relationship, a reference and a postal address.
const NAME_CHARS: usize = 100;
const RELATIONSHIP_CHARS: usize = 60;
const REFERENCE_CHARS: usize = 20;
const ADDRESS_CHARS: usize = 300;
const REASON_CHARS: usize = 1000;
/// The last place in the order of calling.
pub const LAST_PRIORITY: u32 = 999;
/// Decided proposals listed under the pending ones.
pub const RECENT_DECISIONS: usize = 20;

/// A contact as typed at the office: every field as text. A box ticked arrives as any text but
/// `no` or `false`; one left empty does not arrive.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ContactInput {
    /// The school's reference for a new person; one is made when empty. Ignored for a change.
    pub reference: String,
    pub forename: String,
    pub surname: String,
    pub relationship: String,
    pub parental_responsibility: String,
    pub lives_with: String,
    /// A whole number from 1 (call first).
    pub priority: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub may_collect: String,
}

impl ContactInput {
    /// The form filled in with a contact's details, to change them.
    pub fn of(c: &Contact) -> ContactInput {
        let tick = |b: bool| if b { "yes".to_owned() } else { String::new() };
        ContactInput {
            reference: c.reference.clone(),
            forename: c.forename.clone(),
            surname: c.surname.clone(),
            relationship: c.relationship.clone(),
            parental_responsibility: tick(c.parental_responsibility),
            lives_with: tick(c.lives_with),
            priority: c.priority.to_string(),
            phone: c.phone.clone().unwrap_or_default(),
            email: c.email.clone().unwrap_or_default(),
            address: c.address.clone().unwrap_or_default(),
            may_collect: tick(c.may_collect),
        }
    }
}

/// Removing a contact, confirmed.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct RemoveInput {
    /// `yes` once the office has confirmed.
    pub confirm: String,
}

/// The office's decision on a proposal, as typed.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct DecisionInput {
    /// `accept` or `reject`.
    pub decision: String,
    /// Why it is rejected: the parent sees it.
    pub reason: String,
}

/// A parent's own details as they propose them.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct DetailsInput {
    /// Whose details: the parent's own entry, the only one they may propose for. Empty for
    /// their own; any other reference is refused.
    pub contact: String,
    pub phone: String,
    pub email: String,
    pub address: String,
}

/// One of a pupil's contacts, with what is shared with other pupils and waiting for the office.
#[derive(Debug, Clone)]
pub struct ContactEntry {
    pub contact: Contact,
    /// How many other pupils the person is a contact of: their name, phone, e-mail and address
    /// change for those pupils too.
    pub shared_with: usize,
    /// Changes the person proposed that wait for the office.
    pub pending: usize,
}

/// A pupil's contacts, for the office.
#[derive(Debug, Clone)]
pub struct PupilContacts {
    pub pupil: StoredPupil,
    pub today: Date,
    /// In the order to call them.
    pub contacts: Vec<ContactEntry>,
    /// Whether the pupil is on roll and of compulsory school age today: whether the school's
    /// wants of their contacts apply.
    pub checked: bool,
    /// How the contacts fall short of what the school wants ([`Shortfall::problems`]); none for
    /// a pupil whose contacts are enough, or who is not of compulsory school age on roll.
    pub problems: Vec<String>,
    /// The place a new contact takes by default: after the others.
    pub next_priority: u32,
}

/// What a change to a pupil's contacts did: the page as it now stands and the contact added,
/// changed or removed.
#[derive(Debug, Clone)]
pub struct ContactChange {
    pub page: PupilContacts,
    pub contact: Contact,
    /// A person the school held already, now linked to this pupil too.
    pub linked: bool,
}

/// The pupils in reach whose contacts fall short today.
#[derive(Debug, Clone)]
pub struct ShortfallList {
    pub today: Date,
    /// By year, form and name.
    pub pupils: Vec<Shortfall>,
    /// Changes parents proposed, about the pupils in reach, waiting for the office.
    pub pending_proposals: usize,
}

/// A proposal as the office sees it: the person as they stand now and the pupils in reach whose
/// contact they are.
#[derive(Debug, Clone)]
pub struct ProposalView {
    pub stored: StoredProposal,
    /// The person's details as they stand now; `None` when they are no pupil's contact any more.
    pub person: Option<Contact>,
    pub pupils: Vec<StoredPupil>,
}

impl ProposalView {
    /// The detail as the person has it now, if it is no longer what it was when proposed.
    pub fn changed_since(&self, detail: Detail) -> Option<Option<&str>> {
        let change = self.stored.proposal.change(detail)?;
        let person = self.person.as_ref()?;
        let now = match detail {
            Detail::Phone => person.phone.as_deref(),
            Detail::Email => person.email.as_deref(),
            Detail::Address => person.address.as_deref(),
        };
        (now != change.from.as_deref()).then_some(now)
    }
}

/// The changes parents proposed: those waiting first, oldest first, then the latest decided.
#[derive(Debug, Clone)]
pub struct ProposalBoard {
    pub pending: Vec<ProposalView>,
    /// At most [`RECENT_DECISIONS`], newest first.
    pub decided: Vec<ProposalView>,
}

/// A parent's own details and the changes they proposed.
#[derive(Debug, Clone)]
pub struct MyDetails {
    /// The parent's own entry among the school's contacts; `None` when their account is not
    /// linked to one.
    pub me: Option<Contact>,
    /// Newest first.
    pub proposals: Vec<StoredProposal>,
}

/// Whether a box was ticked.
fn ticked(text: &str) -> bool {
    !matches!(
        text.trim().to_ascii_lowercase().as_str(),
        "" | "no" | "false" | "0" | "off"
    )
}

/// Text typed, trimmed; `None` when empty.
fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// Checks a phone number typed; adds the problem to `problems`.
fn check_phone(phone: Option<&str>, problems: &mut Vec<Problem>) {
    if let Some(p) = phone.filter(|p| !phone_form(p)) {
        problems.push(Problem::general(format!(
            "'{p}' is not a phone number: give the digits, with spaces or a leading + if you like (for example 07700 900123)"
        )));
    }
}

/// Checks an e-mail address typed; adds the problem to `problems`.
fn check_email(email: Option<&str>, problems: &mut Vec<Problem>) {
    if let Some(e) = email.filter(|e| !email_form(e)) {
        problems.push(Problem::general(format!(
            "'{e}' is not an e-mail address; expected the form name@example.org"
        )));
    }
}

fn check_address(address: Option<&str>, problems: &mut Vec<Problem>) {
    if address.is_some_and(|a| a.chars().count() > ADDRESS_CHARS) {
        problems.push(Problem::general(format!(
            "please keep the postal address under {ADDRESS_CHARS} characters"
        )));
    }
}

/// A contact from the office's form, with the reference given; every problem at once.
fn contact_from(input: &ContactInput, reference: &str) -> Result<Contact, Refusal> {
    let mut problems = Vec::new();
    let mut required = |text: &str, what: &str, most: usize| -> String {
        let t = text.trim();
        if t.is_empty() {
            problems.push(Problem::general(format!("give the contact's {what}")));
        } else if t.chars().count() > most {
            problems.push(Problem::general(format!(
                "please keep the {what} under {most} characters"
            )));
        }
        t.to_owned()
    };
    let forename = required(&input.forename, "forename", NAME_CHARS);
    let surname = required(&input.surname, "surname", NAME_CHARS);
    let relationship = required(
        &input.relationship,
        "relationship to the pupil (for example mother, grandfather, social worker)",
        RELATIONSHIP_CHARS,
    );
    let priority = match input.priority.trim() {
        "" => {
            problems.push(Problem::general(format!(
                "give the order to call them in: a whole number from 1 (call first) to {LAST_PRIORITY}"
            )));
            0
        }
        t => match t.parse::<u32>() {
            Ok(p) if (1..=LAST_PRIORITY).contains(&p) => p,
            _ => {
                problems.push(Problem::general(format!(
                    "'{t}' is not an order to call in: give a whole number from 1 (call first) to {LAST_PRIORITY}"
                )));
                0
            }
        },
    };
    let phone = optional(&input.phone);
    let email = optional(&input.email);
    let address = optional(&input.address);
    check_phone(phone.as_deref(), &mut problems);
    check_email(email.as_deref(), &mut problems);
    check_address(address.as_deref(), &mut problems);
    if !problems.is_empty() {
        return Err(Refusal::Invalid(problems));
    }
    Ok(Contact {
        reference: reference.to_owned(),
        forename,
        surname,
        relationship,
        parental_responsibility: ticked(&input.parental_responsibility),
        lives_with: ticked(&input.lives_with),
        priority,
        phone,
        email,
        address,
        may_collect: ticked(&input.may_collect),
    })
}

/// A reference the office typed for a new person: letters, digits, `-`, `_` and `.`.
fn check_reference(text: &str) -> Result<Option<String>, Refusal> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.chars().count() > REFERENCE_CHARS
        || !t
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(Refusal::invalid(format!(
            "'{t}' is not a reference: use up to {REFERENCE_CHARS} letters, digits, -, _ or ., or leave it empty for the school to make one"
        )));
    }
    Ok(Some(t.to_owned()))
}

/// The number after the `P` of references the school makes (`P12`), if `reference` is one.
fn made_number(reference: &str) -> Option<u64> {
    reference
        .strip_prefix('P')
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        .and_then(|n| n.parse().ok())
}

/// Whether two contacts name the same person (names compared without regard to case).
fn same_name(a: &Contact, b: &Contact) -> bool {
    a.forename.trim().to_lowercase() == b.forename.trim().to_lowercase()
        && a.surname.trim().to_lowercase() == b.surname.trim().to_lowercase()
}

/// A store's refusal of a change to contacts: a conflict or a contact gone since the page was
/// read is someone else's change made meanwhile.
fn written(result: Result<(), StoreError>) -> Result<(), Refusal> {
    match result {
        Err(StoreError::Conflict(_) | StoreError::NotFound(_)) => Err(Refusal::Conflict {
            message: "Someone else changed this pupil's contacts at the same moment: nothing was \
                      saved. Reload the page, then try again."
                .into(),
            changed: Vec::new(),
        }),
        other => Ok(other?),
    }
}

/// A pupil's contacts page as it stands on `today`.
fn contacts_page(
    store: &mut dyn Store,
    school: SchoolId,
    pupil: StoredPupil,
    today: Date,
) -> Result<PupilContacts, Refusal> {
    let all = store.all_contacts(school)?;
    let mut pupils_of: HashMap<&str, usize> = HashMap::new();
    for (_, c) in &all {
        *pupils_of.entry(c.reference.as_str()).or_default() += 1;
    }
    let pending: Vec<StoredProposal> = store
        .contact_proposals(school, None)?
        .into_iter()
        .filter(|p| p.status() == ProposalStatus::Pending)
        .collect();
    let theirs: Vec<Contact> = all
        .iter()
        .filter(|(p, _)| *p == pupil.id)
        .map(|(_, c)| c.clone())
        .collect();
    let problems = shortfalls(vec![pupil.clone()], &all, today)
        .first()
        .map(Shortfall::problems)
        .unwrap_or_default();
    let next_priority = theirs
        .iter()
        .map(|c| c.priority)
        .max()
        .map_or(1, |p| p.saturating_add(1).min(LAST_PRIORITY));
    let contacts = theirs
        .into_iter()
        .map(|c| ContactEntry {
            shared_with: pupils_of
                .get(c.reference.as_str())
                .map_or(0, |n| n.saturating_sub(1)),
            pending: pending
                .iter()
                .filter(|p| p.proposal.contact == c.reference)
                .count(),
            contact: c,
        })
        .collect();
    let checked = pupil.pupil.on_roll(today) && pupil.pupil.of_compulsory_school_age_on(today);
    Ok(PupilContacts {
        pupil,
        today,
        contacts,
        checked,
        problems,
        next_priority,
    })
}

/// The contact of the pupil with this reference, or what is wrong.
fn contact_of(
    store: &mut dyn Store,
    school: SchoolId,
    pupil: &StoredPupil,
    reference: &str,
) -> Result<Contact, Refusal> {
    store
        .contacts(school, pupil.id)?
        .into_iter()
        .find(|c| c.reference == reference)
        .ok_or_else(|| {
            Refusal::invalid(format!(
                "'{reference}' is not a contact of {}: it may have been removed meanwhile",
                full_name(&pupil.pupil)
            ))
        })
}

/// The people the actor reaches through a pupil: the references of the contacts of the pupils
/// in reach (every contact for someone who reaches the whole school).
fn reached_people(
    store: &mut dyn Store,
    actor: &Actor,
    school: SchoolId,
    all: &[(PupilId, Contact)],
) -> Result<Option<HashSet<String>>, Refusal> {
    if actor.reach == Reach::School {
        return Ok(None);
    }
    let reached: HashSet<PupilId> = store
        .pupils(school)?
        .into_iter()
        .filter(|p| actor.reaches(p.id, &p.pupil))
        .map(|p| p.id)
        .collect();
    Ok(Some(
        all.iter()
            .filter(|(p, _)| reached.contains(p))
            .map(|(_, c)| c.reference.clone())
            .collect(),
    ))
}

/// The proposals the actor reaches (about a contact of a pupil in reach), each with the person
/// as they stand and their pupils in reach.
fn proposal_views(
    store: &mut dyn Store,
    actor: &Actor,
    school: SchoolId,
) -> Result<Vec<ProposalView>, Refusal> {
    let all = store.all_contacts(school)?;
    let people = reached_people(store, actor, school, &all)?;
    let pupils: HashMap<PupilId, StoredPupil> = store
        .pupils(school)?
        .into_iter()
        .filter(|p| actor.reaches(p.id, &p.pupil))
        .map(|p| (p.id, p))
        .collect();
    Ok(store
        .contact_proposals(school, None)?
        .into_iter()
        .filter(|p| {
            people
                .as_ref()
                .is_none_or(|set| set.contains(&p.proposal.contact))
        })
        .map(|stored| {
            let theirs: Vec<&(PupilId, Contact)> = all
                .iter()
                .filter(|(_, c)| c.reference == stored.proposal.contact)
                .collect();
            let person = theirs.first().map(|(_, c)| c.clone());
            let mut pupils: Vec<StoredPupil> = theirs
                .iter()
                .filter_map(|(p, _)| pupils.get(p).cloned())
                .collect();
            pupils.sort_by(|a, b| a.pupil.upn.cmp(&b.pupil.upn));
            ProposalView {
                stored,
                person,
                pupils,
            }
        })
        .collect())
}

/// A proposal's id as typed or taken from a path.
fn parse_proposal_id(text: &str) -> Result<i64, Refusal> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| Refusal::invalid(format!("'{}' is not a proposal number", text.trim())))
}

/// The parent's own entry among their children's contacts, or what to do about it.
fn my_entry(
    store: &mut dyn Store,
    actor: &Actor,
    school: SchoolId,
) -> Result<Option<Contact>, Refusal> {
    let children: Vec<StoredPupil> = store
        .pupils(school)?
        .into_iter()
        .filter(|p| actor.reaches(p.id, &p.pupil))
        .collect();
    for child in children {
        if let Some(me) = own_contact(store, actor, school, child.id)? {
            return Ok(Some(me));
        }
    }
    Ok(None)
}

fn my_details(
    store: &mut dyn Store,
    actor: &Actor,
    school: SchoolId,
) -> Result<MyDetails, Refusal> {
    let me = my_entry(store, actor, school)?;
    let mut proposals = match &me {
        Some(c) => store.contact_proposals(school, Some(&c.reference))?,
        None => Vec::new(),
    };
    proposals.reverse();
    Ok(MyDetails { me, proposals })
}

impl App {
    /// A pupil's contacts in the order to call them, each with every detail, how many other
    /// pupils share them and whether a change they proposed waits; and how the pupil's contacts
    /// fall short, if they do.
    pub fn pupil_contacts(&self, actor: &Actor, upn: &str) -> Result<PupilContacts, Refusal> {
        actor.require(Permission::Contacts)?;
        let today = self.now().date();
        self.reading(|store| {
            let school = school_of(store, actor)?;
            let pupil = typed_pupil(store, actor, school, upn)?;
            contacts_page(store, school, pupil, today)
        })
    }

    /// Adds a contact to a pupil: a person new to the school, with the reference the office
    /// typed or one the school makes (`P` and a number); or, given the reference of a person the
    /// school holds with the same name (a brother's or sister's contact), that person, whose
    /// name, phone, e-mail and address then become what was typed.
    pub fn add_contact(
        &self,
        actor: &Actor,
        upn: &str,
        input: &ContactInput,
    ) -> Result<ContactChange, Refusal> {
        actor.require(Permission::Contacts)?;
        let today = self.now().date();
        self.with_store(|store| {
            let school = school_of(store, actor)?;
            let pupil = typed_pupil(store, actor, school, upn)?;
            let typed = check_reference(&input.reference);
            let given = typed.as_ref().ok().and_then(Option::as_deref);
            let checked = contact_from(input, given.unwrap_or(""));
            let (typed, contact) = match (typed, checked) {
                (Ok(t), Ok(c)) => (t, c),
                (Err(a), Err(b)) => {
                    let mut problems = a.problems().to_vec();
                    problems.extend(b.problems().iter().cloned());
                    return Err(Refusal::Invalid(problems));
                }
                (Err(e), _) | (_, Err(e)) => return Err(e),
            };
            let all = store.all_contacts(school)?;
            let name = full_name(&pupil.pupil);
            let mut linked = false;
            let saved = match typed {
                Some(reference) => {
                    if all
                        .iter()
                        .any(|(p, c)| *p == pupil.id && c.reference == reference)
                    {
                        return Err(Refusal::invalid(format!(
                            "'{reference}' is already a contact of {name}: change their details in the list instead"
                        )));
                    }
                    let held = all.iter().find(|(_, c)| c.reference == reference);
                    match held {
                        Some((_, existing)) if same_name(existing, &contact) => {
                            written(store.merge_contacts(school, &[(pupil.id, contact.clone())]))?;
                            linked = true;
                        }
                        Some(_) => {
                            return Err(Refusal::invalid(format!(
                                "the reference '{reference}' is the school's reference for someone of another name: leave it empty to add a new person, or give the reference of the person you mean"
                            )));
                        }
                        None => match store.add_contact(school, pupil.id, &contact) {
                            Err(StoreError::Conflict(_)) => {
                                return Err(Refusal::invalid(format!(
                                    "the reference '{reference}' is taken by someone the school held before: leave it empty to add a new person"
                                )));
                            }
                            other => other?,
                        },
                    }
                    contact
                }
                None => {
                    // The next number after the school's own references; a reference taken by
                    // someone no longer any pupil's contact is passed over.
                    let mut next = all
                        .iter()
                        .filter_map(|(_, c)| made_number(&c.reference))
                        .max()
                        .unwrap_or(0);
                    let mut tries = 0;
                    loop {
                        next += 1;
                        tries += 1;
                        let made = Contact {
                            reference: format!("P{next}"),
                            ..contact.clone()
                        };
                        match store.add_contact(school, pupil.id, &made) {
                            Ok(()) => break made,
                            Err(StoreError::Conflict(_)) if tries < 100 => continue,
                            Err(e) => return Err(e.into()),
                        }
                    }
                }
            };
            Ok(ContactChange {
                page: contacts_page(store, school, pupil, today)?,
                contact: saved,
                linked,
            })
        })
    }

    /// Changes one of a pupil's contacts: what they are to the pupil, and their name, phone,
    /// e-mail and address, which change for every pupil they are a contact of.
    pub fn save_contact(
        &self,
        actor: &Actor,
        upn: &str,
        reference: &str,
        input: &ContactInput,
    ) -> Result<ContactChange, Refusal> {
        actor.require(Permission::Contacts)?;
        let today = self.now().date();
        self.with_store(|store| {
            let school = school_of(store, actor)?;
            let pupil = typed_pupil(store, actor, school, upn)?;
            contact_of(store, school, &pupil, reference)?;
            let contact = contact_from(input, reference)?;
            written(store.merge_contacts(school, &[(pupil.id, contact.clone())]))?;
            Ok(ContactChange {
                page: contacts_page(store, school, pupil, today)?,
                contact,
                linked: false,
            })
        })
    }

    /// Removes a person from a pupil's contacts, once confirmed. They stay the contact of any
    /// other pupil, and the school's records that name them keep them.
    pub fn remove_contact(
        &self,
        actor: &Actor,
        upn: &str,
        reference: &str,
        input: &RemoveInput,
    ) -> Result<ContactChange, Refusal> {
        actor.require(Permission::Contacts)?;
        let today = self.now().date();
        self.with_store(|store| {
            let school = school_of(store, actor)?;
            let pupil = typed_pupil(store, actor, school, upn)?;
            let contact = contact_of(store, school, &pupil, reference)?;
            if input.confirm.trim() != "yes" {
                return Err(Refusal::invalid(format!(
                    "confirm that {} is to be removed from {}'s contacts",
                    contact.name(),
                    full_name(&pupil.pupil)
                )));
            }
            written(store.remove_contact(school, pupil.id, reference))?;
            Ok(ContactChange {
                page: contacts_page(store, school, pupil, today)?,
                contact,
                linked: false,
            })
        })
    }

    /// The pupils in reach, of compulsory school age and on roll today, whose contacts fall
    /// short: fewer than two with a phone number, or no parent they live with.
    pub fn contact_shortfalls(&self, actor: &Actor) -> Result<ShortfallList, Refusal> {
        actor.require(Permission::Contacts)?;
        let today = self.now().date();
        self.reading(|store| {
            let school = school_of(store, actor)?;
            let reached: Vec<StoredPupil> = store
                .pupils(school)?
                .into_iter()
                .filter(|p| actor.reaches(p.id, &p.pupil))
                .collect();
            let contacts = store.all_contacts(school)?;
            let pupils = shortfalls(reached, &contacts, today);
            let pending_proposals = proposal_views(store, actor, school)?
                .iter()
                .filter(|v| v.stored.status() == ProposalStatus::Pending)
                .count();
            Ok(ShortfallList {
                today,
                pupils,
                pending_proposals,
            })
        })
    }

    /// The changes parents proposed to their own details, about the contacts of the pupils in
    /// reach: those waiting, and the latest decided.
    pub fn contact_proposals(&self, actor: &Actor) -> Result<ProposalBoard, Refusal> {
        actor.require(Permission::Contacts)?;
        self.reading(|store| {
            let school = school_of(store, actor)?;
            let (pending, mut decided): (Vec<_>, Vec<_>) = proposal_views(store, actor, school)?
                .into_iter()
                .partition(|v| v.stored.status() == ProposalStatus::Pending);
            decided.reverse();
            decided.truncate(RECENT_DECISIONS);
            Ok(ProposalBoard { pending, decided })
        })
    }

    /// Accepts a parent's proposal, which changes their details in the same transaction, or
    /// rejects it with a reason the parent sees.
    pub fn decide_contact_proposal(
        &self,
        actor: &Actor,
        id: &str,
        input: &DecisionInput,
    ) -> Result<ProposalView, Refusal> {
        actor.require(Permission::Contacts)?;
        let now = self.now();
        self.with_store(|store| {
            let school = school_of(store, actor)?;
            let id = parse_proposal_id(id)?;
            let found = proposal_views(store, actor, school)?
                .into_iter()
                .find(|v| v.stored.id == id);
            let view = match (found, &actor.reach) {
                (Some(v), _) => v,
                (None, Reach::School) => {
                    return Err(Refusal::invalid(format!(
                        "there is no proposed change {id} to contact details"
                    )))
                }
                (None, _) => return Err(Refusal::Forbidden),
            };
            let accepted = match input.decision.trim().to_ascii_lowercase().as_str() {
                "accept" => true,
                "reject" => false,
                _ => {
                    return Err(Refusal::invalid(
                        "choose whether to accept the change or reject it",
                    ))
                }
            };
            let reason = input.reason.trim();
            if !accepted && reason.is_empty() {
                return Err(Refusal::invalid(
                    "say why the change is rejected: the parent will see it",
                ));
            }
            if reason.chars().count() > REASON_CHARS {
                return Err(Refusal::invalid(format!(
                    "please keep the reason under {REASON_CHARS} characters"
                )));
            }
            if let Some(d) = &view.stored.decision {
                return Err(Refusal::Conflict {
                    message: format!(
                        "this change was {} already, by {}: nothing was saved",
                        view.stored.status().as_str(),
                        d.decided.by
                    ),
                    changed: Vec::new(),
                });
            }
            let decision = ProposalDecision {
                accepted,
                reason: reason.to_owned(),
                decided: actor.recorded_at(now),
            };
            match store.decide_contact_proposal(school, id, &decision) {
                Err(StoreError::Conflict(_)) => {
                    return Err(Refusal::Conflict {
                        message: "someone else decided this change at the same moment: nothing \
                                  was saved"
                            .into(),
                        changed: Vec::new(),
                    })
                }
                other => other?,
            }
            proposal_views(store, actor, school)?
                .into_iter()
                .find(|v| v.stored.id == id)
                .ok_or_else(|| Refusal::Internal("the decided proposal did not read back".into()))
        })
    }

    /// A parent's own details as the school holds them, and the changes they proposed with
    /// what became of each.
    pub fn my_details(&self, actor: &Actor) -> Result<MyDetails, Refusal> {
        actor.require(Permission::OwnDetails)?;
        self.reading(|store| {
            let school = school_of(store, actor)?;
            my_details(store, actor, school)
        })
    }

    /// A parent proposes new details for their own entry: a phone number (which the school
    /// needs), an e-mail address and a postal address (which may be left empty). The change
    /// waits for the office; nothing is applied unseen. Returns the proposal's id and the page.
    pub fn propose_details(
        &self,
        actor: &Actor,
        input: &DetailsInput,
    ) -> Result<(i64, MyDetails), Refusal> {
        actor.require(Permission::OwnDetails)?;
        let now = self.now();
        self.with_store(|store| {
            let school = school_of(store, actor)?;
            let me = my_entry(store, actor, school)?.ok_or_else(|| {
                Refusal::invalid(
                    "your account is not yet linked to your details at the school, so there is nothing to change here: please ask the school office to link it",
                )
            })?;
            let asked = input.contact.trim();
            if !asked.is_empty() && asked != me.reference {
                return Err(Refusal::Forbidden);
            }
            let mut problems = Vec::new();
            let phone = optional(&input.phone);
            let email = optional(&input.email);
            let address = optional(&input.address);
            if phone.is_none() {
                problems.push(Problem::general(
                    "give a phone number the school can reach you on",
                ));
            }
            check_phone(phone.as_deref(), &mut problems);
            check_email(email.as_deref(), &mut problems);
            check_address(address.as_deref(), &mut problems);
            if !problems.is_empty() {
                return Err(Refusal::Invalid(problems));
            }
            let change = |now: &Option<String>, to: Option<String>| {
                (*now != to).then(|| DetailChange {
                    from: now.clone(),
                    to,
                })
            };
            let proposal = ContactProposal {
                contact: me.reference.clone(),
                phone: change(&me.phone, phone),
                email: change(&me.email, email),
                address: change(&me.address, address),
                proposed: actor.recorded_at(now),
            };
            if proposal.changes().is_empty() {
                return Err(Refusal::invalid(
                    "these are the details the school holds already: change what is different, then send",
                ));
            }
            let id = store.propose_contact_change(school, &proposal)?;
            Ok((id, my_details(store, actor, school)?))
        })
    }
}
