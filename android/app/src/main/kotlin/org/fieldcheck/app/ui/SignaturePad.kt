package org.fieldcheck.app.ui

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.border
import androidx.compose.foundation.gestures.awaitEachGesture
import androidx.compose.foundation.gestures.awaitFirstDown
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.material3.MaterialTheme
import androidx.compose.runtime.Composable
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.listSaver
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.mutableStateListOf
import androidx.compose.runtime.snapshots.SnapshotStateList
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.graphics.Path
import androidx.compose.ui.graphics.drawscope.Stroke
import androidx.compose.ui.input.pointer.pointerInput
import androidx.compose.ui.layout.onSizeChanged
import androidx.compose.ui.platform.LocalDensity
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.unit.dp
import org.fieldcheck.ffi.PadPoint
import org.fieldcheck.ffi.PadStroke

/** The pad's height; its width is the screen's. Points are in dp, so the core gets the pad's shape. */
val PAD_HEIGHT = 220.dp

/** Strokes drawn so far; kept through a rotation (each stroke saved as x, y, t triples). */
@Composable
fun rememberStrokes(key: String): SnapshotStateList<PadStroke> = rememberSaveable(
    key,
    saver = listSaver(
        save = { strokes -> strokes.map { s -> s.points.flatMap { listOf(it.x, it.y, it.t.toFloat()) }.toFloatArray() } },
        restore = { saved ->
            saved.map { a -> PadStroke(a.toList().chunked(3).map { (x, y, t) -> PadPoint(x, y, t.toUInt()) }) }.toMutableStateList()
        },
    ),
) { mutableStateListOf() }

private fun List<PadStroke>.toMutableStateList() = mutableStateListOf<PadStroke>().also { it.addAll(this) }

/**
 * A finger draws here: each finger-down to finger-up is a stroke of points with milliseconds since the
 * signature's first touch (the core seals them as drawn).
 */
@Composable
fun SignaturePad(strokes: SnapshotStateList<PadStroke>, widthDp: (Float) -> Unit) {
    val ink = MaterialTheme.colorScheme.onSurface
    val density = LocalDensity.current.density
    // When the signature's first touch was (uptime ms); after a rotation, as if it continued.
    val began = remember(strokes) { LongArray(1) { -1L } }
    Canvas(
        Modifier.fillMaxWidth().height(PAD_HEIGHT).border(2.dp, MaterialTheme.colorScheme.outline).testTag("signature-pad")
            .onSizeChanged { widthDp(it.width / density) }
            .pointerInput(strokes) {
                awaitEachGesture {
                    val down = awaitFirstDown()
                    if (strokes.isEmpty() || began[0] < 0) {
                        began[0] = down.uptimeMillis - (strokes.lastOrNull()?.points?.lastOrNull()?.t?.toLong()?.plus(1) ?: 0)
                    }
                    fun point(at: Offset, time: Long) = PadPoint(at.x / density, at.y / density, (time - began[0]).coerceAtLeast(0).toUInt())
                    var points = listOf(point(down.position, down.uptimeMillis))
                    strokes.add(PadStroke(points))
                    down.consume()
                    do {
                        val event = awaitPointerEvent()
                        event.changes.forEach { change ->
                            points = points + point(change.position, change.uptimeMillis)
                            change.consume()
                        }
                        strokes[strokes.lastIndex] = PadStroke(points)
                    } while (event.changes.any { it.pressed })
                }
            },
    ) {
        strokes.forEach { stroke ->
            val path = Path()
            stroke.points.forEachIndexed { i, p ->
                if (i == 0) path.moveTo(p.x * density, p.y * density) else path.lineTo(p.x * density, p.y * density)
            }
            drawPath(path, ink, style = Stroke(width = 3.dp.toPx()))
        }
    }
}
