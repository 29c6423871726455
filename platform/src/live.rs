//! Live updates for open consoles: `GET /v1/events`, server-sent events of the change log.
//!
//! Events come from the change log, not from this process's writes, so a console sees every change
//! whichever platform process on the same database made it: one task per process polls the log's last
//! cursor and wakes the subscribers, and each subscriber reads the new entries through the same scoped
//! query a device's pull uses (`Tx::changes` with the caller's filter), so it sees exactly what it may.
//!
//! An `EventSource` cannot send an `Authorization` header, and a bearer token in a URL would end up in
//! logs and histories. So the console first asks `POST /v1/events/ticket` (with its bearer token) for a
//! ticket: `device.expiry.mac`, valid for [`TICKET_SECONDS`], where the mac is SHA-256 over the device,
//! the expiry and the device token's stored hash. It needs no storage (any process can check it), names
//! no secret, and dies with the token (a revoked or expired device's tickets fail at once).

use crate::access::{Caller, Reach};
use crate::app::App;
use crate::db::Tx;
use crate::error::ApiError;
use crate::records;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use chrono::{DateTime, Utc};
use fieldcheck_domain::organisation::User;
use fieldcheck_protocol::Entity;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::watch;
use utoipa_axum::{router::OpenApiRouter, routes};

/// How long an events ticket may be used to open (or reopen) a stream.
pub const TICKET_SECONDS: i64 = 60;
/// How often each process looks for new change-log entries.
const POLL: Duration = Duration::from_millis(250);
/// Entries read per query while a subscriber catches up.
const BATCH: u32 = 500;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(events)).routes(routes!(ticket))
}

/// This process's view of the change log's end, started with the first subscriber.
#[derive(Clone, Default)]
pub struct Live(Arc<OnceLock<watch::Receiver<u64>>>);

impl Live {
    fn subscribe(&self, app: &App) -> watch::Receiver<u64> {
        self.0
            .get_or_init(|| {
                let (send, recv) = watch::channel(0);
                crate::ops::spawn_detached(watch_log(app.clone(), send));
                recv
            })
            .clone()
    }
}

/// Polls the log's last cursor and publishes it when it moves; ends when nobody listens any more.
async fn watch_log(app: App, send: watch::Sender<u64>) {
    let mut seen = 0;
    loop {
        // A failed read (database restarting) is tried again on the next tick.
        if let Ok(last) = app.db.read(|tx| Ok(tx.last_cursor()?)).await
            && last != seen
        {
            seen = last;
            send.send_replace(last);
        }
        tokio::time::sleep(POLL).await;
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct Ticket {
    ticket: String,
    expires_at: DateTime<Utc>,
}

fn mac(device: &str, expires: i64, token_hash: &str) -> String {
    hex::encode(Sha256::digest(format!("fieldcheck-events\n{device}\n{expires}\n{token_hash}")))
}

#[utoipa::path(
    post,
    path = "/v1/events/ticket",
    tag = "command centre",
    summary = "A short-lived ticket for opening the live event stream (an EventSource cannot send a bearer token)",
    description = "The ticket is `device.expiry.mac`, valid for 60 seconds, bound to the calling device's token: it stops working when the device is signed out. It needs no storage, so any platform process on the same database accepts it.",
    responses(
        (status = 200, description = "the ticket", body = Ticket),
    )
)]
/// A short-lived ticket for opening `GET /v1/events` as the calling device.
async fn ticket(State(app): State<App>, caller: Caller) -> Result<Json<Ticket>, ApiError> {
    let device = caller.device.ok_or_else(|| ApiError::unauthorized("events need a device token"))?.to_string();
    let expires_at = Utc::now() + chrono::Duration::seconds(TICKET_SECONDS);
    let row =
        app.db.read(move |tx| tx.device(&device)?.ok_or_else(|| ApiError::unauthorized("unknown device"))).await?;
    let expires = expires_at.timestamp();
    Ok(Json(Ticket { ticket: format!("{}.{expires}.{}", row.id, mac(&row.id, expires, &row.token_hash)), expires_at }))
}

/// The caller a ticket stands for, refused once it expired or its device was signed out.
fn caller_for_ticket(tx: &mut dyn Tx, ticket: &str, now: DateTime<Utc>) -> Result<Caller, ApiError> {
    let bad = || ApiError::unauthorized("invalid or expired events ticket; ask POST /v1/events/ticket for a new one");
    let mut parts = ticket.splitn(3, '.');
    let (Some(device), Some(expires), Some(presented)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let expires: i64 = expires.parse().map_err(|_| bad())?;
    if expires < now.timestamp() || expires > now.timestamp() + TICKET_SECONDS {
        return Err(bad());
    }
    let row = tx.device(device)?.ok_or_else(bad)?;
    if row.revoked_at.is_some() || row.expires_at < now {
        return Err(bad());
    }
    if !crate::secret::matches(presented.as_bytes(), mac(&row.id, expires, &row.token_hash).as_bytes()) {
        return Err(bad());
    }
    let user: User = records::load(tx, Entity::User, &row.user)?.ok_or_else(bad)?;
    Ok(Caller { user, device: row.id.parse().ok() })
}

#[derive(Deserialize)]
struct EventsQuery {
    ticket: String,
}

/// One change as a console hears it: enough to refresh what shows that record.
#[derive(Serialize)]
struct Change {
    cursor: u64,
    entity: &'static str,
    id: String,
    /// `upsert` or `delete`.
    op: &'static str,
}

#[utoipa::path(
    get,
    path = "/v1/events",
    tag = "command centre",
    summary = "Live updates: server-sent events of the change log, scoped to the caller",
    description = "`text/event-stream`; one `change` event per change-log entry the caller may see from the moment it connects: `{cursor, entity, id, op}` with `op` `upsert` or `delete` (the event id is the cursor). Events come from the change log, so changes made by any platform process on the same database arrive (polled every 250 ms). Open it with a ticket from `POST /v1/events/ticket`; once the ticket expired, a reconnect needs a new one.",
    security(("events_ticket" = [])),
    responses(
        (status = 200, description = "the event stream", body = String, content_type = "text/event-stream"),
    )
)]
/// The stream: a `change` event per change-log entry the caller may see, from the moment it connects.
async fn events(
    State(app): State<App>,
    Query(q): Query<EventsQuery>,
) -> Result<Sse<impl futures_util::Stream<Item = Result<Event, std::convert::Infallible>>>, ApiError> {
    let (filter, start) = app
        .db
        .read(move |tx| {
            let caller = caller_for_ticket(tx, &q.ticket, Utc::now())?;
            Ok((Reach::of(tx, &caller.user)?.filter(), tx.last_cursor()?))
        })
        .await?;
    let wake = app.live.subscribe(&app);
    let state = (app, wake, filter, start, Vec::<Event>::new());
    let stream = futures_util::stream::unfold(state, |(app, mut wake, filter, mut after, mut queue)| async move {
        loop {
            if let Some(event) = queue.pop() {
                return Some((Ok(event), (app, wake, filter, after, queue)));
            }
            let target = *wake.borrow_and_update();
            if target <= after {
                if wake.changed().await.is_err() {
                    return None;
                }
                continue;
            }
            let f = filter.clone();
            let Ok(rows) = app.db.read(move |tx| Ok(tx.changes(after, BATCH, &f)?)).await else {
                tokio::time::sleep(POLL).await;
                continue;
            };
            // A full batch may have more behind it; otherwise everything up to `target` was read (entries
            // the caller may not see move its position too).
            after = match rows.last() {
                Some(last) if rows.len() as u32 == BATCH => last.cursor,
                Some(last) => target.max(last.cursor),
                None => target,
            };
            queue = rows.iter().rev().map(change_event).collect();
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

fn change_event(row: &crate::db::ChangeRow) -> Event {
    let change = Change {
        cursor: row.cursor,
        entity: crate::db::entity_name(row.entity),
        id: row.id.clone(),
        op: if row.data.is_some() { "upsert" } else { "delete" },
    };
    Event::default().event("change").id(row.cursor.to_string()).json_data(change).unwrap_or_default()
}
