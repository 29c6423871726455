//! Bilingual labels.

use fieldcheck_core::domain::text::Text;

/// A label in Chinese and English; the app picks the one for the user's locale.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LocalizedText {
    pub zh: String,
    pub en: String,
}

impl From<&Text> for LocalizedText {
    fn from(t: &Text) -> Self {
        Self { zh: t.zh.clone(), en: t.en.clone() }
    }
}
