//! Open missing-pupil alerts, shown prominently wherever the office, senior staff and the
//! designated safeguarding lead work: the same banner on the office's desk and the school-day
//! pages.

use maud::{html, Markup};
use rollcall_app::cases::day::MissingAlertView;
use rollcall_core::calendar::format_time;
use rollcall_core::dates::school_time;

use super::format::full_name;

/// The path of an alert's checklist.
pub fn alert_path(id: i64) -> String {
    format!("/office/missing/{id}")
}

/// A banner of the open alerts; nothing when there are none.
pub fn missing_banner(open: &[MissingAlertView]) -> Markup {
    html! {
        @if !open.is_empty() {
            section.alarm role="alert" aria-label="Missing pupils" {
                h2 {
                    @if open.len() == 1 { "A pupil is missing" }
                    @else { (open.len()) " pupils are missing" }
                }
                ul {
                    @for a in open {
                        @let done = a.checklist.iter().filter(|i| !i.done.is_empty()).count();
                        li {
                            strong { (full_name(&a.pupil.pupil)) }
                            " (" (a.pupil.pupil.form.as_deref().unwrap_or("no form")) ")"
                            ", missing since " (format_time(school_time(a.report.noticed_at).time()))
                            ", last seen: " (a.report.last_seen) ". "
                            (done) " of " (a.checklist.len()) " steps recorded. "
                            a href=(alert_path(a.id)) { "Open the search checklist" }
                        }
                    }
                }
            }
        }
    }
}
