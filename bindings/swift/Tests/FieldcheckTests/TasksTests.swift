import Fieldcheck
import FieldcheckFFI
import Foundation
import XCTest

/// Mirrors the Kotlin TasksTest: the enterprise answers its task; an officer may not act for it.
final class TasksTests: XCTestCase {
    private func open(_ name: String) throws -> FieldcheckClient {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        return try FieldcheckClient.open(dataDir: dir.appendingPathComponent(name).path)
    }

    func testTheEnterpriseAcknowledgesItsTaskAndSubmitsProof() throws {
        let client = try open("enterprise")
        let county = try seedDemoCounty(client: client, user: .enterprise)
        let tasks = client.tasks()
        let mine = try XCTUnwrap(tasks.list(states: [.issued], enterprise: county.enterprises[0]).first)
        XCTAssertEqual(mine.id, county.task)
        XCTAssertFalse(mine.overdue)
        XCTAssertEqual(mine.stateLabel.zh, "已下发")
        XCTAssertEqual(try tasks.transition(id: mine.id, action: .acknowledge, note: "已签收", evidence: []).state, .acknowledged)
        XCTAssertEqual(try tasks.transition(id: mine.id, action: .submitProof, note: "已设置标志牌", evidence: []).state, .proofSubmitted)
        let screen = try tasks.screen(id: mine.id)
        XCTAssertEqual(screen.timeline.map(\.action), [.acknowledge, .submitProof])
        XCTAssertEqual(try client.pendingChanges(), 2)
    }

    func testAnOfficerCannotAcknowledgeForTheEnterprise() throws {
        let client = try open("officer")
        let county = try seedDemoCounty(client: client, user: .officer)
        XCTAssertThrowsError(try client.tasks().transition(id: county.task, action: .acknowledge, note: "", evidence: [])) { error in
            guard case FieldcheckError.NotAllowed = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try client.pendingChanges(), 0)
    }
}
