import Fieldcheck
import PhotosUI
import SwiftUI

/// Today's work as the core orders it: alarms, re-inspections due, unfinished inspections.
struct TodayPage: View {
    @ObservedObject var model: AppModel
    let today: TodayView

    var body: some View {
        List {
            Section(L("alarms")) {
                if today.alarms.isEmpty { Text(L("nothing")).foregroundStyle(.secondary) }
                ForEach(today.alarms, id: \.id) { alarm in
                    AlarmCard(model: model, alarm: alarm)
                        .contentShape(Rectangle())
                        .onTapGesture { model.send(.open(route: .alarm(id: alarm.id))) }
                }
            }
            Section(L("reinspections")) {
                if today.reinspections.isEmpty { Text(L("nothing")).foregroundStyle(.secondary) }
                ForEach(today.reinspections, id: \.id) { task in
                    Button { model.send(.open(route: .task(id: task.id))) } label: { TaskRow(task: task) }
                }
            }
            Section(L("drafts")) {
                if today.inspections.isEmpty { Text(L("nothing")).foregroundStyle(.secondary) }
                ForEach(today.inspections, id: \.id) { inspection in
                    Button { model.send(.open(route: .inspection(id: inspection.id))) } label: {
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
    }
}

/// Settings: when photo originals upload, watermarks, and the command centre's requests for originals.
struct SettingsPage: View {
    @ObservedObject var model: AppModel
    let originals: OriginalPolicy
    let watermark: Bool
    let banners: [BannerView]

    var body: some View {
        Form {
            Section(L("originals_upload")) {
                Picker(L("originals_upload"), selection: Binding(get: { originals }, set: { model.setOriginals($0) })) {
                    Text(L("originals_immediately")).tag(OriginalPolicy.immediately)
                    Text(L("originals_wifi_only")).tag(OriginalPolicy.wifiOnly)
                    Text(L("originals_on_request")).tag(OriginalPolicy.onRequest)
                }
                .pickerStyle(.segmented)
                Toggle(L("watermark_photos"), isOn: Binding(get: { watermark }, set: { model.setWatermark($0) }))
                if let request = banners.first(where: { $0.kind == .originalsRequested || $0.kind == .originalsPostponed }) {
                    let postponed = request.kind == .originalsPostponed
                    Button(L(postponed ? "resume_originals" : "postpone_originals")) {
                        model.send(.postponeOriginals(postponed: !postponed))
                    }
                }
            }
        }
    }
}

/// An alarm: enterprise, reading, level and deadline, its on-site photos, and the actions the core offers
/// the user now (arrival; closing with feedback and photos).
struct AlarmCard: View {
    @ObservedObject var model: AppModel
    let alarm: AlarmView
    @State var feedback = ""
    @State var picked: PhotosPickerItem?

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            if let place = place(alarm.enterpriseName, alarm.townshipName) { Text(place).font(.headline) }
            Text(String(format: L("alarm_line"), alarm.monitoringPoint, alarm.pollutant,
                        "\(alarm.value)", alarm.unit, "\(alarm.limit)"))
            if let multiple = alarm.exceedanceMultiple {
                Text(String(format: L("exceedance"), multiple))
            }
            Text("\(alarm.stateLabel.shown) · \(alarm.respondBy.shown)").font(.caption)
            Thumbnails(photos: alarm.photos)
            if alarm.actions.contains(.arrive) {
                Button(L("arrive")) { model.send(.arriveAtAlarm(id: alarm.id)) }.buttonStyle(.bordered)
            }
            if alarm.actions.contains(.close) {
                TextField(L("alarm_feedback"), text: $feedback)
                HStack {
                    Button(L("alarm_photo")) { model.send(.takePhoto(target: .alarm(id: alarm.id), torch: true)) }
                        .buttonStyle(.bordered)
                    PhotosPicker(L("choose_photo"), selection: $picked, matching: .images).buttonStyle(.bordered)
                    Button(L("close_alarm")) { model.send(.closeAlarm(id: alarm.id, feedback: feedback)) }.buttonStyle(.bordered)
                }
            }
        }
        .libraryImport(picked: $picked, model: model, target: .alarm(id: alarm.id))
    }
}

/// Enterprise search (the core matches name, credit code and address); a result opens a new inspection.
struct SearchPage: View {
    @ObservedObject var model: AppModel
    let query: String
    let results: [EnterpriseView]
    let templates: [TemplateSummary]
    @State var chosen: EnterpriseView?

    var body: some View {
        NavigationStack {
            List(results, id: \.id) { enterprise in
                Button { chosen = enterprise } label: {
                    VStack(alignment: .leading) {
                        Text(enterprise.name).font(.headline)
                        Text(enterprise.creditCode).font(.caption)
                        Text(enterprise.address).font(.caption)
                        if enterprise.keyUnit { Text(L("key_unit")).font(.caption).foregroundStyle(.orange) }
                    }
                }
            }
            .searchable(text: Binding(get: { query }, set: { model.send(.searchTyped(query: $0)) }), prompt: L("search_hint"))
            .navigationTitle(L("tab_search"))
        }
        .sheet(item: Binding(get: { chosen.map(ChosenEnterprise.init) }, set: { chosen = $0?.enterprise })) { item in
            NewInspectionForm(templates: templates, enterprise: item.enterprise) { kind, checklists in
                chosen = nil
                model.send(.createInspection(enterprise: item.enterprise.id, kind: kind, checklists: checklists, origin: nil))
            }
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
    let templates: [TemplateSummary]
    let enterprise: EnterpriseView
    let create: (InspectionKind, [String]) -> Void
    @State var kind = InspectionKind.routine
    @State var checklists: [String] = []

    var body: some View {
        NavigationStack {
            Form {
                Picker(L("kind"), selection: $kind) {
                    ForEach(InspectionKind.shownKinds, id: \.self) { Text($0.label).tag($0) }
                }
                Section(L("choose_checklists")) {
                    ForEach(templates, id: \.id) { template in
                        Toggle("\(template.title.shown) (\(template.itemCount))", isOn: Binding(
                            get: { checklists.contains(template.id) },
                            set: { on in checklists = on ? checklists + [template.id] : checklists.filter { $0 != template.id } }
                        ))
                    }
                }
                Button(L("create")) { create(kind, checklists) }
            }
            .navigationTitle(enterprise.name)
        }
    }
}
