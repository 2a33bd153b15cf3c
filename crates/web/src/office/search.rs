//! The pupil search of the late sign-in and parents' calls pages.

use maud::{html, Markup};

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
