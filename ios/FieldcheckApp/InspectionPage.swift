import Fieldcheck
import PhotosUI
import SwiftUI
import UIKit

/// One inspection: its checklists with the core's progress, each item with its answer control, verdict,
/// photo count and thumbnails and the problems the core reports on it, then the findings with their
/// photos, the remaining problems and the submit button (enabled when the core says it can be submitted).
struct InspectionPage: View {
    @ObservedObject var model: AppModel
    let screen: InspectionScreen
    let drafts: [DraftView]

    var body: some View {
        let id = screen.inspection.id
        List {
            Group {
                let open = screen.inspection.state == .inProgress
                Section {
                    Text("\(screen.inspection.kind.label) · \(screen.inspection.state.label)").font(.headline)
                    if screen.inspection.state == .draft {
                        Button(L("start_on_site")) { model.send(.startInspection(id: id)) }
                    }
                }
                ForEach(screen.checklists, id: \.template.id) { checklist in
                    Section {
                        ForEach(checklist.template.items, id: \.code) { item in
                            ItemCard(model: model, inspection: id, templateId: checklist.template.id, item: item,
                                     progress: checklist.items.first { $0.code == item.code }, open: open,
                                     drafts: drafts.filter { $0.templateId == checklist.template.id && $0.itemCode == item.code })
                        }
                    } header: {
                        VStack(alignment: .leading) {
                            Text(checklist.template.title.shown)
                            Text(String(format: L("answered_of"), Int(checklist.answered), Int(checklist.total)))
                        }
                    }
                }
                if !screen.findings.isEmpty {
                    Section(L("findings")) {
                        ForEach(screen.findings, id: \.id) { finding in
                            VStack(alignment: .leading) {
                                Text("\(finding.itemCode ?? "") \(finding.description)")
                                Thumbnails(photos: finding.photos)
                            }
                        }
                    }
                }
                // Problems not tied to an item (team, certificates, times); item problems show on their item.
                let general = screen.problems.filter { $0.itemCode == nil }
                if !general.isEmpty {
                    Section(L("problems")) {
                        ForEach(Array(general.enumerated()), id: \.offset) { _, problem in
                            Text(problem.message.shown).foregroundStyle(.red)
                        }
                    }
                }
                if screen.inspection.state == .inProgress && screen.canSubmit {
                    Button(L("read_back_and_sign")) { model.send(.readBack(id: id)) }
                }
                if screen.inspection.state != .submitted {
                    Button(L("submit")) { model.send(.submit(id: id)) }
                    .disabled(!screen.canSubmit)
                }
            }
        }
    }
}

/// One item: text, legal basis, answer control, verdict, photos and the core's problems.
private struct ItemCard: View {
    @ObservedObject var model: AppModel
    let inspection: UUID
    let templateId: String
    let item: TemplateItemView
    let progress: ItemProgress?
    let open: Bool
    let drafts: [DraftView]
    @State var picked: PhotosPickerItem?

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            Text("\(item.code)  \(item.text.shown)")
            if !item.legalBasis.isEmpty {
                Text(item.legalBasis.joined(separator: "；") + (item.clauseVerified ? "" : " (\(L("clause_unverified")))"))
                    .font(.caption)
            }
            if let guidance = item.guidance { Text(guidance).font(.caption) }
            if open {
                AnswerControl(model: model, inspection: inspection, templateId: templateId, itemCode: item.code,
                              type: item.answer, drafts: drafts, savedNote: progress?.note)
            }
            HStack(spacing: 12) {
                if let verdict = progress?.verdict { Text(verdict.label).foregroundStyle(.green) }
                Text(String(format: L("photo_count"), Int(progress?.photoCount ?? 0)))
                if open && item.photo != .never {
                    Button(L("take_photo")) { model.send(.takePhoto(target: target, torch: false)) }.buttonStyle(.bordered)
                    PhotosPicker(L("choose_photo"), selection: $picked, matching: .images).buttonStyle(.bordered)
                }
            }
            Thumbnails(photos: progress?.photos ?? [])
            ForEach(Array((progress?.problems ?? []).enumerated()), id: \.offset) { _, problem in
                Text(problem.shown).foregroundStyle(.red)
            }
        }
        .libraryImport(picked: $picked, model: model, target: target)
    }

    private var target: PhotoFor {
        .item(inspection: inspection, templateId: templateId, itemCode: item.code)
    }
}

/// The thumbnails of an item's or finding's photos, in capture order (nothing when there are none).
struct Thumbnails: View {
    let photos: [PhotoView]

    var body: some View {
        if !photos.isEmpty {
            ScrollView(.horizontal) {
                HStack {
                    ForEach(photos, id: \.evidence) { photo in
                        VStack {
                            Thumbnail(path: photo.thumbnailPath)
                            // A library photo is evidence of what it shows, not of this place and time.
                            if photo.imported { Text(L("imported")).font(.caption2) }
                        }
                    }
                }
            }
        }
    }
}
