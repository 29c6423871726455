//! Scope changes: when the command centre moves an enterprise to another township, the devices of the
//! township it left get tombstones for it and its records on their next pull, and the devices of the
//! township it joined get them; the enterprise itself and the command centre just see it move. Two
//! township offices, through the real process.

use fieldcheck_core::domain::ids::{EnterpriseId, TownshipId, UserId};
use fieldcheck_core::domain::organisation::{Role, Scope, User};
use fieldcheck_core::protocol::{ChangeOp, Entity, Intent, Outcome, PullResponse, Record};
use fieldcheck_e2e::{Device, PASSWORD, Platform, Storage, World, fixtures};
use std::collections::HashMap;

/// A device's replicas, as its store would hold them after applying pages in order.
#[derive(Default)]
struct Replica {
    records: HashMap<(Entity, String), Record>,
    cursor: u64,
    deletes: usize,
}

fn uuid_of(r: &Record) -> (Entity, String) {
    let v = serde_json::to_value(r).expect("json");
    let entity: Entity = serde_json::from_value(v["entity"].clone()).expect("entity");
    // Inspections are keyed by their inspection's id; anything else by its own (templates by their whole body).
    let id = v["data"]["id"].as_str().or(v["data"]["inspection"]["id"].as_str()).map(str::to_string);
    (entity, id.unwrap_or_else(|| v["data"].to_string()))
}

impl Replica {
    fn sync(&mut self, d: &Device) {
        loop {
            let resp = d.pull_page(self.cursor, 200);
            assert_eq!(resp.status(), 200);
            let page: PullResponse = resp.json().expect("page");
            assert!(!page.reset);
            for c in page.changes {
                match c.op {
                    ChangeOp::Upsert { record } => {
                        self.records.insert(uuid_of(&record), *record);
                    }
                    ChangeOp::Delete { entity, id } => {
                        self.deletes += 1;
                        self.records.remove(&(entity, id.to_string()));
                    }
                }
            }
            self.cursor = page.cursor;
            if !page.has_more {
                return;
            }
        }
    }

    fn fresh(d: &Device) -> Replica {
        let mut r = Replica::default();
        r.sync(d);
        r
    }

    /// The records of `enterprise` this device holds, by kind.
    fn of(&self, enterprise: EnterpriseId) -> Vec<Entity> {
        let mut out: Vec<Entity> = self
            .records
            .values()
            .filter(|r| match r {
                Record::Enterprise(e) => e.id == enterprise,
                Record::Inspection(i) => i.inspection.enterprise == enterprise,
                Record::Task(t) => t.enterprise == enterprise,
                Record::Notice(n) => n.enterprise == enterprise,
                Record::Alarm(a) => a.enterprise == enterprise,
                _ => false,
            })
            .map(|r| uuid_of(r).0)
            .collect();
        out.sort_by_key(|e| format!("{e:?}"));
        out.dedup();
        out
    }

    fn enterprise(&self, id: EnterpriseId) -> Option<&fieldcheck_core::domain::organisation::Enterprise> {
        self.records.values().find_map(|r| match r {
            Record::Enterprise(e) if e.id == id => Some(e),
            _ => None,
        })
    }
}

#[test]
fn moving_an_enterprise_moves_its_records_between_township_devices() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    let mut ent = Device::login(&platform, "enterprise1");
    let Scope::Enterprise { enterprise: own } = ent.user.scope.clone() else { panic!("enterprise scope") };
    let target = world.enterprises.iter().find(|e| e.id == own).expect("enterprise1").clone();
    let east = Device::login(&platform, "dongcheng");
    let Scope::Townships { townships: east_towns } = east.user.scope.clone() else { panic!("township scope") };
    assert!(east_towns.contains(&target.township), "enterprise1 lies in 东城");
    let to: TownshipId = world.townships.iter().find(|t| !east_towns.contains(&t.id)).expect("another township").id;

    // A second township office, for the township the enterprise will move to.
    let west_user = User {
        id: UserId::new(),
        login: "west-office".into(),
        name: "西部生态所".into(),
        role: Role::Township,
        scope: Scope::Townships { townships: vec![to] },
        certificate_no: None,
    };
    let (status, _) = commander
        .post_json("/v1/users", serde_json::json!({ "login": "west-office", "password": PASSWORD, "user": west_user }));
    assert_eq!(status, 201);
    let west = Device::login(&platform, "west-office");

    // An inspection with a finding gives the enterprise an inspection, a task and a notice.
    let by = world
        .users
        .iter()
        .find(|u| {
            matches!(&u.scope, Scope::Squadron { squadron }
                if world.squadrons.iter().any(|s| s.id == *squadron && s.townships.contains(&target.township)))
        })
        .expect("an officer covering enterprise1")
        .clone();
    let partner = world.users.iter().find(|u| u.scope == by.scope && u.id != by.id).expect("partner").clone();
    let mut officer = Device::login(&platform, &by.login);
    let resp =
        officer.push_intents(vec![Intent::InspectionSubmit(Box::new(fixtures::inspection(&target, &by, &partner)))]);
    assert_eq!(resp.results[0].outcome, Outcome::Applied, "{:?}", resp.results);

    let all = [Entity::Enterprise, Entity::Inspection, Entity::Notice, Entity::Task];
    let mut east_replica = Replica::fresh(&east);
    let mut west_replica = Replica::fresh(&west);
    let mut ent_replica = Replica::fresh(&ent);
    let mut cc_replica = Replica::fresh(&commander);
    let east_of = east_replica.of(own);
    assert!(all.iter().all(|e| east_of.contains(e)), "东城 holds the enterprise and its records: {east_of:?}");
    assert!(west_replica.of(own).is_empty(), "the other township sees none of it");

    // Only the command centre moves an enterprise, and only to a township that exists.
    let path = format!("/v1/enterprises/{own}/move");
    assert_eq!(east.post_json(&path, serde_json::json!({ "township": to })).0, 403);
    assert_eq!(commander.post_json(&path, serde_json::json!({ "township": uuid::Uuid::now_v7() })).0, 422);
    let (status, moved) = commander.post_json(&path, serde_json::json!({ "township": to }));
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["township"], serde_json::json!(to));

    // Next pull: 东城 drops it all by tombstones, the other township receives it all.
    let deletes_before = east_replica.deletes;
    east_replica.sync(&east);
    assert!(east_replica.of(own).is_empty(), "东城 still holds {:?}", east_replica.of(own));
    assert!(east_replica.deletes >= deletes_before + all.len(), "dropped by tombstones");
    west_replica.sync(&west);
    assert_eq!(west_replica.of(own), east_of, "the other township holds what 东城 held");
    assert_eq!(west_replica.enterprise(own).map(|e| e.township), Some(to));
    assert!(
        west_replica.records.values().any(|r| matches!(r, Record::Task(t) if t.enterprise == own && t.township == to))
    );
    // Devices that start now agree with the ones that followed along.
    assert!(Replica::fresh(&east).of(own).is_empty());
    assert_eq!(Replica::fresh(&west).of(own), west_replica.of(own));

    // The enterprise and the command centre keep everything, now in the new township, with no tombstones.
    for (replica, device) in
        [(&mut ent_replica, &mut ent), (&mut cc_replica, &mut Device::login(&platform, "commander"))]
    {
        let deletes = replica.deletes;
        replica.sync(device);
        assert_eq!(replica.deletes, deletes, "no tombstone for a device that still sees it");
        assert_eq!(replica.enterprise(own).map(|e| e.township), Some(to));
    }
    let (_, audit) = commander.get_json(&format!("/v1/audit/enterprise/{own}"));
    assert!(audit.as_array().is_some_and(|a| a.iter().any(|l| l["action"] == "enterprise.move")), "{audit}");

    // And back: each office's view follows again.
    let (status, _) = commander.post_json(&path, serde_json::json!({ "township": target.township }));
    assert_eq!(status, 200);
    east_replica.sync(&east);
    west_replica.sync(&west);
    assert_eq!(
        east_replica.of(own),
        east_of
            .iter()
            .copied()
            .chain(east_replica.of(own).into_iter().filter(|e| *e == Entity::Alarm))
            .collect::<Vec<_>>()
    );
    assert!(west_replica.of(own).is_empty(), "the other township dropped it again: {:?}", west_replica.of(own));
    assert_eq!(east_replica.enterprise(own).map(|e| e.township), Some(target.township));
    assert!(Replica::fresh(&west).of(own).is_empty());
}
