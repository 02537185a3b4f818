#!/usr/bin/python3
"""Invoice runs on several nodes: the same invoice run through real billwrightd processes on
SQLite (one node), on MariaDB with one node and on MariaDB with two nodes sharing the run, all
measured in one go (bench/README.md, "Invoice runs on several nodes"). bench/invoice_run/nodes
builds the release server and runs this inside scripts/with_mariadb.

  nodes.py --billwrightd PATH [--customers 5000] [--rounds 2] [--batch-size 64] [--threads 2]
           [--auto-send]

Each database gets the same tenant and `customers` customers, each with an Infinity contract
since 2025-01-01 (priced from its quantity x TH/s x J/TH x hours: no telemetry, so the run's
time is the invoice engine and its writes, where nodes and databases differ). One run per month,
each on a month not billed before, so every run bills every customer once: per round SQLite,
MariaDB with node a alone, MariaDB with nodes a and b. Time: from POST /v1/invoice-runs to the
first GET that shows it completed (polled every 20 ms; the workers poll every 20 ms too).
"""
import argparse
import concurrent.futures
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "tests", "crash"))
import crash_safety  # noqa: E402  (Server, Client, check)
import two_nodes  # noqa: E402  (Database, Node)


def months():
    year, month = 2025, 1
    while True:
        yield "%04d-%02d" % (year, month)
        month += 1
        if month == 13:
            year, month = year + 1, 1


def set_up(root, customers, auto_send):
    """The tenant and its customers through `root` (a super key's client); the tenant's key."""
    tenant = root.ok("POST", "/v1/tenants", {"name": "Nodes bench", "timezone": "UTC"})["id"]
    key = root.ok("POST", "/v1/api-keys", {"name": "bench", "role": "tenant_admin",
                                           "tenant_id": tenant})["secret"]
    api = crash_safety.Client(root.server, key)

    def one(i):
        customer = two_nodes.ok_or_retry(api, "POST", "/v1/customers",
                          {"name": "Bench customer %d" % i,
                           "contact_email": "bench-%d@example.com" % i})["id"]
        two_nodes.ok_or_retry(api, "POST", "/v1/contracts", {
            "customer_id": customer, "type": "infinity", "start_date": "2025-01-01",
            "term": "2_years", "miner_model": "S19", "miner_hashrate_ths": "100",
            "miner_efficiency_jth": "30", "quantity": 1 + i % 3, "connector_fee_percent": "0",
            "payout_wallet": "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "activate": True,
            "rate_per_kwh": "0.05"})
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(one, range(customers)))
    if auto_send:
        api.ok("PATCH", "/v1/billing-settings", {"auto_send": True})
    return key


def timed_run(api, period, customers):
    began = time.monotonic()
    run = api.ok("POST", "/v1/invoice-runs", {"period": period}, expect=(202,))
    while True:
        current = api.ok("GET", "/v1/invoice-runs/" + run["id"])
        if current["status"] not in ("queued", "running"):
            break
        time.sleep(0.02)
    seconds = time.monotonic() - began
    crash_safety.check(current["status"] == "completed" and
                       current["progress"]["created"] == customers,
                       "run %s: %s %s" % (run["id"], current["status"], current["progress"]))
    return run["id"], seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--billwrightd", required=True)
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--auto-send", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("BILLWRIGHT_TEST_MYSQL_URL", "")
    if not url:
        print("BILLWRIGHT_TEST_MYSQL_URL is not set: run through bench/invoice_run/nodes",
              file=sys.stderr)
        return 2
    workdir = tempfile.mkdtemp(prefix="bw-nodes-bench-")
    defines = ["invoice_runs.poll_ms=20", "invoice_runs.threads=%d" % args.threads,
               "invoice_runs.batch_size=%d" % args.batch_size, "scheduler.interval_seconds=3600"]
    print("invoice runs on nodes: %d customers (Infinity contracts), batches of %d, %d threads "
          "per node, %s" % (args.customers, args.batch_size, args.threads,
                            "auto-send (issued + outbox)" if args.auto_send else "drafts"))
    mariadb = two_nodes.Database(url)
    mariadb.create()
    sqlite_node = crash_safety.Server(args.billwrightd, os.path.join(workdir, "sqlite"), defines)
    os.makedirs(sqlite_node.workdir)
    nodes = [two_nodes.Node(args.billwrightd, os.path.join(workdir, name), mariadb.url, defines)
             for name in ("a", "b")]
    results = {"sqlite, 1 node": [], "mariadb, 1 node": [], "mariadb, 2 nodes": []}
    split = []
    try:
        t = time.monotonic()
        sqlite_super = sqlite_node.create_super_key()
        sqlite_node.start()
        sqlite_key = set_up(crash_safety.Client(sqlite_node, sqlite_super), args.customers,
                            args.auto_send)
        print("set-up sqlite: %.1f s" % (time.monotonic() - t), flush=True)
        t = time.monotonic()
        maria_super = nodes[0].create_super_key()
        nodes[0].start()
        maria_key = set_up(crash_safety.Client(nodes[0], maria_super), args.customers,
                           args.auto_send)
        print("set-up mariadb: %.1f s" % (time.monotonic() - t), flush=True)
        sqlite_api = crash_safety.Client(sqlite_node, sqlite_key)
        maria_api = crash_safety.Client(nodes[0], maria_key)
        periods = months()
        for r in range(args.rounds):
            _, s = timed_run(sqlite_api, next(periods), args.customers)
            results["sqlite, 1 node"].append(s)
            print("round %d sqlite 1 node: %.3f s" % (r + 1, s), flush=True)
            if nodes[1].process:
                nodes[1].stop()
            _, s = timed_run(maria_api, next(periods), args.customers)
            results["mariadb, 1 node"].append(s)
            print("round %d mariadb 1 node: %.3f s" % (r + 1, s), flush=True)
            nodes[1].start()
            run_id, s = timed_run(maria_api, next(periods), args.customers)
            results["mariadb, 2 nodes"].append(s)
            by = two_nodes.owners(mariadb, run_id)
            split.append(sorted(by.values(), reverse=True))
            print("round %d mariadb 2 nodes: %.3f s (customers per node %s)" %
                  (r + 1, s, sorted(by.values(), reverse=True)), flush=True)
    finally:
        for server in [sqlite_node] + nodes:
            server.stop()
        mariadb.drop()
        subprocess.run(["rm", "-rf", workdir])
    print("\n== summary (%d customers, best of %d)" % (args.customers, args.rounds))
    base = min(results["sqlite, 1 node"])
    print("%-18s %8s %12s %10s  %s" % ("configuration", "run s", "invoices/s", "vs sqlite",
                                      "all rounds"))
    for name, times in results.items():
        best = min(times)
        print("%-18s %8.3f %12.0f %9.2fx  %s" % (name, best, args.customers / best, best / base,
                                                ", ".join("%.3f" % x for x in times)))
    print("2-node split of customers per round: %s" % split)
    return 0


if __name__ == "__main__":
    sys.exit(main())
