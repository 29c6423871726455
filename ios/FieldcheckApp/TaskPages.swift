import Fieldcheck
import PhotosUI
import SwiftUI
import UIKit

/// Rectification tasks the core lists for this user, overdue first.
struct TaskListPage: View {
    @ObservedObject var model: AppModel
    let tasks: [TaskView]

    var body: some View {
        List(tasks, id: \.id) { task in
            Button { model.send(.open(route: .task(id: task.id))) } label: { TaskRow(task: task) }
        }
    }
}

/// A photo's thumbnail (a small JPEG the core made in the data folder).
struct Thumbnail: View {
    let path: String

    var body: some View {
        if let bytes = PhotoFiles.bytes(path), let image = UIImage(data: bytes) {
            Image(uiImage: image).resizable().scaledToFill().frame(width: 56, height: 56).clipped()
        }
    }
}

/// A task in a list: enterprise and township, requirement, state, deadline, its latest photo.
struct TaskRow: View {
    let task: TaskView

    var body: some View {
        HStack(spacing: 12) {
            if let path = task.thumbnailPath { Thumbnail(path: path) }
            VStack(alignment: .leading, spacing: 2) {
                if let place = place(task.enterpriseName, task.townshipName) { Text(place).font(.headline) }
                Text(task.requirement)
                Text("\(task.stateLabel.shown) · \(String(format: L("deadline"), task.deadline.shown))").font(.caption)
                if task.overdue { Text(L("overdue")).font(.caption).foregroundStyle(.red) }
            }
        }
    }
}

/// One task with its timeline and this device's photos of it. The buttons are the actions the core says
/// the signed-in user may take now; the proof-photo buttons show when the core lets the user submit proof.
struct TaskPage: View {
    @ObservedObject var model: AppModel
    let screen: TaskScreen
    @State var note = ""
    @State var picked: PhotosPickerItem?

    var body: some View {
        List {
            Group {
                Section { TaskRow(task: screen.task) }
                Section(L("timeline")) {
                    ForEach(Array(screen.timeline.enumerated()), id: \.offset) { _, event in
                        VStack(alignment: .leading) {
                            Text("\(event.at.shown) · \(event.action.label) · \(event.byName)")
                            if !event.note.isEmpty { Text(event.note).font(.caption) }
                            // Cited photos not on this phone yet: the next sync fetches them.
                            let elsewhere = event.evidence.filter { e in !screen.photos.contains { $0.evidence == e } }.count
                            if elsewhere > 0 { Text(String(format: L("proof_elsewhere"), elsewhere)).font(.caption) }
                        }
                    }
                }
                if !screen.photos.isEmpty {
                    Section(L("proof_photos")) {
                        ScrollView(.horizontal) {
                            HStack {
                                ForEach(screen.photos, id: \.evidence) { photo in
                                    VStack {
                                        Thumbnail(path: photo.thumbnailPath)
                                        if !photo.sent { Text(L("photo_unsent")).font(.caption2) }
                                        if photo.imported { Text(L("imported")).font(.caption2) }
                                    }
                                }
                            }
                        }
                    }
                }
                Section {
                    TextField(L("action_note"), text: $note)
                    if screen.actions.contains(.submitProof) {
                        HStack {
                            Button(L("add_proof_photo")) { model.send(.takePhoto(target: .task(id: screen.task.id), torch: false)) }
                                .buttonStyle(.bordered)
                            PhotosPicker(L("choose_proof_photo"), selection: $picked, matching: .images)
                                .buttonStyle(.bordered)
                        }
                    }
                    HStack {
                        ForEach(screen.actions, id: \.self) { action in
                            // Acknowledging is signing the order read back (OrderSigningPage), not a plain step.
                            Button(action.label) {
                                model.send(action == .acknowledge ? .readOrderBack(task: screen.task.id)
                                    : .taskStep(task: screen.task.id, action: action, note: note))
                            }
                                .buttonStyle(.bordered)
                        }
                    }
                }
            }
        }
        .libraryImport(picked: $picked, model: model, target: .task(id: screen.task.id))
    }
}
