//! The use cases of the pages and the JSON API, one file per area, each an `impl App` block.
//!
//! A page and an API call that do the same thing call the same method, and get the same answer
//! and the same [`Refusal`](crate::Refusal). Each method takes the [`Actor`](crate::Actor) who
//! asks, checks their permission and reach first, reads and writes through the store, and returns
//! a typed result: the web crate only translates HTTP to these calls and back.

pub mod absence;
pub mod calling;
pub mod casework;
pub mod contacts;
pub mod day;
pub mod family;
pub mod figures;
pub mod leave;
pub mod notices;
pub mod office;
pub mod pupils;
pub mod registers;
pub mod rewards;
pub mod sessions;
pub mod users;

use rollcall_store::{SchoolId, Store};

use crate::access::Actor;
use crate::error::Refusal;

/// The school the actor acts on: their own, or for trust-wide staff the database's only school.
pub(crate) fn school_of(store: &mut dyn Store, actor: &Actor) -> Result<SchoolId, Refusal> {
    actor.school_in(&store.schools()?)
}
