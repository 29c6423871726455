package org.fieldcheck.sdk

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import org.fieldcheck.ffi.FieldcheckClient
import org.fieldcheck.ffi.SecureStore
import java.io.File

/** Entry point of the Kotlin SDK: the generated API plus a few coroutine-friendly helpers. */
object Fieldcheck {
    /** Opens (creating if needed) the data folder off the caller's thread, e.g. `context.filesDir`. */
    suspend fun open(dataDir: File, dispatcher: CoroutineDispatcher = Dispatchers.IO): FieldcheckClient =
        withContext(dispatcher) { FieldcheckClient.open(dataDir.path) }

    /**
     * Opens the data folder with the database and photo files encrypted at rest, under keys kept by
     * [secureStore] (the app's Keystore adapter): made on the first launch, data kept in clear by an
     * earlier version encrypted in place.
     */
    suspend fun openEncrypted(
        dataDir: File,
        secureStore: SecureStore,
        dispatcher: CoroutineDispatcher = Dispatchers.IO,
    ): FieldcheckClient = withContext(dispatcher) { FieldcheckClient.openEncrypted(dataDir.path, secureStore) }
}

/**
 * Runs a call that reads or writes the device database on [dispatcher] (disk I/O, never on the main
 * thread). Errors arrive as the sealed [org.fieldcheck.ffi.FieldcheckException].
 */
suspend fun <T> FieldcheckClient.io(
    dispatcher: CoroutineDispatcher = Dispatchers.IO,
    block: FieldcheckClient.() -> T,
): T = withContext(dispatcher) { block() }
