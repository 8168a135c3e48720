/// An HTTP request method.
///
/// A struct rather than a closed enum because any RFC 9110 token is a valid method on the wire:
/// the parser accepts it and the router decides (405/501), instead of the parser guessing.
public struct HTTPMethod: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    /// The method exactly as sent (methods are case-sensitive).
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(stringLiteral value: String) {
        self.rawValue = value
    }

    public var description: String { rawValue }

    public static let GET = HTTPMethod(rawValue: "GET")
    public static let HEAD = HTTPMethod(rawValue: "HEAD")
    public static let POST = HTTPMethod(rawValue: "POST")
    public static let PUT = HTTPMethod(rawValue: "PUT")
    public static let DELETE = HTTPMethod(rawValue: "DELETE")
    public static let PATCH = HTTPMethod(rawValue: "PATCH")
    public static let OPTIONS = HTTPMethod(rawValue: "OPTIONS")
    public static let CONNECT = HTTPMethod(rawValue: "CONNECT")
    public static let TRACE = HTTPMethod(rawValue: "TRACE")
}
