package org.fieldcheck.sdk

import kotlinx.coroutines.runBlocking
import org.fieldcheck.ffi.DeviceSigner
import org.fieldcheck.ffi.FieldcheckClient
import org.fieldcheck.ffi.FieldcheckException
import org.fieldcheck.ffi.InspectionKind
import org.fieldcheck.ffi.InspectorInput
import org.fieldcheck.ffi.Network
import org.fieldcheck.ffi.OriginalPolicy
import org.fieldcheck.ffi.PhotoRule
import org.fieldcheck.ffi.SubmitResult
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.math.BigInteger
import java.nio.file.Path
import java.security.KeyPairGenerator
import java.security.Signature
import java.security.interfaces.ECPublicKey
import java.security.spec.ECGenParameterSpec
import java.time.Instant
import java.time.ZoneOffset
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertTrue

/**
 * A P-256 key held on the Kotlin side (java.security here; Android Keystore on a phone) seals the
 * evidence of an inspection, and the live platform verifies and accepts it.
 */
class ForeignSignerTest : LivePlatformTest() {
    /** ECDSA P-256 with SHA-256 in the JVM's own provider, counting signatures. */
    class JvmSigner : DeviceSigner {
        private val keys = KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp256r1")) }
            .generateKeyPair()
        val signatures = AtomicInteger()

        /** The uncompressed SEC1 point: 0x04, then X and Y as 32 bytes each. */
        override fun publicKey(): ByteArray {
            val point = (keys.public as ECPublicKey).w
            fun coordinate(n: BigInteger): ByteArray = n.toByteArray().takeLast(32).toByteArray().let {
                ByteArray(32 - it.size) + it
            }
            return byteArrayOf(4) + coordinate(point.affineX) + coordinate(point.affineY)
        }

        override fun sign(message: ByteArray): ByteArray {
            signatures.incrementAndGet()
            return Signature.getInstance("SHA256withECDSA").run {
                initSign(keys.private)
                update(message)
                sign()
            }
        }
    }

    @Test
    fun `an inspection sealed by a key held in Kotlin is accepted by the platform`(@TempDir dir: Path) = runBlocking<Unit> {
        val signer = JvmSigner()
        Fieldcheck.open(dir.resolve("officer").toFile()).use { officer ->
            // Before sign-in: sign-in registers this key with the platform.
            officer.setSigner(signer)
            assertContentEquals(signer.publicKey(), officer.devicePublicKey())
            officer.setUploadPolicy(OriginalPolicy.IMMEDIATELY, Network.UNMETERED)
            officer.signIn(platform.url, "officer1", LivePlatform.PASSWORD)
            officer.sync()
            val me = officer.currentUser()!!
            val colleague = officer.officers().first { it.id != me.id }
            val enterprise = officer.enterprises().use { it.search("有限公司", 1u).single() }
            officer.inspections().use { inspections ->
                val draft = inspections.create(enterprise.id, InspectionKind.ROUTINE, listOf("emergency_preparedness"))
                val team = listOf(me, colleague).map { InspectorInput(it.id, it.name, it.certificateNo!!) }
                inspections.setTeam(draft.id, team, team[1])
                val day = inspections.start(draft.id, null).startedAt!!.atZone(ZoneOffset.UTC).toLocalDate()
                val photo = generatedJpeg(dir.resolve("photo.jpg"))
                for (item in inspections.screen(draft.id).checklists.single().template.items) {
                    inspections.answer(draft.id, "emergency_preparedness", item.code, validAnswer(item, day), null)
                    if (item.photo == PhotoRule.ALWAYS) {
                        inspections.attachPhoto(draft.id, "emergency_preparedness", item.code, photo.toString(), Instant.now(), null)
                    }
                }
                assertIs<SubmitResult.Submitted>(inspections.submit(draft.id))
            }
            assertTrue(signer.signatures.get() >= 1, "the submission was sealed by the Kotlin key")
            val synced = officer.sync()
            assertEquals(1uL, synced.applied, "the platform verified the seal and applied the record: $synced")
            assertEquals(0uL, synced.rejected)
            assertEquals(emptyList(), officer.needsAttention())
            assertEquals(0uL, synced.photosWaiting, "renditions and originals all went up: $synced")
            assertTrue(synced.photosUploaded >= 2uL, "$synced")
        }
    }

    @Test
    fun `a signer whose key is not a P-256 point is refused`(@TempDir dir: Path) {
        FieldcheckClient.open(dir.resolve("d").toString()).use { client ->
            val broken = object : DeviceSigner {
                override fun publicKey() = ByteArray(65) { 7 }
                override fun sign(message: ByteArray) = ByteArray(0)
            }
            assertFailsWith<FieldcheckException.InvalidInput> { client.setSigner(broken) }
        }
    }
}
