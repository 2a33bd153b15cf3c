//! Contacts and leave of absence through the command line, on SQLite and on PostgreSQL, held to
//! interchange.md: the import's matching and refusals, and leave requested, refused at once by
//! law, granted with pre-entered marks on exactly the school sessions, and listed.

mod common;

use common::*;

const CONTACTS_HEADER: &str = "contact_id,upn,surname,forename,relationship,parental_responsibility,lives_with,priority,phone,email,address\n";

/// Pupil 1 lives with their mother (C1); their father (C2) has parental responsibility but
/// lives elsewhere; a social worker (C3) is neither. The mother is also pupil 2's.
fn family() -> String {
    let (a, b) = (upn(1), upn(2));
    format!(
        "{CONTACTS_HEADER}\
         C1,{a},Smith,Mary,mother,true,true,1,07700 900001,mary@example.org,1 High Street\n\
         C2,{a},Smith,John,father,true,false,2,07700 900002,,9 Low Road\n\
         C3,{a},Worker,Alex,social worker,false,false,3,,alex@example.gov.uk,\n\
         C1,{b},Smith,Mary,mother,true,true,1,07700 900001,mary@example.org,1 High Street\n"
    )
}

fn contacts_are_imported_matched_and_listed(backend: Backend) {
    let db = school(backend, 3);
    let out = db.import_ok("contacts", "contacts.csv", &family());
    assert!(out.contains("4 added"), "{out}");
    let rows = db.json(&["contacts"]);
    assert_eq!(rows.len(), 4);
    let mary = rows
        .iter()
        .find(|r| r["contact_id"] == "C1" && r["upn"] == upn(1))
        .unwrap();
    assert_eq!(mary["parental_responsibility"], true);
    assert_eq!(mary["lives_with"], true);
    assert_eq!(mary["priority"], 1);
    assert_eq!(mary["email"], "mary@example.org");
    let worker = rows.iter().find(|r| r["contact_id"] == "C3").unwrap();
    assert_eq!(worker["phone"], serde_json::Value::Null);
    assert_eq!(worker["may_collect"], false);

    // A second file matches on contact_id + upn: the father now lives with the pupil, a new
    // number is the person's for every pupil, and contacts not in the file stay.
    let a = upn(1);
    let out = db.import_ok(
        "contacts",
        "update.csv",
        &format!(
            "{CONTACTS_HEADER}C2,{a},Smith,John,father,true,true,2,07700 900222,,9 Low Road\n"
        ),
    );
    assert!(out.contains("1 updated"), "{out}");
    let rows = db.json(&["contacts"]);
    assert_eq!(rows.len(), 4);
    let john = rows.iter().find(|r| r["contact_id"] == "C2").unwrap();
    assert_eq!(john["lives_with"], true);
    assert_eq!(john["phone"], "07700 900222");
    // Pupil 1 has three contacts, two with a phone, and lives with a parent; pupil 2 has one
    // number only; pupil 3 has nobody.
    let short = db.json(&["contacts", "--short", "--as-of", "2025-03-03"]);
    let upns: Vec<&str> = short.iter().map(|r| r["upn"].as_str().unwrap()).collect();
    assert_eq!(upns, [upn(2), upn(3)]);
    assert!(
        short[1]["problems"].as_str().unwrap().contains("no parent"),
        "{short:?}"
    );
}

fn a_bad_contacts_file_changes_nothing_and_names_the_line(backend: Backend) {
    let db = school(backend, 2);
    db.import_ok("contacts", "contacts.csv", &family());
    let before = db.ok(&["contacts", "--format", "json"]);
    let (a, b) = (upn(1), upn(2));
    let cases = [
        (
            format!("{CONTACTS_HEADER}C9,{a},New,Person,aunt,false,false,,,,\nC1,{b},Smith,Mary,mother,maybe,true,,,,\n"),
            vec!["line 3", "parental_responsibility"],
        ),
        (
            format!("{CONTACTS_HEADER}C9,{a},New,Person,aunt,false,false,,,not-an-address,\n"),
            vec!["line 2", "email"],
        ),
        (
            format!("{CONTACTS_HEADER}C9,{a},New,Person,aunt,false,false,,,,\nC9,{b},Other,Person,aunt,false,false,,,,\n"),
            vec!["line 3", "line 2", "contact_id"],
        ),
        (
            format!("{CONTACTS_HEADER}C9,{},New,Person,aunt,false,false,,,,\n", upn(77)),
            vec!["line 2", "upn", "admission register"],
        ),
        (
            "contact_id,upn,surname,forename,relationship,parental_responsibility\n".to_owned(),
            vec!["line 1", "lives_with"],
        ),
    ];
    for (file, wanted) in cases {
        let err = db.import_fails("contacts", "bad.csv", &file);
        assert!(err.contains("bad.csv"), "{err}");
        for w in wanted {
            assert!(err.contains(w), "expected {w:?} in: {err}");
        }
        assert_eq!(db.ok(&["contacts", "--format", "json"]), before);
    }
}

/// The sessions a leave application's table row gives.
fn leave_row(out: &str) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = serde_json::from_str(out).unwrap();
    assert_eq!(rows.len(), 1, "{out}");
    rows[0].clone()
}

fn request(db: &Db, contact: &str, from: &str, to: &str, on: &str) -> Run {
    db.run(&[
        "leave",
        "request",
        "--upn",
        &upn(1),
        "--contact",
        contact,
        "--from",
        from,
        "--to",
        to,
        "--code",
        "C",
        "--reason",
        "Family wedding abroad",
        "--requested-on",
        on,
        "--format",
        "json",
    ])
}

fn leave_is_granted_onto_exactly_the_school_sessions(backend: Backend) {
    let db = school(backend, 2);
    db.import_ok("contacts", "contacts.csv", &family());
    let a = upn(1);
    // Present on the Thursday morning, N on the Friday morning: the first is kept, the second
    // becomes the leave (an amendment naming the decision).
    db.import_ok(
        "marks",
        "marks.csv",
        &format!("{MARKS_HEADER}{a},2025-05-01,AM,/,,\n{a},2025-05-02,AM,N,,\n"),
    );
    let r = request(&db, "C1", "2025-05-01", "2025-05-07", "2025-04-01");
    assert!(r.ok, "{}", r.stderr);
    let app = leave_row(&r.stdout);
    assert_eq!(app["status"], "pending");
    assert_eq!(app["from_session"], "AM");
    assert_eq!(app["to_session"], "PM");
    assert_eq!(app["contact_id"], "C1");
    assert_eq!(app["decided_on"], serde_json::Value::Null);
    let id = app["id"].as_i64().unwrap().to_string();

    let out = db.ok(&[
        "leave",
        "decide",
        &id,
        "--grant",
        "--on",
        "2025-04-03",
        "--reason",
        "Exceptional: a parent's wedding",
        "--format",
        "json",
    ]);
    let decided = leave_row(&out);
    assert_eq!(decided["status"], "granted");
    assert_eq!(decided["decided_on"], "2025-04-03");

    let marks = db.json(&["marks", "--from", "2025-05-01", "--to", "2025-05-09"]);
    let of = |date: &str, session: &str| {
        marks
            .iter()
            .find(|m| m["upn"] == a && m["date"] == date && m["session"] == session)
            .map(|m| m["code"].as_str().unwrap().to_owned())
    };
    assert_eq!(of("2025-05-01", "AM").as_deref(), Some("/"));
    for (date, session) in [
        ("2025-05-01", "PM"),
        ("2025-05-02", "AM"),
        ("2025-05-02", "PM"),
        ("2025-05-06", "AM"),
        ("2025-05-06", "PM"),
        ("2025-05-07", "AM"),
        ("2025-05-07", "PM"),
    ] {
        assert_eq!(of(date, session).as_deref(), Some("C"), "{date} {session}");
    }
    // The weekend, the bank holiday and the day after the period have no mark.
    for date in ["2025-05-03", "2025-05-04", "2025-05-05", "2025-05-08"] {
        assert_eq!(of(date, "AM"), None, "{date}");
    }
    // The other pupil is untouched.
    assert!(marks.iter().all(|m| m["upn"] == a));
    let amendments = db.json(&["amendments"]);
    assert_eq!(amendments.len(), 1, "{amendments:?}");
    let text = amendments[0].to_string();
    assert!(
        text.contains("2025-05-02") && text.contains("leave"),
        "{text}"
    );

    // Deciding again is refused and changes nothing.
    let before = db.state();
    let again = db.run(&[
        "leave",
        "decide",
        &id,
        "--refuse",
        "--on",
        "2025-04-04",
        "--reason",
        "changed mind",
    ]);
    assert!(!again.ok);
    assert!(
        again.stderr.contains("already") || again.stderr.contains("cannot be decided again"),
        "{}",
        again.stderr
    );
    assert_eq!(db.state(), before);
}

fn the_law_refuses_some_applications_at_once(backend: Backend) {
    let db = school(backend, 2);
    db.import_ok("contacts", "contacts.csv", &family());
    // The father does not live with the pupil.
    let r = request(&db, "C2", "2025-06-02", "2025-06-06", "2025-05-01");
    assert!(r.ok, "{}", r.stderr);
    let father = leave_row(&r.stdout);
    assert_eq!(father["status"], "refused");
    assert!(
        father["reason"].as_str().unwrap().contains("live with"),
        "{father}"
    );
    // The social worker is not a parent at all.
    let r = request(&db, "C3", "2025-06-02", "2025-06-06", "2025-05-01");
    assert_eq!(leave_row(&r.stdout)["status"], "refused");
    // Asked after the first session it covers.
    let r = request(&db, "C1", "2025-06-02:PM", "2025-06-06:AM", "2025-06-03");
    let late = leave_row(&r.stdout);
    assert_eq!(late["status"], "refused");
    assert_eq!(late["from_session"], "PM");
    assert_eq!(late["to_session"], "AM");
    assert!(
        late["reason"].as_str().unwrap().contains("retrospectively"),
        "{late}"
    );
    // Asked on the first day itself is in time.
    let r = request(&db, "C1", "2025-06-09", "2025-06-09", "2025-06-09");
    assert_eq!(leave_row(&r.stdout)["status"], "pending");

    // Granting a refused application fails and changes nothing.
    let id = father["id"].as_i64().unwrap().to_string();
    let before = db.state();
    let list_before = db.ok(&["leave", "list"]);
    let grant = db.run(&[
        "leave",
        "decide",
        &id,
        "--grant",
        "--on",
        "2025-05-02",
        "--reason",
        "ok",
    ]);
    assert!(!grant.ok);
    assert_eq!(db.state(), before);
    assert_eq!(db.ok(&["leave", "list"]), list_before);

    // A refusal enters no mark.
    let pending = db.json(&["leave", "list"]);
    assert_eq!(pending.len(), 4);
    let id = pending[3]["id"].as_i64().unwrap().to_string();
    db.ok(&[
        "leave",
        "decide",
        &id,
        "--refuse",
        "--on",
        "2025-06-09",
        "--reason",
        "Not exceptional",
    ]);
    assert!(db
        .json(&["marks", "--from", "2025-06-01", "--to", "2025-06-30"])
        .is_empty());
    let list = db.json(&["leave", "list"]);
    let statuses: Vec<&str> = list.iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["refused", "refused", "refused", "refused"]);
    assert_eq!(list[3]["reason"], "Not exceptional");

    // CSV has the contract's columns in order.
    let csv = db.ok(&["leave", "list"]);
    assert!(csv.starts_with("id,upn,contact_id,from_date,from_session,to_date,to_session,code,requested_on,status,decided_on,reason\n"), "{csv}");
}

fn bad_leave_requests_record_nothing(backend: Backend) {
    let db = school(backend, 2);
    db.import_ok("contacts", "contacts.csv", &family());
    let a = upn(1);
    for (args, wanted) in [
        (
            vec![
                "--upn",
                &a,
                "--contact",
                "C1",
                "--from",
                "2025-06-02",
                "--to",
                "2025-06-03",
                "--code",
                "G",
            ],
            "G",
        ),
        (
            vec![
                "--upn",
                &a,
                "--contact",
                "C9",
                "--from",
                "2025-06-02",
                "--to",
                "2025-06-03",
                "--code",
                "C",
            ],
            "C9",
        ),
        (
            vec![
                "--upn",
                &a,
                "--contact",
                "C1",
                "--from",
                "2025-06-05",
                "--to",
                "2025-06-03",
                "--code",
                "C",
            ],
            "before",
        ),
        (
            vec![
                "--upn",
                &a,
                "--contact",
                "C1",
                "--from",
                "2025-08-04",
                "--to",
                "2025-08-08",
                "--code",
                "C",
            ],
            "no school session",
        ),
        (
            vec![
                "--upn",
                &a,
                "--contact",
                "C1",
                "--from",
                "2025-06-02:XM",
                "--to",
                "2025-06-03",
                "--code",
                "C",
            ],
            "XM",
        ),
    ] {
        let mut all = vec!["leave", "request"];
        all.extend(args);
        all.extend(["--reason", "r", "--requested-on", "2025-05-01"]);
        let err = db.fail(&all);
        assert!(err.contains(wanted), "expected {wanted:?} in: {err}");
    }
    assert!(db.json(&["leave", "list"]).is_empty());
    let missing = db.fail(&[
        "leave",
        "decide",
        "99",
        "--grant",
        "--on",
        "2025-05-01",
        "--reason",
        "x",
    ]);
    assert!(missing.contains("99"), "{missing}");
}

both!(
    contacts_are_imported_matched_and_listed,
    a_bad_contacts_file_changes_nothing_and_names_the_line,
    leave_is_granted_onto_exactly_the_school_sessions,
    the_law_refuses_some_applications_at_once,
    bad_leave_requests_record_nothing,
);
