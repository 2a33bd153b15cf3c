//! A page for a signed-in user: the frame with the navigation of their role.

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

fn nav_links(role: Role) -> &'static [(&'static str, &'static str)] {
    match role {
        Role::FormTutor => &[("/registers", "My registers")],
        Role::Office => &[
            ("/office", "Office"),
            ("/office/calling-list", "Calling list"),
            ("/office/late", "Late sign-in"),
            ("/office/calls", "Parent calls"),
            ("/office/out", "Out of school"),
            ("/office/missing", "Missing pupils"),
            ("/office/not-taken", "Registers not taken"),
            ("/registers", "Registers"),
        ],
        Role::Headteacher => &[
            ("/overview", "Overview"),
            ("/overview/persistent", "Persistent absence"),
            ("/registers", "Registers"),
            ("/office", "Office"),
            ("/office/missing", "Missing pupils"),
            ("/governors", "Governors' figures"),
        ],
        Role::AttendanceOfficer => &[
            ("/office/calling-list", "Calling list"),
            ("/overview", "Overview"),
            ("/overview/persistent", "Persistent absence"),
            ("/registers", "Registers"),
            ("/office", "Office"),
            ("/office/missing", "Missing pupils"),
        ],
        Role::HeadOfYear => &[
            ("/overview", "Overview"),
            ("/overview/persistent", "Persistent absence"),
            ("/registers", "Registers"),
            ("/office/late", "Late sign-in"),
            ("/office/calls", "Parent calls"),
            ("/office/out", "Out of school"),
            ("/office/missing", "Missing pupils"),
        ],
        Role::Administrator => &[
            ("/admin/users", "Users"),
            ("/overview", "Overview"),
            ("/governors", "Governors' figures"),
        ],
        Role::SafeguardingLead => &[
            ("/office/missing", "Missing pupils"),
            ("/office/calling-list", "Calling list"),
            ("/office/calls", "Parent calls"),
            ("/office/out", "Out of school"),
        ],
        Role::Governor => &[("/governors", "Figures")],
        Role::Parent => &[("/children", "My children")],
    }
}
