#!/usr/bin/env python3
"""Helpers for scripts/bench (standard library only).

Subcommands (each prints JSON or plain text on stdout, diagnostics on stderr):
  wrk FILE [key=value ...]       parse `wrk --latency` output; extra key=value pairs are added
  deploy BASE NAME LANG FILE [QUERY]
                                 POST /deploy; prints {"status","id","body","ms"}
  invoke BASE ID PAYLOAD         POST /invoke; prints {"status","ok","output","body","ms"}
  check BASE ID PAYLOAD EXPECTED exit 0 when the invoke answers 200 with ok and EXPECTED output
                                 (trailing newlines ignored); prints the reason otherwise
  check-count BASE ID SIZE KIND  the same for the payload-size function (count.c): a body of
                                 SIZE bytes, "x" repeated (KIND text) or 0..255 in turn
                                 (binary), must answer SIZE
  mass-deploy BASE N PREFIX CONCURRENCY
                                 deploys N tiny Python functions over CONCURRENCY keep-alive
                                 connections; prints {"n","ok","failed","seconds","per_s",...}
  coldstart BASE NAME LANG FILE PAYLOAD EXPECTED [QUERY]
                                 deploy, then invoke at once (retrying until the expected
                                 answer, 30 s at most); prints the timings
  fairness BASE HELLO LONG SAMPLES
                                 hello latency (SAMPLES sequential invokes) alone, then while
                                 N = 1, 2, 4, 8 calls of LONG are kept in flight; one JSON line
                                 per N: {"kind":"fairness","long","p50_ms","p99_ms","errors"}
  autoscale BASE ID COUNT MINIMUM
                                 COUNT invokes of ID at once, /metrics polled for the workers:
                                 time to the first added worker, peak, burst time, time back
                                 to MINIMUM; prints {"kind":"autoscale",...}
  rss PID...                     total VmRSS (KiB) of these processes and all their descendants
  sample-rss OUT INTERVAL PID... samples `rss` every INTERVAL s until SIGTERM, then writes
                                 {"samples","max_kib","mean_kib"} to OUT
  report ROWS SCALE META OUTJSON OUTMD
                                 prints the tables and writes results.json / results.md
"""

import http.client
import json
import os
import re
import signal
import statistics
import sys
import threading
import time
import urllib.parse


# --- fairness and autoscaling ------------------------------------------------------------------

def _percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def _latency(base, fid, samples):
    host, port = _split(base)
    conn = http.client.HTTPConnection(host, port, timeout=120)
    times, errors = [], 0
    try:
        for _ in range(samples):
            try:
                r = _invoke(base, fid, "World", conn=conn)
            except OSError:
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=120)
                continue
            if r["status"] == 200:
                times.append(r["ms"])
            else:
                errors += 1
    finally:
        conn.close()
    return times, errors


def cmd_fairness(base, hello, long_fn, samples):
    samples = int(samples)
    for n in (0, 1, 2, 4, 8):
        stop = threading.Event()
        longs = {"done": 0, "failed": 0}

        def keep_busy():
            while not stop.is_set():
                try:
                    r = _invoke(base, long_fn, "")
                    longs["done" if r["status"] == 200 else "failed"] += 1
                except OSError:
                    longs["failed"] += 1

        threads = [threading.Thread(target=keep_busy, daemon=True) for _ in range(n)]
        for t in threads:
            t.start()
        if n:
            time.sleep(1.0)  # the long calls reach their workers (or the queue)
        times, errors = _latency(base, hello, samples)
        stop.set()
        for t in threads:
            t.join(timeout=120)
        print(json.dumps({"kind": "fairness", "long": n, "samples": samples, "p50_ms": _percentile(times, 0.5),
                          "p99_ms": _percentile(times, 0.99), "errors": errors, "long_done": longs["done"],
                          "long_failed": longs["failed"]}))
        sys.stdout.flush()
    return 0


def _workers(base):
    try:
        status, data, _ = request(base, "GET", "/metrics", timeout=5)
    except OSError:
        return None
    if status != 200:
        return None
    total = None
    for line in data.decode("utf-8", "replace").splitlines():
        if line.startswith("faas_workers{"):
            total = (total or 0) + int(float(line.rsplit(" ", 1)[1]))
    return total


def cmd_autoscale(base, fid, count, minimum):
    count, minimum = int(count), int(minimum)
    results = []
    lock = threading.Lock()

    def call():
        try:
            r = _invoke(base, fid, "")
            ok = r["status"] == 200
        except OSError:
            ok = False
        with lock:
            results.append(ok)

    threads = [threading.Thread(target=call, daemon=True) for _ in range(count)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    first_up, peak = None, 0
    while any(t.is_alive() for t in threads):
        w = _workers(base) or 0
        peak = max(peak, w)
        if first_up is None and w > minimum:
            first_up = time.perf_counter() - t0
        time.sleep(0.05)
    burst = time.perf_counter() - t0
    back = None
    while time.perf_counter() - t0 < burst + 120:
        w = _workers(base)
        if w is not None and w <= minimum:
            back = time.perf_counter() - t0 - burst
            break
        time.sleep(0.1)
    ok = sum(results)
    print(json.dumps({"kind": "autoscale", "calls": count, "ok": ok, "burst_s": burst, "calls_per_s": ok / burst if burst else None,
                      "first_added_s": first_up, "peak_workers": peak, "back_to_min_s": back, "minimum": minimum}))
    return 0 if ok == count else 1


# --- wrk output ------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def _ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text.strip())
    if not m:
        return None
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_wrk(text):
    out = {"rps": None, "p50_ms": None, "p75_ms": None, "p90_ms": None, "p99_ms": None,
           "requests": 0, "non2xx": 0, "socket_errors": 0, "errors": 0}
    m = re.search(r"Requests/sec:\s+([0-9.]+)", text)
    if m:
        out["rps"] = float(m.group(1))
    m = re.search(r"(\d+) requests in ([0-9.]+\w+)", text)
    if m:
        out["requests"] = int(m.group(1))
    dist = re.search(r"Latency Distribution\s*\n((?:\s+\d+%\s+\S+\s*\n)+)", text)
    if dist:
        for pct, value in re.findall(r"(\d+)%\s+(\S+)", dist.group(1)):
            key = "p%s_ms" % pct
            if key in out:
                out[key] = _ms(value)
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if m:
        out["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        out["socket_errors"] = sum(int(g) for g in m.groups())
    out["errors"] = out["non2xx"] + out["socket_errors"]
    attempted = out["requests"] + (out["socket_errors"] if out["socket_errors"] else 0)
    if not text.strip():
        out["status"] = "FAIL"
        out["why"] = "wrk printed nothing (killed?)"
    elif out["rps"] is None or out["requests"] == 0:
        out["status"] = "FAIL"
        out["why"] = "wrk produced no result: " + text.strip().splitlines()[-1][:100]
    elif out["errors"] * 2 > max(attempted, 1):
        out["status"] = "FAIL"
        out["why"] = "most requests failed"
    else:
        out["status"] = "ok"
    return out


# --- HTTP ------------------------------------------------------------------------------------

def _split(base):
    u = urllib.parse.urlsplit(base)
    return u.hostname, u.port or 80


def request(base, method, path, body=b"", conn=None, timeout=60):
    """One request; returns (status, body bytes, milliseconds). Uses CONN when given."""
    own = conn is None
    if own:
        host, port = _split(base)
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
    t0 = time.perf_counter()
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/octet-stream"})
        resp = conn.getresponse()
        data = resp.read()
        status = resp.status
    finally:
        if own:
            conn.close()
    return status, data, (time.perf_counter() - t0) * 1000.0


def _json(data):
    try:
        return json.loads(data.decode("utf-8", "replace"))
    except ValueError:
        return None


def _deploy_path(name, lang, query=""):
    path = "/deploy?name=%s&lang=%s" % (urllib.parse.quote(name), urllib.parse.quote(lang))
    if query:
        path += "&" + query.lstrip("&")
    return path


def cmd_deploy(base, name, lang, file, query=""):
    with open(file, "rb") as f:
        source = f.read()
    try:
        status, data, ms = request(base, "POST", _deploy_path(name, lang, query), source)
    except OSError as e:
        print(json.dumps({"status": 0, "id": None, "body": str(e), "ms": None}))
        return 1
    doc = _json(data) or {}
    fid = doc.get("id") if isinstance(doc, dict) else None
    print(json.dumps({"status": status, "id": fid, "body": data.decode("utf-8", "replace")[:2000], "ms": ms}))
    return 0 if status == 201 and fid else 1


def _invoke(base, fid, payload, conn=None):
    status, data, ms = request(base, "POST", "/invoke?fn=" + urllib.parse.quote(fid), payload.encode(), conn=conn)
    doc = _json(data)
    ok = isinstance(doc, dict) and doc.get("ok") is True
    output = doc.get("output") if isinstance(doc, dict) else None
    return {"status": status, "ok": ok, "output": output, "body": data.decode("utf-8", "replace")[:2000], "ms": ms}


def _matches(result, expected):
    return (result["status"] == 200 and result["ok"] and isinstance(result["output"], str)
            and result["output"].rstrip("\n") == expected.rstrip("\n"))


def cmd_invoke(base, fid, payload):
    try:
        r = _invoke(base, fid, payload)
    except OSError as e:
        r = {"status": 0, "ok": False, "output": None, "body": str(e), "ms": None}
    print(json.dumps(r))
    return 0 if r["status"] == 200 else 1


def cmd_check(base, fid, payload, expected):
    try:
        r = _invoke(base, fid, payload)
    except OSError as e:
        print("cannot reach the gateway: %s" % e)
        return 1
    if _matches(r, expected):
        return 0
    print("HTTP %s, body %s (expected output %r)" % (r["status"], r["body"][:300], expected))
    return 1


def sized_body(size, kind):
    size = int(size)
    if kind == "binary":
        return bytes(i % 256 for i in range(size))
    return b"x" * size


def cmd_check_count(base, fid, size, kind):
    body = sized_body(size, kind)
    try:
        status, data, _ = request(base, "POST", "/invoke?fn=" + urllib.parse.quote(fid), body)
    except OSError as e:
        print("cannot reach the gateway: %s" % e)
        return 1
    doc = _json(data)
    if status == 200 and isinstance(doc, dict) and doc.get("ok") is True and doc.get("output") == str(len(body)):
        return 0
    print("HTTP %s, body %s (expected output %d)" % (status, data.decode("utf-8", "replace")[:300], len(body)))
    return 1


def cmd_mass_deploy(base, n, prefix, concurrency):
    n, concurrency = int(n), int(concurrency)
    source = b'import sys; print("ok " + sys.stdin.read())\n'
    lock = threading.Lock()
    state = {"next": 0, "ok": 0, "failed": 0, "statuses": {}, "first_error": None, "ids": [], "done_at": []}
    host, port = _split(base)

    def work():
        conn = http.client.HTTPConnection(host, port, timeout=60)
        while True:
            with lock:
                i = state["next"]
                if i >= n:
                    break
                state["next"] += 1
            name = "%s%05d" % (prefix, i)
            try:
                status, data, _ = request(base, "POST", _deploy_path(name, "python"), source, conn=conn)
            except (OSError, http.client.HTTPException) as e:
                status, data = 0, str(e).encode()
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=60)
            with lock:
                state["done_at"].append(time.perf_counter())
                state["statuses"][str(status)] = state["statuses"].get(str(status), 0) + 1
                if status == 201:
                    state["ok"] += 1
                    if len(state["ids"]) < 3:
                        doc = _json(data) or {}
                        state["ids"].append(doc.get("id"))
                else:
                    state["failed"] += 1
                    if state["first_error"] is None:
                        state["first_error"] = "HTTP %s %s" % (status, data.decode("utf-8", "replace")[:300])
        conn.close()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    # deploys per second in each tenth of the run: does deploying slow down as the store grows?
    done = sorted(state["done_at"])
    step = max(1, len(done) // 10)
    tenths = []
    prev = t0
    for i in range(step - 1, len(done), step):
        tenths.append(round(step / max(done[i] - prev, 1e-9)))
        prev = done[i]
    print(json.dumps({"n": n, "ok": state["ok"], "failed": state["failed"], "seconds": seconds,
                      "per_s": state["ok"] / seconds if seconds > 0 else None, "per_s_by_tenth": tenths,
                      "statuses": state["statuses"],
                      "first_error": state["first_error"], "sample_ids": state["ids"]}))
    return 0 if state["failed"] == 0 else 1


def cmd_coldstart(base, name, lang, file, payload, expected, query=""):
    with open(file, "rb") as f:
        source = f.read()
    out = {"name": name, "lang": lang, "query": query}
    try:
        status, data, deploy_ms = request(base, "POST", _deploy_path(name, lang, query), source)
    except OSError as e:
        out.update(status="FAIL", why="deploy: %s" % e)
        print(json.dumps(out))
        return 1
    t_deployed = time.perf_counter()
    doc = _json(data) or {}
    out["deploy_status"] = status
    out["deploy_ms"] = deploy_ms
    fid = doc.get("id") if isinstance(doc, dict) else None
    if status != 201 or not fid:
        out.update(status="unsupported" if query else "FAIL", why="deploy HTTP %s: %s" % (status, data.decode("utf-8", "replace")[:300]))
        print(json.dumps(out))
        return 1
    out["id"] = fid
    attempts = 0
    first = None
    last = None
    while time.perf_counter() - t_deployed < 30:
        attempts += 1
        try:
            last = _invoke(base, fid, payload)
        except OSError as e:
            last = {"status": 0, "ok": False, "output": None, "body": str(e), "ms": None}
        if _matches(last, expected):
            first = last
            break
        if last["status"] == 200:
            break  # answered, but not what a hello should say: no point in retrying
        time.sleep(0.01)
    out["attempts"] = attempts
    if first is None:
        out.update(status="unsupported" if query else "FAIL",
                   why="invoke HTTP %s: %s" % (last and last["status"], last and last["body"][:300]))
        print(json.dumps(out))
        return 1
    out["ready_ms"] = (time.perf_counter() - t_deployed) * 1000.0   # deploy response -> first good answer
    out["first_invoke_ms"] = first["ms"]                               # that first request alone
    warm = []
    for _ in range(10):
        r = _invoke(base, fid, payload)
        if _matches(r, expected):
            warm.append(r["ms"])
    out["warm_p50_ms"] = statistics.median(warm) if warm else None
    out["status"] = "ok"
    print(json.dumps(out))
    return 0


# --- memory ----------------------------------------------------------------------------------

def _children_map():
    kids = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rfind(")") + 2:].split()
        kids.setdefault(int(fields[1]), []).append(int(entry))
    return kids


def _vmrss(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return "?"


def rss_tree(pids, by=None):
    """Total VmRSS (KiB) and process count of PIDS and their descendants; fills BY
    (comm -> [KiB, count]) when given."""
    kids = _children_map()
    seen, stack, total = set(), list(pids), 0
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        kib = _vmrss(pid)
        total += kib
        if by is not None:
            entry = by.setdefault(_comm(pid), [0, 0])
            entry[0] += kib
            entry[1] += 1
        stack.extend(kids.get(pid, []))
    return total, len(seen)


def cmd_rss(*pids):
    by = {}
    total, count = rss_tree([int(p) for p in pids], by)
    print(json.dumps({"kib": total, "processes": count,
                      "by_process": {k: {"kib": v[0], "count": v[1]} for k, v in sorted(by.items())}}))
    return 0


def cmd_sample_rss(out, interval, *pids):
    pids = [int(p) for p in pids]
    samples = []
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.is_set():
        samples.append(rss_tree(pids))
        stop.wait(float(interval))
    kib = [s[0] for s in samples]
    with open(out, "w") as f:
        json.dump({"samples": len(kib), "max_kib": max(kib) if kib else None,
                   "mean_kib": statistics.mean(kib) if kib else None,
                   "max_processes": max(s[1] for s in samples) if samples else None}, f)
    return 0


# --- report ----------------------------------------------------------------------------------

def _load_jsonl(path):
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    rows.append(json.loads(line))
    return rows


def _fmt(v, spec):
    return "-" if v is None else format(v, spec)


def _table(headers, rows, right=None):
    right = right or set()
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h)) for i, h in enumerate(headers)]
    def line(cells):
        return "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    text = [line(headers), line(["-" * w for w in widths])]
    text += [line(r) for r in rows]
    md = ["| " + " | ".join(headers) + " |", "|" + "|".join("---:" if i in right else "---" for i in range(len(headers))) + "|"]
    md += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(text), "\n".join(md)


def cmd_report(rows_path, scale_path, meta_path, out_json, out_md):
    rows = _load_jsonl(rows_path)
    scale = _load_jsonl(scale_path)
    with open(meta_path) as f:
        meta = json.load(f)

    nginx = {r["conns"]: r["rps"] for r in rows if r.get("name") == "nginx (static)" and r.get("status") == "ok"}
    ff = {r["conns"]: r["rps"] for r in rows if r.get("name") == "functions-framework (python)" and r.get("status") == "ok"}
    for r in rows:
        ok = r.get("status") == "ok" and r.get("rps")
        r["vs_nginx"] = r["rps"] / nginx[r["conns"]] if ok and nginx.get(r["conns"]) else None
        r["vs_functions_framework"] = (r["rps"] / ff[r["conns"]]
                                       if ok and r.get("python") and ff.get(r["conns"]) else None)

    headers = ["name", "conns", "req/s", "p50 ms", "p99 ms", "errors", "vs nginx", "vs functions-framework", "status", "load1"]
    table = []
    for r in rows:
        if r.get("status") == "unsupported":  # the reason is in results.json
            table.append([r["name"], r.get("conns", "-"), "unsupported", "-", "-", "-", "-", "-", "unsupported", "-"])
            continue
        table.append([r["name"], r["conns"], _fmt(r.get("rps"), ".0f"), _fmt(r.get("p50_ms"), ".2f"),
                      _fmt(r.get("p99_ms"), ".2f"), r.get("errors", "-"),
                      _fmt(r.get("vs_nginx"), ".3g"), _fmt(r.get("vs_functions_framework"), ".3g"),
                      r.get("status", "-") + ((" (" + r["why"] + ")") if r.get("why") else ""), r.get("load1", "-")])
    main_txt, main_md = _table(headers, table, right={1, 2, 3, 4, 5, 6, 7, 9})

    out_txt = ["", "== MiniFaaS benchmark: POST /invoke with wrk on loopback (%s s per run, %s workers) ==" % (meta.get("duration"), meta.get("workers")),
               main_txt]
    md = ["# MiniFaaS benchmark", "",
          "%s, %s, %s CPUs, wrk %s s per run, %s workers, strategy %s." % (
              meta.get("date"), meta.get("commit"), meta.get("cpus"), meta.get("duration"), meta.get("workers"), meta.get("strategy")),
          "", main_md]

    rss = meta.get("rss") or {}
    if rss:
        idle = rss.get("idle_kib")
        load = rss.get("load_max_kib")
        line = "Suite RSS (gateway + server + load balancer + workers): idle %s MiB (%s processes%s), under load (64 conns, C hello) max %s MiB, mean %s MiB" % (
            _fmt(idle and idle / 1024, ".1f"), rss.get("idle_processes", "-"),
            "".join(": %s %.1f MiB%s" % (k, v["kib"] / 1024, "" if v["count"] == 1 else " (%d)" % v["count"]) if i == 0 else
                    ", %s %.1f MiB%s" % (k, v["kib"] / 1024, "" if v["count"] == 1 else " (%d)" % v["count"])
                    for i, (k, v) in enumerate((rss.get("idle_by_process") or {}).items())),
            _fmt(load and load / 1024, ".1f"), _fmt(rss.get("load_mean_kib") and rss["load_mean_kib"] / 1024, ".1f"))
        out_txt += ["", line]
        md += ["", line + "."]

    workers = [s for s in scale if s.get("kind") == "workers"]
    if workers:
        t, m = _table(["workers", "req/s", "p50 ms", "p99 ms", "errors", "status"],
                      [[s["workers"], _fmt(s.get("rps"), ".0f"), _fmt(s.get("p50_ms"), ".2f"), _fmt(s.get("p99_ms"), ".2f"),
                        s.get("errors", "-"), s.get("status", "-")] for s in workers], right={0, 1, 2, 3, 4})
        out_txt += ["", "== Scale: C hello (WASI), 64 connections, by worker count ==", t]
        md += ["", "## Scale: C hello (WASI), 64 connections, by worker count", "", m]

    many = [s for s in scale if s.get("kind") == "many"]
    if many:
        t, m = _table(["functions deployed", "p50 ms (1 conn)", "p99 ms", "req/s", "errors", "note"],
                      [[s["functions"], _fmt(s.get("p50_ms"), ".3f"), _fmt(s.get("p99_ms"), ".3f"), _fmt(s.get("rps"), ".0f"),
                        s.get("errors", "-"), s.get("note", "")] for s in many], right={0, 1, 2, 3, 4})
        out_txt += ["", "== Scale: C hello latency vs number of deployed functions ==", t]
        md += ["", "## Scale: C hello latency vs number of deployed functions", "", m]

    cold = [s for s in scale if s.get("kind") == "coldstart"]
    if cold:
        t, m = _table(["function", "deploy ms", "deploy->first answer ms", "first invoke ms", "warm p50 ms", "status"],
                      [[s["label"], _fmt(s.get("deploy_ms"), ".1f"), _fmt(s.get("ready_ms"), ".1f"), _fmt(s.get("first_invoke_ms"), ".1f"),
                        _fmt(s.get("warm_p50_ms"), ".1f"),
                        s.get("status", "-") + ((" (" + s["why"][:80] + ")") if s.get("why") and s.get("status") != "ok" else "")]
                       for s in cold], right={1, 2, 3, 4})
        out_txt += ["", "== Scale: cold start (fresh function: deploy response -> first successful invoke) ==", t]
        md += ["", "## Cold start (deploy response to first successful invoke of a fresh function)", "", m]

    payload = [s for s in scale if s.get("kind") == "payload"]
    if payload:
        def mbs(s):
            return s["rps"] * s["size"] / 1e6 if s.get("rps") and s.get("status") == "ok" else None
        rows_p = []
        labels = []
        for s in payload:
            if s["label"] not in labels:
                labels.append(s["label"])
        for label in labels:
            inv = next((s for s in payload if s["label"] == label and str(s.get("target")) == "invoke"), {})
            nf = next((s for s in payload if s["label"] == label and str(s.get("target")) == "404"), {})
            ratio = nf["rps"] / inv["rps"] if inv.get("rps") and nf.get("rps") and inv.get("status") == "ok" else None
            rows_p.append([label, _fmt(inv.get("rps"), ".0f"), _fmt(mbs(inv), ".1f"), _fmt(inv.get("p50_ms"), ".2f"),
                           _fmt(nf.get("rps"), ".0f"), _fmt(mbs(nf), ".1f"), _fmt(nf.get("p50_ms"), ".2f"), _fmt(ratio, ".2f"),
                           inv.get("errors", "-"),
                           inv.get("status", "-") + ((" (" + inv["why"][:80] + ")") if inv.get("why") and inv.get("status") != "ok" else "")])
        conns = payload[0].get("conns", "-")
        t, m = _table(["payload", "invoke req/s", "invoke MB/s", "invoke p50 ms", "404 req/s", "404 MB/s", "404 p50 ms",
                       "404 / invoke", "errors", "status"], rows_p, right={1, 2, 3, 4, 5, 6, 7, 8})
        title = "Payload size: C function counting its stdin vs the gateway's 404 with the same body (%s connections)" % conns
        out_txt += ["", "== " + title + " ==", t]
        md += ["", "## " + title, "", m]

    fair = [s for s in scale if s.get("kind") == "fairness"]
    if fair:
        alone = next((s.get("p50_ms") for s in fair if s.get("long") == 0), None)
        t, m = _table(["long calls running", "hello p50 ms", "hello p99 ms", "p50 / alone", "errors"],
                      [[s["long"], _fmt(s.get("p50_ms"), ".1f"), _fmt(s.get("p99_ms"), ".1f"),
                        _fmt(s["p50_ms"] / alone if alone and s.get("p50_ms") else None, ".2f"), s.get("errors", "-")] for s in fair],
                      right={0, 1, 2, 3, 4})
        title = "Fairness: C hello latency while N long calls (2 s sleep) of another function run"
        out_txt += ["", "== " + title + " ==", t]
        md += ["", "## " + title, "", m]

    auto = [s for s in scale if s.get("kind") == "autoscale"]
    if auto:
        t, m = _table(["calls", "ok", "burst s", "calls/s", "first worker added s", "peak workers", "back to minimum s"],
                      [[s["calls"], s["ok"], _fmt(s.get("burst_s"), ".2f"), _fmt(s.get("calls_per_s"), ".1f"),
                        _fmt(s.get("first_added_s"), ".2f"), s.get("peak_workers", "-"), _fmt(s.get("back_to_min_s"), ".1f")] for s in auto],
                      right={0, 1, 2, 3, 4, 5, 6})
        title = "Autoscaling: a burst of calls sleeping 0.5 s (4 workers minimum)"
        out_txt += ["", "== " + title + " ==", t]
        md += ["", "## " + title, "", m]

    starts = [s for s in scale if s.get("kind") == "startup"]
    if starts:
        t, m = _table(["workers", "functions stored", "start to /health 200 ms"],
                      [[s["workers"], s.get("functions", "-"), _fmt(s.get("ms"), ".0f")] for s in starts], right={0, 1, 2})
        out_txt += ["", "== Suite start time ==", t]
        md += ["", "## Suite start time", "", m]

    starts = meta.get("interpreter_start") or []
    if starts:
        t, m = _table(["command", "mean ms", "min ms"],
                      [[s["command"], _fmt(s.get("mean_ms"), ".1f"), _fmt(s.get("min_ms"), ".1f")] for s in starts], right={1, 2})
        out_txt += ["", "== Interpreter start alone (hyperfine): the floor of a JS/Python script invocation ==", t]
        md += ["", "## Interpreter start alone (hyperfine)", "", m]

    notes = meta.get("notes") or []
    if notes:
        out_txt += ["", "Notes:"] + ["  - " + n for n in notes]
        md += ["", "## Notes", ""] + ["- " + n for n in notes]

    print("\n".join(out_txt))
    with open(out_json, "w") as f:
        json.dump({"meta": meta, "rows": rows, "scale": scale}, f, indent=2)
        f.write("\n")
    with open(out_md, "w") as f:
        f.write("\n".join(md) + "\n")
    return 0


COMMANDS = {
    "deploy": cmd_deploy, "invoke": cmd_invoke, "check": cmd_check, "check-count": cmd_check_count, "mass-deploy": cmd_mass_deploy,
    "coldstart": cmd_coldstart, "fairness": cmd_fairness, "autoscale": cmd_autoscale, "rss": cmd_rss, "sample-rss": cmd_sample_rss, "report": cmd_report,
}


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0
    if argv[1] == "wrk":
        with open(argv[2], errors="replace") as f:
            out = parse_wrk(f.read())
        for kv in argv[3:]:
            k, _, v = kv.partition("=")
            try:
                out[k] = json.loads(v)
            except ValueError:
                out[k] = v
        if out.get("expect_status"):
            # A run that measures an error answer (the 404 rows): every answer non-2xx is right.
            wrong = out["requests"] - out["non2xx"]
            out["errors"] = out["socket_errors"] + wrong
            out["status"] = "ok" if out["requests"] and out["errors"] * 2 <= out["requests"] else "FAIL"
            if out["status"] == "ok":
                out.pop("why", None)
        print(json.dumps(out))
        return 0
    fn = COMMANDS.get(argv[1])
    if fn is None:
        print("unknown subcommand: %s" % argv[1], file=sys.stderr)
        return 2
    return fn(*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
