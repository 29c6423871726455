package org.fieldcheck.app.ui

import androidx.compose.ui.graphics.toAwtImage
import androidx.compose.ui.test.ComposeUiTest
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.SemanticsNodeInteraction
import androidx.compose.ui.test.captureToImage
import androidx.compose.ui.test.hasClickAction
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.isRoot
import androidx.compose.ui.test.onAllNodesWithText
import androidx.compose.ui.test.onLast
import org.fieldcheck.app.model.AppModel
import org.fieldcheck.ffi.Theme
import java.io.File
import javax.imageio.ImageIO
import kotlin.test.assertTrue

/** Where the screenshots go (`build/screenshots/` of the repository, set by the pom). */
private val SHOTS = File(System.getProperty("fieldcheck.screenshots") ?: "build/screenshots").apply { mkdirs() }

/** Waits (up to 30 s) until some node shows `text`, the model's background work having run. */
@OptIn(ExperimentalTestApi::class)
fun ComposeUiTest.awaitText(text: String, substring: Boolean = true) {
    waitUntil("\"$text\" on screen", 30_000) { onAllNodesWithText(text, substring).fetchSemanticsNodes().isNotEmpty() }
}

/** Waits until `condition` holds for the model's current view. */
@OptIn(ExperimentalTestApi::class)
fun ComposeUiTest.awaitView(model: AppModel, what: String, condition: (org.fieldcheck.ffi.AppViewModel) -> Boolean) {
    waitUntil(what, 30_000) { model.view.value?.let(condition) == true }
}

/**
 * Screenshots the top layer (the screen, or an open dialog) in the day and the night theme as
 * `build/screenshots/<name>-day.png` and `-night.png`, and checks each: the texts in `expected` are on
 * screen (semantics tree), a good share of pixels is not background, and every control offers a
 * touch target of at least 48 dp. The theme is the manual switch the settings offer.
 */
@OptIn(ExperimentalTestApi::class)
fun ComposeUiTest.screenshot(model: AppModel, name: String, vararg expected: String) {
    for (theme in listOf(Theme.DAY, Theme.NIGHT)) {
        model.chooseTheme(theme)
        awaitView(model, "the $theme theme") { it.theme == theme }
        waitForIdle()
        expected.forEach { text ->
            assertTrue(onAllNodesWithText(text, substring = true).fetchSemanticsNodes().isNotEmpty(), "$name: \"$text\" is not on screen")
        }
        // Controls in full view (one scrolled half out of view is clipped, not small).
        val inView = onAllNodes(hasClickAction()).fetchSemanticsNodes().filter { it.boundsInRoot.height >= it.size.height - 0.5f }
        inView.forEach { node ->
            val height = node.touchBoundsInRoot.height / density.density
            assertTrue(height >= 48f - 0.5f, "$name: a control's touch target is $height dp high: ${node.config}")
        }
        val image = onAllNodes(isRoot()).onLast().captureToImage().toAwtImage()
        val file = File(SHOTS, "$name-${theme.name.lowercase()}.png")
        ImageIO.write(image, "png", file)
        val ink = inkShare(image)
        assertTrue(ink > 0.02, "$name (${theme.name}): only ${"%.3f".format(ink)} of the pixels are not background ($file)")
        println("screenshot $file: ${"%.1f".format(ink * 100)} % ink")
    }
    model.chooseTheme(Theme.SYSTEM)
    awaitView(model, "the phone's theme") { it.theme == Theme.SYSTEM }
    waitForIdle()
}

/** The share of pixels that differ from the most common colour (the background). */
private fun inkShare(image: java.awt.image.BufferedImage): Double {
    val pixels = image.getRGB(0, 0, image.width, image.height, null, 0, image.width)
    val counts = HashMap<Int, Int>()
    pixels.forEach { counts.merge(it, 1, Int::plus) }
    return 1.0 - counts.values.max().toDouble() / pixels.size
}

/** A node with `text` that can be clicked (a button, a chip, a tab). */
@OptIn(ExperimentalTestApi::class)
fun ComposeUiTest.button(text: String): SemanticsNodeInteraction = onNode(hasText(text, substring = true) and hasClickAction())
