//! 统一社会信用代码 (unified social credit code, GB 32100-2015): 18 characters whose last one is a
//! check character over the first 17.

use super::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The 31 characters the standard allows (no I, O, S, V, Z), in value order.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weight of position i is 3^i mod 31.
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// A validated unified social credit code.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

impl CreditCode {
    /// Parses and validates a code; lower-case letters and surrounding spaces are accepted.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let code = input.trim().to_ascii_uppercase();
        let invalid = |reason: &str| DomainError::InvalidCreditCode { code: input.to_string(), reason: reason.into() };
        if code.chars().count() != 18 {
            return Err(invalid("must be 18 characters / 须为18位"));
        }
        let bytes = code.as_bytes();
        let values: Option<Vec<u32>> = bytes.iter().map(|b| value_of(*b)).collect();
        let values = values.ok_or_else(|| invalid("contains a character the standard does not allow / 含非法字符"))?;
        if !bytes[2..8].iter().all(u8::is_ascii_digit) {
            return Err(invalid("positions 3-8 must be the administrative-division code / 第3-8位应为行政区划码"));
        }
        let expected = check_char(&values[..17]);
        if bytes[17] != expected {
            return Err(invalid(&format!(
                "check character should be {} / 校验位应为{}",
                expected as char, expected as char
            )));
        }
        Ok(Self(code))
    }

    /// Completes 17 leading characters with their check character (used to make demo and test data).
    pub fn complete(first17: &str) -> Result<Self, DomainError> {
        let upper = first17.to_ascii_uppercase();
        let values: Option<Vec<u32>> = upper.bytes().map(value_of).collect();
        match values {
            Some(v) if v.len() == 17 => {
                let check = check_char(&v) as char;
                Self::parse(&format!("{upper}{check}"))
            }
            _ => Err(DomainError::InvalidCreditCode {
                code: first17.to_string(),
                reason: "need 17 allowed characters / 需要17位合法字符".into(),
            }),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn value_of(byte: u8) -> Option<u32> {
    ALPHABET.iter().position(|c| *c == byte).map(|p| p as u32)
}

fn check_char(values: &[u32]) -> u8 {
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    ALPHABET[((31 - sum % 31) % 31) as usize]
}

impl TryFrom<String> for CreditCode {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<CreditCode> for String {
    fn from(c: CreditCode) -> String {
        c.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_published_codes() {
        // Codes printed on public business licences.
        for code in ["91110000802100433B", "91440300708461136T", "91440300708461136t "] {
            CreditCode::parse(code).unwrap_or_else(|e| panic!("{code}: {e}"));
        }
    }

    #[test]
    fn rejects_wrong_check_length_and_alphabet() {
        assert!(CreditCode::parse("91440300708461136X").is_err());
        assert!(CreditCode::parse("91440300708461136").is_err());
        assert!(CreditCode::parse("91440300708461136TT").is_err());
        assert!(CreditCode::parse("9144030070846113IT").is_err());
        assert!(CreditCode::parse("91AB0300708461136T").is_err());
        assert!(CreditCode::parse("永康市某某有限公司永康市某某有限公").is_err());
        assert!(CreditCode::parse("").is_err());
    }

    proptest! {
        #[test]
        fn completed_codes_validate_and_one_changed_character_is_caught(
            body in "[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{9}",
            pos in 0usize..17,
            delta in 1u32..31,
        ) {
            let code = CreditCode::complete(&body).unwrap();
            prop_assert!(CreditCode::parse(code.as_str()).is_ok());
            // A single substituted character always changes the check (31 is prime).
            let mut bytes = code.as_str().as_bytes().to_vec();
            let v = value_of(bytes[pos]).unwrap();
            bytes[pos] = ALPHABET[((v + delta) % 31) as usize];
            let altered = String::from_utf8(bytes).unwrap();
            prop_assert!(CreditCode::parse(&altered).is_err());
        }
    }
}
