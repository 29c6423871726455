// Apps import only `Fieldcheck`; the generated API comes with it.
@_exported import FieldcheckFFI
import Foundation

/// Forwards the core's change notifications into an `AsyncStream`.
private final class StreamListener: ChangeListener, @unchecked Sendable {
    let continuation: AsyncStream<Change>.Continuation

    init(_ continuation: AsyncStream<Change>.Continuation) {
        self.continuation = continuation
    }

    func onChange(change: Change) {
        continuation.yield(change)
    }
}

public extension FieldcheckClient {
    /// Changes made on this device as an `AsyncStream`. Ending the iteration (or cancelling its task)
    /// cancels the subscription and releases the listener.
    func changes() throws -> AsyncStream<Change> {
        var continuation: AsyncStream<Change>.Continuation!
        let stream = AsyncStream<Change>(bufferingPolicy: .unbounded) { continuation = $0 }
        let subscription = try observeChanges(listener: StreamListener(continuation))
        continuation.onTermination = { _ in subscription.cancel() }
        return stream
    }
}

/// Forwards sync statuses into an `AsyncStream`.
private final class StatusListener: SyncListener, @unchecked Sendable {
    let continuation: AsyncStream<SyncStatus>.Continuation

    init(_ continuation: AsyncStream<SyncStatus>.Continuation) {
        self.continuation = continuation
    }

    func onStatus(status: SyncStatus) {
        continuation.yield(status)
    }
}

public extension FieldcheckClient {
    /// Sync status as an `AsyncStream`, starting with the current status (for the sync indicator).
    func syncStatuses() throws -> AsyncStream<SyncStatus> {
        var continuation: AsyncStream<SyncStatus>.Continuation!
        let stream = AsyncStream<SyncStatus>(bufferingPolicy: .unbounded) { continuation = $0 }
        let subscription = try observeSync(listener: StatusListener(continuation))
        continuation.yield(syncStatus())
        continuation.onTermination = { _ in subscription.cancel() }
        return stream
    }
}
