//! `GET /office/contacts`: the pupils of compulsory school age whose contacts fall short (fewer
//! than two with a phone number, or no parent they live with), each one click from their
//! contacts.

use axum::extract::State;
use maud::{html, Markup};
use rollcall_app::access::Permission;
use rollcall_app::contacts::PHONES_WANTED;

use crate::common::format::*;
use crate::common::{page, AppState, Principal, WebError};

pub(super) async fn list_page(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Markup, WebError> {
    p.require(Permission::Contacts)?;
    let actor = p.actor.clone();
    let list = state.run(move |app| app.contact_shortfalls(&actor)).await?;
    let count = list.pupils.len();
    let body = html! {
        h1 { "Contacts to complete" }
        p {
            "Every pupil of compulsory school age should have at least " (PHONES_WANTED)
            " contacts with a phone number, and at least one parent they live with. "
            "Open a pupil to add or correct their contacts."
        }
        @if list.pending_proposals > 0 {
            p.notice role="status" {
                a href="/office/contacts/proposals" {
                    (list.pending_proposals) " "
                    (if list.pending_proposals == 1 { "change" } else { "changes" })
                    " proposed by parents to their own details "
                    (if list.pending_proposals == 1 { "waits" } else { "wait" })
                    " for you"
                }
            }
        } @else {
            p { a href="/office/contacts/proposals" { "Changes proposed by parents" } }
        }
        @if list.pupils.is_empty() {
            p.notice #none-short { "Every pupil on roll today has the contacts the school needs." }
        } @else {
            p role="status" {
                strong { (count) } " " (if count == 1 { "pupil falls" } else { "pupils fall" })
                " short on " (date_text(list.today)) "."
            }
            table.reflow #shortfalls aria-label="Pupils whose contacts fall short" {
                thead { tr {
                    th scope="col" { "Pupil" }
                    th scope="col" { "Year" }
                    th scope="col" { "Form" }
                    th.num scope="col" { "Contacts with a phone" }
                    th scope="col" { "A parent they live with" }
                    th scope="col" { "What is missing" }
                } }
                tbody {
                    @for s in &list.pupils {
                        @let pupil = &s.pupil.pupil;
                        tr data-upn=(pupil.upn) {
                            th scope="row" {
                                a href=(format!("/pupils/{}/contacts", pupil.upn)) {
                                    (pupil.surname) ", " (pupil.forename)
                                }
                            }
                            td data-label="Year" { (pupil.year_group) }
                            td data-label="Form" { (pupil.form.as_deref().unwrap_or("—")) }
                            td.num data-label="Contacts with a phone" { (s.with_phone) }
                            td data-label="A parent they live with" { (if s.parent_at_home { "Yes" } else { "No" }) }
                            td data-label="What is missing" { (capitalise(&s.problems().join("; "))) }
                        }
                    }
                }
            }
        }
    };
    Ok(page("Contacts to complete", Some(&p), body))
}
