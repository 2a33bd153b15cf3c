//! The register through the command line, on SQLite and on PostgreSQL: every worked example of
//! statistics.md, every row of codes.md, and every kind of bad input of interchange.md.

mod common;

use common::*;
use serde_json::json;

const YEAR: [&str; 4] = ["--from", "2024-09-01", "--to", "2025-08-31"];

fn stats(db: &Db) -> Vec<serde_json::Value> {
    let mut args = vec!["stats", "pupils"];
    args.extend(YEAR);
    db.json(&args)
}

/// The worked examples of statistics.md, one pupil each.
fn statistics_worked_examples(backend: Backend) {
    let examples: Vec<(&[(&str, usize)], serde_json::Value)> = vec![
        (
            &[("/", 380)],
            json!({"possible": 380, "attendance_pct": 100.0, "persistent_absence": false}),
        ),
        (
            &[("/", 342), ("I", 38)],
            json!({"attendance_pct": 90.0, "persistent_absence": true, "severe_absence": false}),
        ),
        (
            &[("/", 343), ("I", 37)],
            json!({"absence_pct": 9.74, "persistent_absence": false}),
        ),
        (
            &[("/", 370), ("L", 10)],
            json!({"attendance_pct": 100.0, "late": 10}),
        ),
        (
            &[("/", 360), ("U", 20)],
            json!({"unauthorised_pct": 5.26, "attendance_pct": 94.74}),
        ),
        (
            &[
                ("/", 80),
                ("L", 5),
                ("B", 3),
                ("I", 2),
                ("U", 1),
                ("G", 1),
                ("#", 4),
                ("Y2", 2),
                ("D", 2),
            ],
            json!({"possible": 92, "attendance_pct": 95.65, "authorised_pct": 2.17, "unauthorised_pct": 2.17}),
        ),
        (
            &[("/", 100), ("O", 100)],
            json!({"persistent_absence": true, "severe_absence": true, "absence_pct": 50.0}),
        ),
    ];
    let db = school(backend, examples.len() as u32);
    let mut marks = MARKS_HEADER.to_owned();
    for (i, (codes, _)) in examples.iter().enumerate() {
        marks.push_str(&marks_rows(&upn(i as u32 + 1), codes));
    }
    db.import_ok("marks", "marks.csv", &marks);
    let rows = stats(&db);
    for (i, (codes, expected)) in examples.iter().enumerate() {
        let row = row(&rows, &upn(i as u32 + 1));
        for (key, value) in expected.as_object().unwrap() {
            assert_eq!(&row[key], value, "{key} for {codes:?}: {row}");
        }
        let r = row.as_object().unwrap();
        let n = |k: &str| r[k].as_u64().unwrap();
        assert_eq!(
            n("possible"),
            n("present") + n("aea") + n("authorised") + n("unauthorised")
        );
    }
    // CSV shows percentages to two places.
    let csv = db.ok(&[
        "stats",
        "pupils",
        "--from",
        "2024-09-01",
        "--to",
        "2025-08-31",
    ]);
    assert!(
        csv.contains(",90.00,10.00,10.00,0.00,true,false\n"),
        "{csv}"
    );

    // Pupil A: 342 present + 38 I; pupil B: 80 present + 20 N → 58 / 480 = 12.08%, PA 2 of 2.
    let db = school(backend, 2);
    let marks = format!(
        "{MARKS_HEADER}{}{}",
        marks_rows(&upn(1), &[("/", 342), ("I", 38)]),
        marks_rows(&upn(2), &[("/", 80), ("N", 20)])
    );
    db.import_ok("marks", "marks.csv", &marks);
    let mut args = vec!["stats", "groups"];
    args.extend(YEAR);
    let groups = db.json(&args);
    assert_eq!(groups.len(), 1);
    let g = &groups[0];
    assert_eq!(
        (g["possible"].clone(), g["absence_pct"].clone()),
        (json!(480), json!(12.08))
    );
    assert_eq!(
        (
            g["pa_pupils"].clone(),
            g["pupils"].clone(),
            g["pa_pct"].clone()
        ),
        (json!(2), json!(2), json!(100.0))
    );
}

/// Every row of codes.md: one pupil per code, one mark each.
fn every_code_of_codes_md(backend: Backend) {
    let table = [
        ("/", "present"),
        ("\\", "present"),
        ("L", "present"),
        ("K", "aea"),
        ("V", "aea"),
        ("P", "aea"),
        ("W", "aea"),
        ("B", "aea"),
        ("D", ""),
        ("C1", "authorised"),
        ("M", "authorised"),
        ("J1", "authorised"),
        ("S", "authorised"),
        ("C2", "authorised"),
        ("C", "authorised"),
        ("X", ""),
        ("T", "authorised"),
        ("R", "authorised"),
        ("I", "authorised"),
        ("E", "authorised"),
        ("Q", ""),
        ("Y1", ""),
        ("Y2", ""),
        ("Y3", ""),
        ("Y4", ""),
        ("Y5", ""),
        ("Y6", ""),
        ("Y7", ""),
        ("G", "unauthorised"),
        ("N", "unauthorised"),
        ("O", "unauthorised"),
        ("U", "unauthorised"),
        ("Z", ""),
        ("#", ""),
    ];
    let db = school(backend, table.len() as u32);
    let mut marks = MARKS_HEADER.to_owned();
    for (i, (code, _)) in table.iter().enumerate() {
        let code = if code.contains(',') {
            format!("\"{code}\"")
        } else {
            (*code).to_owned()
        };
        marks.push_str(&format!("{},2025-03-03,AM,{code},,\n", upn(i as u32 + 1)));
    }
    db.import_ok("marks", "marks.csv", &marks);
    let rows = stats(&db);
    for (i, (code, category)) in table.iter().enumerate() {
        let row = row(&rows, &upn(i as u32 + 1));
        let possible = !category.is_empty();
        assert_eq!(
            row["possible"],
            json!(u32::from(possible)),
            "code {code}: {row}"
        );
        for c in ["present", "aea", "authorised", "unauthorised"] {
            assert_eq!(
                row[c],
                json!(u32::from(c == *category)),
                "code {code}, {c}: {row}"
            );
        }
        assert_eq!(
            row["late"],
            json!(u32::from(matches!(*code, "L" | "U"))),
            "code {code}"
        );
        // A marked session, possible or not, is never unmarked.
        assert_eq!(row["unmarked"], json!(385), "code {code}");
    }
    // The stored text is kept as written.
    let stored = db.json(&["marks"]);
    let codes: Vec<&str> = stored.iter().map(|m| m["code"].as_str().unwrap()).collect();
    for (code, _) in table {
        assert!(codes.contains(&code), "{code} not stored");
    }
}

/// Codes are read by the date of their session; sub-codes take their parent's category.
fn codes_by_date_and_sub_codes(backend: Backend) {
    let db = school(backend, 6);
    // Add the last half term of 2023/24 to the calendar.
    let summer = CALENDAR.split("[[half_terms]]").next().unwrap().to_owned()
        + "[[half_terms]]\nname = \"Summer 2 2024\"\nstart = 2024-06-03\nend = 2024-07-19\n";
    db.import_ok("calendar", "summer.toml", &summer);
    let pupils: String = (1..=6)
        .map(|n| pupil_row(n).replace("2024-09-02", "2023-09-04"))
        .collect();
    db.import_ok("pupils", "pupils.csv", &format!("{PUPILS_HEADER}{pupils}"));
    let marks = format!(
        "{MARKS_HEADER}{},2024-07-01,AM,H,,\n{},2024-07-01,AM,F,,\n{},2024-07-01,AM,J,,\n{},2024-07-01,AM,Y,,\n{},2024-07-02,AM,C1,,\n{},2025-03-03,AM,B2,,\n",
        upn(1), upn(2), upn(3), upn(4), upn(5), upn(6)
    );
    let stderr = db.import_ok("marks", "old.csv", &marks);
    assert!(
        stderr.contains("warning: ") && stderr.contains("line 6") && stderr.contains("C1"),
        "{stderr}"
    );
    let rows = db.json(&[
        "stats",
        "pupils",
        "--from",
        "2024-06-01",
        "--to",
        "2025-07-31",
    ]);
    assert_eq!(
        row(&rows, &upn(1))["authorised"],
        json!(1),
        "H was authorised"
    );
    assert_eq!(
        row(&rows, &upn(2))["authorised"],
        json!(1),
        "F was authorised"
    );
    assert_eq!(row(&rows, &upn(3))["aea"], json!(1), "J was AEA");
    assert_eq!(
        row(&rows, &upn(4))["possible"],
        json!(0),
        "Y was not possible"
    );
    assert_eq!(
        row(&rows, &upn(5))["authorised"],
        json!(1),
        "C1 keeps its 2024 category"
    );
    assert_eq!(
        row(&rows, &upn(6))["aea"],
        json!(1),
        "B2 is a sub-code of B"
    );
    let marks = db.json(&["marks", "--from", "2025-03-03", "--to", "2025-03-03"]);
    assert_eq!(marks[0]["code"], json!("B2"), "the sub-code's text is kept");

    for (code, instead) in [
        ("H", "use G"),
        ("F", "use G"),
        ("J", "use J1"),
        ("Y", "Y1 to Y7"),
    ] {
        let before = db.state();
        let err = db.import_fails(
            "marks",
            "new.csv",
            &format!("{MARKS_HEADER}{},2025-03-04,AM,{code},,\n", upn(1)),
        );
        assert!(
            err.contains("new.csv line 2, field 'code'")
                && err.contains("19 August 2024")
                && err.contains(instead),
            "{err}"
        );
        assert_eq!(db.state(), before);
    }
}

/// Each kind of bad input exits non-zero, names the file, line and field, and changes nothing.
fn bad_input_changes_nothing(backend: Backend) {
    let db = school(backend, 3);
    db.import_ok(
        "marks",
        "marks.csv",
        &format!(
            "{MARKS_HEADER}{}",
            marks_rows(&upn(1), &[("/", 10), ("N", 2)])
        ),
    );
    let good = |n| format!("{},2025-03-03,AM,/,,\n", upn(n));
    let before = db.state();
    let cases: Vec<(&str, String, &[&str])> = vec![
        (
            "pupils",
            format!(
                "{PUPILS_HEADER}{}{}",
                pupil_row(4),
                pupil_row(5).replacen(
                    &upn(5)[..1],
                    if upn(5).starts_with('A') { "B" } else { "A" },
                    1
                )
            ),
            &["pupils.csv line 3, field 'upn'", "wrong check letter"],
        ),
        (
            "pupils",
            format!(
                "{PUPILS_HEADER}{}",
                pupil_row(4).replace("2011-10-", "2011-13-")
            ),
            &["line 2, field 'dob'", "YYYY-MM-DD"],
        ),
        (
            "pupils",
            format!(
                "{PUPILS_HEADER}{}",
                pupil_row(4).replace(",8,8A,", ",15,8A,")
            ),
            &["line 2, field 'year_group'", "1 to 14"],
        ),
        (
            "pupils",
            "upn,surname,dob,year_group,admission_date\n".to_owned(),
            &["line 1, field 'forename'", "no column 'forename'"],
        ),
        (
            "marks",
            format!("{MARKS_HEADER}{}{},2025-03-03,PM,A,,\n", good(2), upn(2)),
            &["marks.csv line 3, field 'code'", "unknown code 'A'"],
        ),
        (
            "marks",
            format!("{MARKS_HEADER}{}{},2025-03-03,PM,H,,\n", good(2), upn(2)),
            &["line 3, field 'code'", "withdrawn"],
        ),
        (
            "marks",
            format!("{MARKS_HEADER}{}{},2025-03-08,AM,/,,\n", good(2), upn(2)),
            &["line 3, field 'date'", "weekend"],
        ),
        (
            "marks",
            format!("{MARKS_HEADER}{}{},2025-02-17,AM,/,,\n", good(2), upn(2)),
            &["line 3, field 'date'", "holiday"],
        ),
        (
            "marks",
            format!("{MARKS_HEADER}{}{},2025-05-05,PM,/,,\n", good(2), upn(2)),
            &["line 3, field 'date'", "Bank holiday"],
        ),
        (
            "marks",
            format!("{MARKS_HEADER}{}{},2024-07-01,AM,/,,\n", good(2), upn(2)),
            &["line 3, field 'date'", "time on roll"],
        ),
        (
            "marks",
            format!("{MARKS_HEADER}{}{},2025-03-03,AM,/,,\n", good(2), upn(99)),
            &["line 3, field 'upn'", "no pupil with UPN"],
        ),
        (
            "marks",
            format!("{MARKS_HEADER}{}{},2025-3-3,AM,/,,\n", good(2), upn(2)),
            &["line 3, field 'date'", "YYYY-MM-DD"],
        ),
        (
            "marks",
            format!("{MARKS_HEADER}{}{},2025-03-03,XM,/,,\n", good(3), upn(2)),
            &["line 3, field 'session'", "AM or PM"],
        ),
        (
            "marks",
            "upn,date,code\n".to_owned(),
            &["line 1, field 'session'", "no column 'session'"],
        ),
        (
            "marks",
            format!("{MARKS_HEADER}{}{},2024-09-04,AM,I,,\n", good(2), upn(1)),
            &["line 3, field 'reason'", "needs a reason"],
        ),
        (
            "marks",
            format!("{MARKS_HEADER}{}{}", good(2), good(2)),
            &["line 3", "line 2 already gives a mark"],
        ),
        (
            "calendar",
            CALENDAR.replace("am_closes = \"09:20\"", "am_closes = \"09:21\""),
            &[
                "line 10, field 'registers.am_closes'",
                "31 minutes (08:50 to 09:21)",
                "at most 30 minutes",
            ],
        ),
        (
            "calendar",
            CALENDAR.replace("end = 2024-10-25", "end = \"2024-10-32\""),
            &["line 17, field 'half_terms.end'", "not a date"],
        ),
        (
            "calendar",
            CALENDAR.replace("end = 2024-10-25", "end = 2024-10-32"),
            &["line 17", "invalid date"],
        ),
        (
            "calendar",
            CALENDAR.replace("sessions = \"both\"", "sessions = \"evening\""),
            &["field 'closures.sessions'", "\"am\", \"pm\" or \"both\""],
        ),
    ];
    for (what, content, expected) in &cases {
        let name = format!(
            "{what}.{}",
            if *what == "calendar" { "toml" } else { "csv" }
        );
        let err = db.import_fails(what, &name, content);
        for e in *expected {
            assert!(err.contains(e), "import {what}: expected «{e}» in:\n{err}");
        }
        assert!(err.contains(&name), "the message names the file: {err}");
        assert_eq!(
            db.state(),
            before,
            "import {what} changed the database: {err}"
        );
    }
    // A file that does not exist, and a database in a folder that does not.
    assert!(db
        .fail(&["import", "marks", "/nonexistent/marks.csv"])
        .contains("cannot read /nonexistent/marks.csv"));
    assert!(db
        .fail(&[
            "stats",
            "pupils",
            "--from",
            "2025-13-01",
            "--to",
            "2025-01-01"
        ])
        .contains("YYYY-MM-DD"));
    assert!(db
        .fail(&[
            "stats",
            "groups",
            "--from",
            "2025-01-01",
            "--to",
            "2025-02-01",
            "--by",
            "shoe_size"
        ])
        .contains("cannot group by 'shoe_size'"));
    assert_eq!(db.state(), before);
}

/// A changed mark is an amendment that keeps the original entry, the new one, the reason, the
/// time and the person with their role; an identical row changes nothing.
fn amendments_keep_the_original(backend: Backend) {
    let db = school(backend, 2);
    let u = upn(1);
    db.import_ok(
        "marks",
        "marks.csv",
        &format!("{MARKS_HEADER}{u},2025-03-03,AM,N,,\n{u},2025-03-03,PM,L,5,\n"),
    );
    let first = db.json(&["marks"]);
    // The same rows again: nothing changes; `/` and `\` are one present mark.
    let out = db.import_ok(
        "marks",
        "same.csv",
        &format!("{MARKS_HEADER}{u},2025-03-03,AM,N,,\n{u},2025-03-03,PM,L,5,\n"),
    );
    assert!(out.contains("0 added, 0 amended, 2 unchanged"), "{out}");
    assert_eq!(db.json(&["marks"]), first);
    let path = db.file(
        "fix.csv",
        &format!("{MARKS_HEADER}{u},2025-03-03,AM,I,,Mother phoned: flu\n{u},2025-03-03,PM,L,5,\n"),
    );
    let r = db.run(&[
        "import",
        "marks",
        &path,
        "--recorded-by",
        "J. Patel",
        "--role",
        "attendance officer",
    ]);
    assert!(
        r.ok && r.stderr.contains("0 added, 1 amended, 1 unchanged"),
        "{}",
        r.stderr
    );
    let history = db.json(&["amendments"]);
    assert_eq!(history.len(), 1);
    let a = &history[0];
    assert_eq!(a["upn"], json!(u));
    assert_eq!(
        (a["date"].clone(), a["session"].clone()),
        (json!("2025-03-03"), json!("AM"))
    );
    assert_eq!(
        (a["original_code"].clone(), a["code"].clone()),
        (json!("N"), json!("I"))
    );
    assert_eq!(a["original_recorded_by"], json!("rollcall import"));
    assert_eq!(
        a["original_recorded_at"],
        first.iter().find(|m| m["session"] == "AM").unwrap()["recorded_at"]
    );
    assert_eq!(a["reason"], json!("Mother phoned: flu"));
    assert_eq!(
        (a["amended_by"].clone(), a["amended_role"].clone()),
        (json!("J. Patel"), json!("attendance officer"))
    );
    assert!(a["amended_at"].as_str().unwrap() >= a["original_recorded_at"].as_str().unwrap());
    let now = db.json(&["marks"]);
    let am = now.iter().find(|m| m["session"] == "AM").unwrap();
    assert_eq!(
        (am["code"].clone(), am["recorded_by"].clone()),
        (json!("I"), json!("J. Patel"))
    );
    assert_eq!(db.json(&["amendments", "--upn", &upn(2)]).len(), 0);
    let rows = stats(&db);
    assert_eq!(row(&rows, &u)["authorised"], json!(1));
    assert_eq!(row(&rows, &u)["unauthorised"], json!(0));
}

/// One database, several schools: each command acts on one, and nothing leaks between them.
fn several_schools(backend: Backend) {
    let db = school(backend, 2);
    db.import_ok(
        "marks",
        "marks.csv",
        &format!("{MARKS_HEADER}{}", marks_rows(&upn(1), &[("/", 4)])),
    );
    let other = CALENDAR
        .replace("Example Academy", "Second School")
        .replace("100001", "100002");
    db.import_ok("calendar", "other.toml", &other);
    let err = db.fail(&["pupils"]);
    assert!(
        err.contains("several schools") && err.contains("100001") && err.contains("100002"),
        "{err}"
    );
    // The same UPN may be on both schools' registers (dual registration).
    let path = db.file("p2.csv", &format!("{PUPILS_HEADER}{}", pupil_row(1)));
    db.ok(&["--school", "100002", "import", "pupils", &path]);
    let path = db.file(
        "m2.csv",
        &format!("{MARKS_HEADER}{}", marks_rows(&upn(1), &[("O", 6)])),
    );
    db.ok(&["import", "marks", &path, "--school", "100002"]);
    let first = db.json(&[
        "--school",
        "100001",
        "stats",
        "pupils",
        "--from",
        "2024-09-01",
        "--to",
        "2025-08-31",
    ]);
    let second = db.json(&[
        "stats",
        "pupils",
        "--from",
        "2024-09-01",
        "--to",
        "2025-08-31",
        "--school",
        "100002",
    ]);
    assert_eq!(first.len(), 2);
    assert_eq!(second.len(), 1);
    assert_eq!(
        (
            row(&first, &upn(1))["present"].clone(),
            row(&first, &upn(1))["unauthorised"].clone()
        ),
        (json!(4), json!(0))
    );
    assert_eq!(
        (
            row(&second, &upn(1))["present"].clone(),
            row(&second, &upn(1))["unauthorised"].clone()
        ),
        (json!(0), json!(6))
    );
    assert!(db
        .fail(&["--school", "999999", "pupils"])
        .contains("no school with URN 999999"));
}

/// Pupils are matched on UPN: a second file updates; derived columns follow statistics.md.
fn pupils_update_and_compulsory_school_age(backend: Backend) {
    let db = school(backend, 2);
    let changed = pupil_row(2)
        .replace(",8A,", ",8B,")
        .replace(",2024-09-02,,", ",2024-09-02,2025-03-31,");
    let out = db.import_ok(
        "pupils",
        "again.csv",
        &format!("{PUPILS_HEADER}{}{changed}", pupil_row(1)),
    );
    assert!(out.contains("0 added, 1 updated, 1 unchanged"), "{out}");
    let pupils = db.json(&["pupils"]);
    let p = row(&pupils, &upn(2));
    assert_eq!(
        (p["form"].clone(), p["leaving_date"].clone()),
        (json!("8B"), json!("2025-03-31"))
    );
    assert_eq!(row(&pupils, &upn(1))["leaving_date"], json!(null));
    assert_eq!(p["fsm"], json!(false));
    // Born 2011-10-03: five on 2016-10-03 → 2016-12-31; sixteen in 2027/28 → 2028-06-30.
    assert_eq!(
        (p["csa_start"].clone(), p["csa_end"].clone()),
        (json!("2016-12-31"), json!("2028-06-30"))
    );
    // The leaver is counted only to the leaving date.
    let rows = stats(&db);
    assert!(
        row(&rows, &upn(2))["unmarked"].as_u64().unwrap()
            < row(&rows, &upn(1))["unmarked"].as_u64().unwrap()
    );
    // A pupil who left before the period is not listed.
    let rows = db.json(&[
        "stats",
        "pupils",
        "--from",
        "2025-04-01",
        "--to",
        "2025-04-30",
    ]);
    assert_eq!(rows.len(), 1);
}

/// `X` for a pupil of compulsory school age is imported with a warning that says why it is
/// doubtful; for a pupil below that age it is simply imported.
fn x_and_compulsory_school_age(backend: Backend) {
    let db = school(backend, 1);
    let young = pupil_row(2)
        .replace("2011-10-", "2020-06-")
        .replace(",8,8A,", ",R,RA,");
    db.import_ok("pupils", "young.csv", &format!("{PUPILS_HEADER}{young}"));
    let marks = format!(
        "{MARKS_HEADER}{},2025-03-03,AM,X,,\n{},2025-03-03,AM,X,,\n",
        upn(1),
        upn(2)
    );
    let stderr = db.import_ok("marks", "x.csv", &marks);
    assert!(
        stderr.contains("line 2")
            && stderr.contains("this pupil is of compulsory school age on 2025-03-03"),
        "{stderr}"
    );
    assert!(!stderr.contains("line 3"), "{stderr}");
    let rows = db.json(&["marks", "--from", "2025-03-03", "--to", "2025-03-03"]);
    assert_eq!(rows.len(), 2, "both imported");
}

both!(
    x_and_compulsory_school_age,
    statistics_worked_examples,
    every_code_of_codes_md,
    codes_by_date_and_sub_codes,
    bad_input_changes_nothing,
    amendments_keep_the_original,
    several_schools,
    pupils_update_and_compulsory_school_age,
);

/// Options that apply to every command may stand before or after the command words, and
/// `ROLLCALL_DB` is read when `--db` is absent; running `init` twice is harmless.
#[test]
fn options_anywhere_and_the_environment() {
    let db = school(Backend::Sqlite, 1);
    let path = db.file(
        "m.csv",
        &format!("{MARKS_HEADER}{}", marks_rows(&upn(1), &[("/", 2)])),
    );
    let bin = env!("CARGO_BIN_EXE_rollcall");
    let run = |args: &[&str], env: Option<&str>| {
        let mut c = std::process::Command::new(bin);
        c.args(args)
            .env_remove("ROLLCALL_DB")
            .current_dir(db.dir.path());
        if let Some(url) = env {
            c.env("ROLLCALL_DB", url);
        }
        let o = c.output().unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    };
    run(&["--db", &db.url, "init"], None);
    run(&["init", "--db", &db.url], None);
    run(&["import", "marks", &path], Some(&db.url));
    let a = run(
        &[
            "--db",
            &db.url,
            "stats",
            "pupils",
            "--from",
            "2024-09-01",
            "--to",
            "2025-08-31",
        ],
        None,
    );
    let b = run(
        &[
            "stats",
            "pupils",
            "--from",
            "2024-09-01",
            "--to",
            "2025-08-31",
            "--db",
            &db.url,
        ],
        None,
    );
    let c = run(
        &[
            "stats",
            "pupils",
            "--from",
            "2024-09-01",
            "--to",
            "2025-08-31",
        ],
        Some(&db.url),
    );
    assert_eq!(a, b);
    assert_eq!(a, c);
    assert!(a.contains(",2,2,0,0,0,"), "{a}");
    // A plain path is an SQLite file too; with no --db, ./rollcall.db.
    let plain = db.dir.path().join("plain.db").display().to_string();
    run(&["--db", &plain, "init"], None);
    run(&["init"], None);
    assert!(db.dir.path().join("rollcall.db").exists());
}
