//! A realistic calendar (the end of 2023/24 and all of 2024/25), a pupil, and registers written
//! in a small language: `"2025-03-03..2025-03-07 G"` marks every school session of those days,
//! `"2025-03-03 AM N"` one session, `"2025-03-05 PM -"` removes a mark.

#![allow(dead_code)]

use std::collections::BTreeMap;

use rollcall_core::{
    parse_date, BaseCode, Calendar, Closure, Date, HalfTerm, MarkFact, Pupil, Session, SessionSet,
    Upn, YearGroup,
};
use rollcall_rules::{evaluate, Finding, Policy, PupilRecord, Rule};

pub fn d(s: &str) -> Date {
    parse_date(s).unwrap_or_else(|| panic!("bad date {s}"))
}

pub const YEAR: YearGroup = YearGroup::Year(8);

fn half_term(name: &str, start: &str, end: &str) -> HalfTerm {
    HalfTerm {
        name: name.into(),
        start: d(start),
        end: d(end),
    }
}

pub fn closure(
    start: &str,
    end: &str,
    reason: &str,
    year_groups: Option<Vec<YearGroup>>,
) -> Closure {
    Closure {
        start: d(start),
        end: d(end),
        sessions: SessionSet::Both,
        reason: reason.into(),
        year_groups,
    }
}

/// The summer of 2023/24 and the whole of 2024/25: 190 school days (380 sessions) in 2024/25.
pub fn calendar_with(extra: Vec<Closure>) -> Calendar {
    let mut closures = vec![
        closure("2024-05-06", "2024-05-06", "Bank holiday", None),
        closure("2025-01-06", "2025-01-06", "INSET", None),
        closure("2025-05-05", "2025-05-05", "Bank holiday", None),
    ];
    closures.extend(extra);
    Calendar::new(
        vec![
            half_term("Summer 1", "2024-04-15", "2024-05-24"),
            half_term("Summer 2", "2024-06-03", "2024-07-19"),
            half_term("Autumn 1", "2024-09-04", "2024-10-25"),
            half_term("Autumn 2", "2024-11-04", "2024-12-20"),
            half_term("Spring 1", "2025-01-06", "2025-02-14"),
            half_term("Spring 2", "2025-02-24", "2025-04-04"),
            half_term("Summer 1", "2025-04-22", "2025-05-23"),
            half_term("Summer 2", "2025-06-02", "2025-07-18"),
        ],
        closures,
    )
    .expect("valid calendar")
}

pub fn calendar() -> Calendar {
    calendar_with(Vec::new())
}

pub fn upn(n: u32) -> Upn {
    Upn::with_check_letter(&format!("82240012{n:04}")).expect("valid UPN")
}

pub fn pupil(n: u32, admission: &str, leaving: Option<&str>) -> Pupil {
    Pupil {
        form: Some("8A".into()),
        leaving_date: leaving.map(d),
        ..Pupil::new(
            upn(n),
            format!("Pupil{n}"),
            "Test",
            d("2012-05-01"),
            YEAR,
            d(admission),
        )
    }
}

pub fn present(session: Session) -> BaseCode {
    match session {
        Session::Am => BaseCode::PresentAm,
        Session::Pm => BaseCode::PresentPm,
    }
}

/// A register being written.
#[derive(Debug, Clone)]
pub struct Register {
    marks: BTreeMap<(Date, Session), BaseCode>,
}

impl Register {
    /// Present on every school session from the start of the calendar to the end of 2024/25.
    pub fn present(cal: &Calendar) -> Register {
        let mut r = Register {
            marks: BTreeMap::new(),
        };
        r.apply(cal, "2024-04-15..2025-07-18 /");
        r
    }

    pub fn empty() -> Register {
        Register {
            marks: BTreeMap::new(),
        }
    }

    pub fn apply(&mut self, cal: &Calendar, spec: &str) {
        let parts: Vec<&str> = spec.split_whitespace().collect();
        let (dates, session, code) = match parts.as_slice() {
            [dates, code] => (*dates, None, *code),
            [dates, session, code] => (*dates, Some(session.parse::<Session>().unwrap()), *code),
            _ => panic!("bad spec {spec}"),
        };
        let (from, to) = dates.split_once("..").unwrap_or((dates, dates));
        let (from, to) = (d(from), d(to));
        let code = match code {
            "-" => None,
            c => Some(BaseCode::from_symbol(c).unwrap_or_else(|| panic!("bad code {c}"))),
        };
        let mut date = from;
        while date <= to {
            for s in Session::BOTH {
                if session.is_some_and(|only| only != s) || !cal.is_school_session(date, s, YEAR) {
                    continue;
                }
                match code {
                    None => {
                        self.marks.remove(&(date, s));
                    }
                    Some(BaseCode::PresentAm | BaseCode::PresentPm) => {
                        self.marks.insert((date, s), present(s));
                    }
                    Some(c) => {
                        self.marks.insert((date, s), c);
                    }
                }
            }
            date = date.succ_opt().unwrap();
        }
    }

    pub fn facts(&self) -> Vec<MarkFact> {
        self.marks
            .iter()
            .map(|(&(date, session), &code)| MarkFact {
                date,
                session,
                code,
            })
            .collect()
    }
}

/// One pupil, a calendar, a register and a policy.
pub struct Scenario {
    pub cal: Calendar,
    pub pupil: Pupil,
    pub register: Register,
    pub policy: Policy,
}

impl Scenario {
    /// A pupil on roll throughout, present everywhere except as `specs` say.
    pub fn new(specs: &[&str]) -> Scenario {
        Scenario::on(calendar(), specs)
    }

    pub fn on(cal: Calendar, specs: &[&str]) -> Scenario {
        let mut register = Register::present(&cal);
        for s in specs {
            register.apply(&cal, s);
        }
        Scenario {
            cal,
            pupil: pupil(1, "2023-09-04", None),
            register,
            policy: Policy::national(),
        }
    }

    pub fn admitted(mut self, date: &str) -> Scenario {
        self.pupil.admission_date = d(date);
        self
    }

    pub fn left(mut self, date: &str) -> Scenario {
        self.pupil.leaving_date = Some(d(date));
        self
    }

    pub fn policy(mut self, policy: Policy) -> Scenario {
        self.policy = policy;
        self
    }

    pub fn run(&self, as_of: &str) -> Vec<Finding> {
        let marks = self.register.facts();
        let key = self.pupil.upn.to_string();
        let records = [PupilRecord {
            key: &key,
            pupil: &self.pupil,
            marks: &marks,
        }];
        evaluate(&self.cal, &records, &self.policy, d(as_of))
    }

    /// The findings of one rule, as `date` or `date SESSION`.
    pub fn dated(&self, as_of: &str, rule: Rule) -> Vec<String> {
        dated(&self.run(as_of), rule)
    }
}

pub fn dated(findings: &[Finding], rule: Rule) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| match f.session {
            Some(s) => format!("{} {s}", f.date),
            None => f.date.to_string(),
        })
        .collect()
}

pub fn only(findings: &[Finding], rule: Rule) -> Vec<&Finding> {
    findings.iter().filter(|f| f.rule == rule).collect()
}
