import Engine
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The compression cache's shelves as temporary files, one per group of messages: what is kept costs the kernel's
/// page cache, which it can drop when memory is short, instead of the process's resident memory. Each file is
/// removed from its folder the moment it is made, so it is gone with the process however that ends, and its space
/// is given back as soon as the cache drops the group. Reading a message back is a copy out of the page cache — a
/// few microseconds for the largest (128 KiB) — against the milliseconds compressing it again costs.
public struct TemporaryFileStorage: CompressedMessageStorage {
    /// The folder the files are made in (and at once unlinked from).
    public let directory: String

    public init(directory: String = NSTemporaryDirectory()) {
        self.directory = directory
    }

    public func makeShelf() -> (any CompressedMessageShelf)? {
        var template = Array((directory.hasSuffix("/") ? directory : directory + "/").utf8CString.dropLast())
        template += Array("wsspec-compressed-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { return nil }
        _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
        return Shelf(descriptor: descriptor)
    }

    final class Shelf: CompressedMessageShelf {
        private let descriptor: Int32
        /// Where each message starts in the file, and its length.
        private var places: [(offset: Int, count: Int)] = []
        private var end = 0

        init(descriptor: Int32) {
            self.descriptor = descriptor
        }

        deinit {
            close(descriptor)
        }

        func keep(_ bytes: [UInt8]) -> CompressedMessageShelfSlot? {
            let written = bytes.withUnsafeBytes { buffer -> Bool in
                var done = 0
                while done < buffer.count {
                    let n = pwrite(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(end + done))
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { return false }
                    done += n
                }
                return true
            }
            // A short write (a full disk) leaves the file as it was for what was kept before.
            guard written else { return nil }
            places.append((end, bytes.count))
            end += bytes.count
            return CompressedMessageShelfSlot(index: places.count - 1, octets: bytes.count)
        }

        func read(_ slot: CompressedMessageShelfSlot) -> [UInt8]? {
            guard places.indices.contains(slot.index) else { return nil }
            let (offset, count) = places[slot.index]
            var failed = false
            let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                var done = 0
                while done < count {
                    let n = pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset + done))
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { break }
                    done += n
                }
                failed = done < count
                initialized = failed ? 0 : count
            }
            return failed ? nil : bytes
        }
    }
}
