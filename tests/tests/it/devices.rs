//! Several phones, each with its own device store, syncing through the core's client with a live
//! platform: offline edits, reconnects in different orders, a device killed before it read an ack.
//! Everything converges and nothing acknowledged is lost or applied twice.

use fieldcheck_core::domain::ids::{EnterpriseId, TaskId};
use fieldcheck_core::domain::rectification::{TaskAction, TaskState};
use fieldcheck_core::protocol::{EnterpriseField, PROTOCOL_VERSION, PushRequest, Record};
use fieldcheck_core::store::Store;
use fieldcheck_core::sync::{SyncClient, SyncOptions};
use fieldcheck_e2e::{Device, PASSWORD, Platform, Storage, World};
use std::time::Duration;

struct Phone {
    store: Store,
    client: SyncClient,
    _dir: tempfile::TempDir,
}

impl Phone {
    async fn sign_in(platform: &Platform, login: &str) -> Phone {
        Self::sign_in_with(platform, login, SyncOptions::default()).await
    }

    async fn sign_in_with(platform: &Platform, login: &str, options: SyncOptions) -> Phone {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path().join("device.sqlite3")).expect("store");
        let mut client = SyncClient::new(&platform.url, options).expect("client");
        client.login(&store, login, PASSWORD).await.expect("login");
        let phone = Phone { store, client, _dir: dir };
        phone.sync().await;
        phone
    }

    async fn sync(&self) -> fieldcheck_core::sync::Progress {
        self.client.sync(&self.store, &mut |_| {}).await.expect("sync")
    }

    /// The enterprise of the user signed in on this phone (an enterprise's account).
    fn own_enterprise(&self) -> EnterpriseId {
        enterprise_of(&self.store.session().expect("session").expect("signed in").user)
    }

    fn task_state(&self, id: TaskId) -> Option<TaskState> {
        self.store.task(id).expect("task").map(|t| t.state)
    }
}

/// The enterprise an enterprise's account belongs to.
fn enterprise_of(user: &fieldcheck_core::domain::organisation::User) -> EnterpriseId {
    match &user.scope {
        fieldcheck_core::domain::organisation::Scope::Enterprise { enterprise } => *enterprise,
        other => panic!("scope {other:?}"),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

#[test]
fn offline_edits_on_several_devices_converge_whatever_the_reconnect_order() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    let rt = runtime();
    let (ent, a, b, town, centre, own, task) = rt.block_on(async {
        let centre = Phone::sign_in(&platform, "commander").await;
        let ent = Phone::sign_in(&platform, "enterprise1").await;
        let a = Phone::sign_in(&platform, "officer1").await;
        let b = Phone::sign_in(&platform, "officer2").await;
        let town = Phone::sign_in(&platform, "dongcheng").await;
        let own = ent.own_enterprise();
        let task = world.tasks.iter().find(|t| t.enterprise == own).expect("enterprise1's task").id;
        assert_eq!(a.task_state(task), Some(TaskState::Issued), "the officer's phone has the task");

        // All offline: the enterprise answers its task and edits its contact; both officers edit too.
        ent.store.transition_task(task, TaskAction::Acknowledge, "收到", vec![]).expect("ack");
        ent.store.transition_task(task, TaskAction::SubmitProof, "已补充应急物资", vec![]).expect("proof");
        ent.store.edit_enterprise(own, EnterpriseField::ContactName, "企业填写的联系人").expect("edit");
        a.store.edit_enterprise(own, EnterpriseField::ContactName, "执法核实的联系人").expect("edit");
        b.store.edit_enterprise(own, EnterpriseField::Address, "永康市东城街道金城路88号").expect("edit");

        // Reconnect: officer A first (wins the contact), then the enterprise (its contact loses, its
        // proof lands), then A again, who accepts the proof offline and reconnects after B.
        a.sync().await;
        let p = ent.sync().await;
        assert_eq!((p.applied, p.conflicts), (2, 1), "{p:?}");
        a.sync().await;
        assert_eq!(a.task_state(task), Some(TaskState::ProofSubmitted));
        a.store.transition_task(task, TaskAction::Accept, "复查合格", vec![]).expect("accept");
        b.sync().await;
        a.sync().await;
        for phone in [&centre, &ent, &a, &b, &town] {
            phone.sync().await;
        }
        (ent, a, b, town, centre, own, task)
    });

    let server = World::load(&commander);
    let server_task = server.tasks.iter().find(|t| t.id == task).expect("task");
    let server_ent = server.enterprises.iter().find(|e| e.id == own).expect("enterprise");
    assert_eq!(server_task.state, TaskState::Accepted);
    assert_eq!(server_ent.contact.name, "执法核实的联系人");
    assert_eq!(server_ent.address, "永康市东城街道金城路88号");
    for (name, phone) in [("enterprise", &ent), ("officer A", &a), ("officer B", &b), ("command centre", &centre)] {
        assert_eq!(phone.task_state(task), Some(TaskState::Accepted), "{name}");
        let e = phone.store.enterprise(own).expect("read").expect("enterprise on the phone");
        assert_eq!(e, *server_ent, "{name} converged");
        assert_eq!(phone.store.outbox_len().expect("outbox"), 0, "{name} has nothing left to send");
        assert!(phone.store.cursor().expect("cursor") > 0);
    }
    // The losing value is kept for the command centre.
    let (_, conflicts) = commander.get_json("/v1/conflicts");
    assert_eq!(conflicts[0]["lost"], "企业填写的联系人");
    // Every acknowledged transition is on the platform once.
    let (records, _) = commander.pull_all(0);
    let events: Vec<_> = records
        .iter()
        .filter_map(|r| match r {
            Record::TaskEvent(e) if e.task == task => Some(e.action),
            _ => None,
        })
        .collect();
    assert_eq!(events, [TaskAction::Acknowledge, TaskAction::SubmitProof, TaskAction::Accept]);
    // The township office's phone got the enterprise's new address without sending anything.
    let e = town.store.enterprise(own).expect("read");
    assert_eq!(e.map(|e| e.address), Some(server_ent.address.clone()));
    // Clock skew was measured on the phones.
    assert!(a.store.clock_skew().expect("skew").is_some());
    drop(rt);
}

#[test]
fn an_outbox_of_many_pushes_is_pipelined_and_applies_in_order() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let rt = runtime();
    // Three mutations a push: 30 offline edits are ten pushes, each sent while the one before is applied.
    let options = SyncOptions { push_batch: 3, ..SyncOptions::default() };
    let ent = rt.block_on(Phone::sign_in_with(&platform, "enterprise1", options));
    let own = ent.own_enterprise();
    // Each edit is based on the one before it: applied out of order, one would conflict.
    for i in 0..30 {
        ent.store.edit_enterprise(own, EnterpriseField::ContactPhone, &format!("0579-{i:06}")).expect("edit");
    }
    let progress = rt.block_on(ent.sync());
    assert_eq!((progress.applied, progress.conflicts, progress.rejected, progress.pending), (30, 0, 0, 0));
    let pipelined = platform.metric("fieldcheck_push_follows_total{waited=\"false\"}")
        + platform.metric("fieldcheck_push_follows_total{waited=\"true\"}");
    // The first push's answer says the platform keeps pipelined pushes in order; the second is sent alone
    // (nothing is in flight), and each after it while the one before it is applied.
    assert_eq!(pipelined, 8.0, "every push after the second followed the one before it");
    let world = World::load(&commander);
    let e = world.enterprises.iter().find(|e| e.id == own).expect("enterprise");
    assert_eq!(e.contact.phone, "0579-000029");
    let (_, conflicts) = commander.get_json("/v1/conflicts");
    assert_eq!(conflicts.as_array().map(Vec::len), Some(0), "no edit was applied out of order");
}

#[test]
fn a_platform_killed_mid_pipeline_loses_nothing_and_applies_nothing_twice_or_out_of_order() {
    let storage = Storage::new();
    let mut platform = Platform::start(&storage);
    let rt = runtime();
    let options = SyncOptions {
        push_batch: 3,
        backoff: fieldcheck_core::sync::Backoff { base: Duration::from_millis(5), ..Default::default() },
        ..SyncOptions::default()
    };
    let ent = rt.block_on(Phone::sign_in_with(&platform, "enterprise1", options.clone()));
    let own = ent.own_enterprise();
    // 90 chained offline edits, 30 pushes: applied out of order or twice, one would conflict.
    for i in 0..90 {
        ent.store.edit_enterprise(own, EnterpriseField::ContactPhone, &format!("0579-{i:06}")).expect("edit");
    }
    // The platform is killed once pushes are pipelined, while the phone syncs.
    let synced = std::thread::scope(|s| {
        let sync = s.spawn(|| runtime().block_on(ent.client.sync(&ent.store, &mut |_| {})).is_ok());
        let pipelined = || {
            platform.metric("fieldcheck_push_follows_total{waited=\"false\"}")
                + platform.metric("fieldcheck_push_follows_total{waited=\"true\"}")
        };
        while pipelined() < 2.0 && !sync.is_finished() {
            std::thread::sleep(Duration::from_millis(1));
        }
        platform.kill();
        sync.join().expect("the sync")
    });
    let left = ent.store.outbox_len().expect("outbox");
    assert!(!synced || left == 0, "a sync that succeeded left nothing behind");

    let platform = Platform::start(&storage);
    let token = ent.client.token().expect("token").to_string();
    let client = SyncClient::new(&platform.url, options).expect("client").with_token(token);
    let progress = rt.block_on(client.sync(&ent.store, &mut |_| {})).expect("the sync after the restart");
    assert_eq!((progress.conflicts, progress.rejected, progress.pending), (0, 0, 0), "{progress:?}");
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    assert_eq!(world.enterprises.iter().find(|e| e.id == own).expect("enterprise").contact.phone, "0579-000089");
    let (_, conflicts) = commander.get_json("/v1/conflicts");
    assert_eq!(conflicts.as_array().map(Vec::len), Some(0), "no edit was applied twice or out of order");
}

#[test]
fn a_device_killed_before_reading_the_ack_resends_and_nothing_is_applied_twice() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("device.sqlite3");
    runtime().block_on(async {
        let token = {
            let store = Store::open(&path).expect("store");
            let mut client = SyncClient::new(&platform.url, SyncOptions::default()).expect("client");
            let login = client.login(&store, "enterprise1", PASSWORD).await.expect("login");
            client.sync(&store, &mut |_| {}).await.expect("sync");
            let own = enterprise_of(&login.user);
            let task = world.tasks.iter().find(|t| t.enterprise == own).expect("task").id;
            store.transition_task(task, TaskAction::Acknowledge, "收到", vec![]).expect("ack");
            // The push reaches the platform and is applied, but the app dies before reading the answer.
            let request = PushRequest {
                protocol: PROTOCOL_VERSION,
                device: store.device_id().expect("device"),
                sent_at: chrono::Utc::now(),
                mutations: store.pending_mutations(100).expect("pending"),
                follows: None,
            };
            let status = reqwest::Client::new()
                .post(format!("{}/v1/sync/push", platform.url))
                .bearer_auth(&login.token)
                .json(&request)
                .send()
                .await
                .expect("push")
                .status();
            assert_eq!(status, 200);
            login.token
        };
        // The app starts again on the same file, with the token it kept.
        let store = Store::open(&path).expect("reopen");
        assert_eq!(store.outbox_len().expect("outbox"), 1, "the entry stays until its answer is recorded");
        let client = SyncClient::new(&platform.url, SyncOptions::default()).expect("client").with_token(token);
        let progress = client.sync(&store, &mut |_| {}).await.expect("sync");
        assert_eq!(progress.applied, 1, "the re-sent entry gets its stored outcome");
        assert_eq!(store.outbox_len().expect("outbox"), 0);
    });
    let (records, _) = commander.pull_all(0);
    let acks =
        records.iter().filter(|r| matches!(r, Record::TaskEvent(e) if e.action == TaskAction::Acknowledge)).count();
    assert_eq!(acks, 1, "applied exactly once");
}

#[test]
fn a_revoked_device_is_told_to_sign_in_and_keeps_its_outbox() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let e = World::load(&commander).enterprise_for("officer1", true).clone();
    runtime().block_on(async {
        let phone = Phone::sign_in(&platform, "officer1").await;
        let session = phone.store.session().expect("session").expect("signed in");
        phone.store.edit_enterprise(e.id, EnterpriseField::ContactPhone, "0579-87654321").expect("edit");
        let status = reqwest::Client::new()
            .post(format!("{}/v1/devices/{}/revoke", platform.url, session.device))
            .bearer_auth(phone.client.token().expect("token"))
            .send()
            .await
            .expect("revoke")
            .status();
        assert_eq!(status, 204);
        let err = phone.client.sync(&phone.store, &mut |_| {}).await.expect_err("revoked");
        assert!(matches!(err, fieldcheck_core::sync::SyncError::Unauthorized(_)), "{err:?}");
        assert_eq!(phone.store.outbox_len().expect("outbox"), 1, "nothing was dropped");
    });
}

#[test]
fn connections_cut_mid_answer_are_retried_without_loss_or_duplicates() {
    use std::sync::atomic::Ordering;
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    let proxy = fieldcheck_e2e::CuttingProxy::start(&platform.url, 2, 2);
    let options = SyncOptions {
        backoff: fieldcheck_core::sync::Backoff {
            attempts: 6,
            base: std::time::Duration::from_millis(20),
            max: std::time::Duration::from_millis(200),
        },
        ..SyncOptions::default()
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let task = runtime().block_on(async {
        let store = Store::open(dir.path().join("device.sqlite3")).expect("store");
        let mut client = SyncClient::new(&proxy.url, options).expect("client");
        let login = client.login(&store, "enterprise1", PASSWORD).await.expect("login");
        let own = enterprise_of(&login.user);
        let task = world.tasks.iter().find(|t| t.enterprise == own).expect("task").id;
        let progress = client.sync(&store, &mut |_| {}).await.expect("first sync through cut pulls");
        assert!(progress.retries >= 1, "{progress:?}");
        store.transition_task(task, TaskAction::Acknowledge, "收到", vec![]).expect("ack");
        store.transition_task(task, TaskAction::SubmitProof, "已整改", vec![]).expect("proof");
        let progress = client.sync(&store, &mut |_| {}).await.expect("sync through cut pushes");
        assert_eq!(progress.applied, 2, "{progress:?}");
        assert_eq!(store.outbox_len().expect("outbox"), 0);
        assert_eq!(store.task(task).expect("task").map(|t| t.state), Some(TaskState::ProofSubmitted));
        task
    });
    assert_eq!(proxy.cuts_done.load(Ordering::SeqCst), 4, "two pushes and two pulls were cut");
    let (records, _) = commander.pull_all(0);
    let events = records.iter().filter(|r| matches!(r, Record::TaskEvent(e) if e.task == task)).count();
    assert_eq!(events, 2, "each transition applied exactly once");
}
