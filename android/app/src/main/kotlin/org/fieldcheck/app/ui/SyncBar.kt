package org.fieldcheck.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import org.fieldcheck.app.R
import org.fieldcheck.app.model.AppModel
import org.fieldcheck.ffi.AppViewModel
import org.fieldcheck.ffi.AttentionItem
import org.fieldcheck.ffi.SyncState

/**
 * State of the last sync, what waits to be sent, what the platform refused (listed below the bar), a
 * clock warning when the core says the device clock is off, and a sync button.
 */
@Composable
fun SyncBar(model: AppModel, vm: AppViewModel) {
    val current = vm.sync
    val pending = current.pendingChanges
    Row(
        Modifier.fillMaxWidth().padding(horizontal = 12.dp),
        horizontalArrangement = Arrangement.spacedBy(12.dp),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Text(current.state.label(), style = MaterialTheme.typography.labelLarge)
        // The outbox length is the device's own count; the status's count is the last sync's.
        Text(stringResource(R.string.pending, pending.toInt()), style = MaterialTheme.typography.labelLarge)
        if (current.needsAttention > 0uL) {
            Text(
                stringResource(R.string.needs_attention, current.needsAttention.toInt()),
                color = MaterialTheme.colorScheme.error,
                style = MaterialTheme.typography.labelLarge,
            )
        }
        current.lastSuccessAt?.let { Text(it.shown(), style = MaterialTheme.typography.labelSmall) }
        Row(Modifier.weight(1f), horizontalArrangement = Arrangement.End) {
            TextButton(onClick = model::sync, enabled = current.state != SyncState.RUNNING) {
                Text(stringResource(R.string.sync_now))
            }
        }
    }
    current.error?.let {
        Text(it, color = MaterialTheme.colorScheme.error, modifier = Modifier.padding(horizontal = 12.dp))
    }
    // The core decides when the device clock is too far off; the bar only says by how much.
    if (current.clockSkewWarning) {
        val minutes = ((current.clockSkewMs ?: 0L) / 60_000L).let { if (it < 0) -it else it }
        Text(
            stringResource(R.string.clock_skew, minutes.toInt()),
            color = MaterialTheme.colorScheme.error,
            modifier = Modifier.padding(horizontal = 12.dp),
        )
    }
    AttentionList(model, vm.attention)
}

/** Changes the platform refused, with its reason, each dismissable once read. */
@Composable
fun AttentionList(model: AppModel, items: List<AttentionItem>) {
    if (items.isEmpty()) return
    Column(Modifier.fillMaxWidth().padding(horizontal = 12.dp)) {
        Text(stringResource(R.string.attention_title), style = MaterialTheme.typography.titleSmall)
        items.forEach { item ->
            Row(verticalAlignment = Alignment.CenterVertically) {
                Column(Modifier.weight(1f)) {
                    Text("${item.madeAt.shown()} · ${item.action.label()}", style = MaterialTheme.typography.labelLarge)
                    Text(item.reason, color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.bodySmall)
                }
                TextButton(onClick = { model.dismissAttention(item.seq) }) { Text(stringResource(R.string.dismiss)) }
            }
        }
    }
}
