package org.fieldcheck.app.ui

import androidx.compose.foundation.isSystemInDarkTheme
import androidx.compose.material3.LocalMinimumInteractiveComponentSize
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.darkColorScheme
import androidx.compose.material3.lightColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.unit.dp
import org.fieldcheck.ffi.Theme

/** Night: near-black with light text and a warm accent that stays readable with dark-adapted eyes. */
private val NightColors = darkColorScheme(
    primary = Color(0xFF9BE7B4),
    onPrimary = Color(0xFF00210F),
    secondary = Color(0xFFFFD27A),
    tertiary = Color(0xFFFFB870),
    background = Color(0xFF000000),
    onBackground = Color(0xFFFFFFFF),
    surface = Color(0xFF000000),
    onSurface = Color(0xFFFFFFFF),
    surfaceVariant = Color(0xFF1E2420),
    onSurfaceVariant = Color(0xFFE6EDE8),
    // Cards and bars: neutral greys a step above black, no tint.
    surfaceContainerLowest = Color(0xFF000000),
    surfaceContainerLow = Color(0xFF111412),
    surfaceContainer = Color(0xFF161A17),
    surfaceContainerHigh = Color(0xFF1C211E),
    surfaceContainerHighest = Color(0xFF232925),
    secondaryContainer = Color(0xFF2E4A38),
    onSecondaryContainer = Color(0xFFFFFFFF),
    outline = Color(0xFFB8C4BC),
    error = Color(0xFFFF9E94),
    errorContainer = Color(0xFF5C0A05),
    onErrorContainer = Color(0xFFFFFFFF),
)

/** Day: white with black text and dark accents, for sunlight. */
private val DayColors = lightColorScheme(
    primary = Color(0xFF005A2B),
    onPrimary = Color(0xFFFFFFFF),
    secondary = Color(0xFF5C4300),
    tertiary = Color(0xFF8A3A00),
    background = Color(0xFFFFFFFF),
    onBackground = Color(0xFF000000),
    surface = Color(0xFFFFFFFF),
    onSurface = Color(0xFF000000),
    surfaceVariant = Color(0xFFE8EEEA),
    onSurfaceVariant = Color(0xFF1A1F1C),
    surfaceContainerLowest = Color(0xFFFFFFFF),
    surfaceContainerLow = Color(0xFFF6F7F6),
    surfaceContainer = Color(0xFFF0F2F0),
    surfaceContainerHigh = Color(0xFFEAEDEA),
    surfaceContainerHighest = Color(0xFFE4E8E5),
    secondaryContainer = Color(0xFFC4E8CF),
    onSecondaryContainer = Color(0xFF00210F),
    outline = Color(0xFF3D4A42),
    error = Color(0xFFB00020),
    errorContainer = Color(0xFFFFDAD5),
    onErrorContainer = Color(0xFF3B0000),
)

/** The app's theme, high contrast either way; every control keeps a 48 dp touch target. */
@Composable
fun FieldcheckTheme(choice: Theme = Theme.SYSTEM, content: @Composable () -> Unit) {
    val night = when (choice) {
        Theme.SYSTEM -> isSystemInDarkTheme()
        Theme.DAY -> false
        Theme.NIGHT -> true
    }
    MaterialTheme(colorScheme = if (night) NightColors else DayColors) {
        CompositionLocalProvider(LocalMinimumInteractiveComponentSize provides 48.dp, content = content)
    }
}
