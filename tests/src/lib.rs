//! Harness for the end-to-end tests: starts the real `fieldcheck-platform` binary on a loopback port
//! (SQLite in a temporary folder, or a fresh PostgreSQL database when `FIELDCHECK_TEST_POSTGRES` names a
//! server as `postgres://user@host:port`), and
//! talks to it over HTTP like a phone does.

use fieldcheck_core::domain::ids::{DeviceId, MutationId};
use fieldcheck_core::protocol::{Intent, Mutation, PROTOCOL_VERSION, PullResponse, PushRequest, PushResponse, Record};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub const PASSWORD: &str = "fieldcheck-demo";
/// The CJK font the document tests print with (`scripts/test.sh` installs it).
pub const DOCUMENT_FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

/// Whether [`DOCUMENT_FONT`] is installed. Under CI its absence fails the test; elsewhere the test is
/// skipped, loudly.
pub fn document_font_installed() -> bool {
    if std::path::Path::new(DOCUMENT_FONT).exists() {
        return true;
    }
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{DOCUMENT_FONT} is missing (scripts/test.sh installs it)");
    eprintln!("skipping: {DOCUMENT_FONT} is not installed");
    false
}

/// The platform binary next to the test executable (cargo builds it with the workspace's tests).
fn platform_binary() -> PathBuf {
    if let Ok(p) = std::env::var("FIELDCHECK_PLATFORM_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target directory");
    let bin = dir.join(format!("fieldcheck-platform{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.exists(), "{} is missing: run `cargo build -p fieldcheck-platform` first", bin.display());
    bin
}

/// A command that runs the platform binary with none of the caller's `FIELDCHECK_*` settings: a
/// test's platform reads only what the test gives it, whatever the shell (or another test) set.
pub fn platform_command() -> Command {
    let mut cmd = Command::new(platform_binary());
    for (name, _) in std::env::vars_os().filter(|(n, _)| n.to_string_lossy().starts_with("FIELDCHECK_")) {
        cmd.env_remove(name);
    }
    cmd
}

/// Where the platform keeps its data: a SQLite folder, or a fresh PostgreSQL database (dropped at the
/// end; declare it before the [`Platform`] so the platform stops first).
pub struct Storage {
    pub dir: tempfile::TempDir,
    pub database: Option<String>,
    /// With `FIELDCHECK_TEST_S3` (an S3 endpoint, see `scripts/s3.sh`): the blob store, a fresh prefix
    /// of its bucket `fieldcheck-test`; else the data folder.
    pub blobs: Option<(String, String)>,
    admin: Option<(String, String)>,
}

impl Drop for Storage {
    fn drop(&mut self) {
        if let Some((base, name)) = &self.admin
            && let Ok(mut admin) = postgres::Client::connect(&format!("{base}/postgres"), postgres::NoTls)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

impl Storage {
    pub fn new() -> Storage {
        let dir = tempfile::tempdir().expect("temp dir");
        // `FIELDCHECK_E2E_STORAGE=sqlite` keeps the platform processes on SQLite while the server is named
        // for the tests that use both back ends in one run (scripts/test.sh's first pass).
        let on_sqlite = std::env::var("FIELDCHECK_E2E_STORAGE").is_ok_and(|s| s == "sqlite");
        let server = std::env::var("FIELDCHECK_TEST_POSTGRES").ok().filter(|s| !s.is_empty() && !on_sqlite);
        let admin = server.map(|base| {
            let name = format!("fc_{}", uuid::Uuid::now_v7().simple());
            // The variable names a server without a database: postgres://user@host:port
            let base = base.trim_end_matches('/');
            let mut client =
                postgres::Client::connect(&format!("{base}/postgres"), postgres::NoTls).expect("connect to PostgreSQL");
            client.batch_execute(&format!("CREATE DATABASE {name}")).expect("create test database");
            (base.to_string(), name)
        });
        let database = admin.as_ref().map(|(base, name)| format!("{base}/{name}"));
        let blobs = std::env::var("FIELDCHECK_TEST_S3")
            .ok()
            .filter(|s| !s.is_empty())
            .map(|endpoint| (format!("s3://{S3_BUCKET}/{}", uuid::Uuid::now_v7().simple()), endpoint));
        Storage { dir, database, blobs, admin }
    }

    /// Points a platform command at this storage's blob store (through the environment, which `serve`
    /// and the evidence commands read).
    pub fn configure(&self, cmd: &mut Command) {
        if let Some((url, endpoint)) = &self.blobs {
            cmd.env("FIELDCHECK_BLOBS", url).env("FIELDCHECK_BLOBS_ENDPOINT", endpoint);
            for (name, value) in S3_TEST_CREDENTIALS {
                if std::env::var_os(name).is_none() {
                    cmd.env(name, value);
                }
            }
        }
    }

    /// The bytes of confirmed blob `sha` (hex) as the platform stores them, if it does.
    pub fn blob(&self, sha: &str) -> Option<Vec<u8>> {
        self.read_store(format!("sha256/{}/{sha}", &sha[..2]))
    }

    /// How many parts of unfinished uploads the blob store holds.
    pub fn parts_left(&self) -> usize {
        self.list_store("parts")
    }

    fn object_store(&self) -> std::sync::Arc<dyn object_store::ObjectStore> {
        use object_store::aws::AmazonS3Builder;
        match &self.blobs {
            None => std::sync::Arc::new(
                object_store::local::LocalFileSystem::new_with_prefix(self.dir.path().join("evidence/blobs"))
                    .expect("blob folder"),
            ),
            Some((url, endpoint)) => {
                let (bucket, prefix) = url.trim_start_matches("s3://").split_once('/').expect("s3://bucket/prefix");
                let mut s3 = AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .with_endpoint(endpoint)
                    .with_allow_http(true)
                    .with_region("us-east-1");
                for (name, value) in S3_TEST_CREDENTIALS {
                    if std::env::var_os(name).is_none() {
                        s3 = s3.with_config(name.to_lowercase().parse().expect("AWS setting"), value);
                    }
                }
                let s3 = s3.build().expect("S3 store");
                std::sync::Arc::new(object_store::prefix::PrefixStore::new(s3, prefix))
            }
        }
    }

    /// Runs `f` on the blob store from a thread of its own (callers may be inside a runtime).
    fn with_store<T: Send + 'static, F>(
        &self,
        f: impl FnOnce(std::sync::Arc<dyn object_store::ObjectStore>) -> F + Send + 'static,
    ) -> T
    where
        F: std::future::Future<Output = T>,
    {
        let store = self.object_store();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(f(store))
        })
        .join()
        .expect("blob store thread")
    }

    fn read_store(&self, key: String) -> Option<Vec<u8>> {
        self.with_store(move |store| async move {
            match store.get(&key.into()).await {
                Ok(got) => Some(got.bytes().await.expect("blob bytes").to_vec()),
                Err(object_store::Error::NotFound { .. }) => None,
                Err(e) => panic!("blob store: {e}"),
            }
        })
    }

    fn list_store(&self, prefix: &'static str) -> usize {
        self.with_store(move |store| async move {
            // Keys are `parts/<blob>/<range>`: one level of folders.
            let folders = store.list_with_delimiter(Some(&prefix.into())).await.expect("list").common_prefixes;
            let mut count = 0;
            for folder in folders {
                count += store.list_with_delimiter(Some(&folder)).await.expect("list").objects.len();
            }
            count
        })
    }
}

/// The bucket `scripts/s3.sh` makes.
pub const S3_BUCKET: &str = "fieldcheck-test";

/// Credentials for the test S3 server (moto accepts any) when the environment gives none.
const S3_TEST_CREDENTIALS: [(&str, &str); 2] =
    [("AWS_ACCESS_KEY_ID", "fieldcheck"), ("AWS_SECRET_ACCESS_KEY", "fieldcheck")];

impl Default for Storage {
    fn default() -> Self {
        Self::new()
    }
}

/// A running platform process; killed when dropped.
pub struct Platform {
    child: Child,
    pub url: String,
    /// Its stderr lines so far, when started with [`Platform::start_logging`] (else they go to the test's).
    logs: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Platform {
    /// The value of `series` (name and labels, as printed) on the platform's `/metrics`; 0 when absent.
    pub fn metric(&self, series: &str) -> f64 {
        let text = reqwest::blocking::get(format!("{}/metrics", self.url)).and_then(|r| r.text()).expect("metrics");
        let line = text.lines().find_map(|l| l.strip_prefix(series).and_then(|v| v.strip_prefix(' ')));
        line.map_or(0.0, |v| v.trim().parse().expect("a number"))
    }

    /// Starts the platform with the demo county on `storage`.
    pub fn start(storage: &Storage) -> Platform {
        Self::start_with(storage, &[])
    }

    /// Starts the platform with the demo county on `storage` and more `serve` options.
    pub fn start_with(storage: &Storage, options: &[&str]) -> Platform {
        Platform::start_node(storage, storage.dir.path(), true, &[], options)
    }

    /// Starts a platform process on `storage`'s database and blob store with its own data folder
    /// `data`, seeding the demo county only with `demo` (one node seeds, the others share it), with
    /// extra environment `env` (e.g. the shared `FIELDCHECK_PLATFORM_KEY`) and more `serve` options.
    pub fn start_node(
        storage: &Storage,
        data: &std::path::Path,
        demo: bool,
        env: &[(&str, &str)],
        options: &[&str],
    ) -> Platform {
        let mut cmd = platform_command();
        cmd.arg("serve").arg("--data").arg(data).args(["--listen", "127.0.0.1:0"]);
        if demo {
            cmd.arg("--demo");
        }
        cmd.args(options);
        cmd.envs(env.iter().copied());
        if let Some(db) = &storage.database {
            cmd.args(["--database", db]);
        }
        storage.configure(&mut cmd);
        // Warnings and errors only, unless the test run asks for more (a line per request otherwise).
        cmd.env("FIELDCHECK_LOG", std::env::var("FIELDCHECK_LOG").unwrap_or_else(|_| "warn".into()));
        Platform::spawn(cmd, storage, false)
    }

    /// Starts the platform with the demo county on `storage`, logging JSON lines at `filter` (as
    /// `FIELDCHECK_LOG` reads it) into [`Platform::logs`].
    pub fn start_logging(storage: &Storage, filter: &str) -> Platform {
        let mut cmd = platform_command();
        cmd.arg("serve").arg("--data").arg(storage.dir.path()).args(["--listen", "127.0.0.1:0", "--demo"]);
        if let Some(db) = &storage.database {
            cmd.args(["--database", db]);
        }
        storage.configure(&mut cmd);
        cmd.env("FIELDCHECK_LOG", filter).env("FIELDCHECK_LOG_FORMAT", "json");
        Platform::spawn(cmd, storage, true)
    }

    /// The log lines the process has written so far (see [`Platform::start_logging`]).
    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn spawn(mut cmd: Command, storage: &Storage, capture: bool) -> Platform {
        let stderr = if capture { Stdio::piped() } else { Stdio::inherit() };
        let mut child = cmd.stdout(Stdio::piped()).stderr(stderr).spawn().expect("spawn platform");
        let logs = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        if let Some(stderr) = child.stderr.take() {
            let logs = logs.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    logs.lock().unwrap_or_else(|p| p.into_inner()).push(line);
                }
            });
        }
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        let url = first.strip_prefix("listening on ").unwrap_or_else(|| panic!("unexpected first line {first:?}"));
        let url = url.to_string();
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let platform = Platform { child, url, logs };
        let health: serde_json::Value =
            reqwest::blocking::get(format!("{}/v1/health", platform.url)).and_then(|r| r.json()).expect("health");
        let expected = if storage.database.is_some() { "postgres" } else { "sqlite" };
        assert_eq!(health["backend"], expected, "the platform runs on the back end under test");
        platform
    }

    /// The platform's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to exit by itself (after a signal), at most `limit`.
    pub fn wait_exit(&mut self, limit: std::time::Duration) -> Option<std::process::ExitStatus> {
        let until = std::time::Instant::now() + limit;
        while std::time::Instant::now() < until {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        None
    }

    /// Kills the process at once (SIGKILL): whatever it was doing is cut off.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Platform {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A simulated phone: a device id, a token, and its own mutation numbering.
pub struct Device {
    pub http: reqwest::blocking::Client,
    pub url: String,
    pub id: DeviceId,
    pub token: String,
    pub user: fieldcheck_core::domain::organisation::User,
    pub next_seq: u64,
}

impl Device {
    pub fn login(platform: &Platform, login: &str) -> Device {
        let http = reqwest::blocking::Client::new();
        let id = DeviceId::new();
        let resp = http
            .post(format!("{}/v1/login", platform.url))
            .json(&serde_json::json!({ "login": login, "password": PASSWORD, "device": id }))
            .send()
            .expect("login request");
        assert_eq!(resp.status(), 200, "login {login}");
        let body: serde_json::Value = resp.json().expect("login body");
        Device {
            http,
            url: platform.url.clone(),
            id,
            token: body["token"].as_str().expect("token").to_string(),
            user: serde_json::from_value(body["user"].clone()).expect("user"),
            next_seq: 1,
        }
    }

    /// Numbers intents as a phone's outbox would.
    pub fn mutations(&mut self, intents: Vec<Intent>) -> Vec<Mutation> {
        intents
            .into_iter()
            .map(|intent| {
                let seq = self.next_seq;
                self.next_seq += 1;
                Mutation { id: MutationId::new(), seq, made_at: chrono::Utc::now(), intent }
            })
            .collect()
    }

    pub fn request(&self, mutations: Vec<Mutation>) -> PushRequest {
        PushRequest {
            protocol: PROTOCOL_VERSION,
            device: self.id,
            sent_at: chrono::Utc::now(),
            mutations,
            follows: None,
        }
    }

    pub fn post_raw(&self, path: &str, body: Vec<u8>) -> reqwest::blocking::Response {
        self.http
            .post(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .expect("request")
    }

    pub fn push(&self, req: &PushRequest) -> PushResponse {
        let resp = self.post_raw("/v1/sync/push", serde_json::to_vec(req).expect("json"));
        assert_eq!(resp.status(), 200, "push: {:?}", resp.text());
        resp.json().expect("push response")
    }

    pub fn push_intents(&mut self, intents: Vec<Intent>) -> PushResponse {
        let m = self.mutations(intents);
        let req = self.request(m);
        self.push(&req)
    }

    pub fn pull_page(&self, cursor: u64, limit: u32) -> reqwest::blocking::Response {
        self.http
            .get(format!("{}/v1/sync/pull?cursor={cursor}&limit={limit}&protocol={PROTOCOL_VERSION}", self.url))
            .bearer_auth(&self.token)
            .send()
            .expect("pull")
    }

    /// Pulls every page from `cursor`; returns the records seen (newest last) and the final cursor.
    pub fn pull_all(&self, mut cursor: u64) -> (Vec<Record>, u64) {
        let mut out = Vec::new();
        loop {
            let resp = self.pull_page(cursor, 500);
            assert_eq!(resp.status(), 200);
            let page: PullResponse = resp.json().expect("pull page");
            assert!(!page.reset, "unexpected reset");
            for change in page.changes {
                if let fieldcheck_core::protocol::ChangeOp::Upsert { record } = change.op {
                    out.push(*record);
                }
            }
            cursor = page.cursor;
            if !page.has_more {
                return (out, cursor);
            }
        }
    }

    pub fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let resp = self.http.get(format!("{}{path}", self.url)).bearer_auth(&self.token).send().expect("get");
        let status = resp.status().as_u16();
        (status, resp.json().unwrap_or(serde_json::Value::Null))
    }

    pub fn post_json(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        let resp = self.post_raw(path, serde_json::to_vec(&body).expect("json"));
        let status = resp.status().as_u16();
        (status, resp.json().unwrap_or(serde_json::Value::Null))
    }
}

/// Test data built with the core's own types.
pub mod fixtures {
    use chrono::{DateTime, Duration, NaiveDate, Utc};
    use fieldcheck_core::checklists;
    use fieldcheck_core::domain::answer::{Answer, AnswerValue, Measure};
    use fieldcheck_core::domain::finding::{Finding, Severity};
    use fieldcheck_core::domain::ids::FindingId;
    use fieldcheck_core::domain::inspection::{Inspection, InspectionKind, InspectionState, Inspector};
    use fieldcheck_core::domain::linkage::linked_records;
    use fieldcheck_core::domain::organisation::{Enterprise, User};
    use fieldcheck_core::domain::template::{AnswerSpec, ItemRef, MeasureKind, TemplateItem};
    use fieldcheck_core::protocol::SubmittedInspection;

    /// A compliant answer to `item`.
    pub fn compliant(item: &TemplateItem, day: NaiveDate) -> AnswerValue {
        match &item.answer {
            AnswerSpec::YesNo | AnswerSpec::YesNoNa => AnswerValue::Yes,
            AnswerSpec::Number { .. } => AnswerValue::Number(match item.code.as_str() {
                "HW-15" => 120.0,
                "PC-12" => 850.0,
                "EM-07" => 0.0,
                _ => 1.0,
            }),
            AnswerSpec::Text => AnswerValue::Text("330784-2026-012-L".into()),
            AnswerSpec::Date { .. } => AnswerValue::Date(day),
            AnswerSpec::Choice { options } => AnswerValue::Choice(options[0].code.clone()),
            AnswerSpec::Measures { fields, .. } => AnswerValue::Measures(
                fields
                    .iter()
                    .map(|f| {
                        let m = match &f.kind {
                            MeasureKind::Date => Measure::Date(day),
                            MeasureKind::Number { .. } => {
                                Measure::Number(if f.key == "effective_volume" { 100.0 } else { 5.0 })
                            }
                        };
                        (f.key.clone(), m)
                    })
                    .collect(),
            ),
        }
    }

    /// A submitted emergency-preparedness inspection of `enterprise` by two officers, with one failed
    /// yes/no item, its general finding, the rectification task and the notice it asks for.
    pub fn inspection(enterprise: &Enterprise, by: &User, partner: &User) -> SubmittedInspection {
        let template = checklists::bundled().into_iter().find(|t| t.id == "emergency_preparedness").expect("template");
        let now: DateTime<Utc> = Utc::now();
        let started = now - Duration::hours(2);
        let day = started.date_naive() - chrono::Days::new(30);
        let who = |u: &User| Inspector {
            user: u.id,
            name: u.name.clone(),
            certificate_no: u.certificate_no.clone().unwrap_or_else(|| "33078400001".into()),
        };
        let mut inspection =
            Inspection::draft(enterprise.id, InspectionKind::Routine, vec![template.reference()], by.id);
        inspection.inspectors = vec![who(by), who(partner)];
        inspection.recorder = Some(who(partner));
        inspection.summary = "现场检查 / on-site check (internal narrative)".into();
        inspection.start(started, None, None).expect("start");
        let failed = template
            .items
            .iter()
            .find(|i| matches!(i.answer, AnswerSpec::YesNo | AnswerSpec::YesNoNa))
            .expect("a yes/no item");
        let answers: Vec<Answer> = template
            .items
            .iter()
            .map(|item| Answer {
                item: ItemRef { template: template.id.clone(), code: item.code.clone() },
                value: if item.code == failed.code { AnswerValue::No } else { compliant(item, day) },
                note: None,
                answered_at: started + Duration::minutes(5),
            })
            .collect();
        let finding = Finding {
            id: FindingId::new(),
            inspection: inspection.id,
            item: Some(ItemRef { template: template.id.clone(), code: failed.code.clone() }),
            severity: Severity::General,
            description: "INTERNAL-FINDING-TEXT 应急物资不足".into(),
            legal_basis: failed.legal_basis.clone(),
            deadline_days: Some(30),
        };
        inspection.state = InspectionState::Submitted;
        let ended_at = now - Duration::minutes(30);
        inspection.ended_at = Some(ended_at);
        // Derived as a phone derives them: the platform re-derives with the same function and compares.
        let linked = linked_records(&inspection, std::slice::from_ref(&finding), enterprise.township, by.id, ended_at);
        SubmittedInspection {
            inspection,
            answers,
            findings: vec![finding],
            tasks: linked.tasks,
            notices: linked.notices,
            evidence: None,
            signatures: Vec::new(),
        }
    }
}

/// What the command centre sees after a full pull: the demo county's records by kind.
#[derive(Default)]
pub struct World {
    pub townships: Vec<fieldcheck_core::domain::organisation::Township>,
    pub squadrons: Vec<fieldcheck_core::domain::organisation::Squadron>,
    pub users: Vec<fieldcheck_core::domain::organisation::User>,
    pub enterprises: Vec<fieldcheck_core::domain::organisation::Enterprise>,
    pub tasks: Vec<fieldcheck_core::domain::rectification::RectificationTask>,
    pub alarms: Vec<fieldcheck_core::domain::alarm::Alarm>,
    pub notices: Vec<fieldcheck_core::domain::notice::Notice>,
}

impl World {
    /// Pulls everything as `commander` and keeps the newest version of each record.
    pub fn load(commander: &Device) -> World {
        let (records, _) = commander.pull_all(0);
        let mut w = World::default();
        fn put<T, K: PartialEq>(v: &mut Vec<T>, item: T, key: impl Fn(&T) -> K) {
            let k = key(&item);
            v.retain(|x| key(x) != k);
            v.push(item);
        }
        for r in records {
            match r {
                Record::Township(t) => put(&mut w.townships, t, |x| x.id),
                Record::Squadron(s) => put(&mut w.squadrons, s, |x| x.id),
                Record::User(u) => put(&mut w.users, u, |x| x.id),
                Record::Enterprise(e) => put(&mut w.enterprises, e, |x| x.id),
                Record::Task(t) => put(&mut w.tasks, t, |x| x.id),
                Record::Alarm(a) => put(&mut w.alarms, a, |x| x.id),
                Record::Notice(n) => put(&mut w.notices, n, |x| x.id),
                _ => {}
            }
        }
        w
    }

    pub fn user(&self, login: &str) -> &fieldcheck_core::domain::organisation::User {
        self.users.iter().find(|u| u.login == login).unwrap_or_else(|| panic!("no user {login}"))
    }

    /// The squadron an officer belongs to.
    pub fn squadron_of(&self, login: &str) -> &fieldcheck_core::domain::organisation::Squadron {
        match &self.user(login).scope {
            fieldcheck_core::domain::organisation::Scope::Squadron { squadron } => {
                self.squadrons.iter().find(|s| s.id == *squadron).expect("squadron")
            }
            other => panic!("{login} has scope {other:?}"),
        }
    }

    /// An enterprise in (or, with `inside == false`, outside) `login`'s squadron's townships.
    pub fn enterprise_for(&self, login: &str, inside: bool) -> &fieldcheck_core::domain::organisation::Enterprise {
        let towns = &self.squadron_of(login).townships;
        self.enterprises.iter().find(|e| towns.contains(&e.township) == inside).expect("enterprise")
    }
}

/// A loopback TCP proxy in front of the platform that cuts connections in the middle of an answer:
/// after a push request, the first `push_cuts` answers are cut after a few bytes (the platform has
/// applied the push, the phone never reads the result); the first `pull_cuts` pull answers likewise.
pub struct CuttingProxy {
    pub url: String,
    pub cuts_done: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl CuttingProxy {
    pub fn start(upstream: &str, push_cuts: usize, pull_cuts: usize) -> CuttingProxy {
        use std::io::{Read, Write};
        use std::net::{Shutdown, TcpListener, TcpStream};
        use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
        use std::sync::{Arc, Mutex};
        let target = upstream.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy bind");
        let url = format!("http://{}", listener.local_addr().expect("proxy addr"));
        let budget = Arc::new(Mutex::new((push_cuts, pull_cuts)));
        let cuts_done = Arc::new(AtomicUsize::new(0));
        let done = cuts_done.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(&target) else { continue };
                let (budget, done) = (budget.clone(), done.clone());
                // Bytes of the next answer to let through before cutting; -1: do not cut.
                let cut_after = Arc::new(AtomicI64::new(-1));
                let (mut c_in, mut s_out) = (client.try_clone().expect("clone"), server.try_clone().expect("clone"));
                let arm = cut_after.clone();
                std::thread::spawn(move || {
                    let mut buf = [0u8; 16 * 1024];
                    while let Ok(n) = c_in.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        let head = String::from_utf8_lossy(&buf[..n.min(64)]).to_string();
                        let mut b = budget.lock().unwrap_or_else(|p| p.into_inner());
                        if head.starts_with("POST /v1/sync/push") && b.0 > 0 {
                            b.0 -= 1;
                            arm.store(20, Ordering::SeqCst);
                        } else if head.starts_with("GET /v1/sync/pull") && b.1 > 0 {
                            b.1 -= 1;
                            arm.store(600, Ordering::SeqCst);
                        }
                        drop(b);
                        if s_out.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = s_out.shutdown(Shutdown::Write);
                });
                let (mut s_in, mut c_out) = (server, client);
                std::thread::spawn(move || {
                    let mut buf = [0u8; 16 * 1024];
                    while let Ok(n) = s_in.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        let limit = cut_after.load(Ordering::SeqCst);
                        if limit >= 0 {
                            let _ = c_out.write_all(&buf[..n.min(limit as usize)]);
                            let _ = c_out.shutdown(Shutdown::Both);
                            let _ = s_in.shutdown(Shutdown::Both);
                            done.fetch_add(1, Ordering::SeqCst);
                            break;
                        }
                        if c_out.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = c_out.shutdown(Shutdown::Write);
                });
            }
        });
        CuttingProxy { url, cuts_done }
    }
}
