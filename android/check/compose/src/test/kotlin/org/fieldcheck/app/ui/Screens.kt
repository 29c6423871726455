package org.fieldcheck.app.ui

import androidx.compose.ui.graphics.toAwtImage
import androidx.compose.ui.semantics.SemanticsActions
import androidx.compose.ui.test.ComposeUiTest
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.SemanticsNodeInteraction
import androidx.compose.ui.test.captureToImage
import androidx.compose.ui.test.hasClickAction
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.isRoot
import androidx.compose.ui.test.onAllNodesWithText
import androidx.compose.ui.test.onLast
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import org.fieldcheck.app.model.AppModel
import org.fieldcheck.ffi.Theme
import java.io.File
import javax.imageio.ImageIO
import kotlin.test.assertTrue

/** Where the screenshots go (`build/screenshots/` of the repository, set by the pom). */
private val SHOTS = File(System.getProperty("fieldcheck.screenshots") ?: "build/screenshots").apply { mkdirs() }

/** How long any one wait of the screen test may take before it fails. */
private const val WAIT_MS = 60_000L

/**
 * Waits until [condition] holds, letting the screens settle and the model's background work run between
 * checks, and fails after [WAIT_MS] naming [what] and [state]. Every wait of the screen test goes through
 * here: Compose Multiplatform 1.7's desktop `waitUntil` builds its timeout message and drops it without
 * throwing, so a condition that never came true kept it drawing frames forever (the "frozen" test).
 */
@OptIn(ExperimentalTestApi::class)
fun ComposeUiTest.waitFor(what: String, state: () -> String = { "" }, condition: () -> Boolean) {
    val deadline = System.nanoTime() + WAIT_MS * 1_000_000
    while (true) {
        waitForIdle()
        if (condition()) return
        check(System.nanoTime() < deadline) { "waited ${WAIT_MS / 1000} s for $what; now ${state()}" }
        Thread.sleep(20) // real time for the model's threads (the core, the platform)
    }
}

/** Waits until some node shows `text`. */
@OptIn(ExperimentalTestApi::class)
fun ComposeUiTest.awaitText(text: String, substring: Boolean = true) {
    waitFor("\"$text\" on screen") { onAllNodesWithText(text, substring).fetchSemanticsNodes().isNotEmpty() }
}

/** Waits until `condition` holds for the model's current view. */
@OptIn(ExperimentalTestApi::class)
fun ComposeUiTest.awaitView(model: AppModel, what: String, condition: (org.fieldcheck.ffi.AppViewModel) -> Boolean) {
    waitFor(what, { model.view.value.describe() }) { model.view.value?.let(condition) == true }
}

/** The parts of a view that explain a wait that did not end: route, message, sync, banners. */
private fun org.fieldcheck.ffi.AppViewModel?.describe(): String = if (this == null) "no view" else
    "route $route, message $message, sync ${sync.state} (pending ${sync.pendingChanges}, error ${sync.error}), " +
        "banners ${banners.map { it.kind }}, refused ${attention.map { it.reason }}, screen ${screen::class.simpleName}"

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

/**
 * Taps the node as a thumb would: first scrolled fully into view when it sits in a scrolling screen. A
 * click is sent to the node's place on the window, so a node below the fold (or under the navigation
 * bar) would otherwise be missed silently.
 */
fun SemanticsNodeInteraction.tap(): SemanticsNodeInteraction {
    var parent = fetchSemanticsNode().parent
    while (parent != null && SemanticsActions.ScrollBy !in parent.config) parent = parent.parent
    if (parent != null) performScrollTo()
    return performClick()
}

/** A node with `text` that can be clicked (a button, a chip, a tab). */
@OptIn(ExperimentalTestApi::class)
fun ComposeUiTest.button(text: String): SemanticsNodeInteraction = onNode(hasText(text, substring = true) and hasClickAction())
