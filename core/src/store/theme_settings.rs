//! The person's choice of day or night screens, kept with the device's data so a restart shows the
//! screens as they left them.

use super::Store;
use super::codec::{from_tag, tag};
use super::error::StoreError;
use serde::{Deserialize, Serialize};

/// The screens' colours: as the phone's dark mode, or always day (sunlight), or always night.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    #[default]
    System,
    Day,
    Night,
}

impl Store {
    /// Keeps the person's theme.
    pub fn set_theme(&self, theme: Theme) -> Result<(), StoreError> {
        let value = tag(&theme)?;
        self.write(|tx| {
            tx.execute("UPDATE session SET theme = ?1 WHERE id = 1", [value])?;
            Ok(())
        })
    }

    /// The person's theme (following the phone until one is chosen).
    pub fn theme(&self) -> Result<Theme, StoreError> {
        self.read(|conn| {
            let value: String = conn.query_row("SELECT theme FROM session WHERE id = 1", [], |r| r.get(0))?;
            from_tag("theme", &value)
        })
    }
}
