//! The first-day calling list: who is absent with no reason known, and whom to ring.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use rollcall_app::calling::calling_list;
use rollcall_app::registers::{full_name, register_times};
use rollcall_core::calendar::format_time;
use rollcall_core::{parse_date, Session};

use crate::common::format::*;
use crate::common::legacy::{register_error, school_of};
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
    let now = state.settings().clock.now();
    let date = match query.get("date").filter(|d| !d.is_empty()) {
        Some(d) => parse_date(d).ok_or_else(|| {
            WebError::BadRequest(format!("'{d}' is not a date; expected YYYY-MM-DD"))
        })?,
        None => now.date(),
    };
    let session = match query.get("session").map(String::as_str) {
        None | Some("") | Some("AM") => Session::Am,
        Some("PM") => Session::Pm,
        Some(other) => {
            return Err(WebError::BadRequest(format!(
                "'{other}' is not a session; expected AM or PM"
            )))
        }
    };
    let who = p.clone();
    let (list, closes) = state
        .with_store(move |store| {
            let school = school_of(&who, store)?;
            let times = register_times(store, school).map_err(register_error)?;
            let reach = |id, pupil: &rollcall_core::Pupil| who.reaches(id, pupil);
            let list = calling_list(store, school, date, session, &reach)?;
            Ok((list, date.and_time(times.closes(session))))
        })
        .await?;
    let open = now < closes;
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
            @if open {
                p.notice role="status" {
                    "The register closes at " (format_time(closes.time()))
                    ": until then pupils without a mark may still be on their way in."
                }
            }
            @if list.is_empty() {
                p { "Nobody to call: every pupil has a mark with a reason." }
            } @else {
                p { strong { (list.len()) } " to call." }
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
                        @for t in &list {
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
                                            (c.name) " (" (c.relationship) ")"
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
