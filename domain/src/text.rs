//! Bilingual text: Chinese first, English beside it.

use serde::{Deserialize, Serialize};

/// A label shown to people, in zh-CN and English.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self { zh: zh.into(), en: en.into() }
    }

    /// "中文 / English", the form used in logs and bilingual screens.
    pub fn both(&self) -> String {
        format!("{} / {}", self.zh, self.en)
    }
}
