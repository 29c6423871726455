//! Login throttling per client address, through the real process: a password sprayer trying one
//! password on many logins (never enough on any one login to reach its limit) is slowed down by
//! address, with 429 and Retry-After, while other addresses sign in as usual. And the monitoring key
//! is checked. (More in `abuse.rs`.)

use fieldcheck_e2e::{PASSWORD, Platform, Storage};
use std::net::IpAddr;

/// Login attempts one address may make at once (platform `throttle::LoginRates::default().per_address`).
const ADDRESS_BURST: usize = 30;

fn client_from(local: &str) -> reqwest::blocking::Client {
    let ip: IpAddr = local.parse().expect("address");
    reqwest::blocking::Client::builder().local_address(ip).build().expect("client")
}

fn attempt(http: &reqwest::blocking::Client, platform: &Platform, login: &str, password: &str) -> (u16, bool) {
    let resp = http
        .post(format!("{}/v1/login", platform.url))
        .json(&serde_json::json!({ "login": login, "password": password, "device": uuid::Uuid::now_v7() }))
        .send()
        .expect("login");
    (resp.status().as_u16(), resp.headers().contains_key("retry-after"))
}

#[test]
fn password_spraying_from_one_address_is_slowed_down_by_address() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let sprayer = client_from("127.0.0.1");
    // One wrong password per login: no login reaches its own limit.
    let mut logins: Vec<String> = (1..=8).map(|i| format!("officer{i}")).collect();
    logins.extend(["dongcheng".to_string(), "enterprise1".to_string()]);
    logins.extend((0..ADDRESS_BURST - logins.len()).map(|i| format!("guess{i}")));
    for login in &logins {
        assert_eq!(attempt(&sprayer, &platform, login, "Winter2026!"), (401, false), "{login}");
    }
    // The address's budget is spent: even a right password is answered 429 with Retry-After.
    assert_eq!(attempt(&sprayer, &platform, "commander", PASSWORD), (429, true));
    // Another address is not affected, and the sprayed logins themselves are not locked.
    let office = client_from("127.0.0.2");
    assert_eq!(attempt(&office, &platform, "officer1", PASSWORD).0, 200);
    assert_eq!(attempt(&office, &platform, "commander", PASSWORD).0, 200);
}

#[test]
fn the_monitoring_key_must_match_exactly() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let http = reqwest::blocking::Client::new();
    let raise = |key: &str| {
        http.post(format!("{}/v1/alarms", platform.url))
            .header("x-api-key", key)
            .json(&serde_json::json!({}))
            .send()
            .expect("raise")
            .status()
            .as_u16()
    };
    for wrong in ["", "demo-monitoring-ke", "demo-monitoring-kez", "demo-monitoring-key-and-more"] {
        assert_eq!(raise(wrong), 401, "{wrong:?}");
    }
    // The right key gets past authentication (this empty body is then refused as invalid, not 401).
    assert_ne!(raise("demo-monitoring-key"), 401);
}
