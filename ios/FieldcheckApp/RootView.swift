import Fieldcheck
import SwiftUI

/// The core's view model on screen: banners, sync bar, the current route's screen, and the tabs.
struct RootView: View {
    @ObservedObject var model: AppModel

    var body: some View {
        Group {
            if let vm = model.view {
                VStack(spacing: 0) {
                    ForEach(Array(vm.banners.enumerated()), id: \.offset) { _, banner in
                        Text(banner.text.shown).font(.caption).foregroundStyle(.orange).padding(.horizontal)
                    }
                    if vm.route != .signIn { SyncBar(model: model, vm: vm) }
                    screen(vm).frame(maxHeight: .infinity)
                    if vm.route != .signIn { tabs(vm) }
                }
            }
        }
        .overlay(alignment: .top) { if model.busy { ProgressView().padding(4) } }
        .alert(model.view?.message ?? "", isPresented: Binding(
            get: { model.view?.message != nil },
            set: { if !$0 { model.send(.dismissMessage) } }
        )) {
            Button(L("ok")) { model.send(.dismissMessage) }
        }
    }

    @ViewBuilder private func screen(_ vm: AppViewModel) -> some View {
        let back = vm.canGoBack ? { model.send(.back) } : nil
        switch vm.screen {
        case .signIn: SignInPage(model: model)
        case .today(let today): TodayPage(model: model, today: today)
        case .search(let results, let templates): SearchPage(model: model, query: vm.searchQuery, results: results, templates: templates)
        case .tasks(let tasks): TaskListPage(model: model, tasks: tasks)
        case .settings(let originals, let watermark): SettingsPage(model: model, originals: originals, watermark: watermark, banners: vm.banners)
        case .inspection(let screen):
            if let signing = vm.signing {
                BackBar(back: back) { SigningPage(model: model, inspection: screen.inspection.id, signing: signing) }
            } else {
                BackBar(back: back) { InspectionPage(model: model, screen: screen, drafts: vm.drafts) }
            }
        case .task(let screen):
            // The enterprise's order read back by the core: it signs for it here.
            if let order = vm.orderSigning, order.task == screen.task.id {
                BackBar(back: back) { OrderSigningPage(model: model, order: order) }
            } else {
                BackBar(back: back) { TaskPage(model: model, screen: screen) }
            }
        case .alarm(let alarm): BackBar(back: back) { List { AlarmCard(model: model, alarm: alarm) } }
        case .unavailable: EmptyView()
        }
    }

    private func tabs(_ vm: AppViewModel) -> some View {
        HStack {
            tab(vm, .today, "tab_today", "sun.max")
            tab(vm, .search, "tab_search", "building.2")
            tab(vm, .tasks, "tab_tasks", "checklist")
            tab(vm, .settings, "tab_settings", "gearshape")
        }
        .padding(.vertical, 6)
    }

    private func tab(_ vm: AppViewModel, _ route: AppRoute, _ label: String, _ icon: String) -> some View {
        Button { model.send(.open(route: route)) } label: {
            Label(L(label), systemImage: icon).labelStyle(.titleAndIcon).frame(maxWidth: .infinity, minHeight: 48)
        }
        .foregroundStyle(vm.tab == route ? Color.accentColor : Color.secondary)
    }
}

/// A record's screen with a back button when the core says there is somewhere to go back to.
struct BackBar<Content: View>: View {
    let back: (() -> Void)?
    @ViewBuilder let content: Content

    var body: some View {
        VStack(alignment: .leading, spacing: 0) {
            if let back { Button(L("back"), action: back).padding(.horizontal).frame(minHeight: 48) }
            content
        }
    }
}

/// Platform address, account and password; the core checks them against the platform.
struct SignInPage: View {
    @ObservedObject var model: AppModel
    @State var url = "https://"
    @State var login = ""
    @State var password = ""

    var body: some View {
        Form {
            Section(L("app_name")) {
                TextField(L("platform_url"), text: $url)
                    .keyboardType(.URL)
                    .textInputAutocapitalization(.never)
                    .autocorrectionDisabled()
                TextField(L("login"), text: $login)
                    .textInputAutocapitalization(.never)
                    .autocorrectionDisabled()
                SecureField(L("password"), text: $password)
            }
            Button(L("sign_in")) { model.signIn(platformUrl: url, login: login, password: password) }
        }
    }
}

/// State of the last sync, what waits to be sent, what the platform refused (listed below the bar), a
/// clock warning when the core says the device clock is off, and a sync button.
struct SyncBar: View {
    @ObservedObject var model: AppModel
    let vm: AppViewModel

    var body: some View {
        VStack(alignment: .leading, spacing: 2) {
            HStack(spacing: 12) {
                Text(vm.sync.state.label)
                Text(String(format: L("pending"), Int(vm.sync.pendingChanges)))
                if vm.sync.needsAttention > 0 {
                    Text(String(format: L("needs_attention"), Int(vm.sync.needsAttention))).foregroundStyle(.red)
                }
                if let last = vm.sync.lastSuccessAt { Text(last.shown).font(.caption2) }
                Spacer()
                Button(L("sync_now")) { model.sync() }.disabled(vm.sync.state == .running)
            }
            if let error = vm.sync.error {
                Text(error).font(.caption).foregroundStyle(.red)
            }
            // The core decides when the device clock is too far off; the bar only says by how much.
            if vm.sync.clockSkewWarning {
                Text(String(format: L("clock_skew"), Int(abs(vm.sync.clockSkewMs ?? 0) / 60_000))).foregroundStyle(.red)
            }
            if !vm.attention.isEmpty {
                Text(L("attention_title")).font(.caption.bold())
                ForEach(vm.attention, id: \.seq) { item in
                    HStack {
                        VStack(alignment: .leading) {
                            Text("\(item.madeAt.shown) · \(item.action.label)")
                            Text(item.reason).foregroundStyle(.red)
                        }
                        Spacer()
                        Button(L("dismiss")) { model.dismissAttention(item.seq) }
                    }
                }
            }
        }
        .font(.caption)
        .padding(.horizontal)
    }
}
