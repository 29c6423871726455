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
            // The first line names the address; keep draining the rest so the process never blocks on a full pipe.
            val firstLine = ArrayBlockingQueue<String>(1)
            Thread {
                val out: BufferedReader = process.inputStream.bufferedReader()
                out.readLine()?.let { firstLine.put(it) }
                out.lineSequence().forEach { _ -> }
            }.apply { isDaemon = true }.start()
            val line = firstLine.poll(120, TimeUnit.SECONDS)
            if (line == null || !line.startsWith("listening on ")) {
                process.destroyForcibly()
                error("the platform did not start (first line: $line)")
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
