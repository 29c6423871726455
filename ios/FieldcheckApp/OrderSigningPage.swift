import Fieldcheck
import SwiftUI

/// The enterprise's phone: its rectification order as the core reads it back, then the person receiving
/// it signs on the pad (the signature is the acknowledgement) or the refusal is noted before a witness.
/// Who may sign is the core's rule: the people it accepts (legal representative, contact, account holder)
/// are buttons to choose from, the legal representative chosen first. Mirrors OrderSigningScreen.kt.
struct OrderSigningPage: View {
    @ObservedObject var model: AppModel
    let order: OrderSigningView
    @State private var signer: String

    init(model: AppModel, order: OrderSigningView) {
        self.model = model
        self.order = order
        _signer = State(initialValue: order.signers.first ?? "")
    }

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 8) {
                Text(L("order_read_back_title")).font(.title2)
                ScrollView { Text(order.text).padding(12) }.frame(maxHeight: 200).background(.thinMaterial)
                Text(L("order_signer")).font(.headline)
                HStack {
                    ForEach(order.signers, id: \.self) { name in
                        Button(name) { signer = name }
                            .buttonStyle(.bordered).tint(signer == name ? .accentColor : .secondary)
                            .frame(minHeight: 48)
                    }
                }
                PadTurn(heading: L("order_sign_here"),
                        sign: { width, height, strokes in
                            model.send(.acknowledgedOrder(task: order.task, signer: signer,
                                                          width: width, height: height, strokes: strokes))
                        },
                        refuse: { reason, witness, position in
                            model.send(.refusedToAcknowledge(task: order.task, signer: signer, reason: reason,
                                                             witnessName: witness, witnessPosition: position))
                        })
                    .id(order.task)
            }
            .padding(.horizontal, 12)
        }
    }
}
