package org.fieldcheck.sdk

import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.takeWhile
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.fieldcheck.ffi.AnswerInput
import org.fieldcheck.ffi.ChangeAction
import org.fieldcheck.ffi.FieldcheckClient
import org.fieldcheck.ffi.FieldcheckException
import org.fieldcheck.ffi.InspectionKind
import org.fieldcheck.ffi.InspectorInput
import org.fieldcheck.ffi.Network
import org.fieldcheck.ffi.OriginalPolicy
import org.fieldcheck.ffi.PhotoRule
import org.fieldcheck.ffi.RejectCode
import org.fieldcheck.ffi.Role
import org.fieldcheck.ffi.SubmitResult
import org.fieldcheck.ffi.SyncState
import org.fieldcheck.ffi.TaskAction
import org.fieldcheck.ffi.TaskState
import org.fieldcheck.ffi.liveObjectsSince
import org.fieldcheck.ffi.objectMark
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Files
import java.nio.file.Path
import java.time.Instant
import java.time.ZoneOffset
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertTrue

/**
 * Against a live platform process on loopback: an officer signs in, inspects offline with photos,
 * submits and syncs; the enterprise's own device then sees its rectification task and answers it with a
 * proof photo (sealed, verified by the platform, uploaded); the officer's phone fetches it and shows it
 * on the task screen, and the officer accepts it; a
 * colleague's stale rejection is refused and listed as needing attention. Skipped only when `fieldcheck.platform.bin` is not given (scripts/test.sh
 * always gives it).
 */
class PlatformEndToEndTest : LivePlatformTest() {
    private suspend fun device(dir: Path, name: String, login: String): FieldcheckClient {
        val client = Fieldcheck.open(dir.resolve(name).toFile())
        client.signIn(platform.url, login, LivePlatform.PASSWORD)
        client.sync()
        return client
    }

    @Test
    fun `an officer's offline inspection reaches the enterprise, which answers its task`(@TempDir dir: Path) = runBlocking {
        val mark = objectMark()
        // The colleague's device stays open: later it acts on a stale copy and is refused.
        val colleagueDevice = device(dir, "officer2", "officer2")
        val secondOfficer = colleagueDevice.currentUser()!!
        val enterprise = device(dir, "enterprise1", "enterprise1")
        val enterpriseId = enterprise.currentUser()!!.enterprise!!
        val officer = device(dir, "officer1", "officer1")
        val me = officer.currentUser()!!
        assertEquals(Role.OFFICER, me.role)
        // The team picker: officers of the jurisdiction, pulled from the platform.
        val colleague = officer.officers().single { it.id == secondOfficer.id }
        assertEquals(secondOfficer.certificateNo, colleague.certificateNo)
        assertTrue(officer.today().alarms.isNotEmpty() || officer.pendingChanges() == 0uL)
        assertEquals(enterpriseId, officer.enterprises().use { it.get(enterpriseId) }.id, "the pull brought the jurisdiction")

        // Offline: every step below is a local, durable write; nothing touches the network until sync().
        val inspections = officer.inspections()
        val draft = inspections.create(enterpriseId, InspectionKind.ROUTINE, listOf("emergency_preparedness"))
        val team = listOf(me, colleague).map { InspectorInput(it.id, it.name, it.certificateNo!!) }
        inspections.setTeam(draft.id, team, team[1])
        val day = inspections.start(draft.id, null).startedAt!!.atZone(ZoneOffset.UTC).toLocalDate()
        val photo = generatedJpeg(dir.resolve("photo.jpg"))
        for (item in inspections.screen(draft.id).checklists.single().template.items) {
            val answer = if (item.code == "EM-03") AnswerInput.No else validAnswer(item, day)
            inspections.answer(draft.id, "emergency_preparedness", item.code, answer, null)
            if (item.photo != PhotoRule.NEVER) {
                inspections.attachPhoto(draft.id, "emergency_preparedness", item.code, photo.toString(), Instant.now(), null)
            }
        }
        val submitted = assertIs<SubmitResult.Submitted>(inspections.submit(draft.id))
        val task = submitted.tasks.single()
        assertEquals(1uL, officer.pendingChanges())

        // Sync, watching the status flow: RUNNING … SUCCEEDED.
        val statuses = async(start = CoroutineStart.UNDISPATCHED) {
            officer.syncStatuses().takeWhile { it.state != SyncState.SUCCEEDED && it.state != SyncState.FAILED }.toList()
        }
        val pushed = officer.sync()
        assertEquals(0uL, pushed.pending)
        assertTrue(pushed.applied >= 1uL, "the platform applied the submission: $pushed")
        assertTrue(withTimeout(30_000) { statuses.await() }.any { it.state == SyncState.RUNNING })
        val status = officer.syncStatus()
        assertEquals(SyncState.SUCCEEDED, status.state)
        assertEquals(0uL, status.pendingChanges)
        assertEquals(0uL, status.needsAttention)
        assertTrue(status.clockSkewMs != null, "the push measured the clock skew")
        assertFalse(status.clockSkewWarning, "same machine, same clock: ${status.clockSkewMs} ms")
        assertTrue(pushed.photosUploaded >= 1uL, "the renditions went up after the record: $pushed")

        // The enterprise's device sees the task and answers it.
        enterprise.sync()
        // Its originals too, straight away: the enterprise says it is on Wi-Fi.
        enterprise.setUploadPolicy(OriginalPolicy.IMMEDIATELY, Network.UNMETERED)
        val proofPhoto = enterprise.tasks().use { tasks ->
            val mine = tasks.list(emptyList(), null).single { it.id == task.id }
            assertEquals(TaskState.ISSUED, mine.state)
            assertTrue(!mine.enterpriseName.isNullOrBlank(), "rows carry the enterprise's name: $mine")
            tasks.transition(task.id, TaskAction.ACKNOWLEDGE, "已签收", emptyList())
            // The enterprise photographs the filed plan as proof, then submits it with the photo.
            val shot = generatedJpeg(dir.resolve("proof.jpg"))
            val proof = tasks.attachProofPhoto(task.id, shot.toString(), Instant.now(), null)
            assertTrue(Files.exists(Path.of(proof.thumbnailPath)))
            assertEquals(listOf(proof.evidence), tasks.screen(task.id).photos.map { it.evidence })
            tasks.transition(task.id, TaskAction.SUBMIT_PROOF, "已修订应急预案并备案", listOf(proof.evidence))
            assertTrue(tasks.screen(task.id).photos.single().sent)
            proof
        }
        val answered = enterprise.sync()
        assertEquals(0uL, answered.pending)
        assertEquals(0uL, answered.rejected, "the platform verified the sealed proof: $answered")
        assertEquals(2uL, answered.photosUploaded, "the proof's rendition and original: $answered")
        assertEquals(0uL, answered.photosWaiting)

        // The officer's sync fetches the proof photo; the task screen shows it and the officer accepts it.
        assertEquals(1uL, officer.sync().photosFetched)
        colleagueDevice.sync()
        officer.tasks().use { tasks ->
            val screen = tasks.screen(task.id)
            assertEquals(TaskState.PROOF_SUBMITTED, screen.task.state)
            val submittedProof = screen.timeline.single { it.action == TaskAction.SUBMIT_PROOF }
            assertEquals(listOf(proofPhoto.evidence), submittedProof.evidence, "the proof photo reached the officer")
            val seen = screen.photos.single()
            assertEquals(proofPhoto.evidence, seen.evidence, "the proof photo reached the officer's screen")
            assertEquals(proofPhoto.sha256, seen.sha256, "the same original, by its hash")
            assertTrue(Files.exists(Path.of(seen.thumbnailPath)), "with a thumbnail made on the officer's phone")
            tasks.transition(task.id, TaskAction.ACCEPT, "复查合格", emptyList())
        }
        officer.sync()

        // The colleague's copy is stale: rejecting the accepted proof is refused and needs attention.
        colleagueDevice.tasks().use { it.transition(task.id, TaskAction.REJECT, "照片不清晰", emptyList()) }
        val refused = colleagueDevice.sync()
        assertEquals(1uL, refused.rejected, "$refused")
        assertEquals(1uL, colleagueDevice.syncStatus().needsAttention)
        val attention = colleagueDevice.needsAttention().single()
        assertEquals(ChangeAction.TASK_TRANSITION, attention.action)
        assertEquals(task.id, attention.record)
        assertEquals(RejectCode.INVALID_TRANSITION, attention.code)
        assertTrue(attention.reason.isNotBlank())
        assertEquals(TaskState.ACCEPTED, colleagueDevice.tasks().use { it.screen(task.id).task.state }, "undone")
        assertTrue(colleagueDevice.dismissAttention(attention.seq))
        assertFalse(colleagueDevice.dismissAttention(attention.seq))
        assertEquals(0uL, colleagueDevice.syncStatus().needsAttention)
        colleagueDevice.close()
        enterprise.sync()
        enterprise.tasks().use { tasks ->
            val screen = tasks.screen(task.id)
            assertEquals(TaskState.ACCEPTED, screen.task.state)
            assertEquals(
                listOf(TaskAction.ACKNOWLEDGE, TaskAction.SUBMIT_PROOF, TaskAction.ACCEPT),
                screen.timeline.map { it.action },
            )
            assertEquals(listOf(proofPhoto.evidence), screen.photos.map { it.evidence }, "the enterprise keeps its photo")
        }
        inspections.close()
        officer.close()
        enterprise.close()
        assertEquals(0uL, liveObjectsSince(mark), "every client and sub-client was released")
    }

    @Test
    fun `a wrong password asks to sign in again, and an unreachable platform is a network error`(@TempDir dir: Path) = runBlocking {
        FieldcheckClient.open(dir.resolve("d").toString()).use { client ->
            val wrong = assertFailsWith<FieldcheckException.SignInRequired> {
                client.signIn(platform.url, "officer1", "not the password")
            }
            assertTrue(wrong.message!!.isNotBlank())
            assertFailsWith<FieldcheckException.SignInRequired> { client.sync() }
            // Port 9 (discard) on loopback: nothing listens there.
            assertFailsWith<FieldcheckException.Network> { client.signIn("http://127.0.0.1:9", "officer1", "x") }
            assertFailsWith<FieldcheckException.InvalidInput> { client.signIn("ftp://example", "officer1", "x") }
            assertTrue(Files.exists(dir.resolve("d")))
        }
    }
}
