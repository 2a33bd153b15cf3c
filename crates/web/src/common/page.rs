//! A page for a signed-in user: the frame with the navigation of their role.

use axum::http::StatusCode;
use maud::{html, Markup};
use rollcall_core::Role;

use super::layout::frame;
use super::session::Principal;

/// A page: title, navigation for the user's role, and the body.
pub fn page(title: &str, user: Option<&Principal>, body: Markup) -> Markup {
    let bar = user.map(|p| {
        html! {
            nav aria-label="Main" {
                @for (href, label) in nav_links(p.role()) {
                    a href=(href) { (label) }
                }
            }
            form.signout method="post" action="/sign-out" {
                input type="hidden" name="csrf" value=(p.csrf());
                span.who { (p.actor.name) " (" (p.role().title()) ")" }
                button type="submit" { "Sign out" }
            }
        }
    });
    frame(title, bar, body)
}

/// A page that only says something (an error, a refusal): in the frame with the navigation and
/// the sign-out button when someone is signed in, so that a refusal is never a dead end.
pub fn message_page(status: StatusCode, message: &str, user: Option<&Principal>) -> Markup {
    let title = status.canonical_reason().unwrap_or("Rollcall");
    page(
        title,
        user,
        html! {
            div.narrow {
                h1 { (title) }
                p { (message) }
                p {
                    a href="/" {
                        @if user.is_some() { "Back to your start page" } @else { "Back to Rollcall" }
                    }
                }
            }
        },
    )
}

fn nav_links(role: Role) -> &'static [(&'static str, &'static str)] {
    match role {
        Role::FormTutor => &[
            ("/registers", "My registers"),
            ("/rewards", "Rewards"),
            ("/pupils/search", "Find a pupil"),
        ],
        Role::Office => &[
            ("/office", "Office"),
            ("/office/calling-list", "Calling list"),
            ("/office/late", "Late sign-in"),
            ("/office/calls", "Parent calls"),
            ("/office/reports", "Parents' reports"),
            ("/leave", "Leave"),
            ("/office/out", "Out of school"),
            ("/office/missing", "Missing pupils"),
            ("/office/contacts", "Contacts"),
            ("/office/not-taken", "Registers not taken"),
            ("/registers", "Registers"),
            ("/pupils/search", "Find a pupil"),
        ],
        Role::Headteacher => &[
            ("/overview", "Overview"),
            ("/alerts", "Alerts"),
            ("/cases", "Cases"),
            ("/overview/persistent", "Persistent absence"),
            ("/leave", "Leave"),
            ("/notices", "Notices"),
            ("/registers", "Registers"),
            ("/office", "Office"),
            ("/office/missing", "Missing pupils"),
            ("/safeguarding", "Safeguarding"),
            ("/governors", "Governors' figures"),
            ("/rewards", "Rewards"),
            ("/pupils/search", "Find a pupil"),
        ],
        Role::AttendanceOfficer => &[
            ("/alerts", "Alerts"),
            ("/cases", "Cases"),
            ("/cases/due", "My list"),
            ("/office/calling-list", "Calling list"),
            ("/office/reports", "Parents' reports"),
            ("/leave", "Leave"),
            ("/notices", "Notices"),
            ("/safeguarding", "Safeguarding"),
            ("/overview", "Overview"),
            ("/overview/persistent", "Persistent absence"),
            ("/registers", "Registers"),
            ("/office", "Office"),
            ("/pupils/search", "Find a pupil"),
            ("/office/missing", "Missing pupils"),
            ("/office/contacts", "Contacts"),
            ("/rewards", "Rewards"),
        ],
        Role::HeadOfYear => &[
            ("/overview", "Overview"),
            ("/alerts", "Alerts"),
            ("/cases", "Cases"),
            ("/overview/persistent", "Persistent absence"),
            ("/registers", "Registers"),
            ("/office/late", "Late sign-in"),
            ("/office/calls", "Parent calls"),
            ("/office/reports", "Parents' reports"),
            ("/pupils/search", "Find a pupil"),
            ("/office/out", "Out of school"),
            ("/office/missing", "Missing pupils"),
            ("/office/contacts", "Contacts"),
            ("/rewards", "Rewards"),
        ],
        Role::Administrator => &[
            ("/admin/users", "Users"),
            ("/overview", "Overview"),
            ("/governors", "Governors' figures"),
            ("/pupils/search", "Find a pupil"),
        ],
        Role::SafeguardingLead => &[
            ("/safeguarding", "Safeguarding"),
            ("/cases", "Cases"),
            ("/office/missing", "Missing pupils"),
            ("/office/calling-list", "Calling list"),
            ("/office/calls", "Parent calls"),
            ("/pupils/search", "Find a pupil"),
            ("/office/out", "Out of school"),
            ("/office/contacts", "Contacts"),
        ],
        Role::Governor => &[("/governors", "Figures")],
        Role::Parent => &[
            ("/children", "My children"),
            ("/children/report", "Report an absence"),
            ("/children/leave", "Ask for leave"),
            ("/children/updates", "Reports and leave"),
            ("/children/details", "My details"),
        ],
    }
}
