package org.fieldcheck.app

import android.content.ActivityNotFoundException
import android.graphics.BitmapFactory
import android.widget.Toast
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.Image
import androidx.compose.foundation.layout.size
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.asImageBitmap
import androidx.compose.ui.layout.ContentScale
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.unit.dp
import androidx.core.content.FileProvider
import org.fieldcheck.app.model.AppModel
import java.io.File
import java.time.Instant
import java.util.UUID

/**
 * Returns a function that opens the system camera. The camera writes a JPEG to a file in the app's cache
 * (shared through the FileProvider); [onSaved] gets that file (the core ingests it, then it is removed).
 */
@Composable
private fun rememberCamera(onSaved: (File) -> Unit): () -> Unit {
    val context = LocalContext.current
    var target by remember { mutableStateOf<File?>(null) }
    val camera = rememberLauncherForActivityResult(ActivityResultContracts.TakePicture()) { saved ->
        val file = target ?: return@rememberLauncherForActivityResult
        target = null
        if (saved) onSaved(file) else file.delete()
    }
    return {
        val folder = File(context.cacheDir, "photos").apply { mkdirs() }
        val file = File(folder, "${UUID.randomUUID()}.jpg")
        target = file
        try {
            camera.launch(FileProvider.getUriForFile(context, "${context.packageName}.photos", file))
        } catch (e: ActivityNotFoundException) {
            target = null
            Toast.makeText(context, R.string.no_camera, Toast.LENGTH_LONG).show()
        }
    }
}

/** Opens the camera for an item of inspection [id]; the photo is attached with `attachPhoto`. */
@Composable
fun rememberPhotoCapture(model: AppModel, id: UUID): (templateId: String, itemCode: String) -> Unit {
    var item by remember { mutableStateOf<Pair<String, String>?>(null) }
    val open = rememberCamera { file ->
        item?.let { (templateId, itemCode) -> model.attachPhoto(id, templateId, itemCode, file.path, Instant.now()) }
    }
    return { templateId, itemCode ->
        item = templateId to itemCode
        open()
    }
}

/** Opens the camera for a proof photo of task [id]; the photo is attached with `attachProofPhoto`. */
@Composable
fun rememberProofCapture(model: AppModel, id: UUID): () -> Unit =
    rememberCamera { file -> model.attachProofPhoto(id, file.path, Instant.now()) }

/** Opens the camera for an on-site photo of alarm [id]; the photo is attached with `attachAlarmPhoto`. */
@Composable
fun rememberAlarmCapture(model: AppModel, id: UUID): () -> Unit =
    rememberCamera { file -> model.attachAlarmPhoto(id, file.path, Instant.now()) }

/** A photo's thumbnail (a small JPEG the core made in the data folder). */
@Composable
fun Thumbnail(path: String) {
    val bitmap = remember(path) { BitmapFactory.decodeFile(path)?.asImageBitmap() } ?: return
    Image(bitmap, contentDescription = null, modifier = Modifier.size(64.dp), contentScale = ContentScale.Crop)
}
