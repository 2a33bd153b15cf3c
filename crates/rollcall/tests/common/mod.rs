//! The harness for end-to-end tests: the real `rollcall` binary against a fresh database, on
//! SQLite or on a throwaway PostgreSQL server.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

use chrono::{Datelike, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a scenario once per backend: `both!(name)` makes `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn sqlite() {
                    super::$name($crate::common::Backend::Sqlite)
                }
                #[test]
                fn postgres() {
                    super::$name($crate::common::Backend::Postgres)
                }
            }
        )*
    };
}

pub struct Db {
    pub url: String,
    pub dir: tempfile::TempDir,
}

pub struct Run {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Db {
    pub fn new(backend: Backend) -> Db {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = match backend {
            Backend::Sqlite => format!("sqlite:{}", dir.path().join("rollcall.db").display()),
            Backend::Postgres => rollcall_testkit::fresh_database_url(),
        };
        Db { url, dir }
    }

    /// Runs `rollcall --db URL ARGS…`.
    pub fn run(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rollcall"));
        cmd.arg("--db")
            .arg(&self.url)
            .args(args)
            .env_remove("ROLLCALL_DB");
        finish(cmd.output().expect("run rollcall"))
    }

    /// Runs `rollcall --db URL ARGS…` with `input` on its standard input.
    pub fn run_with_input(&self, args: &[&str], input: &str) -> Run {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_rollcall"))
            .arg("--db")
            .arg(&self.url)
            .args(args)
            .env_remove("ROLLCALL_DB")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run rollcall");
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(input.as_bytes()).expect("write stdin");
        }
        finish(child.wait_with_output().expect("wait for rollcall"))
    }

    /// Runs a command that must succeed, and returns its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert!(r.ok, "rollcall {args:?} failed:\n{}", r.stderr);
        r.stdout
    }

    /// Runs a command that must fail, and returns its standard error.
    pub fn fail(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert!(
            !r.ok,
            "rollcall {args:?} should have failed; it printed:\n{}{}",
            r.stdout, r.stderr
        );
        r.stderr
    }

    /// Writes a file into the test's folder and returns its path.
    pub fn file(&self, name: &str, content: &str) -> String {
        let path: PathBuf = self.dir.path().join(name);
        std::fs::write(&path, content).expect("write test file");
        path.display().to_string()
    }

    pub fn import(&self, what: &str, name: &str, content: &str) -> Run {
        let path = self.file(name, content);
        self.run(&["import", what, &path])
    }

    pub fn import_ok(&self, what: &str, name: &str, content: &str) -> String {
        let r = self.import(what, name, content);
        assert!(r.ok, "import {what} {name} failed:\n{}", r.stderr);
        r.stderr
    }

    pub fn import_fails(&self, what: &str, name: &str, content: &str) -> String {
        let r = self.import(what, name, content);
        assert!(!r.ok, "import {what} {name} should have failed");
        r.stderr
    }

    /// Everything the database holds for the only school, as the commands show it.
    pub fn state(&self) -> String {
        let mut s = String::new();
        for args in [
            &["pupils", "--format", "json"][..],
            &["marks", "--format", "json"],
            &["amendments", "--format", "json"],
            &[
                "stats",
                "pupils",
                "--from",
                "2000-01-01",
                "--to",
                "2030-12-31",
            ],
        ] {
            s.push_str(&self.ok(args));
        }
        s
    }

    pub fn json(&self, args: &[&str]) -> Vec<serde_json::Value> {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let out = self.ok(&all);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}"))
    }
}

fn finish(o: Output) -> Run {
    Run {
        ok: o.status.success(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// A valid UPN for a number: LA 822, establishment 4001, year 24, serial `n`.
pub fn upn(n: u32) -> String {
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRTUVWXYZ";
    let body = format!("8224001{:02}{:03}", 24 + n / 1000, n % 1000);
    let sum: u32 = body
        .bytes()
        .zip(2..)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    format!("{}{body}", LETTERS[(sum % 23) as usize] as char)
}

/// The 2024/25 calendar of the tests: six half terms, a bank holiday and an INSET day for year 7.
pub const CALENDAR: &str = r#"
[school]
name = "Example Academy"
urn = "100001"
la = "822"
estab = "4001"

[registers]
am_opens = "08:50"
am_closes = "09:20"
pm_opens = "13:30"
pm_closes = "13:45"

[[half_terms]]
name = "Autumn 1"
start = 2024-09-04
end = 2024-10-25

[[half_terms]]
name = "Autumn 2"
start = 2024-11-04
end = 2024-12-20

[[half_terms]]
name = "Spring 1"
start = 2025-01-06
end = 2025-02-14

[[half_terms]]
name = "Spring 2"
start = 2025-02-24
end = 2025-04-04

[[half_terms]]
name = "Summer 1"
start = 2025-04-22
end = 2025-05-23

[[half_terms]]
name = "Summer 2"
start = 2025-06-02
end = 2025-07-22

[[closures]]
start = 2025-05-05
end = 2025-05-05
reason = "Bank holiday"

[[closures]]
start = 2024-11-04
end = 2024-11-04
sessions = "both"
reason = "INSET"
year_groups = ["7"]
"#;

pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// The school sessions of `CALENDAR` for a year 8 pupil, in order.
pub fn sessions() -> Vec<(NaiveDate, &'static str)> {
    let terms = [
        ("2024-09-04", "2024-10-25"),
        ("2024-11-04", "2024-12-20"),
        ("2025-01-06", "2025-02-14"),
        ("2025-02-24", "2025-04-04"),
        ("2025-04-22", "2025-05-23"),
        ("2025-06-02", "2025-07-22"),
    ];
    let mut out = Vec::new();
    for (start, end) in terms {
        let mut date = d(start);
        while date <= d(end) {
            if date.weekday().num_days_from_monday() < 5 && date != d("2025-05-05") {
                out.push((date, "AM"));
                out.push((date, "PM"));
            }
            date = date.succ_opt().expect("next day");
        }
    }
    out
}

pub const PUPILS_HEADER: &str = "upn,surname,forename,dob,sex,year_group,form,admission_date,leaving_date,fsm,pupil_premium,looked_after,social_worker,eal,young_carer,sen,ethnicity\n";

/// A pupils file row for a year 8 pupil on roll all year.
pub fn pupil_row(n: u32) -> String {
    format!("{},Surname{n},Forename{n},2011-10-{:02},F,8,8A,2024-09-02,,false,false,false,false,false,false,N,WBRI\n", upn(n), 1 + n % 28)
}

pub const MARKS_HEADER: &str = "upn,date,session,code,minutes_late,reason\n";

/// Marks rows for a pupil: `codes` in order over the school sessions from the first.
pub fn marks_rows(upn: &str, codes: &[(&str, usize)]) -> String {
    let sessions = sessions();
    let mut out = String::new();
    let mut i = 0;
    for &(code, n) in codes {
        for _ in 0..n {
            let (date, session) = sessions[i];
            let code = match (code, session) {
                ("/", "PM") => "\\",
                _ => code,
            };
            out.push_str(&format!("{upn},{date},{session},{code},,\n"));
            i += 1;
        }
    }
    out
}

/// A database with the calendar and `pupils` year 8 pupils (numbered 1..=pupils).
pub fn school(backend: Backend, pupils: u32) -> Db {
    let db = Db::new(backend);
    db.ok(&["init"]);
    db.import_ok("calendar", "calendar.toml", CALENDAR);
    let rows: String = (1..=pupils).map(pupil_row).collect();
    db.import_ok("pupils", "pupils.csv", &format!("{PUPILS_HEADER}{rows}"));
    db
}

/// The row of a JSON array whose `upn` is `upn`.
pub fn row<'a>(rows: &'a [serde_json::Value], upn: &str) -> &'a serde_json::Value {
    rows.iter()
        .find(|r| r["upn"] == upn)
        .unwrap_or_else(|| panic!("no row for {upn}"))
}
