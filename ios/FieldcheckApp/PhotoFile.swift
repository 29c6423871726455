import Fieldcheck
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

extension View {
    /// Takes the library photo put in `picked` in as *imported* evidence: written as a JPEG file (EXIF
    /// kept) and sent to the core as `PhotoImported` for `target`. The in-app camera is the core's
    /// camera capability (`TakePhoto`), not a sheet here.
    func libraryImport(picked: Binding<PhotosPickerItem?>, model: AppModel, target: PhotoFor) -> some View {
        onChange(of: picked.wrappedValue) { item in
            guard let item else { return }
            picked.wrappedValue = nil
            Task {
                guard let data = try? await item.loadTransferable(type: Data.self),
                      let file = try? PhotoFile.jpeg(from: data) else { return }
                model.send(.photoImported(target: target, path: file.path, takenAt: Date()))
            }
        }
    }
}
