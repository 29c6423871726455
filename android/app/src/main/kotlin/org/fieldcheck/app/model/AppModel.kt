package org.fieldcheck.app.model

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.fieldcheck.ffi.AnswerInput
import org.fieldcheck.ffi.AttentionItem
import org.fieldcheck.ffi.EnterpriseView
import org.fieldcheck.ffi.FieldcheckClient
import org.fieldcheck.ffi.FieldcheckException
import org.fieldcheck.ffi.InspectionKind
import org.fieldcheck.ffi.InspectionScreen
import org.fieldcheck.ffi.Network
import org.fieldcheck.ffi.OriginalPolicy
import org.fieldcheck.ffi.SubmitResult
import org.fieldcheck.ffi.TaskAction
import org.fieldcheck.ffi.TaskScreen
import org.fieldcheck.ffi.TaskView
import org.fieldcheck.ffi.TemplateSummary
import org.fieldcheck.ffi.TodayView
import org.fieldcheck.ffi.UserView
import org.fieldcheck.sdk.changes
import java.io.File
import java.time.Instant
import java.util.TimeZone
import java.util.UUID

/** Where the platform token is kept between launches (the Android Keystore on a phone). */
interface TokenStore {
    /** The platform address and token of the last sign-in, if any. */
    fun load(): SavedSession?

    /** Keeps the platform address and token of a sign-in. */
    fun save(session: SavedSession)
}

/** A platform address and the token the platform gave at sign-in. */
data class SavedSession(val platformUrl: String, val token: String)

/**
 * Holds what the screens show and forwards the user's intents to the core. It decides nothing: every
 * value comes from the core, every rule is the core's, and the core's errors are shown as they are.
 * Plain Kotlin (no Android types), so it compiles and can be checked on the JVM.
 */
class AppModel(
    private val client: FieldcheckClient,
    private val tokens: TokenStore,
    private val scope: CoroutineScope,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    private val inspections = client.inspections()
    private val tasksClient = client.tasks()
    private val enterprises = client.enterprises()
    private val templatesClient = client.templates()
    private val alarms = client.alarms()

    private val _user = MutableStateFlow<UserView?>(null)
    /** The signed-in user; null shows the sign-in screen. */
    val user: StateFlow<UserView?> = _user.asStateFlow()

    private val _today = MutableStateFlow<TodayView?>(null)
    /** The home screen, as the core lists it. */
    val today: StateFlow<TodayView?> = _today.asStateFlow()

    private val _searchResults = MutableStateFlow<List<EnterpriseView>>(emptyList())
    /** Enterprises matching the last search, best first. */
    val searchResults: StateFlow<List<EnterpriseView>> = _searchResults.asStateFlow()

    private val _templates = MutableStateFlow<List<TemplateSummary>>(emptyList())
    /** Installed checklists, for a new inspection. */
    val templates: StateFlow<List<TemplateSummary>> = _templates.asStateFlow()

    private val _inspection = MutableStateFlow<InspectionScreen?>(null)
    /** The open inspection. */
    val inspection: StateFlow<InspectionScreen?> = _inspection.asStateFlow()

    private val _tasks = MutableStateFlow<List<TaskView>>(emptyList())
    /** Rectification tasks visible to the user, overdue first. */
    val tasks: StateFlow<List<TaskView>> = _tasks.asStateFlow()

    private val _task = MutableStateFlow<TaskScreen?>(null)
    /** The open task with its timeline. */
    val task: StateFlow<TaskScreen?> = _task.asStateFlow()

    private val _attention = MutableStateFlow<List<AttentionItem>>(emptyList())
    /** Changes the platform refused, with its reasons, until the user dismisses them. */
    val attention: StateFlow<List<AttentionItem>> = _attention.asStateFlow()

    private val _originals = MutableStateFlow(OriginalPolicy.WIFI_ONLY)
    /** When photo originals upload (renditions always go first); the user's setting. */
    val originals: StateFlow<OriginalPolicy> = _originals.asStateFlow()
    private val _watermark = MutableStateFlow(false)
    /** Whether photos get a watermark (time, place, enterprise, who took them) on their upload copy. */
    val watermark: StateFlow<Boolean> = _watermark.asStateFlow()
    private var network = Network.METERED

    private val _pending = MutableStateFlow(0uL)
    /** Changes waiting for the platform. */
    val pending: StateFlow<ULong> = _pending.asStateFlow()

    private val _busy = MutableStateFlow(false)
    /** A call is under way (sign-in, photo ingest, sync). */
    val busy: StateFlow<Boolean> = _busy.asStateFlow()

    private val _message = MutableStateFlow<String?>(null)
    /** The core's message for the last refused intent, shown until dismissed. */
    val message: StateFlow<String?> = _message.asStateFlow()

    /** The sync bar's status, as the core reports it. */
    val syncBar = SyncBarModel(client, scope)

    private var openInspection: UUID? = null
    private var openTask: UUID? = null

    /** Restores the session of an earlier launch and starts following the core's changes. */
    fun start() {
        scope.launch {
            attempt {
                _originals.value = withContext(io) { client.originalsPolicy() }
                _watermark.value = withContext(io) { client.watermarkUtcOffsetMinutes() } != null
                // The phone's own CJK font draws Chinese watermarks; without one the core draws ASCII only.
                SYSTEM_CJK_FONTS.firstOrNull { File(it.first).exists() }
                    ?.let { (path, face) -> withContext(io) { client.setWatermarkFont(path, face) } }
                val current = withContext(io) { client.currentUser() }
                val saved = withContext(io) { tokens.load() }
                if (current != null && saved != null) {
                    withContext(io) { client.resumeSession(saved.platformUrl, saved.token) }
                }
                _user.value = current
                if (current != null) reloadAll()
            }
        }
        scope.launch {
            client.changes().collect { attempt { reloadAll() } }
        }
    }

    /** Signs in; the token is kept for the next launch. */
    fun signIn(platformUrl: String, login: String, password: String) = perform {
        val signedIn = client.signIn(platformUrl, login, password)
        withContext(io) { tokens.save(SavedSession(platformUrl, signedIn.token)) }
        _user.value = signedIn.user
        // A first sync fills the device; a failure shows in the sync bar and the data stays.
        try {
            client.sync()
        } catch (e: FieldcheckException) {
            // Already reported through the sync status.
        }
    }

    /** Pushes waiting changes and pulls the platform's. */
    fun sync() = perform { client.sync() }

    /** Searches enterprises by name, credit code or address. */
    fun search(query: String) = perform {
        _searchResults.value = withContext(io) { enterprises.search(query, SEARCH_LIMIT) }
        if (_templates.value.isEmpty()) _templates.value = withContext(io) { templatesClient.list() }
    }

    /** Drafts an inspection at an enterprise with the chosen checklists and opens it. */
    fun createInspection(enterprise: UUID, kind: InspectionKind, checklists: List<String>, opened: (UUID) -> Unit) =
        perform {
            val draft = withContext(io) { inspections.create(enterprise, kind, checklists) }
            opened(draft.id)
        }

    /** Shows an inspection. */
    fun openInspection(id: UUID) {
        openInspection = id
        _inspection.value = null
        perform { reloadInspection() }
    }

    /** Arrival on site: opens the record for answers. */
    fun startInspection(id: UUID) = perform { withContext(io) { inspections.start(id, null) } }

    /** Answers an item; the core validates and judges it. */
    fun answer(id: UUID, templateId: String, itemCode: String, answer: AnswerInput, note: String?) = perform {
        withContext(io) { inspections.answer(id, templateId, itemCode, answer, note) }
    }

    /**
     * Takes a photo the camera wrote to [path] in as evidence for an item. The core keeps its own copy,
     * so the camera's file is removed once ingested (and kept if the core refused it).
     */
    fun attachPhoto(id: UUID, templateId: String, itemCode: String, path: String, takenAt: Instant) = perform {
        inspections.attachPhoto(id, templateId, itemCode, path, takenAt, null)
        withContext(io) { File(path).delete() }
    }

    /** Submits; when blocked, the screen's problems (reloaded from the core) say why. */
    fun submit(id: UUID, submitted: () -> Unit) = perform {
        when (withContext(io) { inspections.submit(id) }) {
            is SubmitResult.Submitted -> submitted()
            is SubmitResult.Blocked -> reloadInspection()
        }
    }

    /** Arrival at a dispatched alarm's site. */
    fun arriveAtAlarm(id: UUID) = perform { withContext(io) { alarms.arrive(id, null) } }

    /** Takes an on-site photo the camera wrote to [path] in for alarm [id]; it goes with the close. */
    fun attachAlarmPhoto(id: UUID, path: String, takenAt: Instant) = perform {
        alarms.attachPhoto(id, path, takenAt, null)
        withContext(io) { File(path).delete() }
    }

    /** Closes an alarm with on-site feedback and the photos taken for it and not yet sent. */
    fun closeAlarm(id: UUID, feedback: String) = perform {
        withContext(io) {
            val unsent = alarms.get(id).photos.filter { !it.sent }.map { it.evidence }
            alarms.close(id, feedback, unsent)
        }
    }

    /** Shows a task with its timeline. */
    fun openTask(id: UUID) {
        openTask = id
        _task.value = null
        perform { reloadTask() }
    }

    /**
     * Takes a photo the camera wrote to [path] in as proof for task [id]; it goes with the user's next
     * step on the task. The camera's file is removed once ingested.
     */
    fun attachProofPhoto(id: UUID, path: String, takenAt: Instant) = perform {
        tasksClient.attachProofPhoto(id, path, takenAt, null)
        withContext(io) { File(path).delete() }
    }

    /**
     * Acknowledge, submit proof, accept or reject: the core checks the state and the user's role. The
     * photos taken on this screen and not yet sent go with it (the core seals them into the step).
     */
    fun transition(id: UUID, action: TaskAction, note: String) = perform {
        val unsent = _task.value?.takeIf { it.task.id == id }?.photos.orEmpty().filter { !it.sent }.map { it.evidence }
        withContext(io) { tasksClient.transition(id, action, note, unsent) }
    }

    /** The user's choice of when originals upload; the core keeps it and applies it from the next sync. */
    fun setOriginals(policy: OriginalPolicy) = perform {
        withContext(io) { client.setUploadPolicy(policy, network) }
        _originals.value = policy
    }

    /** Turns photo watermarks on (times in the phone's time zone) or off; the core keeps the choice. */
    fun setWatermark(on: Boolean) = perform {
        val minutes = if (on) TimeZone.getDefault().getOffset(System.currentTimeMillis()) / 60_000 else null
        withContext(io) { client.setWatermark(minutes) }
        _watermark.value = on
    }

    /** The phone's connection changed (Wi-Fi, mobile data, none): the core decides what may upload. */
    fun networkChanged(now: Network) = perform {
        network = now
        withContext(io) { client.setUploadPolicy(_originals.value, now) }
    }

    /** Removes a refused change from the list once the user has read it. */
    fun dismissAttention(seq: ULong) = perform {
        withContext(io) { client.dismissAttention(seq) }
        _attention.value = withContext(io) { client.needsAttention() }
    }

    /** Releases the sub-clients' handles on the core (the owner closes the client itself afterwards). */
    fun close() {
        listOf(inspections, tasksClient, enterprises, templatesClient, alarms).forEach { it.close() }
    }

    /** Hides the last message. */
    fun dismissMessage() {
        _message.value = null
    }

    private suspend fun reloadAll() {
        if (_user.value == null) return
        _today.value = withContext(io) { client.today() }
        _tasks.value = withContext(io) { tasksClient.list(emptyList(), _user.value?.enterprise) }
        _pending.value = withContext(io) { client.pendingChanges() }
        _attention.value = withContext(io) { client.needsAttention() }
        reloadInspection()
        reloadTask()
    }

    private suspend fun reloadInspection() {
        val id = openInspection ?: return
        _inspection.value = withContext(io) { inspections.screen(id) }
    }

    private suspend fun reloadTask() {
        val id = openTask ?: return
        _task.value = withContext(io) { tasksClient.screen(id) }
    }

    /** Runs an intent off the main thread; a refusal becomes the message the core wrote for people. */
    private fun perform(block: suspend () -> Unit) {
        scope.launch {
            _busy.value = true
            try {
                attempt(block)
            } finally {
                _busy.value = false
            }
        }
    }

    private suspend fun attempt(block: suspend () -> Unit) {
        try {
            block()
        } catch (e: FieldcheckException) {
            _message.value = e.message
        }
    }

    private companion object {
        const val SEARCH_LIMIT = 50u
    }
}

/** Where Android keeps its Chinese fonts, with the face to use (the first one present is used). */
private val SYSTEM_CJK_FONTS = listOf(
    "/system/fonts/NotoSansCJK-Regular.ttc" to 2u, // face 2: Simplified Chinese
    "/system/fonts/NotoSansSC-Regular.otf" to 0u,
    "/system/fonts/DroidSansFallback.ttf" to 0u,
)
