//! The tests of the suite, each a `pub fn name(db: &dyn TestDb)`; [`conformance_tests!`]
//! (crate::conformance_tests) lists them.

mod calling;
mod cases;
mod day;
mod errors;
mod followup;
mod marks;
mod notices;
mod people;
mod proposals;
mod rewards;
mod schools;

pub use calling::*;
pub use cases::*;
pub use day::*;
pub use errors::*;
pub use followup::*;
pub use marks::*;
pub use notices::*;
pub use people::*;
pub use proposals::*;
pub use rewards::*;
pub use schools::*;

use std::sync::{Arc, Barrier};

use rollcall_store::Store;

use crate::TestDb;

/// Runs `work` on two connections to the same database at once; returns both results.
fn race<T: Send>(db: &dyn TestDb, work: impl Fn(&mut dyn Store) -> T + Sync) -> Vec<T> {
    let barrier = Arc::new(Barrier::new(2));
    std::thread::scope(|scope| {
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (barrier, work) = (Arc::clone(&barrier), &work);
                let mut store = db.connect();
                scope.spawn(move || {
                    barrier.wait();
                    work(store.as_mut())
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    })
}
