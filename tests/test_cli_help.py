"""`helpline --help`: Helpline's own commands, one line each, without Django's internals."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands

HELPLINE = str(Path(sys.executable).with_name("helpline"))
OWN = {
    "backup",
    "beat",
    "check",
    "create-token",
    "demo",
    "fetch-mail",
    "import-mail",
    "ingest-email",
    "mail-listener",
    "parse-email",
    "quarantine",
    "reprocess",
    "restore",
    "retrain-themes",
    "reset-two-factor",
    "serve",
    "start",
    "worker",
}
DJANGO_INTERNALS = {"flush", "sqlflush", "startproject", "startapp", "makemigrations", "sqlmigrate"}


def helpline(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HELPLINE_DATA_DIR": str(tmp_path)}
    return subprocess.run(
        [HELPLINE, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def command_lines(output: str) -> dict[str, str]:
    """The listed commands: indented lines, name then what it does."""
    rows = [line.split(maxsplit=1) for line in output.splitlines() if line.startswith("  ")]
    return {row[0]: row[1] if len(row) > 1 else "" for row in rows}


@pytest.mark.parametrize("args", [["--help"], ["help"], []])
def test_help_lists_helplines_own_commands_one_line_each(tmp_path, args):
    result = helpline(tmp_path, *args)

    assert result.returncode == 0, result.stderr
    listed = command_lines(result.stdout)
    assert set(listed) >= OWN, result.stdout
    for name in OWN:
        assert len(listed[name]) > 20, name  # says what it does
        assert sum(line.split()[:1] == [name] for line in result.stdout.splitlines()) == 1
    shown = set(result.stdout.replace(",", " ").split())
    assert not shown & DJANGO_INTERNALS, result.stdout


def test_every_command_of_helplines_apps_is_listed(tmp_path):
    own_commands = {n for n, app in get_commands().items() if app.startswith("helpline.")}
    listed = command_lines(helpline(tmp_path, "--help").stdout)

    names = {"check_setup" if name == "check" else name.replace("-", "_") for name in listed}
    assert names == own_commands


def test_djangos_commands_stay_callable_and_are_listed_on_request(tmp_path):
    assert helpline(tmp_path, "flush", "--help").returncode == 0
    assert "sqlflush" in helpline(tmp_path, "help", "--all").stdout
    # Django's own check is still django-check, and per-command help still works.
    assert "--deploy" in helpline(tmp_path, "django-check", "--help").stdout
    assert "--demo" in helpline(tmp_path, "help", "start").stdout
