// Compile-only stand-in for the app's Android camera hook (app/src/main/kotlin/org/fieldcheck/app/PhotoCapture.kt),
// with the same signature.
package org.fieldcheck.app

import androidx.compose.runtime.Composable
import org.fieldcheck.app.model.AppModel
import java.util.UUID

@Composable
fun rememberPhotoCapture(model: AppModel, id: UUID): (templateId: String, itemCode: String) -> Unit =
    { _, _ -> model.hashCode() + id.hashCode() }
