"""How fast mail is ingested, against how fast the standard library parses it.

    .venv/bin/python bench/ingest.py [--messages 10000] [--skip-postgres] [--profile FILE]

Generates N realistic emails into a Maildir (bench/generate_mail.py), then in one run:

  * bare_parse_per_s: ``BytesParser(policy=policy.default).parsebytes(raw)`` and
    ``get_body(('plain', 'html')).get_content()`` per file (read from disk), the
    floor any importer pays;
  * for SQLite (fresh HELPLINE_DATA_DIR) and PostgreSQL (a fresh database,
    ``helpline_bench`` by default, created and dropped here): ``helpline migrate``
    (not timed), then ``helpline import-mail MAILDIR --quiet --json`` as a
    subprocess; ingest_per_s = N / its wall time (Python and Django start-up
    included), and its peak RSS from ``os.wait4``'s rusage of that very process.

Prints one JSON object on stdout. ``--profile FILE`` also runs the import once
more under cProfile (not timed, on SQLite unless --profile-postgres) and prints
the top functions to stderr.
"""

import argparse
import json
import os
import pstats
import sqlite3
import subprocess
import sys
import tempfile
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from generate_mail import generate  # noqa: E402

HELPLINE = [sys.executable, "-m", "helpline.cli"]
PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def mail_files(maildir: Path) -> list[Path]:
    return sorted(p for sub in ("cur", "new") for p in (maildir / sub).iterdir())


def bare_parse_rate(files: list[Path]) -> float:
    parser = BytesParser(policy=policy.default)
    started = time.perf_counter()
    for path in files:
        msg = parser.parsebytes(path.read_bytes())
        body = msg.get_body(("plain", "html"))
        if body is not None:
            body.get_content()
    return len(files) / (time.perf_counter() - started)


def run(cmd: list[str], env: dict) -> tuple[float, float, str]:
    """Run a command; return (wall seconds, peak RSS in MB of that process, stdout)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, cwd=REPO)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({process.returncode}):\n{stderr[-3000:]}")
    return elapsed, usage.ru_maxrss / 1024, stdout  # ru_maxrss is in KiB on Linux


def measure(maildir: Path, messages: int, env: dict, bare: float) -> dict:
    run([*HELPLINE, "migrate", "-v0"], env)
    seconds, rss, stdout = run([*HELPLINE, "import-mail", str(maildir), "--quiet", "--json"], env)
    report = json.loads(stdout.strip().splitlines()[-1])
    rate = messages / seconds
    return {
        "ingest_per_s": round(rate, 1),
        "ratio_to_bare": round(rate / bare, 3),
        "peak_rss_mb": round(rss, 1),
        "seconds": round(seconds, 2),
        "stored": report["stored"],
        "duplicate": report["duplicate"],
        "quarantined": report["quarantined"],
        "failed": report["failed"],
    }


def profile(maildir: Path, env: dict, out: Path, top: int = 25) -> None:
    run([*HELPLINE, "migrate", "-v0"], env)
    cmd = [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "helpline.cli"]
    run([*cmd, "import-mail", str(maildir), "--quiet", "--json"], env)
    stats = pstats.Stats(str(out), stream=sys.stderr)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


class PostgresDatabase:
    """A database created for the bench and dropped afterwards."""

    def __init__(self, name: str):
        import psycopg

        self.psycopg = psycopg
        self.name = name
        self.admin_url = PG_ADMIN_URL
        base = PG_ADMIN_URL.rsplit("/", 1)[0]
        self.url = f"{base}/{name}"

    def _admin(self, sql: str):
        with self.psycopg.connect(self.admin_url, autocommit=True) as conn:
            return conn.execute(sql).fetchone() if sql.startswith("SELECT") else conn.execute(sql)

    def __enter__(self):
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._admin(f'CREATE DATABASE "{self.name}"')
        return self

    def __exit__(self, *exc):
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def version(self) -> str:
        return self._admin("SELECT current_setting('server_version')")[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--postgres-db", default="helpline_bench")
    parser.add_argument("--profile", type=Path, help="also write a cProfile of one import here")
    parser.add_argument("--profile-postgres", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="helpline-bench-") as tmp:
        tmp = Path(tmp)
        maildir = generate(tmp / "Maildir", args.messages, args.seed)
        files = mail_files(maildir)
        bare_parse_rate(files[:200])  # warm the page cache and the imports
        bare = bare_parse_rate(files)
        result = {
            "messages": len(files),
            "data_mb": round(sum(p.stat().st_size for p in files) / 1e6, 1),
            "bare_parse_per_s": round(bare, 1),
        }
        versions = {"python": sys.version.split()[0], "sqlite": sqlite3.sqlite_version}

        def sqlite_env(name: str) -> dict:
            data = tmp / name
            data.mkdir()
            return {
                **os.environ,
                "HELPLINE_DATA_DIR": str(data),
                "DATABASE_URL": f"sqlite:///{data / 'helpline.sqlite3'}",
                "LOG_LEVEL": "WARNING",
            }

        result["sqlite"] = measure(maildir, len(files), sqlite_env("sqlite"), bare)
        if not args.skip_postgres:
            with PostgresDatabase(args.postgres_db) as pg:
                env = {**sqlite_env("postgresql"), "DATABASE_URL": pg.url}
                result["postgresql"] = measure(maildir, len(files), env, bare)
                versions["postgresql"] = pg.version()
        result["database_versions"] = versions
        print(json.dumps(result), flush=True)

        if args.profile:
            if args.profile_postgres:
                with PostgresDatabase(args.postgres_db) as pg:
                    env = {**sqlite_env("profile"), "DATABASE_URL": pg.url}
                    profile(maildir, env, args.profile)
            else:
                profile(maildir, sqlite_env("profile"), args.profile)


if __name__ == "__main__":
    main()
