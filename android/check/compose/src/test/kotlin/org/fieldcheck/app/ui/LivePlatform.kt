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
        // The first line names the address; the rest is drained so the process never blocks on a full pipe.
        val first = ArrayBlockingQueue<String>(1)
        Thread {
            val out = process.inputStream.bufferedReader()
            out.readLine()?.let { first.put(it) }
            runCatching { out.lineSequence().forEach { _ -> } } // ends when the process is stopped
        }.apply { isDaemon = true }.start()
        val line = first.poll(120, TimeUnit.SECONDS)
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
