"""helpline parse-email: one JSON line per file, errors reported, exit code 1 on failure."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

CORPUS = Path(__file__).resolve().parent / "corpus"


def run(*args) -> list[str]:
    out = StringIO()
    call_command("parse_email", *args, stdout=out)
    return out.getvalue().splitlines()


def test_it_prints_one_json_object_per_file_without_html():
    files = [str(CORPUS / "multipart-alternative.eml"), str(CORPUS / "bounce-dsn-postfix.eml")]
    lines = run("--json", *files)
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["file"] == files[0]
    assert first["subject"] == "Alternative"
    assert first["text"] == "Plain version of the message."
    assert "html" not in first
    assert second["kind"] == "bounce"
    assert second["bounced_recipients"] == ["gone@example.org"]


def test_it_includes_html_when_asked():
    (line,) = run("--json", "--html", str(CORPUS / "multipart-alternative.eml"))
    assert "<i>message</i>" in json.loads(line)["html"]


def test_it_reports_unparseable_files_and_exits_with_1(tmp_path):
    empty = tmp_path / "empty.eml"
    empty.write_bytes(b"")
    good = str(CORPUS / "charset-utf8.eml")
    out = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("parse_email", "--json", str(empty), good, stdout=out)
    assert excinfo.value.returncode == 1
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first == {"file": str(empty), "error": "empty message"}
    assert second["subject"] == "Order status"


def test_it_prints_a_human_summary_without_json():
    lines = run(str(CORPUS / "multipart-nested-mixed.eml"))
    text = "\n".join(lines)
    assert "subject: Nested" in text
    assert "kind:    normal" in text
    assert "invoice 2025.pdf" in text
