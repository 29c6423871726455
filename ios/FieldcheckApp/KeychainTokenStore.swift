import Foundation
import Security

/// A platform address and the token the platform gave at sign-in.
struct SavedSession: Codable {
    let platformUrl: String
    let token: String
}

/// Keeps the platform token in the Keychain, readable only on this device after first unlock.
struct KeychainTokenStore {
    private let service = "org.fieldcheck.app.session"

    /// The session of the last sign-in, if any.
    func load() -> SavedSession? {
        let query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecReturnData as String: true,
            kSecMatchLimit as String: kSecMatchLimitOne,
        ]
        var item: CFTypeRef?
        guard SecItemCopyMatching(query as CFDictionary, &item) == errSecSuccess, let data = item as? Data else {
            return nil
        }
        return try? JSONDecoder().decode(SavedSession.self, from: data)
    }

    /// Replaces the kept session.
    func save(_ session: SavedSession) {
        guard let data = try? JSONEncoder().encode(session) else { return }
        let match: [String: Any] = [kSecClass as String: kSecClassGenericPassword, kSecAttrService as String: service]
        SecItemDelete(match as CFDictionary)
        var add = match
        add[kSecValueData as String] = data
        add[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        SecItemAdd(add as CFDictionary, nil)
    }
}
