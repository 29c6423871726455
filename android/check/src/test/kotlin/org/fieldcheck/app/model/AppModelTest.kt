package org.fieldcheck.app.model

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.job
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.fieldcheck.ffi.AlarmAction
import org.fieldcheck.ffi.AlarmState
import org.fieldcheck.ffi.AnswerChoice
import org.fieldcheck.ffi.AppCore
import org.fieldcheck.ffi.AppEvent
import org.fieldcheck.ffi.AppRoute
import org.fieldcheck.ffi.AppViewModel
import org.fieldcheck.ffi.BackgroundScheduler
import org.fieldcheck.ffi.BannerKind
import org.fieldcheck.ffi.CameraDevice
import org.fieldcheck.ffi.ConnectivityMonitor
import org.fieldcheck.ffi.DemoCounty
import org.fieldcheck.ffi.DemoUser
import org.fieldcheck.ffi.FieldcheckClient
import org.fieldcheck.ffi.GeoFix
import org.fieldcheck.ffi.InspectionKind
import org.fieldcheck.ffi.InspectionOrigin
import org.fieldcheck.ffi.InspectionState
import org.fieldcheck.ffi.LocationProvider
import org.fieldcheck.ffi.LocationReading
import org.fieldcheck.ffi.Network
import org.fieldcheck.ffi.PhotoFor
import org.fieldcheck.ffi.ProblemCode
import org.fieldcheck.ffi.ScreenData
import org.fieldcheck.ffi.SecureStore
import org.fieldcheck.ffi.Shot
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
import java.util.concurrent.atomic.AtomicInteger
import javax.imageio.ImageIO
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/**
 * The app's model over the real app core on a real SQLite file, with the phone's capabilities as
 * Kotlin test doubles of the callback interfaces, driven the way the screens drive it.
 */
class AppModelTest {
    @TempDir
    lateinit var dir: Path

    private class Keychain : SecureStore {
        val values = mutableMapOf<String, ByteArray>()
        override fun load(key: String) = synchronized(values) { values[key] }
        override fun save(key: String, value: ByteArray) = synchronized(values) { values[key] = value }
        override fun delete(key: String) = synchronized(values) { values.remove(key); Unit }
    }

    private class Gps(@Volatile var reading: LocationReading) : LocationProvider {
        override fun current() = reading
        override fun watch(on: Boolean) {}
    }

    /** The in-app camera: writes a generated JPEG into the test folder at each shutter press. */
    private inner class Lens : CameraDevice {
        private val n = AtomicInteger()
        override fun capture(torch: Boolean): Shot {
            val path = dir.resolve("shot-${n.incrementAndGet()}.jpg")
            val image = BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB)
            image.createGraphics().apply { color = Color(30, 120, n.get() * 20 % 255); fillRect(0, 0, 64, 48); dispose() }
            check(ImageIO.write(image, "jpg", path.toFile())) { "no JPEG writer" }
            return Shot(path.toString(), Instant.now())
        }
    }

    private class Work : BackgroundScheduler {
        val syncs = AtomicInteger()
        override fun schedulePeriodicSync(minutes: UInt) {}
        override fun syncSoon() {
            syncs.incrementAndGet()
        }
        override fun cancelAll() {}
    }

    private object Online : ConnectivityMonitor {
        override fun current() = Network.METERED
    }

    private class Phone(val client: FieldcheckClient, val county: DemoCounty, val model: AppModel, val core: AppCore, val gps: Gps, val work: Work)

    private suspend fun AppModel.await(what: String, predicate: (AppViewModel) -> Boolean): AppViewModel =
        withTimeout(20_000) { view.first { it != null && predicate(it) } }.also { assertNotNull(it, what) }!!

    /** Runs `body` with a model over a fresh client seeded as `user`, whose keychain holds a session. */
    private fun withPhone(name: String, user: DemoUser, body: suspend (Phone) -> Unit) {
        FieldcheckClient.open(dir.resolve(name).toString()).use { client ->
            val county = seedDemoCounty(client, user)
            val keychain = Keychain().apply {
                save("platform_url", "http://127.0.0.1:9".toByteArray())
                save("token", "kept".toByteArray())
            }
            val gps = Gps(LocationReading.Fix(GeoFix(28.9, 120.0, 6.0), Instant.now()))
            val work = Work()
            AppCore(client, gps, Lens(), keychain, work, Online).use { core ->
                val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
                val model = AppModel(core, client, scope)
                try {
                    runBlocking { body(Phone(client, county, model, core, gps, work)) }
                } finally {
                    runBlocking { scope.coroutineContext.job.cancelAndJoin() }
                }
            }
        }
    }

    @Test
    fun `an officer answers and photographs an inspection prompted by an alarm, and the core blocks submission`() {
        withPhone("officer", DemoUser.OFFICER) { phone ->
            val model = phone.model
            model.start()
            val today = model.await("restored from the keychain") { it.route == AppRoute.Today }
            assertEquals("张伟", today.user?.name)
            assertEquals(phone.county.alarm, (today.screen as ScreenData.Today).today.alarms.single().id)

            model.send(AppEvent.Open(AppRoute.Search))
            model.send(AppEvent.SearchTyped("恒达 五金"))
            val search = model.await("search") { (it.screen as? ScreenData.Search)?.results?.isNotEmpty() == true }
            val enterprise = (search.screen as ScreenData.Search).results.single()
            val origin = InspectionOrigin.Alarm(phone.county.alarm)
            model.send(AppEvent.CreateInspection(enterprise.id, InspectionKind.ALARM_RESPONSE, listOf("emergency_preparedness"), origin))
            val draft = model.await("draft") { it.route is AppRoute.Inspection }
            val id = (draft.route as AppRoute.Inspection).id
            model.send(AppEvent.StartInspection(id))
            model.await("started") { (it.screen as? ScreenData.Inspection)?.screen?.inspection?.state == InspectionState.IN_PROGRESS }

            model.send(AppEvent.NoteTyped(id, "emergency_preparedness", "EM-03", "未见预案"))
            model.send(AppEvent.AnswerChosen(id, "emergency_preparedness", "EM-03", AnswerChoice.No))
            val answered = model.await("answered") { vm ->
                (vm.screen as? ScreenData.Inspection)?.screen?.checklists?.single()?.items?.first { it.code == "EM-03" }?.verdict == Verdict.NON_COMPLIANT
            }
            val item = (answered.screen as ScreenData.Inspection).screen.checklists.single().items.first { it.code == "EM-03" }
            assertEquals("未见预案", item.note, "the note typed into the core went with the answer")

            model.send(AppEvent.TakePhoto(PhotoFor.Item(id, "emergency_preparedness", "EM-03"), true))
            val withPhoto = model.await("photo") { vm ->
                (vm.screen as? ScreenData.Inspection)?.screen?.checklists?.single()?.items?.first { it.code == "EM-03" }?.photoCount == 1u
            }
            val photo = (withPhoto.screen as ScreenData.Inspection).screen.checklists.single().items.first { it.code == "EM-03" }.photos.single()
            assertTrue(java.io.File(photo.thumbnailPath).isFile)
            assertFalse(photo.imported)

            model.send(AppEvent.Submit(id))
            val blocked = model.await("blocked") { vm -> (vm.screen as? ScreenData.Inspection)?.screen?.problems?.isNotEmpty() == true }
            val screen = (blocked.screen as ScreenData.Inspection).screen
            assertFalse(screen.canSubmit)
            assertTrue(screen.problems.any { it.code == ProblemCode.UNANSWERED })
            assertEquals(AppRoute.Inspection(id), blocked.route, "blocked: the screen stays")
            assertEquals(null, blocked.message)
        }
    }

    @Test
    fun `a refused event shows the core's message and changes nothing`() {
        withPhone("refused", DemoUser.OFFICER) { phone ->
            phone.model.start()
            phone.model.await("today") { it.route == AppRoute.Today }
            phone.model.send(AppEvent.TaskStep(phone.county.task, TaskAction.ACKNOWLEDGE, ""))
            val refused = phone.model.await("refusal") { it.message != null }
            assertTrue(refused.message!!.contains("Officer"), refused.message)
            assertEquals(0uL, phone.client.pendingChanges())
            phone.model.send(AppEvent.DismissMessage)
            phone.model.await("dismissed") { it.message == null }
        }
    }

    @Test
    fun `the enterprise photographs its proof and the next step sends it`() {
        withPhone("enterprise", DemoUser.ENTERPRISE) { phone ->
            val model = phone.model
            model.start()
            model.await("today") { it.route == AppRoute.Today }
            model.send(AppEvent.Open(AppRoute.Task(phone.county.task)))
            model.send(AppEvent.TaskStep(phone.county.task, TaskAction.ACKNOWLEDGE, "已签收"))
            model.await("acknowledged") { TaskAction.SUBMIT_PROOF in ((it.screen as? ScreenData.Task)?.screen?.actions ?: emptyList()) }
            model.send(AppEvent.TakePhoto(PhotoFor.Task(phone.county.task), false))
            val withPhoto = model.await("photo") { (it.screen as? ScreenData.Task)?.screen?.photos?.size == 1 }
            val taken = (withPhoto.screen as ScreenData.Task).screen.photos.single()
            assertFalse(taken.sent)
            val asked = phone.work.syncs.get()
            model.send(AppEvent.TaskStep(phone.county.task, TaskAction.SUBMIT_PROOF, "已设置标志牌"))
            val sent = model.await("proof sent") { (it.screen as? ScreenData.Task)?.screen?.task?.state == TaskState.PROOF_SUBMITTED }
            val screen = (sent.screen as ScreenData.Task).screen
            assertEquals(listOf(taken.evidence), screen.timeline.last().evidence, "the core sent the unsent photo with the step")
            assertEquals(listOf(true), screen.photos.map { it.sent })
            assertEquals(asked + 1, phone.work.syncs.get(), "the core asked for a sync")
        }
    }

    @Test
    fun `an officer arrives with a fix, photographs the site and closes the alarm with the photo`() {
        withPhone("alarm", DemoUser.OFFICER) { phone ->
            val model = phone.model
            model.start()
            model.await("today") { it.route == AppRoute.Today }
            model.send(AppEvent.Open(AppRoute.Alarm(phone.county.alarm)))
            val card = model.await("alarm") { it.screen is ScreenData.Alarm }
            assertEquals(listOf(AlarmAction.ARRIVE), (card.screen as ScreenData.Alarm).alarm.actions)
            model.send(AppEvent.ArriveAtAlarm(phone.county.alarm))
            model.await("on site") { (it.screen as? ScreenData.Alarm)?.alarm?.actions == listOf(AlarmAction.CLOSE) }
            phone.gps.reading = LocationReading.PermissionRefused
            model.send(AppEvent.TakePhoto(PhotoFor.Alarm(phone.county.alarm), true))
            val photo = model.await("photo") { (it.screen as? ScreenData.Alarm)?.alarm?.photos?.size == 1 }
            assertTrue(photo.banners.any { it.kind == BannerKind.LOCATION_REFUSED }, "the core says the photo has no fix")
            model.send(AppEvent.CloseAlarm(phone.county.alarm, "现场核查：已责令整改"))
            val closed = model.await("closed") { (it.screen as? ScreenData.Alarm)?.alarm?.state == AlarmState.CLOSED }
            assertEquals(listOf(true), (closed.screen as ScreenData.Alarm).alarm.photos.map { it.sent })
            model.send(AppEvent.Back)
            model.await("back") { it.route == AppRoute.Today }
        }
    }

    /** Per-screen view-model time across the FFI (printed, never asserted). */
    @Test
    fun `view model time per screen`() {
        withPhone("timing", DemoUser.OFFICER) { phone ->
            val core = phone.core
            core.start()
            val search = core.handle(AppEvent.SearchTyped("恒达"))
            core.handle(AppEvent.Open(AppRoute.Search))
            val enterprise = (core.handle(AppEvent.SearchTyped("恒达")).screen as ScreenData.Search).results.first().id
            val created = core.handle(AppEvent.CreateInspection(enterprise, InspectionKind.ROUTINE, listOf("emergency_preparedness"), null))
            val inspection = created.route
            core.handle(AppEvent.StartInspection((inspection as AppRoute.Inspection).id))
            assertNotNull(search)
            val routes = listOf(
                "today" to AppRoute.Today,
                "search" to AppRoute.Search,
                "tasks" to AppRoute.Tasks,
                "task" to AppRoute.Task(phone.county.task),
                "alarm" to AppRoute.Alarm(phone.county.alarm),
                "inspection" to inspection,
                "settings" to AppRoute.Settings,
            )
            repeat(50) { routes.forEach { (_, route) -> core.handle(AppEvent.Open(route)) } }
            routes.forEach { (name, route) ->
                val times = LongArray(300) {
                    val start = System.nanoTime()
                    core.handle(AppEvent.Open(route))
                    System.nanoTime() - start
                }.sorted()
                val p50 = times[times.size / 2] / 1_000
                val p99 = times[times.size * 99 / 100] / 1_000
                println("view model across the FFI, $name: p50 $p50 µs, p99 $p99 µs")
            }
        }
    }
}
