//! The checklist templates shipped with the app (`checklists/*.json`), checked when loaded.

use crate::DomainError;
use crate::template::{AnswerSpec, ChecklistTemplate};
use std::collections::BTreeSet;

const BUNDLED: &[(&str, &str)] = &[
    ("hazardous_waste_storage", include_str!("../checklists/hazardous_waste_storage.json")),
    ("emergency_preparedness", include_str!("../checklists/emergency_preparedness.json")),
    ("pollution_control_operation", include_str!("../checklists/pollution_control_operation.json")),
];

/// The three bundled checklists.
pub fn bundled() -> Vec<ChecklistTemplate> {
    BUNDLED
        .iter()
        .map(|(name, json)| parse(json).unwrap_or_else(|e| panic!("bundled checklist {name} is invalid: {e}")))
        .collect()
}

/// The bundled checklists, parsed once (for rules that look an item up by its text).
pub fn shipped() -> &'static [ChecklistTemplate] {
    static SHIPPED: std::sync::OnceLock<Vec<ChecklistTemplate>> = std::sync::OnceLock::new();
    SHIPPED.get_or_init(bundled)
}

/// Parses and checks a template (bundled, or published by the platform).
pub fn parse(json: &str) -> Result<ChecklistTemplate, DomainError> {
    let template: ChecklistTemplate = serde_json::from_str(json)
        .map_err(|e| DomainError::Invalid { field: "checklist template".into(), reason: e.to_string() })?;
    check(&template)?;
    Ok(template)
}

/// A template is usable when its item codes are unique and every rule reads only fields it has.
pub fn check(template: &ChecklistTemplate) -> Result<(), DomainError> {
    let invalid = |reason: String| DomainError::Invalid { field: format!("checklist {}", template.id), reason };
    if template.items.is_empty() {
        return Err(invalid("has no items".into()));
    }
    let mut codes = BTreeSet::new();
    for item in &template.items {
        if !codes.insert(item.code.as_str()) {
            return Err(invalid(format!("item code {} appears twice", item.code)));
        }
        if let AnswerSpec::Measures { fields, rule: Some(rule) } = &item.answer {
            let keys: BTreeSet<&str> = fields.iter().map(|f| f.key.as_str()).collect();
            if let Some(unknown) = rule.fields().into_iter().find(|k| !keys.contains(k)) {
                return Err(invalid(format!("{}'s rule reads unknown field {unknown}", item.code)));
            }
        }
        if let AnswerSpec::Choice { options } = &item.answer
            && options.is_empty()
        {
            return Err(invalid(format!("{} has no options", item.code)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_checklists_load_with_all_58_items() {
        let templates = bundled();
        let counts: Vec<usize> = templates.iter().map(|t| t.items.len()).collect();
        assert_eq!(counts, vec![26, 15, 17]);
        let unverified: Vec<&str> =
            templates.iter().flat_map(|t| &t.items).filter(|i| !i.clause_verified).map(|i| i.code.as_str()).collect();
        assert!(unverified.contains(&"HW-13"), "unverified clauses stay marked: {unverified:?}");
    }

    #[test]
    fn a_rule_over_an_unknown_field_is_refused() {
        let mut t = bundled().remove(0);
        let json = serde_json::to_string(&t).unwrap().replace("\"largest_container\"}", "\"no_such_field\"}");
        assert!(parse(&json).is_err());
        t.items.push(t.items[0].clone());
        assert!(check(&t).is_err(), "duplicate codes are refused");
    }
}
