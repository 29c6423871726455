import ImageIO
import PhotosUI
import SwiftUI
import UIKit
import UniformTypeIdentifiers

/// Turns a camera or library photo into a JPEG file for `attachPhoto`: iPhones store HEIC, which the core
/// does not take. Library photos keep their metadata (time, orientation, location) through ImageIO.
enum PhotoFile {
    /// Why a photo could not be written.
    struct Failure: LocalizedError {
        let errorDescription: String?
    }

    /// Re-encodes image data of any format ImageIO reads (HEIC, JPEG, PNG, …) as a JPEG file.
    static func jpeg(from data: Data) throws -> URL {
        guard let source = CGImageSourceCreateWithData(data as CFData, nil) else {
            throw Failure(errorDescription: L("photo_unreadable"))
        }
        let file = newFile()
        guard let destination = CGImageDestinationCreateWithURL(file as CFURL, UTType.jpeg.identifier as CFString, 1, nil)
        else {
            throw Failure(errorDescription: L("photo_unwritable"))
        }
        let options = [kCGImageDestinationLossyCompressionQuality: 0.9] as CFDictionary
        CGImageDestinationAddImageFromSource(destination, source, 0, options)
        guard CGImageDestinationFinalize(destination) else {
            throw Failure(errorDescription: L("photo_unwritable"))
        }
        return file
    }

    /// Encodes a camera image as a JPEG file (UIKit writes its orientation into the file).
    static func jpeg(from image: UIImage) throws -> URL {
        guard let data = image.jpegData(compressionQuality: 0.9) else {
            throw Failure(errorDescription: L("photo_unreadable"))
        }
        let file = newFile()
        try data.write(to: file, options: .atomic)
        return file
    }

    private static func newFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).appendingPathExtension("jpg")
    }
}

/// The system camera as a SwiftUI view; reports the photo taken, or nil when cancelled.
struct CameraPicker: UIViewControllerRepresentable {
    let taken: (UIImage?) -> Void

    func makeUIViewController(context: Context) -> UIImagePickerController {
        let picker = UIImagePickerController()
        picker.sourceType = .camera
        picker.delegate = context.coordinator
        return picker
    }

    func updateUIViewController(_ picker: UIImagePickerController, context: Context) {}

    func makeCoordinator() -> Coordinator {
        Coordinator(taken: taken)
    }

    final class Coordinator: NSObject, UIImagePickerControllerDelegate, UINavigationControllerDelegate {
        let taken: (UIImage?) -> Void

        init(taken: @escaping (UIImage?) -> Void) {
            self.taken = taken
        }

        func imagePickerController(_ picker: UIImagePickerController,
                                   didFinishPickingMediaWithInfo info: [UIImagePickerController.InfoKey: Any]) {
            taken(info[.originalImage] as? UIImage)
        }

        func imagePickerControllerDidCancel(_ picker: UIImagePickerController) {
            taken(nil)
        }
    }
}

extension View {
    /// Shows the camera while `camera` is true and takes the library photo put in `picked`; either one is
    /// written as a JPEG file by `attach`'s argument, which the page then attaches where it belongs.
    func photoCapture(camera: Binding<Bool>, picked: Binding<PhotosPickerItem?>,
                      attach: @escaping (() throws -> URL) -> Void) -> some View {
        sheet(isPresented: camera) {
            CameraPicker { image in
                camera.wrappedValue = false
                guard let image else { return }
                attach { try PhotoFile.jpeg(from: image) }
            }
            .ignoresSafeArea()
        }
        .onChange(of: picked.wrappedValue) { item in
            guard let item else { return }
            picked.wrappedValue = nil
            Task {
                guard let data = try? await item.loadTransferable(type: Data.self) else { return }
                attach { try PhotoFile.jpeg(from: data) }
            }
        }
    }
}
