package org.fieldcheck.sdk

import kotlinx.coroutines.runBlocking
import org.fieldcheck.ffi.AnswerInput
import org.fieldcheck.ffi.DemoUser
import org.fieldcheck.ffi.FieldcheckClient
import org.fieldcheck.ffi.FieldcheckException
import org.fieldcheck.ffi.InspectionKind
import org.fieldcheck.ffi.InspectionState
import org.fieldcheck.ffi.InspectorInput
import org.fieldcheck.ffi.PhotoRule
import org.fieldcheck.ffi.PhotoView
import org.fieldcheck.ffi.SubmitResult
import org.fieldcheck.ffi.TaskState
import org.fieldcheck.ffi.Verdict
import org.fieldcheck.ffi.seedDemoCounty
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Files
import java.nio.file.Path
import java.time.Instant
import java.time.ZoneOffset
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertTrue

/** A whole checklist answered with generated photos, submitted, and its rectification task issued. */
class SubmitTest {
    @TempDir
    lateinit var dir: Path

    @Test
    fun `a full emergency-preparedness inspection with photos submits and issues its task`() = runBlocking {
        FieldcheckClient.open(dir.resolve("officer").toString()).use { client ->
            val county = seedDemoCounty(client, DemoUser.OFFICER)
            val inspections = client.inspections()
            val draft = inspections.create(county.enterprises[0], InspectionKind.NIGHT_SPOT_CHECK, listOf("emergency_preparedness"))
            val team = listOf(
                InspectorInput(county.officer, county.officerName, county.officerCertificate),
                InspectorInput(county.colleague, county.colleagueName, county.colleagueCertificate),
            )
            inspections.setTeam(draft.id, team, team[1])
            val started = inspections.start(draft.id, null)
            val day = started.startedAt!!.atZone(ZoneOffset.UTC).toLocalDate()
            val photo = generatedJpeg(dir.resolve("photo.jpg"))

            val items = inspections.screen(draft.id).checklists.single().template.items
            var failed = 0
            val attachedTo = mutableMapOf<String, PhotoView>()
            for (item in items) {
                // EM-03 fails on purpose: it proposes a finding, which becomes a rectification task.
                val answer = if (item.code == "EM-03") AnswerInput.No else validAnswer(item, day)
                val verdict = inspections.answer(draft.id, "emergency_preparedness", item.code, answer, null).verdict
                if (verdict == Verdict.NON_COMPLIANT) failed++
                if (item.photo != PhotoRule.NEVER) {
                    val attached = inspections.attachPhoto(draft.id, "emergency_preparedness", item.code, photo.toString(), Instant.now(), null)
                    assertEquals(64, attached.sha256.length)
                    assertTrue(Files.size(Path.of(attached.thumbnailPath)) > 0, "the thumbnail is on disk")
                    attachedTo[item.code] = attached
                }
            }
            val screen = inspections.screen(draft.id)
            // Each item carries its own photo (the same view attachPhoto returned), not sent before submission.
            for (progress in screen.checklists.single().items) {
                assertEquals(listOfNotNull(attachedTo[progress.code]), progress.photos, progress.code)
            }
            assertTrue(screen.canSubmit, "still blocked: ${screen.problems.map { "${it.itemCode}: ${it.message.en}" }}")

            val submitted = assertIs<SubmitResult.Submitted>(inspections.submit(draft.id))
            assertEquals(failed, submitted.tasks.size, "one task per non-compliant item")
            val after = inspections.screen(draft.id)
            assertEquals(InspectionState.SUBMITTED, after.inspection.state)
            val shown = after.checklists.single().items.flatMap { it.photos }
            assertEquals(attachedTo.size, shown.size)
            assertTrue(shown.all { it.sent }, "the submission carries its photos")
            val issued = client.tasks().use { it.list(listOf(TaskState.ISSUED), county.enterprises[0]) }
            assertTrue(submitted.tasks.all { t -> issued.any { it.id == t.id } }, "the new tasks are listed on the device")
            assertEquals(1uL, client.pendingChanges(), "one inspection.submit intent carries everything")

            // A submitted record is frozen.
            assertFailsWith<FieldcheckException.NotAllowed> {
                inspections.answer(draft.id, "emergency_preparedness", "EM-03", AnswerInput.Yes, null)
            }
            inspections.close()
        }
    }

    @Test
    fun `a file that is not an image is refused with a readable message and nothing is attached`() = runBlocking {
        FieldcheckClient.open(dir.resolve("officer").toString()).use { client ->
            val county = seedDemoCounty(client, DemoUser.OFFICER)
            val inspections = client.inspections()
            val draft = inspections.create(county.enterprises[0], InspectionKind.ROUTINE, listOf("emergency_preparedness"))
            inspections.start(draft.id, null)
            val notImage = dir.resolve("notes.txt").also { Files.writeString(it, "not a photo") }
            val refused = assertFailsWith<FieldcheckException.InvalidInput> {
                inspections.attachPhoto(draft.id, "emergency_preparedness", "EM-01", notImage.toString(), Instant.now(), null)
            }
            assertTrue(refused.message!!.contains("not a JPEG, PNG or WebP"), refused.message)
            val missing = dir.resolve("gone.jpg").toString()
            assertFailsWith<FieldcheckException.Storage> {
                inspections.attachPhoto(draft.id, "emergency_preparedness", "EM-01", missing, Instant.now(), null)
            }
            val em01 = inspections.screen(draft.id).checklists.single().items.first { it.code == "EM-01" }
            assertEquals(0u, em01.photoCount)
            inspections.close()
        }
    }
}
