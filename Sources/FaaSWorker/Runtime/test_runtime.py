"""Tests of runtime.py: the frame format, and a real runtime process driven over fds 3 and 4
as the worker drives it (without the sandbox: isolation "shared").

Run: /usr/bin/python3 -B -m unittest discover -s Sources/FaaSWorker/Runtime -p 'test_*.py'
"""
import fcntl, os, select, shutil, signal, subprocess, sys, tempfile, textwrap, time, unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in a Swift target's folder
import runtime  # noqa: E402
from runtime import Frame  # noqa: E402

CAP = 4096


class Runtime:
    """A runtime.py process and the worker's end of its two pipes."""

    def __init__(self, mode, source, cap=CAP, entrypoint=None):
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
             sys.executable, "-I", os.path.join(HERE, "runtime.py"), mode, self.code, str(cap), "shared", "5"]
            + ([entrypoint] if entrypoint else []),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            pass_fds=(requests_r, replies_w))
        os.close(requests_r)
        os.close(replies_w)
        self.counter = 0
        self.log, self.output_type = b"", Frame.TEXT  # the last call's

    @staticmethod
    def above_10(fd):
        moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(fd)
        return moved

    def call(self, payload, timeout=20, header=None):
        """(kind, code, stdout, stderr) of one call (its log and output type in self.log and
        self.output_type); checks that the reply carries its nonce."""
        import json
        self.counter += 1
        nonce = self.counter.to_bytes(Frame.NONCE_LENGTH, "big")
        data = memoryview(Frame.request(nonce, payload, json.dumps(header or {}).encode()))
        while data:
            data = data[os.write(self.requests, data):]
        head = self.receive(Frame.REPLY.size, timeout)
        _, _, _, out_length, err_length, log_length, _ = Frame.REPLY.unpack(head)
        body = self.receive(out_length + err_length + log_length, timeout)
        kind, code, self.output_type, got_nonce, out, err, self.log, rest = Frame.parse_reply(head + body)
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
        self.assertEqual(Frame.request(b"12345678", b"abc", b"{}"),
                         b"\x00\x00\x00\x02" + b"\x00\x00\x00\x03" + b"12345678" + b"{}" + b"abc")

    def test_reply_layout_and_parse(self):
        data = Frame.reply(Frame.SIGNALED, -2, b"NONCE-01", b"out", b"error", b"stderr x\n", Frame.JSON)
        self.assertEqual(len(data), 26 + 3 + 5 + 9)
        self.assertEqual(data[:18], bytes([1]) + (-2).to_bytes(4, "big", signed=True) + bytes([1]) + (3).to_bytes(4, "big")
                         + (5).to_bytes(4, "big") + (9).to_bytes(4, "big"))
        self.assertEqual(Frame.parse_reply(data + b"next"),
                         (Frame.SIGNALED, -2, Frame.JSON, b"NONCE-01", b"out", b"error", b"stderr x\n", b"next"))

    def test_log_lines(self):
        self.assertEqual(runtime.log_lines("stderr", b"a\nb", 100), b"stderr a\nstderr b\n")
        self.assertEqual(runtime.log_lines("stderr", b"", 100), b"")
        capped = runtime.log_lines("stderr", b"x\n" * 100, 60)
        self.assertLessEqual(len(capped), 60)
        self.assertTrue(capped.endswith(b"stderr [log truncated]\n"), capped)

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
        self.assertEqual(rt.log, b"stderr bad\n")

    def test_stderr_goes_to_the_log_stdout_to_the_output(self):
        rt = self.start("import sys\nprint('out')\nprint('one\\ntwo', file=sys.stderr)\n")
        self.assertEqual(rt.call(b"")[:3], (Frame.EXITED, 0, b"out\n"))
        self.assertEqual((rt.log, rt.output_type), (b"stderr one\nstderr two\n", Frame.TEXT))

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
        self.assertEqual(rt.output_type, Frame.TEXT)
        self.assertEqual(rt.call(b"json"), (Frame.EXITED, 0, b'{"n": 1}', b""))
        self.assertEqual(rt.output_type, Frame.JSON)
        self.assertEqual(rt.call(b"none"), (Frame.EXITED, 0, b"", b""))
        self.assertEqual(rt.output_type, Frame.TEXT)

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

    def test_what_a_handler_prints_goes_to_the_log_not_its_output(self):
        rt = self.start("""
            import sys
            def handler(payload):
                print('to the log')
                sys.stderr.write('partial ')
                print('warned', file=sys.stderr)
                sys.stdout.write('no newline')
                return 'result'
        """)
        self.assertEqual(rt.call(b""), (Frame.EXITED, 0, b"result", b""))
        self.assertEqual(rt.log, b"stdout to the log\nstderr partial warned\nstdout no newline\n")
        self.assertEqual(rt.call(b""), (Frame.EXITED, 0, b"result", b""))
        self.assertEqual(rt.log.count(b"to the log"), 1, "each call's own lines")

    def test_a_handler_printing_without_end_keeps_a_bounded_log(self):
        rt = self.start("def handler(payload):\n    for _ in range(100000):\n        print('x' * 100)\n    return 'done'\n", cap=1000)
        self.assertEqual(rt.call(b"")[:3], (Frame.EXITED, 0, b"done"))
        self.assertLessEqual(len(rt.log), 1000)
        self.assertTrue(rt.log.endswith(b"stderr [log truncated]\n"), rt.log[-60:])

    def test_a_failing_handler_keeps_what_it_printed(self):
        rt = self.start("def handler(payload):\n    print('before')\n    raise ValueError('boom')\n")
        kind, code, _, err = rt.call(b"")
        self.assertEqual((kind, code), (Frame.EXITED, 1))
        self.assertIn(b"ValueError: boom", err)
        self.assertEqual(rt.log, b"stdout before\n")


class ConventionTests(unittest.TestCase):
    """Entry points, events and context: the peers' handler conventions (README.md)."""

    HTTP = {"method": "POST", "path": "/a/b", "query": "x=1&y=2&x=3",
            "headers": [["content-type", "application/json"], ["cookie", "a=1; b=2"], ["x-many", "1"], ["x-many", "2"]],
            "source_ip": "127.0.0.1"}

    def start(self, source, entrypoint=None, cap=CAP):
        rt = Runtime("handler", source, cap, entrypoint)
        self.addCleanup(rt.stop)
        return rt

    def test_event_is_parsed_json_for_json_content_or_an_object_body(self):
        rt = self.start("def handler(event):\n    return {'type': type(event).__name__, 'event': event}\n")
        self.assertEqual(rt.call(b'{"sleep": 0.2}')[2], b'{"type": "dict", "event": {"sleep": 0.2}}')
        self.assertEqual(rt.output_type, Frame.JSON)
        self.assertEqual(rt.call(b"[1, 2]")[2], b'{"type": "list", "event": [1, 2]}')
        self.assertEqual(rt.call(b"42", header={"content_type": "application/json; charset=utf-8"})[2], b'{"type": "int", "event": 42}')
        self.assertEqual(rt.call(b"42")[2], b'{"type": "str", "event": "42"}', "not JSON content, not an object: the string")
        self.assertEqual(rt.call(b"{broken")[2], b'{"type": "str", "event": "{broken"}')
        self.assertEqual(rt.call(b'{"a":1}', header={"event": "raw"})[2], b'{"type": "str", "event": "{\\"a\\":1}"}')
        self.assertEqual(rt.call(b"7", header={"event": "json"})[2], b'{"type": "int", "event": 7}')
        kind, code, _, err = rt.call(b"not json", header={"event": "json"})
        self.assertEqual((kind, code), (Frame.EXITED, 1))
        self.assertIn(b"not JSON", err)

    def test_lambda_handler_gets_a_context_with_lambdas_names(self):
        rt = self.start("""
            import time
            def lambda_handler(event, context):
                return {"n": event["n"] * 2, "name": context.function_name, "version": context.function_version,
                        "id": context.aws_request_id, "memory": context.memory_limit_in_mb,
                        "remaining": context.get_remaining_time_in_millis()}
        """, entrypoint="lambda_handler")
        deadline = int(time.time() * 1000) + 5000
        rt.call(b'{"n": 21}', header={"request_id": "req-1", "function": "double", "version": 3, "memory_mb": 128,
                                       "deadline_ms": deadline})
        import json
        got = json.loads(rt.call(b'{"n": 21}', header={"request_id": "req-1", "function": "double", "version": 3, "memory_mb": 128,
                                                        "deadline_ms": deadline})[2])
        remaining = got.pop("remaining")
        self.assertEqual(got, {"n": 42, "name": "double", "version": "3", "id": "req-1", "memory": 128})
        self.assertTrue(0 < remaining <= 5000, remaining)

    def test_openfaas_handle_gets_the_raw_body(self):
        rt = self.start("def handle(req):\n    return type(req).__name__ + ':' + req\n", entrypoint="handle")
        self.assertEqual(rt.call(b'{"a": 1}', header={"content_type": "application/json"})[2], b'str:{"a": 1}')
        self.assertEqual(rt.call(b'{"a": 1}', header={"http": self.HTTP})[2], b'str:{"a": 1}', "through /fn/ too")

    def test_openwhisk_main_gets_params(self):
        rt = self.start("def main(params):\n    return {'payload': params}\n", entrypoint="main")
        import json
        self.assertEqual(json.loads(rt.call(b'{"name": "x"}')[2]), {"payload": {"name": "x"}})
        self.assertEqual(json.loads(rt.call(b"")[2]), {"payload": {}})
        got = json.loads(rt.call(b'{"name": "x"}', header={"http": self.HTTP})[2])["payload"]
        self.assertEqual(got, {"name": "x", "x": "1,3", "y": "2", "__ow_method": "post", "__ow_path": "/a/b",
                               "__ow_headers": {"content-type": "application/json", "cookie": "a=1; b=2", "x-many": "1,2"}})

    def test_lambda_handlers_get_the_proxy_event_through_fn(self):
        rt = self.start("def handler(event, context):\n    return event\n")
        import json
        event = json.loads(rt.call(b'{"n": 1}', header={"http": self.HTTP, "request_id": "r-9", "function": "f"})[2])
        self.assertEqual(event["version"], "2.0")
        self.assertEqual((event["rawPath"], event["rawQueryString"]), ("/a/b", "x=1&y=2&x=3"))
        self.assertEqual(event["queryStringParameters"], {"x": "1,3", "y": "2"})
        self.assertEqual(event["headers"]["x-many"], "1,2")
        self.assertEqual(event["cookies"], ["a=1", "b=2"])
        self.assertEqual(event["requestContext"]["http"], {"method": "POST", "path": "/a/b", "protocol": "HTTP/1.1",
                                                           "sourceIp": "127.0.0.1", "userAgent": ""})
        self.assertEqual(event["requestContext"]["requestId"], "r-9")
        self.assertEqual((event["body"], event["isBase64Encoded"]), ('{"n": 1}', False))
        binary = json.loads(rt.call(b"\xff\x00", header={"http": dict(self.HTTP, query="")})[2])
        self.assertEqual((binary["body"], binary["isBase64Encoded"]), ("/wA=", True))
        self.assertNotIn("queryStringParameters", binary)
        self.assertNotIn("body", json.loads(rt.call(b"", header={"http": dict(self.HTTP, method="GET")})[2]))

    def test_any_named_entrypoint_and_one_argument_handlers(self):
        rt = self.start("def compute(event):\n    return event['a'] + 1\n", entrypoint="compute")
        self.assertEqual(rt.call(b'{"a": 1}')[2], b"2")
        self.assertEqual(rt.output_type, Frame.JSON)
        rt = self.start("class H:\n    def __call__(self, event, context):\n        return context.function_name\nhandler = H()\n")
        self.assertEqual(rt.call(b"", header={"function": "obj"})[2], b"obj")
        rt = self.start("def handler(*args):\n    return len(args)\n")
        self.assertEqual(rt.call(b"")[2], b"2")

    def test_a_missing_entrypoint_names_it(self):
        rt = self.start("def handler(e):\n    return e\n", entrypoint="lambda_handler")
        kind, _, _, err = rt.call(b"")
        self.assertEqual(kind, Frame.RUNTIME_ERROR)
        self.assertIn(b"lambda_handler", err)

    def test_async_lambda_handler_with_context(self):
        rt = self.start("async def handler(event, context):\n    return [event, context.aws_request_id]\n")
        self.assertEqual(rt.call(b'{"a": 1}', header={"request_id": "x"})[2], b'[{"a": 1}, "x"]')

    def test_uncalled_entry_of_a_command(self):
        with tempfile.NamedTemporaryFile("w", suffix=".py") as f:
            f.write("def lambda_handler(e, c):\n    return e\n")
            f.flush()
            self.assertEqual(runtime.uncalled_entry(f.name), "lambda_handler")
        with tempfile.NamedTemporaryFile("w", suffix=".py") as f:
            f.write("def main():\n    pass\nif __name__ == '__main__':\n    main()\n")
            f.flush()
            self.assertIsNone(runtime.uncalled_entry(f.name), "a script that calls its main")


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
