//! The first-day calling list: who is absent with no reason known once the register has closed,
//! and whom to ring; before it closes, who is absent so far and which registers are not yet taken.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use rollcall_app::calling::ToCall;
use rollcall_core::calendar::format_time;
use rollcall_core::Session;

use crate::common::format::*;
use crate::common::page;
use crate::common::AppState;
use crate::common::Principal;
use crate::common::RouteRule;
use crate::common::WebError;
use rollcall_app::access::Permission;

pub const ACCESS: &[RouteRule] = &[RouteRule {
    method: "GET",
    path: "/office/calling-list",
    permission: Permission::FollowUp,
}];

pub fn routes() -> Router<AppState> {
    Router::new().route("/office/calling-list", get(calling_list_page))
}

async fn calling_list_page(
    State(state): State<AppState>,
    p: Principal,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Markup, WebError> {
    p.require(Permission::FollowUp)?;
    let now = state.now();
    let actor = p.actor.clone();
    let list = state
        .run(move |app| {
            app.calling_list(
                &actor,
                query.get("date").map(String::as_str),
                query.get("session").map(String::as_str),
            )
        })
        .await?;
    let (date, session) = (list.date, list.session);
    let (opens, closes) = (
        format_time(list.opens.time()),
        format_time(list.closes.time()),
    );
    let other = match session {
        Session::Am => "PM",
        Session::Pm => "AM",
    };
    let not_marked = list.not_yet_marked_count();
    Ok(page(
        "Calling list",
        Some(&p),
        html! {
            h1 { "Calling list: " (long_date(date)) ", " (session_name(session)) }
            p {
                "Once the register has closed, pupils marked " span.code.c-unauthorised { "N" }
                " or with no mark, and no absence reported: contact their parents today, pupils with a social worker or looked after first. "
                a href=(format!("/office/calling-list?date={date}&session={other}")) { "Show the other session" }
            }
            @if list.still_open {
                p.notice role="status" {
                    @if now < list.opens {
                        "The register opens at " (opens) " and closes at " (closes) ". "
                    } @else {
                        "The register is open until " (closes) ". "
                    }
                    strong { "Nobody is to call until it closes" }
                    ": a pupil without a mark may still be on their way in, or their register not yet taken."
                }
                h2 #absent-so-far { "Absent so far" }
                @if list.absent_so_far.is_empty() {
                    p { "No pupil is marked N so far." }
                } @else {
                    p {
                        strong { (list.absent_so_far.len()) } " "
                        (if list.absent_so_far.len() == 1 { "pupil is" } else { "pupils are" })
                        " marked N so far, with no absence reported. If they have not arrived by " (closes)
                        ", they will be to call."
                    }
                    (pupils_table("Pupils absent so far", &list.absent_so_far))
                }
                h2 #not-yet-marked { "Not yet marked" }
                @if not_marked == 0 {
                    p { "Every pupil has a mark." }
                } @else {
                    p {
                        strong { (not_marked) } " "
                        (if not_marked == 1 { "pupil has" } else { "pupils have" })
                        " no mark yet, in " (list.not_yet_marked.len()) " "
                        (if list.not_yet_marked.len() == 1 { "form whose register is" } else { "forms whose registers are" })
                        " not yet taken:"
                    }
                    ul.forms aria-label="Forms with pupils not yet marked" {
                        @for f in &list.not_yet_marked {
                            li {
                                @match &f.form {
                                    Some(form) => a href=(register_path(form, date, session)) { (form) },
                                    None => "No form",
                                }
                                ": " (f.pupils) " not marked"
                            }
                        }
                    }
                }
            } @else {
                p { "The register closed at " (closes) "." }
                h2 #to-call { "To call" }
                @if list.to_call.is_empty() {
                    p { "Nobody to call: every pupil has a mark with a reason." }
                } @else {
                    p { strong { (list.to_call.len()) } " to call." }
                    (pupils_table("Pupils to call", &list.to_call))
                }
            }
        },
    ))
}

/// Pupils absent with no reason known, with whom to ring.
fn pupils_table(label: &str, pupils: &[ToCall]) -> Markup {
    html! {
        table.reflow aria-label=(label) {
            thead {
                tr {
                    th scope="col" { "Pupil" }
                    th scope="col" { "Form" }
                    th scope="col" { "Mark" }
                    th scope="col" { "First" }
                    th scope="col" { "Contacts" }
                    th scope="col" { span.visually-hidden { "Record a call" } }
                }
            }
            tbody {
                @for t in pupils {
                    tr {
                        th scope="row" {
                            a href=(format!("/pupils/{}", t.pupil.pupil.upn)) { (full_name(&t.pupil.pupil)) }
                        }
                        td data-label="Form" { (t.pupil.pupil.form.as_deref().unwrap_or("")) }
                        td data-label="Mark" {
                            @match t.code {
                                Some(_) => span.code.c-unauthorised title="Reason not yet established" { "N" },
                                None => span.code.c-unmarked title="No mark" { "–" },
                            }
                        }
                        td { @if !t.vulnerable.is_empty() { span.pill.pa { (t.vulnerable.join(", ")) } } }
                        td data-label="Contacts" {
                            @for c in &t.contacts {
                                div {
                                    (c.name()) " (" (c.relationship) ")"
                                    @if let Some(phone) = &c.phone {
                                        " " a href=(format!("tel:{}", phone.replace(' ', ""))) { (phone) }
                                    }
                                }
                            }
                            @if t.contacts.is_empty() { "no contact recorded" }
                        }
                        td { a href=(format!("/office/calls?upn={}", t.pupil.pupil.upn)) { "Record a call" } }
                    }
                }
            }
        }
    }
}
