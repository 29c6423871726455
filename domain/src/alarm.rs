//! Online-monitoring alarms (在线监测报警): raised by the monitoring side, graded and dispatched by the
//! command centre, answered on site, closed with feedback.

use super::DomainError;
use super::finding::Severity;
use super::ids::{AlarmId, EnterpriseId, SquadronId, UserId};
use super::organisation::{EnterpriseFlags, Role};
use super::transition::{Transition, apply};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// What the monitoring platform saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlarmKind {
    /// 小时/日均值超标
    Exceedance,
    /// 数据缺失/断线
    DataMissing,
    /// 恒值/零值等异常
    ConstantOrZero,
    /// 治污设施运行异常
    FacilityAbnormal,
    /// 总量预警
    TotalQuota,
}

impl AlarmKind {
    pub fn label(self) -> super::text::Text {
        use super::text::Text;
        match self {
            AlarmKind::Exceedance => Text::new("超标", "exceedance"),
            AlarmKind::DataMissing => Text::new("数据缺失", "data missing"),
            AlarmKind::ConstantOrZero => Text::new("恒值/零值", "constant or zero"),
            AlarmKind::FacilityAbnormal => Text::new("设施异常", "facility abnormal"),
            AlarmKind::TotalQuota => Text::new("总量预警", "total quota"),
        }
    }
}

/// Averaging window of the value that triggered the alarm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Averaging {
    Hourly,
    Daily,
}

impl Averaging {
    pub fn label(self) -> super::text::Text {
        match self {
            Averaging::Hourly => super::text::Text::new("小时均值", "hourly mean"),
            Averaging::Daily => super::text::Text::new("日均值", "daily mean"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlarmState {
    /// 报警
    Raised,
    /// 已派单
    Dispatched,
    /// 现场核查中
    OnSite,
    /// 已闭环 (final)
    Closed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlarmAction {
    /// Send officers of the covering squadron.
    Dispatch,
    /// An officer reports arrival on site.
    Arrive,
    /// Close with feedback (on site) or without dispatch (minor: notices only).
    Close,
}

use AlarmAction::*;
use AlarmState::*;
use Role::*;

/// The alarm state machine: the only place its rules live.
pub const ALARM_TRANSITIONS: &[Transition<AlarmState, AlarmAction>] = &[
    Transition { action: Dispatch, from: &[Raised], to: Dispatched, roles: &[Commander] },
    Transition { action: Arrive, from: &[Dispatched], to: OnSite, roles: &[Officer] },
    Transition { action: Close, from: &[Raised, OnSite], to: Closed, roles: &[Officer, Township, Commander] },
];

impl AlarmState {
    /// Every state, in lifecycle order.
    pub const ALL: [AlarmState; 4] = [Raised, Dispatched, OnSite, Closed];

    /// The state after `action` by `role`. Who may close from which state is narrowed further by
    /// [`Alarm::check_close`].
    pub fn after(self, action: AlarmAction, role: Role) -> Result<AlarmState, DomainError> {
        apply("alarm", ALARM_TRANSITIONS, self, action, role)
    }

    /// Whether the alarm is still open (not closed): on the map, in the dashboard's count, in open-only lists.
    pub fn is_open(self) -> bool {
        self != Closed
    }

    /// Whether a response is awaited (raised or dispatched): the response limit runs.
    pub fn awaits_response(self) -> bool {
        matches!(self, Raised | Dispatched)
    }

    /// Whether the response limit has passed at `now` for an alarm in this state due by `respond_by`.
    pub fn past_limit(self, respond_by: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        self.awaits_response() && respond_by < now
    }

    pub fn label(self) -> super::text::Text {
        use super::text::Text;
        match self {
            Raised => Text::new("待研判", "raised"),
            Dispatched => Text::new("已派单", "dispatched"),
            OnSite => Text::new("现场核查", "on site"),
            Closed => Text::new("已闭环", "closed"),
        }
    }
}

/// How long a response may take, by enterprise class (configurable per county).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResponseLimits {
    pub key_unit_hours: u32,
    pub other_hours: u32,
}

impl Default for ResponseLimits {
    /// Jiangsu's practice: 4 h for key discharge units, 48 h otherwise.
    fn default() -> Self {
        Self { key_unit_hours: 4, other_hours: 48 }
    }
}

impl ResponseLimits {
    pub fn deadline(&self, raised_at: DateTime<Utc>, flags: EnterpriseFlags) -> DateTime<Utc> {
        let hours = if flags.is_key_unit() { self.key_unit_hours } else { self.other_hours };
        super::deadline::after_hours(raised_at, hours)
    }
}

/// An alarm about one pollutant at one monitoring point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alarm {
    pub id: AlarmId,
    pub enterprise: EnterpriseId,
    pub kind: AlarmKind,
    pub monitoring_point: String,
    pub pollutant: String,
    pub value: f64,
    pub limit: f64,
    pub unit: String,
    pub averaging: Averaging,
    pub level: Severity,
    pub state: AlarmState,
    pub raised_at: DateTime<Utc>,
    /// When the on-site response is due.
    pub respond_by: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub squadron: Option<SquadronId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<UserId>,
}

/// 超标倍数 as GB/HJ practice defines it: (measured − limit) / limit; zero or below means no exceedance.
pub fn exceedance_multiple(value: f64, limit: f64) -> Option<f64> {
    (limit > 0.0 && value.is_finite()).then(|| (value - limit) / limit)
}

/// 超标倍数 exactly, from the values as written on the wire (see `supervision::monitoring::decimal_of`).
pub fn exact_multiple(value: f64, limit: f64) -> Option<rust_decimal::Decimal> {
    use super::supervision::monitoring::{decimal_of, exceedance};
    exceedance(decimal_of(value)?, decimal_of(limit)?)
}

/// The grade the command centre starts from; it may regrade.
pub fn suggested_level(kind: AlarmKind, value: f64, limit: f64) -> Severity {
    match kind {
        // In decimal, so 0.6 over 0.5 is exactly 0.2 (general), not 0.19999999999999996 (minor).
        AlarmKind::Exceedance => match exact_multiple(value, limit) {
            Some(m) if m >= rust_decimal::Decimal::ONE => Severity::Serious,
            Some(m) if m >= rust_decimal::Decimal::new(2, 1) => Severity::General,
            _ => Severity::Minor,
        },
        AlarmKind::FacilityAbnormal => Severity::General,
        AlarmKind::DataMissing | AlarmKind::ConstantOrZero | AlarmKind::TotalQuota => Severity::Minor,
    }
}

impl Alarm {
    /// What `role` may do with this alarm now (the buttons to show): the state machine's actions,
    /// closing narrowed by [`Alarm::check_close`].
    pub fn actions_for(&self, role: Role) -> Vec<AlarmAction> {
        ALARM_TRANSITIONS
            .iter()
            .map(|t| t.action)
            .filter(|a| self.state.after(*a, role).is_ok())
            .filter(|a| *a != Close || self.check_close(role).is_ok())
            .collect()
    }

    /// Minor alarms may be closed without dispatch (notices only) by a township office or the command
    /// centre; a dispatched alarm is closed on site by an officer or by the command centre.
    pub fn check_close(&self, role: Role) -> Result<(), DomainError> {
        let ok = match (self.state, role) {
            (Raised, Township) => self.level == Severity::Minor,
            (Raised, Commander) => true,
            (OnSite, Officer | Commander) => true,
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(DomainError::RoleMayNot { entity: "alarm", action: format!("close while {:?}", self.state), role })
        }
    }

    /// Three-level linkage for alarms: grading always notifies the enterprise and its township office
    /// (see [`Severity::linkage`]); a serious alarm is also dispatched to enforcement at once.
    pub fn dispatches_on_grading(level: Severity) -> bool {
        level == Severity::Serious
    }

    /// This alarm's exceedance multiple; only an exceedance alarm has one.
    pub fn exceedance_multiple(&self) -> Option<f64> {
        (self.kind == AlarmKind::Exceedance).then(|| exceedance_multiple(self.value, self.limit)).flatten()
    }

    /// Time left to respond while a response is awaited (raised or dispatched); negative once overdue.
    /// 超标倍数 exactly (exceedance alarms only).
    pub fn exact_multiple(&self) -> Option<rust_decimal::Decimal> {
        (self.kind == AlarmKind::Exceedance).then(|| exact_multiple(self.value, self.limit)).flatten()
    }

    pub fn time_left(&self, now: DateTime<Utc>) -> Option<Duration> {
        self.state.awaits_response().then(|| self.respond_by - now)
    }

    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.state.past_limit(self.respond_by, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_actions_offered_are_exactly_those_the_rules_allow() {
        let roles = [Officer, Township, Enterprise, Commander];
        let actions = [Dispatch, Arrive, Close];
        for state in AlarmState::ALL {
            for level in [Severity::Minor, Severity::General, Severity::Serious] {
                for role in roles {
                    let alarm = Alarm { state, level, ..sample() };
                    let offered = alarm.actions_for(role);
                    for action in actions {
                        let allowed = alarm.state.after(action, role).is_ok()
                            && (action != Close || alarm.check_close(role).is_ok());
                        assert_eq!(offered.contains(&action), allowed, "{state:?} {level:?} {role:?} {action:?}");
                    }
                }
            }
        }
        let on_site = Alarm { state: OnSite, ..sample() };
        assert_eq!(on_site.actions_for(Officer), vec![Close]);
        assert_eq!(Alarm { state: Dispatched, ..sample() }.actions_for(Officer), vec![Arrive]);
    }

    #[test]
    fn total_phosphorus_example() {
        // TP daily mean 0.56 mg/L over a 0.5 limit: 0.12 times over, a minor exceedance.
        let m = exceedance_multiple(0.56, 0.5).unwrap();
        assert!((m - 0.12).abs() < 1e-9);
        assert_eq!(suggested_level(AlarmKind::Exceedance, 0.56, 0.5), Severity::Minor);
        assert_eq!(suggested_level(AlarmKind::Exceedance, 0.7, 0.5), Severity::General);
        assert_eq!(suggested_level(AlarmKind::Exceedance, 0.6, 0.5), Severity::General, "exactly 0.2");
        assert_eq!(exact_multiple(0.56, 0.5).map(|m| m.to_string()), Some("0.12".into()));
        assert_eq!(suggested_level(AlarmKind::Exceedance, 1.0, 0.5), Severity::Serious);
        assert_eq!(exceedance_multiple(1.0, 0.0), None);
    }

    fn sample() -> Alarm {
        let t = DateTime::parse_from_rfc3339("2026-11-29T01:00:00Z").unwrap().with_timezone(&Utc);
        Alarm {
            id: AlarmId::new(),
            enterprise: EnterpriseId::new(),
            kind: AlarmKind::Exceedance,
            monitoring_point: "outlet".into(),
            pollutant: "TP".into(),
            value: 0.56,
            limit: 0.5,
            unit: "mg/L".into(),
            averaging: Averaging::Daily,
            level: Severity::Minor,
            state: Raised,
            raised_at: t,
            respond_by: t + Duration::hours(4),
            squadron: None,
            assignee: None,
        }
    }

    #[test]
    fn time_left_and_multiple_are_the_alarms_own() {
        let mut a = sample();
        let t = a.raised_at;
        assert!((a.exceedance_multiple().unwrap() - 0.12).abs() < 1e-9);
        assert_eq!(a.time_left(t + Duration::hours(1)), Some(Duration::hours(3)));
        assert!(!a.is_overdue(a.respond_by));
        assert!(a.is_overdue(t + Duration::hours(5)));
        a.state = OnSite;
        assert_eq!(a.time_left(t + Duration::hours(5)), None);
        assert!(!a.is_overdue(t + Duration::hours(5)));
        a.kind = AlarmKind::DataMissing;
        assert_eq!(a.exceedance_multiple(), None);
    }

    #[test]
    fn every_state_is_listed() {
        for t in ALARM_TRANSITIONS {
            assert!(AlarmState::ALL.contains(&t.to) && t.from.iter().all(|s| AlarmState::ALL.contains(s)));
        }
    }

    #[test]
    fn response_limit_depends_on_class() {
        let t = DateTime::parse_from_rfc3339("2026-11-29T01:00:00Z").unwrap().with_timezone(&Utc);
        let limits = ResponseLimits::default();
        let key = EnterpriseFlags { key_discharger: true, ..Default::default() };
        assert_eq!(limits.deadline(t, key) - t, Duration::hours(4));
        assert_eq!(limits.deadline(t, EnterpriseFlags::default()) - t, Duration::hours(48));
        // A raise time at the end of the calendar (the monitoring feed names it) saturates, not panics.
        assert_eq!(limits.deadline(DateTime::<Utc>::MAX_UTC, key), DateTime::<Utc>::MAX_UTC);
    }

    fn any_action() -> impl Strategy<Value = AlarmAction> {
        prop_oneof![Just(Dispatch), Just(Arrive), Just(Close)]
    }

    fn any_role() -> impl Strategy<Value = Role> {
        prop_oneof![Just(Officer), Just(Township), Just(Enterprise), Just(Commander)]
    }

    proptest! {
        /// Enterprises never move an alarm; only the command centre dispatches; arrival needs a
        /// dispatch; closed is final.
        #[test]
        fn no_sequence_breaks_the_rules(steps in proptest::collection::vec((any_action(), any_role()), 0..30)) {
            let mut state = Raised;
            for (action, role) in steps {
                if let Ok(next) = state.after(action, role) {
                    prop_assert_ne!(role, Enterprise);
                    prop_assert_ne!(state, Closed);
                    match next {
                        Dispatched => { prop_assert_eq!(role, Commander); prop_assert_eq!(state, Raised); }
                        OnSite => prop_assert_eq!(state, Dispatched),
                        Closed => prop_assert!(matches!(state, Raised | OnSite)),
                        Raised => prop_assert!(false),
                    }
                    state = next;
                }
            }
        }
    }
}
