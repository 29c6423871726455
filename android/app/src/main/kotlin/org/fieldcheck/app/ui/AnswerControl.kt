package org.fieldcheck.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import org.fieldcheck.app.R
import org.fieldcheck.ffi.AnswerChoice
import org.fieldcheck.ffi.AnswerType
import org.fieldcheck.ffi.DraftView

/** What an item's control sends to the core: a pick, a key stroke in a field, the note, or "save". */
class ItemInput(
    val choose: (AnswerChoice) -> Unit,
    val type: (field: String, text: String) -> Unit,
    val note: (String) -> Unit,
    val save: () -> Unit,
)

/**
 * The input control for an item's answer type. Typed text lives in the core (as drafts, so it survives
 * rotation); the core reads it on "save" and names each field it could not read.
 */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun AnswerControl(type: AnswerType, drafts: List<DraftView>, savedNote: String?, input: ItemInput) {
    val draft = { field: String -> drafts.firstOrNull { it.field == field } }
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        when (type) {
            AnswerType.YesNo, AnswerType.YesNoNotApplicable -> FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                OutlinedButton(onClick = { input.choose(AnswerChoice.Yes) }) { Text(stringResource(R.string.yes)) }
                OutlinedButton(onClick = { input.choose(AnswerChoice.No) }) { Text(stringResource(R.string.no)) }
                if (type == AnswerType.YesNoNotApplicable) {
                    OutlinedButton(onClick = { input.choose(AnswerChoice.NotApplicable) }) {
                        Text(stringResource(R.string.not_applicable))
                    }
                }
            }
            is AnswerType.Choice -> FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                type.options.forEach { option ->
                    OutlinedButton(onClick = { input.choose(AnswerChoice.Option(option.code)) }) { Text(option.label.shown()) }
                }
            }
            is AnswerType.Number -> {
                Field(draft(VALUE), stringResource(R.string.number_hint, type.unit), KeyboardType.Decimal) { input.type(VALUE, it) }
                SaveButton(input)
            }
            AnswerType.Text -> {
                Field(draft(VALUE), stringResource(R.string.answer_text), KeyboardType.Text) { input.type(VALUE, it) }
                SaveButton(input)
            }
            AnswerType.Date -> {
                Field(draft(VALUE), stringResource(R.string.date_hint), KeyboardType.Number) { input.type(VALUE, it) }
                SaveButton(input)
            }
            is AnswerType.Measures -> {
                type.fields.forEach { field ->
                    val hint = if (field.isDate) stringResource(R.string.date_hint) else field.unit ?: ""
                    val keyboard = if (field.isDate) KeyboardType.Number else KeyboardType.Decimal
                    Field(draft(field.key), "${field.label.shown()} $hint", keyboard) { input.type(field.key, it) }
                }
                SaveButton(input)
            }
        }
        OutlinedTextField(
            draft(NOTE)?.text ?: savedNote ?: "",
            input.note,
            Modifier.fillMaxWidth(),
            label = { Text(stringResource(R.string.note)) },
        )
    }
}

/** A typed field showing the core's draft and, under it, why the core could not read it. */
@Composable
private fun Field(draft: DraftView?, label: String, keyboard: KeyboardType, typed: (String) -> Unit) {
    OutlinedTextField(
        draft?.text ?: "",
        typed,
        Modifier.fillMaxWidth(),
        label = { Text(label) },
        singleLine = true,
        isError = draft?.problem != null,
        keyboardOptions = KeyboardOptions(keyboardType = keyboard),
    )
    draft?.problem?.let { Text(it.shown(), color = MaterialTheme.colorScheme.error) }
}

@Composable
private fun SaveButton(input: ItemInput) {
    OutlinedButton(onClick = input.save) { Text(stringResource(R.string.save_answer)) }
}

/** The core's name of an item's single typed value and of its note (see `DraftView.field`). */
private const val VALUE = "value"
private const val NOTE = "note"
