package org.fieldcheck.app.ui

import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.darkColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.ui.graphics.Color

/** Dark by default (night inspections), with a warm accent that stays readable outdoors. */
private val NightColors = darkColorScheme(
    primary = Color(0xFF8FD3A8),
    secondary = Color(0xFFE0C27A),
    error = Color(0xFFFF8A80),
)

/** The app's theme. */
@Composable
fun FieldcheckTheme(content: @Composable () -> Unit) {
    MaterialTheme(colorScheme = NightColors, content = content)
}
