//! Direct store access for the pages not yet moved onto use cases of `rollcall_app`. To go.

use rollcall_store::{MarkChange, SchoolId, Store, StoreError};

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
