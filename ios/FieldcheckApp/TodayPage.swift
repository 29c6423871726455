import Fieldcheck
import SwiftUI
import UIKit

/// Today's work as the core orders it: alarms, re-inspections due, unfinished inspections.
struct TodayPage: View {
    @ObservedObject var model: AppModel
    let user: UserView

    var body: some View {
        List {
            if let today = model.today {
                Section(L("alarms")) {
                    if today.alarms.isEmpty { Text(L("nothing")).foregroundStyle(.secondary) }
                    ForEach(today.alarms, id: \.id) { alarm in AlarmCard(model: model, alarm: alarm) }
                }
                Section(L("reinspections")) {
                    if today.reinspections.isEmpty { Text(L("nothing")).foregroundStyle(.secondary) }
                    ForEach(today.reinspections, id: \.id) { task in
                        NavigationLink { TaskPage(model: model, id: task.id) } label: { TaskRow(task: task) }
                    }
                }
                Section(L("drafts")) {
                    if today.inspections.isEmpty { Text(L("nothing")).foregroundStyle(.secondary) }
                    ForEach(today.inspections, id: \.id) { inspection in
                        NavigationLink { InspectionPage(model: model, id: inspection.id) } label: {
                            VStack(alignment: .leading) {
                                if let place = place(inspection.enterpriseName, inspection.townshipName) {
                                    Text(place).font(.headline)
                                }
                                Text("\(inspection.kind.label) · \(inspection.state.label)")
                                Text(inspection.checklists.joined(separator: " · ")).font(.caption)
                                if let started = inspection.startedAt { Text(started.shown).font(.caption) }
                            }
                        }
                    }
                }
            }
            Section(L("originals_upload")) {
                Picker(L("originals_upload"), selection: Binding(get: { model.originals }, set: { model.setOriginals($0) })) {
                    Text(L("originals_immediately")).tag(OriginalPolicy.immediately)
                    Text(L("originals_wifi_only")).tag(OriginalPolicy.wifiOnly)
                    Text(L("originals_on_request")).tag(OriginalPolicy.onRequest)
                }
                .pickerStyle(.segmented)
                Toggle(L("watermark_photos"), isOn: Binding(get: { model.watermark }, set: { model.setWatermark($0) }))
            }
        }
        .navigationTitle(L("tab_today"))
    }
}

/// An alarm: enterprise, reading, level and deadline, its on-site photos, and the actions the core offers
/// the user now (arrival; closing with feedback and photos).
struct AlarmCard: View {
    @ObservedObject var model: AppModel
    let alarm: AlarmView
    @State var feedback = ""
    @State var camera = false

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            if let place = place(alarm.enterpriseName, alarm.townshipName) { Text(place).font(.headline) }
            Text(String(format: L("alarm_line"), alarm.monitoringPoint, alarm.pollutant,
                        "\(alarm.value)", alarm.unit, "\(alarm.limit)"))
            if let multiple = alarm.exceedanceMultiple {
                Text(String(format: L("exceedance"), multiple))
            }
            Text("\(alarm.stateLabel.shown) · \(alarm.respondBy.shown)").font(.caption)
            if !alarm.photos.isEmpty {
                HStack { ForEach(alarm.photos, id: \.evidence) { Thumbnail(path: $0.thumbnailPath) } }
            }
            if alarm.actions.contains(.arrive) {
                Button(L("arrive")) { model.arriveAtAlarm(alarm.id) }.buttonStyle(.bordered)
            }
            if alarm.actions.contains(.close) {
                TextField(L("alarm_feedback"), text: $feedback)
                HStack {
                    if UIImagePickerController.isSourceTypeAvailable(.camera) {
                        Button(L("alarm_photo")) { camera = true }.buttonStyle(.bordered)
                    }
                    Button(L("close_alarm")) { model.closeAlarm(alarm.id, feedback: feedback) }.buttonStyle(.bordered)
                }
            }
        }
        .sheet(isPresented: $camera) {
            CameraPicker { image in
                camera = false
                guard let image else { return }
                do {
                    model.attachAlarmPhoto(alarm.id, file: try PhotoFile.jpeg(from: image), takenAt: Date())
                } catch {
                    model.message = error.localizedDescription
                }
            }
            .ignoresSafeArea()
        }
    }
}

/// Enterprise search (the core matches name, credit code and address); a result opens a new inspection.
struct SearchPage: View {
    @ObservedObject var model: AppModel
    @State var query = ""
    @State var chosen: EnterpriseView?
    @State var created: UUID?

    var body: some View {
        List(model.searchResults, id: \.id) { enterprise in
            Button { chosen = enterprise } label: {
                VStack(alignment: .leading) {
                    Text(enterprise.name).font(.headline)
                    Text(enterprise.creditCode).font(.caption)
                    Text(enterprise.address).font(.caption)
                    if enterprise.keyUnit { Text(L("key_unit")).font(.caption).foregroundStyle(.orange) }
                }
            }
        }
        .searchable(text: $query, prompt: L("search_hint"))
        .onSubmit(of: .search) { model.search(query) }
        .navigationTitle(L("tab_search"))
        .sheet(item: Binding(get: { chosen.map(ChosenEnterprise.init) }, set: { chosen = $0?.enterprise })) { item in
            NewInspectionForm(model: model, enterprise: item.enterprise) { id in
                chosen = nil
                created = id
            }
        }
        .navigationDestination(isPresented: Binding(get: { created != nil }, set: { if !$0 { created = nil } })) {
            if let id = created { InspectionPage(model: model, id: id) }
        }
    }
}

/// An enterprise as a sheet's item.
private struct ChosenEnterprise: Identifiable {
    let enterprise: EnterpriseView
    var id: UUID { enterprise.id }
}

/// Kind and checklists of a new inspection.
private struct NewInspectionForm: View {
    @ObservedObject var model: AppModel
    let enterprise: EnterpriseView
    let created: (UUID) -> Void
    @State var kind = InspectionKind.routine
    @State var checklists: [String] = []

    var body: some View {
        NavigationStack {
            Form {
                Picker(L("kind"), selection: $kind) {
                    ForEach(InspectionKind.shownKinds, id: \.self) { Text($0.label).tag($0) }
                }
                Section(L("choose_checklists")) {
                    ForEach(model.templates, id: \.id) { template in
                        Toggle("\(template.title.shown) (\(template.itemCount))", isOn: Binding(
                            get: { checklists.contains(template.id) },
                            set: { on in checklists = on ? checklists + [template.id] : checklists.filter { $0 != template.id } }
                        ))
                    }
                }
                Button(L("create")) {
                    if let id = model.createInspection(enterprise: enterprise.id, kind: kind, checklists: checklists) {
                        created(id)
                    }
                }
            }
            .navigationTitle(enterprise.name)
        }
    }
}
