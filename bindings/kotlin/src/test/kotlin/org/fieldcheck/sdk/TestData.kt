package org.fieldcheck.sdk

import org.fieldcheck.ffi.AnswerInput
import org.fieldcheck.ffi.AnswerType
import org.fieldcheck.ffi.MeasureInput
import org.fieldcheck.ffi.TemplateItemView
import java.awt.Color
import java.awt.image.BufferedImage
import java.nio.file.Path
import java.time.LocalDate
import javax.imageio.ImageIO

/** A well-formed answer for any item, built from the item's answer type (the core judges it). */
internal fun validAnswer(item: TemplateItemView, day: LocalDate): AnswerInput = when (val type = item.answer) {
    AnswerType.YesNo, AnswerType.YesNoNotApplicable -> AnswerInput.Yes
    is AnswerType.Number -> AnswerInput.Number(1.0)
    AnswerType.Text -> AnswerInput.Text("现场核实 / checked on site")
    AnswerType.Date -> AnswerInput.Date(day)
    is AnswerType.Choice -> AnswerInput.Choice(type.options.first { it.compliant }.code)
    is AnswerType.Measures -> AnswerInput.Measures(
        type.fields.associate { f -> f.key to if (f.isDate) MeasureInput.Date(day) else MeasureInput.Number(1.0) },
    )
}

/** A small JPEG generated for the test, as a camera would leave it on disk. */
internal fun generatedJpeg(path: Path): Path {
    val image = BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB)
    val g = image.createGraphics()
    g.color = Color(30, 120, 60)
    g.fillRect(0, 0, 64, 48)
    g.color = Color.WHITE
    // Each file its own picture: evidence is bound to the case it was taken for, so two cases never
    // share a photo's bytes (the platform refuses a proof citing another case's photo).
    val seed = Math.floorMod(path.fileName.toString().hashCode(), 24)
    g.fillRect(8 + seed, 8, 20, 12)
    g.dispose()
    check(ImageIO.write(image, "jpg", path.toFile())) { "no JPEG writer" }
    return path
}
