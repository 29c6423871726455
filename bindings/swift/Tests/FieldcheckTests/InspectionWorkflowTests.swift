import Fieldcheck
import FieldcheckFFI
import Foundation
import XCTest

/// Mirrors the Kotlin InspectionWorkflowTest: the officer's offline workflow on a real SQLite file.
final class InspectionWorkflowTests: XCTestCase {
    private var dir: URL!
    private var client: FieldcheckClient!
    private var county: DemoCounty!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        client = try FieldcheckClient.open(dataDir: dir.appendingPathComponent("officer").path)
        county = try seedDemoCounty(client: client, user: .officer)
    }

    override func tearDownWithError() throws {
        client = nil
        try? FileManager.default.removeItem(at: dir)
    }

    func testAnInspectionIsDraftedStartedAnsweredAndBlockedWithPerItemProblems() async throws {
        XCTAssertEqual(try client.currentUser()?.name, "张伟")
        let enterprise = try XCTUnwrap(client.enterprises().search(query: "恒达 五金", limit: 10).first)
        XCTAssertEqual(enterprise.id, county.enterprises[0])

        let inspections = client.inspections()
        let draft = try inspections.create(enterprise: enterprise.id, kind: .routine, checklists: ["emergency_preparedness"])
        XCTAssertEqual(draft.state, .draft)
        let before = Date().addingTimeInterval(-1)
        let started = try inspections.start(id: draft.id, location: GeoFix(lat: 28.9, lon: 120.03, accuracyM: 8))
        XCTAssertGreaterThan(try XCTUnwrap(started.startedAt), before, "times cross as Foundation.Date")

        // The listener hears the answer through the AsyncStream.
        let changes = try client.changes()
        let outcome = try inspections.answer(id: draft.id, templateId: "emergency_preparedness", itemCode: "EM-03", answer: .no, note: "未见预案")
        XCTAssertEqual(outcome.verdict, .nonCompliant)
        XCTAssertNotNil(outcome.proposedFinding, "a failed item proposes a finding")
        var iterator = changes.makeAsyncIterator()
        var heard: Change?
        while let change = await iterator.next() {
            if change.kind == .inspection { heard = change; break }
        }
        XCTAssertEqual(heard?.id, draft.id)

        let team = [
            InspectorInput(user: county.officer, name: county.officerName, certificateNo: county.officerCertificate),
            InspectorInput(user: county.colleague, name: county.colleagueName, certificateNo: county.colleagueCertificate),
        ]
        _ = try inspections.setTeam(id: draft.id, inspectors: team, recorder: team[1])
        guard case let .blocked(problems) = try inspections.submit(id: draft.id) else {
            return XCTFail("submitted with unanswered items")
        }
        XCTAssertFalse(problems.contains { $0.code == .tooFewInspectors })
        let unanswered = try XCTUnwrap(problems.first { $0.itemCode == "EM-01" })
        XCTAssertEqual(unanswered.code, .unanswered)

        let screen = try inspections.screen(id: draft.id)
        let checklist = try XCTUnwrap(screen.checklists.first)
        XCTAssertEqual(checklist.answered, 1)
        XCTAssertEqual(checklist.total, 15)
        XCTAssertEqual(checklist.items.first { $0.code == "EM-03" }?.note, "未见预案")
        XCTAssertFalse(screen.canSubmit)
    }

    func testErrorsArriveAsOneErrorTypeWithAReadableMessage() {
        let unknown = UUID()
        XCTAssertThrowsError(try client.enterprises().get(id: unknown)) { error in
            guard case let FieldcheckError.NotFound(message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.lowercased().contains(unknown.uuidString.lowercased()), message)
        }
        XCTAssertThrowsError(try FieldcheckClient.open(dataDir: " ")) { error in
            guard case FieldcheckError.InvalidInput = error else { return XCTFail("\(error)") }
        }
    }

    func testTodayListsTheDispatchedAlarmAndArrivingPutsItOnSite() throws {
        let alarm = try XCTUnwrap(client.today().alarms.first)
        XCTAssertEqual(alarm.id, county.alarm)
        XCTAssertEqual(alarm.pollutant, "总磷")
        XCTAssertEqual(try XCTUnwrap(alarm.exceedanceMultiple), 0.12, accuracy: 1e-9)
        let onSite = try client.alarms().arrive(id: alarm.id, location: nil)
        XCTAssertEqual(onSite.state, .onSite)
        XCTAssertEqual(onSite.stateLabel.zh, "现场核查")
        XCTAssertEqual(try client.pendingChanges(), 1, "the arrival waits in the outbox for the platform")
    }
}
