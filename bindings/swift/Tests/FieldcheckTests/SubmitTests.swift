import CoreGraphics
import Fieldcheck
import FieldcheckFFI
import Foundation
import ImageIO
import XCTest

/// Mirrors the Kotlin SubmitTest: a whole checklist with generated photos submits and issues its task.
final class SubmitTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func testAFullEmergencyPreparednessInspectionWithPhotosSubmitsAndIssuesItsTask() async throws {
        let client = try FieldcheckClient.open(dataDir: dir.appendingPathComponent("officer").path)
        let county = try seedDemoCounty(client: client, user: .officer)
        let inspections = client.inspections()
        let draft = try inspections.create(enterprise: county.enterprises[0], kind: .nightSpotCheck, checklists: ["emergency_preparedness"])
        let team = [
            InspectorInput(user: county.officer, name: county.officerName, certificateNo: county.officerCertificate),
            InspectorInput(user: county.colleague, name: county.colleagueName, certificateNo: county.colleagueCertificate),
        ]
        _ = try inspections.setTeam(id: draft.id, inspectors: team, recorder: team[1])
        let started = try inspections.start(id: draft.id, location: nil)
        let day = Self.isoDay(try XCTUnwrap(started.startedAt))
        let photo = dir.appendingPathComponent("photo.jpg")
        try Self.writeJpeg(photo)

        var failed = 0
        var attachedTo: [String: PhotoView] = [:]
        for item in try XCTUnwrap(inspections.screen(id: draft.id).checklists.first).template.items {
            let answer: AnswerInput = item.code == "EM-03" ? .no : Self.validAnswer(item, day)
            let verdict = try inspections.answer(id: draft.id, templateId: "emergency_preparedness", itemCode: item.code, answer: answer, note: nil).verdict
            if verdict == .nonCompliant { failed += 1 }
            if item.photo != .never {
                let attached = try await inspections.attachPhoto(id: draft.id, templateId: "emergency_preparedness", itemCode: item.code, path: photo.path, takenAt: Date(), location: nil)
                XCTAssertEqual(attached.sha256.count, 64)
                XCTAssertTrue(FileManager.default.fileExists(atPath: attached.thumbnailPath))
                attachedTo[item.code] = attached
            }
        }
        let screen = try inspections.screen(id: draft.id)
        // Each item carries its own photo (the same view attachPhoto returned), not sent before submission.
        for progress in try XCTUnwrap(screen.checklists.first).items {
            XCTAssertEqual(progress.photos, attachedTo[progress.code].map { [$0] } ?? [], progress.code)
        }
        XCTAssertTrue(screen.canSubmit)
        guard case let .submitted(tasks, _) = try inspections.submit(id: draft.id) else {
            return XCTFail("the inspection was not submitted")
        }
        XCTAssertEqual(tasks.count, failed, "one task per non-compliant item")
        let shown = try XCTUnwrap(inspections.screen(id: draft.id).checklists.first).items.flatMap { $0.photos }
        XCTAssertEqual(shown.count, attachedTo.count)
        XCTAssertTrue(shown.allSatisfy { $0.sent }, "the submission carries its photos")
        let issued = try client.tasks().list(states: [.issued], enterprise: county.enterprises[0])
        XCTAssertTrue(tasks.allSatisfy { task in issued.contains { $0.id == task.id } })
        XCTAssertEqual(try client.pendingChanges(), 1, "one inspection.submit intent carries everything")
    }

    func testAFileThatIsNotAnImageIsRefusedAndNothingIsAttached() async throws {
        let client = try FieldcheckClient.open(dataDir: dir.appendingPathComponent("officer").path)
        let county = try seedDemoCounty(client: client, user: .officer)
        let inspections = client.inspections()
        let draft = try inspections.create(enterprise: county.enterprises[0], kind: .routine, checklists: ["emergency_preparedness"])
        _ = try inspections.start(id: draft.id, location: nil)
        let notImage = dir.appendingPathComponent("notes.txt")
        try Data("not a photo".utf8).write(to: notImage)
        do {
            _ = try await inspections.attachPhoto(id: draft.id, templateId: "emergency_preparedness", itemCode: "EM-01", path: notImage.path, takenAt: Date(), location: nil)
            XCTFail("a text file was accepted as a photo")
        } catch let FieldcheckError.InvalidInput(message) {
            XCTAssertTrue(message.contains("not a JPEG, PNG or WebP"), message)
        }
        let em01 = try XCTUnwrap(inspections.screen(id: draft.id).checklists.first?.items.first { $0.code == "EM-01" })
        XCTAssertEqual(em01.photoCount, 0)
    }

    /// A well-formed answer for any item, built from its answer type (the core judges it).
    static func validAnswer(_ item: TemplateItemView, _ day: String) -> AnswerInput {
        switch item.answer {
        case .yesNo, .yesNoNotApplicable: return .yes
        case .number: return .number(value: 1)
        case .text: return .text(value: "现场核实 / checked on site")
        case .date: return .date(value: day)
        case let .choice(options): return .choice(code: options.first { $0.compliant }!.code)
        case let .measures(fields):
            return .measures(values: Dictionary(uniqueKeysWithValues: fields.map {
                ($0.key, $0.isDate ? MeasureInput.date(value: day) : MeasureInput.number(value: 1))
            }))
        }
    }

    static func isoDay(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// Writes a small generated JPEG, as a camera would leave it on disk.
    static func writeJpeg(_ url: URL) throws {
        let context = try XCTUnwrap(CGContext(data: nil, width: 64, height: 48, bitsPerComponent: 8, bytesPerRow: 0,
                                              space: CGColorSpaceCreateDeviceRGB(),
                                              bitmapInfo: CGImageAlphaInfo.noneSkipLast.rawValue))
        context.setFillColor(CGColor(red: 0.1, green: 0.5, blue: 0.2, alpha: 1))
        context.fill(CGRect(x: 0, y: 0, width: 64, height: 48))
        let image = try XCTUnwrap(context.makeImage())
        let destination = try XCTUnwrap(CGImageDestinationCreateWithURL(url as CFURL, "public.jpeg" as CFString, 1, nil))
        CGImageDestinationAddImage(destination, image, nil)
        XCTAssertTrue(CGImageDestinationFinalize(destination))
    }
}
