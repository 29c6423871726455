//! The read-back and signing step before submission: the officer reads the record back
//! (`Event::ReadBack`), each inspector, the recorder and the respondent sign over the text shown (or
//! a refusal is noted with its witness), and `Event::Submit` submits the record as read back with the
//! signatures (`Store::submit_signed`). Kept in the core, so a rotation does not lose the strokes.

use crate::domain::ids::TaskId;
use crate::domain::inspection::Inspection;
use crate::domain::signature::{ReadBack as OrderReadBack, Signature, SignerRole};
use crate::store::ReadBack;

/// One person who signs the record, and whether they have.
#[derive(Clone, Debug, PartialEq)]
pub struct SignerSlot {
    pub role: SignerRole,
    pub name: String,
    /// Signed or refused.
    pub done: bool,
}

/// The read-back of one inspection and the signatures given on it so far.
#[derive(Clone, Debug, PartialEq)]
pub struct Signing {
    pub read_back: ReadBack,
    pub signatures: Vec<Signature>,
}

impl Signing {
    /// Who signs: each inspector, the recorder, the respondent (those the record names).
    pub fn slots(&self) -> Vec<SignerSlot> {
        let i: &Inspection = &self.read_back.inspection;
        let mut people: Vec<(SignerRole, String)> =
            i.inspectors.iter().map(|p| (SignerRole::Inspector, p.name.trim().to_string())).collect();
        people.extend(i.recorder.iter().map(|p| (SignerRole::Recorder, p.name.trim().to_string())));
        people.extend(i.respondent.iter().map(|p| (SignerRole::Respondent, p.name.trim().to_string())));
        people
            .into_iter()
            .map(|(role, name)| {
                let done = self.signatures.iter().any(|s| s.role == role && s.signer.trim() == name);
                SignerSlot { role, name, done }
            })
            .collect()
    }

    /// Keeps `signature`, replacing an earlier one by the same person in the same role.
    pub fn add(&mut self, signature: Signature) {
        self.signatures.retain(|s| !(s.role == signature.role && s.signer.trim() == signature.signer.trim()));
        self.signatures.push(signature);
    }
}

/// An order read back to the enterprise on its phone (`Event::ReadOrderBack`): the person signs for it
/// (`Event::AcknowledgedOrder`) or refuses (`Event::RefusedToAcknowledge`), and the signature is the
/// acknowledgement of the task.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderSigning {
    pub task: TaskId,
    pub read_back: OrderReadBack,
    /// Who may sign for the enterprise, the one to offer first first (`Store::order_signers`).
    pub signers: Vec<String>,
}
