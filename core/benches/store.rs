//! Store benchmarks (a plain bench binary; `cargo bench -p fieldcheck-core --bench store`):
//! 1. recording a full inspection (58 answers, photos, findings, submit with its outbox entry) through
//!    the Store, one transaction per user action as on a phone, against inserting the same rows with
//!    plain rusqlite in one transaction;
//! 2. enterprise search over 50,000 generated enterprises with Chinese names: p50/p99 per query for
//!    trigram (3+ characters) and short (1-2 character) queries, against a plain LIKE scan.

use chrono::{Days, Utc};
use fieldcheck_core::checklists;
use fieldcheck_core::domain::answer::{AnswerValue, Measure};
use fieldcheck_core::domain::credit_code::CreditCode;
use fieldcheck_core::domain::ids::{EnterpriseId, EvidenceId, SquadronId, TownshipId, UserId};
use fieldcheck_core::domain::inspection::{InspectionKind, Inspector};
use fieldcheck_core::domain::organisation::{Contact, Enterprise, EnterpriseFlags, Role, Scope, Township, User};
use fieldcheck_core::domain::rule::Rule;
use fieldcheck_core::domain::template::{AnswerSpec, ChecklistTemplate, ItemRef, MeasureKind, TemplateItem};
use fieldcheck_core::protocol::{Change, ChangeOp, PullResponse, Record};
use fieldcheck_core::store::{NewInspection, Photo, Store};
use rusqlite::{Connection, params};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

const RUNS: usize = 15;
const ENTERPRISES: usize = 50_000;

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    record_inspection(dir.path());
    search(dir.path());
}

// ---------------------------------------------------------------- 1. recording a full inspection

fn valid_answer(item: &TemplateItem, day: chrono::NaiveDate) -> AnswerValue {
    let past = day - Days::new(30);
    match &item.answer {
        AnswerSpec::YesNo | AnswerSpec::YesNoNa => AnswerValue::Yes,
        AnswerSpec::Number { rule, .. } => AnswerValue::Number(match rule {
            Some(Rule::AtLeast(x) | Rule::AtMost(x)) => *x,
            Some(Rule::Between([x, _])) => *x,
            _ => 1.0,
        }),
        AnswerSpec::Text => AnswerValue::Text("环评批复 金环建〔2024〕18号".into()),
        AnswerSpec::Date { .. } => AnswerValue::Date(past),
        AnswerSpec::Choice { options } => {
            AnswerValue::Choice(options.iter().find(|o| o.compliant).map(|o| o.code.clone()).unwrap_or_default())
        }
        AnswerSpec::Measures { fields, .. } => AnswerValue::Measures(
            fields
                .iter()
                .map(|f| {
                    let m = match f.kind {
                        MeasureKind::Number { .. } => Measure::Number(1.0),
                        MeasureKind::Date => Measure::Date(past),
                    };
                    (f.key.clone(), m)
                })
                .collect(),
        ),
    }
}

/// The answers of one inspection: every item valid, three failing (two findings need tasks).
fn answers(templates: &[ChecklistTemplate], day: chrono::NaiveDate) -> Vec<(ItemRef, AnswerValue)> {
    templates
        .iter()
        .flat_map(|t| t.items.iter().map(move |i| (t, i)))
        .map(|(t, i)| {
            let value = match i.code.as_str() {
                "HW-01" | "HW-02" => AnswerValue::No,
                "HW-22" => AnswerValue::Number(5.2),
                _ => valid_answer(i, day),
            };
            (ItemRef { template: t.id.clone(), code: i.code.clone() }, value)
        })
        .collect()
}

fn officer(name: &str, squadron: SquadronId) -> User {
    User {
        id: UserId::new(),
        login: name.into(),
        name: name.into(),
        role: Role::Officer,
        scope: Scope::Squadron { squadron },
        certificate_no: Some(format!("浙{name}")),
    }
}

fn inspector(u: &User) -> Inspector {
    Inspector { user: u.id, name: u.name.clone(), certificate_no: u.certificate_no.clone().unwrap_or_default() }
}

fn record_inspection(dir: &Path) {
    let templates = checklists::bundled();
    let township = Township { id: TownshipId::new(), code: "330784001".into(), name: "东城街道".into() };
    let enterprise = make_enterprise(0, std::slice::from_ref(&township));
    let squadron = SquadronId::new();
    let (me, colleague) = (officer("张伟", squadron), officer("李娜", squadron));

    let store = Store::open(dir.join("record.db")).expect("open store");
    let setup = vec![Record::Township(township.clone()), Record::Enterprise(enterprise.clone())];
    store.apply_pull(&page(1, setup)).expect("pull");
    store.sign_in(&me).expect("sign in");
    let baseline = Connection::open(dir.join("baseline.db")).expect("open baseline");
    baseline.execute_batch(BASELINE_SCHEMA).expect("baseline schema");

    let day = Utc::now().date_naive();
    let mut through_store = Vec::new();
    let mut plain = Vec::new();
    let mut plain_per_row = Vec::new();
    let mut per_answer = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let draft = store
            .create_inspection(&NewInspection {
                enterprise: enterprise.id,
                kind: InspectionKind::Routine,
                checklists: templates.iter().map(|t| t.reference()).collect(),
                origin: None,
            })
            .expect("draft");
        store
            .set_team(draft.id, vec![inspector(&me), inspector(&colleague)], Some(inspector(&colleague)))
            .expect("team");
        store.start_inspection(draft.id, Utc::now(), None, None).expect("start");
        for (n, (item, value)) in answers(&templates, day).into_iter().enumerate() {
            let one = Instant::now();
            store.answer(draft.id, item.clone(), value, None).expect("answer");
            per_answer.push(one.elapsed());
            let photo = Photo {
                evidence: EvidenceId::new(),
                item: Some(item),
                sha256: format!("{n:064x}"),
                taken_at: Utc::now(),
            };
            store.attach_photo(draft.id, &photo).expect("photo");
        }
        let submitted = store.submit_inspection(draft.id).expect("submit");
        through_store.push(start.elapsed());

        let start = Instant::now();
        insert_plain(&baseline, &submitted, Commit::Once);
        plain.push(start.elapsed());

        let start = Instant::now();
        insert_plain(&baseline, &submitted, Commit::EachRow);
        plain_per_row.push(start.elapsed());
    }
    let (s, p, r) = (median(&mut through_store), median(&mut plain), median(&mut plain_per_row));
    println!("== recording a full inspection (58 answers + 58 photos, 3 findings, submit), median of {RUNS} runs");
    println!("   through Store (one transaction per action, {} actions): {:>9.2} ms", 3 + 58 * 2 + 1, ms(s));
    println!("   plain rusqlite, same rows in one transaction:            {:>9.2} ms", ms(p));
    println!("   plain rusqlite, same rows, each row its own commit:      {:>9.2} ms", ms(r));
    println!("   ratio Store / plain one transaction: {:.1}x", s.as_secs_f64() / p.as_secs_f64());
    println!(
        "   ratio Store / plain commit per row (same durability as the Store): {:.1}x",
        s.as_secs_f64() / r.as_secs_f64()
    );
    println!(
        "   one answer through Store (validate, judge, upsert, finding): p50 {:.3} ms, p99 {:.3} ms",
        ms(percentile(&mut per_answer, 0.50)),
        ms(percentile(&mut per_answer, 0.99))
    );
    println!("   outbox entries recorded: {}", store.outbox_len().expect("outbox"));
}

const BASELINE_SCHEMA: &str = "
    PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
    CREATE TABLE inspections (id TEXT PRIMARY KEY, enterprise TEXT, state TEXT, body TEXT);
    CREATE TABLE answers (inspection TEXT, template TEXT, code TEXT, verdict TEXT, body TEXT,
        PRIMARY KEY (inspection, template, code)) WITHOUT ROWID;
    CREATE TABLE evidence (id TEXT PRIMARY KEY, inspection TEXT, template TEXT, code TEXT, sha256 TEXT);
    CREATE TABLE findings (id TEXT PRIMARY KEY, inspection TEXT, body TEXT);
    CREATE TABLE tasks (id TEXT PRIMARY KEY, state TEXT, deadline INTEGER, body TEXT);
    CREATE TABLE notices (id TEXT PRIMARY KEY, body TEXT);
    CREATE TABLE outbox (seq INTEGER PRIMARY KEY, id TEXT, kind TEXT, intent TEXT);";

/// How the plain baseline commits: everything at once, or every row on its own like the Store's one
/// durable transaction per user action.
#[derive(Clone, Copy, PartialEq)]
enum Commit {
    Once,
    EachRow,
}

/// The same rows the Store wrote (bodies serialized here too).
fn insert_plain(conn: &Connection, s: &fieldcheck_core::protocol::SubmittedInspection, commit: Commit) {
    // Outside a transaction each statement is its own commit.
    let tx = (commit == Commit::Once).then(|| conn.unchecked_transaction().expect("tx"));
    let id = uuid::Uuid::now_v7().to_string();
    conn.execute(
        "INSERT INTO inspections VALUES (?1, ?2, 'submitted', ?3)",
        params![id, s.inspection.enterprise.to_string(), json(&s.inspection)],
    )
    .expect("insert");
    for (n, a) in s.answers.iter().enumerate() {
        conn.execute(
            "INSERT INTO answers VALUES (?1, ?2, ?3, 'compliant', ?4)",
            params![id, a.item.template, a.item.code, json(a)],
        )
        .expect("insert");
        conn.execute(
            "INSERT INTO evidence VALUES (?1, ?2, ?3, ?4, ?5)",
            params![uuid::Uuid::now_v7().to_string(), id, a.item.template, a.item.code, format!("{n:064x}")],
        )
        .expect("insert");
    }
    for f in &s.findings {
        conn.execute(
            "INSERT INTO findings VALUES (?1, ?2, ?3)",
            params![uuid::Uuid::now_v7().to_string(), id, json(f)],
        )
        .expect("insert");
    }
    for t in &s.tasks {
        conn.execute(
            "INSERT INTO tasks VALUES (?1, 'issued', ?2, ?3)",
            params![uuid::Uuid::now_v7().to_string(), t.deadline.timestamp_millis(), json(t)],
        )
        .expect("insert");
    }
    for n in &s.notices {
        conn.execute("INSERT INTO notices VALUES (?1, ?2)", params![uuid::Uuid::now_v7().to_string(), json(n)])
            .expect("insert");
    }
    conn.execute("INSERT INTO outbox (id, kind, intent) VALUES (?1, 'inspection.submit', ?2)", params![id, json(s)])
        .expect("insert");
    if let Some(tx) = tx {
        tx.commit().expect("commit");
    }
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

// ---------------------------------------------------------------- 2. enterprise search

const CITIES: &[&str] = &["永康市", "金华市", "武义县", "东阳市", "义乌市", "兰溪市", "浦江县", "磐安县"];
const BRANDS: &str = "恒达绿源金鼎华宇宏盛鑫泰瑞丰永兴天成嘉禾中信富源佳德博远海川隆昌新星明辉东方正大同创力达汇通科盛";
const TRADES: &[&str] = &[
    "五金制品",
    "电镀",
    "化工",
    "塑料制品",
    "纺织",
    "机械制造",
    "汽车配件",
    "门业",
    "电器",
    "工具",
    "不锈钢制品",
    "包装材料",
    "铸造",
    "表面处理",
    "印染",
    "食品",
    "建材",
    "新材料",
];
const SUFFIXES: &[&str] = &["有限公司", "股份有限公司", "厂", "实业有限公司"];
const ROADS: &[&str] = &["金山西路", "九铃东路", "华溪北路", "总部中心", "工业园区", "花街路", "胜利街", "望春东路"];
const TOWNS: &[&str] = &["东城街道", "西城街道", "江南街道", "古山镇", "芝英镇", "象珠镇", "石柱镇", "龙山镇"];

/// A deterministic pseudo-random stream (no dependency, same data every run).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

fn make_enterprise(i: usize, townships: &[Township]) -> Enterprise {
    let mut r = Lcg(i as u64 * 7919 + 1);
    let brand: Vec<char> = BRANDS.chars().collect();
    let name = format!(
        "{}{}{}{}{}",
        CITIES[r.next(CITIES.len())],
        brand[r.next(brand.len())],
        brand[r.next(brand.len())],
        TRADES[r.next(TRADES.len())],
        SUFFIXES[r.next(SUFFIXES.len())]
    );
    let address = format!(
        "浙江省{}{}{}{}号",
        CITIES[r.next(CITIES.len())],
        TOWNS[r.next(TOWNS.len())],
        ROADS[r.next(ROADS.len())],
        r.next(999) + 1
    );
    Enterprise {
        id: EnterpriseId::new(),
        name,
        credit_code: CreditCode::complete(&format!("91330784MA{i:07}")).expect("valid code body"),
        township: townships[i % townships.len()].id,
        address,
        location: None,
        legal_representative: "王建国".into(),
        contact: Contact { name: "李明".into(), phone: "13900000000".into() },
        flags: EnterpriseFlags::default(),
    }
}

fn page(first: u64, records: Vec<Record>) -> PullResponse {
    let n = records.len() as u64;
    let changes = records
        .into_iter()
        .enumerate()
        .map(|(i, r)| Change { cursor: first + i as u64, op: ChangeOp::Upsert { record: Box::new(r) } })
        .collect();
    PullResponse { changes, cursor: first + n, has_more: true, reset: false, wipe: false }
}

fn search(dir: &Path) {
    let store = Store::open(dir.join("search.db")).expect("open store");
    let townships: Vec<Township> = TOWNS
        .iter()
        .enumerate()
        .map(|(i, name)| Township { id: TownshipId::new(), code: format!("3307840{i:02}"), name: (*name).into() })
        .collect();
    let start = Instant::now();
    let mut cursor = 1;
    for chunk in (0..ENTERPRISES).collect::<Vec<_>>().chunks(1000) {
        let records = chunk.iter().map(|&i| Record::Enterprise(make_enterprise(i, &townships))).collect::<Vec<_>>();
        let p = page(cursor, records);
        cursor = p.cursor;
        store.apply_pull(&p).expect("pull");
    }
    let loaded = start.elapsed();
    println!("\n== enterprise search over {ENTERPRISES} enterprises (limit 20)");
    println!("   loading them through apply_pull (pages of 1000): {:.2} s", loaded.as_secs_f64());

    let trigram = [
        "恒达五金",
        "绿源电镀",
        "金鼎化工",
        "汽车配件",
        "九铃东路",
        "华溪北路",
        "不锈钢",
        "表面处理",
        "股份有限",
        "永康市恒",
        "芝英镇",
        "MA0012345",
        "91330784MA00049",
        "宏盛塑料制品",
        "新材料有限公司",
    ];
    let short = ["永康", "电镀", "化工", "镀", "恒", "金华", "古山", "门业"];
    let (tri, tri_hits) = time_queries(&store, &trigram);
    let (sho, sho_hits) = time_queries(&store, &short);
    let scan = time_scan(&store, &trigram);
    println!(
        "   trigram (3+ chars, {} queries x {RUNS}): p50 {:.3} ms, p99 {:.3} ms, avg hits {:.1}",
        trigram.len(),
        tri.0,
        tri.1,
        tri_hits
    );
    println!(
        "   short (1-2 chars, substring scan, {} queries x {RUNS}): p50 {:.3} ms, p99 {:.3} ms, avg hits {:.1}",
        short.len(),
        sho.0,
        sho.1,
        sho_hits
    );
    println!("   baseline: the same 3+ char queries as a plain LIKE scan: p50 {:.3} ms, p99 {:.3} ms", scan.0, scan.1);
    println!(
        "   ratio scan / trigram: p50 {:.1}x, p99 {:.1}x (the scan is unranked and stops at 20 hits)",
        scan.0 / tri.0,
        scan.1 / tri.1
    );
}

fn time_queries(store: &Store, queries: &[&str]) -> ((f64, f64), f64) {
    let mut times = Vec::new();
    let mut hits = 0usize;
    for _ in 0..RUNS {
        for q in queries {
            let start = Instant::now();
            let found = store.search_enterprises(q, 20).expect("search");
            times.push(start.elapsed());
            hits += black_box(found).len();
        }
    }
    let n = times.len();
    ((ms(percentile(&mut times, 0.50)), ms(percentile(&mut times, 0.99))), hits as f64 / n as f64)
}

/// The naive way: a LIKE over the three columns, reading the same bodies back.
fn time_scan(store: &Store, queries: &[&str]) -> (f64, f64) {
    let mut times = Vec::new();
    for _ in 0..RUNS {
        for q in queries {
            let start = Instant::now();
            let found: Vec<String> = store
                .read(|conn| {
                    let like = format!("%{q}%");
                    let mut stmt = conn.prepare_cached(
                        "SELECT body FROM enterprises WHERE name LIKE ?1 OR credit_code LIKE ?1 OR address LIKE ?1 LIMIT 20",
                    )?;
                    let rows = stmt.query_map([like], |r| r.get::<_, String>(0))?;
                    Ok(rows.collect::<Result<_, _>>()?)
                })
                .expect("scan");
            let parsed: Vec<Enterprise> = found.iter().filter_map(|b| serde_json::from_str(b).ok()).collect();
            times.push(start.elapsed());
            black_box(parsed);
        }
    }
    (ms(percentile(&mut times, 0.50)), ms(percentile(&mut times, 0.99)))
}

fn median(times: &mut [Duration]) -> Duration {
    percentile(times, 0.5)
}

fn percentile(times: &mut [Duration], p: f64) -> Duration {
    times.sort();
    let i = ((times.len() as f64 - 1.0) * p).round() as usize;
    times[i.min(times.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
