//! Raw input turned into bounded values once ("parse, don't validate"): each check refuses with the
//! field's name and the limit, so a person can act on it. The limits themselves are in `limits`.

use super::DomainError;
use super::limits;
use std::collections::BTreeSet;

/// `raw` trimmed, at most `max` characters; blank is allowed.
pub fn text(field: &str, raw: &str, max: usize) -> Result<String, DomainError> {
    let trimmed = raw.trim();
    // Count at most max+1 characters, so a huge input costs no more than a valid one.
    if trimmed.chars().take(max + 1).count() > max {
        return Err(DomainError::TooLong { field: field.into(), max });
    }
    Ok(trimmed.to_string())
}

/// Like [`text`], and not blank.
pub fn required_text(field: &str, raw: &str, max: usize) -> Result<String, DomainError> {
    let text = text(field, raw, max)?;
    if text.is_empty() {
        return Err(DomainError::Blank { field: field.into() });
    }
    Ok(text)
}

/// Free text of up to [`limits::TEXT_CHARS`].
pub fn free_text(field: &str, raw: &str) -> Result<String, DomainError> {
    text(field, raw, limits::TEXT_CHARS)
}

/// At most `max` items.
pub fn count(what: &str, n: usize, max: usize) -> Result<(), DomainError> {
    if n > max {
        return Err(DomainError::TooMany { what: what.into(), max });
    }
    Ok(())
}

/// At most `max` items, none twice.
pub fn distinct<T: Ord>(what: &str, items: impl ExactSizeIterator<Item = T>, max: usize) -> Result<(), DomainError> {
    count(what, items.len(), max)?;
    let mut seen = BTreeSet::new();
    for item in items {
        if !seen.insert(item) {
            return Err(DomainError::Duplicate { what: what.into() });
        }
    }
    Ok(())
}

/// A measured number: finite, not negative, at most [`limits::MEASURE_MAX`].
pub fn measure(field: &str, x: f64) -> Result<f64, DomainError> {
    if !x.is_finite() || !(0.0..=limits::MEASURE_MAX).contains(&x) {
        let reason =
            format!("must be a number from 0 to {} / 数值须在 0 到 {} 之间", limits::MEASURE_MAX, limits::MEASURE_MAX);
        return Err(DomainError::Invalid { field: field.into(), reason });
    }
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded_in_characters() {
        assert_eq!(text("f", "  地址 ", 2).unwrap(), "地址");
        assert_eq!(text("f", "永康市", 2), Err(DomainError::TooLong { field: "f".into(), max: 2 }));
        assert!(required_text("f", "   ", 10).is_err());
    }

    #[test]
    fn distinct_refuses_duplicates_and_too_many() {
        assert!(distinct("x", [1, 2, 3].iter(), 3).is_ok());
        assert_eq!(distinct("x", [1, 2, 1].iter(), 3), Err(DomainError::Duplicate { what: "x".into() }));
        assert_eq!(distinct("x", [1, 2, 3].iter(), 2), Err(DomainError::TooMany { what: "x".into(), max: 2 }));
    }

    #[test]
    fn measures_are_finite_and_in_range() {
        for bad in [f64::NAN, f64::INFINITY, -1.0, 1e13] {
            assert!(measure("v", bad).is_err(), "{bad}");
        }
        assert_eq!(measure("v", 0.56).unwrap(), 0.56);
    }
}
