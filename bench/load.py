"""A mixed load on PostgreSQL with several web processes, a worker and the mail listener.

    .venv/bin/python bench/load.py                      # 30 minutes
    .venv/bin/python bench/load.py --minutes 3          # a short run
    .venv/bin/python bench/load.py --minutes 5 --faults 100   # kill -9 100 times (bench/faults.py)

It loads a fresh database with bench/desk_data.py (--conversations, 20,000 by default, into
--database, "helpline_load_bench"), then runs, each in its own session (process group):

  web       --web (3) `helpline serve` processes on consecutive ports from --port; the load
            tool sends each request to the next one in turn (round-robin, no proxy)
  worker    `helpline worker --beat` (Celery, Redis broker --broker)
  listener  `helpline mail-listener` (LMTP)

and drives them for --minutes with
  * locust (bench/load_users.py): --agents (50) agents signing in, browsing the inbox,
    opening conversations, replying, writing notes and searching, 1-5 s between steps;
    --api-clients (5) API clients with a Bearer token reading conversations and reporting
    missed calls (each creates a call message and a callback);
  * mail at --mail-rate (20) messages/s over LMTP, sent as an MTA does: a message is
    retried until the listener answers 250 (a refused connection, a dropped one or a 451
    is retried); a fifth of them reply to an earlier one;
  * outbound mail (replies, acknowledgements) goes to an SMTP sink in this process.

A supervisor restarts any service that exits. With --faults N, N times at random moments
spread over the run, one of the services (a web process, the worker or the listener,
chosen at random) is killed with SIGKILL, its whole process group. After the run the
worker drains what is left (event deliveries, outbox), then everything is counted against
what was sent:

  mail       every Message-ID sent: RawEmail rows holding it, messages with it (1 each);
             any answered 5xx, which an MTA would bounce to the customer, counts as lost
  calls      every call id answered 2xx: call messages and callbacks of its caller (1 each);
             ids the client gave up on (no 2xx in 2 minutes, or the run ended) are counted
             apart, and must not be stored twice either
  events     deliveries not done (lost: pending, running or failed after the drain);
             effects that must happen once per event: an insight per customer message,
             an acknowledgement per new mail conversation (doubled: more than one)
  notifications  SLA notifications (Lyon's mail has a 2-minute first-response target,
             warned at half, its team lead told): more than one per event and user
             (doubled); a breach nobody was told of, an SLA point the scan left over 90 s,
             a notification email not sent (lost)
  outbound   outbound mail rows not sent; Message-IDs the sink received twice (reported:
             a kill between the SMTP server's 250 and marking the row sent resends it;
             SMTP cannot do better, the receiver dedupes by Message-ID)

Prints one JSON object: p95 (and p50, count, failures) per route from locust, errors,
the RSS of each web process sampled every 5 s (median of the first and the last window,
5 minutes or a third of the run when shorter), restarts, kills and the counts above.
"""

import argparse
import csv
import email.utils
import json
import os
import queue
import random
import shutil
import signal
import smtplib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from pathlib import Path

import psycopg
from aiosmtpd.controller import Controller

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
MAILBOXES = ["london", "manchester", "berlin", "madrid", "munich", "paris", "lyon"]


# --------------------------------------------------------------------------- services


class Service:
    """One supervised process, started in its own session so a kill takes its children."""

    def __init__(self, name: str, argv: list[str], env: dict, log: Path, ready_port: int):
        self.name, self.argv, self.env, self.log, self.ready_port = name, argv, env, log, ready_port
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                self.argv, env=self.env, stdout=out, stderr=out, start_new_session=True
            )
        self.starts += 1

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.running():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.running():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def rss_mb(self) -> float | None:
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except (OSError, AttributeError):
            return None
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return None


def wait_for_port(port: int, seconds: float = 60) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing listens on port {port} after {seconds} s")


class Supervisor(threading.Thread):
    """Restart whatever exited; kill one service now and then when asked to."""

    def __init__(self, services: list[Service]):
        super().__init__(daemon=True)
        self.services = services
        self.stopping = threading.Event()
        self.restarts: Counter = Counter()

    def run(self) -> None:
        while not self.stopping.wait(0.2):
            for service in self.services:
                if not service.running() and not self.stopping.is_set():
                    service.start()
                    self.restarts[service.name] += 1


def faults(supervisor: Supervisor, kills: int, seconds: float, rng: random.Random) -> Counter:
    """`kills` SIGKILLs at random moments of `seconds`, each to a random service."""
    moments = sorted(rng.uniform(0, seconds) for _ in range(kills))
    started = time.monotonic()
    killed: Counter = Counter()
    for moment in moments:
        time.sleep(max(0.0, started + moment - time.monotonic()))
        victim = rng.choice(supervisor.services)
        victim.kill()
        killed[victim.name.split("-")[0]] += 1
    return killed


# --------------------------------------------------------------------------- mail in and out


class MailSender:
    """Mail at `rate` a second over LMTP, each retried as an MTA would until accepted."""

    def __init__(self, port: int, rate: float, rng: random.Random, senders: int = 6):
        self.port, self.rate, self.rng = port, rate, rng
        self.outgoing: queue.Queue = queue.Queue()
        self.sent: list[str] = []
        self.accepted: set[str] = set()
        self.bounced: set[str] = set()
        self.retries = 0
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self._send_loop, daemon=True) for _ in range(senders)
        ]
        self.lock = threading.Lock()

    def message(self, n: int) -> tuple[str, bytes]:
        rng = self.rng
        msg = EmailMessage()
        customer = rng.randrange(2000)
        msg["From"] = email.utils.formataddr((f"Customer {customer}", f"c{customer}@load.example"))
        msg["To"] = f"{rng.choice(MAILBOXES)}@fixwell.example"
        msg["Date"] = email.utils.formatdate(localtime=False)
        msgid = f"load-{n}-{rng.randrange(10**9)}@load.example"
        msg["Message-ID"] = f"<{msgid}>"
        earlier = self.sent[rng.randrange(len(self.sent))] if self.sent and n % 5 == 0 else None
        if earlier:
            msg["Subject"] = "Re: my order"
            msg["In-Reply-To"] = f"<{earlier}>"
            msg["References"] = f"<{earlier}>"
        else:
            msg["Subject"] = f"Order {n}: the kettle does not heat"
        msg.set_content(f"Hello,\n\nmy kettle from order {n} stopped working. Please help.\n")
        return msgid, msg.as_bytes()

    def produce(self, seconds: float) -> None:
        started = time.monotonic()
        n = 0
        while time.monotonic() - started < seconds:
            n += 1
            msgid, raw = self.message(n)
            with self.lock:
                self.sent.append(msgid)
            self.outgoing.put((msgid, raw))
            time.sleep(max(0.0, started + n / self.rate - time.monotonic()))

    def _send_loop(self) -> None:
        while True:
            try:
                msgid, raw = self.outgoing.get(timeout=0.5)
            except queue.Empty:
                if self.stopping.is_set():
                    return
                continue
            recipient = BytesHeaderParser().parsebytes(raw)["To"]
            while (answer := self._send_once(raw, recipient)) == "again":
                with self.lock:
                    self.retries += 1
                time.sleep(0.5)
            with self.lock:
                (self.accepted if answer == "accepted" else self.bounced).add(msgid)

    def _send_once(self, raw: bytes, recipient: str) -> str:
        """accepted (250), again (no answer, or 4xx: an MTA keeps it and retries) or
        bounced (5xx: an MTA returns it to the customer as undeliverable)."""
        try:
            with smtplib.LMTP("127.0.0.1", self.port, timeout=60) as lmtp:
                lmtp.sendmail("mta@load.example", [recipient], raw)
            return "accepted"
        except smtplib.SMTPRecipientsRefused as exc:
            code = min(code for code, _ in exc.recipients.values())
            return "bounced" if code >= 500 else "again"
        except smtplib.SMTPResponseException as exc:
            return "bounced" if exc.smtp_code >= 500 else "again"
        except (OSError, smtplib.SMTPException):
            return "again"

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self, seconds: float) -> None:
        """Let the senders empty the queue (the listener is running again by then)."""
        deadline = time.monotonic() + seconds
        while not self.outgoing.empty() and time.monotonic() < deadline:
            time.sleep(0.2)
        self.stopping.set()
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))


class Sink:
    """The SMTP server our outbound mail goes to: counts each Message-ID it receives."""

    def __init__(self):
        self.received: Counter = Counter()

    async def handle_DATA(self, server, session, envelope):
        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        self.received[(headers["Message-ID"] or "").strip()] += 1
        return "250 OK"


# --------------------------------------------------------------------------- the run


def sql(url: str, query: str, params=None) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(query, params)
        return cursor.fetchall() if cursor.description else []


# Lyon's new mail gets a first response target of 2 minutes, warned at half; its team's
# lead (one of Lyon's agents) is told of both, on the desk and by mail (to the sink).
SLA_SETUP = """
UPDATE core_team SET lead_id = (
    SELECT min(user_id) FROM core_user_locations WHERE location_id = core_team.location_id)
  WHERE id = (SELECT team_id FROM core_mailbox WHERE address = 'lyon@fixwell.example');
INSERT INTO sla_slapolicy (name, position, priority, channel, location_id,
    first_response_minutes, warn_at_percent, raise_priority_to)
  SELECT 'load: Lyon mail', 0, '', 'email', location_id, 2, 50, ''
  FROM core_mailbox WHERE address = 'lyon@fixwell.example';
"""


def prepare(args, env: dict) -> tuple[str, list[str], dict]:
    """A fresh database, mailboxes that acknowledge, an SLA policy, an API token;
    (token, agent names, what desk_data.py loaded)."""
    loaded = subprocess.run(
        [
            PYTHON,
            str(REPO / "bench/desk_data.py"),
            "--database-url",
            env["DATABASE_URL"],
            "--conversations",
            str(args.conversations),
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    data = json.loads(loaded.stdout)
    sql(env["DATABASE_URL"], "UPDATE core_mailbox SET send_acknowledgement = true")
    sql(env["DATABASE_URL"], SLA_SETUP)
    token = subprocess.run(
        [PYTHON, "-m", "django", "create_token", "bench-admin", "--name", "load"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    agents = [
        row[0]
        for row in sql(
            env["DATABASE_URL"],
            "SELECT username FROM core_user WHERE NOT is_staff ORDER BY username",
        )
    ][: args.agents]
    return token, agents, data["loaded"]


def percentile_rows(stats_csv: Path) -> tuple[dict, int, int]:
    routes, errors, requests = {}, 0, 0
    with open(stats_csv) as f:
        for row in csv.DictReader(f):
            if row["Name"] == "Aggregated":
                errors, requests = int(row["Failure Count"]), int(row["Request Count"])
                continue
            routes[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50_ms": float(row["50%"] or 0),
                "p95_ms": float(row["95%"] or 0),
            }
    return dict(sorted(routes.items())), errors, requests


def rss_summary(samples: dict[str, list[tuple[float, float]]], seconds: float) -> dict:
    window = min(300.0, seconds / 3)
    summary = {}
    for name, points in samples.items():
        first = [mb for t, mb in points if t <= window]
        last = [mb for t, mb in points if t >= seconds - window]
        summary[name] = {
            "first_window_median_mb": round(statistics.median(first), 1) if first else None,
            "last_window_median_mb": round(statistics.median(last), 1) if last else None,
            "max_mb": round(max(mb for _, mb in points), 1) if points else None,
            "samples": len(points),
        }
    return {"window_s": round(window), "processes": summary}


def drain(url: str, seconds: float) -> dict:
    """Wait for the worker to finish what the run left (a backlog is not a loss), until
    nothing is left or nothing has moved for `seconds`; what is still not done then."""
    started = last_move = time.monotonic()
    before = None
    while True:
        (left,) = sql(
            url,
            "SELECT (SELECT count(*) FROM core_eventdelivery WHERE status IN ('pending','running'))"
            " + (SELECT count(*) FROM email_outboundemail WHERE status IN ('pending','sending'))"
            " + (SELECT count(*) FROM sla_notificationemail WHERE status IN ('pending','sending'))"
            # SLA points that came over 90 s ago and the every-minute scan has not handled
            " + (SELECT count(*) FROM conversations_conversation"
            "    WHERE sla_next_check_at < now() - interval '90 seconds')",
        )[0]
        now = time.monotonic()
        if left != before:
            before, last_move = left, now
        if left == 0 or now - last_move > seconds:
            return {"left_after_drain": left, "drain_s": round(now - started)}
        time.sleep(2)


def count(
    url: str, mail_sender: MailSender, calls: list[tuple[str, str]], acked: set[str], sink: Sink
) -> dict:
    """Lost and doubled, against what was sent."""
    raw_ids: Counter = Counter()
    for (data,) in sql(url, "SELECT data FROM email_rawemail WHERE source = 'lmtp'"):
        raw_ids[(BytesHeaderParser().parsebytes(bytes(data))["Message-ID"] or "").strip("<> ")] += 1
    message_ids = Counter(
        external_id.strip("<> ")
        for (external_id,) in sql(
            url,
            "SELECT external_id FROM conversations_message WHERE external_id LIKE %s",
            ("%@load.example%",),
        )
    )
    sent_mail = mail_sender.sent
    mail = {
        "sent": len(sent_mail),
        "bounced": len(mail_sender.bounced),
        "raw_lost": sum(1 for m in sent_mail if raw_ids[m] == 0),
        "raw_doubled": sum(1 for m in sent_mail if raw_ids[m] > 1),
        "message_lost": sum(1 for m in sent_mail if message_ids[m] == 0),
        "message_doubled": sum(1 for m in sent_mail if message_ids[m] > 1),
    }
    call_messages = Counter(
        call_id
        for (call_id,) in sql(
            url, "SELECT meta->>'call_id' FROM conversations_message WHERE meta ? 'call_id'"
        )
    )
    callbacks = Counter(
        number
        for (number,) in sql(
            url,
            "SELECT i.value FROM callbacks_callback cb JOIN customers_identity i"
            " ON i.customer_id = cb.customer_id WHERE i.kind = 'phone'",
        )
    )
    answered = [(c, n) for c, n in calls if c in acked]
    call_report = {
        "sent": len(calls),
        "answered": len(answered),
        "message_lost": sum(1 for c, _ in answered if call_messages[c] == 0),
        "message_doubled": sum(1 for c, _ in calls if call_messages[c] > 1),
        "callback_lost": sum(1 for _, n in answered if callbacks[n] == 0),
        "callback_doubled": sum(1 for _, n in calls if callbacks[n] > 1),
        "client_gave_up_stored": sum(1 for c, _ in calls if c not in acked and call_messages[c]),
    }
    (deliveries_not_done, deliveries_failed, insight_lost, ack_doubled, ack_lost) = sql(
        url,
        """
        SELECT
          (SELECT count(*) FROM core_eventdelivery WHERE status IN ('pending', 'running')),
          (SELECT count(*) FROM core_eventdelivery WHERE status = 'failed'),
          (SELECT count(*) FROM core_eventdelivery d
             WHERE d.handler LIKE '%%read_message' AND d.status = 'done' AND NOT EXISTS
               (SELECT 1 FROM insights_text t
                  WHERE t.message_id = (d.payload->>'message_id')::bigint)),
          (SELECT count(*) FROM (SELECT conversation_id FROM conversations_message
             WHERE meta->>'automatic' = 'acknowledgement'
             GROUP BY conversation_id HAVING count(*) > 1) AS twice),
          (SELECT count(*) FROM core_eventdelivery d
             WHERE d.handler LIKE '%%acknowledge_new_conversation' AND d.status = 'done'
               AND NOT EXISTS
               (SELECT 1 FROM conversations_message m
                  WHERE m.conversation_id = (d.payload->>'conversation_id')::bigint
                    AND m.meta->>'automatic' = 'acknowledgement'))
        """,
    )[0]
    (deliveries,) = sql(url, "SELECT count(*) FROM core_eventdelivery")[0]
    events = {
        "deliveries": deliveries,
        "lost_not_done": deliveries_not_done,
        "lost_failed": deliveries_failed,
        "insight_lost": insight_lost,
        "acknowledgement_doubled": ack_doubled,
        "acknowledgement_lost": ack_lost,
    }
    (events_recorded, notifications, doubled_notes, breach_untold, overdue, mails, mails_unsent) = (
        sql(
            url,
            """
        SELECT
          (SELECT count(*) FROM sla_slaevent),
          (SELECT count(*) FROM sla_notification),
          (SELECT count(*) FROM (SELECT 1 FROM sla_notification
             GROUP BY event_id, user_id HAVING count(*) > 1) AS twice),
          (SELECT count(*) FROM sla_slaevent e WHERE e.kind = 'breach' AND NOT EXISTS
             (SELECT 1 FROM sla_notification n WHERE n.event_id = e.id)),
          (SELECT count(*) FROM conversations_conversation
             WHERE sla_next_check_at < now() - interval '90 seconds'),
          (SELECT count(*) FROM sla_notificationemail),
          (SELECT count(*) FROM sla_notificationemail WHERE status <> 'sent')
        """,
        )[0]
    )
    notifications_report = {
        "sla_events": events_recorded,
        "notifications": notifications,
        "doubled": doubled_notes,
        "breach_not_told": breach_untold,
        "sla_points_not_handled": overdue,
        "emails": mails,
        "emails_not_sent": mails_unsent,
    }
    (outbound, unsent) = sql(
        url, "SELECT count(*), count(*) FILTER (WHERE status <> 'sent') FROM email_outboundemail"
    )[0]
    outbound_report = {
        "rows": outbound,
        "not_sent": unsent,
        "sink_received": sum(sink.received.values()),
        "sink_received_twice": sum(1 for n in sink.received.values() if n > 1),
    }
    lost = (
        mail["bounced"]
        + mail["raw_lost"]
        + mail["message_lost"]
        + call_report["message_lost"]
        + call_report["callback_lost"]
        + deliveries_not_done
        + deliveries_failed
        + insight_lost
        + ack_lost
        + unsent
        + breach_untold
        + overdue
        + mails_unsent
    )
    doubled = (
        mail["raw_doubled"]
        + mail["message_doubled"]
        + call_report["message_doubled"]
        + call_report["callback_doubled"]
        + ack_doubled
        + doubled_notes
    )
    return {
        "lost": lost,
        "doubled": doubled,
        "mail": mail,
        "calls": call_report,
        "events": events,
        "notifications": notifications_report,
        "outbound": outbound_report,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--faults", type=int, default=0, help="SIGKILLs during the run")
    parser.add_argument("--web", type=int, default=3, help="web processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per web process")
    parser.add_argument("--port", type=int, default=8610, help="first web port")
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--api-clients", type=int, default=5)
    parser.add_argument("--mail-rate", type=float, default=20)
    parser.add_argument("--conversations", type=int, default=20_000)
    parser.add_argument("--database", default="helpline_load_bench")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/4")
    parser.add_argument(
        "--drain-seconds", type=float, default=120, help="give up when nothing moved so long"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep-logs", type=Path, help="copy the services' logs here")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    fault_rng = random.Random(args.seed + 1)  # its own: the mail thread draws from rng
    seconds = args.minutes * 60
    work = Path(tempfile.mkdtemp(prefix="helpline-load-"))
    database_url = POSTGRES.rsplit("/", 1)[0] + "/" + args.database
    lmtp_port = args.port + 100
    sink = Sink()
    sink_port = args.port + 101
    controller = Controller(sink, hostname="127.0.0.1", port=sink_port)
    controller.start()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "helpline.settings",
        "DATABASE_URL": database_url,
        "HELPLINE_DATA_DIR": str(work / "data"),
        "CELERY_BROKER_URL": args.broker,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink_port),
        "LOG_LEVEL": "WARNING",
        # A killed worker's claims are taken again after 20 s, not 5 minutes, so the
        # drain at the end is short; the code paths are the same.
        "HELPLINE_EVENT_CLAIM_SECONDS": "20",
        "HELPLINE_EVENT_RETRY_SECONDS": "5",
        "HELPLINE_OUTBOX_CLAIM_SECONDS": "20",
        "SITE_URL": f"http://127.0.0.1:{args.port}",
    }
    redis_db = args.broker.rsplit("/", 1)[-1]
    subprocess.run(["redis-cli", "-n", redis_db, "FLUSHDB"], check=True, capture_output=True)
    token, agents, loaded = prepare(args, env)

    helpline = [PYTHON, "-m", "django"]
    services = [
        Service(
            f"web-{port}",
            [*helpline, "serve", "--port", str(port), "--threads", str(args.threads)],
            env,
            work / f"web-{port}.log",
            port,
        )
        for port in range(args.port, args.port + args.web)
    ]
    services.append(
        Service(
            "worker",
            [*helpline, "worker", "--beat", "--concurrency", "2", "--loglevel", "WARNING"],
            env,
            work / "worker.log",
            0,
        )
    )
    services.append(
        Service(
            "listener",
            [*helpline, "mail_listener", "--lmtp-port", str(lmtp_port), "--smtp-port", "0"],
            env,
            work / "listener.log",
            lmtp_port,
        )
    )
    supervisor = Supervisor(services)
    locust = None
    try:
        for service in services:
            service.start()
        for service in services:
            if service.ready_port:
                wait_for_port(service.ready_port)
        supervisor.start()

        calls_file = work / "calls.txt"
        calls_file.touch()
        (work / "calls-answered.txt").touch()
        hosts = ",".join(
            f"http://127.0.0.1:{port}" for port in range(args.port, args.port + args.web)
        )
        users = args.agents + args.api_clients
        with open(work / "locust.log", "wb") as locust_log:
            locust = subprocess.Popen(
                [
                    PYTHON,
                    "-m",
                    "locust",
                    "-f",
                    str(REPO / "bench/load_users.py"),
                    "--headless",
                    "--users",
                    str(users),
                    "--spawn-rate",
                    "5",
                    "--run-time",
                    f"{int(seconds)}s",
                    "--csv",
                    str(work / "locust"),
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                    "--stop-timeout",
                    "10",
                ],
                env={
                    **env,
                    "LOAD_HOSTS": hosts,
                    "LOAD_AGENTS": ",".join(agents),
                    "LOAD_API_TOKEN": token,
                    "LOAD_CALLS_FILE": str(calls_file),
                    "LOAD_ANSWERED_FILE": str(work / "calls-answered.txt"),
                },
                stdout=subprocess.DEVNULL,
                stderr=locust_log,
            )
        mail = MailSender(lmtp_port, args.mail_rate, rng)
        mail.start()
        producer = threading.Thread(target=mail.produce, args=(seconds,), daemon=True)
        producer.start()
        killed: Counter = Counter()
        killer = threading.Thread(
            target=lambda: killed.update(faults(supervisor, args.faults, seconds, fault_rng)),
            daemon=True,
        )
        if args.faults:
            killer.start()

        rss: dict[str, list[tuple[float, float]]] = {
            s.name: [] for s in services if s.ready_port and s.name.startswith("web")
        }
        started = time.monotonic()
        load_at_start = os.getloadavg()
        while locust.poll() is None:
            elapsed = time.monotonic() - started
            for service in services:
                if service.name in rss and (mb := service.rss_mb()) is not None:
                    rss[service.name].append((elapsed, mb))
            time.sleep(5)
        load_at_end = os.getloadavg()
        producer.join()
        if args.faults:
            killer.join()
        mail.finish(120)
        drained = drain(database_url, args.drain_seconds)
    finally:  # never leave a server behind, whatever happened
        if locust is not None and locust.poll() is None:
            locust.kill()
        supervisor.stopping.set()
        if supervisor.is_alive():
            supervisor.join()
        for service in services:
            service.stop()
        controller.stop()

    calls = [tuple(line.split()) for line in calls_file.read_text().splitlines() if line]
    acked = set((work / "calls-answered.txt").read_text().split())
    routes, errors, requests = percentile_rows(work / "locust_stats.csv")
    result = {
        "minutes": args.minutes,
        "database": {"vendor": "postgresql", "name": args.database, "loaded": loaded},
        "web_processes": args.web,
        "threads_per_process": args.threads,
        "agents": args.agents,
        "api_clients": args.api_clients,
        "mail_rate_per_s": args.mail_rate,
        "requests": requests,
        "errors": errors,
        "routes": routes,
        "mail_sent": len(mail.sent),
        "mail_accepted": len(mail.accepted),
        "mail_bounced": len(mail.bounced),
        "mail_retries": mail.retries,
        "rss": rss_summary(rss, seconds) if not args.faults else "not measured with --faults",
        "kills": dict(killed),
        "restarts": dict(supervisor.restarts),
        **drained,
        "counts": count(database_url, mail, calls, acked, sink),
        "load_average": {
            "start": [round(x, 2) for x in load_at_start],
            "end": [round(x, 2) for x in load_at_end],
        },
        "cpus": os.cpu_count(),
    }
    if args.keep_logs:
        args.keep_logs.mkdir(parents=True, exist_ok=True)
        for log in work.glob("*.log"):
            (args.keep_logs / log.name).write_bytes(log.read_bytes())
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
