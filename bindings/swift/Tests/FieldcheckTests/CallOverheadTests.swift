import FieldcheckFFI
import Foundation
import XCTest

/// Mirrors the Kotlin CallOverheadTest: prints the per-call cost, never asserts on time.
final class CallOverheadTests: XCTestCase {
    func testTime100000CheapCallsAcrossTheBoundary() {
        let calls = 100_000
        let text = "危废贮存 HW-08"
        XCTAssertEqual(echoLength(text: text), UInt32(text.unicodeScalars.count))
        var sink: UInt64 = 0
        let swiftNs = timed { for _ in 0..<calls { sink &+= UInt64(text.unicodeScalars.count) } }
        let noArgNs = timed { for _ in 0..<calls { sink &+= liveObjects() } }
        let stringNs = timed { for _ in 0..<calls { sink &+= UInt64(echoLength(text: text)) } }
        print(String(format: "call overhead (%d calls each): Swift baseline %.1f ns/call; FFI no-argument read %.0f ns/call; FFI read with a string argument %.0f ns/call; sink %llu",
                     calls, swiftNs / Double(calls), noArgNs / Double(calls), stringNs / Double(calls), sink))
    }

    private func timed(_ block: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        block()
        return Double(DispatchTime.now().uptimeNanoseconds - start)
    }
}
