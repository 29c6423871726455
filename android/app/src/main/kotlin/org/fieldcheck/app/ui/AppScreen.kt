package org.fieldcheck.app.ui

import androidx.activity.compose.BackHandler
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.safeDrawingPadding
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.fieldcheck.app.R
import org.fieldcheck.app.model.AppModel
import java.util.UUID

/** Where the user is. */
sealed interface Route {
    /** Today's work. */
    data object Today : Route

    /** Enterprise search and new inspections. */
    data object Search : Route

    /** Rectification tasks. */
    data object Tasks : Route

    /** One inspection. */
    data class Inspection(val id: UUID) : Route

    /** One task with its timeline. */
    data class Task(val id: UUID) : Route
}

/** Sign-in, or the signed-in app: sync bar, the current screen, and the tabs. */
@Composable
fun AppScreen(model: AppModel) {
    val user by model.user.collectAsStateWithLifecycle()
    val busy by model.busy.collectAsStateWithLifecycle()
    val message by model.message.collectAsStateWithLifecycle()
    var route by remember { mutableStateOf<Route>(Route.Today) }

    Column(Modifier.fillMaxSize().safeDrawingPadding()) {
        if (busy) LinearProgressIndicator(Modifier.fillMaxWidth())
        val signedIn = user
        if (signedIn == null) {
            SignInScreen(model)
        } else {
            SyncBar(model)
            Column(Modifier.weight(1f)) {
                when (val current = route) {
                    Route.Today -> TodayScreen(
                        model,
                        openInspection = { route = Route.Inspection(it) },
                        openTask = { route = Route.Task(it) },
                    )
                    Route.Search -> SearchScreen(model, opened = { route = Route.Inspection(it) })
                    Route.Tasks -> TasksScreen(model, openTask = { route = Route.Task(it) })
                    is Route.Inspection -> InspectionPage(model, current.id, done = { route = Route.Today })
                    is Route.Task -> TaskPage(model, current.id)
                }
            }
            BackHandler(enabled = route is Route.Inspection || route is Route.Task) {
                route = if (route is Route.Task) Route.Tasks else Route.Today
            }
            NavigationBar {
                Tab(route == Route.Today, R.string.tab_today) { route = Route.Today }
                Tab(route == Route.Search, R.string.tab_search) { route = Route.Search }
                Tab(route == Route.Tasks, R.string.tab_tasks) { route = Route.Tasks }
            }
        }
    }

    message?.let { text ->
        AlertDialog(
            onDismissRequest = model::dismissMessage,
            confirmButton = { TextButton(onClick = model::dismissMessage) { Text(stringResource(R.string.ok)) } },
            text = { Text(text) },
        )
    }
}

@Composable
private fun androidx.compose.foundation.layout.RowScope.Tab(selected: Boolean, label: Int, onClick: () -> Unit) {
    NavigationBarItem(
        selected = selected,
        onClick = onClick,
        icon = {},
        label = { Text(stringResource(label)) },
    )
}
