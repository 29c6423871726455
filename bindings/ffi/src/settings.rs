//! App settings the core acts on: when photo originals upload and what the network costs, the key
//! evidence is sealed with (an app's hardware-backed key through a foreign-implemented signer), and
//! whether photos are watermarked and with which font.

use crate::client::FieldcheckClient;
use crate::error::{FieldcheckError, Result};
use fieldcheck_core::evidence::upload::{Network, OriginalPolicy};
use fieldcheck_core::evidence::{PublicKey, Signature, SignatureError, Signer, WatermarkFont};
use fieldcheck_core::store::Theme;
use std::path::Path;
use std::sync::Arc;

#[uniffi::remote(Enum)]
pub enum OriginalPolicy {
    Immediately,
    WifiOnly,
    OnRequest,
}

/// Day, night or following the phone (the settings' switch; the core keeps it).
#[uniffi::remote(Enum)]
pub enum Theme {
    System,
    Day,
    Night,
}

#[uniffi::remote(Enum)]
pub enum Network {
    Offline,
    Metered,
    Unmetered,
}

/// Implemented by the app over Android Keystore / the Secure Enclave: a P-256 key that never leaves
/// the hardware.
#[uniffi::export(with_foreign)]
pub trait DeviceSigner: Send + Sync {
    /// The public key as an uncompressed SEC1 point (65 bytes: 0x04, X, Y).
    fn public_key(&self) -> Vec<u8>;
    /// Signs `message` with ECDSA P-256 over SHA-256 (`SHA256withECDSA`,
    /// `ecdsaSignatureMessageX962SHA256`), returning the DER signature.
    fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>>;
}

/// The app's signer as the core's `Signer`.
struct Foreign(Arc<dyn DeviceSigner>);

impl Signer for Foreign {
    fn public_key(&self) -> PublicKey {
        PublicKey(self.0.public_key())
    }

    fn sign(&self, message: &[u8]) -> Result<Signature, SignatureError> {
        self.0.sign(message.to_vec()).map(Signature).map_err(|e| SignatureError::Signer(e.to_string()))
    }
}

impl From<uniffi::UnexpectedUniFFICallbackError> for FieldcheckError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Internal(format!("the app's callback failed: {}", e.reason))
    }
}

#[uniffi::export]
impl FieldcheckClient {
    /// Seals evidence with the app's key from now on. Call it before `signIn`: sign-in registers the
    /// public key with the platform, which refuses seals made with another key.
    pub fn set_signer(&self, signer: Arc<dyn DeviceSigner>) -> Result<()> {
        let key = PublicKey(signer.public_key());
        // A key the platform could never verify is refused here rather than at the next submission.
        key.validate().map_err(|_| {
            FieldcheckError::InvalidInput("the signer's public key is not a P-256 SEC1 point / 签名公钥格式错误".into())
        })?;
        self.shared().store.set_signer(Arc::new(Foreign(signer)));
        Ok(())
    }

    /// The public key evidence is sealed with (SEC1 point), e.g. to show its fingerprint.
    pub fn device_public_key(&self) -> Result<Vec<u8>> {
        Ok(self.shared().store.device_public_key()?.0)
    }

    /// When photo originals upload (renditions always go first, as soon as their record is accepted),
    /// kept across launches, and the network the phone is on now; call again whenever the network changes.
    pub fn set_upload_policy(&self, originals: OriginalPolicy, network: Network) -> Result<()> {
        self.shared().store.set_originals_policy(originals)?;
        self.shared().sync.set_upload_policy(originals, network);
        Ok(())
    }

    /// The user's choice of when originals upload, as kept (Wi-Fi only until one is made).
    pub fn originals_policy(&self) -> Result<OriginalPolicy> {
        Ok(self.shared().store.originals_policy()?)
    }

    /// Watermarks photos taken from now on (on the upload rendition only, never the original) with
    /// time, place, enterprise and who took them, or stops. The time is in the bureau's legal zone
    /// (UTC+8), as the documents print it, whatever zone the phone is set to. Kept across launches.
    pub fn set_watermark(&self, on: bool) -> Result<()> {
        Ok(self.shared().store.set_watermark(on)?)
    }

    /// Whether photos get a watermark.
    pub fn watermarks_on(&self) -> Result<bool> {
        Ok(self.shared().store.watermarks_on()?)
    }

    /// The font watermarks are drawn with: a TrueType/OpenType file or collection (`face` is the index
    /// in a .ttc), e.g. `/system/fonts/NotoSansCJK-Regular.ttc` on Android. Without one only ASCII is
    /// drawn and other characters show as '?' (reported in `PhotoView.watermarkMissingGlyphs`). Set it
    /// at every launch; it is not kept.
    pub fn set_watermark_font(&self, path: String, face: u32) -> Result<()> {
        let font = WatermarkFont::from_file(Path::new(&path), face)?;
        self.shared().ingestor.set_font(font);
        Ok(())
    }
}
