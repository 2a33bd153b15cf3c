//! A demo school for the use cases' tests: built once per size and test binary, copied for each
//! test, with the clock stopped on [`TODAY`].

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use chrono::NaiveDateTime;
use rollcall_app::{Actor, App, Clock};

/// Tuesday 8 July 2025, a school day near the end of the demo's year.
pub const TODAY: &str = "2025-07-08";

/// The demo school of `pupils` pupils with its demo users, built once per size.
fn template(pupils: u32) -> PathBuf {
    static BUILT: Mutex<Option<HashMap<u32, PathBuf>>> = Mutex::new(None);
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    built
        .get_or_insert_with(HashMap::new)
        .entry(pupils)
        .or_insert_with(|| {
            let dir = std::env::temp_dir().join(format!(
                "rollcall-app-tests-{}-{pupils}",
                std::process::id()
            ));
            std::fs::create_dir_all(&dir).unwrap();
            let db = dir.join("template.db");
            let _ = std::fs::remove_file(&db);
            let mut store = rollcall_app::open_store(&db.display().to_string()).unwrap();
            let opts = rollcall_demo::DemoOptions {
                seed: 7,
                pupils: pupils as usize,
            };
            rollcall_app::demo::build_demo(
                store.as_mut(),
                &dir.join("files"),
                &opts,
                Some(rollcall_core::parse_date(TODAY).unwrap()),
                &mut |_, _, _| {},
            )
            .unwrap();
            rollcall_app::demo::demo_people(store.as_mut()).unwrap();
            db
        })
        .clone()
}

/// A copy of the demo school and the application over it.
pub struct School {
    pub app: App,
    pub url: String,
    _dir: tempfile::TempDir,
}

impl School {
    /// A copy of the demo school of `pupils` pupils with the clock stopped at `time` (`HH:MM`)
    /// on [`TODAY`].
    pub fn at(pupils: u32, time: &str) -> School {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("rollcall.db");
        std::fs::copy(template(pupils), &db).unwrap();
        let url = db.display().to_string();
        let now =
            NaiveDateTime::parse_from_str(&format!("{TODAY} {time}"), "%Y-%m-%d %H:%M").unwrap();
        let opener = url.clone();
        let app = App::with_opener(
            Box::new(move || rollcall_app::open_store(&opener)),
            Clock::Fixed(now),
        );
        School {
            app,
            url,
            _dir: dir,
        }
    }

    /// A demo user, as they act.
    pub fn actor(&self, username: &str) -> Actor {
        let mut store = rollcall_app::open_store(&self.url).unwrap();
        Actor::of_user(&store.user_by_name(username).unwrap().unwrap())
    }
}
