//! Remote wipe of a lost or stolen phone. The command centre orders it (`POST /v1/devices/{id}/wipe`);
//! the phone learns it on its next pull, whose page then carries `wipe: true` and no changes (nothing
//! more goes to that phone); it pushes and uploads what it still holds where it can, erases its
//! database, photos and keys, and reports (`POST /v1/sync/wiped`) what it sent and what was lost. Both
//! steps are in the device's audit trail (`/v1/audit/device/{id}`); the report revokes the device. A
//! device revoked before it learned of its order still learns it from its pull, until it has reported.
//!
//! The order is kept in the evidence bookkeeping (`kind = device_wipe`, key = device id) as JSON.

use crate::access::Caller;
use crate::app::{App, allow};
use crate::auth::{self, Bearer};
use crate::db::{AuditRow, StoreError, Tx};
use crate::error::{ApiError, JsonBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use fieldcheck_domain::capability::Action;
use fieldcheck_domain::ids::DeviceId;
use fieldcheck_domain::text::Text;
use fieldcheck_protocol::WipeReport;
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

/// Where wipe orders are kept (`evidence_kv`, by device id).
pub const ORDER_KIND: &str = "device_wipe";

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(order)).routes(routes!(reported))
}

/// A wipe order and, once the phone answered, its report.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WipeOrder {
    pub device: String,
    pub ordered_by: String,
    pub ordered_at: DateTime<Utc>,
    /// The phone's report; `None` until it has wiped itself.
    pub report: Option<WipeReport>,
    pub wiped_at: Option<DateTime<Utc>>,
}

impl WipeOrder {
    /// Where the wipe stands, for the devices list.
    pub fn label(&self) -> Text {
        match &self.report {
            None => Text::new("已下令擦除，待设备联网", "wipe ordered; waiting for the phone's next contact"),
            Some(r) => Text::new(
                format!(
                    "已擦除：上传 {} 条变更、{} 个照片文件；丢失 {} 条、{} 个",
                    r.sent.changes, r.sent.photos, r.lost.changes, r.lost.photos
                ),
                format!(
                    "wiped: sent {} changes and {} photo files; lost {} and {}",
                    r.sent.changes, r.sent.photos, r.lost.changes, r.lost.photos
                ),
            ),
        }
    }
}

/// The order for `device`, if one was given.
pub fn order_of(tx: &mut dyn Tx, device: &str) -> Result<Option<WipeOrder>, StoreError> {
    tx.evidence_get(ORDER_KIND, device)?.as_deref().map(parse_order).transpose()
}

fn parse_order(json: &str) -> Result<WipeOrder, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("wipe order: {e}")))
}

/// The pull page of a device ordered wiped (no changes, the cursor where it stands), or `None` for any
/// other: `order` is the device's wipe order as stored, read with the pull's token (`Tx::open_pull`).
pub fn pull_page(order: Option<&str>, cursor: u64) -> Result<Option<String>, StoreError> {
    order.map(|_| wipe_page(cursor)).transpose()
}

/// The wipe page for a token that may no longer act (revoked or expired) whose device was ordered wiped
/// and has not reported: the command centre often revokes a lost phone before it orders the wipe.
/// `None` otherwise (the token is refused as usual).
pub fn unheard_order_page(
    holder: &crate::db::Holder,
    order: Option<&str>,
    cursor: u64,
) -> Result<Option<String>, StoreError> {
    if auth::holder_caller(holder).is_err() {
        return Ok(None);
    }
    match order.map(parse_order).transpose()? {
        Some(order) if order.report.is_none() => wipe_page(cursor).map(Some),
        _ => Ok(None),
    }
}

fn wipe_page(cursor: u64) -> Result<String, StoreError> {
    let page =
        fieldcheck_protocol::PullResponse { changes: Vec::new(), cursor, has_more: false, reset: false, wipe: true };
    serde_json::to_string(&page).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn audit(tx: &mut dyn Tx, device: &str, user: &str, action: &str, note: String) -> Result<(), StoreError> {
    // A device has no lifecycle states of its own in the audit: the action names the step.
    tx.audit(&AuditRow {
        entity: "device".into(),
        id: device.into(),
        action: action.into(),
        from_state: None,
        to_state: None,
        user: user.into(),
        device: Some(device.into()),
        at: Utc::now(),
        note,
    })
}

/// The command centre orders a device wiped (again: the same order is answered).
#[utoipa::path(
    post,
    path = "/v1/devices/{id}/wipe",
    tag = "auth",
    summary = "Order a device wiped (command centre: wipe_device); audited",
    description = "The phone learns it on its next pull (the page carries `wipe: true` and no changes), pushes and uploads what it still holds where it can, erases its database, photos and keys, and reports with `POST /v1/sync/wiped`. Ordering again answers the existing order (200).",
    params(
        ("id" = uuid::Uuid, Path),
    ),
    responses(
        (status = 202, description = "the wipe order", body = WipeOrder),
        (status = 200, description = "the wipe order", body = WipeOrder),
    )
)]
async fn order(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<DeviceId>,
) -> Result<(StatusCode, Json<WipeOrder>), ApiError> {
    allow(&caller, Action::WipeDevice)?;
    app.db
        .write(move |tx| {
            let device = id.to_string();
            tx.device(&device)?.ok_or_else(|| ApiError::not_found("device not found"))?;
            if let Some(existing) = order_of(tx, &device)? {
                return Ok((StatusCode::OK, Json(existing)));
            }
            let by = caller.user.id.to_string();
            let order = WipeOrder {
                device: device.clone(),
                ordered_by: by.clone(),
                ordered_at: Utc::now(),
                report: None,
                wiped_at: None,
            };
            let json = serde_json::to_string(&order).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            tx.evidence_put(ORDER_KIND, &device, &json)?;
            audit(tx, &device, &by, "wipe_ordered", String::new())?;
            Ok((StatusCode::ACCEPTED, Json(order)))
        })
        .await
}

/// The phone reports its wipe: recorded in the audit (sent and lost), and the device is revoked. A
/// phone that could not report before erasing itself keeps the report and its token and sends it on a
/// later contact: taken then even if the device was revoked or its token expired meanwhile, since a
/// wipe order for the device stands (any other call of that token stays refused). Once: a repeat is
/// answered with the order as recorded.
#[utoipa::path(
    post,
    path = "/v1/sync/wiped",
    tag = "sync",
    summary = "A device ordered wiped reports what it sent and what was lost; audited, and the device is revoked",
    description = "Taken once per wipe order, even from a token revoked or expired since the order (a phone that could not report before erasing itself sends it on its next contact); a repeat answers the recorded order. A token without a wipe order for its device is refused as usual (401 when revoked or expired, 409 otherwise).",
    request_body = WipeReport,
    responses(
        (status = 200, description = "the wipe order", body = WipeOrder),
    )
)]
async fn reported(
    State(app): State<App>,
    Bearer(token): Bearer,
    JsonBody(report): JsonBody<WipeReport>,
) -> Result<Json<WipeOrder>, ApiError> {
    app.db
        .write(move |tx| {
            let caller = auth::token_holder(tx, &token)?;
            let device =
                caller.device.ok_or_else(|| ApiError::forbidden("only a device reports its wipe"))?.to_string();
            let Some(mut order) = order_of(tx, &device)? else {
                // No order: the token must be good as for any other call.
                auth::caller_for_token(tx, &token, Utc::now())?;
                return Err(ApiError::conflict("this device was not ordered wiped"));
            };
            if order.report.is_some() {
                return Ok(Json(order));
            }
            let (sent, lost) = (report.sent, report.lost);
            let note = format!(
                "sent {} changes and {} photo files; lost {} changes and {} photo files",
                sent.changes, sent.photos, lost.changes, lost.photos
            );
            let now = Utc::now();
            audit(tx, &device, &caller.user.id.to_string(), "wiped", note)?;
            order.report = Some(report);
            order.wiped_at = Some(now);
            let json = serde_json::to_string(&order).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            tx.evidence_put(ORDER_KIND, &device, &json)?;
            tx.revoke_device(&device, now)?;
            Ok(Json(order))
        })
        .await
}
