import Fieldcheck
import SwiftUI
import UIKit

/// The input control for an item's answer type. Typed text lives in the core (as drafts, so it survives
/// the view going away); the core reads it on "save" and names each field it could not read.
struct AnswerControl: View {
    @ObservedObject var model: AppModel
    let inspection: UUID
    let templateId: String
    let itemCode: String
    let type: AnswerType
    let drafts: [DraftView]
    let savedNote: String?

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            switch type {
            case .yesNo, .yesNoNotApplicable:
                HStack {
                    Button(L("yes")) { choose(.yes) }
                    Button(L("no")) { choose(.no) }
                    if type == .yesNoNotApplicable { Button(L("not_applicable")) { choose(.notApplicable) } }
                }
                .buttonStyle(.bordered)
            case let .choice(options):
                ForEach(options, id: \.code) { option in
                    Button(option.label.shown) { choose(.option(code: option.code)) }.buttonStyle(.bordered)
                }
            case let .number(unit):
                field("value", String(format: L("number_hint"), unit), .decimalPad)
                saveButton
            case .text:
                field("value", L("answer_text"), .default)
                saveButton
            case .date:
                field("value", L("date_hint"), .numbersAndPunctuation)
                saveButton
            case let .measures(fields):
                ForEach(fields, id: \.key) { measure in
                    field(measure.key, "\(measure.label.shown) \(measure.isDate ? L("date_hint") : measure.unit ?? "")",
                          measure.isDate ? .numbersAndPunctuation : .decimalPad)
                }
                saveButton
            }
            TextField(L("note"), text: Binding(
                get: { draft("note")?.text ?? savedNote ?? "" },
                set: { model.send(.noteTyped(inspection: inspection, templateId: templateId, itemCode: itemCode, text: $0)) }
            ))
        }
    }

    private func draft(_ field: String) -> DraftView? {
        drafts.first { $0.field == field }
    }

    private func choose(_ choice: AnswerChoice) {
        model.send(.answerChosen(inspection: inspection, templateId: templateId, itemCode: itemCode, choice: choice))
    }

    /// A typed field showing the core's draft and, under it, why the core could not read it.
    @ViewBuilder private func field(_ key: String, _ label: String, _ keyboard: UIKeyboardType) -> some View {
        TextField(label, text: Binding(
            get: { draft(key)?.text ?? "" },
            set: { model.send(.answerTyped(inspection: inspection, templateId: templateId, itemCode: itemCode, field: key, text: $0)) }
        ))
        .keyboardType(keyboard)
        if let problem = draft(key)?.problem { Text(problem.shown).foregroundStyle(.red).font(.caption) }
    }

    private var saveButton: some View {
        Button(L("save")) { model.send(.answerSaved(inspection: inspection, templateId: templateId, itemCode: itemCode)) }
            .buttonStyle(.bordered)
    }
}
