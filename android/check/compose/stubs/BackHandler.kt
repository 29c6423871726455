// Compile-only stand-in for androidx.activity.compose.BackHandler (see AndroidOnly.kt).
package androidx.activity.compose

import androidx.compose.runtime.Composable

@Composable
fun BackHandler(enabled: Boolean = true, onBack: () -> Unit) {
    if (enabled) onBack.hashCode()
}
