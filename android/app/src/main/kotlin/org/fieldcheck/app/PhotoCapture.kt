package org.fieldcheck.app

import android.graphics.BitmapFactory
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.PickVisualMediaRequest
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.Image
import androidx.compose.foundation.layout.size
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.ImageBitmap
import androidx.compose.ui.graphics.asImageBitmap
import androidx.compose.ui.layout.ContentScale
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.unit.dp
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import java.io.File
import java.time.Instant
import java.util.UUID

/**
 * Returns a function that opens the photo picker. The picked photo is copied (bytes and EXIF as they
 * are) into the app's cache and handed to [onPicked]: the core keeps it as *imported* evidence.
 */
@Composable
fun rememberLibraryPick(onPicked: (path: String, takenAt: Instant) -> Unit): () -> Unit {
    val context = LocalContext.current
    val picker = rememberLauncherForActivityResult(ActivityResultContracts.PickVisualMedia()) { uri ->
        uri ?: return@rememberLauncherForActivityResult
        val folder = File(context.cacheDir, "imported").apply { mkdirs() }
        val file = File(folder, "${UUID.randomUUID()}.jpg")
        context.contentResolver.openInputStream(uri)?.use { input -> file.outputStream().use { input.copyTo(it) } }
        onPicked(file.path, Instant.now())
    }
    return { picker.launch(PickVisualMediaRequest(ActivityResultContracts.PickVisualMedia.ImageOnly)) }
}

/** A photo's thumbnail (a small JPEG the core made, opened by it: the file is encrypted), decoded off the UI thread. */
@Composable
fun Thumbnail(path: String) {
    var bitmap by remember(path) { mutableStateOf<ImageBitmap?>(null) }
    LaunchedEffect(path) { bitmap = withContext(Dispatchers.IO) { FieldcheckApplication.photoBytes(path)?.let { BitmapFactory.decodeByteArray(it, 0, it.size) }?.asImageBitmap() } }
    val shown = bitmap ?: return
    Image(shown, contentDescription = null, modifier = Modifier.size(64.dp), contentScale = ContentScale.Crop)
}
