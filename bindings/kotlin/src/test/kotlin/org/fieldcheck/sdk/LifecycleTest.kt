package org.fieldcheck.sdk

import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield
import org.fieldcheck.ffi.Change
import org.fieldcheck.ffi.ChangeListener
import org.fieldcheck.ffi.FieldcheckClient
import org.fieldcheck.ffi.SyncListener
import org.fieldcheck.ffi.SyncStatus
import org.fieldcheck.ffi.liveObjectsSince
import org.fieldcheck.ffi.objectMark
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Files
import java.nio.file.Path
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue

/**
 * Objects and listeners handed across the boundary are released: no growth over many cycles. Counted from a
 * mark (`liveObjectsSince`, which counts the listeners Rust holds too), never from process-wide sizes: an
 * object or listener another test left to the garbage collector may be freed in between.
 */
class LifecycleTest {
    @TempDir
    lateinit var dir: Path

    private val cycles = 10_000

    private object Ignore : ChangeListener {
        override fun onChange(change: Change) {}
    }

    private object IgnoreSync : SyncListener {
        override fun onStatus(status: SyncStatus) {}
    }

    @Test
    fun `sub-clients and subscriptions are released after 10,000 create-close cycles`() {
        FieldcheckClient.open(dir.resolve("data").toString()).use { client ->
            val mark = objectMark()
            val rssBefore = residentKb()
            repeat(cycles) {
                client.templates().use { it.list() }
                client.enterprises().close()
                client.inspections().close()
                client.tasks().close()
                client.alarms().close()
                client.observeChanges(Ignore).use { sub ->
                    sub.cancel()
                    assertFalse(sub.isActive())
                }
                client.observeSync(IgnoreSync).close()
            }
            assertEquals(0uL, liveObjectsSince(mark), "live Rust objects and held listeners after $cycles cycles")
            println("lifecycle: $cycles cycles of 5 sub-clients + 2 listeners; RSS $rssBefore kB -> ${residentKb()} kB (printed, not asserted)")
        }
    }

    @Test
    fun `clients opened and closed 1,000 times leave no objects or open files behind`() {
        val data = dir.resolve("data").toString()
        FieldcheckClient.open(data).close() // creates and migrates the database once
        val mark = objectMark()
        val filesBefore = openFiles()
        repeat(1_000) {
            FieldcheckClient.open(data).use { client -> client.observeChanges(Ignore).close() }
        }
        assertEquals(0uL, liveObjectsSince(mark))
        // A leaked client keeps its two SQLite connections (and their WAL files) open.
        assertTrue(openFiles() <= filesBefore + 4, "open files grew from $filesBefore to ${openFiles()}")
    }

    private fun openFiles(): Int = Path.of("/proc/self/fd").toFile().list()?.size ?: 0

    @Test
    fun `a subscription released without cancel still releases its listener`() {
        FieldcheckClient.open(dir.resolve("data").toString()).use { client ->
            val mark = objectMark()
            repeat(cycles) { client.observeChanges(Ignore).close() }
            assertEquals(0uL, liveObjectsSince(mark), "listeners still held by Rust")
        }
    }

    @Test
    fun `cancelling a collector of changes() releases the listener`() = runBlocking {
        FieldcheckClient.open(dir.resolve("data").toString()).use { client ->
            val mark = objectMark()
            repeat(1_000) {
                val collector = async { client.changes().collect {} }
                // Registered once its subscription and listener are alive (the previous ones are gone).
                while (liveObjectsSince(mark) == 0uL) yield()
                collector.cancel()
                collector.join()
            }
            assertEquals(0uL, liveObjectsSince(mark), "subscriptions or listeners still held by Rust")
        }
    }

    private fun residentKb(): Long =
        Files.readAllLines(Path.of("/proc/self/status")).firstOrNull { it.startsWith("VmRSS:") }
            ?.filter(Char::isDigit)?.toLongOrNull() ?: -1
}
