import Fieldcheck
import FieldcheckFFI
import Foundation
import XCTest

/// Mirrors the Kotlin TasksTest: the enterprise answers its task with proof photos; an officer may not act
/// for it; alarm photos; names and thumbnails in rows; the sync line's counts; readable errors.
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

    func testProofPhotosShowOnTheTaskScreenAndRowsCarryNamesAndThumbnails() async throws {
        let client = try open("proof")
        let county = try seedDemoCounty(client: client, user: .enterprise)
        let tasks = client.tasks()
        let row = try XCTUnwrap(try tasks.list(states: [], enterprise: nil).first)
        XCTAssertEqual(row.enterpriseName, "永康市恒达五金制品有限公司")
        XCTAssertEqual(row.townshipName, "东城街道")
        XCTAssertNil(row.thumbnailPath)
        _ = try tasks.transition(id: county.task, action: .acknowledge, note: "已签收", evidence: [])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString).jpg")
        try SubmitTests.writeJpeg(file)
        let photo = try await tasks.attachProofPhoto(task: county.task, path: file.path, takenAt: Date(), location: nil)
        XCTAssertTrue(FileManager.default.fileExists(atPath: photo.thumbnailPath))
        XCTAssertFalse(photo.sent)
        XCTAssertEqual(try tasks.list(states: [], enterprise: nil).first?.thumbnailPath, photo.thumbnailPath)
        XCTAssertThrowsError(try tasks.transition(id: county.task, action: .submitProof, note: "", evidence: [UUID()])) { error in
            guard case FieldcheckError.NotFound = error else { return XCTFail("\(error)") }
        }
        _ = try tasks.transition(id: county.task, action: .submitProof, note: "已设置标志牌", evidence: [photo.evidence])
        let screen = try tasks.screen(id: county.task)
        XCTAssertEqual(screen.timeline.last?.evidence, [photo.evidence])
        XCTAssertEqual(screen.photos.map(\.sent), [true])
        let status = client.syncStatus()
        XCTAssertEqual(status.pendingChanges, 2)
        XCTAssertEqual(status.needsAttention, 0)
        XCTAssertNil(status.clockSkewMs)
        XCTAssertTrue(try client.needsAttention().isEmpty)
        XCTAssertFalse(try client.dismissAttention(seq: 1))
    }

    func testAnOfficersOnSiteAlarmPhotoShowsOnTheAlarmAndGoesWithTheClose() async throws {
        let client = try open("alarm")
        let county = try seedDemoCounty(client: client, user: .officer)
        let alarms = client.alarms()
        XCTAssertEqual(try alarms.get(id: county.alarm).enterpriseName, "永康市绿源电镀有限公司")
        XCTAssertEqual(try client.today().alarms.first?.townshipName, "西城街道")
        XCTAssertEqual(try alarms.get(id: county.alarm).actions, [.arrive], "the core offers the buttons")
        XCTAssertEqual(try alarms.arrive(id: county.alarm, location: nil).actions, [.close])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString).jpg")
        try SubmitTests.writeJpeg(file)
        let photo = try await alarms.attachPhoto(alarm: county.alarm, path: file.path, takenAt: Date(), location: nil)
        XCTAssertEqual(try alarms.get(id: county.alarm).photos.map(\.evidence), [photo.evidence])
        let closed = try alarms.close(id: county.alarm, feedback: "现场核查：总磷超标，已责令停产整改", evidence: [photo.evidence])
        XCTAssertEqual(closed.photos.map(\.sent), [true])
        XCTAssertTrue(closed.actions.isEmpty)
    }

    func testErrorsDescribeThemselvesWithTheCoresMessage() throws {
        let client = try open("errors")
        _ = try seedDemoCounty(client: client, user: .officer)
        XCTAssertThrowsError(try client.tasks().screen(id: UUID())) { error in
            // `localizedDescription` is the message for a person, not a dump of the enum case.
            XCTAssertTrue(error.localizedDescription.contains("整改任务不存在"), error.localizedDescription)
            XCTAssertFalse(error.localizedDescription.contains("NotFound(message:"), error.localizedDescription)
        }
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
