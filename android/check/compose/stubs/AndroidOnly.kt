// Compile-only stand-ins for the few Android APIs the Compose screens call, so the screens can be
// compiled on the host JVM against Compose Multiplatform (desktop). Never packaged: the app uses the real ones.
package androidx.compose.ui.res

import androidx.compose.runtime.Composable

@Composable
fun stringResource(id: Int): String = id.toString()

@Composable
fun stringResource(id: Int, vararg formatArgs: Any): String = id.toString() + formatArgs.joinToString()
