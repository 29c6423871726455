package org.fieldcheck.app

import android.app.Application
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import org.fieldcheck.app.model.AppModel
import org.fieldcheck.ffi.FieldcheckClient
import org.fieldcheck.ffi.FieldcheckException
import org.fieldcheck.sdk.Fieldcheck
import java.io.File

/** Opens the core's data folder once and keeps the [AppModel] across configuration changes. */
class MainViewModel(application: Application) : AndroidViewModel(application) {
    private var client: FieldcheckClient? = null
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
                val opened = Fieldcheck.open(File(application.filesDir, "fieldcheck"))
                client = opened
                val model = AppModel(opened, KeystoreTokenStore(application), viewModelScope).also { it.start() }
                network = watchNetwork(application, model::networkChanged)
                _model.value = model
            } catch (e: FieldcheckException) {
                _openError.value = e.message
            }
        }
    }

    override fun onCleared() {
        // viewModelScope is already cancelled here, so nothing is still calling into the core.
        network?.close()
        _model.value?.close()
        client?.close()
    }
}
