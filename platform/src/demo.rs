//! `serve --demo`: seeds a realistic county, Yongkang (永康市, division 330784), so a new user sees a
//! working system at once. Runs once: a database that already has townships is left alone.

use crate::app::App;
use crate::auth::hash_password;
use crate::command;
use crate::db::{AuditRow, StoreError, Tx};
use crate::demo_inspection::Visit;
use crate::error::ApiError;
use crate::intents::Actor;
use crate::records;
use crate::supervision::intake::Intake;
use chrono::{Duration, Utc};
use fieldcheck_domain::alarm::{AlarmKind, Averaging};
use fieldcheck_domain::checklists;
use fieldcheck_domain::credit_code::CreditCode;
use fieldcheck_domain::finding::{Finding, Severity};
use fieldcheck_domain::geo::GeoFix;
use fieldcheck_domain::ids::{EnterpriseId, FindingId, GridId, InspectionId, SquadronId, TaskId, TownshipId, UserId};
use fieldcheck_domain::organisation::{Contact, Enterprise, EnterpriseFlags, Role, Scope, Squadron, Township, User};
use fieldcheck_domain::rectification::{RectificationTask, TaskAction, TaskState};
use fieldcheck_domain::supervision::grid::Grid;
use fieldcheck_domain::supervision::monitoring::{MonitoringPoint, MonitoringPoints, PollutantLimit};
use fieldcheck_protocol::Record;

/// API key of the simulated online-monitoring side in the demo.
pub const MONITORING_KEY: &str = "demo-monitoring-key";
/// Password of every demo login.
pub const PASSWORD: &str = "fieldcheck-demo";

/// Yongkang's 3 sub-districts and 11 towns (statutory divisions) plus its two functional areas, which
/// have no statutory code of their own (codes 330784401/402 here are the demo's).
pub const TOWNSHIPS: [(&str, &str); 16] = [
    ("330784001", "东城街道"),
    ("330784002", "西城街道"),
    ("330784003", "江南街道"),
    ("330784101", "石柱镇"),
    ("330784102", "前仓镇"),
    ("330784103", "舟山镇"),
    ("330784104", "古山镇"),
    ("330784105", "方岩镇"),
    ("330784106", "龙山镇"),
    ("330784107", "西溪镇"),
    ("330784108", "象珠镇"),
    ("330784109", "唐先镇"),
    ("330784110", "花街镇"),
    ("330784111", "芝英镇"),
    ("330784401", "经济开发区"),
    ("330784402", "城西新区"),
];

/// Squadrons and the townships (indexes into [`TOWNSHIPS`]) each covers.
const SQUADRONS: [(&str, &[usize]); 4] = [
    ("第一中队（城区）", &[0, 1, 2, 15]),
    ("第二中队（开发区）", &[14, 6, 8, 10]),
    ("第三中队（东部）", &[13, 7, 11, 3]),
    ("第四中队（南部）", &[4, 5, 9, 12]),
];

const OFFICERS: [&str; 8] = ["陈建军", "王立新", "李海峰", "张志强", "胡晓东", "应国平", "吕伟", "朱丽萍"];

const TRADES: [(&str, bool); 10] = [
    ("五金制品", false),
    ("电镀", true),
    ("不锈钢制品", false),
    ("汽车配件", false),
    ("电动工具", false),
    ("门业", false),
    ("保温杯", false),
    ("表面处理", true),
    ("铝制品", false),
    ("休闲器具", false),
];
const NAMES: [&str; 15] = [
    "金盛", "华丰", "永达", "恒昌", "鼎力", "富康", "荣泰", "宏宇", "天工", "瑞丰", "诚信", "立新", "飞龙", "联众",
    "金城",
];

/// Seeds the demo county unless it is there; returns what to print (where to connect, logins).
pub async fn seed(app: &App) -> Result<String, ApiError> {
    let hash = crate::ops::spawn_blocking(|| hash_password(PASSWORD)).await??;
    let limits = app.limits;
    let logins = app.db.write(move |tx| seed_in(tx, &hash, &limits)).await?;
    let mut out = String::from("demo county: 永康市 (Yongkang), 16 townships, 4 squadrons, 150 enterprises\n");
    out.push_str(&format!("demo logins (password \"{PASSWORD}\"):\n"));
    for (login, who) in logins {
        out.push_str(&format!("  {login:<14} {who}\n"));
    }
    out.push_str(&format!("monitoring API key: {MONITORING_KEY}"));
    Ok(out)
}

fn login_list() -> Vec<(String, String)> {
    let mut v = vec![("commander".to_string(), "指挥中心值班员 (command centre)".to_string())];
    for (i, name) in OFFICERS.iter().enumerate() {
        v.push((format!("officer{}", i + 1), format!("{name}, {} (officer)", SQUADRONS[i / 2].0)));
    }
    v.push(("dongcheng".into(), "东城街道生态所 (township office)".into()));
    v.push(("enterprise1".into(), "the first demo enterprise (enterprise)".into()));
    v.push(("enterprise2".into(), "the second demo enterprise (enterprise)".into()));
    v
}

fn seed_in(
    tx: &mut dyn Tx,
    hash: &str,
    limits: &fieldcheck_domain::alarm::ResponseLimits,
) -> Result<Vec<(String, String)>, ApiError> {
    if !records::townships(tx)?.is_empty() {
        return Ok(login_list());
    }
    let now = Utc::now();
    let townships: Vec<Township> = TOWNSHIPS
        .iter()
        .map(|(code, name)| Township { id: TownshipId::new(), code: (*code).into(), name: (*name).into() })
        .collect();
    for t in &townships {
        records::save(tx, &Record::Township(t.clone()))?;
    }
    let squadrons: Vec<Squadron> = SQUADRONS
        .iter()
        .map(|(name, towns)| Squadron {
            id: SquadronId::new(),
            name: (*name).into(),
            townships: towns.iter().map(|i| townships[*i].id).collect(),
        })
        .collect();
    for s in &squadrons {
        records::save(tx, &Record::Squadron(s.clone()))?;
    }
    for t in checklists::bundled() {
        records::save(tx, &Record::Template(t))?;
    }

    let account = |tx: &mut dyn Tx, login: &str, user: User| -> Result<User, StoreError> {
        records::save(tx, &Record::User(user.clone()))?;
        tx.put_account(login, &user.id.to_string(), hash)?;
        Ok(user)
    };
    let commander = account(
        tx,
        "commander",
        User {
            id: UserId::new(),
            login: "commander".into(),
            name: "指挥中心值班员".into(),
            role: Role::Commander,
            scope: Scope::County,
            certificate_no: None,
        },
    )?;
    let mut officers = Vec::new();
    for (i, name) in OFFICERS.iter().enumerate() {
        let login = format!("officer{}", i + 1);
        officers.push(account(
            tx,
            &login,
            User {
                id: UserId::new(),
                login: login.clone(),
                name: (*name).into(),
                role: Role::Officer,
                scope: Scope::Squadron { squadron: squadrons[i / 2].id },
                certificate_no: Some(format!("浙金环执{:05}", 33078 + i * 7)),
            },
        )?);
    }
    let dongcheng = account(
        tx,
        "dongcheng",
        User {
            id: UserId::new(),
            login: "dongcheng".into(),
            name: "东城街道生态所".into(),
            role: Role::Township,
            scope: Scope::Townships { townships: vec![townships[0].id] },
            certificate_no: None,
        },
    )?;

    let mut enterprises = Vec::new();
    for i in 0..150usize {
        let (trade, plating) = TRADES[i % TRADES.len()];
        let township = &townships[i % townships.len()];
        let first17 = format!("91330784MA2{:06}", 100_000 + i * 37);
        let credit_code = CreditCode::complete(&first17).map_err(|e| ApiError::bad_request(e.to_string()))?;
        let e = Enterprise {
            id: EnterpriseId::new(),
            // Each (name, trade) once: a county does not register two firms under one name.
            name: format!("永康市{}{}有限公司", NAMES[i / TRADES.len() % NAMES.len()], trade)
                .replace("有限公司", &suffix(i)),
            credit_code,
            township: township.id,
            address: format!("浙江省金华市永康市{}工业区{}号", township.name, 10 + i),
            location: Some(position(&township.code, i)?),
            legal_representative: format!(
                "{}{}",
                ["应", "胡", "吕", "徐", "程"][i % 5],
                ["建华", "志明", "小燕", "国强"][i % 4]
            ),
            contact: Contact { name: "安环负责人".into(), phone: format!("1385790{:04}", 1000 + i) },
            flags: EnterpriseFlags {
                // The story's 东城街道 company is a key discharger (4-hour response).
                key_discharger: plating || i.is_multiple_of(9) || i == STORY,
                hazardous_waste_producer: plating || i.is_multiple_of(3),
                key_hazardous_waste_unit: plating,
            },
        };
        records::save(tx, &Record::Enterprise(e.clone()))?;
        crate::supervision::intake::save_points(tx, outlet(e.id)?, &commander.id.to_string(), now)?;
        enterprises.push(e);
    }
    for (n, e) in enterprises.iter().take(2).enumerate() {
        let login = format!("enterprise{}", n + 1);
        account(
            tx,
            &login,
            User {
                id: UserId::new(),
                login: login.clone(),
                name: e.name.clone(),
                role: Role::Enterprise,
                scope: Scope::Enterprise { enterprise: e.id },
                certificate_no: None,
            },
        )?;
    }

    // Open alarms, raised the way the monitoring side reports them (credit code, point code, value; the
    // limit from the point's registration). The bureau's story first: a 东城街道 company's total-phosphorus
    // daily mean 0.56 mg/L over 0.5, graded general and dispatched to the squadron covering 东城街道,
    // waiting for an officer. Then a serious COD exceedance dispatched at once, and two left to grade.
    let report = |e: &Enterprise, kind, pollutant: &str, value, hours_ago| Intake {
        enterprise: None,
        credit_code: Some(e.credit_code.as_str().to_string()),
        kind,
        monitoring_point: "DW001".into(),
        pollutant: pollutant.into(),
        value,
        limit: None,
        unit: None,
        averaging: None,
        raised_at: Some(now - Duration::hours(hours_ago)),
    };
    let actor = Actor { reach: crate::access::Reach::of(tx, &commander)?, device: None, now };
    let raised = [
        report(&enterprises[STORY], AlarmKind::Exceedance, "总磷", 0.56, 3),
        report(&enterprises[11], AlarmKind::Exceedance, "化学需氧量", 128.0, 6),
        report(&enterprises[1], AlarmKind::Exceedance, "氨氮", 6.4, 1),
        report(&enterprises[31], AlarmKind::DataMissing, "pH", 0.0, 60),
    ];
    // Yesterday's COD exceedance at a 舟山镇 company, handled end to end by the southern squadron: graded,
    // dispatched, an officer on site within the limit and closed with feedback (the response times' figures).
    handled(
        tx,
        limits,
        &commander,
        &officers[6],
        report(&enterprises[HANDLED], AlarmKind::Exceedance, "化学需氧量", 61.0, 30),
    )?;
    for (i, req) in raised.into_iter().enumerate() {
        let req = crate::supervision::intake::resolve(tx, req)?;
        let a = command::raise(tx, limits, &req, now).map_err(ApiError::from)?;
        match i {
            0 => {
                command::grade(tx, &actor, a.id, Severity::General).map_err(ApiError::from)?;
                crate::intents::alarm::dispatch(tx, &actor, a.id, None).map_err(ApiError::from)?;
            }
            1 => {
                command::grade(tx, &actor, a.id, Severity::Serious).map_err(ApiError::from)?;
            }
            _ => {}
        }
    }

    // Open rectification tasks, two of them overdue, each issued by an earlier inspection's finding (on
    // the platform, so its order prints), citing the legal basis of the checklist item it failed.
    let requirements = [
        ("危险废物贮存库未设置规范标识，限期设置 / label the hazardous-waste store", "HW-01"),
        ("事故应急池被占用，限期清空 / empty the accident pond", "EM-07"),
        ("雨污分流阀门未处于关闭状态，限期整改 / keep the rain-water valve closed", "EM-09"),
        ("废气处理设施活性炭未按期更换 / replace the activated carbon on schedule", "PC-11"),
        ("危险废物台账记录不完整 / complete the hazardous-waste ledger", "HW-17"),
        ("废水处理设施运行记录缺失 / keep the treatment plant's operating log", "PC-03"),
    ];
    for (i, (requirement, item)) in requirements.iter().enumerate() {
        let e = &enterprises[i * 5];
        let issued_at = now - Duration::days(40 - i as i64 * 6);
        let severity = if i == 1 { Severity::Serious } else { Severity::General };
        let days = severity.linkage().default_deadline_days.unwrap_or(30);
        let legal_basis = legal_basis_of(item);
        let inspection = InspectionId::new();
        let finding = Finding {
            id: FindingId::new(),
            inspection,
            item: None,
            severity,
            description: (*requirement).into(),
            legal_basis: legal_basis.clone(),
            deadline_days: Some(days),
        };
        let task = RectificationTask {
            id: TaskId::new(),
            enterprise: e.id,
            township: e.township,
            inspection,
            finding: finding.id,
            severity,
            requirement: (*requirement).into(),
            issued_by: officers[0].id,
            issued_at,
            deadline: issued_at + Duration::days(i64::from(days)),
            state: if i == 3 { TaskState::Acknowledged } else { TaskState::Issued },
            case_review: severity.linkage().case_review,
            legal_basis,
        };
        crate::demo_inspection::seed(
            tx,
            Visit {
                id: inspection,
                enterprise: e,
                officer: &officers[0],
                taken: issued_at - Duration::minutes(35),
                summary: "现场检查发现问题，已下达责令改正通知书 / found on site; a rectification order was issued",
                findings: vec![finding],
                photos: 0,
            },
        )?;
        records::save(tx, &Record::Task(task.clone()))?;
        // The audit trail an inspection's submission and the enterprise's answer would have left.
        let mut line = AuditRow {
            entity: "task".into(),
            id: task.id.to_string(),
            action: "issue".into(),
            from_state: None,
            to_state: Some(TaskState::Issued.into()),
            user: officers[0].id.to_string(),
            device: None,
            at: issued_at,
            note: task.requirement.clone(),
        };
        tx.audit(&line)?;
        if task.state == TaskState::Acknowledged {
            line.action = TaskAction::Acknowledge.as_str().into();
            line.from_state = line.to_state;
            line.to_state = Some(task.state.into());
            line.user = e.name.clone();
            line.at = issued_at + Duration::days(1);
            line.note = "已签收，正在整改 / acknowledged, working on it".into();
            tx.audit(&line)?;
        }
    }
    // officer1's first enterprise, inspected yesterday with photos whose originals stayed on the phone; and
    // a 江南街道 enterprise inspected by officer2 today (China Standard Time), for the map's today layer.
    crate::demo_inspection::seed(
        tx,
        Visit {
            id: InspectionId::new(),
            enterprise: &enterprises[0],
            officer: &officers[0],
            taken: now - Duration::days(1),
            summary: "现场检查危险废物贮存库及废水处理设施，拍照取证 / hazardous-waste store and treatment plant, photographed",
            findings: Vec::new(),
            photos: 3,
        },
    )?;
    let (today, _) = crate::map::today(now);
    crate::demo_inspection::seed(
        tx,
        Visit {
            id: InspectionId::new(),
            enterprise: &enterprises[TODAY],
            officer: &officers[1],
            taken: (now - Duration::minutes(40)).max(today + Duration::minutes(10)),
            summary: "日常巡查：废气处理设施运行正常 / routine patrol: air treatment running",
            findings: Vec::new(),
            photos: 1,
        },
    )?;

    // Patrol grids: the 东城街道 office patrols every enterprise of its sub-district; officer1 a block of
    // the city squadron's enterprises.
    let in_town =
        |t: usize| enterprises.iter().filter(|e| e.township == townships[t].id).map(|e| e.id).collect::<Vec<_>>();
    let city: Vec<EnterpriseId> = [0, 1].iter().flat_map(|t| in_town(*t)).take(12).collect();
    for (name, owner, members) in [("东城街道网格", dongcheng.id, in_town(0)), ("城区一组网格", officers[0].id, city)]
    {
        let grid = Grid::new(GridId::new(), name, owner, members).map_err(ApiError::from)?;
        records::save(tx, &Record::Grid(grid))?;
    }
    Ok(login_list())
}

/// The enterprise of the bureau's story: the second in 东城街道 (the first is enterprise1's).
const STORY: usize = TOWNSHIPS.len();
/// The enterprise inspected today (in 江南街道, the city squadron's).
const TODAY: usize = 2;
/// The enterprise whose alarm was handled and closed yesterday (in 舟山镇, the southern squadron's).
const HANDLED: usize = TOWNSHIPS.len() + 5;

/// Raises `report` when it says, then grades it general 10 minutes later, dispatches it after 25, `officer`
/// arrives after 2 hours and closes it with feedback after 4 (each audited at its own time).
fn handled(
    tx: &mut dyn Tx,
    limits: &fieldcheck_domain::alarm::ResponseLimits,
    commander: &User,
    officer: &User,
    report: Intake,
) -> Result<(), ApiError> {
    let raised_at = report.raised_at.unwrap_or_else(Utc::now);
    let req = crate::supervision::intake::resolve(tx, report)?;
    let a = command::raise(tx, limits, &req, raised_at).map_err(ApiError::from)?;
    let at = |tx: &mut dyn Tx, user: &User, minutes| -> Result<Actor, ApiError> {
        Ok(Actor {
            reach: crate::access::Reach::of(tx, user)?,
            device: None,
            now: raised_at + Duration::minutes(minutes),
        })
    };
    let actor = at(tx, commander, 10)?;
    command::grade(tx, &actor, a.id, Severity::General).map_err(ApiError::from)?;
    let actor = at(tx, commander, 25)?;
    crate::intents::alarm::dispatch(tx, &actor, a.id, None).map_err(ApiError::from)?;
    let actor = at(tx, officer, 120)?;
    crate::intents::alarm::arrive(tx, &actor, a.id, None, None).map_err(ApiError::from)?;
    let feedback = "现场核查：在线监测仪表漂移，已校准，排口水样复测达标 / on site: the analyser drifted, recalibrated, \
                    the outlet's sample retested within the limit";
    let actor = at(tx, officer, 240)?;
    crate::intents::alarm::close(tx, &actor, a.id, feedback, &[], None).map_err(ApiError::from)?;
    Ok(())
}

/// Every demo enterprise's main wastewater outlet, registered with the limits it is monitored against
/// (GB 18918-2002 class 1A for total phosphorus, COD and ammonia; pH's upper bound).
fn outlet(enterprise: EnterpriseId) -> Result<MonitoringPoints, ApiError> {
    let limit = |pollutant: &str, limit: &str, unit: &str, averaging| -> Result<PollutantLimit, ApiError> {
        let limit = limit.parse().map_err(|e| ApiError::bad_request(format!("demo limit: {e}")))?;
        Ok(PollutantLimit { pollutant: pollutant.into(), limit, unit: unit.into(), averaging })
    };
    let point = MonitoringPoint {
        code: "DW001".into(),
        name: "废水总排口 / main wastewater outlet".into(),
        limits: vec![
            limit("总磷", "0.5", "mg/L", Averaging::Daily)?,
            limit("化学需氧量", "50", "mg/L", Averaging::Hourly)?,
            limit("氨氮", "5", "mg/L", Averaging::Hourly)?,
            limit("pH", "9", "", Averaging::Hourly)?,
        ],
    };
    Ok(MonitoringPoints::new(enterprise, vec![point])?)
}

/// The `i`th enterprise's made-up position: on a sunflower spiral around its township's middle on the map.
pub fn position(township: &str, i: usize) -> Result<GeoFix, ApiError> {
    let (lon, lat) = crate::map::centre(township)
        .ok_or_else(|| ApiError::bad_request(format!("no outline for township {township}")))?;
    let k = (i / TOWNSHIPS.len()) as f64;
    let (r, angle) = (0.02 * ((k + 0.5) / 10.0).sqrt(), k * 2.399_963);
    GeoFix::new(lat + r * angle.sin() * 0.9, lon + r * angle.cos(), 10.0).map_err(ApiError::from)
}

fn suffix(i: usize) -> String {
    if i.is_multiple_of(4) { "股份有限公司".into() } else { "有限公司".into() }
}

/// The legal basis of the shipped checklist item `code` (the demo's findings cite what the item does).
fn legal_basis_of(code: &str) -> Vec<String> {
    fieldcheck_domain::checklists::shipped()
        .iter()
        .flat_map(|t| &t.items)
        .find(|item| item.code == code)
        .map(|item| item.legal_basis.clone())
        .unwrap_or_default()
}
