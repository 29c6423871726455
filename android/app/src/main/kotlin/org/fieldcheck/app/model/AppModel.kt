package org.fieldcheck.app.model

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext
import org.fieldcheck.ffi.AppCore
import org.fieldcheck.ffi.AppEvent
import org.fieldcheck.ffi.AppViewModel
import org.fieldcheck.ffi.FieldcheckClient
import org.fieldcheck.ffi.FieldcheckException
import org.fieldcheck.ffi.OriginalPolicy
import org.fieldcheck.ffi.TemplateSummary
import org.fieldcheck.ffi.Theme
import org.fieldcheck.sdk.changes
import java.io.File

/**
 * Renders the app core: every tap, key stroke and phone event goes to [AppCore] as an [AppEvent], and
 * [view] is the view model it returns (route, screen data, drafts, banners, sync). Nothing is decided
 * here. Calls run on [io] because the core may decode a photo; plain Kotlin, checked on the JVM.
 */
class AppModel(
    private val core: AppCore,
    private val client: FieldcheckClient,
    private val scope: CoroutineScope,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    private val _view = MutableStateFlow<AppViewModel?>(null)
    /** What to show; null until the core has started. */
    val view: StateFlow<AppViewModel?> = _view.asStateFlow()

    private val _busy = MutableStateFlow(false)
    /** A call is under way (sign-in, photo, sync). */
    val busy: StateFlow<Boolean> = _busy.asStateFlow()

    /** The settings' day / night / follow-the-phone switch; the core keeps it (the view's `theme`). */
    fun chooseTheme(theme: Theme) = send(AppEvent.ThemeChosen(theme))

    /** Restores the session from secure storage (the core does) and follows the core's changes. */
    fun start() {
        scope.launch {
            perform {
                // The phone's own CJK font draws Chinese watermarks; without one the core draws ASCII only.
                SYSTEM_CJK_FONTS.firstOrNull { File(it.first).exists() }?.let { (path, face) -> client.setWatermarkFont(path, face) }
                core.start()
            }
            client.changes().collect { show() }
        }
    }

    /** Events in the order they were sent: a tap never overtakes the typing before it. */
    private val events = Channel<AppEvent>(Channel.UNLIMITED).also { queue ->
        scope.launch { for (event in queue) perform { core.handle(event) } }
    }

    /** Sends one event; the core's view after it is shown. */
    fun send(event: AppEvent) {
        events.trySend(event)
    }

    /** Signs in; the core keeps the token in secure storage and asks for a first sync. */
    fun signIn(platformUrl: String, login: String, password: String) {
        scope.launch { perform { core.signIn(platformUrl, login, password) } }
    }

    /** Syncs now (the background worker calls the core directly). */
    fun sync() {
        scope.launch { perform { core.sync() } }
    }

    /** The user's choice of when originals upload, on the network the core knows. */
    fun setOriginals(policy: OriginalPolicy) {
        scope.launch { perform { client.setUploadPolicy(policy, _view.value?.network ?: return@perform null); core.view() } }
    }

    /** Photo watermarks on (times in Beijing time, as the documents print them) or off. */
    fun setWatermark(on: Boolean) {
        scope.launch { perform { client.setWatermark(on); core.view() } }
    }

    /** The checklists a new inspection can use (read from the device, quick). */
    fun templates(): List<TemplateSummary> = client.templates().use { it.list() }

    /** Removes a refused change from the list once read. */
    fun dismissAttention(seq: ULong) {
        scope.launch { perform { client.dismissAttention(seq); core.view() } }
    }

    private val showing = Mutex()

    /**
     * Shows the core's view as it is now. One at a time, and computed inside the lock: a view computed
     * before another event or a pulled change never replaces the later one (the core keeps its message).
     */
    private suspend fun show() = showing.withLock { _view.value = withContext(io) { core.view() } }

    private suspend fun perform(call: suspend () -> AppViewModel?) {
        _busy.value = true
        try {
            if (withContext(io) { call() } != null) show()
        } catch (e: FieldcheckException) {
            // Sign-in and start refusals: shown as the core's message over the current view.
            showing.withLock { _view.value = (_view.value ?: withContext(io) { core.view() }).copy(message = e.message) }
        } finally {
            _busy.value = false
        }
    }
}

/** Where Android keeps its Chinese fonts, with the face to use (the first one present is used). */
private val SYSTEM_CJK_FONTS = listOf(
    "/system/fonts/NotoSansCJK-Regular.ttc" to 2u, // face 2: Simplified Chinese
    "/system/fonts/NotoSansSC-Regular.otf" to 0u,
    "/system/fonts/DroidSansFallback.ttf" to 0u,
)
