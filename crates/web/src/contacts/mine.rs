//! `GET` and `POST /children/details`: a parent's own phone number, e-mail and address as the
//! school holds them, a change proposed to the school office (never made unseen), and what became
//! of each change proposed. Only the parent's own entry: never another contact's.

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use rollcall_app::access::Permission;
use rollcall_app::cases::contacts::{DetailsInput, MyDetails};
use rollcall_app::records::ProposalStatus;
use rollcall_app::Refusal;
use rollcall_core::dates::school_time;

use crate::common::{page, AppState, Principal, WebError};

pub(super) async fn details_page(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Markup, WebError> {
    p.require(Permission::OwnDetails)?;
    let actor = p.actor.clone();
    let mine = state.run(move |app| app.my_details(&actor)).await?;
    Ok(details_markup(&p, &mine, None, None, None))
}

fn value(v: Option<&str>) -> Markup {
    html! { @if let Some(v) = v { (v) } @else { em { "none" } } }
}

fn details_markup(
    p: &Principal,
    mine: &MyDetails,
    form: Option<&DetailsInput>,
    notice: Option<&str>,
    error: Option<&Refusal>,
) -> Markup {
    let body = html! {
        p { a href="/children" { "← My children" } }
        h1 { "My details" }
        @if let Some(n) = notice { p.notice role="status" { (n) } }
        @if let Some(e) = error {
            div.error role="alert" {
                p { strong { "Please check the form:" } }
                @for pr in e.problems() { p { (pr.message) } }
                @if e.problems().is_empty() { p { (e) } }
            }
        }
        @match &mine.me {
            None => {
                p {
                    "Your account is not yet linked to your details at the school. Please ask the "
                    "school office to link it; until then, tell the office of any change."
                }
            }
            Some(me) => {
                p { "The school holds these details for you, " (me.name()) ":" }
                dl.recorded #held {
                    dt { "Phone" } dd #held-phone { (value(me.phone.as_deref())) }
                    dt { "E-mail" } dd #held-email { (value(me.email.as_deref())) }
                    dt { "Postal address" } dd #held-address { (value(me.address.as_deref())) }
                }
                h2 #change { "Tell the school of a change" }
                p { "The school office checks each change before it is made. For anyone else's details, please contact the office." }
                @let phone = form.map_or_else(|| me.phone.clone().unwrap_or_default(), |f| f.phone.clone());
                @let email = form.map_or_else(|| me.email.clone().unwrap_or_default(), |f| f.email.clone());
                @let address = form.map_or_else(|| me.address.clone().unwrap_or_default(), |f| f.address.clone());
                form method="post" action="/children/details" {
                    input type="hidden" name="csrf" value=(p.csrf());
                    label for="phone" { "Phone" }
                    input #phone type="tel" name="phone" value=(phone) required autocomplete="tel";
                    label for="email" { "E-mail (optional)" }
                    input #email type="email" name="email" value=(email) autocomplete="email" size="40";
                    label for="address" { "Postal address (optional)" }
                    textarea #address name="address" rows="3" cols="40" autocomplete="street-address" { (address) }
                    p { button #send-details type="submit" { "Send to the school" } }
                }
            }
        }
        @if !mine.proposals.is_empty() {
            h2 #proposals { "Changes you have sent" }
            ul #proposal-list {
                @for s in &mine.proposals {
                    li data-status=(s.status().as_str()) {
                        (school_time(s.proposal.proposed.at).format("%-d %b %Y %H:%M")) ": "
                        @for (i, (detail, change)) in s.proposal.changes().iter().enumerate() {
                            @if i > 0 { "; " }
                            (detail.label()) " to " (value(change.to.as_deref()))
                        }
                        ". "
                        @match (s.status(), &s.decision) {
                            (ProposalStatus::Accepted, _) => strong { "Made by the school." },
                            (ProposalStatus::Rejected, Some(d)) => {
                                strong { "Not made: " } (d.reason)
                            },
                            _ => strong { "Waiting for the school office." },
                        }
                    }
                }
            }
        }
    };
    page("My details", Some(p), body)
}

pub(super) async fn propose(
    State(state): State<AppState>,
    p: Principal,
    Form(form): Form<DetailsInput>,
) -> Result<Response, WebError> {
    p.require(Permission::OwnDetails)?;
    let actor = p.actor.clone();
    let input = form.clone();
    let attempt = state
        .attempt(move |app| app.propose_details(&actor, &input))
        .await?;
    match attempt {
        Ok((_, mine)) => Ok(details_markup(
            &p,
            &mine,
            None,
            Some("Sent: the school office will check your change before it is made."),
            None,
        )
        .into_response()),
        Err(e @ Refusal::Invalid(_)) => {
            let actor = p.actor.clone();
            let mine = state.run(move |app| app.my_details(&actor)).await?;
            Ok((
                StatusCode::BAD_REQUEST,
                details_markup(&p, &mine, Some(&form), None, Some(&e)),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}
