//! The sync protocol's server side: push applies each numbered mutation exactly once, in order, each
//! undone alone when it fails (`apply`), a push in one transaction, or in several when its turn at the
//! database ends (`db::Turn`), and after the device's push before it when it names one (`order`: pushes
//! pipelined); pull reads the change log in commit order by cursor, scoped to the caller.

mod apply;
mod order;

pub use apply::{apply_in_order, guarded};
pub use order::Written;

use crate::access::Reach;
use crate::app::App;
use crate::auth::Bearer;
use crate::db::{ChangeRef, LogBounds, StoreError, entity_name};
use crate::error::ApiError;
use axum::body::Bytes;
use chrono::Utc;
use fieldcheck_protocol::limits::{MAX_PULL_PAGE, MAX_PUSH_MUTATIONS};
use fieldcheck_protocol::{PROTOCOL_VERSION, PullResponse, PushRequest, PushResponse};
use std::fmt::Write;
use std::sync::Arc;

/// How long tombstones are kept; a device whose cursor is older must reset.
pub const TOMBSTONE_WINDOW_DAYS: i64 = 30;

/// Refuses clients that speak an older protocol with 426, newer ones with 400.
pub fn check_protocol(client: u32) -> Result<(), ApiError> {
    if client < PROTOCOL_VERSION {
        return Err(ApiError::upgrade_required(client));
    }
    if client > PROTOCOL_VERSION {
        return Err(ApiError::bad_request(format!(
            "protocol {client} is newer than this platform's {PROTOCOL_VERSION}"
        )));
    }
    Ok(())
}

/// A push body larger than this is parsed (and its records serialised, `intents::Prepared`) on the
/// blocking pool: that takes milliseconds for megabytes, which would hold one of the few threads every
/// other request is served by.
const PARSED_INLINE_BYTES: usize = 64 * 1024;

/// A push by the bearer of `token`, whose caller is resolved in the push's own write transaction (one
/// transaction per push, not a read for the token and then the write).
pub async fn push(app: &App, token: Bearer, body: Bytes) -> Result<PushResponse, ApiError> {
    let received_at = Utc::now();
    let (req, prepared) = if body.len() <= PARSED_INLINE_BYTES {
        read_push(&body)?
    } else {
        crate::ops::spawn_blocking(move || read_push(&body)).await??
    };
    if let Some(follows) = req.follows {
        order::wait_for(app, &token, req.device, follows).await?;
    }
    let device = req.device.to_string();
    let skew_ms = (received_at - req.sent_at).num_milliseconds();
    let (mutations, prepared, turn) = (Arc::new(req.mutations), Arc::new(prepared), app.db.turn());
    let mut results = Vec::with_capacity(mutations.len());
    // One transaction for the push, unless its turn at the database ends first (`db::Turn`: SQLite's one
    // writer, with other writes waiting): the rest goes on in a write of its own behind them. Each write
    // resolves the caller and records the device's contact and clock skew, then applies mutations in
    // order, each seeing what the one before left; on a failure what was committed stays (its outcomes
    // are stored) and the device sends the push again.
    loop {
        let (token, device, all, prepared, from, turn) =
            (token.clone(), device.clone(), mutations.clone(), prepared.clone(), results.len(), turn.clone());
        let written = app
            .db
            .write(move |tx| {
                let caller = order::pusher(tx, &token, req.device, received_at)?;
                // Refused once the caller is known, so that a missing or revoked token is answered 401
                // whatever the push carries.
                if all.is_empty() {
                    return Err(mutations_per_push());
                }
                let reach = Reach::of(tx, &caller.user)?;
                tx.record_clock_skew(&device, received_at, skew_ms)?;
                apply::exactly_once(tx, &reach, &device, &all[from..], &prepared[from..], &turn)
            })
            .await?;
        app.pushes.tell(req.device);
        crate::ops::metrics::push_written();
        if written.is_empty() {
            // Each write applies one mutation at least (`apply::apply_in_order`); never loop on none.
            return Err(StoreError::Join("a write of the push applied no mutation".into()).into());
        }
        results.extend(written);
        if results.len() >= mutations.len() {
            return Ok(PushResponse { received_at, results, pipelining: true });
        }
    }
}

/// A push carries 1 to `MAX_PUSH_MUTATIONS` mutations.
fn mutations_per_push() -> ApiError {
    ApiError::bad_request(format!("a push carries 1 to {MAX_PUSH_MUTATIONS} mutations"))
}

/// A push request from its body, checked against the protocol's bounds, with what its mutations' writes
/// can have made before them (`intents::Prepared`; made only for a push within the bounds).
fn read_push(body: &[u8]) -> Result<(PushRequest, Vec<crate::intents::Prepared>), ApiError> {
    let req = parse_push(body)?;
    check_protocol(req.protocol)?;
    if req.mutations.len() > MAX_PUSH_MUTATIONS {
        return Err(mutations_per_push());
    }
    if let Some(reason) = req.misplaced_follows() {
        return Err(ApiError::bad_request(reason));
    }
    let prepared = req.mutations.iter().map(|m| crate::intents::prepare(&m.intent)).collect();
    Ok((req, prepared))
}

/// A push request from its body: a JSON object, else 400; a client older than the protocol gets 426.
fn parse_push(body: &[u8]) -> Result<PushRequest, ApiError> {
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::bad_request("a push is a JSON object {protocol, device, sent_at, mutations}"));
    }
    serde_json::from_slice(body).map_err(|e| {
        // An old client gets "upgrade required", not a parse error, when its shape no longer fits.
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body)
            && let Some(p) = v.get("protocol").and_then(|p| p.as_u64())
            && let Err(upgrade) = check_protocol(u32::try_from(p).unwrap_or(u32::MAX))
        {
            return upgrade;
        }
        ApiError::bad_request(format!("malformed push: {e}"))
    })
}

/// A pull page for the bearer of `token`, whose caller is resolved in the page's own snapshot (one
/// transaction per pull, not two).
pub async fn pull(app: &App, token: Bearer, protocol: u32, cursor: u64, limit: u32) -> Result<String, ApiError> {
    let limit = limit.clamp(1, MAX_PULL_PAGE);
    app.db
        .read(move |tx| {
            let opening = tx.open_pull(&crate::auth::token_hash(&token.0))?;
            let holder = crate::auth::known(opening.holder)?;
            let order = opening.wipe_order.as_deref();
            let caller = match crate::auth::admit(&holder, Utc::now()) {
                Ok(caller) => caller,
                // A phone revoked (or expired) before it learned of its wipe order still learns it.
                Err(refused) => return crate::wipe::unheard_order_page(&holder, order, cursor)?.ok_or(refused),
            };
            check_protocol(protocol)?;
            if let Some(page) = crate::wipe::pull_page(order, cursor)? {
                return Ok(page);
            }
            let LogBounds { floor, end } = opening.bounds;
            if cursor > 0 && cursor < floor {
                let reset = PullResponse { changes: Vec::new(), cursor: 0, has_more: true, reset: true, wipe: false };
                return serde_json::to_string(&reset).map_err(|e| StoreError::Corrupt(e.to_string()).into());
            }
            if cursor > end {
                return Err(ApiError::new(
                    axum::http::StatusCode::BAD_REQUEST,
                    "cursor_ahead",
                    format!(
                        "cursor {cursor} is beyond the change log's end ({end}): it was not given by this platform; \
                         pull again from 0"
                    ),
                ));
            }
            let reach = Reach::of(tx, &caller.user)?;
            // One entry more than the page holds tells whether more follow; it is not written.
            let mut page = Page::new();
            let (mut taken, mut last, mut has_more) = (0, None, false);
            tx.each_change(cursor, limit + 1, &reach.filter(), &mut |change| {
                if taken == limit {
                    has_more = true;
                } else {
                    (taken, last) = (taken + 1, Some(change.cursor));
                    page.push(change);
                }
            })?;
            // A full page ends at its last entry (written or not); the last page ends at the newest cursor,
            // so entries the caller may not see are not scanned again.
            let next = match (has_more, last) {
                (true, Some(last)) => last,
                _ => end,
            };
            Ok(page.finish(next, has_more))
        })
        .await
}

/// A pull page written into one buffer as the database hands its entries over: each record's stored JSON
/// (the record's own serialisation when it was saved) is passed through as it is, never parsed again nor
/// copied into a string of its own.
struct Page {
    out: String,
    /// Whether an entry was written (the next one follows a comma).
    written: bool,
}

impl Page {
    fn new() -> Self {
        let mut out = String::with_capacity(16 * 1024);
        out.push_str("{\"changes\":[");
        Page { out, written: false }
    }

    fn push(&mut self, change: ChangeRef<'_>) {
        let (cursor, entity, out) = (change.cursor, entity_name(change.entity), &mut self.out);
        let sep = if self.written { "," } else { "" };
        // Writing into a String cannot fail.
        let _ = match change.data {
            Some(data) => write!(
                out,
                "{sep}{{\"cursor\":{cursor},\"op\":\"upsert\",\"record\":{{\"entity\":\"{entity}\",\"data\":{data}}}}}"
            ),
            None => match change.id.parse::<uuid::Uuid>() {
                Ok(id) => {
                    write!(
                        out,
                        "{sep}{{\"cursor\":{cursor},\"op\":\"delete\",\"entity\":\"{entity}\",\"id\":\"{id}\"}}"
                    )
                }
                // A tombstone of a record that is not a device's (no UUID id) is of no use to one.
                Err(_) => return,
            },
        };
        self.written = true;
    }

    fn finish(mut self, next: u64, has_more: bool) -> String {
        let _ = write!(self.out, "],\"cursor\":{next},\"has_more\":{has_more},\"reset\":false}}");
        self.out
    }
}
