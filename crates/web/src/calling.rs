//! The first-day calling list: who is absent with no reason known, and whom to ring.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
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
    let (date, session, closes) = (list.date, list.session, list.closes);
    let other = match session {
        Session::Am => "PM",
        Session::Pm => "AM",
    };
    Ok(page(
        "Calling list",
        Some(&p),
        html! {
            h1 { "Calling list: " (long_date(date)) ", " (session_name(session)) }
            p {
                "Pupils with no mark or " span.code.c-unauthorised { "N" }
                " and no absence reported: contact their parents today, pupils with a social worker or looked after first. "
                a href=(format!("/office/calling-list?date={date}&session={other}")) { "Show the other session" }
            }
            @if list.still_open {
                p.notice role="status" {
                    "The register closes at " (format_time(closes.time()))
                    ": until then pupils without a mark may still be on their way in."
                }
            }
            @if list.to_call.is_empty() {
                p { "Nobody to call: every pupil has a mark with a reason." }
            } @else {
                p { strong { (list.to_call.len()) } " to call." }
                table {
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
                        @for t in &list.to_call {
                            tr {
                                td {
                                    a href=(format!("/pupils/{}", t.pupil.pupil.upn)) { (full_name(&t.pupil.pupil)) }
                                }
                                td { (t.pupil.pupil.form.as_deref().unwrap_or("")) }
                                td {
                                    @match t.code {
                                        Some(_) => span.code.c-unauthorised title="Reason not yet established" { "N" },
                                        None => span.code.c-unmarked title="No mark" { "–" },
                                    }
                                }
                                td { @if !t.vulnerable.is_empty() { span.pill.pa { (t.vulnerable.join(", ")) } } }
                                td {
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
        },
    ))
}
