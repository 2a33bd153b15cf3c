//! The conformance suite of every store (rollcall-store-conformance), on SQLite: a fresh database
//! file per test.

use rollcall_store::Store;
use rollcall_store_conformance::TestDb;
use rollcall_store_sqlite::SqliteStore;

struct Db(tempfile::TempDir);

impl TestDb for Db {
    fn connect(&self) -> Box<dyn Store> {
        Box::new(SqliteStore::open(&self.0.path().join("r.db")).unwrap())
    }
}

rollcall_store_conformance::conformance_tests!(Db(tempfile::tempdir().unwrap()));
