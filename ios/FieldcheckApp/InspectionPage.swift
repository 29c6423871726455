import Fieldcheck
import PhotosUI
import SwiftUI
import UIKit

/// One inspection: its checklists with the core's progress, each item with its answer control, verdict,
/// photo count and thumbnails and the problems the core reports on it, then the findings with their
/// photos, the remaining problems and the submit button (enabled when the core says it can be submitted).
struct InspectionPage: View {
    @ObservedObject var model: AppModel
    let id: UUID
    @Environment(\.dismiss) var dismiss

    var body: some View {
        List {
            if let screen = model.inspection, screen.inspection.id == id {
                let open = screen.inspection.state == .inProgress
                Section {
                    Text("\(screen.inspection.kind.label) · \(screen.inspection.state.label)").font(.headline)
                    if screen.inspection.state == .draft {
                        Button(L("start_on_site")) { model.startInspection(id) }
                    }
                }
                ForEach(screen.checklists, id: \.template.id) { checklist in
                    Section {
                        ForEach(checklist.template.items, id: \.code) { item in
                            ItemCard(model: model, inspection: id, templateId: checklist.template.id, item: item,
                                     progress: checklist.items.first { $0.code == item.code }, open: open)
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
                if screen.inspection.state != .submitted {
                    Button(L("submit")) {
                        if model.submit(id) { dismiss() }
                    }
                    .disabled(!screen.canSubmit)
                }
            }
        }
        .onAppear { model.openInspection(id) }
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
    @State var camera = false
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
                AnswerControl(type: item.answer, savedNote: progress?.note) { answer, note in
                    model.answer(inspection, templateId: templateId, itemCode: item.code, answer: answer, note: note)
                }
            }
            HStack(spacing: 12) {
                if let verdict = progress?.verdict { Text(verdict.label).foregroundStyle(.green) }
                Text(String(format: L("photo_count"), Int(progress?.photoCount ?? 0)))
                if open && item.photo != .never {
                    if UIImagePickerController.isSourceTypeAvailable(.camera) {
                        Button(L("take_photo")) { camera = true }.buttonStyle(.bordered)
                    }
                    PhotosPicker(L("choose_photo"), selection: $picked, matching: .images).buttonStyle(.bordered)
                }
            }
            Thumbnails(photos: progress?.photos ?? [])
            ForEach(Array((progress?.problems ?? []).enumerated()), id: \.offset) { _, problem in
                Text(problem.shown).foregroundStyle(.red)
            }
        }
        .photoCapture(camera: $camera, picked: $picked, attach: attach)
    }

    /// Writes the photo as a JPEG file (the core takes JPEG, PNG or WebP; iPhones shoot HEIC) and attaches it.
    private func attach(_ write: () throws -> URL) {
        do {
            let file = try write()
            model.attachPhoto(inspection, templateId: templateId, itemCode: item.code, file: file, takenAt: Date())
        } catch {
            model.message = error.localizedDescription
        }
    }
}

/// The thumbnails of an item's or finding's photos, in capture order (nothing when there are none).
private struct Thumbnails: View {
    let photos: [PhotoView]

    var body: some View {
        if !photos.isEmpty {
            ScrollView(.horizontal) {
                HStack { ForEach(photos, id: \.evidence) { Thumbnail(path: $0.thumbnailPath) } }
            }
        }
    }
}
