// Compile-only stand-ins for the app's Android photo hooks
// (app/src/main/kotlin/org/fieldcheck/app/PhotoCapture.kt), with the same signatures.
package org.fieldcheck.app

import androidx.compose.runtime.Composable
import java.time.Instant

@Composable
fun rememberLibraryPick(onPicked: (path: String, takenAt: Instant) -> Unit): () -> Unit = { onPicked.hashCode() }

@Composable
fun Thumbnail(path: String) {
    path.hashCode()
}
