//! Local inspection work: drafts, team, start, answers (judged by the domain, a failed item proposing
//! a finding) and submission, which derives the linked tasks and notices and appends one
//! `inspection.submit` intent carrying everything. Photos and findings have their own files.

use super::codec::{from_json, from_tag, millis, tag, to_json};
use super::error::StoreError;
use super::optimistic::Source;
use super::templates::{self, TemplateCache};
use super::{Store, enterprises, evidence_records, findings, outbox, photos, replica, session, tasks};
use crate::domain::DomainError;
use crate::domain::answer::{Answer, AnswerValue, MAX_TEXT_CHARS, Verdict, assess};
use crate::domain::decide::inspection as decide;
use crate::domain::finding::Finding;
use crate::domain::geo::{FixMissing, GeoFix};
use crate::domain::ids::{EnterpriseId, InspectionId};
use crate::domain::inspection::{Inspection, InspectionKind, InspectionState, Inspector, Origin, Respondent};
use crate::domain::signature::Signature;
use crate::domain::template::{ChecklistTemplate, ItemRef, TemplateItem, TemplateRef};
use crate::protocol::{Intent, SubmittedEvidence, SubmittedInspection};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::sync::Arc;

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

impl Store {
    /// One inspection's record, if on this device.
    pub fn inspection(&self, id: InspectionId) -> Result<Option<Inspection>, StoreError> {
        self.read(|conn| find(conn, id))
    }

    /// The template item `item` names among the inspection's checklists (its answer type, photo rule).
    pub fn inspection_item(&self, id: InspectionId, item: &ItemRef) -> Result<Option<TemplateItem>, StoreError> {
        let Some(inspection) = self.inspection(id)? else { return Ok(None) };
        for reference in inspection.checklists.iter().filter(|r| r.id == item.template) {
            if let Some(found) = self.template(reference)?.and_then(|t| t.item(&item.code).cloned()) {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    /// An enterprise's inspections on this device (local and pulled), most recently changed first.
    pub fn inspections_of(&self, enterprise: EnterpriseId, limit: usize) -> Result<Vec<Inspection>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT body FROM inspections WHERE enterprise = ?1 ORDER BY updated_at DESC, id LIMIT ?2",
            )?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = stmt.query_map(params![enterprise.to_string(), limit], |r| r.get::<_, String>(0))?;
            rows.map(|body| from_json("inspection", &body?)).collect()
        })
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

    /// Arrival on site: start time and location fix, or why there is none.
    pub fn start_inspection(
        &self,
        id: InspectionId,
        at: DateTime<Utc>,
        location: Option<GeoFix>,
        location_missing: Option<FixMissing>,
    ) -> Result<Inspection, StoreError> {
        self.edit(id, |inspection| inspection.start(at, location, location_missing))
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
            let templates = self.templates.installed(tx, &inspection.checklists)?;
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
                Verdict::NonCompliant if !findings::has_finding(tx, id, &item)? => {
                    let finding = Finding::proposed(id, &item.template, template_item);
                    findings::insert_finding(tx, &finding, true)?;
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

    /// Submits: the domain checks everything and returns every problem at once
    /// ([`DomainError::NotSubmittable`]); on success the record freezes, the linked tasks and notices
    /// are made, and one `inspection.submit` intent carrying all of it joins the outbox.
    pub fn submit_inspection(&self, id: InspectionId) -> Result<SubmittedInspection, StoreError> {
        self.submit_signed(id, self.now(), Vec::new())
    }

    /// The record as it would be submitted now, and the text read back to its signers before they sign
    /// (every problem refuses it, as submitting would). Sign over [`ReadBack::sha256`], then
    /// [`Store::submit_signed`] with [`ReadBack::at`]: the record ends when it was read back.
    pub fn read_back(&self, id: InspectionId) -> Result<ReadBack, StoreError> {
        let at = self.now();
        let signer = self.signer()?;
        self.read(|conn| {
            let (submitted, enterprise, templates) = self.prepare(conn, id, at, signer.as_ref())?;
            let township = township_name(conn, &enterprise)?;
            let read_back =
                fieldcheck_documents::record_read_back(&record_input(&submitted, &enterprise, &township, &templates));
            Ok(ReadBack { text: read_back.text, sha256: read_back.sha256, at, inspection: submitted.inspection })
        })
    }

    /// Submits the record as it was read back at `at` with the signatures (and noted refusals) given
    /// on it; the domain checks them (`decide::inspection::signatures`, as the platform does), and the
    /// device seal covers them with the photo chain.
    pub fn submit_signed(
        &self,
        id: InspectionId,
        at: DateTime<Utc>,
        signatures: Vec<Signature>,
    ) -> Result<SubmittedInspection, StoreError> {
        let signer = self.signer()?;
        self.write(|tx| {
            let (mut submitted, enterprise, templates) = self.prepare(tx, id, at, signer.as_ref())?;
            if !signatures.is_empty() {
                let township = township_name(tx, &enterprise)?;
                let input = record_input(&submitted, &enterprise, &township, &templates);
                let read_back = fieldcheck_documents::record_read_back(&input).sha256;
                submitted.signatures = decide::signatures(&submitted.inspection, signatures, &read_back)?;
                // The seal covers the signatures with the photo chain.
                if let Some(ev) = submitted.evidence.as_mut() {
                    ev.seal = crate::evidence::seal_signed(
                        &ev.chain,
                        &submitted.signatures,
                        ev.seal.device,
                        signer.as_ref(),
                        at,
                    )
                    .map_err(|e| StoreError::decode("evidence seal", e))?;
                }
            }
            save(tx, &submitted.inspection, false, at)?;
            super::documents::keep_submitted(tx, &submitted, None)?;
            let mutation = outbox::append(tx, at, Intent::InspectionSubmit(Box::new(submitted.clone())))?;
            let seq = outbox::seq_param(&mutation);
            for task in &submitted.tasks {
                tasks::upsert(tx, task, Source::Local(seq))?;
            }
            for notice in &submitted.notices {
                replica::upsert_notice(tx, notice, Some(seq))?;
            }
            Ok(submitted)
        })
    }

    /// The decided, frozen, sealed record at `at` (nothing written), with what its documents need.
    fn prepare(
        &self,
        conn: &Connection,
        id: InspectionId,
        at: DateTime<Utc>,
        signer: &dyn crate::evidence::Signer,
    ) -> Result<(SubmittedInspection, crate::domain::organisation::Enterprise, Vec<ChecklistTemplate>), StoreError>
    {
        let now = self.now();
        let actor = session::actor(conn)?;
        let inspection = load(conn, id)?;
        let templates = templates::owned(&self.templates.installed(conn, &inspection.checklists)?);
        let answers: Vec<Answer> = answers(conn, id)?.into_iter().map(|(a, _)| a).collect();
        let findings = findings::findings(conn, id)?;
        let enterprise = enterprises::find(conn, inspection.enterprise)?
            .ok_or(StoreError::NotFound { entity: "enterprise", id: inspection.enterprise.to_string() })?;
        let corrected_known = match inspection.corrects {
            Some(original) => find(conn, original)?.is_some(),
            None => true,
        };
        let photos = photos::photo_items(conn, id)?;
        let context = decide::Context {
            actor: &actor,
            enterprise: &enterprise,
            templates: &templates,
            photos: Some(&photos),
            corrected_known,
            now,
        };
        let decide::Submission { inspection, linked } = decide::submit(&context, &inspection, &answers, &findings, at)?;
        // The photos' chain in capture order, sealed with this device's key (an empty chain too:
        // the seal then proves the record went without photos).
        let (chain, renditions) = evidence_records::chain(conn, id)?;
        let seal = crate::evidence::seal(&chain, session::device_id(conn)?, signer, at)
            .map_err(|e| StoreError::decode("evidence seal", e))?;
        let submitted = SubmittedInspection {
            inspection,
            answers,
            findings,
            tasks: linked.tasks,
            notices: linked.notices,
            evidence: Some(SubmittedEvidence { chain, seal, renditions }),
            signatures: Vec::new(),
        };
        Ok((submitted, enterprise, templates))
    }
}

/// What is read back to the signers before they sign.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadBack {
    /// Every fact of the record but the signature lines, as the document prints them.
    pub text: String,
    /// SHA-256 (hex) of `text`: what each signature is over.
    pub sha256: String,
    /// The record's end: pass it to [`Store::submit_signed`].
    pub at: DateTime<Utc>,
    /// The record as it would be submitted (its inspectors, recorder and respondent sign).
    pub inspection: Inspection,
}

fn record_input<'a>(
    submitted: &'a SubmittedInspection,
    enterprise: &'a crate::domain::organisation::Enterprise,
    township: &'a str,
    templates: &'a [ChecklistTemplate],
) -> fieldcheck_documents::RecordInput<'a> {
    static NO_PICTURES: std::collections::BTreeMap<crate::evidence::Digest, Vec<u8>> =
        std::collections::BTreeMap::new();
    fieldcheck_documents::RecordInput {
        submitted,
        enterprise,
        township,
        templates,
        signatures: &submitted.signatures,
        pictures: &NO_PICTURES,
    }
}

pub(crate) fn township_name(
    conn: &Connection,
    enterprise: &crate::domain::organisation::Enterprise,
) -> Result<String, StoreError> {
    let name: Option<String> = conn
        .prepare_cached("SELECT name FROM townships WHERE id = ?1")?
        .query_row([enterprise.township.to_string()], |r| r.get(0))
        .optional()?;
    Ok(name.unwrap_or_default())
}

/// The template item `item` names among the inspection's checklists.
pub(crate) fn item_of<'a>(
    templates: &'a [Arc<ChecklistTemplate>],
    item: &ItemRef,
) -> Result<&'a TemplateItem, DomainError> {
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

pub(crate) fn load(conn: &Connection, id: InspectionId) -> Result<Inspection, StoreError> {
    find(conn, id)?.ok_or(StoreError::NotFound { entity: "inspection", id: id.to_string() })
}

fn save(tx: &Transaction<'_>, i: &Inspection, from_platform: bool, now: DateTime<Utc>) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO inspections (id, enterprise, state, created_by, from_platform, updated_at, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET enterprise = excluded.enterprise, state = excluded.state,
             created_by = excluded.created_by, from_platform = min(inspections.from_platform, excluded.from_platform),
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

pub(crate) fn touch(tx: &Transaction<'_>, id: InspectionId, now: DateTime<Utc>) -> Result<(), StoreError> {
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

/// A submitted inspection's answers with the verdicts the device gives them, by the inspection's day;
/// one the device cannot assess (its template is not installed) is kept as recorded.
fn with_verdicts<'a>(
    templates: &[Arc<ChecklistTemplate>],
    inspection: &Inspection,
    answers: &'a [Answer],
) -> impl Iterator<Item = (&'a Answer, Verdict)> {
    let day = inspection.date(inspection.ended_at.unwrap_or_default().date_naive());
    answers.iter().map(move |answer| {
        let verdict = item_of(templates, &answer.item)
            .ok()
            .and_then(|item| assess(item, &answer.value, day).ok())
            .unwrap_or(Verdict::Recorded);
        (answer, verdict)
    })
}

/// The inspection's answers with their verdicts, by item: a colleague's submitted inspection's from its
/// submitted record, the device's own from their rows.
pub(crate) fn answers_of(
    conn: &Connection,
    cache: &TemplateCache,
    inspection: &Inspection,
) -> Result<Vec<(Answer, Verdict)>, StoreError> {
    let from_platform: bool = conn
        .prepare_cached("SELECT from_platform FROM inspections WHERE id = ?1")?
        .query_row([inspection.id.to_string()], |r| r.get(0))
        .optional()?
        .unwrap_or(false);
    let record = if from_platform { super::documents::submitted(conn, inspection.id)? } else { None };
    let Some(record) = record else { return answers(conn, inspection.id) };
    let templates = cache.installed(conn, &record.inspection.checklists)?;
    let mut out: Vec<(Answer, Verdict)> =
        with_verdicts(&templates, &record.inspection, &record.answers).map(|(a, v)| (a.clone(), v)).collect();
    out.sort_by(|(a, _), (b, _)| (&a.item.template, &a.item.code).cmp(&(&b.item.template, &b.item.code)));
    Ok(out)
}

/// The inspection's answer rows with their verdicts, by item.
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

/// Stores a submitted inspection the platform sent (ours echoed back, or a colleague's), and `sent`, its
/// JSON as the platform sent it, when the page kept it. Our own stay marked local, so a reset never drops
/// them or the photos recorded with them.
pub(crate) fn upsert_submitted(
    tx: &Transaction<'_>,
    s: &SubmittedInspection,
    sent: Option<&str>,
    cache: &TemplateCache,
) -> Result<(), StoreError> {
    let id = s.inspection.id;
    if s.inspection.state != InspectionState::Submitted {
        let reason = "the platform only sends submitted inspections".into();
        return Err(DomainError::Invalid { field: format!("inspection {id}"), reason }.into());
    }
    // Only two columns: parsing the stored record would cost more than the rest of this upsert.
    let local: Option<(String, bool)> = tx
        .prepare_cached("SELECT state, from_platform FROM inspections WHERE id = ?1")?
        .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let submitted = tag(&InspectionState::Submitted)?;
    if local.as_ref().is_some_and(|(state, _)| *state != submitted) {
        let reason = "a local unsubmitted inspection has this id; it is kept".into();
        return Err(DomainError::Invalid { field: format!("inspection {id}"), reason }.into());
    }
    let updated = s.inspection.ended_at.unwrap_or_default();
    save(tx, &s.inspection, true, updated)?;
    tx.prepare_cached("DELETE FROM answers WHERE inspection = ?1")?.execute([id.to_string()])?;
    tx.prepare_cached("DELETE FROM findings WHERE inspection = ?1")?.execute([id.to_string()])?;
    // The device's own inspection keeps its answers as rows, like its work in progress; a colleague's is
    // read from its submitted record ([`answers_of`]): a pull writes one row per inspection, not one per
    // answer (that was a quarter of the time a phone spent storing a pull of inspections).
    if local.is_some_and(|(_, from_platform)| !from_platform) {
        let templates = cache.installed(tx, &s.inspection.checklists)?;
        for (answer, verdict) in with_verdicts(&templates, &s.inspection, &s.answers) {
            insert_answer(tx, id, answer, verdict)?;
        }
    }
    for finding in &s.findings {
        findings::insert_finding(tx, finding, false)?;
    }
    super::documents::keep_submitted(tx, s, sent)?;
    Ok(())
}
