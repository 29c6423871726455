//! Accounts and devices: argon2 password hashes, device tokens (random, stored only as a SHA-256 hash,
//! revocable, valid for weeks so a phone keeps working offline), and login throttling per login and
//! per client address (`throttle`).

use crate::access::Caller;
use crate::app::App;
use crate::db::{DeviceRow, StoreError, Tx};
use crate::error::ApiError;
use crate::records;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use chrono::{DateTime, Duration, Utc};
use fieldcheck_domain::ids::DeviceId;
use fieldcheck_domain::organisation::User;
use fieldcheck_protocol::Entity;
use sha2::{Digest, Sha256};
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

/// How long a device token lives without a new login.
pub const TOKEN_DAYS: i64 = 30;
/// Failed attempts allowed before the delay starts.
const FREE_FAILURES: u32 = 3;
/// Longest lockout after repeated failures.
const MAX_LOCK_SECS: i64 = 15 * 60;

/// An argon2id hash in PHC form.
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

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A fresh device token: 256 random bits, hex.
fn new_token() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "random", e.to_string()))?;
    Ok(hex::encode(bytes))
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The delay after `failures` failed attempts of one login in a row: none for the first few, then doubling.
pub fn lockout(failures: u32) -> Option<Duration> {
    delay_after(failures, FREE_FAILURES)
}

/// The delay after `failures` failures when `free` of them cost nothing: 1, 2, 4… seconds, at most 15 min.
pub fn delay_after(failures: u32, free: u32) -> Option<Duration> {
    let over = failures.checked_sub(free)?;
    let secs = 1i64.checked_shl(over.min(20)).unwrap_or(MAX_LOCK_SECS).min(MAX_LOCK_SECS);
    Some(Duration::seconds(secs))
}

fn too_many(retry_after_secs: i64) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "locked",
        "too many failed logins; wait before trying again / 登录失败次数过多，请稍后再试",
    );
    e.retry_after = Some(retry_after_secs.max(1) as u64);
    e
}

/// The address a request came from (the TCP peer; `None` when the server runs without connect info).
/// A reverse proxy in front would make every client one address: run the platform on the edge, or
/// extend this to a trusted proxy's header.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())))
    }
}

#[derive(serde::Deserialize)]
pub struct LoginRequest {
    pub login: String,
    pub password: String,
    pub device: DeviceId,
    /// The P-256 key the device seals its evidence chains with (SEC1, hex).
    #[serde(default)]
    pub device_key: Option<fieldcheck_evidence::PublicKey>,
}

#[derive(serde::Serialize)]
pub struct LoginResponse {
    pub token: String,
    pub user: User,
    pub device: DeviceId,
    pub expires_at: DateTime<Utc>,
    pub server_time: DateTime<Utc>,
    pub protocol: u32,
}

/// Checks a login and, when it is right, issues a token for the device. A locked login or a locked
/// client address is answered 429 with `Retry-After`, even with the right password.
pub async fn login(app: &App, req: LoginRequest, client: ClientAddr) -> Result<LoginResponse, ApiError> {
    if req.login.len() > 200 || req.password.len() > 1000 {
        return Err(ApiError::bad_request("login or password too long"));
    }
    if let Some(ip) = client.0
        && let Err(wait) = app.login_throttle.check(ip, Instant::now())
    {
        // Round up: a client that waits exactly Retry-After must not find itself still locked.
        return Err(too_many(wait.as_secs() as i64 + 1));
    }
    let now = Utc::now();
    let login = req.login.clone();
    let account = app.db.read(move |tx| Ok(tx.account(&login)?)).await?;
    if let Some(until) = account.as_ref().and_then(|a| a.locked_until)
        && until > now
    {
        return Err(too_many((until - now).num_seconds()));
    }
    // Unknown logins are checked against a fixed hash so their answer takes as long as a wrong password.
    let stored = account.as_ref().map(|a| a.password_hash.clone()).unwrap_or_else(|| app.dummy_hash.clone());
    let password = req.password.clone();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &stored))
        .await
        .map_err(|e| ApiError::from(StoreError::Join(e.to_string())))?;
    let known = account.is_some();
    let Some(account) = account.filter(|_| ok) else {
        if let Some(ip) = client.0 {
            app.login_throttle.failed(ip, Instant::now());
        }
        if known {
            let login = req.login.clone();
            app.db
                .write(move |tx| {
                    // Re-read inside the write so concurrent failures all count.
                    if let Some(a) = tx.account(&login)? {
                        let failures = a.failures.saturating_add(1);
                        tx.set_login_failures(&login, failures, lockout(failures).map(|d| Utc::now() + d))?;
                    }
                    Ok(())
                })
                .await?;
        }
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
            tx.set_login_failures(&account.login, 0, None)?;
            tx.put_device(&device)?;
            if let Some(key) = &device_key {
                crate::evidence::keys::register_device_key(tx, &device.id, key)?;
            }
            Ok(user)
        })
        .await?;
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
    let device = tx.device_by_token(&token_hash(token))?.ok_or_else(|| ApiError::unauthorized("unknown token"))?;
    if device.revoked_at.is_some() {
        return Err(ApiError::unauthorized("this device was signed out / 此设备已注销"));
    }
    if device.expires_at < now {
        return Err(ApiError::unauthorized("the token expired; sign in again"));
    }
    let user: User = records::load(tx, Entity::User, &device.user)?
        .ok_or_else(|| ApiError::unauthorized("this account has no user any more"))?;
    let id = device.id.parse().map_err(|_| StoreError::Corrupt(format!("device id {}", device.id)))?;
    Ok(Caller { user, device: Some(id) })
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts.headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

impl FromRequestParts<App> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(|| ApiError::unauthorized("missing bearer token"))?.to_string();
        app.db.read(move |tx| caller_for_token(tx, &token, Utc::now())).await
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
