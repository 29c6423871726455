//! Rectification tasks (整改任务): issued to an enterprise with a deadline, answered with proof,
//! accepted or sent back by enforcement.

use super::DomainError;
use super::finding::Severity;
use super::ids::{EnterpriseId, FindingId, InspectionId, TaskId, TownshipId, UserId};
use super::organisation::Role;
use super::transition::{Transition, apply};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// 已下发
    Issued,
    /// 已签收
    Acknowledged,
    /// 已提交整改材料
    ProofSubmitted,
    /// 已验收 (final)
    Accepted,
    /// 退回整改: back with the enterprise
    Rejected,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskAction {
    Acknowledge,
    SubmitProof,
    Accept,
    Reject,
}

use Role::*;
use TaskAction::*;
use TaskState::*;

/// The rectification state machine: the only place its rules live.
pub const TASK_TRANSITIONS: &[Transition<TaskState, TaskAction>] = &[
    Transition { action: Acknowledge, from: &[Issued], to: Acknowledged, roles: &[Enterprise] },
    Transition { action: SubmitProof, from: &[Acknowledged, Rejected], to: ProofSubmitted, roles: &[Enterprise] },
    Transition { action: Accept, from: &[ProofSubmitted], to: Accepted, roles: &[Officer, Commander] },
    Transition { action: Reject, from: &[ProofSubmitted], to: Rejected, roles: &[Officer, Commander] },
];

impl TaskState {
    /// Every state, in lifecycle order.
    pub const ALL: [TaskState; 5] = [Issued, Acknowledged, ProofSubmitted, Accepted, Rejected];
    /// The states in which the enterprise owes an answer: a task in one of them past its deadline is overdue.
    pub const OWED: [TaskState; 3] = [Issued, Acknowledged, Rejected];

    /// The state after `action` by `role`, or why it is not allowed.
    pub fn after(self, action: TaskAction, role: Role) -> Result<TaskState, DomainError> {
        apply("rectification task", TASK_TRANSITIONS, self, action, role)
    }

    /// The actions `role` may take from this state, in table order: what a screen offers as buttons.
    pub fn actions_for(self, role: Role) -> Vec<TaskAction> {
        TASK_TRANSITIONS.iter().map(|t| t.action).filter(|a| self.after(*a, role).is_ok()).collect()
    }

    pub fn is_final(self) -> bool {
        self == Accepted
    }

    /// Whether a task in this state with this deadline is overdue at `now` (the enterprise owes an answer
    /// past the deadline).
    pub fn overdue(self, deadline: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        TaskState::OWED.contains(&self) && deadline < now
    }

    pub fn label(self) -> super::text::Text {
        use super::text::Text;
        match self {
            Issued => Text::new("已下发", "issued"),
            Acknowledged => Text::new("已签收", "acknowledged"),
            ProofSubmitted => Text::new("待验收", "proof submitted"),
            Accepted => Text::new("已验收", "accepted"),
            Rejected => Text::new("退回整改", "rejected"),
        }
    }
}

/// A task issued to an enterprise because of a finding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RectificationTask {
    pub id: TaskId,
    pub enterprise: EnterpriseId,
    pub township: TownshipId,
    pub inspection: InspectionId,
    pub finding: FindingId,
    pub severity: Severity,
    /// What the enterprise must do.
    pub requirement: String,
    pub issued_by: UserId,
    pub issued_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub state: TaskState,
    /// Serious findings also go to case review (立案审查).
    pub case_review: bool,
    /// The provisions the finding cites, as the order prints them (absent on tasks issued before the
    /// enterprise signed its order on the phone: see [`RectificationTask::cited_legal_basis`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub legal_basis: Vec<String>,
}

impl RectificationTask {
    /// The provisions the task's order cites (违反的规定): its own; for a task issued before tasks carried
    /// them, the legal basis of the shipped checklist item its finding was proposed from (the task's
    /// requirement is that finding's description, [`Finding::proposed_description`]); else none. It reads
    /// the task alone, because the enterprise's phone never sees the finding: the phone and the platform
    /// print and read back the same order from the same task.
    ///
    /// [`Finding::proposed_description`]: crate::finding::Finding::proposed_description
    pub fn cited_legal_basis(&self) -> Vec<String> {
        if !self.legal_basis.is_empty() {
            return self.legal_basis.clone();
        }
        let requirement = self.requirement.trim();
        crate::checklists::shipped()
            .iter()
            .flat_map(|t| &t.items)
            .find(|item| crate::finding::Finding::proposed_description(item) == requirement)
            .map(|item| item.legal_basis.clone())
            .unwrap_or_default()
    }

    /// Overdue: the deadline has passed and the enterprise has not (or no longer) answered with proof.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.state.overdue(self.deadline, now)
    }

    /// Time left before the deadline while the enterprise owes an answer; negative once overdue.
    pub fn time_left(&self, now: DateTime<Utc>) -> Option<Duration> {
        TaskState::OWED.contains(&self.state).then(|| self.deadline - now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn any_action() -> impl Strategy<Value = TaskAction> {
        prop_oneof![Just(Acknowledge), Just(SubmitProof), Just(Accept), Just(Reject)]
    }

    fn any_role() -> impl Strategy<Value = Role> {
        prop_oneof![Just(Officer), Just(Township), Just(Enterprise), Just(Commander)]
    }

    fn task(requirement: String, legal_basis: Vec<String>) -> RectificationTask {
        let now = Utc::now();
        RectificationTask {
            id: TaskId::new(),
            enterprise: EnterpriseId::new(),
            township: TownshipId::new(),
            inspection: InspectionId::new(),
            finding: FindingId::new(),
            severity: Severity::General,
            requirement,
            issued_by: UserId::new(),
            issued_at: now,
            deadline: now + Duration::days(30),
            state: Issued,
            case_review: false,
            legal_basis,
        }
    }

    #[test]
    fn a_task_cites_its_own_basis_else_its_checklist_items() {
        let item = &crate::checklists::shipped()[0].items[0];
        assert!(!item.legal_basis.is_empty());
        let proposed = crate::finding::Finding::proposed_description(item);
        // Issued before tasks carried the basis: the item the finding was proposed from gives it.
        assert_eq!(task(proposed.clone(), vec![]).cited_legal_basis(), item.legal_basis);
        assert_eq!(task(format!("  {proposed}\n"), vec![]).cited_legal_basis(), item.legal_basis);
        // Its own basis wins; a finding written by hand and no basis of its own cites none.
        let own = vec!["《某条例》第一条".to_string()];
        assert_eq!(task(proposed, own.clone()).cited_legal_basis(), own);
        assert!(task("地面破损".into(), vec![]).cited_legal_basis().is_empty());
    }

    #[test]
    fn happy_path_and_rework() {
        let s = Issued.after(Acknowledge, Enterprise).unwrap();
        let s = s.after(SubmitProof, Enterprise).unwrap();
        let s = s.after(Reject, Officer).unwrap();
        assert_eq!(s, Rejected);
        let s = s.after(SubmitProof, Enterprise).unwrap();
        assert_eq!(s.after(Accept, Commander).unwrap(), Accepted);
    }

    #[test]
    fn every_state_is_listed() {
        for t in TASK_TRANSITIONS {
            assert!(TaskState::ALL.contains(&t.to) && t.from.iter().all(|s| TaskState::ALL.contains(s)));
        }
    }

    #[test]
    fn offered_actions_follow_the_table() {
        assert_eq!(Issued.actions_for(Enterprise), vec![Acknowledge]);
        assert_eq!(Rejected.actions_for(Enterprise), vec![SubmitProof]);
        assert_eq!(ProofSubmitted.actions_for(Officer), vec![Accept, Reject]);
        assert_eq!(ProofSubmitted.actions_for(Township), vec![]);
        assert_eq!(Accepted.actions_for(Commander), vec![]);
    }

    #[test]
    fn enterprise_cannot_accept_its_own_proof() {
        let err = ProofSubmitted.after(Accept, Enterprise).unwrap_err();
        assert!(matches!(err, DomainError::RoleMayNot { role: Enterprise, .. }));
    }

    proptest! {
        /// No sequence of intents reaches a state the rules forbid: only enforcement accepts, only after
        /// proof; proof only after acknowledgement; an accepted task never changes again.
        #[test]
        fn no_sequence_breaks_the_rules(steps in proptest::collection::vec((any_action(), any_role()), 0..40)) {
            let mut state = Issued;
            let mut proof_pending = false;
            let mut acknowledged = false;
            for (action, role) in steps {
                let before = state;
                match state.after(action, role) {
                    Ok(next) => {
                        prop_assert!(!before.is_final(), "a final state changed");
                        match next {
                            Acknowledged => prop_assert_eq!(role, Enterprise),
                            ProofSubmitted => { prop_assert!(acknowledged); prop_assert_eq!(role, Enterprise); proof_pending = true; }
                            Accepted | Rejected => { prop_assert!(proof_pending); prop_assert!(matches!(role, Officer | Commander)); proof_pending = false; }
                            Issued => prop_assert!(false, "nothing leads back to issued"),
                        }
                        if next == Acknowledged { acknowledged = true; }
                        state = next;
                    }
                    Err(_) => prop_assert_eq!(state, before),
                }
            }
        }
    }

    #[test]
    fn every_state_action_role_combination_is_decided_by_the_table() {
        // Exhaustive: 5 states × 4 actions × 4 roles.
        let states = [Issued, Acknowledged, ProofSubmitted, Accepted, Rejected];
        let mut allowed = 0;
        for s in states {
            for a in [Acknowledge, SubmitProof, Accept, Reject] {
                for r in [Officer, Township, Enterprise, Commander] {
                    if s.after(a, r).is_ok() {
                        allowed += 1;
                    }
                }
            }
        }
        // acknowledge 1, submit proof 2 states, accept 2 roles, reject 2 roles.
        assert_eq!(allowed, 1 + 2 + 2 + 2);
    }
}
