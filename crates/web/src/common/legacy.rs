//! Direct store access for the pages not yet moved onto use cases of `rollcall_app`. To go.

use rollcall_app::registers::Refusal;
use rollcall_app::Actor;
use rollcall_store::{MarkChange, School, SchoolId, Store, StoreError};

use super::session::Principal;

use super::error::WebError;
use super::state::AppState;

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> WebError {
        rollcall_app::Refusal::from(e).into()
    }
}

impl AppState {
    pub async fn with_store<T, F>(&self, f: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Store) -> Result<T, WebError> + Send + 'static,
    {
        let app = self.app().clone();
        tokio::task::spawn_blocking(move || app.with_store(f))
            .await
            .map_err(|e| WebError::Internal(format!("a worker failed: {e}")))?
    }

    pub async fn with_store_reading<T, F>(&self, f: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Store) -> Result<T, WebError> + Send + 'static,
    {
        let app = self.app().clone();
        tokio::task::spawn_blocking(move || app.reading(f))
            .await
            .map_err(|e| WebError::Internal(format!("a worker failed: {e}")))?
    }

    pub async fn write_marks(
        &self,
        school: SchoolId,
        changes: Vec<MarkChange>,
    ) -> Result<Result<(), StoreError>, WebError> {
        let app = self.app().clone();
        tokio::task::spawn_blocking(move || app.write_marks(school, changes))
            .await
            .map_err(|e| WebError::Internal(format!("a worker failed: {e}")))
    }
}

/// The person making a change, as the register's audit trail names them.
pub fn actor(p: &Principal) -> Actor {
    p.actor.clone()
}

/// The school the user acts on.
pub fn school_of(p: &Principal, store: &mut dyn Store) -> Result<SchoolId, WebError> {
    let schools = store.schools()?;
    p.school(&schools)
}

/// The school the user acts on, with its details.
pub fn school_details(store: &mut dyn Store, p: &Principal) -> Result<School, WebError> {
    let schools = store.schools()?;
    let id = p.school(&schools)?;
    schools
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(WebError::NotFound)
}

/// A register use case's refusal as a response.
pub fn register_error(e: Refusal) -> WebError {
    e.into()
}
