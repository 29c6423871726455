//! Checklist templates: what the checklist screens render, and the core's verdict on an answer.

use crate::client::Shared;
use crate::custom_types::LocalDate;
use crate::diagnostics::Live;
use crate::error::{FieldcheckError, Result};
use crate::views::{AnswerInput, TemplateSummary, TemplateView};
use fieldcheck_core::domain::answer::{Verdict, assess};
use fieldcheck_core::domain::template::ChecklistTemplate;
use std::sync::Arc;

/// The installed checklist templates (bundled, plus versions the platform published).
#[derive(uniffi::Object)]
pub struct TemplatesClient {
    shared: Arc<Shared>,
    _live: Live,
}

impl TemplatesClient {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Self { shared, _live: Live::new() }
    }

    /// The newest installed version of a template: the one new inspections use.
    fn find(&self, id: &str) -> Result<ChecklistTemplate> {
        self.shared
            .store
            .latest_templates()?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or_else(|| FieldcheckError::NotFound(format!("no checklist {id:?} / 检查表不存在")))
    }
}

#[uniffi::export]
impl TemplatesClient {
    /// Every installed checklist (newest version of each).
    pub fn list(&self) -> Result<Vec<TemplateSummary>> {
        Ok(self.shared.store.latest_templates()?.iter().map(Into::into).collect())
    }

    /// The newest version of one checklist, with all its items.
    pub fn get(&self, id: String) -> Result<TemplateView> {
        self.find(&id).map(|t| (&t).into())
    }

    /// Checks an answer against its item and judges it, as of `inspection_date`.
    pub fn assess(
        &self,
        template_id: String,
        item_code: String,
        answer: AnswerInput,
        inspection_date: LocalDate,
    ) -> Result<Verdict> {
        let template = self.find(&template_id)?;
        let item = template.item(&item_code).ok_or_else(|| {
            FieldcheckError::NotFound(format!("checklist {template_id} has no item {item_code} / 检查项不存在"))
        })?;
        Ok(assess(item, &answer.into(), inspection_date)?)
    }
}
