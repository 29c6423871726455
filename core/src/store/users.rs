//! People replicated to the device: the officers an inspection team is picked from.

use super::Store;
use super::codec::{from_json, tag};
use super::error::StoreError;
use crate::domain::organisation::{Role, User};

impl Store {
    /// Officers on this device (the platform sends those of the user's jurisdiction), by name.
    pub fn officers(&self) -> Result<Vec<User>, StoreError> {
        let role = tag(&Role::Officer)?;
        let mut officers: Vec<User> = self.read(|conn| {
            let mut stmt = conn.prepare_cached("SELECT body FROM users WHERE role = ?1")?;
            let rows = stmt.query_map([role], |r| r.get::<_, String>(0))?;
            rows.map(|body| from_json("user", &body?)).collect()
        })?;
        officers.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        Ok(officers)
    }
}
