//! An alarm's whole record (`GET /v1/alarms/{id}/record`): the alarm as listed, its steps from raised to
//! closed (with an `overdue` step when its response limit passed before an officer arrived), the photos of
//! the on-site feedback with the chain's verification, the audit trail, and the inspections it led to with
//! their tasks and documents.

use super::{ALARM_PHOTOS, Link, Step};
use crate::access::{Caller, Reach};
use crate::app::App;
use crate::command::{self, AlarmRow, Names};
use crate::console;
use crate::db::listing::{ListQuery, Listed};
use crate::error::ApiError;
use crate::intents::Actor;
use crate::records;
use axum::Json;
use axum::extract::{Path, State};
use chrono::Utc;
use fieldcheck_domain::capability::{self, Action};
use fieldcheck_domain::finding::Severity;
use fieldcheck_domain::ids::AlarmId;
use fieldcheck_domain::inspection::Origin;
use fieldcheck_domain::text::Text;
use fieldcheck_protocol::{Entity, StepPhoto, SubmittedInspection};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct AlarmRecord {
    alarm: AlarmRow,
    /// Hours the enterprise's class gives for the on-site response (`respond_by` − `raised_at`).
    limit_hours: f64,
    /// Whether an officer arrived (or the alarm was closed) by `respond_by`; None while neither happened
    /// and the limit has not passed.
    within_limit: Option<bool>,
    steps: Vec<Step>,
    /// Inspections made for this alarm and the tasks they issued, each with its PDF.
    links: Vec<Link>,
    /// The audit trail, when the caller may read it (`read_audit`).
    audit: Option<Vec<console::TimelineEntry>>,
}

#[utoipa::path(
    get,
    path = "/v1/alarms/{id}/record",
    tag = "command centre",
    summary = "An alarm's whole record: the alarm as listed, its steps (raised, graded, dispatched, arrived, closed, photos countersigned, and overdue when the response limit passed before an officer arrived), the closing feedback's photos, the audit trail (with read_audit), and the inspections made for it with their tasks and PDFs",
    description = "Scoped like the alarm: one out of the caller's reach is answered 404. `limit_hours` is the response limit the enterprise's class gave; `within_limit` is true when an officer arrived (or the alarm was closed) by `respond_by`, false when that came later or the limit passed with neither, null while still within it.",
    params(
        ("id" = uuid::Uuid, Path),
    ),
    responses(
        (status = 200, description = "the record", body = AlarmRecord),
    )
)]
pub async fn record(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<AlarmId>,
) -> Result<Json<AlarmRecord>, ApiError> {
    let record = app
        .db
        .read(move |tx| {
            let now = Utc::now();
            let actor = Actor { reach: Reach::of(tx, &caller.user)?, device: None, now };
            let alarm = crate::intents::alarm::load_in_reach(tx, &actor, id)?;
            let names = Names::load(tx)?;
            let row = command::alarm_row(tx, &actor.reach, now, &names, alarm.clone())?
                .ok_or_else(|| ApiError::not_found("alarm not found"))?;
            let trail = console::timeline(tx, "alarm", &id.to_string())?;
            let reached =
                trail.iter().filter(|e| matches!(e.row.action.as_str(), "arrive" | "close")).map(|e| e.row.at).min();
            let within_limit = match reached {
                Some(at) => Some(at <= alarm.respond_by),
                None => (alarm.respond_by <= now).then_some(false),
            };
            let overdue_at = (within_limit == Some(false)).then_some(alarm.respond_by);
            let mut steps = super::steps(&trail, overdue_at, Text::new("超过响应时限", "past the response limit"));
            let photos: Vec<StepPhoto> = tx
                .evidence_get(ALARM_PHOTOS, &id.to_string())?
                .and_then(|json| serde_json::from_str(&json).ok())
                .unwrap_or_default();
            if let Some(closed) = steps.iter_mut().find(|s| s.step == "closed") {
                closed.photos = photos;
            }
            // The grade is stored by its Rust name; the step shows its label.
            for graded in steps.iter_mut().filter(|s| s.step == "graded") {
                let level = [Severity::Minor, Severity::General, Severity::Serious]
                    .into_iter()
                    .find(|l| format!("{l:?}") == graded.note);
                if let Some(label) = level.map(Severity::label) {
                    graded.note = format!("{} {}", label.zh, label.en);
                }
            }
            // Inspections made for this alarm are at its enterprise: read those through their list.
            let query = ListQuery {
                enterprise: Some(alarm.enterprise.to_string()),
                limit: 1000,
                ..ListQuery::of(Listed::Inspection)
            };
            let mut links = Vec::new();
            for iid in tx.list_page(&query, &actor.reach.filter())?.ids {
                let s: Option<SubmittedInspection> = records::load(tx, Entity::Inspection, &iid)?;
                if let Some(s) = s.filter(|s| s.inspection.origin == Some(Origin::Alarm(id))) {
                    links.extend(super::inspection_links(tx, &s)?);
                }
            }
            let audit = if capability::may(caller.user.role, Action::ReadAudit) { Some(trail) } else { None };
            Ok(AlarmRecord {
                limit_hours: hours(alarm.respond_by - alarm.raised_at),
                within_limit,
                steps,
                links,
                audit,
                alarm: row,
            })
        })
        .await?;
    Ok(Json(record))
}

fn hours(d: chrono::Duration) -> f64 {
    d.num_seconds() as f64 / 3600.0
}
