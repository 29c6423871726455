//! Local inspection work: drafts, team, start, answers (judged by the domain, a failed item proposing
//! a finding), photos, findings, and submission, which derives the linked tasks and notices and
//! appends one `inspection.submit` intent carrying everything.

use super::codec::{from_json, from_millis, from_tag, millis, parse_id, tag, to_json};
use super::error::StoreError;
use super::{Store, enterprises, outbox, replica, session, tasks, templates};
use crate::domain::DomainError;
use crate::domain::answer::{Answer, AnswerValue, MAX_TEXT_CHARS, Verdict, assess};
use crate::domain::finding::Finding;
use crate::domain::geo::GeoFix;
use crate::domain::ids::{EnterpriseId, EvidenceId, FindingId, InspectionId};
use crate::domain::inspection::{Inspection, InspectionKind, InspectionState, Inspector, Origin, Respondent};
use crate::domain::linkage::linked_records;
use crate::domain::template::{ChecklistTemplate, ItemRef, TemplateItem, TemplateRef};
use crate::protocol::{Intent, SubmittedInspection};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::collections::BTreeSet;

/// What a new draft is for.
#[derive(Clone, Debug, PartialEq)]
pub struct NewInspection {
    pub enterprise: EnterpriseId,
    pub kind: InspectionKind,
    pub checklists: Vec<TemplateRef>,
    pub origin: Option<Origin>,
}

/// The result of answering an item.
#[derive(Clone, Debug, PartialEq)]
pub struct Answered {
    pub verdict: Verdict,
    /// The finding a non-compliant answer proposed (none if the item already had one).
    pub proposed_finding: Option<Finding>,
}

/// A photo attached to an inspection, usually to one of its items. The evidence module owns the
/// image itself; the store records that it exists and its hash.
#[derive(Clone, Debug, PartialEq)]
pub struct Photo {
    pub evidence: EvidenceId,
    pub item: Option<ItemRef>,
    /// SHA-256 of the original bytes, lower-case hex.
    pub sha256: String,
    /// Device time the photo was taken.
    pub taken_at: DateTime<Utc>,
}

impl Store {
    /// One inspection's record, if on this device.
    pub fn inspection(&self, id: InspectionId) -> Result<Option<Inspection>, StoreError> {
        self.read(|conn| find(conn, id))
    }

    /// Creates a draft for a known enterprise, by the signed-in user.
    pub fn create_inspection(&self, new: &NewInspection) -> Result<Inspection, StoreError> {
        let now = self.now();
        self.write(|tx| {
            let actor = session::actor(tx)?;
            if enterprises::find(tx, new.enterprise)?.is_none() {
                return Err(StoreError::NotFound { entity: "enterprise", id: new.enterprise.to_string() });
            }
            let mut inspection = Inspection::draft(new.enterprise, new.kind, new.checklists.clone(), actor.id);
            inspection.origin = new.origin;
            save(tx, &inspection, false, now)?;
            Ok(inspection)
        })
    }

    /// Starts a correction of a submitted inspection: a new draft that refers to it.
    pub fn correct_inspection(&self, original: InspectionId) -> Result<Inspection, StoreError> {
        let now = self.now();
        self.write(|tx| {
            let actor = session::actor(tx)?;
            let draft = Inspection::correction(&load(tx, original)?, actor.id)?;
            save(tx, &draft, false, now)?;
            Ok(draft)
        })
    }

    /// Names the inspectors (with certificate numbers) and the recorder.
    pub fn set_team(
        &self,
        id: InspectionId,
        inspectors: Vec<Inspector>,
        recorder: Option<Inspector>,
    ) -> Result<Inspection, StoreError> {
        self.edit(id, |inspection| inspection.set_team(inspectors, recorder))
    }

    /// Arrival on site: start time and location fix.
    pub fn start_inspection(
        &self,
        id: InspectionId,
        at: DateTime<Utc>,
        location: Option<GeoFix>,
    ) -> Result<Inspection, StoreError> {
        self.edit(id, |inspection| inspection.start(at, location))
    }

    /// Records who answered for the enterprise and the officer's narrative.
    pub fn set_record(
        &self,
        id: InspectionId,
        respondent: Option<Respondent>,
        summary: &str,
    ) -> Result<Inspection, StoreError> {
        self.edit(id, |inspection| {
            inspection.require_editable("record the respondent")?;
            if summary.chars().count() > MAX_TEXT_CHARS {
                return Err(DomainError::Invalid {
                    field: "summary".into(),
                    reason: "text too long / 文字过长".into(),
                });
            }
            inspection.respondent = respondent;
            inspection.summary = summary.to_string();
            Ok(())
        })
    }

    fn edit(
        &self,
        id: InspectionId,
        change: impl FnOnce(&mut Inspection) -> Result<(), DomainError>,
    ) -> Result<Inspection, StoreError> {
        let now = self.now();
        self.write(|tx| {
            session::actor(tx)?;
            let mut inspection = load(tx, id)?;
            change(&mut inspection)?;
            save(tx, &inspection, false, now)?;
            Ok(inspection)
        })
    }

    /// Answers an item, validated and judged by the domain. A non-compliant verdict proposes a
    /// finding unless the item has one; a compliant one withdraws a proposal the officer never edited.
    pub fn answer(
        &self,
        id: InspectionId,
        item: ItemRef,
        value: AnswerValue,
        note: Option<String>,
    ) -> Result<Answered, StoreError> {
        let now = self.now();
        self.write(|tx| {
            session::actor(tx)?;
            let inspection = load(tx, id)?;
            inspection.require_editable("answer")?;
            let templates = templates::installed(tx, &inspection.checklists)?;
            let template_item = item_of(&templates, &item)?;
            if note.as_ref().is_some_and(|n| n.chars().count() > MAX_TEXT_CHARS) {
                return Err(DomainError::InvalidAnswer {
                    item: item.code, reason: "note too long / 备注过长".into()
                }
                .into());
            }
            let verdict = assess(template_item, &value, inspection.date(now.date_naive()))?;
            let answer = Answer { item: item.clone(), value, note, answered_at: now };
            insert_answer(tx, id, &answer, verdict)?;
            let proposed_finding = match verdict {
                Verdict::NonCompliant if !has_finding(tx, id, &item)? => {
                    let finding = Finding::proposed(id, &item.template, template_item);
                    insert_finding(tx, &finding, true)?;
                    Some(finding)
                }
                Verdict::Compliant | Verdict::NotApplicable => {
                    tx.prepare_cached(
                        "DELETE FROM findings WHERE inspection = ?1 AND template = ?2 AND code = ?3 AND proposed = 1",
                    )?
                    .execute(params![id.to_string(), item.template, item.code])?;
                    None
                }
                _ => None,
            };
            touch(tx, id, now)?;
            Ok(Answered { verdict, proposed_finding })
        })
    }

    /// Records that a photo was taken for the inspection (and the item, if any).
    pub fn attach_photo(&self, id: InspectionId, photo: &Photo) -> Result<(), StoreError> {
        let hex = |s: &str| s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !hex(&photo.sha256) {
            let reason = "must be 64 lower-case hex digits".into();
            return Err(DomainError::Invalid { field: "photo sha256".into(), reason }.into());
        }
        let now = self.now();
        self.write(|tx| {
            session::actor(tx)?;
            let inspection = load(tx, id)?;
            inspection.require_editable("attach a photo")?;
            if let Some(item) = &photo.item {
                item_of(&templates::installed(tx, &inspection.checklists)?, item)?;
            }
            tx.prepare_cached(
                "INSERT INTO evidence (id, inspection, template, code, sha256, taken_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                photo.evidence.to_string(),
                id.to_string(),
                photo.item.as_ref().map(|i| &i.template),
                photo.item.as_ref().map(|i| &i.code),
                photo.sha256,
                millis(photo.taken_at)
            ])?;
            touch(tx, id, now)
        })
    }

    /// Adds a finding the officer wrote.
    pub fn add_finding(&self, finding: &Finding) -> Result<(), StoreError> {
        self.change_finding(finding, |tx| insert_finding(tx, finding, false))
    }

    /// Replaces a finding with the officer's edit (it is no longer a mere proposal).
    pub fn edit_finding(&self, finding: &Finding) -> Result<(), StoreError> {
        self.change_finding(finding, |tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE findings SET template = ?3, code = ?4, proposed = 0, body = ?5 WHERE id = ?1 AND inspection = ?2",
                )?
                .execute(params![
                    finding.id.to_string(),
                    finding.inspection.to_string(),
                    finding.item.as_ref().map(|i| &i.template),
                    finding.item.as_ref().map(|i| &i.code),
                    to_json(finding)?
                ])?;
            if n == 0 {
                return Err(StoreError::NotFound { entity: "finding", id: finding.id.to_string() });
            }
            Ok(())
        })
    }

    fn change_finding(
        &self,
        finding: &Finding,
        write: impl FnOnce(&Transaction<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let now = self.now();
        self.write(|tx| {
            session::actor(tx)?;
            let inspection = load(tx, finding.inspection)?;
            inspection.require_editable("record a finding")?;
            if let Some(item) = &finding.item {
                item_of(&templates::installed(tx, &inspection.checklists)?, item)?;
            }
            write(tx)?;
            touch(tx, inspection.id, now)
        })
    }

    /// Removes a finding from an inspection in progress.
    pub fn remove_finding(&self, inspection: InspectionId, finding: FindingId) -> Result<(), StoreError> {
        let now = self.now();
        self.write(|tx| {
            session::actor(tx)?;
            load(tx, inspection)?.require_editable("remove a finding")?;
            let n = tx.execute(
                "DELETE FROM findings WHERE id = ?1 AND inspection = ?2",
                params![finding.to_string(), inspection.to_string()],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound { entity: "finding", id: finding.to_string() });
            }
            touch(tx, inspection, now)
        })
    }

    /// Submits: the domain checks everything and returns every problem at once
    /// ([`DomainError::NotSubmittable`]); on success the record freezes, the linked tasks and notices
    /// are made, and one `inspection.submit` intent carrying all of it joins the outbox.
    pub fn submit_inspection(&self, id: InspectionId) -> Result<SubmittedInspection, StoreError> {
        let now = self.now();
        self.write(|tx| {
            let actor = session::actor(tx)?;
            let mut inspection = load(tx, id)?;
            let templates = templates::installed(tx, &inspection.checklists)?;
            let answers: Vec<Answer> = answers(tx, id)?.into_iter().map(|(a, _)| a).collect();
            let findings = findings(tx, id)?;
            inspection.submit(&templates, &answers, &photo_items(tx, id)?, &findings, now)?;
            let enterprise = enterprises::find(tx, inspection.enterprise)?
                .ok_or(StoreError::NotFound { entity: "enterprise", id: inspection.enterprise.to_string() })?;
            let linked = linked_records(&inspection, &findings, enterprise.township, actor.id, now);
            save(tx, &inspection, false, now)?;
            let submitted =
                SubmittedInspection { inspection, answers, findings, tasks: linked.tasks, notices: linked.notices };
            let mutation = outbox::append(tx, now, Intent::InspectionSubmit(Box::new(submitted.clone())))?;
            let seq = outbox::seq_param(&mutation);
            for task in &submitted.tasks {
                tasks::upsert(tx, task, Some(seq))?;
            }
            for notice in &submitted.notices {
                replica::upsert_notice(tx, notice, Some(seq))?;
            }
            Ok(submitted)
        })
    }
}

/// The template item `item` names among the inspection's checklists.
pub(crate) fn item_of<'a>(templates: &'a [ChecklistTemplate], item: &ItemRef) -> Result<&'a TemplateItem, DomainError> {
    templates
        .iter()
        .filter(|t| t.id == item.template)
        .find_map(|t| t.item(&item.code))
        .ok_or_else(|| DomainError::UnknownItem { item: format!("{}/{}", item.template, item.code) })
}

pub(crate) fn find(conn: &Connection, id: InspectionId) -> Result<Option<Inspection>, StoreError> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM inspections WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    body.map(|b| from_json("inspection", &b)).transpose()
}

fn load(conn: &Connection, id: InspectionId) -> Result<Inspection, StoreError> {
    find(conn, id)?.ok_or(StoreError::NotFound { entity: "inspection", id: id.to_string() })
}

fn save(tx: &Transaction<'_>, i: &Inspection, from_platform: bool, now: DateTime<Utc>) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO inspections (id, enterprise, state, created_by, from_platform, updated_at, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET enterprise = excluded.enterprise, state = excluded.state,
             created_by = excluded.created_by, from_platform = excluded.from_platform,
             updated_at = excluded.updated_at, body = excluded.body",
    )?
    .execute(params![
        i.id.to_string(),
        i.enterprise.to_string(),
        tag(&i.state)?,
        i.created_by.to_string(),
        from_platform,
        millis(now),
        to_json(i)?
    ])?;
    Ok(())
}

fn touch(tx: &Transaction<'_>, id: InspectionId, now: DateTime<Utc>) -> Result<(), StoreError> {
    tx.prepare_cached("UPDATE inspections SET updated_at = ?2 WHERE id = ?1")?
        .execute(params![id.to_string(), millis(now)])?;
    Ok(())
}

fn insert_answer(tx: &Transaction<'_>, id: InspectionId, a: &Answer, verdict: Verdict) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO answers (inspection, template, code, verdict, answered_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (inspection, template, code) DO UPDATE SET verdict = excluded.verdict,
             answered_at = excluded.answered_at, body = excluded.body",
    )?
    .execute(params![
        id.to_string(),
        a.item.template,
        a.item.code,
        tag(&verdict)?,
        millis(a.answered_at),
        to_json(a)?
    ])?;
    Ok(())
}

fn insert_finding(tx: &Transaction<'_>, f: &Finding, proposed: bool) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO findings (id, inspection, template, code, proposed, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        f.id.to_string(),
        f.inspection.to_string(),
        f.item.as_ref().map(|i| &i.template),
        f.item.as_ref().map(|i| &i.code),
        proposed,
        to_json(f)?
    ])?;
    Ok(())
}

fn has_finding(conn: &Connection, id: InspectionId, item: &ItemRef) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM findings WHERE inspection = ?1 AND template = ?2 AND code = ?3)")?
        .query_row(params![id.to_string(), item.template, item.code], |r| r.get(0))?)
}

/// The inspection's answers with their verdicts, by item.
pub(crate) fn answers(conn: &Connection, id: InspectionId) -> Result<Vec<(Answer, Verdict)>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT body, verdict FROM answers WHERE inspection = ?1 ORDER BY template, code")?;
    let rows = stmt.query_map([id.to_string()], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    rows.map(|row| {
        let (body, verdict) = row?;
        Ok((from_json("answer", &body)?, from_tag("verdict", &verdict)?))
    })
    .collect()
}

/// The inspection's findings, in the order they were recorded.
pub(crate) fn findings(conn: &Connection, id: InspectionId) -> Result<Vec<Finding>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT body FROM findings WHERE inspection = ?1 ORDER BY rowid")?;
    let rows = stmt.query_map([id.to_string()], |r| r.get::<_, String>(0))?;
    rows.map(|body| from_json("finding", &body?)).collect()
}

/// The inspection's photos, oldest first.
pub(crate) fn photos(conn: &Connection, id: InspectionId) -> Result<Vec<Photo>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, template, code, sha256, taken_at FROM evidence WHERE inspection = ?1 ORDER BY taken_at, id",
    )?;
    let rows = stmt.query_map([id.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    rows.map(|row| {
        let (evidence, template, code, sha256, taken_at) = row?;
        let item = template.zip(code).map(|(template, code)| ItemRef { template, code });
        Ok(Photo { evidence: parse_id("evidence id", &evidence)?, item, sha256, taken_at: from_millis(taken_at)? })
    })
    .collect()
}

/// Items with at least one photo.
pub(crate) fn photo_items(conn: &Connection, id: InspectionId) -> Result<BTreeSet<ItemRef>, StoreError> {
    Ok(photos(conn, id)?.into_iter().filter_map(|p| p.item).collect())
}

/// Stores a submitted inspection the platform sent (ours echoed back, or a colleague's).
pub(crate) fn upsert_submitted(tx: &Transaction<'_>, s: &SubmittedInspection) -> Result<(), StoreError> {
    let id = s.inspection.id;
    if s.inspection.state != InspectionState::Submitted {
        let reason = "the platform only sends submitted inspections".into();
        return Err(DomainError::Invalid { field: format!("inspection {id}"), reason }.into());
    }
    let updated = s.inspection.ended_at.unwrap_or_default();
    save(tx, &s.inspection, true, updated)?;
    tx.execute("DELETE FROM answers WHERE inspection = ?1", [id.to_string()])?;
    tx.execute("DELETE FROM findings WHERE inspection = ?1", [id.to_string()])?;
    let templates = templates::installed(tx, &s.inspection.checklists)?;
    let day = s.inspection.date(updated.date_naive());
    for answer in &s.answers {
        // A verdict the device cannot reproduce (template not installed) is kept as recorded.
        let verdict = item_of(&templates, &answer.item)
            .ok()
            .and_then(|item| assess(item, &answer.value, day).ok())
            .unwrap_or(Verdict::Recorded);
        insert_answer(tx, id, answer, verdict)?;
    }
    for finding in &s.findings {
        insert_finding(tx, finding, false)?;
    }
    Ok(())
}
