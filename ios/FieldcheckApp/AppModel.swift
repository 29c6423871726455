import Fieldcheck
import CoreText
import Foundation

/// Renders the app core: every tap, key stroke and phone event goes to `AppCore` as an `AppEvent`, and
/// `view` is the view model it returns (route, screen data, drafts, banners, sync). Nothing is decided
/// here. Core calls run off the main actor because the core may decode a photo.
@MainActor
final class AppModel: ObservableObject {
    /// What to show; nil until the core has started.
    @Published private(set) var view: AppViewModel?
    /// A call is under way (sign-in, photo, sync).
    @Published private(set) var busy = false

    private let core: AppCore
    private let client: FieldcheckClient
    private var listeners: [Task<Void, Never>] = []

    init(core: AppCore, client: FieldcheckClient) {
        self.core = core
        self.client = client
    }

    /// Restores the session from secure storage (the core does) and follows the core's changes.
    func start() {
        perform { [client, core] in
            // The system's PingFang draws Chinese watermarks; without a font the core draws ASCII only.
            if let font = systemChineseFontPath() { try client.setWatermarkFont(path: font, face: 0) }
            return try core.start()
        }
        if let changes = try? client.changes() {
            listeners.append(Task { [weak self] in
                for await _ in changes {
                    guard let self else { return }
                    self.view = self.core.view()
                }
            })
        }
    }

    /// Sends one event; the view model that comes back is shown.
    func send(_ event: AppEvent) {
        perform { [core] in core.handle(event: event) }
    }

    /// Signs in; the core keeps the token in secure storage and asks for a first sync.
    func signIn(platformUrl: String, login: String, password: String) {
        perform { [core] in try await core.signIn(platformUrl: platformUrl, login: login, password: password) }
    }

    /// Syncs now (the background task calls the core directly).
    func sync() {
        perform { [core] in await core.sync() }
    }

    /// The user's choice of when originals upload, on the network the core knows.
    func setOriginals(_ policy: OriginalPolicy) {
        guard let network = view?.network else { return }
        perform { [client, core] in
            try client.setUploadPolicy(originals: policy, network: network)
            return core.view()
        }
    }

    /// Photo watermarks on (times in the phone's time zone) or off.
    func setWatermark(_ on: Bool) {
        let minutes: Int32? = on ? Int32(TimeZone.current.secondsFromGMT() / 60) : nil
        perform { [client, core] in
            try client.setWatermark(utcOffsetMinutes: minutes)
            return core.view()
        }
    }

    /// Removes a refused change from the list once read.
    func dismissAttention(_ seq: UInt64) {
        perform { [client, core] in
            _ = try client.dismissAttention(seq: seq)
            return core.view()
        }
    }

    private func perform(_ call: @escaping @Sendable () async throws -> AppViewModel) {
        busy = true
        Task {
            do {
                let next = try await Task.detached { try await call() }.value
                self.view = next
            } catch {
                // Sign-in and start refusals: shown as the core's message over the current view.
                var shown = self.view ?? self.core.view()
                shown.message = error.localizedDescription
                self.view = shown
            }
            self.busy = false
        }
    }
}

/// The file of the system's Chinese UI font, for the core to draw watermarks with.
private func systemChineseFontPath() -> String? {
    let font = CTFontCreateWithName("PingFangSC-Regular" as CFString, 12, nil)
    guard let url = CTFontCopyAttribute(font, kCTFontURLAttribute) as? URL else { return nil }
    return url.path
}
