package org.fieldcheck.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
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
import org.fieldcheck.app.Thumbnail
import org.fieldcheck.app.rememberLibraryPick
import org.fieldcheck.ffi.AppEvent
import org.fieldcheck.ffi.DraftView
import org.fieldcheck.ffi.InspectionScreen
import org.fieldcheck.ffi.PhotoFor
import org.fieldcheck.ffi.InspectionState
import org.fieldcheck.ffi.ItemProgress
import org.fieldcheck.ffi.PhotoView
import org.fieldcheck.ffi.PhotoRule
import org.fieldcheck.ffi.TeamPickerView
import org.fieldcheck.ffi.TemplateItemView

/**
 * One inspection: its checklists with the core's progress, each item with its answer control, verdict,
 * photo count and thumbnails and the problems the core reports on it, then the findings with their
 * photos, the remaining problems and the submit button (enabled when the core says it can be submitted).
 */
@Composable
fun InspectionPage(send: (AppEvent) -> Unit, screen: InspectionScreen, drafts: List<DraftView>, team: TeamPickerView? = null) {
    val id = screen.inspection.id
    var picking by remember { mutableStateOf<PhotoFor?>(null) }
    val importPhoto = rememberLibraryPick { path, takenAt -> picking?.let { send(AppEvent.PhotoImported(it, path, takenAt)) } }
    val open = screen.inspection.state == InspectionState.IN_PROGRESS

    LazyColumn(Modifier.fillMaxWidth().padding(horizontal = 12.dp)) {
        item {
            Column {
                Text(
                    "${screen.inspection.kind.label()} · ${screen.inspection.state.label()}",
                    style = MaterialTheme.typography.titleLarge,
                )
                if (screen.inspection.state == InspectionState.DRAFT) {
                    Button(onClick = { send(AppEvent.StartInspection(id)) }) { Text(stringResource(R.string.start_on_site)) }
                }
            }
        }
        team?.let { item(key = "team") { TeamPicker(send, it) } }
        screen.checklists.forEach { checklist ->
            item(key = "checklist-${checklist.template.id}") {
                Column(Modifier.padding(top = 12.dp)) {
                    Text(checklist.template.title.shown(), style = MaterialTheme.typography.titleMedium)
                    Text(
                        stringResource(R.string.answered_of, checklist.answered.toInt(), checklist.total.toInt()),
                        style = MaterialTheme.typography.bodySmall,
                    )
                }
            }
            items(checklist.template.items, key = { "${checklist.template.id}/${it.code}" }) { item ->
                val progress = checklist.items.firstOrNull { it.code == item.code }
                val template = checklist.template.id
                val input = ItemInput(
                    choose = { send(AppEvent.AnswerChosen(id, template, item.code, it)) },
                    type = { field, text -> send(AppEvent.AnswerTyped(id, template, item.code, field, text)) },
                    note = { send(AppEvent.NoteTyped(id, template, item.code, it)) },
                    save = { send(AppEvent.AnswerSaved(id, template, item.code)) },
                )
                val target = PhotoFor.Item(id, template, item.code)
                ItemCard(
                    item,
                    progress,
                    open,
                    drafts.filter { it.templateId == template && it.itemCode == item.code },
                    input,
                    photo = { send(AppEvent.TakePhoto(target, false)) },
                    library = { picking = target; importPhoto() },
                )
            }
        }
        if (screen.findings.isNotEmpty()) {
            item { Text(stringResource(R.string.findings), Modifier.padding(top = 12.dp), style = MaterialTheme.typography.titleMedium) }
            items(screen.findings, key = { it.id }) { finding ->
                Column(Modifier.padding(vertical = 2.dp)) {
                    Text("${finding.itemCode ?: ""} ${finding.description}")
                    Thumbnails(finding.photos)
                }
            }
        }
        // Problems not tied to an item (team, certificates, times); item problems are shown on their item.
        val general = screen.problems.filter { it.itemCode == null }
        if (general.isNotEmpty()) {
            item { Text(stringResource(R.string.problems), style = MaterialTheme.typography.titleMedium) }
            items(general) { problem -> Text(problem.message.shown(), color = MaterialTheme.colorScheme.error) }
        }
        if (open && screen.canSubmit) {
            item {
                Button(onClick = { send(AppEvent.ReadBack(id)) }, Modifier.fillMaxWidth().padding(top = 16.dp)) {
                    Text(stringResource(R.string.read_back_and_sign))
                }
            }
        }
        if (screen.inspection.state != InspectionState.SUBMITTED) {
            item {
                Button(
                    onClick = { send(AppEvent.Submit(id)) },
                    enabled = screen.canSubmit,
                    modifier = Modifier.fillMaxWidth().padding(vertical = 16.dp),
                ) { Text(stringResource(R.string.submit)) }
            }
        }
    }
}

/** One item: text, legal basis, answer control, verdict, photos and the core's problems. */
@Composable
private fun ItemCard(
    item: TemplateItemView,
    progress: ItemProgress?,
    open: Boolean,
    drafts: List<DraftView>,
    input: ItemInput,
    photo: () -> Unit,
    library: () -> Unit,
) {
    Card(Modifier.fillMaxWidth().padding(vertical = 4.dp).testTag("item-${item.code}")) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
            Text("${item.code}  ${item.text.shown()}")
            if (item.legalBasis.isNotEmpty()) {
                val basis = item.legalBasis.joinToString("；")
                val unverified = if (item.clauseVerified) "" else " (${stringResource(R.string.clause_unverified)})"
                Text(basis + unverified, style = MaterialTheme.typography.bodySmall)
            }
            item.guidance?.let { Text(it, style = MaterialTheme.typography.bodySmall) }
            if (open) AnswerControl(item.answer, progress?.chosen, drafts, progress?.note, input)
            Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(12.dp)) {
                progress?.verdict?.let { Text(it.label(), color = MaterialTheme.colorScheme.primary) }
                Text(stringResource(R.string.photo_count, (progress?.photoCount ?: 0u).toInt()))
                if (open && item.photo != PhotoRule.NEVER) {
                    OutlinedButton(onClick = photo) { Text(stringResource(R.string.take_photo)) }
                    OutlinedButton(onClick = library) { Text(stringResource(R.string.library_photo)) }
                }
            }
            Thumbnails(progress?.photos.orEmpty())
            progress?.problems?.forEach { Text(it.shown(), color = MaterialTheme.colorScheme.error) }
        }
    }
}

/** The thumbnails of an item's or finding's photos, in capture order (nothing when there are none). */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun Thumbnails(photos: List<PhotoView>) {
    if (photos.isEmpty()) return
    FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        photos.forEach { photo ->
            Column {
                Thumbnail(photo.thumbnailPath)
                // A library photo is evidence of what it shows, not of this place and time.
                if (photo.imported) Text(stringResource(R.string.imported), style = MaterialTheme.typography.labelSmall)
            }
        }
    }
}
