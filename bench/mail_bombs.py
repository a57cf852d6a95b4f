"""Hostile mail against `helpline ingest-email`: time, peak RSS and outcome per bomb.

    .venv/bin/python bench/mail_bombs.py [--only NAME ...] [--timeout 120]

For each bomb: a fresh HELPLINE_DATA_DIR (SQLite), ``helpline migrate`` (not timed),
then ``helpline ingest-email < bomb.eml`` as a subprocess; its wall time, its peak RSS
(``os.wait4``'s rusage of that very process), its exit status, and what became of the
raw mail (stored, quarantined with which reason, or still "received").

Target: every row under 5 s and 400 MB, stored (with bounded content) or quarantined
with a clear reason, never left "received". Prints one JSON object on stdout.
"""

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HELPLINE = [sys.executable, "-m", "helpline.cli"]

HEAD = (
    b"From: Bomb <bomb@example.com>\r\n"
    b"To: support@example.com\r\n"
    b"Subject: %s\r\n"
    b"Date: Mon, 02 Mar 2026 10:00:00 +0000\r\n"
    b"Message-ID: <%s@bomb.example.com>\r\n"
    b"MIME-Version: 1.0\r\n"
)


def references(n: int = 200_000) -> bytes:
    ids = b" ".join(b"<ref-%d@a.example.com>" % i for i in range(n))
    return (
        HEAD % (b"references", b"refs")
        + b"In-Reply-To: <ref-%d@a.example.com>\r\n" % (n - 1)
        + b"References: "
        + ids
        + b"\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
    )


def nested_divs(n: int = 100_000) -> bytes:
    html = b"<div>" * n + b"deep" + b"</div>" * n
    return (
        HEAD % (b"nested divs", b"divs")
        + b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        + html
        + b"\r\n"
    )


def many_parts(n: int = 20_000) -> bytes:
    part = b"--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n"
    body = b"".join(part % i for i in range(n))
    return (
        HEAD % (b"many parts", b"parts")
        + b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        + body
        + b"--b--\r\n"
    )


def deep_multipart(n: int = 5_000) -> bytes:
    opens = b"".join(
        b'--b%d\r\nContent-Type: multipart/mixed; boundary="b%d"\r\n\r\n' % (i, i + 1)
        for i in range(n)
    )
    closes = b"".join(b"--b%d--\r\n" % i for i in reversed(range(n + 1)))
    return (
        HEAD % (b"deep multipart", b"deep")
        + b'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n'
        + opens
        + b"--b%d\r\nContent-Type: text/plain\r\n\r\ninnermost\r\n" % n
        + closes
    )


def long_header(size: int = 20 * 1024 * 1024) -> bytes:
    return (
        HEAD % (b"long header", b"header")
        + b"X-Long: "
        + b"a" * size
        + b"\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
    )


BOMBS = {
    "references_200k": references,
    "nested_div_100k": nested_divs,
    "mime_parts_20k": many_parts,
    "multipart_depth_5k": deep_multipart,
    "header_line_20mb": long_header,
}


def run(cmd: list[str], env: dict, stdin: Path | None, timeout: float) -> dict:
    started = time.perf_counter()
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        open(stdin or os.devnull, "rb") as inp,
    ):
        process = subprocess.Popen(cmd, env=env, stdin=inp, stdout=out, stderr=err, cwd=REPO)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                _, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return {
            "seconds": round(elapsed, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # KiB on Linux
            "exit": os.waitstatus_to_exitcode(status),
            "stdout": out.read().decode(errors="replace")[-300:].strip(),
            "stderr": err.read().decode(errors="replace")[-500:].strip(),
        }


def outcome(data_dir: Path) -> dict:
    db = sqlite3.connect(data_dir / "helpline.sqlite3")
    try:
        row = db.execute("SELECT status, reason FROM email_rawemail").fetchone()
        stored = db.execute(
            "SELECT length(text), length(html), "
            "(SELECT count(*) FROM conversations_attachment) FROM conversations_message"
        ).fetchone()
    finally:
        db.close()
    result = {"status": row[0], "reason": row[1][:200]} if row else {"status": None}
    if stored:
        result.update(text_chars=stored[0], html_chars=stored[1], attachments=stored[2])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(BOMBS), default=None)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()

    rows = {}
    with tempfile.TemporaryDirectory(prefix="helpline-bombs-") as tmp:
        for name in args.only or BOMBS:
            data_dir = Path(tmp) / name
            data_dir.mkdir()
            mail = Path(tmp) / f"{name}.eml"
            mail.write_bytes(BOMBS[name]())
            env = {**os.environ, "HELPLINE_DATA_DIR": str(data_dir)}
            env.pop("DATABASE_URL", None)
            migrate = run([*HELPLINE, "migrate", "-v0"], env, None, args.timeout)
            if migrate["exit"] != 0:
                raise SystemExit(f"migrate failed: {migrate['stderr']}")
            result = run([*HELPLINE, "ingest-email"], env, mail, args.timeout)
            row = {
                "mail_bytes": mail.stat().st_size,
                "seconds": result["seconds"],
                "peak_rss_mb": result["peak_rss_mb"],
                "exit": result["exit"],
                **outcome(data_dir),
            }
            if result["exit"] != 0:
                row["stderr"] = result["stderr"]
            rows[name] = row
            print(name, json.dumps(row), file=sys.stderr, flush=True)
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
