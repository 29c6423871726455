import Fieldcheck
import FieldcheckFFI
import Foundation
import XCTest

/// Mirrors the Kotlin TemplatesTest.
final class TemplatesTests: XCTestCase {
    private var dir: URL!
    private var client: FieldcheckClient!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        client = try FieldcheckClient.open(dataDir: dir.appendingPathComponent("data").path)
    }

    override func tearDownWithError() throws {
        client = nil
        try? FileManager.default.removeItem(at: dir)
    }

    func testTheThreeBundledChecklistsAreListedWithTheirItemCounts() throws {
        let templates = client.templates()
        let counts = Dictionary(uniqueKeysWithValues: try templates.list().map { ($0.id, $0.itemCount) })
        XCTAssertEqual(counts, ["hazardous_waste_storage": 26, "emergency_preparedness": 15, "pollution_control_operation": 17])
        XCTAssertEqual(try templates.get(id: "hazardous_waste_storage").title.zh, "危险废物贮存设施检查表")
    }

    func testAnItemCarriesBilingualTextAnswerTypePhotoRuleAndLegalBasis() throws {
        let view = try client.templates().get(id: "hazardous_waste_storage")
        let first = try XCTUnwrap(view.items.first)
        XCTAssertEqual(first.code, "HW-01")
        XCTAssertFalse(first.text.zh.isEmpty)
        XCTAssertFalse(first.text.en.isEmpty)
        XCTAssertEqual(first.answer, .yesNo)
        XCTAssertEqual(first.photo, .always)
        XCTAssertTrue(first.legalBasis.contains { $0.hasPrefix("GB 18597-2023") })
        XCTAssertTrue(first.clauseVerified)
        XCTAssertEqual(view.items.first { $0.code == "HW-13" }?.clauseVerified, false, "unverified clauses stay marked")
    }

    func testTheCoreJudgesAnswersAndRefusesOnesOfTheWrongType() throws {
        let templates = client.templates()
        let today = "2026-11-29"
        XCTAssertEqual(try templates.assess(templateId: "hazardous_waste_storage", itemCode: "HW-01", answer: .yes, inspectionDate: today), .compliant)
        XCTAssertEqual(try templates.assess(templateId: "hazardous_waste_storage", itemCode: "HW-01", answer: .no, inspectionDate: today), .nonCompliant)
        XCTAssertThrowsError(try templates.assess(templateId: "hazardous_waste_storage", itemCode: "HW-01", answer: .number(value: 3), inspectionDate: today)) { error in
            guard case let FieldcheckError.InvalidInput(message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("HW-01"), message)
        }
        XCTAssertThrowsError(try templates.get(id: "no_such_checklist")) { error in
            guard case FieldcheckError.NotFound = error else { return XCTFail("\(error)") }
        }
    }

    func testACreditCodeIsCheckedWithItsCheckCharacter() {
        let ok = checkCreditCode(code: " 91440300708461136t ")
        XCTAssertTrue(ok.valid)
        XCTAssertEqual(ok.normalized, "91440300708461136T")
        let bad = checkCreditCode(code: "91440300708461136X")
        XCTAssertFalse(bad.valid)
        XCTAssertTrue(bad.problem?.contains("check character should be T") == true)
    }
}
