"""Poll Harbor's /api/v2.0/health through the VIP name while a back end fails over.

Runs on a Harbor node of the shared_storage lab (python3 stdlib only; TLS verified with --cafile,
the VIP name resolves through the node's /etc/hosts). Polls until Harbor has been healthy for
--settle seconds after an unhealthy answer (or --seconds pass) and prints one JSON line: whether
an unhealthy answer was seen, when the first one started, and when Harbor was healthy again (start
of the first healthy answer after the last unhealthy one; epoch seconds). Used by
bench/db_failover.py.
"""
import argparse
import json
import ssl
import time
import urllib.error
import urllib.request


def healthy(url, context, timeout):
    try:
        with urllib.request.urlopen(url, context=context, timeout=timeout) as resp:
            return json.load(resp).get("status") == "healthy"
    except (urllib.error.URLError, OSError, ValueError):
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="https://<VIP name>/api/v2.0/health")
    parser.add_argument("--cafile", required=True)
    parser.add_argument("--seconds", type=float, default=150, help="give up after this long")
    parser.add_argument("--settle", type=float, default=5, help="healthy this long after an outage: done")
    parser.add_argument("--timeout", type=float, default=15, help="one request's timeout")
    parser.add_argument("--ready-file", help="touched after the first healthy answer")
    args = parser.parse_args()

    context = ssl.create_default_context(cafile=args.cafile)
    first_unhealthy = recovered = None
    polls = 0
    start = time.monotonic()
    while time.monotonic() - start < args.seconds:
        began = time.time()
        ok = healthy(args.url, context, args.timeout)
        polls += 1
        if ok and polls == 1 and args.ready_file:
            open(args.ready_file, "w", encoding="utf-8").close()
        if not ok:
            if first_unhealthy is None:
                first_unhealthy = began
            recovered = None
        elif first_unhealthy is not None and recovered is None:
            recovered = began
        if recovered is not None and time.time() - recovered >= args.settle:
            break
        time.sleep(0.2)
    print(json.dumps({"saw_unhealthy": first_unhealthy is not None, "first_unhealthy_epoch": first_unhealthy,
                      "recovered_epoch": recovered, "polls": polls}))


if __name__ == "__main__":
    main()
