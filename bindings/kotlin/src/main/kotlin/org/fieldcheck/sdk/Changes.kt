package org.fieldcheck.sdk

import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import org.fieldcheck.ffi.Change
import org.fieldcheck.ffi.ChangeListener
import org.fieldcheck.ffi.FieldcheckClient
import org.fieldcheck.ffi.SyncListener
import org.fieldcheck.ffi.SyncStatus

/**
 * Changes made on this device, as a cold [Flow]: collecting registers a listener in the core, and
 * cancelling the collector cancels and releases it.
 */
fun FieldcheckClient.changes(): Flow<Change> = callbackFlow {
    val subscription = observeChanges(object : ChangeListener {
        override fun onChange(change: Change) {
            // Called on a core thread: never block it. The core sends EVERYTHING if we fall behind.
            trySend(change)
        }
    })
    awaitClose {
        subscription.cancel()
        subscription.close()
    }
}.buffer(Channel.UNLIMITED)

/**
 * Sync status as a cold [Flow], starting with the current status: the sync indicator collects it.
 * Cancelling the collector cancels and releases the listener.
 */
fun FieldcheckClient.syncStatuses(): Flow<SyncStatus> = callbackFlow {
    val subscription = observeSync(object : SyncListener {
        override fun onStatus(status: SyncStatus) {
            trySend(status)
        }
    })
    trySend(syncStatus())
    awaitClose {
        subscription.cancel()
        subscription.close()
    }
}.buffer(Channel.UNLIMITED)
