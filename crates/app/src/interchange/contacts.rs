//! The contacts file (CSV): one row per contact and pupil, matched on `contact_id` + `upn`.

use std::collections::HashMap;

use rollcall_core::Upn;
use rollcall_store::Contact;

use super::csv_file::{Column, CsvFile};
use super::parse_bool;
use crate::error::InputError;

pub const COLUMNS: &[Column] = &[
    Column::Required("contact_id"),
    Column::Required("upn"),
    Column::Required("surname"),
    Column::Required("forename"),
    Column::Required("relationship"),
    Column::Required("parental_responsibility"),
    Column::Required("lives_with"),
    Column::Optional("priority"),
    Column::Optional("phone"),
    Column::Optional("email"),
    Column::Optional("address"),
    Column::Optional("may_collect"),
];

/// A contact of a pupil and the line it came from.
#[derive(Debug, Clone)]
pub struct ContactRow {
    pub line: usize,
    pub upn: Upn,
    pub contact: Contact,
}

/// Whether `text` has the form of an e-mail address: one `@`, something before it, a domain
/// with a dot after it, and no spaces or angle brackets. (Whether it reaches anyone is for the
/// mail server to say.)
pub fn email_form(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && text.len() <= 254
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && text
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[],;:\"\\".contains(c))
}

pub fn read_contacts(
    name: &str,
    source: Box<dyn std::io::Read>,
) -> Result<Vec<ContactRow>, Vec<InputError>> {
    let mut file = CsvFile::new(name, source, COLUMNS).map_err(|e| vec![e])?;
    let cols: Vec<Option<usize>> = COLUMNS
        .iter()
        .map(|c| match c {
            Column::Required(n) | Column::Optional(n) => file.column(n),
        })
        .collect();
    let [id, upn, surname, forename, relationship, pr, lives, priority, phone, email, address, collect] =
        <[Option<usize>; 12]>::try_from(cols).unwrap_or([None; 12]);
    let mut rows: Vec<ContactRow> = Vec::new();
    let mut errors = Vec::new();
    // The first line of each contact id, with the name it gave; and of each contact and pupil.
    let mut names: HashMap<String, (usize, String, String)> = HashMap::new();
    let mut pairs: HashMap<(String, Upn), usize> = HashMap::new();
    // Rows so far per pupil, for a priority not given.
    let mut per_pupil: HashMap<Upn, u32> = HashMap::new();
    loop {
        match file.next_record() {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                errors.push(e);
                break;
            }
        }
        if file.is_blank() {
            continue;
        }
        let f = &file;
        let mut row_errors = Vec::new();
        let mut text = |col: Option<usize>, field: &str, required: bool| -> Option<String> {
            match f.get(col, field) {
                Ok(t) if t.is_empty() && required => {
                    row_errors.push(f.error(field, "empty; a value is required"));
                    None
                }
                Ok(t) => Some(t.to_owned()),
                Err(e) => {
                    row_errors.push(e);
                    None
                }
            }
        };
        let id_v = text(id, "contact_id", true);
        let upn_t = text(upn, "upn", true);
        let surname_v = text(surname, "surname", true);
        let forename_v = text(forename, "forename", true);
        let relationship_v = text(relationship, "relationship", true);
        let pr_t = text(pr, "parental_responsibility", true);
        let lives_t = text(lives, "lives_with", true);
        let priority_t = text(priority, "priority", false);
        let phone_v = text(phone, "phone", false);
        let email_v = text(email, "email", false);
        let address_v = text(address, "address", false);
        let collect_t = text(collect, "may_collect", false);
        let mut check = |field: &str, r: Result<Option<bool>, String>| match r {
            Ok(v) => v,
            Err(m) => {
                row_errors.push(f.error(field, format!("{m}; expected true or false")));
                None
            }
        };
        let pr_v = pr_t
            .as_deref()
            .and_then(|t| check("parental_responsibility", parse_bool(t)));
        let lives_v = lives_t
            .as_deref()
            .and_then(|t| check("lives_with", parse_bool(t)));
        let collect_v = collect_t
            .as_deref()
            .map(|t| check("may_collect", parse_bool(t)));
        let upn_v = upn_t.as_deref().and_then(|t| match Upn::parse(t) {
            Ok(u) => Some(u),
            Err(e) => {
                row_errors.push(f.error("upn", e.to_string()));
                None
            }
        });
        let priority_v = match priority_t.as_deref() {
            None | Some("") => None,
            Some(t) => {
                match t.parse::<u32>() {
                    Ok(p) if p >= 1 => Some(p),
                    _ => {
                        row_errors.push(f.error(
                        "priority",
                        format!("'{t}' is not a priority; expected a whole number from 1 (call first)"),
                    ));
                        None
                    }
                }
            }
        };
        if let Some(e) = email_v.as_deref().filter(|e| !e.is_empty()) {
            if !email_form(e) {
                row_errors.push(f.error(
                    "email",
                    format!("'{e}' is not an e-mail address; expected the form name@example.org"),
                ));
            }
        }
        if let (Some(cid), Some(s), Some(fore)) = (&id_v, &surname_v, &forename_v) {
            match names.get(cid) {
                Some((line, s0, f0)) if (s0, f0) != (s, fore) => row_errors.push(f.error(
                    "contact_id",
                    format!(
                        "contact {cid} is named {fore} {s} here but {f0} {s0} on line {line}; \
                         a contact id names one person"
                    ),
                )),
                Some(_) => {}
                None => {
                    names.insert(cid.clone(), (f.line(), s.clone(), fore.clone()));
                }
            }
        }
        if let (Some(cid), Some(u)) = (&id_v, &upn_v) {
            if let Some(line) = pairs.insert((cid.clone(), u.clone()), f.line()) {
                row_errors.push(f.error(
                    "contact_id",
                    format!("line {line} already gives contact {cid} of pupil {u}; each contact and pupil must appear once"),
                ));
            }
        }
        if !row_errors.is_empty() {
            errors.extend(row_errors);
            continue;
        }
        let (
            Some(reference),
            Some(upn),
            Some(surname),
            Some(forename),
            Some(relationship),
            Some(pr),
            Some(lives),
        ) = (
            id_v,
            upn_v,
            surname_v,
            forename_v,
            relationship_v,
            pr_v,
            lives_v,
        )
        else {
            continue;
        };
        let nth = per_pupil.entry(upn.clone()).or_insert(0);
        *nth += 1;
        let some = |t: Option<String>| t.filter(|t| !t.is_empty());
        rows.push(ContactRow {
            line: f.line(),
            upn,
            contact: Contact {
                reference,
                forename,
                surname,
                relationship,
                parental_responsibility: pr,
                lives_with: lives,
                priority: priority_v.unwrap_or(*nth),
                phone: some(phone_v),
                email: some(email_v),
                address: some(address_v),
                may_collect: collect_v.flatten().unwrap_or(pr || lives),
            },
        });
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads a file whose `A…` and `B…` stand for two valid UPNs.
    fn read(text: &str) -> Result<Vec<ContactRow>, Vec<InputError>> {
        let text = text
            .replace("A123456789012", upn("822400124001").as_str())
            .replace("B123456789012", upn("822400124002").as_str());
        read_contacts("contacts.csv", Box::new(std::io::Cursor::new(text)))
    }

    fn upn(body: &str) -> Upn {
        Upn::with_check_letter(body).unwrap()
    }

    const HEADER: &str =
        "contact_id,upn,surname,forename,relationship,parental_responsibility,lives_with,priority,phone,email,address\n";

    #[test]
    fn e_mail_addresses_are_checked_for_form() {
        for good in ["a@b.co", "mary.smith+school@example.org.uk"] {
            assert!(email_form(good), "{good}");
        }
        for bad in [
            "",
            "mary",
            "mary@",
            "@example.org",
            "mary@example",
            "a b@example.org",
            "a@b@c.org",
            "a@.org",
            "a@b..org",
            "Mary <m@example.org>",
        ] {
            assert!(!email_form(bad), "{bad}");
        }
    }

    #[test]
    fn a_row_reads_into_a_contact_with_defaults() {
        let rows = read(&format!(
            "{HEADER}C1,A123456789012,Smith,Mary,mother,true,true,,07700 900123,mary@example.org,1 High St\n\
             C2,A123456789012,Smith,John,father,true,false,,,,\n"
        ))
        .unwrap();
        assert_eq!(rows.len(), 2);
        let mary = &rows[0].contact;
        assert_eq!(
            (mary.name(), mary.priority, mary.may_collect),
            ("Mary Smith".into(), 1, true)
        );
        let john = &rows[1].contact;
        assert_eq!(
            (john.priority, john.phone.as_deref(), john.lives_with),
            (2, None, false)
        );
        assert!(john.is_parent());
    }

    #[test]
    fn every_bad_field_is_named_with_its_line() {
        let errors = read(&format!(
            "{HEADER}C1,A123456789012,Smith,Mary,mother,yes,true,0,,mary-at-example.org,\n\
             C2,A12345678901X,,John,father,true,,,,,\n"
        ))
        .unwrap_err();
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        let has = |needle: &str| text.iter().any(|t| t.contains(needle));
        assert!(has("line 2") && has("parental_responsibility"), "{text:?}");
        assert!(has("priority") && has("email"), "{text:?}");
        assert!(
            has("line 3") && has("surname") && has("lives_with") && has("upn"),
            "{text:?}"
        );
    }

    #[test]
    fn one_contact_id_names_one_person_and_a_pair_appears_once() {
        let errors = read(&format!(
            "{HEADER}C1,A123456789012,Smith,Mary,mother,true,true,,,,\n\
             C1,B123456789012,Jones,Mary,mother,true,true,,,,\n\
             C1,A123456789012,Smith,Mary,mother,true,true,,,,\n"
        ))
        .unwrap_err();
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(
            text.iter()
                .any(|t| t.contains("line 3") && t.contains("line 2")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.contains("line 4") && t.contains("line 2") && t.contains("appear once")),
            "{text:?}"
        );
    }
}
