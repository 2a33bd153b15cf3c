//! Notices to improve and penalty notices through the command line, on SQLite and on
//! PostgreSQL, held to interchange.md: improvement periods counted in school weeks, outcomes
//! computed from the marks, first and second amounts per parent per child, the law's refusals
//! with their reasons, and withdrawn notices not counted.

mod common;

use common::*;

const CONTACTS_HEADER: &str = "contact_id,upn,surname,forename,relationship,parental_responsibility,lives_with,priority,phone,email,address\n";

/// Pupil 1 lives with their mother (C1); their father (C2) has parental responsibility but
/// lives elsewhere; a social worker (C3) is neither.
fn family(db: &Db) {
    let a = upn(1);
    db.import_ok(
        "contacts",
        "contacts.csv",
        &format!(
            "{CONTACTS_HEADER}\
             C1,{a},Smith,Mary,mother,true,true,1,07700 900001,,\n\
             C2,{a},Smith,John,father,true,false,2,07700 900002,,\n\
             C3,{a},Worker,Alex,social worker,false,false,3,,,\n"
        ),
    );
}

fn marks(db: &Db, rows: &[(&str, &str, &str)]) {
    let a = upn(1);
    let body: String = rows
        .iter()
        .map(|(date, session, code)| format!("{a},{date},{session},{code},,\n"))
        .collect();
    db.import_ok("marks", "marks.csv", &format!("{MARKS_HEADER}{body}"));
}

/// Every session of the school days from `from` to `to` (weekdays), with `code`.
fn days<'a>(from: &str, to: &str, code: &'a str) -> Vec<(String, &'static str, &'a str)> {
    let mut out = Vec::new();
    for (date, session) in sessions() {
        if date >= d(from) && date <= d(to) {
            out.push((date.to_string(), session, code));
        }
    }
    out
}

fn import_days(db: &Db, from: &str, to: &str, code: &str) {
    let rows = days(from, to, code);
    let rows: Vec<(&str, &str, &str)> = rows.iter().map(|(a, b, c)| (a.as_str(), *b, *c)).collect();
    marks(db, &rows);
}

fn one(out: &str) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = serde_json::from_str(out).unwrap();
    assert_eq!(rows.len(), 1, "{out}");
    rows[0].clone()
}

fn improve(db: &Db, contact: &str, on: &str, weeks: &str) -> Run {
    db.run(&[
        "notice-to-improve",
        "issue",
        "--upn",
        &upn(1),
        "--contact",
        contact,
        "--on",
        on,
        "--weeks",
        weeks,
        "--format",
        "json",
    ])
}

fn improvement_periods_are_counted_in_school_weeks(backend: Backend) {
    let db = school(backend, 1);
    family(&db);
    // Issued on Wednesday 2 October 2024: the period starts on Thursday, and the third school
    // week counted from that week ends on Friday 18 October.
    let r = improve(&db, "C1", "2024-10-02", "3");
    assert!(r.ok, "{}", r.stderr);
    let n = one(&r.stdout);
    assert_eq!(n["upn"], upn(1));
    assert_eq!(n["contact_id"], "C1");
    assert_eq!(n["issued_on"], "2024-10-02");
    assert_eq!(n["period_start"], "2024-10-03");
    assert_eq!(n["period_end"], "2024-10-18");
    assert_eq!(n["outcome"], serde_json::Value::Null);

    // Issued on a Friday: the period starts the next Monday, in a week of its own. The half
    // term holiday (28 October – 1 November) is no school week and is skipped, so the fourth
    // school week is 18–22 November.
    let r = improve(&db, "C2", "2024-10-18", "4");
    assert!(r.ok, "{}", r.stderr);
    let n = one(&r.stdout);
    assert_eq!(n["period_start"], "2024-10-21");
    assert_eq!(n["period_end"], "2024-11-22");

    // Outside 3 to 6 weeks, a social worker, an unknown contact: refused, nothing recorded.
    for (contact, weeks, wanted) in [
        ("C1", "2", "3 to 6"),
        ("C1", "7", "3 to 6"),
        ("C3", "4", "not a parent"),
        ("C9", "4", "C9"),
    ] {
        let r = improve(&db, contact, "2024-10-02", weeks);
        assert!(!r.ok, "{contact} {weeks}: {}", r.stdout);
        assert!(
            r.stderr.contains(wanted),
            "expected {wanted:?} in {}",
            r.stderr
        );
    }
    assert_eq!(
        db.json(&["notice-to-improve", "list", "--as-of", "2024-10-02"])
            .len(),
        2
    );
}

fn outcomes_are_computed_from_the_marks_once_the_period_ends(backend: Backend) {
    let db = school(backend, 1);
    family(&db);
    assert!(improve(&db, "C1", "2024-10-02", "3").ok);
    assert!(improve(&db, "C2", "2024-10-18", "4").ok);
    // Present throughout, but for an unauthorised session before the first period, one in it
    // (Tuesday 15 October), and a late after registers closed in the second (U counts).
    import_days(&db, "2024-09-04", "2024-11-22", "/");
    let amended = format!(
        "{MARKS_HEADER}{},2024-10-01,AM,O,,truant\n{},2024-10-15,PM,G,,holiday\n{},2024-11-12,AM,U,25,late\n",
        upn(1),
        upn(1),
        upn(1)
    );
    db.import_ok("marks", "amend.csv", &amended);

    let list = |as_of: &str| db.json(&["notice-to-improve", "list", "--as-of", as_of]);
    // On the period's last day: no outcome yet, the unauthorised sessions so far.
    let rows = list("2024-10-18");
    assert_eq!(rows[0]["outcome"], serde_json::Value::Null);
    assert_eq!(rows[0]["unauthorised_sessions"], 1);
    assert_eq!(rows[1]["unauthorised_sessions"], 0);
    // The day after: not met.
    let rows = list("2024-10-19");
    assert_eq!(rows[0]["outcome"], "not_met");
    assert_eq!(rows[0]["unauthorised_sessions"], 1);
    assert_eq!(rows[1]["outcome"], serde_json::Value::Null);
    let rows = list("2024-11-23");
    assert_eq!(rows[1]["outcome"], "not_met");
    assert_eq!(rows[1]["unauthorised_sessions"], 1);

    // Without the late mark, the second period is met.
    db.import_ok(
        "marks",
        "fix.csv",
        &format!(
            "{MARKS_HEADER}{},2024-11-12,AM,L,25,arrived before registers closed\n",
            upn(1)
        ),
    );
    let rows = list("2024-11-23");
    assert_eq!(rows[1]["outcome"], "met");
    assert_eq!(rows[1]["unauthorised_sessions"], 0);
    let csv = db.ok(&["notice-to-improve", "list", "--as-of", "2024-11-23"]);
    assert!(
        csv.starts_with(
            "id,upn,contact_id,issued_on,period_start,period_end,outcome,unauthorised_sessions\n"
        ),
        "{csv}"
    );
}

fn penalty(db: &Db, contact: &str, on: &str) -> Run {
    db.run(&[
        "penalty-notice",
        "issue",
        "--upn",
        &upn(1),
        "--contact",
        contact,
        "--on",
        on,
        "--format",
        "json",
    ])
}

fn refused(db: &Db, contact: &str, on: &str, why: &str) {
    let before = db.ok(&["penalty-notice", "list", "--format", "json"]);
    let r = penalty(db, contact, on);
    assert!(!r.ok, "{contact} on {on} should be refused: {}", r.stdout);
    assert!(r.stderr.contains(why), "expected {why:?} in {}", r.stderr);
    assert_eq!(
        db.ok(&["penalty-notice", "list", "--format", "json"]),
        before
    );
}

fn penalty_notices_follow_the_law_per_parent_per_child(backend: Backend) {
    let db = school(backend, 1);
    family(&db);
    // 10 unauthorised sessions, 4–10 September: the threshold is met on 10 September PM.
    import_days(&db, "2024-09-04", "2024-09-10", "G");
    refused(&db, "C3", "2024-09-11", "not a parent");
    refused(&db, "C1", "2024-09-09", "threshold not met");

    let first = one(&penalty(&db, "C1", "2024-09-11").stdout);
    assert_eq!(first["sequence"], 1);
    assert_eq!(first["amount_if_paid_within_21_days"], 80);
    assert_eq!(first["amount_if_paid_within_28_days"], 160);
    assert_eq!(first["status"], "issued");
    assert_eq!(first["finding_date"], "2024-09-10");
    // The other parent: a first notice of their own, on the same finding.
    let father = one(&penalty(&db, "C2", "2024-09-11").stdout);
    assert_eq!(father["sequence"], 1);
    assert_eq!(father["finding_date"], "2024-09-10");
    // The finding is used for the mother.
    refused(&db, "C1", "2024-09-12", "threshold not met");

    // A second run of 10 (11–17 September): a second notice, with no reduction.
    import_days(&db, "2024-09-11", "2024-09-17", "O");
    let second = one(&penalty(&db, "C1", "2024-09-18").stdout);
    assert_eq!(second["sequence"], 2);
    assert_eq!(
        second["amount_if_paid_within_21_days"],
        serde_json::Value::Null
    );
    assert_eq!(second["amount_if_paid_within_28_days"], 160);
    assert_eq!(second["finding_date"], "2024-09-17");

    // A third run (18–24 September): a third notice within three years is refused.
    import_days(&db, "2024-09-18", "2024-09-24", "G");
    refused(&db, "C1", "2024-09-25", "third notice within three years");

    // Withdrawn, the first notice no longer counts: the next is a second notice again, and its
    // finding is free for it.
    let id = first["id"].as_i64().unwrap().to_string();
    db.ok(&[
        "penalty-notice",
        "withdraw",
        &id,
        "--on",
        "2024-09-20",
        "--reason",
        "Issued in error",
    ]);
    let again = db.fail(&[
        "penalty-notice",
        "withdraw",
        &id,
        "--on",
        "2024-09-21",
        "--reason",
        "Again",
    ]);
    assert!(again.contains("withdrawn"), "{again}");
    assert!(db
        .fail(&[
            "penalty-notice",
            "withdraw",
            "999",
            "--on",
            "2024-09-21",
            "--reason",
            "x"
        ])
        .contains("999"));
    let third = one(&penalty(&db, "C1", "2024-09-25").stdout);
    assert_eq!(third["sequence"], 2);
    assert_eq!(third["finding_date"], "2024-09-10");
    assert_eq!(
        third["amount_if_paid_within_21_days"],
        serde_json::Value::Null
    );

    let all = db.json(&["penalty-notice", "list"]);
    let statuses: Vec<(&str, &str, i64)> = all
        .iter()
        .map(|r| {
            (
                r["contact_id"].as_str().unwrap(),
                r["status"].as_str().unwrap(),
                r["sequence"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("C1", "withdrawn", 1),
            ("C2", "issued", 1),
            ("C1", "issued", 2),
            ("C1", "issued", 2)
        ]
    );
    let csv = db.ok(&["penalty-notice", "list"]);
    assert!(csv.starts_with("id,upn,contact_id,issued_on,sequence,amount_if_paid_within_21_days,amount_if_paid_within_28_days,status,finding_date\n"), "{csv}");
}

fn a_pupil_past_compulsory_school_age_gets_no_penalty_notice(backend: Backend) {
    let db = Db::new(backend);
    db.ok(&["init"]);
    db.import_ok("calendar", "calendar.toml", CALENDAR);
    // Born October 2007: compulsory school age ended in June 2024.
    db.import_ok(
        "pupils",
        "pupils.csv",
        &format!(
            "{PUPILS_HEADER}{},Older,Pupil,2007-10-01,M,12,12A,2024-09-02,,false,false,false,false,false,false,N,WBRI\n",
            upn(1)
        ),
    );
    family(&db);
    import_days(&db, "2024-09-04", "2024-09-10", "G");
    refused(&db, "C1", "2024-09-11", "not of compulsory school age");
    let bad = db.fail(&[
        "penalty-notice",
        "issue",
        "--upn",
        &upn(5),
        "--contact",
        "C1",
        "--on",
        "2024-09-11",
    ]);
    assert!(bad.contains(&upn(5)), "{bad}");
}

fn the_evidence_packs_extract_matches_the_register_row_for_row(backend: Backend) {
    let db = school(backend, 2);
    family(&db);
    import_days(&db, "2024-09-04", "2024-12-06", "/");
    // The offence: every session of 2–6 December changed to G; an earlier mark changed inside
    // the 10 school weeks before it, and one before them.
    let a = upn(1);
    let mut rows = String::from(MARKS_HEADER);
    for (date, session, _) in days("2024-12-02", "2024-12-06", "G") {
        rows.push_str(&format!("{a},{date},{session},G,,term-time holiday\n"));
    }
    rows.push_str(&format!("{a},2024-10-01,AM,I,,ill: parent rang late\n"));
    rows.push_str(&format!("{a},2024-09-10,PM,M,,dentist\n"));
    db.import_ok("marks", "changes.csv", &rows);
    // Another pupil's marks stay out of the extract.
    db.import_ok(
        "marks",
        "other.csv",
        &format!("{MARKS_HEADER}{},2024-10-01,AM,/,,\n", upn(2)),
    );

    let args = |extra: &[&str]| {
        let mut v = vec!["evidence-pack", "--upn", &a, "--as-of", "2024-12-09"];
        v.extend_from_slice(extra);
        v.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let run = |extra: &[&str]| {
        let owned = args(extra);
        let refs: Vec<&str> = owned.iter().map(String::as_str).collect();
        db.json(&refs)
    };
    let marks = run(&[]);
    // The offence week and the 10 school weeks before it (the half term holiday skipped):
    // 16 September to 6 December.
    assert_eq!(marks.first().unwrap()["date"], "2024-09-16");
    assert_eq!(marks.last().unwrap()["date"], "2024-12-06");
    let register: Vec<serde_json::Value> = db
        .json(&["marks", "--from", "2024-09-16", "--to", "2024-12-06"])
        .into_iter()
        .filter(|r| r["upn"] == a)
        .collect();
    assert_eq!(marks, register);

    let amendments = run(&["--amendments"]);
    let all: Vec<serde_json::Value> = db
        .json(&["amendments", "--upn", &a])
        .into_iter()
        .filter(|r| {
            let d = r["date"].as_str().unwrap();
            ("2024-09-16"..="2024-12-06").contains(&d)
        })
        .collect();
    assert_eq!(amendments, all);
    assert_eq!(amendments.len(), 11, "{amendments:?}");
    assert!(amendments.iter().all(|r| r["date"] != "2024-09-10"));

    // The pack itself: a PDF whose extract holds every mark with who recorded it.
    let out = db.file("pack.pdf", "");
    let owned = args(&["--out", &out]);
    let refs: Vec<&str> = owned.iter().map(String::as_str).collect();
    db.ok(&refs);
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let text = rollcall_testkit::pdf::pdf_text(&bytes);
    assert!(text.contains("Certified a true extract"), "{text}");
    assert!(text.contains("term-time holiday"), "{text}");
    assert!(
        text.contains(&format!(
            "Register extract, 16 September 2024 to 6 December 2024 ({} marks)",
            register.len()
        )),
        "{text}"
    );

    // Below the threshold there is no pack.
    let none = db.fail(&["evidence-pack", "--upn", &upn(2), "--as-of", "2024-12-09"]);
    assert!(none.contains("threshold not met"), "{none}");
}

both!(
    the_evidence_packs_extract_matches_the_register_row_for_row,
    improvement_periods_are_counted_in_school_weeks,
    outcomes_are_computed_from_the_marks_once_the_period_ends,
    penalty_notices_follow_the_law_per_parent_per_child,
    a_pupil_past_compulsory_school_age_gets_no_penalty_notice,
);
