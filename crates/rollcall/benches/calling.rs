//! Benchmark: the first-day calling list of the demo school (1,000 pupils) right after the
//! morning register closes, beside a peer doing the bare minimum of the same job on the same data
//! in the same run.
//!
//! Every morning register of the demo's day is taken at 09:00 with one pupil in 25 marked `N`;
//! the register closes at 09:10. Measured, each the median of several runs:
//!
//! - `App::calling_list` at 09:11 as the office: the school's pupils, calendar and the session's
//!   marks, the absence reports of the last fortnight (a report covering the session takes a
//!   pupil off the list; one whose expected return has passed puts them back), the day's calls
//!   and messages, each listed pupil's contacts, in order, vulnerable pupils first.
//! - The same at 10:05, once the calling policy's steps are due: the runs of unexplained absence
//!   of the pupils listed are followed back through the register (the first read also opens the
//!   steps; the runs measured find them open).
//! - `App::safeguarding` at 10:05, the safeguarding lead's page.
//! - Peer: one SQLite query joining the session's `N` marks to their pupils and contacts (no
//!   calendar, no pupils without a mark, no reports, no calls, no order of vulnerability).
//!
//! Run: `cargo bench -p rollcall --bench calling` (results in docs/performance.md).

use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use rollcall_app::registers::{self, MarkInput, RegisterKey, RegisterSubmission};
use rollcall_app::{open_store, resolve_school, Actor, App, Clock};
use rollcall_core::{Role, Session};

const RUNS: usize = 21;

/// A pupil and one of their contacts, as the peer reads them.
type PeerRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn timed(mut f: impl FnMut()) -> Duration {
    f();
    let times = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    median(times)
}

fn app_at(url: &str, now: NaiveDateTime) -> App {
    let url = url.to_owned();
    App::with_opener(Box::new(move || open_store(&url)), Clock::Fixed(now))
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("calling.db");
    let url = db.display().to_string();
    let today = rollcall_app::demo::demo_today();
    let mut store = open_store(&url).expect("open");
    rollcall_app::demo::build_demo(
        store.as_mut(),
        &dir.path().join("files"),
        &rollcall_demo::DemoOptions {
            seed: 2024,
            pupils: 1000,
        },
        Some(today),
        &mut |_, _, _| {},
    )
    .expect("demo");
    rollcall_app::demo::demo_people(store.as_mut()).expect("people");
    let school = resolve_school(store.as_mut(), None).expect("school").id;
    let mut forms: Vec<String> = store
        .pupils(school)
        .expect("pupils")
        .into_iter()
        .filter(|p| p.pupil.on_roll(today))
        .filter_map(|p| p.pupil.form)
        .collect();
    forms.sort();
    forms.dedup();
    let nine = today.and_hms_opt(9, 0, 0).expect("time");
    let tutor = Actor::command_line("Bench tutor", Role::Office);
    let mut absent = 0;
    let mut n = 0;
    for form in &forms {
        let reg = registers::register(store.as_mut(), school, form, today, Session::Am, nine)
            .expect("register");
        let marks = reg
            .pupils()
            .map(|r| {
                n += 1;
                let code = if n % 25 == 0 {
                    absent += 1;
                    "N"
                } else {
                    "/"
                };
                MarkInput {
                    upn: r.pupil.upn.to_string(),
                    code: code.into(),
                    ..MarkInput::default()
                }
            })
            .collect();
        let submission = RegisterSubmission {
            version: reg.version.clone(),
            reason: String::new(),
            marks,
        };
        let key = RegisterKey {
            form: form.clone(),
            date: today,
            session: Session::Am,
        };
        registers::take_register(store.as_mut(), school, &key, &submission, &tutor, nine)
            .expect("take");
    }
    let office = Actor::of_user(&store.user_by_name("office").expect("read").expect("office"));
    let dsl = Actor::of_user(&store.user_by_name("dsl").expect("read").expect("dsl"));
    drop(store);
    println!(
        "Demo school: {n} pupils on roll in {} forms on {today}, {absent} marked N at 09:00; the register closes at 09:10\n",
        forms.len()
    );

    let closed = app_at(&url, today.and_hms_opt(9, 11, 0).expect("time"));
    let listed = closed
        .calling_list(&office, None, None)
        .expect("list")
        .to_call
        .len();
    let after_close = timed(|| {
        closed.calling_list(&office, None, None).expect("list");
    });
    let due = app_at(&url, today.and_hms_opt(10, 5, 0).expect("time"));
    let with_steps = timed(|| {
        due.calling_list(&office, None, None).expect("list");
    });
    let page = due.safeguarding(&dsl).expect("page");
    let safeguarding = timed(|| {
        due.safeguarding(&dsl).expect("page");
    });

    let conn = rusqlite::Connection::open(&db).expect("open");
    let day = today.to_string();
    let mut peer_rows = 0;
    let peer = timed(|| {
        let mut stmt = conn
            .prepare_cached(
                "SELECT p.upn, p.surname, p.forename, c.forename, c.surname, c.phone
                 FROM marks m JOIN pupils p ON p.id = m.pupil_id
                 LEFT JOIN pupil_contacts pc ON pc.pupil_id = p.id
                 LEFT JOIN contact_people c ON c.id = pc.person_id
                 WHERE p.school_id = ?1 AND m.date = ?2 AND m.session = 'AM' AND m.code = 'N'
                 ORDER BY p.upn, pc.priority",
            )
            .expect("prepare");
        let rows: Vec<PeerRow> = stmt
            .query_map(rusqlite::params![school.get(), day], |r| {
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
        peer_rows = rows.len();
    });

    println!("| the calling list, {listed} pupils to call (median of {RUNS}) | time |");
    println!("|---|---|");
    println!(
        "| App::calling_list at 09:11, right after the register closed | {} |",
        ms(after_close)
    );
    println!(
        "| App::calling_list at 10:05, with the steps due by the clock | {} |",
        ms(with_steps)
    );
    println!(
        "| App::safeguarding at 10:05 ({} vulnerable pupils, {} open steps) | {} |",
        page.vulnerable.len(),
        page.open.len(),
        ms(safeguarding)
    );
    println!(
        "| peer: one SQLite query, N marks joined to pupils and contacts ({peer_rows} rows) | {} |",
        ms(peer)
    );
    println!(
        "\nratio calling list / peer: {:.1} (target: the list within 50 ms)",
        after_close.as_secs_f64() / peer.as_secs_f64()
    );
}
