//! A simulated phone for the evidence tests: a real device store, blob folder and sync client in one
//! folder (which survives a "restart"), taking generated photos for a complete inspection; plus the
//! platform commands and blob lookups those tests share.
#![allow(dead_code)] // each test file uses part of it

use chrono::Utc;
use fieldcheck_core::checklists;
use fieldcheck_core::domain::geo::GeoFix;
use fieldcheck_core::domain::ids::InspectionId;
use fieldcheck_core::domain::inspection::{InspectionKind, Inspector};
use fieldcheck_core::domain::organisation::Enterprise;
use fieldcheck_core::domain::organisation::User;
use fieldcheck_core::domain::template::{ItemRef, PhotoRule};
use fieldcheck_core::evidence::upload::{Network, OriginalPolicy};
use fieldcheck_core::evidence::{BlobStore, Ingestor, Limits, Subject};
use fieldcheck_core::protocol::BlobStatus;
use fieldcheck_core::store::{Capture, NewInspection, Store};
use fieldcheck_core::sync::{SyncClient, SyncOptions, UploadPolicy};
use fieldcheck_e2e::{Device, PASSWORD, Platform, Storage, World, fixtures, platform_command};
use std::path::{Path, PathBuf};

pub const TEMPLATE: &str = "emergency_preparedness";

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

/// A noisy photo-like JPEG (noise does not compress, so files span several chunks), distinct per seed.
pub fn photo_file(dir: &Path, seed: u32, width: u32, height: u32) -> PathBuf {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let n = (state >> 24) as u8;
        image::Rgb([(x * 255 / width) as u8 ^ (n & 0x3f), (y * 255 / height) as u8, n])
    });
    let path = dir.join(format!("photo-{seed}.jpg"));
    img.save_with_format(&path, image::ImageFormat::Jpeg).expect("write photo");
    path
}

/// A phone: its store, blob folder and sync client, all in one folder that survives a "restart".
pub struct Phone {
    pub store: Store,
    pub ingestor: Ingestor,
    pub client: SyncClient,
    pub dir: PathBuf,
}

pub fn policy() -> UploadPolicy {
    UploadPolicy {
        originals: OriginalPolicy::Immediately,
        network: Network::Unmetered,
        chunk: 16 * 1024,
        free_confirmed: true,
    }
}

impl Phone {
    /// Opens (or reopens) the phone in `dir`, talking to `url`, uploading under [`policy`].
    pub fn open(dir: &Path, url: &str, token: Option<&str>, options: SyncOptions) -> Phone {
        Phone::open_with(dir, url, token, options, policy())
    }

    /// As [`Phone::open`] with another upload policy.
    pub fn open_with(dir: &Path, url: &str, token: Option<&str>, options: SyncOptions, uploads: UploadPolicy) -> Phone {
        let store = Store::open(dir.join("device.sqlite3")).expect("store");
        let blobs = BlobStore::open(dir.join("blobs")).expect("blobs");
        let ingestor = Ingestor::new(blobs.clone(), Limits::default());
        let mut client = SyncClient::new(url, options).expect("client").with_uploads(blobs, uploads);
        if let Some(token) = token {
            client = client.with_token(token);
        }
        Phone { store, ingestor, client, dir: dir.to_path_buf() }
    }

    pub async fn sign_in(dir: &Path, url: &str, login: &str) -> Phone {
        Phone::sign_in_with(dir, url, login, policy()).await
    }

    /// Signs in and syncs once, uploading under `uploads`.
    pub async fn sign_in_with(dir: &Path, url: &str, login: &str, uploads: UploadPolicy) -> Phone {
        let mut phone = Phone::open_with(dir, url, None, SyncOptions::default(), uploads);
        phone.client.login(&phone.store, login, PASSWORD).await.expect("login");
        phone.client.sync(&phone.store, &mut |_| {}).await.expect("first sync");
        phone
    }

    /// A complete, compliant inspection with a generated photo for every item that needs one.
    pub fn inspect(
        &self,
        enterprise: &fieldcheck_core::domain::organisation::Enterprise,
        team: &[&User],
    ) -> InspectionId {
        self.inspect_with_photos(enterprise, team, 1)
    }

    /// As [`Phone::inspect`], the generated photos seeded from `first_seed` (another phone's photos are
    /// other bytes).
    pub fn inspect_with_photos(
        &self,
        enterprise: &fieldcheck_core::domain::organisation::Enterprise,
        team: &[&User],
        first_seed: u32,
    ) -> InspectionId {
        let id = self.draft_with_photos(enterprise, team, first_seed);
        self.store.submit_inspection(id).expect("submit");
        id
    }

    /// As [`Phone::inspect_with_photos`], but not submitted (to be read back and signed first).
    pub fn draft_with_photos(
        &self,
        enterprise: &fieldcheck_core::domain::organisation::Enterprise,
        team: &[&User],
        first_seed: u32,
    ) -> InspectionId {
        let template = checklists::bundled().into_iter().find(|t| t.id == TEMPLATE).expect("template");
        let s = &self.store;
        let draft = s
            .create_inspection(&NewInspection {
                enterprise: enterprise.id,
                kind: InspectionKind::Routine,
                checklists: vec![template.reference()],
                origin: None,
            })
            .expect("draft");
        let who = |u: &User| Inspector {
            user: u.id,
            name: u.name.clone(),
            certificate_no: u.certificate_no.clone().unwrap_or_else(|| "33078400001".into()),
        };
        s.set_team(draft.id, team.iter().map(|u| who(u)).collect(), Some(who(team[1]))).expect("team");
        let fix = GeoFix::new(28.9, 120.03, 8.0).expect("fix");
        s.start_inspection(draft.id, Utc::now(), Some(fix), None).expect("start");
        let day = Utc::now().date_naive();
        for (n, item) in template.items.iter().enumerate() {
            let r = ItemRef { template: template.id.clone(), code: item.code.clone() };
            s.answer(draft.id, r.clone(), fixtures::compliant(item, day), None).expect("answer");
            if item.photo == PhotoRule::Always || n < 3 {
                let file = photo_file(&self.dir, n as u32 + first_seed, 480, 360);
                let capture = Capture {
                    case: fieldcheck_core::evidence::Case::Inspection(draft.id),
                    subject: Subject::Item { item: r },
                    taken_at: Utc::now(),
                    fix: Some(fix),
                };
                s.capture_photo(&self.ingestor, capture, &file).expect("photo");
            }
        }
        draft.id
    }
}

/// A live platform on the demo county, and what an officer1 inspection needs: the signed-in commander,
/// the county as it sees it, officer1 and a squadron partner, an enterprise in officer1's area, and a
/// folder for the phone. Destructure it in the order written, so the platform stops before its storage goes.
pub struct Scene {
    pub storage: Storage,
    pub platform: Platform,
    pub commander: Device,
    pub world: World,
    pub by: User,
    pub partner: User,
    pub enterprise: Enterprise,
    pub home: tempfile::TempDir,
}

impl Scene {
    pub fn start() -> Scene {
        Scene::start_with(&[])
    }

    /// A scene whose platform is started with more `serve` options.
    pub fn start_with(options: &[&str]) -> Scene {
        let storage = Storage::new();
        let platform = Platform::start_with(&storage, options);
        let commander = Device::login(&platform, "commander");
        let world = World::load(&commander);
        let (by, partner) = team(&world);
        let enterprise = world.enterprise_for("officer1", true).clone();
        let home = tempfile::tempdir().expect("phone dir");
        Scene { storage, platform, commander, world, by, partner, enterprise, home }
    }
}

pub fn team(world: &World) -> (User, User) {
    let by = world.user("officer1").clone();
    let partner = world.users.iter().find(|u| u.scope == by.scope && u.id != by.id).expect("partner").clone();
    (by, partner)
}

pub fn platform_cmd(storage: &Storage, args: &[&str]) -> (bool, String) {
    let mut cmd = platform_command();
    cmd.args(args);
    if args[0] == "export-bundle" {
        storage.configure(&mut cmd);
        cmd.arg("--data").arg(storage.dir.path());
        if let Some(db) = &storage.database {
            cmd.args(["--database", db]);
        }
    }
    let out = cmd.output().expect("run platform command");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// The bytes of a blob the platform holds confirmed, from its blob store (a folder or S3).
pub fn held_blob(storage: &Storage, sha: &str) -> Option<Vec<u8>> {
    storage.blob(sha)
}

pub fn blob_status(url: &str, token: &str, sha: &str, len: u64) -> BlobStatus {
    let resp = reqwest::blocking::Client::new()
        .get(format!("{url}/v1/blobs/{sha}?len={len}"))
        .bearer_auth(token)
        .send()
        .expect("status");
    assert_eq!(resp.status(), 200);
    resp.json().expect("blob status")
}
