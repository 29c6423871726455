package org.fieldcheck.app.ui

import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.LocalSaveableStateRegistry
import androidx.compose.runtime.saveable.SaveableStateRegistry
import androidx.compose.runtime.setValue
import androidx.compose.ui.test.ComposeUiTest
import androidx.compose.ui.test.ExperimentalTestApi

/**
 * What an activity does on rotation, for the desktop (which keeps no saved state): [rotate] saves every
 * `rememberSaveable` value, throws the screens away and composes them again from the saved values.
 */
@OptIn(ExperimentalTestApi::class)
class Rotation {
    private var shown by mutableStateOf(true)
    private var saved: Map<String, List<Any?>>? = null
    private var registry: SaveableStateRegistry? = null

    @Composable
    fun Content(content: @Composable () -> Unit) {
        // Shown again at the same place, so each saved value finds its key.
        if (shown) {
            val current = remember { SaveableStateRegistry(saved) { true } }
            registry = current
            CompositionLocalProvider(LocalSaveableStateRegistry provides current, content = content)
        }
    }

    /** Saves the state, throws the screens away and composes them again. */
    fun rotate(test: ComposeUiTest) {
        saved = registry!!.performSave()
        shown = false
        test.waitForIdle()
        shown = true
        test.waitForIdle()
    }
}
