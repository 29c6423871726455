//! The read-back and signatures as the apps send and show them: a signature pad's strokes (points with
//! milliseconds since the signature began), a refusal with its witness, who still has to sign.

use fieldcheck_core::app::Signing;
use fieldcheck_core::domain::signature::{SignerRole, Stroke, StrokePoint, Witness};

/// Who signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Signer {
    Inspector,
    Recorder,
    Respondent,
}

impl From<Signer> for SignerRole {
    fn from(s: Signer) -> Self {
        match s {
            Signer::Inspector => Self::Inspector,
            Signer::Recorder => Self::Recorder,
            Signer::Respondent => Self::Respondent,
        }
    }
}

impl From<SignerRole> for Signer {
    fn from(s: SignerRole) -> Self {
        match s {
            SignerRole::Inspector => Self::Inspector,
            SignerRole::Recorder => Self::Recorder,
            SignerRole::Respondent => Self::Respondent,
        }
    }
}

/// One sampled point of a finger stroke, in the pad's units (y downwards).
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct PadPoint {
    pub x: f32,
    pub y: f32,
    /// Milliseconds since the signature began.
    pub t: u32,
}

/// One finger-down-to-finger-up stroke.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PadStroke {
    pub points: Vec<PadPoint>,
}

pub(super) fn strokes(strokes: Vec<PadStroke>) -> Vec<Stroke> {
    strokes
        .into_iter()
        .map(|s| Stroke { points: s.points.into_iter().map(|p| StrokePoint { x: p.x, y: p.y, t: p.t }).collect() })
        .collect()
}

pub(super) fn witness(name: String, position: String) -> Witness {
    Witness { name, position }
}

/// One person who signs, and whether they have (signed or refused).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SignerSlotView {
    pub role: Signer,
    pub name: String,
    pub done: bool,
}

/// The record read back: the text shown to the signers, its hash, and who still has to sign.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SigningView {
    pub text: String,
    pub sha256: String,
    pub signers: Vec<SignerSlotView>,
}

impl From<&Signing> for SigningView {
    fn from(s: &Signing) -> Self {
        SigningView {
            text: s.read_back.text.clone(),
            sha256: s.read_back.sha256.clone(),
            signers: s
                .slots()
                .into_iter()
                .map(|slot| SignerSlotView { role: slot.role.into(), name: slot.name, done: slot.done })
                .collect(),
        }
    }
}
