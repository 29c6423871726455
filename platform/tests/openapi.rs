//! `openapi.json` documents exactly the routes the router serves: the router's table (read from
//! `src/app.rs`) and the document's paths and methods are the same set, and every documented route is
//! answered by a handler of the real process (not the router's 404 or 405).

use fieldcheck_e2e::{Platform, Storage};
use std::collections::BTreeSet;

type Routes = BTreeSet<(String, String)>;

/// Modules whose `routes()` the router merges, with their source.
const MERGED: &[(&str, &str)] = &[
    ("lists", include_str!("../src/lists.rs")),
    ("live", include_str!("../src/live.rs")),
    ("dashboard", include_str!("../src/dashboard/mod.rs")),
    ("record", include_str!("../src/record.rs")),
    ("supervision", include_str!("../src/supervision/mod.rs")),
    ("map", include_str!("../src/map/mod.rs")),
    ("wipe", include_str!("../src/wipe.rs")),
];

/// `(METHOD, path)` of every `.route("path", get(..).post(..))` in `router()` and in the `routes()` of
/// the modules it merges (each `.merge(crate::name::routes())` must be in [`MERGED`]).
fn served() -> Routes {
    let src = include_str!("../src/app.rs");
    let start = src.find("pub fn router(").expect("router() in app.rs");
    let body = &src[start..start + src[start..].find(".with_state(").expect("end of router()")];
    let mut out = routes_in(body);
    let mut rest = body;
    while let Some(at) = rest.find(".merge(crate::") {
        let after = &rest[at + ".merge(crate::".len()..];
        let name = &after[..after.find("::routes()").expect("a module's routes()")];
        let (_, module) = MERGED.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("add {name} to MERGED"));
        let start = module.find("pub fn routes(").expect("routes()");
        out.extend(routes_in(&module[start..start + module[start..].find("\n}").expect("end of routes()")]));
        rest = after;
    }
    assert!(out.len() > 20, "the router table was not read: {out:?}");
    out
}

/// `(METHOD, path)` of every `.route("path", get(..).post(..))` in `body`.
fn routes_in(body: &str) -> Routes {
    let mut out = Routes::new();
    let mut rest = body;
    while let Some(at) = rest.find(".route(\"") {
        let after = &rest[at + ".route(\"".len()..];
        let path = &after[..after.find('"').expect("closing quote")];
        // The route's expression runs to the parenthesis that closes `.route(`.
        let expr_start = path.len() + 1;
        let mut depth = 1usize;
        let mut end = expr_start;
        for (i, c) in after[expr_start..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end = expr_start + i;
                break;
            }
        }
        let expr = &after[expr_start..end];
        let mut methods = 0;
        for method in ["get", "post", "put", "delete", "patch"] {
            let mut from = 0;
            while let Some(i) = expr[from..].find(&format!("{method}(")) {
                let at = from + i;
                let before = expr[..at].chars().next_back();
                // A method call, not the end of a longer name (`blobs::get)` is a handler path).
                if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_')) {
                    out.insert((method.to_uppercase(), path.to_string()));
                    methods += 1;
                }
                from = at + method.len();
            }
        }
        assert!(methods > 0, "no method found for route {path}: {expr}");
        rest = &after[end..];
    }
    out
}

fn documented() -> Routes {
    let doc: serde_json::Value = serde_json::from_str(include_str!("../src/openapi.json")).expect("openapi.json");
    let mut out = Routes::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                assert!(op["summary"].is_string(), "{method} {path} has no summary");
                assert!(op["responses"].is_object(), "{method} {path} has no responses");
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

#[test]
fn every_served_route_is_documented_and_every_documented_one_served() {
    let (served, documented) = (served(), documented());
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(undocumented.is_empty(), "served but not in openapi.json: {undocumented:?}");
    assert!(unserved.is_empty(), "in openapi.json but not served: {unserved:?}");
}

#[test]
fn every_documented_route_reaches_a_handler() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let http = reqwest::blocking::Client::new();
    for (method, path) in documented() {
        let concrete = path
            .replace("{id}", &uuid::Uuid::now_v7().to_string())
            .replace("{sha256}", &"0".repeat(64))
            .replace("{number}", "1")
            .replace("{entity}", "task");
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let resp = http.request(method.clone(), format!("{}{concrete}", platform.url)).send().expect("request");
        let status = resp.status().as_u16();
        let body = resp.text().unwrap_or_default();
        assert_ne!(status, 405, "{method} {path}: the router does not serve this method");
        // The router's own 404 is `no_route`; a handler's "not found" says what is missing.
        let code = serde_json::from_str::<serde_json::Value>(&body).ok().map(|v| v["error"].clone());
        assert!(
            status != 404 || code.as_ref().is_some_and(|c| c.is_string() && c != "no_route"),
            "{method} {path}: no such route ({body})"
        );
    }
}
