//! Users, for administrators: the list of users with their roles and reach, and a form to add a
//! user or change one (`App::save_user` checks everything and hashes the password with
//! argon2id). A form with a mistake comes back with the message and what was typed, never
//! the password.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use rollcall_app::access::Permission;
use rollcall_app::cases::users::{UserEntry, UserInput};
use rollcall_app::users::MIN_PASSWORD;
use rollcall_app::Refusal;
use rollcall_core::Role;
use serde::Deserialize;

use crate::common::format::capitalise;
use crate::common::forms::{query_of, url_pairs};
use crate::common::{page, AppState, Principal, RouteRule, WebError};

pub const ACCESS: &[RouteRule] = &[
    RouteRule {
        method: "GET",
        path: "/admin/users",
        permission: Permission::ManageUsers,
    },
    RouteRule {
        method: "POST",
        path: "/admin/users",
        permission: Permission::ManageUsers,
    },
];

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/users", get(list).post(save))
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    /// The user to fill the form with.
    edit: Option<String>,
    /// The user just saved.
    saved: Option<String>,
}

async fn list(State(state): State<AppState>, p: Principal, uri: Uri) -> Result<Markup, WebError> {
    p.require(Permission::ManageUsers)?;
    let q: ListQuery = query_of(&uri)?;
    let actor = p.actor.clone();
    let users = state.run(move |app| app.users(&actor)).await?;
    let form = q
        .edit
        .as_deref()
        .and_then(|name| users.iter().find(|u| u.username.eq_ignore_ascii_case(name)))
        .map(form_of)
        .unwrap_or_default();
    let notice = q.saved.map(|name| format!("Saved the user {name}."));
    Ok(users_page(&p, &users, &form, notice.as_deref(), None))
}

/// The form filled with a user as they are (never their password).
fn form_of(u: &UserEntry) -> UserInput {
    UserInput {
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: u.role.name().to_owned(),
        year_groups: join(u.year_groups.iter().map(ToString::to_string)),
        forms: u.forms.join(", "),
        children: join(u.children.iter().flatten().cloned()),
        contact: u.contact.clone().unwrap_or_default(),
        status: if u.active { "active" } else { "inactive" }.to_owned(),
        password: String::new(),
    }
}

fn join(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

async fn save(
    State(state): State<AppState>,
    p: Principal,
    body: Bytes,
) -> Result<Response, WebError> {
    p.require(Permission::ManageUsers)?;
    let fields: HashMap<String, String> = url_pairs(&body).collect();
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let mut input = UserInput {
        username: field("username").trim().to_owned(),
        display_name: field("display_name").trim().to_owned(),
        role: field("role"),
        year_groups: field("year_groups"),
        forms: field("forms"),
        children: field("children"),
        contact: field("contact"),
        status: field("status"),
        password: field("password"),
    };
    let (actor, saved) = (p.actor.clone(), input.clone());
    match state
        .attempt(move |app| app.save_user(&actor, &saved))
        .await?
    {
        Ok(()) => Ok(Redirect::to(&format!(
            "/admin/users?saved={}",
            input
                .username
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || "._-@".contains(*c))
                .collect::<String>()
        ))
        .into_response()),
        Err(refusal @ Refusal::Invalid(_)) => {
            // The form comes back with what was typed, never the password.
            input.password.clear();
            let actor = p.actor.clone();
            let users = state.run(move |app| app.users(&actor)).await?;
            let page = users_page(&p, &users, &input, None, Some(&refusal.to_string()));
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(refusal) => Err(refusal.into()),
    }
}

fn reach_text(u: &UserEntry) -> String {
    match u.role {
        Role::HeadOfYear => format!(
            "Year {}",
            join(u.year_groups.iter().map(ToString::to_string))
        ),
        Role::FormTutor => format!("Form {}", u.forms.join(", ")),
        Role::Parent => format!(
            "Children: {}",
            join(
                u.children
                    .iter()
                    .map(|c| c.clone().unwrap_or_else(|| "not on roll".into()))
            )
        ),
        Role::Governor => "Figures only".into(),
        _ if u.trust_wide => "Every school".into(),
        _ => "Whole school".into(),
    }
}

fn users_page(
    p: &Principal,
    users: &[UserEntry],
    form: &UserInput,
    notice: Option<&str>,
    error: Option<&str>,
) -> Markup {
    let body = html! {
        h1 { "Users" }
        @if let Some(n) = notice { p.notice role="status" { (n) } }
        table {
            caption { (users.len()) " users. Choose a user name to change that user." }
            thead { tr {
                th scope="col" { "User name" }
                th scope="col" { "Name" }
                th scope="col" { "Role" }
                th scope="col" { "Sees" }
                th scope="col" { "Active" }
            } }
            tbody {
                @for u in users {
                    tr {
                        th scope="row" { a href=(format!("/admin/users?edit={}#user-form", u.username)) { (u.username) } }
                        td { (u.display_name) }
                        td { (u.role.title()) }
                        td { (reach_text(u)) }
                        td { (if u.active { "Yes" } else { "No" }) }
                    }
                }
            }
        }
        h2 #user-form { "Add or change a user" }
        p { "Saving a user name that already exists changes that user, and the user signs in again." }
        @if let Some(e) = error { p.error role="alert" #form-error { (e) } }
        form method="post" action="/admin/users" aria-describedby=[error.map(|_| "form-error")] {
            input type="hidden" name="csrf" value=(p.csrf());
            label for="username" { "User name" }
            input #username name="username" type="text" value=(form.username) autocomplete="off" required maxlength="64";
            label for="display_name" { "Name" }
            input #display_name name="display_name" type="text" value=(form.display_name) autocomplete="off";
            label for="role" { "Role" }
            select #role name="role" required {
                option value="" selected[form.role.is_empty()] { "Choose a role" }
                @for r in Role::ALL {
                    option value=(r.name()) selected[form.role == r.name()] { (capitalise(r.title())) }
                }
            }
            label for="year_groups" { "Year groups (head of year)" }
            input #year_groups name="year_groups" type="text" value=(form.year_groups) aria-describedby="year-groups-hint";
            p #year-groups-hint { small { "For example: 9, 10" } }
            label for="forms" { "Forms (form tutor)" }
            input #forms name="forms" type="text" value=(form.forms) aria-describedby="forms-hint";
            p #forms-hint { small { "For example: 7A, 7B" } }
            label for="children" { "Children's UPNs (parent)" }
            input #children name="children" type="text" value=(form.children) aria-describedby="children-hint";
            p #children-hint { small { "The UPN of each child on the admission register, separated by commas." } }
            label for="contact" { "Contact ID (parent)" }
            input #contact name="contact" type="text" value=(form.contact) aria-describedby="contact-hint";
            p #contact-hint { small { "The parent's own contact ID among the children's contacts: who they are when they report an absence or ask for leave." } }
            label for="status" { "Status" }
            select #status name="status" {
                option value="active" selected[form.status != "inactive"] { "Active: may sign in" }
                option value="inactive" selected[form.status == "inactive"] { "Deactivated: may not sign in" }
            }
            label for="password" { "Password" }
            input #password name="password" type="password" autocomplete="new-password" minlength=(MIN_PASSWORD) aria-describedby="password-hint";
            p #password-hint { small { "At least " (MIN_PASSWORD) " characters, given to the user in person. Leave it empty to keep a user's password; a new user needs one." } }
            p { button type="submit" { "Save user" } }
        }
    };
    page("Users", Some(p), body)
}
