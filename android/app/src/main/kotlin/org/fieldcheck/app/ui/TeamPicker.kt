package org.fieldcheck.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import org.fieldcheck.app.R
import org.fieldcheck.ffi.AppEvent
import org.fieldcheck.ffi.Respondent
import org.fieldcheck.ffi.TeamPickerView

/**
 * The core's team and respondent picker: officers as chips (inspectors, then the recorder), what the
 * core says is still wrong with the team, the enterprise's offered respondents and a typed one. Every
 * tap is an event; the core saves it and refuses an uncertified officer with its own message.
 */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun TeamPicker(send: (AppEvent) -> Unit, team: TeamPickerView) {
    val id = team.inspection
    Column(Modifier.padding(top = 12.dp)) {
        Text(stringResource(R.string.team), style = MaterialTheme.typography.titleMedium)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            team.candidates.forEach { c ->
                val label = c.certificateNo?.let { "${c.name} · $it" } ?: "${c.name} · ${stringResource(R.string.no_certificate)}"
                FilterChip(selected = c.inspector, onClick = { send(AppEvent.InspectorToggled(id, c.user)) }, label = { Text(label) })
            }
        }
        Text(stringResource(R.string.recorder), style = MaterialTheme.typography.titleSmall)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            team.candidates.forEach { c ->
                FilterChip(selected = c.recorder, onClick = { send(AppEvent.RecorderChosen(id, c.user)) }, label = { Text(c.name) })
            }
        }
        team.problems.forEach { Text(it.message.shown(), color = MaterialTheme.colorScheme.error) }

        Text(stringResource(R.string.respondent), Modifier.padding(top = 8.dp), style = MaterialTheme.typography.titleMedium)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            team.offered.forEach { r ->
                FilterChip(
                    selected = r == team.respondent,
                    onClick = { send(AppEvent.RespondentChosen(id, r)) },
                    label = { Text(listOf(r.name, r.position, r.phone).filter { it.isNotBlank() }.joinToString(" · ")) },
                )
            }
        }
        var name by rememberSaveable(id) { mutableStateOf(team.respondent?.name ?: "") }
        var position by rememberSaveable(id) { mutableStateOf(team.respondent?.position ?: "") }
        var phone by rememberSaveable(id) { mutableStateOf(team.respondent?.phone ?: "") }
        OutlinedTextField(name, { name = it }, label = { Text(stringResource(R.string.respondent_name)) })
        OutlinedTextField(position, { position = it }, label = { Text(stringResource(R.string.respondent_position)) })
        OutlinedTextField(phone, { phone = it }, label = { Text(stringResource(R.string.respondent_phone)) })
        OutlinedButton(onClick = { send(AppEvent.RespondentChosen(id, Respondent(name, position, phone))) }) {
            Text(stringResource(R.string.save_respondent))
        }
    }
}
