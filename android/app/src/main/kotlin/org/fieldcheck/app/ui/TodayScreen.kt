package org.fieldcheck.app.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.LazyListScope
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import org.fieldcheck.app.R
import org.fieldcheck.app.rememberLibraryPick
import org.fieldcheck.app.model.AppModel
import org.fieldcheck.ffi.Theme
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.fieldcheck.ffi.AlarmAction
import org.fieldcheck.ffi.AlarmView
import org.fieldcheck.ffi.AppEvent
import org.fieldcheck.ffi.AppRoute
import org.fieldcheck.ffi.BannerKind
import org.fieldcheck.ffi.BannerView
import org.fieldcheck.ffi.OriginalPolicy
import org.fieldcheck.ffi.PhotoFor
import org.fieldcheck.ffi.TodayView
import org.fieldcheck.ffi.TemplateSummary
import org.fieldcheck.ffi.InspectionKind
import org.fieldcheck.ffi.InspectionOrigin

/** Today's work as the core orders it: alarms, re-inspections due, unfinished inspections. */
@Composable
fun TodayScreen(send: (AppEvent) -> Unit, work: TodayView) {
    LazyColumn(Modifier.fillMaxWidth().padding(horizontal = 12.dp)) {
        heading(R.string.alarms, work.alarms.isEmpty())
        items(work.alarms, key = { it.id }) { alarm ->
            Box(Modifier.clickable { send(AppEvent.Open(AppRoute.Alarm(alarm.id))) }) { AlarmCard(send, alarm, null) }
        }
        heading(R.string.reinspections, work.reinspections.isEmpty())
        items(work.reinspections, key = { it.id }) { task ->
            TaskRow(task, onClick = { send(AppEvent.Open(AppRoute.Task(task.id))) })
        }
        heading(R.string.drafts, work.inspections.isEmpty())
        items(work.inspections, key = { it.id }) { inspection ->
            val open = { send(AppEvent.Open(AppRoute.Inspection(inspection.id))) }
            Card(Modifier.fillMaxWidth().padding(vertical = 4.dp).clickable(onClick = open)) {
                Column(Modifier.padding(12.dp)) {
                    place(inspection.enterpriseName, inspection.townshipName)?.let {
                        Text(it, style = MaterialTheme.typography.titleSmall)
                    }
                    Text("${inspection.kind.label()} · ${inspection.state.label()}")
                    Text(inspection.checklists.joinToString(" · "), style = MaterialTheme.typography.bodySmall)
                    inspection.startedAt?.let { Text(it.shown(), style = MaterialTheme.typography.bodySmall) }
                }
            }
        }
    }
}

/** Settings: when photo originals upload, watermarks, and the command centre's requests for originals. */
@Composable
fun SettingsScreen(model: AppModel, current: OriginalPolicy, watermark: Boolean, banners: List<BannerView>) {
    val theme = model.view.collectAsStateWithLifecycle().value?.theme
    Column(Modifier.padding(12.dp)) {
        Text(stringResource(R.string.theme), style = MaterialTheme.typography.titleMedium)
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Theme.entries.forEach { choice ->
                FilterChip(selected = choice == theme, onClick = { model.chooseTheme(choice) }, label = { Text(choice.label()) })
            }
        }
        Text(stringResource(R.string.originals_upload), style = MaterialTheme.typography.titleMedium)
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            OriginalPolicy.entries.forEach { policy ->
                FilterChip(
                    selected = policy == current,
                    onClick = { model.setOriginals(policy) },
                    label = { Text(policy.label()) },
                )
            }
        }
        FilterChip(
            selected = watermark,
            onClick = { model.setWatermark(!watermark) },
            label = { Text(stringResource(R.string.watermark_photos)) },
        )
        banners.firstOrNull { it.kind == BannerKind.ORIGINALS_REQUESTED || it.kind == BannerKind.ORIGINALS_POSTPONED }?.let {
            val postponed = it.kind == BannerKind.ORIGINALS_POSTPONED
            OutlinedButton(onClick = { model.send(AppEvent.PostponeOriginals(!postponed)) }) {
                Text(stringResource(if (postponed) R.string.resume_originals else R.string.postpone_originals))
            }
        }
    }
}

/**
 * An alarm: enterprise, reading, level and deadline, its on-site photos, and the actions the core offers
 * the user now (arrival; closing with feedback and photos).
 */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun AlarmCard(send: (AppEvent) -> Unit, alarm: AlarmView, templates: (() -> List<TemplateSummary>)?) {
    var feedback by rememberSaveable(alarm.id) { mutableStateOf("") }
    var inspecting by rememberSaveable(alarm.id) { mutableStateOf(false) }
    val importPhoto = rememberLibraryPick { path, takenAt -> send(AppEvent.PhotoImported(PhotoFor.Alarm(alarm.id), path, takenAt)) }
    Card(Modifier.fillMaxWidth().padding(vertical = 4.dp)) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            place(alarm.enterpriseName, alarm.townshipName)?.let {
                Text(it, style = MaterialTheme.typography.titleSmall)
            }
            Text(
                stringResource(
                    R.string.alarm_line,
                    alarm.monitoringPoint,
                    alarm.pollutant,
                    alarm.value.toString(),
                    alarm.unit,
                    alarm.limit.toString(),
                ),
            )
            alarm.exceedanceMultiple?.let { Text(stringResource(R.string.exceedance, it)) }
            Text("${alarm.stateLabel.shown()} · ${alarm.respondBy.shown()}")
            Thumbnails(alarm.photos)
            if (AlarmAction.ARRIVE in alarm.actions) {
                OutlinedButton(onClick = { send(AppEvent.ArriveAtAlarm(alarm.id)) }) { Text(stringResource(R.string.arrive)) }
            }
            if (AlarmAction.CLOSE in alarm.actions) {
                OutlinedTextField(
                    feedback,
                    { feedback = it },
                    Modifier.fillMaxWidth(),
                    label = { Text(stringResource(R.string.alarm_feedback)) },
                )
                FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    OutlinedButton(onClick = { send(AppEvent.TakePhoto(PhotoFor.Alarm(alarm.id), true)) }) {
                        Text(stringResource(R.string.alarm_photo))
                    }
                    OutlinedButton(onClick = importPhoto) { Text(stringResource(R.string.library_photo)) }
                    OutlinedButton(onClick = { send(AppEvent.CloseAlarm(alarm.id, feedback)) }) {
                        Text(stringResource(R.string.close_alarm))
                    }
                }
                // An inspection prompted by this alarm (its origin is recorded).
                if (templates != null) {
                    Button(onClick = { inspecting = true }) { Text(stringResource(R.string.inspect_for_alarm)) }
                }
            }
        }
    }
    if (inspecting && templates != null) {
        NewInspectionDialog(
            alarm.enterpriseName ?: "",
            remember { templates() },
            dismiss = { inspecting = false },
            initialKind = InspectionKind.ALARM_RESPONSE,
        ) { kind, checklists ->
            inspecting = false
            send(AppEvent.CreateInspection(alarm.enterprise, kind, checklists, InspectionOrigin.Alarm(alarm.id)))
        }
    }
}

/** A section title, followed by "nothing" when the section is empty. */
fun LazyListScope.heading(title: Int, empty: Boolean) {
    item {
        Column(Modifier.padding(top = 12.dp)) {
            Text(stringResource(title), style = MaterialTheme.typography.titleMedium)
            if (empty) Text(stringResource(R.string.nothing), style = MaterialTheme.typography.bodySmall)
        }
    }
}
