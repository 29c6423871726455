//! What a caller may see and act on, resolved against the server's own data (never the device's claims).
//! The rule itself is the domain's ([`fieldcheck_domain::visibility`]); this module only loads the facts
//! it needs (the stored squadrons) and speaks the store's types (the change-log [`Filter`]).

use crate::db::{Filter, StoreError, Tx};
use crate::records;
use fieldcheck_domain::alarm::Alarm;
use fieldcheck_domain::ids::{DeviceId, TownshipId};
use fieldcheck_domain::organisation::{Enterprise, Scope, Squadron, User};
use fieldcheck_domain::rectification::RectificationTask;
use fieldcheck_domain::visibility::Visibility;
use fieldcheck_protocol::{Entity, Record};
use std::ops::Deref;

/// A signed-in caller: the user and, for a phone, its device.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: User,
    pub device: Option<DeviceId>,
}

/// The part of the county a caller reaches: the domain's [`Visibility`] (its fields `role`, `user`,
/// `townships`, `squadron`, `enterprise` and its `sees_*` are reached through `Deref`).
#[derive(Clone, Debug)]
pub struct Reach(Visibility);

impl Deref for Reach {
    type Target = Visibility;
    fn deref(&self) -> &Visibility {
        &self.0
    }
}

impl Reach {
    /// Resolves `user`'s scope (an officer's squadron's townships come from the stored squadron, read
    /// alone: every request of an officer resolves it).
    pub fn of(tx: &mut dyn Tx, user: &User) -> Result<Reach, StoreError> {
        let squadron = match user.scope {
            Scope::Squadron { squadron } => records::load::<Squadron>(tx, Entity::Squadron, &squadron.to_string())?,
            _ => None,
        };
        Ok(Reach(Visibility::of(user, squadron.as_slice())))
    }

    pub fn visibility(&self) -> &Visibility {
        &self.0
    }

    pub fn covers_enterprise(&self, e: &Enterprise) -> bool {
        self.sees_enterprise(e)
    }

    pub fn covers_task(&self, t: &RectificationTask) -> bool {
        self.sees_task(t)
    }

    /// `township`: the alarm's enterprise's township.
    pub fn covers_alarm(&self, a: &Alarm, township: TownshipId) -> bool {
        self.sees_alarm(a, township)
    }

    /// Whether the caller may see a stored record (its keys as the change log holds them).
    pub fn covers_record(&self, tx: &mut dyn Tx, record: &Record) -> Result<bool, StoreError> {
        Ok(self.sees(&records::scope_keys(tx, record)?))
    }

    /// The change-log filter for this caller's pulls.
    pub fn filter(&self) -> Filter {
        self.0.pull_filter().into()
    }
}
