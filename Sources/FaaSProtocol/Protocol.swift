/// # The wire protocol
///
/// Every socket and pipe between the daemons carries JSON lines: one JSON object per line,
/// `\n`-terminated, at most `WireProtocol.maxLineLength` bytes. Each message has one Codable type
/// in `Messages/`; `WireMessage` is the union that decodes any of them by its `"type"` field.
///
/// | message | from -> to | fields |
/// |---|---|---|
/// | `invoke` | gateway -> server -> load balancer | `id`, `fn`, `payload`, `encoding`?, `timeout`?, `memory`? |
/// | `register_worker` | server -> load balancer | `worker_id`, `pid` |
/// | `unregister_worker` | server -> load balancer | `worker_id`, `pid` (the worker died) |
/// | `forward_to_worker` | load balancer -> server | `worker_id`, `pid`, `job` |
/// | `job` | server -> worker (stdin pipe) | `id`, `fn`, `payload`, `encoding`?, `timeout`?, `memory`? |
/// | result `{"ok":...}` | worker -> server -> gateway; load balancer -> server | `ok`, `output` or `error`, `id`, `code`?, `encoding`? |
/// | `worker_done` | server -> load balancer | `worker_id`, `pid`, `id` (the worker is free again) |
///
/// The spec's field names are kept as they are; additions are what concurrency needs:
/// - `id` matches a reply to its request while many are in flight on one connection. Each hop
///   that multiplexes (the server) maps ids to its own, so ids from two gateways never collide.
/// - `encoding: "base64"` marks a `payload` / `output` that is not valid UTF-8 (JSON strings
///   must be); absent means the string is the bytes themselves. Bodies are binary-safe end to end.
/// - `code` classifies a failure so the gateway can answer the right HTTP status (`FailureCode`).
/// - `worker_done` tells the load balancer a worker finished a job; `pid` guards against a
///   message about a worker that has since been replaced by a new process in the same slot.
///
/// A line that is not valid JSON, not a known message, or too long gets the peer disconnected
/// (and logged): a stream that lost framing cannot be trusted again.
public enum WireProtocol {
    public static let maxLineLength = 48 << 20
}
