//! The PostgreSQL back end (see below).
use super::{StoreError, Tx};
use crate::error::ApiError;

pub struct PgDb;

impl PgDb {
    pub fn connect(_url: &str) -> Result<Self, StoreError> {
        Err(StoreError::Corrupt("postgres not yet".into()))
    }
    pub(super) fn write<R>(&self, _f: impl FnOnce(&mut dyn Tx) -> Result<R, ApiError>) -> Result<R, ApiError> {
        unimplemented!()
    }
    pub(super) fn read<R>(&self, _f: impl FnOnce(&mut dyn Tx) -> Result<R, ApiError>) -> Result<R, ApiError> {
        unimplemented!()
    }
}
