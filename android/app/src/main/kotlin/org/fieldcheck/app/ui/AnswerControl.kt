package org.fieldcheck.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import org.fieldcheck.app.R
import org.fieldcheck.ffi.AnswerInput
import org.fieldcheck.ffi.AnswerType
import org.fieldcheck.ffi.MeasureInput
import java.time.LocalDate
import java.time.format.DateTimeParseException

/**
 * The input control for an item's answer type. It only turns what was typed into the core's
 * [AnswerInput]; whether the answer passes is the core's verdict, shown on the item after it answers.
 */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun AnswerControl(type: AnswerType, savedNote: String?, answer: (AnswerInput, String?) -> Unit) {
    var note by remember(savedNote) { mutableStateOf(savedNote ?: "") }
    val noteOrNull = { note.ifBlank { null } }
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        when (type) {
            AnswerType.YesNo, AnswerType.YesNoNotApplicable -> FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                OutlinedButton(onClick = { answer(AnswerInput.Yes, noteOrNull()) }) { Text(stringResource(R.string.yes)) }
                OutlinedButton(onClick = { answer(AnswerInput.No, noteOrNull()) }) { Text(stringResource(R.string.no)) }
                if (type == AnswerType.YesNoNotApplicable) {
                    OutlinedButton(onClick = { answer(AnswerInput.NotApplicable, noteOrNull()) }) {
                        Text(stringResource(R.string.not_applicable))
                    }
                }
            }
            is AnswerType.Choice -> FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                type.options.forEach { option ->
                    OutlinedButton(onClick = { answer(AnswerInput.Choice(option.code), noteOrNull()) }) {
                        Text(option.label.shown())
                    }
                }
            }
            is AnswerType.Number -> {
                val field = SingleValue(stringResource(R.string.number_hint, type.unit), KeyboardType.Decimal) { text ->
                    text.toDoubleOrNull()?.let { AnswerInput.Number(it) }
                }
                ValueRow(field, R.string.not_a_number) { answer(it, noteOrNull()) }
            }
            AnswerType.Text -> {
                val field = SingleValue(stringResource(R.string.answer_text), KeyboardType.Text) { text -> AnswerInput.Text(text) }
                ValueRow(field, R.string.not_a_number) { answer(it, noteOrNull()) }
            }
            AnswerType.Date -> {
                val field = SingleValue(stringResource(R.string.date_hint), KeyboardType.Number) { text ->
                    parseDate(text)?.let { AnswerInput.Date(it) }
                }
                ValueRow(field, R.string.not_a_date) { answer(it, noteOrNull()) }
            }
            is AnswerType.Measures -> MeasuresControl(type) { answer(it, noteOrNull()) }
        }
        OutlinedTextField(
            note,
            { note = it },
            Modifier.fillMaxWidth(),
            label = { Text(stringResource(R.string.note)) },
        )
    }
}

/** A labelled text field and how to turn its text into an answer (null when it cannot be read). */
private class SingleValue(val label: String, val keyboard: KeyboardType, val parse: (String) -> AnswerInput?)

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun ValueRow(field: SingleValue, unreadable: Int, send: (AnswerInput) -> Unit) {
    var text by remember { mutableStateOf("") }
    var error by remember { mutableStateOf(false) }
    FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
        OutlinedTextField(
            text,
            { text = it; error = false },
            label = { Text(field.label) },
            singleLine = true,
            isError = error,
            keyboardOptions = KeyboardOptions(keyboardType = field.keyboard),
        )
        OutlinedButton(onClick = {
            val input = field.parse(text.trim())
            if (input == null) error = true else send(input)
        }) { Text(stringResource(R.string.save)) }
    }
    if (error) Text(stringResource(unreadable), color = MaterialTheme.colorScheme.error)
}

/** One field per named input of a several-value item, sent together. */
@Composable
private fun MeasuresControl(type: AnswerType.Measures, send: (AnswerInput) -> Unit) {
    var texts by remember(type) { mutableStateOf(type.fields.associate { it.key to "" }) }
    var error by remember { mutableStateOf(false) }
    type.fields.forEach { field ->
        val hint = if (field.isDate) stringResource(R.string.date_hint) else field.unit ?: ""
        OutlinedTextField(
            texts[field.key] ?: "",
            { value -> texts = texts + (field.key to value); error = false },
            Modifier.fillMaxWidth(),
            label = { Text("${field.label.shown()} $hint") },
            singleLine = true,
            isError = error,
            keyboardOptions = KeyboardOptions(keyboardType = if (field.isDate) KeyboardType.Number else KeyboardType.Decimal),
        )
    }
    OutlinedButton(onClick = {
        val values = type.fields.associate { field ->
            val text = texts[field.key]?.trim() ?: ""
            field.key to if (field.isDate) {
                parseDate(text)?.let { MeasureInput.Date(it) }
            } else {
                text.toDoubleOrNull()?.let { MeasureInput.Number(it) }
            }
        }
        val complete = values.mapNotNull { (key, value) -> value?.let { key to it } }.toMap()
        if (complete.size == values.size) send(AnswerInput.Measures(complete)) else error = true
    }) { Text(stringResource(R.string.save)) }
    if (error) Text(stringResource(R.string.not_a_number), color = MaterialTheme.colorScheme.error)
}

private fun parseDate(text: String): LocalDate? = try {
    LocalDate.parse(text)
} catch (e: DateTimeParseException) {
    null
}
