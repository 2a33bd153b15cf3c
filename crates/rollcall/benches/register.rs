//! Benchmark: importing the demo school's year of marks and computing its per-pupil statistics on
//! SQLite, each beside a peer doing the same job on the same data in the same run.
//!
//! - Import: `rollcall import marks` (CSV read, every row checked against the admission register,
//!   the calendar and the stored marks, then written in one transaction) against a bare SQLite
//!   bulk load of the same rows into the same table (CSV read, UPN looked up, prepared INSERT in
//!   one transaction, no checks).
//! - Statistics: Rollcall's per-pupil figures (load the marks from SQLite, count them in
//!   `rollcall-core`, unmarked sessions included) against one SQLite `GROUP BY` query that counts
//!   the same marks by category per pupil (which cannot see unmarked sessions).
//!
//! Run: `cargo bench -p rollcall --bench register` (medians of several runs; results in
//! docs/performance.md).

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use rollcall_app::alerts::{alerts, AlertQuery};
use rollcall_app::import::{import_calendar, import_marks, import_pupils};
use rollcall_app::reports::{compute_pupil_stats, pupil_stats};
use rollcall_app::{open_store, resolve_school, Actor};
use rollcall_core::Role;
use rollcall_store::{DateRange, Store};

const RUNS: usize = 7;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// A database with the demo's calendar and pupils, and no marks.
fn prepared(dir: &Path, files: &Path, n: usize) -> (Box<dyn Store>, rollcall_store::School) {
    let db = dir.join(format!("bench-{n}.db"));
    let mut store = open_store(&db.display().to_string()).expect("open");
    import_calendar(store.as_mut(), &files.join("calendar.toml")).expect("calendar");
    let school = resolve_school(store.as_mut(), None).expect("school");
    import_pupils(store.as_mut(), &school, &files.join("pupils.csv")).expect("pupils");
    (store, school)
}

fn peer_bulk_load(db: &Path, marks: &Path) -> Duration {
    let mut conn = rusqlite::Connection::open(db).expect("open");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
    )
    .expect("pragmas");
    let start = Instant::now();
    let ids: HashMap<String, i64> = conn
        .prepare("SELECT upn, id FROM pupils")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let tx = conn.transaction().expect("tx");
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO marks (pupil_id, date, session, code, minutes_late, recorded_by, recorded_role, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'bench', 'bench', '2025-01-01T00:00:00Z')",
            )
            .expect("prepare");
        let mut reader = csv::Reader::from_path(marks).expect("csv");
        for record in reader.records() {
            let r = record.expect("record");
            let minutes: Option<u32> = r[4].parse().ok();
            insert
                .execute(rusqlite::params![ids[&r[0]], &r[1], &r[2], &r[3], minutes])
                .expect("insert");
        }
    }
    tx.commit().expect("commit");
    start.elapsed()
}

fn peer_group_by(db: &Path, from: &str, to: &str) -> (Duration, usize) {
    let conn = rusqlite::Connection::open(db).expect("open");
    let sql = "SELECT p.upn,
            SUM(m.code IN ('/', '\\', 'L')),
            SUM(m.code IN ('K', 'V', 'P', 'W', 'B')),
            SUM(m.code IN ('C1', 'M', 'J1', 'S', 'C2', 'C', 'T', 'R', 'I', 'E')),
            SUM(m.code IN ('G', 'N', 'O', 'U')),
            SUM(m.code IN ('L', 'U'))
        FROM pupils p JOIN marks m ON m.pupil_id = p.id
        WHERE m.date BETWEEN ?1 AND ?2
        GROUP BY p.id ORDER BY p.upn";
    let start = Instant::now();
    let mut stmt = conn.prepare(sql).expect("prepare");
    let rows: Vec<(String, i64, i64, i64, i64, i64)> = stmt
        .query_map([from, to], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    (start.elapsed(), rows.len())
}

/// A rough peer for the penalty rule: for every unauthorised session, the unauthorised sessions
/// of the same pupil in the 70 calendar days up to it (no skipping of holidays, no sessions used
/// once), by a window function.
fn peer_rolling_window(db: &Path) -> Duration {
    let conn = rusqlite::Connection::open(db).expect("open");
    let sql = "SELECT pupil_id, date, session, COUNT(*) OVER (
            PARTITION BY pupil_id ORDER BY julianday(date) RANGE BETWEEN 69 PRECEDING AND CURRENT ROW)
        FROM marks WHERE code IN ('G', 'N', 'O', 'U')";
    let start = Instant::now();
    let mut stmt = conn.prepare(sql).expect("prepare");
    let met = stmt
        .query_map([], |r| r.get::<_, i64>(3))
        .expect("query")
        .filter(|c| c.as_ref().is_ok_and(|&c| c >= 10))
        .count();
    std::hint::black_box(met);
    start.elapsed()
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = dir.path().join("files");
    let demo = rollcall_demo::generate(&rollcall_demo::DemoOptions {
        seed: 2024,
        pupils: 1000,
    });
    demo.write_to(&files).expect("write demo");
    let marks = files.join("marks.csv");
    let rows = demo.marks_csv.lines().count() - 1;
    println!("Demo school: 1,000 pupils, {rows} marks (seed 2024)\n");

    let actor = Actor::command_line("bench", Role::Administrator);
    let mut ours = Vec::new();
    let mut peer = Vec::new();
    for run in 0..RUNS {
        let (mut store, school) = prepared(dir.path(), &files, run * 2);
        let start = Instant::now();
        import_marks(store.as_mut(), &school, &marks, &actor, &mut |_, _, _| {}).expect("import");
        ours.push(start.elapsed());
        drop(store);
        let (store, _) = prepared(dir.path(), &files, run * 2 + 1);
        drop(store);
        peer.push(peer_bulk_load(
            &dir.path().join(format!("bench-{}.db", run * 2 + 1)),
            &marks,
        ));
    }
    let (ours, peer) = (median(ours), median(peer));
    println!("| import of {rows} marks | median of {RUNS} |");
    println!("|---|---|");
    println!(
        "| rollcall import marks (checked, one transaction) | {} |",
        ms(ours)
    );
    println!("| peer: SQLite bulk load, no checks | {} |", ms(peer));
    println!(
        "| ratio rollcall / peer | {:.2} |\n",
        ours.as_secs_f64() / peer.as_secs_f64()
    );

    let db = dir.path().join("bench-0.db");
    let mut store = open_store(&db.display().to_string()).expect("open");
    let school = resolve_school(store.as_mut(), None).expect("school");
    let (from, to) = (
        rollcall_core::parse_date("2024-09-01").unwrap(),
        rollcall_core::parse_date("2025-08-31").unwrap(),
    );
    let mut whole = Vec::new();
    let mut load = Vec::new();
    let mut compute = Vec::new();
    let mut sql = Vec::new();
    let mut pupils_seen = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let stats = pupil_stats(store.as_mut(), school.id, from, to).expect("stats");
        whole.push(start.elapsed());
        pupils_seen = stats.len();

        let start = Instant::now();
        let calendar = store.calendar(school.id).expect("calendar");
        let pupils = store.pupils(school.id).expect("pupils");
        let facts = store
            .mark_facts(school.id, DateRange::between(from, to))
            .expect("facts");
        load.push(start.elapsed());
        let start = Instant::now();
        let stats = compute_pupil_stats(&calendar, pupils, facts, from, to);
        compute.push(start.elapsed());
        assert_eq!(stats.len(), pupils_seen);

        let (t, n) = peer_group_by(&db, "2024-09-01", "2025-08-31");
        assert!(n <= pupils_seen);
        sql.push(t);
    }
    let (whole, load, compute, sql) = (median(whole), median(load), median(compute), median(sql));
    println!("| per-pupil statistics for the year ({pupils_seen} pupils) | median of {RUNS} |");
    println!("|---|---|");
    println!("| rollcall, load from SQLite + compute | {} |", ms(whole));
    println!("|   of which loading the marks | {} |", ms(load));
    println!("|   of which computing in memory | {} |", ms(compute));
    println!(
        "| peer: SQLite GROUP BY over the same marks | {} |",
        ms(sql)
    );
    println!(
        "| ratio rollcall / peer (whole) | {:.2} |",
        whole.as_secs_f64() / sql.as_secs_f64()
    );

    // All rules for the year, as `rollcall alerts --all` evaluates them.
    let as_of = rollcall_core::parse_date("2025-07-22").unwrap();
    let query = AlertQuery {
        all_rules: true,
        ..AlertQuery::default()
    };
    let mut rules = Vec::new();
    let mut peer_rules = Vec::new();
    let mut found = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        found = alerts(store.as_mut(), school.id, as_of, &query).expect("alerts");
        rules.push(start.elapsed());
        peer_rules.push(peer_rolling_window(&db));
    }
    let (rules, peer_rules) = (median(rules), median(peer_rules));
    println!(
        "\n| all rules for the year, {} findings | median of {RUNS} |",
        found.len()
    );
    println!("|---|---|");
    println!(
        "| rollcall alerts --all (load + evaluate every rule) | {} |",
        ms(rules)
    );
    println!(
        "| peer: SQLite window query, unauthorised sessions in the 70 days before each | {} |",
        ms(peer_rules)
    );
    println!(
        "| ratio rollcall / peer | {:.2} |",
        rules.as_secs_f64() / peer_rules.as_secs_f64()
    );
    let mut per_rule = std::collections::BTreeMap::new();
    for f in &found {
        *per_rule.entry(f.rule.name()).or_insert(0) += 1;
    }
    println!("\nFindings per rule: {per_rule:?}");

    let bytes = rows * std::mem::size_of::<rollcall_store::PupilMarkFact>();
    println!(
        "\nMarks in memory for statistics: {rows} × {} bytes = {:.1} MB",
        std::mem::size_of::<rollcall_store::PupilMarkFact>(),
        bytes as f64 / 1e6
    );
}
