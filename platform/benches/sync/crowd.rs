//! Many simulated phones against one demo county: signed in first (argon2 is slow on purpose, so that
//! phase is timed apart), then each makes its first sync (a whole scoped pull, all at once) and three
//! rounds of a small push and a pull.

use fieldcheck_core::domain::ids::{DeviceId, EnterpriseId, MutationId, TaskId};
use fieldcheck_core::domain::organisation::{Scope, User};
use fieldcheck_core::domain::rectification::TaskAction;
use fieldcheck_core::protocol::{EnterpriseField, Intent, Mutation, PROTOCOL_VERSION, PushRequest, PushResponse};
use fieldcheck_e2e::{Device, PASSWORD, Platform, Storage, World};
use std::time::{Duration, Instant};

/// A fresh demo county served by one or more platform processes on one database.
pub struct County {
    _storage: Storage,
    _folders: Vec<tempfile::TempDir>,
    pub platforms: Vec<Platform>,
}

impl County {
    /// Starts `nodes` platform processes on one fresh database (the first seeds the demo county).
    pub fn start(nodes: usize) -> County {
        let storage = Storage::new();
        // Every node signs with the same platform key (configuration, not a file of one node).
        let key: String = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
        let env = [("FIELDCHECK_PLATFORM_KEY", key.as_str())];
        // A thousand phones share the demo's dozen accounts: the per-login attempt limit is raised.
        let options = ["--login-rate-login", "100000/1"];
        let folders: Vec<_> = (1..nodes).map(|_| tempfile::tempdir().expect("node folder")).collect();
        let mut platforms = vec![Platform::start_node(&storage, storage.dir.path(), true, &env, &options)];
        for folder in &folders {
            platforms.push(Platform::start_node(&storage, folder.path(), false, &env, &options));
        }
        County { _storage: storage, _folders: folders, platforms }
    }

    pub fn urls(&self) -> Vec<String> {
        self.platforms.iter().map(|p| p.url.clone()).collect()
    }

    pub fn pids(&self) -> Vec<u32> {
        self.platforms.iter().map(Platform::pid).collect()
    }

    /// The demo county's sign-in names.
    pub fn logins(&self) -> Vec<String> {
        let commander = Device::login(&self.platforms[0], "commander");
        World::load(&commander).users.iter().map(|u| u.login.clone()).collect()
    }
}

/// What a simulated phone reads of a pull page: the records are skipped (checked to be JSON, not built),
/// so that the simulator, which shares the machine's cores with the platform, measures the platform.
#[derive(serde::Deserialize)]
struct PageHead {
    #[allow(dead_code)]
    changes: Vec<serde::de::IgnoredAny>,
    cursor: u64,
    has_more: bool,
}

/// One simulated phone.
pub struct Phone {
    /// The platform process this phone talks to.
    url: String,
    token: String,
    device: DeviceId,
    seq: u64,
    cursor: u64,
    enterprise: Option<EnterpriseId>,
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Milliseconds at percentile `p` of `latencies`, sorted here.
pub fn ms(latencies: &mut [Duration], p: f64) -> f64 {
    latencies.sort();
    percentile(latencies, p).as_secs_f64() * 1e3
}

/// What one run of the simulated devices achieved.
pub struct Served {
    pub per_second: f64,
}

/// CPU seconds (user + system) the processes `pids` have used so far, from Linux's `/proc`; `None` elsewhere.
/// Beside the wall time, a figure that the machine's other work (here, the simulated phones) barely moves.
fn cpu_seconds(pids: &[u32]) -> Option<f64> {
    let mut ticks = 0u64;
    for pid in pids {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // Fields 14 and 15 (utime, stime), counted after the parenthesised command name.
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        ticks += fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    }
    // The kernel reports these in USER_HZ, 100 per second on Linux.
    Some(ticks as f64 / 100.0)
}

/// Signs in `n` phones, phone `i` with `logins[i % logins.len()]` at `urls[i % urls.len()]` (every URL
/// serves one database), sixteen at a time.
pub async fn sign_in(urls: &[String], logins: &[String], n: usize) -> Vec<Phone> {
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(16));
    let mut tasks = Vec::new();
    for i in 0..n {
        let (url, login, sem) = (urls[i % urls.len()].clone(), logins[i % logins.len()].clone(), sem.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = sem.acquire().await.ok()?;
            let device = DeviceId::new();
            // Each phone signs in from its own loopback address, as phones in the field do (the platform
            // limits login attempts per address).
            let from = std::net::IpAddr::from([127, 3, (i / 250) as u8, (i % 250 + 1) as u8]);
            let signer = reqwest::Client::builder().local_address(from).build().ok()?;
            let body: serde_json::Value = signer
                .post(format!("{url}/v1/login"))
                .json(&serde_json::json!({ "login": login, "password": PASSWORD, "device": device }))
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            let user: User = serde_json::from_value(body["user"].clone()).ok()?;
            let enterprise = match user.scope {
                Scope::Enterprise { enterprise } => Some(enterprise),
                _ => None,
            };
            Some(Phone { url, token: body["token"].as_str()?.to_string(), device, seq: 1, cursor: 0, enterprise })
        }));
    }
    let mut phones = Vec::new();
    for t in tasks {
        if let Ok(Some(phone)) = t.await {
            phones.push(phone);
        }
    }
    phones
}

impl Phone {
    /// A push of two small mutations, timed: an enterprise edits its contact phone; officers and others
    /// send intents the platform refuses quickly (unknown task), still a full authorised, exactly-once
    /// round trip. Whether it was answered.
    pub async fn small_push(&mut self, http: &reqwest::Client, round: usize) -> (Duration, bool) {
        let intents: Vec<Intent> = match self.enterprise {
            Some(enterprise) => (0..2)
                .map(|k| Intent::EnterpriseEdit {
                    enterprise,
                    field: EnterpriseField::ContactPhone,
                    base: String::new(),
                    value: format!("0579-{round}{k}"),
                })
                .collect(),
            None => (0..2)
                .map(|_| Intent::TaskTransition {
                    task: TaskId::new(),
                    action: TaskAction::Accept,
                    note: String::new(),
                    evidence: vec![],
                    proof: None,
                    signature: None,
                })
                .collect(),
        };
        let mutations = intents
            .into_iter()
            .map(|intent| {
                self.seq += 1;
                Mutation { id: MutationId::new(), seq: self.seq, made_at: chrono::Utc::now(), intent }
            })
            .collect();
        let req = PushRequest {
            protocol: PROTOCOL_VERSION,
            device: self.device,
            sent_at: chrono::Utc::now(),
            mutations,
            follows: None,
        };
        let t = Instant::now();
        let ok = match http.post(format!("{}/v1/sync/push", self.url)).bearer_auth(&self.token).json(&req).send().await
        {
            Ok(r) if r.status().is_success() => r.json::<PushResponse>().await.is_ok(),
            _ => false,
        };
        (t.elapsed(), ok)
    }

    /// Pulls until the platform has no more (or a page fails): each page timed, and whether it came.
    async fn pull(&mut self, http: &reqwest::Client) -> Vec<(Duration, bool)> {
        let mut pages = Vec::new();
        loop {
            let t = Instant::now();
            let url = format!("{}/v1/sync/pull?cursor={}&limit=500&protocol={PROTOCOL_VERSION}", self.url, self.cursor);
            let page = match http.get(url).bearer_auth(&self.token).send().await {
                Ok(r) if r.status().is_success() => r.json::<PageHead>().await.ok(),
                _ => None,
            };
            pages.push((t.elapsed(), page.is_some()));
            let Some(page) = page else { return pages };
            self.cursor = page.cursor;
            if !page.has_more {
                return pages;
            }
        }
    }
}

/// The crowd on `county`: each phone's first sync, then three rounds of a small push and a pull.
pub fn run(county: &County, n: usize) -> Served {
    println!("\n== {} platform process(es)", county.platforms.len());
    let (urls, pids, logins) = (county.urls(), county.pids(), county.logins());
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async move {
        let http = reqwest::Client::builder().pool_max_idle_per_host(n).build().expect("client");
        let started = Instant::now();
        let phones = sign_in(&urls, &logins, n).await;
        println!(
            "\n== {n} simulated devices ({} signed in, {:.1} s for the logins)",
            phones.len(),
            started.elapsed().as_secs_f64()
        );

        let cpu_before = cpu_seconds(&pids);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for mut phone in phones {
            let http = http.clone();
            tasks.push(tokio::spawn(async move {
                let (mut latencies, mut errors) = (Vec::new(), 0usize);
                for round in 0..4 {
                    if round > 0 {
                        let (took, ok) = phone.small_push(&http, round).await;
                        latencies.push((round, took));
                        errors += usize::from(!ok);
                    }
                    for (took, ok) in phone.pull(&http).await {
                        latencies.push((round, took));
                        errors += usize::from(!ok);
                    }
                }
                (latencies, errors)
            }));
        }
        // The first sync (a whole scoped pull, all devices at once) apart from the rounds after it.
        let (mut all, mut first, mut later) = (Vec::new(), Vec::new(), Vec::new());
        let mut errors = 0;
        for t in tasks {
            if let Ok((l, e)) = t.await {
                for (round, latency) in l {
                    all.push(latency);
                    if round == 0 { first.push(latency) } else { later.push(latency) }
                }
                errors += e;
            } else {
                errors += 1;
            }
        }
        let took = started.elapsed();
        let cpu = cpu_before.zip(cpu_seconds(&pids)).map(|(before, after)| after - before);
        let max = all.iter().max().copied().unwrap_or_default();
        println!(
            "{} requests in {:.2} s: {:.0} req/s, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, errors {errors}",
            all.len(),
            took.as_secs_f64(),
            all.len() as f64 / took.as_secs_f64(),
            ms(&mut all, 0.5),
            ms(&mut all, 0.99),
            max.as_secs_f64() * 1e3,
        );
        println!(
            "first syncs: p50 {:.1} ms, p99 {:.1} ms; the 3 rounds after them (push + pull): p50 {:.1} ms, p99 {:.1} ms",
            ms(&mut first, 0.5),
            ms(&mut first, 0.99),
            ms(&mut later, 0.5),
            ms(&mut later, 0.99)
        );
        if let Some(cpu) = cpu {
            println!(
                "platform CPU: {cpu:.2} s over the {:.2} s, {:.0} µs per request",
                took.as_secs_f64(),
                cpu * 1e6 / all.len() as f64
            );
        }
        Served { per_second: all.len() as f64 / took.as_secs_f64() }
    })
}
