//! Who is signed in on this database, and its device id. The database belongs to one user; every
//! write acts as that user.

use super::codec::{from_json, from_millis, millis, parse_id, to_json};
use super::error::StoreError;
use super::{Store, replica};
use crate::domain::ids::DeviceId;
use crate::domain::organisation::User;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// The signed-in user and the device id that numbers this database's outbox.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub device: DeviceId,
    pub user: User,
    pub signed_in_at: DateTime<Utc>,
}

impl Store {
    /// The device id of this database's mutation stream (made on first open, never changes).
    pub fn device_id(&self) -> Result<DeviceId, StoreError> {
        self.read(device_id)
    }

    /// Signs `user` in. The first sign-in claims the database; signing in again as the same user
    /// refreshes the record; another user is refused (they get their own file).
    pub fn sign_in(&self, user: &User) -> Result<Session, StoreError> {
        let now = self.now();
        self.write(|tx| {
            let owner: Option<String> = tx.query_row("SELECT user_id FROM session WHERE id = 1", [], |r| r.get(0))?;
            let requested = user.id.to_string();
            if let Some(owner) = owner.filter(|o| *o != requested) {
                return Err(StoreError::OtherUser { owner, requested });
            }
            tx.execute(
                "UPDATE session SET user_id = ?1, user_body = ?2, signed_in_at = ?3 WHERE id = 1",
                params![requested, to_json(user)?, millis(now)],
            )?;
            replica::upsert_user(tx, user)?;
            Ok(Session { device: device_id(tx)?, user: user.clone(), signed_in_at: now })
        })
    }

    /// The current session, if someone has signed in.
    pub fn session(&self) -> Result<Option<Session>, StoreError> {
        self.read(session)
    }
}

/// Makes the device id on first open.
pub(crate) fn ensure_device(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.execute("INSERT OR IGNORE INTO session (id, device_id) VALUES (1, ?1)", [DeviceId::new().to_string()])?;
    Ok(())
}

pub(crate) fn device_id(conn: &Connection) -> Result<DeviceId, StoreError> {
    let id: String = conn.query_row("SELECT device_id FROM session WHERE id = 1", [], |r| r.get(0))?;
    parse_id("device id", &id)
}

fn session(conn: &Connection) -> Result<Option<Session>, StoreError> {
    let row: Option<(String, Option<String>, Option<i64>)> = conn
        .query_row("SELECT device_id, user_body, signed_in_at FROM session WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    match row {
        Some((device, Some(user), Some(at))) => Ok(Some(Session {
            device: parse_id("device id", &device)?,
            user: from_json("signed-in user", &user)?,
            signed_in_at: from_millis(at)?,
        })),
        _ => Ok(None),
    }
}

/// The signed-in user, who every write acts as.
pub(crate) fn actor(conn: &Connection) -> Result<User, StoreError> {
    session(conn)?.map(|s| s.user).ok_or(StoreError::NotSignedIn)
}

/// Keeps the session's copy of the user current when the platform sends a newer record of them.
pub(crate) fn refresh_user(tx: &Transaction<'_>, user: &User) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE session SET user_body = ?2 WHERE id = 1 AND user_id = ?1",
        params![user.id.to_string(), to_json(user)?],
    )?;
    Ok(())
}
