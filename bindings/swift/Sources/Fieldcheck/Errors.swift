import FieldcheckFFI
import Foundation

/// `error.localizedDescription` is the core's message for the person using the app (bilingual where
/// the core has both), not a dump of the enum case.
extension FieldcheckError: LocalizedError {
    public var errorDescription: String? { message }

    /// The message the core wrote for a person.
    public var message: String {
        switch self {
        case let .InvalidInput(message), let .NotFound(message), let .NotAllowed(message), let .Storage(message),
             let .Network(message), let .SignInRequired(message), let .Internal(message):
            return message
        }
    }
}
