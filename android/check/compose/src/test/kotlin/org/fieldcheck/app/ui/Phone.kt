package org.fieldcheck.app.ui

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import org.fieldcheck.app.model.AppModel
import org.fieldcheck.ffi.AppCore
import org.fieldcheck.ffi.BackgroundScheduler
import org.fieldcheck.ffi.CameraDevice
import org.fieldcheck.ffi.ConnectivityMonitor
import org.fieldcheck.ffi.FieldcheckClient
import org.fieldcheck.ffi.GeoFix
import org.fieldcheck.ffi.LocationProvider
import org.fieldcheck.ffi.LocationReading
import org.fieldcheck.ffi.Network
import org.fieldcheck.ffi.SecureStore
import org.fieldcheck.ffi.Shot
import java.awt.Color
import java.awt.Font
import java.awt.image.BufferedImage
import java.nio.file.Files
import java.nio.file.Path
import java.time.Instant
import java.util.concurrent.atomic.AtomicInteger
import javax.imageio.ImageIO

/**
 * A phone: the real app core on a real SQLite file with Kotlin test doubles of the capabilities (a
 * camera that writes a generated JPEG at each shutter press, a GPS with a fix, a keychain in memory,
 * a background scheduler whose "sync soon" syncs at once), and the app's model over it.
 */
class Phone(dir: Path) : AutoCloseable {
    private val keychain = object : SecureStore {
        val values = mutableMapOf<String, ByteArray>()
        override fun load(key: String) = synchronized(values) { values[key] }
        override fun save(key: String, value: ByteArray) = synchronized(values) { values[key] = value }
        override fun delete(key: String) = synchronized(values) { values.remove(key); Unit }
    }
    private val gps = object : LocationProvider {
        override fun current() = LocationReading.Fix(GeoFix(28.9, 120.03, 6.0), Instant.now())
        override fun watch(on: Boolean) {}
    }
    private val camera = object : CameraDevice {
        private val n = AtomicInteger()
        override fun capture(torch: Boolean): Shot {
            val shot = dir.resolve("camera/shot-${n.incrementAndGet()}.jpg").also { Files.createDirectories(it.parent) }
            val image = BufferedImage(640, 480, BufferedImage.TYPE_INT_RGB)
            image.createGraphics().apply {
                color = Color(20, 40 + n.get() * 25 % 200, 90); fillRect(0, 0, 640, 480)
                // Each phone's pictures differ from every other's, as a real camera's do (the platform
                // refuses a photo whose bytes another device already cited for another case).
                color = Color.WHITE; font = Font(Font.SANS_SERIF, Font.BOLD, 64); drawString("${dir.fileName} ${n.get()}", 40, 260)
                font = Font(Font.SANS_SERIF, Font.PLAIN, 24); drawString(Instant.now().toString(), 40, 320)
                dispose()
            }
            check(ImageIO.write(image, "jpg", shot.toFile())) { "no JPEG writer" }
            return Shot(shot.toString(), Instant.now())
        }
    }
    private val background = object : BackgroundScheduler {
        override fun schedulePeriodicSync(minutes: UInt) {}
        override fun syncSoon() = syncSoon.invoke()
        override fun cancelAll() {}
    }
    /** What the background worker does when the core asks for a sync: sync through the model. */
    @Volatile var syncSoon: () -> Unit = { model.sync() }
    @Volatile var network = Network.UNMETERED
    private val connectivity = object : ConnectivityMonitor {
        override fun current() = network
    }

    val client: FieldcheckClient = FieldcheckClient.open(dir.resolve("device").toString())
    val core = AppCore(client, gps, camera, keychain, background, connectivity)
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    val model = AppModel(core, client, scope)

    override fun close() {
        scope.cancel()
        core.close()
        client.close()
    }
}
