//! Each back end's pull filter selects exactly what the domain's visibility says. Seeded random counties
//! (townships, squadrons covering overlapping townships, users of every role with fitting, unknown and
//! misfitting scopes, enterprises, tasks and their events, alarms dispatched to squadrons and assigned to
//! users and re-dispatched, inspections, notices, original requests, some pointing at records that do not
//! exist) are written through `records::save`; then for every user the records its pull returns
//! (`tx.changes(0, …, &reach.filter())`) must be the records `Visibility::sees_*` says it sees. Runs on
//! SQLite, and on PostgreSQL too when `FIELDCHECK_TEST_POSTGRES` names a server
//! (`postgres://user@host:port`).

use crate::common;

use chrono::{Duration, TimeZone, Utc};
use fieldcheck_domain::alarm::{Alarm, AlarmKind, AlarmState, Averaging};
use fieldcheck_domain::credit_code::CreditCode;
use fieldcheck_domain::finding::Severity;
use fieldcheck_domain::ids::{
    AlarmId, DeviceId, EnterpriseId, EvidenceId, FindingId, InspectionId, NoticeId, SquadronId, TaskId, TownshipId,
    UserId,
};
use fieldcheck_domain::inspection::{Inspection, InspectionKind};
use fieldcheck_domain::notice::{Notice, NoticeSubject};
use fieldcheck_domain::organisation::{Contact, Enterprise, EnterpriseFlags, Role, Scope, Squadron, Township, User};
use fieldcheck_domain::rectification::{RectificationTask, TaskAction, TaskState};
use fieldcheck_domain::visibility::{ScopeKeys, Visibility};
use fieldcheck_evidence::{BlobRef, Digest, MediaType};
use fieldcheck_platform::access::Reach;
use fieldcheck_platform::db::registers::{self, RegisterQuery};
use fieldcheck_platform::db::{Db, entity_name};
use fieldcheck_platform::error::ApiError;
use fieldcheck_platform::records;
use fieldcheck_protocol::{OriginalRequest, Record, SubmittedInspection, TaskEvent};
use std::collections::{BTreeSet, HashMap};

/// Generated counties per back end.
const WORLDS: u64 = 48;

/// SplitMix64: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
    fn subset<T: Copy>(&mut self, xs: &[T]) -> Vec<T> {
        xs.iter().copied().filter(|_| self.chance(40)).collect()
    }
}

/// One generated county: what was saved, in order (a record may be saved more than once), and the
/// records as they stand at the end.
struct World {
    saves: Vec<Record>,
    finals: Vec<Record>,
    squadrons: Vec<Squadron>,
    users: Vec<User>,
    enterprises: HashMap<EnterpriseId, TownshipId>,
    tasks: HashMap<TaskId, RectificationTask>,
}

fn generate(seed: u64) -> World {
    let mut r = Rng(seed);
    let at = Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap();
    let mut saves = Vec::new();

    let townships: Vec<Township> = (0..r.range(2, 6))
        .map(|i| Township { id: TownshipId::new(), code: format!("33078400{i}"), name: format!("镇{i}") })
        .collect();
    let town_ids: Vec<TownshipId> = townships.iter().map(|t| t.id).collect();
    saves.extend(townships.into_iter().map(Record::Township));

    let squadrons: Vec<Squadron> = (0..r.range(1, 3))
        .map(|i| Squadron { id: SquadronId::new(), name: format!("中队{i}"), townships: r.subset(&town_ids) })
        .collect();
    let squadron_ids: Vec<SquadronId> = squadrons.iter().map(|s| s.id).collect();
    saves.extend(squadrons.iter().cloned().map(Record::Squadron));

    let mut enterprises = HashMap::new();
    let mut enterprise_ids = Vec::new();
    for i in 0..r.range(2, 8) {
        let e = Enterprise {
            id: EnterpriseId::new(),
            name: format!("企业{i}"),
            credit_code: CreditCode::complete("91330784MA2A0000X").expect("credit code"),
            township: r.pick(&town_ids),
            address: "地址".into(),
            location: None,
            legal_representative: String::new(),
            contact: Contact::default(),
            flags: EnterpriseFlags::default(),
        };
        enterprises.insert(e.id, e.township);
        enterprise_ids.push(e.id);
        saves.push(Record::Enterprise(e));
    }
    // Ids some records point at that name nothing stored.
    let ghost_enterprise = EnterpriseId::new();
    let ghost_squadron = SquadronId::new();

    let mut users = Vec::new();
    for role in [Role::Commander, Role::Officer, Role::Township, Role::Enterprise] {
        for _ in 0..r.range(1, 4) {
            let fitting = match role {
                Role::Commander => Scope::County,
                Role::Officer => {
                    Scope::Squadron { squadron: if r.chance(10) { ghost_squadron } else { r.pick(&squadron_ids) } }
                }
                Role::Township => {
                    let mut townships = r.subset(&town_ids);
                    if r.chance(10) {
                        townships.push(TownshipId::new());
                    }
                    Scope::Townships { townships }
                }
                Role::Enterprise => Scope::Enterprise {
                    enterprise: if r.chance(10) { ghost_enterprise } else { r.pick(&enterprise_ids) },
                },
            };
            // Now and then a role with a scope that does not fit it.
            let scope = if r.chance(12) {
                match r.below(4) {
                    0 => Scope::County,
                    1 => Scope::Squadron { squadron: r.pick(&squadron_ids) },
                    2 => Scope::Townships { townships: r.subset(&town_ids) },
                    _ => Scope::Enterprise { enterprise: r.pick(&enterprise_ids) },
                }
            } else {
                fitting
            };
            users.push(User {
                id: UserId::new(),
                login: format!("u{}", users.len()),
                name: "用户".into(),
                role,
                scope,
                certificate_no: None,
            });
        }
    }
    let user_ids: Vec<UserId> = users.iter().map(|u| u.id).collect();
    saves.extend(users.iter().cloned().map(Record::User));

    let any_enterprise = |r: &mut Rng| if r.chance(8) { ghost_enterprise } else { r.pick(&enterprise_ids) };
    let mut tasks = HashMap::new();
    for _ in 0..r.range(2, 12) {
        let enterprise = r.pick(&enterprise_ids);
        let township = if r.chance(85) { enterprises[&enterprise] } else { r.pick(&town_ids) };
        let t = RectificationTask {
            id: TaskId::new(),
            enterprise,
            township,
            inspection: InspectionId::new(),
            finding: FindingId::new(),
            severity: Severity::General,
            requirement: "整改".into(),
            issued_by: r.pick(&user_ids),
            issued_at: at,
            deadline: at + Duration::days(30),
            state: TaskState::Issued,
            case_review: false,
            legal_basis: Vec::new(),
        };
        tasks.insert(t.id, t.clone());
        saves.push(Record::Task(t));
    }
    let task_ids: Vec<TaskId> = tasks.keys().copied().collect();
    for _ in 0..r.range(0, 8) {
        saves.push(Record::TaskEvent(TaskEvent {
            id: uuid::Uuid::now_v7(),
            task: if r.chance(10) { TaskId::new() } else { r.pick(&task_ids) },
            action: TaskAction::Acknowledge,
            by: r.pick(&user_ids),
            by_name: "用户".into(),
            note: String::new(),
            evidence: Vec::new(),
            at,
            photos: Vec::new(),
            signature: None,
        }));
    }
    let maybe_squadron = |r: &mut Rng| {
        if r.chance(40) {
            None
        } else if r.chance(10) {
            Some(ghost_squadron)
        } else {
            Some(r.pick(&squadron_ids))
        }
    };
    let maybe_user = |r: &mut Rng| if r.chance(50) { None } else { Some(r.pick(&user_ids)) };
    let mut alarms = Vec::new();
    for _ in 0..r.range(2, 12) {
        let mut a = Alarm {
            id: AlarmId::new(),
            enterprise: any_enterprise(&mut r),
            kind: AlarmKind::Exceedance,
            monitoring_point: "总排口".into(),
            pollutant: "COD".into(),
            value: 80.0,
            limit: 50.0,
            unit: "mg/L".into(),
            averaging: Averaging::Hourly,
            level: Severity::General,
            state: AlarmState::Dispatched,
            raised_at: at,
            respond_by: at + Duration::hours(48),
            squadron: maybe_squadron(&mut r),
            assignee: maybe_user(&mut r),
        };
        if r.chance(30) {
            // Re-dispatched: only the newest keys count.
            saves.push(Record::Alarm(a.clone()));
            a.squadron = maybe_squadron(&mut r);
            a.assignee = maybe_user(&mut r);
        }
        alarms.push(a.clone());
        saves.push(Record::Alarm(a));
    }
    for _ in 0..r.range(1, 8) {
        let i = Inspection::draft(any_enterprise(&mut r), InspectionKind::Routine, Vec::new(), r.pick(&user_ids));
        saves.push(Record::Inspection(Box::new(SubmittedInspection {
            inspection: i,
            answers: Vec::new(),
            findings: Vec::new(),
            tasks: Vec::new(),
            notices: Vec::new(),
            evidence: None,
            signatures: Vec::new(),
        })));
    }
    for _ in 0..r.range(1, 8) {
        let enterprise = r.pick(&enterprise_ids);
        let township = if r.chance(85) { enterprises[&enterprise] } else { r.pick(&town_ids) };
        saves.push(Record::Notice(Notice {
            id: NoticeId::new(),
            enterprise,
            township,
            subject: NoticeSubject::Finding(FindingId::new()),
            message: "通知".into(),
            sent_at: at,
            read_at: None,
        }));
    }
    for _ in 0..r.range(0, 3) {
        saves.push(Record::OriginalRequest(OriginalRequest {
            evidence: EvidenceId::new(),
            inspection: InspectionId::new(),
            original: BlobRef { sha256: Digest::of(&r.next().to_le_bytes()), len: 10, media_type: MediaType::Jpeg },
            device: DeviceId::new(),
            officer: r.pick(&user_ids),
            requested_by: r.pick(&user_ids),
            requested_at: at,
        }));
    }

    // The records as they stand: the last save of each.
    let mut finals: Vec<Record> = Vec::new();
    for record in saves.iter().rev() {
        if !finals.iter().any(|f| records::identity(f) == records::identity(record)) {
            finals.push(record.clone());
        }
    }
    World { saves, finals, squadrons, users, enterprises, tasks }
}

type Key = (&'static str, String);

fn key(record: &Record) -> Key {
    let (entity, id) = records::identity(record);
    (entity_name(entity), id)
}

/// What the domain says `v` sees of the world's records, asked per kind through `sees_*`.
fn expected(v: &Visibility, w: &World) -> BTreeSet<Key> {
    let township_of = |e: EnterpriseId| w.enterprises.get(&e).copied();
    w.finals
        .iter()
        .filter(|record| match record {
            Record::Township(_) | Record::Squadron(_) | Record::Template(_) => v.sees(&ScopeKeys::public()),
            Record::User(u) => v.sees_user(u),
            Record::Enterprise(e) => v.sees_enterprise(e),
            Record::Inspection(i) => v.sees_inspection(&i.inspection, township_of(i.inspection.enterprise)),
            Record::Task(t) => v.sees_task(t),
            Record::TaskEvent(e) => v.sees(&ScopeKeys::task_event(w.tasks.get(&e.task))),
            Record::Alarm(a) => match township_of(a.enterprise) {
                Some(t) => v.sees_alarm(a, t),
                None => v.sees(&ScopeKeys::alarm(a, None)),
            },
            Record::Notice(n) => v.sees_notice(n),
            Record::OriginalRequest(r) => v.sees(&ScopeKeys::addressed_to(r.officer)),
            Record::Draw(_) | Record::MonitoringPoints(_) => v.sees(&ScopeKeys::command_centre_only()),
            Record::Assignment(a) => v.sees(&ScopeKeys::assignment(a)),
            Record::Grid(g) => v.sees(&ScopeKeys::grid(g)),
        })
        .map(key)
        .collect()
}

/// Writes `WORLDS` counties into `db` and compares every user's pull with the domain; returns
/// (counties, users compared, record × user decisions compared).
async fn pulls_equal_the_domain(db: Db) -> (u64, usize, usize) {
    let (mut users, mut decisions) = (0, 0);
    for seed in 0..WORLDS {
        let world = generate(0x5EED_0000 + seed);
        let saves = world.saves.clone();
        db.write(move |tx| {
            for record in &saves {
                records::save(tx, record)?;
            }
            Ok::<_, ApiError>(())
        })
        .await
        .expect("save");
        let ours: BTreeSet<Key> = world.finals.iter().map(key).collect();
        for user in &world.users {
            let u = user.clone();
            let rows = db
                .read(move |tx| {
                    let reach = Reach::of(tx, &u)?;
                    Ok::<_, ApiError>(tx.changes(0, 1_000_000, &reach.filter())?)
                })
                .await
                .expect("pull");
            let mut pulled = BTreeSet::new();
            for row in rows {
                let k = (entity_name(row.entity), row.id);
                if ours.contains(&k) {
                    assert!(row.data.is_some(), "seed {seed}: {k:?} pulled as a tombstone");
                    assert!(pulled.insert(k.clone()), "seed {seed}: {k:?} pulled twice");
                }
            }
            let want = expected(&Visibility::of(user, &world.squadrons), &world);
            let extra: Vec<_> = pulled.difference(&want).collect();
            let missing: Vec<_> = want.difference(&pulled).collect();
            assert!(
                extra.is_empty() && missing.is_empty(),
                "seed {seed}: {:?} {:?} with {:?}: pulled but not seen by the domain {extra:?}; \
                 seen by the domain but not pulled {missing:?}",
                user.role,
                user.id,
                user.scope
            );
            // The enterprises and users registers, which the lists page over, scope by the same rule.
            let u = user.clone();
            let (enterprises, people) = db
                .read(move |tx| {
                    let reach = Reach::of(tx, &u)?;
                    let all = RegisterQuery { limit: u32::MAX, ..RegisterQuery::default() };
                    let enterprises = registers::enterprise_page(tx, &all, &reach.filter())?.ids;
                    Ok::<_, ApiError>((enterprises, registers::user_page(tx, &all, &reach.filter())?.ids))
                })
                .await
                .expect("registers");
            let listed: BTreeSet<Key> = enterprises
                .into_iter()
                .map(|id| ("enterprise", id))
                .chain(people.into_iter().map(|id| ("user", id)))
                .filter(|k| ours.contains(k))
                .collect();
            let registered: BTreeSet<Key> =
                want.iter().filter(|(kind, _)| ["enterprise", "user"].contains(kind)).cloned().collect();
            assert_eq!(
                listed, registered,
                "seed {seed}: {:?} {:?}: registers listed vs the domain",
                user.role, user.id
            );
            users += 1;
            decisions += ours.len();
        }
    }
    (WORLDS, users, decisions)
}

#[tokio::test]
async fn sqlite_pull_filter_equals_the_domains_visibility() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = fieldcheck_platform::open_db(dir.path(), None).expect("open");
    let (worlds, users, decisions) = pulls_equal_the_domain(db).await;
    eprintln!("sqlite: {worlds} counties, {users} users' pulls, {decisions} record × user decisions agree");
}

#[tokio::test]
async fn postgres_pull_filter_equals_the_domains_visibility() {
    let Some(pg) = common::FreshPostgres::create("fc_vis") else { return };
    let db = pg.open().await;
    let (worlds, users, decisions) = pulls_equal_the_domain(db.clone()).await;
    eprintln!("postgres: {worlds} counties, {users} users' pulls, {decisions} record × user decisions agree");
}
