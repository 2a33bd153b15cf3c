//! Links and figures in words, shared by the figure pages.

use rollcall_core::{Percent, YearGroup};

use crate::common::format::*;
/// A link with a query string.
pub(super) fn link(path: &str, pairs: &[(&str, &str)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", segment(v)))
        .collect();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// "12 (8.33%)": a count of pupils with its rate.
pub(super) fn count_and_rate(n: u32, rate: Option<Percent>) -> String {
    match rate {
        Some(r) => format!("{n} ({r}%)"),
        None => n.to_string(),
    }
}

/// "You see year 9 only." for a head of year.
pub(super) fn reach_note(limited_to: Option<&[YearGroup]>) -> Option<String> {
    limited_to.map(|g| {
        format!(
            "You see year {} only.",
            g.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" and ")
        )
    })
}
