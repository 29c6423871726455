import AVFoundation
import BackgroundTasks
import CoreLocation
import Fieldcheck
import Foundation
import Network
import Security

// The phone's capabilities for the app core (callback interfaces of `AppCore`), mirroring the Android
// adapters. Not compiled on Linux; the core's own test doubles stand in for them there.

/// The token and the device key in the Keychain, readable only on this device after first unlock.
final class KeychainStore: SecureStore {
    private let service = "org.fieldcheck.app"

    private func query(_ key: String) -> [String: Any] {
        [kSecClass as String: kSecClassGenericPassword, kSecAttrService as String: service, kSecAttrAccount as String: key]
    }

    func load(key: String) -> Data? {
        var match = query(key)
        match[kSecReturnData as String] = true
        match[kSecMatchLimit as String] = kSecMatchLimitOne
        var item: CFTypeRef?
        guard SecItemCopyMatching(match as CFDictionary, &item) == errSecSuccess else { return nil }
        return item as? Data
    }

    func save(key: String, value: Data) {
        SecItemDelete(query(key) as CFDictionary)
        var add = query(key)
        add[kSecValueData as String] = value
        add[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        SecItemAdd(add as CFDictionary, nil)
    }

    func delete(key: String) {
        SecItemDelete(query(key) as CFDictionary)
    }
}

/// CoreLocation: the freshest fix while watched; "refused" when the person said no.
final class CoreLocationProvider: NSObject, LocationProvider, CLLocationManagerDelegate {
    private let manager = CLLocationManager()
    private let lock = NSLock()
    private var latest: LocationReading = .noFix

    override init() {
        super.init()
        manager.delegate = self
        manager.desiredAccuracy = kCLLocationAccuracyBest
    }

    func current() -> LocationReading {
        switch manager.authorizationStatus {
        case .denied, .restricted: return .permissionRefused
        default: return lock.withLock { latest }
        }
    }

    func watch(on: Bool) {
        DispatchQueue.main.async { [manager] in
            if on {
                manager.requestWhenInUseAuthorization()
                manager.startUpdatingLocation()
            } else {
                manager.stopUpdatingLocation()
            }
        }
    }

    func locationManager(_ manager: CLLocationManager, didUpdateLocations locations: [CLLocation]) {
        guard let fix = locations.last, fix.horizontalAccuracy >= 0 else { return }
        let reading = LocationReading.fix(
            fix: GeoFix(lat: fix.coordinate.latitude, lon: fix.coordinate.longitude, accuracyM: fix.horizontalAccuracy),
            at: fix.timestamp
        )
        lock.withLock { latest = reading }
    }
}

/// AVFoundation still capture from the back camera into a temporary JPEG; torch on at night.
final class CameraCapture: NSObject, CameraDevice, AVCapturePhotoCaptureDelegate {
    private let session = AVCaptureSession()
    private let output = AVCapturePhotoOutput()
    private var done: ((Shot?) -> Void)?

    func capture(torch: Bool) -> Shot? {
        guard let device = AVCaptureDevice.default(for: .video), let input = try? AVCaptureDeviceInput(device: device) else {
            return nil
        }
        if session.inputs.isEmpty, session.canAddInput(input), session.canAddOutput(output) {
            session.addInput(input)
            session.addOutput(output)
        }
        if !session.isRunning { session.startRunning() }
        let settings = AVCapturePhotoSettings(format: [AVVideoCodecKey: AVVideoCodecType.jpeg])
        settings.flashMode = torch ? .on : .auto
        let waiter = DispatchSemaphore(value: 0)
        var shot: Shot?
        done = { shot = $0; waiter.signal() }
        output.capturePhoto(with: settings, delegate: self)
        _ = waiter.wait(timeout: .now() + 30)
        return shot
    }

    func photoOutput(_ output: AVCapturePhotoOutput, didFinishProcessingPhoto photo: AVCapturePhoto, error: Error?) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString).jpg")
        guard error == nil, let data = photo.fileDataRepresentation(), (try? data.write(to: file)) != nil else {
            done?(nil)
            return
        }
        done?(Shot(path: file.path, takenAt: Date()))
    }
}

/// BGTaskScheduler: an app-refresh task runs `AppCore.sync()` (registered at launch in FieldcheckApp).
final class BackgroundSync: BackgroundScheduler {
    static let identifier = "org.fieldcheck.app.sync"

    func schedulePeriodicSync(minutes: UInt32) {
        let request = BGAppRefreshTaskRequest(identifier: Self.identifier)
        request.earliestBeginDate = Date(timeIntervalSinceNow: TimeInterval(minutes) * 60)
        try? BGTaskScheduler.shared.submit(request)
    }

    func syncSoon() {
        let request = BGAppRefreshTaskRequest(identifier: Self.identifier)
        request.earliestBeginDate = nil
        try? BGTaskScheduler.shared.submit(request)
    }

    func cancelAll() {
        BGTaskScheduler.shared.cancelAllTaskRequests()
    }
}

/// NWPathMonitor: the connection now; changes also go to `onChange` (sent as `NetworkChanged`).
final class ConnectionWatch: ConnectivityMonitor {
    private let monitor = NWPathMonitor()
    var onChange: ((Fieldcheck.Network) -> Void)?

    init() {
        monitor.pathUpdateHandler = { [weak self] path in self?.onChange?(Self.network(path)) }
        monitor.start(queue: DispatchQueue.global(qos: .utility))
    }

    func current() -> Fieldcheck.Network {
        Self.network(monitor.currentPath)
    }

    private static func network(_ path: NWPath) -> Fieldcheck.Network {
        if path.status != .satisfied { return .offline }
        return path.isExpensive || path.isConstrained ? .metered : .unmetered
    }

    deinit { monitor.cancel() }
}
