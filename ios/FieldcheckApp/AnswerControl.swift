import Fieldcheck
import SwiftUI
import UIKit

/// The input control for an item's answer type. It only turns what was typed into the core's
/// `AnswerInput`; whether the answer passes is the core's verdict, shown on the item once answered.
struct AnswerControl: View {
    let type: AnswerType
    let savedNote: String?
    let answer: (AnswerInput, String?) -> Void
    @State var note = ""
    @State var value = ""
    @State var measures: [String: String] = [:]
    @State var unreadable = false

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            switch type {
            case .yesNo, .yesNoNotApplicable:
                HStack {
                    Button(L("yes")) { send(.yes) }
                    Button(L("no")) { send(.no) }
                    if type == .yesNoNotApplicable { Button(L("not_applicable")) { send(.notApplicable) } }
                }
                .buttonStyle(.bordered)
            case let .choice(options):
                ForEach(options, id: \.code) { option in
                    Button(option.label.shown) { send(.choice(code: option.code)) }.buttonStyle(.bordered)
                }
            case let .number(unit):
                valueRow(String(format: L("number_hint"), unit), keyboard: .decimalPad) { text in
                    Double(text).map { AnswerInput.number(value: $0) }
                }
            case .text:
                valueRow(L("answer_text"), keyboard: .default) { text in AnswerInput.text(value: text) }
            case .date:
                valueRow(L("date_hint"), keyboard: .numbersAndPunctuation) { text in
                    isoDay(text).map { AnswerInput.date(value: $0) }
                }
            case let .measures(fields):
                ForEach(fields, id: \.key) { field in
                    TextField("\(field.label.shown) \(field.isDate ? L("date_hint") : field.unit ?? "")",
                              text: Binding(get: { measures[field.key] ?? "" }, set: { measures[field.key] = $0 }))
                        .keyboardType(field.isDate ? .numbersAndPunctuation : .decimalPad)
                }
                Button(L("save")) {
                    var values: [String: MeasureInput] = [:]
                    for field in fields {
                        let text = (measures[field.key] ?? "").trimmingCharacters(in: .whitespaces)
                        let input: MeasureInput? = field.isDate
                            ? isoDay(text).map { MeasureInput.date(value: $0) }
                            : Double(text).map { MeasureInput.number(value: $0) }
                        guard let input else { unreadable = true; return }
                        values[field.key] = input
                    }
                    send(.measures(values: values))
                }
                .buttonStyle(.bordered)
            }
            if unreadable { Text(L("not_a_number")).foregroundStyle(.red).font(.caption) }
            TextField(L("note"), text: $note)
        }
        .onAppear { note = savedNote ?? "" }
    }

    private func valueRow(_ label: String, keyboard: UIKeyboardType, parse: @escaping (String) -> AnswerInput?) -> some View {
        HStack {
            TextField(label, text: $value).keyboardType(keyboard)
            Button(L("save")) {
                if let input = parse(value.trimmingCharacters(in: .whitespaces)) { send(input) } else { unreadable = true }
            }
            .buttonStyle(.bordered)
        }
    }

    private func send(_ input: AnswerInput) {
        unreadable = false
        answer(input, note.isEmpty ? nil : note)
    }

    /// A typed `YYYY-MM-DD` as the core's date (an ISO string in Swift), or nil when it is not a date.
    private func isoDay(_ text: String) -> String? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.date(from: text) == nil ? nil : text
    }
}
