//! Each record's row in the table that indexes it, derived in one place: the typed row of an alarm, a
//! task or an inspection (`db::tables`: what the lists, supervision, the map and the dashboard filter and
//! count by) or of an enterprise or a user (`db::registers`: what their lists filter and page by). Every
//! row carries the record's change-log keys, which scope a list as a pull is scoped. `records::save` calls
//! [`index`] in the record's own transaction; [`rebuild`] fills the tables from the records after a
//! migration that adds or changes them.

use crate::db::registers;
use crate::db::tables::{self, AlarmRow, InspectionRow, ListColumns, TaskRow};
use crate::db::{Keys, StoreError, Tx};
use crate::records;
use fieldcheck_domain::alarm::Alarm;
use fieldcheck_domain::finding::Severity;
use fieldcheck_domain::organisation::{Enterprise, Scope, User};
use fieldcheck_domain::rectification::RectificationTask;
use fieldcheck_protocol::{Entity, Record, SubmittedInspection};

pub fn alarm_row(a: &Alarm, list: ListColumns) -> AlarmRow {
    AlarmRow {
        id: a.id.to_string(),
        enterprise: a.enterprise.to_string(),
        township: list.keys.township.clone(),
        squadron: a.squadron.map(|s| s.to_string()),
        level: a.level,
        state: a.state,
        raised_at: a.raised_at,
        respond_by: a.respond_by,
        list,
    }
}

pub fn task_row(t: &RectificationTask, list: ListColumns) -> TaskRow {
    TaskRow {
        id: t.id.to_string(),
        enterprise: t.enterprise.to_string(),
        township: t.township.to_string(),
        inspection: t.inspection.to_string(),
        severity: t.severity,
        state: t.state,
        issued_at: t.issued_at,
        deadline: t.deadline,
        list,
    }
}

pub fn inspection_row(s: &SubmittedInspection, list: ListColumns) -> InspectionRow {
    let i = &s.inspection;
    let found = |severity| s.findings.iter().filter(|f| f.severity == severity).count() as u32;
    InspectionRow {
        id: i.id.to_string(),
        enterprise: i.enterprise.to_string(),
        township: list.keys.township.clone(),
        kind: i.kind,
        state: i.state,
        started_at: i.started_at,
        ended_at: i.ended_at,
        visited_at: i.ended_at.or(i.started_at),
        findings: [Severity::Minor, Severity::General, Severity::Serious].map(found),
        list,
    }
}

pub fn enterprise_row(e: &Enterprise, keys: &Keys) -> registers::EnterpriseRow {
    registers::EnterpriseRow {
        id: e.id.to_string(),
        name: e.name.clone(),
        credit_code: e.credit_code.to_string(),
        township: e.township.to_string(),
        key_discharger: e.flags.key_discharger,
        key_hazardous_waste_unit: e.flags.key_hazardous_waste_unit,
        hazardous_waste_producer: e.flags.hazardous_waste_producer,
        search: format!("{} {} {}", e.name, e.credit_code, e.address).to_lowercase(),
        keys: keys.clone(),
    }
}

pub fn user_row(u: &User, keys: &Keys) -> registers::UserRow {
    registers::UserRow {
        id: u.id.to_string(),
        login: u.login.clone(),
        name: u.name.clone(),
        role: u.role,
        squadron: match &u.scope {
            Scope::Squadron { squadron } => Some(squadron.to_string()),
            _ => None,
        },
        search: format!("{} {}", u.name, u.login).to_lowercase(),
        keys: keys.clone(),
    }
}

/// What a typed row of `record` carries for the lists: its change-log `keys` and its search text.
pub fn list_columns(tx: &mut dyn Tx, record: &Record, keys: &Keys) -> Result<ListColumns, StoreError> {
    Ok(ListColumns { keys: keys.clone(), search: crate::lists::search_text(tx, record)? })
}

/// Keeps a saved record's typed row (alarms, tasks, inspections, enterprises, users).
pub fn index(tx: &mut dyn Tx, record: &Record, keys: &Keys) -> Result<(), StoreError> {
    let list = |tx: &mut dyn Tx| list_columns(tx, record, keys);
    match record {
        Record::Alarm(a) => {
            let row = alarm_row(a, list(tx)?);
            tables::put_alarm(tx, &row)
        }
        Record::Task(t) => {
            let row = task_row(t, list(tx)?);
            tables::put_task(tx, &row)
        }
        Record::Inspection(s) => {
            let row = inspection_row(s, list(tx)?);
            tables::put_inspection(tx, &row)
        }
        Record::Enterprise(e) => registers::put_enterprise(tx, &enterprise_row(e, keys)),
        Record::User(u) => registers::put_user(tx, &user_row(u, keys)),
        _ => Ok(()),
    }
}

/// Writes every indexed record's rows from the stored records.
pub fn rebuild(tx: &mut dyn Tx) -> Result<(), StoreError> {
    for entity in [Entity::Alarm, Entity::Task, Entity::Inspection, Entity::Enterprise, Entity::User] {
        for data in tx.list(entity)? {
            let record = records::record(entity, &data)?;
            let keys = records::keys(tx, &record)?;
            index(tx, &record, &keys)?;
        }
    }
    tx.set_rows_built()
}
