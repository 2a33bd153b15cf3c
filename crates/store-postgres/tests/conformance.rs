//! The conformance suite of every store (rollcall-store-conformance), on PostgreSQL: a fresh
//! database per test on a throwaway server (rollcall-testkit).

use rollcall_store::Store;
use rollcall_store_conformance::TestDb;
use rollcall_store_postgres::PostgresStore;

struct Db(String);

impl TestDb for Db {
    fn connect(&self) -> Box<dyn Store> {
        let mut store = PostgresStore::connect(&self.0).unwrap();
        store.migrate().unwrap();
        Box::new(store)
    }
}

rollcall_store_conformance::conformance_tests!(Db(rollcall_testkit::fresh_database_url()));
