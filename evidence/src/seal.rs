//! The device's signature over a chain head, and the platform's countersignature on receipt.

use super::chain::{ChainError, ChainHead, EvidenceChain};
use super::digest::Digest;
use super::signing::{PublicKey, Signature, SignatureError, Signer, check_trusted, verify};
use chrono::{DateTime, Utc};
use fieldcheck_domain::ids::DeviceId;
use fieldcheck_domain::signature::Signature as HandSignature;
use serde::{Deserialize, Serialize};

const SEAL_TAG: &[u8] = b"fieldcheck.evidence.device-seal.v1\n";
const RECEIPT_TAG: &[u8] = b"fieldcheck.evidence.platform-receipt.v1\n";

/// A chain head signed by the device that made it; carried by the submitted inspection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeviceSeal {
    pub head: ChainHead,
    pub device: DeviceId,
    /// Device clock at signing.
    pub signed_at: DateTime<Utc>,
    pub key: PublicKey,
    pub signature: Signature,
    /// SHA-256 of the record's signatures as submitted ([`signatures_digest`]); none for a record
    /// signed on paper (and every seal made before signatures existed: the signed bytes are unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signatures: Option<Digest>,
}

/// The platform's countersignature: it verified the chain and seal and received them at `received_at`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlatformReceipt {
    /// Server clock at receipt.
    pub received_at: DateTime<Utc>,
    pub key: PublicKey,
    pub signature: Signature,
}

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct SealStatement<'a> {
    head: &'a ChainHead,
    device: &'a DeviceId,
    signed_at: &'a DateTime<Utc>,
    key: &'a PublicKey,
    #[serde(skip_serializing_if = "Option::is_none")]
    signatures: &'a Option<Digest>,
}

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct ReceiptStatement<'a> {
    seal: &'a DeviceSeal,
    received_at: &'a DateTime<Utc>,
    key: &'a PublicKey,
}

fn message<T: Serialize>(tag: &[u8], statement: &T) -> Vec<u8> {
    let mut out = tag.to_vec();
    // Serialising these plain structs cannot fail.
    out.extend(serde_json::to_vec(statement).unwrap_or_default());
    out
}

impl DeviceSeal {
    /// The exact bytes the device signs.
    pub fn message(&self) -> Vec<u8> {
        message(
            SEAL_TAG,
            &SealStatement {
                head: &self.head,
                device: &self.device,
                signed_at: &self.signed_at,
                key: &self.key,
                signatures: &self.signatures,
            },
        )
    }

    /// Checks the seal's own signature (not yet that its key is the device's registered one).
    pub fn verify_signature(&self) -> Result<(), SignatureError> {
        verify(&self.key, &self.message(), &self.signature)
    }
}

impl PlatformReceipt {
    /// The exact bytes the platform signs for `seal`.
    pub fn message(&self, seal: &DeviceSeal) -> Vec<u8> {
        message(RECEIPT_TAG, &ReceiptStatement { seal, received_at: &self.received_at, key: &self.key })
    }

    /// Checks the countersignature over `seal`, and that the platform key is trusted.
    pub fn verify(&self, seal: &DeviceSeal, trusted_platform_keys: &[PublicKey]) -> Result<(), SignatureError> {
        verify(&self.key, &self.message(seal), &self.signature)?;
        check_trusted(&self.key, trusted_platform_keys)
    }
}

/// Device side: verifies its own chain, then signs its head.
pub fn seal(
    chain: &EvidenceChain,
    device: DeviceId,
    signer: &dyn Signer,
    signed_at: DateTime<Utc>,
) -> Result<DeviceSeal, ChainError> {
    seal_signed(chain, &[], device, signer, signed_at)
}

/// The digest a seal carries for a record's signatures (canonical JSON); none when there are none.
pub fn signatures_digest(signatures: &[HandSignature]) -> Option<Digest> {
    (!signatures.is_empty()).then(|| Digest::of(&serde_json::to_vec(signatures).unwrap_or_default()))
}

/// A signature and the device seal whose `signatures` digest covers it ([`signatures_digest`] of it
/// alone): the enterprise's acknowledgement of its order, as its phone sealed it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SealedSignature {
    pub signature: HandSignature,
    pub seal: DeviceSeal,
}

impl SealedSignature {
    /// Whether the seal covers exactly this signature and its own signature holds (the key is checked
    /// against the device's registered key by whoever knows it).
    pub fn holds(&self) -> bool {
        signatures_digest(std::slice::from_ref(&self.signature)) == self.seal.signatures
            && self.seal.verify_signature().is_ok()
    }
}

/// As [`seal`], the seal covering the record's signatures (strokes and read-back hash) too.
pub fn seal_signed(
    chain: &EvidenceChain,
    signatures: &[HandSignature],
    device: DeviceId,
    signer: &dyn Signer,
    signed_at: DateTime<Utc>,
) -> Result<DeviceSeal, ChainError> {
    let head = chain.verify()?;
    let mut seal = DeviceSeal {
        head,
        device,
        signed_at,
        key: signer.public_key(),
        signature: Signature(Vec::new()),
        signatures: signatures_digest(signatures),
    };
    seal.signature = signer.sign(&seal.message())?;
    Ok(seal)
}

/// Checks a chain against a device seal: the chain verifies, its head is the sealed one, the signature
/// holds, and (if given) the key is the device's registered key.
pub fn verify_sealed(
    chain: &EvidenceChain,
    seal: &DeviceSeal,
    registered_device_key: Option<&PublicKey>,
) -> Result<(), ChainError> {
    let mut problems = chain.problems();
    problems.extend(chain.check_head(&seal.head));
    if !problems.is_empty() {
        return Err(ChainError::Broken { problems });
    }
    if let Some(registered) = registered_device_key {
        check_trusted(&seal.key, std::slice::from_ref(registered))?;
    }
    seal.verify_signature()?;
    Ok(())
}

/// Platform side, on receipt: verifies chain and device signature against the device's registered key,
/// then countersigns with the platform key and the receipt time. Refuses what does not verify.
pub fn countersign(
    chain: &EvidenceChain,
    seal: &DeviceSeal,
    registered_device_key: &PublicKey,
    platform: &dyn Signer,
    received_at: DateTime<Utc>,
) -> Result<PlatformReceipt, ChainError> {
    verify_sealed(chain, seal, Some(registered_device_key))?;
    let mut receipt = PlatformReceipt { received_at, key: platform.public_key(), signature: Signature(Vec::new()) };
    receipt.signature = platform.sign(&receipt.message(seal))?;
    Ok(receipt)
}
