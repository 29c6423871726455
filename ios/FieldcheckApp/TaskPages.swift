import Fieldcheck
import SwiftUI

/// Rectification tasks the core lists for this user, overdue first.
struct TaskListPage: View {
    @ObservedObject var model: AppModel
    let user: UserView

    var body: some View {
        List(model.tasks, id: \.id) { task in
            NavigationLink { TaskPage(model: model, id: task.id, user: user) } label: { TaskRow(task: task) }
        }
        .navigationTitle(L("tab_tasks"))
    }
}

/// A task in a list: requirement, state, deadline.
struct TaskRow: View {
    let task: TaskView

    var body: some View {
        VStack(alignment: .leading, spacing: 2) {
            Text(task.requirement)
            Text("\(task.stateLabel.shown) · \(String(format: L("deadline"), task.deadline.shown))").font(.caption)
            if task.overdue { Text(L("overdue")).font(.caption).foregroundStyle(.red) }
        }
    }
}

/// One task with its timeline. The buttons are the actions the core says the signed-in user may take
/// now; a refusal shows the core's message.
struct TaskPage: View {
    @ObservedObject var model: AppModel
    let id: UUID
    let user: UserView
    @State var note = ""

    var body: some View {
        List {
            if let screen = model.task, screen.task.id == id {
                Section { TaskRow(task: screen.task) }
                Section(L("timeline")) {
                    ForEach(Array(screen.timeline.enumerated()), id: \.offset) { _, event in
                        VStack(alignment: .leading) {
                            Text("\(event.at.shown) · \(event.action.label) · \(event.byName)")
                            if !event.note.isEmpty { Text(event.note).font(.caption) }
                        }
                    }
                }
                Section {
                    TextField(L("action_note"), text: $note)
                    if user.role == .enterprise { Text(L("proof_photos_missing")).font(.caption) }
                    HStack {
                        ForEach(screen.actions, id: \.self) { action in
                            Button(action.label) { model.transition(id, action: action, note: note) }
                                .buttonStyle(.bordered)
                        }
                    }
                }
            }
        }
        .onAppear { model.openTask(id) }
    }
}
