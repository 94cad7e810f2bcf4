"""Write rows through the database endpoint in a loop while the leader is killed.

Runs on a database host (needs python3-psycopg2). Every INSERT whose COMMIT returned is an
acknowledged write; when the endpoint accepts writes again for --settle seconds (or --seconds
pass), the probe checks that every acknowledged row is still there and prints one JSON line:
acknowledged count, missing rows, and the outage (last acknowledged write before the first
failure -> first acknowledged write after it). Used by molecule/shared_storage (side_effect) and
bench/db_failover.py.
"""
import argparse
import json
import time
import uuid

import psycopg2


def connect(dsn):
    conn = psycopg2.connect(dsn, connect_timeout=2)
    conn.autocommit = False
    return conn


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--seconds", type=float, default=120, help="give up after this long")
    parser.add_argument("--settle", type=float, default=5, help="stop this long after writes resume")
    parser.add_argument("--ready-file", help="touched once the first write is acknowledged")
    args = parser.parse_args()

    run = uuid.uuid4().hex[:12]
    conn = connect(args.dsn)
    with conn.cursor() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS harborops_failover_probe ("
            " run text NOT NULL, seq integer NOT NULL, at timestamptz NOT NULL DEFAULT now(),"
            " PRIMARY KEY (run, seq))"
        )
    conn.commit()

    acked, seq = [], 0
    last_ok = first_error = recovered = recovered_epoch = None
    errors = 0
    start = time.monotonic()
    while time.monotonic() - start < args.seconds:
        seq += 1
        try:
            if conn is None:
                conn = connect(args.dsn)
            with conn.cursor() as cur:
                cur.execute("INSERT INTO harborops_failover_probe (run, seq) VALUES (%s, %s)", (run, seq))
            conn.commit()
        except psycopg2.Error:
            errors += 1
            if first_error is None:
                first_error = time.monotonic()
            try:
                if conn is not None:
                    conn.close()
            except psycopg2.Error:
                pass
            conn = None
            time.sleep(0.05)
            continue
        now = time.monotonic()
        if first_error is not None and recovered is None:
            recovered_epoch = time.time()
        acked.append(seq)
        if len(acked) == 1 and args.ready_file:
            open(args.ready_file, "w", encoding="utf-8").close()
        if first_error is None:
            last_ok = now
        elif recovered is None:
            recovered = now
        if recovered is not None and now - recovered >= args.settle:
            break
        time.sleep(0.02)

    missing = []
    for _attempt in range(30):  # the endpoint may flap once more right after a promotion
        try:
            check = connect(args.dsn)
            with check.cursor() as cur:
                cur.execute("SELECT seq FROM harborops_failover_probe WHERE run = %s", (run,))
                found = {row[0] for row in cur.fetchall()}
            check.close()
            missing = sorted(set(acked) - found)
            break
        except psycopg2.Error:
            time.sleep(1)
    else:
        missing = None

    print(json.dumps({
        "run": run,
        "acknowledged": len(acked),
        "errors": errors,
        "missing": missing,
        "failed_over": first_error is not None and recovered is not None,
        "outage_seconds": round(recovered - last_ok, 3) if recovered and last_ok else None,
        "first_error_after_seconds": round(first_error - start, 3) if first_error else None,
        "recovered_epoch": recovered_epoch,
    }))


if __name__ == "__main__":
    main()
