"""Tests of runtime.py: the frame format, and a real runtime process driven over fds 3 and 4
as the worker drives it (without the sandbox: isolation "shared").

Run: /usr/bin/python3 -B -m unittest discover -s Sources/FaaSWorker/Runtime -p 'test_*.py'
"""
import fcntl, os, select, shutil, signal, subprocess, sys, tempfile, textwrap, unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in a Swift target's folder
import runtime  # noqa: E402
from runtime import Frame  # noqa: E402

CAP = 4096


class Runtime:
    """A runtime.py process and the worker's end of its two pipes."""

    def __init__(self, mode, source, cap=CAP):
        self.folder = tempfile.mkdtemp(prefix="runtime-py-test-")
        self.code = os.path.join(self.folder, "code.py")
        with open(self.code, "w") as f:
            f.write(textwrap.dedent(source))
        if mode == "exec":
            os.chmod(self.code, 0o755)  # a native program (a Go function), here a script
        requests_r, self.requests = os.pipe()
        self.replies, replies_w = os.pipe()
        # Above fd 10 first, so that no move below overwrites the other's source.
        requests_r, replies_w = self.above_10(requests_r), self.above_10(replies_w)

        # bash (dash takes one-digit fds only) puts the two pipe ends on fds 3 and 4, as the worker's spawn does.
        moves = "3<&%d 4>&%d %d<&- %d>&-" % (requests_r, replies_w, requests_r, replies_w)
        self.process = subprocess.Popen(
            ["/bin/bash", "-c", 'exec "$@" ' + moves, "bash",
             sys.executable, "-I", os.path.join(HERE, "runtime.py"), mode, self.code, str(cap), "shared", "5"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            pass_fds=(requests_r, replies_w))
        os.close(requests_r)
        os.close(replies_w)
        self.counter = 0

    @staticmethod
    def above_10(fd):
        moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(fd)
        return moved

    def call(self, payload, timeout=20):
        """(kind, code, stdout, stderr) of one call; checks that the reply carries its nonce."""
        self.counter += 1
        nonce = self.counter.to_bytes(Frame.NONCE_LENGTH, "big")
        data = memoryview(Frame.request(nonce, payload))
        while data:
            data = data[os.write(self.requests, data):]
        header = self.receive(Frame.REPLY.size, timeout)
        _, _, out_length, err_length, _ = Frame.REPLY.unpack(header)
        kind, code, got_nonce, out, err, rest = Frame.parse_reply(header + self.receive(out_length + err_length, timeout))
        assert got_nonce == nonce, (got_nonce, nonce)
        assert rest == b"", rest
        return kind, code, out, err

    def receive(self, count, timeout):
        received = b""
        while len(received) < count:
            ready, _, _ = select.select([self.replies], [], [], timeout)
            if not ready:
                raise AssertionError("no reply within %s s" % timeout)
            chunk = os.read(self.replies, count - len(received))
            if not chunk:
                raise AssertionError("the runtime closed its reply pipe: %r" % self.stop())
            received += chunk
        return received

    def stop(self):
        os.close(self.requests)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        errors = self.process.stderr.read()
        self.process.stderr.close()
        os.close(self.replies)
        shutil.rmtree(self.folder, ignore_errors=True)
        return errors


class FrameTests(unittest.TestCase):
    def test_request_layout(self):
        self.assertEqual(Frame.request(b"12345678", b"abc"), b"\x00\x00\x00\x03" + b"12345678" + b"abc")

    def test_reply_layout_and_parse(self):
        data = Frame.reply(Frame.SIGNALED, -2, b"NONCE-01", b"out", b"error")
        self.assertEqual(len(data), 21 + 3 + 5)
        self.assertEqual(data[:13], bytes([1]) + (-2).to_bytes(4, "big", signed=True) + (3).to_bytes(4, "big") + (5).to_bytes(4, "big"))
        self.assertEqual(Frame.parse_reply(data + b"next"), (Frame.SIGNALED, -2, b"NONCE-01", b"out", b"error", b"next"))

    def test_kinds(self):
        self.assertEqual((Frame.EXITED, Frame.SIGNALED, Frame.OUTPUT_TOO_LARGE, Frame.RUNTIME_ERROR), (0, 1, 2, 3))

    def test_render(self):
        self.assertEqual(runtime.render(None), b"")
        self.assertEqual(runtime.render("é"), "é".encode())
        self.assertEqual(runtime.render(b"\xff"), b"\xff")
        self.assertEqual(runtime.render({"a": [1, 2]}), b'{"a": [1, 2]}')


class CommandTests(unittest.TestCase):
    def start(self, source, cap=CAP):
        rt = Runtime("command", source, cap)
        self.addCleanup(rt.stop)
        return rt

    def test_reads_stdin_prints_stdout(self):
        rt = self.start("import sys\nprint('Hello, ' + sys.stdin.read())\n")
        self.assertEqual(rt.call(b"World"), (Frame.EXITED, 0, b"Hello, World\n", b""))
        self.assertEqual(rt.call(b""), (Frame.EXITED, 0, b"Hello, \n", b""))

    def test_no_state_survives_a_call(self):
        rt = self.start("import sys\ncount = 0\ncount += 1\nprint(count, sys.stdin.read())\n")
        for index in range(3):
            self.assertEqual(rt.call(b"c%d" % index)[2], b"1 c%d\n" % index)

    def test_bytes_and_carriage_returns_pass_unchanged(self):
        rt = self.start("import sys\nsys.stdout.write(sys.stdin.read())\n")
        payload = b"a\r\nb\xff\x00"
        self.assertEqual(rt.call(payload), (Frame.EXITED, 0, payload, b""))

    def test_exit_status_and_stderr(self):
        rt = self.start("import sys\nsys.stderr.write('bad')\nsys.exit(3)\n")
        self.assertEqual(rt.call(b""), (Frame.EXITED, 3, b"", b"bad"))

    def test_exception_is_exit_1_with_traceback(self):
        rt = self.start("raise ValueError('boom')\n")
        kind, code, out, err = rt.call(b"")
        self.assertEqual((kind, code), (Frame.EXITED, 1))
        self.assertIn(b"ValueError: boom", err)

    def test_syntax_error_is_exit_1(self):
        rt = self.start("def (:\n")
        kind, code, _, err = rt.call(b"")
        self.assertEqual((kind, code), (Frame.EXITED, 1))
        self.assertIn(b"SyntaxError", err)

    def test_killed_by_signal(self):
        rt = self.start("import fcntl, os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")
        self.assertEqual(rt.call(b"")[:2], (Frame.SIGNALED, signal.SIGKILL))
        self.assertEqual(rt.call(b"")[:2], (Frame.SIGNALED, signal.SIGKILL), "the runtime survives its calls")

    def test_output_over_the_cap(self):
        rt = self.start("print('x' * 10000)\n", cap=1000)
        self.assertEqual(rt.call(b""), (Frame.OUTPUT_TOO_LARGE, 0, b"", b""))

    def test_printing_nothing_is_an_empty_success(self):
        rt = self.start("import sys\nsys.stdin.read()\n")
        self.assertEqual(rt.call(b"x"), (Frame.EXITED, 0, b"", b""))

    def test_a_handler_module_run_as_a_command_is_not_a_silent_success(self):
        rt = self.start("def handler(payload):\n    return 'never called'\n")
        kind, code, out, err = rt.call(b"x")
        self.assertEqual((kind, code, out), (Frame.EXITED, 1, b""))
        self.assertIn(b"mode=handler", err)
        # One that prints is a program like any other.
        rt = self.start("def handler(payload):\n    return payload\nprint(handler('printed'))\n")
        self.assertEqual(rt.call(b""), (Frame.EXITED, 0, b"printed\n", b""))


class ExecTests(unittest.TestCase):
    """exec: the program is an executable of its own (a Go function's binary), run per call."""

    def start(self, source, cap=CAP):
        rt = Runtime("exec", source, cap)
        self.addCleanup(rt.stop)
        return rt

    def test_stdin_to_stdout_exit_status_and_stderr(self):
        rt = self.start("#!/bin/sh\nprintf 'Hello, '; cat; echo warned >&2; exit 4\n")
        self.assertEqual(rt.call(b"World"), (Frame.EXITED, 4, b"Hello, World", b"warned\n"))
        self.assertEqual(rt.call(b"again"), (Frame.EXITED, 4, b"Hello, again", b"warned\n"))

    def test_killed_by_signal(self):
        rt = self.start("#!/bin/sh\nkill -SEGV $$\n")
        self.assertEqual(rt.call(b"")[:2], (Frame.SIGNALED, signal.SIGSEGV))

    def test_output_over_the_cap(self):
        rt = self.start("#!/bin/sh\nhead -c 100000 /dev/zero\n", cap=1000)
        self.assertEqual(rt.call(b""), (Frame.OUTPUT_TOO_LARGE, 0, b"", b""))

    def test_a_program_that_cannot_run_is_exit_127(self):
        rt = self.start("#!/nonexistent/interpreter\n")
        kind, code, out, err = rt.call(b"")
        self.assertEqual((kind, code, out), (Frame.EXITED, 127, b""))
        self.assertIn(b"cannot run", err)


class HandlerTests(unittest.TestCase):
    def start(self, source, cap=CAP):
        rt = Runtime("handler", source, cap)
        self.addCleanup(rt.stop)
        return rt

    def test_return_values(self):
        rt = self.start("""
            def handler(payload):
                if payload == "bytes": return b"\\xff"
                if payload == "json": return {"n": 1}
                if payload == "none": return None
                return "Hello, " + payload
        """)
        self.assertEqual(rt.call(b"World"), (Frame.EXITED, 0, b"Hello, World", b""))
        self.assertEqual(rt.call(b"bytes"), (Frame.EXITED, 0, b"\xff", b""))
        self.assertEqual(rt.call(b"json"), (Frame.EXITED, 0, b'{"n": 1}', b""))
        self.assertEqual(rt.call(b"none"), (Frame.EXITED, 0, b"", b""))

    def test_payload_is_str_when_utf8_else_bytes(self):
        rt = self.start("def handler(payload):\n    return type(payload).__name__\n")
        self.assertEqual(rt.call("é".encode())[2], b"str")
        self.assertEqual(rt.call(b"\xff")[2], b"bytes")

    def test_state_survives_between_calls(self):
        rt = self.start("n = 0\ndef handler(payload):\n    global n\n    n += 1\n    return str(n)\n")
        self.assertEqual([rt.call(b"")[2] for _ in range(3)], [b"1", b"2", b"3"])

    def test_async_handler(self):
        rt = self.start("async def handler(payload):\n    return payload.upper()\n")
        self.assertEqual(rt.call(b"abc"), (Frame.EXITED, 0, b"ABC", b""))

    def test_raising_is_exit_1_and_the_next_call_works(self):
        rt = self.start("def handler(payload):\n    if payload == 'fail': raise KeyError('k')\n    return 'ok'\n")
        kind, code, out, err = rt.call(b"fail")
        self.assertEqual((kind, code, out), (Frame.EXITED, 1, b""))
        self.assertIn(b"KeyError", err)
        self.assertEqual(rt.call(b"x"), (Frame.EXITED, 0, b"ok", b""))

    def test_output_over_the_cap(self):
        rt = self.start("def handler(payload):\n    return 'x' * 5000\n", cap=1000)
        self.assertEqual(rt.call(b""), (Frame.OUTPUT_TOO_LARGE, 0, b"", b""))

    def test_a_module_without_handler_is_a_runtime_error(self):
        rt = self.start("print('no handler here')\n")
        kind, code, out, err = rt.call(b"")
        self.assertEqual((kind, code, out), (Frame.RUNTIME_ERROR, 1, b""))
        self.assertIn(b"defines no handler", err)

    def test_what_a_handler_prints_is_not_its_output(self):
        rt = self.start("def handler(payload):\n    print('to the log')\n    return 'result'\n")
        self.assertEqual(rt.call(b""), (Frame.EXITED, 0, b"result", b""))


class IsolationTests(unittest.TestCase):
    def test_empty_folder_removes_everything_a_call_left(self):
        root = tempfile.mkdtemp()
        try:
            os.makedirs(os.path.join(root, "a", "b"))
            with open(os.path.join(root, "a", "b", "secret"), "w") as f:
                f.write("payload of an earlier call")
            with open(os.path.join(root, "top"), "w") as f:
                f.write("x")
            os.symlink("/etc/passwd", os.path.join(root, "link"))
            os.chmod(os.path.join(root, "a"), 0o500)  # a folder the call made read-only
            runtime.empty_folder(root)
            self.assertEqual(os.listdir(root), [])
            self.assertTrue(os.path.exists("/etc/passwd"))  # a link is removed, not followed
        finally:
            shutil.rmtree(root, ignore_errors=True)

    def test_the_zygote_is_not_dumpable(self):
        probe = ("import ctypes, sys; sys.path.insert(0, %r); import runtime; runtime.not_dumpable(); "
                 "print(ctypes.CDLL(None).prctl(3, 0, 0, 0, 0))") % HERE
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
        self.assertEqual(out.strip(), "0")  # PR_GET_DUMPABLE


class UsageTests(unittest.TestCase):
    def test_unknown_mode_exits_with_usage(self):
        done = subprocess.run([sys.executable, "-I", os.path.join(HERE, "runtime.py"), "script", "x", "1", "shared", "1"],
                              capture_output=True, timeout=20)
        self.assertNotEqual(done.returncode, 0)
        self.assertIn(b"usage", done.stderr)

    def test_defines_handler(self):
        with tempfile.NamedTemporaryFile("w", suffix=".py") as f:
            f.write("x = 1\nhandler = lambda p: p\n")
            f.flush()
            self.assertTrue(runtime.defines_handler(f.name))
        with tempfile.NamedTemporaryFile("w", suffix=".py") as f:
            f.write("def other():\n    def handler(p): pass\n")
            f.flush()
            self.assertFalse(runtime.defines_handler(f.name))



class BundleSysPathTests(unittest.TestCase):
    """A bundle's root, its entry's folder and python/ / site-packages/ come first on sys.path."""

    def test_bundle_folders_lead_sys_path(self):
        root = tempfile.mkdtemp(prefix="runtime-py-bundle-")
        self.addCleanup(shutil.rmtree, root, True)
        for folder in ("app", "python", "site-packages"):
            os.mkdir(os.path.join(root, folder))
        saved = list(sys.path)
        self.addCleanup(setattr, sys, "path", saved)
        runtime.bundle_sys_path(root, os.path.join(root, "app", "main.py"))
        self.assertEqual(sys.path[:4], [root, os.path.join(root, "app"), os.path.join(root, "python"), os.path.join(root, "site-packages")])
        self.assertEqual(sys.path[4:], saved)

    def test_no_bundle_no_change(self):
        saved = list(sys.path)
        runtime.bundle_sys_path(None, "/fn/code.py")
        self.assertEqual(sys.path, saved)

if __name__ == "__main__":
    unittest.main()
