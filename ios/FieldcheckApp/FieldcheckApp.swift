import BackgroundTasks
import Fieldcheck
import SwiftUI

/// The app: opens the core's data folder once, then shows sign-in or the signed-in screens.
@main
struct FieldcheckApp: App {
    @StateObject private var opener = Opener()

    var body: some Scene {
        WindowGroup {
            Group {
                if let model = opener.model {
                    RootView(model: model)
                } else if let error = opener.error {
                    Text(String(format: L("open_failed"), error)).padding()
                }
            }
        }
    }
}

/// Opens the data folder in Application Support (created if needed) and builds the model.
@MainActor
final class Opener: ObservableObject {
    @Published var model: AppModel?
    @Published var error: String?

    init() {
        do {
            let folder = try FileManager.default
                .url(for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
                .appendingPathComponent("fieldcheck", isDirectory: true)
            // The keys the database and photo files are encrypted with live in the Keychain.
            let keychain = KeychainStore()
            let client = try FieldcheckClient.openEncrypted(dataDir: folder.path, secureStore: keychain)
            PhotoFiles.client = client
            let connection = ConnectionWatch()
            let core = AppCore(
                client: client,
                location: CoreLocationProvider(),
                camera: CameraCapture(),
                secureStore: keychain,
                background: BackgroundSync(),
                connectivity: connection
            )
            let model = AppModel(core: core, client: client)
            connection.onChange = { network in Task { @MainActor in model.send(.networkChanged(network: network)) } }
            // The background refresh syncs through the same core, then asks for the next one.
            BGTaskScheduler.shared.register(forTaskWithIdentifier: BackgroundSync.identifier, using: nil) { task in
                Task {
                    _ = await core.sync()
                    BackgroundSync().schedulePeriodicSync(minutes: 15)
                    task.setTaskCompleted(success: true)
                }
            }
            model.start()
            self.model = model
        } catch {
            self.error = error.localizedDescription
        }
    }
}

/// A localized string from Localizable.strings (Chinese by default, English when the phone prefers it).
func L(_ key: String) -> String {
    NSLocalizedString(key, comment: "")
}

extension LocalizedText {
    /// The half of a core label that matches the app's resolved language.
    var shown: String {
        Bundle.main.preferredLocalizations.first?.hasPrefix("en") == true ? en : zh
    }
}

extension Date {
    /// A time as the core shows it: the bureau's zone (the records' own), named when the phone's differs.
    var shown: String {
        shownTime(at: self, deviceOffsetSeconds: Int32(TimeZone.current.secondsFromGMT(for: self)))
    }
}
