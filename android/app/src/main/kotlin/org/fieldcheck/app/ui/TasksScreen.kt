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
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import org.fieldcheck.app.R
import org.fieldcheck.app.Thumbnail
import org.fieldcheck.app.rememberLibraryPick
import org.fieldcheck.ffi.AppEvent
import org.fieldcheck.ffi.AppRoute
import org.fieldcheck.ffi.PhotoFor
import org.fieldcheck.ffi.TaskAction
import org.fieldcheck.ffi.TaskScreen
import org.fieldcheck.ffi.TaskView

/** Rectification tasks the core lists for this user, overdue first. */
@Composable
fun TasksScreen(send: (AppEvent) -> Unit, tasks: List<TaskView>) {
    LazyColumn(Modifier.fillMaxWidth().padding(horizontal = 12.dp)) {
        items(tasks, key = { it.id }) { task -> TaskRow(task, onClick = { send(AppEvent.Open(AppRoute.Task(task.id))) }) }
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
fun TaskPage(send: (AppEvent) -> Unit, screen: TaskScreen) {
    val id = screen.task.id
    val importProof = rememberLibraryPick { path, takenAt -> send(AppEvent.PhotoImported(PhotoFor.Task(id), path, takenAt)) }
    var note by rememberSaveable(id) { mutableStateOf("") }
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
                            if (photo.imported) Text(stringResource(R.string.imported), style = MaterialTheme.typography.labelSmall)
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
                    Modifier.fillMaxWidth().testTag("task-note"),
                    label = { Text(stringResource(R.string.action_note)) },
                )
                // Offered when the core lets this user submit proof now.
                if (TaskAction.SUBMIT_PROOF in actions) {
                    FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                        OutlinedButton(onClick = { send(AppEvent.TakePhoto(PhotoFor.Task(id), false)) }) {
                            Text(stringResource(R.string.add_proof_photo))
                        }
                        OutlinedButton(onClick = importProof) { Text(stringResource(R.string.library_photo)) }
                    }
                }
                FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    actions.forEach { action ->
                        // Acknowledging an order is signing for it as read back (the order signing screen).
                        val step = if (action == TaskAction.ACKNOWLEDGE) AppEvent.ReadOrderBack(id) else AppEvent.TaskStep(id, action, note)
                        OutlinedButton(onClick = { send(step) }) { Text(action.label()) }
                    }
                }
            }
        }
    }
}
