"""Write to Redis the way a Sentinel-aware client does, while the master fails.

Runs on a Redis host (standard library only). Each loop asks the local Sentinel for the master
of --master-set, then AUTH + SET on that master; a write counts when Redis answers +OK (a demoted
or frozen master answers -READONLY or not at all). Stops --settle seconds after writes resume (or
after --seconds) and prints one JSON line with the outage and the epoch time writes resumed.
Used by bench/redis_failover.py.
"""
import argparse
import json
import socket
import time


def command(sock_file, sock, *args):
    payload = "*%d\r\n" % len(args) + "".join("$%d\r\n%s\r\n" % (len(a.encode()), a) for a in args)
    sock.sendall(payload.encode())
    line = sock_file.readline().decode().rstrip("\r\n")
    if line.startswith("*"):  # array of bulk strings (get-master-addr-by-name)
        items = []
        for _item in range(int(line[1:])):
            size = int(sock_file.readline().decode()[1:])
            items.append(sock_file.read(size + 2)[:-2].decode())
        return items
    return line


def call(host, port, *commands, timeout=1.0):
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        sock_file = sock.makefile("rb")
        return [command(sock_file, sock, *c) for c in commands]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--password", required=True)
    parser.add_argument("--master-set", default="harbor")
    parser.add_argument("--sentinel-port", type=int, default=26379)
    parser.add_argument("--seconds", type=float, default=90)
    parser.add_argument("--settle", type=float, default=3)
    parser.add_argument("--ready-file")
    args = parser.parse_args()

    start = time.monotonic()
    acked = errors = 0
    last_ok = first_error = recovered = recovered_epoch = None
    masters = []
    while time.monotonic() - start < args.seconds:
        try:
            master = call("127.0.0.1", args.sentinel_port, ["SENTINEL", "get-master-addr-by-name", args.master_set])[0]
            auth, reply = call(master[0], int(master[1]), ["AUTH", args.password], ["SET", "harborops:probe", str(acked)])
            ok = auth == "+OK" and reply == "+OK"
        except (OSError, ValueError, IndexError):
            ok = False
        now = time.monotonic()
        if not ok:
            errors += 1
            if first_error is None:
                first_error = now
            time.sleep(0.05)
            continue
        acked += 1
        if not masters or masters[-1] != master[0]:
            masters.append(master[0])
        if acked == 1 and args.ready_file:
            open(args.ready_file, "w", encoding="utf-8").close()
        if first_error is None:
            last_ok = now
        elif recovered is None:
            recovered, recovered_epoch = now, time.time()
        if recovered is not None and now - recovered >= args.settle:
            break
        time.sleep(0.02)
    print(json.dumps({
        "acknowledged": acked,
        "errors": errors,
        "masters": masters,
        "failed_over": recovered is not None and len(masters) > 1,
        "outage_seconds": round(recovered - last_ok, 3) if recovered and last_ok else None,
        "recovered_epoch": recovered_epoch,
    }))


if __name__ == "__main__":
    main()
