import Fieldcheck
import SwiftUI

/// Sign-in, or the signed-in app: the sync bar above three tabs.
struct RootView: View {
    @ObservedObject var model: AppModel

    var body: some View {
        Group {
            if let user = model.user {
                VStack(spacing: 0) {
                    SyncBar(model: model)
                    TabView {
                        NavigationStack { TodayPage(model: model, user: user) }
                            .tabItem { Label(L("tab_today"), systemImage: "sun.max") }
                        NavigationStack { SearchPage(model: model) }
                            .tabItem { Label(L("tab_search"), systemImage: "building.2") }
                        NavigationStack { TaskListPage(model: model) }
                            .tabItem { Label(L("tab_tasks"), systemImage: "checklist") }
                    }
                }
            } else {
                SignInPage(model: model)
            }
        }
        .overlay(alignment: .top) { if model.busy { ProgressView().padding(4) } }
        .alert(model.message ?? "", isPresented: Binding(get: { model.message != nil }, set: { if !$0 { model.message = nil } })) {
            Button(L("ok")) { model.message = nil }
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

    var body: some View {
        VStack(alignment: .leading, spacing: 2) {
            HStack(spacing: 12) {
                if let status = model.syncStatus {
                    Text(status.state.label)
                    Text(String(format: L("pending"), Int(model.pending)))
                    if status.needsAttention > 0 {
                        Text(String(format: L("needs_attention"), Int(status.needsAttention))).foregroundStyle(.red)
                    }
                    if let last = status.lastSuccessAt { Text(last.shown).font(.caption2) }
                    Spacer()
                    Button(L("sync_now")) { model.sync() }.disabled(status.state == .running)
                }
            }
            if let error = model.syncStatus?.error {
                Text(error).font(.caption).foregroundStyle(.red)
            }
            // The core decides when the device clock is too far off; the bar only says by how much.
            if let status = model.syncStatus, status.clockSkewWarning {
                Text(String(format: L("clock_skew"), Int(abs(status.clockSkewMs ?? 0) / 60_000))).foregroundStyle(.red)
            }
            if !model.attention.isEmpty {
                Text(L("attention_title")).font(.caption.bold())
                ForEach(model.attention, id: \.seq) { item in
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
