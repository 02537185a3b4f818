#!/usr/bin/python3
"""Two nodes, one MariaDB (issue 8): two billwrightd processes on one fresh database work one
invoice run for `--customers` customers together; once both have finished items and the run is
part-way, one of them is killed with SIGKILL and started again (as an operator would). Then:

- the run completed, every customer has exactly one invoice for the month, the invoice
  numbers are unique and without gaps;
- both nodes worked the run: the finished items name at least two lease owners, the killed
  process among them (a node id is host:pid:tag);
- every outbox e-mail reached the SMTP sink, by Message-ID, none lost, none unknown. Delivery
  is at-least-once, so "exactly once" cannot be guaranteed: a message the sink accepted while
  its sender was killed before recording it is sent again by the node that takes its lease
  over, with the same Message-ID (at most one such copy per kill: a node sends one message at
  a time), and a message whose answer came after smtp.timeout_ms on a loaded machine is
  recorded as a failed attempt and retried. The check: every copy beyond the first is
  explained by a recorded failed attempt of that message, but at most one (the kill's).

  two_nodes.py --billwrightd PATH [--customers 2000] [--seed N] [--workdir DIR]

Needs BILLWRIGHT_TEST_MYSQL_URL (scripts/with_mariadb exports it) and the `mariadb` client;
exits 77 (skipped) without the URL. Creates and drops its own bwtest_* database.
"""
import argparse
import concurrent.futures
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crash_safety  # noqa: E402  (Server, Client, SmtpSink, check, Failure)

from crash_safety import Failure, check  # noqa: E402

SKIPPED = 77
PERIOD = "2025-01"


class Database:
    """The test's database on the MariaDB of BILLWRIGHT_TEST_MYSQL_URL, through the client."""

    def __init__(self, url):
        parsed = urllib.parse.urlparse(url)
        self.user = urllib.parse.unquote(parsed.username or "")
        self.password = urllib.parse.unquote(parsed.password or "")
        self.host = parsed.hostname
        self.port = parsed.port or 3306
        self.name = "%s_nodes_%d" % (parsed.path.lstrip("/") or "bwtest", os.getpid())
        self.url = "mysql://%s:%s@%s:%d/%s" % (
            urllib.parse.quote(self.user, safe=""), urllib.parse.quote(self.password, safe=""),
            self.host, self.port, self.name)

    def run(self, sql, database=True):
        command = ["mariadb", "--no-defaults", "-h", self.host, "-P", str(self.port),
                   "-u", self.user, "-N", "-B", "-e", sql]
        if database:
            command.append(self.name)
        out = subprocess.run(command, check=True, capture_output=True, text=True,
                             env=dict(os.environ, MYSQL_PWD=self.password)).stdout
        return [line.split("\t") for line in out.splitlines()]

    def create(self):
        self.run("CREATE DATABASE %s" % self.name, database=False)

    def drop(self):
        self.run("DROP DATABASE IF EXISTS %s" % self.name, database=False)


class Node(crash_safety.Server):
    """crash_safety's Server on the MariaDB database, with its own log directory."""

    def __init__(self, binary, workdir, database_url, defines):
        os.makedirs(workdir, exist_ok=True)
        super().__init__(binary, workdir, defines)
        self.database_url = database_url
        self.pids = []

    def args(self, extra):
        base = ["-Ddatabase.url=" + self.database_url, "-Dhttp.host=127.0.0.1",
                "-Dhttp.port=0", "-Dlog.level=warning"]
        return [self.binary] + base + ["-D" + d for d in self.defines] + extra

    def start(self, more_defines=()):
        super().start(more_defines)
        self.pids.append(self.process.pid)


def owners(db, run_id):
    """Finished items per lease owner's pid."""
    rows = db.run("SELECT lease_owner, COUNT(*) FROM invoice_run_items WHERE run_id = '%s' "
                  "AND status <> 'pending' GROUP BY lease_owner" % run_id)
    out = {}
    for owner, n in rows:
        pid = int(owner.split(":")[1]) if owner != "NULL" else None
        out[pid] = out.get(pid, 0) + int(n)
    return out


def ok_or_retry(api, method, path, body, expect=(200, 201)):
    """A write that may answer 503 (concurrent writers deadlocked more often than the driver
    retries; "it changed nothing"): sent again, as a client should."""
    for attempt in range(20):
        status, answer = api.call(method, path, body)
        if status != 503:
            break
        time.sleep(0.05 * (attempt + 1))
    check(status in expect, "%s %s answered %d: %s" % (method, path, status, answer))
    return answer


def set_up_customers(clients, count, log):
    """`count` customers with an Infinity contract each (billed from nameplate power, no
    telemetry), created in parallel through both nodes."""
    def one(i):
        api = clients[i % len(clients)]
        customer = ok_or_retry(api, "POST", "/v1/customers",
                          {"name": "Node customer %d" % i,
                           "contact_email": "node-%d@example.com" % i})["id"]
        ok_or_retry(api, "POST", "/v1/contracts", {
            "customer_id": customer, "type": "infinity", "start_date": "2025-01-01",
            "term": "2_years", "miner_model": "S19", "miner_hashrate_ths": "100",
            "miner_efficiency_jth": "30", "quantity": 1 + i % 3, "connector_fee_percent": "0",
            "payout_wallet": "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "activate": True,
            "rate_per_kwh": "0.05"})
        return customer
    began = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        customers = list(pool.map(one, range(count)))
    log("set up %d customers through both nodes in %.1f s" % (count, time.monotonic() - began))
    return customers


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        check(time.monotonic() < deadline, "timed out after %d s waiting for %s" % (timeout, what))
        time.sleep(0.05)


def scenario(args, db, workdir, rng, log):
    sink = crash_safety.SmtpSink()
    defines = ["invoice_runs.lease_seconds=3", "invoice_runs.poll_ms=50",
               "invoice_runs.batch_size=%d" % args.batch_size, "invoice_runs.threads=2",
               "outbox.interval_ms=50", "smtp.host=127.0.0.1", "smtp.port=%d" % sink.port,
               "smtp.timeout_ms=250", "webhooks.timeout_ms=100", "outbox.backoff_seconds=1"]
    nodes = [Node(args.billwrightd, os.path.join(workdir, name), db.url, defines)
             for name in ("a", "b")]
    try:
        super_key = nodes[0].create_super_key()  # migrates the fresh database
        for node in nodes:
            node.start()
        root = crash_safety.Client(nodes[0], super_key)
        tenant = root.ok("POST", "/v1/tenants", {"name": "Two Nodes Hosting",
                                                 "timezone": "UTC"})["id"]
        key = root.ok("POST", "/v1/api-keys", {"name": "nodes", "role": "tenant_admin",
                                               "tenant_id": tenant})["secret"]
        clients = [crash_safety.Client(node, key) for node in nodes]
        customers = set_up_customers(clients, args.customers, log)
        clients[0].ok("PATCH", "/v1/billing-settings", {"auto_send": True})

        began = time.monotonic()
        run = clients[1].ok("POST", "/v1/invoice-runs", {"period": PERIOD}, expect=(202,))
        run_id = run["id"]
        victim = rng.randrange(2)
        survivor = 1 - victim
        target = args.customers * rng.uniform(0.2, 0.6)

        def part_way():
            current = clients[survivor].ok("GET", "/v1/invoice-runs/" + run_id)
            check(current["status"] in ("queued", "running"),
                  "the run ended (%s) before a node could be killed; more customers?" %
                  current["status"])
            by = owners(db, run_id)
            both = all(by.get(node.process.pid, 0) > 0 for node in nodes)
            return current if both and current["progress"]["done"] >= target else None
        at_kill = wait_for(part_way, 120, "both nodes to finish items of the run")
        killed_pid = nodes[victim].process.pid
        nodes[victim].kill()
        log("node %s (pid %d) killed at %d/%d customers, %.1f s into the run; owners then %s"
            % ("ab"[victim], killed_pid, at_kill["progress"]["done"], args.customers,
               time.monotonic() - began, owners(db, run_id)))
        nodes[victim].start()

        last_report = [time.monotonic()]

        def finished():
            current = clients[survivor].ok("GET", "/v1/invoice-runs/" + run_id)
            if time.monotonic() - last_report[0] > 2:
                last_report[0] = time.monotonic()
                log("progress %s, finished per node (pid) %s" %
                    (current["progress"]["done"], owners(db, run_id)))
            return current if current["status"] not in ("queued", "running") else None
        done = wait_for(finished, 180, "the run to finish")
        log("run %s in %.1f s: %s" % (done["status"], time.monotonic() - began, done["progress"]))
        check(done["status"] == "completed", "the run ended %s: %s" % (done["status"],
                                                                      done.get("failures")))
        check(done["progress"]["created"] == args.customers,
              "the run created %d invoices for %d customers: %s" %
              (done["progress"]["created"], args.customers, done["progress"]))

        # One live invoice per customer for the month, numbers unique and without gaps.
        rows = db.run("SELECT customer_id, COUNT(*) FROM invoices WHERE status <> 'cancelled' "
                      "AND period_start LIKE '%s%%' GROUP BY customer_id" % PERIOD)
        per_customer = {customer: int(n) for customer, n in rows}
        for customer in customers:
            got = per_customer.get(customer, 0)
            check(got == 1, "customer %s has %d invoices for %s" % (customer, got, PERIOD))
        check(len(per_customer) == len(customers), "invoices for unknown customers")
        numbers = [r[0] for r in db.run("SELECT invoice_number FROM invoices")]
        crash_safety.check_invoice_numbers([None if n == "NULL" else n for n in numbers])

        # Both processes of the kill's moment worked the run.
        by = owners(db, run_id)
        check(by.get(killed_pid, 0) > 0 and by.get(nodes[survivor].process.pid, 0) > 0,
              "not both nodes worked the run: %s" % by)
        check(sum(by.values()) == args.customers, "finished items %s" % by)
        log("items finished per node (pid): %s" % by)

        # Every e-mail exactly once by Message-ID, but for one in flight at the kill.
        last_report = [time.monotonic()]

        def outbox_empty():
            left = db.run("SELECT status, COUNT(*) FROM outbox_messages WHERE status <> 'sent' "
                          "GROUP BY status")
            if left and time.monotonic() - last_report[0] > 10:
                last_report[0] = time.monotonic()
                with sink.lock:
                    log("outbox: %s left, %d delivered" % (left, len(sink.message_ids)))
            return not left
        wait_for(outbox_empty, 120, "the outbox to be sent")
        log("outbox sent")
        outbox = {r[0] for r in db.run("SELECT id FROM outbox_messages")}
        check(len(outbox) == args.customers, "%d e-mails queued for %d issued invoices" %
              (len(outbox), args.customers))
        with sink.lock:
            delivered = list(sink.message_ids)
        check(None not in delivered, "a message without a Message-ID reached the SMTP sink")
        missing = outbox - set(delivered)
        check(not missing, "%d e-mails marked sent never reached the sink, e.g. %s" %
              (len(missing), sorted(missing)[:3]))
        strangers = set(delivered) - outbox
        check(not strangers, "the sink got unknown messages: %s" % sorted(strangers)[:3])
        # A copy beyond the first is explained by a failed attempt the outbox recorded (the
        # sink accepted the message but the answer came after smtp.timeout_ms: the node retried
        # it), or by the one message the killed node had in flight.
        attempts = {r[0]: int(r[1]) for r in db.run("SELECT id, attempts FROM outbox_messages")}
        copies = {}
        for message_id in delivered:
            copies[message_id] = copies.get(message_id, 0) + 1
        retried = sum(1 for n in attempts.values() if n > 0)
        duplicates = sum(n - 1 for n in copies.values())
        unexplained = sum(max(0, n - 1 - attempts[m]) for m, n in copies.items())
        check(unexplained <= 1, "%d copies of e-mails not explained by a recorded failed attempt "
              "or the one in flight at the kill: %s" %
              (unexplained, sorted((m, n, attempts[m]) for m, n in copies.items() if n > 1)[:5]))
        log("outbox: %d e-mails, all delivered; %d extra copies (%d messages retried after a "
            "timeout, %d copy for the kill), same Message-ID" %
            (len(outbox), duplicates, retried, unexplained))
    finally:
        for node in nodes:
            node.stop()
        sink.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--billwrightd", required=True)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--workdir")
    args = parser.parse_args()
    url = os.environ.get("BILLWRIGHT_TEST_MYSQL_URL", "")
    if not url:
        print("skipped: BILLWRIGHT_TEST_MYSQL_URL is not set (scripts/with_mariadb)")
        return SKIPPED
    rng = random.Random(args.seed)
    workdir = args.workdir or tempfile.mkdtemp(prefix="bw-nodes-")
    began = time.monotonic()

    def log(message):
        print("[%6.1fs] %s" % (time.monotonic() - began, message), flush=True)
    log("seed %d, work directory %s" % (args.seed, workdir))
    db = Database(url)
    db.create()
    try:
        scenario(args, db, workdir, rng, log)
        log("all invariants hold")
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        return 0
    except Failure as e:
        log("FAILED: %s (seed %d, logs kept in %s)" % (e, args.seed, workdir))
        return 1
    finally:
        db.drop()


if __name__ == "__main__":
    sys.exit(main())
