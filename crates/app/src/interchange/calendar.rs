//! The calendar file (TOML): the school, its register times, half terms and closures.

use chrono::NaiveTime;
use rollcall_core::{
    parse_date, Calendar, CalendarError, Closure, Date, HalfTerm, RegisterTimes, SessionSet,
    YearGroup,
};
use rollcall_store::SchoolDetails;
use serde::Deserialize;
use toml::{Spanned, Value};

use crate::error::InputError;

/// What a calendar file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarFile {
    pub school: SchoolDetails,
    pub registers: RegisterTimes,
    pub calendar: Calendar,
}

type Field = Option<Spanned<Value>>;

#[derive(Deserialize)]
struct Raw {
    school: Option<Spanned<RawSchool>>,
    registers: Option<Spanned<RawRegisters>>,
    #[serde(default)]
    half_terms: Vec<Spanned<RawHalfTerm>>,
    #[serde(default)]
    closures: Vec<Spanned<RawClosure>>,
}

#[derive(Deserialize)]
struct RawSchool {
    name: Field,
    urn: Field,
    la: Field,
    estab: Field,
}

#[derive(Deserialize)]
struct RawRegisters {
    am_opens: Field,
    am_closes: Field,
    pm_opens: Field,
    pm_closes: Field,
}

#[derive(Deserialize)]
struct RawHalfTerm {
    name: Field,
    start: Field,
    end: Field,
}

#[derive(Deserialize)]
struct RawClosure {
    start: Field,
    end: Field,
    sessions: Field,
    reason: Field,
    year_groups: Field,
}

/// Reads a calendar file's text; `file` names it in messages.
pub fn parse_calendar(file: &str, text: &str) -> Result<CalendarFile, Vec<InputError>> {
    let p = Parser { file, text };
    let raw: Raw = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| p.line_of(s.start));
        vec![InputError::new(
            file,
            line,
            None,
            format!("malformed TOML: {}", e.message()),
        )]
    })?;
    let mut errors = Vec::new();
    macro_rules! check {
        ($e:expr) => {
            match $e {
                Ok(v) => Some(v),
                Err(e) => {
                    errors.push(e);
                    None
                }
            }
        };
    }

    let school = match &raw.school {
        None => {
            errors.push(InputError::new(
                file,
                None,
                Some("school"),
                "the file has no [school] table; expected [school] with at least name = \"…\"",
            ));
            None
        }
        Some(s) => {
            let line = p.line_of(s.span().start);
            let s = s.get_ref();
            let name = check!(p.required_text(&s.name, "school.name", line));
            let urn = check!(p.optional_id(&s.urn, "school.urn"));
            let la = check!(p.optional_id(&s.la, "school.la"));
            let estab = check!(p.optional_id(&s.estab, "school.estab"));
            match (name, urn, la, estab) {
                (Some(name), Some(urn), Some(la), Some(estab)) => Some(SchoolDetails {
                    name,
                    urn,
                    la,
                    estab,
                }),
                _ => None,
            }
        }
    };

    let registers = match &raw.registers {
        None => {
            errors.push(InputError::new(
                file,
                None,
                Some("registers"),
                "the file has no [registers] table; expected am_opens, am_closes, pm_opens and pm_closes as \"HH:MM\"",
            ));
            None
        }
        Some(r) => {
            let line = p.line_of(r.span().start);
            let r = r.get_ref();
            let times = [
                check!(p.time(&r.am_opens, "registers.am_opens", line)),
                check!(p.time(&r.am_closes, "registers.am_closes", line)),
                check!(p.time(&r.pm_opens, "registers.pm_opens", line)),
                check!(p.time(&r.pm_closes, "registers.pm_closes", line)),
            ];
            match times {
                [Some(a), Some(b), Some(c), Some(d)] => match RegisterTimes::new(a, b, c, d) {
                    Ok(t) => Some(t),
                    Err(e) => {
                        let (field, at) = match &e {
                            CalendarError::RegisterTooLong { session, .. }
                            | CalendarError::RegisterCloses { session, .. } => {
                                let (name, f) = if *session == rollcall_core::Session::Am {
                                    ("registers.am_closes", &r.am_closes)
                                } else {
                                    ("registers.pm_closes", &r.pm_closes)
                                };
                                (name, p.line_of_field(f, line))
                            }
                            _ => ("registers.pm_opens", p.line_of_field(&r.pm_opens, line)),
                        };
                        errors.push(InputError::new(file, Some(at), Some(field), e.to_string()));
                        None
                    }
                },
                _ => None,
            }
        }
    };

    let mut half_terms = Vec::new();
    for (i, h) in raw.half_terms.iter().enumerate() {
        let line = p.line_of(h.span().start);
        let h = h.get_ref();
        let name = check!(p.required_text(&h.name, "half_terms.name", line));
        let start = check!(p.date(&h.start, "half_terms.start", line));
        let end = check!(p.date(&h.end, "half_terms.end", line));
        if let (Some(name), Some(start), Some(end)) = (name, start, end) {
            if end < start {
                errors.push(p.error(
                    &h.end,
                    line,
                    "half_terms.end",
                    format!("half term '{name}' ends on {end}, before it starts on {start}"),
                ));
            } else {
                half_terms.push((i, line, HalfTerm { name, start, end }));
            }
        }
    }
    let mut sorted: Vec<_> = half_terms.iter().collect();
    sorted.sort_by_key(|(_, _, h)| h.start);
    for w in sorted.windows(2) {
        if w[1].2.start <= w[0].2.end {
            errors.push(InputError::new(
                file,
                Some(w[1].1),
                Some("half_terms.start"),
                format!("half term '{}' starts on {}, before '{}' ends on {}; half terms must not overlap", w[1].2.name, w[1].2.start, w[0].2.name, w[0].2.end),
            ));
        }
    }

    let mut closures = Vec::new();
    for c in &raw.closures {
        let line = p.line_of(c.span().start);
        let c = c.get_ref();
        let start = check!(p.date(&c.start, "closures.start", line));
        let end = check!(p.date(&c.end, "closures.end", line));
        let sessions = match &c.sessions {
            None => Some(SessionSet::Both),
            Some(v) => match v.get_ref().as_str().and_then(SessionSet::parse) {
                Some(s) => Some(s),
                None => {
                    errors.push(p.error(
                        &c.sessions,
                        line,
                        "closures.sessions",
                        format!(
                            "{} is not a set of sessions; expected \"am\", \"pm\" or \"both\"",
                            v.get_ref()
                        ),
                    ));
                    None
                }
            },
        };
        let reason = match &c.reason {
            None => Some(String::new()),
            Some(_) => check!(p.required_text(&c.reason, "closures.reason", line)),
        };
        let year_groups = check!(p.year_groups(&c.year_groups, line));
        if let (Some(start), Some(end), Some(sessions), Some(reason), Some(year_groups)) =
            (start, end, sessions, reason, year_groups)
        {
            if end < start {
                errors.push(p.error(
                    &c.end,
                    line,
                    "closures.end",
                    format!("the closure ends on {end}, before it starts on {start}"),
                ));
            } else {
                let reason = if reason.is_empty() {
                    "closed".to_owned()
                } else {
                    reason
                };
                closures.push(Closure {
                    start,
                    end,
                    sessions,
                    reason,
                    year_groups,
                });
            }
        }
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    let (Some(school), Some(registers)) = (school, registers) else {
        return Err(errors);
    };
    let calendar = Calendar::new(
        half_terms.into_iter().map(|(_, _, h)| h).collect(),
        closures,
    )
    .map_err(|e| vec![InputError::new(file, None, None, e.to_string())])?;
    Ok(CalendarFile {
        school,
        registers,
        calendar,
    })
}

struct Parser<'a> {
    file: &'a str,
    text: &'a str,
}

impl Parser<'_> {
    fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn line_of_field(&self, field: &Field, fallback: usize) -> usize {
        field
            .as_ref()
            .map_or(fallback, |f| self.line_of(f.span().start))
    }

    fn error(&self, field: &Field, fallback: usize, name: &str, message: String) -> InputError {
        InputError::new(
            self.file,
            Some(self.line_of_field(field, fallback)),
            Some(name),
            message,
        )
    }

    fn required_text(&self, field: &Field, name: &str, line: usize) -> Result<String, InputError> {
        match field.as_ref().map(|f| f.get_ref()) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
            Some(other) => Err(self.error(
                field,
                line,
                name,
                format!("{other} is not a name; expected non-empty text in quotes"),
            )),
            None => Err(InputError::new(
                self.file,
                Some(line),
                Some(name),
                "missing; expected text in quotes",
            )),
        }
    }

    /// URN, LA and establishment numbers: text, or a bare number.
    fn optional_id(&self, field: &Field, name: &str) -> Result<Option<String>, InputError> {
        match field.as_ref().map(|f| f.get_ref()) {
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
            Some(Value::Integer(n)) if *n >= 0 => Ok(Some(n.to_string())),
            Some(other) => Err(self.error(
                field,
                0,
                name,
                format!(
                    "{other} is not a reference number; expected digits in quotes, e.g. \"100001\""
                ),
            )),
        }
    }

    fn time(&self, field: &Field, name: &str, line: usize) -> Result<NaiveTime, InputError> {
        let value = field.as_ref().map(|f| f.get_ref());
        let parsed = match value {
            Some(Value::String(s)) => NaiveTime::parse_from_str(s.trim(), "%H:%M").ok(),
            Some(Value::Datetime(d)) if d.date.is_none() => d.time.and_then(|t| {
                NaiveTime::from_hms_opt(t.hour.into(), t.minute.into(), t.second.into())
            }),
            _ => None,
        };
        match (value, parsed) {
            (_, Some(t)) => Ok(t),
            (None, _) => Err(InputError::new(
                self.file,
                Some(line),
                Some(name),
                "missing; expected a time \"HH:MM\", e.g. \"08:50\"",
            )),
            (Some(v), None) => Err(self.error(
                field,
                line,
                name,
                format!("{v} is not a time; expected \"HH:MM\", e.g. \"08:50\""),
            )),
        }
    }

    fn date(&self, field: &Field, name: &str, line: usize) -> Result<Date, InputError> {
        let value = field.as_ref().map(|f| f.get_ref());
        let parsed = match value {
            Some(Value::String(s)) => parse_date(s.trim()),
            Some(Value::Datetime(d)) if d.time.is_none() && d.offset.is_none() => d
                .date
                .and_then(|d| Date::from_ymd_opt(d.year.into(), d.month.into(), d.day.into())),
            _ => None,
        };
        match (value, parsed) {
            (_, Some(d)) => Ok(d),
            (None, _) => Err(InputError::new(
                self.file,
                Some(line),
                Some(name),
                "missing; expected a date YYYY-MM-DD",
            )),
            (Some(v), None) => Err(self.error(
                field,
                line,
                name,
                format!("{v} is not a date; expected YYYY-MM-DD, e.g. 2024-09-04"),
            )),
        }
    }

    fn year_groups(
        &self,
        field: &Field,
        line: usize,
    ) -> Result<Option<Vec<YearGroup>>, InputError> {
        let name = "closures.year_groups";
        let Some(value) = field.as_ref().map(|f| f.get_ref()) else {
            return Ok(None);
        };
        let items = match value {
            Value::Array(items) => items.clone(),
            single => vec![single.clone()],
        };
        let mut groups = Vec::new();
        for item in &items {
            let text = match item {
                Value::String(s) => s.clone(),
                Value::Integer(n) => n.to_string(),
                other => other.to_string(),
            };
            match text.parse::<YearGroup>() {
                Ok(g) => groups.push(g),
                Err(e) => return Err(self.error(field, line, name, e.to_string())),
            }
        }
        if groups.is_empty() {
            return Err(self.error(
                field,
                line,
                name,
                "no year groups; leave year_groups out for the whole school".into(),
            ));
        }
        Ok(Some(groups))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[school]
name = "Example Academy"
urn = "100001"

[registers]
am_opens = "08:50"
am_closes = "09:20"
pm_opens = "13:30"
pm_closes = "13:45"

[[half_terms]]
name = "Autumn 1"
start = 2024-09-04
end = 2024-10-25

[[closures]]
start = 2024-09-20
end = 2024-09-20
sessions = "pm"
reason = "INSET"
year_groups = ["7", "R"]
"#;

    #[test]
    fn reads_a_calendar() {
        let c = parse_calendar("c.toml", GOOD).unwrap();
        assert_eq!(c.school.urn.as_deref(), Some("100001"));
        assert_eq!(c.calendar.half_terms().len(), 1);
        let closure = &c.calendar.closures()[0];
        assert_eq!(closure.sessions, SessionSet::Pm);
        assert_eq!(
            closure.year_groups.as_deref(),
            Some(&[YearGroup::Year(7), YearGroup::Reception][..])
        );
    }

    #[test]
    fn a_register_open_over_30_minutes_is_refused_at_its_line() {
        let bad = GOOD.replace("am_closes = \"09:20\"", "am_closes = \"09:25\"");
        let errors = parse_calendar("c.toml", &bad).unwrap_err();
        assert_eq!(errors.len(), 1);
        let e = &errors[0];
        assert_eq!(
            (e.line, e.field.as_deref()),
            (Some(8), Some("registers.am_closes"))
        );
        assert!(e.message.contains("35 minutes"), "{}", e.message);
    }

    #[test]
    fn bad_dates_and_missing_fields_are_named() {
        let bad = GOOD
            .replace("end = 2024-10-25", "end = \"2024-10-32\"")
            .replace("name = \"Example Academy\"\n", "");
        let errors = parse_calendar("c.toml", &bad).unwrap_err();
        let fields: Vec<_> = errors
            .iter()
            .map(|e| e.field.clone().unwrap_or_default())
            .collect();
        assert!(fields.contains(&"school.name".to_owned()), "{errors:?}");
        assert!(fields.contains(&"half_terms.end".to_owned()), "{errors:?}");
        let malformed = parse_calendar("c.toml", "[school\nname=").unwrap_err();
        assert_eq!(malformed[0].line, Some(1));
    }
}
