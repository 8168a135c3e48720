"""Load for scripts/test-cluster: CLIENTS threads, each invoking one function over and over
through the service address (one request in flight per client), until the file STOP exists.

Usage: python3 cluster_load.py URL FUNCTION KEY CLIENTS STOP_FILE MARK_FILE
Prints one JSON object: requests, ok, failed, failures per client, the statuses of the
failures, and how many requests started after MARK_FILE appeared (the test creates it once
the replica is killed) succeeded.
"""

import http.client
import json
import os
import sys
import threading
import urllib.parse


def client(url, function, key, stop_file, mark_file, results, index):
    parts = urllib.parse.urlsplit(url)
    mine = results[index]
    while not os.path.exists(stop_file):
        after_mark = os.path.exists(mark_file)
        payload = f"client {index} request {mine['requests']}"
        status = None
        try:
            # A new connection per request: the front picks a replica per request.
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            connection.request("POST", f"/invoke?fn={function}", body=payload.encode(),
                               headers={"Authorization": f"Bearer {key}"})
            response = connection.getresponse()
            body = response.read().decode(errors="replace")
            status = response.status
            connection.close()
            ok = status == 200 and f"Hello, {payload}" in body
        except OSError as error:
            body = str(error)
            ok = False
        mine["requests"] += 1
        if ok:
            mine["ok"] += 1
            if after_mark:
                mine["ok_after_kill"] += 1
        else:
            mine["failed"] += 1
            mine["failures"].append({"status": status, "body": body[:200], "after_kill": after_mark})


def main():
    if len(sys.argv) != 7:
        print(__doc__, file=sys.stderr)
        return 2
    url, function, key, clients, stop_file, mark_file = sys.argv[1:]
    results = [{"requests": 0, "ok": 0, "failed": 0, "ok_after_kill": 0, "failures": []}
               for _ in range(int(clients))]
    threads = [threading.Thread(target=client, args=(url, function, key, stop_file, mark_file, results, i))
               for i in range(int(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    summary = {
        "clients": len(results),
        "requests": sum(r["requests"] for r in results),
        "ok": sum(r["ok"] for r in results),
        "failed": sum(r["failed"] for r in results),
        "ok_after_kill": sum(r["ok_after_kill"] for r in results),
        "failed_per_client": [r["failed"] for r in results],
        "failures": [f for r in results for f in r["failures"]],
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
