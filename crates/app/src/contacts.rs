//! Pupils' contacts as the school holds them, and the pupils whose contacts fall short
//! (follow-up.md, "Contacts, parents and parental responsibility").

use std::collections::HashMap;

use rollcall_core::Date;
use rollcall_store::{Contact, PupilId, SchoolId, Store, StoredPupil};

use crate::error::Refusal;
use crate::table::{Cell, Table};

/// The columns of `rollcall contacts`: the import's, then `may_collect`.
pub const CONTACT_COLUMNS: [&str; 12] = [
    "contact_id",
    "upn",
    "surname",
    "forename",
    "relationship",
    "parental_responsibility",
    "lives_with",
    "priority",
    "phone",
    "email",
    "address",
    "may_collect",
];

/// The fewest contacts with a phone number a pupil of compulsory school age should have.
pub const PHONES_WANTED: usize = 2;

/// Whether `text` has the form of a phone number: digits, spaces, `+`, `-` and brackets, with
/// between 7 and 15 digits (E.164 allows 15). (Whether it rings is for the school to find out.)
pub fn phone_form(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    (7..=15).contains(&digits)
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()".contains(c))
}

/// A pupil whose contacts fall short, and how.
#[derive(Debug, Clone)]
pub struct Shortfall {
    pub pupil: StoredPupil,
    /// Contacts with a phone number.
    pub with_phone: usize,
    /// Whether any parent lives with the pupil.
    pub parent_at_home: bool,
}

impl Shortfall {
    /// What is missing, in words.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.with_phone < PHONES_WANTED {
            out.push(format!(
                "{} contact{} with a phone number (at least {PHONES_WANTED} wanted)",
                self.with_phone,
                if self.with_phone == 1 { "" } else { "s" }
            ));
        }
        if !self.parent_at_home {
            out.push("no parent the pupil lives with".to_owned());
        }
        out
    }
}

/// Pupils on roll on `on` and of compulsory school age then whose contacts fall short: fewer
/// than [`PHONES_WANTED`] with a phone number, or no parent they live with; by year, form and
/// name.
pub fn shortfalls(
    pupils: Vec<StoredPupil>,
    contacts: &[(PupilId, Contact)],
    on: Date,
) -> Vec<Shortfall> {
    let mut by_pupil: HashMap<PupilId, Vec<&Contact>> = HashMap::new();
    for (p, c) in contacts {
        by_pupil.entry(*p).or_default().push(c);
    }
    let mut out: Vec<Shortfall> = pupils
        .into_iter()
        .filter(|p| p.pupil.on_roll(on) && p.pupil.of_compulsory_school_age_on(on))
        .filter_map(|p| {
            let theirs = by_pupil.get(&p.id).map_or(&[][..], Vec::as_slice);
            let with_phone = theirs
                .iter()
                .filter(|c| c.phone.as_deref().is_some_and(|n| !n.trim().is_empty()))
                .count();
            let parent_at_home = theirs.iter().any(|c| c.lives_with);
            (with_phone < PHONES_WANTED || !parent_at_home).then_some(Shortfall {
                pupil: p,
                with_phone,
                parent_at_home,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        let key = |s: &Shortfall| {
            (
                s.pupil.pupil.year_group,
                s.pupil.pupil.form.clone(),
                s.pupil.pupil.surname.to_lowercase(),
                s.pupil.pupil.forename.to_lowercase(),
            )
        };
        key(a).cmp(&key(b))
    });
    out
}

/// Every contact of the school's pupils, as `rollcall contacts` prints them: by UPN, then
/// priority.
pub fn contacts_table(store: &mut dyn Store, school: SchoolId) -> Result<Table, Refusal> {
    let upns: HashMap<PupilId, String> = store
        .pupils(school)?
        .into_iter()
        .map(|p| (p.id, p.pupil.upn.to_string()))
        .collect();
    let mut rows = store.all_contacts(school)?;
    rows.sort_by(|(a, ca), (b, cb)| {
        (upns.get(a), ca.priority, &ca.reference).cmp(&(upns.get(b), cb.priority, &cb.reference))
    });
    let mut t = Table::new(CONTACT_COLUMNS);
    let text = |s: &str| Cell::Text(s.to_owned());
    let opt = |s: &Option<String>| s.as_deref().map_or(Cell::Null, text);
    for (pupil, c) in rows {
        t.push(vec![
            text(&c.reference),
            upns.get(&pupil).map_or(Cell::Null, |u| text(u)),
            text(&c.surname),
            text(&c.forename),
            text(&c.relationship),
            Cell::Bool(c.parental_responsibility),
            Cell::Bool(c.lives_with),
            Cell::Int(u64::from(c.priority)),
            opt(&c.phone),
            opt(&c.email),
            opt(&c.address),
            Cell::Bool(c.may_collect),
        ]);
    }
    Ok(t)
}

/// The pupils whose contacts fall short on `on`, as a table.
pub fn shortfalls_table(
    store: &mut dyn Store,
    school: SchoolId,
    on: Date,
) -> Result<Table, Refusal> {
    let contacts = store.all_contacts(school)?;
    let list = shortfalls(store.pupils(school)?, &contacts, on);
    let mut t = Table::new([
        "upn",
        "surname",
        "forename",
        "year_group",
        "form",
        "contacts_with_phone",
        "parent_lives_with",
        "problems",
    ]);
    for s in list {
        let p = &s.pupil.pupil;
        t.push(vec![
            Cell::Text(p.upn.to_string()),
            Cell::Text(p.surname.clone()),
            Cell::Text(p.forename.clone()),
            Cell::Text(p.year_group.to_string()),
            p.form.clone().map_or(Cell::Null, Cell::Text),
            Cell::Int(s.with_phone as u64),
            Cell::Bool(s.parent_at_home),
            Cell::Text(s.problems().join("; ")),
        ]);
    }
    Ok(t)
}

/// One of a pupil's contacts by the school's reference for them; refused, listing the pupil's
/// contacts, when the reference is not one of theirs.
pub fn pupils_contact(
    store: &mut dyn Store,
    school: SchoolId,
    pupil: &StoredPupil,
    reference: &str,
) -> Result<Contact, crate::error::Refusal> {
    let contacts = store.contacts(school, pupil.id)?;
    let reference = reference.trim();
    contacts
        .iter()
        .find(|c| c.reference == reference)
        .cloned()
        .ok_or_else(|| {
            crate::error::Refusal::invalid(format!(
                "contact '{reference}' is not a contact of {} ({}); the pupil's contacts are: {}",
                crate::registers::full_name(&pupil.pupil),
                pupil.pupil.upn,
                if contacts.is_empty() {
                    "none".to_owned()
                } else {
                    contacts
                        .iter()
                        .map(|c| format!("{} ({})", c.reference, c.name()))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_have_the_form_of_one() {
        for good in [
            "07700 900123",
            "+44 7700 900123",
            "(01632) 960 001",
            "0161-496-0000",
        ] {
            assert!(phone_form(good), "{good}");
        }
        for bad in [
            "",
            "12345",
            "07700 9001234567890",
            "call me",
            "07700 900123 ext 4",
            "0770\n0900123",
        ] {
            assert!(!phone_form(bad), "{bad}");
        }
    }
}
