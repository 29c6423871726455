import Fieldcheck
import FieldcheckFFI
import Foundation
import XCTest

/// Mirrors the Kotlin LifecycleTest: objects and listeners are released, with no growth.
final class LifecycleTests: XCTestCase {
    private final class Ignore: ChangeListener, @unchecked Sendable {
        func onChange(change: Change) {}
    }

    private let cycles = 10_000

    func testSubClientsAndSubscriptionsAreReleasedAfter10000Cycles() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
        let client = try FieldcheckClient.open(dataDir: data)
        let mark = objectMark()
        weak var lastListener: Ignore?
        for _ in 0..<cycles {
            try autoreleasepool {
                _ = try client.templates().list()
                _ = client.enterprises()
                _ = client.inspections()
                _ = client.tasks()
                _ = client.alarms()
                let listener = Ignore()
                lastListener = listener
                let subscription = try client.observeChanges(listener: listener)
                subscription.cancel()
                XCTAssertFalse(subscription.isActive())
            }
        }
        XCTAssertNil(lastListener, "the core released the listener")
        XCTAssertEqual(liveObjectsSince(mark: mark), 0, "live Rust objects after \(cycles) cycles")
    }

    func testClientsOpenedAndClosed1000TimesLeaveNoObjectsBehind() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
        _ = try FieldcheckClient.open(dataDir: data) // creates and migrates the database once
        let mark = objectMark()
        for _ in 0..<1_000 {
            try autoreleasepool {
                let client = try FieldcheckClient.open(dataDir: data)
                _ = try client.observeChanges(listener: Ignore())
            }
        }
        XCTAssertEqual(liveObjectsSince(mark: mark), 0)
    }
}
