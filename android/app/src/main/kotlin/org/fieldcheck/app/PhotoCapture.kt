package org.fieldcheck.app

import android.content.ActivityNotFoundException
import android.widget.Toast
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.platform.LocalContext
import androidx.core.content.FileProvider
import org.fieldcheck.app.model.AppModel
import java.io.File
import java.time.Instant
import java.util.UUID

/** Where the next camera photo goes. */
private data class PhotoTarget(val templateId: String, val itemCode: String, val file: File)

/**
 * Returns a function that opens the system camera for an item of inspection [id]. The camera writes a
 * JPEG to a file in the app's cache (shared through the FileProvider); the core then ingests it with
 * `attachPhoto` and the file is removed.
 */
@Composable
fun rememberPhotoCapture(model: AppModel, id: UUID): (templateId: String, itemCode: String) -> Unit {
    val context = LocalContext.current
    var target by remember { mutableStateOf<PhotoTarget?>(null) }
    val camera = rememberLauncherForActivityResult(ActivityResultContracts.TakePicture()) { saved ->
        val photo = target ?: return@rememberLauncherForActivityResult
        target = null
        if (saved) {
            model.attachPhoto(id, photo.templateId, photo.itemCode, photo.file.path, Instant.now())
        } else {
            photo.file.delete()
        }
    }
    return { templateId, itemCode ->
        val folder = File(context.cacheDir, "photos").apply { mkdirs() }
        val file = File(folder, "${UUID.randomUUID()}.jpg")
        target = PhotoTarget(templateId, itemCode, file)
        try {
            camera.launch(FileProvider.getUriForFile(context, "${context.packageName}.photos", file))
        } catch (e: ActivityNotFoundException) {
            target = null
            Toast.makeText(context, R.string.no_camera, Toast.LENGTH_LONG).show()
        }
    }
}
