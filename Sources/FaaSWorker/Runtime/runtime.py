# MiniFaaS Python runtime: one per (worker, function), inside the function's sandbox.
# Command line, frame format and reply kinds: README.md in this folder.
# "command": a warm zygote forks a fresh child per call that runs the program as __main__
# (SOCK, ATC'18): no state survives a call. "handler": the module is loaded once and its
# entry point (handler, lambda_handler, handle, main: what the deploy decided) is called per
# request with the event and a Lambda-style context; its return value is the output and what
# it prints goes to the call's log. "exec": as "command", but the program is a native
# executable (a Go function) the child execs.
import io, os, resource, selectors, signal, struct, sys, time, traceback, types


class Frame:
    """The frame format (README.md), defined once for Python."""

    REQUEST = struct.Struct(">II8s")  # header length, payload length, nonce
    REPLY = struct.Struct(">BiBIII8s")  # kind, code, output type, stdout, stderr and log lengths, nonce
    NONCE_LENGTH = 8
    # Reply kinds.
    EXITED, SIGNALED, OUTPUT_TOO_LARGE, RUNTIME_ERROR = 0, 1, 2, 3
    # Output types: the output is text (as is) or the JSON of a value.
    TEXT, JSON = 0, 1

    @staticmethod
    def request(nonce, payload, header=b"{}"):
        return Frame.REQUEST.pack(len(header), len(payload), nonce) + header + payload

    @staticmethod
    def reply(kind, code, nonce, out, err, log=b"", output_type=0):
        return Frame.REPLY.pack(kind, code, output_type, len(out), len(err), len(log), nonce) + out + err + log

    @staticmethod
    def parse_reply(data):
        """(kind, code, output type, nonce, stdout, stderr, log, rest) of the first reply in data (the worker's side)."""
        kind, code, output_type, out_length, err_length, log_length, nonce = Frame.REPLY.unpack_from(data)
        start = Frame.REPLY.size
        out = data[start:start + out_length]
        err = data[start + out_length:start + out_length + err_length]
        log_start = start + out_length + err_length
        log = data[log_start:log_start + log_length]
        return kind, code, output_type, nonce, out, err, log, data[log_start + log_length:]


def log_lines(stream, data, cap):
    """Bytes written to one stream as log lines (`STREAM TEXT\n` each), at most cap bytes."""
    if not data:
        return b""
    prefix = stream.encode() + b" "
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return cap_log(b"".join(prefix + line + b"\n" for line in lines), cap)


def cap_log(log, cap):
    if len(log) <= cap:
        return log
    cut = log.rfind(b"\n", 0, cap - 40) + 1
    return log[:cut] + b"stderr [log truncated]\n"


class Channel:
    """The runtime's end of the protocol: requests on fd 3, replies on fd 4."""

    def __init__(self, isolated, requests_fd=3, replies_fd=4):
        # isolated: we run in a PID namespace of our own (the sandbox), where kill(-1) reaches
        # only what our calls started. Anywhere else it would reach every process of our user.
        self.isolated = isolated
        self.requests_fd, self.replies_fd = requests_fd, replies_fd
        self.nonce = b""
        self.after_call = None  # run once a call's processes are gone

    def read_exact(self, n):
        chunks = []
        while n > 0:
            chunk = os.read(self.requests_fd, min(n, 1 << 20))
            if not chunk:
                sys.exit(0)  # the worker closed the pipe: we are done
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def reply(self, kind, code, out, err, log=b"", output_type=Frame.TEXT):
        view = memoryview(Frame.reply(kind, code, self.nonce, out, err, log, output_type))
        while view:
            view = view[os.write(self.replies_fd, view):]

    def requests(self):
        while True:
            header_length, length, self.nonce = Frame.REQUEST.unpack(self.read_exact(Frame.REQUEST.size))
            data = self.read_exact(header_length + length)
            yield data[:header_length], data[header_length:]
            # Whatever the call started (detached daemons included) ends with it: in our PID
            # namespace, kill(-1) reaches every process but the sandbox's init and ourselves.
            if self.isolated:
                try:
                    os.kill(-1, signal.SIGKILL)
                except OSError:
                    pass
            if self.after_call is not None:
                self.after_call()


def empty_folder(path):
    """Removes everything inside path (not path itself), whatever modes a call left on it."""
    try:
        entries = list(os.scandir(path))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                os.chmod(entry.path, 0o700)
                empty_folder(entry.path)
                os.rmdir(entry.path)
            else:
                os.unlink(entry.path)
        except (OSError, RecursionError):
            pass


def not_dumpable():
    """PR_SET_DUMPABLE 0: no process of our user may ptrace us or read our memory through /proc
    (the forked calls inherit it). The sandbox's seccomp filter refuses ptrace as well."""
    import ctypes
    try:
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE
    except (OSError, AttributeError):
        pass


# The entry points recognised without &entrypoint, in the order they are preferred (the
# gateway's HandlerDetection decides the same at deploy): SeBS/ours, Lambda, OpenFaaS, OpenWhisk.
ENTRY_POINTS = ("handler", "lambda_handler", "handle", "main")


def uncalled_entry(path):
    """The entry point the module at path defines at top level (a def, or an assignment) and
    never calls, or None."""
    import ast  # only when a command printed nothing
    try:
        with open(path, "rb") as source:
            tree = ast.parse(source.read())
    except BaseException:
        return None
    defined = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in ENTRY_POINTS:
            defined.append(node.name)
        if isinstance(node, ast.Assign):
            defined += [t.id for t in node.targets if isinstance(t, ast.Name) and t.id in ENTRY_POINTS]
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    return next((name for name in ENTRY_POINTS if name in defined and name not in called), None)


def defines_handler(path):
    return uncalled_entry(path) is not None


def handler_not_called(name):
    return ("the module defines %s() but runs as a command (mode=command), which only runs the file:"
            " %s() was never called and nothing was printed. Deploy it with &mode=handler, or print"
            " the output.\n" % (name, name))


class CommandRunner:
    """Runs the program once per call in a child forked from this warm process."""

    def __init__(self, channel, code, cap, cpu_seconds, native=False):
        self.channel, self.code, self.cap, self.cpu_seconds = channel, code, cap, cpu_seconds
        self.native = native
        self.entry = False if native else None  # looked up the first time a call prints nothing
        # Compiled once here: each child only executes it (runpy would recompile and re-import
        # its machinery in every child, ~6 ms a call).
        self.program, self.compile_error = None, ""
        if native:
            return
        try:
            with open(code, "rb") as source:
                self.program = compile(source.read(), code, "exec")
        except BaseException:
            self.compile_error = traceback.format_exc()

    def serve(self):
        if self.channel.isolated:
            # Each call sees an empty /tmp (our sandbox's own tmpfs): nothing a call wrote is
            # left for the next, and its pages are given back to the function's cgroup.
            self.channel.after_call = lambda: empty_folder("/tmp")
        # Everything this process holds moves out of the collector's reach, so children do not
        # copy-on-write its heap just by collecting.
        import gc
        gc.collect()
        gc.freeze()
        for _, payload in self.channel.requests():
            kind, code, out, err = self.run(payload)
            # What the command wrote to stderr is its log (and a failure's message).
            self.channel.reply(kind, code, out, err, log_lines("stderr", err, self.cap))

    def child(self, r_in, w_in, r_out, w_out, r_err, w_err):
        try:
            os.setpgid(0, 0)  # its own group: whatever it forks is killed with it
            # The CPU limit is per call: the zygote's own time does not count.
            resource.setrlimit(resource.RLIMIT_CPU, (self.cpu_seconds, self.cpu_seconds))
            os.dup2(r_in, 0); os.dup2(w_out, 1); os.dup2(w_err, 2)
            for fd in (r_in, w_in, r_out, w_out, r_err, w_err, self.channel.requests_fd, self.channel.replies_fd):
                os.close(fd)
            signal.signal(signal.SIGPIPE, signal.SIG_DFL)
            if self.native:
                try:
                    os.execv(self.code, [self.code])
                except OSError as e:
                    os.write(2, f"cannot run {self.code}: {e.strerror}\n".encode())
                    os._exit(127)
            # As a fresh python3 in a UTF-8 locale: undecodable bytes survive a read/print round
            # trip, and "\r" is not translated (newline="\n", as CPython's own stdio on Unix).
            sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8", errors="surrogateescape", newline="\n")
            sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding="utf-8", errors="surrogateescape", newline="\n")
            sys.stderr = io.TextIOWrapper(io.BufferedWriter(io.FileIO(2, "w", closefd=False)), encoding="utf-8", errors="backslashreplace", newline="\n", write_through=True)
            sys.argv = [self.code]
            code = 0
            try:
                if self.program is None:
                    sys.stderr.write(self.compile_error)
                    sys.stderr.flush()
                    os._exit(1)
                module = types.ModuleType("__main__")
                module.__file__ = self.code
                sys.modules["__main__"] = module
                exec(self.program, module.__dict__)
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
                if not isinstance(e.code, int) and e.code is not None:
                    print(e.code, file=sys.stderr)
            except BaseException:
                traceback.print_exc()
                code = 1
            try:
                sys.stdout.flush(); sys.stderr.flush()
            except BaseException:
                code = code or 1
            os._exit(code & 0xFF)
        finally:
            os._exit(70)

    def run(self, payload):
        """One call: (kind, code, stdout, stderr)."""
        r_in, w_in = os.pipe()
        r_out, w_out = os.pipe()
        r_err, w_err = os.pipe()
        pid = os.fork()
        if pid == 0:
            self.child(r_in, w_in, r_out, w_out, r_err, w_err)
        os.close(r_in); os.close(w_out); os.close(w_err)
        out, err = bytearray(), bytearray()
        sel = selectors.DefaultSelector()
        os.set_blocking(w_in, False)
        pending = memoryview(payload)
        if pending:
            sel.register(w_in, selectors.EVENT_WRITE)
        else:
            os.close(w_in)
        sel.register(r_out, selectors.EVENT_READ, out)
        sel.register(r_err, selectors.EVENT_READ, err)
        open_readers, too_large, status, exited_at = 2, False, None, None
        while open_readers and not too_large:
            if status is None:
                done, st = os.waitpid(pid, os.WNOHANG)
                if done:
                    status, exited_at = st, time.monotonic()
            # The program ended but something it forked still holds a pipe: do not wait for it.
            if exited_at is not None and time.monotonic() - exited_at > 0.05:
                break
            for key, _ in sel.select(timeout=0.05):
                if key.fd == w_in:
                    try:
                        pending = pending[os.write(w_in, pending):]
                    except BrokenPipeError:
                        pending = pending[len(pending):]
                    except BlockingIOError:
                        pass
                    if not pending:
                        sel.unregister(w_in); os.close(w_in)
                    continue
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    sel.unregister(key.fd); os.close(key.fd); open_readers -= 1
                    continue
                key.data.extend(chunk)
                if len(key.data) > self.cap:
                    too_large = True
        try:
            os.killpg(pid, signal.SIGKILL)  # the program on overflow, stray children always
        except OSError:
            pass
        for key in list(sel.get_map().values()):
            os.close(key.fd)
        sel.close()
        if status is None:
            _, status = os.waitpid(pid, 0)
        if too_large:
            return Frame.OUTPUT_TOO_LARGE, 0, b"", b""
        if os.WIFSIGNALED(status):
            return Frame.SIGNALED, os.WTERMSIG(status), bytes(out), bytes(err)
        code = os.WEXITSTATUS(status)
        if code == 0 and not out and self.uncalled_entry():
            # A handler module run as a command: never a silent empty success.
            return Frame.EXITED, 1, b"", bytes(err) + handler_not_called(self.entry).encode()
        return Frame.EXITED, code, bytes(out), bytes(err)

    def uncalled_entry(self):
        if self.entry is None:
            self.entry = uncalled_entry(self.code) or False
        return self.entry


class LogCapture(io.TextIOBase):
    """sys.stdout or sys.stderr while a handler runs: what it writes goes to the call's log
    (kept up to about twice the cap: render_log cuts it to the cap)."""

    def __init__(self, stream, entries, limit):
        self.stream, self.entries, self.limit = stream, entries, limit

    def writable(self):
        return True

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError("write() argument must be str, not %s" % type(text).__name__)
        if self.limit > 0:
            self.entries.append((self.stream, text))
            self.limit -= len(text)
        return len(text)

    @property
    def encoding(self):
        return "utf-8"


def render_log(entries, cap):
    """A call's (stream, text) writes as log lines, in the order written, at most cap bytes."""
    lines, partial = [], {}
    for stream, text in entries:
        pieces = text.split("\n")
        pieces[0] = partial.pop(stream, "") + pieces[0]
        for line in pieces[:-1]:
            lines.append("%s %s\n" % (stream, line))
        if pieces[-1]:
            partial[stream] = pieces[-1]
    for stream, line in partial.items():
        lines.append("%s %s\n" % (stream, line))
    return cap_log("".join(lines).encode("utf-8", "backslashreplace"), cap)


class Context:
    """The second argument of a Lambda-style handler, with Lambda's names."""

    def __init__(self, header):
        self.function_name = header.get("function", "")
        self.function_version = str(header.get("version", ""))
        self.aws_request_id = header.get("request_id", "")
        self.request_id = self.aws_request_id
        self.memory_limit_in_mb = int(header.get("memory_mb") or 0)
        self.invoked_function_arn = "arn:minifaas:function:%s" % self.function_name
        self.log_group_name = "/minifaas/%s" % self.function_name
        self.log_stream_name = self.function_version
        self.identity = self.client_context = None
        self._deadline_ms = header.get("deadline_ms")

    def get_remaining_time_in_millis(self):
        if self._deadline_ms is None:
            return 0
        return max(0, int(self._deadline_ms - time.time() * 1000))


def body_value(payload):
    """The body as a str when it is UTF-8, else bytes."""
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload


def is_json_type(content_type):
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def event_of(payload, content_type, mode):
    """The event for a body: its parsed JSON (mode json; or auto and the content type is JSON or
    the body a JSON object or array), else the body (str, or bytes when not UTF-8)."""
    import json
    body = body_value(payload)
    if mode == "raw":
        return body
    if mode == "json":
        if not payload.strip():
            return None
        try:
            return json.loads(payload)
        except ValueError as e:
            raise ValueError("the payload is not JSON (the function was deployed with &event=json): %s" % e) from None
    if is_json_type(content_type) or payload.lstrip()[:1] in (b"{", b"["):
        try:
            return json.loads(payload)
        except ValueError:
            pass
    return body


def http_headers(http):
    """Lower-cased names to values, repeated headers joined with commas (as Lambda does)."""
    headers = {}
    for name, value in http.get("headers", []):
        headers[name] = headers[name] + "," + value if name in headers else value
    return headers


def query_parameters(query):
    from urllib.parse import parse_qsl
    parameters = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        parameters[name] = parameters[name] + "," + value if name in parameters else value
    return parameters


def proxy_event(header, payload):
    """Lambda's function-URL (API Gateway v2 proxy) event for an HTTP request (/fn/)."""
    import base64
    http = header["http"]
    headers = http_headers(http)
    now = time.time()
    event = {
        "version": "2.0", "routeKey": "$default", "rawPath": http.get("path", "/"), "rawQueryString": http.get("query", ""),
        "headers": headers,
        "requestContext": {
            "accountId": "anonymous", "apiId": header.get("function", ""), "domainName": headers.get("host", ""),
            "http": {"method": http.get("method", "GET"), "path": http.get("path", "/"), "protocol": "HTTP/1.1",
                     "sourceIp": http.get("source_ip") or "", "userAgent": headers.get("user-agent", "")},
            "requestId": header.get("request_id", ""), "routeKey": "$default", "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)), "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if "cookie" in headers:
        event["cookies"] = [c.strip() for c in headers["cookie"].split(";") if c.strip()]
    if event["rawQueryString"]:
        event["queryStringParameters"] = query_parameters(event["rawQueryString"])
    if payload:
        body = body_value(payload)
        if isinstance(body, bytes):
            event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
        else:
            event["body"] = body
    return event


def openwhisk_params(header, payload, mode):
    """OpenWhisk's params: the body's JSON object (and, through /fn/, the query's parameters
    and __ow_method, __ow_headers, __ow_path, as its web actions give)."""
    value = event_of(payload, header.get("content_type"), mode)
    params = dict(value) if isinstance(value, dict) else {}
    if payload and not isinstance(value, dict):
        params["__ow_body"] = value if not isinstance(value, bytes) else __import__("base64").b64encode(value).decode()
    http = header.get("http")
    if http:
        params = {**query_parameters(http.get("query", "")), **params}
        params["__ow_method"] = http.get("method", "GET").lower()
        params["__ow_headers"] = http_headers(http)
        params["__ow_path"] = http.get("path", "/")
    return params


def convention_of(entrypoint):
    """How an entry point is called, by its name: OpenFaaS's handle(req) gets the body,
    OpenWhisk's main(params) a dict, anything else Lambda's (event[, context])."""
    return {"handle": "openfaas", "main": "openwhisk"}.get(entrypoint, "lambda")


def positional_parameters(function):
    """How many positional arguments a function takes (2 when it takes *args)."""
    code = getattr(function, "__code__", None)
    if code is None:
        call = getattr(type(function), "__call__", None)
        code = getattr(call, "__code__", None)
        if code is None:
            return 2
        return max(0, positional_count(code) - 1)
    count = positional_count(code)
    return count - 1 if hasattr(function, "__self__") else count


def positional_count(code):
    if code.co_flags & 0x04:  # CO_VARARGS
        return 2
    return code.co_argcount


class HandlerRunner:
    """Loads the module once and calls its entry point per request."""

    def __init__(self, channel, code, cap, entrypoint="handler"):
        self.channel, self.code, self.cap, self.entrypoint = channel, code, cap, entrypoint
        self.convention = convention_of(entrypoint)
        self.handler, self.load_error, self.arity = None, None, 1
        # sys.stdout and sys.stderr during a call (made once: a call only gives them a new list).
        self.captures = LogCapture("stdout", [], 0), LogCapture("stderr", [], 0)
        try:
            import runpy
            namespace = runpy.run_path(code, run_name="faas_function")
            handler = namespace.get(entrypoint)
            if not callable(handler):
                raise RuntimeError("the module defines no %s() function (the entry point)" % entrypoint)
            self.handler = handler
            self.arity = positional_parameters(handler)
        except BaseException:
            self.load_error = traceback.format_exc().encode()

    def serve(self):
        import json  # events and results; imported once, not per call
        # A one-argument Lambda-style handler needs from the header only the content type and
        # the event mode, and no http request: when the header names neither "json" nor
        # "raw" nor "http", it is not parsed at all (the common call, a few microseconds saved).
        plain = self.convention == "lambda" and self.arity < 2
        for header, payload in self.channel.requests():
            if plain and b"json" not in header and b'"raw"' not in header and b'"http"' not in header:
                parsed = {}
            else:
                try:
                    parsed = json.loads(header) if header else {}
                except ValueError:
                    parsed = {}
            self.channel.reply(*self.run(payload, parsed))

    def event(self, payload, header):
        mode = header.get("event", "auto")
        if self.convention == "openfaas":
            return event_of(payload, None, "json" if mode == "json" else "raw")
        if self.convention == "openwhisk":
            return openwhisk_params(header, payload, mode)
        if header.get("http"):
            return proxy_event(header, payload)
        return event_of(payload, header.get("content_type"), mode)

    def run(self, payload, header=None):
        """One call: (kind, code, stdout, stderr, log, output type)."""
        if self.load_error is not None:
            return Frame.RUNTIME_ERROR, 1, b"", self.load_error, b"", Frame.TEXT
        header = header or {}
        entries = []
        for capture in self.captures:
            capture.entries, capture.limit = entries, 2 * self.cap
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = self.captures
        try:
            try:
                event = self.event(payload, header)
                if self.arity >= 2:
                    result = self.handler(event, Context(header))
                elif self.arity == 1:
                    result = self.handler(event)
                else:
                    result = self.handler()
                if hasattr(result, "__await__"):
                    import asyncio  # only for async handlers: it costs ~20 ms to import

                    async def wait(awaitable):
                        return await awaitable

                    result = asyncio.run(wait(result))
                out, output_type = render_typed(result)
            except BaseException:
                failure = traceback.format_exc().encode()[-self.cap:]
                return Frame.EXITED, 1, b"", failure, render_log(entries, self.cap), Frame.TEXT
        finally:
            sys.stdout, sys.stderr = saved
        log = render_log(entries, self.cap) if entries else b""
        if len(out) > self.cap:
            return Frame.OUTPUT_TOO_LARGE, 0, b"", b"", log, Frame.TEXT
        return Frame.EXITED, 0, out, b"", log, output_type


def render_typed(result):
    """A handler's return value as (output bytes, output type): a str or bytes as is (text),
    None as nothing, anything else its JSON."""
    if result is None:
        return b"", Frame.TEXT
    if isinstance(result, (bytes, bytearray)):
        return bytes(result), Frame.TEXT
    if isinstance(result, str):
        return result.encode("utf-8", "surrogateescape"), Frame.TEXT
    import json
    return json.dumps(result).encode(), Frame.JSON


def render(result):
    """A handler's return value as output bytes."""
    return render_typed(result)[0]


def bundle_sys_path(root, code):
    """A bundle's root, its entry file's folder and its python/ or site-packages/ folder
    (vendored dependencies) come first on sys.path, as Lambda's task root does."""
    if not root:
        return
    folders = [root, os.path.dirname(code)] + [os.path.join(root, name) for name in ("python", "site-packages")]
    for folder in reversed(folders):
        if os.path.isdir(folder) and folder not in sys.path:
            sys.path.insert(0, folder)


def main(argv):
    if len(argv) not in (6, 7) or argv[1] not in ("command", "handler", "exec"):
        sys.exit("usage: runtime.py command|handler|exec CODE CAP pidns|shared CPU_SECONDS [ENTRYPOINT]")
    mode, code, cap, isolation, cpu_seconds = argv[1], argv[2], int(argv[3]), argv[4], int(argv[5])
    bundle_sys_path(os.environ.get("FAAS_BUNDLE_ROOT"), code)
    entrypoint = argv[6] if len(argv) == 7 else "handler"
    channel = Channel(isolated=isolation == "pidns")
    if channel.isolated:
        not_dumpable()
    if mode == "handler":
        HandlerRunner(channel, code, cap, entrypoint).serve()
    else:
        CommandRunner(channel, code, cap, cpu_seconds, native=mode == "exec").serve()


if __name__ == "__main__":
    main(sys.argv)
