import FaaSSystem
import FaaSProtocol
import FaaSStore

/// The JSON header of a request frame (`Runtime/README.md`, "Request header"): what a handler
/// learns about its call beside the payload, for its event and its Lambda-style context.
///
/// `{"request_id":"...","function":"hello","version":3,"memory_mb":128,"deadline_ms":1764324000123,
///   "content_type":"application/json","event":"auto","http":{...}}` (`http` as `InvocationContext`'s).
struct RuntimeCallHeader {
    var requestID: String
    var function: String
    var version: Int
    var memory: Int
    /// Unix time in milliseconds when the call's time limit ends.
    var deadlineMilliseconds: Int64
    var event: EventMode?
    var context: InvocationContext?

    /// The header for `job` of `metadata`, its deadline `timeout` seconds from now.
    init(job: JobMessage, metadata: FunctionMetadata, memory: Int, timeout: Double, now: Double) {
        requestID = job.context?.requestID ?? "\(job.id)"
        function = metadata.name
        version = metadata.version
        self.memory = memory
        deadlineMilliseconds = Int64((now + timeout) * 1000)
        event = metadata.event
        context = job.context
    }

    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160)
        out.append(contentsOf: #"{"request_id":"#.utf8)
        JSONText.appendString(requestID, to: &out)
        out.append(contentsOf: #","function":"#.utf8)
        JSONText.appendString(function, to: &out)
        out.append(contentsOf: #","version":\#(version),"memory_mb":\#(memory),"deadline_ms":\#(deadlineMilliseconds),"event":""#.utf8)
        out.append(contentsOf: (event?.rawValue ?? "auto").utf8)
        out.append(UInt8(ascii: "\""))
        if let contentType = context?.contentType {
            out.append(contentsOf: #","content_type":"#.utf8)
            JSONText.appendString(contentType, to: &out)
        }
        if let http = context?.http {
            out.append(contentsOf: #","http":"#.utf8)
            http.appendJSON(to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}
