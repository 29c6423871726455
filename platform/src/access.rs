//! What a caller may see and act on, resolved against the server's own data (never the device's claims).

use crate::db::{Filter, StoreError, Tx};
use crate::records;
use fieldcheck_domain::alarm::Alarm;
use fieldcheck_domain::ids::{DeviceId, EnterpriseId, SquadronId, TownshipId};
use fieldcheck_domain::organisation::{Enterprise, Role, Scope, User};
use fieldcheck_domain::rectification::RectificationTask;
use std::collections::BTreeSet;

/// A signed-in caller: the user and, for a phone, its device.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: User,
    pub device: Option<DeviceId>,
}

/// The part of the county a caller reaches.
#[derive(Clone, Debug)]
pub struct Reach {
    pub role: Role,
    pub user: User,
    /// `None`: the whole county.
    pub townships: Option<BTreeSet<TownshipId>>,
    pub squadron: Option<SquadronId>,
    pub enterprise: Option<EnterpriseId>,
}

impl Reach {
    /// Resolves `user`'s scope (an officer's squadron's townships come from the stored squadron).
    pub fn of(tx: &mut dyn Tx, user: &User) -> Result<Reach, StoreError> {
        let mut reach =
            Reach { role: user.role, user: user.clone(), townships: None, squadron: None, enterprise: None };
        match (&user.role, &user.scope) {
            (Role::Commander, Scope::County) => {}
            (Role::Officer, Scope::Squadron { squadron }) => {
                let found = records::squadrons(tx)?.into_iter().find(|s| s.id == *squadron);
                reach.townships = Some(found.map(|s| s.townships.into_iter().collect()).unwrap_or_default());
                reach.squadron = Some(*squadron);
            }
            (Role::Township, Scope::Townships { townships }) => {
                reach.townships = Some(townships.iter().copied().collect());
            }
            (Role::Enterprise, Scope::Enterprise { enterprise }) => {
                reach.townships = Some(BTreeSet::new());
                reach.enterprise = Some(*enterprise);
            }
            // A role with a scope that does not fit it reaches nothing.
            _ => reach.townships = Some(BTreeSet::new()),
        }
        Ok(reach)
    }

    fn covers_township(&self, t: TownshipId) -> bool {
        self.townships.as_ref().is_none_or(|set| set.contains(&t))
    }

    pub fn covers_enterprise(&self, e: &Enterprise) -> bool {
        match self.role {
            Role::Enterprise => self.enterprise == Some(e.id),
            _ => self.covers_township(e.township),
        }
    }

    pub fn covers_task(&self, t: &RectificationTask) -> bool {
        match self.role {
            Role::Enterprise => self.enterprise == Some(t.enterprise),
            _ => self.covers_township(t.township) || t.issued_by == self.user.id,
        }
    }

    /// `township`: the alarm's enterprise's township.
    pub fn covers_alarm(&self, a: &Alarm, township: TownshipId) -> bool {
        match self.role {
            Role::Enterprise => self.enterprise == Some(a.enterprise),
            Role::Officer => {
                self.covers_township(township)
                    || (a.squadron.is_some() && a.squadron == self.squadron)
                    || a.assignee == Some(self.user.id)
            }
            _ => self.covers_township(township),
        }
    }

    /// The change-log filter for this caller's pulls.
    pub fn filter(&self) -> Filter {
        let towns = || self.townships.iter().flatten().map(|t| t.to_string()).collect::<Vec<_>>();
        match (self.role, self.enterprise, self.squadron) {
            (Role::Commander, _, _) if self.townships.is_none() => Filter::All,
            (Role::Enterprise, Some(e), _) => Filter::Enterprise { enterprise: e.to_string() },
            (Role::Officer, _, Some(s)) => {
                Filter::Officer { townships: towns(), squadron: s.to_string(), user: self.user.id.to_string() }
            }
            _ => Filter::Townships { townships: towns() },
        }
    }
}
