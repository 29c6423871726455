import Fieldcheck
import SwiftUI

/// The record read back, then each signer in turn on the pad (or their refusal with a witness); submit
/// once everyone has signed or refused. Mirrors SigningScreen.kt; the text and who signs are the core's.
struct SigningPage: View {
    @ObservedObject var model: AppModel
    let inspection: UUID
    let signing: SigningView

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 8) {
                Text(L("read_back_title")).font(.title2)
                ScrollView { Text(signing.text).padding(12) }.frame(maxHeight: 240).background(.thinMaterial)
                ForEach(Array(signing.signers.enumerated()), id: \.offset) { _, slot in
                    Label("\(slot.role.label) \(slot.name)", systemImage: slot.done ? "checkmark.circle.fill" : "pencil")
                }
                if let next = signing.signers.first(where: { !$0.done }) {
                    SignerPad(model: model, inspection: inspection, slot: next).id("\(next.role)/\(next.name)")
                } else {
                    Button(L("submit")) { model.send(.submit(id: inspection)) }
                        .buttonStyle(.borderedProminent).frame(maxWidth: .infinity, minHeight: 48)
                }
            }
            .padding(.horizontal, 12)
        }
    }
}

/// One signer's turn on the record: the shared pad, sending the record's events.
private struct SignerPad: View {
    @ObservedObject var model: AppModel
    let inspection: UUID
    let slot: SignerSlotView

    var body: some View {
        PadTurn(heading: String(format: L("sign_here"), slot.role.label, slot.name),
                sign: { width, height, strokes in
                    model.send(.signed(inspection: inspection, role: slot.role, signer: slot.name,
                                       width: width, height: height, strokes: strokes))
                },
                refuse: { reason, witness, position in
                    model.send(.refusedToSign(inspection: inspection, role: slot.role, signer: slot.name,
                                              reason: reason, witnessName: witness, witnessPosition: position))
                })
    }
}

/// A signature turn, for a record's signer or an order's receiver: the pad (strokes with their times),
/// clear, sign, or note a refusal with a witness. Mirrors PadTurn in SignaturePad.kt.
struct PadTurn: View {
    let heading: String
    let sign: (_ width: Float, _ height: Float, _ strokes: [PadStroke]) -> Void
    let refuse: (_ reason: String, _ witness: String, _ position: String) -> Void
    @State private var strokes: [PadStroke] = []
    @State private var began: Date?
    @State private var dragging = false
    @State private var refusing = false
    @State private var reason = ""
    @State private var witness = ""
    @State private var position = ""
    @State private var padWidth: Float = 0
    private let height: CGFloat = 220

    var body: some View {
        Text(heading).font(.headline)
        GeometryReader { box in
            Canvas { context, _ in
                for stroke in strokes {
                    var path = Path()
                    for (i, p) in stroke.points.enumerated() {
                        let at = CGPoint(x: CGFloat(p.x), y: CGFloat(p.y))
                        if i == 0 { path.move(to: at) } else { path.addLine(to: at) }
                    }
                    context.stroke(path, with: .foreground, lineWidth: 3)
                }
            }
            .contentShape(Rectangle())
            .gesture(DragGesture(minimumDistance: 0).onChanged { drag in
                // Points in the pad's points, times in ms since the signature's first touch.
                let start = began ?? Date()
                began = start
                let point = PadPoint(x: Float(drag.location.x), y: Float(drag.location.y),
                                     t: UInt32(max(0, Date().timeIntervalSince(start) * 1000)))
                if dragging { strokes[strokes.count - 1].points.append(point) }
                else { dragging = true; strokes.append(PadStroke(points: [point])) }
            }.onEnded { _ in dragging = false })
            .onAppear { padWidth = Float(box.size.width) }
        }
        .frame(height: height)
        .border(Color.secondary, width: 2)
        HStack {
            Button(L("clear")) { strokes = []; began = nil }.frame(minHeight: 48)
            Button(L("refuse_to_sign")) { refusing = true }.frame(minHeight: 48)
            Button(L("confirm_signature")) {
                sign(padWidth, Float(height), strokes)
                strokes = []; began = nil
            }
            .buttonStyle(.borderedProminent).frame(minHeight: 48).disabled(strokes.isEmpty)
        }
        .sheet(isPresented: $refusing) {
            Form {
                TextField(L("refusal_reason"), text: $reason)
                TextField(L("witness_name"), text: $witness)
                TextField(L("witness_position"), text: $position)
                Button(L("record_refusal")) {
                    refusing = false
                    refuse(reason, witness, position)
                }
                .disabled(reason.isEmpty || witness.isEmpty)
            }
        }
    }
}

extension Signer {
    /// The name of who signs a record.
    var label: String {
        switch self {
        case .inspector: L("signer_inspector")
        case .recorder: L("signer_recorder")
        case .respondent: L("signer_respondent")
        }
    }
}
