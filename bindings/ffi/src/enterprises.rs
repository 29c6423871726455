//! Finding an enterprise to inspect.

use crate::client::Shared;
use crate::diagnostics::Live;
use crate::error::{FieldcheckError, Result};
use crate::views::EnterpriseView;
use fieldcheck_core::domain::ids::EnterpriseId;
use std::sync::Arc;
use uuid::Uuid;

/// Enterprises replicated to this device.
#[derive(uniffi::Object)]
pub struct EnterprisesClient {
    shared: Arc<Shared>,
    _live: Live,
}

impl EnterprisesClient {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Self { shared, _live: Live::new() }
    }
}

#[uniffi::export]
impl EnterprisesClient {
    /// Enterprises whose name, credit code or address contains every word of `query`, best first.
    pub fn search(&self, query: String, limit: u32) -> Result<Vec<EnterpriseView>> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        Ok(self.shared.store.search_enterprises(&query, limit)?.into_iter().map(Into::into).collect())
    }

    /// One enterprise.
    pub fn get(&self, id: Uuid) -> Result<EnterpriseView> {
        self.shared
            .store
            .enterprise(EnterpriseId(id))?
            .map(Into::into)
            .ok_or_else(|| FieldcheckError::NotFound(format!("enterprise {id} is not on this device / 企业不存在")))
    }
}
