//! Accounts and devices: argon2 password hashes, device tokens (random, stored only as a SHA-256 hash,
//! revocable, valid for weeks so a phone keeps working offline), password hashing bounded in memory
//! ([`HashGate`]) and login throttling (`throttle`).

use crate::access::Caller;
use crate::app::App;
use crate::db::{DeviceRow, Holder, StoreError, Tx};
use crate::error::ApiError;
use crate::records;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Block, Params, Version};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use chrono::{DateTime, Duration, Utc};
use fieldcheck_domain::ids::DeviceId;
use fieldcheck_domain::limits;
use fieldcheck_domain::organisation::User;
use fieldcheck_protocol::Entity;
use sha2::{Digest, Sha256};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// How long a device token lives without a new login.
pub const TOKEN_DAYS: i64 = 30;

/// An argon2id hash in PHC form (slow and memory-hungry: run it through [`HashGate`]).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "random", e.to_string()))?;
    let salt = SaltString::encode_b64(&bytes)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "salt", e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "hash", e.to_string()))
}

/// Whether `password` matches the PHC `hash`, computed in `memory` (argon2's working memory, reused
/// from one verification to the next rather than allocated each time; grown only for a stronger hash).
fn verify_password(password: &str, hash: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else { return false };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else { return false };
    let (Ok(params), Ok(algorithm)) = (Params::try_from(&parsed), Algorithm::try_from(parsed.algorithm)) else {
        return false;
    };
    let Ok(version) = parsed.version.map_or(Ok(Version::default()), Version::try_from) else { return false };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else { return false };
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut memory[..blocks])
        .is_ok()
        && crate::secret::matches(&out, expected.as_bytes())
}

/// Password hashing bounded in memory: at most `permits` argon2 runs at once (each takes argon2's
/// memory, 19 MiB by default), on the blocking pool, never on the async threads. A request that
/// cannot get a permit within `wait` is answered `503 busy` with `Retry-After` instead of queueing on.
pub struct HashGate {
    permits: Arc<Semaphore>,
    wait: std::time::Duration,
    /// Argon2 working memory, one buffer per permit at most: kept, so the allocator never piles up
    /// freed 19 MiB blocks in per-thread arenas (measured: 660 MB peak for 4 permits without this).
    memory: Arc<Mutex<Vec<Vec<Block>>>>,
}

impl HashGate {
    pub fn new(permits: usize, wait: std::time::Duration) -> Self {
        HashGate { permits: Arc::new(Semaphore::new(permits.max(1))), wait, memory: Arc::default() }
    }

    /// Waits (at most `wait`) for a permit to hash; `503 busy` with `Retry-After` when none comes.
    pub async fn permit(&self) -> Result<HashPermit, ApiError> {
        let waiting = InFlight::new();
        let busy = || {
            let mut e = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "the platform is busy checking passwords; retry shortly / 服务器繁忙，请稍后重试",
            );
            e.retry_after = Some(1);
            e
        };
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())?;
        Ok(HashPermit { _permit: permit, _waiting: waiting, memory: self.memory.clone() })
    }

    /// Hashes a new password.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        self.permit().await?.run(move || hash_password(&password)).await?
    }
}

/// The right to run one hash (see [`HashGate::permit`]).
pub struct HashPermit {
    _permit: tokio::sync::OwnedSemaphorePermit,
    _waiting: InFlight,
    memory: Arc<Mutex<Vec<Vec<Block>>>>,
}

impl HashPermit {
    async fn run<T: Send + 'static>(self, f: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
        // The permit moves into the blocking task: if the request is dropped meanwhile, the hash still
        // holds its permit (and its memory) until it finishes.
        crate::ops::spawn_blocking(move || {
            let _held = self;
            f()
        })
        .await
        .map_err(ApiError::from)
    }

    /// Whether `password` matches the PHC `hash`.
    pub async fn verify(self, password: String, hash: String) -> Result<bool, ApiError> {
        let pool = self.memory.clone();
        self.run(move || {
            let mut memory = pool.lock().unwrap_or_else(|p| p.into_inner()).pop().unwrap_or_default();
            let ok = verify_password(&password, &hash, &mut memory);
            pool.lock().unwrap_or_else(|p| p.into_inner()).push(memory);
            ok
        })
        .await
    }
}

/// Counts a hash waiting for or holding a permit (the `fieldcheck_password_hashes_in_flight` gauge).
struct InFlight;

impl InFlight {
    fn new() -> Self {
        crate::ops::metrics::hashes_waiting(1.0);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        crate::ops::metrics::hashes_waiting(-1.0);
    }
}

impl Default for HashGate {
    fn default() -> Self {
        HashGate::new(4, std::time::Duration::from_secs(5))
    }
}

/// A fresh device token: 256 random bits, hex.
fn new_token() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "random", e.to_string()))?;
    Ok(hex::encode(bytes))
}

/// How a token is stored and looked up: its SHA-256, never the token itself.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn too_many(wait: std::time::Duration) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "locked",
        "too many login attempts; wait before trying again / 登录尝试次数过多，请稍后再试",
    );
    // Round up: a client that waits exactly Retry-After must not find itself still locked.
    e.retry_after = Some(wait.as_secs() + 1);
    e
}

/// The address a request came from: the TCP peer, or, when the peer is a configured trusted proxy
/// (`--trusted-proxy`), the nearest address in `X-Forwarded-For` that is not itself a trusted proxy.
/// `None` when the server runs without connect info.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub Option<IpAddr>);

/// The client behind `peer` given the `X-Forwarded-For` values (in order): read from the right,
/// skipping trusted proxies; a header from an untrusted peer is ignored (anyone can write one).
pub fn client_address<'a>(
    peer: IpAddr,
    forwarded_for: impl DoubleEndedIterator<Item = &'a str>,
    trusted: &[ipnet::IpNet],
) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_for.flat_map(|v| v.split(',').collect::<Vec<_>>()).rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

impl FromRequestParts<App> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let Some(peer) = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()) else {
            return Ok(ClientAddr(None));
        };
        let forwarded = parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
        Ok(ClientAddr(Some(client_address(peer, forwarded, &app.trusted_proxies))))
    }
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub login: String,
    pub password: String,
    pub device: DeviceId,
    /// The P-256 key the device seals its evidence chains with (SEC1, hex).
    #[serde(default)]
    pub device_key: Option<fieldcheck_evidence::PublicKey>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    pub token: String,
    pub user: User,
    pub device: DeviceId,
    pub expires_at: DateTime<Utc>,
    pub server_time: DateTime<Utc>,
    pub protocol: u32,
}

/// Checks a login and, when it is right, issues a token for the device. Throttled attempts are
/// answered `429` with `Retry-After` before any hashing, even with the right password; a known and an
/// unknown login are answered alike (same status and body, a hash each).
pub async fn login(app: &App, req: LoginRequest, client: ClientAddr) -> Result<LoginResponse, ApiError> {
    let chars = |s: &str, max: usize| s.chars().take(max + 1).count();
    if chars(&req.login, limits::LABEL_CHARS) > limits::LABEL_CHARS
        || chars(&req.password, limits::PASSWORD_MAX_CHARS) > limits::PASSWORD_MAX_CHARS
    {
        return Err(ApiError::bad_request(format!(
            "a login has at most {} characters and a password at most {}",
            limits::LABEL_CHARS,
            limits::PASSWORD_MAX_CHARS
        )));
    }
    let throttled = |wait| {
        crate::ops::metrics::login("throttled");
        too_many(wait)
    };
    // This process's own per-address limit first: a flood from one address never reaches the database.
    if let Some(ip) = client.0 {
        app.login_throttle.fast_path(ip).map_err(throttled)?;
    }
    // The permit next: the throttle's write and the lookup too are bounded by it, so a storm cannot open
    // a connection per attempt.
    let permit = app.hashing.permit().await.inspect_err(|_| crate::ops::metrics::login("busy"))?;
    let now = Utc::now();
    let (login, throttle) = (req.login.clone(), app.login_throttle.clone());
    // The shared limits are charged and the account read in one transaction.
    let account = app
        .db
        .write(move |tx| {
            if let Some(ip) = client.0 {
                throttle.attempt(tx, &login, ip, now)?.map_err(throttled)?;
            }
            Ok(tx.account(&login)?)
        })
        .await?;
    // Unknown logins are checked against a fixed hash so their answer takes as long as a wrong password.
    let stored = account.as_ref().map(|a| a.password_hash.clone()).unwrap_or_else(|| app.dummy_hash.clone());
    let ok = permit.verify(req.password.clone(), stored).await?;
    let Some(account) = account.filter(|_| ok) else {
        crate::ops::metrics::login("wrong");
        return Err(ApiError::unauthorized("wrong login or password / 账号或密码错误"));
    };
    let token = new_token()?;
    let device = DeviceRow {
        id: req.device.to_string(),
        user: account.user.clone(),
        token_hash: token_hash(&token),
        issued_at: now,
        expires_at: now + Duration::days(TOKEN_DAYS),
        revoked_at: None,
        last_seen: Some(now),
        clock_skew_ms: None,
    };
    let expires_at = device.expires_at;
    let device_key = req.device_key.clone();
    let (req_login, throttle) = (req.login.clone(), app.login_throttle.clone());
    let user = app
        .db
        .write(move |tx| {
            let user: User = records::load(tx, Entity::User, &account.user)?
                .ok_or_else(|| ApiError::unauthorized("this account has no user any more"))?;
            // A device id belongs to one user until revoked: another user cannot take it over (and with it
            // the device's stored push outcomes).
            if let Some(existing) = tx.device(&device.id)?
                && existing.user != device.user
                && existing.revoked_at.is_none()
            {
                return Err(ApiError::conflict("this device is registered to another user; sign it out first"));
            }
            tx.put_device(&device)?;
            if let Some(key) = &device_key {
                crate::evidence::keys::register_device_key(tx, &device.id, key)?;
            }
            if let Some(ip) = client.0 {
                throttle.succeeded(tx, &req_login, ip)?;
            }
            Ok(user)
        })
        .await?;
    crate::ops::metrics::login("ok");
    Ok(LoginResponse {
        token,
        user,
        device: req.device,
        expires_at,
        server_time: now,
        protocol: fieldcheck_protocol::PROTOCOL_VERSION,
    })
}

/// Resolves a bearer token to its caller, refusing revoked and expired ones.
pub fn caller_for_token(tx: &mut dyn Tx, token: &str, now: DateTime<Utc>) -> Result<Caller, ApiError> {
    admit(&holder(tx, token)?, now)
}

/// The caller a token's holder (its device and user, as `Tx::device_and_user_by_token` reads them) may act
/// as at `now`: refused when the device was signed out or the token expired.
pub fn admit(holder: &Holder, now: DateTime<Utc>) -> Result<Caller, ApiError> {
    let (device, user) = holder;
    if device.revoked_at.is_some() {
        return Err(ApiError::unauthorized("this device was signed out / 此设备已注销"));
    }
    if device.expires_at < now {
        return Err(ApiError::unauthorized("the token expired; sign in again"));
    }
    caller_of(device, user.as_deref())
}

/// Whose token this is, revoked or expired alike: only for what a phone ordered wiped may still say and
/// hear, its wipe report and the wipe page of its pull (`wipe::reported`, `wipe::unheard_order_page`,
/// which require a wipe order for the device).
pub fn token_holder(tx: &mut dyn Tx, token: &str) -> Result<Caller, ApiError> {
    holder_caller(&holder(tx, token)?)
}

fn holder(tx: &mut dyn Tx, token: &str) -> Result<Holder, ApiError> {
    known(tx.device_and_user_by_token(&token_hash(token))?)
}

/// A token's holder, or 401 for a token no device was given.
pub fn known(holder: Option<Holder>) -> Result<Holder, ApiError> {
    holder.ok_or_else(|| ApiError::unauthorized("unknown token"))
}

/// [`token_holder`] from a holder already read.
pub fn holder_caller((device, user): &Holder) -> Result<Caller, ApiError> {
    caller_of(device, user.as_deref())
}

fn caller_of(device: &DeviceRow, user: Option<&str>) -> Result<Caller, ApiError> {
    let user = user.ok_or_else(|| ApiError::unauthorized("this account has no user any more"))?;
    let user: User = records::decode(user)?;
    let id = device.id.parse().map_err(|_| StoreError::Corrupt(format!("device id {}", device.id)))?;
    Ok(Caller { user, device: Some(id) })
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts.headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

impl FromRequestParts<App> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let Bearer(token) = Bearer::from_request_parts(parts, app).await?;
        app.db.read(move |tx| caller_for_token(tx, &token, Utc::now())).await
    }
}

/// The bearer token as sent, not yet checked: for a handler that resolves its caller
/// ([`caller_for_token`]) in its own transaction instead of one of its own.
#[derive(Clone)]
pub struct Bearer(pub String);

impl FromRequestParts<App> for Bearer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &App) -> Result<Self, Self::Rejection> {
        Ok(Bearer(bearer(parts).ok_or_else(|| ApiError::unauthorized("missing bearer token"))?.to_string()))
    }
}

/// The monitoring side (by API key) or a signed-in caller.
pub enum Raiser {
    Monitoring,
    User(Caller),
}

impl FromRequestParts<App> for Raiser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        if let Some(key) = parts.headers.get("x-api-key") {
            let ok =
                app.monitoring_key.as_deref().is_some_and(|k| crate::secret::matches(key.as_bytes(), k.as_bytes()));
            return if ok { Ok(Raiser::Monitoring) } else { Err(ApiError::unauthorized("wrong API key")) };
        }
        Caller::from_request_parts(parts, app).await.map(Raiser::User)
    }
}

#[cfg(test)]
mod tests {
    use super::client_address;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.5/32".parse().expect("net"), "10.1.0.0/16".parse().expect("net")];
        let peer = ip("198.51.100.7");
        assert_eq!(client_address(peer, ["203.0.113.9"].into_iter(), &trusted), peer, "an untrusted peer's header");
        // Read from the right, past trusted hops; what the client wrote itself (leftmost) is not reached.
        let via = ip("10.0.0.5");
        let header = ["1.2.3.4, 203.0.113.9", "10.1.2.3"];
        assert_eq!(client_address(via, header.into_iter(), &trusted), ip("203.0.113.9"));
        assert_eq!(client_address(via, [].into_iter(), &trusted), via, "no header: the proxy itself");
        assert_eq!(client_address(via, ["garbage"].into_iter(), &trusted), via);
    }
}
