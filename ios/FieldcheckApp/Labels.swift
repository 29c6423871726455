import Fieldcheck

// Names of the core's enums for the screens, from Localizable.strings. Labels of records (task and alarm
// states, checklist and item texts, problems) come from the core itself as `LocalizedText`.

extension InspectionKind {
    var label: String {
        switch self {
        case .routine: return L("kind_routine")
        case .nightSpotCheck: return L("kind_night")
        case .alarmResponse: return L("kind_alarm")
        case .complaint12369: return L("kind_complaint")
        case .doubleRandom: return L("kind_double_random")
        case .reInspection: return L("kind_reinspection")
        }
    }

    /// Every kind, in the order the new-inspection form lists them.
    static let shownKinds: [InspectionKind] = [.routine, .nightSpotCheck, .alarmResponse, .complaint12369, .doubleRandom, .reInspection]
}

extension InspectionState {
    var label: String {
        switch self {
        case .draft: return L("state_draft")
        case .inProgress: return L("state_in_progress")
        case .submitted: return L("state_submitted")
        }
    }
}

extension Verdict {
    var label: String {
        switch self {
        case .compliant: return L("verdict_compliant")
        case .nonCompliant: return L("verdict_non_compliant")
        case .notApplicable: return L("verdict_not_applicable")
        case .recorded: return L("verdict_recorded")
        }
    }
}

extension TaskAction {
    var label: String {
        switch self {
        case .acknowledge: return L("acknowledge")
        case .submitProof: return L("submit_proof")
        case .accept: return L("accept")
        case .reject: return L("reject")
        }
    }
}

extension SyncState {
    var label: String {
        switch self {
        case .idle: return L("sync_idle")
        case .running: return L("sync_running")
        case .succeeded: return L("sync_succeeded")
        case .failed: return L("sync_failed")
        }
    }
}

extension ChangeAction {
    /// The name of a kind of change, in the needs-attention list.
    var label: String {
        switch self {
        case .inspectionSubmit: return L("change_inspection_submit")
        case .taskTransition: return L("change_task_transition")
        case .alarmArrive: return L("change_alarm_arrive")
        case .alarmClose: return L("change_alarm_close")
        case .enterpriseEdit: return L("change_enterprise_edit")
        }
    }
}

/// "Enterprise · township" for a row, when the core knows the names.
func place(_ enterprise: String?, _ township: String?) -> String? {
    let parts = [enterprise, township].compactMap { $0 }
    return parts.isEmpty ? nil : parts.joined(separator: " · ")
}
