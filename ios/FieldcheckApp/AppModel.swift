import Fieldcheck
import CoreText
import Foundation

/// Holds what the screens show and forwards the user's intents to the core. It decides nothing: every
/// value comes from the core, every rule is the core's, and the core's errors are shown as they are.
/// Quick reads are plain calls on the main actor (small SQLite reads); sign-in, sync and photo ingest
/// are async calls that run on the core's own threads.
@MainActor
final class AppModel: ObservableObject {
    @Published private(set) var user: UserView?
    @Published private(set) var today: TodayView?
    @Published private(set) var searchResults: [EnterpriseView] = []
    @Published private(set) var templates: [TemplateSummary] = []
    @Published private(set) var inspection: InspectionScreen?
    @Published private(set) var tasks: [TaskView] = []
    @Published private(set) var task: TaskScreen?
    @Published private(set) var pending: UInt64 = 0
    @Published private(set) var syncStatus: SyncStatus?
    /// Changes the platform refused, with its reasons, until the user dismisses them.
    @Published private(set) var attention: [AttentionItem] = []
    /// When photo originals upload (renditions always go first); the user's setting.
    @Published private(set) var originals: OriginalPolicy = .wifiOnly
    /// Whether photos get a watermark (time, place, enterprise, who took them) on their upload copy.
    @Published private(set) var watermark = false
    private var network: Network = .metered
    private let connection = ConnectionWatch()
    @Published private(set) var busy = false
    /// The core's message for the last refused intent, shown until dismissed.
    @Published var message: String?

    private let client: FieldcheckClient
    private let tokens: KeychainTokenStore
    private let inspections: InspectionsClient
    private let tasksClient: TasksClient
    private let enterprises: EnterprisesClient
    private let templatesClient: TemplatesClient
    private let alarms: AlarmsClient
    private var openInspection: UUID?
    private var openTask: UUID?
    /// The loops that follow the core's changes and sync status; they run for the app's life.
    private var listeners: [Task<Void, Never>] = []

    init(client: FieldcheckClient, tokens: KeychainTokenStore) {
        self.client = client
        self.tokens = tokens
        inspections = client.inspections()
        tasksClient = client.tasks()
        enterprises = client.enterprises()
        templatesClient = client.templates()
        alarms = client.alarms()
    }

    /// Restores the session of an earlier launch and follows the core's changes, sync status and the
    /// phone's connection.
    func start() {
        connection.start { [weak self] now in
            Task { @MainActor in self?.connectionChanged(now) }
        }
        attempt {
            originals = try client.originalsPolicy()
            watermark = try client.watermarkUtcOffsetMinutes() != nil
            // The system's PingFang draws Chinese watermarks; without a font the core draws ASCII only.
            if let font = systemChineseFontPath() {
                try client.setWatermarkFont(path: font, face: 0)
            }
            let current = try client.currentUser()
            if current != nil, let saved = tokens.load() {
                try client.resumeSession(platformUrl: saved.platformUrl, token: saved.token)
            }
            user = current
            try reloadAll()
        }
        attempt {
            let changes = try client.changes()
            let statuses = try client.syncStatuses()
            listeners.append(Task { [weak self] in
                for await _ in changes {
                    guard let self else { return }
                    self.attempt { try self.reloadAll() }
                }
            })
            listeners.append(Task { [weak self] in
                for await status in statuses {
                    self?.syncStatus = status
                }
            })
        }
    }

    /// Signs in; the token is kept in the Keychain for the next launch, then a first sync fills the device.
    func signIn(platformUrl: String, login: String, password: String) {
        perform {
            let signedIn = try await self.client.signIn(platformUrl: platformUrl, login: login, password: password)
            self.tokens.save(SavedSession(platformUrl: platformUrl, token: signedIn.token))
            self.user = signedIn.user
            // A failure shows in the sync bar; what is on the device stays.
            _ = try? await self.client.sync()
        }
    }

    /// Pushes waiting changes and pulls the platform's.
    func sync() {
        perform { _ = try await self.client.sync() }
    }

    /// Searches enterprises by name, credit code or address.
    func search(_ query: String) {
        attempt {
            searchResults = try enterprises.search(query: query, limit: 50)
            if templates.isEmpty { templates = try templatesClient.list() }
        }
    }

    /// Drafts an inspection with the chosen checklists and returns its id.
    func createInspection(enterprise: UUID, kind: InspectionKind, checklists: [String]) -> UUID? {
        var created: UUID?
        attempt { created = try inspections.create(enterprise: enterprise, kind: kind, checklists: checklists).id }
        return created
    }

    /// Shows an inspection.
    func openInspection(_ id: UUID) {
        openInspection = id
        attempt { try reloadInspection() }
    }

    /// Arrival on site: opens the record for answers.
    func startInspection(_ id: UUID) {
        attempt { _ = try inspections.start(id: id, location: nil) }
    }

    /// Answers an item; the core validates and judges it.
    func answer(_ id: UUID, templateId: String, itemCode: String, answer: AnswerInput, note: String?) {
        attempt { _ = try inspections.answer(id: id, templateId: templateId, itemCode: itemCode, answer: answer, note: note) }
    }

    /// Takes a JPEG written by the app in as evidence for an item, then removes the app's copy.
    func attachPhoto(_ id: UUID, templateId: String, itemCode: String, file: URL, takenAt: Date) {
        perform {
            _ = try await self.inspections.attachPhoto(
                id: id, templateId: templateId, itemCode: itemCode, path: file.path, takenAt: takenAt, location: nil)
            try? FileManager.default.removeItem(at: file)
        }
    }

    /// Submits; when blocked, the reloaded screen shows the core's problems. Returns true when submitted.
    func submit(_ id: UUID) -> Bool {
        var submitted = false
        attempt {
            switch try inspections.submit(id: id) {
            case .submitted: submitted = true
            case .blocked: try reloadInspection()
            }
        }
        return submitted
    }

    /// Arrival at a dispatched alarm's site.
    func arriveAtAlarm(_ id: UUID) {
        attempt { _ = try alarms.arrive(id: id, location: nil) }
    }

    /// Takes a JPEG written by the app in as an on-site photo of an alarm (it goes with the close), then
    /// removes the app's copy.
    func attachAlarmPhoto(_ id: UUID, file: URL, takenAt: Date) {
        perform {
            _ = try await self.alarms.attachPhoto(alarm: id, path: file.path, takenAt: takenAt, location: nil)
            try? FileManager.default.removeItem(at: file)
        }
    }

    /// Closes an alarm with on-site feedback and the photos taken for it and not yet sent.
    func closeAlarm(_ id: UUID, feedback: String) {
        attempt {
            let unsent = try alarms.get(id: id).photos.filter { !$0.sent }.map(\.evidence)
            _ = try alarms.close(id: id, feedback: feedback, evidence: unsent)
        }
    }

    /// Shows a task with its timeline.
    func openTask(_ id: UUID) {
        openTask = id
        attempt { try reloadTask() }
    }

    /// Takes a JPEG written by the app in as proof for a task (it goes with the user's next step on the
    /// task), then removes the app's copy.
    func attachProofPhoto(_ id: UUID, file: URL, takenAt: Date) {
        perform {
            _ = try await self.tasksClient.attachProofPhoto(task: id, path: file.path, takenAt: takenAt, location: nil)
            try? FileManager.default.removeItem(at: file)
        }
    }

    /// Acknowledge, submit proof, accept or reject: the core checks the state and the user's role. The
    /// photos taken on this screen and not yet sent go with it (the core seals them into the step).
    func transition(_ id: UUID, action: TaskAction, note: String) {
        let unsent = (task?.task.id == id ? task?.photos ?? [] : []).filter { !$0.sent }.map(\.evidence)
        attempt { _ = try tasksClient.transition(id: id, action: action, note: note, evidence: unsent) }
    }

    /// Removes a refused change from the list once the user has read it.
    func dismissAttention(_ seq: UInt64) {
        attempt {
            _ = try client.dismissAttention(seq: seq)
            attention = try client.needsAttention()
        }
    }

    /// The user's choice of when originals upload; the core keeps it and applies it from the next sync.
    func setOriginals(_ policy: OriginalPolicy) {
        attempt {
            try client.setUploadPolicy(originals: policy, network: network)
            originals = policy
        }
    }

    /// Turns photo watermarks on (times in the phone's time zone) or off; the core keeps the choice.
    func setWatermark(_ on: Bool) {
        attempt {
            let minutes = on ? Int32(TimeZone.current.secondsFromGMT() / 60) : nil
            try client.setWatermark(utcOffsetMinutes: minutes)
            watermark = on
        }
    }

    /// The phone's connection changed (Wi-Fi, cellular, none): the core decides what may upload.
    private func connectionChanged(_ connection: Connection) {
        switch connection {
        case .offline: network = .offline
        case .metered: network = .metered
        case .unmetered: network = .unmetered
        }
        attempt { try client.setUploadPolicy(originals: originals, network: network) }
    }

    private func reloadAll() throws {
        guard user != nil else { return }
        today = try client.today()
        tasks = try tasksClient.list(states: [], enterprise: user?.enterprise)
        pending = try client.pendingChanges()
        attention = try client.needsAttention()
        try reloadInspection()
        try reloadTask()
    }

    private func reloadInspection() throws {
        guard let id = openInspection else { return }
        inspection = try inspections.screen(id: id)
    }

    private func reloadTask() throws {
        guard let id = openTask else { return }
        task = try tasksClient.screen(id: id)
    }

    /// Runs a quick intent; a refusal becomes the message the core wrote for people.
    private func attempt(_ body: () throws -> Void) {
        do {
            try body()
        } catch {
            message = error.localizedDescription
        }
    }

    /// Runs a long intent (network, photo ingest) with the busy indicator on.
    private func perform(_ body: @escaping @MainActor () async throws -> Void) {
        busy = true
        Task {
            defer { busy = false }
            do {
                try await body()
            } catch {
                message = error.localizedDescription
            }
        }
    }
}

/// The file of the system's Chinese UI font, for the core to draw watermarks with.
private func systemChineseFontPath() -> String? {
    let font = CTFontCreateWithName("PingFangSC-Regular" as CFString, 12, nil)
    guard let url = CTFontCopyAttribute(font, kCTFontURLAttribute) as? URL else { return nil }
    return url.path
}
