package org.fieldcheck.app.model

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.SharingStarted
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.stateIn
import org.fieldcheck.ffi.FieldcheckClient
import org.fieldcheck.ffi.SyncStatus
import org.fieldcheck.sdk.syncStatuses

/**
 * The sync bar's state: the core's [SyncStatus] as its listener reports it (state, pending and
 * needs-attention counts, the last error). Collected while the bar is on screen.
 */
class SyncBarModel(client: FieldcheckClient, scope: CoroutineScope) {
    /** The latest status; starts with the core's current one once collected. */
    val status: StateFlow<SyncStatus?> =
        client.syncStatuses().stateIn(scope, SharingStarted.WhileSubscribed(STOP_AFTER_MS), null)

    private companion object {
        const val STOP_AFTER_MS = 5_000L
    }
}
