package org.fieldcheck.sdk

import kotlinx.coroutines.async
import kotlinx.coroutines.flow.filter
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import org.fieldcheck.ffi.AlarmState
import org.fieldcheck.ffi.AnswerInput
import org.fieldcheck.ffi.ChangeKind
import org.fieldcheck.ffi.DemoCounty
import org.fieldcheck.ffi.DemoUser
import org.fieldcheck.ffi.FieldcheckClient
import org.fieldcheck.ffi.FieldcheckException
import org.fieldcheck.ffi.GeoFix
import org.fieldcheck.ffi.InspectionKind
import org.fieldcheck.ffi.InspectionState
import org.fieldcheck.ffi.InspectorInput
import org.fieldcheck.ffi.ProblemCode
import org.fieldcheck.ffi.SubmitResult
import org.fieldcheck.ffi.Verdict
import org.fieldcheck.ffi.liveObjectsSince
import org.fieldcheck.ffi.objectMark
import org.fieldcheck.ffi.seedDemoCounty
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import java.time.Instant
import java.util.UUID
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/** The officer's offline workflow through the SDK, on a real SQLite file seeded with the demo county. */
class InspectionWorkflowTest {
    @TempDir
    lateinit var dir: Path
    private lateinit var client: FieldcheckClient
    private lateinit var county: DemoCounty

    @BeforeEach
    fun open() = runBlocking {
        client = Fieldcheck.open(dir.resolve("officer").toFile())
        county = seedDemoCounty(client, DemoUser.OFFICER)
    }

    @AfterEach
    fun close() = client.close()

    @Test
    fun `an inspection is drafted, started, answered and blocked with per-item problems`() = runBlocking {
        assertEquals("张伟", client.currentUser()?.name)
        val enterprise = client.enterprises().use { it.search("恒达 五金", 10u) }.single()
        assertEquals(county.enterprises[0], enterprise.id)
        assertTrue(client.pendingChanges() == 0uL)

        val inspections = client.inspections()
        val draft = client.io { inspections.create(enterprise.id, InspectionKind.ROUTINE, listOf("emergency_preparedness")) }
        assertEquals(InspectionState.DRAFT, draft.state)
        val before = Instant.now().minusSeconds(1)
        val started = inspections.start(draft.id, GeoFix(28.9, 120.03, 8.0))
        assertTrue(started.startedAt!!.isAfter(before), "times cross as java.time.Instant: ${started.startedAt}")

        // The listener hears the answer as a Flow element (once the collector has registered it).
        val mark = objectMark()
        val heard = async { client.changes().filter { it.kind == ChangeKind.INSPECTION }.first() }
        while (liveObjectsSince(mark) == 0uL) yield()
        val outcome = client.io { inspections.answer(draft.id, "emergency_preparedness", "EM-03", AnswerInput.No, "未见预案") }
        assertEquals(Verdict.NON_COMPLIANT, outcome.verdict)
        assertNotNull(outcome.proposedFinding, "a failed item proposes a finding")
        assertEquals(draft.id, withTimeout(10_000) { heard.await() }.id)

        val team = listOf(
            InspectorInput(county.officer, county.officerName, county.officerCertificate),
            InspectorInput(county.colleague, county.colleagueName, county.colleagueCertificate),
        )
        inspections.setTeam(draft.id, team, team[1])
        val blocked = assertIs<SubmitResult.Blocked>(inspections.submit(draft.id))
        assertFalse(blocked.problems.any { it.code == ProblemCode.TOO_FEW_INSPECTORS })
        val unanswered = blocked.problems.first { it.itemCode == "EM-01" }
        assertEquals(ProblemCode.UNANSWERED, unanswered.code)
        assertTrue(unanswered.message.zh.isNotBlank() && unanswered.message.en.isNotBlank())

        val screen = inspections.screen(draft.id)
        val checklist = screen.checklists.single()
        assertEquals(1u to 15u, checklist.answered to checklist.total)
        assertEquals("未见预案", checklist.items.first { it.code == "EM-03" }.note)
        assertFalse(screen.canSubmit)
        inspections.close()
    }

    @Test
    fun `errors arrive as one sealed exception with a readable message`() {
        val unknown = UUID.randomUUID()
        val error = assertFailsWith<FieldcheckException> { client.enterprises().use { it.get(unknown) } }
        val kind = when (error) {
            is FieldcheckException.InvalidInput -> "input"
            is FieldcheckException.NotFound -> "not found"
            is FieldcheckException.NotAllowed -> "not allowed"
            is FieldcheckException.Storage -> "storage"
            is FieldcheckException.Network -> "network"
            is FieldcheckException.SignInRequired -> "sign in"
            is FieldcheckException.Internal -> "internal"
        }
        assertEquals("not found", kind)
        assertTrue(error.message!!.contains(unknown.toString()), error.message)
        assertFailsWith<FieldcheckException.InvalidInput> {
            FieldcheckClient.open(" ")
        }
    }

    @Test
    fun `today lists the dispatched alarm, and arriving puts it on site`() {
        val today = client.today()
        val alarm = today.alarms.single()
        assertEquals(county.alarm, alarm.id)
        assertEquals("总磷", alarm.pollutant)
        assertEquals(0.12, alarm.exceedanceMultiple!!, 1e-9)
        val onSite = client.alarms().use { it.arrive(alarm.id, null) }
        assertEquals(AlarmState.ON_SITE, onSite.state)
        assertEquals("现场核查", onSite.stateLabel.zh)
        assertEquals(1uL, client.pendingChanges(), "the arrival waits in the outbox for the platform")
    }
}
