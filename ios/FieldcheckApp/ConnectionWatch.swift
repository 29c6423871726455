import Foundation
import Network

/// The phone's current connection, as the upload policy needs it.
enum Connection {
    case offline, metered, unmetered
}

/// Follows the phone's connection with `NWPathMonitor` (kept apart from the SDK's `Network` enum, whose
/// name the framework module shares).
final class ConnectionWatch {
    private let monitor = NWPathMonitor()

    /// Calls `changed` on a background queue now and whenever the connection changes.
    func start(_ changed: @escaping (Connection) -> Void) {
        monitor.pathUpdateHandler = { path in
            if path.status != .satisfied {
                changed(.offline)
            } else {
                changed(path.isExpensive || path.isConstrained ? .metered : .unmetered)
            }
        }
        monitor.start(queue: DispatchQueue.global(qos: .utility))
    }

    deinit { monitor.cancel() }
}
