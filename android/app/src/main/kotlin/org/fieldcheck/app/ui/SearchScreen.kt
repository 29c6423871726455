package org.fieldcheck.app.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.Checkbox
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import org.fieldcheck.app.R
import org.fieldcheck.ffi.AppEvent
import org.fieldcheck.ffi.EnterpriseView
import org.fieldcheck.ffi.InspectionKind
import org.fieldcheck.ffi.TemplateSummary

/** Enterprise search (the core matches name, credit code and address); a result opens a new inspection. */
@Composable
fun SearchScreen(send: (AppEvent) -> Unit, query: String, results: List<EnterpriseView>, templates: List<TemplateSummary>) {
    var chosen by remember { mutableStateOf<EnterpriseView?>(null) }
    Column(Modifier.padding(horizontal = 12.dp)) {
        Row(verticalAlignment = Alignment.CenterVertically) {
            OutlinedTextField(
                query,
                { send(AppEvent.SearchTyped(it)) },
                Modifier.weight(1f),
                placeholder = { Text(stringResource(R.string.search_hint)) },
                singleLine = true,
            )
        }
        LazyColumn {
            items(results, key = { it.id }) { enterprise ->
                Card(Modifier.fillMaxWidth().padding(vertical = 4.dp).clickable { chosen = enterprise }) {
                    Column(Modifier.padding(12.dp)) {
                        Text(enterprise.name, style = MaterialTheme.typography.titleMedium)
                        Text(enterprise.creditCode, style = MaterialTheme.typography.bodySmall)
                        Text(enterprise.address, style = MaterialTheme.typography.bodySmall)
                        if (enterprise.keyUnit) {
                            Text(stringResource(R.string.key_unit), color = MaterialTheme.colorScheme.secondary)
                        }
                    }
                }
            }
        }
    }
    chosen?.let { enterprise ->
        NewInspectionDialog(
            enterprise.name,
            templates,
            dismiss = { chosen = null },
            create = { kind, checklists ->
                chosen = null
                send(AppEvent.CreateInspection(enterprise.id, kind, checklists, null))
            },
        )
    }
}

/** Kind and checklists of a new inspection at `enterprise` (a name). */
@Composable
fun NewInspectionDialog(
    enterprise: String,
    templates: List<TemplateSummary>,
    dismiss: () -> Unit,
    initialKind: InspectionKind = InspectionKind.ROUTINE,
    create: (InspectionKind, List<String>) -> Unit,
) {
    var kind by remember { mutableStateOf(initialKind) }
    var checklists by remember { mutableStateOf(listOf<String>()) }
    AlertDialog(
        onDismissRequest = dismiss,
        title = { Text("${stringResource(R.string.new_inspection)} · $enterprise") },
        text = {
            Column(Modifier.verticalScroll(rememberScrollState()), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                Text(stringResource(R.string.kind), style = MaterialTheme.typography.titleSmall)
                InspectionKind.entries.forEach { option ->
                    Row(verticalAlignment = Alignment.CenterVertically) {
                        RadioButton(selected = kind == option, onClick = { kind = option })
                        Text(option.label())
                    }
                }
                Text(stringResource(R.string.choose_checklists), style = MaterialTheme.typography.titleSmall)
                templates.forEach { template ->
                    Row(verticalAlignment = Alignment.CenterVertically) {
                        Checkbox(
                            modifier = Modifier.testTag("checklist-${template.id}"),
                            checked = template.id in checklists,
                            onCheckedChange = { on -> checklists = if (on) checklists + template.id else checklists - template.id },
                        )
                        Text("${template.title.shown()} (${template.itemCount})")
                    }
                }
            }
        },
        confirmButton = {
            Button(onClick = { create(kind, checklists) }) { Text(stringResource(R.string.create)) }
        },
        dismissButton = { TextButton(onClick = dismiss) { Text(stringResource(R.string.cancel)) } },
    )
}
