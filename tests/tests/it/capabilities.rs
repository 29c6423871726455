//! The capability table decides every guarded route: `GET /v1/capabilities` answers each role's row of
//! it, and each command-centre route answers 403 `forbidden` exactly to the roles the table refuses. The
//! audit trail, allowed to enforcement, is answered only for records in the caller's reach.

use fieldcheck_core::domain::alarm::AlarmAction;
use fieldcheck_core::domain::capability::{self, Action};
use fieldcheck_core::domain::organisation::Role;
use fieldcheck_core::domain::visibility::Visibility;
use fieldcheck_e2e::{Device, Platform, Storage, World};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const LOGINS: [(&str, Role); 4] = [
    ("commander", Role::Commander),
    ("officer1", Role::Officer),
    ("dongcheng", Role::Township),
    ("enterprise1", Role::Enterprise),
];

fn delete(device: &Device, path: &str) -> u16 {
    device
        .http
        .delete(format!("{}{path}", device.url))
        .bearer_auth(&device.token)
        .send()
        .expect("delete")
        .status()
        .as_u16()
}

#[test]
fn each_role_gets_its_row_of_the_capability_table_and_routes_follow_it() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);

    let anonymous = reqwest::blocking::get(format!("{}/v1/capabilities", platform.url)).expect("get");
    assert_eq!(anonymous.status().as_u16(), 401);

    for (login, role) in LOGINS {
        let device = Device::login(&platform, login);
        assert_eq!(device.user.role, role, "{login}");

        let (status, body) = device.get_json("/v1/capabilities");
        assert_eq!(status, 200, "{login}: {body}");
        assert_eq!(body["role"], json!(role), "{login}");
        let got: BTreeSet<String> = body["actions"]
            .as_array()
            .expect("actions")
            .iter()
            .map(|a| {
                let action: Action = serde_json::from_value(a["action"].clone()).expect("an action of the table");
                assert_eq!(a["name"], json!(action.name()), "{login}: {a}");
                assert_eq!(a["entity"], json!(action.entity()), "{login}: {a}");
                a["action"].to_string()
            })
            .collect();
        let want: BTreeSet<String> = Action::all()
            .into_iter()
            .filter(|a| capability::may(role, *a))
            .map(|a| serde_json::to_value(a).expect("json").to_string())
            .collect();
        assert_eq!(got, want, "{login}");
        let has = |a: Value| got.contains(&a.to_string());
        match role {
            Role::Commander => assert!(has(json!("manage_users")) && has(json!({ "alarm": "dispatch" }))),
            Role::Officer => assert!(has(json!("submit_inspection")) && !has(json!("manage_users"))),
            Role::Township => assert!(has(json!({ "alarm": "close" })) && !has(json!("submit_inspection"))),
            Role::Enterprise => {
                assert!(
                    has(json!({ "task": "acknowledge" })) && !has(json!("grade_alarm")) && !has(json!("read_audit"))
                )
            }
        }

        // Every route the table guards: 403 `forbidden` exactly when the table refuses the role.
        let refused = |action: Action, status: u16, body: &Value| {
            if capability::may(role, action) {
                assert_ne!(status, 403, "{login} may {action:?}: {body}");
            } else {
                assert_eq!(status, 403, "{login} may not {action:?}: {body}");
                assert_eq!(body["error"], "forbidden", "{login} {action:?}: {body}");
                assert!(body["message"].is_string(), "{login} {action:?}: {body}");
            }
        };
        let (status, body) = device.get_json("/v1/devices");
        refused(Action::ManageDevices, status, &body);
        let (status, body) = device.get_json("/v1/conflicts");
        refused(Action::ResolveConflicts, status, &body);
        let (status, body) = device.post_json("/v1/conflicts/999999/resolve", json!({ "resolution": "dismissed" }));
        refused(Action::ResolveConflicts, status, &body);
        // Nothing is old enough to prune.
        let (status, body) =
            device.post_json("/v1/admin/prune-tombstones", json!({ "older_than_seconds": 1_000_000_000 }));
        refused(Action::PruneTombstones, status, &body);
        // An invalid new user: refused by role before it is read, else answered 400.
        let (status, body) =
            device.post_json("/v1/users", json!({ "login": "", "password": "", "user": world.user("officer1") }));
        refused(Action::ManageUsers, status, &body);
        let nobody = uuid::Uuid::now_v7();
        let (status, body) =
            device.post_json(&format!("/v1/enterprises/{nobody}/move"), json!({ "township": world.townships[0].id }));
        refused(Action::MoveEnterprise, status, &body);
        for (step, action, body) in [
            ("grade", Action::GradeAlarm, json!({ "level": "serious" })),
            ("dispatch", Action::Alarm(AlarmAction::Dispatch), json!({})),
            ("close", Action::Alarm(AlarmAction::Close), json!({ "feedback": "已核查" })),
        ] {
            let (status, body) = device.post_json(&format!("/v1/alarms/{nobody}/{step}"), body);
            refused(action, status, &body);
            if capability::may(role, action) {
                assert_eq!(status, 404, "{login} {step} of no alarm: {body}");
            }
        }
        let status = delete(&device, &format!("/v1/notices/{nobody}"));
        assert_eq!(status == 403, !capability::may(role, Action::DeleteNotice), "{login} delete notice: {status}");

        // The audit trail: the table says who, reach says of which records.
        let me = Visibility::of(&device.user, &world.squadrons);
        for e in &world.enterprises {
            let (status, body) = device.get_json(&format!("/v1/audit/enterprise/{}", e.id));
            if !capability::may(role, Action::ReadAudit) {
                assert_eq!(status, 403, "{login}: {body}");
            } else if me.sees_enterprise(e) {
                assert_eq!(status, 200, "{login} sees {}: {body}", e.name);
            } else {
                assert_eq!(status, 404, "{login} does not see {}: {body}", e.name);
            }
        }
    }
}
