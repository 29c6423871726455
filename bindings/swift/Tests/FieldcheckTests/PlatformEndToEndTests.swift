#if os(macOS)
import Fieldcheck
import FieldcheckFFI
import CryptoKit
import Foundation
import XCTest

/// Mirrors the Kotlin PlatformEndToEndTest (and ForeignSignerTest) against the real `fieldcheck-platform` binary on loopback.
/// The macOS workflow builds it and passes its path in FIELDCHECK_PLATFORM_BIN.
final class PlatformEndToEndTests: XCTestCase {
    private static let password = "fieldcheck-demo"
    private var platform: Process!
    private var url: String!
    private var dir: URL!

    override func setUpWithError() throws {
        guard let bin = ProcessInfo.processInfo.environment["FIELDCHECK_PLATFORM_BIN"], !bin.isEmpty else {
            throw XCTSkip("set FIELDCHECK_PLATFORM_BIN to the fieldcheck-platform binary")
        }
        dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bin)
        process.arguments = ["serve", "--data", dir.appendingPathComponent("platform").path, "--listen", "127.0.0.1:0", "--demo"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        platform = process
        // The first line names the address ("listening on http://127.0.0.1:PORT").
        var buffer = Data()
        while !buffer.contains(UInt8(ascii: "\n")) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
        }
        let first = String(decoding: buffer, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        guard first.hasPrefix("listening on ") else { throw XCTSkip("the platform did not start: \(first)") }
        url = String(first.dropFirst("listening on ".count))
        // Keep draining its output so it never blocks on a full pipe.
        pipe.fileHandleForReading.readabilityHandler = { handle in _ = handle.availableData }
    }

    override func tearDownWithError() throws {
        platform?.terminate()
        platform?.waitUntilExit()
        if let dir { try? FileManager.default.removeItem(at: dir) }
    }

    private func device(_ name: String, _ login: String) async throws -> FieldcheckClient {
        let client = try FieldcheckClient.open(dataDir: dir.appendingPathComponent(name).path)
        _ = try await client.signIn(platformUrl: url, login: login, password: Self.password)
        _ = try await client.sync()
        return client
    }

    func testAnOfficersOfflineInspectionReachesTheEnterpriseWhichAnswersItsTask() async throws {
        let secondOfficer = try await device("officer2", "officer2")
        let secondUser = try XCTUnwrap(try secondOfficer.currentUser())
        let enterprise = try await device("enterprise1", "enterprise1")
        let enterpriseId = try XCTUnwrap(try enterprise.currentUser()?.enterprise)
        let officer = try await device("officer1", "officer1")
        let me = try XCTUnwrap(try officer.currentUser())
        XCTAssertEqual(me.role, .officer)
        let colleague = try XCTUnwrap(try officer.officers().first { $0.id == secondUser.id }, "the team picker lists the colleague")

        let inspections = officer.inspections()
        let draft = try inspections.create(enterprise: enterpriseId, kind: .routine, checklists: ["emergency_preparedness"])
        let team = [me, colleague].map { InspectorInput(user: $0.id, name: $0.name, certificateNo: $0.certificateNo ?? "") }
        _ = try inspections.setTeam(id: draft.id, inspectors: team, recorder: team[1])
        let started = try inspections.start(id: draft.id, location: nil)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        let day = formatter.string(from: try XCTUnwrap(started.startedAt))
        let photo = dir.appendingPathComponent("photo.jpg")
        try SubmitTests.writeJpeg(photo)
        for item in try XCTUnwrap(inspections.screen(id: draft.id).checklists.first).template.items {
            let answer: AnswerInput = item.code == "EM-03" ? .no : SubmitTests.validAnswer(item, day)
            _ = try inspections.answer(id: draft.id, templateId: "emergency_preparedness", itemCode: item.code, answer: answer, note: nil)
            if item.photo != .never {
                _ = try await inspections.attachPhoto(id: draft.id, templateId: "emergency_preparedness", itemCode: item.code, path: photo.path, takenAt: Date(), location: nil)
            }
        }
        guard case let .submitted(tasks, _) = try inspections.submit(id: draft.id), let task = tasks.first else {
            return XCTFail("the inspection was not submitted with a task")
        }
        let pushed = try await officer.sync()
        XCTAssertEqual(pushed.pending, 0)
        XCTAssertGreaterThanOrEqual(pushed.photosUploaded, 1, "the renditions went up after the record")
        let status = officer.syncStatus()
        XCTAssertEqual(status.state, .succeeded)
        XCTAssertEqual(status.pendingChanges, 0)
        XCTAssertEqual(status.needsAttention, 0)
        XCTAssertNotNil(status.clockSkewMs, "the push measured the clock skew")
        XCTAssertFalse(status.clockSkewWarning)

        // The enterprise answers with a proof photo, its originals uploaded at once (it says it is on Wi-Fi).
        try enterprise.setUploadPolicy(originals: .immediately, network: .unmetered)
        _ = try await enterprise.sync()
        let enterpriseTasks = enterprise.tasks()
        let row = try XCTUnwrap(try enterpriseTasks.list(states: [], enterprise: nil).first { $0.id == task.id })
        XCTAssertEqual(row.state, .issued)
        XCTAssertFalse((row.enterpriseName ?? "").isEmpty, "rows carry the enterprise's name")
        _ = try enterpriseTasks.transition(id: task.id, action: .acknowledge, note: "已签收", evidence: [])
        let shot = dir.appendingPathComponent("proof.jpg")
        try SubmitTests.writeJpeg(shot)
        let proof = try await enterpriseTasks.attachProofPhoto(task: task.id, path: shot.path, takenAt: Date(), location: nil)
        XCTAssertTrue(FileManager.default.fileExists(atPath: proof.thumbnailPath))
        _ = try enterpriseTasks.transition(id: task.id, action: .submitProof, note: "已修订应急预案并备案", evidence: [proof.evidence])
        XCTAssertEqual(try enterpriseTasks.screen(id: task.id).photos.map(\.sent), [true])
        let answered = try await enterprise.sync()
        XCTAssertEqual(answered.rejected, 0, "the platform verified the sealed proof")
        XCTAssertEqual(answered.photosUploaded, 2, "the proof's rendition and original")

        // The officer's sync fetches the proof photo; the task screen shows it and the officer accepts it.
        let fetched = try await officer.sync()
        XCTAssertEqual(fetched.photosFetched, 1)
        _ = try await secondOfficer.sync()
        let officerScreen = try officer.tasks().screen(id: task.id)
        XCTAssertEqual(officerScreen.task.state, .proofSubmitted)
        XCTAssertEqual(officerScreen.timeline.first { $0.action == .submitProof }?.evidence, [proof.evidence])
        XCTAssertEqual(officerScreen.photos.map(\.evidence), [proof.evidence])
        XCTAssertEqual(officerScreen.photos.first?.sha256, proof.sha256)
        XCTAssertTrue(FileManager.default.fileExists(atPath: officerScreen.photos.first?.thumbnailPath ?? ""))
        _ = try officer.tasks().transition(id: task.id, action: .accept, note: "复查合格", evidence: [])
        _ = try await officer.sync()
        _ = try await enterprise.sync()
        let screen = try enterpriseTasks.screen(id: task.id)
        XCTAssertEqual(screen.task.state, .accepted)
        XCTAssertEqual(screen.timeline.map(\.action), [.acknowledge, .submitProof, .accept])

        // The colleague's stale rejection is refused and needs attention until dismissed.
        _ = try secondOfficer.tasks().transition(id: task.id, action: .reject, note: "照片不清晰", evidence: [])
        let refused = try await secondOfficer.sync()
        XCTAssertEqual(refused.rejected, 1)
        let attention = try XCTUnwrap(try secondOfficer.needsAttention().first)
        XCTAssertEqual(attention.action, .taskTransition)
        XCTAssertEqual(attention.record, task.id)
        XCTAssertEqual(attention.code, .invalidTransition)
        XCTAssertTrue(try secondOfficer.dismissAttention(seq: attention.seq))
        XCTAssertEqual(secondOfficer.syncStatus().needsAttention, 0)
    }

    /// Mirrors the Kotlin ForeignSignerTest: a key held in Swift (CryptoKit here; the Secure Enclave on a
    /// phone) seals an inspection, and the platform accepts it.
    func testAnInspectionSealedByAKeyHeldInSwiftIsAcceptedByThePlatform() async throws {
        let signer = CryptoKitSigner()
        let officer = try FieldcheckClient.open(dataDir: dir.appendingPathComponent("signed").path)
        try officer.setSigner(signer: signer)
        XCTAssertEqual(try officer.devicePublicKey(), signer.publicKey())
        try officer.setUploadPolicy(originals: .immediately, network: .unmetered)
        _ = try await officer.signIn(platformUrl: url, login: "officer1", password: Self.password)
        _ = try await officer.sync()
        let me = try XCTUnwrap(try officer.currentUser())
        let colleague = try XCTUnwrap(try officer.officers().first { $0.id != me.id })
        let enterprise = try XCTUnwrap(try officer.enterprises().search(query: "有限公司", limit: 1).first)
        let inspections = officer.inspections()
        let draft = try inspections.create(enterprise: enterprise.id, kind: .routine, checklists: ["emergency_preparedness"])
        let team = [me, colleague].map { InspectorInput(user: $0.id, name: $0.name, certificateNo: $0.certificateNo ?? "") }
        _ = try inspections.setTeam(id: draft.id, inspectors: team, recorder: team[1])
        let started = try inspections.start(id: draft.id, location: nil)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        let day = formatter.string(from: try XCTUnwrap(started.startedAt))
        let photo = dir.appendingPathComponent("signed.jpg")
        try SubmitTests.writeJpeg(photo)
        for item in try XCTUnwrap(inspections.screen(id: draft.id).checklists.first).template.items {
            _ = try inspections.answer(id: draft.id, templateId: "emergency_preparedness", itemCode: item.code, answer: SubmitTests.validAnswer(item, day), note: nil)
            if item.photo == .always {
                _ = try await inspections.attachPhoto(id: draft.id, templateId: "emergency_preparedness", itemCode: item.code, path: photo.path, takenAt: Date(), location: nil)
            }
        }
        guard case .submitted = try inspections.submit(id: draft.id) else { return XCTFail("not submitted") }
        XCTAssertGreaterThanOrEqual(signer.signatures, 1)
        let synced = try await officer.sync()
        XCTAssertEqual(synced.applied, 1)
        XCTAssertEqual(synced.rejected, 0)
        XCTAssertEqual(synced.photosWaiting, 0)
        XCTAssertTrue(try officer.needsAttention().isEmpty)
    }
}

/// ECDSA P-256 with SHA-256 in CryptoKit, counting signatures.
private final class CryptoKitSigner: DeviceSigner, @unchecked Sendable {
    private let key = P256.Signing.PrivateKey()
    private(set) var signatures = 0

    func publicKey() -> Data { key.publicKey.x963Representation }

    func sign(message: Data) throws -> Data {
        signatures += 1
        return try key.signature(for: message).derRepresentation
    }

    func testAWrongPasswordAsksToSignInAgainAndAnUnreachablePlatformIsANetworkError() async throws {
        let client = try FieldcheckClient.open(dataDir: dir.appendingPathComponent("d").path)
        do {
            _ = try await client.signIn(platformUrl: url, login: "officer1", password: "not the password")
            XCTFail("signed in with a wrong password")
        } catch FieldcheckError.SignInRequired {}
        do {
            _ = try await client.signIn(platformUrl: "http://127.0.0.1:9", login: "officer1", password: "x")
            XCTFail("reached a platform that is not there")
        } catch FieldcheckError.Network {}
    }
}
#endif
