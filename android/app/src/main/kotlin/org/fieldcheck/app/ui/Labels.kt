package org.fieldcheck.app.ui

import androidx.compose.runtime.Composable
import androidx.compose.ui.res.stringResource
import org.fieldcheck.app.R
import org.fieldcheck.ffi.ChangeAction
import org.fieldcheck.ffi.OriginalPolicy
import org.fieldcheck.ffi.InspectionKind
import org.fieldcheck.ffi.InspectionState
import org.fieldcheck.ffi.LocalizedText
import org.fieldcheck.ffi.SyncState
import org.fieldcheck.ffi.TaskAction
import org.fieldcheck.ffi.Verdict

/** The half of a core label that matches the app's resources (Chinese unless they resolved to English). */
@Composable
fun LocalizedText.shown(): String = if (stringResource(R.string.lang) == "en") en else zh

/** The name of an inspection kind. */
@Composable
fun InspectionKind.label(): String = stringResource(
    when (this) {
        InspectionKind.ROUTINE -> R.string.kind_routine
        InspectionKind.NIGHT_SPOT_CHECK -> R.string.kind_night
        InspectionKind.ALARM_RESPONSE -> R.string.kind_alarm
        InspectionKind.COMPLAINT12369 -> R.string.kind_complaint
        InspectionKind.DOUBLE_RANDOM -> R.string.kind_double_random
        InspectionKind.RE_INSPECTION -> R.string.kind_reinspection
    },
)

/** The name of an inspection's state. */
@Composable
fun InspectionState.label(): String = stringResource(
    when (this) {
        InspectionState.DRAFT -> R.string.state_draft
        InspectionState.IN_PROGRESS -> R.string.state_in_progress
        InspectionState.SUBMITTED -> R.string.state_submitted
    },
)

/** The name of the core's verdict on an answer. */
@Composable
fun Verdict.label(): String = stringResource(
    when (this) {
        Verdict.COMPLIANT -> R.string.verdict_compliant
        Verdict.NON_COMPLIANT -> R.string.verdict_non_compliant
        Verdict.NOT_APPLICABLE -> R.string.verdict_not_applicable
        Verdict.RECORDED -> R.string.verdict_recorded
    },
)

/** The name of a task transition, as a button and in the timeline. */
@Composable
fun TaskAction.label(): String = stringResource(
    when (this) {
        TaskAction.ACKNOWLEDGE -> R.string.acknowledge
        TaskAction.SUBMIT_PROOF -> R.string.submit_proof
        TaskAction.ACCEPT -> R.string.accept
        TaskAction.REJECT -> R.string.reject
    },
)

/** The sync bar's word for a sync state. */
@Composable
fun SyncState.label(): String = stringResource(
    when (this) {
        SyncState.IDLE -> R.string.sync_idle
        SyncState.RUNNING -> R.string.sync_running
        SyncState.SUCCEEDED -> R.string.sync_succeeded
        SyncState.FAILED -> R.string.sync_failed
    },
)

/** The name of a kind of change, in the needs-attention list. */
@Composable
fun ChangeAction.label(): String = stringResource(
    when (this) {
        ChangeAction.INSPECTION_SUBMIT -> R.string.change_inspection_submit
        ChangeAction.TASK_TRANSITION -> R.string.change_task_transition
        ChangeAction.ALARM_ARRIVE -> R.string.change_alarm_arrive
        ChangeAction.ALARM_CLOSE -> R.string.change_alarm_close
        ChangeAction.ENTERPRISE_EDIT -> R.string.change_enterprise_edit
    },
)

/** The name of an originals upload policy, in the settings. */
@Composable
fun OriginalPolicy.label(): String = stringResource(
    when (this) {
        OriginalPolicy.IMMEDIATELY -> R.string.originals_immediately
        OriginalPolicy.WIFI_ONLY -> R.string.originals_wifi_only
        OriginalPolicy.ON_REQUEST -> R.string.originals_on_request
    },
)

/** The name of a theme choice, in the settings. */
@Composable
fun org.fieldcheck.ffi.Theme.label(): String = stringResource(
    when (this) {
        org.fieldcheck.ffi.Theme.SYSTEM -> R.string.theme_system
        org.fieldcheck.ffi.Theme.DAY -> R.string.theme_day
        org.fieldcheck.ffi.Theme.NIGHT -> R.string.theme_night
    },
)

/** The name of who signs a record. */
@Composable
fun org.fieldcheck.ffi.Signer.label(): String = stringResource(
    when (this) {
        org.fieldcheck.ffi.Signer.INSPECTOR -> R.string.signer_inspector
        org.fieldcheck.ffi.Signer.RECORDER -> R.string.signer_recorder
        org.fieldcheck.ffi.Signer.RESPONDENT -> R.string.signer_respondent
    },
)

/** "Enterprise · township" for a row, when the core knows the names. */
fun place(enterprise: String?, township: String?): String? =
    listOfNotNull(enterprise, township).joinToString(" · ").ifEmpty { null }

/** A time as the core shows it: the bureau's zone (the records' own), named when the phone's differs. */
fun java.time.Instant.shown(): String =
    org.fieldcheck.ffi.shownTime(this, java.util.TimeZone.getDefault().getOffset(toEpochMilli()) / 1000)
