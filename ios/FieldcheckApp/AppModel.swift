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

    /// Events in the order they were sent: a tap never overtakes the typing before it.
    private let events: AsyncStream<AppEvent>.Continuation
    /// The last view being shown; each `show` waits for it, so views are shown one at a time.
    private var showing: Task<Void, Never>?

    init(core: AppCore, client: FieldcheckClient) {
        self.core = core
        self.client = client
        let (queue, events) = AsyncStream.makeStream(of: AppEvent.self)
        self.events = events
        listeners.append(Task { [weak self, core] in
            for await event in queue {
                guard let self else { return }
                await self.perform { core.handle(event: event) }
            }
        })
    }

    /// Restores the session from secure storage (the core does) and follows the core's changes.
    func start() {
        listeners.append(Task { [weak self, client, core] in
            await self?.perform {
                // The system's PingFang draws Chinese watermarks; without a font the core draws ASCII only.
                if let font = systemChineseFontPath() { try client.setWatermarkFont(path: font, face: 0) }
                return try core.start()
            }
            guard let changes = try? client.changes() else { return }
            for await _ in changes {
                guard let self else { return }
                await self.show()
            }
        })
    }

    /// Sends one event; the core's view after it is shown.
    func send(_ event: AppEvent) {
        events.yield(event)
    }

    /// Signs in; the core keeps the token in secure storage and asks for a first sync.
    func signIn(platformUrl: String, login: String, password: String) {
        Task { await perform { [core] in try await core.signIn(platformUrl: platformUrl, login: login, password: password) } }
    }

    /// Syncs now (the background task calls the core directly).
    func sync() {
        Task { await perform { [core] in await core.sync() } }
    }

    /// The user's choice of when originals upload, on the network the core knows.
    func setOriginals(_ policy: OriginalPolicy) {
        guard let network = view?.network else { return }
        Task {
            await perform { [client, core] in
                try client.setUploadPolicy(originals: policy, network: network)
                return core.view()
            }
        }
    }

    /// Photo watermarks on (times in Beijing time, as the documents print them) or off.
    func setWatermark(_ on: Bool) {
        Task {
            await perform { [client, core] in
                try client.setWatermark(on: on)
                return core.view()
            }
        }
    }

    /// Removes a refused change from the list once read.
    func dismissAttention(_ seq: UInt64) {
        Task {
            await perform { [client, core] in
                _ = try client.dismissAttention(seq: seq)
                return core.view()
            }
        }
    }

    /// Runs `body` once every earlier one has finished (the lock views are shown under).
    private func serially(_ body: @escaping @MainActor () async -> Void) async {
        let previous = showing
        let next = Task { @MainActor in
            await previous?.value
            await body()
        }
        showing = next
        await next.value
    }

    /// Shows the core's view as it is now. One at a time, and computed inside the lock: a view computed
    /// before another event or a pulled change never replaces the later one (the core keeps its message).
    private func show() async {
        await serially { [core] in
            self.view = await Task.detached { core.view() }.value
        }
    }

    private func perform(_ call: @escaping @Sendable () async throws -> AppViewModel?) async {
        busy = true
        do {
            if try await Task.detached(operation: { try await call() }).value != nil { await show() }
        } catch {
            // Sign-in and start refusals: shown as the core's message over the current view.
            let message = error.localizedDescription
            await serially { [core] in
                var shown: AppViewModel
                if let current = self.view { shown = current } else { shown = await Task.detached { core.view() }.value }
                shown.message = message
                self.view = shown
            }
        }
        busy = false
    }
}

/// Photo files are encrypted at rest: thumbnails are read through the core, never from the file.
enum PhotoFiles {
    nonisolated(unsafe) static var client: FieldcheckClient?

    static func bytes(_ path: String) -> Data? {
        guard let client else { return nil }
        return try? client.photoBytes(path: path)
    }
}

/// The file of the system's Chinese UI font, for the core to draw watermarks with.
private func systemChineseFontPath() -> String? {
    let font = CTFontCreateWithName("PingFangSC-Regular" as CFString, 12, nil)
    guard let url = CTFontCopyAttribute(font, kCTFontURLAttribute) as? URL else { return nil }
    return url.path
}
