package org.fieldcheck.app

import android.app.Application
import android.content.Context
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import org.fieldcheck.app.model.AppModel
import org.fieldcheck.ffi.AppCore
import org.fieldcheck.ffi.AppEvent
import org.fieldcheck.ffi.FieldcheckClient
import org.fieldcheck.ffi.FieldcheckException
import org.fieldcheck.sdk.Fieldcheck
import java.io.File

/** The app core for the whole process: the activity's model and the sync worker share it. */
object FieldcheckApplication {
    @Volatile private var opened: Pair<FieldcheckClient, AppCore>? = null

    /** Opens the data folder and the core once, with the phone's capabilities. */
    suspend fun open(context: Context): Pair<FieldcheckClient, AppCore> = synchronized(this) { opened } ?: run {
        // The keys the database and photo files are encrypted with live in the Keystore-backed store.
        val secure = KeystoreSecureStore(context)
        val client = Fieldcheck.openEncrypted(File(context.filesDir, "fieldcheck"), secure)
        val core = AppCore(
            client,
            FusedLocation(context),
            CameraXDevice(context),
            secure,
            WorkManagerScheduler(context),
            ConnectivityWatch(context),
        )
        synchronized(this) { opened ?: (client to core).also { opened = it } }
    }

    /** A photo file's bytes, opened by the core (the files are encrypted at rest); null before opening. */
    fun photoBytes(path: String): ByteArray? = opened?.first?.let { runCatching { it.photoBytes(path) }.getOrNull() }
}

/** Keeps the [AppModel] across configuration changes; the screen state itself lives in the core. */
class MainViewModel(application: Application) : AndroidViewModel(application) {
    private var network: AutoCloseable? = null

    private val _model = MutableStateFlow<AppModel?>(null)
    /** The app's model once the data folder is open. */
    val model: StateFlow<AppModel?> = _model.asStateFlow()

    private val _openError = MutableStateFlow<String?>(null)
    /** Why the data folder could not be opened (the core's message). */
    val openError: StateFlow<String?> = _openError.asStateFlow()

    init {
        viewModelScope.launch {
            try {
                val (client, core) = FieldcheckApplication.open(application)
                val model = AppModel(core, client, viewModelScope).also { it.start() }
                network = watchNetwork(application) { model.send(AppEvent.NetworkChanged(it)) }
                _model.value = model
            } catch (e: FieldcheckException) {
                _openError.value = e.message
            }
        }
    }

    override fun onCleared() {
        network?.close()
    }
}
