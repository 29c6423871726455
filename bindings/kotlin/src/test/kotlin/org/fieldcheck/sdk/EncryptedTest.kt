package org.fieldcheck.sdk

import kotlinx.coroutines.runBlocking
import org.fieldcheck.ffi.DemoUser
import org.fieldcheck.ffi.FieldcheckException
import org.fieldcheck.ffi.InspectionKind
import org.fieldcheck.ffi.InspectorInput
import org.fieldcheck.ffi.SecureStore
import org.fieldcheck.ffi.seedDemoCounty
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Files
import java.nio.file.Path
import java.time.Instant
import java.util.concurrent.ConcurrentHashMap
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull

/** The Keystore's part, in memory. */
private class MemorySecureStore : SecureStore {
    val values = ConcurrentHashMap<String, ByteArray>()
    override fun load(key: String): ByteArray? = values[key]
    override fun save(key: String, value: ByteArray) { values[key] = value }
    override fun delete(key: String) { values.remove(key) }
}

/** The data folder encrypted at rest through the SDK: keys in secure storage, thumbnails read through the core. */
class EncryptedTest {
    @TempDir
    lateinit var dir: Path

    @Test
    fun `an encrypted data folder keeps its keys in secure storage and reads photos back through the core`() = runBlocking {
        val secure = MemorySecureStore()
        val data = dir.resolve("data").toFile()
        val thumbnail = Fieldcheck.openEncrypted(data, secure).use { client ->
            val county = seedDemoCounty(client, DemoUser.OFFICER)
            val inspections = client.inspections()
            val draft = inspections.create(county.enterprises[0], InspectionKind.NIGHT_SPOT_CHECK, listOf("emergency_preparedness"))
            val team = listOf(
                InspectorInput(county.officer, county.officerName, county.officerCertificate),
                InspectorInput(county.colleague, county.colleagueName, county.colleagueCertificate),
            )
            inspections.setTeam(draft.id, team, team[1])
            inspections.start(draft.id, null)
            val item = inspections.screen(draft.id).checklists.single().template.items.first()
            val photo = inspections.attachPhoto(
                draft.id, "emergency_preparedness", item.code, generatedJpeg(dir.resolve("p.jpg")).toString(), Instant.now(), null,
            )
            val bytes = client.photoBytes(photo.thumbnailPath)
            assertContentEquals(byteArrayOf(0xFF.toByte(), 0xD8.toByte()), bytes.copyOfRange(0, 2), "a JPEG, opened by the core")
            assertFalse(Files.readAllBytes(Path.of(photo.thumbnailPath)).copyOfRange(0, 2).contentEquals(bytes.copyOfRange(0, 2)), "sealed on disk")
            assertFailsWith<FieldcheckException> { client.photoBytes(dir.resolve("p.jpg").toString()) }
            photo.thumbnailPath
        }
        assertEquals(32, assertNotNull(secure.values["database_key"]).size)
        assertEquals(32, assertNotNull(secure.values["photo_key"]).size)
        val header = Files.readAllBytes(data.toPath().resolve("fieldcheck.db")).copyOfRange(0, 16)
        assertFalse(String(header, Charsets.US_ASCII).startsWith("SQLite format 3"), "the database is not in clear")
        // A relaunch with the same keys reads everything back.
        Fieldcheck.openEncrypted(data, secure).use { client ->
            assertNotNull(client.currentUser())
            assertEquals(0xFF.toByte(), client.photoBytes(thumbnail)[0])
        }
    }
}
