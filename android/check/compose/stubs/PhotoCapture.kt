// Compile-only stand-ins for the app's Android camera and image hooks
// (app/src/main/kotlin/org/fieldcheck/app/PhotoCapture.kt), with the same signatures.
package org.fieldcheck.app

import androidx.compose.runtime.Composable
import org.fieldcheck.app.model.AppModel
import java.util.UUID

@Composable
fun rememberPhotoCapture(model: AppModel, id: UUID): (templateId: String, itemCode: String) -> Unit =
    { _, _ -> model.hashCode() + id.hashCode() }

@Composable
fun rememberProofCapture(model: AppModel, id: UUID): () -> Unit = { model.hashCode() + id.hashCode() }

@Composable
fun rememberAlarmCapture(model: AppModel, id: UUID): () -> Unit = { model.hashCode() + id.hashCode() }

@Composable
fun Thumbnail(path: String) {
    path.hashCode()
}
