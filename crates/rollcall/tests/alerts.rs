//! `rollcall alerts`: every worked example of rules.md, and the edge cases around them, through
//! the command line on SQLite and PostgreSQL.

mod common;

use common::*;
use serde_json::{json, Value};

/// Marks rows for one pupil from `date session code` triples.
fn rows(upn: &str, marks: &[(&str, &str, &str)]) -> String {
    marks
        .iter()
        .map(|(d, s, c)| format!("{upn},{d},{s},{c},,\n"))
        .collect()
}

/// Both sessions of every weekday from `from` to `to` with `code`.
fn days(from: &str, to: &str, code: &str) -> Vec<(String, &'static str, String)> {
    let mut out = Vec::new();
    let mut date = d(from);
    while date <= d(to) {
        if chrono::Datelike::weekday(&date).num_days_from_monday() < 5 {
            out.push((date.to_string(), "AM", code.to_owned()));
            out.push((date.to_string(), "PM", code.to_owned()));
        }
        date = date.succ_opt().unwrap();
    }
    out
}

fn rows_of(upn: &str, marks: &[(String, &str, String)]) -> String {
    marks
        .iter()
        .map(|(d, s, c)| format!("{upn},{d},{s},{c},,\n"))
        .collect()
}

fn alerts(db: &Db, as_of: &str, rule: &str) -> Vec<Value> {
    db.json(&["alerts", "--as-of", as_of, "--rule", rule])
}

fn dates(found: &[Value], upn: &str) -> Vec<String> {
    found
        .iter()
        .filter(|f| f["upn"] == upn)
        .map(|f| match f["detail"]["session"].as_str() {
            Some(s) => format!("{} {s}", f["date"].as_str().unwrap()),
            None => f["date"].as_str().unwrap().to_owned(),
        })
        .collect()
}

/// The worked examples of rules.md, one pupil each.
fn worked_examples(backend: Backend) {
    let db = school(backend, 8);
    let u: Vec<String> = (1..=8).map(upn).collect();
    let mut marks = MARKS_HEADER.to_owned();
    // 1. G on all 10 sessions Mon 3 – Fri 7 Mar 2025 → met Fri 7 Mar PM.
    marks.push_str(&rows_of(&u[0], &days("2025-03-03", "2025-03-07", "G")));
    // 2. 9 unauthorised sessions within 10 school weeks → not met.
    let mut nine = days("2025-03-03", "2025-03-07", "O");
    nine.pop();
    marks.push_str(&rows_of(&u[1], &nine));
    // 3. 4 G + 6 U within 3 school weeks → met on the 10th.
    marks.push_str(&rows(
        &u[2],
        &[
            ("2025-03-03", "AM", "G"),
            ("2025-03-03", "PM", "G"),
            ("2025-03-04", "AM", "G"),
            ("2025-03-04", "PM", "G"),
            ("2025-03-10", "AM", "U"),
            ("2025-03-11", "AM", "U"),
            ("2025-03-12", "AM", "U"),
            ("2025-03-17", "AM", "U"),
            ("2025-03-18", "AM", "U"),
            ("2025-03-19", "AM", "U"),
        ],
    ));
    // 4. 6 O in school week 1, then 1 O in each of weeks 2–5 → met in week 5.
    marks.push_str(&rows(
        &u[3],
        &[
            ("2025-03-03", "AM", "O"),
            ("2025-03-03", "PM", "O"),
            ("2025-03-04", "AM", "O"),
            ("2025-03-04", "PM", "O"),
            ("2025-03-05", "AM", "O"),
            ("2025-03-05", "PM", "O"),
            ("2025-03-12", "AM", "O"),
            ("2025-03-19", "AM", "O"),
            ("2025-03-26", "AM", "O"),
            ("2025-04-02", "AM", "O"),
        ],
    ));
    // 5. 10 sessions of I, M, C2 or Y1 → nothing counted.
    let codes = ["I", "M", "C2", "Y1", "I", "M", "C2", "Y1", "I", "M"];
    let ten: Vec<_> = days("2025-03-03", "2025-03-07", "")
        .into_iter()
        .zip(codes)
        .map(|((d, s, _), c)| (d, s, c.to_owned()))
        .collect();
    marks.push_str(&rows_of(&u[4], &ten));
    // 6. O on every session Mon 3 – Fri 14 Mar 2025 → continuous unauthorised absence on Fri 14 Mar.
    marks.push_str(&rows_of(&u[5], &days("2025-03-03", "2025-03-14", "O")));
    // 7. As above but Mon 10 Mar is I → no 10-day run.
    let broken: Vec<_> = days("2025-03-03", "2025-03-14", "O")
        .into_iter()
        .map(|(d, s, c)| {
            if d == "2025-03-10" {
                (d, s, "I".to_owned())
            } else {
                (d, s, c)
            }
        })
        .collect();
    marks.push_str(&rows_of(&u[6], &broken));
    // 8. N on Mon 3 Mar 2025 AM, never replaced → overdue from Tue 11 Mar (due Mon 10 Mar).
    marks.push_str(&rows(&u[7], &[("2025-03-03", "AM", "N")]));
    db.import_ok("marks", "marks.csv", &marks);

    let penalty = alerts(&db, "2025-07-22", "penalty_threshold");
    assert_eq!(dates(&penalty, &u[0]), ["2025-03-07 PM"]);
    assert!(dates(&penalty, &u[1]).is_empty());
    assert_eq!(dates(&penalty, &u[2]), ["2025-03-19 AM"]);
    assert_eq!(dates(&penalty, &u[3]), ["2025-04-02 AM"]);
    assert!(dates(&penalty, &u[4]).is_empty());
    // Sessions counted for one finding are not counted again: 20 sessions, two findings.
    assert_eq!(dates(&penalty, &u[5]), ["2025-03-07 PM", "2025-03-14 PM"]);
    let first = &penalty[0]["detail"];
    assert_eq!(first["sessions"].as_array().unwrap().len(), 10);
    assert_eq!(first["window"]["to"], json!("2025-03-07"));

    let runs = alerts(&db, "2025-07-22", "unauthorised_10_days");
    assert_eq!(dates(&runs, &u[5]), ["2025-03-14"]);
    assert!(dates(&runs, &u[6]).is_empty());
    assert_eq!(runs.len(), 1, "{runs:?}");

    assert!(dates(&alerts(&db, "2025-03-10", "unresolved_n"), &u[7]).is_empty());
    assert_eq!(
        dates(&alerts(&db, "2025-03-11", "unresolved_n"), &u[7]),
        ["2025-03-10"]
    );
    // A finding is listed only from its date.
    assert!(dates(&alerts(&db, "2025-03-06", "penalty_threshold"), &u[0]).is_empty());

    // CSV: rule, upn, date, detail, sorted by date, then upn, then rule.
    let csv = db.ok(&["alerts", "--as-of", "2025-03-14"]);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("rule,upn,date,detail"));
    let keys: Vec<(String, String, String)> = lines
        .map(|l| {
            let mut f = l.splitn(4, ',');
            let (r, u, d) = (f.next().unwrap(), f.next().unwrap(), f.next().unwrap());
            (d.to_owned(), u.to_owned(), r.to_owned())
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert!(keys
        .iter()
        .any(|k| k.2 == "persistent_absence" && k.0 == "2025-03-14"));
}

/// An `N` corrected to `I` removes the finding; evaluating again gives the same identities.
fn amendment_clears_the_alert(backend: Backend) {
    let db = school(backend, 1);
    let u = upn(1);
    db.import_ok(
        "marks",
        "m.csv",
        &format!(
            "{MARKS_HEADER}{}",
            rows_of(&u, &days("2025-03-03", "2025-03-14", "N"))
        ),
    );
    let before = db.json(&["alerts", "--as-of", "2025-03-31"]);
    assert!(before.iter().any(|f| f["rule"] == "unresolved_n"));
    assert!(before.iter().any(|f| f["rule"] == "unauthorised_10_days"));
    assert_eq!(
        db.json(&["alerts", "--as-of", "2025-03-31"]),
        before,
        "evaluating again gives the same findings"
    );
    let fixed: String = days("2025-03-03", "2025-03-14", "N")
        .iter()
        .map(|(d, s, _)| format!("{u},{d},{s},I,,Doctor's note\n"))
        .collect();
    db.import_ok("marks", "fix.csv", &format!("{MARKS_HEADER}{fixed}"));
    let after = db.json(&["alerts", "--as-of", "2025-03-31"]);
    for rule in ["unresolved_n", "unauthorised_10_days", "penalty_threshold"] {
        assert!(
            !after.iter().any(|f| f["rule"] == rule),
            "{rule} is still there: {after:?}"
        );
    }
    // Still persistently absent (illness is absence), and the explanation lists the sessions.
    assert!(after.iter().any(|f| f["rule"] == "persistent_absence"));
    let explained = db.ok(&["explain", "--upn", &u, "--as-of", "2025-03-31"]);
    assert!(
        explained.contains("persistent_absence") && explained.contains("2025-03-03 Mon AM"),
        "{explained}"
    );
}

/// A penalty window runs across the summer holiday into the new academic year, and the finding is
/// listed in the year it is dated in.
fn window_across_the_summer_holiday(backend: Backend) {
    let db = school(backend, 0);
    let summer = CALENDAR.split("[[half_terms]]").next().unwrap().to_owned()
        + "[[half_terms]]\nname = \"Summer 2 2024\"\nstart = 2024-06-03\nend = 2024-07-19\n";
    db.import_ok("calendar", "summer.toml", &summer);
    let u = upn(1);
    db.import_ok(
        "pupils",
        "p.csv",
        &format!(
            "{PUPILS_HEADER}{}",
            pupil_row(1).replace("2024-09-02", "2023-09-04")
        ),
    );
    let mut marks = rows_of(&u, &days("2024-07-18", "2024-07-19", "O"));
    marks.push_str(&rows_of(&u, &days("2024-09-04", "2024-09-06", "G")));
    db.import_ok("marks", "m.csv", &format!("{MARKS_HEADER}{marks}"));
    let found = alerts(&db, "2024-09-30", "penalty_threshold");
    assert_eq!(dates(&found, &u), ["2024-09-06 PM"]);
    let window = &found[0]["detail"]["window"];
    assert!(window["from"].as_str().unwrap() < "2024-08-01", "{window}");
    assert!(alerts(&db, "2024-07-31", "penalty_threshold").is_empty());
    // A malformed as-of date is refused.
    assert!(db
        .fail(&["alerts", "--as-of", "2025-13-01"])
        .contains("YYYY-MM-DD"));
}

/// A school's policy is versioned, may tighten the law and never loosen it; findings carry the
/// version they were made under.
fn policy_tightens_and_never_loosens(backend: Backend) {
    let db = school(backend, 1);
    let u = upn(1);
    db.import_ok(
        "marks",
        "m.csv",
        &format!(
            "{MARKS_HEADER}{}",
            rows_of(&u, &days("2025-03-03", "2025-03-06", "G"))
        ),
    );
    assert!(
        alerts(&db, "2025-03-31", "penalty_threshold").is_empty(),
        "8 sessions do not meet the national threshold"
    );
    let loose = db.file("loose.toml", "[penalty]\nsessions = 12\n");
    let err = db.fail(&["policy", "set", &loose]);
    assert!(err.contains("penalty") && err.contains("10"), "{err}");
    let overlapping = db.file("bands.toml", "[[bands]]\nname = \"green\"\nfrom = 95\nto = 100\naction = \"None\"\n\n[[bands]]\nname = \"amber\"\nfrom = 90\nto = 96\naction = \"Letter\"\n");
    let err = db.fail(&["policy", "set", &overlapping]);
    assert!(
        err.contains("overlap") && err.contains("green") && err.contains("amber"),
        "{err}"
    );
    let statutory = db.file("off.toml", "disabled = [\"unresolved_n\"]\n");
    assert!(db
        .fail(&["policy", "set", &statutory])
        .contains("statutory"));
    let unknown = db.file("unknown.toml", "disabled = [\"no_such_rule\"]\n");
    assert!(db
        .fail(&["policy", "set", &unknown])
        .contains("unknown rule"));
    assert!(db.ok(&["policy", "show"]).contains("national rules alone"));

    let tight = db.file("tight.toml", "target = 96\n\n[penalty]\nsessions = 8\n");
    db.ok(&["policy", "set", &tight]);
    let found = alerts(&db, "2025-03-31", "penalty_threshold");
    assert_eq!(dates(&found, &u), ["2025-03-06 PM"]);
    let version = found[0]["detail"]["policy_version"].as_u64().unwrap();
    assert!(version >= 1);
    let shown = db.ok(&["policy", "show"]);
    assert!(
        shown.contains("penalty threshold 8 unauthorised sessions in 10 school weeks"),
        "{shown}"
    );
    // Defaults for every school, which the school's own policy overrides setting by setting.
    let defaults = db.file("defaults.toml", "persistent_lateness = 4\n");
    db.ok(&["policy", "set", "--defaults", &defaults]);
    let shown = db.ok(&["policy", "show"]);
    assert!(
        shown.contains("defaults for every school") && shown.contains("penalty threshold 8"),
        "{shown}"
    );
}

/// New and deleted pupils are returns to the local authority, listed with `--all` only.
fn returns_for_new_and_deleted_pupils(backend: Backend) {
    let db = school(backend, 0);
    let header = PUPILS_HEADER.trim_end().to_owned() + ",deletion_ground\n";
    let leaver = pupil_row(1)
        .trim_end()
        .replace(",2024-09-02,,", ",2024-09-02,2025-02-14,")
        + ",Registered as a pupil at another school\n";
    let joiner = pupil_row(2)
        .trim_end()
        .replace(",2024-09-02,,", ",2025-01-13,,")
        + ",\n";
    db.import_ok("pupils", "p.csv", &format!("{header}{leaver}{joiner}"));
    assert!(
        db.json(&["alerts", "--as-of", "2025-03-31"]).is_empty(),
        "not among the seven alerts"
    );
    let deleted = db.json(&[
        "alerts",
        "--as-of",
        "2025-03-31",
        "--all",
        "--rule",
        "deleted_pupil",
    ]);
    assert_eq!(dates(&deleted, &upn(1)), ["2025-02-14"]);
    assert!(deleted[0]["detail"]["summary"]
        .as_str()
        .unwrap()
        .contains("another school"));
    let new = db.json(&[
        "alerts",
        "--as-of",
        "2025-03-31",
        "--all",
        "--rule",
        "new_pupil",
    ]);
    assert_eq!(dates(&new, &upn(2)), ["2025-01-13"]);
    assert_eq!(dates(&new, &upn(1)), ["2024-09-02"]);
    // Admissions of an earlier academic year are not listed.
    assert!(db
        .json(&[
            "alerts",
            "--as-of",
            "2025-09-30",
            "--all",
            "--rule",
            "new_pupil"
        ])
        .is_empty());
}

both!(
    returns_for_new_and_deleted_pupils,
    worked_examples,
    amendment_clears_the_alert,
    window_across_the_summer_holiday,
    policy_tightens_and_never_loosens,
);
