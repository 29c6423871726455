// Desktop stand-ins for the app's Android photo hooks
// (app/src/main/kotlin/org/fieldcheck/app/PhotoCapture.kt), with the same signatures: no library picker
// here; the thumbnail is decoded with Skia.
package org.fieldcheck.app

import androidx.compose.foundation.Image
import androidx.compose.foundation.layout.size
import androidx.compose.runtime.Composable
import androidx.compose.runtime.remember
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.toComposeImageBitmap
import androidx.compose.ui.unit.dp
import java.io.File
import java.time.Instant

@Composable
fun rememberLibraryPick(onPicked: (path: String, takenAt: Instant) -> Unit): () -> Unit = { onPicked.hashCode() }

@Composable
fun Thumbnail(path: String) {
    val bitmap = remember(path) {
        runCatching { org.jetbrains.skia.Image.makeFromEncoded(File(path).readBytes()).toComposeImageBitmap() }.getOrNull()
    } ?: return
    Image(bitmap, contentDescription = null, modifier = Modifier.size(72.dp))
}
