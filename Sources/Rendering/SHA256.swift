import Crypto
import Foundation

/// SHA-256 (FIPS 180-4, swift-crypto's), for the Content-Security-Policy hash of the report's one inline script.
enum SHA256 {
    static func hash(_ message: [UInt8]) -> [UInt8] {
        Array(Crypto.SHA256.hash(data: message))
    }

    /// Base64 with padding, as a CSP source expression writes a hash.
    static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }
}
