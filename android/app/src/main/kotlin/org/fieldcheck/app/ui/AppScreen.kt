package org.fieldcheck.app.ui

import androidx.activity.compose.BackHandler
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.safeDrawingPadding
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Home
import androidx.compose.material.icons.automirrored.filled.List
import androidx.compose.material.icons.filled.Search
import androidx.compose.material.icons.filled.Settings
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Icon
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.vector.ImageVector
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.fieldcheck.app.R
import org.fieldcheck.app.model.AppModel
import org.fieldcheck.ffi.AppEvent
import org.fieldcheck.ffi.AppRoute
import org.fieldcheck.ffi.BannerKind
import org.fieldcheck.ffi.ScreenData
import org.fieldcheck.ffi.Theme

/** The app in its theme (the phone's dark mode, or the person's choice). */
@Composable
fun FieldcheckApp(model: AppModel) {
    val current by model.view.collectAsStateWithLifecycle()
    FieldcheckTheme(current?.theme ?: Theme.SYSTEM) {
        Surface(Modifier.fillMaxSize()) { AppScreen(model) }
    }
}

/** The core's view model on screen: banners, sync bar, the current route's screen, and the tabs. */
@Composable
fun AppScreen(model: AppModel) {
    val current by model.view.collectAsStateWithLifecycle()
    val busy by model.busy.collectAsStateWithLifecycle()
    val vm = current ?: return
    val send = model::send

    Column(Modifier.fillMaxSize().safeDrawingPadding()) {
        if (busy) LinearProgressIndicator(Modifier.fillMaxWidth())
        vm.banners.forEach { banner ->
            // Offline is a bar across the screen; the other banners are notes.
            val offline = banner.kind == BannerKind.OFFLINE
            val colors = MaterialTheme.colorScheme
            Text(
                banner.text.shown(),
                Modifier.fillMaxWidth()
                    .background(if (offline) colors.errorContainer else colors.surface)
                    .padding(horizontal = 12.dp, vertical = 6.dp),
                color = if (offline) colors.onErrorContainer else colors.tertiary,
            )
        }
        if (vm.route != AppRoute.SignIn) SyncBar(model, vm)
        Column(Modifier.weight(1f)) {
            val signing = vm.signing
            when (val screen = vm.screen) {
                ScreenData.SignIn -> SignInScreen(model)
                is ScreenData.Today -> TodayScreen(send, screen.today)
                is ScreenData.Search -> SearchScreen(send, vm.searchQuery, screen.results, screen.templates)
                is ScreenData.Tasks -> TasksScreen(send, screen.tasks)
                is ScreenData.Settings -> SettingsScreen(model, screen.originals, screen.watermark, vm.banners)
                is ScreenData.Inspection ->
                    if (signing != null) SigningScreen(send, screen.screen.inspection.id, signing)
                    else InspectionPage(send, screen.screen, vm.drafts, vm.team)
                is ScreenData.Task -> {
                    // The enterprise's order read back by the core: it signs for it here.
                    val order = vm.orderSigning?.takeIf { it.task == screen.screen.task.id }
                    if (order != null) OrderSigningScreen(send, order)
                    else TaskPage(send, screen.screen)
                }
                is ScreenData.Alarm -> Column(Modifier.padding(horizontal = 12.dp)) { AlarmCard(send, screen.alarm, model::templates) }
                ScreenData.Unavailable -> {}
            }
        }
        BackHandler(enabled = vm.canGoBack) { send(AppEvent.Back) }
        if (vm.route != AppRoute.SignIn) {
            NavigationBar {
                Tab(vm.tab == AppRoute.Today, R.string.tab_today, Icons.Filled.Home) { send(AppEvent.Open(AppRoute.Today)) }
                Tab(vm.tab == AppRoute.Search, R.string.tab_search, Icons.Filled.Search) { send(AppEvent.Open(AppRoute.Search)) }
                Tab(vm.tab == AppRoute.Tasks, R.string.tab_tasks, Icons.AutoMirrored.Filled.List) { send(AppEvent.Open(AppRoute.Tasks)) }
                Tab(vm.tab == AppRoute.Settings, R.string.tab_settings, Icons.Filled.Settings) { send(AppEvent.Open(AppRoute.Settings)) }
            }
        }
    }

    vm.message?.let { text ->
        AlertDialog(
            onDismissRequest = { send(AppEvent.DismissMessage) },
            confirmButton = { TextButton(onClick = { send(AppEvent.DismissMessage) }) { Text(stringResource(R.string.ok)) } },
            text = { Text(text) },
        )
    }
}

@Composable
private fun androidx.compose.foundation.layout.RowScope.Tab(selected: Boolean, label: Int, icon: ImageVector, onClick: () -> Unit) {
    NavigationBarItem(
        selected = selected,
        onClick = onClick,
        icon = { Icon(icon, contentDescription = null) },
        label = { Text(stringResource(label)) },
    )
}
