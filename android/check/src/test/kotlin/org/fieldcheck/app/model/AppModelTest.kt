package org.fieldcheck.app.model

import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.job
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.fieldcheck.ffi.AlarmAction
import org.fieldcheck.ffi.AlarmState
import org.fieldcheck.ffi.AnswerInput
import org.fieldcheck.ffi.DemoCounty
import org.fieldcheck.ffi.DemoUser
import org.fieldcheck.ffi.FieldcheckClient
import org.fieldcheck.ffi.InspectionKind
import org.fieldcheck.ffi.InspectionState
import org.fieldcheck.ffi.ProblemCode
import org.fieldcheck.ffi.TaskAction
import org.fieldcheck.ffi.TaskState
import org.fieldcheck.ffi.Verdict
import org.fieldcheck.ffi.seedDemoCounty
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.awt.Color
import java.awt.image.BufferedImage
import java.nio.file.Path
import java.time.Instant
import java.util.UUID
import javax.imageio.ImageIO
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/** The app's model driving the real core on a real SQLite file, as the screens would. */
class AppModelTest {
    @TempDir
    lateinit var dir: Path

    private class MemoryTokens : TokenStore {
        var saved: SavedSession? = null
        override fun load() = saved
        override fun save(session: SavedSession) {
            saved = session
        }
    }

    private suspend fun <T> Flow<T>.await(what: String, predicate: (T) -> Boolean): T =
        withTimeout(20_000) { first(predicate) }.also { assertNotNull(it, what) }

    private fun jpeg(path: Path): Path {
        val image = BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB)
        image.createGraphics().apply { color = Color(30, 120, 60); fillRect(0, 0, 64, 48); dispose() }
        check(ImageIO.write(image, "jpg", path.toFile())) { "no JPEG writer" }
        return path
    }

    /** Runs `body` with a model over a fresh client seeded with the demo county as `user`; closes both after. */
    private fun withModel(name: String, user: DemoUser, body: suspend (FieldcheckClient, DemoCounty, AppModel) -> Unit) {
        FieldcheckClient.open(dir.resolve(name).toString()).use { client ->
            val county = seedDemoCounty(client, user)
            val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
            val model = AppModel(client, MemoryTokens(), scope)
            try {
                runBlocking { body(client, county, model) }
            } finally {
                // Wait for work the model launched (e.g. a submit still in the core) before closing under it.
                runBlocking { scope.coroutineContext.job.cancelAndJoin() }
                model.close()
            }
        }
    }

    @Test
    fun `an officer drafts, starts, answers and photographs an item, and submission is blocked by the core`() {
        withModel("officer", DemoUser.OFFICER) { _, county, model ->
            model.start()
            assertEquals("张伟", model.user.await("signed-in user") { it != null }?.name)
            assertEquals(county.alarm, model.today.await("today") { it != null }?.alarms?.single()?.id)

            model.search("恒达 五金")
            val enterprise = model.searchResults.await("search") { it.isNotEmpty() }.single()
            model.templates.await("checklists") { list -> list.any { it.id == "emergency_preparedness" } }

            val created = CompletableDeferred<UUID>()
            model.createInspection(enterprise.id, InspectionKind.ROUTINE, listOf("emergency_preparedness")) {
                created.complete(it)
            }
            val id = withTimeout(20_000) { created.await() }
            model.openInspection(id)
            model.inspection.await("draft") { it?.inspection?.state == InspectionState.DRAFT }
            model.startInspection(id)
            model.inspection.await("started") { it?.inspection?.state == InspectionState.IN_PROGRESS }

            // The answer reaches the screen through the core's change Flow, with the core's verdict.
            model.answer(id, "emergency_preparedness", "EM-03", AnswerInput.No, "未见预案")
            val answered = model.inspection.await("answered") { screen ->
                screen?.checklists?.single()?.items?.first { it.code == "EM-03" }?.verdict == Verdict.NON_COMPLIANT
            }
            assertEquals("未见预案", answered!!.checklists.single().items.first { it.code == "EM-03" }.note)
            assertTrue(answered.checklists.single().items.first { it.code == "EM-01" }.problems.isNotEmpty())

            val photo = jpeg(dir.resolve("camera.jpg"))
            model.attachPhoto(id, "emergency_preparedness", "EM-03", photo.toString(), Instant.now())
            val withPhoto = model.inspection.await("photo") { screen ->
                screen?.checklists?.single()?.items?.first { it.code == "EM-03" }?.photoCount == 1u
            }
            // The item carries the photo's thumbnail for the screen to show.
            val shown = withPhoto?.checklists?.single()?.items?.first { it.code == "EM-03" }?.photos.orEmpty()
            assertTrue(java.io.File(shown.single().thumbnailPath).isFile, "the item's thumbnail is on disk")
            model.busy.await("ingest finished") { !it }
            assertFalse(photo.toFile().exists(), "the camera's file is removed once the core has its copy")

            var submitted = false
            model.submit(id) { submitted = true }
            val blocked = model.inspection.await("blocked") { it?.problems?.isNotEmpty() == true }!!
            assertFalse(submitted)
            assertFalse(blocked.canSubmit)
            assertTrue(blocked.problems.any { it.code == ProblemCode.UNANSWERED })
            assertEquals(null, model.message.value)
        }
    }

    @Test
    fun `a refused intent shows the core's message and changes nothing`() {
        withModel("officer", DemoUser.OFFICER) { client, county, model ->
            model.start()
            model.tasks.await("tasks") { it.isNotEmpty() }
            // An officer may not acknowledge for the enterprise: the core refuses, the model shows why.
            model.transition(county.task, TaskAction.ACKNOWLEDGE, "")
            val message = model.message.await("refusal") { it != null }!!
            assertTrue(message.contains("Officer"), message)
            assertEquals(TaskState.ISSUED, model.tasks.value.first { it.id == county.task }.state)
            assertEquals(0uL, client.pendingChanges())
            model.dismissMessage()
            assertEquals(null, model.message.value)
        }
    }

    @Test
    fun `the enterprise photographs its proof and the next step sends it`() {
        withModel("enterprise", DemoUser.ENTERPRISE) { _, county, model ->
            model.start()
            val row = model.tasks.await("tasks") { it.isNotEmpty() }.single()
            assertEquals("永康市恒达五金制品有限公司", row.enterpriseName, "rows carry names, not ids")
            model.openTask(county.task)
            model.transition(county.task, TaskAction.ACKNOWLEDGE, "已签收")
            model.task.await("acknowledged") { TaskAction.SUBMIT_PROOF in it?.actions.orEmpty() }

            val photo = jpeg(dir.resolve("proof.jpg"))
            model.attachProofPhoto(county.task, photo.toString(), Instant.now())
            val withPhoto = model.task.await("photo") { it?.photos?.size == 1 }!!
            assertFalse(withPhoto.photos.single().sent)
            model.busy.await("ingest finished") { !it }
            assertFalse(photo.toFile().exists(), "the camera's file is removed once the core has its copy")

            model.transition(county.task, TaskAction.SUBMIT_PROOF, "已设置标志牌")
            val sent = model.task.await("proof sent") { it?.task?.state == TaskState.PROOF_SUBMITTED }!!
            assertEquals(listOf(withPhoto.photos.single().evidence), sent.timeline.last().evidence)
            assertEquals(listOf(true), sent.photos.map { it.sent })
            assertEquals(emptyList(), model.attention.value, "nothing refused")
            assertEquals(null, model.message.value)
        }
    }

    @Test
    fun `an officer arrives, photographs the site and closes the alarm with the photo`() {
        withModel("alarm", DemoUser.OFFICER) { client, county, model ->
            model.start()
            val alarm = model.today.await("today") { it != null }!!.alarms.single()
            assertEquals(listOf(AlarmAction.ARRIVE), alarm.actions, "the core offers the buttons")
            model.arriveAtAlarm(county.alarm)
            model.today.await("on site") { it?.alarms?.singleOrNull()?.actions == listOf(AlarmAction.CLOSE) }
            val photo = jpeg(dir.resolve("outlet.jpg"))
            model.attachAlarmPhoto(county.alarm, photo.toString(), Instant.now())
            model.today.await("photo") { it?.alarms?.singleOrNull()?.photos?.size == 1 }
            model.busy.await("ingest finished") { !it }
            model.closeAlarm(county.alarm, "现场核查：已责令整改")
            model.today.await("closed") { it?.alarms?.none { a -> a.id == county.alarm } == true }
            val closed = client.alarms().use { it.get(county.alarm) }
            assertEquals(AlarmState.CLOSED, closed.state)
            assertEquals(listOf(true), closed.photos.map { it.sent }, "the photo went with the close")
            assertEquals(null, model.message.value)
        }
    }
}
