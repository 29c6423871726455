//! The registers: enterprises and users as typed tables, with what the lists filter by as indexed
//! columns (an enterprise's township, class flags and credit code; a user's role and squadron), and the
//! devices table's list (state and last seen). Each enterprise's and user's row is derived once
//! (`crate::tables`) and written in the record's own transaction; the rows carry the record's change-log
//! keys, so a list is scoped by the same rule as a pull (`listing::visible`).
//!
//! Written once for both back ends, like `db::tables` (`$n` placeholders, run through [`Tables`]).

use super::listing::{ListPage, visible};
use super::tables::{KEY_COLUMNS, KEY_UPDATES, Tables, Value, keys, opt, read_keys, text};
use super::{DeviceRow, Filter, Keys, StoreError, parse_time};
use chrono::{DateTime, Utc};
use fieldcheck_domain::organisation::Role;
use fieldcheck_domain::supervision::class::EnterpriseClass;

/// An enterprise's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnterpriseRow {
    pub id: String,
    pub name: String,
    pub credit_code: String,
    pub township: String,
    pub key_discharger: bool,
    pub key_hazardous_waste_unit: bool,
    pub hazardous_waste_producer: bool,
    /// Lower-case text a search matches in: name, credit code, address.
    pub search: String,
    pub keys: Keys,
}

/// A user's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRow {
    pub id: String,
    pub login: String,
    pub name: String,
    pub role: Role,
    /// An officer's squadron.
    pub squadron: Option<String>,
    /// Lower-case text a search matches in: name, login.
    pub search: String,
    pub keys: Keys,
}

fn flag(b: bool) -> Value {
    Value::Int(i64::from(b))
}

pub fn put_enterprise(tx: &mut (impl Tables + ?Sized), r: &EnterpriseRow) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO enterprises (id, name, credit_code, township, key_discharger, key_hazardous_waste_unit,
             hazardous_waste_producer, search, {KEY_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, credit_code = excluded.credit_code,
             township = excluded.township, key_discharger = excluded.key_discharger,
             key_hazardous_waste_unit = excluded.key_hazardous_waste_unit,
             hazardous_waste_producer = excluded.hazardous_waste_producer, search = excluded.search, {KEY_UPDATES}"
    );
    let mut args = vec![
        text(&r.id),
        text(&r.name),
        text(&r.credit_code),
        text(&r.township),
        flag(r.key_discharger),
        flag(r.key_hazardous_waste_unit),
        flag(r.hazardous_waste_producer),
        text(&r.search),
    ];
    args.extend(keys(&r.keys));
    tx.tables_execute(&sql, &args)
}

pub fn put_user(tx: &mut (impl Tables + ?Sized), r: &UserRow) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO users (id, login, name, role, squadron, search, {KEY_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (id) DO UPDATE SET login = excluded.login, name = excluded.name, role = excluded.role,
             squadron = excluded.squadron, search = excluded.search, {KEY_UPDATES}"
    );
    let mut args = vec![
        text(&r.id),
        text(&r.login),
        text(&r.name),
        text(r.role.as_str()),
        opt(r.squadron.as_deref()),
        text(&r.search),
    ];
    args.extend(keys(&r.keys));
    tx.tables_execute(&sql, &args)
}

/// One page of the enterprises or users register: the filters that apply to it, all optional.
#[derive(Clone, Debug, Default)]
pub struct RegisterQuery {
    pub township: Option<String>,
    /// Rows whose township is one of these (a squadron's area), when set.
    pub townships: Option<Vec<String>>,
    /// Users: an officer's squadron.
    pub squadron: Option<String>,
    /// Enterprises: of this class.
    pub class: Option<EnterpriseClass>,
    /// Enterprises: key units (a key discharger or a key hazardous-waste unit) or not.
    pub key_unit: Option<bool>,
    pub credit_code: Option<String>,
    /// Users: of this role.
    pub role: Option<Role>,
    pub text: Option<String>,
    pub limit: u32,
    pub offset: u64,
}

/// Builds the WHERE clause of a register query: visibility first, then each filter given.
struct Clause {
    wheres: Vec<String>,
    args: Vec<Value>,
}

impl Clause {
    fn new(visibility: &Filter) -> Clause {
        let mut c = Clause { wheres: Vec::new(), args: Vec::new() };
        let mut bind = |v: String| {
            c.args.push(Value::Text(Some(v)));
            format!("${}", c.args.len())
        };
        if let Some(w) = visible(visibility, "", &mut bind) {
            c.wheres.push(w);
        }
        c
    }

    fn bind(&mut self, v: Value) -> String {
        self.args.push(v);
        format!("${}", self.args.len())
    }

    fn equal(&mut self, column: &str, v: Option<&str>) {
        if let Some(v) = v {
            let p = self.bind(text(v));
            self.wheres.push(format!("{column} = {p}"));
        }
    }

    fn one_of(&mut self, column: &str, values: Option<&[String]>) {
        if let Some(values) = values {
            let places: Vec<String> = values.iter().map(|v| self.bind(text(v))).collect();
            let list = if places.is_empty() { "NULL".to_string() } else { places.join(", ") };
            self.wheres.push(format!("{column} IN ({list})"));
        }
    }

    fn containing(&mut self, needle: Option<&str>) {
        if let Some(needle) = needle.map(str::trim).filter(|t| !t.is_empty()) {
            let escaped = needle.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            let p = self.bind(text(&format!("%{escaped}%")));
            self.wheres.push(format!("search LIKE {p} ESCAPE '\\'"));
        }
    }

    /// The count and the page, ordered by name then id.
    fn page(
        mut self,
        tx: &mut (impl Tables + ?Sized),
        table: &str,
        limit: u32,
        offset: u64,
    ) -> Result<ListPage, StoreError> {
        let filter = if self.wheres.is_empty() { "1 = 1".to_string() } else { self.wheres.join(" AND ") };
        let count = format!("SELECT COUNT(*) FROM {table} WHERE {filter}");
        let total = tx.tables_query_values(&count, &self.args, 0)?.first().and_then(|(_, i)| i.first().copied());
        let (l, o) =
            (self.bind(Value::Int(i64::from(limit))), self.bind(Value::Int(offset.min(i64::MAX as u64) as i64)));
        let sql = format!("SELECT id FROM {table} WHERE {filter} ORDER BY name, id LIMIT {l} OFFSET {o}");
        let ids = tx
            .tables_query_values(&sql, &self.args, 1)?
            .into_iter()
            .filter_map(|(t, _)| t.into_iter().next().flatten());
        Ok(ListPage { total: total.unwrap_or(0).max(0) as u64, ids: ids.collect() })
    }
}

/// One page of the enterprises `visibility` lets the caller see, by name.
pub fn enterprise_page(
    tx: &mut (impl Tables + ?Sized),
    q: &RegisterQuery,
    visibility: &Filter,
) -> Result<ListPage, StoreError> {
    let mut c = Clause::new(visibility);
    c.equal("township", q.township.as_deref());
    c.one_of("township", q.townships.as_deref());
    c.equal("credit_code", q.credit_code.as_deref());
    match q.class {
        Some(EnterpriseClass::KeyDischarger) => c.wheres.push("key_discharger = 1".into()),
        Some(EnterpriseClass::KeyHazardousWasteUnit) => c.wheres.push("key_hazardous_waste_unit = 1".into()),
        Some(EnterpriseClass::HazardousWasteProducer) => c.wheres.push("hazardous_waste_producer = 1".into()),
        Some(EnterpriseClass::Ordinary) => {
            c.wheres.push("key_discharger = 0 AND key_hazardous_waste_unit = 0 AND hazardous_waste_producer = 0".into())
        }
        None => {}
    }
    match q.key_unit {
        Some(true) => c.wheres.push("(key_discharger = 1 OR key_hazardous_waste_unit = 1)".into()),
        Some(false) => c.wheres.push("key_discharger = 0 AND key_hazardous_waste_unit = 0".into()),
        None => {}
    }
    c.containing(q.text.as_deref());
    c.page(tx, "enterprises", q.limit, q.offset)
}

/// One page of the users `visibility` lets the caller see, by name.
pub fn user_page(
    tx: &mut (impl Tables + ?Sized),
    q: &RegisterQuery,
    visibility: &Filter,
) -> Result<ListPage, StoreError> {
    let mut c = Clause::new(visibility);
    c.equal("role", q.role.map(Role::as_str));
    c.equal("squadron", q.squadron.as_deref());
    c.containing(q.text.as_deref());
    c.page(tx, "users", q.limit, q.offset)
}

/// A device's state, as the devices list filters it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeviceState {
    /// Its token works.
    SignedIn,
    /// Signed out by the command centre (or wiped).
    Revoked,
    /// Its token ran out without a new sign-in.
    Expired,
}

impl DeviceState {
    pub fn label(self) -> fieldcheck_domain::text::Text {
        use fieldcheck_domain::text::Text;
        match self {
            DeviceState::SignedIn => Text::new("在用", "signed in"),
            DeviceState::Revoked => Text::new("已吊销", "revoked"),
            DeviceState::Expired => Text::new("已过期", "expired"),
        }
    }

    pub fn of(d: &DeviceRow, now: DateTime<Utc>) -> DeviceState {
        match (d.revoked_at, d.expires_at < now) {
            (Some(_), _) => DeviceState::Revoked,
            (None, true) => DeviceState::Expired,
            (None, false) => DeviceState::SignedIn,
        }
    }
}

/// A device with its user's name and login (the users register, joined).
#[derive(Clone, Debug)]
pub struct DeviceWithUser {
    pub device: DeviceRow,
    pub user_name: Option<String>,
    pub user_login: Option<String>,
}

fn device_time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Devices in `state` (all when `None`) as of `now`, the most recently seen first: the total and one page.
pub fn device_page(
    tx: &mut (impl Tables + ?Sized),
    state: Option<DeviceState>,
    now: DateTime<Utc>,
    limit: u32,
    offset: u64,
) -> Result<(u64, Vec<DeviceWithUser>), StoreError> {
    let now = text(&device_time(&now));
    let (filter, mut args) = match state {
        None => ("1 = 1", vec![]),
        Some(DeviceState::SignedIn) => ("d.revoked_at IS NULL AND d.expires_at >= $1", vec![now]),
        Some(DeviceState::Revoked) => ("d.revoked_at IS NOT NULL", vec![]),
        Some(DeviceState::Expired) => ("d.revoked_at IS NULL AND d.expires_at < $1", vec![now]),
    };
    let count = format!("SELECT COUNT(*) FROM devices d WHERE {filter}");
    let total = tx.tables_query_values(&count, &args, 0)?.first().and_then(|(_, i)| i.first().copied()).unwrap_or(0);
    let (l, o) = (args.len() + 1, args.len() + 2);
    args.push(Value::Int(i64::from(limit)));
    args.push(Value::Int(offset.min(i64::MAX as u64) as i64));
    let sql = format!(
        "SELECT d.id, d.user_id, d.issued_at, d.expires_at, d.revoked_at, d.last_seen,
             CAST(d.clock_skew_ms AS TEXT), u.name, u.login
         FROM devices d LEFT JOIN users u ON u.id = d.user_id
         WHERE {filter}
         ORDER BY d.last_seen IS NULL, d.last_seen DESC, d.id LIMIT ${l} OFFSET ${o}"
    );
    let mut out = Vec::new();
    for (t, _) in tx.tables_query_values(&sql, &args, 9)? {
        let mut t = t.into_iter();
        let mut next = || t.next().flatten();
        let (id, user, issued, expires, revoked, seen, skew) = (next(), next(), next(), next(), next(), next(), next());
        let time = |s: Option<String>| parse_time(&s.unwrap_or_default());
        let device = DeviceRow {
            id: id.unwrap_or_default(),
            user: user.unwrap_or_default(),
            token_hash: String::new(),
            issued_at: time(issued)?,
            expires_at: time(expires)?,
            revoked_at: revoked.map(|s| parse_time(&s)).transpose()?,
            last_seen: seen.map(|s| parse_time(&s)).transpose()?,
            clock_skew_ms: skew
                .map(|s| s.parse().map_err(|_| StoreError::Corrupt(format!("clock skew {s}"))))
                .transpose()?,
        };
        out.push(DeviceWithUser { device, user_name: next(), user_login: next() });
    }
    Ok((total.max(0) as u64, out))
}

/// Every enterprise's and user's row, each ordered by id (for checking them against the records).
pub fn all_rows(tx: &mut (impl Tables + ?Sized)) -> Result<(Vec<EnterpriseRow>, Vec<UserRow>), StoreError> {
    let mut enterprises = Vec::new();
    let sql = format!(
        "SELECT id, name, credit_code, township, search, {KEY_COLUMNS}, key_discharger, key_hazardous_waste_unit,
             hazardous_waste_producer FROM enterprises ORDER BY id"
    );
    for (t, i) in tx.tables_query_values(&sql, &[], 10)? {
        let mut t = t.into_iter();
        let (id, name, credit_code, township, search) = (t.next(), t.next(), t.next(), t.next(), t.next());
        enterprises.push(EnterpriseRow {
            id: id.flatten().unwrap_or_default(),
            name: name.flatten().unwrap_or_default(),
            credit_code: credit_code.flatten().unwrap_or_default(),
            township: township.flatten().unwrap_or_default(),
            search: search.flatten().unwrap_or_default(),
            keys: read_keys(&mut t)?,
            key_discharger: i.first() == Some(&1),
            key_hazardous_waste_unit: i.get(1) == Some(&1),
            hazardous_waste_producer: i.get(2) == Some(&1),
        });
    }
    let mut users = Vec::new();
    let sql = format!("SELECT id, login, name, role, squadron, search, {KEY_COLUMNS} FROM users ORDER BY id");
    for (t, _) in tx.tables_query_values(&sql, &[], 11)? {
        let mut t = t.into_iter();
        let (id, login, name, role, squadron, search) = (t.next(), t.next(), t.next(), t.next(), t.next(), t.next());
        let role = role.flatten().unwrap_or_default();
        users.push(UserRow {
            id: id.flatten().unwrap_or_default(),
            login: login.flatten().unwrap_or_default(),
            name: name.flatten().unwrap_or_default(),
            role: role.parse().map_err(|_| StoreError::Corrupt(format!("role {role}")))?,
            squadron: squadron.flatten(),
            search: search.flatten().unwrap_or_default(),
            keys: read_keys(&mut t)?,
        });
    }
    Ok((enterprises, users))
}
