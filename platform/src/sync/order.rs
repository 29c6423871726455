//! Pipelined pushes: a device may send its next push before the one before it is answered, naming that
//! push's last sequence number (`PushRequest::follows`). The later push waits here until that mutation's
//! outcome is stored, so a device's mutations apply in order whichever request reaches the database first,
//! while the device's next push is already received and parsed (a push of 500 inspections spends a third
//! of its time outside the database).
//!
//! Outcomes are read from the database, so a push followed on another process is seen too; this process's
//! push writes wake the waiters of their device at once, and a waiter looks again from time to time
//! ([`POLL`]) for the writes of other processes (and for a wake it missed).

use crate::access::Caller;
use crate::app::App;
use crate::auth::Bearer;
use crate::db::Tx;
use crate::error::ApiError;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use fieldcheck_domain::ids::DeviceId;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio::time::Instant;

/// How long a push waits for the one it follows. Past it the push is answered 409 `push_out_of_order`
/// and applies nothing: the device sends its outbox again, in order.
pub const WAIT: Duration = Duration::from_secs(10);

/// How soon a waiting push reads again when no write of its device in this process woke it: doubling
/// from the first to the last, so that a push that waits long (or was made to wait on purpose) reads the
/// database a few dozen times, not hundreds.
const POLL: (Duration, Duration) = (Duration::from_millis(25), Duration::from_millis(800));

/// The devices whose push writes this process committed, heard by the pushes that follow them.
#[derive(Clone)]
pub struct Written(broadcast::Sender<DeviceId>);

impl Default for Written {
    fn default() -> Self {
        // A waiter that falls behind (lagged) reads again: the size bounds memory, not correctness.
        Written(broadcast::channel(256).0)
    }
}

impl Written {
    /// A write of `device`'s push committed.
    pub fn tell(&self, device: DeviceId) {
        // No receiver (nobody waits) is the usual case, not an error.
        let _ = self.0.send(device);
    }
}

/// The caller of a push by the bearer of `token` for `device`, at `now`: the token's device only.
pub fn pusher(tx: &mut dyn Tx, token: &Bearer, device: DeviceId, now: DateTime<Utc>) -> Result<Caller, ApiError> {
    let caller = crate::auth::caller_for_token(tx, &token.0, now)?;
    if caller.device != Some(device) {
        return Err(ApiError::forbidden("the push names another device than the token's"));
    }
    Ok(caller)
}

/// Returns once the outcome of `device`'s mutation `follows` is stored, or fails after [`WAIT`] (409).
/// The caller is checked first, so only the device's own token can make a push wait.
pub async fn wait_for(app: &App, token: &Bearer, device: DeviceId, follows: u64) -> Result<(), ApiError> {
    let deadline = Instant::now() + WAIT;
    let (mut waited, mut poll) = (false, POLL.0);
    loop {
        // Listening before reading, so that a write committed between the two still wakes this push.
        let mut written = app.pushes.0.subscribe();
        let token = token.clone();
        let answered = app
            .db
            .read(move |tx| {
                pusher(tx, &token, device, Utc::now())?;
                Ok(!tx.outcomes(&device.to_string(), &[follows])?.is_empty())
            })
            .await?;
        if answered {
            if !waited {
                crate::ops::metrics::push_follows(false);
            }
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "push_out_of_order",
                format!(
                    "the push this one follows (up to mutation {follows}) was not applied within {} s: \
                     send the outbox again in order",
                    WAIT.as_secs()
                ),
            ));
        }
        if !waited {
            crate::ops::metrics::push_follows(true);
            waited = true;
        }
        let woken = async {
            loop {
                match written.recv().await {
                    Ok(d) if d != device => continue,
                    // This device's write, or missed wakes (lagged): read again.
                    _ => return,
                }
            }
        };
        if tokio::time::timeout_at(deadline.min(Instant::now() + poll), woken).await.is_err() {
            poll = (poll * 2).min(POLL.1);
        }
    }
}
