/// What to start: the program, its arguments and environment, and which of our descriptors
/// become its stdin, stdout and stderr (nil: /dev/null).
public struct SpawnRequest {
    public var executable: String
    public var arguments: [String]
    public var environment: [String: String]
    public var standardInput: FileDescriptor?
    public var standardOutput: FileDescriptor?
    public var standardError: FileDescriptor?
    /// Put the child in its own process group, so a group kill reaches its children too.
    public var newProcessGroup = false
    /// More descriptors for the child, at fixed numbers above 2 (e.g. a private protocol pipe
    /// on 3 and 4, out of reach of what the program writes on stdout).
    public var extraDescriptors: [(source: FileDescriptor, target: Int32)] = []

    public init(executable: String, arguments: [String] = [], environment: [String: String] = [:],
                standardInput: FileDescriptor? = nil, standardOutput: FileDescriptor? = nil,
                standardError: FileDescriptor? = .standardError) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.standardInput = standardInput
        self.standardOutput = standardOutput
        self.standardError = standardError
    }
}
