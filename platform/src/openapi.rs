//! The OpenAPI document, generated. Each handler's `#[utoipa::path]`, written next to it, states its route,
//! parameters and answers, with the bodies' schemas derived from the Rust types (`ToSchema`); the router
//! (`app::api`) registers each route with utoipa-axum's `routes!`, which takes the path and method from that
//! annotation, so the router and the document cannot drift. This file adds the frame: the security schemes,
//! the `{error, message}` answer every route may give, and every input limit from the domain's one list
//! (`fieldcheck_domain::limits::ALL`).

use fieldcheck_domain::limits;
use serde_json::{Value, json};
use std::sync::LazyLock;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

/// The answer of every refusal and failure, whoever produced it (`crate::error`).
#[derive(ToSchema)]
#[schema(as = Error)]
#[allow(dead_code)] // Only its schema is used; `crate::error` writes the body.
pub struct ErrorBody {
    /// A stable code, one per kind of refusal: `bad_request`, `invalid_body`, `invalid` and `unstorable`
    /// (the request is wrong), `unauthorized`, `revoked`, `forbidden`, `not_found` (`no_route` for an unknown
    /// route), `method_not_allowed`, `conflict`, `invalid_transition`, `exists`, `user_exists`, `refused`,
    /// `payload_too_large`, `unsupported_media_type`, `upgrade_required`, `locked` and `too_many_requests`,
    /// `busy` and `not_ready` (retry after `Retry-After`), `internal` and `storage`.
    #[schema(example = "not_found")]
    pub error: String,
    /// What went wrong, for a person.
    pub message: String,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Fieldcheck platform",
        description = "Sync for the officers' phones and the command centre's API. Every error is answered \
                       `{error, message}` (schema `Error`); `info.x-limits` lists every input limit."
    ),
    security(("bearer" = [])),
    components(schemas(ErrorBody)),
    modifiers(&SecuritySchemes)
)]
struct Frame;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        let bearer = |description: &str| {
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some(description)).build(),
            )
        };
        components.add_security_scheme("bearer", bearer("a device token from `POST /v1/login`"));
        components.add_security_scheme(
            "apiKey",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Api-Key",
                "the online-monitoring system's key (`--monitoring-key`)",
            ))),
        );
        components.add_security_scheme(
            "events_ticket",
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "ticket",
                "a short-lived ticket from `POST /v1/events/ticket`",
            ))),
        );
        components.add_security_scheme("metrics_token", bearer("the `--metrics-token`"));
    }
}

/// The document's frame, before the routes are added (`app::api` starts from it).
pub fn frame() -> utoipa::openapi::OpenApi {
    Frame::openapi()
}

static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    let (_, doc) = crate::app::api(crate::ops::Timeouts::default()).split_for_parts();
    let mut doc = serde_json::to_value(doc).unwrap_or_else(|_| json!({}));
    finish(&mut doc);
    doc.to_string()
});

/// Every operation may be refused (4XX) or fail (5XX) with the `{error, message}` body; the limits are
/// stated as a schema and, for the console, as `info.x-limits`.
fn finish(doc: &mut Value) {
    let error = json!({
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
    });
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        unique_operation_ids(paths);
        for op in paths.values_mut().filter_map(Value::as_object_mut).flat_map(|item| item.values_mut()) {
            if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
                for (range, description) in [("4XX", "refused"), ("5XX", "failed; retry later")] {
                    let mut answer = error.clone();
                    answer["description"] = json!(description);
                    responses.entry(range).or_insert(answer);
                }
            }
        }
    }
    let properties: serde_json::Map<String, Value> = limits::ALL
        .iter()
        .map(|l| (l.name.to_string(), json!({ "type": "number", "const": l.value, "description": l.applies_to })))
        .collect();
    let schema = json!({
        "type": "object",
        "description": "Every limit an input must keep; a value past one is refused (HTTP 400, or a pushed \
                        intent `rejected` with code `invalid`) with a reason naming the field and the limit.",
        "properties": properties,
    });
    if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        schemas.insert("Limits".into(), schema);
    }
    if let Some(info) = doc.get_mut("info").and_then(Value::as_object_mut) {
        let list: serde_json::Map<String, Value> =
            limits::ALL.iter().map(|l| (l.name.to_string(), json!(l.value))).collect();
        info.insert("x-limits".into(), Value::Object(list));
    }
}

/// utoipa names an operation after its handler; handlers of one name in two modules (`draws::list`,
/// `grids::list`) get their path added, as operation ids must be unique.
fn unique_operation_ids(paths: &mut serde_json::Map<String, Value>) {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for item in paths.values().filter_map(Value::as_object) {
        for id in item.values().filter_map(|op| op["operationId"].as_str()) {
            *seen.entry(id.to_string()).or_default() += 1;
        }
    }
    for (path, item) in paths.iter_mut() {
        for (method, op) in item.as_object_mut().into_iter().flatten() {
            if let Some(id) = op["operationId"].as_str().filter(|id| seen[*id] > 1) {
                let words: Vec<&str> = path.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
                op["operationId"] = json!(format!("{id}_{method}_{}", words.join("_")));
            }
        }
    }
}

/// The document as served at `/openapi.json`.
pub fn document() -> &'static str {
    &DOCUMENT
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_limit_is_stated() {
        let doc: serde_json::Value = serde_json::from_str(super::document()).unwrap();
        for limit in fieldcheck_domain::limits::ALL {
            let stated = &doc["components"]["schemas"]["Limits"]["properties"][limit.name]["const"];
            assert_eq!(stated.as_f64(), Some(limit.value), "{}", limit.name);
            assert_eq!(doc["info"]["x-limits"][limit.name].as_f64(), Some(limit.value), "{}", limit.name);
        }
    }

    #[test]
    fn operation_ids_are_unique() {
        let doc: serde_json::Value = serde_json::from_str(super::document()).unwrap();
        let mut ids = std::collections::HashSet::new();
        for item in doc["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                assert!(ids.insert(op["operationId"].as_str().unwrap().to_string()), "{op}");
            }
        }
        assert!(ids.len() > 50);
    }
}
