//! `GET` and `POST /pupils/{upn}/contacts`, `POST /pupils/{upn}/contacts/{contact}` and its
//! `/remove`: a pupil's contacts in the order to call them, with every detail; a contact added,
//! changed or removed by the office.

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use rollcall_app::access::Permission;
use rollcall_app::cases::contacts::{
    ContactChange, ContactEntry, ContactInput, PupilContacts, RemoveInput, LAST_PRIORITY,
};
use rollcall_app::records::Contact;
use rollcall_app::Refusal;

use crate::common::format::*;
use crate::common::{AppState, Principal, WebError};

/// Which form a refusal is about, with what was typed in it.
enum Typed<'a> {
    Nothing,
    Add(&'a ContactInput),
    Change(&'a str, &'a ContactInput),
    Remove(&'a str),
}

pub(super) async fn contacts_page(
    State(state): State<AppState>,
    p: Principal,
    Path(upn): Path<String>,
) -> Result<Markup, WebError> {
    p.require(Permission::Contacts)?;
    let actor = p.actor.clone();
    let page = state
        .run(move |app| app.pupil_contacts(&actor, &upn))
        .await?;
    Ok(contacts_markup(&p, &page, &Typed::Nothing, None, None))
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "Yes"
    } else {
        "No"
    }
}

/// `{upn}/contacts` and what follows, as a path.
fn contacts_path(page: &PupilContacts) -> String {
    format!("/pupils/{}/contacts", page.pupil.pupil.upn)
}

/// The fields of a contact, each id prefixed with `prefix` so that several forms share a page.
fn contact_fields(prefix: &str, form: &ContactInput, with_reference: bool) -> Markup {
    let id = |name: &str| format!("{prefix}{name}");
    let ticked = |t: &str| !matches!(t.trim(), "" | "no" | "false");
    html! {
        @if with_reference {
            label for=(id("reference")) { "Reference (leave empty for the school to make one; give a brother's or sister's contact's reference to add the same person)" }
            input id=(id("reference")) type="text" name="reference" value=(form.reference) size="20" maxlength="20";
        }
        label for=(id("forename")) { "Forename" }
        input id=(id("forename")) type="text" name="forename" value=(form.forename) required autocomplete="off";
        label for=(id("surname")) { "Surname" }
        input id=(id("surname")) type="text" name="surname" value=(form.surname) required autocomplete="off";
        label for=(id("relationship")) { "Relationship to the pupil (mother, grandfather, social worker…)" }
        input id=(id("relationship")) type="text" name="relationship" value=(form.relationship) required;
        label for=(id("priority")) { "Order to call in (1 = first)" }
        input id=(id("priority")) type="number" name="priority" min="1" max=(LAST_PRIORITY) step="1" value=(form.priority) required;
        div.choice {
            input id=(id("pr")) type="checkbox" name="parental_responsibility" value="yes" checked[ticked(&form.parental_responsibility)];
            label for=(id("pr")) { "Has parental responsibility" }
        }
        div.choice {
            input id=(id("lives-with")) type="checkbox" name="lives_with" value="yes" checked[ticked(&form.lives_with)];
            label for=(id("lives-with")) { "The pupil lives with them" }
        }
        div.choice {
            input id=(id("may-collect")) type="checkbox" name="may_collect" value="yes" checked[ticked(&form.may_collect)];
            label for=(id("may-collect")) { "May collect the pupil from school" }
        }
        label for=(id("phone")) { "Phone" }
        input id=(id("phone")) type="tel" name="phone" value=(form.phone) autocomplete="off";
        label for=(id("email")) { "E-mail" }
        input id=(id("email")) type="email" name="email" value=(form.email) autocomplete="off" size="40";
        label for=(id("address")) { "Postal address" }
        textarea id=(id("address")) name="address" rows="2" cols="50" { (form.address) }
    }
}

fn contact_row(e: &ContactEntry) -> Markup {
    let c = &e.contact;
    html! {
        tr id=(format!("contact-{}", c.reference)) {
            td.num data-label="Order" { (c.priority) }
            th scope="row" {
                (c.name()) br;
                small { "ref. " (c.reference) }
                @if e.shared_with > 0 {
                    br; small { "also a contact of " (e.shared_with) " other " (if e.shared_with == 1 { "pupil" } else { "pupils" }) }
                }
                @if e.pending > 0 {
                    br; a href="/office/contacts/proposals" { small.warning { "proposed a change to their details" } }
                }
            }
            td data-label="Relationship" { (c.relationship) }
            td data-label="Parental responsibility" { (yes_no(c.parental_responsibility)) }
            td data-label="Lives with the pupil" { (yes_no(c.lives_with)) }
            td data-label="May collect" { (yes_no(c.may_collect)) }
            td data-label="Phone" {
                @if let Some(ph) = &c.phone { a href=(format!("tel:{}", ph.replace(' ', ""))) { (ph) } } @else { "—" }
            }
            td data-label="E-mail" {
                @if let Some(m) = &c.email { a href=(format!("mailto:{m}")) { (m) } } @else { "—" }
            }
            td data-label="Postal address" { (c.address.as_deref().unwrap_or("—")) }
        }
    }
}

/// The forms to change and to remove one contact; open when the refusal is about them.
fn contact_forms(p: &Principal, page: &PupilContacts, c: &Contact, typed: &Typed<'_>) -> Markup {
    let base = format!("{}/{}", contacts_path(page), segment(&c.reference));
    let prefix = format!("c-{}-", c.reference);
    let filled = ContactInput::of(c);
    let (change_open, form) = match typed {
        Typed::Change(r, input) if *r == c.reference => (true, *input),
        _ => (false, &filled),
    };
    let remove_open = matches!(typed, Typed::Remove(r) if *r == c.reference);
    let pupil = &page.pupil.pupil;
    html! {
        details open[change_open] {
            summary { "Change " (c.name()) }
            form method="post" action=(base) {
                input type="hidden" name="csrf" value=(p.csrf());
                p { small { "A change to the name, phone, e-mail or address applies to every pupil " (c.name()) " is a contact of." } }
                (contact_fields(&prefix, form, false))
                p { button type="submit" { "Save " (c.name()) } }
            }
        }
        details open[remove_open] {
            summary { "Remove " (c.name()) }
            form method="post" action=(format!("{base}/remove")) {
                input type="hidden" name="csrf" value=(p.csrf());
                input type="hidden" name="confirm" value="yes";
                p { "Remove " (c.name()) " from " (full_name(pupil)) "'s contacts? They stay the contact of any other pupil." }
                p { button.secondary type="submit" { "Remove " (c.name()) } }
            }
        }
    }
}

fn contacts_markup(
    p: &Principal,
    page: &PupilContacts,
    typed: &Typed<'_>,
    notice: Option<&str>,
    error: Option<&Refusal>,
) -> Markup {
    let pupil = &page.pupil.pupil;
    let name = full_name(pupil);
    let path = contacts_path(page);
    let fresh = ContactInput {
        priority: page.next_priority.to_string(),
        ..ContactInput::default()
    };
    let add_form = match typed {
        Typed::Add(input) => *input,
        _ => &fresh,
    };
    let body = html! {
        p {
            a href=(record_link(pupil)) { "← " (name) "'s record" } " · "
            a href="/office/contacts" { "Contacts to complete" }
        }
        h1 { "Contacts: " (name) }
        p { (pupil.upn) ", year " (pupil.year_group) @if let Some(f) = &pupil.form { ", " (f) } "." }
        @if let Some(n) = notice { p.notice role="status" { (n) } }
        @if let Some(e) = error {
            div.error role="alert" {
                p { strong { "Nothing was saved:" } }
                @for pr in e.problems() { p { (pr.message) } }
                @if e.problems().is_empty() { p { (e) } }
            }
        }
        @if !page.problems.is_empty() {
            div.alarm #short {
                p { strong { "Short of what the school needs:" } }
                ul { @for pr in &page.problems { li { (capitalise(pr)) "." } } }
            }
        } @else if page.checked {
            p #complete { "Complete: at least two contacts with a phone number, and a parent " (pupil.forename) " lives with." }
        }

        h2 #contacts { "Contacts, in the order to call them" }
        @if page.contacts.is_empty() {
            p { "No contacts recorded." }
        } @else {
            table.reflow aria-label=(format!("Contacts of {name}")) {
                thead { tr {
                    th.num scope="col" { "Order" }
                    th scope="col" { "Name" }
                    th scope="col" { "Relationship" }
                    th scope="col" { "Parental responsibility" }
                    th scope="col" { "Lives with the pupil" }
                    th scope="col" { "May collect" }
                    th scope="col" { "Phone" }
                    th scope="col" { "E-mail" }
                    th scope="col" { "Postal address" }
                } }
                tbody { @for e in &page.contacts { (contact_row(e)) } }
            }
            h2 #change { "Change or remove a contact" }
            @for e in &page.contacts {
                (contact_forms(p, page, &e.contact, typed))
            }
        }

        h2 #add { "Add a contact" }
        form method="post" action=(path) {
            input type="hidden" name="csrf" value=(p.csrf());
            (contact_fields("new-", add_form, true))
            p { button #add-contact type="submit" { "Add the contact" } }
        }
    };
    crate::common::page(&format!("Contacts: {name}"), Some(p), body)
}

/// The page after a change, or again with what to put right.
async fn answer(
    state: &AppState,
    p: &Principal,
    upn: String,
    attempt: Result<ContactChange, Refusal>,
    done: impl FnOnce(&ContactChange) -> String,
    typed: &Typed<'_>,
) -> Result<Response, WebError> {
    match attempt {
        Ok(change) => {
            let notice = done(&change);
            Ok(
                contacts_markup(p, &change.page, &Typed::Nothing, Some(&notice), None)
                    .into_response(),
            )
        }
        Err(e @ (Refusal::Invalid(_) | Refusal::Conflict { .. })) => {
            let status = match e {
                Refusal::Conflict { .. } => StatusCode::CONFLICT,
                _ => StatusCode::BAD_REQUEST,
            };
            let actor = p.actor.clone();
            let page = state
                .run(move |app| app.pupil_contacts(&actor, &upn))
                .await?;
            Ok((status, contacts_markup(p, &page, typed, None, Some(&e))).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn add(
    State(state): State<AppState>,
    p: Principal,
    Path(upn): Path<String>,
    Form(form): Form<ContactInput>,
) -> Result<Response, WebError> {
    p.require(Permission::Contacts)?;
    let actor = p.actor.clone();
    let (asked, input) = (upn.clone(), form.clone());
    let attempt = state
        .attempt(move |app| app.add_contact(&actor, &asked, &input))
        .await?;
    let done = |c: &ContactChange| {
        let pupil = full_name(&c.page.pupil.pupil);
        if c.linked {
            format!(
                "Added {} (ref. {}), a contact the school holds already, as a contact of {pupil}.",
                c.contact.name(),
                c.contact.reference
            )
        } else {
            format!(
                "Added {} (ref. {}) as a contact of {pupil}.",
                c.contact.name(),
                c.contact.reference
            )
        }
    };
    answer(&state, &p, upn, attempt, done, &Typed::Add(&form)).await
}

pub(super) async fn save(
    State(state): State<AppState>,
    p: Principal,
    Path((upn, reference)): Path<(String, String)>,
    Form(form): Form<ContactInput>,
) -> Result<Response, WebError> {
    p.require(Permission::Contacts)?;
    let actor = p.actor.clone();
    let (asked, r, input) = (upn.clone(), reference.clone(), form.clone());
    let attempt = state
        .attempt(move |app| app.save_contact(&actor, &asked, &r, &input))
        .await?;
    let done = |c: &ContactChange| format!("Saved {}'s details.", c.contact.name());
    answer(
        &state,
        &p,
        upn,
        attempt,
        done,
        &Typed::Change(&reference, &form),
    )
    .await
}

pub(super) async fn remove(
    State(state): State<AppState>,
    p: Principal,
    Path((upn, reference)): Path<(String, String)>,
    Form(form): Form<RemoveInput>,
) -> Result<Response, WebError> {
    p.require(Permission::Contacts)?;
    let actor = p.actor.clone();
    let (asked, r) = (upn.clone(), reference.clone());
    let attempt = state
        .attempt(move |app| app.remove_contact(&actor, &asked, &r, &form))
        .await?;
    let done = |c: &ContactChange| {
        format!(
            "Removed {} from {}'s contacts.",
            c.contact.name(),
            full_name(&c.page.pupil.pupil)
        )
    };
    answer(&state, &p, upn, attempt, done, &Typed::Remove(&reference)).await
}
