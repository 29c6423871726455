//! Signatures as data: what a person drew (vector strokes with timing) over the text they were shown
//! (read-back: the hash of that text is part of the signature), or their refusal to sign with the reason
//! and a witness. The documents draw the strokes as vector paths; nothing here touches a clock or a file.
//!
//! Raw input becomes a [`Signature`] only through [`Signature::bounded`], which refuses (with the
//! field and the limit) anything past `limits::SIGNATURE_*` or not well formed.

use super::DomainError;
use super::bounded;
use super::limits;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// Who signs a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SignerRole {
    /// An inspecting officer (检查人).
    Inspector,
    /// The officer who kept the record (记录人).
    Recorder,
    /// The person present for the enterprise (被检查人 / 签收人).
    Respondent,
}

impl SignerRole {
    /// The label a document prints beside the signature.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Inspector => "检查人",
            Self::Recorder => "记录人",
            Self::Respondent => "被检查人",
        }
    }
}

/// One sampled point of a stroke: position in the drawing box (0..=`SIGNATURE_EXTENT`, y downwards)
/// and milliseconds since the signature began.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StrokePoint {
    pub x: f32,
    pub y: f32,
    pub t: u32,
}

/// One finger-down-to-finger-up stroke.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stroke {
    pub points: Vec<StrokePoint>,
}

/// A person who saw the refusal to sign.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Witness {
    pub name: String,
    /// Position or unit of the witness (e.g. 村委会主任).
    #[serde(default)]
    pub position: String,
}

/// What the signer did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mark {
    /// Signed by hand: the strokes as drawn, in a box of `width` × `height` units.
    Drawn { width: f32, height: f32, strokes: Vec<Stroke> },
    /// Refused to sign; the refusal is noted with the reason and a witness.
    Refused { reason: String, witness: Witness },
}

/// A signature (or a noted refusal) over the text the signer was shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Signature {
    pub role: SignerRole,
    pub signer: String,
    /// SHA-256 (64 lowercase hex digits) of the text read back to the signer.
    pub shown_text_sha256: String,
    /// When the signer signed or refused (device time).
    pub at: DateTime<Utc>,
    pub mark: Mark,
}

impl Signature {
    /// The signature with its text trimmed, or the first refusal: names and reasons within their
    /// limits, a well-formed hash, at most `SIGNATURE_STROKES` strokes of at least one point each and
    /// at most `SIGNATURE_POINTS` points in all, every point inside the drawing box, times not going
    /// backwards.
    pub fn bounded(self) -> Result<Signature, DomainError> {
        let signer = bounded::required_text("signer", &self.signer, limits::LABEL_CHARS)?;
        let hash = self.shown_text_sha256.trim().to_ascii_lowercase();
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(DomainError::Invalid {
                field: "shown_text_sha256".into(),
                reason: "must be 64 hexadecimal digits / 须为 64 位十六进制".into(),
            });
        }
        let mark = match self.mark {
            Mark::Drawn { width, height, strokes } => {
                bounded_box(width, height)?;
                bounded::count("signature strokes", strokes.len(), limits::SIGNATURE_STROKES)?;
                if strokes.is_empty() {
                    return Err(DomainError::Blank { field: "signature strokes".into() });
                }
                let points: usize = strokes.iter().map(|s| s.points.len()).sum();
                bounded::count("signature points", points, limits::SIGNATURE_POINTS)?;
                let mut last_t = 0;
                for stroke in &strokes {
                    if stroke.points.is_empty() {
                        return Err(DomainError::Blank { field: "signature stroke".into() });
                    }
                    for p in &stroke.points {
                        if !((0.0..=width).contains(&p.x) && (0.0..=height).contains(&p.y)) {
                            return Err(DomainError::Invalid {
                                field: "signature point".into(),
                                reason: "outside the drawing box / 超出签名框".into(),
                            });
                        }
                        if p.t < last_t {
                            return Err(DomainError::Invalid {
                                field: "signature point".into(),
                                reason: "time goes backwards / 时间倒流".into(),
                            });
                        }
                        last_t = p.t;
                    }
                }
                Mark::Drawn { width, height, strokes }
            }
            Mark::Refused { reason, witness } => Mark::Refused {
                reason: bounded::required_text("refusal reason", &reason, limits::FIELD_CHARS)?,
                witness: Witness {
                    name: bounded::required_text("witness", &witness.name, limits::LABEL_CHARS)?,
                    position: bounded::text("witness position", &witness.position, limits::LABEL_CHARS)?,
                },
            },
        };
        Ok(Signature { role: self.role, signer, shown_text_sha256: hash, at: self.at, mark })
    }

    /// Whether the signer refused.
    pub fn refused(&self) -> bool {
        matches!(self.mark, Mark::Refused { .. })
    }
}

/// Who may sign a record: its inspectors, its recorder and (once) the person present for the enterprise.
pub struct Signers<'a> {
    pub inspectors: &'a [String],
    pub recorder: Option<&'a str>,
    pub respondent: Option<&'a str>,
}

/// The signatures of one record, each [`Signature::bounded`], or the first refusal: every signer is one
/// of the record's people in that role (by name), signs at most once per role, and signed the text the
/// record reads back (`read_back_sha256`, lowercase hex). A refusal is a signature too (it names the
/// witness); it must be over the same text.
pub fn check_set(
    signatures: Vec<Signature>,
    signers: &Signers<'_>,
    read_back_sha256: &str,
) -> Result<Vec<Signature>, DomainError> {
    bounded::count("signatures", signatures.len(), signers.inspectors.len() + 2)?;
    let mut out: Vec<Signature> = Vec::with_capacity(signatures.len());
    for s in signatures {
        let s = s.bounded()?;
        let allowed = match s.role {
            SignerRole::Inspector => signers.inspectors.iter().any(|n| n.trim() == s.signer),
            SignerRole::Recorder => signers.recorder.is_some_and(|n| n.trim() == s.signer),
            SignerRole::Respondent => signers.respondent.is_some_and(|n| n.trim() == s.signer),
        };
        if !allowed {
            return Err(DomainError::Invalid {
                field: "signature".into(),
                reason: format!(
                    "{} is not the record's {:?} / 签名人不是本笔录的{}",
                    s.signer,
                    s.role,
                    s.role.label_zh()
                ),
            });
        }
        if out.iter().any(|o| o.role == s.role && o.signer == s.signer) {
            return Err(DomainError::Duplicate { what: format!("signature of {}", s.signer) });
        }
        if s.shown_text_sha256 != read_back_sha256 {
            return Err(DomainError::Invalid {
                field: "shown_text_sha256".into(),
                reason: "the signer was shown another text than the record reads back / 宣读文本与笔录不一致".into(),
            });
        }
        out.push(s);
    }
    Ok(out)
}

/// Keys of the printed facts that state the signatures themselves: they are not read back (a signer
/// cannot sign over their own signature).
pub const SIGNING_KEYS: &[&str] =
    &["respondent_opinion", "refusal_note", "witness", "inspector_signatures", "acknowledgement"];

/// The text read back to a signer and its SHA-256 (lowercase hex), the hash a [`Signature`] carries.
/// The one rule for it: every printed fact but the [`SIGNING_KEYS`], in order, as `label：value` lines.
/// The documents list the facts (what a page prints); the phone and the platform both hash them here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadBack {
    pub text: String,
    pub sha256: String,
}

impl ReadBack {
    /// From the printed facts as `(key, label, value)`.
    pub fn of<'a>(facts: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>) -> ReadBack {
        let text: String = facts
            .into_iter()
            .filter(|(key, _, _)| !SIGNING_KEYS.contains(key))
            .map(|(_, label, value)| format!("{label}：{value}\n"))
            .collect();
        let sha256 = Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        ReadBack { text, sha256 }
    }
}

fn bounded_box(width: f32, height: f32) -> Result<(), DomainError> {
    let ok = |v: f32| v.is_finite() && v > 0.0 && v <= limits::SIGNATURE_EXTENT;
    if !ok(width) || !ok(height) {
        return Err(DomainError::Invalid {
            field: "signature box".into(),
            reason: format!(
                "width and height must be above 0 and at most {} / 签名框尺寸无效",
                limits::SIGNATURE_EXTENT
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drawn(strokes: Vec<Stroke>) -> Signature {
        Signature {
            role: SignerRole::Respondent,
            signer: " 王五 ".into(),
            shown_text_sha256: "AB".repeat(32),
            at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            mark: Mark::Drawn { width: 300.0, height: 100.0, strokes },
        }
    }

    fn stroke(n: usize) -> Stroke {
        stroke_from(0, n)
    }

    fn stroke_from(t0: u32, n: usize) -> Stroke {
        Stroke { points: (0..n).map(|i| StrokePoint { x: (i % 300) as f32, y: 50.0, t: t0 + i as u32 }).collect() }
    }

    #[test]
    fn a_drawn_signature_is_trimmed_and_kept() {
        let s = drawn(vec![stroke(10), stroke_from(10, 3)]).bounded().unwrap();
        assert_eq!(s.signer, "王五");
        assert_eq!(s.shown_text_sha256, "ab".repeat(32));
        assert!(!s.refused());
    }

    #[test]
    fn limits_and_shapes_are_refused() {
        let too_many = vec![stroke(1); limits::SIGNATURE_STROKES + 1];
        assert!(matches!(drawn(too_many).bounded(), Err(DomainError::TooMany { .. })));
        let too_long = vec![stroke(limits::SIGNATURE_POINTS + 1)];
        assert!(matches!(drawn(too_long).bounded(), Err(DomainError::TooMany { .. })));
        assert!(matches!(drawn(vec![]).bounded(), Err(DomainError::Blank { .. })));
        assert!(matches!(drawn(vec![Stroke { points: vec![] }]).bounded(), Err(DomainError::Blank { .. })));
        let outside = Stroke { points: vec![StrokePoint { x: 301.0, y: 0.0, t: 0 }] };
        assert!(matches!(drawn(vec![outside]).bounded(), Err(DomainError::Invalid { .. })));
        let nan = Stroke { points: vec![StrokePoint { x: f32::NAN, y: 0.0, t: 0 }] };
        assert!(matches!(drawn(vec![nan]).bounded(), Err(DomainError::Invalid { .. })));
        let backwards =
            Stroke { points: vec![StrokePoint { x: 1.0, y: 1.0, t: 5 }, StrokePoint { x: 2.0, y: 1.0, t: 4 }] };
        assert!(matches!(drawn(vec![backwards]).bounded(), Err(DomainError::Invalid { .. })));
        let mut bad_hash = drawn(vec![stroke(2)]);
        bad_hash.shown_text_sha256 = "xyz".into();
        assert!(bad_hash.bounded().is_err());
        let mut huge_box = drawn(vec![stroke(2)]);
        huge_box.mark = Mark::Drawn { width: f32::INFINITY, height: 1.0, strokes: vec![stroke(1)] };
        assert!(huge_box.bounded().is_err());
    }

    #[test]
    fn only_the_records_people_sign_once_over_the_read_back() {
        let inspectors = ["张伟".to_string(), "王芳".to_string()];
        let signers = Signers { inspectors: &inspectors, recorder: Some("王芳"), respondent: Some("王五") };
        let read_back = "ab".repeat(32);
        let as_ = |role, name: &str| Signature { role, signer: name.into(), ..drawn(vec![stroke(3)]) };
        let all = vec![
            as_(SignerRole::Respondent, "王五"),
            as_(SignerRole::Inspector, "张伟"),
            as_(SignerRole::Inspector, "王芳"),
            as_(SignerRole::Recorder, "王芳"),
        ];
        assert_eq!(check_set(all.clone(), &signers, &read_back).unwrap().len(), 4);
        let stranger = vec![as_(SignerRole::Inspector, "赵六")];
        assert!(matches!(check_set(stranger, &signers, &read_back), Err(DomainError::Invalid { .. })));
        let twice = vec![as_(SignerRole::Inspector, "张伟"), as_(SignerRole::Inspector, "张伟")];
        assert!(matches!(check_set(twice, &signers, &read_back), Err(DomainError::Duplicate { .. })));
        assert!(matches!(check_set(all, &signers, &"cd".repeat(32)), Err(DomainError::Invalid { .. })));
        let no_recorder = Signers { recorder: None, ..signers };
        assert!(check_set(vec![as_(SignerRole::Recorder, "王芳")], &no_recorder, &read_back).is_err());
    }

    #[test]
    fn the_read_back_leaves_out_the_signatures() {
        let facts =
            [("entity_name", "当事人", "某厂"), ("acknowledgement", "签收", "王五 已签名"), ("deadline", "期限", "x")];
        let r = ReadBack::of(facts);
        assert_eq!(r.text, "当事人：某厂\n期限：x\n");
        assert_eq!(r.sha256, ReadBack::of(facts.into_iter().filter(|f| f.0 != "acknowledgement")).sha256);
        assert_eq!(r.sha256.len(), 64);
    }

    #[test]
    fn a_refusal_needs_a_reason_and_a_witness() {
        let mut s = drawn(vec![]);
        s.mark =
            Mark::Refused { reason: "  ".into(), witness: Witness { name: "赵六".into(), position: String::new() } };
        assert!(matches!(s.clone().bounded(), Err(DomainError::Blank { .. })));
        s.mark = Mark::Refused {
            reason: "不认可检查结论".into(),
            witness: Witness { name: " ".into(), position: String::new() },
        };
        assert!(matches!(s.clone().bounded(), Err(DomainError::Blank { .. })));
        s.mark = Mark::Refused {
            reason: "不认可检查结论".into(),
            witness: Witness { name: "赵六".into(), position: "村委会主任".into() },
        };
        assert!(s.bounded().unwrap().refused());
    }
}
