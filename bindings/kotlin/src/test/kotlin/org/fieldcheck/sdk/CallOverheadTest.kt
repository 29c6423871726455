package org.fieldcheck.sdk

import org.fieldcheck.ffi.echoLength
import org.fieldcheck.ffi.liveObjects
import com.sun.jna.Native
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals

/** libc's getpid through JNA direct mapping, the way uniffi binds its functions: the JNA floor. */
private object LibC {
    init {
        Native.register(LibC::class.java, "c")
    }

    external fun getpid(): Int
}

/**
 * Per-call cost of crossing the boundary, against a pure-Kotlin baseline and a bare JNA call measured
 * in the same run. Printed, never asserted (the machine may be busy).
 */
class CallOverheadTest {
    private val calls = 100_000
    private val text = "危废贮存 HW-08"

    @Test
    fun `time 100,000 cheap calls across the boundary`() {
        assertEquals(text.length.toUInt(), echoLength(text))
        // Warm both paths up so the JIT has compiled them before timing.
        repeat(20_000) { echoLength(text); liveObjects(); kotlinLength(text); LibC.getpid() }
        var sink = 0L
        val kotlinNs = timed { repeat(calls) { sink += kotlinLength(text).toLong() } }
        val jnaNs = timed { repeat(calls) { sink += LibC.getpid().toLong() } }
        val noArgNs = timed { repeat(calls) { sink += liveObjects().toLong() } }
        val stringNs = timed { repeat(calls) { sink += echoLength(text).toLong() } }
        fun perCall(ns: Long) = ns.toDouble() / calls
        val format = "call overhead (%d calls each): Kotlin baseline %.1f ns/call; bare JNA call (getpid) %.0f ns/call; " +
            "FFI no-argument read %.0f ns/call (%.0fx Kotlin, %.1fx bare JNA); FFI read with a string argument " +
            "%.0f ns/call (%.0fx Kotlin, %.1fx bare JNA); sink %d"
        println(
            format.format(
                calls, perCall(kotlinNs), perCall(jnaNs),
                perCall(noArgNs), noArgNs.toDouble() / kotlinNs, noArgNs.toDouble() / jnaNs,
                perCall(stringNs), stringNs.toDouble() / kotlinNs, stringNs.toDouble() / jnaNs, sink,
            ),
        )
    }

    private fun kotlinLength(s: String): UInt = s.codePointCount(0, s.length).toUInt()

    private inline fun timed(block: () -> Unit): Long {
        val start = System.nanoTime()
        block()
        return System.nanoTime() - start
    }
}
