//! The page frame every page shares, the stylesheet and the script.

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use maud::{html, Markup, DOCTYPE};
use rollcall_core::Role;

use crate::auth::Principal;

/// A page: title, navigation for the user's role, and the body.
pub fn page(title: &str, user: Option<&Principal>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Rollcall" }
                link rel="stylesheet" href="/static/app.css";
                script src="/static/app.js" defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.bar {
                    a.brand href="/" { "Rollcall" }
                    @if let Some(p) = user {
                        nav aria-label="Main" {
                            @for (href, label) in nav_links(p.role()) {
                                a href=(href) { (label) }
                            }
                        }
                        form.signout method="post" action="/sign-out" {
                            input type="hidden" name="csrf" value=(p.csrf());
                            span.who { (p.user.user.display_name) " (" (p.role().title()) ")" }
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main #main { (body) }
            }
        }
    }
}

fn nav_links(role: Role) -> &'static [(&'static str, &'static str)] {
    match role {
        Role::FormTutor => &[("/registers", "My registers")],
        Role::Office => &[
            ("/office", "Office"),
            ("/office/calling-list", "Calling list"),
            ("/office/late", "Late sign-in"),
            ("/office/calls", "Parent calls"),
            ("/office/not-taken", "Registers not taken"),
            ("/registers", "Registers"),
        ],
        Role::Headteacher => &[
            ("/overview", "Overview"),
            ("/overview/persistent", "Persistent absence"),
            ("/registers", "Registers"),
            ("/office", "Office"),
            ("/governors", "Governors' figures"),
        ],
        Role::AttendanceOfficer => &[
            ("/office/calling-list", "Calling list"),
            ("/overview", "Overview"),
            ("/overview/persistent", "Persistent absence"),
            ("/registers", "Registers"),
            ("/office", "Office"),
        ],
        Role::HeadOfYear => &[
            ("/overview", "Overview"),
            ("/overview/persistent", "Persistent absence"),
            ("/registers", "Registers"),
            ("/office/late", "Late sign-in"),
            ("/office/calls", "Parent calls"),
        ],
        Role::Administrator => &[
            ("/admin/users", "Users"),
            ("/overview", "Overview"),
            ("/governors", "Governors' figures"),
        ],
        Role::Governor => &[("/governors", "Figures")],
        Role::Parent => &[("/children", "My children")],
    }
}

/// A page that only says something (errors, confirmations).
pub fn message_page(status: StatusCode, message: &str) -> Markup {
    page(
        status.canonical_reason().unwrap_or("Rollcall"),
        None,
        html! {
            div.narrow {
                h1 { (status.canonical_reason().unwrap_or("Error")) }
                p { (message) }
                p { a href="/" { "Back to Rollcall" } }
            }
        },
    )
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.css"),
    )
}

pub async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.js"),
    )
}
