import Foundation

/// Which addresses a callback may reach: public IPv4 addresses, plus what FAAS_CALLBACK_ALLOW
/// lists (CIDRs, addresses or host names). Loopback, private, link-local, shared, multicast and
/// reserved ranges are refused unless listed, so a caller cannot aim the gateway at the host
/// or its network (SSRF).
struct CallbackPolicy: Sendable {
    struct ParseError: Error { let why: String }

    struct CIDR: Sendable, Equatable {
        let address: UInt32
        let prefix: Int

        func contains(_ other: UInt32) -> Bool {
            let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefix)
            return other & mask == address & mask
        }

        init(address: UInt32, prefix: Int) {
            self.address = address
            self.prefix = prefix
        }

        init?(_ text: String) {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2, let address = CallbackPolicy.parseIPv4(String(parts[0])) else { return nil }
            var prefix = 32
            if parts.count == 2 {
                guard let value = Int(parts[1]), (0...32).contains(value) else { return nil }
                prefix = value
            }
            self.init(address: address, prefix: prefix)
        }
    }

    /// Never reached unless listed.
    static let refused: [CIDR] = ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
                                  "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4"].map { CIDR($0)! }

    private(set) var allowedRanges: [CIDR] = []
    private(set) var allowedHosts: Set<String> = []

    init(allowList: String) throws {
        for item in allowList.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            if let cidr = CIDR(item) {
                allowedRanges.append(cidr)
            } else if item.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }), item.first?.isLetter == true {
                allowedHosts.insert(item.lowercased())
            } else {
                throw ParseError(why: "\(item.debugDescription) is neither an IPv4 CIDR nor a host name")
            }
        }
    }

    /// Whether a callback to `host` (as written in the URL), resolved to `address`, may be sent.
    func allows(host: String, address: UInt32) -> Bool {
        if allowedHosts.contains(host.lowercased()) { return true }
        if allowedRanges.contains(where: { $0.contains(address) }) { return true }
        return !Self.refused.contains { $0.contains(address) }
    }

    static func parseIPv4(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let byte = UInt8(part) else { return nil }
            value = value << 8 | UInt32(byte)
        }
        return value
    }
}
