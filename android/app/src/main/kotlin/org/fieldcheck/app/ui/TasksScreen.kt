package org.fieldcheck.app.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.fieldcheck.app.R
import org.fieldcheck.app.Thumbnail
import org.fieldcheck.app.rememberProofCapture
import org.fieldcheck.app.model.AppModel
import org.fieldcheck.ffi.TaskAction
import org.fieldcheck.ffi.TaskView
import java.util.UUID

/** Rectification tasks the core lists for this user, overdue first. */
@Composable
fun TasksScreen(model: AppModel, openTask: (UUID) -> Unit) {
    val tasks by model.tasks.collectAsStateWithLifecycle()
    LazyColumn(Modifier.fillMaxWidth().padding(horizontal = 12.dp)) {
        items(tasks, key = { it.id }) { task -> TaskRow(task, onClick = { openTask(task.id) }) }
    }
}

/** A task in a list: enterprise and township, requirement, state, deadline, its latest photo. */
@Composable
fun TaskRow(task: TaskView, onClick: () -> Unit) {
    Card(Modifier.fillMaxWidth().padding(vertical = 4.dp).clickable(onClick = onClick)) {
        Row(Modifier.padding(12.dp), horizontalArrangement = Arrangement.spacedBy(12.dp)) {
            task.thumbnailPath?.let { Thumbnail(it) }
            TaskLines(task)
        }
    }
}

@Composable
private fun TaskLines(task: TaskView) {
    Column {
        place(task.enterpriseName, task.townshipName)?.let { Text(it, style = MaterialTheme.typography.titleSmall) }
        Text(task.requirement)
        Text(
            "${task.stateLabel.shown()} · ${stringResource(R.string.deadline, task.deadline.shown())}",
            style = MaterialTheme.typography.bodySmall,
        )
        if (task.overdue) Text(stringResource(R.string.overdue), color = MaterialTheme.colorScheme.error)
    }
}

/**
 * One task with its timeline. The buttons are the actions the core says the signed-in user may take
 * now; a refusal shows the core's message.
 */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun TaskPage(model: AppModel, id: UUID) {
    LaunchedEffect(id) { model.openTask(id) }
    val takeProof = rememberProofCapture(model, id)
    val loaded by model.task.collectAsStateWithLifecycle()
    val screen = loaded?.takeIf { it.task.id == id } ?: return
    var note by remember(id) { mutableStateOf("") }
    val actions = screen.actions
    LazyColumn(Modifier.fillMaxWidth().padding(horizontal = 12.dp)) {
        item { TaskRow(screen.task, onClick = {}) }
        item { Text(stringResource(R.string.timeline), style = MaterialTheme.typography.titleMedium) }
        items(screen.timeline) { event ->
            Column(Modifier.padding(vertical = 4.dp)) {
                Text("${event.at.shown()} · ${event.action.label()} · ${event.byName}")
                if (event.note.isNotBlank()) Text(event.note, style = MaterialTheme.typography.bodySmall)
                // Cited photos not on this phone yet: the next sync fetches them.
                val elsewhere = event.evidence.count { e -> screen.photos.none { it.evidence == e } }
                if (elsewhere > 0) {
                    Text(stringResource(R.string.proof_elsewhere, elsewhere), style = MaterialTheme.typography.bodySmall)
                }
            }
        }
        if (screen.photos.isNotEmpty()) {
            item { Text(stringResource(R.string.proof_photos), style = MaterialTheme.typography.titleMedium) }
            item {
                FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    screen.photos.forEach { photo ->
                        Column {
                            Thumbnail(photo.thumbnailPath)
                            if (!photo.sent) Text(stringResource(R.string.photo_unsent), style = MaterialTheme.typography.labelSmall)
                        }
                    }
                }
            }
        }
        item {
            Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
                OutlinedTextField(
                    note,
                    { note = it },
                    Modifier.fillMaxWidth(),
                    label = { Text(stringResource(R.string.action_note)) },
                )
                // Offered when the core lets this user submit proof now.
                if (TaskAction.SUBMIT_PROOF in actions) {
                    OutlinedButton(onClick = takeProof) { Text(stringResource(R.string.add_proof_photo)) }
                }
                FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    actions.forEach { action ->
                        OutlinedButton(onClick = { model.transition(id, action, note) }) { Text(action.label()) }
                    }
                }
            }
        }
    }
}
