package org.fieldcheck.sdk

import org.fieldcheck.ffi.DemoUser
import org.fieldcheck.ffi.FieldcheckClient
import org.fieldcheck.ffi.FieldcheckException
import org.fieldcheck.ffi.TaskAction
import org.fieldcheck.ffi.TaskState
import org.fieldcheck.ffi.seedDemoCounty
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue

/** Rectification tasks from both sides: the enterprise answers, the officer may not act for it. */
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
