//! Who sees what: the one definition. A record carries [`ScopeKeys`] (who it is about: its audience, its
//! enterprise, township, squadron and the one user it is addressed to); a caller's [`Visibility`] is a
//! [`PullFilter`] over those keys. `sees_*` are that filter applied to a record's keys, the platform
//! writes each change-log entry with the same keys, and each back end's SQL of the pull filter must
//! select exactly what [`PullFilter::admits`] says (`platform/tests/it/visibility.rs` checks both back ends
//! against this module on generated counties).
//!
//! In words: everyone signed in sees public records (townships, squadrons, checklists); an enterprise sees
//! only the shared records of its own enterprise (never inspections or officers' notes); a township office
//! sees every record of its townships; an officer sees its squadron's townships plus what was dispatched
//! to its squadron or is addressed to it (tasks it issued, alarms assigned to it, its inspections, its
//! photos' original requests, its own user record); the command centre sees everything. A role whose
//! scope does not fit it sees public records only.
//!
//! Departures (the tombstones an enterprise's move leaves in its old township) carry keys like any other
//! entry; the command centre's pull skips them, because it sees every record where it is now.

use super::alarm::Alarm;
use super::ids::{EnterpriseId, SquadronId, TownshipId, UserId};
use super::inspection::Inspection;
use super::notice::Notice;
use super::organisation::{Enterprise, Role, Scope, Squadron, User};
use super::rectification::RectificationTask;
use super::supervision::assignment::Assignment;
use super::supervision::grid::Grid;
use std::collections::BTreeSet;

/// Who may see a record besides the command centre.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Audience {
    /// Everyone signed in (townships, squadrons, checklists).
    Public,
    /// The enterprise named in the keys, and enforcement in scope.
    Shared,
    /// Enforcement in scope only, never an enterprise (inspections, officers' notes, users).
    Internal,
}

impl Audience {
    /// The name the change log stores.
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Public => "public",
            Audience::Shared => "shared",
            Audience::Internal => "internal",
        }
    }
}

/// What a record is about, as far as seeing it goes: the keys each change-log entry is written with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ScopeKeys {
    pub audience: Audience,
    pub enterprise: Option<EnterpriseId>,
    pub township: Option<TownshipId>,
    pub squadron: Option<SquadronId>,
    /// The one user the record is addressed to (a task's issuer, an alarm's assignee, an inspection's
    /// author, an original request's officer, a user's own record).
    pub assignee: Option<UserId>,
}

impl ScopeKeys {
    /// Townships, squadrons, checklist templates.
    pub fn public() -> Self {
        ScopeKeys { audience: Audience::Public, enterprise: None, township: None, squadron: None, assignee: None }
    }

    /// Internal, with no key: the command centre only (e.g. a task event whose task is unknown).
    pub fn command_centre_only() -> Self {
        ScopeKeys { audience: Audience::Internal, ..Self::public() }
    }

    /// Internal and addressed to one user only (and the command centre): an original request.
    pub fn addressed_to(user: UserId) -> Self {
        ScopeKeys { assignee: Some(user), ..Self::command_centre_only() }
    }

    fn shared(enterprise: EnterpriseId, township: Option<TownshipId>) -> Self {
        ScopeKeys { audience: Audience::Shared, enterprise: Some(enterprise), township, squadron: None, assignee: None }
    }

    /// A user record: internal (an enterprise's own users are shared with that enterprise); seen by the
    /// user itself and, for an officer, by its squadron.
    pub fn user(u: &User) -> Self {
        match &u.scope {
            Scope::Enterprise { enterprise } => ScopeKeys { assignee: Some(u.id), ..Self::shared(*enterprise, None) },
            Scope::Squadron { squadron } => {
                ScopeKeys { squadron: Some(*squadron), assignee: Some(u.id), ..Self::command_centre_only() }
            }
            Scope::Townships { .. } | Scope::County => Self::addressed_to(u.id),
        }
    }

    pub fn enterprise(e: &Enterprise) -> Self {
        Self::enterprise_in(e.id, e.township)
    }

    /// An enterprise known by its id and township alone.
    pub fn enterprise_in(enterprise: EnterpriseId, township: TownshipId) -> Self {
        Self::shared(enterprise, Some(township))
    }

    /// `township`: the inspected enterprise's township (`None` when the enterprise is unknown).
    pub fn inspection(i: &Inspection, township: Option<TownshipId>) -> Self {
        ScopeKeys {
            audience: Audience::Internal,
            enterprise: Some(i.enterprise),
            township,
            squadron: None,
            assignee: Some(i.created_by),
        }
    }

    pub fn task(t: &RectificationTask) -> Self {
        ScopeKeys { assignee: Some(t.issued_by), ..Self::shared(t.enterprise, Some(t.township)) }
    }

    /// A task's event: the task's keys; an event whose task is unknown is the command centre's only.
    pub fn task_event(task: Option<&RectificationTask>) -> Self {
        task.map_or_else(Self::command_centre_only, Self::task)
    }

    /// `township`: the alarm's enterprise's township (`None` when the enterprise is unknown).
    pub fn alarm(a: &Alarm, township: Option<TownshipId>) -> Self {
        ScopeKeys { squadron: a.squadron, assignee: a.assignee, ..Self::shared(a.enterprise, township) }
    }

    pub fn notice(n: &Notice) -> Self {
        Self::shared(n.enterprise, Some(n.township))
    }

    /// A drawn inspection: its officer only (a random inspection is not announced to the enterprise or
    /// its township office).
    pub fn assignment(a: &Assignment) -> Self {
        Self::addressed_to(a.officer)
    }

    /// A patrol grid: its owner.
    pub fn grid(g: &Grid) -> Self {
        Self::addressed_to(g.owner)
    }
}

/// Which change-log entries a caller reads: what each back end's SQL implements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PullFilter {
    /// The command centre: everything.
    All,
    /// Public entries, and shared entries of this enterprise.
    Enterprise { enterprise: EnterpriseId },
    /// Public entries, and every entry keyed by one of these townships.
    Townships { townships: BTreeSet<TownshipId> },
    /// Public entries, and every entry keyed by one of these townships, by this squadron or addressed to
    /// this user.
    Officer { townships: BTreeSet<TownshipId>, squadron: SquadronId, user: UserId },
}

impl PullFilter {
    /// Whether an entry with `keys` is selected: the meaning of the filter.
    pub fn admits(&self, keys: &ScopeKeys) -> bool {
        if keys.audience == Audience::Public {
            return true;
        }
        let in_towns = |towns: &BTreeSet<TownshipId>| keys.township.is_some_and(|t| towns.contains(&t));
        match self {
            PullFilter::All => true,
            PullFilter::Enterprise { enterprise } => {
                keys.audience == Audience::Shared && keys.enterprise == Some(*enterprise)
            }
            PullFilter::Townships { townships } => in_towns(townships),
            PullFilter::Officer { townships, squadron, user } => {
                in_towns(townships) || keys.squadron == Some(*squadron) || keys.assignee == Some(*user)
            }
        }
    }
}

/// The part of the county a caller sees, resolved from its user and the stored squadrons.
#[derive(Clone, Debug, PartialEq)]
pub struct Visibility {
    pub role: Role,
    pub user: User,
    /// `None`: the whole county.
    pub townships: Option<BTreeSet<TownshipId>>,
    pub squadron: Option<SquadronId>,
    pub enterprise: Option<EnterpriseId>,
}

impl Visibility {
    /// `squadrons`: the stored squadrons (an officer's townships are its squadron's; an unknown squadron
    /// covers none).
    pub fn of(user: &User, squadrons: &[Squadron]) -> Visibility {
        let mut v =
            Visibility { role: user.role, user: user.clone(), townships: None, squadron: None, enterprise: None };
        match (user.role, &user.scope) {
            (Role::Commander, Scope::County) => {}
            (Role::Officer, Scope::Squadron { squadron }) => {
                let found = squadrons.iter().find(|s| s.id == *squadron);
                v.townships = Some(found.map(|s| s.townships.iter().copied().collect()).unwrap_or_default());
                v.squadron = Some(*squadron);
            }
            (Role::Township, Scope::Townships { townships }) => {
                v.townships = Some(townships.iter().copied().collect());
            }
            (Role::Enterprise, Scope::Enterprise { enterprise }) => {
                v.townships = Some(BTreeSet::new());
                v.enterprise = Some(*enterprise);
            }
            // A role with a scope that does not fit it sees public records only.
            _ => v.townships = Some(BTreeSet::new()),
        }
        v
    }

    /// The caller's pull filter; every `sees_*` is this filter applied to the record's keys.
    pub fn pull_filter(&self) -> PullFilter {
        let towns = || self.townships.clone().unwrap_or_default();
        match (self.role, self.enterprise, self.squadron) {
            (Role::Commander, _, _) if self.townships.is_none() => PullFilter::All,
            (Role::Enterprise, Some(enterprise), _) => PullFilter::Enterprise { enterprise },
            (Role::Officer, _, Some(squadron)) => {
                PullFilter::Officer { townships: towns(), squadron, user: self.user.id }
            }
            _ => PullFilter::Townships { townships: towns() },
        }
    }

    /// Whether the caller sees a record with these keys.
    pub fn sees(&self, keys: &ScopeKeys) -> bool {
        self.pull_filter().admits(keys)
    }

    /// The whole county (the command centre).
    pub fn is_county(&self) -> bool {
        self.pull_filter() == PullFilter::All
    }

    pub fn sees_enterprise(&self, e: &Enterprise) -> bool {
        self.sees(&ScopeKeys::enterprise(e))
    }

    pub fn sees_task(&self, t: &RectificationTask) -> bool {
        self.sees(&ScopeKeys::task(t))
    }

    /// `township`: the alarm's enterprise's township.
    pub fn sees_alarm(&self, a: &Alarm, township: TownshipId) -> bool {
        self.sees(&ScopeKeys::alarm(a, Some(township)))
    }

    /// `township`: the inspected enterprise's township, `None` when the enterprise is unknown.
    pub fn sees_inspection(&self, i: &Inspection, township: Option<TownshipId>) -> bool {
        self.sees(&ScopeKeys::inspection(i, township))
    }

    pub fn sees_notice(&self, n: &Notice) -> bool {
        self.sees(&ScopeKeys::notice(n))
    }

    pub fn sees_user(&self, u: &User) -> bool {
        self.sees(&ScopeKeys::user(u))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alarm::{AlarmKind, AlarmState, Averaging};
    use crate::finding::Severity;
    use crate::ids::{AlarmId, FindingId, InspectionId, NoticeId, TaskId};
    use crate::inspection::InspectionKind;
    use crate::notice::NoticeSubject;
    use crate::rectification::TaskState;
    use chrono::{TimeZone, Utc};

    struct County {
        t: [TownshipId; 3],
        squadron: Squadron,
        other_squadron: Squadron,
        e_in: Enterprise,  // in t[0], the squadron's township
        e_out: Enterprise, // in t[2], outside the squadron
    }

    fn enterprise(township: TownshipId) -> Enterprise {
        let credit_code = crate::credit_code::CreditCode::complete("91330784MA2A0000X").expect("credit code");
        serde_json::from_value(serde_json::json!({
            "id": EnterpriseId::new(), "name": "x", "credit_code": credit_code,
            "township": township, "address": "a",
        }))
        .expect("enterprise")
    }

    fn county() -> County {
        let t = [TownshipId::new(), TownshipId::new(), TownshipId::new()];
        County {
            squadron: Squadron { id: SquadronId::new(), name: "一中队".into(), townships: vec![t[0], t[1]] },
            other_squadron: Squadron { id: SquadronId::new(), name: "二中队".into(), townships: vec![t[2]] },
            e_in: enterprise(t[0]),
            e_out: enterprise(t[2]),
            t,
        }
    }

    fn user(role: Role, scope: Scope) -> User {
        User { id: UserId::new(), login: "u".into(), name: "u".into(), role, scope, certificate_no: None }
    }

    fn task(e: &Enterprise, issued_by: UserId) -> RectificationTask {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        RectificationTask {
            id: TaskId::new(),
            enterprise: e.id,
            township: e.township,
            inspection: InspectionId::new(),
            finding: FindingId::new(),
            severity: Severity::General,
            requirement: "r".into(),
            issued_by,
            issued_at: at,
            deadline: at,
            state: TaskState::Issued,
            case_review: false,
            legal_basis: Vec::new(),
        }
    }

    fn alarm(e: &Enterprise, squadron: Option<SquadronId>, assignee: Option<UserId>) -> Alarm {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        Alarm {
            id: AlarmId::new(),
            enterprise: e.id,
            kind: AlarmKind::Exceedance,
            monitoring_point: "p".into(),
            pollutant: "COD".into(),
            value: 2.0,
            limit: 1.0,
            unit: "mg/L".into(),
            averaging: Averaging::Hourly,
            level: Severity::General,
            state: AlarmState::Dispatched,
            raised_at: at,
            respond_by: at,
            squadron,
            assignee,
        }
    }

    fn notice(e: &Enterprise) -> Notice {
        Notice {
            id: NoticeId::new(),
            enterprise: e.id,
            township: e.township,
            subject: NoticeSubject::Finding(FindingId::new()),
            message: "m".into(),
            sent_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            read_at: None,
        }
    }

    fn inspection(e: &Enterprise, by: UserId) -> Inspection {
        Inspection::draft(e.id, InspectionKind::Routine, vec![], by)
    }

    fn squadrons(c: &County) -> Vec<Squadron> {
        vec![c.squadron.clone(), c.other_squadron.clone()]
    }

    #[test]
    fn the_command_centre_sees_everything() {
        let c = county();
        let v = Visibility::of(&user(Role::Commander, Scope::County), &squadrons(&c));
        assert_eq!(v.pull_filter(), PullFilter::All);
        let someone = UserId::new();
        assert!(v.sees_enterprise(&c.e_out) && v.sees_task(&task(&c.e_out, someone)));
        assert!(v.sees_alarm(&alarm(&c.e_out, None, None), c.t[2]));
        assert!(v.sees_inspection(&inspection(&c.e_out, someone), None));
        assert!(v.sees_notice(&notice(&c.e_in)));
        assert!(v.sees_user(&user(Role::Officer, Scope::Squadron { squadron: c.other_squadron.id })));
        assert!(v.sees(&ScopeKeys::command_centre_only()) && v.sees(&ScopeKeys::addressed_to(someone)));
    }

    #[test]
    fn an_officer_sees_its_squadrons_townships_and_what_is_addressed_to_it() {
        let c = county();
        let me = user(Role::Officer, Scope::Squadron { squadron: c.squadron.id });
        let v = Visibility::of(&me, &squadrons(&c));
        assert_eq!(v.townships, Some([c.t[0], c.t[1]].into_iter().collect()));
        let other = UserId::new();
        assert!(v.sees_enterprise(&c.e_in) && !v.sees_enterprise(&c.e_out));
        assert!(v.sees_task(&task(&c.e_in, other)));
        assert!(!v.sees_task(&task(&c.e_out, other)));
        assert!(v.sees_task(&task(&c.e_out, me.id)), "a task it issued, wherever it is");
        assert!(!v.sees_alarm(&alarm(&c.e_out, None, None), c.t[2]));
        assert!(v.sees_alarm(&alarm(&c.e_out, Some(c.squadron.id), None), c.t[2]), "dispatched to its squadron");
        assert!(!v.sees_alarm(&alarm(&c.e_out, Some(c.other_squadron.id), None), c.t[2]));
        assert!(v.sees_alarm(&alarm(&c.e_out, Some(c.other_squadron.id), Some(me.id)), c.t[2]), "assigned to it");
        assert!(v.sees_inspection(&inspection(&c.e_in, other), Some(c.t[0])));
        assert!(!v.sees_inspection(&inspection(&c.e_out, other), Some(c.t[2])));
        assert!(v.sees_inspection(&inspection(&c.e_out, me.id), Some(c.t[2])), "its own inspection");
        assert!(v.sees_notice(&notice(&c.e_in)) && !v.sees_notice(&notice(&c.e_out)));
        assert!(v.sees_user(&me));
        assert!(v.sees_user(&user(Role::Officer, Scope::Squadron { squadron: c.squadron.id })), "its squadron");
        assert!(!v.sees_user(&user(Role::Officer, Scope::Squadron { squadron: c.other_squadron.id })));
        assert!(!v.sees_user(&user(Role::Township, Scope::Townships { townships: vec![c.t[0]] })));
        assert!(v.sees(&ScopeKeys::addressed_to(me.id)) && !v.sees(&ScopeKeys::addressed_to(other)));
        assert!(!v.sees(&ScopeKeys::command_centre_only()));
    }

    #[test]
    fn an_officer_of_an_unknown_squadron_sees_only_what_is_addressed_to_it() {
        let c = county();
        let me = user(Role::Officer, Scope::Squadron { squadron: SquadronId::new() });
        let v = Visibility::of(&me, &squadrons(&c));
        assert_eq!(v.townships, Some(BTreeSet::new()));
        assert!(!v.sees_enterprise(&c.e_in));
        assert!(v.sees_task(&task(&c.e_in, me.id)) && v.sees_user(&me));
    }

    #[test]
    fn a_township_office_sees_its_townships_only() {
        let c = county();
        let me = user(Role::Township, Scope::Townships { townships: vec![c.t[2]] });
        let v = Visibility::of(&me, &squadrons(&c));
        assert!(v.sees_enterprise(&c.e_out) && !v.sees_enterprise(&c.e_in));
        assert!(v.sees_task(&task(&c.e_out, UserId::new())));
        assert!(!v.sees_task(&task(&c.e_in, me.id)), "issuing is no key for a township office");
        assert!(v.sees_alarm(&alarm(&c.e_out, None, None), c.t[2]));
        assert!(!v.sees_alarm(&alarm(&c.e_in, Some(c.squadron.id), Some(me.id)), c.t[0]));
        assert!(v.sees_inspection(&inspection(&c.e_out, UserId::new()), Some(c.t[2])));
        assert!(!v.sees_inspection(&inspection(&c.e_out, UserId::new()), None));
        assert!(v.sees_notice(&notice(&c.e_out)) && !v.sees_notice(&notice(&c.e_in)));
        assert!(!v.sees_user(&me), "user records carry no township");
        assert!(v.sees(&ScopeKeys::public()));
    }

    #[test]
    fn an_enterprise_sees_its_own_shared_records_only() {
        let c = county();
        let me = user(Role::Enterprise, Scope::Enterprise { enterprise: c.e_in.id });
        let v = Visibility::of(&me, &squadrons(&c));
        assert_eq!(v.pull_filter(), PullFilter::Enterprise { enterprise: c.e_in.id });
        assert!(v.sees_enterprise(&c.e_in) && !v.sees_enterprise(&c.e_out));
        assert!(v.sees_task(&task(&c.e_in, UserId::new())) && !v.sees_task(&task(&c.e_out, me.id)));
        assert!(v.sees_alarm(&alarm(&c.e_in, None, None), c.t[0]));
        assert!(!v.sees_alarm(&alarm(&c.e_out, None, Some(me.id)), c.t[2]));
        assert!(!v.sees_inspection(&inspection(&c.e_in, me.id), Some(c.t[0])), "inspections are internal");
        assert!(v.sees_notice(&notice(&c.e_in)) && !v.sees_notice(&notice(&c.e_out)));
        assert!(v.sees_user(&me));
        assert!(v.sees_user(&user(Role::Enterprise, Scope::Enterprise { enterprise: c.e_in.id })));
        assert!(!v.sees_user(&user(Role::Officer, Scope::Squadron { squadron: c.squadron.id })));
        assert!(!v.sees(&ScopeKeys::addressed_to(me.id)), "internal, even when addressed to it");
    }

    #[test]
    fn a_role_whose_scope_does_not_fit_sees_public_records_only() {
        let c = county();
        for (role, scope) in [
            (Role::Commander, Scope::Townships { townships: vec![c.t[0]] }),
            (Role::Officer, Scope::County),
            (Role::Township, Scope::Enterprise { enterprise: c.e_in.id }),
            (Role::Enterprise, Scope::Squadron { squadron: c.squadron.id }),
        ] {
            let me = user(role, scope);
            let v = Visibility::of(&me, &squadrons(&c));
            assert_eq!(v.pull_filter(), PullFilter::Townships { townships: BTreeSet::new() }, "{role:?}");
            assert!(v.sees(&ScopeKeys::public()));
            assert!(!v.sees_enterprise(&c.e_in) && !v.sees_task(&task(&c.e_in, me.id)), "{role:?}");
            assert!(!v.sees_alarm(&alarm(&c.e_in, Some(c.squadron.id), Some(me.id)), c.t[0]), "{role:?}");
            assert!(!v.sees_user(&me), "{role:?}");
        }
    }

    #[test]
    fn keys_follow_the_record() {
        let c = county();
        let by = UserId::new();
        let t = task(&c.e_in, by);
        assert_eq!(ScopeKeys::task_event(Some(&t)), ScopeKeys::task(&t));
        assert_eq!(ScopeKeys::task_event(None), ScopeKeys::command_centre_only());
        let a = alarm(&c.e_out, Some(c.squadron.id), Some(by));
        let k = ScopeKeys::alarm(&a, Some(c.t[2]));
        assert_eq!(
            (k.audience, k.township, k.squadron, k.assignee),
            (Audience::Shared, Some(c.t[2]), a.squadron, a.assignee)
        );
        assert_eq!(ScopeKeys::inspection(&inspection(&c.e_in, by), None).audience, Audience::Internal);
    }
}
