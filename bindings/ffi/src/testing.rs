//! Test support (cargo feature `test-support`, never in a shipped build): fills a device with a small
//! fixed county, as a pull from the platform would, and signs a user in, so the Kotlin and Swift
//! tests can run the offline workflows before (and without) a live platform.

use crate::client::FieldcheckClient;
use crate::error::Result;
use chrono::{Duration, Utc};
use fieldcheck_core::domain::alarm::{Alarm, AlarmKind, AlarmState, Averaging};
use fieldcheck_core::domain::credit_code::CreditCode;
use fieldcheck_core::domain::finding::Severity;
use fieldcheck_core::domain::ids::{
    AlarmId, EnterpriseId, FindingId, InspectionId, SquadronId, TaskId, TownshipId, UserId,
};
use fieldcheck_core::domain::organisation::{
    Contact, Enterprise, EnterpriseFlags, Role, Scope, Squadron, Township, User,
};
use fieldcheck_core::domain::rectification::{RectificationTask, TaskState};
use fieldcheck_core::protocol::{Change, ChangeOp, PullResponse, Record};
use std::sync::Arc;
use uuid::Uuid;

/// Who the demo signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DemoUser {
    /// 张伟, officer of the first squadron.
    Officer,
    /// The first enterprise's own account.
    Enterprise,
}

/// The fixed ids and names of the demo county (the same on every device).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DemoCounty {
    pub officer: Uuid,
    pub officer_name: String,
    pub officer_certificate: String,
    pub colleague: Uuid,
    pub colleague_name: String,
    pub colleague_certificate: String,
    pub enterprise_user: Uuid,
    /// Enterprises of the squadron's townships, in creation order.
    pub enterprises: Vec<Uuid>,
    /// An alarm dispatched to the officer, awaiting arrival.
    pub alarm: Uuid,
    /// A rectification task issued to the first enterprise, due in 30 days.
    pub task: Uuid,
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | n)
}

/// Applies the demo county to this device and signs `user` in.
#[uniffi::export]
pub fn seed_demo_county(client: Arc<FieldcheckClient>, user: DemoUser) -> Result<DemoCounty> {
    let towns = [(1, "330784001", "东城街道"), (2, "330784002", "西城街道")].map(|(n, code, name)| Township {
        id: TownshipId(id(n)),
        code: code.into(),
        name: name.into(),
    });
    let squadron = Squadron {
        id: SquadronId(id(10)),
        name: "第一执法中队".into(),
        townships: towns.iter().map(|t| t.id).collect(),
    };
    let officer = |n, login: &str, name: &str, cert: &str| User {
        id: UserId(id(n)),
        login: login.into(),
        name: name.into(),
        role: Role::Officer,
        scope: Scope::Squadron { squadron: squadron.id },
        certificate_no: Some(cert.into()),
    };
    let zhang = officer(20, "zhang.wei", "张伟", "浙330784001");
    let li = officer(21, "li.na", "李娜", "浙330784002");
    let enterprise = |n: u128, name: &str, address: &str, township: TownshipId| -> Result<Enterprise> {
        Ok(Enterprise {
            id: EnterpriseId(id(n)),
            name: name.into(),
            credit_code: CreditCode::complete(&format!("91330784MA2{n:06}"))?,
            township,
            address: address.into(),
            location: None,
            legal_representative: "王建国".into(),
            contact: Contact { name: "李明".into(), phone: "13900000000".into() },
            flags: EnterpriseFlags { hazardous_waste_producer: true, ..Default::default() },
        })
    };
    let enterprises = [
        enterprise(30, "永康市恒达五金制品有限公司", "浙江省永康市东城街道金山西路18号", towns[0].id)?,
        enterprise(31, "永康市绿源电镀有限公司", "浙江省永康市西城街道工业区3号", towns[1].id)?,
    ];
    let enterprise_user = User {
        id: UserId(id(22)),
        login: "hengda".into(),
        name: "恒达五金".into(),
        role: Role::Enterprise,
        scope: Scope::Enterprise { enterprise: enterprises[0].id },
        certificate_no: None,
    };
    let raised_at = Utc::now() - Duration::hours(1);
    let alarm = Alarm {
        id: AlarmId(id(40)),
        enterprise: enterprises[1].id,
        kind: AlarmKind::Exceedance,
        monitoring_point: "废水总排口".into(),
        pollutant: "总磷".into(),
        value: 0.56,
        limit: 0.5,
        unit: "mg/L".into(),
        averaging: Averaging::Daily,
        level: Severity::General,
        state: AlarmState::Dispatched,
        raised_at,
        respond_by: raised_at + Duration::hours(48),
        squadron: Some(squadron.id),
        assignee: Some(zhang.id),
    };
    let task = RectificationTask {
        id: TaskId(id(50)),
        enterprise: enterprises[0].id,
        township: enterprises[0].township,
        inspection: InspectionId(id(51)),
        finding: FindingId(id(52)),
        severity: Severity::General,
        requirement: "危险废物贮存设施标志缺失，限期设置 / post the storage-facility sign".into(),
        issued_by: zhang.id,
        issued_at: raised_at,
        deadline: raised_at + Duration::days(30),
        state: TaskState::Issued,
        case_review: false,
        legal_basis: Vec::new(),
    };

    let mut records: Vec<Record> = towns.iter().cloned().map(Record::Township).collect();
    records.push(Record::Squadron(squadron));
    records.extend([&zhang, &li, &enterprise_user].map(|u| Record::User(u.clone())));
    records.extend(enterprises.iter().cloned().map(Record::Enterprise));
    records.push(Record::Alarm(alarm.clone()));
    records.push(Record::Task(task.clone()));
    let changes = (1u64..)
        .zip(records)
        .map(|(cursor, record)| Change { cursor, op: ChangeOp::Upsert { record: Box::new(record) } })
        .collect::<Vec<_>>();
    let cursor = changes.len() as u64 + 1;
    let store = &client.shared().store;
    store.apply_pull(&PullResponse { changes, cursor, has_more: false, reset: false, wipe: false })?;
    store.sign_in(match user {
        DemoUser::Officer => &zhang,
        DemoUser::Enterprise => &enterprise_user,
    })?;
    Ok(DemoCounty {
        officer: zhang.id.0,
        officer_name: zhang.name,
        officer_certificate: zhang.certificate_no.unwrap_or_default(),
        colleague: li.id.0,
        colleague_name: li.name,
        colleague_certificate: li.certificate_no.unwrap_or_default(),
        enterprise_user: enterprise_user.id.0,
        enterprises: enterprises.iter().map(|e| e.id.0).collect(),
        alarm: alarm.id.0,
        task: task.id.0,
    })
}
