//! Checking a unified social credit code as it is typed into a form.

use fieldcheck_core::domain::credit_code::CreditCode;

/// The outcome of checking a credit code: the normalised code when valid, otherwise why not.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CreditCodeCheck {
    pub valid: bool,
    /// The code in canonical form (upper case, trimmed) when valid.
    pub normalized: Option<String>,
    /// Why the code is refused, bilingual, when invalid.
    pub problem: Option<String>,
}

/// Checks a 统一社会信用代码 (GB 32100-2015), including its check character.
#[uniffi::export]
pub fn check_credit_code(code: String) -> CreditCodeCheck {
    match CreditCode::parse(&code) {
        Ok(c) => CreditCodeCheck { valid: true, normalized: Some(c.to_string()), problem: None },
        Err(e) => CreditCodeCheck { valid: false, normalized: None, problem: Some(e.to_string()) },
    }
}
