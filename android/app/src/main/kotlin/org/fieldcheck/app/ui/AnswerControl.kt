package org.fieldcheck.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.layout.heightIn
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Check
import androidx.compose.material.icons.filled.DateRange
import androidx.compose.material3.DatePicker
import androidx.compose.material3.DatePickerDialog
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.FilterChip
import androidx.compose.material3.FilterChipDefaults
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.TextButton
import androidx.compose.material3.rememberDatePickerState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import java.time.Instant
import java.time.ZoneOffset
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
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
fun AnswerControl(type: AnswerType, chosen: AnswerChoice?, drafts: List<DraftView>, savedNote: String?, input: ItemInput) {
    val draft = { field: String -> drafts.firstOrNull { it.field == field } }
    val pick = @Composable { choice: AnswerChoice, label: String -> Pick(choice == chosen, label) { input.choose(choice) } }
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        when (type) {
            AnswerType.YesNo, AnswerType.YesNoNotApplicable -> FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                pick(AnswerChoice.Yes, stringResource(R.string.yes))
                pick(AnswerChoice.No, stringResource(R.string.no))
                if (type == AnswerType.YesNoNotApplicable) pick(AnswerChoice.NotApplicable, stringResource(R.string.not_applicable))
            }
            is AnswerType.Choice -> FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                type.options.forEach { option -> pick(AnswerChoice.Option(option.code), option.label.shown()) }
            }
            is AnswerType.Number -> {
                Field(draft(VALUE), VALUE, stringResource(R.string.number_hint, type.unit), KeyboardType.Decimal) { input.type(VALUE, it) }
                SaveButton(input)
            }
            AnswerType.Text -> {
                Field(draft(VALUE), VALUE, stringResource(R.string.answer_text), KeyboardType.Text) { input.type(VALUE, it) }
                SaveButton(input)
            }
            // A date is picked, never typed; the core reads the picked day as it reads typed text.
            AnswerType.Date -> DateField(draft(VALUE), VALUE, stringResource(R.string.pick_date)) { input.type(VALUE, it); input.save() }
            is AnswerType.Measures -> {
                type.fields.forEach { field ->
                    if (field.isDate) {
                        DateField(draft(field.key), field.key, field.label.shown()) { input.type(field.key, it) }
                    } else {
                        Field(draft(field.key), field.key, "${field.label.shown()} ${field.unit ?: ""}", KeyboardType.Decimal) { input.type(field.key, it) }
                    }
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
private fun Field(draft: DraftView?, key: String, label: String, keyboard: KeyboardType, typed: (String) -> Unit) {
    // The field shows what was typed at once (kept across rotation) and the core gets every change as a
    // draft: showing the core's echo instead would drop key strokes typed while one is on its way.
    var text by rememberSaveable(key) { mutableStateOf(draft?.text ?: "") }
    OutlinedTextField(
        text,
        { text = it; typed(it) },
        Modifier.fillMaxWidth().testTag("field-$key"),
        label = { Text(label) },
        singleLine = true,
        isError = draft?.problem != null,
        keyboardOptions = KeyboardOptions(keyboardType = keyboard),
    )
    draft?.problem?.let { Text(it.shown(), color = MaterialTheme.colorScheme.error) }
}

/** A picked answer: filled with a check mark when it is the chosen one (and "selected" to accessibility). */
@Composable
private fun Pick(selected: Boolean, label: String, onClick: () -> Unit) {
    val colors = MaterialTheme.colorScheme
    FilterChip(
        selected = selected,
        onClick = onClick,
        label = { Text(label, style = MaterialTheme.typography.titleMedium) },
        leadingIcon = if (selected) ({ Icon(Icons.Filled.Check, contentDescription = null) }) else null,
        colors = FilterChipDefaults.filterChipColors(
            selectedContainerColor = colors.primary,
            selectedLabelColor = colors.onPrimary,
            selectedLeadingIconColor = colors.onPrimary,
        ),
        modifier = Modifier.heightIn(min = 48.dp),
    )
}

/** A date field: the day shown (the core's draft) and a button opening the date picker. */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
private fun DateField(draft: DraftView?, key: String, label: String, picked: (String) -> Unit) {
    var open by rememberSaveable(key) { mutableStateOf(false) }
    OutlinedButton(onClick = { open = true }, Modifier.fillMaxWidth().testTag("date-$key")) {
        Icon(Icons.Filled.DateRange, contentDescription = null)
        Text("  $label  ${draft?.text ?: ""}")
    }
    draft?.problem?.let { Text(it.shown(), color = MaterialTheme.colorScheme.error) }
    if (!open) return
    val state = rememberDatePickerState(initialSelectedDateMillis = System.currentTimeMillis())
    DatePickerDialog(
        onDismissRequest = { open = false },
        confirmButton = {
            TextButton(onClick = {
                open = false
                state.selectedDateMillis?.let { picked(Instant.ofEpochMilli(it).atZone(ZoneOffset.UTC).toLocalDate().toString()) }
            }) { Text(stringResource(R.string.ok)) }
        },
        dismissButton = { TextButton(onClick = { open = false }) { Text(stringResource(R.string.cancel)) } },
    ) { DatePicker(state) }
}

@Composable
private fun SaveButton(input: ItemInput) {
    OutlinedButton(onClick = input.save) { Text(stringResource(R.string.save_answer)) }
}

/** The core's name of an item's single typed value and of its note (see `DraftView.field`). */
private const val VALUE = "value"
private const val NOTE = "note"
