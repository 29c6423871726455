package org.fieldcheck.sdk

import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.io.TempDir
import java.io.BufferedReader
import java.nio.file.Path
import java.util.concurrent.ArrayBlockingQueue
import java.util.concurrent.TimeUnit

/**
 * The real `fieldcheck-platform` binary on a free loopback port with the demo county, for end-to-end
 * tests. scripts/test.sh passes its path as the system property `fieldcheck.platform.bin`.
 */
class LivePlatform private constructor(private val process: Process, val url: String) : AutoCloseable {
    override fun close() {
        process.destroy()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly()
    }

    companion object {
        /** Every demo login's password (see platform/src/demo.rs). */
        const val PASSWORD = "fieldcheck-demo"

        fun binary(): String? = System.getProperty("fieldcheck.platform.bin")?.takeIf { it.isNotBlank() }

        fun start(bin: String, data: Path): LivePlatform {
            val process = ProcessBuilder(bin, "serve", "--data", data.toString(), "--listen", "127.0.0.1:0", "--demo")
                .redirectErrorStream(true)
                .start()
            // One line names the address (log lines, such as a warning, may come before it); the output is
            // drained to its end so the process never blocks on a full pipe.
            val address = ArrayBlockingQueue<String>(1)
            Thread {
                val out: BufferedReader = process.inputStream.bufferedReader()
                runCatching {
                    out.lineSequence().forEach { if (it.startsWith("listening on ")) address.offer(it) }
                } // ends when the process is stopped
                address.offer("the platform stopped before listening (exit ${runCatching { process.waitFor() }.getOrNull()})")
            }.apply { isDaemon = true }.start()
            val line = address.poll(120, TimeUnit.SECONDS)
            if (line == null || !line.startsWith("listening on ")) {
                process.destroyForcibly()
                error("the platform did not start: $line")
            }
            return LivePlatform(process, line.removePrefix("listening on ").trim())
        }
    }
}

/**
 * A test class run against one live platform process, started before its tests and stopped after them.
 * Skipped only when `fieldcheck.platform.bin` is not given (scripts/test.sh always gives it).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class LivePlatformTest {
    protected lateinit var platform: LivePlatform

    @BeforeAll
    fun start(@TempDir dir: Path) {
        val bin = LivePlatform.binary()
        assumeTrue(bin != null, "set -Dfieldcheck.platform.bin to the fieldcheck-platform binary")
        platform = LivePlatform.start(bin!!, dir.resolve("platform"))
    }

    @AfterAll
    fun stop() {
        if (::platform.isInitialized) platform.close()
    }
}
