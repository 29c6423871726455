package org.fieldcheck.sdk

import org.fieldcheck.ffi.AlarmAction
import org.fieldcheck.ffi.DemoUser
import org.fieldcheck.ffi.FieldcheckClient
import org.fieldcheck.ffi.FieldcheckException
import org.fieldcheck.ffi.TaskAction
import org.fieldcheck.ffi.TaskState
import org.fieldcheck.ffi.seedDemoCounty
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Files
import java.nio.file.Path
import java.time.Instant
import java.util.UUID
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue

/**
 * Rectification tasks from both sides: the enterprise answers with proof photos, the officer may not act
 * for it; alarm photos; names and thumbnails in rows; the sync line's counts.
 */
class TasksTest {
    @TempDir
    lateinit var dir: Path

    @Test
    fun `the enterprise acknowledges its task and submits proof, and the timeline records both`() {
        FieldcheckClient.open(dir.resolve("enterprise").toString()).use { client ->
            val county = seedDemoCounty(client, DemoUser.ENTERPRISE)
            client.tasks().use { tasks ->
                val mine = tasks.list(listOf(TaskState.ISSUED), county.enterprises[0]).single()
                assertEquals(county.task, mine.id)
                assertFalse(mine.overdue)
                assertEquals("已下发", mine.stateLabel.zh)
                assertEquals(listOf(TaskAction.ACKNOWLEDGE), tasks.screen(mine.id).actions, "the core offers the buttons")
                assertEquals(TaskState.ACKNOWLEDGED, tasks.transition(mine.id, TaskAction.ACKNOWLEDGE, "已签收", emptyList()).state)
                val proof = tasks.transition(mine.id, TaskAction.SUBMIT_PROOF, "已设置标志牌", emptyList())
                assertEquals(TaskState.PROOF_SUBMITTED, proof.state)
                val screen = tasks.screen(mine.id)
                assertEquals(listOf(TaskAction.ACKNOWLEDGE, TaskAction.SUBMIT_PROOF), screen.timeline.map { it.action })
                assertEquals("已设置标志牌", screen.timeline.last().note)
                assertEquals(emptyList<TaskAction>(), screen.actions, "judging the proof is not the enterprise's")
            }
            assertEquals(2uL, client.pendingChanges(), "both transitions wait in the outbox")
        }
    }

    @Test
    fun `proof photos show on the task screen and rows carry names and thumbnails`() = runBlocking<Unit> {
        FieldcheckClient.open(dir.resolve("proof").toString()).use { client ->
            val county = seedDemoCounty(client, DemoUser.ENTERPRISE)
            client.tasks().use { tasks ->
                val row = tasks.list(emptyList(), null).single()
                assertEquals("永康市恒达五金制品有限公司", row.enterpriseName)
                assertEquals("东城街道", row.townshipName)
                assertNull(row.thumbnailPath, "no photo yet")
                tasks.transition(county.task, TaskAction.ACKNOWLEDGE, "已签收", emptyList())
                val photo = tasks.attachProofPhoto(county.task, generatedJpeg(dir.resolve("sign.jpg")).toString(), Instant.now(), null)
                assertTrue(Files.exists(Path.of(photo.thumbnailPath)))
                assertFalse(photo.sent)
                assertEquals(photo.thumbnailPath, tasks.list(emptyList(), null).single().thumbnailPath)
                // Only this task's own photos may be cited; a refusal leaves nothing behind.
                val before = client.syncStatus().pendingChanges
                assertFailsWith<FieldcheckException.NotFound> {
                    tasks.transition(county.task, TaskAction.SUBMIT_PROOF, "", listOf(UUID.randomUUID()))
                }
                assertEquals(before, client.syncStatus().pendingChanges)
                tasks.transition(county.task, TaskAction.SUBMIT_PROOF, "已设置标志牌", listOf(photo.evidence))
                val screen = tasks.screen(county.task)
                assertEquals(listOf(photo.evidence), screen.timeline.last().evidence)
                assertEquals(listOf(true), screen.photos.map { it.sent })
            }
            val status = client.syncStatus()
            assertEquals(2uL, status.pendingChanges)
            assertEquals(0uL, status.needsAttention)
            assertNull(status.clockSkewMs, "never synced, never measured")
            assertEquals(emptyList(), client.needsAttention())
            assertFalse(client.dismissAttention(1uL), "nothing was refused")
            // A photo for a task that is not on this device is refused.
            assertFailsWith<FieldcheckException.NotFound> {
                client.tasks().use { it.attachProofPhoto(UUID.randomUUID(), generatedJpeg(dir.resolve("x.jpg")).toString(), Instant.now(), null) }
            }
        }
    }

    @Test
    fun `an officer's on-site alarm photo shows on the alarm and goes with the close`() = runBlocking<Unit> {
        FieldcheckClient.open(dir.resolve("alarm").toString()).use { client ->
            val county = seedDemoCounty(client, DemoUser.OFFICER)
            client.alarms().use { alarms ->
                assertEquals("永康市绿源电镀有限公司", alarms.get(county.alarm).enterpriseName)
                assertEquals("西城街道", client.today().alarms.single().townshipName)
                assertEquals(listOf(AlarmAction.ARRIVE), alarms.get(county.alarm).actions, "the core offers the buttons")
                assertEquals(listOf(AlarmAction.CLOSE), alarms.arrive(county.alarm, null).actions)
                val photo = alarms.attachPhoto(county.alarm, generatedJpeg(dir.resolve("outlet.jpg")).toString(), Instant.now(), null)
                assertEquals(listOf(photo.evidence), alarms.get(county.alarm).photos.map { it.evidence })
                val closed = alarms.close(county.alarm, "现场核查：总磷超标，已责令停产整改", listOf(photo.evidence))
                assertEquals(listOf(true), closed.photos.map { it.sent })
                assertEquals(emptyList(), closed.actions, "nothing left to do")
            }
        }
    }

    @Test
    fun `an officer cannot acknowledge for the enterprise`() {
        FieldcheckClient.open(dir.resolve("officer").toString()).use { client ->
            val county = seedDemoCounty(client, DemoUser.OFFICER)
            client.tasks().use { assertEquals(emptyList<TaskAction>(), it.screen(county.task).actions) }
            val refused = assertFailsWith<FieldcheckException.NotAllowed> {
                client.tasks().use { it.transition(county.task, TaskAction.ACKNOWLEDGE, "", emptyList()) }
            }
            assertTrue(refused.message!!.contains("Officer"), refused.message)
            assertEquals(0uL, client.pendingChanges(), "a refused transition leaves nothing behind")
        }
    }
}
