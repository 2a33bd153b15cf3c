//! Helpers shared by the PostgreSQL store's tests.
#![allow(dead_code)]

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use rollcall_core::{parse_date, Date, Upn};
use rollcall_store::Store;
use rollcall_store_postgres::PostgresStore;

pub fn store() -> PostgresStore {
    let url = rollcall_testkit::fresh_database_url();
    let mut store = PostgresStore::connect(&url).unwrap();
    store.migrate().unwrap();
    store
}

pub fn d(s: &str) -> Date {
    parse_date(s).unwrap()
}

pub fn t(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap()
}

pub fn upn(n: u64) -> Upn {
    Upn::with_check_letter(&format!("{:012}", 822_400_000_000 + n)).unwrap()
}

pub fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 9, 4, 8, 55, 0).unwrap()
        + chrono::Duration::seconds(seconds)
        + chrono::Duration::microseconds(123_456)
}
