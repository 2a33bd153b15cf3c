//! What the register form carries: each pupil's line, the messages shown with it, and a
//! submission as the browser sent it.

use std::collections::{BTreeMap, HashMap};

use rollcall_app::registers::{self as uc, present_code, MarkInput, Register, RegisterSubmission};
use rollcall_app::Refusal;
use rollcall_core::calendar::format_time;
use rollcall_core::BaseCode;

// ---- The register page ----

/// What one pupil's line of the form holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Line {
    pub(super) code: String,
    pub(super) arrival: String,
    pub(super) was: String,
}

/// The register form as it is to be shown: the version it is built on and each pupil's line.
#[derive(Debug, Clone, Default)]
pub(super) struct FormState {
    pub(super) version: String,
    pub(super) reason: String,
    pub(super) lines: HashMap<String, Line>,
}

pub(super) fn line_of(reg: &Register, row: &uc::RegisterRow) -> Line {
    match &row.mark {
        Some(m) => Line {
            code: m.entry.code.text().to_owned(),
            arrival: match m.entry.code.base() {
                BaseCode::L | BaseCode::U => reg
                    .arrival_time(&m.entry)
                    .map(format_time)
                    .unwrap_or_default(),
                _ => String::new(),
            },
            was: m.entry.code.text().to_owned(),
        },
        None => Line::default(),
    }
}

impl FormState {
    pub(super) fn of(reg: &Register) -> FormState {
        FormState {
            version: reg.version.clone(),
            reason: String::new(),
            lines: reg
                .rows
                .iter()
                .map(|r| (r.pupil.upn.to_string(), line_of(reg, r)))
                .collect(),
        }
    }

    pub(super) fn of_submission(sub: &RegisterSubmission) -> FormState {
        FormState {
            version: sub.version.clone(),
            reason: sub.reason.clone(),
            lines: sub
                .marks
                .iter()
                .map(|m| {
                    (
                        m.upn.trim().to_owned(),
                        Line {
                            code: m.code.clone(),
                            arrival: m.arrival.clone(),
                            was: m.was.clone().unwrap_or_default(),
                        },
                    )
                })
                .collect(),
        }
    }

    /// After a conflict: the register as it now stands, with the lines the user changed kept.
    pub(super) fn merged(reg: &Register, sub: &RegisterSubmission) -> FormState {
        let mut state = FormState::of(reg);
        state.reason = sub.reason.clone();
        for m in &sub.marks {
            let upn = m.upn.trim();
            let Some(line) = state.lines.get_mut(upn) else {
                continue;
            };
            let was = m.was.as_deref().unwrap_or("").trim();
            let changed_by_user =
                m.code.trim() != was || (!m.arrival.trim().is_empty() && was != "L" && was != "U");
            if changed_by_user {
                line.code = m.code.clone();
                line.arrival = m.arrival.clone();
            }
        }
        state
    }

    /// Sets every unmarked line without a choice to present.
    pub(super) fn all_present(&mut self, reg: &Register) {
        let present = present_code(reg.session).symbol();
        for row in reg.rows.iter().filter(|r| r.mark.is_none()) {
            let line = self.lines.entry(row.pupil.upn.to_string()).or_default();
            if line.code.trim().is_empty() && line.arrival.trim().is_empty() {
                line.code = present.to_owned();
            }
        }
    }
}

/// Messages shown with the form.
#[derive(Debug, Clone, Default)]
pub(super) struct Messages {
    pub(super) notice: Option<String>,
    pub(super) error: Option<String>,
    /// Problems by UPN.
    pub(super) rows: HashMap<String, Vec<String>>,
}

impl Messages {
    pub(super) fn from_problems(e: &Refusal) -> Messages {
        let mut m = Messages {
            error: Some(
                "Nothing was saved. Put right what is marked below and save again.".to_owned(),
            ),
            ..Messages::default()
        };
        let mut general = Vec::new();
        for p in e.problems() {
            match &p.upn {
                Some(upn) => m
                    .rows
                    .entry(upn.to_string())
                    .or_default()
                    .push(p.message.clone()),
                None => general.push(p.message.clone()),
            }
        }
        if !general.is_empty() {
            m.error = Some(format!("Nothing was saved: {}", general.join("; ")));
        }
        m
    }
}

/// The options of a register's code list: common codes first, then the rest by category.
/// Reads the submitted register form.
pub(super) fn submission(body: &[u8]) -> (RegisterSubmission, String) {
    let mut sub = RegisterSubmission::default();
    let mut action = String::new();
    let mut lines: BTreeMap<String, MarkInput> = BTreeMap::new();
    pub(super) fn line<'a>(
        lines: &'a mut BTreeMap<String, MarkInput>,
        upn: &str,
    ) -> &'a mut MarkInput {
        lines.entry(upn.to_owned()).or_insert_with(|| MarkInput {
            upn: upn.to_owned(),
            ..MarkInput::default()
        })
    }
    for (k, v) in crate::common::forms::url_pairs(body) {
        if let Some(upn) = k.strip_prefix("mark-") {
            line(&mut lines, upn).code = v;
        } else if let Some(upn) = k.strip_prefix("arrival-") {
            line(&mut lines, upn).arrival = v;
        } else if let Some(upn) = k.strip_prefix("was-") {
            line(&mut lines, upn).was = Some(v);
        } else {
            match k.as_str() {
                "version" => sub.version = v,
                "reason" => sub.reason = v,
                "action" => action = v,
                _ => {}
            }
        }
    }
    sub.marks = lines.into_values().collect();
    (sub, action)
}
