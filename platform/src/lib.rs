//! Fieldcheck's platform: the server the phones sync with and the command centre's API. It reuses the
//! domain's decisions unchanged (`fieldcheck_domain::decide`), so a rule cannot differ between phone and server.

pub mod access;
pub mod app;
pub mod auth;
pub mod command;
pub mod conflicts;
pub mod console;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod demo_inspection;
pub mod documents;
pub mod error;
pub mod evidence;
pub mod exports;
pub mod intents;
pub mod lists;
pub mod live;
pub mod map;
pub mod openapi;
pub mod ops;
pub mod record;
pub mod records;
pub mod relocation;
pub mod secret;
pub mod supervision;
pub mod sync;
pub mod tables;
pub mod throttle;
pub mod wipe;

use db::{Db, StoreError};
use std::path::Path;
use std::sync::Arc;

/// Opens the database: PostgreSQL when a `postgres://` URL is given, else SQLite in `data`.
pub fn open_db(data: &Path, database: Option<&str>) -> Result<Db, StoreError> {
    match database {
        Some(url) => Ok(Db::Postgres(Arc::new(db::postgres::PgDb::connect(url)?))),
        None => Ok(Db::Sqlite(Arc::new(db::sqlite::SqliteDb::open(data)?))),
    }
}
