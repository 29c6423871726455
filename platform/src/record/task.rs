//! A rectification task's whole record (`GET /v1/tasks/{id}/record`): the task as listed, its steps from
//! issued to accepted or rejected (with an `overdue` step when the deadline passed while the enterprise owed
//! an answer), each step's photos with the chain's verification, the audit trail, the order PDF, and links
//! to the inspection that issued it and the alarm that inspection answered.

use super::{Link, Step};
use crate::access::{Caller, Reach};
use crate::app::App;
use crate::command::{self, TaskRow};
use crate::console;
use crate::error::ApiError;
use crate::records;
use axum::Json;
use axum::extract::{Path, State};
use chrono::Utc;
use fieldcheck_domain::audit::RecordState;
use fieldcheck_domain::capability::{self, Action};
use fieldcheck_domain::ids::TaskId;
use fieldcheck_domain::inspection::Origin;
use fieldcheck_domain::rectification::{RectificationTask, TaskState};
use fieldcheck_domain::text::Text;
use fieldcheck_protocol::{Entity, SubmittedInspection, TaskEvent};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct TaskRecord {
    task: TaskRow,
    township_name: String,
    steps: Vec<Step>,
    /// The order (`/v1/tasks/{id}/order.pdf`).
    order_pdf: String,
    /// The inspection that issued the task (with its record PDF) and the alarm it answered, if any.
    links: Vec<Link>,
    audit: Option<Vec<console::TimelineEntry>>,
}

#[utoipa::path(
    get,
    path = "/v1/tasks/{id}/record",
    tag = "command centre",
    summary = "A rectification task's whole record: the task as listed, its steps (issued, acknowledged, proof submitted, accepted or rejected, photos countersigned, and overdue when the deadline passed while the enterprise owed an answer) with each step's photos, the audit trail (with read_audit), the order PDF, and links to the inspection that issued it and the alarm it answered",
    description = "Scoped like the task: one out of the caller's reach is answered 404.",
    params(
        ("id" = uuid::Uuid, Path),
    ),
    responses(
        (status = 200, description = "the record", body = TaskRecord),
    )
)]
pub async fn record(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<TaskId>,
) -> Result<Json<TaskRecord>, ApiError> {
    let record = app
        .db
        .read(move |tx| {
            let now = Utc::now();
            let reach = Reach::of(tx, &caller.user)?;
            let task: RectificationTask = records::load(tx, Entity::Task, &id.to_string())?
                .filter(|t| reach.covers_task(t))
                .ok_or_else(|| ApiError::not_found("task not found"))?;
            let trail = console::timeline(tx, "task", &id.to_string())?;
            // Overdue when the deadline came while the enterprise owed an answer (the last state reached
            // before it, issued when none).
            let then = trail
                .iter()
                .filter(|e| e.row.at <= task.deadline)
                .filter_map(|e| match e.row.to_state {
                    Some(RecordState::Task(state)) => Some(state),
                    _ => None,
                })
                .next_back()
                .unwrap_or(TaskState::Issued);
            let owed = RectificationTask { state: then, ..task.clone() }.time_left(task.deadline).is_some();
            let overdue_at = (task.deadline <= now && owed).then_some(task.deadline);
            let mut steps = super::steps(&trail, overdue_at, Text::new("整改逾期", "past the deadline"));
            // Each step's photos come with its timeline event (same time, same action).
            let events: Vec<TaskEvent> =
                records::load_all::<TaskEvent>(tx, Entity::TaskEvent)?.into_iter().filter(|e| e.task == id).collect();
            for step in &mut steps {
                if let Some(e) = events.iter().find(|e| e.at == step.at && !e.photos.is_empty()) {
                    step.photos = e.photos.clone();
                }
            }
            let mut links = Vec::new();
            let inspection: Option<SubmittedInspection> =
                records::load(tx, Entity::Inspection, &task.inspection.to_string())?;
            if let Some(s) = &inspection {
                let i = &s.inspection;
                if let Some(Origin::Alarm(alarm)) = i.origin {
                    links.push(Link {
                        kind: "alarm",
                        id: alarm.to_string(),
                        title: "报警 alarm".into(),
                        state_label: None,
                        pdf: None,
                    });
                }
                let when = i.started_at.or(i.ended_at).map(|t| t.format("%Y-%m-%d %H:%M").to_string());
                links.push(Link {
                    kind: "inspection",
                    id: i.id.to_string(),
                    title: format!("{} {}", when.unwrap_or_default(), i.summary.chars().take(60).collect::<String>()),
                    state_label: None,
                    pdf: Some(format!("/v1/inspections/{}/record.pdf", i.id)),
                });
            }
            let names = command::Names::load(tx)?;
            let audit = if capability::may(caller.user.role, Action::ReadAudit) { Some(trail) } else { None };
            Ok(TaskRecord {
                township_name: names.townships.get(&task.township).cloned().unwrap_or_default(),
                order_pdf: format!("/v1/tasks/{id}/order.pdf"),
                task: command::task_row(tx, &reach, now, task)?,
                steps,
                links,
                audit,
            })
        })
        .await?;
    Ok(Json(record))
}
