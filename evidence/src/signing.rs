//! Signatures over chain heads: a `Signer` the app supplies (so a phone's secure hardware can hold the
//! key) and a software P-256 signer for tests and desktops.
//!
//! Algorithm: ECDSA on P-256 with SHA-256 over the message (what Android Keystore's
//! `SHA256withECDSA` and iOS's `ecdsaSignatureMessageX962SHA256` produce). Public keys are SEC1 points
//! (uncompressed, 65 bytes, as iOS exports them; Android's X.509 form holds the same point);
//! signatures are ASN.1 DER.

use super::digest::Digest;
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::{Signature as P256Signature, SigningKey, VerifyingKey};
use p256::elliptic_curve::Generate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use thiserror::Error;

/// Signing or verification failures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignatureError {
    #[error("not a P-256 public key")]
    BadPublicKey,
    #[error("not a DER-encoded ECDSA signature")]
    Malformed,
    #[error("the signature does not match the message and key")]
    Mismatch,
    #[error("the key {fingerprint} is not one of the trusted keys")]
    UntrustedKey { fingerprint: String },
    #[error("the signer failed: {0}")]
    Signer(String),
}

macro_rules! hex_bytes {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub struct $name(pub Vec<u8>);

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), hex::encode(&self.0))
            }
        }

        #[cfg(feature = "openapi")]
        fieldcheck_domain::string_schema!($name, "hex");

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&hex::encode(&self.0))
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                hex::decode(&s).map(Self).map_err(serde::de::Error::custom)
            }
        }
    };
}

hex_bytes! {
    /// A P-256 public key as a SEC1 point, hex on the wire.
    PublicKey
}

hex_bytes! {
    /// A DER ECDSA signature, hex on the wire.
    Signature
}

impl PublicKey {
    /// Checks that the bytes are a P-256 SEC1 point (what an app's hardware key must export).
    pub fn validate(&self) -> Result<(), SignatureError> {
        VerifyingKey::from_sec1_bytes(&self.0).map(|_| ()).map_err(|_| SignatureError::BadPublicKey)
    }

    /// SHA-256 of the key bytes: a short name to compare keys by (e.g. with a device registry).
    pub fn fingerprint(&self) -> Digest {
        Digest::of(&self.0)
    }
}

/// Something that holds a P-256 private key and signs messages with ECDSA-SHA256.
pub trait Signer: Send + Sync {
    /// The public half of the key.
    fn public_key(&self) -> PublicKey;
    /// Signs `message` (the signer hashes it with SHA-256), returning a DER signature.
    fn sign(&self, message: &[u8]) -> Result<Signature, SignatureError>;
}

/// A P-256 key held in memory: for tests, desktops and the platform's own key.
#[derive(Clone)]
pub struct SoftwareSigner {
    key: SigningKey,
}

impl fmt::Debug for SoftwareSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SoftwareSigner({})", self.public_key().fingerprint())
    }
}

impl SoftwareSigner {
    /// A fresh random key from the operating system's generator.
    pub fn generate() -> Result<Self, SignatureError> {
        let key = SigningKey::try_generate().map_err(|e| SignatureError::Signer(e.to_string()))?;
        Ok(Self { key })
    }

    /// A key from its 32-byte secret scalar.
    pub fn from_secret(secret: &[u8]) -> Result<Self, SignatureError> {
        let key = SigningKey::from_slice(secret).map_err(|_| SignatureError::BadPublicKey)?;
        Ok(Self { key })
    }

    /// The 32-byte secret scalar, to keep the key somewhere safe.
    pub fn secret(&self) -> Vec<u8> {
        self.key.to_bytes().to_vec()
    }
}

impl Signer for SoftwareSigner {
    fn public_key(&self) -> PublicKey {
        PublicKey(self.key.verifying_key().to_sec1_bytes().to_vec())
    }

    fn sign(&self, message: &[u8]) -> Result<Signature, SignatureError> {
        let sig: P256Signature = self.key.try_sign(message).map_err(|e| SignatureError::Signer(e.to_string()))?;
        Ok(Signature(sig.to_der().as_bytes().to_vec()))
    }
}

/// Checks a DER ECDSA-SHA256 signature of `message` by `key`.
pub fn verify(key: &PublicKey, message: &[u8], signature: &Signature) -> Result<(), SignatureError> {
    let key = VerifyingKey::from_sec1_bytes(&key.0).map_err(|_| SignatureError::BadPublicKey)?;
    let sig = P256Signature::from_der(&signature.0).map_err(|_| SignatureError::Malformed)?;
    key.verify(message, &sig).map_err(|_| SignatureError::Mismatch)
}

/// Checks that `key` is one of `trusted` (by exact bytes).
pub fn check_trusted(key: &PublicKey, trusted: &[PublicKey]) -> Result<(), SignatureError> {
    if trusted.contains(key) {
        Ok(())
    } else {
        Err(SignatureError::UntrustedKey { fingerprint: key.fingerprint().to_hex() })
    }
}
