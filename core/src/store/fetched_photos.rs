//! Task photos taken on another device and fetched here to be shown (the officer sees the enterprise's
//! proof): which cited photos are still to fetch, and the fetched ones with their local thumbnail.

use super::Store;
use super::codec::{from_json, to_json};
use super::error::StoreError;
use crate::domain::ids::TaskId;
use crate::evidence::Digest;
use crate::protocol::{StepPhoto, TaskEvent};
use rusqlite::params;

/// A fetched task photo: what the step said about it, and the thumbnail made here.
#[derive(Clone, Debug, PartialEq)]
pub struct FetchedPhoto {
    pub photo: StepPhoto,
    pub thumbnail: Digest,
    /// Size of the fetched rendition, in pixels.
    pub width: u32,
    pub height: u32,
}

impl Store {
    /// Photos cited by task steps that were neither taken on this device nor fetched yet, oldest step first.
    pub fn photos_to_fetch(&self) -> Result<Vec<(TaskId, StepPhoto)>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn
                .prepare_cached("SELECT body FROM task_events WHERE instr(body, '\"photos\"') > 0 ORDER BY at, id")?;
            let mut own = conn.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM case_evidence WHERE id = ?1)
                     OR EXISTS (SELECT 1 FROM fetched_photos WHERE evidence = ?1)",
            )?;
            let mut out = Vec::new();
            for body in stmt.query_map([], |r| r.get::<_, String>(0))? {
                let event: TaskEvent = from_json("task event", &body?)?;
                for photo in event.photos {
                    let here: bool = own.query_row([photo.evidence.to_string()], |r| r.get(0))?;
                    if !here && !out.iter().any(|(_, p): &(TaskId, StepPhoto)| p.evidence == photo.evidence) {
                        out.push((event.task, photo));
                    }
                }
            }
            Ok(out)
        })
    }

    /// Notes a photo fetched and its thumbnail made.
    pub fn record_fetched_photo(&self, task: TaskId, fetched: &FetchedPhoto) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO fetched_photos (evidence, task, body, thumbnail, width, height)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                fetched.photo.evidence.to_string(),
                task.to_string(),
                to_json(&fetched.photo)?,
                fetched.thumbnail.to_hex(),
                fetched.width,
                fetched.height
            ])?;
            Ok(())
        })
    }

    /// The task's photos fetched from the platform, in the order their steps cite them.
    pub fn fetched_photos(&self, task: TaskId) -> Result<Vec<FetchedPhoto>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT body, thumbnail, width, height FROM fetched_photos WHERE task = ?1 ORDER BY rowid",
            )?;
            let rows = stmt.query_map([task.to_string()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, u32>(2)?, r.get::<_, u32>(3)?))
            })?;
            rows.map(|row| {
                let (body, thumbnail, width, height) = row?;
                Ok(FetchedPhoto {
                    photo: from_json("fetched photo", &body)?,
                    thumbnail: thumbnail.parse().map_err(|e| StoreError::decode("thumbnail sha256", e))?,
                    width,
                    height,
                })
            })
            .collect()
        })
    }
}
