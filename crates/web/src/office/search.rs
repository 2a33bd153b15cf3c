//! The pupil search of the late sign-in and parents' calls pages, and what tells apart two
//! pupils of the same name.

use maud::{html, Markup};
use rollcall_core::Pupil;

use crate::common::format::date_text;

pub(super) fn search_form(action: &str, q: &str, label: &str) -> Markup {
    html! {
        form.search method="get" action=(action) role="search" {
            label for="q" { (label) }
            input #q type="search" name="q" value=(q) size="30" autocomplete="off";
            " "
            button.secondary type="submit" { "Search" }
        }
    }
}

/// "born 3 Mar 2013".
pub(super) fn born(p: &Pupil) -> String {
    format!("born {}", date_text(p.dob))
}

/// The last four characters of the pupil's UPN: "…7038".
pub(super) fn upn_tail(p: &Pupil) -> String {
    let upn = p.upn.as_str();
    let tail = upn.get(upn.len().saturating_sub(4)..).unwrap_or(upn);
    format!("…{tail}")
}

/// A pupil as a list names them, with what tells apart two of the same name: "Smith, Amy · 7A ·
/// born 3 Mar 2013 · UPN …7038".
pub(super) fn who(p: &Pupil) -> String {
    format!(
        "{}, {} · {} · {} · UPN {}",
        p.surname,
        p.forename,
        p.form.as_deref().unwrap_or("no form"),
        born(p),
        upn_tail(p)
    )
}
