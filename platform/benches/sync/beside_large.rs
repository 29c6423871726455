//! Small pushes queued behind large ones: N phones' small pushes alone, then the same beside L phones
//! that push batches of 500 submitted inspections (a phone back online after days in the field), so that
//! the platform's writes mix the two. On SQLite one writer commits the writes queued together, bounded in
//! number and in time (`db::sqlite::writer`): a small push first in a group waits for the whole group.

use super::crowd::{County, Phone, ms, sign_in};
use fieldcheck_core::protocol::{Intent, PushResponse};
use fieldcheck_e2e::{Device, World, fixtures};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Batches each large phone pushes, one after the other.
const BATCHES: usize = 4;
const BATCH: usize = 500;
/// Small pushes each small phone makes alone.
const ROUNDS_ALONE: usize = 5;

pub fn run(small: usize, large: usize) {
    let county = County::start(1);
    let platform = &county.platforms[0];
    let world = World::load(&Device::login(platform, "commander"));
    let logins: Vec<String> = world.users.iter().map(|u| u.login.clone()).collect();
    let bodies = large_pushes(platform, &world, large);
    let url = platform.url.clone();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async move {
        let http = reqwest::Client::builder().pool_max_idle_per_host(small + large).build().expect("client");
        let mut phones = sign_in(std::slice::from_ref(&url), &logins, small).await;
        println!("\n== {} phones' small pushes, alone and beside {large} phones' pushes of {BATCH}", phones.len());

        // Alone: a few small pushes from each phone, all phones at once.
        let mut alone = Vec::new();
        for (phone, took) in each_phone(&mut phones, &http, |round| round <= ROUNDS_ALONE).await {
            phones.push(phone);
            alone.extend(took);
        }
        let errors = alone.iter().filter(|(_, ok)| !ok).count();
        let mut alone: Vec<Duration> = alone.into_iter().map(|(t, _)| t).collect();

        // Beside the large pushes: the small phones go on until the last large batch is answered.
        let done = Arc::new(AtomicBool::new(false));
        let large_tasks: Vec<_> = bodies
            .into_iter()
            .map(|(token, batches)| {
                let (http, url) = (http.clone(), url.clone());
                tokio::spawn(async move {
                    let mut took = Vec::new();
                    for body in batches {
                        let t = Instant::now();
                        let resp = http
                            .post(format!("{url}/v1/sync/push"))
                            .bearer_auth(&token)
                            .header("content-type", "application/json")
                            .body(body)
                            .send()
                            .await
                            .expect("large push");
                        assert!(resp.status().is_success(), "large push: {}", resp.status());
                        resp.json::<PushResponse>().await.expect("large push's answer");
                        took.push(t.elapsed());
                    }
                    took
                })
            })
            .collect();
        let watching = done.clone();
        let small_task =
            tokio::spawn(
                async move { each_phone(&mut phones, &http, move |_| !watching.load(Ordering::Relaxed)).await },
            );
        let mut large_took = Vec::new();
        for t in large_tasks {
            large_took.extend(t.await.expect("large pusher"));
        }
        done.store(true, Ordering::Relaxed);
        let beside: Vec<(Duration, bool)> =
            small_task.await.expect("small pushers").into_iter().flat_map(|(_, took)| took).collect();
        let errors = errors + beside.iter().filter(|(_, ok)| !ok).count();
        let mut beside: Vec<Duration> = beside.into_iter().map(|(t, _)| t).collect();

        println!(
            "small pushes alone:        {:>5}, p50 {:>6.1} ms, p99 {:>6.1} ms",
            alone.len(),
            ms(&mut alone, 0.5),
            ms(&mut alone, 0.99)
        );
        println!(
            "small pushes beside large: {:>5}, p50 {:>6.1} ms, p99 {:>6.1} ms, max {:>6.1} ms",
            beside.len(),
            ms(&mut beside, 0.5),
            ms(&mut beside, 0.99),
            ms(&mut beside, 1.0)
        );
        println!(
            "large pushes ({BATCH} inspections): {}, p50 {:.1} ms, max {:.1} ms; errors {errors}",
            large_took.len(),
            ms(&mut large_took, 0.5),
            ms(&mut large_took, 1.0)
        );
    });
}

/// Each phone's small pushes, all phones at once, while `go_on(round)`: the phones back, with their
/// pushes' latencies and whether each was answered.
async fn each_phone(
    phones: &mut Vec<Phone>,
    http: &reqwest::Client,
    go_on: impl Fn(usize) -> bool + Clone + Send + 'static,
) -> Vec<(Phone, Vec<(Duration, bool)>)> {
    let tasks: Vec<_> = phones
        .drain(..)
        .map(|mut phone| {
            let (http, go_on) = (http.clone(), go_on.clone());
            tokio::spawn(async move {
                let mut took = Vec::new();
                let mut round = 1;
                while go_on(round) {
                    took.push(phone.small_push(&http, round).await);
                    round += 1;
                }
                (phone, took)
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.push(t.await.expect("small pusher"));
    }
    all
}

/// Each large phone's batches, as request bodies with its token: officers of one squadron submitting
/// inspections of their area (built before the runtime starts: the blocking client cannot run in it).
fn large_pushes(platform: &fieldcheck_e2e::Platform, world: &World, large: usize) -> Vec<(String, Vec<Vec<u8>>)> {
    let partner = world.user("officer2").clone();
    let area: Vec<_> =
        world.enterprises.iter().filter(|e| world.squadron_of("officer1").townships.contains(&e.township)).collect();
    (0..large)
        .map(|_| {
            let mut officer = Device::login(platform, "officer1");
            let batches = (0..BATCHES)
                .map(|_| {
                    let intents = (0..BATCH)
                        .map(|i| {
                            let sub = fixtures::inspection(area[i % area.len()], &officer.user, &partner);
                            Intent::InspectionSubmit(Box::new(sub))
                        })
                        .collect();
                    let m = officer.mutations(intents);
                    serde_json::to_vec(&officer.request(m)).expect("json")
                })
                .collect();
            (officer.token.clone(), batches)
        })
        .collect()
}
