#!/usr/bin/python3
"""Crash safety (issue 9): kills billwrightd with SIGKILL at random moments during invoice runs,
outbox flushes and telemetry ingestion -- `--kills` times each -- restarts it, and checks that
nothing was lost, doubled or half-applied.

  crash_safety.py --billwrightd PATH [--kills 20]
                  [--customers 60] [--seed N] [--workdir DIR] [--phases runs,outbox,telemetry]

Phases, on one SQLite database:
  A. invoice runs: a tenant with auto_send on and `customers` customers, each with an Infinity
     contract since 2025-01-01 (billed from nameplate power, no telemetry needed) and a credit
     grant. One run per month from 2025-01; each is killed once its progress reaches a random
     point, the server is restarted, and the run finishes (another node's lease expiry, here the
     restarted process). E-mail delivery is off, so every issued invoice's e-mail waits.
  B. outbox flush: an SMTP sink (a small one in this script) and delivery on; the server is killed at random
     moments while e-mails are pending, and restarted, until the outbox is empty.
  C. telemetry: NDJSON batches of energy readings, each a distinct time window; the server is
     killed at a random moment while a batch is being posted, restarted, and every batch is
     either all stored or not at all; the unanswered ones are sent again.
Checks: one invoice per customer and month, invoice numbers unique and without gaps, every
invoice's credit matching the ledger and each customer's balance equal to its ledger; every
e-mail delivered (a duplicate is allowed only for a message in flight at a kill, and carries
the same Message-ID); no half batch; PRAGMA integrity_check and foreign_key_check clean after
every kill. Exits 1 on the first broken invariant, with the reason.
"""
import argparse
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


class Server:
    """One billwrightd on a database; start() after every kill."""

    def __init__(self, binary, workdir, defines):
        self.binary = binary
        self.workdir = workdir
        self.db = os.path.join(workdir, "billwright.db")
        self.defines = defines
        self.process = None
        self.url = None
        self.starts = 0

    def args(self, extra):
        base = ["-Ddatabase.url=sqlite:" + self.db, "-Dhttp.host=127.0.0.1", "-Dhttp.port=0",
                "-Dlog.level=warning"]
        return [self.binary] + base + ["-D" + d for d in self.defines] + extra

    def create_super_key(self):
        out = subprocess.run(self.args(["--create-super-key=crash"]), check=True,
                             capture_output=True, text=True).stdout
        return out.strip().splitlines()[-1]

    def start(self, more_defines=()):
        self.starts += 1
        log = open(os.path.join(self.workdir, "server-%03d.log" % self.starts), "w")
        self.process = subprocess.Popen(self.args(["-D" + d for d in more_defines]),
                                        stdout=subprocess.PIPE, stderr=log, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            match = re.search(r"listening on (\S+)", line)
            if match:
                self.url = match.group(1)
                return
        raise Failure("billwrightd did not start (start %d): see %s" % (self.starts, log.name))

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.process.stdout.close()
        self.process = None

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait(30)
            self.process.stdout.close()
            self.process = None


class Client:
    def __init__(self, server, key, tenant=None):
        self.server = server
        self.key = key
        self.tenant = tenant

    def call(self, method, path, body=None, content_type="application/json", timeout=60):
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        request = urllib.request.Request(self.server.url + path, data=data, method=method)
        request.add_header("Authorization", "Bearer " + self.key)
        if self.tenant:
            request.add_header("Billwright-Tenant", self.tenant)
        if data is not None:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                text = response.read().decode()
                return response.status, json.loads(text) if text else None
        except urllib.error.HTTPError as e:
            text = e.read().decode()
            return e.code, json.loads(text) if text.startswith("{") else text

    def ok(self, method, path, body=None, expect=(200, 201), **kw):
        status, answer = self.call(method, path, body, **kw)
        check(status in expect, "%s %s answered %d: %s" % (method, path, status, answer))
        return answer


def database_checks(db):
    """Opens the database as the next start would (WAL recovery) and checks its structure."""
    with sqlite3.connect(db, timeout=30) as c:
        integrity = c.execute("PRAGMA integrity_check").fetchall()
        check(integrity == [("ok",)], "integrity_check: %s" % integrity[:5])
        foreign = c.execute("PRAGMA foreign_key_check").fetchall()
        check(not foreign, "foreign_key_check: %s" % foreign[:5])


def query(db, sql, params=()):
    with sqlite3.connect(db, timeout=30) as c:
        return c.execute(sql, params).fetchall()


def check_invoice_numbers(numbers):
    """Every invoice numbered, no number twice, and each prefix and year's sequence 1..n."""
    check(None not in numbers and len(set(numbers)) == len(numbers),
          "invoice numbers missing or repeated")
    by_year = {}
    for number in numbers:
        prefix, year, sequence = number.rsplit("-", 2)
        by_year.setdefault((prefix, year), []).append(int(sequence))
    for key, sequences in by_year.items():
        check(sorted(sequences) == list(range(1, len(sequences) + 1)),
              "invoice numbers of %s have gaps" % (key,))


def months(count):
    year, month = 2025, 1
    for _ in range(count):
        yield "%04d-%02d" % (year, month)
        month += 1
        if month == 13:
            year, month = year + 1, 1


def phase_invoice_runs(server, api, args, rng, log):
    customers = []
    for i in range(args.customers):
        customer = api.ok("POST", "/v1/customers",
                          {"name": "Crash customer %d" % i,
                           "contact_email": "crash-%d@example.com" % i})["id"]
        api.ok("POST", "/v1/contracts", {
            "customer_id": customer, "type": "infinity", "start_date": "2025-01-01",
            "term": "2_years", "miner_model": "S19", "miner_hashrate_ths": "100",
            "miner_efficiency_jth": "30", "quantity": 1 + i % 3, "connector_fee_percent": "0",
            "payout_wallet": "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "activate": True,
            "rate_per_kwh": "0.05"})
        api.ok("POST", "/v1/customers/%s/credits" % customer,
               {"amount": "%d.00" % (100 + 37 * (i % 9)), "reason": "crash test grant"})
        customers.append(customer)
    api.ok("PATCH", "/v1/billing-settings", {"auto_send": True})
    log("set up %d customers" % len(customers))

    mid_run = 0
    periods = list(months(args.kills))
    for n, period in enumerate(periods, 1):
        run = api.ok("POST", "/v1/invoice-runs", {"period": period}, expect=(202,))
        target = rng.randint(1, args.customers - 1)
        while True:
            status, current = api.call("GET", "/v1/invoice-runs/" + run["id"])
            check(status == 200, "run %s: %s" % (run["id"], current))
            if current["progress"]["done"] >= target or current["status"] not in (
                    "queued", "running"):
                break
            time.sleep(0.002)
        server.kill()
        done_at_kill = current["progress"]["done"]
        mid_run += 0 < done_at_kill < args.customers
        database_checks(server.db)
        server.start()
        deadline = time.monotonic() + 120
        while True:
            current = api.ok("GET", "/v1/invoice-runs/" + run["id"])
            if current["status"] not in ("queued", "running"):
                break
            check(time.monotonic() < deadline, "run %s never finished after the kill" % run["id"])
            time.sleep(0.05)
        check(current["status"] == "completed",
              "run %s for %s ended %s: %s" % (run["id"], period, current["status"],
                                              current.get("failures")))
        check(current["progress"]["created"] + current["progress"]["skipped"] ==
              args.customers, "run %s progress %s" % (run["id"], current["progress"]))
        log("run %d/%d (%s): killed at %d/%d customers, completed" %
            (n, len(periods), period, done_at_kill, args.customers))
    check(mid_run >= args.kills // 2,
          "only %d of %d kills landed inside a run; the runs are too short" % (mid_run, args.kills))

    # One live invoice per customer and month, each issued with a unique number.
    rows = query(server.db, "SELECT customer_id, period_start, COUNT(*) FROM invoices "
                            "WHERE status <> 'cancelled' GROUP BY customer_id, period_start")
    counts = {(r[0], r[1][:7]): r[2] for r in rows}
    for customer in customers:
        for period in periods:
            got = counts.get((customer, period), 0)
            check(got == 1, "customer %s has %d invoices for %s" % (customer, got, period))
    numbers = [r[0] for r in query(server.db, "SELECT invoice_number FROM invoices")]
    check_invoice_numbers(numbers)
    # Credits: what each invoice took is in the ledger, and each balance is its ledger's sum.
    applied = dict(query(server.db,
                         "SELECT id, credit_applied_minor FROM invoices WHERE credit_applied_minor <> 0"))
    ledger = dict(query(server.db, "SELECT invoice_id, -SUM(amount_minor) FROM credit_ledger "
                                   "WHERE invoice_id IS NOT NULL GROUP BY invoice_id"))
    check(applied == ledger, "credit applied on invoices differs from the ledger: %d vs %d "
                             "invoices" % (len(applied), len(ledger)))
    balances = query(server.db, """
        SELECT c.id, c.credit_balance_minor, COALESCE(SUM(l.amount_minor), 0)
        FROM customers c LEFT JOIN credit_ledger l
          ON l.tenant_id = c.tenant_id AND l.customer_id = c.id
        GROUP BY c.tenant_id, c.id""")
    for customer, balance, total in balances:
        check(balance == total and balance >= 0,
              "customer %s balance %d, ledger %d" % (customer, balance, total))
    log("invoices: %d, one per customer and month, numbers 1..n; credits match the ledger "
        "(%d invoices took credit); %d of %d kills inside a run" %
        (len(numbers), len(applied), mid_run, args.kills))
    return len(numbers)


class SmtpSink:
    """A minimal SMTP server in a thread per connection: answers every command at once in one
    write (no Nagle stalls), keeps the Message-ID of every message it accepts, in order."""

    def __init__(self):
        self.message_ids = []
        self.lock = threading.Lock()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.closed = False
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while not self.closed:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.session, args=(connection,), daemon=True).start()

    def session(self, connection):
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reader = connection.makefile("rb")
        try:
            connection.sendall(b"220 crash.test ESMTP\r\n")
            while True:
                line = reader.readline()
                if not line:
                    return
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    connection.sendall(b"250-crash.test\r\n250 8BITMIME\r\n")
                elif verb == b"DATA":
                    connection.sendall(b"354 go ahead\r\n")
                    message_id = None
                    while True:
                        data = reader.readline()
                        if not data:
                            return  # the client died mid-message: nothing was accepted
                        if data in (b".\r\n", b".\n"):
                            break
                        match = re.match(rb"Message-ID: <([^@>]+)@", data, re.I)
                        if match and message_id is None:
                            message_id = match.group(1).decode()
                    with self.lock:
                        self.message_ids.append(message_id)
                    connection.sendall(b"250 accepted\r\n")
                elif verb == b"QUIT":
                    connection.sendall(b"221 bye\r\n")
                    return
                else:
                    connection.sendall(b"250 ok\r\n")
        except OSError:
            return
        finally:
            reader.close()
            connection.close()

    def close(self):
        self.closed = True
        self.listener.close()


def phase_outbox(server, args, rng, log):
    sink = SmtpSink()
    try:
        smtp = ["smtp.host=127.0.0.1", "smtp.port=%d" % sink.port]
        emails = query(server.db, "SELECT COUNT(*) FROM outbox_messages")[0][0]
        check(emails > 0, "phase A queued no e-mail")
        server.start(smtp)
        kills = 0
        for _ in range(args.kills):
            time.sleep(rng.uniform(0.05, 0.6))
            pending = query(server.db, "SELECT COUNT(*) FROM outbox_messages "
                                       "WHERE status = 'pending'")[0][0]
            if pending == 0:
                break
            server.kill()
            kills += 1
            database_checks(server.db)
            server.start(smtp)
        # Claimed messages of killed processes wait for their lease (6 s at these timeouts).
        deadline = time.monotonic() + 180
        while True:
            left = query(server.db, "SELECT status, COUNT(*) FROM outbox_messages "
                                    "WHERE status <> 'sent' GROUP BY status")
            if not left:
                break
            check(time.monotonic() < deadline, "e-mails not sent: %s" % left)
            time.sleep(0.2)
        outbox = {r[0] for r in query(server.db, "SELECT id FROM outbox_messages")}
        with sink.lock:
            delivered = list(sink.message_ids)
        check(None not in delivered, "a message without a Message-ID reached the SMTP server")
        missing = outbox - set(delivered)
        check(not missing, "%d e-mails marked sent never reached the SMTP server, e.g. %s" %
              (len(missing), sorted(missing)[:3]))
        strangers = set(delivered) - outbox
        check(not strangers, "the SMTP server got unknown messages: %s" % sorted(strangers)[:3])
        duplicates = len(delivered) - len(set(delivered))
        # At-least-once: only a message accepted by the SMTP server but not yet recorded when a
        # kill landed goes again (the worker sends one message at a time).
        check(duplicates <= kills, "%d duplicate e-mails for %d kills" % (duplicates, kills))
        log("outbox: %d e-mails, all delivered, %d sent twice (in flight at one of %d kills, "
            "same Message-ID)" % (len(outbox), duplicates, kills))
    finally:
        sink.close()


def phase_telemetry(server, api, args, rng, log):
    units = []
    for i in range(10):
        units.append(api.ok("POST", "/v1/equipment", {
            "serial_number": "CRASH-%d-%d" % (os.getpid(), i), "model": "S19",
            "hashrate_ths": "110", "power_w": "3250"})["id"])
    keys = [r[0] for r in query(server.db, "SELECT sample_key FROM equipment WHERE id IN (%s)" %
                                ",".join("?" * len(units)), units)]
    check(len(keys) == len(units), "equipment keys not found")
    start = 1788220800  # 2026-09-01T00:00:00Z
    per_unit = 2000     # one-minute readings
    window = per_unit * 60

    def body(batch):
        lines = []
        t0 = start + batch * window
        for unit in units:
            for k in range(per_unit):
                lines.append('{"kind":"energy","equipment_id":"%s","ts":%d,"value":"%d.%03d"}' %
                             (unit, t0 + 60 * k, batch * 100 + k // 20, k % 20 * 50))
        return ("\n".join(lines) + "\n").encode()

    def stored(batch):
        t0 = start + batch * window
        return query(server.db, "SELECT COUNT(*) FROM telemetry_samples WHERE equipment_key IN "
                                "(%s) AND ts >= ? AND ts < ?" % ",".join("?" * len(keys)),
                     keys + [t0, t0 + window])[0][0]

    full = per_unit * len(units)
    batches = []
    for n in range(args.kills):
        batch = len(batches)
        batches.append(batch)
        payload = body(batch)
        answer = {}

        def post():
            try:
                answer["status"] = api.call("POST", "/v1/telemetry", payload,
                                            content_type="application/x-ndjson")[0]
            except Exception as e:  # the connection dies with the server
                answer["error"] = str(e)

        sender = threading.Thread(target=post)
        sender.start()
        time.sleep(rng.uniform(0.0, 1.5))
        server.kill()
        sender.join()
        database_checks(server.db)
        for b in batches:
            count = stored(b)
            check(count in (0, full), "telemetry batch %d is half applied: %d of %d rows" %
                  (b, count, full))
        got = stored(batch)
        server.start()
        if got < full:  # the client saw no answer (or the server died first): send it again
            check(api.call("POST", "/v1/telemetry", payload,
                           content_type="application/x-ndjson")[0] == 200,
                  "telemetry batch %d refused when sent again" % batch)
            check(stored(batch) == full, "telemetry batch %d incomplete after a resend" % batch)
        log("telemetry batch %d/%d: %s at the kill (%s), complete now" %
            (n + 1, args.kills, "stored" if got == full else "not stored",
             answer.get("status", "no answer")))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--billwrightd", required=True)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--customers", type=int, default=60)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--workdir")
    parser.add_argument("--phases", default="runs,outbox,telemetry",
                        help="outbox alone works on a --workdir whose database has e-mails")
    args = parser.parse_args()
    phases = args.phases.split(",")
    rng = random.Random(args.seed)
    workdir = args.workdir or tempfile.mkdtemp(prefix="bw-crash-")
    began = time.monotonic()

    def log(message):
        print("[%6.1fs] %s" % (time.monotonic() - began, message), flush=True)

    log("seed %d, work directory %s" % (args.seed, workdir))
    server = Server(args.billwrightd, workdir, [
        "invoice_runs.lease_seconds=2", "invoice_runs.poll_ms=20", "invoice_runs.batch_size=4",
        "outbox.interval_ms=50",
        "smtp.timeout_ms=100", "webhooks.timeout_ms=100", "outbox.backoff_seconds=1"])
    try:
        super_key = server.create_super_key()
        server.start()
        root = Client(server, super_key)
        tenant = root.ok("POST", "/v1/tenants", {"name": "Crash Hosting", "timezone": "UTC"})["id"]
        key = root.ok("POST", "/v1/api-keys", {"name": "crash", "role": "tenant_admin",
                                               "tenant_id": tenant})["secret"]
        api = Client(server, key)
        if "runs" in phases:
            phase_invoice_runs(server, api, args, rng, log)
        server.stop()
        if "outbox" in phases:
            phase_outbox(server, args, rng, log)
        if "telemetry" in phases:
            if not server.process:
                server.start()
            phase_telemetry(server, api, args, rng, log)
        server.stop()
        database_checks(server.db)
        log("all invariants hold after %d starts" % server.starts)
        return 0
    except Failure as e:
        log("FAILED: %s (seed %d, work directory kept: %s)" % (e, args.seed, workdir))
        return 1
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
