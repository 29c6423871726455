package org.fieldcheck.app.ui

import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Path
import java.util.UUID
import java.util.concurrent.ArrayBlockingQueue
import java.util.concurrent.TimeUnit

/**
 * The real `fieldcheck-platform` on a free loopback port with the demo county (`fieldcheck.platform.bin`,
 * given by compose-check.sh; the test fails without it), and the command centre's side through its API.
 */
class LivePlatform(bin: String, data: Path) : AutoCloseable {
    private val process = ProcessBuilder(bin, "serve", "--data", data.toString(), "--listen", "127.0.0.1:0", "--demo")
        .redirectErrorStream(true)
        .start()
    val url: String
    private val http = HttpClient.newHttpClient()

    init {
        // One line names the address (log lines, such as a warning, may come before it); the output is
        // drained to its end so the process never blocks on a full pipe.
        val address = ArrayBlockingQueue<String>(1)
        Thread {
            val out = process.inputStream.bufferedReader()
            runCatching {
                out.lineSequence().forEach { if (it.startsWith("listening on ")) address.offer(it) }
            } // ends when the process is stopped
            address.offer("the platform stopped before listening (exit ${runCatching { process.waitFor() }.getOrNull()})")
        }.apply { isDaemon = true }.start()
        val line = address.poll(120, TimeUnit.SECONDS)
        check(line != null && line.startsWith("listening on ")) { process.destroyForcibly(); "the platform did not start: $line" }
        url = line.removePrefix("listening on ").trim()
    }

    override fun close() {
        process.destroy()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly()
    }

    private fun post(path: String, json: String, vararg headers: String): String {
        val request = HttpRequest.newBuilder(URI("$url$path")).header("content-type", "application/json")
            .apply { headers.toList().chunked(2).forEach { (k, v) -> header(k, v) } }
            .POST(HttpRequest.BodyPublishers.ofString(json)).build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        check(response.statusCode() in 200..299) { "$path: ${response.statusCode()} ${response.body()}" }
        return response.body()
    }

    private fun field(json: String, name: String) = Regex("\"$name\":\"([^\"]+)\"").find(json)!!.groupValues[1]

    /** The monitoring system raises a COD exceedance at `enterprise`; the command centre grades it serious (dispatched). */
    fun dispatchAlarm(enterprise: String): String {
        val raised = post(
            "/v1/alarms",
            """{"enterprise":"$enterprise","kind":"exceedance","monitoring_point":"DW001","pollutant":"COD","value":150.0,"limit":50.0,"unit":"mg/L","averaging":"hourly"}""",
            "x-api-key", "demo-monitoring-key",
        )
        val id = field(raised, "id")
        val login = post("/v1/login", """{"login":"commander","password":"$PASSWORD","device":"${UUID.randomUUID()}"}""")
        post("/v1/alarms/$id/grade", """{"level":"serious"}""", "authorization", "Bearer ${field(login, "token")}")
        return id
    }

    companion object {
        /** Every demo login's password (see platform/src/demo.rs). */
        const val PASSWORD = "fieldcheck-demo"
    }
}
