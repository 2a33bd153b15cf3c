//! Users, for administrators: the list of users with their roles and reach, and a form to add a
//! user or change one (`rollcall_app::users::save_user` checks everything and hashes the password
//! with argon2id). A form with a mistake comes back with the message and what was typed, never
//! the password.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use rollcall_app::users::{save_user, NewUser, MIN_PASSWORD};
use rollcall_app::AppError;
use rollcall_core::{Role, YearGroup};
use rollcall_store::{PupilId, User};
use serde::Deserialize;

use crate::common::format::capitalise;
use crate::common::forms::url_pairs;
use crate::common::legacy::school_details as school_of;
use crate::common::page;
use crate::common::AppState;
use crate::common::Principal;
use crate::common::RouteRule;
use crate::common::WebError;
use rollcall_app::access::Permission;

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

/// What the form holds (never the password once sent).
#[derive(Debug, Clone, Default)]
struct UserForm {
    username: String,
    display_name: String,
    role: String,
    year_groups: String,
    forms: String,
    children: String,
    /// `inactive` for a user who may no longer sign in; anything else is active.
    status: String,
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    /// The user to fill the form with.
    edit: Option<String>,
    /// The user just saved.
    saved: Option<String>,
}

/// The users of the school (and trust-wide users), with their children's UPNs by pupil id.
async fn load(
    state: &AppState,
    p: &Principal,
) -> Result<(Vec<User>, HashMap<PupilId, String>), WebError> {
    let who = p.clone();
    state
        .with_store(move |store| {
            let school = school_of(store, &who)?;
            let mut users = store.users(Some(school.id))?;
            users.sort_by(|a, b| {
                (a.user.role, a.user.username.to_lowercase())
                    .cmp(&(b.user.role, b.user.username.to_lowercase()))
            });
            let upns = store
                .pupils(school.id)?
                .into_iter()
                .map(|s| (s.id, s.pupil.upn.to_string()))
                .collect::<HashMap<_, _>>();
            Ok((users, upns))
        })
        .await
}

async fn list(State(state): State<AppState>, p: Principal, uri: Uri) -> Result<Markup, WebError> {
    p.require(Permission::ManageUsers)?;
    let q: ListQuery = crate::common::forms::query_of(&uri)?;
    let (users, upns) = load(&state, &p).await?;
    let form = q
        .edit
        .as_deref()
        .and_then(|name| {
            users
                .iter()
                .find(|u| u.user.username.eq_ignore_ascii_case(name))
        })
        .map(|u| form_of(u, &upns))
        .unwrap_or_default();
    let notice = q.saved.map(|name| format!("Saved the user {name}."));
    Ok(users_page(
        &p,
        &users,
        &upns,
        &form,
        notice.as_deref(),
        None,
    ))
}

fn form_of(u: &User, upns: &HashMap<PupilId, String>) -> UserForm {
    let d = &u.user;
    UserForm {
        username: d.username.clone(),
        display_name: d.display_name.clone(),
        role: d.role.name().to_owned(),
        year_groups: join(d.year_groups.iter().map(ToString::to_string)),
        forms: d.forms.join(", "),
        children: join(
            d.children
                .iter()
                .map(|id| upns.get(id).cloned().unwrap_or_else(|| format!("#{id}"))),
        ),
        status: if d.active { "active" } else { "inactive" }.to_owned(),
    }
}

fn join(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

/// Splits a list typed with commas, spaces or semicolons.
fn items(text: &str) -> Vec<String> {
    text.split([',', ';', ' ', '\n', '\t'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

async fn save(
    State(state): State<AppState>,
    p: Principal,
    body: Bytes,
) -> Result<Response, WebError> {
    p.require(Permission::ManageUsers)?;
    let fields: HashMap<String, String> = url_pairs(&body).collect();
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let form = UserForm {
        username: field("username").trim().to_owned(),
        display_name: field("display_name").trim().to_owned(),
        role: field("role"),
        year_groups: field("year_groups"),
        forms: field("forms"),
        children: field("children"),
        status: field("status"),
    };
    let password = field("password");
    let checked = check(&form);
    let outcome = match checked {
        Err(message) => Err(message),
        Ok((role, year_groups)) => {
            let who = p.clone();
            let new = form.clone();
            state
                .with_store(move |store| {
                    let school = school_of(store, &who)?;
                    let inactive = new.status == "inactive";
                    // A school's administrator changes the school's own users: a name taken by
                    // another school's user, or by a trust-wide one, is refused.
                    if let Some(existing) = store.user_by_name(&new.username)? {
                        if existing.user.school != Some(school.id) {
                            return Ok(Err(format!(
                                "the user name {} is taken by a user of another school or of the whole trust: choose another",
                                new.username
                            )));
                        }
                        if Some(existing.id) == who.actor.user && (inactive || role != Some(Role::Administrator)) {
                            return Ok(Err(
                                "you cannot deactivate your own account or take away your own administrator role: ask another administrator".into(),
                            ));
                        }
                    }
                    let user = NewUser {
                        username: new.username.clone(),
                        display_name: new.display_name.clone(),
                        role,
                        school: Some(school.id),
                        year_groups,
                        forms: items(&new.forms),
                        children: items(&new.children),
                        password,
                        inactive,
                    };
                    match save_user(store, &user) {
                        Ok(_) => Ok(Ok(())),
                        Err(e @ (AppError::Usage(_) | AppError::Input(_))) => {
                            Ok(Err(e.to_string()))
                        }
                        Err(e) => Err(WebError::from(e)),
                    }
                })
                .await?
        }
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!(
            "/admin/users?saved={}",
            form.username
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || "._-@".contains(*c))
                .collect::<String>()
        ))
        .into_response()),
        Err(message) => {
            let (users, upns) = load(&state, &p).await?;
            let page = users_page(&p, &users, &upns, &form, None, Some(&message));
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
    }
}

/// The role and year groups as typed, or what is wrong with them; `save_user` checks the rest.
fn check(form: &UserForm) -> Result<(Option<Role>, Vec<YearGroup>), String> {
    let role = match form.role.trim() {
        "" => None,
        r => Some(r.parse::<Role>()?),
    };
    let year_groups = items(&form.year_groups)
        .iter()
        .map(|y| {
            y.parse::<YearGroup>()
                .map_err(|_| format!("'{y}' is not a year group: use R, 1 to 14, N1 or N2"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((role, year_groups))
}

fn reach_text(u: &User, upns: &HashMap<PupilId, String>) -> String {
    let d = &u.user;
    match d.role {
        Role::HeadOfYear => format!(
            "Year {}",
            join(d.year_groups.iter().map(ToString::to_string))
        ),
        Role::FormTutor => format!("Form {}", d.forms.join(", ")),
        Role::Parent => format!(
            "Children: {}",
            join(d.children.iter().map(|id| {
                upns.get(id)
                    .cloned()
                    .unwrap_or_else(|| "not on roll".into())
            }))
        ),
        Role::Governor => "Figures only".into(),
        _ if d.school.is_none() => "Every school".into(),
        _ => "Whole school".into(),
    }
}

fn users_page(
    p: &Principal,
    users: &[User],
    upns: &HashMap<PupilId, String>,
    form: &UserForm,
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
                        th scope="row" { a href=(format!("/admin/users?edit={}#user-form", u.user.username)) { (u.user.username) } }
                        td { (u.user.display_name) }
                        td { (u.user.role.title()) }
                        td { (reach_text(u, upns)) }
                        td { (if u.user.active { "Yes" } else { "No" }) }
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
