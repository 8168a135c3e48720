/// # The wire protocol
///
/// Every socket and pipe between the daemons carries JSON lines: one JSON object per line,
/// `\n`-terminated, at most `WireProtocol.maxLineLength` bytes. A line may announce an
/// **attachment**: `"payload_bytes":N` (invoke, job) or `"output_bytes":N` (result) in the
/// object, and then exactly N raw bytes follow the line's `\n`, before the next line. Payloads
/// and outputs travel that way between the daemons: never escaped, never base64, copied once
/// per hop, and never re-encoded by a hop that only relays them. Each message has one type in
/// `Messages/`; `WireMessage` is the union, coded by hand in `WireMessage+JSONLines`.
///
/// | message | from -> to | fields |
/// |---|---|---|
/// | `invoke` | gateway -> server | `id`, `fn`, `payload_bytes` + attachment, `timeout`?, `memory`?, `concurrency`?, `ctx`? |
/// | `invoke` | server -> load balancer | `id`, `fn`, `timeout`, `memory`?, `concurrency`?: **no payload** |
/// | `register_worker` | server -> load balancer | `worker_id`, `pid` |
/// | `unregister_worker` | server -> load balancer | `worker_id`, `pid` (the worker died) |
/// | `forward_to_worker` | load balancer -> server | `worker_id`, `pid`, `job` (without payload) |
/// | `job` | server -> worker (stdin pipe) | `id`, `fn`, `payload_bytes` + attachment, `timeout`?, `memory`?, `ctx`? |
/// | result `{"ok":...}` | worker -> server -> gateway; load balancer -> server | `ok`, `output_bytes` + attachment or `error`, `id`, `code`?, `output_type`?, `log`? |
/// | `worker_done` | server -> load balancer | `worker_id`, `pid`, `id` (the job that ended, or one the server did not deliver) |
/// | `ping` | gateway -> server -> load balancer | `id` |
/// | `pong` | load balancer -> server -> gateway | `id`, `load_balancer`? (server -> gateway: `ok`, `unreachable` or `timeout`), `workers_busy`?, `workers_idle`?, `workers_starting`? |
///
/// The spec's message names and fields are kept; additions are what concurrency needs:
/// - `id` matches a reply to its request while many are in flight on one connection. Each hop
///   that multiplexes (the server) maps ids to its own, so ids from two gateways never collide.
/// - The load balancer only chooses a worker, so the server keeps each payload and sends it the
///   invoke without one (its queue holds ids, names and limits, not megabytes); the
///   `forward_to_worker` it gets back names the job, and the server attaches the payload when it
///   writes the job to the worker.
/// - The spec's inline form is read too: `"payload":"..."` / `"output":"..."` as a JSON string,
///   the text itself when the bytes are valid UTF-8, otherwise base64 with
///   `"encoding":"base64"` (`PayloadEncoding`: one rule, also the gateway's for its HTTP
///   answers). A client that sends an inline invoke gets an inline result (`BodyForm`).
/// - `ctx` (`InvocationContext`) is the request behind an invoke (its request id, content type
///   and, on `/fn/`, method, path, query and headers); the server keeps it with the payload and
///   hands it to the worker in the job. A result's `output_type` says whether the output is a
///   JSON value a handler returned (`OutputType`), and `log` carries what the function logged.
/// - `code` classifies a failure so the gateway can answer the right HTTP status (`FailureCode`).
/// - `concurrency` (optional) is the function's own limit on workers in use at once (deployed
///   with `&concurrency=N`); without it the load balancer applies its default share. The load
///   balancer also lowers a forwarded job's `timeout` by the time the invoke waited in its queue:
///   waiting counts against the caller's limit.
/// - `ping`/`pong` check the chain: the gateway's `/health` (and its fail-fast check before
///   invokes) pings the server, which pings the load balancer with a short deadline and says in
///   its `pong` whether that answered.
/// - `worker_done` tells the load balancer a worker finished a job; `pid` guards against a
///   message about a worker that has since been replaced by a new process in the same slot, and
///   `id` names the job: a worker may have a second job queued behind the running one (short
///   calls, `Scheduler`), which the server writes to its pipe at once.
///
/// A line that is not valid JSON, not a known message, or too long, or an attachment larger
/// than `maxAttachmentLength`, gets the peer disconnected (and logged): a stream that lost
/// framing cannot be trusted again.
public enum WireProtocol {
    public static let maxLineLength = 48 << 20
    /// Bounds the memory one announced attachment can claim (bodies are capped far lower by
    /// the gateway's `--max-body` and the workers' `--output-cap`).
    public static let maxAttachmentLength = 1 << 30
}
