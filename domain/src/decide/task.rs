//! A step of a rectification task: acknowledge, submit proof, accept, reject.

use crate::DomainError;
use crate::bounded;
use crate::capability::{self, Action};
use crate::ids::EvidenceId;
use crate::limits::STEP_PHOTOS;
use crate::organisation::{Enterprise, User};
use crate::rectification::{RectificationTask, TaskAction, TaskState};
use crate::signature::{Signature, Signers, check_set};

/// What a step decides: the task after it, and the note and photos it records.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub task: RectificationTask,
    pub from: TaskState,
    pub note: String,
    pub evidence: Vec<EvidenceId>,
}

/// Decides `action` on `task` by `actor`, with a note (at most the free-text limit) and the photos it
/// cites (distinct, at most [`STEP_PHOTOS`]).
pub fn transition(
    actor: &User,
    task: &RectificationTask,
    action: TaskAction,
    note: &str,
    evidence: &[EvidenceId],
) -> Result<Step, DomainError> {
    let note = bounded::free_text("note", note)?;
    bounded::distinct("photos", evidence.iter(), STEP_PHOTOS)?;
    capability::require(actor.role, Action::Task(action))?;
    let mut next = task.clone();
    next.state = task.state.after(action, actor.role)?;
    Ok(Step { task: next, from: task.state, note, evidence: evidence.to_vec() })
}

/// Who may sign for `enterprise`'s order, in the order a phone offers them: its legal representative,
/// its contact, then the signed-in enterprise user (`actor`); each name once.
pub fn acknowledgement_signers(actor: &User, enterprise: &Enterprise) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for name in [&enterprise.legal_representative, &enterprise.contact.name, &actor.name] {
        let name = name.trim();
        if !name.is_empty() && !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    names
}

/// The enterprise's acknowledgement of its order, given as a signature (or a refusal noted with its
/// witness) on an `Acknowledge` step, or the first refusal: bounded, signed as the respondent (签收人)
/// by the enterprise's legal representative, its contact or the signed-in enterprise user, over the
/// order's read-back (`read_back_sha256`). The phone runs it before sending, the platform on receipt.
pub fn acknowledgement(
    actor: &User,
    task: &RectificationTask,
    action: TaskAction,
    enterprise: &Enterprise,
    signature: Signature,
    read_back_sha256: &str,
) -> Result<Signature, DomainError> {
    let refused = |reason: String| DomainError::Invalid { field: "signature".into(), reason };
    if action != TaskAction::Acknowledge || enterprise.id != task.enterprise {
        return Err(refused("only the acknowledgement of an order is signed / 仅签收责令改正通知书时签名".into()));
    }
    let s = signature.bounded()?;
    if !acknowledgement_signers(actor, enterprise).contains(&s.signer) {
        return Err(refused(format!(
            "{} may not sign for {} / 签收人不是该企业的法定代表人、联系人或账号本人",
            s.signer, enterprise.name
        )));
    }
    let signers = Signers { inspectors: &[], recorder: None, respondent: Some(s.signer.as_str()) };
    let mut checked = check_set(vec![s.clone()], &signers, read_back_sha256)?;
    checked.pop().ok_or_else(|| refused("no signature / 无签名".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::{Mark, SignerRole, Stroke, StrokePoint};

    fn fixture() -> (User, RectificationTask, Enterprise) {
        let enterprise: Enterprise = serde_json::from_value(serde_json::json!({
            "id": crate::ids::EnterpriseId::new(), "name": "某化工厂", "credit_code": "91330100MA27XXXX1J",
            "township": crate::ids::TownshipId::new(), "address": "x", "legal_representative": "王五",
            "contact": {"name": "赵六", "phone": "1"}
        }))
        .expect("enterprise");
        let user: User = serde_json::from_value(serde_json::json!({
            "id": crate::ids::UserId::new(), "login": "e", "name": "钱七", "role": "enterprise",
            "scope": {"kind": "enterprise", "enterprise": enterprise.id}
        }))
        .expect("user");
        let task: RectificationTask = serde_json::from_value(serde_json::json!({
            "id": crate::ids::TaskId::new(), "enterprise": enterprise.id, "township": enterprise.township,
            "inspection": crate::ids::InspectionId::new(), "finding": crate::ids::FindingId::new(),
            "severity": "general", "requirement": "整改", "issued_by": crate::ids::UserId::new(),
            "issued_at": "2026-01-01T00:00:00Z", "deadline": "2026-01-31T00:00:00Z", "state": "issued",
            "case_review": false
        }))
        .expect("task");
        (user, task, enterprise)
    }

    fn signed(name: &str) -> Signature {
        Signature {
            role: SignerRole::Respondent,
            signer: name.into(),
            shown_text_sha256: "ab".repeat(32),
            at: chrono::DateTime::UNIX_EPOCH,
            mark: Mark::Drawn {
                width: 100.0,
                height: 50.0,
                strokes: vec![Stroke { points: vec![StrokePoint { x: 1.0, y: 1.0, t: 0 }] }],
            },
        }
    }

    #[test]
    fn the_signers_offered_are_the_legal_representative_first_each_once() {
        let (mut user, _, mut e) = fixture();
        assert_eq!(acknowledgement_signers(&user, &e), ["王五", "赵六", "钱七"]);
        e.contact.name = " 王五 ".into();
        user.name = String::new();
        assert_eq!(acknowledgement_signers(&user, &e), ["王五"]);
    }

    #[test]
    fn the_enterprises_people_sign_its_order_and_strangers_do_not() {
        let (user, task, e) = fixture();
        let hash = "ab".repeat(32);
        for name in ["王五", "赵六", "钱七"] {
            acknowledgement(&user, &task, TaskAction::Acknowledge, &e, signed(name), &hash).expect(name);
        }
        let stranger = acknowledgement(&user, &task, TaskAction::Acknowledge, &e, signed("孙八"), &hash);
        assert_eq!(stranger.map_err(|e| e.code()), Err(crate::error::RejectCode::Invalid));
        assert!(acknowledgement(&user, &task, TaskAction::SubmitProof, &e, signed("王五"), &hash).is_err());
        assert!(acknowledgement(&user, &task, TaskAction::Acknowledge, &e, signed("王五"), &"cd".repeat(32)).is_err());
        let mut inspector = signed("王五");
        inspector.role = SignerRole::Inspector;
        assert!(acknowledgement(&user, &task, TaskAction::Acknowledge, &e, inspector, &hash).is_err());
    }
}
