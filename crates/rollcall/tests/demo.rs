//! `rollcall demo`: a realistic school, built through the same imports as a school's own files.

use std::process::Command;

fn demo(dir: &std::path::Path, seed: &str) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(["demo", "--seed", seed, "--no-serve"])
        .env_remove("ROLLCALL_DB")
        .current_dir(dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "demo failed: {stderr}");
    (String::from_utf8(out.stdout).unwrap(), stderr)
}

fn rollcall(dir: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(["--db", "rollcall-demo.db"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_demo_school_looks_like_a_real_secondary_school() {
    let dir = tempfile::tempdir().unwrap();
    let (summary, log) = demo(dir.path(), "2024");
    assert!(
        summary.contains("Northfield Academy") && summary.contains("Year 11"),
        "{summary}"
    );
    assert!(log.contains("pupils: 1000 added"), "{log}");
    assert!(
        log.contains(" amended, "),
        "the demo makes amendments: {log}"
    );

    let groups: Vec<serde_json::Value> = serde_json::from_str(&rollcall(
        dir.path(),
        &[
            "stats",
            "groups",
            "--from",
            "2024-09-01",
            "--to",
            "2025-08-31",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    let school = &groups[0];
    let pct = |k: &str| school[k].as_f64().unwrap();
    let n = |k: &str| school[k].as_u64().unwrap();
    assert_eq!(n("pupils"), 1000);
    assert!((360_000..=400_000).contains(&n("possible")), "{school}");
    assert!((91.0..=95.0).contains(&pct("attendance_pct")), "{school}");
    assert!(
        (15.0..=23.0).contains(&pct("pa_pct")),
        "persistent absence near 18–20%: {school}"
    );
    assert!(
        (1.0..=3.5).contains(&pct("sa_pct")),
        "severe absence near 2%: {school}"
    );

    // Characteristics in national proportions.
    let by_fsm: Vec<serde_json::Value> = serde_json::from_str(&rollcall(
        dir.path(),
        &[
            "stats",
            "groups",
            "--from",
            "2024-09-01",
            "--to",
            "2025-08-31",
            "--by",
            "fsm",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    let fsm = by_fsm.iter().find(|g| g["fsm"] == true).unwrap()["pupils"]
        .as_u64()
        .unwrap();
    assert!((200..=300).contains(&fsm), "about 25% FSM: {fsm}");
    let rate = |g: &serde_json::Value| g["attendance_pct"].as_f64().unwrap();
    assert!(
        rate(by_fsm.iter().find(|g| g["fsm"] == true).unwrap())
            < rate(by_fsm.iter().find(|g| g["fsm"] == false).unwrap())
    );

    // Every code is one the register accepts, and a few amendments carry their reasons.
    let amendments = rollcall(dir.path(), &["amendments"]);
    assert!(amendments.lines().count() > 100, "{amendments}");
    assert!(amendments
        .lines()
        .skip(1)
        .all(|l| l.split(',').nth(10).is_some_and(|r| !r.is_empty())));

    // The same seed gives the same school.
    let marks = rollcall(
        dir.path(),
        &[
            "stats",
            "pupils",
            "--from",
            "2024-09-01",
            "--to",
            "2025-08-31",
        ],
    );
    let again = tempfile::tempdir().unwrap();
    demo(again.path(), "2024");
    assert_eq!(
        rollcall(
            again.path(),
            &[
                "stats",
                "pupils",
                "--from",
                "2024-09-01",
                "--to",
                "2025-08-31"
            ]
        ),
        marks
    );
    let files = std::fs::read_to_string(dir.path().join("demo-files/marks.csv")).unwrap();
    assert!(files.lines().count() > 370_000);
}
