package org.fieldcheck.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.CheckCircle
import androidx.compose.material.icons.filled.Create
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import org.fieldcheck.app.R
import org.fieldcheck.ffi.AppEvent
import org.fieldcheck.ffi.PadStroke
import org.fieldcheck.ffi.SignerSlotView
import org.fieldcheck.ffi.SigningView
import java.util.UUID

/**
 * The record read back, then each signer in turn on the pad (or their refusal with a witness); the
 * record is submitted once everyone has signed or refused. Who signs and the text are the core's.
 */
@Composable
fun SigningScreen(send: (AppEvent) -> Unit, inspection: UUID, signing: SigningView) {
    val next = signing.signers.firstOrNull { !it.done }
    Column(Modifier.fillMaxWidth().padding(horizontal = 12.dp).verticalScroll(rememberScrollState()), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text(stringResource(R.string.read_back_title), style = MaterialTheme.typography.titleLarge)
        Card(Modifier.fillMaxWidth()) {
            Text(signing.text, Modifier.heightIn(max = 240.dp).verticalScroll(rememberScrollState()).padding(12.dp))
        }
        signing.signers.forEach { slot ->
            Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                Icon(if (slot.done) Icons.Filled.CheckCircle else Icons.Filled.Create, contentDescription = null)
                Text("${slot.role.label()} ${slot.name}")
                if (slot.done) Text(stringResource(R.string.signed), color = MaterialTheme.colorScheme.primary)
            }
        }
        if (next != null) {
            SignerPad(send, inspection, next)
        } else {
            Button(onClick = { send(AppEvent.Submit(inspection)) }, Modifier.fillMaxWidth()) { Text(stringResource(R.string.submit)) }
        }
    }
}

/** One signer's turn on the record. */
@Composable
private fun SignerPad(send: (AppEvent) -> Unit, inspection: UUID, slot: SignerSlotView) {
    PadTurn(
        key = "${slot.role}/${slot.name}",
        heading = stringResource(R.string.sign_here, slot.role.label(), slot.name),
        sign = { width, strokes -> send(AppEvent.Signed(inspection, slot.role, slot.name, width, PAD_HEIGHT.value, strokes)) },
        refuse = { reason, witness, position -> send(AppEvent.RefusedToSign(inspection, slot.role, slot.name, reason, witness, position)) },
    )
}

/**
 * One person's turn on the pad (a record's signer, or the enterprise signing for its order): draw,
 * clear, confirm, or note a refusal with its reason and a witness.
 */
@Composable
fun PadTurn(
    key: String,
    heading: String,
    sign: (width: Float, strokes: List<PadStroke>) -> Unit,
    refuse: (reason: String, witness: String, position: String) -> Unit,
) {
    val strokes = rememberStrokes(key)
    var refusing by rememberSaveable(key) { mutableStateOf(false) }
    Text(heading, style = MaterialTheme.typography.titleMedium)
    var width by rememberSaveable { mutableStateOf(0f) }
    SignaturePad(strokes) { width = it }
    Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
        OutlinedButton(onClick = { strokes.clear() }) { Text(stringResource(R.string.clear)) }
        OutlinedButton(onClick = { refusing = true }) { Text(stringResource(R.string.refuse_to_sign)) }
        Button(
            onClick = {
                sign(width, strokes.toList())
                strokes.clear()
            },
            enabled = strokes.isNotEmpty(),
        ) { Text(stringResource(R.string.confirm_signature)) }
    }
    if (refusing) RefusalDialog(dismiss = { refusing = false }) { reason, witness, position ->
        refusing = false
        refuse(reason, witness, position)
    }
}

/** Why the person refused, and who witnessed it. */
@Composable
private fun RefusalDialog(dismiss: () -> Unit, refuse: (reason: String, witness: String, position: String) -> Unit) {
    var reason by rememberSaveable { mutableStateOf("") }
    var witness by rememberSaveable { mutableStateOf("") }
    var position by rememberSaveable { mutableStateOf("") }
    AlertDialog(
        onDismissRequest = dismiss,
        title = { Text(stringResource(R.string.refuse_to_sign)) },
        text = {
            Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
                OutlinedTextField(reason, { reason = it }, Modifier.testTag("refusal-reason"), label = { Text(stringResource(R.string.refusal_reason)) })
                OutlinedTextField(witness, { witness = it }, Modifier.testTag("witness-name"), label = { Text(stringResource(R.string.witness_name)) }, singleLine = true)
                OutlinedTextField(position, { position = it }, Modifier.testTag("witness-position"), label = { Text(stringResource(R.string.witness_position)) }, singleLine = true)
            }
        },
        confirmButton = {
            Button(onClick = { refuse(reason, witness, position) }, enabled = reason.isNotBlank() && witness.isNotBlank()) {
                Text(stringResource(R.string.record_refusal))
            }
        },
        dismissButton = { TextButton(onClick = dismiss) { Text(stringResource(R.string.cancel)) } },
    )
}
