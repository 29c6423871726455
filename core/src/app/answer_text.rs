//! Turning what the person typed into an answer value, as the item's answer type asks. Whether the
//! answer passes is the domain's verdict afterwards; this only reads numbers and dates the way people
//! type them on a Chinese phone keyboard, and says plainly what could not be read.

use crate::domain::answer::{AnswerValue, Measure};
use crate::domain::template::{AnswerSpec, MeasureKind};
use crate::domain::text::Text;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// The typed text of one item: its single value, or one text per measure field.
pub type Typed = BTreeMap<String, String>;

/// The key of an item's single typed value (number, text, date).
pub const VALUE: &str = "value";

/// Reads the typed fields of an item; on failure, one message per field that could not be read.
pub fn parse(spec: &AnswerSpec, typed: &Typed) -> Result<AnswerValue, BTreeMap<String, Text>> {
    let value = typed.get(VALUE).map(|s| s.trim()).unwrap_or("");
    let one = |r: Result<AnswerValue, Text>| r.map_err(|m| BTreeMap::from([(VALUE.to_string(), m)]));
    match spec {
        AnswerSpec::Number { .. } => one(number(value).map(AnswerValue::Number)),
        AnswerSpec::Date { .. } => one(date(value).map(AnswerValue::Date)),
        AnswerSpec::Text if value.is_empty() => one(Err(empty())),
        AnswerSpec::Text => Ok(AnswerValue::Text(value.to_string())),
        AnswerSpec::Measures { fields, .. } => {
            let mut values = BTreeMap::new();
            let mut problems = BTreeMap::new();
            for field in fields {
                let text = typed.get(&field.key).map(|s| s.trim()).unwrap_or("");
                let read = match field.kind {
                    MeasureKind::Number { .. } => number(text).map(Measure::Number),
                    MeasureKind::Date => date(text).map(Measure::Date),
                };
                match read {
                    Ok(m) => {
                        values.insert(field.key.clone(), m);
                    }
                    Err(m) => {
                        problems.insert(field.key.clone(), m);
                    }
                }
            }
            if problems.is_empty() { Ok(AnswerValue::Measures(values)) } else { Err(problems) }
        }
        AnswerSpec::YesNo | AnswerSpec::YesNoNa | AnswerSpec::Choice { .. } => {
            one(Err(Text { zh: "此项请点选答案".into(), en: "Choose an answer for this item".into() }))
        }
    }
}

/// A number as typed: full-width digits, a comma or 。 as the decimal point, spaces ignored.
pub fn number(text: &str) -> Result<f64, Text> {
    if text.is_empty() {
        return Err(empty());
    }
    let normal: String = text.chars().filter(|c| !c.is_whitespace()).map(half_width).collect();
    let normal = normal.replace([',', '。'], ".");
    normal
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| Text { zh: format!("“{text}”不是数字"), en: format!("“{text}” is not a number") })
}

/// A date as typed: 2026-12-03, 2026/12/3, 2026.12.3 or 2026年12月3日.
pub fn date(text: &str) -> Result<NaiveDate, Text> {
    if text.is_empty() {
        return Err(empty());
    }
    let normal: String = text.chars().filter(|c| !c.is_whitespace()).map(half_width).collect();
    let parts: Vec<&str> = normal.split(['-', '/', '.', '年', '月', '日']).filter(|p| !p.is_empty()).collect();
    let parsed = match parts.as_slice() {
        [y, m, d] => match (y.parse(), m.parse(), d.parse()) {
            (Ok(y), Ok(m), Ok(d)) => NaiveDate::from_ymd_opt(y, m, d),
            _ => None,
        },
        _ => None,
    };
    parsed.ok_or_else(|| Text {
        zh: format!("“{text}”不是日期（例如 2026-12-03）"),
        en: format!("“{text}” is not a date (e.g. 2026-12-03)"),
    })
}

fn empty() -> Text {
    Text { zh: "请填写".into(), en: "Required".into() }
}

/// Full-width digits and signs (Chinese input methods) as ASCII.
fn half_width(c: char) -> char {
    match c {
        '０'..='９' | '．' | '－' | '＋' | '，' | '／' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::template::MeasureField;

    fn typed(pairs: &[(&str, &str)]) -> Typed {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn numbers_as_people_type_them() {
        assert_eq!(number("12.5"), Ok(12.5));
        assert_eq!(number("１２，５"), Ok(12.5));
        assert_eq!(number(" 3 "), Ok(3.0));
        assert_eq!(number("-0,5"), Ok(-0.5));
        let refused = number("twelve").unwrap_err();
        assert!(refused.zh.contains("不是数字") && refused.en.contains("not a number"));
        assert!(number("NaN").is_err() && number("inf").is_err());
        assert_eq!(number("").unwrap_err().en, "Required");
    }

    #[test]
    fn dates_in_the_usual_forms() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        for text in ["2026-12-03", "2026/12/3", "2026.12.3", "2026年12月3日", "２０２６－１２－０３"] {
            assert_eq!(date(text), Ok(d), "{text}");
        }
        assert!(date("2026-02-30").is_err());
        assert!(date("12/3").unwrap_err().en.contains("2026-12-03"));
    }

    #[test]
    fn items_read_by_their_answer_type() {
        let number_spec = AnswerSpec::Number { unit: "m³".into(), rule: None };
        assert_eq!(parse(&number_spec, &typed(&[(VALUE, "８")])), Ok(AnswerValue::Number(8.0)));
        assert!(parse(&number_spec, &typed(&[])).unwrap_err().contains_key(VALUE));
        assert!(parse(&AnswerSpec::YesNo, &typed(&[(VALUE, "yes")])).is_err(), "a yes/no item is chosen, not typed");
        assert_eq!(
            parse(&AnswerSpec::Text, &typed(&[(VALUE, " 备案号 1 ")])),
            Ok(AnswerValue::Text("备案号 1".into()))
        );
        let label = Text { zh: "容积".into(), en: "Volume".into() };
        let measures = AnswerSpec::Measures {
            fields: vec![
                MeasureField {
                    key: "volume".into(),
                    label: label.clone(),
                    kind: MeasureKind::Number { unit: "m³".into() },
                },
                MeasureField { key: "checked".into(), label, kind: MeasureKind::Date },
            ],
            rule: None,
        };
        let problems = parse(&measures, &typed(&[("volume", "12")])).unwrap_err();
        assert_eq!(problems.keys().collect::<Vec<_>>(), ["checked"], "only the unreadable field is named");
        let read = parse(&measures, &typed(&[("volume", "12"), ("checked", "2026-12-01")])).unwrap();
        assert!(matches!(read, AnswerValue::Measures(m) if m.len() == 2));
    }
}
