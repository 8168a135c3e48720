# MiniFaaS Python runtime: one per (worker, function), inside the function's sandbox.
# Command line, frame format and reply kinds: README.md in this folder.
# "command": a warm zygote forks a fresh child per call that runs the program as __main__
# (SOCK, ATC'18): no state survives a call. "handler": the module is loaded once and
# handler(payload) is called per request; its return value is the output. "exec": as
# "command", but the program is a native executable (a Go function) the child execs.
import io, os, resource, selectors, signal, struct, sys, time, traceback, types


class Frame:
    """The frame format (README.md), defined once for Python."""

    REQUEST = struct.Struct(">I8s")  # payload length, nonce
    REPLY = struct.Struct(">BiII8s")  # kind, code, stdout length, stderr length, nonce
    NONCE_LENGTH = 8
    # Reply kinds.
    EXITED, SIGNALED, OUTPUT_TOO_LARGE, RUNTIME_ERROR = 0, 1, 2, 3

    @staticmethod
    def request(nonce, payload):
        return Frame.REQUEST.pack(len(payload), nonce) + payload

    @staticmethod
    def reply(kind, code, nonce, out, err):
        return Frame.REPLY.pack(kind, code, len(out), len(err), nonce) + out + err

    @staticmethod
    def parse_reply(data):
        """(kind, code, nonce, stdout, stderr, rest) of the first reply in data (the worker's side)."""
        kind, code, out_length, err_length, nonce = Frame.REPLY.unpack_from(data)
        start = Frame.REPLY.size
        out = data[start:start + out_length]
        err = data[start + out_length:start + out_length + err_length]
        return kind, code, nonce, out, err, data[start + out_length + err_length:]


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

    def reply(self, kind, code, out, err):
        view = memoryview(Frame.reply(kind, code, self.nonce, out, err))
        while view:
            view = view[os.write(self.replies_fd, view):]

    def requests(self):
        while True:
            length, self.nonce = Frame.REQUEST.unpack(self.read_exact(Frame.REQUEST.size))
            yield self.read_exact(length)
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


def defines_handler(path):
    """True if the module at path defines a top-level handler (a def, or an assignment)."""
    import ast  # only when a command printed nothing
    try:
        with open(path, "rb") as source:
            tree = ast.parse(source.read())
    except BaseException:
        return False
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "handler":
            return True
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "handler" for t in node.targets):
            return True
    return False


HANDLER_NOT_CALLED = (
    "the module defines handler() but runs as a command (mode=command), which only runs the file:"
    " handler() was never called and nothing was printed. Deploy it with &mode=handler, or print"
    " the output.\n"
)


class CommandRunner:
    """Runs the program once per call in a child forked from this warm process."""

    def __init__(self, channel, code, cap, cpu_seconds, native=False):
        self.channel, self.code, self.cap, self.cpu_seconds = channel, code, cap, cpu_seconds
        self.native = native
        self.handler_defined = False if native else None  # looked up the first time a call prints nothing
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
        for payload in self.channel.requests():
            self.channel.reply(*self.run(payload))

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
        if code == 0 and not out and self.defines_handler():
            # A handler module run as a command: never a silent empty success.
            return Frame.EXITED, 1, b"", bytes(err) + HANDLER_NOT_CALLED.encode()
        return Frame.EXITED, code, bytes(out), bytes(err)

    def defines_handler(self):
        if self.handler_defined is None:
            self.handler_defined = defines_handler(self.code)
        return self.handler_defined


class HandlerRunner:
    """Loads the module once and calls its handler(payload) per request."""

    def __init__(self, channel, code, cap):
        self.channel, self.code, self.cap = channel, code, cap
        self.handler, self.load_error = None, None
        try:
            import runpy
            namespace = runpy.run_path(code, run_name="faas_function")
            handler = namespace.get("handler")
            if not callable(handler):
                raise RuntimeError("the module defines no handler(payload) function")
            self.handler = handler
        except BaseException:
            self.load_error = traceback.format_exc().encode()

    def serve(self):
        for payload in self.channel.requests():
            self.channel.reply(*self.run(payload))

    def run(self, payload):
        """One call: (kind, code, stdout, stderr)."""
        if self.load_error is not None:
            return Frame.RUNTIME_ERROR, 1, b"", self.load_error
        try:
            try:
                argument = payload.decode("utf-8")
            except UnicodeDecodeError:
                argument = payload
            result = self.handler(argument)
            if hasattr(result, "__await__"):
                import asyncio  # only for async handlers: it costs ~20 ms to import

                async def wait(awaitable):
                    return await awaitable

                result = asyncio.run(wait(result))
            out = render(result)
        except BaseException:
            return Frame.EXITED, 1, b"", traceback.format_exc().encode()[-self.cap:]
        if len(out) > self.cap:
            return Frame.OUTPUT_TOO_LARGE, 0, b"", b""
        return Frame.EXITED, 0, out, b""


def render(result):
    """A handler's return value as output bytes."""
    if result is None:
        return b""
    if isinstance(result, (bytes, bytearray)):
        return bytes(result)
    if isinstance(result, str):
        return result.encode()
    import json
    return json.dumps(result).encode()


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
    if len(argv) != 6 or argv[1] not in ("command", "handler", "exec"):
        sys.exit("usage: runtime.py command|handler|exec CODE CAP pidns|shared CPU_SECONDS")
    mode, code, cap, isolation, cpu_seconds = argv[1], argv[2], int(argv[3]), argv[4], int(argv[5])
    bundle_sys_path(os.environ.get("FAAS_BUNDLE_ROOT"), code)
    channel = Channel(isolated=isolation == "pidns")
    if channel.isolated:
        not_dumpable()
    if mode == "handler":
        HandlerRunner(channel, code, cap).serve()
    else:
        CommandRunner(channel, code, cap, cpu_seconds, native=mode == "exec").serve()


if __name__ == "__main__":
    main(sys.argv)
