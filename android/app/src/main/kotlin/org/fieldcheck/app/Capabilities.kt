package org.fieldcheck.app

import android.annotation.SuppressLint
import android.content.Context
import android.content.SharedPreferences
import android.content.pm.PackageManager
import android.net.ConnectivityManager
import android.net.NetworkCapabilities
import android.util.Base64
import androidx.camera.core.ImageCapture
import androidx.camera.core.ImageCaptureException
import androidx.camera.lifecycle.ProcessCameraProvider
import androidx.camera.core.CameraSelector
import androidx.core.content.ContextCompat
import androidx.lifecycle.ProcessLifecycleOwner
import androidx.security.crypto.EncryptedSharedPreferences
import androidx.security.crypto.MasterKeys
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.ExistingWorkPolicy
import androidx.work.NetworkType
import androidx.work.OneTimeWorkRequestBuilder
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import com.google.android.gms.location.LocationCallback
import com.google.android.gms.location.LocationRequest
import com.google.android.gms.location.LocationResult
import com.google.android.gms.location.LocationServices
import com.google.android.gms.location.Priority
import org.fieldcheck.ffi.BackgroundScheduler
import org.fieldcheck.ffi.CameraDevice
import org.fieldcheck.ffi.ConnectivityMonitor
import org.fieldcheck.ffi.GeoFix
import org.fieldcheck.ffi.LocationProvider
import org.fieldcheck.ffi.LocationReading
import org.fieldcheck.ffi.Network
import org.fieldcheck.ffi.SecureStore
import org.fieldcheck.ffi.Shot
import java.io.File
import java.time.Instant
import java.util.UUID
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException
import java.util.concurrent.TimeUnit.MINUTES

// The phone's capabilities for the app core (callback interfaces of `AppCore`). Android only: these
// are not compiled on the host (see android/README.md); the core's own test doubles stand in there.

/** The token and the device key in preferences encrypted with a key held by the Android Keystore. */
class KeystoreSecureStore(private val context: Context) : SecureStore {
    private val preferences: SharedPreferences by lazy {
        EncryptedSharedPreferences.create(
            "fieldcheck_secure",
            MasterKeys.getOrCreate(MasterKeys.AES256_GCM_SPEC),
            context,
            EncryptedSharedPreferences.PrefKeyEncryptionScheme.AES256_SIV,
            EncryptedSharedPreferences.PrefValueEncryptionScheme.AES256_GCM,
        )
    }

    override fun load(key: String): ByteArray? =
        preferences.getString(key, null)?.let { Base64.decode(it, Base64.NO_WRAP) }

    override fun save(key: String, value: ByteArray) {
        preferences.edit().putString(key, Base64.encodeToString(value, Base64.NO_WRAP)).commit()
    }

    override fun delete(key: String) {
        preferences.edit().remove(key).commit()
    }
}

/** FusedLocationProvider: keeps the freshest fix while watched; "refused" without the permission. */
class FusedLocation(private val context: Context) : LocationProvider {
    private val client = LocationServices.getFusedLocationProviderClient(context)
    @Volatile private var latest: LocationReading = LocationReading.NoFix
    private val callback = object : LocationCallback() {
        override fun onLocationResult(result: LocationResult) {
            val fix = result.lastLocation ?: return
            latest = LocationReading.Fix(
                GeoFix(fix.latitude, fix.longitude, fix.accuracy.toDouble()),
                Instant.ofEpochMilli(fix.time),
            )
        }
    }

    private fun allowed() =
        ContextCompat.checkSelfPermission(context, android.Manifest.permission.ACCESS_FINE_LOCATION) ==
            PackageManager.PERMISSION_GRANTED

    override fun current(): LocationReading = if (allowed()) latest else LocationReading.PermissionRefused

    @SuppressLint("MissingPermission") // checked by allowed()
    override fun watch(on: Boolean) {
        if (!on || !allowed()) {
            client.removeLocationUpdates(callback)
            return
        }
        val request = LocationRequest.Builder(Priority.PRIORITY_HIGH_ACCURACY, 5_000).build()
        client.requestLocationUpdates(request, callback, context.mainLooper)
    }
}

/** CameraX still capture into the cache (the core ingests the file, then removes it); torch on at night. */
class CameraXDevice(private val context: Context) : CameraDevice {
    override fun capture(torch: Boolean): Shot? {
        val provider = ProcessCameraProvider.getInstance(context).get()
        val capture = ImageCapture.Builder().setFlashMode(if (torch) ImageCapture.FLASH_MODE_ON else ImageCapture.FLASH_MODE_AUTO).build()
        val done = CompletableFuture<Shot?>()
        val file = File(File(context.cacheDir, "photos").apply { mkdirs() }, "${UUID.randomUUID()}.jpg")
        ContextCompat.getMainExecutor(context).execute {
            provider.unbindAll()
            provider.bindToLifecycle(ProcessLifecycleOwner.get(), CameraSelector.DEFAULT_BACK_CAMERA, capture)
            capture.takePicture(
                ImageCapture.OutputFileOptions.Builder(file).build(),
                ContextCompat.getMainExecutor(context),
                object : ImageCapture.OnImageSavedCallback {
                    override fun onImageSaved(output: ImageCapture.OutputFileResults) {
                        done.complete(Shot(file.path, Instant.now()))
                    }

                    override fun onError(exception: ImageCaptureException) {
                        done.complete(null)
                    }
                },
            )
        }
        return try {
            done.get(30, TimeUnit.SECONDS)
        } catch (e: TimeoutException) {
            null
        }
    }
}

/** Runs `AppCore.sync()` when WorkManager says so (periodic, and once when a network is there). */
class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        FieldcheckApplication.open(applicationContext).second.sync()
        return Result.success()
    }
}

/** WorkManager: periodic sync while signed in, and one as soon as a network is available. */
class WorkManagerScheduler(context: Context) : BackgroundScheduler {
    private val work = WorkManager.getInstance(context)
    private val online = Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build()

    override fun schedulePeriodicSync(minutes: UInt) {
        val request = PeriodicWorkRequestBuilder<SyncWorker>(minutes.toLong(), MINUTES).setConstraints(online).build()
        work.enqueueUniquePeriodicWork("sync", ExistingPeriodicWorkPolicy.UPDATE, request)
    }

    override fun syncSoon() {
        val request = OneTimeWorkRequestBuilder<SyncWorker>().setConstraints(online).build()
        work.enqueueUniqueWork("sync-now", ExistingWorkPolicy.REPLACE, request)
    }

    override fun cancelAll() {
        work.cancelAllWork()
    }
}

/** The default network now, from ConnectivityManager (changes come through [watchNetwork]). */
class ConnectivityWatch(context: Context) : ConnectivityMonitor {
    private val connectivity = context.getSystemService(ConnectivityManager::class.java)

    override fun current(): Network {
        val capabilities = connectivity.getNetworkCapabilities(connectivity.activeNetwork) ?: return Network.OFFLINE
        val unmetered = capabilities.hasCapability(NetworkCapabilities.NET_CAPABILITY_NOT_METERED)
        return if (unmetered) Network.UNMETERED else Network.METERED
    }
}
