//! The OpenAPI document: the paths as written in `openapi.json`, with every input limit stated from
//! the domain's one list (`fieldcheck_domain::limits::ALL`), so the document cannot drift from the rules.

use fieldcheck_domain::limits;
use serde_json::{Value, json};
use std::sync::LazyLock;

static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    let mut doc: Value = serde_json::from_str(include_str!("openapi.json")).unwrap_or_else(|_| json!({}));
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
    doc.to_string()
});

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
        }
    }
}
