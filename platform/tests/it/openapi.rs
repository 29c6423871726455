//! The generated OpenAPI document and the router are one table: every route is registered with
//! `routes!(handler)`, which takes its path and method from the handler's `#[utoipa::path]` (so a route
//! cannot be served undocumented, nor documented unserved), no source file adds a route another way, and
//! every documented route is answered by a handler of the real process (not the router's 404 or 405).

use fieldcheck_e2e::{Platform, Storage};
use std::collections::BTreeSet;
use std::path::Path;

type Routes = BTreeSet<(String, String)>;

/// `(METHOD, path)` of every operation of the document the platform serves.
fn documented(platform: &Platform) -> Routes {
    let doc: serde_json::Value =
        reqwest::blocking::get(format!("{}/openapi.json", platform.url)).and_then(|r| r.json()).expect("openapi.json");
    assert_eq!(doc["openapi"], "3.1.0");
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
    assert!(out.len() > 50, "the document lists too few routes: {out:?}");
    out
}

/// Source lines that add a route without its documentation (axum's `.route(`, `.route_service(`, `.nest(`):
/// a route goes through `.routes(routes!(handler))` with a `#[utoipa::path]` on the handler.
fn undocumented_additions(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).expect("source folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            undocumented_additions(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("source");
            for (n, line) in text.lines().enumerate() {
                if [".route(", ".route_service(", ".nest(", ".nest_service("].iter().any(|call| line.contains(call)) {
                    out.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                }
            }
        }
    }
}

#[test]
fn every_route_is_added_with_its_documentation() {
    let mut found = Vec::new();
    undocumented_additions(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut found);
    assert!(found.is_empty(), "routes added without `routes!` (see docs/operations.md): {found:#?}");
}

/// `(schema name, file)` of every type that derives `ToSchema` in the crates whose types the document uses.
fn schema_names(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("source folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            schema_names(&path, out);
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("source");
        let lines: Vec<&str> = text.lines().collect();
        for (n, _) in lines.iter().enumerate().filter(|(_, l)| l.contains("derive(") && l.contains("ToSchema")) {
            let mut renamed = None;
            for next in lines[n..].iter().take(8) {
                if let Some(at) = next.find("as = ") {
                    let name: String =
                        next[at + 5..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    renamed = Some(name);
                }
                let item = next.trim_start().trim_start_matches("pub(crate) ").trim_start_matches("pub ");
                if let Some(rest) = item.strip_prefix("struct ").or_else(|| item.strip_prefix("enum ")) {
                    let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    out.push((renamed.unwrap_or(name), path.display().to_string()));
                    break;
                }
            }
        }
    }
}

/// utoipa names a schema after its type alone, and of two types of one name the document keeps one: the
/// other's answers would be checked against the wrong schema (schemathesis found `Record` twice). Such a type
/// takes `#[schema(as = OtherName)]`.
#[test]
fn no_two_schemas_share_a_name() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut names = Vec::new();
    for dir in ["platform/src", "domain/src", "protocol/src", "evidence/src"] {
        schema_names(&root.join(dir), &mut names);
    }
    assert!(names.len() > 100, "the ToSchema types were not found: {names:?}");
    names.sort();
    let clashes: Vec<_> = names.windows(2).filter(|w| w[0].0 == w[1].0).collect();
    assert!(clashes.is_empty(), "schemas of one name: {clashes:?}");
}

#[test]
fn every_documented_route_reaches_a_handler() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let http = reqwest::blocking::Client::new();
    for (method, path) in documented(&platform) {
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
