//! The marks file (CSV).

use rollcall_core::codes::CodeWarning;
use rollcall_core::{Code, Date, Session, Upn};

use super::csv_file::{Column, CsvFile};
use super::parse_date_field;
use crate::error::InputError;

pub const COLUMNS: &[Column] = &[
    Column::Required("upn"),
    Column::Required("date"),
    Column::Required("session"),
    Column::Required("code"),
    Column::Optional("minutes_late"),
    Column::Optional("reason"),
];

/// A row of a marks file, read but not yet checked against the register.
#[derive(Debug, Clone)]
pub struct MarkRow {
    pub line: usize,
    pub upn: Upn,
    pub date: Date,
    pub session: Session,
    pub code: Code,
    pub minutes_late: Option<u32>,
    pub reason: Option<String>,
}

pub struct MarksFile {
    pub rows: Vec<MarkRow>,
    pub warnings: Vec<InputError>,
}

pub fn read_marks(
    name: &str,
    source: Box<dyn std::io::Read>,
) -> Result<MarksFile, Vec<InputError>> {
    let mut file = CsvFile::new(name, source, COLUMNS).map_err(|e| vec![e])?;
    let [upn_c, date_c, session_c, code_c, minutes_c, reason_c] =
        ["upn", "date", "session", "code", "minutes_late", "reason"].map(|n| file.column(n));
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    loop {
        match file.next_record() {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                errors.push(e);
                break;
            }
        }
        if file.is_blank() {
            continue;
        }
        let f = &file;
        let before = errors.len();
        fn take<'r>(errors: &mut Vec<InputError>, r: Result<&'r str, InputError>) -> &'r str {
            r.unwrap_or_else(|e| {
                errors.push(e);
                ""
            })
        }
        let upn_t = take(&mut errors, f.get(upn_c, "upn"));
        let date_t = take(&mut errors, f.get(date_c, "date"));
        let session_t = take(&mut errors, f.get(session_c, "session"));
        let code_t = take(&mut errors, f.get(code_c, "code"));
        let minutes_t = take(&mut errors, f.get(minutes_c, "minutes_late"));
        let reason_t = take(&mut errors, f.get(reason_c, "reason"));
        let upn = Upn::parse(upn_t)
            .map_err(|e| errors.push(f.error("upn", e.to_string())))
            .ok();
        let date = parse_date_field(date_t)
            .map_err(|m| errors.push(f.error("date", m)))
            .ok();
        let session = session_t
            .parse::<Session>()
            .map_err(|()| {
                errors.push(f.error(
                    "session",
                    format!("'{session_t}' is not a session; expected AM or PM"),
                ))
            })
            .ok();
        let code = date.and_then(|date| match Code::parse(code_t, date) {
            Ok((code, warning)) => {
                if let Some(w @ CodeWarning::IntroducedLater { .. }) = warning {
                    warnings.push(f.error("code", w.to_string()));
                }
                Some(code)
            }
            Err(e) => {
                errors.push(f.error("code", e.to_string()));
                None
            }
        });
        let minutes_late = if minutes_t.is_empty() {
            Some(None)
        } else {
            match minutes_t.parse::<u32>() {
                Ok(m) if m <= 24 * 60 => Some(Some(m)),
                _ => {
                    errors.push(f.error("minutes_late", format!("'{minutes_t}' is not a number of minutes; expected a whole number from 0")));
                    None
                }
            }
        };
        let late_code = code.as_ref().is_some_and(|c| {
            matches!(
                c.base(),
                rollcall_core::BaseCode::L | rollcall_core::BaseCode::U
            )
        });
        let minutes_late = match (minutes_late, &code) {
            // Minutes late belong to L and U; a 0 on any other mark is no lateness.
            (Some(Some(0)), Some(_)) if !late_code => Some(None),
            (Some(Some(m)), Some(c)) if !late_code => {
                errors.push(f.error(
                    "minutes_late",
                    format!(
                        "{m} minutes late given for code '{c}'; minutes late are only for L and U"
                    ),
                ));
                None
            }
            (m, _) => m,
        };
        if errors.len() == before {
            if let (Some(upn), Some(date), Some(session), Some(code), Some(minutes_late)) =
                (upn, date, session, code, minutes_late)
            {
                rows.push(MarkRow {
                    line: f.line(),
                    upn,
                    date,
                    session,
                    code,
                    minutes_late,
                    reason: (!reason_t.is_empty()).then(|| reason_t.to_owned()),
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(MarksFile { rows, warnings })
    } else {
        Err(errors)
    }
}
