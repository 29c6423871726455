package org.fieldcheck.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Card
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
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
import org.fieldcheck.ffi.AppEvent
import org.fieldcheck.ffi.OrderSigningView

/**
 * The enterprise's phone: its rectification order as the core reads it back, then the person receiving
 * it signs on the pad (the signature is the acknowledgement) or the refusal is noted before a witness.
 * Who may sign is the core's rule: the people it accepts (legal representative, contact, account holder)
 * are chips to choose from, the legal representative chosen first; a name the rule would refuse cannot be typed.
 */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun OrderSigningScreen(send: (AppEvent) -> Unit, order: OrderSigningView) {
    var signer by rememberSaveable(order.task) { mutableStateOf(order.signers.firstOrNull().orEmpty()) }
    Column(
        Modifier.fillMaxWidth().padding(horizontal = 12.dp).verticalScroll(rememberScrollState()),
        verticalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        Text(stringResource(R.string.order_read_back_title), style = MaterialTheme.typography.titleLarge)
        // The order scrolls within its card, so the chooser, the pad and its buttons fit one phone screen.
        Card(Modifier.fillMaxWidth()) {
            Text(order.text, Modifier.heightIn(max = 200.dp).verticalScroll(rememberScrollState()).padding(12.dp))
        }
        Text(stringResource(R.string.order_signer), style = MaterialTheme.typography.titleSmall)
        FlowRow(Modifier.testTag("order-signer"), horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            order.signers.forEach { name ->
                FilterChip(selected = signer == name, onClick = { signer = name }, label = { Text(name) })
            }
        }
        PadTurn(
            key = "order/${order.task}",
            heading = stringResource(R.string.order_sign_here),
            sign = { width, strokes -> send(AppEvent.AcknowledgedOrder(order.task, signer, width, PAD_HEIGHT.value, strokes)) },
            refuse = { reason, witness, position ->
                send(AppEvent.RefusedToAcknowledge(order.task, signer, reason, witness, position))
            },
        )
    }
}
