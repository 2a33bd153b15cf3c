//! Opening a database from its URL: `sqlite:PATH` or a plain path for the embedded database,
//! `postgres://…` or `postgresql://…` for a server.

use std::path::Path;

use rollcall_store::Store;

use crate::error::{AppError, Result};

/// The database used when neither `--db` nor `ROLLCALL_DB` names one.
pub const DEFAULT_DB: &str = "rollcall.db";

pub fn open_store(url: &str) -> Result<Box<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = rollcall_store_postgres::PostgresStore::connect(url)?;
        let mut store: Box<dyn Store> = Box::new(store);
        store.migrate()?;
        return Ok(store);
    }
    let path = url.strip_prefix("sqlite:").unwrap_or(url);
    let path = path.strip_prefix("//").unwrap_or(path);
    if path.is_empty() {
        return Err(AppError::Usage(format!(
            "'{url}' names no database file; expected sqlite:PATH, a file path or postgres://USER@HOST:PORT/DB"
        )));
    }
    if let Some(dir) = Path::new(path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        if !dir.is_dir() {
            return Err(AppError::Usage(format!(
                "cannot create the database {path}: folder {} does not exist",
                dir.display()
            )));
        }
    }
    Ok(Box::new(rollcall_store_sqlite::SqliteStore::open(
        Path::new(path),
    )?))
}
